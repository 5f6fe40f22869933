"""The group coordinator: which members a consumer group has, its generation, and the
partitions it hands each member. Consumers talk to it the way a librdkafka consumer talks
to the broker that coordinates its group: they join with their subscription, get a member
id and a generation, and are told their assignment; they leave on unsubscribe or close.

Why it is its own object: the assignment is the coordinator's to hand out, not something a
consumer decides for itself. A consumer only hears about it through its listener and acts
on it at its next poll() (where on_assign / on_revoke run, as in librdkafka).

Simplification, until multi-member groups land: every member is handed all partitions of
the topics it subscribed to, which is exactly what a group of one gets from any assignor.
Members are kept in join order; a joining member is always told its assignment, the others
only when theirs changes, so range / round-robin / cooperative-sticky assignors and group-wide rebalances can replace
``_assignments`` without changing the consumer side.
"""

from pysim.kafka.errors import KafkaError, fail

NO_GENERATION = -1


class ConsumerGroupMetadata:
    """What Consumer.consumer_group_metadata() returns: the group, the member and the
    generation the consumer belongs to, which a transactional producer passes to
    send_offsets_to_transaction() so that the coordinator can fence zombie members.
    Opaque in confluent_kafka (serialized bytes); readable here."""

    __slots__ = ("group_id", "generation_id", "member_id", "group_instance_id")

    def __init__(self, group_id, generation_id=NO_GENERATION, member_id="", group_instance_id=None):
        self.group_id, self.generation_id = group_id, generation_id
        self.member_id, self.group_instance_id = member_id, group_instance_id

    def __eq__(self, other):
        return isinstance(other, ConsumerGroupMetadata) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def _key(self):
        return (self.group_id, self.generation_id, self.member_id, self.group_instance_id)

    def __repr__(self):
        return (f"ConsumerGroupMetadata(group_id={self.group_id!r}, generation_id={self.generation_id}, "
                f"member_id={self.member_id!r})")


class _Member:
    __slots__ = ("member_id", "topics", "listener", "assignment", "instance_id")

    def __init__(self, member_id, topics, listener, instance_id):
        self.member_id, self.topics, self.listener = member_id, topics, listener
        self.assignment = None       # list of (topic, partition), None until the first rebalance
        self.instance_id = instance_id


class _Group:
    __slots__ = ("name", "generation", "members")

    def __init__(self, name):
        self.name, self.generation, self.members = name, 0, {}


class GroupCoordinator:
    """Groups of one cluster. ``listener`` objects receive
    ``on_assignment(generation, [(topic, partition), ...])``."""

    def __init__(self, cluster):
        self._cluster = cluster
        self._groups = {}
        self._ids = cluster.sim.rng.stream("group.member_id")

    def join(self, group, member_id, topics, listener, client_id="rdkafka", instance_id=None):
        """JoinGroup + SyncGroup for ``member_id`` (None: a new member, which gets an id like
        Kafka's ``<client.id>-<uuid>``) subscribed to ``topics`` (existing topic names).
        Starts a new generation and tells the joining member its assignment, and every
        other member whose assignment changed. Returns (member_id, generation)."""
        if not isinstance(group, str) or not group:
            fail(KafkaError.INVALID_GROUP_ID, "Broker: Invalid group.id")
        g = self._groups.setdefault(group, _Group(group))
        if member_id is None or member_id not in g.members:
            member_id = member_id or self._new_member_id(client_id)
            g.members[member_id] = _Member(member_id, list(topics), listener, instance_id)
            self._cluster.join(group, member_id)
        else:
            member = g.members[member_id]
            member.topics, member.listener = list(topics), listener
        self._rebalance(g, joining=member_id)
        return member_id, g.generation

    def leave(self, group, member_id):
        """LeaveGroup: the member's partitions go back to the group, the rest rebalance."""
        g = self._groups.get(group)
        if g is None or member_id not in g.members:
            return
        del g.members[member_id]
        self._cluster.leave(group, member_id)
        self._rebalance(g)

    def generation(self, group):
        g = self._groups.get(group)
        return g.generation if g is not None and g.members else NO_GENERATION

    def members(self, group):
        g = self._groups.get(group)
        return list(g.members) if g is not None else []

    def assignment(self, group, member_id):
        """The member's current assignment, [(topic, partition)], or [] for a non-member."""
        g = self._groups.get(group)
        member = g.members.get(member_id) if g is not None else None
        return list(member.assignment or []) if member is not None else []

    # -- inside -------------------------------------------------------------------------
    def _rebalance(self, g, joining=None):
        if not g.members:
            return
        g.generation += 1
        self._cluster.trace.record("group.rebalance", "coordinator", group=g.name, generation=g.generation,
                                   members=list(g.members))
        new = self._assignments(g)
        for member_id, member in list(g.members.items()):
            if member_id == joining or new[member_id] != member.assignment:
                member.assignment = new[member_id]
                member.listener.on_assignment(g.generation, list(member.assignment))

    def _assignments(self, g):
        """{member_id: [(topic, partition)]}: every member gets all partitions of its topics
        (see the module docstring: the single-member rule)."""
        out = {}
        for member_id, member in g.members.items():
            parts = []
            for topic in sorted(member.topics):
                if self._cluster.has_topic(topic):
                    parts += [(topic, p) for p in range(self._cluster.num_partitions(topic))]
            out[member_id] = parts
        return out

    def _new_member_id(self, client_id):
        n = self._ids.getrandbits(128)
        n = (n & ~(0xF000 << 64) | (0x4000 << 64)) & ~(0xC000 << 48) | (0x8000 << 48)   # a version 4 UUID
        h = f"{n:032x}"
        return f"{client_id}-{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def coordinator_of(cluster):
    """The coordinator of ``cluster``'s groups (made on first use, kept with the cluster so
    that it goes when reset_all() drops the cluster)."""
    found = getattr(cluster, "_group_coordinator", None)
    if found is None:
        found = GroupCoordinator(cluster)
        cluster._group_coordinator = found
    return found
