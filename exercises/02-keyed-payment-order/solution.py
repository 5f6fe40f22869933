from pysim import kafka

PAYMENT_IDS = ["pay-1", "pay-2", "pay-3", "pay-4", "pay-5"]
STEPS = ["create", "authorize", "capture", "refund"]

cluster = kafka.cluster("localhost:9092")
cluster.create_topic("payments", num_partitions=6)

producer = kafka.Producer({"bootstrap.servers": "localhost:9092"})
# Interleave payments, as a real service would: step by step across all payments.
for step in STEPS:
    for payment_id in PAYMENT_IDS:
        producer.produce("payments", key=payment_id, value=step)
producer.flush()

consumer = kafka.Consumer({"bootstrap.servers": "localhost:9092",
                           "group.id": "auditor",
                           "auto.offset.reset": "earliest"})
consumer.subscribe(["payments"])

events_by_payment = {}
partition_of = {}
empty_polls = 0
while empty_polls < 3:
    msg = consumer.poll(1.0)
    if msg is None:
        empty_polls += 1
        continue
    if msg.error():
        continue
    payment_id = msg.key().decode()
    events_by_payment.setdefault(payment_id, []).append(msg.value().decode())
    partition_of.setdefault(payment_id, set()).add(msg.partition())
consumer.close()

for payment_id in PAYMENT_IDS:
    partitions = ",".join(f"p{p}" for p in sorted(partition_of[payment_id]))
    print(payment_id, partitions, ",".join(events_by_payment[payment_id]))

in_order = all(events_by_payment.get(p) == STEPS for p in PAYMENT_IDS)
print("per-key order kept:", in_order)
