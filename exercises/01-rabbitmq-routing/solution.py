from pysim import amqp   # stands in for `import pika`: the same calls

processed = []           # bodies billing handled successfully, in order


def declare_topology(channel):
    channel.exchange_declare("orders", "topic")
    channel.queue_declare("audit")
    channel.queue_bind("audit", "orders", "order.#")
    channel.queue_declare("eu-warehouse")
    channel.queue_bind("eu-warehouse", "orders", "order.eu.#")
    # rejected billing messages: billing -> orders.dlx -> billing.dead
    channel.exchange_declare("orders.dlx", "fanout")
    channel.queue_declare("billing.dead")
    channel.queue_bind("billing.dead", "orders.dlx")
    channel.queue_declare("billing", arguments={"x-dead-letter-exchange": "orders.dlx"})
    channel.queue_bind("billing", "orders", "order.*.paid")
    channel.queue_bind("billing", "orders", "order.*.refunded")
    # delayed retry: wait in billing.retry until the message's TTL runs out, then back to billing
    channel.queue_declare("billing.retry", arguments={"x-dead-letter-exchange": "",
                                                      "x-dead-letter-routing-key": "billing"})


def on_billing(channel, method, properties, body):
    text = body.decode()
    if "poison" in text:
        channel.basic_reject(method.delivery_tag, requeue=False)     # -> billing.dead, x-death says why
        return
    came_back = bool((properties.headers or {}).get("x-death"))
    if "retry" in text and not came_back:
        channel.basic_publish("", "billing.retry", body,
                              amqp.BasicProperties(expiration="5000", headers=properties.headers))
        channel.basic_ack(method.delivery_tag)
        return
    processed.append(text)
    channel.basic_ack(method.delivery_tag)
