"""Declare arguments: validating a new queue's or exchange's arguments and checking that a
re-declare is equivalent, with RabbitMQ 3.10's wording (``PRECONDITION_FAILED -
inequivalent arg 'x-message-ttl' for queue 'q' in vhost '/': received '2000' but current
is '1000'``). Values are described by the AMQP field type pika encodes them as (an int
that fits 32 bits is a ``signedint``, a str a ``longstr``)."""

from pysim.amqp.errors import precondition

QUEUE_TYPES = ("classic", "quorum", "stream")
OVERFLOW = ("drop-head", "reject-publish", "reject-publish-dlx")
# The order RabbitMQ checks queue arguments in (rabbit_amqqueue:declare_args/0).
QUEUE_ARGS = ("x-expires", "x-message-ttl", "x-dead-letter-exchange", "x-dead-letter-routing-key",
              "x-max-length", "x-max-length-bytes", "x-max-priority", "x-overflow", "x-queue-mode",
              "x-single-active-consumer", "x-queue-type", "x-delivery-limit", "x-max-age")
# Arguments each queue type refuses, named the way the broker names the type.
_TYPE_MODULE = {"classic": "rabbit_classic_queue", "quorum": "rabbit_quorum_queue",
                "stream": "rabbit_stream_queue"}
_UNSUPPORTED = {
    "classic": {"x-delivery-limit", "x-max-age"},
    "quorum": {"x-max-priority", "x-queue-mode", "x-max-age"},
    "stream": {"x-message-ttl", "x-expires", "x-dead-letter-exchange", "x-dead-letter-routing-key",
               "x-max-length", "x-overflow", "x-delivery-limit", "x-max-priority",
               "x-queue-mode", "x-single-active-consumer"},
}


def amqp_type(value):
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "signedint" if -2**31 <= value < 2**31 else "long"
    if isinstance(value, (str, bytes)):
        return "longstr"
    if isinstance(value, float):
        return "double"
    if isinstance(value, dict):
        return "table"
    if isinstance(value, (list, tuple)):
        return "array"
    if value is None:
        return "void"
    return type(value).__name__


def shown(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _where(kind, name, vhost):
    return f"for {kind} '{name}' in vhost '{vhost}'"


def inequivalent(arg, kind, name, vhost, received, current):
    if received is None:
        tail = f"received none but current is the value '{shown(current)}' of type '{amqp_type(current)}'"
    elif current is None:
        tail = f"received the value '{shown(received)}' of type '{amqp_type(received)}' but current is none"
    else:
        tail = f"received '{shown(received)}' but current is '{shown(current)}'"
    precondition(f"inequivalent arg '{arg}' {_where(kind, name, vhost)}: {tail}")


def _equal(a, b):
    if isinstance(a, bytes):
        a = a.decode("utf-8", "replace")
    if isinstance(b, bytes):
        b = b.decode("utf-8", "replace")
    return a == b


def queue_type(arguments):
    kind = (arguments or {}).get("x-queue-type", "classic")
    return kind.decode() if isinstance(kind, bytes) else kind


def validate_queue(name, vhost, durable, exclusive, auto_delete, arguments):
    """Refuse a new queue's bad arguments the way RabbitMQ 3.10 does; returns its type."""
    args = arguments or {}
    bad = lambda arg, why: precondition(f"invalid arg '{arg}' {_where('queue', name, vhost)}: {why}")
    kind = queue_type(args)
    if not isinstance(kind, str) or kind not in QUEUE_TYPES:
        bad("x-queue-type", f"\"unsupported queue type '{shown(kind)}'\"")
    for arg in ("x-expires", "x-message-ttl", "x-max-length", "x-max-length-bytes", "x-delivery-limit",
                "x-max-priority"):
        if arg in args:
            value = args[arg]
            if isinstance(value, bool) or not isinstance(value, int):
                bad(arg, f"\"expected integer, got {amqp_type(value)}\"")
            if value < 0:
                bad(arg, f"{{value_negative,{value}}}")
            if arg == "x-expires" and value == 0:
                bad(arg, "{value_zero,0}")
    if "x-overflow" in args and shown(args["x-overflow"]) not in OVERFLOW:
        bad("x-overflow", "invalid_overflow")
    for arg in ("x-dead-letter-exchange", "x-dead-letter-routing-key"):
        if arg in args and not isinstance(args[arg], (str, bytes)):
            bad(arg, f"\"expected string, got {amqp_type(args[arg])}\"")
    if kind != "classic":
        if not durable:
            precondition(f"invalid property 'non-durable' {_where('queue', name, vhost)}")
        if exclusive:
            precondition(f"invalid property 'exclusive-owner' {_where('queue', name, vhost)}")
        if auto_delete:
            precondition(f"invalid property 'auto-delete' {_where('queue', name, vhost)}")
    for arg in QUEUE_ARGS:
        if arg in args and arg in _UNSUPPORTED[kind]:
            precondition(f"invalid arg '{arg}' {_where('queue', name, vhost)} of queue type "
                         f"{_TYPE_MODULE[kind]}")
    return kind


def check_queue_equivalent(queue, vhost, durable, auto_delete, arguments):
    if queue.durable != durable:
        inequivalent("durable", "queue", queue.name, vhost, durable, queue.durable)
    if queue.auto_delete != auto_delete:
        inequivalent("auto_delete", "queue", queue.name, vhost, auto_delete, queue.auto_delete)
    new, old = arguments or {}, queue.arguments
    for arg in QUEUE_ARGS:
        a, b = new.get(arg), old.get(arg)
        if arg == "x-queue-type" and shown(a or "classic") == shown(b or "classic"):
            continue
        if not _equal(a, b):
            inequivalent(arg, "queue", queue.name, vhost, a, b)


def check_exchange_equivalent(exchange, vhost, type, durable, auto_delete, internal, arguments):
    for arg, received, current in (("type", type, exchange.type),
                                   ("durable", durable, exchange.durable),
                                   ("auto_delete", auto_delete, exchange.auto_delete),
                                   ("internal", internal, exchange.internal)):
        if received != current:
            inequivalent(arg, "exchange", exchange.name, vhost, received, current)
    a, b = (arguments or {}).get("alternate-exchange"), exchange.arguments.get("alternate-exchange")
    if not _equal(a, b):
        inequivalent("alternate-exchange", "exchange", exchange.name, vhost, a, b)
