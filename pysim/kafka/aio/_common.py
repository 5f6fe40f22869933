"""What the asyncio clients share: running a blocking pysim call from a coroutine, and
handing the sync client callbacks that run the learner's coroutines.

confluent-kafka runs every blocking call on a ThreadPoolExecutor. pysim's clients move one
virtual clock and Pyodide has no threads, so the default executor here is an
:class:`InlineExecutor`: a ThreadPoolExecutor (the upstream contract: ``isinstance`` and
``_max_workers`` hold) that runs each call in the calling thread, at once, and never starts
a thread. A caller's own executor does run calls on real threads; then :data:`SIM_LOCK`
lets one call into the simulator at a time (see docs/contributing/decisions.md).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
from typing import Any, Callable, Dict, Optional, Tuple, TypeVar

from ._inline import SIM_LOCK, InlineExecutor, _locked, is_inline  # noqa: F401  (re-exported)

T = TypeVar("T")


class AsyncLogger:
    """A ``logger`` for the sync client whose records are logged from the event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, logger: logging.Logger) -> None:
        self.loop = loop
        self.logger = logger

    def log(self, *args: Any, **kwargs: Any) -> None:
        self.loop.call_soon_threadsafe(lambda: self.logger.log(*args, **kwargs))


class CallbackAwaitedTheLoop(RuntimeError):
    """A callback coroutine, run inside a client call on the event loop's own thread,
    awaited something only the running event loop could finish."""


def _drive(coro, name: str):
    """Run ``coro`` to its end here and now. It may await the client's own methods (they
    finish without the loop) and ``asyncio.sleep(0)``; anything that needs the loop to turn
    cannot finish while the loop is inside this call, so that is an error, not a hang."""
    if not asyncio.iscoroutine(coro):
        raise TypeError("A coroutine object is required")     # what upstream's run_coroutine_threadsafe says
    try:
        while True:
            yielded = coro.send(None)
            if yielded is not None:         # a bare yield is asyncio.sleep(0); a future is a real wait
                coro.close()
                raise CallbackAwaitedTheLoop(
                    f"the {name} coroutine awaited {yielded!r}, which needs the event loop to run; "
                    "with pysim's default in-thread executor a client callback runs inside the "
                    "client call, so it may await only the client's own methods. Pass "
                    "executor=concurrent.futures.ThreadPoolExecutor(...) to run it as upstream does.")
    except StopIteration as done:
        return done.value


def wrap_callback(
    loop: asyncio.AbstractEventLoop,
    callback: Callable[..., Any],
    edit_args: Optional[Callable[[Tuple[Any, ...]], Tuple[Any, ...]]] = None,
    edit_kwargs: Optional[Callable[[Dict[str, Any]], Dict[str, Any]]] = None,
) -> Callable[..., Any]:
    """The sync callback for an async ``callback``: the client calls it, it runs the
    coroutine on ``loop`` and returns the coroutine's result. On the loop's own thread (the
    default executor) the coroutine runs to its end at once; from a worker thread it is
    handed to the loop, as upstream does, and the simulator lock is let go meanwhile."""
    name = getattr(callback, "__name__", "callback")

    def ret(*args: Any, **kwargs: Any) -> Any:
        if edit_args:
            args = edit_args(args)
        if edit_kwargs:
            kwargs = edit_kwargs(kwargs)
        if asyncio._get_running_loop() is loop:
            return _drive(callback(*args, **kwargs), name)
        future = asyncio.run_coroutine_threadsafe(callback(*args, **kwargs), loop)
        with SIM_LOCK.suspended():
            return future.result()

    return ret


def wrap_conf_callback(loop: asyncio.AbstractEventLoop, conf: Dict[str, Any], name: str) -> None:
    if name in conf:
        conf[name] = wrap_callback(loop, conf[name])


def wrap_conf_logger(loop: asyncio.AbstractEventLoop, conf: Dict[str, Any]) -> None:
    if "logger" in conf:
        conf["logger"] = AsyncLogger(loop, conf["logger"])


def wrap_common_callbacks(loop: asyncio.AbstractEventLoop, conf: Dict[str, Any]) -> None:
    for name in ("error_cb", "throttle_cb", "stats_cb"):
        wrap_conf_callback(loop, conf, name)
    wrap_conf_logger(loop, conf)


async def run_blocking(executor: concurrent.futures.Executor, call: Callable[[], T]) -> T:
    """Run a blocking client call for a coroutine. In the default executor: here and now,
    then one turn of the loop for the other tasks (so a callback coroutine that awaits a
    client method never waits on the loop). In a caller's executor: on its threads, one at a
    time inside the simulator."""
    if is_inline(executor):
        try:
            result = call()
        except Exception:
            await asyncio.sleep(0)
            raise
        await asyncio.sleep(0)
        return result
    return await asyncio.get_running_loop().run_in_executor(executor, _locked(call))


async def async_call(
    executor: concurrent.futures.Executor, blocking_task: Callable[..., T], *args: Any, **kwargs: Any
) -> T:
    """``blocking_task(*args, **kwargs)`` run as :func:`run_blocking` runs it."""
    return await run_blocking(executor, functools.partial(blocking_task, *args, **kwargs))
