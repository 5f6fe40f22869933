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
                               "enable.auto.commit": False,
                               "auto.offset.reset": "earliest"})
    consumer.assign([TopicPartition("orders", p) for p in range(2)])   # from the committed offsets
    # TODO: a transactional producer (transactional.id), ready with init_transactions()
    producer = kafka.Producer({"bootstrap.servers": BOOT})
    return consumer, producer


def step(consumer, producer):
    """One batch (at most 3 orders) in one transaction: invoices and input offsets together."""
    batch = [m for m in consumer.consume(num_messages=3, timeout=1.0) if m.error() is None]
    if not batch:
        return
    # TODO: one transaction per batch; the offsets go with it (send_offsets_to_transaction)
    try:
        for msg in batch:
            order = json.loads(msg.value())
            invoice = {"order": order["order"], "total_cents": price(order)}
            producer.produce("invoices", key=order["order"], value=json.dumps(invoice))
    except PricingUnavailable as e:
        print("pricing failed:", e)        # TODO: abort, and rewind the consumer to redo the batch
        return
    producer.flush()
    consumer.commit(asynchronous=False)


def read_invoices():
    """Downstream: the invoices a reader of "invoices" sees (a list of messages)."""
    reader = kafka.Consumer({"bootstrap.servers": BOOT, "group.id": "billing-report",
                             "auto.offset.reset": "earliest"})
    reader.assign([TopicPartition("invoices", 0)])
    seen = []
    while (msg := reader.poll(1.0)) is not None:
        if msg.error() is None:
            seen.append(msg)
    reader.close()
    return seen


run_pipeline(start, step, read_invoices)
