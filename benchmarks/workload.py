"""The throughput workload every contender runs: 100,000 keyed messages over 1,000
distinct keys into one topic of 6 partitions, produced and then consumed in full.
Kept in one place so the numbers compare like with like."""

import platform
import sys
import time

MESSAGES = 100_000
DISTINCT_KEYS = 1_000
PARTITIONS = 6
TOPIC = "bench"

KEYS = [b"key-%d" % i for i in range(DISTINCT_KEYS)]
VALUE = b"x" * 100


def key_for(i: int) -> bytes:
    return KEYS[i % DISTINCT_KEYS]


def rates(produced: int, produce_s: float, consumed: int, consume_s: float) -> dict:
    """One result row: counts, seconds and messages per second."""
    return {
        "messages": MESSAGES,
        "produced": produced,
        "consumed": consumed,
        "produce_seconds": round(produce_s, 4),
        "consume_seconds": round(consume_s, 4),
        "produce_per_s": round(produced / produce_s) if produce_s > 0 else None,
        "consume_per_s": round(consumed / consume_s) if consume_s > 0 else None,
        "python": platform.python_version(),
        "platform": sys.platform,
    }


def stopwatch():
    """Wall-clock seconds for benchmarks only (never inside the simulator)."""
    return time.perf_counter()
