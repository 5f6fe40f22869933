"""Group liveness in virtual time, as librdkafka and the classic protocol do it: heartbeats
from the client's background thread, eviction after session.timeout.ms, max.poll.interval.ms
enforced by the client, static membership, crashes. Costs are measured from the trace with
pysim.kafka.availability, never asserted by hand."""

import pytest

from pysim import kafka
from pysim.kafka import availability
from pysim.kafka.group_coordinator import coordinator_of

BOOT = "liveness:9092"
TOPIC = "orders"


def _cluster(partitions=4, delay=3000, seed=0):
    kafka.reset_all(seed=seed)
    c = kafka.cluster(BOOT)
    c.group_initial_rebalance_delay_ms = delay
    c.create_topic(TOPIC, num_partitions=partitions)
    return c


def _consumer(name, **extra):
    conf = {"bootstrap.servers": BOOT, "group.id": "g", "client.id": name, "auto.offset.reset": "earliest"}
    conf.update(extra)
    consumer = kafka.Consumer(conf)
    consumer.subscribe([TOPIC])
    return consumer


def _run(c, consumers, until_ms, step=0.5):
    """Every live consumer polls in turn (``step`` seconds each) until virtual ``until_ms``;
    returns the error events they got, as (name, code)."""
    errors = []
    while c.now_ms < until_ms:
        for name, consumer in list(consumers.items()):
            msg = consumer.poll(step)
            if msg is not None and msg.error() is not None:
                errors.append((name, msg.error().code()))
    return errors


def _parts(consumer):
    return [tp.partition for tp in consumer.assignment()]


def _events(c, kind):
    return [e for e in c.trace if e.kind == kind]


def _golden(c, names):
    """The group's story in the trace: (ms, kind, who, reason[, partitions]), members named."""
    out = []
    for e in c.trace:
        if e.kind.startswith(("group.", "owner.", "client.", "consumer.max")) and e.kind not in (
                "group.assign", "group.revoke", "group.lost"):
            row = (e.time_ms, e.kind, names.get(e.actor, e.actor), e.data.get("reason", ""))
            parts = [p for _, p in e.data.get("partitions", [])]
            out.append(row + (parts,) if parts else row)
    return out


def test_golden_crash_and_clean_close():
    c = _cluster()
    a, b = _consumer("a"), _consumer("b")
    _run(c, {"a": a, "b": b}, 10_000)
    names = {a.memberid(): "a", b.memberid(): "b"}
    c.crash(a)
    _run(c, {"b": b}, 60_000)
    assert _golden(c, names) == [
        (0, "group.join", "a", ""),
        (0, "group.prepare", "coordinator", "new member joined"),
        (0, "group.join", "b", ""),                              # within the delay: extended to 6 s
        (6000, "group.rebalance", "coordinator", ""),
        (6000, "owner.grant", "b", "", [2, 3]),
        (6000, "owner.grant", "a", "", [0, 1]),
        (10_000, "client.crash", "a", ""),
        (10_000, "owner.release", "a", "crash", [0, 1]),
        (54_000, "group.evict", "a", "session timeout"),         # last heartbeat 9000 + 45000
        (54_000, "group.prepare", "coordinator", "member's session timed out"),
        (54_000, "owner.release", "b", "revoke", [2, 3]),        # b's heartbeat at 54000 tells it
        (54_000, "group.rebalance", "coordinator", ""),
        (54_000, "owner.grant", "b", "", [0, 1, 2, 3]),
    ]
    c2 = kafka.Consumer({"bootstrap.servers": BOOT, "group.id": "g", "client.id": "c2"})
    c2.subscribe([TOPIC])
    _run(c, {"b": b, "c2": c2}, 70_000)
    names[c2.memberid()] = "c2"
    start = len(_golden(c, names))
    c2.close()
    _run(c, {"b": b}, 80_000)
    assert _golden(c, names)[start:] == [
        (70_000, "owner.release", "c2", "close", [2, 3]),
        (70_000, "group.leave", "c2", "close"),
        (70_000, "group.prepare", "coordinator", "member left (close)"),
        (72_000, "owner.release", "b", "revoke", [0, 1]),        # b's next heartbeat
        (72_000, "group.rebalance", "coordinator", ""),
        (72_000, "owner.grant", "b", "", [0, 1, 2, 3]),
    ]


