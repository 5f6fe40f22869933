"""ShareConsumer shaped like confluent_kafka.ShareConsumer (the KIP-932 "Preview" client of
confluent-kafka 2.15 / librdkafka 2.15+; the same API in 2.16): a member of a share group
that gets batches of records, each acquired for it alone under a lock, and acknowledges
them one by one. The broker side is share_group.py and share_partition.py.

The API, errors and wording were read off confluent-kafka-python's ShareConsumer.c and
librdkafka's share consumer (v2.15.0 sources), and checked against the real client 2.16.1
with librdkafka's mock cluster (which implements share groups):

- ``poll(timeout=-1)`` returns a ``Messages`` batch (possibly empty) of at most
  ``max.poll.records`` (500) records; ``Message.delivery_count()`` says how many times the
  record has been delivered (1 the first time).
- ``share.acknowledgement.mode``: ``implicit`` (default) accepts every record of a batch at
  the next poll() / commit / close(); ``explicit`` needs ``acknowledge(msg, type)`` for each
  record before the next poll(), else poll() raises IllegalStateException("N records from
  previous poll have not been acknowledged"). Like librdkafka, any other value is accepted
  and is neither mode (no automatic accept, no check).
- Acknowledgements wait on the client until the next poll() (which sends them with the next
  ShareFetch), ``commit_sync()`` (returns {TopicPartition: None or KafkaException}) or
  ``commit_async()`` (results go to the callback of set_acknowledgement_commit_callback(),
  called inside the next poll / commit / close). A refused acknowledgement (the lock ran
  out and the record went to someone else) is INVALID_RECORD_STATE for its partition.
- Errors: IllegalStateException for _STATE (closed, not subscribed, wrong mode, unknown
  offset), ValueError for _INVALID_ARG, ConcurrentModificationException (_CONFLICT) when
  a second thread calls in while a call runs; both exception types are RuntimeErrors, not
  KafkaExceptions, as in the binding.

Time works as for Consumer (single-threaded virtual time, see consumer.py): a poll that
finds nothing moves the shared virtual clock up to its timeout, stopping early at the first
scheduled event (a lock running out, a producer's delivery) that may bring records; an
infinite timeout waits at most max.poll.interval.ms. The background thread's heartbeats
(every share.heartbeat.interval.ms, 5 s, given by the broker) run on the scheduler; a member
that has not polled for max.poll.interval.ms leaves the group (its records are released)
and joins again at its next poll. ``cluster.crash(share_consumer)`` stops everything: its
records come back when their locks run out, and the member goes at the session timeout.

Where pysim is simpler: records are acquired by poll() itself, exactly up to
max.poll.records (librdkafka prefetches and the broker acquires whole produced batches);
the broker answers at once (commit_sync never times out). Not modelled: sasl (set_sasl_credentials
only checks its arguments), RENEW acknowledgements (KIP-1222, not in the binding either).

Client events (error_cb, logger, oauth_cb; client_events.py, as for Consumer and Producer):
librdkafka's share consumer has no background drainer, so they wait in its queue until
poll(), commit_sync(), commit_async() or close() drains it (each drains on entry; poll also
while it waits); an exception a callback raises comes out of that call. oauth_cb is asked
once, in the constructor (a bad answer fails it with KafkaException). stats_cb gets the
statistics JSON every statistics.interval.ms of virtual time (top-level counters and the
broker; no per-partition figures).
"""

import enum
import threading
import weakref

from pysim.kafka import config as _config
from pysim.kafka.client_events import client_events, next_number
from pysim.kafka.cluster import cluster
from pysim.kafka.errors import KafkaError, KafkaException
from pysim.kafka.message import Message
from pysim.kafka.share_group import share_groups_of
from pysim.kafka.share_partition import ACCEPT, REJECT
from pysim.kafka.stats import statistics
from pysim.kafka.topic_partition import TopicPartition

_CLOSED = "Share consumer closed"
_INVALID = "Local: Invalid argument or configuration"
_STATE = "Local: Erroneous state"
MAX_POLL_RECORDS = 500             # librdkafka max.poll.records default
MAX_POLL_INTERVAL_MS = 300_000     # librdkafka max.poll.interval.ms default

# Consumer properties librdkafka refuses on a share consumer (read off the real client 2.16.1).
_NOT_APPLICABLE = frozenset({
    "auto.offset.reset", "consume.callback.max.messages", "enable.auto.commit", "enable.partition.eof",
    "fetch.error.backoff.ms", "fetch.queue.backoff.ms", "group.instance.id", "group.remote.assignor",
    "isolation.level", "message.copy.max.bytes", "partition.assignment.strategy",
    "queued.max.messages.kbytes", "queued.min.messages", "topic.blacklist", "group.protocol",
})
_BROKER_SIDE = ("session.timeout.ms", "heartbeat.interval.ms")
SHARE_CONSUMER = _config.LIBRDKAFKA | _config.PYTHON_COMMON


