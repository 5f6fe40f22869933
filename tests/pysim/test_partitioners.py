"""Partitioning: librdkafka's keyed rules and sticky partition for null keys as the pysim
Producer applies them, and the Java producer's null-key strategies as pure models."""

import itertools
import zlib

import pytest
from hypothesis import given, settings, strategies as st

from pysim import kafka
from pysim.java_partitioners import (Accumulator, BuiltIn, JAVA_BATCH_SIZE, RECORD_BATCH_OVERHEAD, RoundRobin,
                                     Sticky, make, spread)
from pysim.kafka.partitioning import HASH_MEMO_LIMIT, PARTITIONERS, make_partitioner
from pysim.partitioner import fnv1a, fnv1a_partition, murmur2, partition_for_key
from pysim.kernel.rng import Rng

# librdkafka's unittest_fnv1a (rdfnv1a.c), values from Go's hash/fnv with Sarama's abs().
FNV1A_VECTORS = {
    b"kafka": 0xd33c4e1, b"giberish123456789": 0x77a58295, b"1234": 0x23bdd03, b"234": 0x2dea3cd2,
    b"34": 0x740fa83e, b"4": 0x310ca263, b"PreAmbleWillBeRemoved,ThePrePartThatIs": 0x65cbd69c,
    b"reAmbleWillBeRemoved,ThePrePartThatIs": 0x6e49c79a, b"eAmbleWillBeRemoved,ThePrePartThatIs": 0x69eed356,
    b"AmbleWillBeRemoved,ThePrePartThatIs": 0x6abcc023, b"": 0x7ee3623b,
}


@pytest.mark.parametrize("key", sorted(FNV1A_VECTORS))
def test_fnv1a_matches_librdkafka_vectors(key):
    assert fnv1a(key) == FNV1A_VECTORS[key]
    assert fnv1a(key.decode()) == FNV1A_VECTORS[key]          # text is hashed as UTF-8


def test_fnv1a_takes_the_absolute_value_of_a_negative_hash():
    """Sarama's NewHashPartitioner: the 32-bit FNV-1a read as a signed int, then abs()."""
    def plain(data):
        h = 0x811C9DC5
        for b in data:
            h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
        return h
    keys = [b"key-%d" % i for i in range(200)]
    negative = [k for k in keys if plain(k) >= 1 << 31]
    positive = [k for k in keys if plain(k) < 1 << 31]
    assert negative and positive
    assert all(fnv1a(k) == (1 << 32) - plain(k) for k in negative)
    assert all(fnv1a(k) == plain(k) for k in positive)
    assert all(fnv1a_partition(k, 7) == fnv1a(k) % 7 for k in keys)


def test_existing_golden_vectors_still_hold():
    assert murmur2(b"21") == -973932308 and murmur2(b"foobar") == -790332482
    assert [partition_for_key(k, 1000) for k in (b"", b"a", b"ab", b"abc", b"123456789")] == [681, 524, 434, 107, 566]


# -- librdkafka's rules through the Producer ----------------------------------------------

def producer_on(n=4, seed=0, **conf):
    kafka.reset_all(seed=seed)
    cluster = kafka.cluster("part:9092")
    cluster.create_topic("t", n)
    cluster.create_topic("u", n)
    return cluster, kafka.Producer({"bootstrap.servers": "part:9092", **conf})


def placed(producer, topic, key, count=1):
    out = []
    for _ in range(count):
        producer.produce(topic, b"v", key=key, on_delivery=lambda err, msg: out.append(msg.partition()))
    producer.flush()
    return out


def replica_stream(number=1, seed=0):
    """The random stream producer ``number`` of a cluster seeded ``seed`` draws from."""
    return Rng(seed).stream(f"producer.{number}.partitioner")


