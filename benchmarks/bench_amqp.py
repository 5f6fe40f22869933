"""Publish + consume + ack 100k messages through a topic exchange bound to 3 queues (each
message reaches all three: 300k deliveries, each acked on its own), with the same pika
code against pysim.amqp and against a real RabbitMQ on loopback (started privately, as
the parity fixture does). Prints one JSON line.

    python benchmarks/bench_amqp.py pysim
    python benchmarks/bench_amqp.py rabbitmq
    python benchmarks/bench_amqp.py kombu-memory

kombu-memory is the in-memory peer found on PyPI: kombu's ``memory://`` transport (routing
by direct/topic/fanout exchanges in one process, acks through its virtual channel QoS). It
is not pika's API, so it runs the same workload written in kombu's.

A different thing from pysim (a network broker with persistence machinery vs an in-process
model), but it is the number users know. Target: pysim >= 2x the real broker's rate.
"""

import json
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests", "parity_amqp"))

MESSAGES = int(os.environ.get("BENCH_AMQP_MESSAGES", "100000"))
BODY = b"x" * 100
QUEUES = {"bench.all": "#", "bench.orders": "order.*", "bench.eu": "*.eu"}
PREFETCH = 500


def workload(mq, params):
    connection = mq.BlockingConnection(params)
    ch = connection.channel()
    ch.exchange_declare("bench.topic", "topic")
    for queue, key in QUEUES.items():
        ch.queue_declare(queue)
        ch.queue_purge(queue)
        ch.queue_bind(queue, "bench.topic", key)
    props = mq.BasicProperties(content_type="application/octet-stream")
    start = time.perf_counter()
    for _ in range(MESSAGES):
        ch.basic_publish("bench.topic", "order.eu", BODY, props)
    published_s = time.perf_counter() - start
    ch.basic_qos(prefetch_count=PREFETCH)
    received = [0]
    expected = MESSAGES * len(QUEUES)

    def on_message(channel, method, properties, body):
        channel.basic_ack(method.delivery_tag)
        received[0] += 1
        if received[0] == expected:
            channel.stop_consuming()
    for queue in QUEUES:
        ch.basic_consume(queue, on_message)
    ch.start_consuming()
    total_s = time.perf_counter() - start
    connection.close()
    assert received[0] == expected, f"received {received[0]} of {expected}"
    return {"messages": MESSAGES, "deliveries": received[0], "publish_s": round(published_s, 3),
            "total_s": round(total_s, 3), "publish_per_s": round(MESSAGES / published_s),
            "end_to_end_per_s": round(MESSAGES / total_s),
            "deliveries_per_s": round(received[0] / total_s)}


def kombu_workload():
    from kombu import Connection, Consumer, Exchange, Producer, Queue
    connection = Connection("memory://")
    exchange = Exchange("bench.topic", type="topic")
    channel = connection.channel()
    queues = [Queue(name, exchange, routing_key=key) for name, key in QUEUES.items()]
    for queue in queues:
        queue(channel).declare()
    producer = Producer(channel, exchange=exchange)
    start = time.perf_counter()
    for _ in range(MESSAGES):
        producer.publish(BODY, routing_key="order.eu", content_type="application/octet-stream")
    published_s = time.perf_counter() - start
    received = [0]
    expected = MESSAGES * len(QUEUES)

    def on_message(body, message):
        message.ack()
        received[0] += 1
    with Consumer(channel, queues, callbacks=[on_message], prefetch_count=PREFETCH):
        while received[0] < expected:
            connection.drain_events(timeout=5)
    total_s = time.perf_counter() - start
    connection.release()
    return {"messages": MESSAGES, "deliveries": received[0], "publish_s": round(published_s, 3),
            "total_s": round(total_s, 3), "publish_per_s": round(MESSAGES / published_s),
            "end_to_end_per_s": round(MESSAGES / total_s),
            "deliveries_per_s": round(received[0] / total_s)}


def main(target):
    if target == "pysim":
        from pysim import amqp
        amqp.reset_all(0)
        result = workload(amqp, amqp.ConnectionParameters("bench-rabbit", 5672))
    elif target == "rabbitmq":
        import pika
        from rabbitmq_server import RabbitMQServer
        with tempfile.TemporaryDirectory() as base:
            server = RabbitMQServer(base).start()
            try:
                result = workload(pika, server.parameters())
                result["broker_startup_s"] = server.startup_s
            finally:
                server.stop()
    elif target == "kombu-memory":
        result = kombu_workload()
    else:
        raise SystemExit("usage: bench_amqp.py pysim|rabbitmq|kombu-memory")
    result["target"] = target
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "pysim")