def test_a_crash_is_noticed_only_when_the_session_times_out():
    c = _cluster()
    a, b = _consumer("a"), _consumer("b")
    _run(c, {"a": a, "b": b}, 10_000)
    assert _parts(a) == [0, 1] and _parts(b) == [2, 3]
    a_id = a.memberid()
    c.crash(a)
    crash_ms = c.now_ms
    _run(c, {"b": b}, 70_000)
    assert _parts(b) == [0, 1, 2, 3]
    last_heartbeat = max(e.time_ms for e in c.trace if e.time_ms <= crash_ms) // 3000 * 3000
    (evict,) = _events(c, "group.evict")
    assert (evict.actor, evict.data["reason"]) == (a_id, "session timeout")
    assert evict.time_ms == last_heartbeat + 45_000                 # 45 s without a heartbeat
    assert not _events(c, "group.leave")                            # a crash sends no LeaveGroup
    holes = availability.gaps(c.trace, "g", TOPIC, start_ms=crash_ms, end_ms=c.now_ms)
    for p in (0, 1):
        (start, end), = holes[p]
        assert start == crash_ms and evict.time_ms <= end <= evict.time_ms + 3500   # + b's heartbeat and poll
    assert holes[2] == holes[3] == []             # b revokes (eager) and gets all back in one poll


def test_a_crashed_client_refuses_every_later_call():
    c = _cluster()
    a = _consumer("a")
    _run(c, {"a": a}, 12_000)
    c.crash(a)
    for call in (lambda: a.poll(0), lambda: a.commit(asynchronous=False), a.close, a.assignment,
                 lambda: a.list_topics()):
        with pytest.raises(RuntimeError) as info:
            call()
        assert str(info.value) == ("Consumer crashed (cluster.crash) at t=12000 ms: it can no longer be used; "
                                   "create a new Consumer")
    crash, = _events(c, "client.crash")
    assert crash.time_ms == 12_000 and crash.data == {"client": "Consumer"}


def test_a_crash_commits_nothing_more_and_stops_heartbeats():
    c = _cluster(partitions=1)
    a = _consumer("a", **{"auto.commit.interval.ms": 1000})
    _run(c, {"a": a}, 4000)
    p = kafka.Producer({"bootstrap.servers": BOOT})
    for i in range(3):
        p.produce(TOPIC, value=b"%d" % i)
    p.flush()
    assert a.poll(0).offset() == 0                       # handed out: offset 1 stored, not yet committed
    c.crash(a)
    c.advance(120_000)
    assert c.committed("g", TOPIC, 0) is None
    assert coordinator_of(c).members("g") == []          # evicted; nothing kept it alive


def test_a_clean_close_rebalances_at_once():
    c = _cluster()
    a, b = _consumer("a"), _consumer("b")
    _run(c, {"a": a, "b": b}, 10_000)
    a.close()
    close_ms = c.now_ms
    leave, = _events(c, "group.leave")
    assert leave.time_ms == close_ms and leave.data["reason"] == "close"
    _run(c, {"b": b}, 20_000)
    assert _parts(b) == [0, 1, 2, 3]
    holes = availability.gaps(c.trace, "g", TOPIC, start_ms=close_ms, end_ms=c.now_ms)
    assert all(e - s <= 3500 for p in (0, 1) for s, e in holes[p])   # b hears of it within one heartbeat


