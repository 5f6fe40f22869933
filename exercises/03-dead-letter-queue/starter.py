# Already there (hidden setup): the topic "payments" (3 partitions) holds 24 payments and the
# topic "payments.dlq" exists. The module `processor` charges payments:
#   processor.process(msg)  one attempt (200 ms); raises if the payment fails this time:
#                           ValueError never goes away, TimeoutError may on a later attempt
#   processor.running()     False once the service is asked to stop
#   processor.run(main)     runs your main() until it returns or the service is stopped
from pysim import kafka
import processor

MAX_ATTEMPTS = 3
dead_lettered = []


def dead_letter(producer, msg, error, attempts):
    # TODO 2: produce msg to "payments.dlq" (same key and value) with headers saying where it
    #         came from and why: x-original-topic, x-original-partition, x-original-offset,
    #         x-error, x-attempts. Make sure it is delivered before the caller commits.
    dead_lettered.append(msg.value().decode().split()[0])


def main():
    consumer = kafka.Consumer({"bootstrap.servers": "localhost:9092",
                               "group.id": "payments-processor",
                               "auto.offset.reset": "earliest",
                               "enable.auto.commit": False})
    producer = kafka.Producer({"bootstrap.servers": "localhost:9092"})
    consumer.subscribe(["payments"])
    while processor.running():
        msg = consumer.poll(1.0)
        if msg is None:
            continue
        if msg.error():
            raise kafka.KafkaException(msg.error())
        processor.process(msg)
        # TODO 1: a payment may fail (an exception). Try it up to MAX_ATTEMPTS times; if every
        #         attempt failed, dead_letter() it. Never stall the partition on one payment.
        # TODO 3: commit, once the payment is processed or dead-lettered.
    consumer.close()


processor.run(main)
print(f"dead-lettered: {', '.join(dead_lettered)}")
