"""The group coordinator: which members a consumer group has, its generation, and the
partitions it hands each member. Consumers talk to it the way a librdkafka consumer talks
to the broker that coordinates its group: they join with their subscription, get a member
id and a generation, heartbeat, and are told their assignment; they leave on unsubscribe
or close (a static member does not: see below).

Why it is its own object: the assignment is the coordinator's to hand out, not something a
consumer decides for itself. A consumer only hears about it through its listener and acts
on it at its next poll() (where on_assign / on_revoke run, as in librdkafka).

The classic protocol, in virtual time. A member that joins, leaves, is evicted or rejoins
from a stable group starts a join round (Kafka's PreparingRebalance). The other members
learn of it only through their next heartbeat's REBALANCE_IN_PROGRESS, so up to
heartbeat.interval.ms later, and rejoin (an eager member inside its next poll(), after
revoking all its partitions; a cooperative one at once, reporting what it owns). When the
last member is in, the generation forms: the protocol every member supports is chosen, the
assignor in ``assignors`` computes the shares, and each member is told
(``listener.on_assignment``), to apply at its next poll(). A round waits for its members at
most the rebalance timeout (the largest max.poll.interval.ms of the members), then drops
those that did not rejoin. A join to an empty group waits group.initial.rebalance.delay.ms
(broker, 3000) first; before the group's first generation, the wait is extended by another
delay while new members keep joining, at most up to the rebalance timeout, so that a group
that starts together forms one generation (two consumers that subscribe at t=0 get their
partitions at t=6000, as on a real broker).

Liveness: a member whose heartbeats stop for its session.timeout.ms is evicted (the group
notices a crashed client only this way); its partitions go to the others in the round that
follows. The session timeout must lie within the broker's group.min.session.timeout.ms and
group.max.session.timeout.ms (6000 .. 1800000) or the join fails with
INVALID_SESSION_TIMEOUT.

Static membership (group.instance.id, KIP-345): a new process that joins with the instance
id of a current member takes its place and its assignment, with no rebalance and no new
generation (unless its subscription changed); the old member id is fenced
(FENCED_INSTANCE_ID on its next heartbeat or commit). A static member sends no LeaveGroup,
so when it dies its partitions wait for the whole session timeout.

So one partition never has two owners: under eager the old owner gave it up before the
round completed; under cooperative-sticky a partition that changes owner is withheld for
one round, its old owner revokes it and rejoins, and the next generation hands it over.

Trace events (all with ``group``): ``group.join`` (a new member id; ``instance_id``,
``replaces`` when a static member took an old id's place), ``group.prepare`` (a round
starts: ``round``, ``reason``), ``group.rebalance`` (a generation formed: ``generation``,
``protocol``, ``members``, ``assignment``), ``group.leave`` (LeaveGroup: ``reason``) and
``group.evict`` (the coordinator removed a member: ``reason`` "session timeout",
"rebalance timeout" or "fenced").

The consumer group protocol (KIP-848, group.protocol=consumer) has its own coordinator,
``pysim.kafka.consumer_group_protocol``. A classic JoinGroup, Heartbeat, LeaveGroup or
OffsetCommit to a non-empty group of that protocol is answered there (classic members inside a
consumer group); a consumer-protocol member joining a live classic group converts it (online
upgrade), and the last one leaving converts it back (downgrade): pysim.kafka.group_migration.

Not modelled (see docs/reference/pysim.md): the network time of JoinGroup / SyncGroup (the
generation forms at the instant the last member rejoins), and the CompletingRebalance window
between them.
"""

from pysim.kafka.assignors import DEFAULT_STRATEGY, MemberSubscription, assign
from pysim.kafka.consumer_group_protocol import consumer_coordinator_of
from pysim.kafka.errors import KafkaError, fail
from pysim.kafka.group_migration import MigratingMember
from pysim.kafka.member_ids import dashed_uuid, held_by_another

NO_GENERATION = -1
SESSION_TIMEOUT_MS = 45_000         # librdkafka session.timeout.ms
REBALANCE_TIMEOUT_MS = 300_000      # librdkafka sends max.poll.interval.ms as the rebalance timeout


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
                 "owned_generation", "generation", "session_ms", "rebalance_ms", "last_seen_ms", "client_id")

    def __init__(self, member_id, topics, listener, instance_id, strategies, client_id="rdkafka"):
        self.member_id, self.topics, self.listener, self.client_id = member_id, topics, listener, client_id
        self.assignment = None       # list of (topic, partition), None until the first rebalance
        self.instance_id, self.strategies = instance_id, strategies
        self.owned, self.owned_generation = [], NO_GENERATION   # what it reported at its last (re)join
        self.generation = NO_GENERATION                         # the last generation it was handed
        self.session_ms, self.rebalance_ms = SESSION_TIMEOUT_MS, REBALANCE_TIMEOUT_MS
        self.last_seen_ms = 0        # the last heartbeat, join or completed round