def test_a_slow_consumer_exceeds_max_poll_interval_leaves_and_rejoins():
    c = _cluster()
    slow = _consumer("slow", **{"max.poll.interval.ms": 10_000, "session.timeout.ms": 10_000})
    b = _consumer("b")
    _run(c, {"slow": slow, "b": b}, 10_000)
    assert len(_parts(slow)) == 2
    slow.poll(0)
    last_poll = c.now_ms
    slow_id = slow.memberid()
    _run(c, {"b": b}, 25_000)                     # slow is busy: heartbeats go on, polls do not
    assert not [e for e in _events(c, "group.evict")]
    leave, = _events(c, "group.leave")
    assert leave.actor == slow_id and leave.data["reason"] == "max.poll.interval.ms exceeded"
    assert _parts(b) == [0, 1, 2, 3]              # the group went on without it
    err = slow.poll(0).error()
    assert err.code() == kafka.KafkaError._MAX_POLL_EXCEEDED
    exceeded = leave.time_ms - (last_poll + 10_000)
    assert err.str() == f"Application maximum poll interval (10000ms) exceeded by {exceeded}ms"
    assert 0 < exceeded <= 1000                   # librdkafka checks once a second
    _run(c, {"slow": slow, "b": b}, 40_000)
    assert slow.memberid() not in (None, slow_id)     # rejoined as a new member
    assert sorted(_parts(slow) + _parts(b)) == [0, 1, 2, 3] and _parts(slow)


def test_a_session_timeout_outside_the_brokers_bounds_is_refused_on_join():
    c = _cluster()
    consumer = _consumer("a", **{"session.timeout.ms": 5000})
    err = consumer.poll(0).error()
    assert err.code() == kafka.KafkaError.INVALID_SESSION_TIMEOUT
    assert err.str() == "JoinGroup failed: Broker: Invalid session timeout"
    c.group_min_session_timeout_ms = 1000
    ok = _consumer("b", **{"session.timeout.ms": 5000, "group.id": "other"})
    assert ok.memberid() is not None


def test_max_poll_interval_below_session_timeout_is_refused_like_librdkafka():
    _cluster()
    with pytest.raises(kafka.KafkaException) as info:
        kafka.Consumer({"bootstrap.servers": BOOT, "group.id": "g", "session.timeout.ms": 400_000})
    assert info.value.args[0].str() == "Failed to create consumer: `max.poll.interval.ms`must be >= `session.timeout.ms`"


def test_the_first_generation_waits_for_the_initial_rebalance_delay():
    c = _cluster(delay=3000)
    a = _consumer("a")
    a.poll(1.0)
    b = _consumer("b")                            # joins during the delay: the wait is extended
    _run(c, {"a": a, "b": b}, 10_000)
    formed, = _events(c, "group.rebalance")
    assert formed.time_ms == 6000 and len(formed.data["members"]) == 2
    later = _consumer("late")                     # the group is not empty: no delay, a normal round
    _run(c, {"a": a, "b": b, "late": later}, 20_000)
    assert _events(c, "group.prepare")[-1].time_ms == 10_000
    assert _events(c, "group.rebalance")[-1].time_ms - 10_000 <= 3000 + 1500


# -- static membership -------------------------------------------------------------------
def test_a_static_restart_within_the_session_timeout_keeps_the_partitions_without_a_rebalance():
    c = _cluster()
    a = _consumer("a", **{"group.instance.id": "a-1"})
    b = _consumer("b")
    _run(c, {"a": a, "b": b}, 10_000)
    before = _parts(a)
    generation = coordinator_of(c).generation("g")
    a.close()                                     # no LeaveGroup from a static member
    assert not _events(c, "group.leave")
    _run(c, {"b": b}, 30_000)
    a2 = _consumer("a", **{"group.instance.id": "a-1"})
    _run(c, {"a2": a2, "b": b}, 40_000)
    assert _parts(a2) == before and coordinator_of(c).generation("g") == generation
    assert availability.rebalances(c.trace, "g", start_ms=10_000, end_ms=c.now_ms) == 0
    assert not [e for e in _events(c, "owner.release") if e.actor == b.memberid()]   # b never stopped
    holes = availability.gaps(c.trace, "g", TOPIC, start_ms=10_000, end_ms=c.now_ms)
    assert all(holes[p] == [(10_000, 30_000)] for p in before)     # stalled only while it was down


