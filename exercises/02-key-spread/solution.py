from pysim import kafka

PARTITIONS = 6
USERS = [f"user-{i}" for i in range(10_000)]
COUNTRIES = ["de", "fr", "nl", "es"]

# Setup (given): on a real cluster these topics would already exist.
cluster = kafka.cluster("localhost:9092")
cluster.create_topic("clicks", num_partitions=PARTITIONS)
cluster.create_topic("clicks-by-country", num_partitions=PARTITIONS)

# murmur2_random: hash keys like the Java client, so both agree on where a key goes.
producer = kafka.Producer({"bootstrap.servers": "localhost:9092",
                           "partitioner": "murmur2_random"})


def measure(topic, keys):
    """Produce one record per key to `topic` and return (counts, skew):
    counts maps partition -> records delivered there, skew = largest partition / mean."""
    counts = {}

    def on_delivery(err, msg):
        if err is None:
            counts[msg.partition()] = counts.get(msg.partition(), 0) + 1

    for key in keys:
        producer.produce(topic, key=key, value="click", on_delivery=on_delivery)
    producer.flush()

    mean = sum(counts.values()) / PARTITIONS      # empty partitions count in the mean
    skew = max(counts.values()) / mean
    return counts, skew


def show(name, counts, skew):
    print(name)
    for p in range(PARTITIONS):
        n = counts.get(p, 0)
        print(f"  p{p} {n:5d} {'#' * (n // 100)}")
    print(f"  skew {skew:.2f}x")


counts, skew = measure("clicks", USERS)
show("clicks keyed by user", counts, skew)

country_keys = [COUNTRIES[i % len(COUNTRIES)] for i in range(len(USERS))]
country_counts, country_skew = measure("clicks-by-country", country_keys)
show("clicks keyed by country", country_counts, country_skew)
