"""Cost of group liveness: 10 virtual minutes of a 10-consumer group (heartbeats, auto
commit, a steady trickle of records) with two crashes and a rolling restart of every
member; prints one JSON line with the wall time and what the run did. The budget is
< 1 s in CPython. Runs unchanged in Pyodide (no threads, no wall clock inside pysim)."""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pysim import kafka  # noqa: E402
from pysim.kafka import availability  # noqa: E402

BOOTSTRAP = "bench-groups:9092"
TOPIC = "orders"
PARTITIONS = 20
CONSUMERS = 10
MINUTES = 10


def scenario(seed=0):
    """The run itself; returns (cluster, summary)."""
    kafka.reset_all(seed=seed)
    c = kafka.cluster(BOOTSTRAP)
    c.create_topic(TOPIC, num_partitions=PARTITIONS)
    producer = kafka.Producer({"bootstrap.servers": BOOTSTRAP})

    def start(i):
        consumer = kafka.Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": "bench", "client.id": f"c{i}",
                                   "auto.offset.reset": "earliest",
                                   "partition.assignment.strategy": "cooperative-sticky"})
        consumer.subscribe([TOPIC])
        return consumer

    consumers = {i: start(i) for i in range(CONSUMERS)}
    end_ms = MINUTES * 60_000
    events = {60_000: ("crash", 3), 150_000: ("crash", 7)}
    events.update({300_000 + 20_000 * i: ("restart", i) for i in range(CONSUMERS)})
    n = 0
    while c.now_ms < end_ms:
        for i in sorted(consumers):
            consumers[i].poll(0.1)         # each member polls; one round is one virtual second
        producer.produce(TOPIC, value=b"x", partition=n % PARTITIONS)
        producer.poll(0)
        n += 1
        for at in sorted(t for t in events if t <= c.now_ms):
            what, i = events.pop(at)
            if what == "crash":
                c.crash(consumers.pop(i))
                consumers[i] = start(i)    # a supervisor restarts it
            else:
                consumers.pop(i).close()
                consumers[i] = start(i)
    return c, availability.summary(c.trace, "bench", TOPIC, end_ms=c.now_ms)


def run():
    start = time.perf_counter()
    c, summary = scenario()
    elapsed = time.perf_counter() - start
    return {"benchmark": "groups", "consumers": CONSUMERS, "virtual_minutes": MINUTES,
            "wall_s": round(elapsed, 3), "trace_events": len(c.trace), "rebalances": summary["rebalances"],
            "total_unowned_ms": summary["total_unowned_ms"]}


if __name__ == "__main__":
    print(json.dumps(run(), sort_keys=True))
