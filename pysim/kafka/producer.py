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
shape of list_topics().

How pysim simplifies:

- Delivery is instant: produce() appends the record before it returns, so nothing is ever
  queued or in flight (purge() has nothing to purge) and flush() always returns 0. A
  broker rejection (a record too large for the topic, a null key on a compacted topic)
  comes back in the delivery report, as from a real broker.
- The producer knows every topic's metadata from the start. librdkafka learns it with its
  first request, so for a topic it has not used yet it reports a bad partition in the
  delivery report (partition=99 of a topic created on the fly) instead of raising.
- poll() returns the number of delivery reports served; librdkafka counts events, and one
  event can carry a whole batch of reports, so its number can be smaller. A poll() that
  finds nothing to serve waits, like the consumer's, by moving the shared virtual clock by
  its timeout (an infinite timeout does not wait: a real producer would block for good).
- Delivery reports carry headers() None, as confluent-kafka documents for its callbacks;
  the stored record keeps them.
- Transactions are not simulated yet: with transactional.id set, produce() and the
  transactional methods raise KafkaException(_NOT_IMPLEMENTED).

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
from pysim.kafka.record_size import RECORD_BATCH_OVERHEAD, batch_size

JAVA_PARTITIONER = "pysim.java.partitioner"
_INFINITE = -1

# How many producers each cluster has seen: producer n draws from "producer.<n>.partitioner",
# so adding a producer never changes the choices of those made before it.
_producer_counts = weakref.WeakKeyDictionary()


class DeliveryReport(Message):
    """The message a delivery callback receives: the record as stored, but headers() None
    (confluent-kafka does not hand headers to delivery callbacks)."""

    __slots__ = ()

    def headers(self):
        return None


class _Unsent:
    """What a failed delivery report shows of a record that was never stored: its key and
    value, no offset, no timestamp (TIMESTAMP_NOT_AVAILABLE, -1)."""

    __slots__ = ("key", "value")
    offset, timestamp, timestamp_type, headers = None, -1, TIMESTAMP_NOT_AVAILABLE, None

    def __init__(self, key, value):
        self.key, self.value = key, value


class Producer:
    def __init__(self, conf=None, **kwargs):
        conf = _config.validate(dict(conf or {}, **kwargs), _config.PRODUCER)
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

        self._c = c = _cluster_for(conf.get("bootstrap.servers", "localhost:9092"))
        number = _producer_counts.get(c, 0) + 1
        _producer_counts[c] = number
        self.name = f"{conf.get('client.id', 'rdkafka')}#producer-{number}"
        rng = c.sim.rng.stream(f"producer.{number}.partitioner")
        self._partition = make_partitioner(partitioner, linger, rng, c.sim.clock)
        self._java = None
        if java is not None:
            self._java = java_partitioners.make(java, rng, java_batch, java_linger)
        self._default_cb = on_delivery
        self._only_errors = _config.as_bool(conf.get("delivery.report.only.error", False))
        self._auto_create = _config.as_bool(conf.get("allow.auto.create.topics", True))
        self._transactional = conf.get("transactional.id") is not None
        self._missing = {}         # topic -> the error that told this producer it does not exist
        self._reports = []         # (callback, message) waiting for poll(), in delivery order
        self._silent = 0           # delivery reports without a callback waiting for poll()
        self._closed = False
        self._refused = self._transactional     # produce() refuses: closed, or transactional
        self._num_partitions, self._append = c.num_partitions, c.append   # the produce path's calls

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
        try:
            rec = self._append(topic, partition, key, value, timestamp, headers, self.name)
        except KafkaException as e:     # the broker refused the record: a failed delivery
            self._report(cb, DeliveryReport(topic, partition, _Unsent(key, value), e.args[0]))
            return
        if self._only_errors:
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
                m["_error"] = e.args[0]
        return accepted

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
        seconds (a finite, positive one) as a blocked poll would, and return 0."""
        self._check_open()
        seconds = _seconds(timeout)
        served = self._serve()
        if not served and seconds > 0:
            self._c.advance(round(seconds * 1000))
        return served

    def flush(self, timeout=_INFINITE):
        """Serve every waiting delivery report; returns the number of messages still queued,
        which is always 0 here (delivery is instant)."""
        self._check_open()
        _seconds(timeout)
        while self._reports or self._silent:     # callbacks may produce more
            self._serve()
        return 0

    def _serve(self):
        """Run the callbacks of the reports waiting now (not of records they produce)."""
        served = self._silent + len(self._reports)
        reports, self._reports, self._silent = self._reports, [], 0
        for cb, msg in reports:
            cb(msg.error(), msg)
        return served

    def __len__(self):
        """Messages waiting for delivery or for their report to be served by poll()."""
        return 0 if self._closed else len(self._reports) + self._silent

    def purge(self, in_queue=True, in_flight=True, blocking=True):
        """Nothing to purge: pysim delivers every record inside produce(). Reports already
        waiting for poll() stay (the records are stored)."""
        self._check_open()

    def close(self):
        """Serve the waiting delivery reports and close; later calls raise RuntimeError."""
        if not self._closed:
            self.flush()
            self._closed = self._refused = True
        return True

    def _refuse(self):
        if self._closed:
            raise RuntimeError("Producer has been closed")
        _not_implemented("producing with transactional.id set")

    # -- metadata ---------------------------------------------------------------------------
    def list_topics(self, topic=None, timeout=_INFINITE):
        """ClusterMetadata of every topic, or of ``topic`` (created first when this producer
        and the cluster allow auto creation, as a real metadata request does)."""
        if self._closed:
            raise RuntimeError("Handle has been closed")
        if topic is not None and not isinstance(topic, str):
            raise TypeError(f"argument 1 must be str or None, not {_type_name(topic)}")
        _seconds(timeout)
        return cluster_metadata(self._c, topic, auto_create=self._auto_create)

    def cluster_id(self, timeout=_INFINITE):
        self._check_open()
        _seconds(timeout)
        return cluster_id(self._c)

    def set_sasl_credentials(self, username, password):
        """Accepted and ignored: pysim has no authentication."""

    # -- transactions (not simulated yet) ----------------------------------------------------
    def init_transactions(self, timeout=_INFINITE):
        self._transaction_api("init_transactions()")

    def begin_transaction(self):
        self._transaction_api("begin_transaction()")

    def commit_transaction(self, timeout=_INFINITE):
        self._transaction_api("commit_transaction()")

    def abort_transaction(self, timeout=_INFINITE):
        self._transaction_api("abort_transaction()")

    def send_offsets_to_transaction(self, positions, group_metadata, timeout=_INFINITE):
        self._transaction_api("send_offsets_to_transaction()")

    def _transaction_api(self, what):
        self._check_open()
        if not self._transactional:
            raise KafkaException(KafkaError(KafkaError._NOT_CONFIGURED,
                                            "The Transactional API requires transactional.id to be configured"))
        _not_implemented(what)

    def _check_open(self):
        if self._closed:
            raise RuntimeError("Producer has been closed")


def _not_implemented(what):
    raise KafkaException(KafkaError(KafkaError._NOT_IMPLEMENTED,
                                    f"pysim does not simulate transactions yet: {what} comes in a later pysim issue"))


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
