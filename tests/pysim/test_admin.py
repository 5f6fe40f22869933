"""pysim.kafka.admin: the AdminClient's topics, partitions, groups and offsets, with the
broker's error codes and messages, and a bad request leaving the cluster unchanged."""

import pytest
from hypothesis import given, settings, strategies as st

from pysim import kafka
from pysim.kafka import KafkaError, KafkaException, TopicPartition
from pysim.kafka.admin import (
    AdminClient, NewTopic, NewPartitions, ConsumerGroupTopicPartitions, ConsumerGroupState, Future,
)

SERVERS = "admin-test:9092"


@pytest.fixture
def admin():
    kafka.reset_all(seed=0)
    return AdminClient({"bootstrap.servers": SERVERS})


@pytest.fixture
def cluster(admin):
    c = kafka.cluster(SERVERS)
    c.group_initial_rebalance_delay_ms = 0      # a dev broker: groups form at once
    return c


def error_of(future):
    """The KafkaError a finished future failed with (asserting it did fail)."""
    with pytest.raises(KafkaException) as info:
        future.result()
    assert future.exception() is info.value
    return info.value.args[0]


def produce(cluster, topic, per_partition):
    for p in range(cluster.num_partitions(topic)):
        for i in range(per_partition):
            cluster.append(topic, p, None, b"v%d" % i, 0, None)


# -- futures ---------------------------------------------------------------------------------
def test_futures_are_finished_when_returned_and_run_callbacks_at_once(admin):
    fs = admin.create_topics([NewTopic("orders", 2)])
    f = fs["orders"]
    assert isinstance(f, Future) and f.done() and not f.running() and not f.cancelled()
    assert f.result() is None and f.exception() is None
    seen = []
    f.add_done_callback(seen.append)
    assert seen == [f]
    assert f.cancel() is False


def test_futures_are_concurrent_futures_so_as_completed_and_wait_work(admin):
    import concurrent.futures
    fs = admin.create_topics([NewTopic("a"), NewTopic("b")])
    assert all(isinstance(f, concurrent.futures.Future) for f in fs.values())
    assert sorted(f.result() is None for f in concurrent.futures.as_completed(fs.values())) == [True, True]
    done, not_done = concurrent.futures.wait(list(fs.values()), timeout=0)
    assert len(done) == 2 and not not_done


# -- create_topics ---------------------------------------------------------------------------
def test_create_topics_creates_each_topic_with_its_partitions_and_config(admin, cluster):
    fs = admin.create_topics([NewTopic("orders", 3, 1, config={"retention.ms": 1000}), NewTopic("audit")])
    assert sorted(fs) == ["audit", "orders"]
    assert all(f.result() is None for f in fs.values())
    assert cluster.topics() == ["audit", "orders"]
    assert cluster.num_partitions("orders") == 3
    assert cluster.num_partitions("audit") == cluster.default_partitions  # -1: the broker default
    assert cluster.topic_config("orders") == {"retention.ms": "1000"}
    assert [e.data["topic"] for e in cluster.trace.events("topic.create")] == ["orders", "audit"]


def test_creating_an_existing_topic_fails_that_future_only(admin, cluster):
    admin.create_topics([NewTopic("orders", 3)])
    fs = admin.create_topics([NewTopic("orders", 5), NewTopic("payments", 2)])
    err = error_of(fs["orders"])
    assert err.code() == KafkaError.TOPIC_ALREADY_EXISTS
    assert err.str() == "Topic 'orders' already exists."
    assert fs["payments"].result() is None
    assert cluster.num_partitions("orders") == 3


@pytest.mark.parametrize("topic, code, message", [
    (NewTopic("zero", 0), KafkaError.INVALID_PARTITIONS,
     "Number of partitions was set to an invalid non-positive value."),
    (NewTopic("norf", 2, 0), KafkaError.INVALID_REPLICATION_FACTOR,
     "Replication factor must be larger than 0, or -1 to use the default value."),
    (NewTopic("bad/name", 1), 17, "contains a character other than ASCII alphanumerics"),
    (NewTopic("", 1), 17, "can't be empty"),
    (NewTopic("..", 1), 17, "cannot be"),
    (NewTopic("x" * 250, 1), 17, "can't be longer than 249 characters"),
    (NewTopic("cfg", 1, config={"retention.ms": "soon"}), KafkaError.INVALID_CONFIG, "retention.ms"),
    (NewTopic("cfg2", 1, config={"no.such.config": "1"}), KafkaError.INVALID_CONFIG, "no.such.config"),
])
def test_the_broker_refuses_a_bad_topic_and_creates_nothing(admin, cluster, topic, code, message):
    err = error_of(admin.create_topics([topic])[topic.topic])
    assert err.code() == code
    assert message in err.str()
    assert cluster.topics() == []
    assert cluster.trace.events("topic.create") == []


