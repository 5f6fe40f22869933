"""pysim.kafka against librdkafka's mock cluster: the same client script must observe the
same partitions, offsets, committed positions and errors on both."""

import pytest

import parity_scripts as scripts
from pysim.partitioner import crc32_partition, partition_for_key

pytestmark = pytest.mark.parity

# 300 records: 120 distinct keys, some repeated, one of them non-ASCII.
KEYS = [b"key-%d" % (i % 120) for i in range(299)] + ["clé-ü".encode()]


def run_both(sides, script, *args, **kwargs):
    results = {side.name: script(side.kafka, side.conf, *args, **kwargs) for side in sides}
    return results["librdkafka"], results["pysim"]


@pytest.mark.parametrize("partitioner", ["murmur2_random", "murmur2", "consistent", "consistent_random", None])
def test_same_partition_and_offset_for_every_key(sides, partitioner):
    topic = f"keyed-{partitioner or 'default'}"
    for side in sides:
        side.topic(topic)
    real, sim = run_both(sides, scripts.produce_keyed, topic, KEYS, partitioner=partitioner)

    # The real side is what we expect it to be (so equality below means something).
    rule = partition_for_key if partitioner in ("murmur2", "murmur2_random") else crc32_partition
    assert [p for _, p, _ in real] == [rule(k, 4) for k in KEYS]
    assert len({p for _, p, _ in real}) == 4
    mismatched = [(k, r, s) for k, r, s in zip(KEYS, real, sim) if r != s][:5]
    assert sim == real, f"{partitioner or 'default'}: first (key, librdkafka, pysim) differences {mismatched}"


def test_commit_close_and_resume_agree(sides):
    topic = "resume"
    for side in sides:
        side.topic(topic)
        scripts.produce_to_partitions(side.kafka, side.conf, topic, per_partition=10, partitions=[0, 1, 2, 3])
    # Commit message offset 4 of partition 0, offset 0 of 1, offset 9 (the last) of 2; not 3.
    real, sim = run_both(sides, scripts.commit_and_resume, topic, "resume-group", commit_at={0: 4, 1: 0, 2: 9})

    assert real["committed"] == {0: 5, 1: 1, 2: 10, 3: -1001}
    assert real["second_starts_at"] == {0: 5, 1: 1, 3: 0}
    assert real["watermarks"] == {p: (0, 10) for p in range(4)}
    for part in ("committed", "committed_seen_by_second", "watermarks", "second_starts_at",
                 "positions_after_reading_all", "second_read"):
        assert sim[part] == real[part], f"{part}: librdkafka {real[part]} pysim {sim[part]}"


def test_offset_reset_seek_and_message_fields_agree(sides):
    topic = "reset"

    def produce_more_on(side):
        def produce_more(n):
            scripts.produce_to_partitions(side.kafka, side.conf, topic, per_partition=n, partitions=[0])
        return produce_more

    results = {}
    for side in sides:
        side.topic(topic)
        scripts.produce_to_partitions(side.kafka, side.conf, topic, per_partition=5, partitions=[0])
        results[side.name] = scripts.offset_reset_and_seek(side.kafka, side.conf, topic, "reset-group",
                                                           produce_more_on(side))
    real, sim = results["librdkafka"], results["pysim"]

    assert [m[2] for m in real["latest"]] == [5, 6, 7]
    assert [m[2] for m in real["earliest"]] == list(range(11))
    assert [m[2] for m in real["after_seek_to_2"]] == [2, 3]
    assert [m[2] for m in real["assigned_at_6"]] == [6, 7]
    for part in ("latest", "earliest", "after_seek_to_2", "assigned_at_6"):
        assert sim[part] == real[part], f"{part}: librdkafka {real[part]} pysim {sim[part]}"


BAD_CONFIGS = {
    "producer-unknown-property": lambda k: k.Producer({"bootstrap.servers": "b:9092", "no.such.property": 1}),
    "consumer-unknown-property": lambda k: k.Consumer({"bootstrap.servers": "b:9092", "group.id": "g",
                                                       "no.such.property": 1}),
    "consumer-without-group-id": lambda k: k.Consumer({"bootstrap.servers": "b:9092"}),
    "auto-offset-reset-none": lambda k: k.Consumer({"bootstrap.servers": "b:9092", "group.id": "g",
                                                    "auto.offset.reset": "none"}),
    "unknown-partitioner": lambda k: k.Producer({"bootstrap.servers": "b:9092", "partitioner": "nope"}),
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_configuration_errors_agree(rdkafka, pysim, case):
    real = scripts.construction_error(rdkafka.kafka, BAD_CONFIGS[case])
    sim = scripts.construction_error(pysim.kafka, BAD_CONFIGS[case])
    assert real["type"] is not None, f"librdkafka accepted {case}"
    assert sim == real, f"{case}: librdkafka raises {real}, pysim {sim}"


def test_error_codes_have_librdkafka_values(pysim, rdkafka):
    for name in ("_INVALID_ARG", "_UNKNOWN_PARTITION", "_PARTITION_EOF", "UNKNOWN_TOPIC_OR_PART"):
        assert getattr(pysim.kafka.KafkaError, name) == getattr(rdkafka.kafka.KafkaError, name), name
