# Already there (hidden setup): order-00 .. order-11 went through the RabbitMQ fanout
# exchange "orders" into billing's queue "billing", and to the Kafka topic "orders" (1 partition);
# billing acked all of them in RabbitMQ and committed all of them as group "billing" in Kafka.
from pysim import amqp, kafka

connection = amqp.BlockingConnection(amqp.ConnectionParameters("localhost"))
channel = connection.channel()
producer = kafka.Producer({"bootstrap.servers": "localhost:9092"})

# 1. RabbitMQ: analytics' own queue, bound to the exchange; then the next order, both ways.
# TODO: declare "analytics" and bind it to "orders"
channel.basic_publish("orders", "", b"order-12")
producer.produce("orders", value=b"order-12")
producer.flush()
from_rabbitmq = []
# TODO: basic_get from "analytics" until it is empty; append body.decode(); ack each

# 2. Kafka: a new group that starts at the beginning of the log.
from_kafka = []
# TODO: Consumer with group.id "analytics" and auto.offset.reset "earliest"; poll until idle

# 3. Replay: analytics' own position back to offset 0, read everything again.
replayed = []
# TODO

print(f"RabbitMQ gave analytics {len(from_rabbitmq)} order(s): {from_rabbitmq}")
print(f"Kafka gave analytics {len(from_kafka)} order(s)" +
      (f", from {from_kafka[0]} to {from_kafka[-1]}" if from_kafka else ""))
print(f"replayed {len(replayed)} order(s)")
