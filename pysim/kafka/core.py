"""Cluster, log, producer and consumer in one module (first cut; to be split one concept each)."""
from pysim.simulation import Simulation
from pysim.partitioner import partition_for_key, crc32_partition
from pysim.kafka import config as _config

OFFSET_BEGINNING, OFFSET_END, OFFSET_STORED, OFFSET_INVALID = -2, -1, -1000, -1001


class KafkaError:
    """Error codes numbered like confluent_kafka.KafkaError."""
    _PARTITION_EOF = -191
    _AUTO_OFFSET_RESET = -140
    _INVALID_ARG = -186
    _UNKNOWN_PARTITION = -190
    OFFSET_OUT_OF_RANGE = 1
    UNKNOWN_TOPIC_OR_PART = 3

    def __init__(self, code, reason=""):
        self._code, self._reason = code, reason

    def code(self):
        return self._code

    def str(self):
        return self._reason

    def __str__(self):
        return self._reason

    def __repr__(self):
        return f"KafkaError(code={self._code}, reason={self._reason!r})"


class KafkaException(Exception):
    def __init__(self, error):
        super().__init__(error)
        self.args = (error,)


class TopicPartition:
    def __init__(self, topic, partition=-1, offset=OFFSET_INVALID):
        self.topic, self.partition, self.offset, self.error = topic, partition, offset, None

    def __eq__(self, other):
        return (self.topic, self.partition) == (other.topic, other.partition)

    def __hash__(self):
        # Only lets TopicPartition be a dict key; dicts iterate in insertion order, so the
        # salted string hash never decides behaviour.
        return hash((self.topic, self.partition))

    def __repr__(self):
        return f"TopicPartition{{topic={self.topic},partition={self.partition},offset={self.offset}}}"


class Record:
    __slots__ = ("offset", "key", "value", "timestamp", "headers")

    def __init__(self, offset, key, value, timestamp, headers):
        self.offset, self.key, self.value, self.timestamp, self.headers = offset, key, value, timestamp, headers


class Message:
    def __init__(self, topic, partition, record=None, error=None):
        self._topic, self._partition, self._record, self._error = topic, partition, record, error

    def topic(self): return self._topic
    def partition(self): return self._partition
    def offset(self): return self._record.offset if self._record else None
    def key(self): return self._record.key if self._record else None
    def value(self): return self._record.value if self._record else None
    def headers(self): return self._record.headers if self._record else None
    def timestamp(self): return (1, self._record.timestamp) if self._record else (0, -1)
    def error(self): return self._error


class Cluster:
    def __init__(self, seed=0, auto_create=True, default_partitions=1):
        self.sim = Simulation(seed)
        self.auto_create, self.default_partitions = auto_create, default_partitions
        self._logs = {}
        self._commits = {}

    @property
    def now_ms(self): return self.sim.clock.now_ms

    @property
    def trace(self): return self.sim.trace

    def advance(self, ms): return self.sim.advance(ms)

    def create_topic(self, name, num_partitions=1, config=None):
        if name in self._logs:
            raise KafkaException(KafkaError(36, f"Topic '{name}' already exists."))
        if not isinstance(num_partitions, int) or num_partitions < 1:
            raise KafkaException(KafkaError(KafkaError._INVALID_ARG, "num_partitions must be >= 1"))
        self._logs[name] = [[] for _ in range(num_partitions)]
        self.trace.record("topic.create", "cluster", topic=name, partitions=num_partitions)

    def topics(self): return sorted(self._logs)
    def num_partitions(self, topic): return len(self._logs[topic])
    def records(self, topic, partition): return list(self._logs[topic][partition])

    def watermarks(self, topic, partition):
        log = self._logs[topic][partition]
        return (log[0].offset if log else 0, log[-1].offset + 1 if log else 0)

    def committed(self, group, topic, partition): return self._commits.get((group, topic, partition))

    def append(self, topic, partition, key, value, timestamp, headers, actor="producer"):
        """Append one record at the log end; the only place offsets are assigned."""
        log = self._logs[topic][partition]
        rec = Record(log[-1].offset + 1 if log else 0, key, value, timestamp or self.now_ms, headers)
        log.append(rec)
        self.trace.record("produce", actor, topic=topic, partition=partition, offset=rec.offset)
        return rec

    def read(self, topic, partition, offset, actor=""):
        """The record at ``offset`` (between log start and high watermark), traced as a fetch."""
        log = self._logs[topic][partition]
        rec = log[offset - log[0].offset]
        self.trace.record("fetch", actor, topic=topic, partition=partition, offset=rec.offset)
        return rec

    def commit(self, group, topic, partition, offset):
        """Store a group's committed offset: the next offset it will read."""
        self._commits[(group, topic, partition)] = offset
        self.trace.record("commit", group or "", topic=topic, partition=partition, offset=offset)

    def _ensure(self, topic):
        if topic not in self._logs:
            if not self.auto_create:
                return False
            self.create_topic(topic, self.default_partitions)
        return True


_clusters = {}
_seed = [0]


def cluster(servers="localhost:9092", **kw):
    key = ",".join(sorted(s.strip() for s in servers.split(",")))
    if key not in _clusters:
        _clusters[key] = Cluster(seed=_seed[0], **kw)
    return _clusters[key]


def reset_all(seed=0):
    _clusters.clear()
    _seed[0] = seed


