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

# Where does "7 days ago" start in each partition? The broker looks it up in its time index.
wanted = [kafka.TopicPartition("orders", p, cutoff_ms) for p in range(PARTITIONS)]
starts = consumer.offsets_for_times(wanted, timeout=10.0)
for tp in starts:
    print(f"orders [{tp.partition}] replays from offset {tp.offset}")
consumer.assign(starts)                  # explicit offsets: auto.offset.reset does not apply

replayed = []
empty_polls = 0
while empty_polls < 5:                   # nothing new for 5 polls: we are at the end
    msg = consumer.poll(1.0)
    if msg is None:
        empty_polls += 1
        continue
    if msg.error():
        raise kafka.KafkaException(msg.error())
    empty_polls = 0
    replayed.append(msg.value().decode())

consumer.commit(asynchronous=False)      # analytics' own offsets; billing's are untouched
consumer.close()

print(f"analytics read {len(replayed)} orders")
