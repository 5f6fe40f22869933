# Wrong: idempotence with acks=1. The broker's sequence check only protects records that
# every in-sync replica has, so librdkafka refuses the combination when the producer is made.
# Raises: KafkaException: `acks` must be set to `all` when `enable.idempotence` is true
from pysim import kafka

ACCOUNT = "acct-42"
ENTRIES = [f"seq={i} amount={i * 10}" for i in range(1, 11)]

producer = kafka.Producer({"bootstrap.servers": "localhost:9092",
                           "enable.idempotence": True,
                           "acks": 1})


def report(err, msg):
    print("delivered" if err is None else "FAILED", msg.value().decode())


for entry in ENTRIES:
    producer.produce("ledger", key=ACCOUNT, value=entry, on_delivery=report)
producer.flush()