@pytest.mark.parametrize("partitioner", ["consistent_random", "murmur2_random", "fnv1a_random", "random"])
def test_null_keys_stick_for_the_linger_then_redraw(partitioner):
    cluster, producer = producer_on(partitioner=partitioner)
    replica = replica_stream()
    windows = []
    for _ in range(30):
        windows.append(placed(producer, "t", None, count=5))
        cluster.advance(10)                                 # exactly the linger: still sticks
        windows[-1] += placed(producer, "t", None, count=2)
        cluster.advance(1)                                  # now 11 ms after the draw: redraw
    assert all(len(set(w)) == 1 for w in windows)
    assert [w[0] for w in windows] == [replica.randrange(4) for _ in windows]
    assert len({w[0] for w in windows}) > 1


def test_empty_key_is_null_only_for_consistent_random():
    cluster, producer = producer_on()                       # consistent_random, the default
    assert len(set(placed(producer, "t", b"", 20) + placed(producer, "t", None, 20))) == 1
    for partitioner, expected in [("murmur2_random", partition_for_key(b"", 4)),
                                  ("fnv1a_random", fnv1a_partition(b"", 4))]:
        cluster, producer = producer_on(partitioner=partitioner)
        assert placed(producer, "t", b"", 10) == [expected] * 10


@pytest.mark.parametrize("partitioner,fixed", [("consistent", zlib.crc32(b"") % 5),
                                               ("murmur2", partition_for_key(b"", 5)),
                                               ("fnv1a", fnv1a(b"") % 5)])
def test_hash_only_partitioners_hash_null_keys_as_empty(partitioner, fixed):
    cluster, producer = producer_on(n=5, partitioner=partitioner)
    got = placed(producer, "t", None, 10)
    cluster.advance(1000)
    assert got + placed(producer, "t", None, 10) + placed(producer, "t", b"", 5) == [fixed] * 25


def test_linger_zero_draws_for_every_record():
    cluster, producer = producer_on(**{"sticky.partitioning.linger.ms": 0})
    replica = replica_stream()
    got = placed(producer, "t", None, 40)
    assert got == [replica.randrange(4) for _ in got]


def test_random_ignores_keys_and_draws_per_record():
    cluster, producer = producer_on(partitioner="random")
    replica = replica_stream()
    got = placed(producer, "t", b"same key", 40)
    assert got == [replica.randrange(4) for _ in got] and len(set(got)) > 1


def test_each_topic_has_its_own_sticky_partition():
    cluster, producer = producer_on(n=50)
    replica = replica_stream()
    got = []
    for _ in range(10):
        got += [(topic, placed(producer, topic, None)[0]) for topic in ("t", "u")]
    assert {p for topic, p in got if topic == "t"} == {replica.randrange(50)}
    assert {p for topic, p in got if topic == "u"} == {replica.randrange(50)}


def test_a_new_producer_does_not_change_another_ones_choices():
    def run(with_second):
        cluster, first = producer_on(n=8, seed=3)
        second = kafka.Producer({"bootstrap.servers": "part:9092"}) if with_second else None
        out = []
        for _ in range(20):
            out += placed(first, "t", None, 3)
            if second is not None:
                placed(second, "t", None, 3)
            cluster.advance(50)
        return out
    assert run(False) == run(True)
    assert len(set(run(False))) > 1


def test_keyed_records_follow_the_named_rule():
    keys = [b"k%d" % i for i in range(200)] + [b"\xff\x00", "clé".encode()]
    for partitioner, rule in [("consistent_random", lambda k: zlib.crc32(k) % 7),
                              ("murmur2_random", lambda k: partition_for_key(k, 7)),
                              ("fnv1a", lambda k: fnv1a(k) % 7)]:
        cluster, producer = producer_on(n=7, partitioner=partitioner)
        cluster.create_topic("seven", 7)
        assert [placed(producer, "seven", k)[0] for k in keys] == [rule(k) for k in keys]


def test_the_hash_memo_is_bounded_and_transparent():
    class Clock:
        now_ms = 0
    place = make_partitioner("murmur2_random", 10, Rng(0).stream("x"), Clock())
    keys = [b"m%d" % i for i in range(HASH_MEMO_LIMIT + 50)]
    assert [place("t", k, 9) for k in keys] == [partition_for_key(k, 9) for k in keys]
    assert [place("t", k, 9) for k in keys[:100]] == [partition_for_key(k, 9) for k in keys[:100]]


