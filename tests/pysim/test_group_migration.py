"""Online migration between the classic and the consumer group protocol (Kafka 4.x,
group.consumer.migration.policy): a consumer-protocol member joining a live classic group
converts it (upgrade), classic members take part in a consumer group through JoinGroup /
Heartbeat, and the last consumer-protocol member leaving converts it back (downgrade).
Ownership is measured from the trace (pysim.kafka.availability), as elsewhere."""

import pytest

from pysim import kafka
from pysim.kafka import availability
from pysim.kafka.consumer_group_protocol import JOIN_EPOCH, consumer_coordinator_of
from pysim.kafka.group_coordinator import coordinator_of

BOOT = "mix:9092"
TOPIC = "orders"
NAMES = ["c1", "c2", "c3", "c4"]


def _cluster(partitions=8, seed=0, policy=None, max_size=None):
    kafka.reset_all(seed=seed)
    c = kafka.cluster(BOOT)
    c.group_initial_rebalance_delay_ms = 0
    if policy is not None:
        c.group_consumer_migration_policy = policy
    c.group_consumer_max_size = max_size
    c.create_topic(TOPIC, num_partitions=partitions)
    return c


def _conf(name, protocol, strategy="range", **extra):
    conf = {"bootstrap.servers": BOOT, "group.id": "g", "client.id": name, "auto.offset.reset": "earliest",
            "enable.auto.commit": False}
    if protocol == "consumer":
        conf["group.protocol"] = "consumer"
    else:
        conf["partition.assignment.strategy"] = strategy
    conf.update(extra)
    return conf


def _start(name, protocol, strategy="range", **extra):
    consumer = kafka.Consumer(_conf(name, protocol, strategy, **extra))
    consumer.subscribe([TOPIC])
    return consumer


class _App:
    """Pods that process each record, then commit it synchronously (commit after processing),
    while a producer keeps writing: what was produced and what was processed, by whom."""

    def __init__(self, c):
        self.c, self.produced, self.processed, self.errors = c, 0, [], []
        self.producer = kafka.Producer({"bootstrap.servers": BOOT})

    def run(self, pods, seconds):
        until = self.c.now_ms + int(seconds * 1000)
        while self.c.now_ms < until:
            for _ in range(2):
                self.producer.produce(TOPIC, value=str(self.produced).encode())
                self.produced += 1
            self.producer.flush()
            for name, pod in list(pods.items()):
                self.drain(name, pod)

    def drain(self, name, pod):
        """Process what the pod returns until a poll of 0.5 s returns nothing."""
        while (msg := pod.poll(0.5)) is not None:
            if msg.error() is not None:
                self.errors.append((name, msg.error().str()))
                continue
            self.processed.append((msg.partition(), msg.offset()))
            pod.commit(message=msg, asynchronous=False)


def _spy_classic_heartbeats(c):
    """Record every answer the consumer group gives a classic member's heartbeat."""
    coordinator = consumer_coordinator_of(c)
    answers, real = [], coordinator.classic_heartbeat

    def spy(group, member_id, generation, instance_id=None):
        err = real(group, member_id, generation, instance_id)
        answers.append((member_id, err))
        return err

    coordinator.classic_heartbeat = spy
    return answers


def _rolling_upgrade(strategy, seed=0):
    c = _cluster(seed=seed)
    app = _App(c)
    answers = _spy_classic_heartbeats(c)
    pods = {n: _start(n, "classic", strategy) for n in NAMES}
    app.run(pods, 20)
    for name in NAMES:
        pods.pop(name).close()
        app.run(pods, 8)
        pods[name] = _start(name, "consumer")
        app.run(pods, 20)
    for name, pod in pods.items():           # the producer stops; the pods drain the topic
        app.drain(name, pod)
    return c, app, answers, pods


