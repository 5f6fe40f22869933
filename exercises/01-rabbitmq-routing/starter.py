from pysim import amqp   # stands in for `import pika`: the same calls

processed = []           # bodies billing handled successfully, in order


def declare_topology(channel):
    channel.exchange_declare("orders", "topic")
    channel.queue_declare("audit")
    channel.queue_bind("audit", "orders", "order.#")
    # TODO: eu-warehouse (region eu, any event)
    # TODO: the dead-letter exchange orders.dlx (fanout) and the queue billing.dead bound to it
    # TODO: billing, with x-dead-letter-exchange, bound to the paid and refunded events
    # TODO: billing.retry, whose expired messages go back to billing


def on_billing(channel, method, properties, body):
    text = body.decode()
    # TODO: poison -> reject without requeue; retry (first time) -> copy to billing.retry with
    #       expiration "5000", then ack; otherwise processed.append(text) and ack
    processed.append(text)
    channel.basic_ack(method.delivery_tag)
