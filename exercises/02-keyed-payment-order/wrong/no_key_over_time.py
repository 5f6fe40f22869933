# Wrong: no key, with each step produced a second after the previous one, as a real payment
# service would. librdkafka's sticky partition for records without a key is drawn again after
# sticky.partitioning.linger.ms (10 ms), so each step of the payments lands in a freshly drawn
# partition: a payment's events are split over partitions and come back out of order.
# Fails: one_partition_per_payment, consumed
from pysim import kafka

PAYMENT_IDS = ["pay-1", "pay-2", "pay-3", "pay-4", "pay-5"]
STEPS = ["create", "authorize", "capture", "refund"]

cluster = kafka.cluster("localhost:9092")
cluster.create_topic("payments", num_partitions=6)
producer = kafka.Producer({"bootstrap.servers": "localhost:9092"})
for step in STEPS:
    for payment_id in PAYMENT_IDS:
        producer.produce("payments", value=f"{payment_id}:{step}")
    cluster.advance(1000)               # the next step of every payment comes a second later
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
in_order = all(events_by_payment.get(p) == STEPS for p in PAYMENT_IDS)
print("per-key order kept:", in_order)