@pytest.mark.parametrize("strategy", ["range", "cooperative-sticky"])
def test_a_rolling_upgrade_converts_the_group_and_never_gives_a_partition_two_owners(strategy):
    c, app, answers, pods = _rolling_upgrade(strategy)
    converts = c.trace.events("group.convert")
    assert [(e.data["from"], e.data["to"]) for e in converts] == [("classic", "consumer")]
    last_generation = c.trace.events("group.rebalance")[-1].data["generation"]
    assert converts[0].data["generation"] == last_generation        # the group epoch starts at the generation
    classic_ids = converts[0].data["members"]
    assert len(classic_ids) == 3                                    # c1 had left; c2..c4 were converted
    assert availability.double_owned(c.trace, "g", TOPIC) == []
    # The conversion itself moves nothing: at that instant every partition has its classic owner.
    at = converts[0].time_ms
    for partition, segments in availability.ownership_timeline(c.trace, "g", TOPIC).items():
        assert [m for start, end, m in segments if start <= at < end][0] in classic_ids, partition
    # Every classic member was told to rejoin, and did (a JoinGroup reconciles it: group.reconcile).
    told = {mid for mid, err in answers if err == kafka.KafkaError.REBALANCE_IN_PROGRESS}
    assert told == set(classic_ids)
    rejoined = {e.actor for e in c.trace.events("group.reconcile") if e.actor in classic_ids}
    assert rejoined == set(classic_ids)
    # Commit after processing, all the way through: nothing lost, nothing twice.
    assert app.errors == []
    assert len(app.processed) == app.produced == len(set(app.processed))
    # The end: four consumer-protocol members own all partitions; no classic group is left.
    members = consumer_coordinator_of(c).members("g")
    assert sorted(members) == sorted(p.memberid() for p in pods.values())
    assert coordinator_of(c).members("g") == []
    owned = sorted(tp for p in pods.values() for tp in [(t.topic, t.partition) for t in p.assignment()])
    assert owned == [(TOPIC, p) for p in range(8)]


def test_the_converted_group_starts_from_the_classic_assignment():
    c = _cluster()
    pods = {n: _start(n, "classic") for n in NAMES[:2]}
    app = _App(c)
    app.run(pods, 10)
    before = {p.memberid(): sorted((t.topic, t.partition) for t in p.assignment()) for p in pods.values()}
    generation = coordinator_of(c).generation("g")
    new = _start("new", "consumer")
    new.poll(0)
    cg = consumer_coordinator_of(c)
    assert cg.epoch("g") == generation + 1                           # the join moved the epoch on
    for member_id, parts in before.items():
        assert cg.assignment("g", member_id) == parts                # still theirs until they rejoin
    assert cg.target("g", new.memberid()) != [] and cg.assignment("g", new.memberid()) == []


def test_the_last_consumer_member_leaving_downgrades_the_group_and_a_classic_rebalance_follows():
    c = _cluster()
    app = _App(c)
    pods = {n: _start(n, "classic", "cooperative-sticky") for n in NAMES[:3]}
    app.run(pods, 15)
    pods["new"] = _start("new", "consumer")
    app.run(pods, 30)
    leaving = pods.pop("new")
    epoch = consumer_coordinator_of(c).epoch("g")
    left_at = c.now_ms
    leaving.close()
    convert = c.trace.events("group.convert")[-1]
    assert (convert.data["from"], convert.data["to"]) == ("consumer", "classic")
    assert convert.data["reason"] == "Downgrade group g from consumer to classic for member leaving."
    assert convert.data["generation"] == epoch
    assert consumer_coordinator_of(c).members("g") == []
    assert sorted(coordinator_of(c).members("g")) == sorted(p.memberid() for p in pods.values())
    prepare = c.trace.events("group.prepare")[-1]
    assert prepare.time_ms == left_at and prepare.data["reason"] == convert.data["reason"]
    app.run(pods, 20)
    formed = [e for e in c.trace.events("group.rebalance") if e.time_ms >= left_at]
    assert formed and formed[0].data["generation"] == epoch + 1
    assert availability.double_owned(c.trace, "g", TOPIC) == []
    owned = sorted(t.partition for p in pods.values() for t in p.assignment())
    assert owned == list(range(8))
    assert app.errors == [] and len(app.processed) == len(set(app.processed))


