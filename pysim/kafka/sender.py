"""Produce requests in flight: the part of librdkafka's producer that exists because a
request can fail after the broker has, or has not, appended it.

A producer uses this path only while faults are armed on its cluster (faults.py) or it
still has requests outstanding; otherwise produce() appends at once. Here each record is
one request (pysim does not batch). Per partition, records wait in a queue in production
order and at most ``max.in.flight.requests.per.connection`` of them are in flight; a
partition's requests stand for the connection to its leader. The broker handles a
request when it is sent (the append happens then, so offsets show the order requests
reached the broker) and the response arrives at the next movement of virtual time.

A lost response or a request that never arrives means the connection went silent: the
requests sent after it on that connection do not arrive either. The producer notices
``request.timeout.ms`` (30 s) later, when librdkafka times the request out and closes
the connection, failing every request in flight on it.

A retriable failure (a timeout, NOT_LEADER_FOR_PARTITION) puts the record back into its
partition's queue at its place in production order (librdkafka inserts retries by message
id), to be sent again after ``retry.backoff.ms``, doubling per retry up to
``retry.backoff.max.ms`` (librdkafka adds +-20% jitter; pysim does not). So:

- without idempotence a retried record whose first attempt was appended is appended
  twice (a lost response: a duplicate), and a record already in flight behind one that
  was refused (NOT_LEADER_FOR_PARTITION) lands before it: reordering. Both show in the
  offsets; one request in flight at a time (max.in.flight=1) prevents the reordering,
  not the duplicate;
- with idempotence the retry carries the same sequence number and the broker answers a
  duplicate with the original offset; a record that arrives after a gap is refused with
  OUT_OF_ORDER_SEQUENCE_NUMBER and, since an earlier record of the same producer is still
  unacknowledged, retried. After any failure the partition sends nothing new until its
  requests in flight are answered (librdkafka drains them), so records land in order.
  A success proves every earlier sequence stored (the broker appends a producer's
  sequences only in order), so the records still waiting for their retry ahead of it are
  reported delivered at once and never sent again: librdkafka's implicit ack
  (rd_kafka_handle_idempotent_Produce_success calls rd_kafka_dr_implicit_ack). Their
  reports carry no offset: no response named one.

A record of an idempotent producer that fails for good leaves a hole in its partition's
sequence; the producer then holds every partition (``hold``) until nothing is in flight,
bumps its epoch and numbers the queued records again (``resume``): see idempotence.py.

A record that waits in its queue (never sent, or between retries) longer than
``message.timeout.ms`` fails with _MSG_TIMED_OUT there, as librdkafka's periodic scan of
its queues fails it. A record fails for good with the last error once ``retries`` is used up (a request that
timed out is reported _MSG_TIMED_OUT, as librdkafka's rd_kafka_handle_Produce_error does),
or with _MSG_TIMED_OUT once ``message.timeout.ms`` has passed since produce() when it would be
retried. Java's producer behaves the same way with ``delivery.timeout.ms``.
"""

from bisect import insort

from pysim.kafka.errors import KafkaError, KafkaException
from pysim.kafka.faults import LOSE_RESPONSE, NOT_LEADER, TIME_OUT, faults_of
from pysim.kafka.message import TIMESTAMP_CREATE_TIME


class OutgoingRecord:
    """One produce() on its way: where it goes, what it carries, how it has fared. It is
    also what the delivery report of an implicitly acked record shows (no offset, its own
    CreateTime): librdkafka reports the message as produce() made it."""

    __slots__ = ("msgid", "topic", "partition", "key", "value", "timestamp", "headers", "callback",
                 "seq", "created_ms", "retries", "backoff_until", "purged")
    offset, timestamp_type = None, TIMESTAMP_CREATE_TIME

    def __init__(self, msgid, topic, partition, key, value, timestamp, headers, callback, seq, created_ms):
        self.msgid, self.topic, self.partition = msgid, topic, partition
        self.key, self.value, self.timestamp, self.headers = key, value, timestamp, headers
        self.callback, self.seq, self.created_ms = callback, seq, created_ms
        self.retries, self.backoff_until, self.purged = 0, 0, False

    def __lt__(self, other):
        return self.msgid < other.msgid


