# Wrong: idempotence is on, with one request in flight to be doubly sure, and the entries that
# fail are produced again from the delivery callback ("fail after 10 s instead of 5 minutes,
# then resend it myself"). The entry whose answer was lost *was* stored: its report says
# _MSG_TIMED_OUT (possibly stored; librdkafka cannot know) and the new produce() is a new
# record with a new sequence number. Idempotence never covers your own re-sends: the broker
# deduplicates librdkafka's retries of one record, never a second record with the same value.
# Fails: no_duplicates
from pysim import kafka

ACCOUNT = "acct-42"
ENTRIES = [f"seq={i} amount={i * 10}" for i in range(1, 11)]

producer = kafka.Producer({"bootstrap.servers": "localhost:9092",
                           "enable.idempotence": True,
                           "max.in.flight.requests.per.connection": 1,
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