def test_with_policy_upgrade_the_group_stays_a_consumer_group_when_its_last_consumer_member_leaves():
    c = _cluster(policy="upgrade")
    pods = {n: _start(n, "classic") for n in NAMES[:2]}
    app = _App(c)
    app.run(pods, 10)
    pods["new"] = _start("new", "consumer")
    app.run(pods, 20)
    pods.pop("new").close()
    app.run(pods, 20)
    assert [(e.data["from"], e.data["to"]) for e in c.trace.events("group.convert")] == [("classic", "consumer")]
    assert sorted(consumer_coordinator_of(c).members("g")) == sorted(p.memberid() for p in pods.values())
    assert sorted(t.partition for p in pods.values() for t in p.assignment()) == list(range(8))
    assert availability.double_owned(c.trace, "g", TOPIC) == []


def _heartbeat_join(c, member_id="AAAAAAAAAAAAAAAAAAAAAA", instance_id=None):
    return consumer_coordinator_of(c).heartbeat("g", member_id, JOIN_EPOCH, [TOPIC], instance_id=instance_id)


@pytest.mark.parametrize("policy", ["disabled", "downgrade", "DISABLED"])
def test_a_policy_without_upgrade_refuses_the_consumer_member_as_before(policy):
    c = _cluster(policy=policy)
    classic = _start("old", "classic")
    _App(c).run({"old": classic}, 5)
    resp = _heartbeat_join(c)
    assert (resp.error, resp.message) == (
        kafka.KafkaError.GROUP_ID_NOT_FOUND,
        "Cannot upgrade classic group g to consumer group because online upgrade is disabled.")
    new = _start("new", "consumer")
    err = new.poll(0).error()
    assert err.fatal() and err.str() == "ConsumerGroupHeartbeat fatal error: Broker: The group id does not exist"
    assert consumer_coordinator_of(c).members("g") == [] and coordinator_of(c).members("g") == [classic.memberid()]
    assert c.trace.events("group.convert") == []


def test_a_classic_group_larger_than_group_consumer_max_size_is_not_upgraded():
    c = _cluster(max_size=2)
    pods = {n: _start(n, "classic") for n in NAMES[:3]}
    _App(c).run(pods, 5)
    resp = _heartbeat_join(c)
    assert (resp.error, resp.message) == (
        kafka.KafkaError.GROUP_ID_NOT_FOUND,
        "Cannot upgrade classic group g to consumer group because the group size exceeds the consumer group "
        "maximum size.")
    assert len(coordinator_of(c).members("g")) == 3 and c.trace.events("group.convert") == []
    c.group_consumer_max_size = 4                       # room for the joining member too: converted
    assert _heartbeat_join(c).error is None
    assert len(consumer_coordinator_of(c).members("g")) == 4


def test_a_classic_group_at_group_consumer_max_size_converts_only_with_room_for_the_joining_member():
    """Kafka checks the classic group's size against group.consumer.max.size (validateOnlineUpgrade:
    more members refuses), then throwIfConsumerGroupIsFull refuses a new member of a group that
    has max.size members already (GroupMetadataManager.consumerGroupHeartbeat): the join fails
    with GROUP_MAX_SIZE_REACHED and, the records being dropped, the group stays classic."""
    c = _cluster(max_size=3)
    pods = {n: _start(n, "classic") for n in NAMES[:3]}
    _App(c).run(pods, 5)
    resp = _heartbeat_join(c)
    assert (resp.error, resp.message) == (kafka.KafkaError.GROUP_MAX_SIZE_REACHED,
                                          "The consumer group has reached its maximum capacity of 3 members.")
    assert len(coordinator_of(c).members("g")) == 3 and c.trace.events("group.convert") == []
    assert consumer_coordinator_of(c).members("g") == []


def test_a_full_consumer_group_refuses_a_new_member_but_not_a_current_one():
    c = _cluster(max_size=2)
    first, second = "AAAAAAAAAAAAAAAAAAAAAA", "BBBBBBBBBBBBBBBBBBBBBB"
    assert _heartbeat_join(c, first).error is None and _heartbeat_join(c, second).error is None
    resp = _heartbeat_join(c, "CCCCCCCCCCCCCCCCCCCCCC")
    assert (resp.error, resp.message) == (kafka.KafkaError.GROUP_MAX_SIZE_REACHED,
                                          "The consumer group has reached its maximum capacity of 2 members.")
    assert _heartbeat_join(c, second).error is None         # a member rejoining with epoch 0 is no newcomer
    assert sorted(consumer_coordinator_of(c).members("g")) == [first, second]


