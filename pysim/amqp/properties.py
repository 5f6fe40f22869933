"""BasicProperties: the message header frame, with pika's field names and repr."""

FIELDS = ("content_type", "content_encoding", "headers", "delivery_mode", "priority",
          "correlation_id", "reply_to", "expiration", "message_id", "timestamp", "type",
          "user_id", "app_id", "cluster_id")


class DeliveryMode:
    Transient = 1
    Persistent = 2


class BasicProperties:
    """``amqp.BasicProperties(expiration="5000", headers={...}, delivery_mode=2, ...)``.

    ``expiration`` is a string of milliseconds, as in AMQP; ``delivery_mode`` may be 1, 2 or
    a DeliveryMode value. The broker copies properties: changing the object after publishing
    changes nothing inside the broker."""

    __slots__ = FIELDS

    def __init__(self, content_type=None, content_encoding=None, headers=None, delivery_mode=None,
                 priority=None, correlation_id=None, reply_to=None, expiration=None,
                 message_id=None, timestamp=None, type=None, user_id=None, app_id=None,
                 cluster_id=None):
        self.content_type, self.content_encoding = content_type, content_encoding
        self.headers = headers
        self.delivery_mode, self.priority = delivery_mode, priority
        self.correlation_id, self.reply_to = correlation_id, reply_to
        self.expiration, self.message_id, self.timestamp = expiration, message_id, timestamp
        self.type, self.user_id, self.app_id, self.cluster_id = type, user_id, app_id, cluster_id

    def copy(self, **changes):
        """An independent copy (headers copied deeply), with ``changes`` applied."""
        new = _new(BasicProperties)
        for field in FIELDS:
            setattr(new, field, getattr(self, field))
        if new.headers is not None and "headers" not in changes:
            new.headers = _deep_copy(new.headers)
        for field, value in changes.items():
            setattr(new, field, value)
        return new

    def __eq__(self, other):
        return isinstance(other, BasicProperties) and all(
            getattr(self, f) == getattr(other, f) for f in FIELDS)

    def __repr__(self):
        shown = [f"{f}={getattr(self, f)}" for f in sorted(FIELDS) if getattr(self, f) is not None]
        return f"<BasicProperties({shown})>" if shown else "<BasicProperties>"


_new = object.__new__


def _deep_copy(value):
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value
