"""asyncio in pysim's virtual time.

:class:`VirtualTimeLoop` is an asyncio event loop whose clock is a simulated cluster's
virtual clock. When every task is waiting it does not sleep: it moves the cluster's time
to the next timer (running the simulator's events on the way), like trio's autojump
clock. ``await asyncio.sleep(5)`` therefore takes five virtual seconds and no real time,
and a run is the same every time for one seed, in CPython and in Pyodide.

    from pysim.asyncio_loop import run
    run(main())                          # like asyncio.run(main()), in virtual time

The course harness runs learner code inside :func:`virtual_asyncio`, which makes
``asyncio.run`` do this (in the browser, Pyodide's own loop cannot run it: see there).

A consumer's poll() waits through the loop (:meth:`VirtualTimeLoop.simulation_changed`), so
the other tasks keep their times meanwhile, as they do beside upstream's worker threads.

If every task waits and nothing is scheduled, a real program would hang for ever; this
loop raises :class:`VirtualTimeDeadlock` instead. A blocking call running on a real thread
(a caller's own executor) holds virtual time still until the thread is done.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading

DEFAULT_SERVERS = "localhost:9092"


class VirtualTimeDeadlock(RuntimeError):
    """Every task is waiting and no timer is set: nothing can ever happen again."""


class _AutojumpSelector:
    """Stands where BaseEventLoop expects its selector: ``select(timeout)`` is where a real
    loop blocks; here it moves virtual time forward by ``timeout`` instead."""

    def __init__(self, loop: "VirtualTimeLoop"):
        self._loop = loop

    def select(self, timeout=None):
        return self._loop._wait(timeout)

    def close(self):
        pass


class VirtualTimeLoop(asyncio.BaseEventLoop):
    """An event loop on the virtual clock of ``kafka.cluster(servers)`` (looked up at each
    reading, so ``kafka.reset_all`` does not leave the loop on a forgotten cluster). It
    has no sockets, subprocesses or signal handlers: pysim's clients need none."""

    _pysim_virtual = True

    def __init__(self, servers: str = DEFAULT_SERVERS):
        super().__init__()
        self._servers = servers
        self._selector = _AutojumpSelector(self)
        self._clock_resolution = 0.001          # the virtual clock counts whole milliseconds
        self._woken = threading.Event()         # call_soon_threadsafe from a worker thread
        self._threads_busy = 0                  # run_in_executor calls on real threads
        self._sim_waiters = []                  # [future, simulation state when it began to wait]
        self._stale_wakes = 0                   # waiters woken in a row without time moving

    def cluster(self):
        from pysim import kafka
        return kafka.cluster(self._servers)

    def time(self) -> float:
        return self.cluster().now_ms / 1000.0

    def simulation_changed(self, deadline: float) -> "asyncio.Future[None]":
        """A future done when the simulated cluster may look different: after the next
        step of virtual time (to the simulator's next event or the loop's next timer), as
        soon as the loop is idle after other tasks changed it, or at ``deadline`` (loop
        time). What a blocking wait (a consumer's poll) awaits instead of holding the clock,
        so the other tasks run at their own times meanwhile, as beside upstream's threads."""
        future = self.create_future()
        waiter = [future, self._sim_state()]
        self._sim_waiters.append(waiter)
        timer = self.call_at(deadline, _set_done, future)

        def forget(_):
            timer.cancel()
            if waiter in self._sim_waiters:
                self._sim_waiters.remove(waiter)
        future.add_done_callback(forget)
        return future

    def _sim_state(self):
        """What moves when the simulated world changes: the clock, the trace (every record
        appended, commit, membership change...) and the events set in motion."""
        cluster = self.cluster()
        return cluster.now_ms, len(cluster.trace), cluster.sim.scheduler.scheduled_count()

    def _step_for_waiters(self, timeout):
        """The loop is idle and someone waits for the simulation: wake, without moving time,
        those that began waiting before another task changed it (at most 1000 times in a
        row, so two waiters that keep changing it cannot hold time still for ever), else
        move time to the simulator's next event (or the next timer) and wake them all."""
        state = self._sim_state()
        stale = [w for w in self._sim_waiters if w[1] != state]
        if stale and self._stale_wakes < 1000:
            self._stale_wakes += 1
            for future, _ in stale:
                _set_done(future)
            return
        self._stale_wakes = 0
        cluster = self.cluster()
        now, due = cluster.now_ms, cluster.sim.scheduler.next_due_ms()
        step = None if timeout is None else max(1, math.ceil(timeout * 1000 - 1e-6))
        if due is not None:
            step = max(0, due - now) if step is None else min(step, max(0, due - now))
        cluster.advance(step)
        for future, _ in list(self._sim_waiters):
            _set_done(future)

    # -- what BaseEventLoop leaves to a subclass --------------------------------------
    def _process_events(self, event_list):
        pass

    def _write_to_self(self):
        self._woken.set()

    def run_in_executor(self, executor, func, *args):
        if getattr(executor, "_pysim_inline", False):
            return super().run_in_executor(executor, func, *args)
        future = super().run_in_executor(executor, func, *args)
        self._threads_busy += 1
        future.add_done_callback(self._thread_done)
        return future

    def _thread_done(self, _future):
        self._threads_busy -= 1

    async def shutdown_default_executor(self, *args, **kwargs):
        # joins the default executor on a thread of its own, which then wakes the loop
        self._threads_busy += 1
        try:
            await super().shutdown_default_executor(*args, **kwargs)
        finally:
            self._threads_busy -= 1

    def _wait(self, timeout):
        if self._woken.is_set() or timeout == 0:
            self._woken.clear()
            return []
        if self._threads_busy:
            # A worker thread is inside a blocking call: virtual time waits for it, in real
            # time, as a real loop waits for its threads.
            self._woken.wait()
            self._woken.clear()
            return []
        if self._sim_waiters:
            self._step_for_waiters(timeout)
            return []
        if timeout is None:
            raise VirtualTimeDeadlock(
                "every task is waiting and nothing is scheduled, so nothing can happen any more "
                "(a real program would hang here): is something awaited that no task will ever finish?")
        self.cluster().advance(max(1, math.ceil(timeout * 1000 - 1e-6)))
        return []


