"""The group coordinator of the consumer group protocol (KIP-848, ``group.protocol=consumer``,
GA in Kafka 4.0, librdkafka 2.12): the broker assigns, and there is no group-wide barrier.

One RPC does everything: ConsumerGroupHeartbeat (``heartbeat()`` here). A member joins with
epoch 0, sends every ``group.consumer.heartbeat.interval.ms`` (broker, 5000) its epoch and the
partitions it owns, and leaves with epoch -1 (-2 for a static member). The coordinator:

- keeps a **group epoch** that moves on every change of membership or subscription, and a
  **target assignment** per member, computed at that epoch by a server-side assignor
  (``uniform`` by default, or ``range``: ``pysim.kafka.server_assignors``);
- reconciles each member on its own, when that member heartbeats (Kafka's
  CurrentAssignmentBuilder): a member that must give partitions up is first told to revoke
  them and keeps its **member epoch** until it reports them gone; a member gets a partition
  only once its previous owner revoked it (until then the partition is "unreleased"); when
  nothing is pending it moves to the target epoch. Members that lose nothing never stop, and a
  member hears of a change only in the answer to its own next heartbeat;
- fences a member whose heartbeats stop for ``group.consumer.session.timeout.ms`` (broker,
  45000) and one that does not revoke within its rebalance timeout (the client's
  max.poll.interval.ms); its partitions are free at once;
- static membership (``group.instance.id``): a static member leaves with epoch -2 and keeps its
  assignment until its session times out; a new process with the same instance id takes it
  over with no new epoch. A second process while the first has not left is refused with
  UNRELEASED_INSTANCE_ID (classic fenced the old one instead).

Classic and consumer members in one group (Kafka 4.x; pysim.kafka.group_migration has the
rules and the broker's ``group.consumer.migration.policy``, default ``bidirectional``):

- online upgrade: a member joining (epoch 0) a non-empty classic group converts it; the group
  epoch starts at the classic generation, each classic member keeps its assignment, and the
  join moves the epoch on. With a policy that does not allow upgrades (``disabled``,
  ``downgrade``), or a classic group larger than ``group.consumer.max.size``, the heartbeat is
  refused with GROUP_ID_NOT_FOUND and Kafka's message (``HeartbeatResponse.message``); one
  of exactly that size is not converted either, as the joiner would not fit (below);
- a new member joining a group of ``group.consumer.max.size`` members (a heartbeat with
  epoch 0, or a classic JoinGroup) is refused with GROUP_MAX_SIZE_REACHED
  (throwIfConsumerGroupIsFull);
- classic members inside a consumer group (whatever the policy): a classic JoinGroup to a
  non-empty consumer group joins it (``classic_join``). Such a member is reconciled only when
  it (re)joins, with the partitions it says it owns: its Heartbeat answers
  REBALANCE_IN_PROGRESS when the group epoch moved past its member epoch, when it must revoke
  partitions, or when the partitions it waits for were released; a member that does not
  rejoin within its rebalance timeout is fenced. Its generation is its member epoch
  (ILLEGAL_GENERATION otherwise), its session timeout its own session.timeout.ms;
- online downgrade: when the last member that speaks the consumer protocol leaves or is
  fenced, the classic members left form a classic group again (policy ``bidirectional`` or
  ``downgrade``) at generation = group epoch, and a classic rebalance starts at once.

An empty group changes protocol freely, as in Kafka. Each conversion is a ``group.convert``
trace event (``from``, ``to``, ``reason``, ``generation``, ``members``).

Trace events (all with ``group``): ``group.join`` (a member joined: ``client_id``,
``instance_id``, ``replaces``; ``protocol`` "classic" for a classic member), ``group.target`` (the group epoch moved and a new target
assignment was computed: ``epoch``, ``assignor``, ``reason``, ``members``, ``assignment``),
``group.reconcile`` (a member's epoch or state changed: ``epoch``, ``state``, ``assigned``,
``revoking``), ``group.leave`` (epoch -1 or -2: ``reason``, ``static``) and ``group.evict``
(``reason``: "session timeout", "rebalance timeout"). ``availability.rebalances`` counts
``group.target`` events as it counts classic generations.
"""

from pysim.kafka.errors import KafkaError, fail
from pysim.kafka.group_migration import (MigratingMember, broker_member_id, downgrade_allowed, trace_convert,
                                         upgrade_refusal)
