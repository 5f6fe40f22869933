"""Share groups (KIP-932, production-ready in Kafka 4.2) on the broker: who the members are,
which partitions each reads, and, per partition, the records in flight (share_partition.py).

What differs from a consumer group, and why a work queue wants it:

- A partition can have several members reading it at once, so a group can have more busy
  members than the topic has partitions. The records of one partition are handed out one
  acquisition at a time, each to one member, under a lock.
- A member joining or leaving stops nobody: there is no stop-the-world rebalance and no
  partition handover. A member that leaves gives its acquired records back at once; one
  that dies holds them until their locks run out (``share.record.lock.duration.ms``).
- Progress is per record (acknowledged or archived), not a committed offset, so a slow
  record does not hold up the ones behind it and a poison record is archived after
  ``share.delivery.count.limit`` deliveries instead of being retried for ever.

The assignor is Kafka's ``SimpleAssignor`` as finalized for Kafka 4.1 (KAFKA-18757,
KAFKA-18901, KAFKA-19362: "balance is prioritized above stickiness"; the 2024 version gave
every member every partition): per topic, with at least as many members as partitions each
member gets one partition and each partition about members/partitions members; with fewer
members each partition goes to one member and each member gets about partitions/members.
pysim spreads them in joining order (Kafka's exact choice of which member gets which
partition is not modelled). A member learns its assignment from its heartbeat
(``share.heartbeat.interval.ms``, 5 s), so after a member joins or leaves the others move
over within one interval, and a topic created later joins then too; nobody stops meanwhile.

Settings: the broker defaults are attributes of ``ShareGroups`` (``cluster.share_groups``),
named after Kafka's broker configs; per-group overrides are Kafka's group configs, set with
``cluster.share_groups.set_config(group, {...})`` (what IncrementalAlterConfigs on a GROUP
resource does), validated as the broker validates them:

====================================  =====================================  ==========
group config                          broker default (attribute)             default
====================================  =====================================  ==========
share.auto.offset.reset               (group config only)                    latest
share.record.lock.duration.ms         group.share.record.lock.duration.ms    30000
share.delivery.count.limit            group.share.delivery.count.limit       5
share.partition.max.record.locks      group.share.partition.max.record.locks 2000
share.isolation.level                 (group config only)                    read_uncommitted
share.session.timeout.ms              group.share.session.timeout.ms         45000
share.heartbeat.interval.ms           group.share.heartbeat.interval.ms      5000
====================================  =====================================  ==========

share.auto.offset.reset=latest (the default) means a share group starts at the end of
each partition when it first reads it: records produced before that are never delivered
to it. Set it to ``earliest`` (or ``by_duration:PT1H``) before the group first fetches.

Trace events: ``share.member.join`` / ``share.member.leave`` (``reason``) /
``share.member.evict`` (session timeout), ``share.member.assign`` (``partitions``), and the
record events of share_partition.py. All carry ``group``.
"""

import base64
import re

from pysim.kafka.errors import KafkaError, KafkaException
from pysim.kafka.share_partition import SharePartition

GROUP_CONFIGS = ("share.auto.offset.reset", "share.record.lock.duration.ms", "share.delivery.count.limit",
                 "share.partition.max.record.locks", "share.isolation.level", "share.session.timeout.ms",
                 "share.heartbeat.interval.ms")
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def parse_offset_reset(value):
    """'earliest', 'latest' or ('by_duration', ms) from an ISO-8601 duration; else None."""
    if value in ("earliest", "latest"):
        return value
    if isinstance(value, str) and value.startswith("by_duration:"):
        m = _DURATION.match(value[len("by_duration:"):])
        if m and value[len("by_duration:P"):] not in ("", "T"):
            d, h, mi, s = (float(x) if x else 0.0 for x in m.groups())
            return ("by_duration", int(((d * 24 + h) * 60 + mi) * 60_000 + s * 1000))
    return None


def _invalid(name, value, why):
    raise KafkaException(KafkaError(KafkaError.INVALID_CONFIG,
                                    f"Invalid value {value} for configuration {name}: {why}"))


class ShareGroupSettings:
    """The effective settings of one share group: its overrides, else the broker's defaults."""

    def __init__(self, groups, overrides):
        self._groups, self.overrides = groups, overrides

    def _int(self, name, default):
        return int(self.overrides.get(name, default))

    @property
    def auto_offset_reset(self):
        return parse_offset_reset(self.overrides.get("share.auto.offset.reset", "latest"))

    @property
    def isolation_level(self):
        return self.overrides.get("share.isolation.level", "read_uncommitted")

    @property
    def record_lock_duration_ms(self):
        return self._int("share.record.lock.duration.ms", self._groups.group_share_record_lock_duration_ms)

    @property
    def delivery_count_limit(self):
        return self._int("share.delivery.count.limit", self._groups.group_share_delivery_count_limit)

    @property
    def partition_max_record_locks(self):
        return self._int("share.partition.max.record.locks", self._groups.group_share_partition_max_record_locks)

    @property
    def session_timeout_ms(self):
        return self._int("share.session.timeout.ms", self._groups.group_share_session_timeout_ms)

    @property
    def heartbeat_interval_ms(self):
        return self._int("share.heartbeat.interval.ms", self._groups.group_share_heartbeat_interval_ms)