def test_a_crashed_static_member_stalls_its_partitions_for_the_whole_session_timeout():
    c = _cluster()
    a = _consumer("a", **{"group.instance.id": "a-1"})
    b = _consumer("b", **{"group.instance.id": "b-1"})
    _run(c, {"a": a, "b": b}, 10_000)
    c.crash(a)
    _run(c, {"b": b}, 80_000)
    evict, = _events(c, "group.evict")
    assert evict.data["reason"] == "session timeout" and 10_000 + 42_000 <= evict.time_ms <= 10_000 + 45_000
    holes = availability.gaps(c.trace, "g", TOPIC, start_ms=10_000, end_ms=c.now_ms)
    for p in (0, 1):
        (start, end), = holes[p]
        assert start == 10_000 and end >= evict.time_ms


def test_a_second_live_instance_fences_the_first():
    c = _cluster()
    first = _consumer("first", **{"group.instance.id": "shared"})
    _run(c, {"first": first}, 7000)
    assert _parts(first) == [0, 1, 2, 3]
    second = _consumer("second", **{"group.instance.id": "shared"})
    _run(c, {"second": second}, 8000)             # first's next heartbeat is due at 9000
    assert _parts(second) == [0, 1, 2, 3]
    with pytest.raises(kafka.KafkaException) as info:
        first.commit(offsets=[kafka.TopicPartition(TOPIC, 0, 1)], asynchronous=False)
    assert info.value.args[0].code() == kafka.KafkaError.FENCED_INSTANCE_ID
    c.advance(3000)                               # its next heartbeat is answered FENCED_INSTANCE_ID
    err = first.poll(0).error()
    assert err.code() == kafka.KafkaError._FATAL and err.fatal()
    assert err.str() == ("Fatal consumer error: Broker: Static consumer fenced by other consumer "
                         "with same group.instance.id")
    first.poll(0)
    assert _parts(first) == []
    # The zombie window, as in Kafka: the fenced process fetched until its heartbeat told it.
    doubled = availability.double_owned(c.trace, "g", TOPIC)
    assert {p for _, p, _ in doubled} == {0, 1, 2, 3}
    timeline = availability.ownership_timeline(c.trace, "g", TOPIC, end_ms=c.now_ms)
    assert [(s, e) for s, e, owner in timeline[0] if isinstance(owner, tuple)] == [(7000, 9000)]   # until fenced


# -- eager vs cooperative ------------------------------------------------------------------
@pytest.mark.parametrize("strategy", ["range", "cooperative-sticky"])
def test_partitions_of_a_departed_member_are_assigned_in_the_first_round(strategy):
    c = _cluster(partitions=6)
    conf = {"partition.assignment.strategy": strategy}
    consumers = {n: _consumer(n, **conf) for n in ("a", "b", "c")}
    _run(c, consumers, 12_000)
    gone = consumers.pop("c")
    gone_id, left_parts = gone.memberid(), _parts(gone)
    kept = {n: _parts(x) for n, x in consumers.items()}
    gone.close()
    close_ms = c.now_ms
    _run(c, consumers, 30_000)
    assert sorted(p for x in consumers.values() for p in _parts(x)) == list(range(6))
    assert availability.rebalances(c.trace, "g", start_ms=close_ms, end_ms=c.now_ms) == 1
    revoked = [e for e in _events(c, "owner.release")
               if e.time_ms >= close_ms and e.data["reason"] == "revoke" and e.actor != gone_id]
    if strategy == "cooperative-sticky":
        assert revoked == []                      # nobody stops: the orphans go straight to the others
        assert all(set(kept[n]) <= set(_parts(x)) for n, x in consumers.items())
    else:
        assert revoked                            # eager: everyone revokes everything first
    assert left_parts


def test_cooperative_takes_a_partition_from_a_live_owner_in_a_follow_up_round():
    c = _cluster(partitions=4)
    coop = {"partition.assignment.strategy": "cooperative-sticky"}
    a = _consumer("a", **coop)
    _run(c, {"a": a}, 5000)
    b = _consumer("b", **coop)
    join_ms = c.now_ms
    _run(c, {"a": a, "b": b}, 20_000)
    assert len(_parts(a)) == len(_parts(b)) == 2
    assert availability.rebalances(c.trace, "g", start_ms=join_ms, end_ms=c.now_ms) == 2
    grants = [e for e in _events(c, "owner.grant") if e.actor == b.memberid() and e.data["partitions"]]
    releases = [e for e in _events(c, "owner.release") if e.actor == a.memberid()]
    assert grants[0].data["generation"] == releases[0].data["generation"] + 1
    assert availability.paused(c.trace, "g", end_ms=c.now_ms)[a.memberid()] == 0   # a never stopped