OPS = st.lists(st.tuples(st.integers(0, 15), st.sampled_from([None, b"", b"a", b"key-7", b"\x00\x01"])),
               min_size=1, max_size=60)
HASH_ONLY = ("consistent", "murmur2", "fnv1a")


def rule_for(partitioner, key, linger):
    """What librdkafka does with one record: "sticky", "random", or the hashed key bytes."""
    nullish = key is None or (key == b"" and partitioner == "consistent_random")
    if partitioner == "random" and key is not None:
        return "random"
    if nullish and partitioner not in HASH_ONLY:
        return "sticky" if linger > 0 else "random"
    return key if key is not None else b""


@settings(max_examples=60, deadline=None)
@given(ops=OPS, partitioner=st.sampled_from(PARTITIONERS), linger=st.sampled_from([0, 1, 10]),
       n=st.integers(1, 6))
def test_placement_rules_hold_for_any_run(ops, partitioner, linger, n):
    """Hashed records follow their hash; sticky records share a partition exactly while
    within the linger of the draw that opened their window."""
    kafka.reset_all(seed=1)
    cluster = kafka.cluster("prop:9092")
    cluster.create_topic("t", n)
    producer = kafka.Producer({"bootstrap.servers": "prop:9092", "partitioner": partitioner,
                               "sticky.partitioning.linger.ms": linger})
    hashes = {"consistent": zlib.crc32, "murmur2": lambda k: murmur2(k) & 0x7FFFFFFF, "fnv1a": fnv1a}
    window_start = window_partition = None
    for wait, key in ops:
        cluster.advance(wait)
        p = placed(producer, "t", key)[0]
        assert 0 <= p < n
        rule = rule_for(partitioner, key, linger)
        if rule == "sticky":
            if window_start is None or cluster.now_ms - window_start > linger:
                window_start, window_partition = cluster.now_ms, p
            assert p == window_partition
        elif rule != "random":
            assert p == hashes[partitioner.replace("_random", "")](rule) % n


# -- the Java producer's strategies --------------------------------------------------------

class FixedDraws:
    """An rng that hands out the given 32-bit values, in order."""

    def __init__(self, *values):
        self._values = iter(values)

    def getrandbits(self, bits):
        assert bits == 32
        return next(self._values)


def runs(partitions):
    return [(p, len(list(g))) for p, g in itertools.groupby(partitions)]


def test_round_robin_starts_at_a_random_counter_and_cycles():
    rr = RoundRobin(FixedDraws(5))
    assert [rr.choose("t", 4, 100) for _ in range(9)] == [1, 2, 3, 0, 1, 2, 3, 0, 1]
    seeded = spread("round_robin", 6, 6000)
    assert all(b == (a + 1) % 6 for a, b in zip(seeded, seeded[1:]))
    assert {seeded.count(p) for p in range(6)} == {1000}


def test_round_robin_counter_wraps_like_a_java_int():
    rr = RoundRobin(FixedDraws(0x7FFFFFFE))
    # toPositive(Integer.MAX_VALUE - 1), MAX_VALUE, then MIN_VALUE (toPositive 0), MIN_VALUE + 1
    assert [rr.choose("t", 10, 1) for _ in range(4)] == [0x7FFFFFFE % 10, 0x7FFFFFFF % 10, 0, 1]


def test_round_robin_counters_are_per_topic():
    rr = RoundRobin(FixedDraws(0, 2))
    assert [rr.choose(t, 3, 1) for t in ("a", "b", "a", "b")] == [0, 2, 1, 0]


def per_batch(record_size, batch_size=JAVA_BATCH_SIZE):
    """Records of ``record_size`` that fit one batch: header + k records <= batch.size."""
    return (batch_size - RECORD_BATCH_OVERHEAD) // record_size