from pysim.kafka.member_ids import held_by_another
from pysim.kafka.server_assignors import ASSIGNORS, DEFAULT_ASSIGNOR, MemberSpec, compute

JOIN_EPOCH, LEAVE_EPOCH, LEAVE_STATIC_EPOCH = 0, -1, -2
SESSION_TIMEOUT_MS = 45_000            # broker group.consumer.session.timeout.ms
HEARTBEAT_INTERVAL_MS = 5_000          # broker group.consumer.heartbeat.interval.ms
STABLE, UNREVOKED, UNRELEASED = "stable", "unrevoked_partitions", "unreleased_partitions"


class HeartbeatResponse:
    """The answer to a ConsumerGroupHeartbeat: ``error`` (None or a code) with the broker's
    ``message`` (or None), the member's ``epoch``, the partitions it should own now
    (``assignment``, sorted [(topic, p)]) and the ``interval_ms`` until its next heartbeat."""

    __slots__ = ("error", "member_id", "epoch", "assignment", "interval_ms", "message")

    def __init__(self, error=None, member_id=None, epoch=LEAVE_EPOCH, assignment=None, interval_ms=0, message=None):
        self.error, self.member_id, self.epoch = error, member_id, epoch
        self.assignment, self.interval_ms, self.message = assignment, interval_ms, message


class ClassicMetadata:
    """What a member that speaks the classic protocol (JoinGroup / SyncGroup / Heartbeat)
    keeps inside a consumer group (Kafka's ClassicMemberMetadata): how it is told its
    assignment (``listener.on_assignment``), its own session timeout, its assignors, and the
    timer that fences it when it was told to rejoin and did not within its rebalance timeout."""

    __slots__ = ("listener", "session_ms", "strategies", "join_timer")

    def __init__(self, listener, session_ms, strategies):
        self.listener, self.session_ms, self.strategies = listener, session_ms, list(strategies)
        self.join_timer = None


class _Member:
    __slots__ = ("member_id", "client_id", "instance_id", "topics", "assignor", "epoch", "state", "assigned",
                 "revoking", "rebalance_ms", "last_seen_ms", "rebalance_timer", "classic")

    def __init__(self, member_id, client_id, instance_id, topics, assignor, rebalance_ms, now_ms, classic=None):
        self.member_id, self.client_id, self.instance_id = member_id, client_id, instance_id
        self.topics, self.assignor = list(topics), assignor
        self.epoch, self.state = JOIN_EPOCH, STABLE
        self.assigned, self.revoking = set(), set()
        self.rebalance_ms, self.last_seen_ms = rebalance_ms, now_ms
        self.rebalance_timer = None
        self.classic = classic       # a ClassicMetadata for a member that speaks the classic protocol


class _Group:
    __slots__ = ("name", "epoch", "members", "target", "owners", "static", "assignor", "metadata")

    def __init__(self, name):
        self.name, self.epoch = name, 0
        self.members = {}            # member id -> _Member, in joining order
        self.target = {}             # member id -> set of (topic, partition), at group epoch
        self.owners = {}             # (topic, partition) -> member id holding it (assigned or revoking)
        self.static = {}             # group.instance.id -> member id
        self.assignor = ""
        self.metadata = {}           # {topic: partitions} the target was computed from


