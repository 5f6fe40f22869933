"""AIOConsumer: confluent-kafka's asyncio consumer over pysim's Consumer. Every method is
the sync method awaited through the executor; on_assign/on_revoke/on_lost, on_commit,
error_cb, throttle_cb and stats_cb are coroutines, run as upstream runs them (see
_common.wrap_callback), and the rebalance callbacks get the AIOConsumer as first argument.

As confluent-kafka 2.16.1 (the client the course moves to): ``max_workers`` defaults to 100,
a call after close() raises ``RuntimeError("Consumer closed")``, and close() shuts down an
executor the consumer made itself. 2.16.1 also serializes concurrent calls on one consumer
(its ReentryContext); pysim's calls are serialized already (in-thread, or SIM_LOCK)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
from typing import Any, Callable, Dict, Optional, Tuple

from pysim import kafka as confluent_kafka   # the name upstream's tests patch through

from pysim.kafka.consumer import _timeout_ms

from . import _common as _common
from ._inline import InlineExecutor, is_inline

_REBALANCE_CALLBACKS = ("on_assign", "on_revoke", "on_lost")


def _arguments(method: Callable[..., Any], args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Dict[str, Any]:
    """The arguments of a call to the sync ``method``, defaults filled in (a wrong call is
    the TypeError the sync method gives)."""
    bound = inspect.signature(method).bind(*args, **kwargs)
    bound.apply_defaults()
    return bound.arguments


def _forward(name: str):
    async def method(self, *args: Any, **kwargs: Any) -> Any:
        return await self._call(getattr(self._consumer, name), *args, **kwargs)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"``Consumer.{name}(*args, **kwargs)``, awaited through the executor."
    return method


class AIOConsumer:
    def __init__(self, consumer_conf: Dict[str, Any], max_workers: int = 100,
                 executor: Optional[concurrent.futures.Executor] = None) -> None:
        self._closed = False
        self._owns_executor = False
        if executor is not None:
            self.executor = executor
        else:
            if max_workers < 1:
                raise ValueError("max_workers must be at least 1")
            # pysim's default executor runs each call in this thread (see _common.InlineExecutor).
            self.executor = InlineExecutor(max_workers=max_workers)
            self._owns_executor = True
        loop = asyncio.get_running_loop()
        _common.wrap_common_callbacks(loop, consumer_conf)
        _common.wrap_conf_callback(loop, consumer_conf, "on_commit")
        self._consumer: confluent_kafka.Consumer = confluent_kafka.Consumer(consumer_conf)

    async def __aenter__(self) -> "AIOConsumer":
        return self

    async def __aexit__(self, *_) -> None:
        await self.close()

    async def _call(self, blocking_task: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self._closed:
            raise RuntimeError("Consumer closed")
        return await _common.async_call(self.executor, blocking_task, *args, **kwargs)

    def _wrap_callback(self, loop: asyncio.AbstractEventLoop, callback: Callable[..., Any],
                       edit_args: Optional[Callable[[Tuple[Any, ...]], Tuple[Any, ...]]] = None,
                       edit_kwargs: Optional[Callable[[Any], Any]] = None) -> Callable[..., Any]:
        return _common.wrap_callback(loop, callback, edit_args, edit_kwargs)

    def _edit_rebalance_callbacks_args(self, args: Tuple[Any, ...]) -> Tuple[Any, ...]:
        return (self,) + tuple(args[1:])

    async def subscribe(self, *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        for name in _REBALANCE_CALLBACKS:
            if name in kwargs:
                kwargs[name] = self._wrap_callback(loop, kwargs[name], self._edit_rebalance_callbacks_args)
        return await self._call(self._consumer.subscribe, *args, **kwargs)

    async def poll(self, *args: Any, **kwargs: Any) -> Any:
        """``Consumer.poll(*args, **kwargs)``, awaited through the executor; on pysim's
        virtual-time loop the wait goes through the loop (see ``_wait_on_loop``)."""
        if not _waits_on_loop(self):
            return await self._call(self._consumer.poll, *args, **kwargs)
        timeout = _arguments(self._consumer.poll, args, kwargs)["timeout"]
        return await _wait_on_loop(self, timeout, lambda: self._consumer.poll(0), lambda msg: msg is not None)

    async def consume(self, *args: Any, **kwargs: Any) -> Any:
        """``Consumer.consume(*args, **kwargs)``, awaited through the executor; on pysim's
        virtual-time loop the wait goes through the loop (see ``_wait_on_loop``)."""
        if not _waits_on_loop(self):
            return await self._call(self._consumer.consume, *args, **kwargs)
        bound = _arguments(self._consumer.consume, args, kwargs)
        num_messages, got = bound["num_messages"], []

        def attempt() -> list:
            got.extend(self._consumer.consume(num_messages - len(got), 0))
            return got

        return await _wait_on_loop(self, bound["timeout"], attempt, lambda out: len(out) >= num_messages)

    async def close(self, *args: Any, **kwargs: Any) -> Any:
        """Consumer.close(*args); then no call is accepted, and an executor the consumer made
        itself is shut down."""
        try:
            return await self._call(self._consumer.close, *args, **kwargs)
        finally:
            self._closed = True
            if self._owns_executor:
                if is_inline(self.executor):
                    self.executor.shutdown(True)
                else:
                    await asyncio.get_running_loop().run_in_executor(None, self.executor.shutdown, True)

    unsubscribe = _forward("unsubscribe")
    commit = _forward("commit")
    seek = _forward("seek")
    pause = _forward("pause")
    resume = _forward("resume")
    store_offsets = _forward("store_offsets")
    committed = _forward("committed")
    assign = _forward("assign")
    unassign = _forward("unassign")
    incremental_assign = _forward("incremental_assign")
    incremental_unassign = _forward("incremental_unassign")
    assignment = _forward("assignment")
    position = _forward("position")
    consumer_group_metadata = _forward("consumer_group_metadata")
    set_sasl_credentials = _forward("set_sasl_credentials")
    list_topics = _forward("list_topics")
    cluster_id = _forward("cluster_id")         # confluent-kafka 2.16's addition
    get_watermark_offsets = _forward("get_watermark_offsets")
    offsets_for_times = _forward("offsets_for_times")


def _waits_on_loop(aio: AIOConsumer) -> bool:
    """True on pysim's virtual-time loop of this consumer's own cluster, with the default
    in-thread executor: there a blocking wait inside the call would stop every other task."""
    loop = asyncio.get_running_loop()
    return (getattr(loop, "_pysim_virtual", False) and is_inline(aio.executor)
            and getattr(aio._consumer, "_c", None) is loop.cluster())


async def _wait_on_loop(aio: AIOConsumer, timeout: Any, attempt: Callable[[], Any],
                        done: Callable[[Any], bool]) -> Any:
    """Upstream waits in poll()/consume() on a worker thread while the event loop runs the
    other tasks. Here: ``attempt()`` (the call with timeout 0, which takes no virtual
    time) until ``done`` or the timeout, and in between the loop's
    ``simulation_changed``: the other tasks run at their times, and the consumer looks
    again after each step of virtual time or change they made, as the sync poll() looks
    after each simulator event. An infinite timeout waits at most
    max.poll.interval.ms, as the sync poll() does."""
    if aio._closed:
        raise RuntimeError("Consumer closed")
    ms = _timeout_ms(timeout)
    loop, cluster = asyncio.get_running_loop(), aio._consumer._c
    deadline = cluster.now_ms + (aio._consumer._max_wait_ms if ms is None else ms)
    while True:
        result = await aio._call(attempt)
        if done(result) or cluster.now_ms >= deadline:
            return result
        await loop.simulation_changed(deadline / 1000)
