"""The in-process cluster: topics made of partition logs, committed offsets per group, and
the kernel (clock, randomness, trace). Clients with the same ``bootstrap.servers`` share
one cluster; ``cluster(servers)`` is the documented handle lessons and tests use to create
topics, move time and inspect logs."""

from pysim.kernel.simulation import Simulation
from pysim.kafka import compaction, retention
from pysim.kafka.topic_name import topic_name_error
from pysim.kafka.errors import KafkaError, fail
from pysim.kafka.consumer_group_protocol import consumer_coordinator_of
from pysim.kafka.group_coordinator import coordinator_of
from pysim.kafka.group_migration import migration_policy
from pysim.kafka.faults import faults_of
from pysim.kafka.log import PartitionLog
from pysim.kafka.record_size import batch_size
from pysim.kafka.topic_config import TopicConfig


class Topic:
    __slots__ = ("name", "partitions", "config", "log_config", "_sim")

    def __init__(self, name, num_partitions, log_config, sim):
        self.name, self._sim = name, sim
        self.log_config = log_config
        self.config = dict(log_config.overrides)   # the overrides, as strings, as Kafka stores them
        self.partitions = [self.new_log(p) for p in range(num_partitions)]

    def new_log(self, partition):
        """An empty log for ``partition`` with this topic's config (also for added partitions)."""
        sim = self._sim
        return PartitionLog(self.name, partition, self.log_config, sim.clock.now_ms, sim.trace,
                            sim.rng.stream("log.segment_jitter"))


