"""Throughput of mockafka-py (an in-memory confluent-kafka fake) on the shared workload;
prints one JSON line. mockafka has no partitioner (produce needs partition=), so the
murmur2 rule is computed here, inside the timed loop, to do the same work as pysim."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import workload as w  # noqa: E402

from confluent_kafka.admin import NewTopic  # noqa: E402
from mockafka import FakeAdminClientImpl, FakeConsumer, FakeProducer  # noqa: E402

from pysim.partitioner import partition_for_key  # noqa: E402


def run() -> dict:
    admin = FakeAdminClientImpl(clean=True)
    admin.create_topics([NewTopic(w.TOPIC, num_partitions=w.PARTITIONS)])

    producer = FakeProducer()
    start = w.stopwatch()
    for i in range(w.MESSAGES):
        key = w.key_for(i)
        producer.produce(w.TOPIC, value=w.VALUE, key=key, partition=partition_for_key(key, w.PARTITIONS))
    producer.flush()
    produce_s = w.stopwatch() - start
    produced = sum(producer.kafka.get_partition_next_offset(w.TOPIC, p) for p in range(w.PARTITIONS))

    consumer = FakeConsumer()
    consumer.subscribe([w.TOPIC])
    consumed = 0
    start = w.stopwatch()
    while consumed < w.MESSAGES:
        msg = consumer.poll(0.1)
        if msg is None:
            break
        consumed += 1
    consume_s = w.stopwatch() - start
    consumer.close()
    return w.rates(produced, produce_s, consumed, consume_s)


if __name__ == "__main__":
    print(json.dumps(run(), sort_keys=True))
