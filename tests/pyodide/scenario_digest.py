"""A seeded Kafka scenario that prints its trace digest as JSON. CPython and Pyodide run
this same file; equal digests show a run depends only on (scenario, seed), not on the
runtime. Usage: python scenario_digest.py [seed]"""

import json
import sys

from pysim import kafka

BOOTSTRAP = "digest-kafka:9092"


def run(seed: int) -> dict:
    kafka.reset_all(seed=seed)
    cluster = kafka.cluster(BOOTSTRAP)
    cluster.create_topic("orders", num_partitions=3)
    conf = {"bootstrap.servers": BOOTSTRAP}

    producer = kafka.Producer(dict(conf))
    for i in range(30):
        # Keyless records take the random path of the default partitioner: the seed shows.
        key = None if i % 3 == 0 else b"customer-%d" % (i % 7)
        producer.produce("orders", value=b"order-%d" % i, key=key)
    producer.flush(5)

    consumers = [kafka.Consumer(dict(conf, **{"group.id": "billing", "auto.offset.reset": "earliest",
                                              "enable.auto.commit": False}))
                 for _ in range(2)]
    for consumer in consumers:
        consumer.subscribe(["orders"])
    received = 0
    for _ in range(40):
        for consumer in consumers:
            msg = consumer.poll(0.5)
            if msg is not None and msg.error() is None:
                received += 1
                consumer.commit(message=msg, asynchronous=False)
        cluster.advance(100)
    for consumer in consumers:
        consumer.close()
    return {"seed": seed, "received": received, "events": len(cluster.trace),
            "digest": cluster.trace.digest()}


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 0), sort_keys=True))