class IllegalStateException(RuntimeError):
    """A share-consumer call in a state that does not allow it (librdkafka's _STATE)."""


class ConcurrentModificationException(RuntimeError):
    """A share consumer used from a second thread while a call runs (librdkafka's _CONFLICT)."""


class AcknowledgeType(enum.IntEnum):
    """How a record was handled: ACCEPT (done), RELEASE (deliver it again), REJECT (never again)."""
    ACCEPT = 1
    RELEASE = 2
    REJECT = 3


class Messages:
    """The batch poll() returns: a read-only sequence (iteration, len(), indexing, slicing)
    with count(), is_empty() and records(), like confluent_kafka.Messages."""

    __slots__ = ("_records",)

    def __init__(self, messages=()):
        self._records = list(messages)

    @classmethod
    def _from_list(cls, records):
        """Adopt ``records`` as the batch without copying (what the binding's poll uses)."""
        batch = cls.__new__(cls)
        batch._records = records
        return batch

    def records(self):
        return list(self._records)

    def count(self):
        return len(self._records)

    def is_empty(self):
        return not self._records

    def __len__(self):
        return len(self._records)

    def __iter__(self):
        return iter(self._records)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Messages._from_list(self._records[index])
        return self._records[index]

    def __repr__(self):
        return f"Messages({self._records!r})"


class ShareMessage(Message):
    """A record from a share group: a Message whose delivery_count() is the broker's count of
    deliveries of that record (a plain consumer's messages say -1)."""

    __slots__ = ()

    @classmethod
    def of(cls, topic, partition, record, delivery_count):
        message = cls._of(topic, partition, record)
        message._delivery_count = delivery_count
        return message


