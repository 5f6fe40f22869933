"""subscribe() / unsubscribe(): joining the group, the assignment applied (and on_assign /
on_revoke run) inside poll() as librdkafka does, missing topics reported as an event,
regex subscriptions, and the metadata refresh that picks up topics created later."""

import pytest

from pysim import kafka
from pysim.kafka.group_coordinator import coordinator_of

BOOT = "sub:9092"


def _cluster(**topics):
    kafka.reset_all(seed=0)
    c = kafka.cluster(BOOT, group_initial_rebalance_delay_ms=0)   # a dev broker: groups form at once
    for name, n in topics.items():
        c.create_topic(name.replace("_", "-"), num_partitions=n)
    return c


def _produce(topic, partitions, per_partition=2):
    p = kafka.Producer({"bootstrap.servers": BOOT})
    for i in range(per_partition):
        for part in partitions:
            p.produce(topic, key=b"k%d" % i, value=b"%d-%d" % (part, i), partition=part)
    p.flush()


def _consumer(**extra):
    conf = {"bootstrap.servers": BOOT, "group.id": "g", "auto.offset.reset": "earliest",
            "enable.auto.commit": False}
    conf.update(extra)
    return kafka.Consumer(conf)


def _tps(parts):
    return [(tp.topic, tp.partition) for tp in parts]


def test_subscribe_rejects_what_confluent_kafka_rejects_and_changes_nothing():
    c = _cluster(orders=2)
    consumer = _consumer()
    with pytest.raises(TypeError, match="expected list of topic unicode strings"):
        consumer.subscribe("orders")
    with pytest.raises(TypeError):
        consumer.subscribe(("orders",))
    for bad in ([], [""], ["^["]):
        with pytest.raises(kafka.KafkaException) as info:
            consumer.subscribe(bad)
        assert info.value.args[0].code() == kafka.KafkaError._INVALID_ARG
    with pytest.raises(TypeError, match="on_assign expects a callable"):
        consumer.subscribe(["orders"], on_assign="not callable")
    assert consumer.memberid() is None
    assert coordinator_of(c).members("g") == []
    assert c.active_members("g") == []


def test_subscribe_joins_at_once_but_assigns_in_poll_calling_on_assign_there():
    c = _cluster(orders=3)
    _produce("orders", [0, 1, 2], per_partition=1)
    seen = []
    consumer = _consumer()
    consumer.subscribe(["orders"], on_assign=lambda cons, parts: seen.append((_tps(parts), len(cons.assignment()),
                                                                              [tp.offset for tp in parts])))
    member = consumer.memberid()
    assert member.startswith("rdkafka-") and c.active_members("g") == [member]
    assert seen == [] and consumer.assignment() == []
    msg = consumer.poll(0)
    assert msg is not None and msg.error() is None
    # on_assign saw every partition, before they were assigned, with OFFSET_INVALID offsets.
    assert seen == [([("orders", 0), ("orders", 1), ("orders", 2)], 0, [kafka.OFFSET_INVALID] * 3)]
    assert _tps(consumer.assignment()) == [("orders", 0), ("orders", 1), ("orders", 2)]
    assert [tp.offset for tp in consumer.assignment()] == [kafka.OFFSET_STORED] * 3


def test_the_member_id_comes_from_the_seeded_stream_and_client_id():
    ids = []
    for _ in range(2):
        _cluster(orders=1)
        consumer = _consumer(**{"client.id": "billing"})
        consumer.subscribe(["orders"])
        ids.append(consumer.memberid())
    assert ids[0] == ids[1] and ids[0].startswith("billing-")
    _cluster(orders=1)
    first, second = _consumer(), _consumer(**{"group.id": "other"})
    first.subscribe(["orders"])
    second.subscribe(["orders"])
    assert first.memberid() != second.memberid()


def test_on_assign_may_choose_start_offsets_by_assigning_itself():
    _cluster(orders=2)
    _produce("orders", [0, 1], per_partition=4)

    def start_at_two(consumer, parts):
        for tp in parts:
            tp.offset = 2
        consumer.assign(parts)

    consumer = _consumer()
    consumer.subscribe(["orders"], on_assign=start_at_two)
    got = sorted((m.partition(), m.offset()) for m in consumer.consume(10, 0.1))
    assert got == [(0, 2), (0, 3), (1, 2), (1, 3)]
    assert [tp.offset for tp in consumer.assignment()] == [2, 2]


