from pysim import kafka

PAYMENT_IDS = ["pay-1", "pay-2", "pay-3", "pay-4", "pay-5"]
STEPS = ["create", "authorize", "capture", "refund"]

cluster = kafka.cluster("localhost:9092")
# 1. create the topic "payments" with 6 partitions

producer = kafka.Producer({"bootstrap.servers": "localhost:9092"})
# 2. produce every step for every payment, keyed by payment id, then flush

consumer = kafka.Consumer({"bootstrap.servers": "localhost:9092",
                           "group.id": "auditor",
                           "auto.offset.reset": "earliest"})
consumer.subscribe(["payments"])

events_by_payment = {}
# 3. poll until no more messages arrive, filling events_by_payment

# 4. print one line per payment; 5. set in_order
in_order = False
