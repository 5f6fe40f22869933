"""What poll() hands out and when: batches per partition served round-robin (no partition
starves), max.partition.fetch.bytes / fetch.max.bytes, partition EOF events, message
timestamps, consume(), and how waiting moves the shared virtual clock."""

from hypothesis import given, settings, strategies as st

import pytest

from pysim import kafka
from pysim.kafka.record_size import batch_size

BOOT = "fetch:9092"
TP = kafka.TopicPartition
RECORD = batch_size(b"k", b"v")       # bytes of one of the records these tests produce


def _setup(partitions, per_partition=0):
    kafka.reset_all(seed=0)
    c = kafka.cluster(BOOT, group_initial_rebalance_delay_ms=0)   # a dev broker: groups form at once
    c.create_topic("t", num_partitions=partitions)
    _produce(per_partition, range(partitions))
    return c


def _produce(n, partitions, topic="t", **kw):
    p = kafka.Producer({"bootstrap.servers": BOOT})
    for _ in range(n):
        for part in partitions:
            p.produce(topic, key=b"k", value=b"v", partition=part, **kw)
    p.flush()


def _consumer(partitions=None, **extra):
    conf = {"bootstrap.servers": BOOT, "group.id": "g", "auto.offset.reset": "earliest",
            "enable.auto.commit": False}
    conf.update(extra)
    consumer = kafka.Consumer(conf)
    if partitions is not None:
        consumer.assign([TP("t", p) for p in partitions])
    return consumer


def _runs(partitions):
    runs = []
    for p in partitions:
        if runs and runs[-1][0] == p:
            runs[-1][1] += 1
        else:
            runs.append([p, 1])
    return [tuple(r) for r in runs]


def test_batches_are_served_round_robin_starting_one_partition_later_each_round():
    _setup(partitions=3, per_partition=6)
    consumer = _consumer([0, 1, 2], **{"max.partition.fetch.bytes": 2 * RECORD + 1})
    seen = [m.partition() for m in consumer.consume(100, 0)]
    assert _runs(seen) == [(0, 2), (1, 2), (2, 2), (1, 2), (2, 2), (0, 2), (2, 2), (0, 2), (1, 2)]


def test_with_default_sizes_a_small_backlog_comes_one_partition_at_a_time():
    _setup(partitions=3, per_partition=50)
    seen = [m.partition() for m in _consumer([0, 1, 2]).consume(1000, 0)]
    assert _runs(seen) == [(0, 50), (1, 50), (2, 50)]


def test_fetch_max_bytes_caps_a_round_but_the_first_partition_always_gets_a_record():
    _setup(partitions=3, per_partition=4)
    consumer = _consumer([0, 1, 2], **{"max.partition.fetch.bytes": 2 * RECORD + 1,
                                       "fetch.max.bytes": 3 * RECORD})
    seen = [m.partition() for m in consumer.consume(100, 0)]
    # Each round holds three records: the first partition takes two (its own limit), the
    # next one what is left (one), the third nothing; the next round starts one later.
    assert seen == [0, 0, 1] + [1, 1, 2] + [2, 2, 0] + [0, 1, 2]
    tiny = _consumer([0], **{"max.partition.fetch.bytes": 1, "group.id": "tiny"})
    assert [m.offset() for m in tiny.consume(3, 0)] == [0, 1, 2]


def test_a_busy_partition_does_not_starve_a_quiet_one():
    _setup(partitions=2)
    _produce(5, [0])
    _produce(1, [1])
    consumer = _consumer([0, 1], **{"max.partition.fetch.bytes": 3 * RECORD + 1})
    seen = []
    for _ in range(12):
        seen.append(consumer.poll(0).partition())
        _produce(1, [0])                              # partition 0 never runs dry
    assert 1 in seen[:6]


def test_partition_eof_once_per_end_reached_and_again_after_new_records():
    c = _setup(partitions=2, per_partition=2)
    consumer = _consumer([0, 1], **{"enable.partition.eof": True})
    got = [(m.partition(), m.offset(), m.error().code() if m.error() else None) for m in consumer.consume(100, 0.5)]
    eof = kafka.KafkaError._PARTITION_EOF
    assert got == [(0, 0, None), (0, 1, None), (1, 0, None), (1, 1, None), (1, 2, eof), (0, 2, eof)]
    assert consumer.poll(1.0) is None
    _produce(1, [0])
    got = [(m.partition(), m.offset(), m.error() and m.error().code()) for m in consumer.consume(100, 0.5)]
    assert got == [(0, 2, None), (0, 3, eof)]
    message = consumer.poll(0)
    assert message is None
    assert c.now_ms == 2000


def test_an_empty_partition_reports_eof_at_its_start_and_nothing_without_the_setting():
    _setup(partitions=1)
    eofs = _consumer([0], **{"enable.partition.eof": True}).consume(10, 0)
    assert [(m.error().code(), m.offset(), m.timestamp()) for m in eofs] == [
        (kafka.KafkaError._PARTITION_EOF, 0, (kafka.TIMESTAMP_NOT_AVAILABLE, -1))]
    assert _consumer([0], **{"group.id": "quiet"}).consume(10, 0) == []