def test_an_exception_in_on_assign_leaves_poll_after_the_default_assignment():
    _cluster(orders=1)
    _produce("orders", [0], per_partition=1)

    def boom(consumer, parts):
        raise RuntimeError("app bug")

    consumer = _consumer()
    consumer.subscribe(["orders"], on_assign=boom)
    with pytest.raises(RuntimeError, match="app bug"):
        consumer.poll(0)
    assert _tps(consumer.assignment()) == [("orders", 0)]
    assert consumer.poll(0).offset() == 0


def test_a_missing_topic_is_reported_once_by_poll_and_assigned_nothing():
    c = _cluster(orders=2)
    _produce("orders", [0, 1], per_partition=1)
    consumer = _consumer()
    consumer.subscribe(["orders", "nope"])
    first = consumer.poll(0)
    assert first.error().code() == kafka.KafkaError.UNKNOWN_TOPIC_OR_PART
    assert (first.topic(), first.partition(), first.offset()) == ("nope", 0, None)
    assert "Subscribed topic not available: nope" in first.error().str()
    assert first.value() == first.error().str().encode()
    rest = consumer.consume(10, 1.0)
    assert all(m.error() is None for m in rest) and len(rest) == 2
    assert _tps(consumer.assignment()) == [("orders", 0), ("orders", 1)]
    assert not c.has_topic("nope")  # allow.auto.create.topics is false by default


def test_only_missing_topics_means_no_join_and_no_crash():
    c = _cluster()
    c.auto_create = False
    consumer = _consumer()
    consumer.subscribe(["nope"])
    assert consumer.poll(0).error().code() == kafka.KafkaError.UNKNOWN_TOPIC_OR_PART
    assert consumer.poll(0.5) is None
    assert consumer.memberid() is None and consumer.assignment() == []
    assert c.active_members("g") == []
    consumer.close()


def test_allow_auto_create_topics_creates_the_subscribed_topic_when_the_cluster_allows():
    c = _cluster()
    consumer = _consumer(**{"allow.auto.create.topics": True})
    consumer.subscribe(["fresh"])
    assert c.has_topic("fresh")
    assert consumer.poll(0) is None
    assert _tps(consumer.assignment()) == [("fresh", 0)]
    c2 = _cluster()
    c2.auto_create = False
    consumer = _consumer(**{"allow.auto.create.topics": True})
    consumer.subscribe(["fresh"])
    assert not c2.has_topic("fresh")
    assert consumer.poll(0).error().code() == kafka.KafkaError.UNKNOWN_TOPIC_OR_PART


def test_a_topic_created_later_joins_the_assignment_at_the_next_metadata_refresh():
    c = _cluster()
    consumer = _consumer()
    assigned = []
    consumer.subscribe(["late"], on_assign=lambda cons, parts: assigned.append(_tps(parts)))
    assert consumer.poll(0).error() is not None
    c.create_topic("late", num_partitions=2)
    _produce("late", [0, 1], per_partition=1)
    assert consumer.poll(10.0) is None            # metadata is refreshed every 5 minutes
    assert assigned == []
    c.advance(300_000)
    msg = consumer.poll(0)
    assert msg is not None and msg.error() is None
    assert assigned == [[("late", 0), ("late", 1)]]


def test_regex_subscription_matches_existing_topics_and_new_ones_after_a_refresh():
    c = _cluster(orders_eu=1, orders_us=2, payments=1)
    consumer = _consumer()
    consumer.subscribe(["^orders-.*"])
    consumer.poll(0)
    assert _tps(consumer.assignment()) == [("orders-eu", 0), ("orders-us", 0), ("orders-us", 1)]
    c.create_topic("orders-asia", num_partitions=1)
    c.create_topic("old-orders-x", num_partitions=1)
    c.advance(300_000)
    consumer.poll(0)
    assert _tps(consumer.assignment()) == [("orders-asia", 0), ("orders-eu", 0), ("orders-us", 0), ("orders-us", 1)]


