"""ProducerBatchManager: the AIOProducer's buffer of produce() calls, grouped into one
MessageBatch per (topic, partition) when it is flushed."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence, Tuple

from pysim.kafka import KafkaException as _KafkaException

from ._message_batch import PARTITION_UA, MessageBatch, create_message_batch

if TYPE_CHECKING:
    from ._kafka_batch_executor import ProducerBatchExecutor

logger = logging.getLogger(__name__)

_REBUILT_FIELDS = ("partition", "timestamp", "headers")


def _future_callback(future: "asyncio.Future[Any]") -> Callable[[Any, Any], None]:
    """The delivery callback of one message: resolves its future (once)."""
    def on_delivery(err: Any, msg: Any) -> None:
        if future.done():
            return
        if err:
            future.set_exception(_KafkaException(err))
        else:
            future.set_result(msg)
    return on_delivery


class ProducerBatchManager:
    def __init__(self, kafka_executor: "ProducerBatchExecutor") -> None:
        self._kafka_executor = kafka_executor
        self._message_buffer: List[Dict[str, Any]] = []
        self._buffer_futures: List["asyncio.Future[Any]"] = []

    # -- the buffer ------------------------------------------------------------------
    def add_message(self, msg_data: Dict[str, Any], future: "asyncio.Future[Any]") -> None:
        self._message_buffer.append(msg_data)
        self._buffer_futures.append(future)

    def get_buffer_size(self) -> int:
        return len(self._message_buffer)

    def is_buffer_empty(self) -> bool:
        return not self._message_buffer

    def clear_buffer(self) -> None:
        self._message_buffer.clear()
        self._buffer_futures.clear()

    def cancel_pending_futures(self) -> None:
        for future in self._buffer_futures:
            if not future.done():
                future.cancel()

    def _clear_topic_from_buffer(self, target_topic: str) -> None:
        kept = [(m, f) for m, f in zip(self._message_buffer, self._buffer_futures) if m["topic"] != target_topic]
        self._message_buffer = [m for m, _ in kept]
        self._buffer_futures = [f for _, f in kept]

    # -- batches ---------------------------------------------------------------------
    def _group_messages_by_topic_and_partition(self) -> Dict[Tuple[str, int], Dict[str, List[Any]]]:
        """{(topic, partition): {"messages": [...], "futures": [...]}} in buffer order (dict
        order: the first message of each group decides where the group comes)."""
        groups: Dict[Tuple[str, int], Dict[str, List[Any]]] = {}
        for msg_data, future in zip(self._message_buffer, self._buffer_futures):
            key = (msg_data["topic"], msg_data.get("partition", PARTITION_UA))
            group = groups.setdefault(key, {"messages": [], "futures": []})
            group["messages"].append(msg_data)
            group["futures"].append(future)
        return groups

    def _prepare_batch_messages(self, messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        """Copies without 'topic' (produce_batch takes the topic once)."""
        return [{k: v for k, v in m.items() if k != "topic"} for m in messages]

    def _assign_future_callbacks(self, batch_messages: List[Dict[str, Any]],
                                 futures: Sequence["asyncio.Future[Any]"]) -> None:
        for message, future in zip(batch_messages, futures):
            message["callback"] = _future_callback(future)

    def create_batches(self, target_topic: Optional[str] = None) -> List[MessageBatch]:
        batches = []
        for (topic, partition), group in self._group_messages_by_topic_and_partition().items():
            if target_topic is not None and topic != target_topic:
                continue
            messages = self._prepare_batch_messages(group["messages"])
            self._assign_future_callbacks(messages, group["futures"])
            batches.append(create_message_batch(topic, messages, group["futures"], partition=partition))
        return batches

    # -- flushing --------------------------------------------------------------------
    async def flush_buffer(self, target_topic: Optional[str] = None) -> None:
        """Send the buffer (or one topic's part of it) as batches. The buffer is emptied
        first; if a batch fails its futures get the exception, and every batch goes back into
        the buffer so nothing is lost, then the exception is raised."""
        if self.is_buffer_empty():
            return
        batches = self.create_batches(target_topic)
        if target_topic is None:
            self.clear_buffer()
        else:
            self._clear_topic_from_buffer(target_topic)
        try:
            await self._execute_batches(batches, target_topic)
        except Exception:
            try:
                self._add_batches_back_to_buffer(batches)
            except Exception:
                logger.error(f"Error adding batches back to buffer on failure. messages might be lost: {batches}")
                raise
            raise

    async def _execute_batches(self, batches: List[MessageBatch], target_topic: Optional[str] = None) -> None:
        for batch in batches:
            try:
                await self._kafka_executor.execute_batch(batch.topic, batch.messages, batch.partition)
            except Exception as exc:
                self._handle_batch_failure(exc, batch.futures)
                raise

    def _add_batches_back_to_buffer(self, batches: List[MessageBatch]) -> None:
        for batch in batches:
            for message, future in zip(batch.messages, batch.futures):
                msg_data = {"topic": batch.topic, "value": message.get("value"), "key": message.get("key")}
                msg_data.update({k: message[k] for k in _REBUILT_FIELDS if k in message})
                self.add_message(msg_data, future)

    def _handle_batch_failure(self, exception: Exception, batch_futures: Sequence["asyncio.Future[Any]"]) -> None:
        for future in batch_futures:
            if not future.done():
                future.set_exception(exception)
