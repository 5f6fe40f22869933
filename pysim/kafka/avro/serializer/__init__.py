"""confluent_kafka.avro.serializer's errors (plain exceptions with a ``message``)."""


class SerializerError(Exception):
    """Generic error from serializer package"""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __repr__(self):
        return f"{type(self).__name__}(error={self.message})"

    def __str__(self):
        return self.message


class KeySerializerError(SerializerError):
    """Error while serializing a key."""


class ValueSerializerError(SerializerError):
    """Error while serializing a value."""
