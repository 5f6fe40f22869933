"""Producer shaped like confluent_kafka.Producer (2.16), with librdkafka's semantics:
produce() appends through the shared cluster, and delivery reports wait for poll() or
flush(), where the callbacks run with the real partition and offset.

What was checked against confluent-kafka 2.16.1 and librdkafka's mock cluster (see
tests/parity/test_producer_parity.py): where records without a key go under each
partitioner (pysim.kafka.partitioning), the argument errors of produce() (TypeError with
the binding's wording), KafkaException(_UNKNOWN_PARTITION) raised by produce() for a
partition the topic does not have, an unknown topic reported once in a delivery report
(UNKNOWN_TOPIC_OR_PART) and then raised by produce() (_UNKNOWN_TOPIC), headers as a dict
or a list of (str, value) tuples read back as a list of (str, bytes) tuples, and the
shape of list_topics(); and (tests/parity/test_transactions_parity.py) the transactional
API's errors in each state, the offsets transaction markers take, and the configuration
that enable.idempotence / transactional.id refuse.

How pysim simplifies:

- Delivery is instant while nothing can go wrong on the way: produce() appends the record
  before it returns, nothing is queued or in flight and flush() returns 0. A broker
  rejection (a record too large for the topic, a null key on a compacted topic) comes
  back in the delivery report, as from a real broker. Once faults are armed on the
  cluster (``cluster.faults``, see faults.py) records go as requests that are in flight
  until answered, with librdkafka's retries, timeouts and max.in.flight (see sender.py):
  poll() and flush() then move virtual time until the answers come, and flush() returns
  how many records are still on their way.
- enable.idempotence: a producer id and per-partition sequence numbers, which the broker
  uses to drop retried duplicates (producer_state.py); librdkafka's configuration rules
  (producer_settings.py); the epoch bump (or, with enable.gapless.guarantee, the fatal
  error) after a record that had a sequence number fails for good (idempotence.py). transactional.id: librdkafka's transaction state machine
  (producer_txn.py) in front of the cluster's coordinator (transactions.py); markers take
  an offset, read_committed consumers skip aborted records (fetcher.py).
- The producer knows every topic's metadata from the start. librdkafka learns it with its
  first request, so for a topic it has not used yet it reports a bad partition in the
  delivery report (partition=99 of a topic created on the fly) instead of raising.
- poll() returns the number of delivery reports served; librdkafka counts events, and one
  event can carry a whole batch of reports, so its number can be smaller. A poll() that
  finds nothing to serve waits, like the consumer's, by moving the shared virtual clock by
  its timeout (an infinite timeout does not wait: a real producer would block for good).
- Delivery reports carry headers() None, as confluent-kafka documents for its callbacks;
  the stored record keeps them.
- Each record is its own request (no batching: linger.ms and batch.size change nothing
  but the Java partitioner's choices).

pysim-only configuration (librdkafka rejects it, so remove it before pointing a script at
a real cluster): ``pysim.java.partitioner`` = ``round_robin`` | ``sticky`` | ``builtin``
places records the way the Java producer does instead: keys by murmur2 (as
``murmur2_random``), records without a key by the Java client's strategy of that era
(Kafka < 2.4, KIP-480 in 2.4 to 3.2, KIP-794 from 3.3; see pysim.java_partitioners), sized
with the Java defaults (batch.size 16384, linger.ms 0) unless batch.size / linger.ms are
set. Only null-key records go through the strategy's batch bookkeeping.
"""

import weakref

from pysim import java_partitioners
from pysim.kafka import config as _config
from pysim.kafka.cluster import cluster as _cluster_for
from pysim.kafka.errors import KafkaError, KafkaException
from pysim.kafka.topic_name import topic_name_error
from pysim.kafka.message import Message, TIMESTAMP_NOT_AVAILABLE
from pysim.kafka.metadata import cluster_id, cluster_metadata
from pysim.kafka.partitioning import (DEFAULT_PARTITIONER, STICKY_LINGER_DEFAULT_MS, STICKY_LINGER_MAX_MS,
                                      make_partitioner)
from pysim.kafka.faults import faults_of
from pysim.kafka.client_events import check_sasl_credentials, client_events
from pysim.kafka.stats import statistics
from pysim.kafka.idempotence import SequenceGaps
from pysim.kafka import no_brokers
from pysim.kafka.producer_settings import delivery_settings
from pysim.kafka.producer_state import append_with_id, producer_states
from pysim.kafka.producer_txn import TransactionManager
from pysim.kafka.record_size import MESSAGE_OVERHEAD, RECORD_BATCH_OVERHEAD, batch_size, client_message_size
from pysim.kafka.sender import OutgoingRecord, Sender