@pytest.mark.parametrize("record_size", [107, 1000, 5000])
def test_kip480_sticky_switches_when_a_batch_fills(record_size):
    got = spread("sticky", 5, 20 * per_batch(record_size), record_size=record_size, seed=4)
    lengths = runs(got)
    assert all(n == per_batch(record_size) for _, n in lengths)
    assert all(a != b for (a, _), (b, _) in zip(lengths, lengths[1:]))   # never the same twice


def test_kip480_first_record_already_triggers_a_new_batch():
    """No batch exists yet, so the very first record calls onNewBatch: it goes to the second draw."""
    sticky = Sticky(FixedDraws(1, 1, 3))        # first draw 1, then 1 again (rejected), then 3
    assert sticky.choose("t", 4, 100) == 3


def test_kip480_moves_every_record_when_batches_leave_at_once():
    """linger.ms=0 and the clock moving between records: every record is a new batch."""
    sticky = make("sticky", Rng(2).stream("s"))
    got = [sticky.choose("t", 3, 100, now_ms=t) for t in range(60)]
    assert all(a != b for a, b in zip(got, got[1:]))


def test_kip480_single_partition():
    assert spread("sticky", 1, 500, record_size=1000) == [0] * 500


def chunks_of(partitions, length):
    """Consecutive whole chunks of ``length`` records (a new draw may repeat a partition,
    so runs of equal partitions can be longer than one chunk)."""
    return [partitions[i:i + length] for i in range(0, len(partitions) - length + 1, length)]


@pytest.mark.parametrize("record_size,switch_after", [
    # 61 + 3 x 5441 = 16384: the third record fills the batch exactly, and 16384 bytes went
    # to the partition: switch after 3.
    (5441, 3),
    # 61 + 3 x 5440 = 16381 < 16384 and a fourth does not fit, so no batch is ever full:
    # switch once 2 x 16384 bytes went there: 16381 + (61 + 5440) + 5440 + 5440 = 32762,
    # then a new batch (61 + 5440) crosses 32768: the 7th record.
    (5440, 7),
    # 100-byte values, record size 109: 149 per batch (61 + 149 x 109 = 16302), two batches
    # = 32604, the 299th record opens a third batch (+170) and crosses 32768.
    (109, 299),
])
def test_builtin_switches_after_batch_size_bytes(record_size, switch_after):
    """A burst over partitions visited for the first time (draws 0, 1, 2, 3): each run is
    the first run of a fresh partition. (Coming back to a partition later finds its last,
    partly filled batch still open, which shortens that run.)"""
    builtin = BuiltIn(FixedDraws(0, 1, 2, 3, 0))
    got = [builtin.choose("t", 4, record_size) for _ in range(4 * switch_after)]
    assert runs(got) == [(p, switch_after) for p in range(4)]


def test_builtin_waits_for_twice_batch_size_when_every_record_is_its_own_batch():
    """The clock moving between records and linger.ms=0: the sender empties the queue
    before each record, so each one opens a batch (61 + 100 bytes) that is not full: the
    switch comes at 2 x 16384 bytes, after ceil(32768 / 161) = 204 records."""
    builtin = make("builtin", Rng(5).stream("b"))
    got = [builtin.choose("t", 4, 100, now_ms=t) for t in range(204 * 20)]
    assert all(len(set(chunk)) == 1 for chunk in chunks_of(got, 204))
    assert builtin.batches.batches_closed == len(got) - 1


def test_builtin_next_partition_may_repeat_unlike_kip480():
    """Same regime as above (runs of exactly 204 records): with two partitions some of the
    59 switches draw the partition it already had; KIP-480 always moves."""
    builtin, sticky = make("builtin", Rng(1).stream("b")), make("sticky", Rng(1).stream("s"))
    got = [builtin.choose("t", 2, 100, now_ms=t) for t in range(204 * 60)]
    assert all(len(set(chunk)) == 1 for chunk in chunks_of(got, 204))
    assert len(runs(got)) < 60
    moved = [sticky.choose("t", 2, 100, now_ms=t) for t in range(500)]
    assert len(runs(moved)) == 500