@pytest.mark.parametrize("topic, exc, message", [
    (NewTopic("neg", -2), ValueError, "num_partitions out of expected range 1..100000 or -1"),
    (NewTopic("big", 100001), ValueError, "num_partitions out of expected range"),
    (NewTopic("rf", 1, -2), ValueError, "replication_factor out of expected range -1..10000"),
    (NewTopic("ra", 2, 1, replica_assignment=[[1], [1]]), ValueError, "mutually exclusive"),
])
def test_the_client_rejects_an_impossible_new_topic_before_sending(admin, cluster, topic, exc, message):
    with pytest.raises(exc, match=message):
        admin.create_topics([topic])
    assert cluster.topics() == []


def test_create_topics_argument_errors_match_confluent_kafka(admin, cluster):
    with pytest.raises(ValueError, match="Expected non-empty list of NewTopic objects"):
        admin.create_topics([])
    with pytest.raises(AttributeError, match="'str' object has no attribute 'topic'"):
        admin.create_topics(["orders"])
    with pytest.raises(TypeError, match="Expected validate_only to be bool type, not str"):
        admin.create_topics([NewTopic("orders", 1)], validate_only="yes")
    with pytest.raises(TypeError, match="'bogus' is an invalid keyword argument"):
        admin.create_topics([NewTopic("orders", 1)], bogus=1)
    with pytest.raises(TypeError):
        NewTopic("orders", "3")
    assert cluster.topics() == []


def test_validate_only_reports_what_would_happen_and_creates_nothing(admin, cluster):
    admin.create_topics([NewTopic("orders", 3)])
    fs = admin.create_topics([NewTopic("new", 4), NewTopic("orders", 1),
                              NewTopic("cfg", 1, config={"cleanup.policy": "shred"})], validate_only=True)
    assert fs["new"].result() is None
    assert error_of(fs["orders"]).code() == KafkaError.TOPIC_ALREADY_EXISTS
    assert error_of(fs["cfg"]).code() == KafkaError.INVALID_CONFIG
    assert cluster.topics() == ["orders"]


def test_a_topic_named_twice_in_one_request_is_an_invalid_request(admin, cluster):
    fs = admin.create_topics([NewTopic("dup", 1), NewTopic("dup", 2)])
    assert error_of(fs["dup"]).code() == KafkaError.INVALID_REQUEST
    assert cluster.topics() == []


def test_new_topic_looks_like_confluent_kafkas():
    t = NewTopic("orders", 3, 1, config={"a": "b"})
    assert repr(t) == "NewTopic(topic=orders,num_partitions=3)"
    assert t == NewTopic("orders", 3) and t != NewTopic("orders", 4)
    assert (t.topic, t.num_partitions, t.replication_factor, t.config) == ("orders", 3, 1, {"a": "b"})
    d = NewTopic("x")
    assert (d.num_partitions, d.replication_factor, d.replica_assignment, d.config) == (-1, -1, None, None)
    assert repr(NewPartitions("orders", 6)) == "NewPartitions(topic=orders,new_total_count=6)"


# -- delete_topics / create_partitions ---------------------------------------------------------
def test_delete_topics_removes_the_topic_and_reports_unknown_ones(admin, cluster):
    admin.create_topics([NewTopic("orders", 2), NewTopic("keep", 1)])
    fs = admin.delete_topics(["orders", "ghost"])
    assert fs["orders"].result() is None
    err = error_of(fs["ghost"])
    assert err.code() == KafkaError.UNKNOWN_TOPIC_OR_PART
    assert cluster.topics() == ["keep"]
    with pytest.raises(ValueError, match="non-empty list"):
        admin.delete_topics([])
    with pytest.raises(TypeError, match="must be list"):
        admin.delete_topics("keep")
    assert cluster.topics() == ["keep"]


