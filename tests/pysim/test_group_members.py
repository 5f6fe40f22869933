"""Several consumers in one group: the coordinator forms a generation once every member has
(re)joined, splits the partitions with the group's assignor, and each member applies its
share inside its own poll(). No partition ever has two owners; a member that leaves hands
its partitions to the others, who resume from the committed offsets."""

import pytest

from pysim import kafka
from pysim.kafka.group_coordinator import coordinator_of

BOOT = "members:9092"


def _cluster(seed=0, **topics):
    kafka.reset_all(seed=seed)
    c = kafka.cluster(BOOT)
    for name, n in topics.items():
        c.create_topic(name, num_partitions=n)
    return c


def _produce(topic, partitions, per_partition):
    p = kafka.Producer({"bootstrap.servers": BOOT})
    for i in range(per_partition):
        for part in range(partitions):
            p.produce(topic, value=b"%d-%d" % (part, i), partition=part)
    p.flush()


def _consumer(client_id, group="g", **extra):
    conf = {"bootstrap.servers": BOOT, "group.id": group, "client.id": client_id,
            "auto.offset.reset": "earliest", "enable.auto.commit": False}
    conf.update(extra)
    return kafka.Consumer(conf)


def _owned(consumer):
    return [(tp.topic, tp.partition) for tp in consumer.assignment()]


def _drive(consumers, rounds=30, timeout=1.0, on_message=None):
    """Poll the consumers in turn; returns {name: [(topic, partition, offset)]} read, and
    checks after every poll that no partition is owned by two members of one group."""
    read = {name: [] for name in consumers}
    for _ in range(rounds):
        for name, consumer in consumers.items():
            msg = consumer.poll(timeout)
            for group in {c.consumer_group_metadata().group_id for c in consumers.values()}:
                owners = [tp for c in consumers.values() if c.consumer_group_metadata().group_id == group
                          for tp in _owned(c)]
                assert len(owners) == len(set(owners)), "a partition with two owners"
            if msg is not None and msg.error() is None:
                read[name].append((msg.topic(), msg.partition(), msg.offset()))
                if on_message is not None:
                    on_message(name, consumer, msg)
    return read