def _timeout_ms(timeout):
    """Seconds (negative: infinite) to virtual ms (None: infinite); the binding's "|d"."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"must be real number, not {type(timeout).__name__}")
    return None if timeout < 0 else int(timeout * 1000)


class ShareConsumer:
    def __init__(self, conf=None, **kwargs):
        if getattr(self, "_initialized", False):
            raise RuntimeError("ShareConsumer already initialized")
        if conf is None and not kwargs:
            raise TypeError("expected configuration dict")
        if conf is not None and not isinstance(conf, dict):
            raise TypeError("expected configuration dict")
        merged = dict(conf or {}, **kwargs)
        if "on_commit" in merged:
            raise ValueError("on_commit is not supported on ShareConsumer")
        merged = _config.validate(merged, SHARE_CONSUMER)
        if not merged.get("group.id"):
            raise ValueError("Failed to create consumer: group.id must be set")
        for name in sorted(merged):
            if name in _NOT_APPLICABLE:
                raise ValueError(f"Failed to create share consumer: `{name}` is not applicable for share consumer")
            if name in _BROKER_SIDE:
                raise ValueError(f"Failed to create share consumer: `{name}` is not supported for "
                                 "`group.protocol=consumer` or share consumer. It is defined broker side")
            if name == "group.protocol.type":
                raise ValueError("Failed to create share consumer: `group.protocol.type` is not supported for "
                                 "`group.protocol=consumer` or share consumer")
            if name == "allow.auto.create.topics":
                raise ValueError("Failed to create share consumer: allow.auto.create.topics is currently not "
                                 "supported for share consumer and will be enabled in the General Availability "
                                 "(GA) release")
        self._max_records = _int_in(merged, "max.poll.records", MAX_POLL_RECORDS, 1, 2 ** 31 - 1)
        self._max_interval_ms = _int_in(merged, "max.poll.interval.ms", MAX_POLL_INTERVAL_MS, 1, 86_400_000)
        self._mode = str(merged.get("share.acknowledgement.mode", "implicit"))
        ssl_error = _config.ssl_file_error(merged)
        if ssl_error:
            raise ValueError(f"Failed to create share consumer: {ssl_error}")
        self._c = cluster(merged.get("bootstrap.servers", "localhost:9092"))
        self._groups = share_groups_of(self._c)
        self._group = merged["group.id"]
        self._member_id = self._groups.new_member_id()
        self._topics = []
        self._joined = False
        self._delivered = {}         # (topic, partition, offset) -> ack type or None: the last batch
        self._pending = []           # [(topic, partition, offset, type)] acknowledged, not yet sent
        self._results = []           # [(offsets {TopicPartition: set}, KafkaException or None)] for the callback
        self._ack_cb = None
        self._hb_timer = None
        self._closed = False
        self._crashed_at = None
        self._owner = None           # the thread inside a call (ConcurrentModificationException)
        self._in_callback = False
        self._in_poll = False
        self._last_poll_ms = self._c.now_ms
        client_id = merged.get("client.id", "rdkafka")
        self._events = client_events(self, merged, "consumer", self._c,
                                     f"{client_id}#consumer-{next_number(self._c, 'consumer')}")
        self._created_ms, self._rxmsgs = self._c.now_ms, 0
        self._events.stats_from(self._statistics)
        self._events.warn(4, "SHARECONSUMER", 'The share consumer is in "Preview" and is not recommended for '
                                              "production use")
        self._initialized = True

    # -- subscription ------------------------------------------------------------------------
    def subscribe(self, topics):
        """Replace the subscription (exact topic names; a ``^`` name is a literal name here).
        An empty list unsubscribes."""
        with self._call():
            if not isinstance(topics, list):
                raise TypeError("expected list of topic unicode strings")
            names = [t if isinstance(t, str) else str(t) for t in topics]
            if not names:
                self._leave("unsubscribe")
                return None
            if any(not n for n in names) or len(set(names)) != len(names):
                raise ValueError(f"Failed to subscribe: {_INVALID}")
            self._topics = sorted(names)
            try:
                self._join()
            except KafkaException:
                pass                   # as in librdkafka, subscribe() does not wait: poll() reports it
            return None

    def unsubscribe(self):
        """Leave the share group: the records this member holds are released at once."""
        with self._call():
            self._leave("unsubscribe")

    def subscription(self):
        with self._call():
            return list(self._topics)

    def _join(self):
        try:
            self._groups.heartbeat(self._group, self._member_id, self._topics)
        except KafkaException:
            self._joined = False
            raise
        self._joined = True
        if self._hb_timer is None:
            self._schedule_heartbeat()

    def _leave(self, reason):
        self._send_acks(implicit=True)
        if self._joined:
            self._groups.leave(self._group, self._member_id, reason)
        self._joined = False
        self._topics = []
        self._delivered = {}
        self._stop_heartbeat()

    def _heartbeat_tick(self):
        """librdkafka's background thread: ShareGroupHeartbeat every interval; a member that
        has not polled for max.poll.interval.ms leaves (and rejoins at its next poll)."""
        self._hb_timer = None
        if not self._joined:
            return
        if not self._in_poll and self._c.now_ms - self._last_poll_ms > self._max_interval_ms:
            self._groups.leave(self._group, self._member_id, "max.poll.interval.ms exceeded")
            self._joined = False
            self._delivered = {}
            return
        if not self._groups.is_member(self._group, self._member_id):
            self._joined = False               # evicted: joins again at the next poll
            return
        self._groups.heartbeat(self._group, self._member_id, self._topics)
        self._schedule_heartbeat()

    def _schedule_heartbeat(self):
        """The timer holds the consumer only weakly: a ShareConsumer the program drops is
        garbage collected as the real one is (its member then goes at the session timeout;
        librdkafka would leave the group as it destroys the handle)."""
        interval = self._groups.settings(self._group).heartbeat_interval_ms
        self._hb_timer = self._c.sim.scheduler.call_later(interval, _heartbeat, weakref.ref(self))

    def _stop_heartbeat(self):
        if self._hb_timer is not None:
            self._hb_timer.cancel()
            self._hb_timer = None

    # -- consuming ----------------------------------------------------------------------------
    def poll(self, timeout=-1):
        """A Messages batch of at most max.poll.records records acquired for this member,
        empty if none came within ``timeout`` seconds of virtual time. Sends the
        acknowledgements of the previous batch first (implicit mode: accepts it)."""
        with self._call():
            ms = _timeout_ms(timeout)
            self._in_poll = True
            try:
                self._events.serve()
                if self._mode == "implicit":
                    self._accept_rest()
                elif self._mode == "explicit":
                    left = sum(1 for t in self._delivered.values() if t is None)
                    if left:
                        raise IllegalStateException(f"{left} records from previous poll have not been acknowledged")
                if not self._topics:
                    raise IllegalStateException("Consumer is not subscribed to any topics")
                self._send_acks(implicit=False)
                self._serve_callbacks()
                return Messages._from_list(self._fetch(ms))
            finally:
                self._in_poll = False
                self._last_poll_ms = self._c.now_ms

    def _fetch(self, wait_ms):
        c = self._c
        scheduler = c.sim.scheduler
        limit = c.now_ms + (self._max_interval_ms if wait_ms is None else wait_ms)
        while True:
            if not self._joined:
                self._join()
            try:
                got = self._groups.fetch(self._group, self._member_id, self._max_records)
            except KafkaException:
                self._joined = False           # the group dropped us meanwhile: join again
                got = []
            self._events.serve()           # what came while waiting (stats_cb, logs, errors)
            if got:
                self._delivered = {}
                out = []
                for topic, partition, record, count in got:
                    self._delivered[(topic, partition, record.offset)] = None
                    out.append(ShareMessage.of(topic, partition, record, count))
                self._rxmsgs += len(out)
                return out
            now = c.now_ms
            if now >= limit:
                self._delivered = {}
                return []
            due = scheduler.next_due_ms()
            if due is not None and due <= now:
                c.advance(0)
            elif due is not None and due < limit:
                c.advance(due - now)
            else:
                c.advance(limit - now)

    # -- acknowledging ------------------------------------------------------------------------
    def acknowledge(self, message, ack_type=AcknowledgeType.ACCEPT):
        """Mark one record of the last batch ACCEPT / RELEASE / REJECT (explicit mode). It
        is sent with the next poll() or commit."""
        with self._call():
            if not isinstance(message, Message):
                raise TypeError(f"argument 1 must be confluent_kafka.cimpl.Message, not {type(message).__name__}")
            ack_type = _ack_int(ack_type)
            topic = message.topic()
            if topic is None:
                raise ValueError(f"Failed to acknowledge message: {_INVALID}")
            self._ack("message", topic, message.partition(), message.offset(), ack_type)

    def acknowledge_offset(self, topic, partition, offset, ack_type=AcknowledgeType.ACCEPT):
        """acknowledge() by topic, partition and offset."""
        with self._call():
            if not isinstance(topic, str):
                raise TypeError(f"argument 1 must be str, not {type(topic).__name__}")
            for value in (partition, offset):
                if not isinstance(value, int):
                    raise TypeError(f"'{type(value).__name__}' object cannot be interpreted as an integer")
            self._ack("offset", topic, partition, offset, _ack_int(ack_type))

    def _ack(self, what, topic, partition, offset, ack_type):
        """librdkafka's rd_kafka_share_acknowledge_offset0: arguments, mode, type, then lookup."""
        if partition is None or offset is None or partition < 0 or offset < 0:
            raise ValueError(f"Failed to acknowledge {what}: {_INVALID}")
        if self._mode == "implicit":
            raise IllegalStateException(f"Failed to acknowledge {what}: {_STATE}")
        if not ACCEPT <= ack_type <= REJECT:
            raise ValueError(f"Failed to acknowledge {what}: {_INVALID}")
        key = (topic, partition, offset)
        if key not in self._delivered:
            raise IllegalStateException(f"Failed to acknowledge {what}: {_STATE}")
        self._delivered[key] = ack_type

    def commit_sync(self, timeout=60.0):
        """Send the acknowledgements now and wait for the answers: {TopicPartition: None or
        KafkaException} for each partition that had some ({} when none were pending)."""
        with self._call():
            _timeout_ms(timeout)
            self._events.serve()
            results = self._send_acks(implicit=self._mode == "implicit", report=False)
            self._serve_callbacks()
            return results

    def commit_async(self):
        """Send the acknowledgements now; the answers go to the acknowledgement-commit
        callback at the next poll / commit / close."""
        with self._call():
            self._events.serve()
            self._send_acks(implicit=self._mode == "implicit")
            self._serve_callbacks()

    def set_acknowledgement_commit_callback(self, callback):
        """``callback(offsets, exception)``: offsets is {TopicPartition: set of offsets}, exception
        a KafkaException for all of them, or None."""
        with self._call():
            if callback is not None and not callable(callback):
                raise TypeError("callback must be callable or None")
            self._ack_cb = callback

    def set_sasl_credentials(self, username, password):
        with self._call():
            if not isinstance(username, str) or not isinstance(password, str):
                raise TypeError("set_sasl_credentials() takes two str arguments: username, password")
            return None

    def _accept_rest(self):
        for key, kind in self._delivered.items():
            if kind is None:
                self._delivered[key] = ACCEPT

    def _send_acks(self, implicit, report=True):
        """Move the acknowledged records of the last batch to the broker. Returns the
        per-partition results; with ``report`` they are queued for the callback too."""
        if implicit and self._mode == "implicit":
            self._accept_rest()
        acks = [(t, p, o, kind) for (t, p, o), kind in self._delivered.items() if kind is not None]
        if not acks:
            return {}
        self._delivered = {k: v for k, v in self._delivered.items() if v is None}
        answers = self._groups.acknowledge(self._group, self._member_id, acks)
        results, by_error = {}, {}
        for topic, partition, offset, _ in acks:
            tp = TopicPartition(topic, partition, 0)
            code = answers[(topic, partition)]
            results[tp] = None if code is None else KafkaException(KafkaError(code))
            by_error.setdefault(code, {}).setdefault(tp, set()).add(offset)
        if self._ack_cb is not None:
            for code in sorted(by_error, key=lambda c: (c is not None, c or 0)):
                self._results.append((by_error[code], None if code is None else KafkaException(KafkaError(code))))
        return results

    def _serve_callbacks(self):
        while self._results and self._ack_cb is not None:
            offsets, exc = self._results.pop(0)
            self._in_callback = True
            try:
                self._ack_cb(offsets, exc)
            finally:
                self._in_callback = False
        self._results.clear()

    # -- lifecycle -------------------------------------------------------------------------------
    def close(self):
        """Send what is acknowledged (implicit mode: accept the last batch), run the
        callback, leave the group (releasing what is still held). A second close is a no-op."""
        if self._crashed_at is not None or self._closed:
            return None
        with self._call():
            try:
                self._leave("close")
                self._serve_callbacks()
                self._events.serve()
            finally:
                self._closed = True
                self._stop_heartbeat()
                self._events.stop()
        return None

    def __enter__(self):
        with self._call():
            return self

    def __exit__(self, *exc_info):
        self.close()
        return None

    def _trace_name(self):
        return self._member_id

    def _statistics(self):
        """librdkafka's statistics of this share consumer now (stats.py): the top-level
        counters (rxmsgs: records delivered to it) and the broker; no per-partition figures
        (a share group has no positions or lag per member)."""
        counters = {"msg_cnt": 0, "msg_size": 0, "msg_max": 100000, "msg_size_max": 1073741824,
                    "txmsgs": 0, "rxmsgs": self._rxmsgs}
        return statistics("consumer", self._events.name, self._events.name.split("#")[0], self._c,
                          self._created_ms, self._events.pending(), counters, {})

    def _crash(self, now_ms):
        """cluster.crash(): the process is gone. No acknowledgement is sent and no leave:
        the broker gets the records back as their locks expire; the member goes at the
        session timeout."""
        self._crashed_at = now_ms
        self._stop_heartbeat()
        self._events.stop()
        self._closed = True

    def memberid(self):
        """This member's id (pysim extra: confluent's ShareConsumer has no memberid())."""
        return self._member_id

    def _call(self):
        return _Call(self)


