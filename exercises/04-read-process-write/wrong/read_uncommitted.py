# Wrong: the invoicer is right, but the downstream reader uses isolation.level=read_uncommitted
# (the Java client's default): it reads the invoices of aborted transactions too - A's batch
# that B's start aborted and C's batch that failed pricing - so some orders appear twice.
# Fails: downstream_reader
# Already there (hidden setup): "orders" (2 partitions, 10 orders: JSON with "order" and
# "items"), "invoices" (1 partition), and the module invoice_pipeline: price(order) gives an
# invoice's total (it may raise PricingUnavailable), and run_pipeline(start, step,
# read_invoices) runs your invoicer through one bad night: A stalls mid-transaction, B is
# started, then killed right after its first commit, C starts and catches up, A wakes up and
# tries to commit; finally read_invoices() reads what downstream would see.
import json

from pysim import kafka
from pysim.kafka import KafkaException, TopicPartition
from invoice_pipeline import PricingUnavailable, price, run_pipeline

BOOT = "localhost:9092"


def start():
    """One new instance of the invoicer: (consumer, producer), ready to work."""
    consumer = kafka.Consumer({"bootstrap.servers": BOOT, "group.id": "invoicer",
                               "enable.auto.commit": False,        # offsets go with the transaction
                               "auto.offset.reset": "earliest",
                               "isolation.level": "read_committed"})
    consumer.assign([TopicPartition("orders", p) for p in range(2)])   # from the committed offsets
    # The same transactional.id on every start: init_transactions() bumps its epoch, which
    # fences any older instance still alive and aborts the transaction it left open.
    producer = kafka.Producer({"bootstrap.servers": BOOT, "transactional.id": "invoicer-1"})
    producer.init_transactions()
    return consumer, producer


def rewind(consumer, batch):
    """Back to the first offset of the batch in each partition: the aborted work is redone."""
    first = {}
    for msg in batch:
        first.setdefault(msg.partition(), msg.offset())
    for partition, offset in first.items():
        consumer.seek(TopicPartition("orders", partition, offset))


def step(consumer, producer):
    """One batch (at most 3 orders) in one transaction: invoices and input offsets together."""
    batch = [m for m in consumer.consume(num_messages=3, timeout=1.0) if m.error() is None]
    if not batch:
        return
    producer.begin_transaction()
    try:
        for msg in batch:
            order = json.loads(msg.value())
            invoice = {"order": order["order"], "total_cents": price(order)}
            producer.produce("invoices", key=order["order"], value=json.dumps(invoice))
        producer.send_offsets_to_transaction(consumer.position(consumer.assignment()),
                                             consumer.consumer_group_metadata())
        producer.commit_transaction()
    except (PricingUnavailable, KafkaException) as e:
        if isinstance(e, KafkaException) and not e.args[0].txn_requires_abort():
            raise                          # fatal (e.g. fenced): this instance must stop
        producer.abort_transaction()
        rewind(consumer, batch)


def read_invoices():
    """Downstream: the invoices a reader of "invoices" sees (a list of messages)."""
    reader = kafka.Consumer({"bootstrap.servers": BOOT, "group.id": "billing-report",
                             "auto.offset.reset": "earliest",
                             "isolation.level": "read_uncommitted"})
    reader.assign([TopicPartition("invoices", 0)])
    seen = []
    while (msg := reader.poll(1.0)) is not None:
        if msg.error() is None:
            seen.append(msg)
    reader.close()
    return seen


run_pipeline(start, step, read_invoices)
