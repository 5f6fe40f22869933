"""The one queue of future events, ordered by (time, sequence number), so that events
due at the same millisecond always run in the order they were scheduled."""

import heapq
from typing import Callable


class Timer:
    """A handle to a scheduled call; ``cancel()`` stops it from running."""

    __slots__ = ("due_ms", "seq", "callback", "args", "cancelled")

    def __init__(self, due_ms: int, seq: int, callback: Callable, args: tuple):
        self.due_ms, self.seq, self.callback, self.args = due_ms, seq, callback, args
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True

    def __lt__(self, other: "Timer") -> bool:
        return (self.due_ms, self.seq) < (other.due_ms, other.seq)


class Scheduler:
    def __init__(self, clock):
        self.clock = clock
        self._queue: list[Timer] = []
        self._seq = 0

    def call_at(self, due_ms: int, callback: Callable, *args) -> Timer:
        if due_ms < self.clock.now_ms:
            due_ms = self.clock.now_ms
        timer = Timer(due_ms, self._seq, callback, args)
        self._seq += 1
        heapq.heappush(self._queue, timer)
        return timer

    def call_later(self, delay_ms: int, callback: Callable, *args) -> Timer:
        if delay_ms < 0:
            raise ValueError(f"delay must be >= 0 ms, got {delay_ms}")
        return self.call_at(self.clock.now_ms + delay_ms, callback, *args)

    def scheduled_count(self) -> int:
        """How many events were ever scheduled: it moves when anything new is set in motion."""
        return self._seq

    def next_due_ms(self) -> int | None:
        self._drop_cancelled()
        return self._queue[0].due_ms if self._queue else None

    def run_until(self, until_ms: int) -> int:
        """Run every event due at or before ``until_ms`` in order, moving the clock to
        each event's time and finally to ``until_ms``. Returns how many ran."""
        ran = 0
        while True:
            self._drop_cancelled()
            if not self._queue or self._queue[0].due_ms > until_ms:
                break
            timer = heapq.heappop(self._queue)
            self.clock.set(timer.due_ms)
            timer.callback(*timer.args)
            ran += 1
        self.clock.set(until_ms)
        return ran

    def advance(self, ms: int) -> int:
        if ms < 0:
            raise ValueError(f"time cannot move backwards (advance by {ms} ms)")
        return self.run_until(self.clock.now_ms + ms)

    def pending(self) -> int:
        self._drop_cancelled()
        return sum(1 for t in self._queue if not t.cancelled)

    def _drop_cancelled(self) -> None:
        while self._queue and self._queue[0].cancelled:
            heapq.heappop(self._queue)