def _or_invalid(offset):
    """A stored offset, or OFFSET_INVALID when there is none (0 is a real offset)."""
    return OFFSET_INVALID if offset is None else offset


def _enc(x):
    return x.encode("utf-8") if isinstance(x, str) else x


class Producer:
    def __init__(self, conf):
        conf = _config.validate(conf, _config.PRODUCER, KafkaError, KafkaException)
        self._c = cluster(conf.get("bootstrap.servers", "localhost:9092"))
        self._part = conf.get("partitioner", "consistent_random")
        self._rnd = self._c.sim.rng.stream("producer.partitioner")
        self._pending = []

    def produce(self, topic, value=None, key=None, partition=-1, on_delivery=None, callback=None,
                timestamp=0, headers=None):
        cb = on_delivery or callback
        key, value = _enc(key), _enc(value)
        if not self._c._ensure(topic):
            self._pending.append((cb, Message(topic, partition, None,
                                              KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART, "Unknown topic or partition"))))
            return
        n = self._c.num_partitions(topic)
        if partition < 0:
            if key is None or (key == b"" and self._part == "consistent_random"):
                partition = self._rnd.randrange(n)
            elif self._part.startswith("murmur2"):
                partition = partition_for_key(key, n)
            else:
                partition = crc32_partition(key, n)
        rec = self._c.append(topic, partition, key, value, timestamp, headers)
        self._pending.append((cb, Message(topic, partition, rec)))

    def poll(self, timeout=None):
        pending, self._pending = self._pending, []
        for cb, msg in pending:
            if cb:
                cb(msg.error(), msg)
        return len(pending)

    def flush(self, timeout=None):
        self.poll()
        return 0

    def __len__(self): return len(self._pending)


class Consumer:
    def __init__(self, conf):
        conf = _config.validate(conf, _config.CONSUMER, KafkaError, KafkaException)
        if not conf.get("group.id"):
            raise ValueError("Failed to create consumer: group.id must be set")
        self._c = cluster(conf.get("bootstrap.servers", "localhost:9092"))
        self._group = conf.get("group.id")
        self._reset = conf.get("auto.offset.reset", "latest")
        self._auto = _config.as_bool(conf.get("enable.auto.commit", True)) and bool(self._group)
        self._auto_interval_ms = int(conf.get("auto.commit.interval.ms", 5000))
        self._last_auto_commit_ms = self._c.now_ms
        self._pos = {}

    def subscribe(self, topics, on_assign=None, on_revoke=None, on_lost=None):
        tps = []
        for t in topics:
            self._c._ensure(t)
            tps += [TopicPartition(t, p) for p in range(self._c.num_partitions(t))]
        self.assign(tps)
        if on_assign:
            on_assign(self, tps)

    def assign(self, partitions):
        self._pos = {}
        for tp in partitions:
            self._pos[(tp.topic, tp.partition)] = self._start(tp.topic, tp.partition, tp.offset)

    def _start(self, t, p, off):
        lo, hi = self._c.watermarks(t, p)
        if off >= 0:
            return off
        if off == OFFSET_BEGINNING:
            return lo
        if off == OFFSET_END:
            return hi
        c = self._c.committed(self._group, t, p)
        if c is not None:
            return c
        return lo if self._reset in ("earliest", "smallest", "beginning") else hi

    def poll(self, timeout=None):
        self._maybe_auto_commit()
        for (t, p), pos in sorted(self._pos.items()):
            _, hi = self._c.watermarks(t, p)
            if pos < hi:
                rec = self._c.read(t, p, pos, actor=self._group or "")
                self._pos[(t, p)] = pos + 1
                return Message(t, p, rec)
        if timeout and timeout > 0:
            self._c.advance(int(timeout * 1000))
        return None

    def _maybe_auto_commit(self):
        """librdkafka's auto commit: every auto.commit.interval.ms of (virtual) time, commit
        the positions reached by messages that earlier polls returned."""
        if self._auto and self._pos and self._c.now_ms - self._last_auto_commit_ms >= self._auto_interval_ms:
            self._last_auto_commit_ms = self._c.now_ms
            self.commit(asynchronous=True)

    def commit(self, message=None, offsets=None, asynchronous=True):
        if message is not None:
            items = [((message.topic(), message.partition()), message.offset() + 1)]
        elif offsets is not None:
            items = [((tp.topic, tp.partition), tp.offset) for tp in offsets]
        else:
            items = sorted(self._pos.items())
        for (t, p), off in items:
            self._c.commit(self._group, t, p, off)
        return None if asynchronous else [TopicPartition(t, p, o) for (t, p), o in items]

    def committed(self, partitions, timeout=None):
        return [TopicPartition(tp.topic, tp.partition, _or_invalid(self._c.committed(self._group, tp.topic, tp.partition)))
                for tp in partitions]

    def position(self, partitions):
        return [TopicPartition(tp.topic, tp.partition, self._pos.get((tp.topic, tp.partition), OFFSET_INVALID))
                for tp in partitions]

    def seek(self, tp):
        self._pos[(tp.topic, tp.partition)] = self._start(tp.topic, tp.partition, tp.offset)

    def get_watermark_offsets(self, tp, timeout=None, cached=False):
        return self._c.watermarks(tp.topic, tp.partition)

    def close(self):
        if self._auto and self._pos:
            self.commit(asynchronous=False)
        self._pos = {}
