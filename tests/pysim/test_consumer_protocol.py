"""The consumer group protocol (KIP-848, group.protocol=consumer) in virtual time, as Kafka
4.x's coordinator and librdkafka 2.12+ run it: the broker assigns, members heartbeat every
group.consumer.heartbeat.interval.ms (5000) and reconcile on their own; no group-wide barrier.
Costs are measured from the trace with pysim.kafka.availability, as for the classic protocol
(tests/pysim/test_group_liveness.py), and compared with it."""

import pytest

from pysim import kafka
from pysim.kafka import availability
from pysim.kafka.consumer_group_protocol import consumer_coordinator_of
from pysim.kafka.fleet import Fleet
from pysim.kafka.group_coordinator import coordinator_of

BOOT = "kip848:9092"
TOPIC = "orders"
KIP848 = {"group.protocol": "consumer"}


def _cluster(partitions=4, seed=0):
    kafka.reset_all(seed=seed)
    c = kafka.cluster(BOOT)
    c.create_topic(TOPIC, num_partitions=partitions)
    return c


def _conf(name, **extra):
    conf = {"bootstrap.servers": BOOT, "group.id": "g", "client.id": name, "auto.offset.reset": "earliest"}
    conf.update(extra)
    return conf


def _consumer(name, callbacks=None, **extra):
    consumer = kafka.Consumer(_conf(name, **dict(KIP848, **extra)))
    if callbacks is None:
        consumer.subscribe([TOPIC])
    else:
        consumer.subscribe([TOPIC], on_assign=lambda c, ps: callbacks.append((name, "assign", _ps(ps))),
                           on_revoke=lambda c, ps: callbacks.append((name, "revoke", _ps(ps))))
    return consumer


def _ps(parts):
    return [tp.partition for tp in parts]


def _run(c, consumers, until_ms, step=0.5):
    errors = []
    while c.now_ms < until_ms:
        for name, consumer in list(consumers.items()):
            msg = consumer.poll(step)
            if msg is not None and msg.error() is not None:
                errors.append((name, msg.error()))
    return errors


def _parts(consumer):
    return [tp.partition for tp in consumer.assignment()]


def _events(c, kind):
    return [e for e in c.trace if e.kind == kind]


def _golden(c, names, start=0):
    """(ms, kind, who, reason or epoch, partitions) of membership and ownership, members named."""
    out = []
    for e in c.trace:
        if e.time_ms < start or not e.kind.startswith(("group.", "owner.", "client.")) or e.kind in (
                "group.assign", "group.revoke", "group.lost", "group.reconcile"):
            continue
        detail = e.data.get("reason", "") if e.kind != "group.target" else e.data["epoch"]
        parts = [p for _, p in e.data.get("partitions", [])]
        out.append((e.time_ms, e.kind, names.get(e.actor, e.actor), detail) + ((parts,) if parts else ()))
    return out


# -- golden cases ---------------------------------------------------------------------------
def test_golden_join_moves_only_what_the_new_member_gets_and_a_crash_costs_the_session_timeout():
    c = _cluster()
    a = _consumer("a")
    _run(c, {"a": a}, 7000)
    b = _consumer("b")
    _run(c, {"a": a, "b": b}, 30_000)
    names = {a.memberid(): "a", b.memberid(): "b"}
    assert _golden(c, names) == [
        (0, "group.join", "a", ""),
        (0, "group.target", "coordinator", 1),
        (0, "owner.grant", "a", "", [0, 1, 2, 3]),              # no initial rebalance delay under KIP-848
        (7000, "group.join", "b", ""),
        (7000, "group.target", "coordinator", 2),              # a keeps 0, 1; b's target is 2, 3
        (10_000, "owner.release", "a", "revoke", [2, 3]),      # a's next heartbeat (every 5 s) tells it
        (12_000, "owner.grant", "b", "", [2, 3]),              # b's next heartbeat, after a's ack
    ]
    assert availability.paused(c.trace, "g", end_ms=c.now_ms) == {a.memberid(): 0, b.memberid(): 0}
    # The crash: noticed only when a's session (45 s, the broker's) times out.
    c.crash(a)
    crash_ms = c.now_ms
    _run(c, {"b": b}, 90_000)
    last_heartbeat = 30_000                                     # a heartbeats at 5000, 10000, ..., 30000
    assert _golden(c, names, start=crash_ms) == [
        (30_000, "client.crash", "a", ""),
        (30_000, "owner.release", "a", "crash", [0, 1]),
        (last_heartbeat + 45_000, "group.evict", "a", "session timeout"),
        (75_000, "group.target", "coordinator", 3),
        (77_000, "owner.grant", "b", "", [0, 1]),              # b's next heartbeat: free partitions, no revoke
    ]
    assert availability.gaps(c.trace, "g", TOPIC, start_ms=crash_ms, end_ms=c.now_ms) == {
        0: [(30_000, 77_000)], 1: [(30_000, 77_000)], 2: [], 3: []}