class ConsumerGroupCoordinator:
    """Consumer-protocol groups of one cluster (the broker's side of KIP-848)."""

    def __init__(self, cluster):
        self._cluster = cluster
        self._groups = {}

    # -- the RPC ----------------------------------------------------------------------------
    def heartbeat(self, group, member_id, epoch, topics=None, owned=(), instance_id=None, assignor=None,
                  rebalance_timeout_ms=300_000, client_id="rdkafka", reason="leave"):
        """One ConsumerGroupHeartbeat. ``epoch`` 0 joins (``member_id`` is the client's own
        UUID, KIP-1082), -1 leaves, -2 leaves as a static member, else the member's current
        epoch. ``topics`` None: subscription unchanged. ``owned``: what the member owns now;
        ``reason`` is traced with a leave.
        Returns a HeartbeatResponse; refusals are in its ``error``."""
        c = self._cluster
        if not isinstance(group, str) or not group:
            return HeartbeatResponse(KafkaError.INVALID_GROUP_ID)
        if assignor is not None and assignor not in ASSIGNORS:
            return HeartbeatResponse(KafkaError.UNSUPPORTED_ASSIGNOR)
        rejoining = []
        if epoch == JOIN_EPOCH:
            from pysim.kafka.group_coordinator import coordinator_of
            classic = coordinator_of(c)
            size = len(classic.members(group))
            if size:                                                     # a live classic group: online upgrade?
                refusal = upgrade_refusal(c, group, size)
                if refusal is not None:
                    return HeartbeatResponse(KafkaError.GROUP_ID_NOT_FOUND, message=refusal)
                if self._full(size):            # the joiner would not fit: refused, the group stays classic
                    return self._full_response()
                rejoining = self._upgrade(group, classic)
            else:
                g = self._groups.get(group)
                if g is not None and member_id not in g.members and self._full(len(g.members)):
                    return self._full_response()
        g = self._groups.get(group)
        if epoch in (LEAVE_EPOCH, LEAVE_STATIC_EPOCH):
            self._leave(g, member_id, epoch, reason)
            return HeartbeatResponse(None, member_id, epoch)
        if epoch == JOIN_EPOCH:
            g = self._groups.setdefault(group, _Group(group))
            member = self._join(g, member_id, topics or [], instance_id, assignor, rebalance_timeout_ms, client_id)
            if isinstance(member, int):
                return HeartbeatResponse(member)
        else:
            member = g.members.get(member_id) if g is not None else None
            if member is None:
                return HeartbeatResponse(KafkaError.UNKNOWN_MEMBER_ID)
            if epoch != member.epoch:
                return HeartbeatResponse(KafkaError.FENCED_MEMBER_EPOCH)
            if topics is not None and (list(topics) != member.topics or assignor != member.assignor):
                member.topics, member.assignor = list(topics), assignor
                self._new_target(g, "subscription changed")
            elif self._metadata(g) != g.metadata:
                self._new_target(g, "subscribed topics changed")     # created, or more partitions
        member.last_seen_ms = c.now_ms
        self._reconcile(g, member, {tuple(tp) for tp in owned})
        response = HeartbeatResponse(None, member.member_id, member.epoch, sorted(member.assigned),
                                     c.group_consumer_heartbeat_interval_ms)
        for spec in rejoining:      # their JoinGroup was answered REBALANCE_IN_PROGRESS: they join again at once
            self.classic_join(group, spec.member_id, spec.topics, spec.listener, spec.client_id, spec.instance_id,
                              spec.strategies, spec.rejoined_owned, spec.session_ms, spec.rebalance_ms)
        return response

    def _full(self, size):
        """Kafka's throwIfConsumerGroupIsFull: a group of group.consumer.max.size members takes no
        new member (a current one rejoining with epoch 0 is not new)."""
        limit = self._cluster.group_consumer_max_size
        return limit is not None and size >= limit

    def _full_response(self):
        limit = self._cluster.group_consumer_max_size
        return HeartbeatResponse(KafkaError.GROUP_MAX_SIZE_REACHED,
                                 message=f"The consumer group has reached its maximum capacity of {limit} members.")

    def commit_error(self, group, member_id, epoch, instance_id=None):
        """OffsetCommit against a consumer group: None, UNKNOWN_MEMBER_ID (not a member, or a
        commit from outside the group while it has members), STALE_MEMBER_EPOCH, or for a
        member that speaks the classic protocol ILLEGAL_GENERATION (its generation is its
        member epoch)."""
        g = self._groups.get(group)
        if member_id is None:
            return KafkaError.UNKNOWN_MEMBER_ID if g is not None and g.members else None
        member = g.members.get(member_id) if g is not None else None
        if member is None:
            return KafkaError.UNKNOWN_MEMBER_ID
        if epoch != member.epoch:
            return KafkaError.STALE_MEMBER_EPOCH if member.classic is None else KafkaError.ILLEGAL_GENERATION
        return None

    # -- members that speak the classic protocol (JoinGroup / SyncGroup / Heartbeat) -------------
    def classic_join(self, group, member_id, topics, listener, client_id, instance_id, strategies, owned,
                     session_ms, rebalance_ms):
        """A classic JoinGroup (and the SyncGroup after it) to this non-empty consumer group, as
        Kafka's classicGroupJoinToConsumerGroup: the member joins or updates its subscription
        (a change moves the group epoch), is reconciled with the partitions it reports owning
        (none for an eager member: it revoked them all first) and is told its assignment at
        once (``listener.on_assignment(member epoch, partitions)``: the generation a classic
        member sees is its member epoch). A partition it must give up is left out of that
        assignment while the member stays at its epoch (UNREVOKED) until it rejoins without it.
        A new process (no member id) with a current member's group.instance.id replaces it at
        once; a known member id that is not the instance's current one is FENCED_INSTANCE_ID.
        Returns (member_id, generation). Refused (KafkaException) with GROUP_MAX_SIZE_REACHED
        for a new member of a group of group.consumer.max.size members, and with
        INCONSISTENT_GROUP_PROTOCOL when the classic members share no assignor with it."""
        c = self._cluster
        g = self._groups[group]
        if (member_id is None or member_id not in g.members) and self._full(len(g.members)):
            fail(KafkaError.GROUP_MAX_SIZE_REACHED, "Broker: Consumer group has reached maximum size")
        others = [m for mid, m in g.members.items() if m.classic is not None and mid != member_id]
        if others and not any(all(s in m.classic.strategies for m in others) for s in strategies):
            fail(KafkaError.INCONSISTENT_GROUP_PROTOCOL, "Broker: Inconsistent group protocol")
        member = g.members.get(member_id) if member_id is not None else None
        if held_by_another(g, instance_id, member_id):
            if member_id is not None:
                fail(KafkaError.FENCED_INSTANCE_ID,
                     "Broker: Static consumer fenced by other consumer with same group.instance.id")
            return self._classic_replaces_static(g, g.members[g.static[instance_id]], topics, listener, client_id,
                                                 strategies, owned, session_ms, rebalance_ms)
        if member is None:
            member_id = member_id or broker_member_id(c.sim.rng.stream("group.classic_in_consumer.member_id"))
            member = _Member(member_id, client_id, instance_id, topics, None, rebalance_ms, c.now_ms,
                             ClassicMetadata(listener, session_ms, strategies))
            g.members[member_id] = member
            if instance_id is not None:
                g.static[instance_id] = member_id
            c.trace.record("group.join", member_id, group=g.name, client_id=client_id, instance_id=instance_id,
                           protocol="classic")
            self._watch(g, member)
            self._new_target(g, "new member joined")
        else:
            meta = member.classic
            meta.listener, meta.session_ms, meta.strategies = listener, session_ms, list(strategies)
            member.rebalance_ms = rebalance_ms
            if list(topics) != member.topics:
                member.topics = list(topics)
                self._new_target(g, "subscription changed")
            elif self._metadata(g) != g.metadata:
                self._new_target(g, "subscribed topics changed")
        member.last_seen_ms = c.now_ms
        self._cancel_join_timer(member)
        self._reconcile(g, member, {tuple(tp) for tp in owned})
        member.classic.listener.on_assignment(member.epoch, sorted(member.assigned))
        return member_id, member.epoch

    def _classic_replaces_static(self, g, old, topics, listener, client_id, strategies, owned, session_ms,
                                 rebalance_ms):
        """A new classic process with the group.instance.id of a current member takes its place
        and assignment at once (Kafka does so whenever either side speaks the classic protocol).
        If the member replaced was the last one speaking the consumer protocol, the group goes
        back to classic (validateOnlineDowngradeWithReplacedMember): the newcomer takes the
        replaced member's target assignment there, and a rebalance follows only if its
        subscription differs."""
        c = self._cluster
        member_id = broker_member_id(c.sim.rng.stream("group.classic_in_consumer.member_id"))
        downgrade = (old.classic is None and downgrade_allowed(c)
                     and all(m.classic is not None for mid, m in g.members.items() if mid != old.member_id))
        changed = list(topics) != old.topics
        if downgrade:
            old.topics = list(topics)            # keeps the target: the classic group's assignment
        member = self._replace_static(g, old, member_id, list(topics), None, rebalance_ms, client_id,
                                      ClassicMetadata(listener, session_ms, strategies))
        if downgrade:
            reason = (f"Downgrade group {g.name} from consumer to classic for static member replacement with "
                      "different subscription.") if changed else None
            self._downgrade(g, reason)
            from pysim.kafka.group_coordinator import coordinator_of
            return coordinator_of(c).synced(g.name, member_id)
        member.last_seen_ms = c.now_ms
        self._reconcile(g, member, {tuple(tp) for tp in owned})
        listener.on_assignment(member.epoch, sorted(member.assigned))
        return member_id, member.epoch

    def classic_rejoin(self, group, member_id, owned):
        """JoinGroup from a current classic member (its answer to REBALANCE_IN_PROGRESS).
        None, or UNKNOWN_MEMBER_ID for a member the group no longer has."""
        g = self._groups.get(group)
        member = g.members.get(member_id) if g is not None else None
        if member is None or member.classic is None:
            return KafkaError.UNKNOWN_MEMBER_ID
        meta = member.classic
        self.classic_join(group, member_id, member.topics, meta.listener, member.client_id, member.instance_id,
                          meta.strategies, owned, meta.session_ms, member.rebalance_ms)
        return None

    def classic_heartbeat(self, group, member_id, generation, instance_id=None):
        """A classic Heartbeat to this consumer group (classicGroupHeartbeatToConsumerGroup):
        FENCED_INSTANCE_ID, UNKNOWN_MEMBER_ID (also for a member that speaks the consumer
        protocol), ILLEGAL_GENERATION (not its member epoch), else it keeps the session alive and
        answers REBALANCE_IN_PROGRESS (rejoin) when the group epoch moved past the member's, the
        member must revoke partitions, or the partitions it waits for were released; from then
        the member must rejoin within its rebalance timeout or be fenced."""
        g = self._groups.get(group)
        if g is None:
            return KafkaError.UNKNOWN_MEMBER_ID
        if held_by_another(g, instance_id, member_id):
            return KafkaError.FENCED_INSTANCE_ID
        member = g.members.get(member_id)
        if member is None or member.classic is None:
            return KafkaError.UNKNOWN_MEMBER_ID
        if generation != member.epoch:
            return KafkaError.ILLEGAL_GENERATION
        member.last_seen_ms = self._cluster.now_ms
        if member.epoch < g.epoch or member.state == UNREVOKED or (
                member.state == UNRELEASED and not self._waiting_on_unreleased(g, member)):
            if member.classic.join_timer is None:
                member.classic.join_timer = self._cluster.sim.scheduler.call_later(
                    member.rebalance_ms, self._join_timeout, g, member)
            return KafkaError.REBALANCE_IN_PROGRESS
        return None

    def classic_leave(self, group, member_id, reason):
        """A classic LeaveGroup: the member goes, the group epoch moves (no downgrade: that
        follows only the last member that speaks the consumer protocol)."""
        g = self._groups.get(group)
        member = g.members.get(member_id) if g is not None else None
        if member is not None and member.classic is not None:
            self._remove(g, member_id, "group.leave", reason)

    # -- what admin, tests and the classic coordinator may ask --------------------------------
    def members(self, group):
        g = self._groups.get(group)
        return list(g.members) if g is not None else []

    def groups(self):
        return sorted(self._groups)

    def epoch(self, group):
        """The group epoch (0 for a group never seen)."""
        g = self._groups.get(group)
        return g.epoch if g is not None else 0

    def assignor(self, group):
        g = self._groups.get(group)
        return g.assignor if g is not None and g.members else ""

    def client_id(self, group, member_id):
        g = self._groups.get(group)
        member = g.members.get(member_id) if g is not None else None
        return member.client_id if member is not None else None

    def instance_id(self, group, member_id):
        g = self._groups.get(group)
        member = g.members.get(member_id) if g is not None else None
        return member.instance_id if member is not None else None

    def assignment(self, group, member_id):
        """The partitions ``member_id`` holds now (its assigned partitions, not its target)."""
        g = self._groups.get(group)
        member = g.members.get(member_id) if g is not None else None
        return sorted(member.assigned) if member is not None else []

    def target(self, group, member_id):
        g = self._groups.get(group)
        return sorted(g.target.get(member_id, ())) if g is not None else []

    def reconciling(self, group):
        """True while some member has not reached the group's target assignment."""
        g = self._groups.get(group)
        return g is not None and any(m.epoch != g.epoch or m.state != STABLE for m in g.members.values()
                                     if m.epoch >= 0)

    # -- inside -----------------------------------------------------------------------------
    def _join(self, g, member_id, topics, instance_id, assignor, rebalance_ms, client_id):
        """Epoch 0: a new member (or a static member taking over a departed one's place).
        Returns the member, or an error code."""
        c = self._cluster
        if instance_id is not None and instance_id in g.static:
            old = g.members[g.static[instance_id]]
            if old.epoch != LEAVE_STATIC_EPOCH and old.classic is None:
                return KafkaError.UNRELEASED_INSTANCE_ID     # a classic static member is replaced at once
            return self._replace_static(g, old, member_id, topics, assignor, rebalance_ms, client_id)
        if member_id in g.members:                  # rejoining with epoch 0: it abandoned everything
            self._remove(g, member_id, None, None)
        member = _Member(member_id, client_id, instance_id, topics, assignor, rebalance_ms, c.now_ms)
        g.members[member_id] = member
        if instance_id is not None:
            g.static[instance_id] = member_id
        c.trace.record("group.join", member_id, group=g.name, client_id=client_id, instance_id=instance_id)
        self._watch(g, member)
        self._new_target(g, "new member joined")
        return member

    def _replace_static(self, g, old, member_id, topics, assignor, rebalance_ms, client_id, classic=None):
        """Kafka's static rejoin: the new member id takes the old one's place, assignment and
        target, at epoch 0; no new group epoch unless the subscription changed. The old member
        had left with epoch -2, or spoke the classic protocol (which Kafka replaces at once)."""
        c = self._cluster
        self._cancel_rebalance_timer(old)
        self._cancel_join_timer(old)
        member = _Member(member_id, client_id, old.instance_id, topics, assignor, rebalance_ms, c.now_ms, classic)
        member.assigned = set(old.assigned)
        g.members = {(member_id if mid == old.member_id else mid): (member if mid == old.member_id else m)
                     for mid, m in g.members.items()}
        g.target[member_id] = g.target.pop(old.member_id, set())
        for tp in old.revoking:                      # the old process is gone: nobody holds these any more
            if g.owners.get(tp) == old.member_id:
                del g.owners[tp]
        for tp in member.assigned:
            g.owners[tp] = member_id
        g.static[old.instance_id] = member_id
        data = {"protocol": "classic"} if classic is not None else {}
        c.trace.record("group.join", member_id, group=g.name, client_id=client_id, instance_id=old.instance_id,
                       replaces=old.member_id, **data)
        self._watch(g, member)
        if topics != old.topics or assignor != old.assignor:
            self._new_target(g, "static member rejoined with a new subscription")
        return member

    def _leave(self, g, member_id, epoch, reason):
        member = g.members.get(member_id) if g is not None else None
        if member is None:
            return
        c = self._cluster
        if epoch == LEAVE_STATIC_EPOCH and member.instance_id is not None:
            # Kept, with its assignment, until its session times out or its instance id rejoins.
            member.epoch = LEAVE_STATIC_EPOCH
            self._cancel_rebalance_timer(member)
            c.trace.record("group.leave", member_id, group=g.name, reason=reason, static=True)
            return
        self._remove(g, member_id, "group.leave", reason)

    def _remove(self, g, member_id, kind, reason):
        """The member is gone: its partitions are free at once; the others get a new target,
        or, when it was the last member that speaks the consumer protocol, the group goes back
        to the classic protocol (online downgrade, if the migration policy allows it)."""
        member = g.members.pop(member_id)
        self._cancel_rebalance_timer(member)
        self._cancel_join_timer(member)
        if member.instance_id is not None and g.static.get(member.instance_id) == member_id:
            del g.static[member.instance_id]
        for tp in member.assigned | member.revoking:
            if g.owners.get(tp) == member_id:
                del g.owners[tp]
        g.target.pop(member_id, None)
        if kind is not None:
            data = {"reason": reason}
            if kind == "group.leave":
                data["static"] = False
            self._cluster.trace.record(kind, member_id, group=g.name, **data)
            if (g.members and member.classic is None and all(m.classic is not None for m in g.members.values())
                    and downgrade_allowed(self._cluster)):
                self._downgrade(g)
            elif g.members:
                self._new_target(g, f"member {'left' if kind == 'group.leave' else 'fenced'} ({reason})")
            else:
                g.epoch += 1
                g.target, g.assignor = {}, ""

    def _new_target(self, g, reason):
        """The group epoch moves; the target assignment is computed again."""
        c = self._cluster
        g.epoch += 1
        g.assignor = _preferred_assignor(g.members.values())
        specs = [MemberSpec(m.member_id, m.instance_id, [t for t in m.topics if c.has_topic(t)],
                            g.target.get(m.member_id, ())) for m in g.members.values()]
        partitions = g.metadata = self._metadata(g)
        new = compute(g.assignor, specs, partitions)
        g.target = {mid: set(parts) for mid, parts in new.items()}
        c.trace.record("group.target", "coordinator", group=g.name, epoch=g.epoch, assignor=g.assignor,
                       reason=reason, members=list(g.members),
                       assignment={mid: [list(tp) for tp in new[mid]] for mid in g.members})

    def _metadata(self, g):
        """{topic: partitions} of the existing topics the members subscribe to."""
        c = self._cluster
        return {t: c.num_partitions(t) for t in sorted({t for m in g.members.values() for t in m.topics})
                if c.has_topic(t)}

    def _reconcile(self, g, member, owned):
        """Kafka's CurrentAssignmentBuilder, run when ``member`` heartbeats with ``owned``."""
        if member.state == STABLE:
            if member.epoch != g.epoch:
                self._next(g, member, member.epoch, owned)
        elif member.state == UNREVOKED:
            if not (owned & member.revoking):
                self._next(g, member, member.epoch + 1, owned)
        else:
            self._next(g, member, member.epoch, owned)

    def _next(self, g, member, epoch, owned):
        target = g.target.get(member.member_id, set())
        kept = member.assigned & target
        revoke = member.assigned - kept
        wanted = target - kept
        unreleased = {tp for tp in wanted if g.owners.get(tp, member.member_id) != member.member_id}
        gained = wanted - unreleased
        before = (member.epoch, member.state, set(member.assigned), set(member.revoking))
        for tp in member.revoking:                   # revoked partitions reported gone: free now
            if g.owners.get(tp) == member.member_id:
                del g.owners[tp]
        if revoke and owned & revoke:
            member.state, member.epoch, member.assigned, member.revoking = UNREVOKED, epoch, kept, revoke
            self._arm_rebalance_timer(g, member)
        else:
            for tp in revoke:
                if g.owners.get(tp) == member.member_id:
                    del g.owners[tp]
            member.state = UNRELEASED if unreleased else STABLE
            member.epoch, member.assigned, member.revoking = g.epoch, kept | gained, set()
            self._cancel_rebalance_timer(member)
        for tp in member.assigned | member.revoking:
            g.owners[tp] = member.member_id
        if (member.epoch, member.state, member.assigned, member.revoking) != before:
            self._cluster.trace.record("group.reconcile", member.member_id, group=g.name, epoch=member.epoch,
                                       state=member.state, assigned=[list(tp) for tp in sorted(member.assigned)],
                                       revoking=[list(tp) for tp in sorted(member.revoking)])

    def _arm_rebalance_timer(self, g, member):
        if member.rebalance_timer is None:
            member.rebalance_timer = self._cluster.sim.scheduler.call_later(
                member.rebalance_ms, self._rebalance_timeout, g, member, member.epoch)

    def _cancel_rebalance_timer(self, member):
        if member.rebalance_timer is not None:
            member.rebalance_timer.cancel()
            member.rebalance_timer = None

    def _rebalance_timeout(self, g, member, epoch):
        member.rebalance_timer = None
        if g.members.get(member.member_id) is member and member.state == UNREVOKED and member.epoch == epoch:
            self._remove(g, member.member_id, "group.evict", "rebalance timeout")

    def _cancel_join_timer(self, member):
        if member.classic is not None and member.classic.join_timer is not None:
            member.classic.join_timer.cancel()
            member.classic.join_timer = None

    def _join_timeout(self, g, member):
        """A classic member told to rejoin did not within its rebalance timeout: fenced."""
        member.classic.join_timer = None
        if g.members.get(member.member_id) is member:
            self._remove(g, member.member_id, "group.evict", "rebalance timeout")

    def _waiting_on_unreleased(self, g, member):
        """True while a partition of the member's target is still held by another member."""
        return any(g.owners.get(tp, member.member_id) != member.member_id
                   for tp in g.target.get(member.member_id, ()) if tp not in member.assigned)

    def _upgrade(self, name, classic):
        """Online upgrade (convertToConsumerGroup): the classic group becomes a consumer group
        at epoch = its generation; each member keeps its last assignment as current and target
        assignment, Stable at that epoch. Returns the members whose JoinGroup into a round
        under way is answered REBALANCE_IN_PROGRESS (they join again at once)."""
        c = self._cluster
        generation, specs = classic.release_for_upgrade(name)
        g = self._groups[name] = _Group(name)
        g.epoch = generation
        for spec in specs:
            member = _Member(spec.member_id, spec.client_id, spec.instance_id, spec.topics, None, spec.rebalance_ms,
                             c.now_ms, ClassicMetadata(spec.listener, spec.session_ms, spec.strategies))
            member.epoch, member.assigned = generation, set(spec.assignment)
            g.members[spec.member_id] = member
            g.target[spec.member_id] = set(spec.assignment)
            for tp in spec.assignment:
                g.owners[tp] = spec.member_id
            if spec.instance_id is not None:
                g.static[spec.instance_id] = spec.member_id
            self._watch(g, member)
        g.metadata = self._metadata(g)
        trace_convert(c, name, "classic", "consumer", "a member joined with the consumer protocol", generation,
                      [spec.member_id for spec in specs])
        return [spec for spec in specs if spec.rejoined_owned is not None]

    def _downgrade(self, g, reason=""):
        """Online downgrade (convertToClassicGroup): the members left all speak the classic
        protocol. The classic group's generation is the group epoch, each member's assignment
        its target assignment, and a classic rebalance starts at once (``reason``; None: no
        rebalance, after a static replacement with the same subscription)."""
        from pysim.kafka.group_coordinator import coordinator_of
        c = self._cluster
        specs = []
        for mid, m in g.members.items():
            self._cancel_rebalance_timer(m)
            self._cancel_join_timer(m)
            specs.append(MigratingMember(mid, m.client_id, m.instance_id, m.topics, m.classic.strategies,
                                         m.classic.listener, m.classic.session_ms, m.rebalance_ms,
                                         g.target.get(mid, ())))
        del self._groups[g.name]
        g.members = {}               # its timers find no member any more
        if reason == "":
            reason = f"Downgrade group {g.name} from consumer to classic for member leaving."
        trace_convert(c, g.name, "consumer", "classic", reason or "static member replaced", g.epoch,
                      [spec.member_id for spec in specs])
        coordinator_of(c).adopt_downgraded(g.name, g.epoch, specs, reason)

    def _session_ms(self, member):
        """A classic member keeps the session timeout it joined with; the others the broker's."""
        return member.classic.session_ms if member.classic is not None else self._cluster.group_consumer_session_timeout_ms

    def _watch(self, g, member):
        """The session timer: one scheduler event per session timeout, moved on while
        heartbeats keep arriving (as the classic coordinator's)."""
        self._cluster.sim.scheduler.call_later(self._session_ms(member), self._check_session, g, member)

    def _check_session(self, g, member):
        if g.members.get(member.member_id) is not member:
            return
        c = self._cluster
        deadline = member.last_seen_ms + self._session_ms(member)
        if c.now_ms < deadline:
            c.sim.scheduler.call_at(deadline, self._check_session, g, member)
            return
        self._remove(g, member.member_id, "group.evict", "session timeout")


def _preferred_assignor(members):
    """The assignor most members ask for (ties: the one asked for first); ``uniform`` when
    none asks, as the broker's first entry of group.consumer.assignors."""
    votes = {}
    for m in members:
        if m.assignor is not None:
            votes[m.assignor] = votes.get(m.assignor, 0) + 1
    if not votes:
        return DEFAULT_ASSIGNOR
    order = list(votes)
    return sorted(order, key=lambda a: (-votes[a], order.index(a)))[0]


def consumer_coordinator_of(cluster):
    """The consumer-protocol coordinator of ``cluster`` (made on first use, kept with it)."""
    found = getattr(cluster, "_consumer_group_coordinator", None)
    if found is None:
        found = ConsumerGroupCoordinator(cluster)
        cluster._consumer_group_coordinator = found
    return found

