"""Message: what poll() returns and what a delivery callback receives.

It is confluent_kafka.Message (2.16) field for field, public constructor included: tests
build messages by hand (``Message(topic="t", value=b"v", offset=3)``), set fields with
``set_key()``..., compare them with ``==`` and pickle them, and the same code must run
against the real binding. The fields are stored as the C binding stores them — ``-1``
for no partition or leader epoch, ``-1001`` (OFFSET_INVALID) for no offset, ``-1.0`` for
no latency, ``-1`` for no delivery count — and the accessors turn a negative value into
None, which is what ``__reduce__`` and pickling carry.
"""

TIMESTAMP_NOT_AVAILABLE, TIMESTAMP_CREATE_TIME, TIMESTAMP_LOG_APPEND_TIME = 0, 1, 2
_NO_OFFSET = -1001
_SHORT = (-32768, 32767)        # delivery_count is a C short in the binding


def _not_a_message(value):
    return TypeError(f"descriptor requires a 'confluent_kafka.cimpl.Message' object but received "
                     f"a '{type(value).__name__}'")


def _int_arg(value):
    """An int argument as the binding parses it ("i"): Python's TypeError otherwise."""
    if isinstance(value, int):
        return int(value)
    raise TypeError(f"'{type(value).__name__}' object cannot be interpreted as an integer")


