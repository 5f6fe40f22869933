"""pysim.kafka's Producer against librdkafka's mock cluster: where records without a key (or
with an empty key) go under every partitioner, fnv1a keyed placement, produce() argument
and topic errors, headers, delivery reports and list_topics()."""

import pytest

import parity_scripts as scripts
from pysim.partitioner import crc32_partition, fnv1a_partition, partition_for_key

pytestmark = pytest.mark.parity

PARTITIONS = 4   # what the mock auto-creates (conftest.PARTITIONS)
BURST = 40
# A sticky partition lives sticky.partitioning.linger.ms of wall time on the mock side;
# a long linger keeps a burst inside one window even on a loaded machine.
LONG_LINGER = {"sticky.partitioning.linger.ms": 60000}


def run_both(sides, script, *args, **kwargs):
    results = {side.name: script(side.kafka, side.conf, *args, **kwargs) for side in sides}
    return results["librdkafka"], results["pysim"]


def topic_on(sides, name):
    for side in sides:
        side.topic(name)
    return name


# (partitioner, key) -> what a burst must look like: "sticky" = one partition, chosen at
# random; "spread" = a fresh random partition per record; an int = that fixed partition.
FIXED_EMPTY = {"consistent": crc32_partition(b"", PARTITIONS), "murmur2": partition_for_key(b"", PARTITIONS),
               "fnv1a": fnv1a_partition(b"", PARTITIONS)}
EXPECTED = {
    ("consistent_random", None): "sticky", ("consistent_random", b""): "sticky",
    ("murmur2_random", None): "sticky", ("murmur2_random", b""): FIXED_EMPTY["murmur2"],
    ("fnv1a_random", None): "sticky", ("fnv1a_random", b""): FIXED_EMPTY["fnv1a"],
    ("random", None): "sticky", ("random", b""): "spread",
    ("consistent", None): FIXED_EMPTY["consistent"], ("consistent", b""): FIXED_EMPTY["consistent"],
    ("murmur2", None): FIXED_EMPTY["murmur2"], ("murmur2", b""): FIXED_EMPTY["murmur2"],
    ("fnv1a", None): FIXED_EMPTY["fnv1a"], ("fnv1a", b""): FIXED_EMPTY["fnv1a"],
}


def shape(partitions, expected):
    if expected == "sticky":
        return ("one partition", len(set(partitions)) == 1)
    if expected == "spread":
        return ("several partitions", len(set(partitions)) > 1)
    return ("fixed", partitions == [expected] * len(partitions))


@pytest.mark.parametrize("partitioner,key", sorted(EXPECTED, key=lambda k: (k[0], k[1] is None)),
                         ids=lambda v: "null" if v is None else ("empty" if v == b"" else v))
def test_null_and_empty_keys_land_alike(sides, partitioner, key):
    name = f"nullkey-{partitioner}-{'null' if key is None else 'empty'}"
    topic = topic_on(sides, name)
    real, sim = run_both(sides, scripts.produce_burst, topic, [key] * BURST,
                         partitioner=partitioner, **LONG_LINGER)
    expected = EXPECTED[(partitioner, key)]
    kind, as_expected = shape(real, expected)
    assert as_expected, f"librdkafka did not put the burst in {kind}: {real}"
    assert shape(sim, expected) == (kind, True), f"pysim {sim}, librdkafka {real}"
    if isinstance(expected, int):
        assert sim == real


@pytest.mark.parametrize("partitioner", ["consistent_random", "murmur2_random"])
def test_linger_zero_turns_stickiness_off(sides, partitioner):
    topic = topic_on(sides, f"linger0-{partitioner}")
    real, sim = run_both(sides, scripts.produce_burst, topic, [None] * BURST, partitioner=partitioner,
                         **{"sticky.partitioning.linger.ms": 0})
    assert len(set(real)) > 1 and len(set(sim)) > 1, (real, sim)


def test_sticky_partition_is_per_topic(sides):
    """Two topics in one burst: each has its own sticky partition (one each)."""
    first, second = topic_on(sides, "sticky-a"), topic_on(sides, "sticky-b")
    for side in sides:
        scripts.warm_producer(side.kafka, side.conf, second)
    real, sim = run_both(sides, scripts.produce_burst, first, [None] * BURST, **LONG_LINGER)
    assert len(set(real)) == len(set(sim)) == 1


# 300 records: 120 distinct keys, some repeated, one of them non-ASCII (as test_parity.py).
KEYS = [b"key-%d" % (i % 120) for i in range(299)] + ["clé-ü".encode()]


@pytest.mark.parametrize("partitioner", ["fnv1a", "fnv1a_random"])
def test_fnv1a_keys_land_alike(sides, partitioner):
    topic = topic_on(sides, f"keyed-{partitioner}")
    real, sim = run_both(sides, scripts.produce_keyed, topic, KEYS, partitioner=partitioner)
    assert [p for _, p, _ in real] == [fnv1a_partition(k, PARTITIONS) for k in KEYS]
    assert sim == real


def test_produce_argument_errors_agree(sides):
    topic = topic_on(sides, "produce-errors")
    real, sim = run_both(sides, scripts.produce_argument_errors, topic)
    assert real["partition 99"][:2] == ("KafkaException", -190)
    assert real["delivered"] == [] and real["flush"] == 0
    differences = {name: (real[name], sim.get(name)) for name in real if real[name] != sim.get(name)}
    assert not differences, differences


def test_missing_topic_fails_then_raises(sides):
    # Not created up front: neither side may create it.
    real, sim = run_both(sides, scripts.missing_topic, "never-created")
    assert real["report"][0][0] == 3 and real["again"] == ("KafkaException", -188)
    assert sim == real


def test_headers_round_trip(sides):
    topic = topic_on(sides, "headers")
    real, sim = run_both(sides, scripts.headers_round_trip, topic)
    assert real["read"][0] == [("a", b"x"), ("b", b"y"), ("c", None)]
    assert sim == real


def test_delivery_reports_and_lifecycle_agree(sides):
    topic = topic_on(sides, "reports")
    real, sim = run_both(sides, scripts.delivery_report_fields, topic)
    assert real["seen"][1] == ("callback",) and real["len_before_flush"] == 3
    differences = {part: (real[part], sim[part]) for part in real if real[part] != sim[part]}
    assert not differences, differences


def test_list_topics_shape_agrees(sides):
    topic = topic_on(sides, "metadata")
    real, sim = run_both(sides, scripts.metadata_shape, topic)
    assert real["topic"] == ("metadata", None, list(range(PARTITIONS)))
    assert sim == real
