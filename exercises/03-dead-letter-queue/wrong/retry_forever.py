# Wrong: retries a failed payment until it succeeds. A transient timeout goes through on
# the next attempt, but a poison payment never does: its partition stalls on it, every
# payment behind it waits (lag grows), and here the loop is still retrying when the service
# is stopped. Kafka has no redelivery limit: the consumer must set one.
# Fails: caught_up, poison_in_dlq
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
    producer.produce("payments.dlq", key=msg.key(), value=msg.value(), headers={
        "x-original-topic": msg.topic(),
        "x-original-partition": str(msg.partition()),
        "x-original-offset": str(msg.offset()),
        "x-error": f"{type(error).__name__}: {error}",
        "x-attempts": str(attempts),
    })
    producer.flush()                 # delivered before we commit past it
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
        while True:                              # until it works
            try:
                processor.process(msg)
                break
            except Exception:
                continue
        consumer.commit(message=msg, asynchronous=False)
    consumer.close()


processor.run(main)
print(f"dead-lettered: {', '.join(dead_lettered)}")