JAVA_PARTITIONER = "pysim.java.partitioner"
_INFINITE = -1

# How many producers each cluster has seen: producer n draws from "producer.<n>.partitioner",
# so adding a producer never changes the choices of those made before it.
_producer_counts = weakref.WeakKeyDictionary()


def DeliveryReport(topic, partition, record, error=None):
    """The message a delivery callback receives: the record as stored, but headers() None
    (confluent-kafka does not hand headers to delivery callbacks)."""
    return Message._of(topic, partition, record, error, headers=False)


class _Unsent:
    """What a failed delivery report shows of a record that was never stored: its key and
    value, no offset, no timestamp (TIMESTAMP_NOT_AVAILABLE, -1)."""

    __slots__ = ("key", "value")
    offset, timestamp, timestamp_type, headers = None, -1, TIMESTAMP_NOT_AVAILABLE, None

    def __init__(self, key, value):
        self.key, self.value = key, value


_TOO_LARGE = "Unable to produce message: Broker: Message size too large"


class Producer:
    """Asynchronous Kafka Producer, as confluent_kafka.Producer: ``Producer(config)``
    with a dict of librdkafka properties (see the module docstring for what pysim does).

    :param dict config: configuration; ``bootstrap.servers`` names the simulated cluster
      (without it the producer never connects, as librdkafka's)
    """

    # An instance whose __init__ never ran (a subclass that forgot super().__init__())
    # behaves as a closed one, as the binding's does: RuntimeError, len() 0.
    _closed = _refused = True

    def __init__(self, conf=None, **kwargs):
        if conf is None and not kwargs or conf is not None and not isinstance(conf, dict):
            raise TypeError("expected configuration dict")
        conf = _config.validate(dict(conf or {}, **kwargs), _config.PRODUCER)
        ssl_error = _config.ssl_file_error(conf)
        if ssl_error:
            raise KafkaException(KafkaError(KafkaError._INVALID_ARG, f"Failed to create producer: {ssl_error}"))
        linger = _int_property(conf, "sticky.partitioning.linger.ms", STICKY_LINGER_DEFAULT_MS, 0, STICKY_LINGER_MAX_MS)
        on_delivery = conf.get("on_delivery")
        if on_delivery is not None and not callable(on_delivery):
            raise KafkaException(KafkaError(KafkaError._INVALID_ARG, "on_delivery requires a callable object"))
        java = conf.get(JAVA_PARTITIONER)
        partitioner = conf.get("partitioner", DEFAULT_PARTITIONER if java is None else "murmur2_random")
        if java is not None and partitioner not in ("murmur2", "murmur2_random"):
            raise KafkaException(KafkaError(
                KafkaError._INVALID_ARG, f'"{JAVA_PARTITIONER}" places records as the Java producer does '
                f'(keys by murmur2): it cannot be combined with partitioner={partitioner}'))
        java_batch = _int_property(conf, "batch.size", java_partitioners.JAVA_BATCH_SIZE, 1, 2147483647)
        java_linger = _int_property(conf, "linger.ms", 0, 0, 900000)

        # librdkafka's client-side limits: produce() refuses a record larger than
        # message.max.bytes (less its worst-case record overhead) and raises BufferError
        # while queue.buffering.max.messages / .kbytes are held by records not yet served.
        self._max_payload = _int_property(conf, "message.max.bytes", 1000000, 1000, 1000000000) - MESSAGE_OVERHEAD
        self._max_held = _int_property(conf, "queue.buffering.max.messages", 100000, 0, 2147483647)
        self._max_held_bytes = 1024 * _int_property(conf, "queue.buffering.max.kbytes", 1048576, 1, 2147483647)
        self._held_bytes = 0

        servers = _config.bootstrap_servers(conf)
        self._c = c = _cluster_for(servers if servers is not None else no_brokers.NO_BROKERS)
        number = _producer_counts.get(c, 0) + 1
        _producer_counts[c] = number
        self.name = f"{conf.get('client.id', 'rdkafka')}#producer-{number}"
        self._unsent = None        # without bootstrap.servers: records no broker will take
        if servers is None:
            self._unsent = no_brokers.UnsentQueue()
        rng = c.sim.rng.stream(f"producer.{number}.partitioner")
        self._partition = make_partitioner(partitioner, linger, rng, c.sim.clock)
        self._java = None
        if java is not None:
            self._java = java_partitioners.make(java, rng, java_batch, java_linger)
        self._default_cb = on_delivery
        self._only_errors = _config.as_bool(conf.get("delivery.report.only.error", False))
        self._auto_create = _config.as_bool(conf.get("allow.auto.create.topics", True))
        self._settings = settings = delivery_settings(conf)
        self._transactional = settings.transactional_id is not None
        self._idempotent = settings.idempotent
        self._txn = None
        if self._transactional:
            self._txn = TransactionManager(self, c, settings) if servers is not None else no_brokers.NoCoordinator(c)
        self._pid = self._epoch = None   # producer id and epoch (idempotent / transactional)
        self._seqs = {}            # (topic, partition) -> next sequence number (idempotent)
        self._gaps = SequenceGaps(self) if self._idempotent else None
        if self._idempotent and not self._transactional:
            self._new_producer_id(producer_states(c).new_producer_id(), 0)    # InitProducerId at start
        self._idempotent_direct = self._idempotent and not self._transactional   # produce() inlines it
        self._faults = faults_of(c)
        self._sender = None        # requests in flight, made when faults are first armed
        self._msgid = 0
        self._missing = {}         # topic -> the error that told this producer it does not exist
        self._reports = []         # (callback, message) waiting for poll(), in delivery order
        self._silent = 0           # delivery reports without a callback waiting for poll()
        self._closed = False
        self._refused = self._transactional     # produce() takes the long way: closed, or transactional
        self._num_partitions, self._append = c.num_partitions, c.append   # the produce path's calls
        self._created_ms, self._txmsgs = c.now_ms, 0
        self._events = client_events(self, conf, "producer", c, self.name)
        self._events.stats_from(self._statistics)
        if servers is None:
            self._events.warn(5, "CONFWARN", no_brokers.CONFWARN)

    # -- producing ------------------------------------------------------------------------
    def produce(self, topic, value=None, key=None, partition=-1, callback=None, on_delivery=None,
                timestamp=0, headers=None):
        """Append one record (see the module docstring for what is instant here). Raises
        TypeError for a bad argument and KafkaException for a partition the topic does not
        have or a topic already reported missing; the cluster is unchanged then."""
        if self._refused:
            self._refuse()
        if value.__class__ is not bytes and value is not None:
            value = _payload(value, 2)
        if key.__class__ is not bytes and key is not None:
            key = _payload(key, 3)
        if partition.__class__ is not int:
            partition = _integer(partition)
        if timestamp.__class__ is not int:
            timestamp = _integer(timestamp)
        cb = callback or on_delivery or self._default_cb
        if cb is not None and not callable(cb):
            raise TypeError(f"on_delivery must be callable, not {type(cb).__name__}")
        if headers is not None:
            headers = _headers(headers)
        if topic.__class__ is not str and not isinstance(topic, str):
            raise TypeError(f"argument 1 must be str, not {_type_name(topic)}")
        size = (len(value) if value is not None else 0) + (len(key) if key is not None else 0)
        if headers is not None:
            size = client_message_size(key, value, headers)
        if size > self._max_payload:
            raise KafkaException(KafkaError(KafkaError.MSG_SIZE_TOO_LARGE, _TOO_LARGE))
        held = len(self._reports) + self._silent
        if self._sender is not None or self._unsent is not None:
            held = len(self)
        if held >= self._max_held or self._held_bytes + size > self._max_held_bytes:
            raise BufferError("Local: Queue full")
        self._held_bytes += size
        if self._unsent is not None:
            timeout_ms = self._settings.message_timeout_ms
            self._unsent.add(no_brokers.Unsent(topic, partition, key, value, cb,
                                               self._c.now_ms + timeout_ms if timeout_ms else None, size))
            return
        try:
            n = self._num_partitions(topic)
        except KafkaException:
            n = self._missing_topic(topic)
            if n is None:
                self._report(cb, DeliveryReport(topic, None, _Unsent(key, value), self._missing[topic]))
                return
        if partition == -1:
            if self._java is None:
                partition = self._partition(topic, key, n)
            else:
                partition = self._java_partition(topic, key, n, value, headers)
        elif not 0 <= partition < n:
            raise KafkaException(KafkaError(KafkaError._UNKNOWN_PARTITION,
                                            "Unable to produce message: Local: Unknown partition"))
        if self._idempotent or self._faults.armed or self._sender is not None:
            if not self._idempotent_direct or self._faults.armed or self._sender is not None:
                self._produce_managed(topic, partition, key, value, timestamp, headers, cb)
                return
            seqs, where = self._seqs, (topic, partition)     # idempotent, nothing can fail on the way
            seq = seqs.get(where, 0)
            try:
                rec = append_with_id(self._c, topic, partition, key, value, timestamp or self._c.now_ms, headers,
                                     self.name, self._pid, self._epoch, seq, False)
            except KafkaException as e:          # refused for good: its sequence number is a hole
                seqs[where] = seq + 1
                self._report(cb, DeliveryReport(topic, partition, _Unsent(key, value), e.args[0]))
                self._gaps.failed(topic, partition, seq, e.args[0])
                return
            seqs[where] = seq + 1
        else:
            try:
                rec = self._append(topic, partition, key, value, timestamp, headers, self.name)
            except KafkaException as e:     # the broker refused the record: a failed delivery
                self._report(cb, DeliveryReport(topic, partition, _Unsent(key, value), e.args[0]))
                return
        if self._only_errors:
            self._held_bytes -= size         # freed at once: no report will hold it
            return
        if cb is None:
            self._silent += 1
        else:
            self._reports.append((cb, DeliveryReport(topic, partition, rec)))

    def produce_batch(self, topic, messages, partition=-1, on_delivery=None, callback=None):
        """Produce a list of message dicts (value, key, partition, callback); returns how many
        were accepted. A refused message gets its error in an '_error' field, as in
        confluent-kafka; an invalid list raises before anything is produced."""
        if self._closed:
            raise RuntimeError("Producer has been closed")
        if not isinstance(messages, list):
            raise TypeError("messages must be a list")
        for i, m in enumerate(messages):
            if not isinstance(m, dict):
                raise TypeError(f"Message at index {i} must be a dict")
            for field in ("value", "key"):
                if m.get(field) is not None and not isinstance(m[field], (bytes, str)):
                    raise TypeError(f"Message {field} at index {i} must be bytes or str")
            if "partition" in m and not isinstance(m["partition"], int):
                raise TypeError(f"Message partition at index {i} must be int")
            if "timestamp" in m:
                raise NotImplementedError("Message timestamps are not currently supported in batch mode")
        default_cb = on_delivery or callback
        accepted = 0
        for m in messages:
            try:
                self.produce(topic, m.get("value"), m.get("key"), m.get("partition", partition),
                             callback=m.get("callback") or default_cb)
                accepted += 1
            except KafkaException as e:
                error = e.args[0]
                m["_error"] = KafkaError(error.code(), "Message failed: " + error.str().replace(
                    "Unable to produce message: ", "")) if isinstance(error, KafkaError) else error
            except BufferError:
                m["_error"] = KafkaError(KafkaError._QUEUE_FULL, "Message failed: Local: Queue full")
        return accepted

    def _produce_managed(self, topic, partition, key, value, timestamp, headers, cb):
        """produce() for an idempotent or transactional producer, or while requests can
        fail (faults armed, or some still in flight): with a producer id and sequence
        numbers, and through the Sender when the request can fail (see sender.py)."""
        txn = self._txn
        if txn is not None and not txn.add_partition(topic, partition):
            self._report(cb, DeliveryReport(topic, partition, _Unsent(key, value), txn.error))
            return
        now = self._c.now_ms
        self._msgid += 1
        record = OutgoingRecord(self._msgid, topic, partition, key, value, timestamp or now, headers, cb, None, now)
        if self._faults.armed or (self._sender is not None and self._sender.outstanding):
            if self._sender is None:
                skipped = self._gaps.skipped if self._idempotent and not self._transactional else None
                self._sender = Sender(self._c, self._settings, self._sequence, self._send_one, self._delivered,
                                      self.name, skipped)
            self._sender.send(record)
            return
        try:
            stored = self._send_one(record)
        except KafkaException as e:
            if e.args[0].code() != KafkaError.OUT_OF_ORDER_SEQUENCE_NUMBER or self._transactional:
                self._delivered(record, None, e.args[0])
                return
            self._gaps.skipped()                 # a hole behind it (a purged record's number): bump, resend
            record.seq = None
            try:
                stored = self._send_one(record)
            except KafkaException as e:
                self._delivered(record, None, e.args[0])
                return
        self._delivered(record, stored, None)

    def _send_one(self, record):
        """One request reaching the broker: the record as stored (for a retried duplicate of
        an idempotent producer, the one stored first), or KafkaException with its error."""
        if not self._idempotent:
            return self._append(record.topic, record.partition, record.key, record.value, record.timestamp,
                                record.headers, self.name)
        self._sequence(record)
        return append_with_id(self._c, record.topic, record.partition, record.key, record.value,
                              record.timestamp, record.headers, self.name, self._pid, self._epoch, record.seq,
                              self._transactional)

    def _sequence(self, record):
        """Give an idempotent producer's record its sequence number when it is first sent
        (whether or not the request reaches the broker): sequences follow first sends."""
        if self._idempotent and record.seq is None:
            where = (record.topic, record.partition)
            record.seq = self._seqs.get(where, 0)
            self._seqs[where] = record.seq + 1

    def _delivered(self, record, stored, error):
        """A request's final answer: queue its delivery report (and tell the transaction; a
        record that had a sequence number leaves a hole, see idempotence.py)."""
        if error is not None:
            purged = ()
            if self._gaps is not None and (record.seq is not None or error.code() == KafkaError._MSG_TIMED_OUT):
                error, purged = self._gaps.failed(record.topic, record.partition, record.seq, error)
            if self._txn is not None:
                error = self._txn.delivery_failed(record, error)
            self._report(record.callback, DeliveryReport(record.topic, record.partition,
                                                         _Unsent(record.key, record.value), error))
            self._report_purged(purged, KafkaError._PURGE_QUEUE)
        elif not self._only_errors:
            self._report(record.callback, DeliveryReport(record.topic, record.partition, stored))

    def _new_producer_id(self, pid, epoch):
        """A producer id and epoch from InitProducerId: sequences start over."""
        self._pid, self._epoch = pid, epoch
        self._seqs = {}

    def _producer_id(self):
        return self._pid, self._epoch

    def _missing_topic(self, topic):
        """The partition count of ``topic`` once auto-created, or None after arranging its
        failed delivery report. Like librdkafka: the first record to a missing topic fails
        in its delivery report, later produce() calls raise _UNKNOWN_TOPIC."""
        c = self._c
        if topic in self._missing:
            raise KafkaException(KafkaError(KafkaError._UNKNOWN_TOPIC, "Unable to produce message: Local: Unknown topic"))
        if self._auto_create and c.auto_create:
            if topic_name_error(topic) is None:
                c._ensure(topic)
                return c.num_partitions(topic)
            self._missing[topic] = KafkaError(KafkaError.TOPIC_EXCEPTION, "Broker: Invalid topic")
        else:
            self._missing[topic] = KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART, "Broker: Unknown topic or partition")
        return None

    def _java_partition(self, topic, key, n, value, headers):
        """pysim.java.partitioner: keys by the keyed rule (murmur2), null keys by the Java
        strategy, each record sized as it would be in a v2 batch."""
        if key is not None:
            return self._partition(topic, key, n)
        size = batch_size(key, value, headers) - RECORD_BATCH_OVERHEAD
        return self._java.choose(topic, n, size, self._c.now_ms)

    def _report(self, cb, message):
        if cb is None:
            self._silent += 1
        else:
            self._reports.append((cb, message))

    # -- delivery reports -----------------------------------------------------------------
    def poll(self, timeout=_INFINITE):
        """Serve the waiting delivery reports (callbacks run here, in delivery order) and
        return how many were served. With none waiting, move virtual time by ``timeout``
        seconds (a finite, positive one) as a blocked poll would, and return 0; while
        requests are in flight it stops as soon as an answer brings a report."""
        self._check_open()
        seconds = _seconds(timeout)
        if self._unsent is not None:
            return self._poll_unsent(seconds)
        sender = self._sender
        if sender is not None and sender.outstanding:
            self._c.advance(0)                   # answers due now arrive
        served = self._serve() + self._events.serve()
        if not served and seconds > 0:
            if sender is not None and sender.outstanding:
                self._wait_for_reports(round(seconds * 1000))
                served = self._serve()
            else:
                self._events.poll(seconds)
            served += self._events.serve()
        return served

    def flush(self, timeout=_INFINITE):
        """Wait for every record to be delivered (moving virtual time while requests are in
        flight) and serve every delivery report; returns how many messages are still
        queued or in flight (0 unless ``timeout`` ran out)."""
        self._check_open()
        seconds = _seconds(timeout)
        budget = None if timeout is None or (isinstance(timeout, (int, float)) and timeout < 0) \
            else round(seconds * 1000)
        if self._unsent is not None:
            self._drain_unsent(budget)
        else:
            self._drain(budget)
        return len(self)

    # -- without bootstrap.servers (see no_brokers.py) -------------------------------------
    def _expire(self):
        """Records whose message.timeout.ms has passed fail with _MSG_TIMED_OUT."""
        for r in self._unsent.expire(self._c.now_ms):
            self._report(r.callback, DeliveryReport(r.topic, r.partition, r,
                                                    KafkaError(KafkaError._MSG_TIMED_OUT, "Local: Message timed out")))

    def _poll_unsent(self, seconds):
        self._expire()
        served = self._serve() + self._events.serve()
        if not served and seconds > 0:
            c = self._c
            deadline = c.now_ms + round(seconds * 1000)
            due = self._unsent.next_expiry()
            c.advance((deadline if due is None or due > deadline else due) - c.now_ms)
            self._expire()
            served = self._serve() + self._events.serve()
        return served

    def _drain_unsent(self, budget_ms):
        """flush(): wait until every record has timed out, or ``budget_ms`` (None: as long
        as it takes; at most one hour of virtual time when message.timeout.ms is 0)."""
        c = self._c
        deadline = c.now_ms + (3600000 if budget_ms is None else budget_ms)
        while True:
            self._expire()
            self._events.serve()
            while self._reports or self._silent:
                self._serve()
            due = self._unsent.next_expiry()
            if not len(self._unsent) or due is None or due > deadline:
                if len(self._unsent) and c.now_ms < deadline and budget_ms is not None:
                    c.advance(deadline - c.now_ms)
                return
            c.advance(due - c.now_ms)

    def _drain(self, budget_ms=None):
        """Serve reports and let virtual time run until nothing is queued or in flight, or
        ``budget_ms`` has passed. None: until every record has landed or failed, which
        message.timeout.ms bounds (plus a last request.timeout.ms); when that is infinite
        (0), at most one hour of virtual time."""
        c, s = self._c, self._settings
        if budget_ms is None:
            budget_ms = s.message_timeout_ms + s.request_timeout_ms + s.retry_backoff_max_ms \
                if s.message_timeout_ms else 3600000
        deadline = c.now_ms + budget_ms
        while True:
            self._events.serve()
            while self._reports or self._silent:     # callbacks may produce more
                self._serve()
            sender = self._sender
            if sender is None or not sender.outstanding:
                return
            due = c.sim.scheduler.next_due_ms()
            if due is None or due > deadline:
                if c.now_ms < deadline:
                    c.advance(deadline - c.now_ms)
                return
            c.advance(due - c.now_ms)

    def _wait_for_reports(self, budget_ms):
        """Move virtual time, event by event, until a delivery report waits or the budget is spent."""
        c = self._c
        deadline = c.now_ms + budget_ms
        while not (self._reports or self._silent):
            due = c.sim.scheduler.next_due_ms()
            if due is None or due > deadline:
                c.advance(deadline - c.now_ms)
                return
            c.advance(due - c.now_ms)

    def _serve(self):
        """Run the callbacks of the reports waiting now (not of records they produce). A fatal
        error raised since the last call is raised first, once, as confluent-kafka raises it
        from poll() / flush() instead of calling error_cb."""
        gaps = self._gaps
        if gaps is not None and gaps.fatal_unseen:
            gaps.fatal_unseen = False
            raise KafkaException(gaps.fatal)
        served = self._silent + len(self._reports)
        reports, self._reports, self._silent = self._reports, [], 0
        self._held_bytes = self._unsent.bytes() if self._unsent is not None else 0
        for cb, msg in reports:
            cb(msg.error(), msg)
        return served

    def __len__(self):
        """Messages waiting for delivery or for their report to be served by poll()."""
        if self._closed:
            return 0
        waiting = len(self._reports) + self._silent
        if self._unsent is not None:
            waiting += len(self._unsent)
        return waiting + self._sender.outstanding if self._sender is not None else waiting

    def __bool__(self):
        # True even with nothing queued (len() 0), as the binding's.
        return True

    def __enter__(self):
        """``with Producer(conf) as p:``; the block's end flushes and closes it.

        :rtype: Producer"""
        return self

    def __exit__(self, exc_type, exc_value, exc_traceback):
        """Flush and close (an exception in the block still propagates).

        :rtype: None"""
        if not self._closed:
            self.close()
        return None

    def purge(self, in_queue=True, in_flight=True, blocking=True):
        """Drop the records not yet delivered: queued ones fail with _PURGE_QUEUE, those in
        flight with _PURGE_INFLIGHT (the broker may still have stored them). Without faults
        nothing is ever queued: pysim delivers inside produce(). Reports already waiting for
        poll() stay (the records are stored)."""
        self._check_open()
        if self._unsent is not None:
            if in_queue:
                for r in self._unsent.take_all():
                    self._report(r.callback, DeliveryReport(r.topic, r.partition, r, KafkaError(
                        KafkaError._PURGE_QUEUE, "Local: Purged in queue")))
            return
        if self._sender is None:
            return
        queued, flying = self._sender.purge(bool(in_queue), bool(in_flight))
        self._report_purged(queued, KafkaError._PURGE_QUEUE)
        self._report_purged(flying, KafkaError._PURGE_INFLIGHT)

    def _report_purged(self, records, code):
        for record in records:
            error = KafkaError(code, "Local: Purged in queue" if code == KafkaError._PURGE_QUEUE
                               else "Local: Purged in flight")
            self._report(record.callback, DeliveryReport(record.topic, record.partition,
                                                         _Unsent(record.key, record.value), error))

    def close(self):
        """Serve the waiting delivery reports and close; later calls raise RuntimeError."""
        if not self._closed:
            self.flush()
            self._closed = self._refused = True
            self._events.stop()
        return True

    def _trace_name(self):
        return self.name

    def _crash(self, now_ms):
        """The process dies now (cluster.crash(producer)): nothing more is sent, answers in
        flight are lost, reports never run. What reached the broker stays, and an open
        transaction stays open until a new instance's init_transactions() aborts it or
        transaction.timeout.ms passes. Later calls raise RuntimeError."""
        if self._sender is not None:
            self._sender.stop()
        self._reports, self._silent = [], 0
        self._closed = self._refused = True

    def _refuse(self):
        if self._closed:
            raise RuntimeError("Producer has been closed")
        if self._txn is None:       # an idempotent producer after a fatal error
            raise KafkaException(KafkaError(KafkaError._FATAL, "Unable to produce message: Local: Fatal error"))
        error = self._txn.may_produce()
        if error is not None:
            raise KafkaException(error)

    # -- metadata ---------------------------------------------------------------------------
    def list_topics(self, topic=None, timeout=_INFINITE):
        """ClusterMetadata of every topic, or of ``topic`` (created first when this producer
        and the cluster allow auto creation, as a real metadata request does)."""
        if self._closed:
            raise RuntimeError("Handle has been closed")
        if topic is not None and not isinstance(topic, str):
            raise TypeError(f"argument 1 must be str or None, not {_type_name(topic)}")
        seconds = _seconds(timeout)
        if self._unsent is not None:
            no_brokers.fail_after(self._c, timeout, seconds, KafkaError._TRANSPORT,
                                  "Failed to get metadata: Local: Broker transport failure")
        return cluster_metadata(self._c, topic, auto_create=self._auto_create)

    def cluster_id(self, timeout=_INFINITE):
        self._check_open()
        seconds = _seconds(timeout)
        if self._unsent is not None:
            no_brokers.fail_after(self._c, timeout, seconds, KafkaError._TIMED_OUT, no_brokers.CLUSTER_ID_TIMEOUT)
        return cluster_id(self._c)

    def set_sasl_credentials(self, username, password):
        """Accepted and checked, then ignored: pysim has no authentication."""
        check_sasl_credentials(username, password)

    def _statistics(self):
        """librdkafka's statistics of this producer now (stats.py): msg_cnt is what len()
        reports, txmsgs the records the broker has acknowledged."""
        produced = {}
        for e in self._c.trace.events("produce"):
            if e.actor == self.name:
                key = (e.data["topic"], e.data["partition"])
                produced[key] = produced.get(key, 0) + 1
        parts = {key: {"txmsgs": n} for key, n in produced.items()}
        counters = {"msg_cnt": len(self), "msg_size": 0, "msg_max": 100000, "msg_size_max": 1073741824,
                    "txmsgs": sum(produced.values()), "rxmsgs": 0}
        return statistics("producer", self.name, self.name.split("#")[0], self._c, self._created_ms,
                          self._events.pending(), counters, parts, has_brokers=self._unsent is None)

    # -- transactions (see producer_txn.py and transactions.py) ----------------------------------
    def init_transactions(self, timeout=_INFINITE):
        """Register transactional.id with the coordinator: a new epoch, which fences any
        older instance and aborts the transaction it left open."""
        self._transaction_api(timeout).init()

    def begin_transaction(self):
        self._transaction_api().begin()

    def send_offsets_to_transaction(self, positions, group_metadata, timeout=_INFINITE):
        """Commit ``positions`` (a list of TopicPartition: the next offsets to read) for the
        consumer group of ``group_metadata`` (Consumer.consumer_group_metadata()) with the
        transaction. A generation or member the group no longer has is refused (KIP-447):
        ILLEGAL_GENERATION or UNKNOWN_MEMBER_ID, with txn_requires_abort()."""
        self._transaction_api(timeout).send_offsets(positions, group_metadata)

    def commit_transaction(self, timeout=_INFINITE):
        """Flush, then commit: a COMMIT marker in every partition the transaction wrote to,
        and its offsets committed. A record that failed makes it raise an abortable error."""
        self._transaction_api(timeout).commit()

    def abort_transaction(self, timeout=_INFINITE):
        """Purge what is not sent yet, then abort: an ABORT marker in every partition
        written to; read_committed consumers skip the transaction's records."""
        self._transaction_api(timeout).abort()

    def _transaction_api(self, timeout=_INFINITE):
        self._check_open()
        seconds = _seconds(timeout)
        if self._unsent is not None and self._transactional:
            self._txn.timeout_s = seconds if isinstance(timeout, (int, float)) and timeout >= 0 else None
        if not self._transactional:
            raise KafkaException(KafkaError(KafkaError._NOT_CONFIGURED,
                                            "The Transactional API requires transactional.id to be configured"))
        return self._txn

    def _flush_for_transaction(self):
        self._drain()

    def _purge_for_abort(self):
        """Purge what is queued and wait for what is in flight. The purged records never reach
        the broker, so their sequence numbers are given back (librdkafka advances the epoch's
        base msgid past them, rd_kafka_toppar_purge_queues): the next transaction starts
        where the broker expects it."""
        self._check_open()
        if self._sender is not None:
            queued, _ = self._sender.purge(True, False)
            self._report_purged(queued, KafkaError._PURGE_QUEUE)
            numbered = {}                        # (topic, partition) -> purged sequence numbers
            for record in queued:
                if record.seq is not None:
                    numbered.setdefault((record.topic, record.partition), []).append(record.seq)
            for where, seqs in numbered.items():
                if self._seqs.get(where) == min(seqs) + len(seqs):     # the last numbers given out
                    self._seqs[where] = min(seqs)
        self._drain()

    def _check_open(self):
        if self._closed:
            raise RuntimeError("Producer has been closed")