def test_a_consumer_pod_with_a_classic_static_members_instance_id_takes_its_place_at_once():
    """Kafka replaces a static member at once when either side speaks the classic protocol
    (no UNRELEASED_INSTANCE_ID, which only two consumer-protocol members get)."""
    c = _cluster()
    app = _App(c)
    pods = {n: _start(n, "classic", **{"group.instance.id": n}) for n in ("a", "b")}
    app.run(pods, 10)
    old = pods.pop("a")
    old_id, old_parts = old.memberid(), sorted((t.topic, t.partition) for t in old.assignment())
    old.close()                                          # a static member sends no LeaveGroup
    app.run(pods, 5)
    pods["a"] = _start("a", "consumer", **{"group.instance.id": "a"})
    app.run(pods, 20)
    new_id = pods["a"].memberid()
    join, = [e for e in c.trace.events("group.join") if e.actor == new_id]
    assert join.data["replaces"] == old_id and join.data["instance_id"] == "a"
    assert [(e.data["from"], e.data["to"]) for e in c.trace.events("group.convert")] == [("classic", "consumer")]
    assert sorted((t.topic, t.partition) for t in pods["a"].assignment()) == old_parts
    assert old_id not in consumer_coordinator_of(c).members("g")
    assert availability.double_owned(c.trace, "g", TOPIC) == []
    assert app.errors == [] and len(app.processed) == len(set(app.processed))


def test_a_bad_migration_policy_is_refused_with_the_valid_ones():
    kafka.reset_all()
    with pytest.raises(ValueError, match="one of bidirectional, upgrade, downgrade, disabled; got 'sideways'"):
        kafka.Cluster(group_consumer_migration_policy="sideways")


@pytest.mark.parametrize("policy", ["bidirectional", "disabled"])
def test_a_classic_member_joins_a_live_consumer_group_whatever_the_policy(policy):
    """Kafka routes every JoinGroup to a non-empty consumer group into it
    (classicGroupJoinToConsumerGroup); the policy only governs conversions."""
    c = _cluster(policy=policy)
    pods = {"new": _start("new", "consumer")}
    app = _App(c)
    app.run(pods, 10)
    pods["old"] = _start("old", "classic")
    app.run(pods, 30)
    assert len(consumer_coordinator_of(c).members("g")) == 2 and coordinator_of(c).members("g") == []
    assert sorted(t.partition for p in pods.values() for t in p.assignment()) == list(range(8))
    assert all(p.assignment() for p in pods.values())
    assert availability.double_owned(c.trace, "g", TOPIC) == []
    assert app.errors == [] and len(app.processed) == len(set(app.processed))


def test_classic_members_of_a_consumer_group_must_share_an_assignor():
    c = _cluster()
    pods = {"new": _start("new", "consumer"), "a": _start("a", "classic", "range")}
    _App(c).run(pods, 10)
    late = _start("late", "classic", "cooperative-sticky")
    err = late.poll(0).error()
    assert (err.code(), err.str()) == (kafka.KafkaError.INCONSISTENT_GROUP_PROTOCOL,
                                       "JoinGroup failed: Broker: Inconsistent group protocol")
    assert late.memberid() is None and len(consumer_coordinator_of(c).members("g")) == 2


def test_classic_heartbeats_inside_a_consumer_group_check_member_and_generation():
    c = _cluster()
    pods = {"new": _start("new", "consumer"), "old": _start("old", "classic")}
    _App(c).run(pods, 15)
    cg = consumer_coordinator_of(c)
    old, new = pods["old"].memberid(), pods["new"].memberid()
    generation = cg.epoch("g")
    assert cg.classic_heartbeat("g", old, generation) is None
    assert cg.classic_heartbeat("g", old, generation - 1) == kafka.KafkaError.ILLEGAL_GENERATION
    assert cg.classic_heartbeat("g", new, generation) == kafka.KafkaError.UNKNOWN_MEMBER_ID   # not classic
    assert cg.classic_heartbeat("g", "nobody", generation) == kafka.KafkaError.UNKNOWN_MEMBER_ID
    assert cg.commit_error("g", old, generation - 1) == kafka.KafkaError.ILLEGAL_GENERATION
    assert cg.commit_error("g", new, generation - 1) == kafka.KafkaError.STALE_MEMBER_EPOCH


