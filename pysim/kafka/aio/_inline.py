"""The executor side of the asyncio clients: :class:`InlineExecutor`, pysim's default, and
:data:`SIM_LOCK` for a caller's own executor (see docs/contributing/decisions.md).

Kept apart from _common because upstream's tests replace ``_AIOProducer._common`` with a
mock, and the default executor must still be a real one then."""

from __future__ import annotations

import concurrent.futures
import threading
from typing import Callable, Optional, TypeVar

T = TypeVar("T")


class InlineExecutor(concurrent.futures.ThreadPoolExecutor):
    """A ThreadPoolExecutor whose ``submit`` runs the call in the calling thread and returns
    a future that is already done: deterministic, and possible where threads are not."""

    _pysim_inline = True

    def submit(self, fn, /, *args, **kwargs):
        if self._shutdown:
            raise RuntimeError("cannot schedule new futures after shutdown")
        future: concurrent.futures.Future = concurrent.futures.Future()
        future.set_running_or_notify_cancel()
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed to whoever awaits the future
            future.set_exception(exc)
        else:
            future.set_result(result)
        return future

    def shutdown(self, wait=True, *, cancel_futures=False):
        self._shutdown = True       # no worker threads were ever started: nothing to join


def is_inline(executor) -> bool:
    return bool(getattr(executor, "_pysim_inline", False))


class _SimLock:
    """One caller at a time inside the simulator when calls run on real threads. Re-entrant
    for its owner, and a thread that waits for a coroutine on the event loop (a wrapped
    callback) lets go of it meanwhile, so that coroutine may call the client again."""

    def __init__(self):
        self._lock = threading.Lock()
        self._owner: Optional[int] = None
        self._depth = 0

    def __enter__(self):
        me = threading.get_ident()
        if self._owner != me:
            self._lock.acquire()
            self._owner = me
        self._depth += 1
        return self

    def __exit__(self, *exc):
        self._depth -= 1
        if self._depth == 0:
            self._owner = None
            self._lock.release()

    def held_by_me(self) -> bool:
        return self._owner == threading.get_ident()

    def suspended(self):
        """Context: give the lock up while this thread waits, take it back after."""
        return _Suspended(self)


class _Suspended:
    def __init__(self, lock: _SimLock):
        self._sim, self._depth = lock, 0

    def __enter__(self):
        if self._sim.held_by_me():
            self._depth, self._sim._depth, self._sim._owner = self._sim._depth, 0, None
            self._sim._lock.release()

    def __exit__(self, *exc):
        if self._depth:
            self._sim._lock.acquire()
            self._sim._owner, self._sim._depth = threading.get_ident(), self._depth


SIM_LOCK = _SimLock()


def _locked(fn: Callable[[], T]) -> Callable[[], T]:
    def call() -> T:
        with SIM_LOCK:
            return fn()
    return call