def test_a_clean_leave_moves_only_the_leavers_partitions_and_nobody_else_pauses():
    c = _cluster(partitions=6)
    consumers = {n: _consumer(n) for n in ("a", "b", "c")}
    _run(c, consumers, 20_000)
    kept = {n: _parts(x) for n, x in consumers.items()}
    assert sorted(p for ps in kept.values() for p in ps) == list(range(6)) and all(len(ps) == 2 for ps in kept.values())
    leaver = consumers.pop("c")
    leaver_id = leaver.memberid()
    leaver.close()
    close_ms = c.now_ms
    leave, = _events(c, "group.leave")
    assert (leave.actor, leave.time_ms, leave.data["reason"], leave.data["static"]) == (leaver_id, close_ms, "close",
                                                                                       False)
    _run(c, consumers, 40_000)
    assert all(set(kept[n]) < set(_parts(x)) for n, x in consumers.items())   # kept theirs, got one more
    assert availability.rebalances(c.trace, "g", start_ms=close_ms, end_ms=c.now_ms) == 1
    others = [e for e in _events(c, "owner.release") if e.time_ms >= close_ms and e.actor != leaver_id]
    assert others == []
    holes = availability.gaps(c.trace, "g", TOPIC, start_ms=close_ms, end_ms=c.now_ms)
    for p in range(6):
        if p in kept["c"]:
            (start, end), = holes[p]
            assert start == close_ms and end - start <= 5000 + 500    # the taker's next heartbeat (+ its poll)
        else:
            assert holes[p] == []
    assert set(availability.paused(c.trace, "g", start_ms=close_ms, end_ms=c.now_ms).values()) == {0}


def test_callbacks_are_incremental_and_assign_is_refused_inside_them():
    c = _cluster()
    calls = []
    a = _consumer("a", calls)
    _run(c, {"a": a}, 3000)
    b = _consumer("b", calls)
    _run(c, {"a": a, "b": b}, 20_000)
    assert calls == [("a", "assign", [0, 1, 2, 3]), ("a", "revoke", [2, 3]), ("a", "assign", []),
                     ("b", "assign", [2, 3])]          # as librdkafka 2.16 against its mock cluster
    refused = []

    def assign_all(consumer, parts):
        try:
            consumer.assign(parts)
        except kafka.KafkaException as exc:
            refused.append(exc.args[0])
            consumer.incremental_assign(parts)

    c3 = kafka.Consumer(_conf("c3", **KIP848, **{"group.id": "other"}))
    c3.subscribe([TOPIC], on_assign=assign_all)
    _run(c, {"c3": c3}, c.now_ms + 1000)
    err, = refused
    assert (err.code(), err.str()) == (kafka.KafkaError._STATE, "Failed to set assignment: Local: Erroneous state")
    assert _parts(c3) == [0, 1, 2, 3]


def test_a_member_that_stops_polling_is_fenced_by_its_rebalance_timeout_and_rejoins_with_its_id():
    """slow is told to revoke (fast joined) but never polls: it cannot revoke, its heartbeats
    stop at max.poll.interval.ms, and it sends no leave heartbeat until it polls again
    (librdkafka 2.16). The broker fences it when its rebalance timeout (its
    max.poll.interval.ms) runs out, counted from the heartbeat that asked it to revoke."""
    c = _cluster()
    slow = _consumer("slow", **{"max.poll.interval.ms": 20_000})     # allowed: no session.timeout.ms here
    slow.poll(0.5)
    assert _parts(slow) == [0, 1, 2, 3]
    fast = _consumer("fast")
    slow_id = slow.memberid()
    c.advance(25_000)                                  # slow is busy
    exceeded, = _events(c, "consumer.max_poll_exceeded")
    assert exceeded.time_ms == 21_000                  # last poll 500 + 20000, on the 1 s check
    assert _events(c, "group.leave") == []             # deferred until the lost partitions are revoked
    evict, = _events(c, "group.evict")
    assert (evict.actor, evict.data["reason"], evict.time_ms) == (slow_id, "rebalance timeout", 5000 + 20_000)
    _run(c, {"fast": fast}, 32_000)
    assert _parts(fast) == [0, 1, 2, 3]
    errors = _run(c, {"slow": slow, "fast": fast}, 60_000)
    assert [e.code() for _, e in errors] == [kafka.KafkaError._MAX_POLL_EXCEEDED]
    assert slow.memberid() == slow_id                  # rejoins with its own member id (KIP-1082), epoch 0
    assert sorted(_parts(slow) + _parts(fast)) == [0, 1, 2, 3] and _parts(slow)


