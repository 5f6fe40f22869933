# Wrong: librdkafka's defaults (acks=all is one of them: it makes a write durable, not unique).
# Without idempotence a retry after a lost acknowledgement is a
# second copy, and with up to 1000000 requests in flight the entry refused by the old leader
# is retried after entries sent behind it, so it lands out of order.
# Fails: no_duplicates, in_order
from pysim import kafka

ACCOUNT = "acct-42"
ENTRIES = [f"seq={i} amount={i * 10}" for i in range(1, 11)]

producer = kafka.Producer({"bootstrap.servers": "localhost:9092", "acks": "all"})


def report(err, msg):
    print("delivered" if err is None else "FAILED", msg.value().decode())


for entry in ENTRIES:
    producer.produce("ledger", key=ACCOUNT, value=entry, on_delivery=report)
producer.flush()
