from pysim import kafka

PARTITIONS = 3
HOUR_MS = 60 * 60 * 1000
DAY_MS = 24 * HOUR_MS


def history():
    """Setup (given): 10 days of orders on "orders", all read and committed by "billing".
    A real cluster would already hold them; here they are made in virtual time, which
    starts at day 0, 00:00. The shop takes orders from 07:00 to 23:00."""
    cluster = kafka.cluster("localhost:9092")
    cluster.create_topic("orders", num_partitions=PARTITIONS,
                         config={"retention.ms": str(30 * DAY_MS)})   # keep 30 days
    producer = kafka.Producer({"bootstrap.servers": "localhost:9092",
                               "partitioner": "murmur2_random"})
    n = 0
    for day in range(10):
        cluster.advance(day * DAY_MS + 7 * HOUR_MS - cluster.now_ms)          # the shop opens
        while cluster.now_ms < day * DAY_MS + 23 * HOUR_MS:
            producer.produce("orders", key=f"customer-{n * 7 % 40}", value=f"order-{n:04d}",
                             timestamp=cluster.now_ms)
            n += 1
            cluster.advance((9 + n * 37 % 50) * 60 * 1000)                    # 9 to 58 minutes
    producer.flush()
    cluster.advance(10 * DAY_MS - cluster.now_ms)                             # day 10, 00:00

    billing = kafka.Consumer({"bootstrap.servers": "localhost:9092", "group.id": "billing",
                              "auto.offset.reset": "earliest", "enable.auto.commit": False})
    billing.subscribe(["orders"])
    idle = 0
    while idle < 5:                                       # until nothing new for 5 polls
        msg = billing.poll(1.0)
        idle = idle + 1 if msg is None else 0             # (billing charges the order here)
    billing.commit(asynchronous=False)
    billing.close()
    return cluster


cluster = history()

# ---- your code: a new group "analytics" replays the last 7 days -------------------------
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
