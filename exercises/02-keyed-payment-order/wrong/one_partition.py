# Wrong: avoids the problem by using a single partition instead of the required 6.
# Fails: topic, spread_over_partitions
from pysim import kafka

PAYMENT_IDS = ["pay-1", "pay-2", "pay-3", "pay-4", "pay-5"]
STEPS = ["create", "authorize", "capture", "refund"]

cluster = kafka.cluster("localhost:9092")
cluster.create_topic("payments", num_partitions=1)
producer = kafka.Producer({"bootstrap.servers": "localhost:9092"})
for step in STEPS:
    for payment_id in PAYMENT_IDS:
        producer.produce("payments", key=payment_id, value=step)
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
    events_by_payment.setdefault(msg.key().decode(), []).append(msg.value().decode())
for payment_id in PAYMENT_IDS:
    print(payment_id, ",".join(events_by_payment[payment_id]))
in_order = all(events_by_payment.get(p) == STEPS for p in PAYMENT_IDS)
