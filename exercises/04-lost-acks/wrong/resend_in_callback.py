# Wrong: turns librdkafka's retries off ("its retries duplicate") and re-produces a failed entry
# from the delivery callback instead. The entry whose answer was lost *was* stored: its report
# says _TIMED_OUT (possibly stored; librdkafka cannot know) and the new produce() is a second
# copy; the entry the old leader refused is sent again behind the others, out of order. Even
# with enable.idempotence a re-produced entry is a new record with a new sequence number: the
# broker deduplicates the client's own retries, never the application's.
# Fails: no_duplicates, in_order
from pysim import kafka

ACCOUNT = "acct-42"
ENTRIES = [f"seq={i} amount={i * 10}" for i in range(1, 11)]

producer = kafka.Producer({"bootstrap.servers": "localhost:9092", "retries": 0})


def report(err, msg):
    if err is not None:
        print("FAILED", msg.value().decode(), err.str(), "- sending it again")
        producer.produce("ledger", key=msg.key(), value=msg.value(), on_delivery=report)
    else:
        print("delivered", msg.value().decode(), "at offset", msg.offset())


for entry in ENTRIES:
    producer.produce("ledger", key=ACCOUNT, value=entry, on_delivery=report)
producer.flush()
