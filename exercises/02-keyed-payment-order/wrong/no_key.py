# Wrong: no key. librdkafka sends records without a key to the topic's sticky partition, drawn
# again only once sticky.partitioning.linger.ms (10 ms) has passed: these 20 events, produced
# at one instant, all land in one partition and come back in order by luck. Nothing ties a
# payment's events to one partition: produced over time they are split (no_key_over_time.py).
# Fails: keyed_events, one_partition_per_payment
from pysim import kafka

PAYMENT_IDS = ["pay-1", "pay-2", "pay-3", "pay-4", "pay-5"]
STEPS = ["create", "authorize", "capture", "refund"]

cluster = kafka.cluster("localhost:9092")
cluster.create_topic("payments", num_partitions=6)
producer = kafka.Producer({"bootstrap.servers": "localhost:9092"})
for step in STEPS:
    for payment_id in PAYMENT_IDS:
        producer.produce("payments", value=f"{payment_id}:{step}")
producer.flush()

consumer = kafka.Consumer({"bootstrap.servers": "localhost:9092", "group.id": "auditor",
                           "auto.offset.reset": "earliest"})
consumer.subscribe(["payments"])
events_by_payment = {}
empty = 0
while empty < 3:
    msg = consumer.poll(1.0)
    if msg is None:
        empty += 1
        continue
    payment_id, step = msg.value().decode().split(":")
    events_by_payment.setdefault(payment_id, []).append(step)
for payment_id in PAYMENT_IDS:
    print(payment_id, ",".join(events_by_payment[payment_id]))
in_order = True  # assumed, not compared
