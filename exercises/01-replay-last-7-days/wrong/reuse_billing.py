# Wrong: reuses the group billing. Its committed offsets are at the end, so it reads nothing
# (and moving them back would make billing charge the orders again).

# Already there (hidden setup): the topic "orders" (3 partitions) holds 10 days of orders,
# 07:00-23:00 each day, and the group "billing" has read and committed all of them. It is now
# day 10, 00:00 on the simulator's virtual clock: kafka.cluster("localhost:9092").now_ms.
from pysim import kafka

PARTITIONS = 3
DAY_MS = 24 * 60 * 60 * 1000

cluster = kafka.cluster("localhost:9092")

consumer = kafka.Consumer({"bootstrap.servers": "localhost:9092",
                           "group.id": "billing",
                           "auto.offset.reset": "earliest",
                           "enable.auto.commit": False})
consumer.subscribe(["orders"])
replayed = []
empty_polls = 0
while empty_polls < 10:
    msg = consumer.poll(1.0)
    if msg is None:
        empty_polls += 1
        continue
    if msg.error():
        continue
    empty_polls = 0
    replayed.append(msg.value().decode())
consumer.close()
print(f"read {len(replayed)} orders")
