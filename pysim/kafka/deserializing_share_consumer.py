"""DeserializingShareConsumer, as confluent_kafka's (2.15+, experimental upstream): a
ShareConsumer whose poll() deserializes each record's key and value in place with the
``key.deserializer`` / ``value.deserializer`` callables of its config
(``Callable(bytes, SerializationContext) -> obj``).

As upstream: a record that fails to deserialize stays in the batch with its raw key and
value and ``msg.error()`` set to _VALUE_DESERIALIZATION or _KEY_DESERIALIZATION (so the rest
of the batch is not lost and the record can still be acknowledged, e.g. REJECT); records
that arrived with an error are left alone; a message without a topic raises TypeError.
It is not acknowledged for you: in implicit mode it is accepted at the next poll.

It needs ``pysim.kafka.serialization`` (SerializationContext, MessageField) and the
Message setters (set_key, set_value, set_error); both are imported when first used, so
this module loads without them.
"""

from pysim.kafka.errors import KafkaError
from pysim.kafka.share_consumer import ShareConsumer


class DeserializingShareConsumer(ShareConsumer):
    def __init__(self, conf):
        conf_copy = dict(conf)
        self._key_deserializer = conf_copy.pop("key.deserializer", None)
        self._value_deserializer = conf_copy.pop("value.deserializer", None)
        super().__init__(conf_copy)

    def poll(self, timeout=-1):
        """ShareConsumer.poll(), then each record deserialized in place."""
        messages = super().poll(timeout)
        for msg in messages:
            if msg.error() is not None:
                continue
            self._deserialize(msg)
        return messages

    def _deserialize(self, msg):
        from pysim.kafka.serialization import MessageField, SerializationContext
        topic = msg.topic()
        if topic is None:
            raise TypeError("Message topic is None")
        ctx = SerializationContext(topic, MessageField.VALUE, msg.headers())
        try:
            value = msg.value()
            if self._value_deserializer is not None:
                value = self._value_deserializer(value, ctx)
        except Exception as exc:  # noqa: BLE001 - marks this record only, as upstream
            msg.set_error(KafkaError(KafkaError._VALUE_DESERIALIZATION, str(exc)))
            return
        try:
            key = msg.key()
            if self._key_deserializer is not None:
                ctx.field = MessageField.KEY
                key = self._key_deserializer(key, ctx)
        except Exception as exc:  # noqa: BLE001
            msg.set_error(KafkaError(KafkaError._KEY_DESERIALIZATION, str(exc)))
            return
        msg.set_key(key)
        msg.set_value(value)