class Cluster:
    """Broker settings that tests and lessons may change (attributes, or keywords here):
    ``group_initial_rebalance_delay_ms`` (3000, Kafka's default; many dev setups set 0),
    ``group_min_session_timeout_ms`` (6000) and ``group_max_session_timeout_ms`` (1800000); for
    consumer-protocol groups (KIP-848) ``group_consumer_session_timeout_ms`` (45000),
    ``group_consumer_heartbeat_interval_ms`` (5000), ``group_consumer_migration_policy``
    ("bidirectional", "upgrade", "downgrade" or "disabled": which online conversions between
    classic and consumer groups the broker makes, pysim.kafka.group_migration) and
    ``group_consumer_max_size`` (None: unlimited, Kafka's Integer.MAX_VALUE; checked when a
    classic group is upgraded and when a member joins a consumer group: a group of that many
    members takes no new one, GROUP_MAX_SIZE_REACHED)."""

    def __init__(self, seed=0, auto_create=True, default_partitions=1, group_initial_rebalance_delay_ms=3000,
                 group_min_session_timeout_ms=6000, group_max_session_timeout_ms=1_800_000,
                 group_consumer_session_timeout_ms=45_000, group_consumer_heartbeat_interval_ms=5_000,
                 group_consumer_migration_policy="bidirectional", group_consumer_max_size=None):
        self.sim = Simulation(seed)
        self.auto_create, self.default_partitions = auto_create, default_partitions
        self.group_initial_rebalance_delay_ms = group_initial_rebalance_delay_ms
        self.group_min_session_timeout_ms = group_min_session_timeout_ms
        self.group_max_session_timeout_ms = group_max_session_timeout_ms
        self.group_consumer_session_timeout_ms = group_consumer_session_timeout_ms
        self.group_consumer_heartbeat_interval_ms = group_consumer_heartbeat_interval_ms
        self.group_consumer_migration_policy = group_consumer_migration_policy
        self.group_consumer_max_size = group_consumer_max_size
        migration_policy(self)       # a bad value is refused here, with the valid ones
        self._topics = {}
        self._commits = {}           # (group, topic, partition) -> committed offset
        self._cleaner_timer = None   # the log cleaner wakes up only once a compacted topic exists
        self.sim.scheduler.call_later(retention.INITIAL_TASK_DELAY_MS, self._retention_task)

    # -- kernel ---------------------------------------------------------------------
    @property
    def now_ms(self): return self.sim.clock.now_ms

    @property
    def trace(self): return self.sim.trace

    def advance(self, ms):
        """Move virtual time forward by ``ms`` milliseconds, running what falls due."""
        return self.sim.advance(ms)

    @property
    def faults(self):
        """Produce faults to inject (lost responses, timeouts, leader changes): see faults.py."""
        return faults_of(self)

    @property
    def share_groups(self):
        """The share groups (KIP-932): their settings, members and in-flight records; see share_group.py."""
        from pysim.kafka.share_group import share_groups_of
        return share_groups_of(self)

    # -- topics -----------------------------------------------------------------------
    def create_topic(self, name, num_partitions=1, config=None):
        """Create a topic; ``config`` holds topic configs (``retention.ms``, ``cleanup.policy``,
        ...), validated like the broker does: a bad one raises INVALID_CONFIG and creates nothing."""
        if not isinstance(name, str):
            fail(KafkaError._INVALID_ARG, f"Invalid topic name: {name!r}")
        name_error = topic_name_error(name)
        if name_error:
            fail(KafkaError.TOPIC_EXCEPTION, name_error)
        if name in self._topics:
            fail(KafkaError.TOPIC_ALREADY_EXISTS, f"Topic '{name}' already exists.")
        if isinstance(num_partitions, bool) or not isinstance(num_partitions, int) or num_partitions < 1:
            fail(KafkaError.INVALID_PARTITIONS, f"Number of partitions must be larger than 0, got {num_partitions!r}.")
        if config is not None and not isinstance(config, dict):
            fail(KafkaError.INVALID_CONFIG, f"Topic config must be a dict, got {type(config).__name__}")
        log_config = TopicConfig(config)
        self._topics[name] = Topic(name, num_partitions, log_config, self.sim)
        self.trace.record("topic.create", "cluster", topic=name, partitions=num_partitions)
        if log_config.compact:
            self._start_cleaner()

    def delete_topic(self, name):
        """DeleteTopics: the topic goes with its records, and so do the offsets groups had
        committed for it (the coordinator drops offsets of deleted partitions)."""
        self._topic(name)
        del self._topics[name]
        for key in [k for k in self._commits if k[1] == name]:
            del self._commits[key]
        self.trace.record("topic.delete", "cluster", topic=name)

    def create_partitions(self, name, total):
        """CreatePartitions: grow ``name`` to ``total`` partitions. Existing logs keep their
        records and offsets; only new keys are hashed over the larger count. Never shrinks."""
        t = self._topic(name)
        old = len(t.partitions)
        if isinstance(total, bool) or not isinstance(total, int) or total <= old:
            fail(KafkaError.INVALID_PARTITIONS,
                 f"The topic {name} currently has {old} partition(s); {total} would not be an increase.")
        t.partitions.extend(t.new_log(p) for p in range(old, total))
        self.trace.record("topic.partitions", "cluster", topic=name, old=old, new=total)

    def has_topic(self, name): return name in self._topics
    def topics(self): return sorted(self._topics)
    def num_partitions(self, topic): return len(self._topic(topic).partitions)
    def topic_config(self, topic):
        """The topic's config overrides, {name: value as a string}."""
        return dict(self._topic(topic).config)

    def log_config(self, topic):
        """The topic's effective TopicConfig (typed values, ``describe()`` for every name)."""
        return self._topic(topic).log_config

    def set_topic_config(self, topic, config):
        """Replace the topic's config overrides (AlterConfigs semantics: names left out return
        to their defaults); validated first, so a bad config changes nothing."""
        t = self._topic(topic)
        log_config = TopicConfig(config)
        t.log_config, t.config = log_config, dict(log_config.overrides)
        for log in t.partitions:
            log.configure(log_config)
        self.trace.record("topic.config", "cluster", topic=topic, config=dict(log_config.overrides))
        if log_config.compact:
            self._start_cleaner()

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
        """True when ``topic`` exists, creating it when auto creation is on (the broker
        auto-creates only legal names)."""
        if topic not in self._topics:
            if not self.auto_create or topic_name_error(topic):
                return False
            self.create_topic(topic, self.default_partitions)
        return True

    # -- data path --------------------------------------------------------------------
    def append(self, topic, partition, key, value, timestamp, headers, actor="producer"):
        """Append one record at the log end; the only place offsets are assigned. Raises
        KafkaException with the broker's error (INVALID_RECORD for a null key on a compacted
        topic, MSG_SIZE_TOO_LARGE, INVALID_TIMESTAMP, RECORD_LIST_TOO_LARGE) and appends
        nothing when Kafka would reject the record; ``check_record`` says so beforehand."""
        now = self.sim.clock.now_ms
        rec = self._topics[topic].partitions[partition].append(key, value, timestamp or now, headers, now)
        self.trace.record("produce", actor, topic=topic, partition=partition, offset=rec.offset)
        return rec

    def check_record(self, topic, partition, key, value, timestamp=0, headers=None):
        """The KafkaError the broker would answer a produce of this record with, or None.
        A producer reports it in the delivery callback, as librdkafka does."""
        now = self.now_ms
        log = self.log(topic, partition)
        return log.append_error(key, batch_size(key, value, headers), timestamp or now, now)

    def read(self, topic, partition, offset, actor=""):
        """The first surviving record at or after ``offset``, traced as a fetch; None at the end."""
        rec = self._topics[topic].partitions[partition].read_from(offset)
        if rec is not None:
            self.trace.record("fetch", actor, topic=topic, partition=partition, offset=rec.offset)
        return rec

    # -- retention and compaction -------------------------------------------------------
    def delete_records(self, topic, partition, before_offset, actor="admin"):
        """AdminClient.delete_records for one partition: make every record before
        ``before_offset`` unreadable by moving the log start offset there (-1: the high
        watermark). Returns the new low watermark. The segments that hold only deleted
        records go at the next retention or cleaner pass. Fails with POLICY_VIOLATION on a
        topic whose cleanup.policy lacks delete, OFFSET_OUT_OF_RANGE beyond the high watermark."""
        log = self.log(topic, partition)
        if isinstance(before_offset, bool) or not isinstance(before_offset, int):
            fail(KafkaError._INVALID_ARG, f"Offset must be an int, got {before_offset!r}")
        if not log.config.delete:
            fail(KafkaError.POLICY_VIOLATION,
                 f"Records of partition {topic}-{partition} can not be deleted due to the configured policy")
        offset = log.high_watermark if before_offset == -1 else before_offset
        if offset < 0:
            fail(KafkaError.OFFSET_OUT_OF_RANGE, f"The offset {offset} for partition {topic}-{partition} is not valid")
        old = log.log_start_offset
        if log.advance_log_start(offset):
            self.trace.record("log.delete_records", actor, topic=topic, partition=partition,
                              old_log_start=old, new_log_start=log.log_start_offset)
        return log.log_start_offset

    def run_log_cleaner(self):
        """Run, now, what the broker runs in the background: one retention check (logs whose
        policy is delete) and one cleaner pass (compacted logs: compaction, then retention).
        Returns {"segments_deleted": n, "logs_cleaned": m}."""
        logs = self._all_logs()
        deleted = retention.retention_pass(logs, self.now_ms, self.trace)
        cleaned, deleted_compacted = compaction.cleaner_pass(logs, self.now_ms, self.trace)
        return {"segments_deleted": deleted + deleted_compacted, "logs_cleaned": cleaned}

    def _all_logs(self):
        return [log for name in sorted(self._topics) for log in self._topics[name].partitions]

    def _retention_task(self):
        """log.retention.check.interval.ms: every 5 minutes of virtual time (first after 30 s)."""
        retention.retention_pass(self._all_logs(), self.now_ms, self.trace)
        self.sim.scheduler.call_later(retention.RETENTION_CHECK_INTERVAL_MS, self._retention_task)

    def _start_cleaner(self):
        if self._cleaner_timer is None:
            self._cleaner_timer = self.sim.scheduler.call_later(compaction.CLEANER_BACKOFF_MS, self._cleaner_task)

    def _cleaner_task(self):
        """The cleaner thread: a pass, then log.cleaner.backoff.ms (15 s) of sleep."""
        compaction.cleaner_pass(self._all_logs(), self.now_ms, self.trace)
        self._cleaner_timer = self.sim.scheduler.call_later(compaction.CLEANER_BACKOFF_MS, self._cleaner_task)

    # -- groups -----------------------------------------------------------------------
    def committed(self, group, topic, partition): return self._commits.get((group, topic, partition))

    def commit(self, group, topic, partition, offset):
        """Store a group's committed offset: the next offset it will read."""
        self._commits[(group, topic, partition)] = offset
        self.trace.record("commit", group or "", topic=topic, partition=partition, offset=offset)

    def delete_group(self, group):
        """DeleteGroups: forget an empty group's committed offsets (the admin call checks
        that it has no members)."""
        for key in [k for k in self._commits if k[0] == group]:
            del self._commits[key]
        self.trace.record("group.delete", group or "", group=group)

    def group_commits(self, group):
        """{(topic, partition): offset} committed by ``group``, in (topic, partition) order."""
        return {(t, p): o for (g, t, p), o in sorted(self._commits.items(), key=_commit_sort) if g == group}

    def groups(self):
        """Groups with committed offsets or members now (classic or consumer protocol)."""
        return sorted({g for (g, _, _) in self._commits} | set(coordinator_of(self).groups())
                      | set(consumer_coordinator_of(self).groups()))

    def join(self, group, member):
        """A bare member with no subscription joins ``group`` (a shortcut for tests and
        lessons that need a group with members; a Consumer joins through subscribe())."""
        coordinator_of(self).join(group, member, [], _BareMember())

    def leave(self, group, member):
        coordinator_of(self).leave(group, member)

    def active_members(self, group):
        """The member ids ``group`` has now (the coordinator's list, in joining order; a
        group has members of one protocol at a time)."""
        return coordinator_of(self).members(group) or consumer_coordinator_of(self).members(group)

    # -- faults -----------------------------------------------------------------------
    def crash(self, client):
        """Kill ``client``'s process at this instant: no LeaveGroup, no final commit, its
        background timers (heartbeats, auto commit) stop and nothing in flight survives.
        Its group notices only when the session times out. Later calls on the client raise
        RuntimeError. Each client kind says what dying means to it in its ``_crash``."""
        crash = getattr(client, "_crash", None)
        if crash is None:
            raise TypeError(f"cluster.crash() takes a Consumer or Producer, got {type(client).__name__}")
        self.trace.record("client.crash", getattr(client, "_trace_name", lambda: type(client).__name__)(),
                          client=type(client).__name__)
        crash(self.now_ms)


class _BareMember:
    """The listener of a member added with Cluster.join: it has no partitions to apply."""

    def on_assignment(self, generation, partitions):
        pass


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
