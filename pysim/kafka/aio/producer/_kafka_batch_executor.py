"""ProducerBatchExecutor: hands a batch to the sync Producer's produce_batch, then serves
delivery reports with poll(0), all as one blocking call on the executor."""

from __future__ import annotations

import concurrent.futures
import logging
from typing import Any, Dict, List, Sequence

from pysim import kafka as confluent_kafka   # the name upstream's tests patch through

from .. import _common
from ._message_batch import PARTITION_UA

logger = logging.getLogger(__name__)


class ProducerBatchExecutor:
    def __init__(self, producer: "confluent_kafka.Producer", executor: concurrent.futures.Executor) -> None:
        self._producer = producer
        self._executor = executor

    async def execute_batch(self, topic: str, batch_messages: Sequence[Dict[str, Any]],
                            partition: int = PARTITION_UA) -> int:
        """produce_batch(topic, messages, partition=partition), the callbacks of messages it
        refused (their '_error'), then poll(0); returns what poll returned."""
        messages: List[Dict[str, Any]] = list(batch_messages) if isinstance(batch_messages, tuple) \
            else batch_messages  # type: ignore[assignment]

        def produce_and_poll() -> int:
            self._producer.produce_batch(topic, messages, partition=partition)
            self._handle_partial_failures(messages)
            return self._producer.poll(0)

        return await _common.run_blocking(self._executor, produce_and_poll)

    async def flush_librdkafka_queue(self, timeout=-1):
        """Producer.flush(timeout) on the executor (0: serve what is ready, do not wait);
        returns how many messages are still queued."""
        return await _common.async_call(self._executor, self._producer.flush, timeout)

    def _handle_partial_failures(self, batch_messages: List[Dict[str, Any]]) -> None:
        """produce_batch gives a message it refused an '_error' and never calls its callback:
        call it here with (error, None). A callback that raises is logged and re-raised."""
        for message in batch_messages:
            if "_error" not in message:
                continue
            callback = message.get("callback")
            if callback:
                try:
                    callback(message["_error"], None)
                except Exception:
                    logger.warning("Exception in callback during partial failure handling", exc_info=True)
                    raise
