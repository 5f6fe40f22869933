"""pysim.kafka.admin against librdkafka's mock cluster: the same AdminClient script must see
the same committed offsets, per-partition errors, topic metadata and local argument errors.

What the mock cannot answer (CreateTopics, CreatePartitions, DeleteTopics, DeleteRecords,
ListGroups, DescribeGroups all fail there with a timeout or UNSUPPORTED_FEATURE) is covered
by tests/pysim/test_admin.py against Kafka's own messages instead."""

import importlib

import pytest

import parity_scripts as scripts

pytestmark = pytest.mark.parity

PARTITIONS = 4


def admin_of(kafka):
    return importlib.import_module(kafka.__name__ + ".admin")


def offsets_of(result):
    return [(tp.topic, tp.partition, tp.offset, tp.error.code() if tp.error else None)
            for tp in result.topic_partitions]


def alter_list_and_resume(kafka, conf, topic, group):
    """Offsets of a group nobody has joined: list (none), alter, list again, then a consumer
    of the group starts where the alteration put it."""
    admin = admin_of(kafka).AdminClient(dict(conf))
    request = kafka.ConsumerGroupTopicPartitions
    tp = kafka.TopicPartition
    every = [tp(topic, p) for p in range(PARTITIONS)]
    out = {"never": offsets_of(admin.list_consumer_group_offsets([request(group, every)])[group].result(10))}
    altered = admin.alter_consumer_group_offsets(
        [request(group, [tp(topic, 0, 2), tp(topic, 1, 100), tp(topic, 9, 1)])])[group].result(10)
    out["altered"] = offsets_of(altered)
    out["listed"] = offsets_of(admin.list_consumer_group_offsets([request(group, every)])[group].result(10))
    consumer = kafka.Consumer(dict(conf, **{"group.id": group, "enable.auto.commit": False}))
    consumer.assign([tp(topic, 0)])
    first = scripts.poll_until(consumer, 1)
    out["resumes_at"] = first[0].offset() if first else None
    consumer.close()
    return out


def alter_while_active(kafka, conf, topic, group):
    """A member of the group is consuming: the alteration is refused partition by partition
    and the committed offsets stay as they were."""
    admin = admin_of(kafka).AdminClient(dict(conf))
    request = kafka.ConsumerGroupTopicPartitions
    tp = kafka.TopicPartition
    consumer = kafka.Consumer(dict(conf, **{"group.id": group, "auto.offset.reset": "earliest",
                                            "enable.auto.commit": False, "session.timeout.ms": 6000}))
    consumer.subscribe([topic])
    got = scripts.poll_until(consumer, 1)
    assert got, "the consumer never got an assignment"
    consumer.commit(offsets=[tp(topic, 0, 1)], asynchronous=False)
    refused = admin.alter_consumer_group_offsets(
        [request(group, [tp(topic, 0, 5), tp(topic, 1, 0)])])[group].result(10)
    listed = admin.list_consumer_group_offsets([request(group, [tp(topic, 0), tp(topic, 1)])])[group].result(10)
    consumer.close()
    return {"refused": offsets_of(refused), "listed": offsets_of(listed)}


def topic_metadata(kafka, conf, topic):
    md = admin_of(kafka).AdminClient(dict(conf)).list_topics(topic=topic, timeout=10)
    t = md.topics[topic]
    parts = [(p.id, p.error, p.leader in md.brokers, p.leader in p.replicas, set(p.isrs) <= set(p.replicas))
             for p in sorted(t.partitions.values(), key=lambda p: p.id)]
    return {"error": t.error, "partitions": parts, "str": str(t)}


