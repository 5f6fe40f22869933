"""Hidden setup and checks for 01-late-analytics. setup() sends order-00..order-11 through
the RabbitMQ fanout exchange "orders" into billing's queue and to the Kafka topic "orders",
and billing consumes everything on both sides (acks, commits). The checks read what the
learner's code left: the lists, the broker's queues and the cluster's offsets."""

from pysim import amqp, kafka

OLD = [f"order-{i:02d}" for i in range(12)]
NEW = "order-12"
ALL = OLD + [NEW]


def setup():
    """Twelve orders, both ways, all processed by billing."""
    channel = amqp.BlockingConnection(amqp.ConnectionParameters("localhost")).channel()
    channel.exchange_declare("orders", "fanout")
    channel.queue_declare("billing")
    channel.queue_bind("billing", "orders")
    cluster = kafka.cluster("localhost:9092")
    cluster.create_topic("orders", num_partitions=1)
    producer = kafka.Producer({"bootstrap.servers": "localhost:9092"})
    for order in OLD:
        channel.basic_publish("orders", "", order.encode())
        producer.produce("orders", value=order.encode())
    producer.flush()
    while True:                                   # billing works through its queue: ack = gone
        method, _, _ = channel.basic_get("billing")
        if method is None:
            break
        channel.basic_ack(method.delivery_tag)
    billing = kafka.Consumer({"bootstrap.servers": "localhost:9092", "group.id": "billing",
                              "auto.offset.reset": "earliest", "enable.auto.commit": False})
    billing.subscribe(["orders"])
    idle = 0
    while idle < 5:
        idle = idle + 1 if billing.poll(1.0) is None else 0
    billing.commit(asynchronous=False)
    billing.close()


def _list(run, name):
    value = run.get(name)
    assert isinstance(value, list), f"Define {name}: a list of order ids (body or value decoded)."
    return [v.decode() if isinstance(v, (bytes, bytearray)) else v for v in value]


def check_rabbitmq_forgets(run):
    """RabbitMQ gave analytics only the order published after its queue was bound."""
    got = _list(run, "from_rabbitmq")
    broker = run.broker()
    billing = broker.queue("billing")
    assert billing is not None, 'Billing\'s queue "billing" is gone: leave it in place.'
    taken = [e for e in broker.trace.events("amqp.get") if e.actor == "billing"] + \
            [e for e in broker.trace.events("amqp.consume") if e.actor == "billing"]
    assert billing.message_count == 1 and len(taken) <= len(OLD), (
        "You read from billing's queue: every message taken there is one billing never sees. In a work "
        "queue, consumers compete for messages; give analytics its own queue bound to the exchange.")
    assert broker.queue("analytics") is not None, 'Declare analytics\' own queue "analytics".'
    assert got == [NEW], (
        f"from_rabbitmq is {got}, expected ['{NEW}']. The old orders were acked by billing, so they are "
        "gone; a queue bound now receives only what is published after the binding: declare and bind "
        "\"analytics\" first, then publish order-12, then basic_get until empty.")
    queue = broker.queue("analytics")
    assert queue.message_count == 0 and queue.unacked == 0, (
        "analytics' queue still holds order-12 (ready or unacknowledged): ack what you read.")


def check_kafka_remembers(run):
    """Kafka gave the new group analytics every order, from the beginning of the log."""
    got = _list(run, "from_kafka")
    assert got == ALL, (
        f"from_kafka has {len(got)} orders ({got[:3]}...), expected all {len(ALL)} from order-00 to "
        f"{NEW}. A new group starts where auto.offset.reset says: 'latest' (the default) is the end of "
        "the log, 'earliest' the beginning.")


def check_replay(run):
    """analytics read the whole topic a second time by moving its own position back."""
    got = _list(run, "replayed")
    assert got == ALL, (
        f"replayed has {len(got)} orders, expected all {len(ALL)}: seek analytics' consumer back to offset 0 "
        "(consumer.seek(TopicPartition('orders', 0, 0))) and poll again.")


def check_billing_untouched(run):
    """billing's committed offset is still the end of what it processed (12)."""
    cluster = run.cluster()
    committed = cluster.committed("billing", "orders", 0)
    assert committed == len(OLD), (
        f"billing's committed offset is {committed}, it was {len(OLD)}: replaying with group billing "
        "moves billing's position, and billing would charge those orders again. Use group analytics.")