def _set_done(future):
    if not future.done():
        future.set_result(None)


def _pyodide_loop():
    """Pyodide's WebLoop, which Pyodide keeps registered as the running loop even while
    synchronous code runs, or None. It cannot block (asyncio.run on it needs WebAssembly
    stack switching, which Node and most browsers lack), so pysim runs its own loop in its
    place for the duration."""
    running = asyncio._get_running_loop()
    if running is not None and type(running).__module__ == "pyodide.webloop":
        return running
    return None


@contextlib.contextmanager
def _instead_of_pyodide_loop():
    """In Pyodide: step out of the WebLoop (and out of its current task, when the code runs
    under runPythonAsync: asyncio lets one task run per thread) and back in afterwards."""
    web = _pyodide_loop()
    if web is None:
        yield
        return
    task = asyncio.current_task(web)
    if task is not None:
        asyncio.tasks._leave_task(web, task)
    asyncio._set_running_loop(None)
    try:
        yield
    finally:
        asyncio._set_running_loop(web)
        if task is not None:
            asyncio.tasks._enter_task(web, task)


def run(main, *, servers: str = DEFAULT_SERVERS, debug=None):
    """``asyncio.run(main)`` on a :class:`VirtualTimeLoop` for ``kafka.cluster(servers)``."""
    with _instead_of_pyodide_loop():
        with asyncio.Runner(debug=debug, loop_factory=lambda: VirtualTimeLoop(servers)) as runner:
            return runner.run(main)


@contextlib.contextmanager
def virtual_asyncio(servers: str = DEFAULT_SERVERS):
    """While inside, ``asyncio.run(main)`` runs ``main`` in virtual time (:func:`run`); an
    explicit ``loop_factory`` is still honoured. The course harness runs learner code so."""
    original = asyncio.run

    def virtual_run(main, *, debug=None, loop_factory=None):
        if loop_factory is not None:
            with _instead_of_pyodide_loop():
                return original(main, debug=debug, loop_factory=loop_factory)
        return run(main, servers=servers, debug=debug)

    virtual_run.__doc__ = original.__doc__
    asyncio.run = virtual_run
    try:
        yield
    finally:
        asyncio.run = original
