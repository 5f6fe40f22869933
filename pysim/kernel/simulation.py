"""The kernel in one object: clock, randomness, scheduler and trace, handed to every
simulated component (components receive the kernel; they never build their own)."""

from pysim.kernel.clock import Clock
from pysim.kernel.rng import Rng
from pysim.kernel.scheduler import Scheduler
from pysim.kernel.trace import Trace


class Simulation:
    def __init__(self, seed: int = 0, start_ms: int = 0):
        self.seed = seed
        self.clock = Clock(start_ms)
        self.rng = Rng(seed)
        self.scheduler = Scheduler(self.clock)
        self.trace = Trace(self.clock)

    @property
    def now_ms(self) -> int:
        return self.clock.now_ms

    def advance(self, ms: int) -> int:
        """Move virtual time forward, running every event that falls due on the way."""
        self.scheduler.advance(ms)
        return self.clock.now_ms

    def record(self, kind: str, actor: str, **data):
        return self.trace.record(kind, actor, **data)
