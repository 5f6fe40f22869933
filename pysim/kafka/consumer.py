"""Consumer shaped like confluent_kafka.Consumer, with librdkafka's semantics: a group
member that subscribes (or is assigned partitions by hand), fetches, stores and commits
offsets in the shared cluster. Errors, codes and wording were checked against
confluent-kafka 2.16 and librdkafka's mock cluster where the mock can show them (see
tests/parity/test_consumer_parity.py); the rest follows librdkafka's documented behaviour.

How time works: the program is single-threaded and so is the simulation, so a poll() that
finds nothing waits by moving the cluster's virtual clock, which every client shares. It
stops early at the first scheduled event that brings something to hand out. Two consumers
that each poll(1.0) an empty topic in turn therefore take two virtual seconds, exactly as
a real single-threaded program polling them in turn would; a multi-threaded program that
polls them in parallel is not modelled. An infinite timeout (None or negative) waits at
most max.poll.interval.ms (a real client would block forever on an idle topic).

Group protocol: subscribe() joins the group at once (the coordinator gives a member id;
the generation forms after group.initial.rebalance.delay.ms on an empty group) but, as in
librdkafka, the assignment takes effect inside a later poll() (or consume() / close()),
which runs on_revoke / on_assign / on_lost there. The subscribed topics are re-resolved
every topic.metadata.refresh.interval.ms (5 minutes, librdkafka's default) of virtual time,
so a topic created later, or one that a ``^regex`` matches, joins the assignment then.
With ``group.protocol=consumer`` (KIP-848) the membership is ``pysim.kafka.consumer_membership``
instead: ConsumerGroupHeartbeats to the broker, which assigns; the assignment is still applied
inside poll(), always incrementally, and the classic-only settings are refused.

The background thread: what librdkafka does on its own threads runs on scheduler timers, so
it happens whenever virtual time moves, also while the application is busy and not polling
(``cluster.advance``, another client's poll): heartbeats every heartbeat.interval.ms (their
answer tells of a rebalance, an eviction or a fence), the auto commit of stored offsets
every auto.commit.interval.ms, and the max.poll.interval.ms check (once a second: a member
that has not polled for that long leaves the group, reports _MAX_POLL_EXCEEDED, loses its
partitions and rejoins at its next poll). ``cluster.crash(consumer)`` stops all of it at
once (``_crash``). The metadata refresh happens when poll() runs.
"""

from collections import deque

from pysim.kafka import config as _config
from pysim.kafka import no_brokers
from pysim.kafka.assignors import COOPERATIVE, PROTOCOL_TYPE, parse_strategies
from pysim.kafka.cluster import cluster
from pysim.kafka.consumer_group_protocol import consumer_coordinator_of
from pysim.kafka.consumer_membership import ConsumerProtocolMember
from pysim.kafka.errors import KafkaError, KafkaException
from pysim.kafka.client_events import check_sasl_credentials, client_events, next_number
from pysim.kafka.faults import faults_of
from pysim.kafka.stats import statistics
from pysim.kafka.fetcher import ConsumerEvent, Fetcher, partition_exists as _exists
from pysim.kafka.group_coordinator import ConsumerGroupMetadata, NO_GENERATION, coordinator_of
from pysim.kafka.message import Message
from pysim.kafka.subscription import Subscription
from pysim.kafka.topic_partition import TopicPartition, OFFSET_STORED, OFFSET_INVALID

METADATA_REFRESH_MS = 300_000      # librdkafka topic.metadata.refresh.interval.ms default
MAX_CONSUME_MESSAGES = 1_000_000

# librdkafka's rd_kafka_err2str() for the codes the consumer reports.
_ERR_STR = {
    KafkaError._NO_OFFSET: "Local: No offset stored",
    KafkaError._STATE: "Local: Erroneous state",
    KafkaError._INVALID_ARG: "Local: Invalid argument or configuration",
    KafkaError._UNKNOWN_PARTITION: "Local: Unknown partition",
    KafkaError.UNKNOWN_TOPIC_OR_PART: "Broker: Unknown topic or partition",
    KafkaError.ILLEGAL_GENERATION: "Broker: Specified group generation id is not valid",
    KafkaError.UNKNOWN_MEMBER_ID: "Broker: Unknown member",
    KafkaError.FENCED_INSTANCE_ID: "Broker: Static consumer fenced by other consumer with same group.instance.id",
    KafkaError.STALE_MEMBER_EPOCH: "Broker: The member epoch is stale",
}
HEARTBEAT_INTERVAL_MS = 3000       # librdkafka heartbeat.interval.ms default
MAX_POLL_CHECK_MS = 1000           # librdkafka checks max.poll.interval.ms on a 1 s timer
_EAGER_ONLY = "Changes to the current assignment must be made using assign() when rebalance protocol type is EAGER"
# librdkafka refuses these with group.protocol=consumer, in this order (rd_kafka_conf_finalize).
_NOT_FOR_CONSUMER_PROTOCOL = (
    ("session.timeout.ms", "`session.timeout.ms` is not supported for `group.protocol=consumer` or share consumer. "
                           "It is defined broker side"),
    ("partition.assignment.strategy", "`partition.assignment.strategy` is not supported for "
                                      "`group.protocol=consumer`. Use `group.remote.assignor` instead"),
    ("group.protocol.type", "`group.protocol.type` is not supported for `group.protocol=consumer` or share consumer"),
    ("heartbeat.interval.ms", "`heartbeat.interval.ms` is not supported for `group.protocol=consumer` or share "
                              "consumer. It is defined broker side"),
)


def _raise(code, prefix=None, reason=None):
    text = reason if reason is not None else _ERR_STR[code]
    raise KafkaException(KafkaError(code, f"{prefix}: {text}" if prefix else text))


def _tp_list(partitions):
    """The binding's check: a list of TopicPartition, else TypeError."""
    if not isinstance(partitions, list):
        raise TypeError("requires list of TopicPartition")
    for tp in partitions:
        if not isinstance(tp, TopicPartition):
            raise TypeError("expected cimpl.TopicPartition")
    return partitions


def _timeout_ms(timeout):
    """Seconds (None or negative: infinite) to virtual milliseconds (None: infinite)."""
    if timeout is None:
        return None
    if not isinstance(timeout, (int, float)):
        raise TypeError(f"must be real number, not {type(timeout).__name__}")
    return None if timeout < 0 else int(timeout * 1000)


def _int_conf(conf, name, default):
    value = conf.get(name, default)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise KafkaException(KafkaError(KafkaError._INVALID_ARG,
                                        f'Invalid value "{value}" for configuration property "{name}"')) from None


