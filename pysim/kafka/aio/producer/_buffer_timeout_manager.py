"""BufferTimeoutManager: flushes the AIOProducer's buffer once it has seen no activity for
``timeout`` seconds, from a background task that wakes every timeout/2 (0.1 s to 1 s).

Its clock is the event loop's when that loop is pysim's virtual-time loop (so the timeout
takes virtual seconds and a run is deterministic); under any other loop it is ``time.time()``,
as upstream's, whose unit tests set ``_last_activity`` from ``time.time()``. Such a loop
sleeps in real time anyway, so nothing deterministic is lost there.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from ._kafka_batch_executor import ProducerBatchExecutor
    from ._producer_batch_processor import ProducerBatchManager

logger = logging.getLogger(__name__)


def _now() -> float:
    loop = asyncio._get_running_loop()
    if loop is not None and getattr(loop, "_pysim_virtual", False):
        return loop.time()
    return time.time()


def check_interval(timeout: float) -> float:
    """How often the monitor looks: half the timeout, at least 0.1 s and at most 1 s."""
    return max(0.1, min(1.0, timeout / 2))


class BufferTimeoutManager:
    def __init__(self, batch_processor: "ProducerBatchManager", kafka_executor: "ProducerBatchExecutor",
                 timeout: float) -> None:
        self._batch_processor = batch_processor
        self._kafka_executor = kafka_executor
        self._timeout = timeout
        self._last_activity: float = _now()
        self._timeout_task: Optional["asyncio.Task[None]"] = None
        self._running: bool = False

    def start_timeout_monitoring(self) -> None:
        """Start the background task (not when the timeout is 0 or less: disabled)."""
        if not self._timeout or self._timeout <= 0:
            return
        self._running = True
        self._timeout_task = asyncio.create_task(self._monitor_timeout())

    def stop_timeout_monitoring(self) -> None:
        self._running = False
        if self._timeout_task is not None and not self._timeout_task.done():
            self._timeout_task.cancel()
            self._timeout_task = None

    def mark_activity(self) -> None:
        """A produce, flush or purge just happened: the inactivity count starts again."""
        self._last_activity = _now()

    async def _monitor_timeout(self) -> None:
        # Holds the manager only weakly between checks, so a producer that is dropped
        # without close() does not live on through its own task.
        ref = weakref.ref(self)
        del self
        while True:
            manager = ref()
            if manager is None or not manager._running:
                return
            interval = check_interval(manager._timeout)
            del manager
            await asyncio.sleep(interval)
            manager = ref()
            if manager is None or not manager._running:
                return
            if _now() - manager._last_activity >= manager._timeout:
                try:
                    await manager._flush_buffer_due_to_timeout()
                    manager.mark_activity()
                except Exception:
                    logger.error("Error flushing buffer due to timeout", exc_info=True)
                    raise
            del manager

    async def _flush_buffer_due_to_timeout(self) -> None:
        """Send the buffer to the producer, then flush(0): serve the delivery reports that are
        ready without waiting (also when the buffer was empty)."""
        await self._batch_processor.flush_buffer()
        await self._kafka_executor.flush_librdkafka_queue(0)