def test_create_partitions_only_grows_and_keeps_existing_records(admin, cluster):
    admin.create_topics([NewTopic("orders", 2), NewTopic("flat", 4)])
    produce(cluster, "orders", 3)
    fs = admin.create_partitions([NewPartitions("orders", 5), NewPartitions("flat", 2), NewPartitions("ghost", 3)])
    assert fs["orders"].result() is None
    assert cluster.num_partitions("orders") == 5
    assert [cluster.watermarks("orders", p) for p in range(5)] == [(0, 3), (0, 3), (0, 0), (0, 0), (0, 0)]
    shrink = error_of(fs["flat"])
    assert shrink.code() == KafkaError.INVALID_PARTITIONS
    assert shrink.str() == "The topic flat currently has 4 partition(s); 2 would not be an increase."
    assert error_of(fs["ghost"]).code() == KafkaError.UNKNOWN_TOPIC_OR_PART
    same = error_of(admin.create_partitions([NewPartitions("flat", 4)])["flat"])
    assert same.str() == "Topic already has 4 partition(s)."
    assert cluster.num_partitions("flat") == 4


def test_create_partitions_validate_only_and_local_checks(admin, cluster):
    admin.create_topics([NewTopic("orders", 2)])
    assert admin.create_partitions([NewPartitions("orders", 8)], validate_only=True)["orders"].result() is None
    assert cluster.num_partitions("orders") == 2
    with pytest.raises(ValueError, match="new_total_cnt out of expected range 1..100000"):
        admin.create_partitions([NewPartitions("orders", 0)])
    with pytest.raises(ValueError, match="non-empty list of NewPartitions"):
        admin.create_partitions([])


# -- groups ----------------------------------------------------------------------------------
def test_groups_are_listed_and_described_with_their_state(admin, cluster):
    admin.create_topics([NewTopic("orders", 2)])
    cluster.commit("idle", "orders", 0, 1)
    cluster.join("busy", "member-1")
    listing = admin.list_consumer_groups().result()
    assert listing.errors == []
    states = {g.group_id: g.state for g in listing.valid}
    assert states == {"busy": ConsumerGroupState.STABLE, "idle": ConsumerGroupState.EMPTY}
    stable = admin.list_consumer_groups(states={ConsumerGroupState.STABLE}).result()
    assert [g.group_id for g in stable.valid] == ["busy"]

    described = admin.describe_consumer_groups(["busy", "idle", "never"])
    busy, idle, never = (described[g].result() for g in ("busy", "idle", "never"))
    assert busy.state == ConsumerGroupState.STABLE and [m.member_id for m in busy.members] == ["member-1"]
    assert idle.state == ConsumerGroupState.EMPTY and idle.members == []
    assert idle.is_simple_consumer_group and not busy.is_simple_consumer_group
    assert never.state == ConsumerGroupState.DEAD and never.members == []

    cluster.leave("busy", "member-1")
    after = admin.describe_consumer_groups(["busy"])["busy"].result()
    assert after.state == ConsumerGroupState.EMPTY and not after.is_simple_consumer_group


def test_describe_and_list_groups_argument_errors(admin):
    with pytest.raises(ValueError, match="at least one group"):
        admin.describe_consumer_groups([])
    with pytest.raises(TypeError, match="list of group ids"):
        admin.describe_consumer_groups("g")
    assert error_of(admin.describe_consumer_groups(["g", "g"])["g"]).code() == KafkaError._INVALID_ARG
    with pytest.raises(TypeError, match="'states' must be a set"):
        admin.list_consumer_groups(states=[ConsumerGroupState.EMPTY])


def test_list_consumer_group_offsets_reports_commits_and_offset_invalid(admin, cluster):
    admin.create_topics([NewTopic("orders", 3)])
    cluster.commit("g", "orders", 0, 4)
    cluster.commit("g", "orders", 2, 0)
    asked = [TopicPartition("orders", p) for p in range(3)]
    got = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions("g", asked)])["g"].result()
    assert got.group_id == "g"
    assert [(tp.partition, tp.offset, tp.error) for tp in got.topic_partitions] == [
        (0, 4, None), (1, kafka.OFFSET_INVALID, None), (2, 0, None)]
    every = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions("g")])["g"].result()
    assert [(tp.topic, tp.partition, tp.offset) for tp in every.topic_partitions] == [
        ("orders", 0, 4), ("orders", 2, 0)]


@pytest.mark.parametrize("request_, exc, message", [
    ([ConsumerGroupTopicPartitions("g"), ConsumerGroupTopicPartitions("h")], ValueError, "single consumer group"),
    ([ConsumerGroupTopicPartitions("")], ValueError, "'group_id' cannot be empty"),
    ([ConsumerGroupTopicPartitions("g", [])], ValueError, "'topic_partitions' cannot be empty"),
    ([ConsumerGroupTopicPartitions("g", [TopicPartition("t", 0, 5)])], ValueError, "must not have 'offset' value"),
    ([ConsumerGroupTopicPartitions("g", [TopicPartition("t", -1)])], ValueError, "negative 'partition'"),
    (ConsumerGroupTopicPartitions("g"), TypeError, "request must be a list"),
])
def test_list_consumer_group_offsets_argument_errors(admin, request_, exc, message):
    with pytest.raises(exc, match=message):
        admin.list_consumer_group_offsets(request_)


