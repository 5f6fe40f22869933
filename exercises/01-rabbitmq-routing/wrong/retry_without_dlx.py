# Wrong: billing.retry has no dead-letter exchange, so the retried message simply expires
# there after 5 s and is dropped: o4 is never processed.
# Fails: delayed_retry, processed
from pysim import amqp

processed = []


def declare_topology(channel):
    channel.exchange_declare("orders", "topic")
    channel.queue_declare("audit")
    channel.queue_bind("audit", "orders", "order.#")
    channel.queue_declare("eu-warehouse")
    channel.queue_bind("eu-warehouse", "orders", "order.eu.#")
    channel.exchange_declare("orders.dlx", "fanout")
    channel.queue_declare("billing.dead")
    channel.queue_bind("billing.dead", "orders.dlx")
    channel.queue_declare("billing", arguments={"x-dead-letter-exchange": "orders.dlx"})
    channel.queue_bind("billing", "orders", "order.*.paid")
    channel.queue_bind("billing", "orders", "order.*.refunded")
    channel.queue_declare("billing.retry")


def on_billing(channel, method, properties, body):
    text = body.decode()
    if "poison" in text:
        channel.basic_reject(method.delivery_tag, requeue=False)
        return
    if "retry" in text and not (properties.headers or {}).get("x-death"):
        channel.basic_publish("", "billing.retry", body, amqp.BasicProperties(expiration="5000"))
        channel.basic_ack(method.delivery_tag)
        return
    processed.append(text)
    channel.basic_ack(method.delivery_tag)
