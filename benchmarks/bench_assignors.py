"""How long each consumer assignor takes for a large group: 1,000 partitions (10 topics of
100) among 100 members, computed from scratch and again after one member joins (every
member reporting what it owns, as a cooperative member does). Target: under 50 ms each in
CPython, since the coordinator runs the assignor inside a rebalance. Also times the same
group with unequal subscriptions (each member on 5 of the 10 topics), the sticky
assignor's slow, general path.

Prints one JSON line and writes benchmarks/results/assignors.json."""

import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
import workload  # noqa: E402

from pysim.kafka.assignors import RANGE, ROUNDROBIN, COOPERATIVE_STICKY, MemberSubscription, assign  # noqa: E402

RESULT = HERE / "results" / "assignors.json"
TOPICS, PARTITIONS_PER_TOPIC, MEMBERS = 10, 100, 100
TARGET_MS = 50.0
REPEATS = 7           # the median of this many timings is reported


def group(members, topics_of):
    return [MemberSubscription(f"consumer-{i:03d}", topics_of(i)) for i in range(members)]


def joined(previous, result, topics_of):
    """The group after one more member joins: the others report what they own."""
    members = [MemberSubscription(m.member_id, m.topics, owned=result[m.member_id], generation=1)
               for m in previous]
    return members + [MemberSubscription(f"consumer-{len(previous):03d}", topics_of(len(previous)))]


def median_ms(strategy, members, partitions):
    times = []
    for _ in range(REPEATS):
        start = workload.stopwatch()
        assign(strategy, members, partitions)
        times.append((workload.stopwatch() - start) * 1000)
    return round(sorted(times)[len(times) // 2], 2)


def run() -> dict:
    names = [f"topic-{t}" for t in range(TOPICS)]
    partitions = {name: PARTITIONS_PER_TOPIC for name in names}
    shapes = {"equal": lambda i: names, "unequal": lambda i: [names[(i + k) % TOPICS] for k in range(5)]}
    out = {"partitions": TOPICS * PARTITIONS_PER_TOPIC, "members": MEMBERS, "target_ms": TARGET_MS,
           "repeats": REPEATS, "timings_ms": {}}
    for shape, topics_of in shapes.items():
        for strategy in (RANGE, ROUNDROBIN, COOPERATIVE_STICKY):
            scratch = group(MEMBERS, topics_of)
            first = assign(strategy, scratch, partitions)
            rejoin = joined(scratch, first, topics_of)
            out["timings_ms"][f"{strategy}/{shape}/from_scratch"] = median_ms(strategy, scratch, partitions)
            out["timings_ms"][f"{strategy}/{shape}/one_joined"] = median_ms(strategy, rejoin, partitions)
    out["equal_met"] = all(ms < TARGET_MS for key, ms in out["timings_ms"].items() if "/equal/" in key)
    out["python"] = sys.version.split()[0]
    return out


if __name__ == "__main__":
    result = run()
    os.makedirs(RESULT.parent, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    print(json.dumps(result, sort_keys=True))