class _Member:
    __slots__ = ("member_id", "topics", "assignment", "last_seen_ms", "fetch_round")

    def __init__(self, member_id, topics, now_ms):
        self.member_id, self.topics, self.assignment = member_id, list(topics), []
        self.last_seen_ms, self.fetch_round = now_ms, 0


class _Group:
    __slots__ = ("name", "settings", "members", "partitions")

    def __init__(self, name, settings):
        self.name, self.settings = name, settings
        self.members = {}        # member id -> _Member, in joining order
        self.partitions = {}     # (topic, partition) -> SharePartition


class ShareGroups:
    """The share groups of one cluster (reach it as ``cluster.share_groups``)."""

    def __init__(self, cluster):
        self._c = cluster
        self._groups = {}
        self._overrides = {}     # group -> {config: value}, kept even before the group exists
        self._ids = cluster.sim.rng.stream("share.member_id")
        # Kafka's broker configs (KIP-932, ShareGroupConfig / GroupCoordinatorConfig).
        self.group_share_record_lock_duration_ms = 30_000
        self.group_share_min_record_lock_duration_ms = 15_000
        self.group_share_max_record_lock_duration_ms = 60_000
        self.group_share_delivery_count_limit = 5
        self.group_share_min_delivery_count_limit = 2
        self.group_share_max_delivery_count_limit = 10
        self.group_share_partition_max_record_locks = 2000
        self.group_share_session_timeout_ms = 45_000
        self.group_share_heartbeat_interval_ms = 5_000

    # -- configuration ----------------------------------------------------------------------
    def set_config(self, group, config):
        """Set group configs of ``group`` (IncrementalAlterConfigs SET on a GROUP resource).
        A bad name or value raises KafkaException(INVALID_CONFIG) and changes nothing."""
        if not isinstance(config, dict):
            raise TypeError("set_config(group, config): config must be a dict of group configs")
        checked = {}
        for name, value in config.items():
            text = str(value)
            if name not in GROUP_CONFIGS:
                raise KafkaException(KafkaError(KafkaError.INVALID_CONFIG, f"Unknown group config name: {name}"))
            if name == "share.auto.offset.reset":
                if parse_offset_reset(text) is None:
                    _invalid(name, text, "String must be one of (case insensitive): LATEST, EARLIEST, "
                                         "BY_DURATION:PnDTnHnMn.nS")
            elif name == "share.isolation.level":
                if text not in ("read_committed", "read_uncommitted"):
                    _invalid(name, text, "String must be one of: read_committed, read_uncommitted")
            else:
                try:
                    number = int(text)
                except ValueError:
                    _invalid(name, text, "Not a number of type INT")
                low, high = self._range(name)
                if not low <= number <= high:
                    _invalid(name, text, f"Value must be between {low} and {high}")
            checked[name] = text
        self._overrides.setdefault(group, {}).update(checked)
        self._c.trace.record("share.config", "admin", group=group, config=dict(checked))

    def _range(self, name):
        if name == "share.record.lock.duration.ms":
            return self.group_share_min_record_lock_duration_ms, self.group_share_max_record_lock_duration_ms
        if name == "share.delivery.count.limit":
            return self.group_share_min_delivery_count_limit, self.group_share_max_delivery_count_limit
        if name == "share.partition.max.record.locks":
            return 100, 10_000
        return 1, 2 ** 31 - 1

    def config(self, group):
        """The group configs set on ``group`` ({name: value as a string})."""
        return dict(self._overrides.get(group, {}))

    def settings(self, group):
        return ShareGroupSettings(self, self._overrides.setdefault(group, {}))

    # -- membership (ShareGroupHeartbeat) ------------------------------------------------------
    def new_member_id(self):
        """A member id as KIP-1082 share consumers make it: a random UUID, base64url, 22 chars."""
        raw = self._ids.getrandbits(128).to_bytes(16, "big")
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def heartbeat(self, group, member_id, topics):
        """Join (a new member id) or keep alive ``member_id`` with its subscription. Returns
        its assignment [(topic, partition)]. A group id a consumer group uses is refused."""
        c = self._c
        g = self._groups.get(group)
        if g is None:
            from pysim.kafka.group_coordinator import coordinator_of
            if coordinator_of(c).members(group) or c.group_commits(group):
                raise KafkaException(KafkaError(KafkaError.GROUP_ID_NOT_FOUND, f"Group {group} is not a share group."))
            g = self._groups[group] = _Group(group, self.settings(group))
        member = g.members.get(member_id)
        if member is None:
            member = g.members[member_id] = _Member(member_id, topics, c.now_ms)
            c.trace.record("share.member.join", member_id, group=group, topics=list(topics))
            self._watch(g, member)
        member.topics, member.last_seen_ms = list(topics), c.now_ms
        assignment = self._target(g)[member_id]
        if assignment != member.assignment:
            member.assignment = assignment
            c.trace.record("share.member.assign", member_id, group=group, partitions=[list(tp) for tp in assignment])
        return list(assignment)

    def _target(self, g):
        """The SimpleAssignor's target assignment of every member, topic by topic."""
        c = self._c
        subscribers = {}
        for member_id, member in g.members.items():
            for topic in sorted(set(member.topics)):
                if c.has_topic(topic):
                    subscribers.setdefault(topic, []).append(member_id)
        out = {member_id: [] for member_id in g.members}
        for topic in sorted(subscribers):
            members, partitions = subscribers[topic], c.num_partitions(topic)
            if len(members) >= partitions:
                for i, member_id in enumerate(members):
                    out[member_id].append((topic, i % partitions))
            else:
                for p in range(partitions):
                    out[members[p % len(members)]].append((topic, p))
        return {m: sorted(tps) for m, tps in out.items()}

    def assignment(self, group, member_id):
        """The partitions ``member_id`` was last told it has, [(topic, partition)]."""
        g = self._groups.get(group)
        member = g.members.get(member_id) if g is not None else None
        return list(member.assignment) if member is not None else []

    def leave(self, group, member_id, reason="leave"):
        """The member leaves (close(), unsubscribe()): its acquired records are released now."""
        g = self._groups.get(group)
        if g is None or member_id not in g.members:
            return
        self._drop(g, member_id, "share.member.leave", reason)

    def is_member(self, group, member_id):
        g = self._groups.get(group)
        return g is not None and member_id in g.members

    def members(self, group):
        g = self._groups.get(group)
        return list(g.members) if g is not None else []

    def groups(self):
        return sorted(self._groups)

    def _watch(self, g, member):
        """The session timer: one event per session timeout, moved on while heartbeats come."""
        self._c.sim.scheduler.call_later(g.settings.session_timeout_ms, self._check_session, g, member)

    def _check_session(self, g, member):
        if g.members.get(member.member_id) is not member:
            return
        deadline = member.last_seen_ms + g.settings.session_timeout_ms
        if deadline > self._c.now_ms:
            self._c.sim.scheduler.call_at(deadline, self._check_session, g, member)
            return
        self._drop(g, member.member_id, "share.member.evict", "session timeout")

    def _drop(self, g, member_id, kind, reason):
        del g.members[member_id]
        self._c.trace.record(kind, member_id, group=g.name, reason=reason)
        for key in sorted(g.partitions):
            g.partitions[key].release_member(member_id, reason="member left")

    # -- records (ShareFetch / ShareAcknowledge) ---------------------------------------------
    def share_partition(self, group, topic, partition):
        """The SharePartition of (group, topic, partition), made on first use."""
        g = self._groups.get(group)
        if g is None:
            g = self._groups[group] = _Group(group, self.settings(group))
        key = (topic, partition)
        sp = g.partitions.get(key)
        if sp is None:
            sp = g.partitions[key] = SharePartition(self._c, group, topic, partition, g.settings)
        return sp

    def fetch(self, group, member_id, max_records):
        """ShareFetch: acquire up to ``max_records`` records for the member over its assigned
        partitions (starting one partition further each time, so none starves). Returns
        [(topic, partition, record, delivery_count)]; raises UNKNOWN_MEMBER_ID for a member
        the group no longer has."""
        g = self._groups.get(group)
        member = g.members.get(member_id) if g is not None else None
        if member is None:
            raise KafkaException(KafkaError(KafkaError.UNKNOWN_MEMBER_ID))
        parts = [tp for tp in member.assignment if self._c.has_topic(tp[0])]
        if not parts:
            return []
        first = member.fetch_round % len(parts)
        member.fetch_round += 1
        out = []
        for topic, partition in parts[first:] + parts[:first]:
            if len(out) >= max_records:
                break
            sp = self.share_partition(group, topic, partition)
            for record, count in sp.acquire(member_id, max_records - len(out)):
                out.append((topic, partition, record, count))
        return out

    def acknowledge(self, group, member_id, acks):
        """ShareAcknowledge: ``acks`` is [(topic, partition, offset, type)]. Returns
        {(topic, partition): error code or None} (INVALID_RECORD_STATE when any of that
        partition's acknowledgements was refused, as the broker answers per partition)."""
        results = {}
        for topic, partition, offset, ack_type in acks:
            key = (topic, partition)
            if not self._c.has_topic(topic):
                results[key] = KafkaError.UNKNOWN_TOPIC_OR_PART
                continue
            err = self.share_partition(group, topic, partition).acknowledge(member_id, offset, ack_type)
            if err is not None or key not in results:
                results[key] = err if err is not None else results.get(key)
        return results


def share_groups_of(cluster):
    """The share groups of ``cluster`` (made on first use, kept with the cluster)."""
    found = getattr(cluster, "_share_groups", None)
    if found is None:
        found = ShareGroups(cluster)
        cluster._share_groups = found
    return found