def test_a_crashed_classic_member_is_fenced_after_its_own_session_timeout():
    c = _cluster()
    pods = {"new": _start("new", "consumer"), "old": _start("old", "classic", **{"session.timeout.ms": 10_000})}
    _App(c).run(pods, 15)
    old = pods.pop("old")
    old_id, crashed_at = old.memberid(), c.now_ms
    c.crash(old)
    _App(c).run(pods, 15)
    evict, = [e for e in c.trace.events("group.evict") if e.actor == old_id]
    assert evict.data["reason"] == "session timeout"
    assert crashed_at + 10_000 - 3_000 <= evict.time_ms <= crashed_at + 10_000   # its 10 s, not the broker's 45 s
    assert sorted(t.partition for t in pods["new"].assignment()) == list(range(8))


def test_a_classic_group_rebalancing_when_the_consumer_member_joins_is_converted_safely():
    c = _cluster()
    app = _App(c)
    pods = {n: _start(n, "classic") for n in NAMES[:3]}
    app.run(pods, 10)
    pods["c4"] = _start("c4", "classic")                 # a classic round starts...
    pods["new"] = _start("new", "consumer")              # ...and the upgrade comes in the middle of it
    app.run(pods, 40)
    assert [(e.data["from"], e.data["to"]) for e in c.trace.events("group.convert")] == [("classic", "consumer")]
    assert len(consumer_coordinator_of(c).members("g")) == 5
    assert sorted(t.partition for p in pods.values() for t in p.assignment()) == list(range(8))
    assert availability.double_owned(c.trace, "g", TOPIC) == []
    assert app.errors == [] and len(app.processed) == len(set(app.processed))


def test_the_same_seed_gives_the_same_trace():
    def trace(seed):
        c, _, _, _ = _rolling_upgrade("cooperative-sticky", seed=seed)
        return [e.to_dict() for e in c.trace]

    first = trace(3)
    assert first == trace(3)
    assert any(e["kind"] == "group.convert" for e in first)


def test_a_busy_cooperative_classic_member_keeps_what_it_must_give_up_until_it_revokes_it():
    """Its heartbeat thread rejoins at once, reporting what it owns; the partitions it must
    give up stay its own (UNREVOKED) until its next poll() revokes them and it rejoins without
    them; only then does the consumer-protocol member get them."""
    c = _cluster()
    app = _App(c)
    pods = {n: _start(n, "classic", "cooperative-sticky") for n in ("a", "b")}
    app.run(pods, 15)
    busy = pods["a"]
    busy_id = busy.memberid()
    before = {t.partition for t in busy.assignment()}
    pods["new"] = _start("new", "consumer")
    joined_at = c.now_ms
    app.run({n: p for n, p in pods.items() if n != "a"}, 20)       # "a" is busy: no poll() for 20 s
    assert {t.partition for t in busy.assignment()} == before        # nothing taken from under it
    assert not before & {t.partition for t in pods["new"].assignment()}
    app.run(pods, 20)
    assert availability.double_owned(c.trace, "g", TOPIC) == []
    released = [e for e in c.trace.events("owner.release") if e.actor == busy_id and e.time_ms >= joined_at]
    assert released and released[0].time_ms >= joined_at + 20_000
    assert {t.partition for t in busy.assignment()} < before
    assert sorted(t.partition for p in pods.values() for t in p.assignment()) == list(range(8))


