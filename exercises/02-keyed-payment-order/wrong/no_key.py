# Wrong: no key, so the partitioner spreads one payment's events over many partitions.
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
