"""A seeded Kafka scenario that prints its trace digest as JSON. CPython and Pyodide run
this same file; equal digests show a run depends only on (scenario, seed), not on the
runtime. Usage: python scenario_digest.py [seed]"""

import json
import sys

from pysim import kafka

BOOTSTRAP = "digest-kafka:9092"


def run(seed: int) -> dict:
    kafka.reset_all(seed=seed)
    cluster = kafka.cluster(BOOTSTRAP)
    cluster.create_topic("orders", num_partitions=3)
    conf = {"bootstrap.servers": BOOTSTRAP}

    producer = kafka.Producer(dict(conf))
    for i in range(30):
        # Keyless records take the random path of the default partitioner: the seed shows.
        key = None if i % 3 == 0 else b"customer-%d" % (i % 7)
        producer.produce("orders", value=b"order-%d" % i, key=key)
    producer.flush(5)

    consumers = [kafka.Consumer(dict(conf, **{"group.id": "billing", "auto.offset.reset": "earliest",
                                              "enable.auto.commit": False}))
                 for _ in range(2)]
    for consumer in consumers:
        consumer.subscribe(["orders"])
    received = 0
    for _ in range(40):
        for consumer in consumers:
            msg = consumer.poll(0.5)
            if msg is not None and msg.error() is None:
                received += 1
                consumer.commit(message=msg, asynchronous=False)
        cluster.advance(100)
    for consumer in consumers:
        consumer.close()
    received += _rabbitmq_part(seed, cluster)
    return {"seed": seed, "received": received, "events": len(cluster.trace),
            "digest": cluster.trace.digest()}


def _rabbitmq_part(seed: int, cluster) -> int:
    """The same orders through RabbitMQ on the same kernel (one clock, one trace): a queue
    named by the seeded generator, TTLs, a rejection dead-lettered, acks."""
    from pysim import amqp
    amqp.reset_all(seed=seed)
    amqp.broker("digest-rabbit:5672", sim=cluster.sim)
    connection = amqp.BlockingConnection(amqp.ConnectionParameters("digest-rabbit"))
    channel = connection.channel()
    channel.queue_declare("dead")
    work = channel.queue_declare("", exclusive=True, arguments={
        "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "dead", "x-message-ttl": 300}).method.queue
    for i in range(12):
        channel.basic_publish("", work, b"order-%d" % i, amqp.BasicProperties(expiration=str(50 * (i % 4 + 1))))
    got = []
    channel.basic_qos(prefetch_count=2)
    channel.basic_consume(work, lambda ch, m, p, b: (got.append(b), ch.basic_reject(m.delivery_tag, requeue=False)
                                                      if len(got) % 3 == 0 else ch.basic_ack(m.delivery_tag)))
    connection.sleep(1)
    return len(got)


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 0), sort_keys=True))
