"""confluent_kafka.error: the exceptions the serializing clients raise, each a
KafkaException whose ``args[0]`` is the KafkaError, with ``code`` and ``name`` as
properties, the original ``exception`` and (consumer side) the ``kafka_message``."""

from pysim.kafka.errors import KafkaError, KafkaException
from pysim.kafka.serialization import SerializationError

__all__ = ["KafkaError", "KafkaException", "ConsumeError", "ProduceError", "KeySerializationError",
           "ValueSerializationError", "KeyDeserializationError", "ValueDeserializationError", "SerializationError"]


class _KafkaClientError(KafkaException):
    """An error of a Kafka client: the KafkaError, the exception behind it and the message."""

    def __init__(self, kafka_error, exception=None, kafka_message=None):
        super().__init__(kafka_error)
        self.exception = exception
        self.kafka_message = kafka_message

    @property
    def code(self):
        return self.args[0].code()

    @property
    def name(self):
        return self.args[0].name()


class ConsumeError(_KafkaClientError):
    """An error while consuming; ``kafka_message`` holds the message as it came."""


class KeyDeserializationError(ConsumeError, SerializationError):
    """The key deserializer raised (_KEY_DESERIALIZATION)."""

    def __init__(self, exception=None, kafka_message=None):
        super().__init__(KafkaError(KafkaError._KEY_DESERIALIZATION, str(exception)), exception=exception,
                         kafka_message=kafka_message)


class ValueDeserializationError(ConsumeError, SerializationError):
    """The value deserializer raised (_VALUE_DESERIALIZATION)."""

    def __init__(self, exception=None, kafka_message=None):
        super().__init__(KafkaError(KafkaError._VALUE_DESERIALIZATION, str(exception)), exception=exception,
                         kafka_message=kafka_message)


class ProduceError(_KafkaClientError):
    """An error while producing."""

    def __init__(self, kafka_error, exception=None):
        super().__init__(kafka_error, exception, None)


class KeySerializationError(ProduceError, SerializationError):
    """The key serializer raised (_KEY_SERIALIZATION)."""

    def __init__(self, exception=None):
        super().__init__(KafkaError(KafkaError._KEY_SERIALIZATION, str(exception)), exception=exception)


class ValueSerializationError(ProduceError, SerializationError):
    """The value serializer raised (_VALUE_SERIALIZATION)."""

    def __init__(self, exception=None):
        super().__init__(KafkaError(KafkaError._VALUE_SERIALIZATION, str(exception)), exception=exception)
