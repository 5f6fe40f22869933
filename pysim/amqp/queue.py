"""A classic queue: FIFO of ready messages, handed to consumers round-robin within their
prefetch windows, with RabbitMQ's rules for what happens to a message:

- ack deletes it; nack/reject with requeue puts it back **at its original position**
  (it is delivered again before younger messages) with ``redelivered=True``;
  requeue=False dead-letters it (reason ``rejected``) or drops it without a DLX.
- TTL (``x-message-ttl``, the per-message ``expiration``; the lower wins) is enforced at
  the head: an expired message is never delivered, and is removed (dead-lettered,
  ``expired``) when it reaches the head — a queue with a timer for its head's expiry, so
  this happens on time even with no consumer. Messages behind a live head wait.
- ``x-max-length`` / ``x-max-length-bytes`` count ready messages only; ``x-overflow``
  drop-head (default, dead-letters ``maxlen``), reject-publish (the publisher gets a nack)
  or reject-publish-dlx (nack and dead-letter).
- ``x-expires``: deleted after that long unused (no consumer, no basic.get, no re-declare).
- ``x-single-active-consumer``: only the oldest consumer receives; when it goes, the next
  one takes over. (``x-max-priority`` queues are in pysim.amqp.priority.)
"""

import heapq
from collections import deque

from pysim.amqp.arguments import shown
from pysim.amqp.message import Entry


