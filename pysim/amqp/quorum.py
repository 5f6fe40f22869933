"""A quorum queue (x-queue-type=quorum): a replicated FIFO (one replica here) that counts
how often each message came back.

Differences from a classic queue that a learner can observe:
- it must be durable, and cannot be exclusive or auto-delete;
- a returned message (nack/reject with requeue, or its channel closing) goes to the
  **back** of the queue, not to its old position (3.10's rabbit_fifo; checked against the
  real broker), and every delivery carries ``x-delivery-count`` (0 the first time);
- ``x-delivery-limit``: a message returned more than that many times is dead-lettered
  (reason ``delivery_limit``) or dropped. **Default**: none (unlimited) in RabbitMQ 3.10,
  which the parity tests run; **20 since RabbitMQ 4.0**. ``amqp.broker(host, version="4.0")``
  gives the 4.x default.
"""

from pysim.amqp.queue import Queue

DEFAULT_DELIVERY_LIMIT = {"3.10": None, "4.0": 20}


class QuorumQueue(Queue):
    kind = "quorum"

    def __init__(self, vhost, name, durable, exclusive_owner, auto_delete, arguments):
        super().__init__(vhost, name, durable, exclusive_owner, auto_delete, arguments)
        limit = self.arguments.get("x-delivery-limit")
        self.delivery_limit = limit if limit is not None else DEFAULT_DELIVERY_LIMIT[self.broker.version]

    def _return(self, entry):
        entry.returns += 1
        if self.delivery_limit is not None and entry.returns > self.delivery_limit:
            self.broker.record("amqp.delivery_limit", self.name, message=entry.message.id)
            self._dead_letter(entry.message, "delivery_limit")
            return
        self._ready.append(entry)            # to the back of the queue (3.10's rabbit_fifo)
        self._ready_bytes += len(entry.message.body)

    def delivery_properties(self, entry):
        props = entry.message.properties
        headers = dict(props.headers or {})
        headers["x-delivery-count"] = entry.returns
        return props.copy(headers=headers)

