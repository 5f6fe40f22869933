"""A published message (what the broker stores) and a queue entry (one queue's copy)."""


class Message:
    """Body, properties and where it was published; shared by every queue it reached until
    something (dead-lettering) needs to change it, which makes a new Message."""

    __slots__ = ("body", "properties", "exchange", "routing_key", "id")

    def __init__(self, body, properties, exchange, routing_key, id):
        self.body, self.properties = body, properties
        self.exchange, self.routing_key, self.id = exchange, routing_key, id


class Entry:
    """One queue's copy of a message: its position (requeue puts it back there), expiry,
    whether it was delivered before, and how often it was returned (quorum queues)."""

    __slots__ = ("pos", "message", "expires_at", "redelivered", "returns", "offset", "time_ms")

    def __init__(self, pos, message, expires_at, time_ms):
        self.pos, self.message, self.expires_at, self.time_ms = pos, message, expires_at, time_ms
        self.redelivered = False
        self.returns = 0
        self.offset = None

    def __lt__(self, other):
        return self.pos < other.pos