def test_a_regex_that_matches_nothing_is_not_an_error():
    _cluster(orders=1)
    consumer = _consumer()
    consumer.subscribe(["^nothing.*"])
    assert consumer.poll(0.1) is None
    assert consumer.memberid() is None


def test_unsubscribe_revokes_in_the_next_poll_and_then_leaves():
    c = _cluster(orders=2)
    events = []
    consumer = _consumer()
    consumer.subscribe(["orders"], on_assign=lambda k, p: events.append(("assign", _tps(p))),
                       on_revoke=lambda k, p: events.append(("revoke", _tps(p), len(k.assignment()))))
    consumer.poll(0)
    member = consumer.memberid()
    consumer.unsubscribe()
    assert c.active_members("g") == [member]         # still a member while on_revoke is due
    assert events == [("assign", [("orders", 0), ("orders", 1)])]
    assert len(consumer.assignment()) == 2          # until the next poll, as librdkafka
    consumer.poll(0)
    assert events[1:] == [("revoke", [("orders", 0), ("orders", 1)], 2)]
    assert consumer.assignment() == []
    assert c.active_members("g") == [] and consumer.memberid() is None
    consumer.unsubscribe()                            # not subscribed: nothing to do
    consumer.close()
    assert len(events) == 2                           # close has nothing left to revoke


def test_subscribing_again_revokes_everything_then_assigns_the_new_topics():
    _cluster(a=1, b=1)
    events = []
    consumer = _consumer()
    cbs = dict(on_assign=lambda k, p: events.append(("assign", _tps(p))),
               on_revoke=lambda k, p: events.append(("revoke", _tps(p))))
    consumer.subscribe(["a"], **cbs)
    consumer.poll(0)
    consumer.subscribe(["a", "b"], **cbs)
    consumer.poll(0)
    assert events == [("assign", [("a", 0)]), ("revoke", [("a", 0)]), ("assign", [("a", 0), ("b", 0)])]


def test_cooperative_assignor_hands_over_only_the_difference():
    _cluster(a=1, b=1)
    events = []
    consumer = _consumer(**{"partition.assignment.strategy": "cooperative-sticky"})
    cbs = dict(on_assign=lambda k, p: events.append(("assign", _tps(p))),
               on_revoke=lambda k, p: events.append(("revoke", _tps(p))))
    consumer.subscribe(["a"], **cbs)
    consumer.poll(0)
    consumer.subscribe(["b"], **cbs)
    consumer.poll(0)
    # b is a topic this consumer has no metadata for: librdkafka fetches it first, and its
    # metadata path finds a's partitions outside the subscribed topics and declares them
    # lost (no on_lost given: on_revoke); then it rejoins and gets b. Seen on librdkafka
    # 2.16's mock cluster: lost [ta 0-3], then assign [tb 0-3].
    assert events == [("assign", [("a", 0)]), ("revoke", [("a", 0)]), ("assign", [("b", 0)])]
    with pytest.raises(kafka.KafkaException) as info:
        consumer.assign([kafka.TopicPartition("a", 0)])
    assert info.value.args[0].code() == kafka.KafkaError._STATE


def test_eager_protocol_refuses_incremental_changes_while_subscribed():
    _cluster(a=2)
    consumer = _consumer()
    consumer.subscribe(["a"])
    consumer.poll(0)
    for call in (consumer.incremental_assign, consumer.incremental_unassign):
        with pytest.raises(kafka.KafkaException) as info:
            call([kafka.TopicPartition("a", 1)])
        assert info.value.args[0].code() == kafka.KafkaError._STATE
        assert "EAGER" in info.value.args[0].str()
    assert _tps(consumer.assignment()) == [("a", 0), ("a", 1)]


def test_close_revokes_from_close_commits_with_auto_commit_and_leaves():
    c = _cluster(orders=1)
    _produce("orders", [0], per_partition=3)
    events = []
    consumer = _consumer(**{"enable.auto.commit": True})
    consumer.subscribe(["orders"], on_revoke=lambda k, p: events.append(_tps(p)))
    assert [m.offset() for m in consumer.consume(2, 0)] == [0, 1]
    consumer.close()
    assert events == [[("orders", 0)]]
    assert c.committed("g", "orders", 0) == 2
    assert c.active_members("g") == []