class _PartitionQueue:
    """One partition's records on their way; its requests stand for the connection to the
    partition's leader (responses on a connection come back in order)."""

    __slots__ = ("queue", "inflight", "draining", "wakeup", "broken", "expiry")

    def __init__(self):
        self.broken = None       # the request after which the connection went silent
        self.queue = []          # OutgoingRecords waiting to be sent, in msgid order
        self.inflight = {}       # msgid -> OutgoingRecord sent and not answered
        self.draining = False    # idempotent: send nothing new until inflight is empty
        self.wakeup = None       # timer that sends the queue's head when its backoff ends
        self.expiry = None       # timer that fails the queued records older than message.timeout.ms


class Sender:
    """The requests of one producer. ``append(record)`` is the producer's way to the broker
    (plain or with a producer id); ``prepare(record)`` is called first at every send (it
    gives an idempotent record its sequence number); ``finish(record, stored, error)``
    queues the delivery report."""

    def __init__(self, cluster, settings, prepare, append, finish, actor, skipped=None):
        self._c, self._s, self._append, self._finish, self._actor = cluster, settings, append, finish, actor
        self._prepare = prepare
        self._skipped = skipped  # idempotent: a hole nobody is waiting for was found (asks for a bump)
        self._sched = cluster.sim.scheduler
        self._faults = faults_of(cluster)
        self._parts = {}
        self.outstanding = 0     # records queued or in flight
        self.stopped = False     # a crashed producer's requests are forgotten
        self.held = False        # nothing is sent on any partition (an epoch bump or an abort waits)
        self.purging = False     # a record that would wait in a queue fails with _PURGE_QUEUE instead
        self._on_drained = None  # called once nothing is in flight on any partition while held
        self._failing = False    # failing several records at once: the drain is checked after them
        self.expiring = 0        # how many records time out together in the batch being failed

    def send(self, record):
        pq = self._parts.get((record.topic, record.partition))
        if pq is None:
            pq = self._parts[(record.topic, record.partition)] = _PartitionQueue()
        pq.queue.append(record)
        self.outstanding += 1
        self._pump(pq)
        self._arm_expiry(pq)

    def _pump(self, pq):
        """Send from the queue's head while the in-flight limit and the head's backoff allow."""
        if self.held:
            return
        now = self._c.now_ms
        limit = self._s.max_in_flight
        while pq.queue and len(pq.inflight) < limit:
            if pq.draining:
                if pq.inflight:
                    return
                pq.draining = False
            head = pq.queue[0]
            if head.backoff_until > now:
                if pq.wakeup is None:
                    pq.wakeup = self._sched.call_at(head.backoff_until, self._wake, pq)
                return
            pq.queue.pop(0)
            pq.inflight[head.msgid] = head
            self._transmit(pq, head)

    def _wake(self, pq):
        pq.wakeup = None
        if not self.stopped:
            self._pump(pq)

    def _transmit(self, pq, record):
        self._prepare(record)
        if pq.broken is not None:            # the connection is silently dead: nothing arrives
            return
        faults = self._faults
        fault = None
        if faults.armed:
            fault = faults.decide(record.topic, record.partition, self._actor, msgid=record.msgid)
        stored = error = None
        if fault == NOT_LEADER:
            error = KafkaError(KafkaError.NOT_LEADER_FOR_PARTITION, "Broker: Not leader for partition", retriable=True)
        elif fault != TIME_OUT:
            try:
                stored = self._append(record)
            except KafkaException as e:
                error = e.args[0]
        if fault == LOSE_RESPONSE or fault == TIME_OUT:
            pq.broken = record
            self._sched.call_later(self._s.request_timeout_ms, self._timed_out, pq, record)
        else:
            self._sched.call_later(0, self._answered, pq, record, stored, error)

    def _answered(self, pq, record, stored, error):
        if self.stopped:
            return
        del pq.inflight[record.msgid]
        if error is None:
            if self._s.idempotent:
                self._implicit_ack(pq, record)
            self._done(record, stored, None)
        elif error.retriable() or self._after_gap(pq, record, error):
            self._retry(pq, record, error)
        elif self._skipped is not None and error.code() == KafkaError.OUT_OF_ORDER_SEQUENCE_NUMBER:
            self._retry(pq, record, error)       # behind a hole (a purged record's number, ...):
            self._skipped()                      # librdkafka bumps the epoch and retries it
        else:
            self._done(record, None, error)
        self._pump(pq)
        self._check_drained()

    def _implicit_ack(self, pq, record):
        """``record`` succeeded: the records of its partition still waiting for a retry ahead of
        it (their first attempt was stored but its answer was lost, or a later attempt was
        refused) were stored too, since the broker takes a producer's sequences only in
        order. librdkafka's rd_kafka_handle_idempotent_Produce_success sees a batch succeed
        past its last acked msgid and calls rd_kafka_dr_implicit_ack, which takes them off
        the queues and reports them delivered. Retrying one instead would meet
        OUT_OF_ORDER_SEQUENCE_NUMBER once the broker's five-batch duplicate window has moved
        past it, and renumbering it under a bumped epoch would store it twice."""
        acked = [r for r in pq.queue if r.msgid < record.msgid]
        if not acked:
            return
        pq.queue = pq.queue[len(acked):]             # msgid order: the acked ones are the head
        self._c.trace.record("produce.implicit_ack", self._actor, topic=record.topic, partition=record.partition,
                             msgids=[r.msgid for r in acked], by=record.msgid)
        for r in acked:
            self._done(r, r, None)

    def _timed_out(self, pq, record):
        """request.timeout.ms after the request that broke the connection: librdkafka times
        it out and closes the connection, failing every request in flight on it."""
        if self.stopped:
            return
        pq.broken = None
        failed = sorted(pq.inflight.values())     # answers sent before the break came long ago
        self._c.trace.record("produce.request_timeout", self._actor, topic=record.topic,
                             partition=record.partition, msgid=record.msgid, in_flight=len(failed))
        timeout, now = self._s.message_timeout_ms, self._c.now_ms
        self._failing, self.expiring = True, sum(1 for r in failed if timeout and now - r.created_ms >= timeout)
        for r in failed:
            del pq.inflight[r.msgid]
            self._retry(pq, r, KafkaError(KafkaError._TIMED_OUT, "Local: Timed out", retriable=True))
        self._failing, self.expiring = False, 0
        self._pump(pq)
        self._check_drained()

    def _after_gap(self, pq, record, error):
        """OUT_OF_ORDER_SEQUENCE_NUMBER caused by our own earlier record still unanswered or
        waiting for its retry, or by one that failed for good (the producer is held for an
        epoch bump): retriable, as librdkafka treats it (it bumps the epoch in both cases,
        pysim in the second only: the retry in order closes the first)."""
        if error.code() != KafkaError.OUT_OF_ORDER_SEQUENCE_NUMBER:
            return False
        msgid = record.msgid
        return self.held or any(m < msgid for m in pq.inflight) or any(r.msgid < msgid for r in pq.queue)

    def _retry(self, pq, record, error):
        now, s = self._c.now_ms, self._s
        if record.purged:
            self.outstanding -= 1
            return
        if s.message_timeout_ms and now - record.created_ms >= s.message_timeout_ms:
            self._done(record, None, KafkaError(KafkaError._MSG_TIMED_OUT, "Local: Message timed out"))
            return
        if record.retries >= s.retries:
            if error.code() == KafkaError._TIMED_OUT:     # librdkafka reports a request's timeout as the record's
                error = KafkaError(KafkaError._MSG_TIMED_OUT, "Local: Message timed out")
            self._done(record, None, error)
            return
        if self.purging:
            self._done(record, None, KafkaError(KafkaError._PURGE_QUEUE))
            return
        record.retries += 1
        record.backoff_until = now + min(s.retry_backoff_ms << min(record.retries - 1, 20), s.retry_backoff_max_ms)
        insort(pq.queue, record)
        self._arm_expiry(pq)
        if s.idempotent:
            pq.draining = True
        self._c.trace.record("produce.retry", self._actor, topic=record.topic, partition=record.partition,
                             msgid=record.msgid, attempt=record.retries, error=error.name())

    def _arm_expiry(self, pq):
        """A timer for the message timeout of the oldest queued record (the queue's head:
        records are created in msgid order). librdkafka scans its partition queues for
        records older than message.timeout.ms (rd_kafka_broker_toppar_msgq_scan), so a
        record that waits, never sent or between retries, fails with _MSG_TIMED_OUT too."""
        timeout = self._s.message_timeout_ms
        if timeout and pq.queue and pq.expiry is None:
            pq.expiry = self._sched.call_at(max(pq.queue[0].created_ms + timeout, self._c.now_ms), self._expire, pq)

    def _expire(self, pq):
        pq.expiry = None
        if self.stopped:
            return
        now, timeout = self._c.now_ms, self._s.message_timeout_ms
        expired = 0
        while expired < len(pq.queue) and now - pq.queue[expired].created_ms >= timeout:
            expired += 1
        if expired:
            records, pq.queue = pq.queue[:expired], pq.queue[expired:]
            self._c.trace.record("produce.expired", self._actor, topic=records[0].topic,
                                 partition=records[0].partition, msgids=[r.msgid for r in records])
            self._failing, self.expiring = True, expired
            for record in records:
                self._done(record, None, KafkaError(KafkaError._MSG_TIMED_OUT, "Local: Message timed out"))
            self._failing, self.expiring = False, 0
        self._arm_expiry(pq)
        self._pump(pq)
        self._check_drained()

    def _done(self, record, stored, error):
        self.outstanding -= 1
        if not record.purged:
            self._finish(record, stored, error)

    # -- what the producer asks -------------------------------------------------------------
    def purge(self, in_queue, in_flight):
        """Drop queued (and/or in-flight) records; returns them, in production order, for
        their _PURGE_QUEUE / _PURGE_INFLIGHT reports. An in-flight record's fate at the
        broker does not change (it may be stored); its answer is ignored."""
        queued, flying = [], []
        for key in sorted(self._parts):
            pq = self._parts[key]
            if in_queue:
                queued.extend(pq.queue)
                self.outstanding -= len(pq.queue)
                pq.queue = []
            if in_flight:
                for record in pq.inflight.values():
                    if not record.purged:
                        record.purged = True
                        flying.append(record)
        return queued, flying

    def hold(self, on_drained=None, purge=False):
        """Send nothing more on any partition until resume(); ``on_drained()`` runs once no
        request is in flight. With ``purge`` the queued records are dropped (returned, for
        their _PURGE_QUEUE reports) and so is every record that would wait in a queue later."""
        self.held, self._on_drained = True, on_drained
        if purge:
            self.purging = True
            return self.purge(True, False)[0]
        if not self._failing:
            self._check_drained()
        return []

    def in_flight(self):
        return any(pq.inflight for pq in self._parts.values())

    def resume(self):
        """Send again after an epoch bump: the queued records get new sequence numbers."""
        self.held = self.purging = False
        self._on_drained = None
        for key in sorted(self._parts):
            pq = self._parts[key]
            for record in pq.queue:
                record.seq = None
            self._pump(pq)

    def _check_drained(self):
        if self._on_drained is not None and not self.in_flight():
            drained, self._on_drained = self._on_drained, None
            drained()

    def stop(self):
        """Forget everything (the producer crashed): answers that arrive later are ignored."""
        self.stopped = True
        self.outstanding = 0
        self._parts = {}
