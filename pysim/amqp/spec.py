"""The method frames pika hands back, with pika.spec's class names and attributes:
``Basic.Deliver`` (to a consumer's callback), ``Basic.GetOk`` (from basic_get),
``Basic.Return`` (an unroutable mandatory message), ``Queue.DeclareOk`` and friends wrapped
in a ``frame.Method`` (``result.method.queue``), as BlockingChannel returns them."""


class _Method:
    NAME = "?"
    FIELDS = ()

    def __init__(self, **values):
        for name in self.FIELDS:
            setattr(self, name, values.get(name))

    def __eq__(self, other):
        return type(self) is type(other) and all(
            getattr(self, f) == getattr(other, f) for f in self.FIELDS)

    def __repr__(self):
        if not self.FIELDS:
            return f"<{self.NAME}>"
        shown = [f"{f}={getattr(self, f)}" for f in sorted(self.FIELDS)]
        return f"<{self.NAME}({shown})>"


def _method(name, *fields):
    return type(name.split(".")[1], (_Method,), {"NAME": name, "FIELDS": fields})


class _Deliver(_Method):
    """Basic.Deliver, built once per delivery: a plain constructor (the hot path)."""
    NAME = "Basic.Deliver"
    FIELDS = ("consumer_tag", "delivery_tag", "redelivered", "exchange", "routing_key")
    __slots__ = FIELDS

    def __init__(self, consumer_tag=None, delivery_tag=None, redelivered=None, exchange=None,
                 routing_key=None):
        self.consumer_tag, self.delivery_tag, self.redelivered = consumer_tag, delivery_tag, redelivered
        self.exchange, self.routing_key = exchange, routing_key


_Deliver.__name__ = "Deliver"


class Basic:
    Deliver = _Deliver
    GetOk = _method("Basic.GetOk", "delivery_tag", "redelivered", "exchange", "routing_key",
                    "message_count")
    Return = _method("Basic.Return", "reply_code", "reply_text", "exchange", "routing_key")
    ConsumeOk = _method("Basic.ConsumeOk", "consumer_tag")
    CancelOk = _method("Basic.CancelOk", "consumer_tag")
    QosOk = _method("Basic.QosOk")


class Queue:
    DeclareOk = _method("Queue.DeclareOk", "queue", "message_count", "consumer_count")
    BindOk = _method("Queue.BindOk")
    UnbindOk = _method("Queue.UnbindOk")
    PurgeOk = _method("Queue.PurgeOk", "message_count")
    DeleteOk = _method("Queue.DeleteOk", "message_count")


class Exchange:
    DeclareOk = _method("Exchange.DeclareOk")
    DeleteOk = _method("Exchange.DeleteOk")
    BindOk = _method("Exchange.BindOk")
    UnbindOk = _method("Exchange.UnbindOk")


class Confirm:
    SelectOk = _method("Confirm.SelectOk")


class Method:
    """pika.frame.Method: what BlockingChannel's synchronous calls return."""

    frame_type = 1

    def __init__(self, channel_number, method):
        self.channel_number, self.method = channel_number, method

    def __repr__(self):
        return (f"<METHOD(['channel_number={self.channel_number}', 'frame_type=1', "
                f"'method={self.method!r}'])>")