class _Group:
    __slots__ = ("name", "generation", "members", "protocol", "round", "awaiting", "static", "round_timer",
                 "delay_timer", "delay_remaining", "new_member_added")

    def __init__(self, name):
        self.name, self.generation, self.members = name, 0, {}
        self.protocol = ""
        self.round = 0               # counts join rounds, to tell a stale timer from a current one
        self.awaiting = None         # None: Stable; else the member ids that must rejoin first
        self.static = {}             # group.instance.id -> its current member id
        self.round_timer = None      # the rebalance timeout of the round under way
        self.delay_timer = None      # group.initial.rebalance.delay.ms of a round on an empty group
        self.delay_remaining, self.new_member_added = 0, False


class GroupCoordinator:
    """Groups of one cluster. ``listener`` objects receive ``on_assignment(generation,
    [(topic, partition), ...])`` (a generation formed; here is your share). Everything
    else a member learns from the answers to its calls: heartbeat(), rejoin(), join()."""

    def __init__(self, cluster):
        self._cluster = cluster
        self._groups = {}
        self._ids = cluster.sim.rng.stream("group.member_id")

    def join(self, group, member_id, topics, listener, client_id="rdkafka", instance_id=None,
             strategies=(DEFAULT_STRATEGY.split(",")), owned=(), owned_generation=NO_GENERATION,
             session_timeout_ms=SESSION_TIMEOUT_MS, rebalance_timeout_ms=REBALANCE_TIMEOUT_MS):
        """JoinGroup for ``member_id`` (None: a new member, which gets an id like Kafka's
        ``<client.id>-<uuid>``) subscribed to ``topics`` (existing topic names) with its
        assignors in preference order. Starts a join round (or joins the one under way).
        Returns (member_id, generation the member holds now). Refused, as Kafka refuses:
        INVALID_GROUP_ID, INVALID_SESSION_TIMEOUT (outside the broker's min / max), and
        INCONSISTENT_GROUP_PROTOCOL (no assignor in common with the group's members). A
        non-empty consumer-protocol group takes the member in as one that speaks the classic
        protocol (``ConsumerGroupCoordinator.classic_join``; pysim.kafka.group_migration)."""
        if not isinstance(group, str) or not group:
            fail(KafkaError.INVALID_GROUP_ID, "Broker: Invalid group.id")
        c = self._cluster
        if not c.group_min_session_timeout_ms <= session_timeout_ms <= c.group_max_session_timeout_ms:
            fail(KafkaError.INVALID_SESSION_TIMEOUT, "Broker: Invalid session timeout")
        mixed = self._consumer_group(group)
        if mixed is not None:
            return mixed.classic_join(group, member_id, topics, listener, client_id, instance_id, list(strategies),
                                      owned, session_timeout_ms, rebalance_timeout_ms)
        g = self._groups.setdefault(group, _Group(group))
        strategies = list(strategies)
        others = [m for mid, m in g.members.items() if mid != member_id]
        if others and not _common(others + [_Probe(strategies)]):
            fail(KafkaError.INCONSISTENT_GROUP_PROTOCOL, "Broker: Inconsistent group protocol")
        topics = list(topics)
        was_empty = not g.members
        if held_by_another(g, instance_id, member_id):
            member = self._replace_static(g, instance_id, client_id)
            unchanged = member.topics == topics and member.strategies == strategies
            member.listener, member.session_ms, member.rebalance_ms = listener, session_timeout_ms, rebalance_timeout_ms
            member.last_seen_ms = c.now_ms
            if g.awaiting is None and unchanged and member.assignment is not None:
                # Stable, same subscription: the current assignment, no rebalance.
                listener.on_assignment(g.generation, list(member.assignment))
                return member.member_id, member.generation
            member.topics, member.strategies = topics, strategies
            member.owned, member.owned_generation = [], NO_GENERATION
            self._start_round(g, member.member_id, "static member rejoined with a new subscription", False)
            return member.member_id, member.generation
        new = member_id is None or member_id not in g.members
        if new:
            member_id = member_id or self._new_member_id(client_id)
            g.members[member_id] = _Member(member_id, topics, listener, instance_id, strategies, client_id)
            if instance_id is not None:
                g.static[instance_id] = member_id
            c.trace.record("group.join", member_id, group=group, instance_id=instance_id)
        member = g.members[member_id]
        member.topics, member.listener, member.strategies = topics, listener, strategies
        member.session_ms, member.rebalance_ms = session_timeout_ms, rebalance_timeout_ms
        member.owned, member.owned_generation = [tuple(tp) for tp in owned], owned_generation
        member.last_seen_ms = c.now_ms
        if new:
            self._watch(g, member)
        self._start_round(g, member_id, "new member joined" if new else "member rejoined", was_empty)
        return member_id, member.generation

    def heartbeat(self, group, member_id, generation, instance_id=None):
        """Heartbeat: None when all is well, else the error Kafka answers with:
        FENCED_INSTANCE_ID (another process took this group.instance.id), UNKNOWN_MEMBER_ID
        (evicted or never joined), REBALANCE_IN_PROGRESS (a round is under way: rejoin),
        ILLEGAL_GENERATION. Keeps the member's session alive."""
        mixed = self._consumer_group(group)
        if mixed is not None:
            return mixed.classic_heartbeat(group, member_id, generation, instance_id)
        g = self._groups.get(group)
        if g is None:
            return KafkaError.UNKNOWN_MEMBER_ID
        if held_by_another(g, instance_id, member_id):
            return KafkaError.FENCED_INSTANCE_ID
        member = g.members.get(member_id)
        if member is None:
            return KafkaError.UNKNOWN_MEMBER_ID
        member.last_seen_ms = self._cluster.now_ms
        if g.awaiting is not None:
            return KafkaError.REBALANCE_IN_PROGRESS if member_id in g.awaiting else None
        if generation != g.generation:
            return KafkaError.ILLEGAL_GENERATION
        return None

    def rejoin(self, group, member_id, owned=(), owned_generation=NO_GENERATION):
        """JoinGroup from a current member: its answer to REBALANCE_IN_PROGRESS, reporting
        the partitions it still owns (none under an eager protocol: it revoked them first).
        From a stable group it starts a round. Returns None, or UNKNOWN_MEMBER_ID for a
        member the group no longer has."""
        mixed = self._consumer_group(group)
        if mixed is not None:
            return mixed.classic_rejoin(group, member_id, owned)
        g = self._groups.get(group)
        member = g.members.get(member_id) if g is not None else None
        if member is None:
            return KafkaError.UNKNOWN_MEMBER_ID
        member.owned, member.owned_generation = [tuple(tp) for tp in owned], owned_generation
        member.last_seen_ms = self._cluster.now_ms
        self._start_round(g, member_id, "member rejoined", False)
        return None

    def leave(self, group, member_id, reason="leave"):
        """LeaveGroup: the member's partitions go back to the group, the rest rebalance at once."""
        mixed = self._consumer_group(group)
        if mixed is not None:
            mixed.classic_leave(group, member_id, reason)
            return
        g = self._groups.get(group)
        if g is None or member_id not in g.members:
            return
        self._drop(g, member_id, "group.leave", reason)
        self._after_drop(g, f"member left ({reason})")

    def commit_error(self, group, member_id, generation, instance_id=None):
        """Kafka's check of an OffsetCommit: None when accepted, else the error code.
        ``member_id`` None is a commit from outside group management (generation -1), which
        Kafka accepts only while the group has no members; a fenced static member gets
        FENCED_INSTANCE_ID, a member the group no longer has UNKNOWN_MEMBER_ID, a
        generation other than the group's ILLEGAL_GENERATION. A commit with the current
        generation is accepted during PreparingRebalance (an eager on_revoke commits then).
        (Kafka also answers REBALANCE_IN_PROGRESS between JoinGroup and SyncGroup; here a
        generation forms at once when the last member rejoins, so that window does not exist.)
        A consumer-protocol group answers for itself (its classic members' generation is their
        member epoch)."""
        mixed = self._consumer_group(group)
        if mixed is not None:
            return mixed.commit_error(group, member_id, generation, instance_id)
        g = self._groups.get(group)
        if member_id is None:      # assign()ed by hand, or left: only members commit to a non-empty group
            return KafkaError.UNKNOWN_MEMBER_ID if g is not None and g.members else None
        if g is not None and held_by_another(g, instance_id, member_id):
            return KafkaError.FENCED_INSTANCE_ID
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
        """The member ids of ``group``, in the order they joined."""
        g = self._groups.get(group)
        return list(g.members) if g is not None else []

    def groups(self):
        """Names of the groups members have joined (now or before: an emptied group is Empty)."""
        return sorted(self._groups)

    def assignment(self, group, member_id):
        """The member's current assignment, [(topic, partition)], or [] for a non-member."""
        g = self._groups.get(group)
        member = g.members.get(member_id) if g is not None else None
        return list(member.assignment or []) if member is not None else []

    # -- online migration (pysim.kafka.group_migration) ------------------------------------
    def release_for_upgrade(self, group):
        """The group becomes a consumer group: it leaves this coordinator (its timers stop).
        Returns (generation, [MigratingMember]) in joining order; a member that had already
        rejoined a round under way carries the partitions it reported owning."""
        g = self._groups.pop(group)
        for timer in (g.round_timer, g.delay_timer):
            if timer is not None:
                timer.cancel()
        specs = [MigratingMember(mid, m.client_id, m.instance_id, m.topics, m.strategies, m.listener, m.session_ms,
                                 m.rebalance_ms, m.assignment or [],
                                 list(m.owned) if g.awaiting is not None and mid not in g.awaiting else None)
                 for mid, m in g.members.items()]
        g.members, g.awaiting = {}, None      # its session timers find no member any more
        return g.generation, specs

    def adopt_downgraded(self, group, generation, specs, reason):
        """A consumer group whose members all speak the classic protocol becomes a classic
        group: Stable at ``generation`` with each member's target assignment, then a join round
        starts at once (every member hears REBALANCE_IN_PROGRESS at its next heartbeat) unless
        ``reason`` is None (a static replacement with the same subscription)."""
        c = self._cluster
        g = self._groups[group] = _Group(group)
        g.generation = generation
        for spec in specs:
            member = _Member(spec.member_id, spec.topics, spec.listener, spec.instance_id, spec.strategies,
                             spec.client_id)
            member.assignment, member.generation = list(spec.assignment), generation
            member.session_ms, member.rebalance_ms, member.last_seen_ms = spec.session_ms, spec.rebalance_ms, c.now_ms
            g.members[spec.member_id] = member
            if spec.instance_id is not None:
                g.static[spec.instance_id] = spec.member_id
            self._watch(g, member)
        g.protocol = (_common(list(g.members.values())) or [""])[0]
        if reason is not None:
            self._start_round(g, None, reason, False)

    def synced(self, group, member_id):
        """A member's SyncGroup to a Stable group: its assignment (``on_assignment``). Returns
        (member_id, generation)."""
        g = self._groups[group]
        member = g.members[member_id]
        member.listener.on_assignment(g.generation, list(member.assignment or []))
        return member_id, g.generation

    # -- inside -------------------------------------------------------------------------
    def _consumer_group(self, group):
        """The consumer-protocol coordinator when ``group`` is a non-empty consumer group."""
        mixed = consumer_coordinator_of(self._cluster)
        return mixed if mixed.members(group) else None

    def _start_round(self, g, joined, reason, initial):
        """PreparingRebalance: every member but ``joined`` must rejoin before the generation
        forms. A round under way just counts ``joined`` in. ``initial``: the group was
        empty, so the round waits group.initial.rebalance.delay.ms first."""
        c = self._cluster
        if g.awaiting is None:
            g.round += 1
            g.awaiting = {mid for mid in g.members if mid != joined}
            c.trace.record("group.prepare", "coordinator", group=g.name, round=g.round, reason=reason,
                           member=joined)
            timeout = max(m.rebalance_ms for m in g.members.values())
            delay = c.group_initial_rebalance_delay_ms
            if initial and delay > 0:
                first = min(delay, timeout)
                g.delay_remaining, g.new_member_added = max(timeout - first, 0), False
                g.delay_timer = c.sim.scheduler.call_later(first, self._initial_delay_done, g, g.round)
            else:
                g.round_timer = c.sim.scheduler.call_later(timeout, self._round_timeout, g, g.round)
        else:
            g.awaiting.discard(joined)
            if g.delay_timer is not None and reason == "new member joined" and g.generation == 0:
                g.new_member_added = True       # Kafka extends the delay only before the first generation
        if not g.awaiting and g.delay_timer is None:
            self._complete(g)

    def _initial_delay_done(self, g, round_no):
        """Kafka's InitialDelayedJoin: wait again while new members keep arriving, at most
        until the rebalance timeout is used up; then form the generation."""
        if g.round != round_no or g.delay_timer is None:
            return
        if g.new_member_added and g.delay_remaining > 0:
            delay = min(self._cluster.group_initial_rebalance_delay_ms, g.delay_remaining)
            g.delay_remaining -= delay
            g.new_member_added = False
            g.delay_timer = self._cluster.sim.scheduler.call_later(delay, self._initial_delay_done, g, round_no)
            return
        g.delay_timer = None
        self._complete(g)

    def _round_timeout(self, g, round_no):
        if g.round == round_no and g.awaiting is not None and g.delay_timer is None:
            self._complete(g)

    def _complete(self, g):
        """Form the generation: members that did not rejoin in time are dropped, the
        assignment is computed with the protocol all members support, and every member is
        told its share."""
        for mid in sorted(g.awaiting or ()):
            self._drop(g, mid, "group.evict", "rebalance timeout")
        if g.round_timer is not None:
            g.round_timer.cancel()
        g.awaiting, g.round_timer = None, None
        if not g.members:
            self._empty(g)
            return
        c = self._cluster
        g.generation += 1
        g.protocol = _common(list(g.members.values()))[0]
        subs = [MemberSubscription(m.member_id, [t for t in m.topics if c.has_topic(t)],
                                   m.instance_id, m.owned, m.owned_generation) for m in g.members.values()]
        partitions = {t: c.num_partitions(t) for s in subs for t in sorted(s.topics)}
        new = assign(g.protocol, subs, partitions)
        c.trace.record("group.rebalance", "coordinator", group=g.name, generation=g.generation,
                       protocol=g.protocol, members=list(g.members),
                       assignment={mid: [list(tp) for tp in new[mid]] for mid in g.members})
        now = c.now_ms
        for member_id, member in list(g.members.items()):
            member.assignment, member.generation = new[member_id], g.generation
            member.last_seen_ms = now            # Kafka restarts the session clock when the join completes
            member.listener.on_assignment(g.generation, list(member.assignment))

    def _drop(self, g, member_id, kind, reason):
        """Remove one member (no round logic): traced as ``kind`` with ``reason``."""
        member = g.members.pop(member_id)
        if member.instance_id is not None and g.static.get(member.instance_id) == member_id:
            del g.static[member.instance_id]
        if g.awaiting is not None:
            g.awaiting.discard(member_id)
        self._cluster.trace.record(kind, member_id, group=g.name, reason=reason)

    def _after_drop(self, g, reason):
        """The group after a member went: empty, or a round (started now, or the one under way
        completing if it waited only for the member that went)."""
        if not g.members:
            self._empty(g)
        elif g.awaiting is None:
            self._start_round(g, None, reason, False)
        elif not g.awaiting and g.delay_timer is None:
            self._complete(g)

    def _empty(self, g):
        for timer in (g.round_timer, g.delay_timer):
            if timer is not None:
                timer.cancel()
        g.awaiting, g.round_timer, g.delay_timer, g.protocol = None, None, None, ""
        g.generation += 1                    # Kafka moves an emptied group to a new, empty generation

    def _watch(self, g, member):
        """The session timer of ``member``: one scheduler event per session timeout, moved
        on (not rescheduled per heartbeat) while heartbeats keep arriving."""
        self._cluster.sim.scheduler.call_later(member.session_ms, self._check_session, g, member)

    def _check_session(self, g, member):
        if g.members.get(member.member_id) is not member:
            return                               # left, evicted or replaced meanwhile
        now = self._cluster.now_ms
        if g.awaiting is not None and member.member_id not in g.awaiting:
            member.last_seen_ms = now            # joined and waiting for the round: kept alive, as Kafka does
        deadline = member.last_seen_ms + member.session_ms
        if now < deadline:
            self._cluster.sim.scheduler.call_at(deadline, self._check_session, g, member)
            return
        self._drop(g, member.member_id, "group.evict", "session timeout")
        self._after_drop(g, "member's session timed out")

    def _replace_static(self, g, instance_id, client_id):
        """A new process joined with the group.instance.id of a current member: a new member
        id takes the old one's place (same position, same assignment); the old is fenced."""
        old_id = g.static[instance_id]
        old = g.members[old_id]
        new_id = self._new_member_id(client_id)
        member = _Member(new_id, old.topics, old.listener, instance_id, old.strategies)
        for name in ("assignment", "owned", "owned_generation", "generation"):
            setattr(member, name, getattr(old, name))
        g.members = {(new_id if mid == old_id else mid): (member if mid == old_id else m)
                     for mid, m in g.members.items()}
        g.static[instance_id] = new_id
        if g.awaiting is not None and old_id in g.awaiting:
            g.awaiting.discard(old_id)
            g.awaiting.add(new_id)
        c = self._cluster
        c.trace.record("group.evict", old_id, group=g.name, reason="fenced")
        c.trace.record("group.join", new_id, group=g.name, instance_id=instance_id, replaces=old_id)
        self._watch(g, member)
        return member

    def _new_member_id(self, client_id):
        return f"{client_id}-{dashed_uuid(self._ids)}"


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