def test_a_lost_assignment_calls_on_lost_or_else_on_revoke_and_commits_nothing():
    """Lost, as librdkafka loses it when max.poll.interval.ms passes without a poll: the
    next poll returns _MAX_POLL_EXCEEDED, the one after runs on_lost (else on_revoke), with
    no commit, and rejoins."""
    c = _cluster(orders=1)
    _produce("orders", [0], per_partition=2)
    for with_on_lost in (True, False):
        events = []
        consumer = _consumer(**{"enable.auto.commit": True, "group.id": f"lost-{with_on_lost}",
                                "auto.commit.interval.ms": 60_000, "session.timeout.ms": 6000,
                                "max.poll.interval.ms": 6000})
        callbacks = {"on_revoke": lambda k, p: events.append(("revoke", _tps(p)))}
        if with_on_lost:
            callbacks["on_lost"] = lambda k, p: events.append(("lost", _tps(p)))
        consumer.subscribe(["orders"], **callbacks)
        assert consumer.poll(0).offset() == 0
        c.advance(8000)                   # no poll for longer than max.poll.interval.ms
        err = consumer.poll(0).error()
        assert err.code() == kafka.KafkaError._MAX_POLL_EXCEEDED
        assert err.str() == "Application maximum poll interval (6000ms) exceeded by 1000ms"
        assert consumer.memberid() is None and events == []
        consumer.poll(0)
        assert events[0] == ("lost" if with_on_lost else "revoke", [("orders", 0)])
        assert c.committed(f"lost-{with_on_lost}", "orders", 0) is None
        assert consumer.memberid() is not None            # rejoined as a new member
        consumer.close()

def _coop_events(c, first, then, with_lost=True):
    events = []
    consumer = _consumer(**{"partition.assignment.strategy": "cooperative-sticky"})
    cbs = dict(on_assign=lambda k, p: events.append(("assign", _tps(p))),
               on_revoke=lambda k, p: events.append(("revoke", _tps(p))))
    if with_lost:
        cbs["on_lost"] = lambda k, p: events.append(("lost", _tps(p)))
    consumer.subscribe(first, **cbs)
    consumer.poll(0)
    events.append("--")
    consumer.subscribe(then, **cbs)
    fetched = [m.topic() for m in consumer.consume(10, 0)]
    return consumer, events, fetched


def test_cooperative_resubscribe_revokes_dropped_topics_it_knows_and_keeps_the_rest():
    # librdkafka's rd_kafka_cgrp_modify_subscription: metadata for the new subscription is
    # at hand, so the partitions of the dropped topic are revoked incrementally (on_revoke),
    # the member rejoins, and keeps b: the follow-up assignment adds nothing. Seen on
    # librdkafka 2.16's mock: subscribe [ta, tb] -> [tb]: revoke [ta 0-3], then assign [].
    c = _cluster(a=2, b=1)
    _produce("a", [0, 1])
    _produce("b", [0])
    consumer, events, fetched = _coop_events(c, ["a", "b"], ["b"])
    assert events == [("assign", [("a", 0), ("a", 1), ("b", 0)]), "--",
                      ("revoke", [("a", 0), ("a", 1)]), ("assign", [])]
    assert set(fetched) <= {"b"}
    assert _tps(consumer.assignment()) == [("b", 0)]


def test_cooperative_resubscribe_to_an_unseen_topic_loses_the_dropped_ones():
    c = _cluster(a=2, b=1)
    _produce("a", [0, 1])
    consumer, events, fetched = _coop_events(c, ["a"], ["b"])
    assert events == [("assign", [("a", 0), ("a", 1)]), "--", ("lost", [("a", 0), ("a", 1)]),
                      ("assign", [("b", 0)])]
    assert "a" not in fetched                 # a lost partition is paused at once
    assert _tps(consumer.assignment()) == [("b", 0)]


def test_cooperative_member_loses_the_partitions_of_a_deleted_topic():
    c = _cluster(a=1, b=1)
    consumer, events, _ = _coop_events(c, ["a", "b"], ["a", "b"])
    del events[:]
    c.delete_topic("a")
    for _ in range(400):                      # until the metadata refresh sees it
        consumer.poll(1.0)
        if events:
            break
    assert events[0] == ("lost", [("a", 0)])
    assert _tps(consumer.assignment()) == [("b", 0)]