def test_a_static_rolling_downgrade_replaces_pods_at_once_and_converts_back_without_a_rebalance():
    c = _cluster()
    app = _App(c)
    pods = {n: _start(n, "consumer", **{"group.instance.id": n}) for n in ("a", "b")}
    app.run(pods, 15)
    for name in ("a", "b"):
        old = pods.pop(name)
        old_id, old_parts = old.memberid(), sorted(t.partition for t in old.assignment())
        old.close()                                      # leave heartbeat with epoch -2: the place is kept
        app.run(pods, 5)
        pods[name] = _start(name, "classic", **{"group.instance.id": name})
        app.run(pods, 20)
        join, = [e for e in c.trace.events("group.join") if e.actor == pods[name].memberid()]
        assert join.data["replaces"] == old_id and join.data["protocol"] == "classic"
        assert sorted(t.partition for t in pods[name].assignment()) == old_parts
    convert, = c.trace.events("group.convert")
    assert (convert.data["from"], convert.data["to"], convert.data["reason"]) == (
        "consumer", "classic", "static member replaced")
    assert sorted(coordinator_of(c).members("g")) == sorted(p.memberid() for p in pods.values())
    assert [e for e in c.trace.events("group.prepare") if e.time_ms >= convert.time_ms] == []   # no rebalance
    assert coordinator_of(c).generation("g") == convert.data["generation"]
    app.run(pods, 20)                                   # the classic members carry on at that generation
    assert sorted(t.partition for p in pods.values() for t in p.assignment()) == list(range(8))
    assert availability.double_owned(c.trace, "g", TOPIC) == []
    assert app.errors == [] and len(app.processed) == len(set(app.processed))


class _Listener:
    def __init__(self):
        self.assignments = []

    def on_assignment(self, generation, partitions):
        self.assignments.append((generation, list(partitions)))


def _classic_join(c, member_id=None, instance_id=None, session_ms=30_000, rebalance_ms=10_000):
    listener = _Listener()
    member_id, generation = coordinator_of(c).join("g", member_id, [TOPIC], listener, "raw", instance_id,
                                                   ["range"], (), -1, session_ms, rebalance_ms)
    return member_id, generation, listener


def test_a_classic_member_told_to_rejoin_is_fenced_after_its_rebalance_timeout():
    c = _cluster()
    pods = {"new": _start("new", "consumer")}
    app = _App(c)
    app.run(pods, 10)
    member_id, generation, listener = _classic_join(c)
    assert listener.assignments == [(generation, [])]              # SyncGroup at once: nothing free yet
    pods["other"] = _start("other", "consumer")                     # the group epoch moves on
    app.run(pods, 1)
    told_at = c.now_ms
    assert coordinator_of(c).heartbeat("g", member_id, generation) == kafka.KafkaError.REBALANCE_IN_PROGRESS
    for _ in range(4):                                               # heartbeats go on, no JoinGroup
        app.run(pods, 2.5)
        coordinator_of(c).heartbeat("g", member_id, generation)
    evict, = [e for e in c.trace.events("group.evict") if e.actor == member_id]
    assert (evict.data["reason"], evict.time_ms) == ("rebalance timeout", told_at + 10_000)
    assert member_id not in consumer_coordinator_of(c).members("g")


def test_a_stale_classic_static_member_is_fenced_inside_a_consumer_group():
    c = _cluster()
    pods = {"new": _start("new", "consumer")}
    _App(c).run(pods, 10)
    first, generation, _ = _classic_join(c, instance_id="pod-1")
    second, _, _ = _classic_join(c, instance_id="pod-1")            # a new process: takes the place at once
    assert second != first and first not in consumer_coordinator_of(c).members("g")
    assert coordinator_of(c).heartbeat("g", first, generation, "pod-1") == kafka.KafkaError.FENCED_INSTANCE_ID
    with pytest.raises(kafka.KafkaException) as raised:
        _classic_join(c, member_id=first, instance_id="pod-1")
    assert raised.value.args[0].code() == kafka.KafkaError.FENCED_INSTANCE_ID


def test_a_full_consumer_group_refuses_a_new_classic_member_too():
    """classicGroupJoinToConsumerGroup starts with the same throwIfConsumerGroupIsFull."""
    c = _cluster(max_size=2)
    pods = {n: _start(n, "consumer") for n in NAMES[:2]}
    _App(c).run(pods, 5)
    classic = _start("old", "classic")
    errors = [m.error() for m in (classic.poll(0.5) for _ in range(4)) if m is not None and m.error() is not None]
    assert errors and errors[0].code() == kafka.KafkaError.GROUP_MAX_SIZE_REACHED
    assert errors[0].str() == "JoinGroup failed: Broker: Consumer group has reached maximum size"
    assert len(consumer_coordinator_of(c).members("g")) == 2 and classic.assignment() == []