def _payload(data, position):
    """The binding's "z#" conversion of a value (position 2) or key (3): str becomes UTF-8."""
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, bytes):
        return bytes(data)
    if isinstance(data, (bytearray, memoryview)):
        raise TypeError(f"argument {position} must be read-only bytes-like object, not {type(data).__name__}")
    raise TypeError(f"a bytes-like object is required, not '{type(data).__name__}'")


def _integer(value):
    """An int argument (partition, timestamp), with Python's own TypeError otherwise."""
    if isinstance(value, int):
        return int(value)
    raise TypeError(f"'{type(value).__name__}' object cannot be interpreted as an integer")


def _headers(headers):
    """Headers as librdkafka stores them: a list of (str name, bytes or None value) tuples,
    or None when there are none. A dict and a list of 2-tuples are accepted; a name that is
    not a str is turned into one with str(), as the binding does."""
    if isinstance(headers, dict):
        items = list(headers.items())
    elif isinstance(headers, list):
        items = headers
        if not all(isinstance(item, tuple) and len(item) == 2 for item in items):
            raise TypeError("Headers are expected to be a list of (key, value) tuples")
    else:
        raise TypeError(f"expected headers to be dict or list of (key, value) tuples, not {_type_name(headers)}")
    out = []
    for name, value in items:
        if isinstance(value, str):
            value = value.encode("utf-8")
        elif value is not None and not isinstance(value, bytes):
            raise TypeError(f"expected header value to be None, binary, or unicode string, not {_type_name(value)}")
        out.append((name if isinstance(name, str) else str(name), value))
    return out or None


def _seconds(timeout):
    """A timeout in seconds as the binding parses it ("d"): any real number; negative means
    infinite (returned as 0: pysim never waits for ever)."""
    if isinstance(timeout, (int, float)):
        return max(float(timeout), 0.0)
    raise TypeError(f"must be real number, not {type(timeout).__name__}")


def _int_property(conf, name, default, low, high):
    """An integer property checked as librdkafka checks it (value and allowed range)."""
    if name not in conf:
        return default
    raw = conf[name]
    try:
        value = raw if isinstance(raw, int) and not isinstance(raw, bool) else int(str(raw).strip())
    except ValueError:
        raise KafkaException(KafkaError(KafkaError._INVALID_ARG,
                                        f'Invalid value for configuration property "{name}"')) from None
    if not low <= value <= high:
        raise KafkaException(KafkaError(KafkaError._INVALID_ARG, f'Configuration property "{name}" value {value} '
                                                                 f'is outside allowed range {low}..{high}\n'))
    return value


def _type_name(value):
    return "None" if value is None else type(value).__name__
