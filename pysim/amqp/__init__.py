"""RabbitMQ (AMQP 0-9-1) shaped like pika's BlockingConnection API, over the same kernel
as ``pysim.kafka`` (virtual clock, seeded streams, scheduler, trace).

``from pysim import amqp`` stands in for ``import pika``::

    connection = amqp.BlockingConnection(amqp.ConnectionParameters("localhost"))
    channel = connection.channel()
    channel.queue_declare("orders", durable=True)
    channel.basic_publish("", "orders", b"order-1", amqp.BasicProperties(delivery_mode=2))

``amqp.exceptions`` has pika's exception classes (``except amqp.exceptions.ChannelClosedByBroker``);
``amqp.broker(address)`` is the broker behind "host:port" (queues, virtual time, trace) and
``amqp.reset_all(seed)`` starts over. Behaviour and error texts are RabbitMQ 3.10's.
"""

from pysim.amqp import errors as exceptions
from pysim.amqp import spec
from pysim.amqp.broker import Broker, broker, reset_all
from pysim.amqp.channel import BlockingChannel, ReturnedMessage
from pysim.amqp.connection import (BlockingConnection, ConnectionParameters, PlainCredentials,
                                   URLParameters)
from pysim.amqp.exchange_type import ExchangeType
from pysim.amqp.properties import BasicProperties, DeliveryMode

__all__ = ["BlockingConnection", "ConnectionParameters", "URLParameters", "PlainCredentials",
           "BasicProperties", "DeliveryMode", "ExchangeType", "BlockingChannel", "ReturnedMessage",
           "exceptions", "spec", "Broker", "broker", "reset_all"]