def test_a_stuck_member_with_nothing_to_revoke_holds_its_partitions_until_its_session_times_out():
    """Classic: librdkafka leaves at max.poll.interval.ms and the partitions move at once.
    KIP-848 with librdkafka 2.16: heartbeats stop, the leave waits for a poll that never
    comes, so the broker frees them only when the session (45 s) times out."""
    c = _cluster()
    consumers = {n: _consumer(n, **{"max.poll.interval.ms": 20_000}) for n in ("stuck", "ok")}
    _run(c, consumers, 12_000)
    stuck = consumers.pop("stuck")
    held, stuck_id = _parts(stuck), stuck.memberid()
    last_poll = c.now_ms - 500
    _run(c, consumers, 100_000)
    exceeded, = _events(c, "consumer.max_poll_exceeded")
    assert last_poll + 20_000 <= exceeded.time_ms <= last_poll + 21_000
    evict, = _events(c, "group.evict")
    assert (evict.actor, evict.data["reason"]) == (stuck_id, "session timeout")
    last_heartbeat = evict.time_ms - 45_000            # heartbeats every 5 s, until max.poll.interval.ms
    assert exceeded.time_ms - 5000 < last_heartbeat <= exceeded.time_ms
    holes = availability.gaps(c.trace, "g", TOPIC, start_ms=exceeded.time_ms, end_ms=c.now_ms)
    for p in held:
        (start, end), = holes[p]
        assert start == exceeded.time_ms and evict.time_ms <= end <= evict.time_ms + 5500


def test_the_coordinator_fences_a_member_that_does_not_revoke_within_its_rebalance_timeout():
    """Through the coordinator alone (a librdkafka member leaves on max.poll.interval.ms first)."""
    c = _cluster()
    coordinator = consumer_coordinator_of(c)
    everything = [(TOPIC, p) for p in range(4)]
    first = coordinator.heartbeat("g", "m1", 0, [TOPIC], [], rebalance_timeout_ms=10_000)
    assert (first.epoch, first.assignment, first.interval_ms) == (1, everything, 5000)
    second = coordinator.heartbeat("g", "m2", 0, [TOPIC], [])
    assert (second.epoch, second.assignment) == (2, [])                 # its partitions are not released yet
    told = coordinator.heartbeat("g", "m1", 1, None, everything)
    assert (told.epoch, told.assignment) == (1, everything[:2])        # revoke 2, 3 first; epoch stays 1
    c.advance(9999)
    assert coordinator.heartbeat("g", "m1", 1, None, everything).error is None   # still holding them
    c.advance(1)
    evict, = _events(c, "group.evict")
    assert (evict.actor, evict.data["reason"], evict.time_ms) == ("m1", "rebalance timeout", 10_000)
    assert coordinator.heartbeat("g", "m1", 1, None, everything).error == kafka.KafkaError.UNKNOWN_MEMBER_ID
    late = coordinator.heartbeat("g", "m2", 2, None, [])
    assert (late.epoch, late.assignment) == (3, everything)
    assert coordinator.heartbeat("g", "m2", 2, None, everything).error == kafka.KafkaError.FENCED_MEMBER_EPOCH


def test_a_commit_carries_the_member_epoch():
    c = _cluster(partitions=1)
    a = _consumer("a")
    _run(c, {"a": a}, 2000)
    result = a.commit(offsets=[kafka.TopicPartition(TOPIC, 0, 5)], asynchronous=False)
    assert result[0].offset == 5 and c.committed("g", TOPIC, 0) == 5
    meta = a.consumer_group_metadata()
    assert (meta.member_id, meta.generation_id) == (a.memberid(), consumer_coordinator_of(c).epoch("g"))
    coordinator = consumer_coordinator_of(c)
    assert coordinator.commit_error("g", a.memberid(), meta.generation_id - 1) == kafka.KafkaError.STALE_MEMBER_EPOCH
    assert coordinator.commit_error("g", None, -1) == kafka.KafkaError.UNKNOWN_MEMBER_ID
    assert coordinator.commit_error("g", "someone-else", 1) == kafka.KafkaError.UNKNOWN_MEMBER_ID