class _GroupListener:
    """What the group coordinator calls; kept off the Consumer so its API stays confluent's."""

    __slots__ = ("_consumer",)

    def __init__(self, consumer):
        self._consumer = consumer

    def on_assignment(self, generation, partitions):
        self._consumer._assignment_received(generation, partitions)


class Consumer:
    """High-level Kafka Consumer, as confluent_kafka.Consumer: ``Consumer(config)`` with a
    dict of librdkafka properties; ``group.id`` is required.

    :param dict config: configuration; ``bootstrap.servers`` names the simulated cluster
      (without it the consumer never connects, as librdkafka's: see no_brokers.py)
    """

    # An instance whose __init__ never ran (a subclass that forgot super().__init__())
    # behaves as a closed one, as the binding's does: RuntimeError("Consumer closed").
    _closed, _crashed_at, _unreachable = True, None, False

    def __init__(self, conf=None, **kwargs):
        if conf is None and not kwargs or conf is not None and not isinstance(conf, dict):
            raise TypeError("expected configuration dict")
        conf = _config.validate(dict(conf or {}, **kwargs), _config.CONSUMER)
        if not conf.get("group.id"):
            raise ValueError("Failed to create consumer: group.id must be set")
        ssl_error = _config.ssl_file_error(conf)
        if ssl_error:
            raise KafkaException(KafkaError(KafkaError._INVALID_ARG, f"Failed to create consumer: {ssl_error}"))
        servers = _config.bootstrap_servers(conf)
        self._unreachable = servers is None      # no bootstrap.servers: never connects
        self._c = cluster(servers if servers is not None else no_brokers.NO_BROKERS)
        self._group = conf["group.id"]
        self._client_id = conf.get("client.id", "rdkafka")
        self._instance_id = conf.get("group.instance.id")
        self._auto_commit = _config.as_bool(conf.get("enable.auto.commit", True))
        self._auto_interval_ms = _int_conf(conf, "auto.commit.interval.ms", 5000)
        self._max_wait_ms = _int_conf(conf, "max.poll.interval.ms", 300000)
        self._session_ms = _int_conf(conf, "session.timeout.ms", 45000)
        self._heartbeat_ms = _int_conf(conf, "heartbeat.interval.ms", HEARTBEAT_INTERVAL_MS)
        for name, value, top in (("session.timeout.ms", self._session_ms, 3600000),
                                 ("heartbeat.interval.ms", self._heartbeat_ms, 3600000),
                                 ("max.poll.interval.ms", self._max_wait_ms, 86400000)):
            if not 1 <= value <= top:
                raise KafkaException(KafkaError(KafkaError._INVALID_ARG, f'Configuration property "{name}" value '
                                                                         f'{value} is outside allowed range 1..{top}\n'))
        self._protocol = str(conf.get("group.protocol", "classic")).lower()
        if self._protocol not in ("classic", "consumer"):
            raise KafkaException(KafkaError(KafkaError._INVALID_ARG, f'Invalid value "{conf["group.protocol"]}" for '
                                                                     'configuration property "group.protocol"'))
        if self._protocol == "consumer":
            for name, reason in _NOT_FOR_CONSUMER_PROTOCOL:
                if name in conf:
                    raise KafkaException(KafkaError(KafkaError._INVALID_ARG, f"Failed to create consumer: {reason}"))
        elif self._max_wait_ms < self._session_ms:
            raise KafkaException(KafkaError(KafkaError._INVALID_ARG, "Failed to create consumer: "
                                                                     "`max.poll.interval.ms`must be >= `session.timeout.ms`"))
        self._on_commit = conf.get("on_commit")
        self._auto_create = _config.as_bool(conf.get("allow.auto.create.topics", False))
        self._strategies = parse_strategies(conf.get("partition.assignment.strategy"))
        # The consumer protocol is incremental whatever the assignor: callbacks get only what changes.
        self._cooperative = self._protocol == "consumer" or PROTOCOL_TYPE[self._strategies[0]] == COOPERATIVE
        auto_store = _config.as_bool(conf.get("enable.auto.offset.store", True))
        self._fetcher = Fetcher(self._c, self._group, self._group, conf.get("auto.offset.reset", "latest"),
                                _config.as_bool(conf.get("enable.partition.eof", False)), auto_store,
                                _int_conf(conf, "max.partition.fetch.bytes", 1048576),
                                _int_conf(conf, "fetch.max.bytes", 52428800))
        self._fetcher.read_committed = conf.get("isolation.level", "read_committed") == "read_committed"
        self._auto_store = auto_store
        self._faults = faults_of(self._c)
        self._membership = None      # the KIP-848 member (group.protocol=consumer), else classic
        if self._protocol == "consumer":
            self._coordinator = consumer_coordinator_of(self._c)
            self._membership = ConsumerProtocolMember(self, self._group, self._client_id, self._instance_id,
                                                      conf.get("group.remote.assignor") or None, self._max_wait_ms)
        else:
            self._coordinator = coordinator_of(self._c)
        self._listener = _GroupListener(self)
        self._ops = deque()          # ("error", msg) | ("rebalance",) | ("rejoin",) | ("join",) | ("lost",)
                                     # | ("commit", err, tps)
        self._subscription = None
        self._callbacks = {}
        self._member_id = None
        self._generation = NO_GENERATION
        self._target = []            # the assignment the coordinator handed out, [(topic, partition)]
        self._rebalance_pending = False
        self._leave_after_revoke = False   # unsubscribe(): leave once on_revoke has run
        self._signature = None       # [(topic, partitions)] the group was joined with
        self._reported_missing = []  # subscribed names already reported as not available
        self._known_topics = set()   # topics the client has metadata for (membership tests only)
        self._next_refresh_ms = None
        self._in_rebalance = False
        self._rebalance_calls = 0
        self._closed = False
        self._crashed_at = None      # virtual ms of cluster.crash(this consumer)
        self._fatal = False          # fenced: the consumer no longer joins
        self._rejoin_queued = False
        self._closing = False
        self._owner_names = {}       # (topic, partition) -> the name its ownership was traced under
        self._created_ms = self._last_poll_ms = self._c.now_ms
        self._in_poll = False
        self._hb_timer = self._poll_timer = self._commit_timer = None
        self._rxmsgs = 0
        self._events = client_events(self, conf, "consumer", self._c,
                                     f"{self._client_id}#consumer-{next_number(self._c, 'consumer')}")
        self._events.stats_from(self._statistics)
        if self._unreachable:
            self._events.warn(5, "CONFWARN", no_brokers.CONFWARN)
        if self._auto_commit:
            self._commit_timer = self._c.sim.scheduler.call_later(self._auto_interval_ms, self._auto_commit_tick)

    # -- subscription -------------------------------------------------------------------
    def subscribe(self, topics, on_assign=None, on_revoke=None, on_lost=None):
        """Replace the subscription and (re)join the group. The new assignment is applied,
        and on_revoke / on_assign called, by the next poll()."""
        self._check_open()
        if not isinstance(topics, list):
            raise TypeError("expected list of topic unicode strings")
        for name, cb in (("on_assign", on_assign), ("on_revoke", on_revoke), ("on_lost", on_lost)):
            if cb is not None and not callable(cb):
                raise TypeError(f"{name} expects a callable")
        self._subscription = Subscription(topics)
        self._leave_after_revoke = False
        self._callbacks = {"assign": on_assign, "revoke": on_revoke, "lost": on_lost}
        self._reported_missing = []
        if self._unreachable:
            return                      # no coordinator to join
        self._refresh_subscription(rejoin=True)

    def unsubscribe(self):
        """Revoke the assignment (on_revoke) at the next poll(), then leave the group, as
        librdkafka does: the member is still in its generation while on_revoke runs, so a
        commit made there is accepted."""
        self._check_open()
        if self._subscription is None:
            return
        self._subscription = None
        if self._unreachable:
            return
        self._signature = None
        self._leave_after_revoke = True
        self._assignment_received(self._generation, [])

    def _refresh_subscription(self, rejoin=False, in_poll=False):
        """Resolve the subscription against the cluster's topics (librdkafka's metadata
        refresh); rejoin the group when the topics or their partition counts changed."""
        c = self._c
        topics, missing = self._subscription.resolve(c)
        if missing and self._auto_create and c.auto_create:
            for name in missing:
                c._ensure(name)
            topics, missing = self._subscription.resolve(c)
        for name in missing if self._membership is None else ():   # KIP-848: the subscription proceeds
            if name not in self._reported_missing:
                self._ops.append(("error", ConsumerEvent(name, 0, KafkaError(
                    KafkaError.UNKNOWN_TOPIC_OR_PART,
                    f"Subscribed topic not available: {name}: Broker: Unknown topic or partition"))))
        self._reported_missing = missing
        stale = any(e not in self._known_topics for e in self._subscription.entries if not e.startswith("^"))
        self._known_topics.update(topics)
        signature = [(t, c.num_partitions(t)) for t in topics]
        self._next_refresh_ms = c.now_ms + METADATA_REFRESH_MS
        if signature == self._signature and not rejoin:
            return
        self._signature = signature
        if topics:
            gone = self._cooperative and self._membership is None and self._outside(topics, stale)
            if gone:
                if gone[1]:
                    self._stop_fetching_lost(gone[1])
                if in_poll:
                    self._drop_then_join(*gone)
                else:
                    self._ops.append(("drop",) + gone)   # the callbacks run inside poll()
            elif self._cooperative or not self._fetcher.states:
                self._join(topics)
            elif in_poll:
                self._run_rebalance_callback("revoke", list(self._fetcher.states))   # eager: revoke, then join
                self._join(topics)
            else:
                self._ops.append(("join",))        # the revoke callback must run inside poll()
        elif self._member_id is not None:
            # librdkafka does not join while none of the subscribed topics exists.
            self._leave_group()
            self._assignment_received(NO_GENERATION, [])

    def _outside(self, topics, stale):
        """(revoke, lost): the owned partitions of topics a cooperative member no longer
        subscribes to, as librdkafka gives them up before it rejoins. With metadata for every
        subscribed topic at hand, rd_kafka_cgrp_modify_subscription revokes those of dropped
        topics (on_revoke); when it must fetch metadata first (a topic it has not seen) the
        metadata path finds them outside the subscribed topics and declares them lost
        (on_lost, else on_revoke: "topics not available"), as it does for deleted topics.
        None when nothing is owned outside ``topics``."""
        keep = set(topics)
        gone = [k for k in self._fetcher.states if k[0] not in keep]
        if not gone:
            return None
        c = self._c
        lost = [k for k in gone if stale or not c.has_topic(k[0])]
        return [k for k in gone if k not in lost], lost

    def _drop_then_join(self, revoke, lost):
        try:
            if revoke:
                self._run_rebalance_callback("revoke", revoke)
            if lost:
                self._run_rebalance_callback("lost", lost)
        finally:
            self._join()

    def _join(self, topics=None):
        """JoinGroup with this consumer's assignors and (cooperative) the partitions it owns.
        A group whose members share no assignor with it refuses: an error event."""
        if topics is None:
            topics = [t for t, _ in self._signature or []]
            if not topics or self._subscription is None:
                return
        if self._fatal:
            return
        if self._membership is not None:
            self._membership.join(topics)
            self._arm_poll_timer()
            return
        owned = list(self._fetcher.states) if self._cooperative else []
        try:
            self._member_id, self._generation = self._coordinator.join(
                self._group, self._member_id, topics, self._listener, self._client_id, self._instance_id,
                self._strategies, owned, self._generation, self._session_ms, self._max_wait_ms)
        except KafkaException as exc:
            err = exc.args[0]
            self._ops.append(("error", ConsumerEvent(None, -1, KafkaError(
                err.code(), f"JoinGroup failed: {err.str()}"))))
            return
        self._rejoin_queued = False
        scheduler = self._c.sim.scheduler
        if self._hb_timer is None:
            self._hb_timer = scheduler.call_later(self._heartbeat_ms, self._heartbeat_tick)
        self._arm_poll_timer()

    def _arm_poll_timer(self):
        if self._poll_timer is None:
            self._poll_timer = self._c.sim.scheduler.call_at(
                self._poll_tick_after(self._last_poll_ms + self._max_wait_ms), self._max_poll_tick)

    def _rejoin(self):
        """A heartbeat answered REBALANCE_IN_PROGRESS: eager revokes everything first
        (committing with the generation that is ending), cooperative keeps fetching and
        reports what it owns. A member the group dropped meanwhile joins anew."""
        self._rejoin_queued = False
        if self._member_id is None:
            return
        try:
            if not self._cooperative and self._fetcher.states:
                self._run_rebalance_callback("revoke", list(self._fetcher.states))
        finally:
            owned = list(self._fetcher.states) if self._cooperative else []
            if self._coordinator.rejoin(self._group, self._member_id, owned, self._generation) is not None:
                self._member_id, self._generation = None, NO_GENERATION
                self._join()

    def _leave_group(self, reason="leave"):
        """LeaveGroup, except for a static member (group.instance.id): librdkafka sends
        none for it, so the coordinator keeps it until its session times out. Under the
        consumer protocol a leave heartbeat (epoch -1; -2 for a static member)."""
        if self._membership is not None:
            self._membership.leave(reason)
        elif self._member_id is not None and self._instance_id is None:
            self._coordinator.leave(self._group, self._member_id, reason)
        self._member_id, self._generation = None, NO_GENERATION

    # -- the background thread: heartbeats, max.poll.interval.ms --------------------------
    def _heartbeat_tick(self):
        """Every heartbeat.interval.ms while a member, whatever the application is doing.
        The answer says whether a rebalance started, or whether the member was dropped."""
        self._hb_timer = None
        if self._member_id is None:
            return
        err = self._coordinator.heartbeat(self._group, self._member_id, self._generation, self._instance_id)
        if err is None or err == KafkaError.REBALANCE_IN_PROGRESS:
            self._hb_timer = self._c.sim.scheduler.call_later(self._heartbeat_ms, self._heartbeat_tick)
            if err is not None:
                self._rebalance_started()
        elif err == KafkaError.FENCED_INSTANCE_ID:
            self._fenced()
        else:
            self._membership_lost()

    def _rebalance_started(self):
        """librdkafka's answer to REBALANCE_IN_PROGRESS: ignored while the application has
        not yet applied the last assignment (the next heartbeat asks again); a cooperative
        member, or an eager one with nothing to revoke, rejoins from the background thread;
        an eager one revokes first, which needs the application: at its next poll()."""
        if self._rebalance_pending or self._rejoin_queued:
            return
        if self._cooperative or not self._fetcher.states:
            self._rejoin()
        else:
            self._rejoin_queued = True
            self._ops.append(("rejoin",))

    def _membership_lost(self):
        """UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION: the group went on without this member
        (session timeout, rebalance timeout). Its partitions may already be another's:
        on_lost (else on_revoke) at the next poll(), then it joins again as a new member."""
        self._member_id, self._generation = None, NO_GENERATION
        self._rebalance_pending, self._target = False, []
        if self._fetcher.states:
            self._stop_fetching_lost()
            self._ops.append(("lost",))
            self._ops.append(("join",))
        else:
            self._join()

    def _fenced(self, text=None):
        """FENCED_INSTANCE_ID: another process took this group.instance.id. Fatal in
        librdkafka: an error event, the partitions are lost, the consumer joins no more.
        (The consumer protocol's fatal heartbeat errors come here with their own ``text``.)"""
        self._fatal = True
        self._member_id, self._generation = None, NO_GENERATION
        self._rebalance_pending, self._target = False, []
        text = text or f"Fatal consumer error: {_ERR_STR[KafkaError.FENCED_INSTANCE_ID]}"
        self._ops.append(("error", ConsumerEvent(None, -1, KafkaError(KafkaError._FATAL, text, fatal=True))))
        if self._fetcher.states:
            self._stop_fetching_lost()
            self._ops.append(("lost",))

    def _stop_fetching_lost(self, keys=None):
        """The assignment (or ``keys`` of it) is lost: librdkafka pauses its fetchers at once
        (no message of a lost partition reaches the application again); the application
        hears of it, and its on_lost runs, at the next poll(). Traced as the end of
        ownership now."""
        keys = list(self._fetcher.states) if keys is None else keys
        self._trace_release(keys, "lost")
        for key in keys:
            self._fetcher.pause(self._fetcher.states[key])

    def _poll_tick_after(self, ms):
        """The first tick of the 1 s max.poll.interval.ms timer strictly after ``ms``."""
        start = self._created_ms
        return start + ((ms - start) // MAX_POLL_CHECK_MS + 1) * MAX_POLL_CHECK_MS

    def _max_poll_tick(self):
        """The application has not called poll() / consume() for max.poll.interval.ms:
        librdkafka reports _MAX_POLL_EXCEEDED, leaves the group, treats the assignment as
        lost, and rejoins when the application polls again. Under the consumer protocol
        (librdkafka 2.16) it stops heartbeating instead and sends its leave heartbeat only
        once the lost partitions are revoked, at the application's next poll(): until then the
        broker keeps them, up to the member's rebalance or session timeout."""
        self._poll_timer = None
        if self._member_id is None:
            return
        deadline = self._last_poll_ms + self._max_wait_ms
        now = self._c.now_ms
        if self._in_poll or now <= deadline:
            self._poll_timer = self._c.sim.scheduler.call_at(self._poll_tick_after(max(deadline, now)),
                                                             self._max_poll_tick)
            return
        self._ops.append(("error", ConsumerEvent(None, -1, KafkaError(
            KafkaError._MAX_POLL_EXCEEDED,
            f"Application maximum poll interval ({self._max_wait_ms}ms) exceeded by {now - deadline}ms"))))
        self._c.trace.record("consumer.max_poll_exceeded", self._member_id, group=self._group,
                             exceeded_by_ms=now - deadline)
        if self._membership is not None:
            self._membership.suspend("max.poll.interval.ms exceeded")
            self._member_id, self._generation = None, NO_GENERATION
        else:
            self._leave_group("max.poll.interval.ms exceeded")
        self._rebalance_pending, self._target = False, []
        if self._fetcher.states:
            self._stop_fetching_lost()
            self._ops.append(("lost",))
        self._ops.append(("join",))

    def _stop_timers(self):
        if self._membership is not None:
            self._membership.stop()
        for timer in (self._hb_timer, self._poll_timer, self._commit_timer):
            if timer is not None:
                timer.cancel()
        self._hb_timer = self._poll_timer = self._commit_timer = None

    def _trace_name(self):
        return self._member_id or self._client_id

    def set_sasl_credentials(self, username, password):
        """Accepted and checked, then ignored: pysim authenticates nobody."""
        self._check_open()
        check_sasl_credentials(username, password)

    def _crash(self, now_ms):
        """cluster.crash(consumer): the process dies now. No LeaveGroup, no commit, no
        callbacks; its timers stop, so its heartbeats do too and the coordinator evicts it
        when the session times out. Every later call raises RuntimeError."""
        self._check_open()
        self._stop_timers()
        keys = list(self._fetcher.states)
        self._trace_release(keys, "crash")
        for key in keys:
            self._fetcher.remove(key)
        self._ops.clear()
        self._crashed_at = now_ms
        self._closed = True

    def _assignment_received(self, generation, partitions):
        """From the coordinator: the assignment to apply at the next poll()."""
        self._generation = generation
        self._target = list(partitions)
        if not self._rebalance_pending:
            self._rebalance_pending = True
            self._ops.append(("rebalance",))

    def _rebalance(self):
        """Apply the coordinator's assignment: EAGER revokes everything then assigns the new
        set; COOPERATIVE revokes and assigns only the difference."""
        self._rebalance_pending = False
        try:
            self._apply_target()
        finally:
            if self._leave_after_revoke and self._subscription is None:
                self._leave_after_revoke = False
                self._leave_group()

    def _apply_target(self):
        target = self._target
        current = list(self._fetcher.states)
        if self._cooperative:
            target_set, current_set = set(target), set(current)
            revoked = [k for k in current if k not in target_set]
            added = [k for k in target if k not in current_set]
            try:
                if revoked:
                    self._run_rebalance_callback("revoke", revoked)
                if self._subscription is not None:
                    self._run_rebalance_callback("assign", added)
            finally:
                if self._membership is not None and self._subscription is not None:
                    self._membership.ack()   # KIP-848: an expedited heartbeat says what it owns now
                elif revoked and self._subscription is not None:
                    self._join()          # librdkafka rejoins after revoking: the next round hands them over
        else:
            if current:
                self._run_rebalance_callback("revoke", current)
            if self._subscription is not None:
                self._run_rebalance_callback("assign", target)

    def _run_rebalance_callback(self, kind, keys):
        """Call the application's callback, then do what confluent_kafka's binding does when
        the callback did not (re)assign itself: assign / unassign (incrementally with a
        cooperative assignor). An exception from the callback leaves poll() afterwards."""
        parts = [TopicPartition(t, p) for t, p in keys]
        cb = self._callbacks.get(kind)
        if kind == "lost" and cb is None:
            cb = self._callbacks.get("revoke")
        self._c.trace.record(f"group.{kind}", self._member_id or self._group, group=self._group,
                             generation=self._generation, partitions=[list(k) for k in keys])
        error = None
        self._in_rebalance, self._rebalance_calls = True, 0
        try:
            if cb is not None:
                cb(self, parts)
        except Exception as exc:  # noqa: BLE001 - re-raised below, after the fallback
            error = exc
        finally:
            self._in_rebalance = False
        if self._rebalance_calls == 0:
            fallback = [TopicPartition(t, p) for t, p in keys]
            if kind == "assign":
                if self._cooperative:
                    self._add_partitions(fallback)
                else:
                    self._replace_assignment(fallback)
            else:
                self._remove_partitions(list(keys), commit=kind != "lost", reason=kind)
        if error is not None:
            raise error

    # -- assignment -----------------------------------------------------------------------
    def assign(self, partitions):
        """Replace the assignment; each partition starts at its offset (OFFSET_INVALID /
        OFFSET_STORED: the committed offset, else auto.offset.reset) when fetching starts."""
        self._check_open()
        parts = _tp_list(partitions)
        self._count_rebalance_call()
        if self._cooperative and self._subscription is not None:
            _raise(KafkaError._STATE, "Failed to set assignment")
        keys = [(tp.topic, tp.partition) for tp in parts]
        if len(set(keys)) != len(keys):
            # librdkafka clears the old assignment before it finds the duplicate.
            self._remove_partitions(list(self._fetcher.states), commit=False)
            _raise(KafkaError._INVALID_ARG, "Failed to set assignment")
        self._replace_assignment(parts)

    def unassign(self):
        self._check_open()
        self._count_rebalance_call()
        self._remove_partitions(list(self._fetcher.states), commit=True)

    def incremental_assign(self, partitions):
        self._check_open()
        parts = _tp_list(partitions)
        self._count_rebalance_call()
        if not self._cooperative and self._subscription is not None:
            _raise(KafkaError._STATE, reason=_EAGER_ONLY)
        seen = set()
        for tp in parts:
            key = (tp.topic, tp.partition)
            if key in seen:
                _raise(KafkaError._INVALID_ARG, reason=f"Duplicate {tp.topic} [{tp.partition}] in input list")
            seen.add(key)
            if key in self._fetcher.states:
                raise KafkaException(KafkaError(
                    KafkaError._CONFLICT, f"{tp.topic} [{tp.partition}] is already part of the current assignment"))
        self._add_partitions(parts)

    def incremental_unassign(self, partitions):
        self._check_open()
        parts = _tp_list(partitions)
        self._count_rebalance_call()
        if not self._cooperative and self._subscription is not None:
            _raise(KafkaError._STATE, reason=_EAGER_ONLY)
        if parts and not self._fetcher.states:
            _raise(KafkaError._INVALID_ARG, reason="Can't subtract from empty assignment")
        seen = set()
        for tp in parts:
            key = (tp.topic, tp.partition)
            if key in seen:
                _raise(KafkaError._INVALID_ARG, reason=f"Duplicate {tp.topic} [{tp.partition}] in input list")
            seen.add(key)
            if key not in self._fetcher.states:
                _raise(KafkaError._INVALID_ARG, reason=f"{tp.topic} [{tp.partition}] can't be unassigned "
                                                       "since it is not in the current assignment")
        self._remove_partitions([(tp.topic, tp.partition) for tp in parts], commit=True)

    def assignment(self):
        """The assigned partitions, sorted, with the offset each was assigned at
        (OFFSET_STORED when none was given), as librdkafka reports them."""
        self._check_open()
        return [TopicPartition(s.topic, s.partition, s.assigned_offset)
                for _, s in sorted(self._fetcher.states.items())]

    def _count_rebalance_call(self):
        if self._in_rebalance:
            self._rebalance_calls += 1

    def _replace_assignment(self, parts):
        self._remove_partitions(list(self._fetcher.states), commit=True)
        self._add_partitions(parts)

    def _add_partitions(self, parts):
        for tp in parts:
            self._fetcher.add(tp.topic, tp.partition, tp.offset)
            self._known_topics.add(tp.topic)
        if parts:
            name = self._trace_name()
            keys = [(tp.topic, tp.partition) for tp in parts]
            for key in keys:
                self._owner_names[key] = name
            self._c.trace.record("owner.grant", name, group=self._group, generation=self._generation,
                                 partitions=[list(k) for k in keys])

    def _trace_release(self, keys, reason):
        """owner.release for ``keys`` under the name each was granted under (a member id
        can change while partitions are held: a lost member rejoins with a new one)."""
        if self._closing:
            reason = "close"
        by_name = {}
        for key in keys:
            if key in self._owner_names:          # not already traced as lost
                by_name.setdefault(self._owner_names.pop(key), []).append(list(key))
        for name, parts in by_name.items():
            self._c.trace.record("owner.release", name, group=self._group, generation=self._generation,
                                 partitions=parts, reason=reason)

    def _remove_partitions(self, keys, commit, reason="unassign"):
        """Unassign ``keys``; with enable.auto.commit, first commit their stored offsets
        (librdkafka commits removed partitions unless the assignment was lost)."""
        keys = [k for k in keys if k in self._fetcher.states]
        if commit and self._auto_commit:
            self._commit_stored(keys, background=True)
        if keys:
            self._trace_release(keys, reason)
        for key in keys:
            self._fetcher.remove(key)

    # -- positions --------------------------------------------------------------------------
    def seek(self, partition):
        """Fetch ``partition`` from its offset next. Only for an assigned partition; an
        out-of-range offset is accepted and reset by auto.offset.reset when fetched."""
        self._check_open()
        if not isinstance(partition, TopicPartition):
            raise TypeError("expected cimpl.TopicPartition")
        state = self._fetcher.states.get((partition.topic, partition.partition))
        prefix = f"Failed to seek to offset {partition.offset}"
        if state is None:
            # librdkafka: a partition of a topic the client knows but does not fetch is in
            # the wrong state; one of a topic it never heard of is unknown.
            _raise(KafkaError._STATE if partition.topic in self._known_topics else KafkaError._UNKNOWN_PARTITION,
                   prefix)
        if partition.offset == OFFSET_STORED:
            _raise(KafkaError._INVALID_ARG, prefix)
        if self._unreachable:
            _raise(KafkaError._STATE, prefix)     # never started fetching
        self._fetcher.seek(state, partition.offset)

    def pause(self, partitions):
        """Stop fetching these partitions (positions are kept); unassigned ones are ignored."""
        for state in self._assigned_states(partitions):
            self._fetcher.pause(state)

    def resume(self, partitions):
        for state in self._assigned_states(partitions):
            self._fetcher.resume(state)

    def _assigned_states(self, partitions):
        """Fetch states of the listed partitions that are assigned (others are skipped)."""
        self._check_open()
        found = (self._fetcher.states.get((tp.topic, tp.partition)) for tp in _tp_list(partitions))
        return [state for state in found if state is not None]

    def position(self, partitions):
        """Offset after the last message handed out per partition (OFFSET_INVALID if none
        since assign or seek)."""
        self._check_open()
        out = []
        for tp in _tp_list(partitions):
            state = self._fetcher.states.get((tp.topic, tp.partition))
            out.append(TopicPartition(tp.topic, tp.partition, state.app_pos if state else OFFSET_INVALID))
        return out

    # -- consuming --------------------------------------------------------------------------
    def poll(self, timeout=None):
        """One message, error or event; None if nothing arrived within ``timeout`` seconds
        of virtual time. Rebalance and commit callbacks run here."""
        self._check_open()
        ms = _timeout_ms(timeout)
        if self._unreachable:
            self._wait_unreachable(ms)
            return None
        self._in_poll = True
        try:
            return self._next(ms)
        finally:
            self._polled()

    def consume(self, num_messages=1, timeout=-1):
        """Up to ``num_messages`` messages (errors and events included); waits until that
        many arrived or the timeout passed, as librdkafka's consume_batch does."""
        self._check_open()
        if isinstance(num_messages, bool) or not isinstance(num_messages, int):
            raise TypeError(f"'{type(num_messages).__name__}' object cannot be interpreted as an integer")
        if not 0 <= num_messages <= MAX_CONSUME_MESSAGES:
            raise ValueError("num_messages must be between 0 and 1000000 (1M)")
        ms = _timeout_ms(timeout)
        if self._unreachable:
            self._wait_unreachable(ms)
            return []
        deadline = None if ms is None else self._c.now_ms + ms
        out = []
        self._in_poll = True
        try:
            while len(out) < num_messages:
                msg = self._next(None if deadline is None else max(0, deadline - self._c.now_ms))
                if msg is None:
                    break
                out.append(msg)
        finally:
            self._polled()
        return out

    def _wait_unreachable(self, ms):
        """poll() without brokers: nothing ever arrives; wait the timeout in virtual time
        (an infinite one returns at once: pysim never blocks for good). Commit callbacks
        still run, and the client's events (logs, stats_cb) that waited or came meanwhile."""
        self._events.serve()
        if ms:
            self._c.advance(ms)
        self._events.serve()
        self._serve_ops()
        self._polled()

    def _polled(self):
        """The application returned from poll() / consume(): max.poll.interval.ms counts from here."""
        self._in_poll = False
        self._last_poll_ms = self._c.now_ms

    def _next(self, wait_ms):
        c = self._c
        limit = c.now_ms + (self._max_wait_ms if wait_ms is None else wait_ms)
        scheduler = c.sim.scheduler
        while True:
            self._background()
            self._events.serve()
            msg = self._serve_ops()
            if msg is None and not self._faults.brokers_down:
                msg = self._fetcher.next_message()
            if msg is not None:
                if msg.error() is None:
                    self._rxmsgs += 1
                return msg
            now = c.now_ms
            if now >= limit:
                return None
            due = scheduler.next_due_ms()
            if due is not None and due <= now:
                c.advance(0)                      # run what is already due
            elif due is not None and due < limit:
                c.advance(due - now)              # something may arrive then: look again
            else:
                c.advance(limit - now)

    def _statistics(self):
        """librdkafka's statistics of this consumer now (stats.py)."""
        parts = {}
        for (topic, partition), st in self._fetcher.states.items():
            parts[(topic, partition)] = {"app_offset": st.app_pos, "stored_offset": st.stored,
                                         "committed_offset": st.committed,
                                         "next_offset": st.fetch_pos if st.fetch_pos is not None else OFFSET_INVALID,
                                         "fetch_state": "stopped" if st.paused else "active",
                                         "read_committed": self._fetcher.read_committed}
        cgrp = {"state": "up", "join_state": "steady" if self._member_id else "init",
                "rebalance_cnt": self._rebalance_calls, "assignment_size": len(self._fetcher.states)}
        counters = {"msg_cnt": 0, "msg_size": 0, "msg_max": 100000, "msg_size_max": 1073741824,
                    "txmsgs": 0, "rxmsgs": self._rxmsgs}
        return statistics("consumer", self._events.name, self._client_id, self._c, self._created_ms,
                          self._events.pending(), counters, parts,
                          cgrp if self._subscription is not None or self._member_id else None,
                          has_brokers=not self._unreachable)

    def _auto_commit_tick(self):
        """librdkafka's auto commit timer, on its background thread: every
        auto.commit.interval.ms of virtual time it commits the stored offsets that changed,
        whatever the application is doing (processing, or not polling at all). With
        enable.auto.offset.store=true poll() stored offset+1 when it handed a message out, so
        a message still being processed can be committed: a crash then skips it. The
        at-least-once recipe is enable.auto.offset.store=false and store_offsets(msg) after
        processing. (The Java client differs: it commits inside poll(), what earlier polls
        returned.) on_commit runs at the next poll()."""
        self._commit_timer = self._c.sim.scheduler.call_later(self._auto_interval_ms, self._auto_commit_tick)
        if self._fetcher.states:
            self._commit_stored(list(self._fetcher.states), background=True)

    def _background(self):
        """What librdkafka's threads would have done by now, checked when poll() runs: the
        metadata refresh of the subscription."""
        now = self._c.now_ms
        if self._subscription is not None and now >= self._next_refresh_ms:
            self._refresh_subscription(in_poll=True)

    def _serve_ops(self):
        """Serve queued events in order: callbacks run, an error message is returned."""
        ops = self._ops
        while ops:
            op = ops.popleft()
            kind = op[0]
            if kind == "error":
                return op[1]
            if kind == "rebalance":
                if self._rebalance_pending:
                    self._rebalance()
            elif kind == "rejoin":
                self._rejoin()
            elif kind == "join":
                if self._subscription is not None and self._fetcher.states and not self._cooperative:
                    self._run_rebalance_callback("revoke", list(self._fetcher.states))
                self._join()
            elif kind == "drop":
                self._drop_then_join(op[1], op[2])
            elif kind == "lost":
                lost = list(self._fetcher.states)
                if lost:
                    self._run_rebalance_callback("lost", lost)
            elif kind == "commit" and self._on_commit is not None:
                self._on_commit(op[1], op[2])
        return None

    # -- offsets ----------------------------------------------------------------------------
    def store_offsets(self, message=None, offsets=None):
        """Store offsets for the next commit (auto or offset-less commit()); only with
        enable.auto.offset.store=false, only for assigned partitions."""
        self._check_open()
        if message is None and offsets is None:
            raise ValueError("expected either message or offsets")
        if message is not None and offsets is not None:
            raise ValueError("message and offsets are mutually exclusive")
        if message is not None:
            if not isinstance(message, Message):
                raise TypeError("expected confluent_kafka.cimpl.Message")
            entries = [(message.topic(), message.partition(),
                        message.offset() + 1 if message.offset() is not None else OFFSET_INVALID, None)]
        else:
            entries = [(tp.topic, tp.partition, tp.offset, tp.metadata) for tp in _tp_list(offsets)]
        prefix = "StoreOffsets failed"
        if self._auto_store or not entries:
            _raise(KafkaError._INVALID_ARG, prefix)
        errors, stored = [], 0
        for topic, partition, offset, _ in entries:
            state = self._fetcher.states.get((topic, partition))
            if state is None:
                errors.append(KafkaError._STATE if topic in self._known_topics else KafkaError._UNKNOWN_PARTITION)
                continue
            state.stored = offset
            stored += 1
        if not stored:
            _raise(errors[0], prefix)

    def commit(self, message=None, offsets=None, asynchronous=True):
        """Commit a message's offset + 1, a list of offsets, or (neither) the stored offsets
        of the assignment that changed since the last commit. Synchronous: returns the
        partitions (offset OFFSET_INVALID for those not committed) or raises; asynchronous:
        returns None and on_commit gets the result at a later poll()."""
        self._check_open()
        if message is not None and offsets is not None:
            raise ValueError("message and offsets are mutually exclusive")
        if message is not None:
            if not isinstance(message, Message):
                raise TypeError("expected confluent_kafka.cimpl.Message")
            offset = message.offset()
            entries = [(message.topic(), message.partition(), offset + 1 if offset is not None else OFFSET_INVALID,
                        None)]
        elif offsets is not None:
            entries = [(tp.topic, tp.partition, tp.offset, tp.metadata) for tp in _tp_list(offsets)]
        else:
            entries = self._stored_entries(list(self._fetcher.states))
        if self._unreachable:
            # No coordinator: nothing to commit is _NO_OFFSET, anything else never answers.
            result = [TopicPartition(t, p, o if o >= 0 else OFFSET_INVALID, m) for t, p, o, m in entries]
            code = KafkaError._TIMED_OUT if any(o >= 0 for _, _, o, _ in entries) else KafkaError._NO_OFFSET
            error = KafkaError(code)
        else:
            error, result = self._commit_entries(entries)
        if asynchronous:
            self._ops.append(("commit", error, result))
            return None
        if error is not None:
            raise KafkaException(KafkaError(error.code(), f"Commit failed: {error.str()}"))
        return result

    def _stored_entries(self, keys):
        entries = []
        for key in keys:
            state = self._fetcher.states[key]
            changed = state.stored >= 0 and state.stored != state.committed
            entries.append((state.topic, state.partition, state.stored if changed else OFFSET_INVALID, None))
        return entries

    def _commit_stored(self, keys, background):
        """Auto commit: the stored offsets that changed; nothing (and no callback) if none."""
        entries = self._stored_entries(keys)
        if any(offset >= 0 for _, _, offset, _ in entries):
            error, result = self._commit_entries(entries)
            if background:
                self._ops.append(("commit", error, result))

    def _commit_entries(self, entries):
        """OffsetCommit: commit each valid offset; returns (error or None, partitions)."""
        result, first_error, valid = [], None, 0
        group_error = self._coordinator.commit_error(self._group, self._member_id, self._generation,
                                                     self._instance_id)
        for topic, partition, offset, metadata in entries:
            tp = TopicPartition(topic, partition, offset if offset >= 0 else OFFSET_INVALID, metadata)
            result.append(tp)
            if offset < 0:
                continue
            valid += 1
            if group_error is not None:
                tp.error = KafkaError(group_error, _ERR_STR[group_error])
                first_error = first_error or tp.error
                continue
            if not _exists(self._c, topic, partition):
                tp.error = KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART, _ERR_STR[KafkaError.UNKNOWN_TOPIC_OR_PART])
                first_error = first_error or tp.error
                continue
            self._c.commit(self._group, topic, partition, offset)
            state = self._fetcher.states.get((topic, partition))
            if state is not None:
                state.committed = offset
        if not valid:
            return KafkaError(KafkaError._NO_OFFSET, _ERR_STR[KafkaError._NO_OFFSET]), result
        return first_error, result

    def committed(self, partitions, timeout=None):
        """The group's committed offsets (OFFSET_INVALID when none; an unknown partition
        carries UNKNOWN_TOPIC_OR_PART in its error)."""
        self._check_open()
        if self._unreachable:
            self._no_answer(timeout, KafkaError._TIMED_OUT, "Failed to get committed offsets")
        out = []
        for tp in _tp_list(partitions):
            result = TopicPartition(tp.topic, tp.partition, OFFSET_INVALID)
            if not _exists(self._c, tp.topic, tp.partition):
                result.error = KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART, _ERR_STR[KafkaError.UNKNOWN_TOPIC_OR_PART])
            else:
                committed = self._c.committed(self._group, tp.topic, tp.partition)
                if committed is not None:
                    result.offset = committed
            out.append(result)
        return out

    def offsets_for_times(self, partitions, timeout=None):
        """Per partition, the earliest offset whose timestamp is >= the timestamp given in
        the offset field (ms), or -1 when there is none; -1 and -2 ask for the high
        watermark and the log start offset, as ListOffsets does. A partition listed twice
        is answered once, for the last timestamp given."""
        self._check_open()
        parts = _tp_list(partitions)
        if self._unreachable:
            self._no_answer(timeout, KafkaError._ALL_BROKERS_DOWN, "Failed to get offsets")
        wanted = {}
        for tp in parts:
            if not _exists(self._c, tp.topic, tp.partition):
                _raise(KafkaError._UNKNOWN_PARTITION, "Failed to get offsets")
            wanted[(tp.topic, tp.partition)] = tp.offset
        answers = {}
        for key, ts in wanted.items():
            log = self._c.log(*key)
            if ts == -1:
                answers[key] = log.high_watermark
            elif ts == -2:
                answers[key] = log.log_start_offset
            elif ts >= 0:
                found = log.offset_for_timestamp(ts)
                answers[key] = -1 if found is None else found
            else:
                _raise(KafkaError._INVALID_ARG, "Failed to get offsets")
        return [TopicPartition(tp.topic, tp.partition, answers[(tp.topic, tp.partition)]) for tp in parts]

    def get_watermark_offsets(self, partition, timeout=None, cached=False):
        """(low, high): log start offset and high watermark. cached=True answers from what
        this consumer last fetched: (OFFSET_INVALID, high seen), as librdkafka without
        statistics does."""
        self._check_open()
        if not isinstance(partition, TopicPartition):
            raise TypeError("expected cimpl.TopicPartition")
        if cached:
            state = self._fetcher.states.get((partition.topic, partition.partition))
            return (OFFSET_INVALID, state.hwm_seen if state is not None else OFFSET_INVALID)
        if self._unreachable:
            self._no_answer(timeout, KafkaError._ALL_BROKERS_DOWN, "Failed to get watermark offsets")
        if not _exists(self._c, partition.topic, partition.partition):
            _raise(KafkaError._UNKNOWN_PARTITION, "Failed to get watermark offsets")
        return self._c.watermarks(partition.topic, partition.partition)

    # -- group and cluster ------------------------------------------------------------------
    def memberid(self):
        """The member id the coordinator gave this consumer, or None outside a group."""
        self._check_open()
        return self._member_id

    def consumer_group_metadata(self):
        self._check_open()
        return ConsumerGroupMetadata(self._group, self._generation, self._member_id or "", self._instance_id)

    def list_topics(self, topic=None, timeout=-1):
        if self._crashed_at is not None:
            self._check_open()
        if self._closed:
            raise RuntimeError("Handle has been closed")
        if self._unreachable:
            self._no_answer(timeout, KafkaError._TRANSPORT, "Failed to get metadata")
        from pysim.kafka.metadata import cluster_metadata   # written alongside the producer
        return cluster_metadata(self._c, topic)

    def cluster_id(self, timeout=-1):
        """The cluster's id (KIP-78), the one list_topics() reports. Without
        bootstrap.servers no broker answers: _TIMED_OUT after ``timeout``, as librdkafka."""
        if self._crashed_at is not None:
            self._check_open()
        if self._closed:
            raise RuntimeError("Handle has been closed")
        if self._unreachable:
            self._no_answer(timeout, KafkaError._TIMED_OUT, reason=no_brokers.CLUSTER_ID_TIMEOUT)
        from pysim.kafka.metadata import cluster_id
        return cluster_id(self._c)

    def _no_answer(self, timeout, code, prefix=None, reason=None):
        """A request without brokers: wait its timeout in virtual time, then fail with
        ``reason`` (default: ``prefix`` and the code's text)."""
        seconds = timeout if isinstance(timeout, (int, float)) and timeout > 0 else 0
        no_brokers.fail_after(self._c, timeout, seconds, code, reason or f"{prefix}: {KafkaError(code).str()}")

    def close(self):
        """Revoke the assignment (on_revoke runs here), commit stored offsets with
        enable.auto.commit, leave the group (a static member sends no LeaveGroup: the group
        keeps its partitions for it until its session times out). Later calls raise
        RuntimeError."""
        if self._crashed_at is not None:
            self._check_open()
        if self._closed:
            return
        error = None
        self._closing = True
        try:
            if self._subscription is not None and self._fetcher.states:
                self._run_rebalance_callback("revoke", list(self._fetcher.states))
        except Exception as exc:  # noqa: BLE001 - close completes, then the error surfaces
            error = exc
        self._remove_partitions(list(self._fetcher.states), commit=True, reason="close")
        self._subscription = None
        self._leave_group("close")
        self._ops.clear()
        self._closed = True
        self._stop_timers()
        self._events.stop()
        if error is not None:
            raise error

    def __enter__(self):
        """``with Consumer(conf) as c:``; the block's end closes it (see close()).

        :rtype: Consumer"""
        return self

    def __exit__(self, exc_type, exc_value, exc_traceback):
        """Close (an exception in the block still propagates).

        :rtype: None"""
        if not self._closed:
            self.close()
        return None

    def __bool__(self):
        return True

    def _check_open(self):
        if self._crashed_at is not None:
            raise RuntimeError(f"Consumer crashed (cluster.crash) at t={self._crashed_at} ms: it can no longer be "
                               "used; create a new Consumer")
        if self._closed:
            raise RuntimeError("Consumer closed")