def test_alter_offsets_of_an_empty_group_commits_them_unclamped(admin, cluster):
    admin.create_topics([NewTopic("orders", 2)])
    produce(cluster, "orders", 5)
    request = [ConsumerGroupTopicPartitions("g", [TopicPartition("orders", 0, 2), TopicPartition("orders", 1, 99),
                                                  TopicPartition("orders", 7, 1), TopicPartition("ghost", 0, 1)])]
    result = admin.alter_consumer_group_offsets(request)["g"].result()
    assert [(tp.topic, tp.partition, tp.offset, tp.error) for tp in result.topic_partitions][:2] == [
        ("orders", 0, 2, None), ("orders", 1, 99, None)]
    assert [tp.error.code() for tp in result.topic_partitions[2:]] == [KafkaError.UNKNOWN_TOPIC_OR_PART] * 2
    assert cluster.group_commits("g") == {("orders", 0): 2, ("orders", 1): 99}

    consumer = kafka.Consumer({"bootstrap.servers": SERVERS, "group.id": "g", "enable.auto.commit": False})
    consumer.assign([TopicPartition("orders", 0)])
    assert consumer.poll(0).offset() == 2


def test_alter_offsets_while_the_group_is_active_changes_nothing(admin, cluster):
    admin.create_topics([NewTopic("orders", 2)])
    cluster.commit("g", "orders", 0, 1)
    cluster.join("g", "member-1")
    request = [ConsumerGroupTopicPartitions("g", [TopicPartition("orders", 0, 0), TopicPartition("orders", 1, 0)])]
    result = admin.alter_consumer_group_offsets(request)["g"].result()
    errors = [tp.error for tp in result.topic_partitions]
    assert [e.code() for e in errors] == [KafkaError.UNKNOWN_MEMBER_ID] * 2
    assert errors[0].str() == "Broker: Unknown member"
    assert cluster.group_commits("g") == {("orders", 0): 1}


@pytest.mark.parametrize("request_, message", [
    ([ConsumerGroupTopicPartitions("g")], "'topic_partitions' cannot be null"),
    ([ConsumerGroupTopicPartitions("g", [TopicPartition("t", 0, -1)])], "negative value for 'offset'"),
    ([ConsumerGroupTopicPartitions("g", [TopicPartition("t", -1, 1)])], "negative value for 'partition'"),
])
def test_alter_offsets_argument_errors(admin, cluster, request_, message):
    with pytest.raises(ValueError, match=message):
        admin.alter_consumer_group_offsets(request_)
    assert cluster.group_commits("g") == {}


def test_alter_offsets_with_a_partition_twice_is_refused_whole(admin, cluster):
    admin.create_topics([NewTopic("t", 1)])
    request = [ConsumerGroupTopicPartitions("g", [TopicPartition("t", 0, 1), TopicPartition("t", 0, 2)])]
    err = error_of(admin.alter_consumer_group_offsets(request)["g"])
    assert err.code() == KafkaError._INVALID_ARG and err.str() == "Duplicate partitions not allowed"
    assert cluster.group_commits("g") == {}


# -- delete_records ----------------------------------------------------------------------------
def test_delete_records_moves_the_low_watermark(admin, cluster):
    admin.create_topics([NewTopic("orders", 2)])
    produce(cluster, "orders", 6)
    fs = admin.delete_records([TopicPartition("orders", 0, 4), TopicPartition("orders", 1, kafka.OFFSET_END),
                               TopicPartition("ghost", 0, 1)])
    by_partition = {(tp.topic, tp.partition): f for tp, f in fs.items()}
    assert by_partition[("orders", 0)].result().low_watermark == 4
    assert by_partition[("orders", 1)].result().low_watermark == 6
    assert error_of(by_partition[("ghost", 0)]).code() == KafkaError.UNKNOWN_TOPIC_OR_PART
    assert cluster.watermarks("orders", 0) == (4, 6)
    beyond = admin.delete_records([TopicPartition("orders", 0, 7)])
    assert error_of(next(iter(beyond.values()))).code() == KafkaError.OFFSET_OUT_OF_RANGE
    assert cluster.watermarks("orders", 0) == (4, 6)
    with pytest.raises(TypeError, match="Expected Request to be a list"):
        admin.delete_records(TopicPartition("orders", 0, 1))


