# Wrong: keys each event by its payment id but also passes partition=0, which overrides the
# partitioner. Every payment stays in order, but all of them sit in one hot partition: in a
# group of six consumers only partition 0's owner works, and a producer that lets the key
# choose (as every other service would) sends the same payment somewhere else.
# Fails: partition_from_key, spread_over_partitions
from pysim import kafka

PAYMENT_IDS = ["pay-1", "pay-2", "pay-3", "pay-4", "pay-5"]
STEPS = ["create", "authorize", "capture", "refund"]

cluster = kafka.cluster("localhost:9092")
cluster.create_topic("payments", num_partitions=6)

producer = kafka.Producer({"bootstrap.servers": "localhost:9092"})
for step in STEPS:
    for payment_id in PAYMENT_IDS:
        producer.produce("payments", key=payment_id, value=step, partition=0)
producer.flush()

consumer = kafka.Consumer({"bootstrap.servers": "localhost:9092",
                           "group.id": "auditor",
                           "auto.offset.reset": "earliest"})
consumer.subscribe(["payments"])

events_by_payment = {}
empty_polls = 0
while empty_polls < 3:
    msg = consumer.poll(1.0)
    if msg is None:
        empty_polls += 1
        continue
    if msg.error():
        continue
    events_by_payment.setdefault(msg.key().decode(), []).append(msg.value().decode())
consumer.close()

for payment_id in PAYMENT_IDS:
    print(payment_id, "p0", ",".join(events_by_payment[payment_id]))

in_order = all(events_by_payment.get(p) == STEPS for p in PAYMENT_IDS)
print("per-key order kept:", in_order)
