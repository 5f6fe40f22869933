"""Virtual time. Nothing in pysim reads the wall clock: time only moves when told."""


class ClockError(ValueError):
    """Raised when someone tries to move time backwards or by a non-integer amount."""


class Clock:
    """Integer milliseconds that never go backwards."""

    __slots__ = ("_now",)

    def __init__(self, start_ms: int = 0):
        _check_ms(start_ms, "start_ms")
        if start_ms < 0:
            raise ClockError(f"start_ms must be >= 0, got {start_ms}")
        self._now = start_ms

    @property
    def now_ms(self) -> int:
        return self._now

    def advance(self, ms: int) -> int:
        """Move forward by ``ms`` (>= 0) and return the new time."""
        _check_ms(ms, "ms")
        if ms < 0:
            raise ClockError(f"time cannot move backwards (advance by {ms} ms)")
        self._now += ms
        return self._now

    def set(self, to_ms: int) -> int:
        """Move to an absolute time that is not before now."""
        _check_ms(to_ms, "to_ms")
        if to_ms < self._now:
            raise ClockError(f"time cannot move backwards (from {self._now} to {to_ms} ms)")
        self._now = to_ms
        return self._now

    def __repr__(self) -> str:
        return f"Clock(now_ms={self._now})"


def _check_ms(value, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ClockError(f"{name} must be an int number of milliseconds, got {value!r}")