def test_builtin_adaptive_weighting_uses_javas_table():
    """BuiltInPartitioner's example: queue sizes 0 3 1 -> table 4 5 8; draws 0..3 -> p0,
    4 -> p1, 5..7 -> p2."""
    builtin = BuiltIn(FixedDraws(*range(8)))
    builtin.set_queue_sizes("t", [0, 3, 1])
    assert [builtin._next_partition("t", 3) for _ in range(8)] == [0, 0, 0, 0, 1, 2, 2, 2]
    builtin.set_queue_sizes("t", [2, 2, 2])          # all equal: back to uniform
    assert builtin._load == {}


def test_accumulator_closes_full_batches_and_sends_when_time_moves():
    acc = Accumulator(batch_size=300, linger_ms=5)
    assert acc.append("t", 0, 100) == RECORD_BATCH_OVERHEAD + 100
    assert acc.append("t", 0, 100) == 100 and acc.open_bytes("t", 0) == 261
    assert acc.try_append("t", 0, 100) is None                           # 361 > 300: refused...
    assert acc.last_full("t", 0) and acc.try_append("t", 0, 10) is None  # ...and closed for appends
    assert acc.append("t", 0, 100) == RECORD_BATCH_OVERHEAD + 100        # so a new batch
    assert acc.batches_closed == 1 and not acc.last_full("t", 0)
    acc.tick(4)
    assert acc.open_bytes("t", 0) == 161                                 # younger than linger
    acc.tick(5)
    assert acc.open_bytes("t", 0) == 0 and acc.last_full("t", 0) and acc.batches_closed == 2


def test_kip480_switches_again_on_a_partition_whose_batch_was_closed():
    """Back on a partition whose last batch refused a record (closed, not sent yet), even a
    small record cannot go there: onNewBatch moves on at once."""
    sticky = Sticky(FixedDraws(0, 1, 0, 1, 0), batch_size=300)
    got = [sticky.choose("t", 2, size) for size in (100, 100, 100, 10)]
    # draw 0, no batch: onNewBatch -> 1; 1 takes two records; the third does not fit: -> 0
    # (draw 0); the small fourth fits in 0's batch.
    assert got == [1, 1, 0, 0]
    sticky._sticky["t"] = 1                        # put it back on partition 1 (closed batch)
    assert sticky.choose("t", 2, 10) == 0          # refused there: onNewBatch draws 1 (same), then 0


def test_java_models_are_deterministic_and_validate():
    for name in ("round_robin", "sticky", "builtin"):
        assert spread(name, 7, 3000, seed=11) == spread(name, 7, 3000, seed=11)
        assert spread(name, 7, 3000, seed=11) != spread(name, 7, 3000, seed=12)
    with pytest.raises(ValueError, match="unknown Java null-key strategy"):
        make("uniform", Rng(0).stream("x"))
    with pytest.raises(ValueError):
        RoundRobin(Rng(0).stream("x")).choose("t", 0, 10)
    with pytest.raises(ValueError):
        Sticky(Rng(0).stream("x"), batch_size=0)


def test_producer_uses_a_java_strategy_only_when_asked():
    cluster, producer = producer_on(n=3, **{"pysim.java.partitioner": "round_robin"})
    got = placed(producer, "t", None, 9)
    assert runs(got) == [(p, 1) for p in got] and sorted(got) == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert placed(producer, "t", b"user-1") == [partition_for_key(b"user-1", 3)]    # keys: murmur2
    assert placed(producer, "t", b"") == [partition_for_key(b"", 3)]                # empty keys hashed
    with pytest.raises(kafka.KafkaException) as info:
        producer_on(**{"pysim.java.partitioner": "sticky", "partitioner": "consistent_random"})
    assert info.value.args[0].code() == kafka.KafkaError._INVALID_ARG
    with pytest.raises(kafka.KafkaException):
        producer_on(**{"pysim.java.partitioner": "kip-480"})
