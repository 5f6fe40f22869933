"""SerializingProducer and DeserializingConsumer, as confluent_kafka has them: a Producer
that runs ``key.serializer`` / ``value.serializer`` before produce(), and a Consumer that
runs ``key.deserializer`` / ``value.deserializer`` on what poll() returns (most
tutorials use them). A (de)serializer is a callable ``(obj, SerializationContext)``; a
failure becomes Key/ValueSerializationError (producer) or Key/ValueDeserializationError
(consumer, with the raw message in ``kafka_message``). An error event from poll() is
raised as ConsumeError. The ``*.builder`` properties (experimental in 2.16) are taken too.
"""

from pysim.kafka.consumer import Consumer
from pysim.kafka.error import (ConsumeError, KeyDeserializationError, KeySerializationError,
                               ValueDeserializationError, ValueSerializationError)
from pysim.kafka.producer import Producer
from pysim.kafka.serialization import MessageField, SerializationContext


def _pop_serdes(conf, key_prop, value_prop):
    """Take the (de)serializers out of ``conf``: (key one, value one, the rest). A builder
    (``<prop>.builder``) is built here, with the rest of the configuration."""
    if not isinstance(conf, dict):
        raise TypeError("expected configuration dict")
    rest = dict(conf)
    serdes = []
    for prop, is_key in ((key_prop, True), (value_prop, False)):
        serde, builder = rest.pop(prop, None), rest.pop(prop + ".builder", None)
        if serde is not None and builder is not None:
            raise ValueError(f"{prop} and {prop}.builder are mutually exclusive")
        if builder is not None:
            serde, rest = builder.build(rest, is_key)
        if serde is not None and not callable(serde):
            raise ValueError(f"{prop} must be callable")
        serdes.append(serde)
    return serdes[0], serdes[1], rest


class SerializingProducer(Producer):
    """A high level Kafka producer with serialization capabilities: ``key.serializer`` and
    ``value.serializer`` in the configuration turn objects into bytes.

    :param dict conf: configuration, with the (de)serializers
    """

    def __init__(self, conf):
        self._key_serializer, self._value_serializer, rest = _pop_serdes(conf, "key.serializer",
                                                                          "value.serializer")
        super().__init__(rest)

    def produce(self, topic, key=None, value=None, partition=-1, on_delivery=None, timestamp=0, headers=None):
        """Serialize key and value, then produce (note the order: key before value, unlike
        Producer.produce()).

        :raises KeySerializationError: the key serializer failed
        :raises ValueSerializationError: the value serializer failed
        :raises BufferError: the queue is full"""
        if self._closed:
            raise RuntimeError("Producer has been closed")
        if not isinstance(topic, str):
            raise TypeError(f"topic must be a str, not {type(topic).__name__}")
        ctx = SerializationContext(topic, MessageField.KEY, headers)
        if self._key_serializer is not None:
            try:
                key = self._key_serializer(key, ctx)
            except Exception as e:
                raise KeySerializationError(e) from e
        ctx.field = MessageField.VALUE
        if self._value_serializer is not None:
            try:
                value = self._value_serializer(value, ctx)
            except Exception as e:
                raise ValueSerializationError(e) from e
        super().produce(topic, value, key, headers=headers, partition=partition, timestamp=timestamp,
                        on_delivery=on_delivery)

    def __exit__(self, exc_type, exc_value, exc_traceback):
        self.close()
        return None


class DeserializingConsumer(Consumer):
    """A high level Kafka consumer with deserialization capabilities: ``key.deserializer``
    and ``value.deserializer`` in the configuration turn bytes into objects.

    :param dict conf: configuration, with the deserializers
    """

    def __init__(self, conf):
        self._key_deserializer, self._value_deserializer, rest = _pop_serdes(conf, "key.deserializer",
                                                                              "value.deserializer")
        super().__init__(rest)

    def poll(self, timeout=-1):
        """Consume a message and deserialize its key and value.

        :returns: the Message with deserialized key() and value(), or None
        :raises ConsumeError: poll() returned an error event
        :raises KeyDeserializationError: the key deserializer failed
        :raises ValueDeserializationError: the value deserializer failed"""
        msg = super().poll(timeout)
        if msg is None:
            return None
        if msg.error() is not None:
            raise ConsumeError(msg.error(), kafka_message=msg)
        ctx = SerializationContext(msg.topic(), MessageField.KEY, msg.headers())
        key = msg.key()
        if self._key_deserializer is not None:
            try:
                key = self._key_deserializer(key, ctx)
            except Exception as e:
                raise KeyDeserializationError(exception=e, kafka_message=msg) from e
        value = msg.value()
        if self._value_deserializer is not None:
            ctx.field = MessageField.VALUE
            try:
                value = self._value_deserializer(value, ctx)
            except Exception as e:
                raise ValueDeserializationError(exception=e, kafka_message=msg) from e
        msg.set_key(key)
        msg.set_value(value)
        return msg

    def consume(self, num_messages=1, timeout=-1):
        """Not supported by DeserializingConsumer, as in confluent-kafka: use poll()."""
        raise NotImplementedError

    def __exit__(self, exc_type, exc_value, exc_traceback):
        self.close()
        return None