# -- static membership --------------------------------------------------------------------------
def test_a_static_restart_within_the_session_timeout_keeps_the_partitions_with_no_new_epoch():
    c = _cluster()
    a = _consumer("a", **{"group.instance.id": "a-1"})
    b = _consumer("b")
    _run(c, {"a": a, "b": b}, 20_000)
    before, epoch = _parts(a), consumer_coordinator_of(c).epoch("g")
    a_id = a.memberid()
    a.close()
    leave, = _events(c, "group.leave")
    assert (leave.actor, leave.data["static"]) == (a_id, True)      # the leave heartbeat with epoch -2
    _run(c, {"b": b}, 30_000)
    a2 = _consumer("a", **{"group.instance.id": "a-1"})
    _run(c, {"a2": a2, "b": b}, 40_000)
    assert _parts(a2) == before and consumer_coordinator_of(c).epoch("g") == epoch
    join = _events(c, "group.join")[-1]
    assert (join.actor, join.data["replaces"]) == (a2.memberid(), a_id)
    assert availability.rebalances(c.trace, "g", start_ms=20_000, end_ms=c.now_ms) == 0
    holes = availability.gaps(c.trace, "g", TOPIC, start_ms=20_000, end_ms=c.now_ms)
    assert all(holes[p] == [(20_000, 30_000)] for p in before)    # waited for it, nobody else took them


def test_a_second_instance_is_refused_while_the_first_is_alive_or_crashed():
    """KIP-848 turns classic's fencing around: the newcomer gets UNRELEASED_INSTANCE_ID (fatal),
    the member already there keeps going. After a crash the id is released only when the
    session times out, so a fast restart of a crashed static member fails."""
    c = _cluster()
    first = _consumer("first", **{"group.instance.id": "shared"})
    _run(c, {"first": first}, 5000)
    second = _consumer("second", **{"group.instance.id": "shared"})
    err = second.poll(0).error()
    assert err.code() == kafka.KafkaError._FATAL and err.fatal()
    assert err.str() == ("ConsumerGroupHeartbeat fatal error: Broker: The instance ID is still used by another "
                         "member in the consumer group")
    _run(c, {"first": first, "second": second}, 15_000)
    assert _parts(first) == [0, 1, 2, 3] and _parts(second) == []
    c.crash(first)
    third = _consumer("third", **{"group.instance.id": "shared"})
    assert third.poll(0).error().code() == kafka.KafkaError._FATAL
    c.advance(60_000)                                   # the session times out: the id is free again
    fourth = _consumer("fourth", **{"group.instance.id": "shared"})
    _run(c, {"fourth": fourth}, c.now_ms + 1000)
    assert _parts(fourth) == [0, 1, 2, 3]


# -- configuration, assignors, mixing ----------------------------------------------------------
@pytest.mark.parametrize("name, value, reason", [
    ("session.timeout.ms", 45000, "`session.timeout.ms` is not supported for `group.protocol=consumer` or share "
                                  "consumer. It is defined broker side"),
    ("heartbeat.interval.ms", 3000, "`heartbeat.interval.ms` is not supported for `group.protocol=consumer` or "
                                    "share consumer. It is defined broker side"),
    ("partition.assignment.strategy", "range", "`partition.assignment.strategy` is not supported for "
                                               "`group.protocol=consumer`. Use `group.remote.assignor` instead"),
    ("group.protocol.type", "consumer", "`group.protocol.type` is not supported for `group.protocol=consumer` or "
                                        "share consumer"),
])
def test_classic_only_settings_are_refused_in_librdkafkas_words(name, value, reason):
    _cluster()
    with pytest.raises(kafka.KafkaException) as info:
        kafka.Consumer(_conf("a", **KIP848, **{name: value}))
    err = info.value.args[0]
    assert (err.code(), err.str()) == (kafka.KafkaError._INVALID_ARG, f"Failed to create consumer: {reason}")


