# Already there (hidden setup): the topic "orders" (3 partitions) holds 10 days of orders,
# 07:00-23:00 each day, and the group "billing" has read and committed all of them. It is now
# day 10, 00:00 on the simulator's virtual clock: kafka.cluster("localhost:9092").now_ms.
from pysim import kafka

PARTITIONS = 3
DAY_MS = 24 * 60 * 60 * 1000

cluster = kafka.cluster("localhost:9092")

now_ms = cluster.now_ms                  # virtual now; on a real cluster: int(time.time() * 1000)
cutoff_ms = now_ms - 7 * DAY_MS

consumer = kafka.Consumer({"bootstrap.servers": "localhost:9092",
                           "group.id": "analytics",
                           "enable.auto.commit": False})

# TODO 1: one TopicPartition("orders", p, cutoff_ms) per partition; offsets_for_times() turns
#         each timestamp into the first offset at or after it.
# TODO 2: assign() those partitions, starting at the offsets you got.
replayed = []
# TODO 3: poll until nothing more arrives; append msg.value().decode() to replayed.
# TODO 4: commit the group's position (asynchronous=False), then close().

print(f"analytics read {len(replayed)} orders")