# -- client configuration ----------------------------------------------------------------------
def test_admin_client_config_is_checked_like_librdkafka():
    with pytest.raises(KafkaException) as info:
        AdminClient({"bootstrap.servers": SERVERS, "bogus": 1})
    assert info.value.args[0].code() == KafkaError._INVALID_ARG
    with pytest.raises(TypeError, match="expected configuration dict"):
        AdminClient(None)
    AdminClient({"bootstrap.servers": SERVERS, "group.id": "g", "acks": "all"})  # global properties


@settings(max_examples=60, deadline=None)
@given(counts=st.lists(st.integers(min_value=-3, max_value=6), min_size=1, max_size=6))
def test_partition_counts_only_ever_grow(counts):
    kafka.reset_all(seed=0)
    admin = AdminClient({"bootstrap.servers": SERVERS})
    cluster = kafka.cluster(SERVERS)
    admin.create_topics([NewTopic("t", 2)])
    for n in counts:
        before = cluster.num_partitions("t")
        if not 1 <= n <= 100000:
            with pytest.raises(ValueError):
                admin.create_partitions([NewPartitions("t", n)])
            assert cluster.num_partitions("t") == before
            continue
        f = admin.create_partitions([NewPartitions("t", n)])["t"]
        if n > before:
            assert f.result() is None and cluster.num_partitions("t") == n
        else:
            assert error_of(f).code() == KafkaError.INVALID_PARTITIONS
            assert cluster.num_partitions("t") == before


# -- list_topics -------------------------------------------------------------------------------
def test_list_topics_describes_brokers_topics_and_partitions(admin, cluster):
    admin.create_topics([NewTopic("orders", 3), NewTopic("audit", 1)])
    md = admin.list_topics(timeout=5)
    assert sorted(md.topics) == ["audit", "orders"]
    assert sorted(md.topics["orders"].partitions) == [0, 1, 2]
    p = md.topics["orders"].partitions[2]
    assert p.id == 2 and p.error is None and p.leader in md.brokers
    assert p.replicas == p.isrs == [p.leader]
    assert md.topics["orders"].error is None and str(md.topics["orders"]) == "orders"
    assert md.controller_id in md.brokers
    only = admin.list_topics(topic="audit")
    assert list(only.topics) == ["audit"]


def test_list_topics_for_a_missing_topic_auto_creates_it_like_the_broker(admin, cluster):
    md = admin.list_topics(topic="fresh")
    assert md.topics["fresh"].error is None
    assert cluster.has_topic("fresh") and len(md.topics["fresh"].partitions) == cluster.default_partitions


def test_list_topics_without_auto_creation_reports_the_missing_topic():
    kafka.reset_all(seed=0)
    cluster = kafka.cluster("no-auto:9092", auto_create=False)
    md = AdminClient({"bootstrap.servers": "no-auto:9092"}).list_topics(topic="ghost")
    assert md.topics["ghost"].error.code() == KafkaError.UNKNOWN_TOPIC_OR_PART
    assert md.topics["ghost"].partitions == {} and not cluster.has_topic("ghost")


def test_describe_reports_the_groups_real_assignor_members_and_rebalance_state(admin, cluster):
    admin.create_topics([NewTopic("orders", 4)])
    conf = {"bootstrap.servers": SERVERS, "group.id": "workers", "auto.offset.reset": "earliest",
            "partition.assignment.strategy": "roundrobin"}
    first, second = kafka.Consumer(conf), kafka.Consumer(conf)
    first.subscribe(["orders"])
    first.poll(0.1)
    second.subscribe(["orders"])
    # second has joined; first has not rejoined yet (its next heartbeat tells it to)
    assert admin.describe_consumer_groups(["workers"])["workers"].result().state == \
        ConsumerGroupState.PREPARING_REBALANCING
    for _ in range(3):
        first.poll(1.0)
        second.poll(1.0)
    described = admin.describe_consumer_groups(["workers"])["workers"].result()
    assert described.state == ConsumerGroupState.STABLE
    assert described.partition_assignor == "roundrobin"
    owned = {m.member_id: sorted(tp.partition for tp in m.assignment.topic_partitions)
             for m in described.members}
    assert owned == {first.memberid(): sorted(tp.partition for tp in first.assignment()),
                     second.memberid(): sorted(tp.partition for tp in second.assignment())}
    assert sorted(p for ps in owned.values() for p in ps) == [0, 1, 2, 3]
    assert all(len(ps) == 2 for ps in owned.values())