class Queue:
    kind = "classic"

    def __init__(self, vhost, name, durable, exclusive_owner, auto_delete, arguments):
        self.vhost, self.broker = vhost, vhost.broker
        self.name, self.durable, self.auto_delete = name, durable, auto_delete
        self.exclusive_owner = exclusive_owner
        self.arguments = dict(arguments or {})
        args = self.arguments
        self.ttl = args.get("x-message-ttl")
        self.max_length = args.get("x-max-length")
        self.max_bytes = args.get("x-max-length-bytes")
        self.overflow = shown(args.get("x-overflow", "drop-head"))
        dlx = args.get("x-dead-letter-exchange")
        self.dlx = shown(dlx) if dlx is not None else None
        dlrk = args.get("x-dead-letter-routing-key")
        self.dlrk = shown(dlrk) if dlrk is not None else None
        self.expires = args.get("x-expires")
        self.single_active = bool(args.get("x-single-active-consumer", False))
        self.consumers = []
        self._cursor = 0
        self._ready = deque()
        self._returned = []        # requeued entries, a heap by original position
        self._ready_bytes = 0
        self._pos = 0
        self.unacked = 0
        self.had_consumer = False
        self.deleted = False
        self._expiry_timer = None
        self._expiry_due = None
        self._unused_timer = None
        self.touch()

    # -- counts ----------------------------------------------------------------------------
    @property
    def message_count(self):
        return len(self._ready) + len(self._returned)

    @property
    def consumer_count(self):
        return len(self.consumers)

    # -- publishing ------------------------------------------------------------------------
    def expiry_for(self, message, now):
        ttl = self.ttl
        expiration = message.properties.expiration
        if expiration is not None:
            per_message = int(expiration)
            ttl = per_message if ttl is None else min(ttl, per_message)
        return None if ttl is None else now + ttl

    def publish(self, message):
        """Enqueue; False when the queue refuses it (x-overflow reject-publish*)."""
        now = self.broker.sim.clock.now_ms
        if self._full(extra=len(message.body)) and self.overflow != "drop-head":
            self.broker.record("amqp.overflow", self.name, message=message.id, overflow=self.overflow)
            if self.overflow == "reject-publish-dlx":
                self._dead_letter(message, "maxlen")
            return False
        entry = self._new_entry(message, now)
        self._enqueue(entry)
        self.dispatch(fresh=entry)
        self._enforce_length()
        return True

    def _new_entry(self, message, now):
        self._pos += 1
        return Entry(self._pos, message, self.expiry_for(message, now), now)

    def _enqueue(self, entry):
        self._ready.append(entry)
        self._ready_bytes += len(entry.message.body)

    def _full(self, extra=0):
        if self.max_length is not None and self.message_count + 1 > self.max_length:
            return True
        return self.max_bytes is not None and self._ready_bytes + extra > self.max_bytes

    def _enforce_length(self):
        while self.message_count and (
                (self.max_length is not None and self.message_count > self.max_length)
                or (self.max_bytes is not None and self._ready_bytes > self.max_bytes)):
            entry = self._pop_head()
            self.broker.record("amqp.maxlen", self.name, message=entry.message.id)
            self._dead_letter(entry.message, "maxlen")

    # -- the head --------------------------------------------------------------------------
    def _peek(self):
        ready, returned = self._ready, self._returned
        if returned and (not ready or returned[0].pos < ready[0].pos):
            return returned[0]
        return ready[0] if ready else None

    def _pop_head(self):
        ready, returned = self._ready, self._returned
        if returned and (not ready or returned[0].pos < ready[0].pos):
            entry = heapq.heappop(returned)
        else:
            entry = ready.popleft()
        self._ready_bytes -= len(entry.message.body)
        return entry

    def _expired(self, entry, now, fresh):
        due = entry.expires_at
        if due is None or due > now:
            return False
        # TTL 0: delivered if a consumer can take it right now, otherwise expired at once
        return not (entry is fresh and due == now)

    def _drop_expired(self, fresh=None):
        head = self._peek()
        if head is None or head.expires_at is None:      # the common case: nothing can expire
            if self._expiry_due is not None:
                self._arm_expiry()
            return
        now = self.broker.sim.clock.now_ms
        while True:
            head = self._peek()
            if head is None or not self._expired(head, now, fresh):
                break
            self._pop_head()
            self.broker.record("amqp.expire", self.name, message=head.message.id)
            self._dead_letter(head.message, "expired")
        self._arm_expiry()

    def _arm_expiry(self):
        head = self._peek()
        due = head.expires_at if head is not None else None
        if due == self._expiry_due:
            return
        if self._expiry_timer is not None:
            self._expiry_timer.cancel()
            self._expiry_timer = None
        self._expiry_due = due
        if due is not None:
            self._expiry_timer = self.broker.call_at(max(due, self.broker.sim.clock.now_ms),
                                                     self._on_expiry_timer)

    def _on_expiry_timer(self):
        self._expiry_timer = self._expiry_due = None
        if not self.deleted:
            self._drop_expired()

    # -- delivering ------------------------------------------------------------------------
    def dispatch(self, fresh=None):
        """Hand ready messages to consumers with room, round-robin."""
        consumers = self.consumers
        while consumers:
            self._drop_expired(fresh)
            if self._peek() is None:
                break
            consumer = self._next_consumer()
            if consumer is None:
                break
            entry = self._pop_head()
            self._deliver(consumer, entry)
        self._drop_expired(fresh)

    def _next_consumer(self):
        consumers = self.consumers
        if self.single_active:       # x-single-active-consumer: the oldest consumer gets all
            return consumers[0] if consumers[0].has_capacity() else None
        n = len(consumers)
        for step in range(n):
            i = (self._cursor + step) % n
            if consumers[i].has_capacity():
                self._cursor = (i + 1) % n
                return consumers[i]
        return None

    def _deliver(self, consumer, entry):
        if not consumer.auto_ack:
            self.unacked += 1
        consumer.channel.deliver(consumer, self, entry, self.delivery_properties(entry))

    def delivery_properties(self, entry):
        return entry.message.properties

    def get(self):
        """basic.get: the head entry (expired ones dropped first) or None."""
        self.touch()
        self._drop_expired()
        if self._peek() is None:
            return None
        entry = self._pop_head()
        self._arm_expiry()
        return entry

    # -- settling --------------------------------------------------------------------------
    def settle(self, entry, consumer):
        """Acknowledged: gone."""
        self.unacked -= 1
        self.broker.record("amqp.ack", self.name, message=entry.message.id)

    def requeue(self, entry, consumer):
        self.unacked -= 1
        entry.redelivered = True
        self.broker.record("amqp.requeue", self.name, message=entry.message.id)
        self._return(entry)

    def _return(self, entry):
        heapq.heappush(self._returned, entry)
        self._ready_bytes += len(entry.message.body)

    def reject(self, entry, consumer):
        self.unacked -= 1
        self.broker.record("amqp.reject", self.name, message=entry.message.id)
        self._dead_letter(entry.message, "rejected")

    def _dead_letter(self, message, reason):
        self.vhost.dead_letter(self, message, reason)

    # -- consumers and lifetime ------------------------------------------------------------
    def add_consumer(self, consumer):
        self.consumers.append(consumer)
        self.had_consumer = True
        self.touch()

    def remove_consumer(self, consumer):
        if consumer in self.consumers:
            i = self.consumers.index(consumer)
            self.consumers.remove(consumer)
            if i < self._cursor:
                self._cursor -= 1
            if self.consumers:
                self._cursor %= len(self.consumers)
            else:
                self._cursor = 0
        self.touch()
        if self.auto_delete and self.had_consumer and not self.consumers:
            self.vhost.delete_queue(self.name, reason="auto_delete")

    def purge(self):
        count = self.message_count
        self._ready.clear()
        self._returned = []
        self._ready_bytes = 0
        self._arm_expiry()
        return count

    def touch(self):
        """Used now: restart the x-expires countdown."""
        if self.expires is None:
            return
        if self._unused_timer is not None:
            self._unused_timer.cancel()
        self._unused_timer = self.broker.call_later(self.expires, self._on_unused)

    def _on_unused(self):
        self._unused_timer = None
        if self.deleted:
            return
        if self.consumers:
            self.touch()
            return
        self.vhost.delete_queue(self.name, reason="expires")

    def on_delete(self):
        self.deleted = True
        for timer in (self._expiry_timer, self._unused_timer):
            if timer is not None:
                timer.cancel()
