"""AIOProducer: confluent-kafka's asyncio producer over pysim's Producer.

produce() buffers the message and returns a future for its delivery; the buffer goes to
the producer's produce_batch when it holds ``batch_size`` messages, on flush(), and after
``buffer_timeout`` seconds without activity (BufferTimeoutManager).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from typing import Any, Callable, Dict, Optional

from pysim import kafka as confluent_kafka   # the name upstream's tests patch through

from .. import _common as _common
from .._inline import InlineExecutor, is_inline
from ._buffer_timeout_manager import BufferTimeoutManager
from ._kafka_batch_executor import ProducerBatchExecutor
from ._producer_batch_processor import ProducerBatchManager

logger = logging.getLogger(__name__)

_HEADERS_UNSUPPORTED = ("Headers are not supported in AIOProducer batch mode. "
                        "Use the synchronous Producer.produce() method if headers are required.")


class AIOProducer:
    def __init__(self, producer_conf: Dict[str, Any], max_workers: int = 4,
                 executor: Optional[concurrent.futures.Executor] = None,
                 batch_size: int = 1000, buffer_timeout: float = 1.0) -> None:
        # pysim's default executor runs each call in this thread (see _common.InlineExecutor).
        self.executor = executor if executor is not None else InlineExecutor(max_workers=max_workers)
        self._loop = asyncio.get_running_loop()
        _common.wrap_common_callbacks(self._loop, producer_conf)
        self._producer: confluent_kafka.Producer = confluent_kafka.Producer(producer_conf)
        self._batch_size: int = batch_size
        self._is_closed: bool = False
        self._kafka_executor = ProducerBatchExecutor(self._producer, self.executor)
        self._batch_processor = ProducerBatchManager(self._kafka_executor)
        self._buffer_timeout_manager = BufferTimeoutManager(self._batch_processor, self._kafka_executor,
                                                            buffer_timeout)
        if buffer_timeout > 0:
            self._buffer_timeout_manager.start_timeout_monitoring()

    async def __aenter__(self) -> "AIOProducer":
        return self

    async def __aexit__(self, *_) -> None:
        await self.close()

    async def close(self) -> None:
        """Stop the buffer timeout, flush everything (buffer and producer), then shut the
        executor down. A flush error is logged and raised."""
        self._is_closed = True
        self._buffer_timeout_manager.stop_timeout_monitoring()
        try:
            await self.flush()
        except Exception:
            logger.error("Error flushing messages during close", exc_info=True)
            raise
        if is_inline(self.executor):
            self.executor.shutdown(True)
        else:   # may wait for worker threads: not on the event loop's thread
            await asyncio.get_running_loop().run_in_executor(None, self.executor.shutdown, True)

    def __del__(self) -> None:
        if hasattr(self, "_is_closed"):
            self._is_closed = True
        if hasattr(self, "_buffer_timeout_manager"):
            self._buffer_timeout_manager.stop_timeout_monitoring()

    def __len__(self) -> int:
        """Messages not yet delivered: in the producer's queue plus in the buffer (0 once closed)."""
        if self._is_closed:
            return 0
        return len(self._producer) + self._batch_processor.get_buffer_size()

    async def poll(self, timeout: float = 0, *args: Any, **kwargs: Any) -> int:
        return await self._call(self._producer.poll, timeout, *args, **kwargs)

    async def produce(self, topic: str, value: Optional[Any] = None, key: Optional[Any] = None,
                      *args: Any, **kwargs: Any) -> "asyncio.Future[Any]":
        """Buffer a message; returns a future for its delivery (the Message, or a
        KafkaException). Headers are refused, as upstream refuses them."""
        if "headers" in kwargs:
            raise NotImplementedError(_HEADERS_UNSUPPORTED)
        result = asyncio.get_running_loop().create_future()
        msg_data = {"topic": topic, "value": value, "key": key}
        msg_data.update({k: kwargs[k] for k in ("partition", "timestamp") if k in kwargs})
        self._batch_processor.add_message(msg_data, result)
        self._buffer_timeout_manager.mark_activity()
        if self._batch_processor.get_buffer_size() >= self._batch_size:
            await self._flush_buffer()
        return result

    async def flush(self, *args: Any, **kwargs: Any) -> Any:
        """Send the buffer, then Producer.flush(*args): wait for the deliveries."""
        if not self._batch_processor.is_buffer_empty():
            await self._flush_buffer()
            self._buffer_timeout_manager.mark_activity()
        return await self._call(self._producer.flush, *args, **kwargs)

    async def purge(self, *args: Any, **kwargs: Any) -> Any:
        """Cancel the buffered messages' futures, empty the buffer, then Producer.purge(*args)."""
        self._batch_processor.cancel_pending_futures()
        self._batch_processor.clear_buffer()
        self._buffer_timeout_manager.mark_activity()
        return await self._call(self._producer.purge, *args, **kwargs)

    async def list_topics(self, *args: Any, **kwargs: Any) -> Any:
        return await self._call(self._producer.list_topics, *args, **kwargs)

    async def cluster_id(self, *args: Any, **kwargs: Any) -> str:
        """Producer.cluster_id(*args): the id of the cluster (confluent-kafka 2.16's addition)."""
        return await self._call(self._producer.cluster_id, *args, **kwargs)

    # -- transactions: commit/abort/begin flush the buffer first, so the transaction's
    #    boundary is where the learner's awaits put it
    async def init_transactions(self, *args: Any, **kwargs: Any) -> Any:
        return await self._call(self._producer.init_transactions, *args, **kwargs)

    async def begin_transaction(self, *args: Any, **kwargs: Any) -> Any:
        await self.flush()
        return await self._call(self._producer.begin_transaction, *args, **kwargs)

    async def send_offsets_to_transaction(self, *args: Any, **kwargs: Any) -> Any:
        return await self._call(self._producer.send_offsets_to_transaction, *args, **kwargs)

    async def commit_transaction(self, *args: Any, **kwargs: Any) -> Any:
        await self.flush()
        return await self._call(self._producer.commit_transaction, *args, **kwargs)

    async def abort_transaction(self, *args: Any, **kwargs: Any) -> Any:
        await self.flush()
        return await self._call(self._producer.abort_transaction, *args, **kwargs)

    async def set_sasl_credentials(self, *args: Any, **kwargs: Any) -> Any:
        return await self._call(self._producer.set_sasl_credentials, *args, **kwargs)

    async def _flush_buffer(self, target_topic: Optional[str] = None) -> None:
        await self._batch_processor.flush_buffer(target_topic)

    async def _call(self, blocking_task: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await _common.async_call(self.executor, blocking_task, *args, **kwargs)