# -- rolling restart: measured ----------------------------------------------------------------
def _rolling_restart(kind, seed=0):
    """Four consumers; each in turn closes and a replacement starts 2 s later; the group
    settles 20 s between restarts. Returns the availability summary of the restarts."""
    c = _cluster(partitions=8, seed=seed)
    extra = {"range": {}, "cooperative-sticky": {"partition.assignment.strategy": "cooperative-sticky"},
             "static": {}}[kind]
    names = ["c0", "c1", "c2", "c3"]

    def start(name):
        conf = dict(extra, **({"group.instance.id": name} if kind == "static" else {}))
        return _consumer(name, **conf)

    consumers = {n: start(n) for n in names}
    _run(c, consumers, 15_000)
    begin = c.now_ms
    for name in names:
        consumers.pop(name).close()
        _run(c, consumers, c.now_ms + 2000)
        consumers[name] = start(name)
        _run(c, consumers, c.now_ms + 20_000)
    return c, availability.summary(c.trace, "g", TOPIC, start_ms=begin, end_ms=c.now_ms)


def test_rolling_restart_costs_eager_more_than_cooperative_more_than_static():
    results = {kind: _rolling_restart(kind)[1] for kind in ("range", "cooperative-sticky", "static")}
    eager, coop, static = (results[k] for k in ("range", "cooperative-sticky", "static"))
    assert static["rebalances"] == 0
    assert coop["total_unowned_ms"] < eager["total_unowned_ms"]
    assert static["total_unowned_ms"] < coop["total_unowned_ms"]
    assert sum(eager["paused_ms"].values()) > 0
    assert sum(coop["paused_ms"].values()) == sum(static["paused_ms"].values()) == 0


def test_a_crash_scenario_gives_one_trace_digest():
    def scenario():
        c = _cluster(seed=11)
        consumers = {n: _consumer(n) for n in ("a", "b", "c")}
        _run(c, consumers, 10_000)
        c.crash(consumers.pop("b"))
        _run(c, consumers, 70_000)
        return c.trace.digest()
    assert len({scenario() for _ in range(10)}) == 1


def test_a_round_drops_members_that_do_not_rejoin_within_the_rebalance_timeout():
    """Through the coordinator alone (a librdkafka member would leave on max.poll.interval.ms
    first): the round waits the rebalance timeout, then forms without the silent member."""
    c = _cluster(delay=0)
    coordinator = coordinator_of(c)

    class Listener:
        def __init__(self):
            self.got = []

        def on_assignment(self, generation, partitions):
            self.got.append((generation, partitions))

    la, lb = Listener(), Listener()
    a, _ = coordinator.join("g", None, [TOPIC], la, "a", rebalance_timeout_ms=10_000)
    assert la.got == [(1, [(TOPIC, p) for p in range(4)])]
    b, _ = coordinator.join("g", None, [TOPIC], lb, "b", rebalance_timeout_ms=10_000)
    assert coordinator.heartbeat("g", a, 1) == kafka.KafkaError.REBALANCE_IN_PROGRESS
    assert coordinator.heartbeat("g", b, -1) is None          # joined: waiting for the round
    c.advance(9999)
    assert coordinator.rebalancing("g")
    c.advance(1)
    evict, = _events(c, "group.evict")
    assert (evict.actor, evict.data["reason"], evict.time_ms) == (a, "rebalance timeout", 10_000)
    assert lb.got == [(2, [(TOPIC, p) for p in range(4)])]
    assert coordinator.heartbeat("g", a, 1) == kafka.KafkaError.UNKNOWN_MEMBER_ID
