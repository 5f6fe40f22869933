"""Errors shaped like confluent_kafka's: a KafkaError value (code, name, reason, flags)
carried by a KafkaException. Codes are librdkafka's numbers, so a learner's
``err.code() == KafkaError._PARTITION_EOF`` checks work unchanged on a real cluster."""

from pysim.kafka.error_codes import CODES


class KafkaError:
    """Kafka error and event object, as confluent_kafka.KafkaError: an error code with
    librdkafka's number, name and description, and the flags fatal, retriable and
    txn_requires_abort.

    Args:
      error (int): the error code, one of the constants below (every code the binding
        names: _MSG_TIMED_OUT, _PARTITION_EOF, UNKNOWN_TOPIC_OR_PART, ...).
      reason (str): a message to use instead of librdkafka's description.
      fatal (bool), retriable (bool), txn_requires_abort (bool): the flags.

    An unknown code is accepted: its name is ``ERR_<code>?`` and its text ``Err-<code>?``.
    """

    __slots__ = ("_code", "_reason", "_fatal", "_retriable", "_txn_requires_abort")

    def __init__(self, error, reason=None, fatal=False, retriable=False, txn_requires_abort=False):
        if not isinstance(error, int):
            raise TypeError(f"'{type(error).__name__}' object cannot be interpreted as an integer")
        self._code = int(error)
        self._reason = reason if reason is not None else _default_reason(self._code)
        self._fatal, self._retriable = bool(fatal), bool(retriable)
        self._txn_requires_abort = bool(txn_requires_abort)

    def code(self):
        """:returns: the error code
        :rtype: int"""
        return self._code

    def name(self):
        """:returns: the code's name, e.g. ``_MSG_TIMED_OUT``
        :rtype: str"""
        return _name_of(self._code)

    def str(self):
        """:returns: the description, or the reason given
        :rtype: str"""
        return self._reason

    def fatal(self):
        """:returns: True for a fatal error (the client instance cannot be used anymore)
        :rtype: bool"""
        return self._fatal

    def retriable(self):
        """:returns: True when the operation may be retried
        :rtype: bool"""
        return self._retriable

    def txn_requires_abort(self):
        """:returns: True when the transaction must be aborted (abortable error)
        :rtype: bool"""
        return self._txn_requires_abort

    def __eq__(self, other):
        if isinstance(other, KafkaError):
            return self._code == other._code
        return self._code == other

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash(self._code)

    def __str__(self):
        # confluent_kafka prints the whole form, so a learner's print(err) reads the same.
        return self.__repr__()

    def __repr__(self):
        flags = "FATAL," if self._fatal else ""
        return f'KafkaError{{{flags}code={self.name()},val={self._code},str="{self._reason}"}}'


# Every code the binding names, as class attributes (KafkaError._MSG_TIMED_OUT == -192).
_NAMES = {}
_DESCRIPTIONS = {}
for _code, _name, _text in CODES:
    setattr(KafkaError, _name, _code)
    _NAMES[_code], _DESCRIPTIONS[_code] = _name, _text


def _name_of(code):
    return _NAMES.get(code, f"ERR_{code}?")


def _default_reason(code):
    return _DESCRIPTIONS.get(code, f"Err-{code}?")


class KafkaException(Exception):
    """Kafka exception that wraps the :py:class:`KafkaError` class.

    Use ``exception.args[0]`` to extract the :py:class:`KafkaError` object. Like the
    binding's, it keeps its arguments as given (``KafkaException()`` has none)."""


def fail(code, reason=None):
    """Raise KafkaException(KafkaError(code, reason)): the one-liner the clients use."""
    raise KafkaException(KafkaError(code, reason))
