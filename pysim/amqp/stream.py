"""A stream (x-queue-type=stream): RabbitMQ's append-only log, the honest answer to
"RabbitMQ cannot replay". Reading does not remove anything: every consumer has its own
position, chosen with the ``x-stream-offset`` consumer argument:

- ``"first"``: the oldest message kept; ``"last"``: the last chunk written; ``"next"``
  (the default): only messages published from now on; an int: that offset (clamped to
  what exists); a ``datetime``: the first message stored at or after that time.

Here every publish is its own chunk, so ``"last"`` starts at the newest message (a real
broker batches messages published close together into one chunk and starts at the
chunk's first message). Each delivery carries the header ``x-stream-offset``.

Retention (``x-max-length-bytes``, ``x-max-age``) is accepted but not simulated: the log
keeps everything.

Rules the broker enforces (3.10 wording): consuming needs basic.qos(prefetch_count) and
manual acks (acks only return credit, they delete nothing); basic.get, basic.nack and
basic.reject are not implemented for streams and close the connection (540).
"""

import datetime

from pysim.amqp.errors import NOT_IMPLEMENTED, fail, precondition
from pysim.amqp.message import Entry
from pysim.amqp.queue import Queue

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


class StreamQueue(Queue):
    kind = "stream"

    def __init__(self, vhost, name, durable, exclusive_owner, auto_delete, arguments):
        super().__init__(vhost, name, durable, exclusive_owner, auto_delete, arguments)
        self.log = []

    def _where(self):
        return f"queue '{self.name}' in vhost '{self.vhost.name}'"

    @property
    def message_count(self):
        return len(self.log)

    def publish(self, message):
        now = self.broker.sim.clock.now_ms
        entry = Entry(len(self.log), message, None, now)
        entry.offset = len(self.log)
        self.log.append(entry)
        self.dispatch()
        return True

    def check_consume(self, auto_ack, prefetch):
        if not prefetch:
            precondition(f"consumer prefetch count is not set for '{self._where()}'")
        if auto_ack:
            fail(NOT_IMPLEMENTED, f"automatic acknowledgement not supported by stream queues {self._where()}")

    def start_position(self, spec):
        size = len(self.log)
        if spec is None or spec == "next":
            return size
        if spec == "first":
            return 0
        if spec == "last":
            return max(size - 1, 0)
        if isinstance(spec, datetime.datetime):
            ms = int((spec - _EPOCH).total_seconds() * 1000) if spec.tzinfo else int(
                (spec.replace(tzinfo=datetime.timezone.utc) - _EPOCH).total_seconds() * 1000)
            for entry in self.log:
                if entry.time_ms >= ms:
                    return entry.offset
            return size
        if isinstance(spec, int) and not isinstance(spec, bool):
            return min(max(spec, 0), size)
        precondition(f"invalid x-stream-offset {spec!r} for {self._where()}")

    def add_consumer(self, consumer):
        consumer.position = self.start_position(consumer.arguments.get("x-stream-offset"))
        super().add_consumer(consumer)

    def dispatch(self, fresh=None):
        for consumer in list(self.consumers):
            while consumer.position < len(self.log) and consumer.has_capacity():
                stored = self.log[consumer.position]
                consumer.position += 1
                self.unacked += 1
                consumer.channel.deliver(consumer, self, stored, self.delivery_properties(stored))

    def delivery_properties(self, entry):
        props = entry.message.properties
        headers = dict(props.headers or {})
        headers["x-stream-offset"] = entry.offset
        return props.copy(headers=headers)

    def get(self):
        fail(NOT_IMPLEMENTED, f"basic.get not supported by stream queues {self._where()}")

    def settle(self, entry, consumer):
        self.unacked -= 1            # credit back; the log keeps the message

    def requeue(self, entry, consumer):
        self.unacked -= 1            # a closing channel: nothing to put back

    def reject(self, entry, consumer):
        fail(NOT_IMPLEMENTED, f"basic.nack and basic.reject not supported by stream queues {self._where()}")

    def purge(self):
        return 0