def test_protocol_values_and_max_poll_below_the_classic_session_timeout():
    _cluster()
    kafka.Consumer(_conf("a", **{"group.protocol": "CONSUMER", "max.poll.interval.ms": 10_000}))   # no session check
    with pytest.raises(kafka.KafkaException) as info:
        kafka.Consumer(_conf("a", **{"group.protocol": "modern"}))
    assert info.value.args[0].str() == 'Invalid value "modern" for configuration property "group.protocol"'


def test_an_unknown_remote_assignor_is_a_fatal_heartbeat_error():
    _cluster()
    consumer = _consumer("a", **{"group.remote.assignor": "sticky"})
    err = consumer.poll(0).error()
    assert err.fatal() and err.str() == ("ConsumerGroupHeartbeat fatal error: Broker: The assignor or its version "
                                         "range is not supported by the consumer group")


def test_range_is_chosen_by_group_remote_assignor():
    c = _cluster(partitions=6)
    consumers = {n: _consumer(n, **{"group.remote.assignor": "range"}) for n in ("a", "b")}
    _run(c, consumers, 15_000)
    target = _events(c, "group.target")[-1]
    assert target.data["assignor"] == "range"
    by_id = sorted(consumers.values(), key=lambda x: x.memberid())    # range orders members by id
    assert [_parts(x) for x in by_id] == [[0, 1, 2], [3, 4, 5]]


def test_with_migration_disabled_a_consumer_protocol_member_cannot_join_a_live_classic_group():
    """group.consumer.migration.policy=disabled: no online upgrade (the conversions themselves
    are tested in test_group_migration.py). An empty group changes protocol freely."""
    c = _cluster()
    c.group_consumer_migration_policy = "disabled"
    classic = kafka.Consumer(_conf("old"))
    classic.subscribe([TOPIC])
    _run(c, {"old": classic}, 5000)
    new = _consumer("new")
    err = new.poll(0).error()
    assert err.fatal() and err.str() == "ConsumerGroupHeartbeat fatal error: Broker: The group id does not exist"
    classic.close()
    new2 = _consumer("new2")
    _run(c, {"new2": new2}, 10_000)
    assert _parts(new2) == [0, 1, 2, 3]
    assert coordinator_of(c).members("g") == []


# -- measured against the classic protocol ------------------------------------------------------
def _rolling(extra, static=False, seed=0):
    """Four pods (pysim.kafka.fleet) on 8 partitions; each in turn closes and a replacement
    starts 8 s later; 15 s between restarts. The availability summary of the restarts."""
    c = _cluster(partitions=8, seed=seed)
    fleet = Fleet(c, TOPIC)
    names = ["c1", "c2", "c3", "c4"]

    def conf(n):
        return _conf(n, **extra, **({"group.instance.id": n} if static else {}))

    pods = {n: fleet.start(conf(n)) for n in names}
    fleet.keep_polling(pods, 15)
    begin = c.now_ms
    for n in names:
        fleet.restart(pods, n, conf(n))
        fleet.keep_polling(pods, 15)
    return c, availability.summary(c.trace, "g", TOPIC, start_ms=begin, end_ms=c.now_ms)


def test_a_rolling_restart_pauses_nobody_under_kip848_unlike_classic_eager():
    eager = _rolling({})[1]
    coop = _rolling({"partition.assignment.strategy": "cooperative-sticky"})[1]
    kip848 = _rolling(KIP848)[1]
    assert sum(kip848["paused_ms"].values()) == 0 == sum(coop["paused_ms"].values())
    assert sum(eager["paused_ms"].values()) > 0
    assert kip848["total_unowned_ms"] < eager["total_unowned_ms"]
    assert kip848["rebalances"] == eager["rebalances"] == 8     # one target assignment per leave and per join
    assert coop["rebalances"] > kip848["rebalances"]           # cooperative-sticky needs follow-up rounds
    # KIP-848's moves wait for heartbeats (5 s, classic 3 s): no gap is longer than two of them.
    assert kip848["max_gap_ms"] <= 2 * 5000


def test_a_static_rolling_restart_under_kip848_moves_nothing():
    c, static = _rolling(KIP848, static=True)
    assert static["rebalances"] == 0 and sum(static["paused_ms"].values()) == 0
    # Each pod's partitions wait for it while it is down, and for nothing else: from its close
    # (the leave heartbeat with epoch -2 keeps them reserved) to the replacement's first poll.
    restarts = {e.data["stopped_ms"]: e.data["started_ms"] for e in _events(c, "deploy.restart")}
    for gaps in static["gaps"].values():
        (start, end), = gaps
        assert start in restarts and restarts[start] <= end <= restarts[start] + 2000