class Message:
    """The Message object represents either a single consumed or produced message, or an
    event (:py:func:`error()` is not None): check error() before using the rest.

    .. py:function:: Message([topic], [partition], [offset], [key], [value], [headers], [error], [timestamp], [latency], [leader_epoch], [delivery_count])

      Every parameter is optional; the constructor is meant for tests and mocks, as in
      confluent-kafka.

      :param str topic: topic name
      :param int partition: partition number
      :param int offset: offset
      :param bytes key: key
      :param bytes value: value (payload)
      :param list headers: headers, a list of (str, bytes) tuples
      :param KafkaError error: the error, for an event
      :param tuple timestamp: (timestamp type, milliseconds since the epoch)
      :param float latency: delivery latency in seconds (producer)
      :param int leader_epoch: the partition's leader epoch
      :param int delivery_count: how many times a share group delivered it (KIP-932)
    """

    __slots__ = ("_topic", "_partition", "_offset", "_key", "_value", "_headers", "_error",
                 "_timestamp", "_latency", "_leader_epoch", "_delivery_count")

    def __new__(cls, *args, **kwargs):
        """Zero fields, as the binding's tp_alloc leaves them when __init__ does not run.

        :rtype: Message
        """
        if not isinstance(cls, type) or not issubclass(cls, Message):
            raise TypeError(f"Message.__new__(X): X is not a subtype of Message ({cls!r})")
        self = object.__new__(cls)
        self._topic = self._key = self._value = self._headers = self._error = None
        self._partition = self._offset = self._leader_epoch = self._delivery_count = 0
        self._timestamp, self._latency = (0, 0), 0.0
        return self

    def __init__(self, topic=None, partition=-1, offset=_NO_OFFSET, key=None, value=None, headers=None,
                  error=None, timestamp=(0, 0), latency=-1.0, leader_epoch=-1, delivery_count=-1):
        if not isinstance(self, Message):
            raise _not_a_message(self)
        partition, offset, leader_epoch = _int_arg(partition), _int_arg(offset), _int_arg(leader_epoch)
        delivery_count = _int_arg(delivery_count)
        if not _SHORT[0] <= delivery_count <= _SHORT[1]:
            raise OverflowError(f"signed short integer is {'greater than maximum' if delivery_count > 0 else 'less than minimum'}")
        if timestamp is None:
            timestamp = (0, 0)
        if not (isinstance(timestamp, tuple) and len(timestamp) == 2
                and all(isinstance(x, int) for x in timestamp)):
            raise TypeError("timestamp must be a tuple of (int, int)")
        if not isinstance(latency, (int, float)):
            raise TypeError(f"must be real number, not {type(latency).__name__}")
        self._topic, self._key, self._value, self._headers, self._error = topic, key, value, headers, error
        self._partition = partition if partition >= 0 else -1
        self._offset = offset if offset >= 0 else _NO_OFFSET
        self._leader_epoch = leader_epoch if leader_epoch >= 0 else -1
        self._delivery_count = delivery_count if delivery_count > 0 else -1
        self._latency = float(latency) if latency >= 0 else -1.0
        self._timestamp = (int(timestamp[0]), int(timestamp[1]))

    @classmethod
    def _of(cls, topic, partition, record, error=None, headers=True):
        """A message for ``record`` (a stored record, or anything with key, value, offset,
        headers, timestamp and timestamp_type) without the constructor's checks: the
        consumer's and producer's fast path. ``headers=False`` leaves them out (delivery
        reports, as the binding does)."""
        self = object.__new__(cls)
        self._topic, self._error = topic, error
        self._partition = partition if partition is not None and partition >= 0 else -1
        self._latency, self._leader_epoch, self._delivery_count = -1.0, -1, -1
        if record is None:
            self._key = self._value = self._headers = None
            self._offset, self._timestamp = _NO_OFFSET, (TIMESTAMP_NOT_AVAILABLE, -1)
        else:
            self._key, self._value = record.key, record.value
            self._headers = record.headers if headers else None
            offset = record.offset
            self._offset = offset if offset is not None and offset >= 0 else _NO_OFFSET
            self._timestamp = (record.timestamp_type, record.timestamp)
        return self

    # -- accessors (a method each, as in confluent_kafka) --------------------------------
    def topic(self):
        """:returns: topic name or None
        :rtype: str"""
        try:
            return self._topic
        except AttributeError:
            raise _not_a_message(self) from None

    def partition(self):
        """:returns: partition number, or None when there is none
        :rtype: int"""
        try:
            return self._partition if self._partition >= 0 else None
        except AttributeError:
            raise _not_a_message(self) from None

    def offset(self):
        """:returns: offset, or None when there is none
        :rtype: int"""
        try:
            return self._offset if self._offset >= 0 else None
        except AttributeError:
            raise _not_a_message(self) from None

    def key(self):
        """:returns: key or None
        :rtype: bytes"""
        try:
            return self._key
        except AttributeError:
            raise _not_a_message(self) from None

    def value(self):
        """:returns: value (payload), or for an event the error text, or None
        :rtype: bytes"""
        try:
            return self._value
        except AttributeError:
            raise _not_a_message(self) from None

    def headers(self):
        """:returns: list of (str, bytes) tuples, or None (always None in delivery reports)
        :rtype: list"""
        try:
            return self._headers
        except AttributeError:
            raise _not_a_message(self) from None

    def error(self):
        """:returns: the KafkaError of an event, or None for a proper message
        :rtype: KafkaError"""
        try:
            return self._error
        except AttributeError:
            raise _not_a_message(self) from None

    def timestamp(self):
        """:returns: (timestamp type, timestamp in ms): TIMESTAMP_NOT_AVAILABLE,
          TIMESTAMP_CREATE_TIME or TIMESTAMP_LOG_APPEND_TIME
        :rtype: (int, int)"""
        try:
            return self._timestamp
        except AttributeError:
            raise _not_a_message(self) from None

    def latency(self):
        """:returns: delivery latency in seconds (producer), or None
        :rtype: float"""
        try:
            return self._latency if self._latency >= 0 else None
        except AttributeError:
            raise _not_a_message(self) from None

    def leader_epoch(self):
        """:returns: the leader epoch the record was written in, or None (pysim: always None
          for records it delivers)
        :rtype: int"""
        try:
            return self._leader_epoch if self._leader_epoch >= 0 else None
        except AttributeError:
            raise _not_a_message(self) from None

    def deserialized_key(self):
        """The same object as key(): on a DeserializingConsumer's message, the deserialized
        key (experimental in confluent-kafka 2.16).

        :rtype: object or None"""
        return self.key()

    def deserialized_value(self):
        """The same object as value(): on a DeserializingConsumer's message, the
        deserialized value (experimental in confluent-kafka 2.16).

        :rtype: object or None"""
        return self.value()

    def delivery_count(self):
        """:returns: how many times a share group has delivered this record (>= 1), or None
          for any other message
        :rtype: int"""
        try:
            return self._delivery_count if self._delivery_count > 0 else None
        except AttributeError:
            raise _not_a_message(self) from None

    # -- setters (for interceptors and tests, as in confluent_kafka) ---------------------
    def set_topic(self, value):
        """Set the field 'Message.topic' with a new value.

        :param str value: the topic
        :rtype: None"""
        if not isinstance(self, Message):
            raise _not_a_message(self)
        self._topic = value

    def set_key(self, value):
        """Set the field 'Message.key' with a new value.

        :param object value: the key
        :rtype: None"""
        if not isinstance(self, Message):
            raise _not_a_message(self)
        self._key = value

    def set_value(self, value):
        """Set the field 'Message.value' with a new value.

        :param object value: the value
        :rtype: None"""
        if not isinstance(self, Message):
            raise _not_a_message(self)
        self._value = value

    def set_headers(self, value):
        """Set the field 'Message.headers' with a new value.

        :param list value: the headers
        :rtype: None"""
        if not isinstance(self, Message):
            raise _not_a_message(self)
        self._headers = value

    def set_error(self, value):
        """Set the field 'Message.error' with a new value.

        :param KafkaError value: the error
        :rtype: None"""
        if not isinstance(self, Message):
            raise _not_a_message(self)
        self._error = value

    # -- protocol ------------------------------------------------------------------------
    def __len__(self):
        """:returns: the value's size in bytes (0 without a value)
        :rtype: int"""
        value = self.value()
        return len(value) if value is not None else 0

    def _args(self):
        return (self._topic, self._partition, self._offset, self._key, self._value, self._headers, self._error,
                self._timestamp, self._latency, self._leader_epoch,
                self._delivery_count if self._delivery_count > 0 else -1)

    def __reduce__(self):
        # Always the base class, as the binding does: a subclass pickles as a Message.
        return (Message, self._args())

    def __eq__(self, other):
        # The binding compares every field but the timestamp type, latency and delivery count.
        if not isinstance(other, Message):
            return NotImplemented
        return (self._topic, self._partition, self._offset, self._key, self._value, self._headers,
                self._error, self._timestamp[1], self._leader_epoch) == \
               (other._topic, other._partition, other._offset, other._key, other._value, other._headers,
                other._error, other._timestamp[1], other._leader_epoch)

    __hash__ = None     # unhashable, as in confluent_kafka

    def __repr__(self):
        if self._error is not None:
            return f"Message(error={self._error!r})"
        return f"Message({self._topic}[{self.partition()}]@{self.offset()} key={self._key!r})"
