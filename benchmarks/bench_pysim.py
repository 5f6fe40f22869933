"""Throughput of pysim.kafka on the shared workload; prints one JSON line. The same file
runs in CPython and, through tests/pyodide/run_in_pyodide.mjs, inside Pyodide."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import workload as w  # noqa: E402

from pysim import kafka  # noqa: E402

BOOTSTRAP = "bench-kafka:9092"


def run() -> dict:
    kafka.reset_all(seed=0)
    cluster = kafka.cluster(BOOTSTRAP)
    cluster.create_topic(w.TOPIC, num_partitions=w.PARTITIONS)
    conf = {"bootstrap.servers": BOOTSTRAP}

    producer = kafka.Producer(dict(conf, partitioner="murmur2_random"))
    start = w.stopwatch()
    for i in range(w.MESSAGES):
        producer.produce(w.TOPIC, value=w.VALUE, key=w.key_for(i))
    left = producer.flush(60)
    produce_s = w.stopwatch() - start
    assert left == 0, f"{left} messages not delivered"
    produced = sum(cluster.watermarks(w.TOPIC, p)[1] for p in range(w.PARTITIONS))

    consumer = kafka.Consumer(dict(conf, **{"group.id": "bench", "auto.offset.reset": "earliest",
                                            "enable.auto.commit": False}))
    consumer.subscribe([w.TOPIC])
    consumed = empty = 0
    start = w.stopwatch()
    while consumed < w.MESSAGES and empty < 100:
        msg = consumer.poll(0.1)
        if msg is None:
            empty += 1
        elif msg.error() is None:
            consumed += 1
    consume_s = w.stopwatch() - start
    consumer.close()
    return w.rates(produced, produce_s, consumed, consume_s)


if __name__ == "__main__":
    print(json.dumps(run(), sort_keys=True))