def test_a_crash_scenario_gives_one_trace_digest():
    def scenario():
        c = _cluster(seed=11, partitions=6)
        consumers = {n: _consumer(n) for n in ("a", "b", "c")}
        _run(c, consumers, 10_000)
        c.crash(consumers.pop("b"))
        consumers["d"] = _consumer("d")
        _run(c, consumers, 70_000)
        return c.trace.digest()
    digests = {scenario() for _ in range(10)}
    assert len(digests) == 1


def test_admin_describes_a_consumer_protocol_group_and_refuses_to_reset_it_while_active():
    from pysim.kafka.admin import AdminClient, ConsumerGroupTopicPartitions
    c = _cluster()
    admin = AdminClient({"bootstrap.servers": BOOT})
    a = _consumer("a", **{"group.instance.id": "a-1"})
    _run(c, {"a": a}, 3000)
    b = _consumer("b")
    d = admin.describe_consumer_groups(["g"])["g"].result()
    assert (d.type, d.partition_assignor, d.state) == (kafka.ConsumerGroupType.CONSUMER, "uniform",
                                                       kafka.ConsumerGroupState.UNKNOWN)   # Kafka's "Reconciling"
    _run(c, {"a": a, "b": b}, 20_000)
    d = admin.describe_consumer_groups(["g"])["g"].result()
    assert d.state == kafka.ConsumerGroupState.STABLE and not d.is_simple_consumer_group
    assert [(m.client_id, m.group_instance_id, [tp.partition for tp in m.assignment.topic_partitions])
            for m in d.members] == [("a", "a-1", [0, 1]), ("b", None, [2, 3])]
    assert [m.member_id for m in d.members] == [a.memberid(), b.memberid()]
    listing = admin.list_consumer_groups(types={kafka.ConsumerGroupType.CONSUMER}).result()
    assert [g.group_id for g in listing.valid] == ["g"]
    request = [ConsumerGroupTopicPartitions("g", [kafka.TopicPartition(TOPIC, 0, 0)])]
    result = admin.alter_consumer_group_offsets(request)["g"].result()
    assert result.topic_partitions[0].error.code() == kafka.KafkaError.UNKNOWN_MEMBER_ID


def test_a_transaction_commits_offsets_for_a_consumer_protocol_member_with_its_epoch():
    c = _cluster(partitions=1)
    c.create_topic("out", num_partitions=1)
    a = _consumer("a")
    _run(c, {"a": a}, 1000)
    p = kafka.Producer({"bootstrap.servers": BOOT, "transactional.id": "tx"})
    p.init_transactions()
    p.begin_transaction()
    p.produce("out", b"x")
    p.send_offsets_to_transaction([kafka.TopicPartition(TOPIC, 0, 3)], a.consumer_group_metadata())
    p.commit_transaction()
    assert c.committed("g", TOPIC, 0) == 3
    stale = a.consumer_group_metadata()
    b = _consumer("b")
    _run(c, {"a": a, "b": b}, 20_000)                  # b joined: a's member epoch moved on
    p.begin_transaction()
    with pytest.raises(kafka.KafkaException) as info:
        p.send_offsets_to_transaction([kafka.TopicPartition(TOPIC, 0, 4)], stale)
    assert info.value.args[0].code() == kafka.KafkaError.STALE_MEMBER_EPOCH


def test_new_partitions_reach_the_group_at_the_next_heartbeat_without_a_client_metadata_refresh():
    """The broker knows the metadata: a heartbeat after the change moves the group epoch
    (the classic protocol waits for a client's topic.metadata.refresh.interval.ms, 5 min)."""
    c = _cluster(partitions=2)
    consumers = {n: _consumer(n) for n in ("a", "b")}
    _run(c, consumers, 10_000)
    assert sorted(_parts(x) for x in consumers.values()) == [[0], [1]]
    c.create_partitions(TOPIC, 4)
    _run(c, consumers, 25_000)
    assert sorted(p for x in consumers.values() for p in _parts(x)) == [0, 1, 2, 3]
    assert all(len(_parts(x)) == 2 for x in consumers.values())
    target = _events(c, "group.target")[-1]
    assert target.data["reason"] == "subscribed topics changed" and 10_000 <= target.time_ms <= 15_000
