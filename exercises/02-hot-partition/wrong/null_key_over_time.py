# Wrong: no key, with the events produced over time as the real service emits them (2 ms
# apart). librdkafka's sticky partition for records without a key is drawn again after
# sticky.partitioning.linger.ms (10 ms), so the load does spread over the 6 partitions; but
# a payment's create, authorize and capture are produced tens of ms apart and land in
# different partitions, where nothing keeps their order.
import json

from pysim import kafka

PARTITIONS = 6


def payment_events():
    """Setup (given): 600 payments, in the order the payment service emits their events.
    70% of the payments are m-big's; every 4th payment is refunded."""
    merchants = ["m-big"] * 7 + ["m-bakery", "m-bikes", "m-books"]
    payments = [(f"pay-{i:04d}", merchants[i % len(merchants)]) for i in range(600)]
    for start in range(0, len(payments), 20):          # 20 payments in flight at a time
        wave = payments[start:start + 20]
        for step in ["create", "authorize", "capture", "refund"]:
            for n, (payment_id, merchant) in enumerate(wave, start):
                if step != "refund" or n % 4 == 0:
                    yield {"payment_id": payment_id, "merchant": merchant, "step": step}


# Setup (given): on a real cluster the topic would already exist.
cluster = kafka.cluster("localhost:9092")
cluster.create_topic("payments", num_partitions=PARTITIONS)


def key_for(event):
    """The record key of one payment event: the producer hashes it to pick the partition."""
    return None


producer = kafka.Producer({"bootstrap.servers": "localhost:9092",
                           "partitioner": "murmur2_random"})
load = [0] * PARTITIONS


def on_delivery(err, msg):
    if err is None:
        load[msg.partition()] += 1


for event in payment_events():
    producer.produce("payments", key=key_for(event), value=json.dumps(event), on_delivery=on_delivery)
    cluster.advance(2)                  # the next event is emitted 2 ms (virtual time) later
producer.flush()

for p, n in enumerate(load):
    share = n / sum(load)
    print(f"p{p} {n:5d} {share:6.1%} {'#' * round(share * 50)}")
