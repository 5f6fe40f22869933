# Already there (hidden setup): the topic "ledger" (1 partition) on localhost:9092 and a flaky
# network (cluster.faults): your first produce request reaches a broker that is no longer the
# leader, and the answer to your second is lost after the broker appended it.
from pysim import kafka

ACCOUNT = "acct-42"
ENTRIES = [f"seq={i} amount={i * 10}" for i in range(1, 11)]

# The idempotent producer: a producer id and a sequence number per partition on every
# record. The broker appends a batch only if its sequence is the next one, and answers a
# retried duplicate with the original offset. librdkafka then also uses acks=all, at most 5
# requests in flight and retries, which is what the broker's check needs.
producer = kafka.Producer({"bootstrap.servers": "localhost:9092",
                           "enable.idempotence": True})


def report(err, msg):
    if err is not None:
        print("FAILED", msg.value().decode(), err.str())
    else:
        print("delivered", msg.value().decode(), "at offset", msg.offset())


for entry in ENTRIES:
    producer.produce("ledger", key=ACCOUNT, value=entry, on_delivery=report)
producer.flush()

cluster = kafka.cluster("localhost:9092")
stored = [r.value.decode().split()[0] for r in cluster.records("ledger", 0)
          if r.value is not None]                 # (a transaction marker has no value)
print("ledger holds:", stored)
