# Wrong: idempotence on, but failures are "handled" by producing the entry again from the
# delivery callback, with message.timeout.ms shortened to fail fast. The entry whose
# acknowledgement was lost was stored; its report says _MSG_TIMED_OUT (it may or may not be
# stored, librdkafka cannot know), and the new produce() is a new record with a new sequence
# number: the broker has no way to see it is the same entry. Idempotence covers the client's
# own retries, never the application's.
# Fails: no_duplicates
from pysim import kafka

ACCOUNT = "acct-42"
ENTRIES = [f"seq={i} amount={i * 10}" for i in range(1, 11)]

producer = kafka.Producer({"bootstrap.servers": "localhost:9092",
                           "enable.idempotence": True,
                           "message.timeout.ms": 10000})


def report(err, msg):
    if err is not None:
        print("FAILED", msg.value().decode(), err.str(), "- sending it again")
        producer.produce("ledger", key=msg.key(), value=msg.value(), on_delivery=report)
    else:
        print("delivered", msg.value().decode(), "at offset", msg.offset())


for entry in ENTRIES:
    producer.produce("ledger", key=ACCOUNT, value=entry, on_delivery=report)
producer.flush()