class _Call:
    """The guard around every public call: closed / crashed checks, re-entry from the
    acknowledgement-commit callback (_STATE) and use from a second thread (_CONFLICT)."""

    __slots__ = ("_sc", "_outer")

    def __init__(self, sc):
        self._sc = sc

    def __enter__(self):
        sc = self._sc
        if sc._crashed_at is not None:
            raise IllegalStateException(f"{_CLOSED} (crashed by cluster.crash at t={sc._crashed_at} ms)")
        if sc._closed:
            raise IllegalStateException(_CLOSED)
        if sc._in_callback:
            raise IllegalStateException("Share consumer API called from the acknowledgement commit callback")
        me = threading.get_ident()
        if sc._owner is not None and sc._owner != me:
            raise ConcurrentModificationException("Share consumer is not safe for multi-threaded access")
        self._outer = sc._owner is None
        sc._owner = me
        return sc

    def __exit__(self, *exc_info):
        if self._outer:
            self._sc._owner = None
        return False


def _heartbeat(ref):
    consumer = ref()
    if consumer is not None:
        consumer._heartbeat_tick()


def _ack_int(ack_type):
    if isinstance(ack_type, bool) or not isinstance(ack_type, int):
        raise TypeError(f"'{type(ack_type).__name__}' object cannot be interpreted as an integer")
    return int(ack_type)


def _int_in(conf, name, default, low, high):
    value = conf.get(name, default)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise KafkaException(KafkaError(KafkaError._INVALID_ARG,
                                        f'Invalid value for configuration property "{name}"')) from None
    if not low <= number <= high:
        raise KafkaException(KafkaError(KafkaError._INVALID_ARG, f'Configuration property "{name}" value {number} '
                                                                 f'is outside allowed range {low}..{high}\n'))
    return number