@pytest.mark.parametrize("strategy", ["range", "roundrobin", "cooperative-sticky"])
@pytest.mark.parametrize("members", [2, 3])
def test_members_share_the_partitions_and_read_every_record_once(strategy, members):
    c = _cluster(orders=6)
    _produce("orders", 6, per_partition=5)
    consumers = {f"c{i}": _consumer(f"c{i}", **{"partition.assignment.strategy": strategy})
                 for i in range(members)}
    for consumer in consumers.values():
        consumer.subscribe(["orders"])
    read = _drive(consumers)
    shares = {name: _owned(consumer) for name, consumer in consumers.items()}
    assert sorted(tp for share in shares.values() for tp in share) == [("orders", p) for p in range(6)]
    assert all(len(share) == 6 // members for share in shares.values())
    everything = sorted(r for rs in read.values() for r in rs)
    assert everything == sorted(("orders", p, o) for p in range(6) for o in range(5))
    for name, rs in read.items():                       # each read only what it owns now
        assert {(t, p) for t, p, _ in rs} <= set(shares[name])
    coordinator = coordinator_of(c)
    assert coordinator.protocol("g") == strategy
    assert sorted(coordinator.members("g")) == sorted(x.memberid() for x in consumers.values())


def test_range_and_roundrobin_split_six_partitions_as_kafka_does():
    for strategy, expected in [("range", {"c0": [0, 1, 2], "c1": [3, 4, 5]}),
                               ("roundrobin", {"c0": [0, 2, 4], "c1": [1, 3, 5]})]:
        _cluster(orders=6)
        consumers = {n: _consumer(n, **{"partition.assignment.strategy": strategy}) for n in ("c0", "c1")}
        for consumer in consumers.values():
            consumer.subscribe(["orders"])
        _drive(consumers, rounds=4)
        assert {n: [p for _, p in _owned(x)] for n, x in consumers.items()} == expected


def test_the_default_strategy_is_range():
    c = _cluster(orders=4)
    a, b = _consumer("a"), _consumer("b")
    a.subscribe(["orders"])
    b.subscribe(["orders"])
    _drive({"a": a, "b": b}, rounds=4)
    assert coordinator_of(c).protocol("g") == "range"
    assert [p for _, p in _owned(a)] == [0, 1] and [p for _, p in _owned(b)] == [2, 3]


def test_eager_rebalance_revokes_everything_then_assigns_the_new_share():
    _cluster(orders=4)
    events = []
    a = _consumer("a")
    a.subscribe(["orders"], on_assign=lambda k, p: events.append(("a", "assign", len(p))),
                on_revoke=lambda k, p: events.append(("a", "revoke", len(p))))
    a.poll(3.5)                                         # generation 1 after the initial delay (3 s)
    b = _consumer("b")
    b.subscribe(["orders"], on_assign=lambda k, p: events.append(("b", "assign", len(p))))
    assert b.poll(0) is None and _owned(b) == []        # a has not rejoined yet: no generation
    assert _owned(a) == [("orders", p) for p in range(4)]
    a.poll(3.0)         # a's heartbeat (t=6000) answers REBALANCE_IN_PROGRESS: a revokes all, rejoins;
    b.poll(0)           # generation 2 forms
    assert events == [("a", "assign", 4), ("a", "revoke", 4), ("a", "assign", 2), ("b", "assign", 2)]


def test_a_closing_member_hands_its_partitions_over_from_the_committed_offsets():
    _cluster(orders=6)
    _produce("orders", 6, per_partition=6)
    a, b = _consumer("a"), _consumer("b")
    a.subscribe(["orders"])
    b.subscribe(["orders"])
    seen_by_a = []

    def commit(name, consumer, msg):                    # b commits all, a only its first three per partition
        if name == "b" or msg.offset() < 3:
            consumer.commit(message=msg, asynchronous=False)
        if name == "a":
            seen_by_a.append((msg.partition(), msg.offset()))

    read = _drive({"a": a, "b": b}, rounds=60, on_message=commit)
    a_parts = sorted({p for _, p, _ in read["a"]})
    assert a_parts == [0, 1, 2]
    assert sorted(seen_by_a) == [(p, o) for p in a_parts for o in range(6)]
    a.close()                                           # no auto commit: offsets 3..5 are not committed
    later = _drive({"b": b}, rounds=40)
    assert _owned(b) == [("orders", p) for p in range(6)]
    redelivered = sorted((p, o) for _, p, o in later["b"])
    assert redelivered == [(p, o) for p in a_parts for o in range(3, 6)]   # at least once, from the commit


def test_separate_groups_do_not_share():
    _cluster(orders=6)
    _produce("orders", 6, per_partition=2)
    g1 = {n: _consumer(n, group="g1") for n in ("x", "y")}
    solo = _consumer("z", group="g2")
    for consumer in list(g1.values()) + [solo]:
        consumer.subscribe(["orders"])
    read = _drive(dict(g1, z=solo))
    assert len(_owned(solo)) == 6
    assert sorted(read["z"]) == sorted(("orders", p, o) for p in range(6) for o in range(2))
    assert sorted(read["x"] + read["y"]) == sorted(read["z"])


def test_case2_range_with_different_subscriptions_through_consumers():
    _cluster(t1=3, t2=2)
    subs = {"c1": ["t1"], "c2": ["t1", "t2"], "c3": ["t1"]}
    consumers = {n: _consumer(n) for n in subs}
    for n, consumer in consumers.items():
        consumer.subscribe(subs[n])
    _drive(consumers, rounds=3)
    assert {n: _owned(x) for n, x in consumers.items()} == {
        "c1": [("t1", 0)], "c2": [("t1", 1), ("t2", 0), ("t2", 1)], "c3": [("t1", 2)]}


def test_case4_roundrobin_with_different_subscriptions_through_consumers():
    _cluster(t0=1, t1=2, t2=3)
    subs = {"C0": ["t0"], "C1": ["t0", "t1"], "C2": ["t0", "t1", "t2"]}
    consumers = {n: _consumer(n, **{"partition.assignment.strategy": "roundrobin"}) for n in subs}
    for n, consumer in consumers.items():
        consumer.subscribe(subs[n])
    _drive(consumers, rounds=3)
    assert {n: _owned(x) for n, x in consumers.items()} == {
        "C0": [("t0", 0)], "C1": [("t1", 0)], "C2": [("t1", 1), ("t2", 0), ("t2", 1), ("t2", 2)]}


def test_cooperative_sticky_hands_over_in_two_rounds_without_stopping_the_kept_partitions():
    c = _cluster(orders=6)
    events = []
    coop = {"partition.assignment.strategy": "cooperative-sticky"}

    def cbs(name):
        return dict(on_assign=lambda k, p: events.append((name, "assign", [x.partition for x in p])),
                    on_revoke=lambda k, p: events.append((name, "revoke", [x.partition for x in p])))
    a = _consumer("a", **coop)
    a.subscribe(["orders"], **cbs("a"))
    a.poll(3.5)
    b = _consumer("b", **coop)
    b.subscribe(["orders"], **cbs("b"))
    _drive({"a": a, "b": b}, rounds=4)
    # librdkafka's sticky assignor moves the first partitions of the most loaded member:
    # a keeps 3-5 (its AddRemoveConsumerOneTopic unit test: consumer1 keeps 1-2 of 0-2).
    assert events == [("a", "assign", [0, 1, 2, 3, 4, 5]),
                      ("a", "revoke", [0, 1, 2]),   # generation 2: a keeps 3-5, b gets nothing yet;
                      ("a", "assign", []),          # a revoked, so it rejoins
                      ("b", "assign", []),          # b applies generation 2, then rejoins:
                      ("b", "assign", [0, 1, 2]),   # generation 3 hands 0-2 over
                      ("a", "assign", [])]
    generations = [e.data["generation"] for e in c.trace if e.kind == "group.rebalance"]
    assert generations == [1, 2, 3]


def test_case5_cooperative_sticky_through_the_coordinator():
    c = _cluster(t=3)
    c.group_initial_rebalance_delay_ms = 0
    coordinator = coordinator_of(c)

    class Listener:
        def __init__(self):
            self.assignments = []

        def on_assignment(self, generation, parts):
            self.assignments.append((generation, parts))

    ls = {n: Listener() for n in ("c1", "c2", "c3")}
    strategies = ["cooperative-sticky"]
    c1, _ = coordinator.join("g", "c1", ["t"], ls["c1"], strategies=strategies)
    c2, _ = coordinator.join("g", "c2", ["t"], ls["c2"], strategies=strategies)
    coordinator.rejoin("g", c1, [("t", 0), ("t", 1), ("t", 2)], 1)
    gen = coordinator.generation("g")
    # c1 and c2 both claim partition 0 in the same generation; c3 joins.
    coordinator.join("g", "c3", ["t"], ls["c3"], strategies=strategies)
    coordinator.rejoin("g", c1, [("t", 0), ("t", 1)], gen)
    coordinator.rejoin("g", c2, [("t", 0), ("t", 2)], gen)
    first = {n: l.assignments[-1][1] for n, l in ls.items()}
    assert first == {"c1": [("t", 1)], "c2": [("t", 2)], "c3": []}
    gen = coordinator.generation("g")
    coordinator.join("g", "c1", ["t"], ls["c1"], strategies=strategies, owned=[("t", 1)], owned_generation=gen)
    coordinator.rejoin("g", c2, [("t", 2)], gen)
    coordinator.rejoin("g", "c3", [], gen)
    second = {n: l.assignments[-1][1] for n, l in ls.items()}
    assert second == {"c1": [("t", 1)], "c2": [("t", 2)], "c3": [("t", 0)]}


def test_commits_from_outside_the_current_generation_are_refused():
    c = _cluster(orders=2)
    _produce("orders", 2, per_partition=3)
    a, b = _consumer("a"), _consumer("b")
    a.subscribe(["orders"])
    b.subscribe(["orders"])
    _drive({"a": a, "b": b}, rounds=4)
    coordinator = coordinator_of(c)
    gen = coordinator.generation("g")
    assert coordinator.commit_error("g", a.memberid(), gen) is None
    assert coordinator.commit_error("g", a.memberid(), gen - 1) == kafka.KafkaError.ILLEGAL_GENERATION
    assert coordinator.commit_error("g", "nobody", gen) == kafka.KafkaError.UNKNOWN_MEMBER_ID
    a.unsubscribe()
    a.poll(0)                                           # revoked, then left: the group still has b
    with pytest.raises(kafka.KafkaException) as info:
        a.commit(offsets=[kafka.TopicPartition("orders", 0, 2)], asynchronous=False)
    assert info.value.args[0].code() == kafka.KafkaError.UNKNOWN_MEMBER_ID
    assert info.value.args[0].str() == "Commit failed: Broker: Unknown member"
    assert c.committed("g", "orders", 0) is None        # nothing stored
    b.close()                                           # an empty group takes any commit again
    a.commit(offsets=[kafka.TopicPartition("orders", 0, 2)], asynchronous=False)
    assert c.committed("g", "orders", 0) == 2


def test_members_without_a_common_assignor_are_refused():
    _cluster(orders=2)
    a = _consumer("a", **{"partition.assignment.strategy": "range"})
    b = _consumer("b", **{"partition.assignment.strategy": "cooperative-sticky"})
    a.subscribe(["orders"])
    b.subscribe(["orders"])
    msg = b.poll(0)
    assert msg.error().code() == kafka.KafkaError.INCONSISTENT_GROUP_PROTOCOL
    assert b.memberid() is None and _owned(b) == []
    a.poll(3.5)
    assert len(_owned(a)) == 2


def test_an_unknown_strategy_fails_consumer_creation_like_librdkafka():
    _cluster(orders=1)
    with pytest.raises(kafka.KafkaException) as info:
        _consumer("a", **{"partition.assignment.strategy": "foo"})
    assert info.value.args[0].code() == kafka.KafkaError._INVALID_ARG
    assert info.value.args[0].str() == "Failed to create consumer: Unsupported partition.assignment.strategy: foo"


def test_the_rebalance_is_traced():
    c = _cluster(orders=2)
    a, b = _consumer("a"), _consumer("b")
    a.subscribe(["orders"])
    b.subscribe(["orders"])
    _drive({"a": a, "b": b}, rounds=4)
    last = [e for e in c.trace if e.kind == "group.rebalance"][-1].data
    assert last["generation"] == 1 and last["protocol"] == "range"   # both joined within the initial delay
    assert last["members"] == [a.memberid(), b.memberid()]
    assert last["assignment"] == {a.memberid(): [["orders", 0]], b.memberid(): [["orders", 1]]}


def _scenario(seed):
    c = _cluster(seed=seed, orders=6)
    _produce("orders", 6, per_partition=4)
    consumers = {n: _consumer(n, **{"partition.assignment.strategy": "roundrobin"}) for n in ("a", "b", "c")}
    for consumer in consumers.values():
        consumer.subscribe(["orders"])
    _drive(consumers, rounds=10,
           on_message=lambda n, x, m: x.commit(message=m, asynchronous=False) if m.offset() % 2 else None)
    consumers["b"].close()
    _drive({n: consumers[n] for n in ("a", "c")}, rounds=10)
    return c.trace.digest()


def test_same_seed_same_trace():
    digests = {_scenario(7) for _ in range(10)}
    assert len(digests) == 1


def test_unsubscribe_lets_on_revoke_commit_before_the_member_leaves():
    """librdkafka revokes first and leaves after: a commit made in on_revoke still belongs
    to the current generation and is stored, although the group keeps another member."""
    c = _cluster(orders=2)
    _produce("orders", 2, per_partition=3)
    a, b = _consumer("a"), _consumer("b")
    committed_in_revoke = []

    def on_revoke(consumer, partitions):
        offsets = [kafka.TopicPartition(tp.topic, tp.partition, 1) for tp in partitions]
        committed_in_revoke.extend(consumer.commit(offsets=offsets, asynchronous=False))

    a.subscribe(["orders"], on_revoke=on_revoke)
    b.subscribe(["orders"])
    _drive({"a": a, "b": b}, rounds=4)
    owned_by_a = _owned(a)
    assert owned_by_a and set(c.active_members("g")) == {a.memberid(), b.memberid()}
    committed_in_revoke.clear()          # (the eager rebalance when b joined revoked too)
    a.unsubscribe()
    a.poll(0)
    assert [(tp.topic, tp.partition) for tp in committed_in_revoke] == owned_by_a
    assert all(c.committed("g", t, p) == 1 for t, p in owned_by_a)
    assert c.active_members("g") == [b.memberid()]
