# Wrong: reads from billing's queue. In a work queue consumers compete: the order analytics
# takes is one that billing never sees, and the 12 old ones are gone anyway.
# Fails: rabbitmq_forgets

# Already there (hidden setup): order-00 .. order-11 went through the RabbitMQ fanout
# exchange "orders" into billing's queue "billing", and to the Kafka topic "orders" (1 partition);
# billing acked all of them in RabbitMQ and committed all of them as group "billing" in Kafka.
from pysim import amqp, kafka

connection = amqp.BlockingConnection(amqp.ConnectionParameters("localhost"))
channel = connection.channel()
producer = kafka.Producer({"bootstrap.servers": "localhost:9092"})

# 1. RabbitMQ: analytics' own queue, bound to the exchange; then the next order, both ways.
channel.queue_declare("analytics")
channel.queue_bind("analytics", "orders")
channel.basic_publish("orders", "", b"order-12")
producer.produce("orders", value=b"order-12")
producer.flush()
from_rabbitmq = []
while True:
    method, properties, body = channel.basic_get("billing")
    if method is None:
        break
    from_rabbitmq.append(body.decode())
    channel.basic_ack(method.delivery_tag)


def read_until_idle(consumer, into):
    idle = 0
    while idle < 5:
        msg = consumer.poll(1.0)
        if msg is None:
            idle += 1
        elif msg.error() is None:
            idle = 0
            into.append(msg.value().decode())


# 2. Kafka: a new group that starts at the beginning of the log.
consumer = kafka.Consumer({"bootstrap.servers": "localhost:9092", "group.id": "analytics",
                           "auto.offset.reset": "earliest", "enable.auto.commit": False})
consumer.assign([kafka.TopicPartition("orders", 0, kafka.OFFSET_BEGINNING)])
from_kafka = []
read_until_idle(consumer, from_kafka)
consumer.commit(asynchronous=False)

# 3. Replay: analytics' own position back to offset 0, read everything again.
consumer.seek(kafka.TopicPartition("orders", 0, 0))
replayed = []
read_until_idle(consumer, replayed)
consumer.close()

print(f"RabbitMQ gave analytics {len(from_rabbitmq)} order(s): {from_rabbitmq}")
print(f"Kafka gave analytics {len(from_kafka)} order(s)" +
      (f", from {from_kafka[0]} to {from_kafka[-1]}" if from_kafka else ""))
print(f"replayed {len(replayed)} order(s)")
