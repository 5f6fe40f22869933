"""The group coordinator: which members a consumer group has, its generation, and the
partitions it hands each member. Consumers talk to it the way a librdkafka consumer talks
to the broker that coordinates its group: they join with their subscription, get a member
id and a generation, and are told their assignment; they leave on unsubscribe or close.

Why it is its own object: the assignment is the coordinator's to hand out, not something a
consumer decides for itself. A consumer only hears about it through its listener and acts
on it at its next poll() (where on_assign / on_revoke run, as in librdkafka).

The classic protocol, as one join round per generation: a member that joins, leaves or
changes its subscription starts a round (Kafka's PreparingRebalance); every other member is
asked to rejoin (``listener.on_rebalance``) and does so inside its next poll(), an eager
member after revoking all its partitions (its on_revoke may still commit: the old
generation is current until the round completes), a cooperative one keeping them and
reporting what it owns. When the last member is in, the generation forms at once: the
protocol every member supports is chosen, the assignor in ``assignors`` computes the
shares, and each member is told (``listener.on_assignment``), to apply at its next poll().
So one partition never has two owners: under eager the old owner gave it up before the
round completed; under cooperative-sticky a partition that changes owner is withheld for
one round, its old owner revokes it and rejoins, and the next generation hands it over.

Not modelled yet (see docs/reference/pysim.md): session and rebalance timeouts, heartbeats
and max.poll.interval.ms (a member that never polls holds the round open), static
membership's skipped rebalances, KIP-848, and the time a rebalance takes.
"""

from pysim.kafka.assignors import DEFAULT_STRATEGY, MemberSubscription, assign
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
    __slots__ = ("member_id", "topics", "listener", "assignment", "instance_id", "strategies", "owned",
                 "owned_generation", "generation")

    def __init__(self, member_id, topics, listener, instance_id, strategies):
        self.member_id, self.topics, self.listener = member_id, topics, listener
        self.assignment = None       # list of (topic, partition), None until the first rebalance
        self.instance_id, self.strategies = instance_id, strategies
        self.owned, self.owned_generation = [], NO_GENERATION   # what it reported at its last (re)join
        self.generation = NO_GENERATION                         # the last generation it was handed


class _Group:
    __slots__ = ("name", "generation", "members", "protocol", "round", "awaiting")

    def __init__(self, name):
        self.name, self.generation, self.members = name, 0, {}
        self.protocol = ""
        self.round = 0               # counts join rounds, to tell a stale rejoin from a current one
        self.awaiting = None         # None: Stable; else the member ids that must rejoin first


