"""confluent_kafka.serialization: the serializers a SerializingProducer runs before
produce() and the deserializers a DeserializingConsumer runs after poll(), with the
binding's formats (big-endian int32, IEEE 754 binary64, a codec for strings; None is
Kafka's null) and its errors (SerializationError, a KafkaException).

Schema Registry formats (Avro, JSON Schema, Protobuf) are not simulated: they need a
registry service.
"""

import struct as _struct
from enum import Enum

from pysim.kafka.errors import KafkaException

__all__ = ["Deserializer", "DeserializerBuilder", "IntegerDeserializer", "IntegerSerializer", "DoubleDeserializer",
           "DoubleSerializer", "StringDeserializer", "StringSerializer", "MessageField", "SerializationContext",
           "SerializationError", "Serializer", "SerializerBuilder"]


class MessageField(str, Enum):
    """Which part of a message is being (de)serialized: KEY, VALUE (or NONE)."""

    NONE = "none"
    KEY = "key"
    VALUE = "value"

    def __str__(self):
        return str(self.value)


class SerializationContext:
    """What a (de)serializer is told about the data: topic, field (MessageField) and
    headers (a list of tuples, or None)."""

    def __init__(self, topic, field, headers=None):
        self.topic, self.field, self.headers = topic, field, headers


class SerializationError(KafkaException):
    """Generic error from serializer package"""


class Serializer:
    """Turns a Python object into bytes: subclass it and implement ``__call__(obj, ctx)``,
    which returns bytes, or None for None (Kafka's null)."""

    __slots__ = []

    def __call__(self, obj, ctx=None):
        raise NotImplementedError

    def set_cluster_id_resolver(self, resolver):
        """Told how to learn the cluster id (for Schema Registry strategies): ignored."""

    def close(self):
        """Release what the serializer made for itself: nothing here."""


class Deserializer:
    """Turns bytes into a Python object: subclass it and implement ``__call__(value, ctx)``,
    which returns None for None."""

    __slots__ = []

    def __call__(self, value, ctx=None):
        raise NotImplementedError

    def set_cluster_id_resolver(self, resolver):
        """Told how to learn the cluster id: ignored."""

    def close(self):
        """Release what the deserializer made for itself: nothing here."""


class SerializerBuilder:
    """Builds a Serializer from the client's configuration (``key.serializer.builder`` /
    ``value.serializer.builder``): ``build(conf, is_key)`` returns (serializer, the
    configuration left for the client)."""

    __slots__ = []

    def build(self, conf, is_key):
        raise NotImplementedError


class DeserializerBuilder:
    """The deserializing counterpart of SerializerBuilder."""

    __slots__ = []

    def build(self, conf, is_key):
        raise NotImplementedError


class _Struct(Serializer):
    __slots__ = []
    _format = ""

    def __call__(self, obj, ctx=None):
        if obj is None:
            return None
        try:
            return _struct.pack(self._format, obj)
        except _struct.error as e:
            raise SerializationError(str(e)) from None


class _Unstruct(Deserializer):
    __slots__ = []
    _format = ""

    def __call__(self, value, ctx=None):
        if value is None:
            return None
        try:
            return _struct.unpack(self._format, value)[0]
        except _struct.error as e:
            raise SerializationError(str(e)) from None


class DoubleSerializer(_Struct):
    """Serializes float to IEEE 754 binary64 (big-endian), as Kafka's DoubleSerializer."""
    __slots__ = []
    _format = ">d"


class DoubleDeserializer(_Unstruct):
    """Deserializes IEEE 754 binary64 (big-endian) to float."""
    __slots__ = []
    _format = ">d"


class IntegerSerializer(_Struct):
    """Serializes int to int32 bytes (big-endian), as Kafka's IntegerSerializer."""
    __slots__ = []
    _format = ">i"


class IntegerDeserializer(_Unstruct):
    """Deserializes int32 bytes (big-endian) to int."""
    __slots__ = []
    _format = ">i"


class StringSerializer(Serializer):
    """Serializes str to bytes with ``codec`` (utf_8 by default)."""

    def __init__(self, codec="utf_8"):
        self.codec = codec

    def __call__(self, obj, ctx=None):
        if obj is None:
            return None
        try:
            return obj.encode(self.codec)
        except UnicodeError as e:
            raise SerializationError(str(e)) from None


class StringDeserializer(Deserializer):
    """Deserializes bytes to str with ``codec`` (utf_8 by default)."""

    def __init__(self, codec="utf_8"):
        self.codec = codec

    def __call__(self, value, ctx=None):
        if value is None:
            return None
        try:
            return value.decode(self.codec)
        except UnicodeError as e:
            raise SerializationError(str(e)) from None
