"""Message: what poll() returns and what a delivery callback receives."""

TIMESTAMP_NOT_AVAILABLE, TIMESTAMP_CREATE_TIME, TIMESTAMP_LOG_APPEND_TIME = 0, 1, 2


class Message:
    """A record as a client sees it, or an error event (error() is not None).
    Accessors are methods, as in confluent_kafka."""

    __slots__ = ("_topic", "_partition", "_record", "_error", "_latency")

    def __init__(self, topic, partition, record=None, error=None):
        self._topic, self._partition, self._record, self._error = topic, partition, record, error
        self._latency = None

    def topic(self): return self._topic
    def partition(self): return self._partition
    def offset(self): return self._record.offset if self._record is not None else None
    def key(self): return self._record.key if self._record is not None else None
    def value(self): return self._record.value if self._record is not None else None
    def headers(self): return self._record.headers if self._record is not None else None
    def error(self): return self._error
    def latency(self): return self._latency
    def leader_epoch(self): return None

    def timestamp(self):
        if self._record is None:
            return (TIMESTAMP_NOT_AVAILABLE, -1)
        return (self._record.timestamp_type, self._record.timestamp)

    def __len__(self):
        value = self.value()
        return len(value) if value is not None else 0

    def __repr__(self):
        if self._error is not None:
            return f"Message(error={self._error!r})"
        return f"Message({self._topic}[{self._partition}]@{self.offset()} key={self.key()!r})"