class GroupCoordinator:
    """Groups of one cluster. ``listener`` objects receive ``on_rebalance(round)`` (rejoin,
    please: a new generation is being formed) and ``on_assignment(generation, [(topic,
    partition), ...])`` (the generation formed; here is your share)."""

    def __init__(self, cluster):
        self._cluster = cluster
        self._groups = {}
        self._ids = cluster.sim.rng.stream("group.member_id")

    def join(self, group, member_id, topics, listener, client_id="rdkafka", instance_id=None,
             strategies=(DEFAULT_STRATEGY.split(",")), owned=(), owned_generation=NO_GENERATION):
        """JoinGroup for ``member_id`` (None: a new member, which gets an id like Kafka's
        ``<client.id>-<uuid>``) subscribed to ``topics`` (existing topic names) with its
        assignors in preference order. Starts a join round (or joins the one under way); the
        other members are asked to rejoin, and the generation forms once all have. Returns
        (member_id, generation the member holds now). A member whose assignors share none
        with the group's is refused with INCONSISTENT_GROUP_PROTOCOL, as Kafka does."""
        if not isinstance(group, str) or not group:
            fail(KafkaError.INVALID_GROUP_ID, "Broker: Invalid group.id")
        g = self._groups.setdefault(group, _Group(group))
        strategies = list(strategies)
        others = [m for mid, m in g.members.items() if mid != member_id]
        if others and not _common(others + [_Probe(strategies)]):
            fail(KafkaError.INCONSISTENT_GROUP_PROTOCOL, "Broker: Inconsistent group protocol")
        if member_id is None or member_id not in g.members:
            member_id = member_id or self._new_member_id(client_id)
            g.members[member_id] = _Member(member_id, list(topics), listener, instance_id, strategies)
            self._cluster.join(group, member_id)
        member = g.members[member_id]
        member.topics, member.listener, member.strategies = list(topics), listener, strategies
        member.owned, member.owned_generation = [tuple(tp) for tp in owned], owned_generation
        self._start_round(g, member_id)
        return member_id, member.generation

    def rejoin(self, group, member_id, round_no, owned=(), owned_generation=NO_GENERATION):
        """The member's answer to ``on_rebalance(round_no)``: it rejoins, reporting the
        partitions it still owns (none under an eager protocol: it revoked them first)."""
        g = self._groups.get(group)
        if g is None or member_id not in g.members or g.awaiting is None or round_no != g.round:
            return
        member = g.members[member_id]
        member.owned, member.owned_generation = [tuple(tp) for tp in owned], owned_generation
        g.awaiting.discard(member_id)
        if not g.awaiting:
            self._complete(g)

    def leave(self, group, member_id):
        """LeaveGroup: the member's partitions go back to the group, the rest rebalance."""
        g = self._groups.get(group)
        if g is None or member_id not in g.members:
            return
        del g.members[member_id]
        self._cluster.leave(group, member_id)
        if g.awaiting is not None:
            g.awaiting.discard(member_id)
        if not g.members:
            g.awaiting, g.protocol = None, ""
            g.generation += 1                    # Kafka moves an emptied group to a new, empty generation
            return
        self._start_round(g, None)

    def commit_error(self, group, member_id, generation):
        """Kafka's check of an OffsetCommit: None when accepted, else the error code.
        ``member_id`` None is a commit from outside group management (generation -1), which
        Kafka accepts only while the group has no members; a member the group no longer has
        gets UNKNOWN_MEMBER_ID, a generation other than the group's ILLEGAL_GENERATION.
        (Kafka also answers REBALANCE_IN_PROGRESS between JoinGroup and SyncGroup; here a
        generation forms at once when the last member rejoins, so that window does not exist.)"""
        g = self._groups.get(group)
        if member_id is None:      # assign()ed by hand, or left: only members commit to a non-empty group
            return KafkaError.UNKNOWN_MEMBER_ID if g is not None and g.members else None
        if g is None or member_id not in g.members:
            return KafkaError.UNKNOWN_MEMBER_ID
        if generation != g.generation:
            return KafkaError.ILLEGAL_GENERATION
        return None

    def generation(self, group):
        g = self._groups.get(group)
        return g.generation if g is not None and g.members else NO_GENERATION

    def protocol(self, group):
        """The assignor the group's current generation uses ("" for an empty group)."""
        g = self._groups.get(group)
        return g.protocol if g is not None and g.members else ""

    def rebalancing(self, group):
        """True while a join round is under way (Kafka's PreparingRebalance)."""
        g = self._groups.get(group)
        return g is not None and g.awaiting is not None

    def members(self, group):
        g = self._groups.get(group)
        return list(g.members) if g is not None else []

    def assignment(self, group, member_id):
        """The member's current assignment, [(topic, partition)], or [] for a non-member."""
        g = self._groups.get(group)
        member = g.members.get(member_id) if g is not None else None
        return list(member.assignment or []) if member is not None else []

    # -- inside -------------------------------------------------------------------------
    def _start_round(self, g, joined):
        """PreparingRebalance: every member but ``joined`` must rejoin before the generation
        forms. A round under way just counts ``joined`` in."""
        if g.awaiting is None:
            g.round += 1
            g.awaiting = {mid for mid in g.members if mid != joined}
            for mid in sorted(g.awaiting):
                g.members[mid].listener.on_rebalance(g.round)
        else:
            g.awaiting.discard(joined)
        if not g.awaiting:
            self._complete(g)

    def _complete(self, g):
        """Every member has joined: a new generation, its assignment computed with the
        protocol all members support, and every member told its share."""
        g.awaiting = None
        g.generation += 1
        g.protocol = _common(list(g.members.values()))[0]
        subs = [MemberSubscription(m.member_id, [t for t in m.topics if self._cluster.has_topic(t)],
                                   m.instance_id, m.owned, m.owned_generation) for m in g.members.values()]
        partitions = {t: self._cluster.num_partitions(t) for s in subs for t in sorted(s.topics)}
        new = assign(g.protocol, subs, partitions)
        self._cluster.trace.record("group.rebalance", "coordinator", group=g.name, generation=g.generation,
                                   protocol=g.protocol, members=list(g.members),
                                   assignment={mid: [list(tp) for tp in new[mid]] for mid in g.members})
        for member_id, member in list(g.members.items()):
            member.assignment, member.generation = new[member_id], g.generation
            member.listener.on_assignment(g.generation, list(member.assignment))

    def _new_member_id(self, client_id):
        n = self._ids.getrandbits(128)
        n = (n & ~(0xF000 << 64) | (0x4000 << 64)) & ~(0xC000 << 48) | (0x8000 << 48)   # a version 4 UUID
        h = f"{n:032x}"
        return f"{client_id}-{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class _Probe:
    __slots__ = ("strategies",)

    def __init__(self, strategies):
        self.strategies = strategies


def _common(members):
    """Kafka's protocol selection: the assignors every member supports, the one most members
    name first among them first (ties: the earlier in the first member's list). []: none."""
    candidates = [s for s in members[0].strategies if all(s in m.strategies for m in members)]
    if not candidates:
        return []
    votes = {s: 0 for s in candidates}
    for m in members:
        votes[next(s for s in m.strategies if s in votes)] += 1
    return sorted(candidates, key=lambda s: (-votes[s], candidates.index(s)))


def coordinator_of(cluster):
    """The coordinator of ``cluster``'s groups (made on first use, kept with the cluster so
    that it goes when reset_all() drops the cluster)."""
    found = getattr(cluster, "_group_coordinator", None)
    if found is None:
        found = GroupCoordinator(cluster)
        cluster._group_coordinator = found
    return found
