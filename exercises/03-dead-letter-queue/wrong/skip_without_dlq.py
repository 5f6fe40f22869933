# Wrong: after 3 failures it logs the payment and commits past it. The partition keeps
# moving, but the poison payments are gone: nothing in Kafka points at them any more, so
# nobody can fix and replay them (the log line scrolls away).
# Fails: poison_in_dlq
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
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                processor.process(msg)
                break                            # done
            except Exception as exc:             # failed this time
                error = exc
        else:                                    # MAX_ATTEMPTS failures: give up on it
            print(f"giving up on {msg.value().decode()}: {error}")
        consumer.commit(message=msg, asynchronous=False)
    consumer.close()


processor.run(main)
print(f"dead-lettered: {', '.join(dead_lettered)}")
