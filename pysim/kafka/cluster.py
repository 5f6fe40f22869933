"""The in-process cluster: topics made of partition logs, committed offsets per group, and
the kernel (clock, randomness, trace). Clients with the same ``bootstrap.servers`` share
one cluster; ``cluster(servers)`` is the documented handle lessons and tests use to create
topics, move time and inspect logs."""

from pysim.simulation import Simulation
from pysim.kafka.errors import KafkaError, fail
from pysim.kafka.log import PartitionLog


class Topic:
    __slots__ = ("name", "partitions", "config")

    def __init__(self, name, num_partitions, config):
        self.name = name
        self.partitions = [PartitionLog(name, p) for p in range(num_partitions)]
        self.config = dict(config or {})


class Cluster:
    def __init__(self, seed=0, auto_create=True, default_partitions=1):
        self.sim = Simulation(seed)
        self.auto_create, self.default_partitions = auto_create, default_partitions
        self._topics = {}
        self._commits = {}           # (group, topic, partition) -> committed offset
        self._members = {}           # group -> list of member ids currently subscribed

    # -- kernel ---------------------------------------------------------------------
    @property
    def now_ms(self): return self.sim.clock.now_ms

    @property
    def trace(self): return self.sim.trace

    def advance(self, ms):
        """Move virtual time forward by ``ms`` milliseconds, running what falls due."""
        return self.sim.advance(ms)

    # -- topics -----------------------------------------------------------------------
    def create_topic(self, name, num_partitions=1, config=None):
        if not isinstance(name, str) or not name:
            fail(KafkaError.INVALID_REQUEST if isinstance(name, str) else KafkaError._INVALID_ARG,
                 f"Invalid topic name: {name!r}")
        if name in self._topics:
            fail(KafkaError.TOPIC_ALREADY_EXISTS, f"Topic '{name}' already exists.")
        if isinstance(num_partitions, bool) or not isinstance(num_partitions, int) or num_partitions < 1:
            fail(KafkaError.INVALID_PARTITIONS, f"Number of partitions must be larger than 0, got {num_partitions!r}.")
        self._topics[name] = Topic(name, num_partitions, config)
        self.trace.record("topic.create", "cluster", topic=name, partitions=num_partitions)

    def has_topic(self, name): return name in self._topics
    def topics(self): return sorted(self._topics)
    def num_partitions(self, topic): return len(self._topic(topic).partitions)
    def topic_config(self, topic): return dict(self._topic(topic).config)

    def log(self, topic, partition):
        """The PartitionLog itself (read-only use, please: the cluster owns writes)."""
        t = self._topic(topic)
        if not isinstance(partition, int) or not 0 <= partition < len(t.partitions):
            fail(KafkaError._UNKNOWN_PARTITION, f"Unknown partition {topic} [{partition}]")
        return t.partitions[partition]

    def records(self, topic, partition): return self.log(topic, partition).records()

    def watermarks(self, topic, partition):
        """(low, high): log start offset and high watermark, as get_watermark_offsets gives."""
        log = self.log(topic, partition)
        return (log.log_start_offset, log.high_watermark)

    def _topic(self, name):
        try:
            return self._topics[name]
        except KeyError:
            fail(KafkaError.UNKNOWN_TOPIC_OR_PART, f"Unknown topic: {name}")

    def _ensure(self, topic):
        """True when ``topic`` exists, creating it when auto creation is on."""
        if topic not in self._topics:
            if not self.auto_create:
                return False
            self.create_topic(topic, self.default_partitions)
        return True

    # -- data path --------------------------------------------------------------------
    def append(self, topic, partition, key, value, timestamp, headers, actor="producer"):
        """Append one record at the log end; the only place offsets are assigned."""
        rec = self._topics[topic].partitions[partition].append(key, value, timestamp or self.now_ms, headers)
        self.trace.record("produce", actor, topic=topic, partition=partition, offset=rec.offset)
        return rec

    def read(self, topic, partition, offset, actor=""):
        """The first surviving record at or after ``offset``, traced as a fetch; None at the end."""
        rec = self._topics[topic].partitions[partition].read_from(offset)
        if rec is not None:
            self.trace.record("fetch", actor, topic=topic, partition=partition, offset=rec.offset)
        return rec

    # -- groups -----------------------------------------------------------------------
    def committed(self, group, topic, partition): return self._commits.get((group, topic, partition))

    def commit(self, group, topic, partition, offset):
        """Store a group's committed offset: the next offset it will read."""
        self._commits[(group, topic, partition)] = offset
        self.trace.record("commit", group or "", topic=topic, partition=partition, offset=offset)

    def group_commits(self, group):
        """{(topic, partition): offset} committed by ``group``, in (topic, partition) order."""
        return {(t, p): o for (g, t, p), o in sorted(self._commits.items(), key=_commit_sort) if g == group}

    def groups(self):
        return sorted({g for (g, _, _) in self._commits} | set(self._members))

    def join(self, group, member):
        self._members.setdefault(group, [])
        if member not in self._members[group]:
            self._members[group].append(member)
            self.trace.record("group.join", member, group=group)

    def leave(self, group, member):
        if member in self._members.get(group, []):
            self._members[group].remove(member)
            self.trace.record("group.leave", member, group=group)

    def active_members(self, group):
        return list(self._members.get(group, []))


def _commit_sort(item):
    (group, topic, partition), _ = item
    return (group or "", topic, partition)


_clusters = {}
_seed = [0]


def cluster(servers="localhost:9092", **kw):
    """The cluster behind ``bootstrap.servers`` (created on first use with the current seed)."""
    key = ",".join(sorted(s.strip() for s in servers.split(",")))
    if key not in _clusters:
        _clusters[key] = Cluster(seed=_seed[0], **kw)
    return _clusters[key]


def reset_all(seed=0):
    """Forget every cluster; the next one is built from ``seed``."""
    _clusters.clear()
    _seed[0] = seed
