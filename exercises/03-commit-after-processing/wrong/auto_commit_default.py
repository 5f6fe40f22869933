# Wrong: keeps librdkafka's default auto commit and never commits by hand. poll() stores
# offset + 1 the moment it hands a payment out, and the background thread commits stored
# offsets every 5 s, also while ledger.apply() is still talking to the bank: when worker-1
# dies in the middle of a payment, that payment is already committed, and nobody books it.
# Fails: nothing_lost, commit_after_apply
# Already there (hidden setup): the topic "payments" (3 partitions) holds 30 payments, and the
# module `ledger` is the bank's ledger and the deployment:
#   ledger.apply(msg)   books one payment; it takes 2 s (a call to the bank, then a receipt)
#   ledger.entries()    the payment ids booked so far (a payment booked twice is there twice)
#   ledger.running()    False once the service is asked to stop
#   ledger.deploy(CONFIG, work)  starts process worker-1 with kafka.Consumer(CONFIG) and runs
#                       work(consumer); when a process dies, it starts the next one.
from collections import Counter

from pysim import kafka
import ledger

CONFIG = {
    "bootstrap.servers": "localhost:9092",
    "group.id": "payments-ledger",
    "auto.offset.reset": "earliest",
}


def work(consumer):
    consumer.subscribe(["payments"])
    while ledger.running():
        msg = consumer.poll(1.0)
        if msg is None:
            continue
        if msg.error():
            raise kafka.KafkaException(msg.error())
        ledger.apply(msg)                                   # auto commit does the rest
    consumer.close()


ledger.deploy(CONFIG, work)

booked = Counter(ledger.entries())
applied_twice = sum(1 for n in booked.values() if n > 1)
print(f"booked {len(booked)} payments, {applied_twice} of them twice")