def test_messages_carry_their_create_time():
    c = _setup(partitions=1)
    c.advance(1234)
    _produce(1, [0])
    _produce(1, [0], timestamp=99)
    stamps = [m.timestamp() for m in _consumer([0]).consume(2, 0)]
    assert stamps == [(kafka.TIMESTAMP_CREATE_TIME, 1234), (kafka.TIMESTAMP_CREATE_TIME, 99)]


def test_an_empty_poll_waits_its_timeout_in_virtual_time_and_a_full_one_does_not():
    c = _setup(partitions=1, per_partition=1)
    consumer = _consumer([0])
    assert consumer.poll(5.0).offset() == 0 and c.now_ms == 0
    assert consumer.poll(1.5) is None and c.now_ms == 1500
    assert consumer.poll(0) is None and c.now_ms == 1500
    with pytest.raises(TypeError, match="must be real number, not str"):
        consumer.poll("1")


def test_clients_share_one_clock_so_waits_add_up():
    c = _setup(partitions=1)
    first, second = _consumer([0]), _consumer([0], **{"group.id": "other"})
    first.poll(1.0)
    second.poll(1.0)
    assert c.now_ms == 2000


def test_a_scheduled_event_ends_the_wait_when_it_brings_a_message():
    c = _setup(partitions=1)
    consumer = _consumer([0])
    c.sim.scheduler.call_later(250, _produce, 1, [0])
    msg = consumer.poll(5.0)
    assert msg is not None and msg.offset() == 0 and c.now_ms == 250


def test_an_infinite_wait_gives_up_after_max_poll_interval():
    c = _setup(partitions=1)
    consumer = _consumer([0], **{"max.poll.interval.ms": 10_000, "session.timeout.ms": 10_000})
    assert consumer.poll() is None and c.now_ms == 10_000
    assert consumer.poll(-1) is None and c.now_ms == 20_000


def test_consume_returns_up_to_n_and_waits_the_timeout_when_short():
    c = _setup(partitions=1, per_partition=3)
    consumer = _consumer([0])
    assert [m.offset() for m in consumer.consume(2, 10)] == [0, 1] and c.now_ms == 0
    assert [m.offset() for m in consumer.consume(5, 2.0)] == [2] and c.now_ms == 2000
    assert consumer.consume(0, 1) == []
    assert consumer.consume() == [] and c.now_ms == 2000 + 300_000
    for bad in (-1, 1_000_001):
        with pytest.raises(ValueError, match="num_messages must be between 0 and 1000000"):
            consumer.consume(bad)
    with pytest.raises(TypeError):
        consumer.consume("3")


def test_cached_watermarks_are_what_the_last_fetch_saw():
    _setup(partitions=1, per_partition=2)
    consumer = _consumer([0])
    assert consumer.get_watermark_offsets(TP("t", 0), cached=True) == (kafka.OFFSET_INVALID, kafka.OFFSET_INVALID)
    consumer.poll(0)
    _produce(3, [0])
    assert consumer.get_watermark_offsets(TP("t", 0), cached=True) == (kafka.OFFSET_INVALID, 2)
    assert consumer.get_watermark_offsets(TP("t", 0)) == (0, 5)


@settings(max_examples=60, deadline=None)
@given(counts=st.lists(st.integers(0, 12), min_size=1, max_size=4),
       batch_records=st.integers(1, 5),
       actions=st.lists(st.tuples(st.sampled_from(["poll", "pause", "resume", "produce"]), st.integers(0, 3)),
                        max_size=60))
def test_every_record_is_handed_out_once_in_offset_order_whatever_the_batching_and_pausing(
        counts, batch_records, actions):
    n = len(counts)
    _setup(partitions=n)
    for part, count in enumerate(counts):
        _produce(count, [part])
    consumer = _consumer(range(n), **{"max.partition.fetch.bytes": batch_records * RECORD})
    seen = {p: [] for p in range(n)}
    for action, arg in actions:
        part = arg % n
        if action == "pause":
            consumer.pause([TP("t", part)])
        elif action == "resume":
            consumer.resume([TP("t", part)])
        elif action == "produce":
            _produce(1, [part])
        else:
            msg = consumer.poll(0)
            if msg is not None:
                seen[msg.partition()].append(msg.offset())
                assert consumer.position([TP("t", msg.partition())])[0].offset == msg.offset() + 1
    consumer.resume([TP("t", p) for p in range(n)])
    for msg in consumer.consume(10_000, 0):
        seen[msg.partition()].append(msg.offset())
    cluster = kafka.cluster(BOOT)
    for p in range(n):
        assert seen[p] == list(range(cluster.watermarks("t", p)[1]))
