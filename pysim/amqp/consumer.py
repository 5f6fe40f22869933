"""A consumer on a queue: its channel, tag, ack mode and prefetch window.

``basic.qos(prefetch_count)`` (global=False, pika's default) limits the unacknowledged
deliveries of each consumer created after it on that channel; global=True limits the whole
channel. 0 means unlimited. Consumers with auto_ack ignore the window: RabbitMQ pushes to
them as fast as it can."""


class Consumer:
    __slots__ = ("tag", "queue", "channel", "auto_ack", "callback", "prefetch", "unacked",
                 "exclusive", "arguments", "position", "active")

    def __init__(self, tag, queue, channel, auto_ack, callback, prefetch, exclusive, arguments):
        self.tag, self.queue, self.channel = tag, queue, channel
        self.auto_ack, self.callback, self.prefetch = auto_ack, callback, prefetch
        self.exclusive, self.arguments = exclusive, dict(arguments or {})
        self.unacked = 0
        self.position = None       # a stream consumer's next offset
        self.active = True

    def has_capacity(self):
        if not self.active:
            return False
        if self.auto_ack:
            return True
        if self.prefetch and self.unacked >= self.prefetch:
            return False
        return self.channel.has_capacity()
