"""confluent_kafka.avro, the legacy (deprecated) Avro clients: they need a Confluent
Schema Registry, which pysim does not simulate. The names exist so that a script copied
from an Avro tutorial imports, and fails with a clear error where it creates the client.
"""

from pysim.kafka.avro.serializer import SerializerError  # noqa: F401

_NEEDS_REGISTRY = ("{} needs a Confluent Schema Registry (schema.registry.url), which pysim does not "
                   "simulate: use SerializingProducer / DeserializingConsumer with the serializers of "
                   "confluent_kafka.serialization (strings, integers, doubles), or JSON you encode yourself")


class AvroProducer:
    """Kafka Producer client which does avro schema encoding: not simulated (needs a
    Schema Registry); creating one raises NotImplementedError."""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError(_NEEDS_REGISTRY.format("AvroProducer"))


class AvroConsumer:
    """Kafka Consumer client which does avro schema decoding: not simulated (needs a
    Schema Registry); creating one raises NotImplementedError."""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError(_NEEDS_REGISTRY.format("AvroConsumer"))