def local_errors(kafka, conf):
    """Requests the client itself refuses before sending anything: exception type and text."""
    admin_mod = admin_of(kafka)
    admin = admin_mod.AdminClient(dict(conf))
    new_topic, new_partitions = admin_mod.NewTopic, admin_mod.NewPartitions
    request, tp = kafka.ConsumerGroupTopicPartitions, kafka.TopicPartition
    attempts = {
        "create no topics": lambda: admin.create_topics([]),
        "create -2 partitions": lambda: admin.create_topics([new_topic("x", -2)]),
        "create 100001 partitions": lambda: admin.create_topics([new_topic("x", 100001)]),
        "create rf -2": lambda: admin.create_topics([new_topic("x", 1, -2)]),
        "create validate_only str": lambda: admin.create_topics([new_topic("x", 1)], validate_only="yes"),
        "create unknown kwarg": lambda: admin.create_topics([new_topic("x", 1)], bogus=1),
        "create with strings": lambda: admin.create_topics(["x"]),
        "partitions 0": lambda: admin.create_partitions([new_partitions("x", 0)]),
        "partitions none": lambda: admin.create_partitions([]),
        "delete none": lambda: admin.delete_topics([]),
        "delete a string": lambda: admin.delete_topics("x"),
        "describe none": lambda: admin.describe_consumer_groups([]),
        "describe a string": lambda: admin.describe_consumer_groups("g"),
        "list two groups": lambda: admin.list_consumer_group_offsets([request("g"), request("h")]),
        "list with offset": lambda: admin.list_consumer_group_offsets([request("g", [tp("t", 0, 5)])]),
        "list empty group id": lambda: admin.list_consumer_group_offsets([request("")]),
        "list no partitions": lambda: admin.list_consumer_group_offsets([request("g", [])]),
        "alter null partitions": lambda: admin.alter_consumer_group_offsets([request("g")]),
        "alter negative offset": lambda: admin.alter_consumer_group_offsets([request("g", [tp("t", 0, -1)])]),
        "alter negative partition": lambda: admin.alter_consumer_group_offsets([request("g", [tp("t", -1, 1)])]),
        "delete records not a list": lambda: admin.delete_records(tp("t", 0, 1)),
        "delete records negative partition": lambda: admin.delete_records([tp("t", -1, 1)]),
        "new topic partitions str": lambda: new_topic("x", "3"),
        "list groups states list": lambda: admin.list_consumer_groups(states=["x"]),
    }
    out = {}
    for name, attempt in attempts.items():
        try:
            attempt()
            out[name] = None
        except Exception as e:  # the comparison is the point: which exception, which words
            out[name] = (type(e).__name__, str(e))
    return out


def local_future_errors(kafka, conf):
    """Requests refused locally but reported through the future (duplicates)."""
    admin = admin_of(kafka).AdminClient(dict(conf))
    request, tp = kafka.ConsumerGroupTopicPartitions, kafka.TopicPartition
    futures = {
        "list duplicate partitions": admin.list_consumer_group_offsets([request("g", [tp("t", 0), tp("t", 0)])])["g"],
        "alter duplicate partitions": admin.alter_consumer_group_offsets(
            [request("g", [tp("t", 0, 1), tp("t", 0, 2)])])["g"],
        "describe duplicate groups": admin.describe_consumer_groups(["g", "g"])["g"],
    }
    out = {}
    for name, f in futures.items():
        err = f.exception(10).args[0]
        out[name] = (err.code(), err.str())
    return out


def run_both(sides, script, *args):
    results = {side.name: script(side.kafka, side.conf, *args) for side in sides}
    return results["librdkafka"], results["pysim"]


def test_altered_offsets_are_listed_and_used_alike(sides):
    topic = "admin-alter"
    for side in sides:
        side.topic(topic)
        scripts.produce_to_partitions(side.kafka, side.conf, topic, per_partition=10, partitions=[0, 1, 2, 3])
    real, sim = run_both(sides, alter_list_and_resume, topic, "admin-alter-group")
    assert real["never"] == [(topic, p, -1001, None) for p in range(PARTITIONS)]
    assert real["altered"][2][3] == 3 and real["resumes_at"] == 2       # the real side is what we think
    assert sim == real


def test_alter_is_refused_while_the_group_has_a_member(sides):
    topic = "admin-active"
    for side in sides:
        side.topic(topic)
        scripts.produce_to_partitions(side.kafka, side.conf, topic, per_partition=3, partitions=[0, 1, 2, 3])
    real, sim = run_both(sides, alter_while_active, topic, "admin-active-group")
    assert [code for *_, code in real["refused"]] == [25, 25]           # UNKNOWN_MEMBER_ID
    assert real["listed"] == [(topic, 0, 1, None), (topic, 1, -1001, None)]
    assert sim == real


def test_topic_metadata_agrees(sides):
    topic = "admin-metadata"
    for side in sides:
        side.topic(topic)
    real, sim = run_both(sides, topic_metadata, topic)
    assert len(real["partitions"]) == PARTITIONS
    assert sim == real


def test_local_argument_errors_are_the_same(sides):
    real, sim = run_both(sides, local_errors)
    assert all(outcome is not None for outcome in real.values()), real
    mismatched = {name: (real[name], sim[name]) for name in real if real[name] != sim[name]}
    assert not mismatched, f"(librdkafka, pysim) differ: {mismatched}"


def test_duplicates_fail_the_future_alike(sides):
    real, sim = run_both(sides, local_future_errors)
    assert real["alter duplicate partitions"] == (-186, "Duplicate partitions not allowed")
    assert sim == real
