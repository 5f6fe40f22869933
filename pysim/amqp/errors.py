"""pika's exception classes, re-declared so pysim needs no dependency: same names, same
hierarchy, same ``args`` shape and ``repr`` as pika 1.x, so ``except
pika.exceptions.ChannelClosedByBroker as e: e.reply_code`` code runs unchanged against
``pysim.amqp.exceptions``.

Reply codes and texts are RabbitMQ's (3.10): a channel error closes the channel
(``ChannelClosedByBroker(406, "PRECONDITION_FAILED - ...")``), a connection error closes
the connection (``ConnectionClosedByBroker(540, "NOT_IMPLEMENTED - ...")``).
"""

# AMQP 0-9-1 reply codes (the spec's constants, as RabbitMQ sends them).
NO_ROUTE = 312
ACCESS_REFUSED = 403
NOT_FOUND = 404
RESOURCE_LOCKED = 405
PRECONDITION_FAILED = 406
COMMAND_INVALID = 503
CHANNEL_ERROR = 504
NOT_IMPLEMENTED = 540

_NAMES = {NO_ROUTE: "NO_ROUTE", ACCESS_REFUSED: "ACCESS_REFUSED", NOT_FOUND: "NOT_FOUND",
          RESOURCE_LOCKED: "RESOURCE_LOCKED", PRECONDITION_FAILED: "PRECONDITION_FAILED",
          COMMAND_INVALID: "COMMAND_INVALID", CHANNEL_ERROR: "CHANNEL_ERROR",
          NOT_IMPLEMENTED: "NOT_IMPLEMENTED"}
CONNECTION_CODES = frozenset({COMMAND_INVALID, CHANNEL_ERROR, NOT_IMPLEMENTED})


class AMQPError(Exception):
    def __repr__(self):
        return f"{self.__class__.__name__}: An unspecified AMQP error has occurred; {self.args}"


class _Closed:
    """What pika's ConnectionClosed and ChannelClosed share: args (reply_code, reply_text)."""

    def __init__(self, reply_code, reply_text):
        super().__init__(int(reply_code), str(reply_text))

    def __repr__(self):
        return f"{self.__class__.__name__}: ({self.reply_code}) {self.reply_text!r}"

    @property
    def reply_code(self):
        return self.args[0]

    @property
    def reply_text(self):
        return self.args[1]


class AMQPConnectionError(AMQPError):
    def __repr__(self):
        if len(self.args) == 2:
            return f"{self.__class__.__name__}: ({self.args[0]}) {self.args[1]}"
        return f"{self.__class__.__name__}: {self.args}"


class ConnectionWrongStateError(AMQPConnectionError):
    pass


class ConnectionClosed(_Closed, AMQPConnectionError):
    pass


class ConnectionClosedByBroker(ConnectionClosed):
    pass


class ConnectionClosedByClient(ConnectionClosed):
    pass


class AMQPChannelError(AMQPError):
    def __repr__(self):
        return f"{self.__class__.__name__}: {self.args!r}"


class ChannelWrongStateError(AMQPChannelError):
    pass


class ChannelClosed(_Closed, AMQPChannelError):
    pass


class ChannelClosedByBroker(ChannelClosed):
    pass


class ChannelClosedByClient(ChannelClosed):
    pass


class DuplicateConsumerTag(AMQPChannelError):
    def __repr__(self):
        return (f"{self.__class__.__name__}: The consumer tag specified already exists for this "
                f"channel: {self.args[0]}")


class ConsumerCancelled(AMQPChannelError):
    def __repr__(self):
        return f"{self.__class__.__name__}: Server cancelled consumer"


class UnroutableError(AMQPChannelError):
    """A mandatory message published in confirm mode that no queue took (Basic.Return)."""

    def __init__(self, messages):
        super().__init__(f"{len(messages)} unroutable message(s) returned")
        self.messages = messages

    def __repr__(self):
        return f"{self.__class__.__name__}: {len(self.messages)} unroutable messages returned by broker"


class NackError(AMQPChannelError):
    """A message published in confirm mode that the broker nacked (e.g. a full queue with
    x-overflow=reject-publish)."""

    def __init__(self, messages):
        super().__init__(f"{len(messages)} message(s) NACKed")
        self.messages = messages

    def __repr__(self):
        return f"{self.__class__.__name__}: {len(self.messages)} unroutable messages returned by broker"


class DuplicateGetOkCallback(AMQPChannelError):
    pass


class BrokerError(Exception):
    """Raised inside the broker model; the channel turns it into pika's exception (a channel
    close or a connection close, by the reply code)."""

    def __init__(self, code, text):
        super().__init__(code, text)
        self.code = code
        self.text = f"{_NAMES[code]} - {text}"

    @property
    def closes_connection(self):
        return self.code in CONNECTION_CODES


def fail(code, text):
    raise BrokerError(code, text)


def precondition(text):
    raise BrokerError(PRECONDITION_FAILED, text)


def not_found(kind, name, vhost):
    raise BrokerError(NOT_FOUND, f"no {kind} '{name}' in vhost '{vhost}'")


def access_refused(text):
    raise BrokerError(ACCESS_REFUSED, text)


class ProbableAccessDeniedError(AMQPConnectionError):
    def __repr__(self):
        return (f"{self.__class__.__name__}: Client was disconnected at a connection stage "
                f"indicating a probable denial of access to the specified virtual host: {self.args}")
