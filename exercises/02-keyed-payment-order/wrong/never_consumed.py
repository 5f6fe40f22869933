# Wrong: produces correctly but claims the order without consuming anything.
# Fails: consumed
from pysim import kafka

PAYMENT_IDS = ["pay-1", "pay-2", "pay-3", "pay-4", "pay-5"]
STEPS = ["create", "authorize", "capture", "refund"]

cluster = kafka.cluster("localhost:9092")
cluster.create_topic("payments", num_partitions=6)
producer = kafka.Producer({"bootstrap.servers": "localhost:9092"})
for step in STEPS:
    for payment_id in PAYMENT_IDS:
        producer.produce("payments", key=payment_id, value=step)
producer.flush()
events_by_payment = {p: list(STEPS) for p in PAYMENT_IDS}
in_order = True
print("all good (I think)")
