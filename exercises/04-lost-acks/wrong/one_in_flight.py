# Wrong: one request in flight keeps the order (nothing can overtake a retry), but the broker
# still cannot tell a retried record from a new one: the entry whose acknowledgement was lost
# is stored twice.
# Fails: no_duplicates
from pysim import kafka

ACCOUNT = "acct-42"
ENTRIES = [f"seq={i} amount={i * 10}" for i in range(1, 11)]

producer = kafka.Producer({"bootstrap.servers": "localhost:9092",
                           "acks": "all",
                           "max.in.flight.requests.per.connection": 1})


def report(err, msg):
    print("delivered" if err is None else "FAILED", msg.value().decode())


for entry in ENTRIES:
    producer.produce("ledger", key=ACCOUNT, value=entry, on_delivery=report)
producer.flush()
