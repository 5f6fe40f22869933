"""Manual assignment: assign / unassign / incremental_*, start offsets (logical and
absolute), auto.offset.reset when there is no committed offset or the offset is out of
range, seek(), pause() / resume() and position(), with librdkafka's errors."""

import pytest

from pysim import kafka

BOOT = "assign:9092"
TP = kafka.TopicPartition


def _setup(partitions=2, per_partition=5):
    kafka.reset_all(seed=0)
    c = kafka.cluster(BOOT)
    c.create_topic("t", num_partitions=partitions)
    p = kafka.Producer({"bootstrap.servers": BOOT})
    for i in range(per_partition):
        for part in range(partitions):
            p.produce("t", key=b"k%d" % i, value=b"v", partition=part)
    p.flush()
    return c


def _consumer(**extra):
    conf = {"bootstrap.servers": BOOT, "group.id": "g", "auto.offset.reset": "earliest",
            "enable.auto.commit": False}
    conf.update(extra)
    return kafka.Consumer(conf)


def _read(consumer, n=100, timeout=0.1):
    return [(m.partition(), m.offset()) if m.error() is None else ("ERR", m.partition(), m.error().code(), m.offset())
            for m in consumer.consume(n, timeout)]


def _code(info):
    return info.value.args[0].code()


def test_assign_validates_like_the_binding():
    _setup()
    consumer = _consumer()
    with pytest.raises(TypeError, match="requires list of TopicPartition"):
        consumer.assign(TP("t", 0))
    with pytest.raises(TypeError, match="expected cimpl.TopicPartition"):
        consumer.assign(["t"])
    assert consumer.assignment() == []


def test_assign_with_absolute_and_logical_offsets():
    c = _setup(partitions=4)
    c.commit("g", "t", 3, 4)
    consumer = _consumer(**{"auto.offset.reset": "latest"})
    consumer.assign([TP("t", 0, 3), TP("t", 1, kafka.OFFSET_BEGINNING), TP("t", 2, kafka.OFFSET_END), TP("t", 3)])
    assert [(tp.partition, tp.offset) for tp in consumer.assignment()] == [
        (0, 3), (1, kafka.OFFSET_BEGINNING), (2, kafka.OFFSET_END), (3, kafka.OFFSET_STORED)]
    assert sorted(_read(consumer)) == [(0, 3), (0, 4), (1, 0), (1, 1), (1, 2), (1, 3), (1, 4), (3, 4)]


def test_assignment_is_sorted_and_assign_replaces_it():
    _setup(partitions=3)
    consumer = _consumer()
    consumer.assign([TP("t", 2), TP("t", 0)])
    assert [tp.partition for tp in consumer.assignment()] == [0, 2]
    consumer.assign([TP("t", 1)])
    assert [tp.partition for tp in consumer.assignment()] == [1]
    assert {p for p, _ in _read(consumer)} == {1}
    consumer.unassign()
    assert consumer.assignment() == [] and consumer.poll(0) is None
    consumer.unassign()


def test_assign_with_a_duplicate_raises_and_clears_the_assignment_like_librdkafka():
    c = _setup()
    consumer = _consumer(**{"enable.auto.commit": True})
    consumer.assign([TP("t", 0)])
    consumer.poll(0)
    with pytest.raises(kafka.KafkaException) as info:
        consumer.assign([TP("t", 1), TP("t", 1)])
    assert _code(info) == kafka.KafkaError._INVALID_ARG
    assert consumer.assignment() == []
    assert c.committed("g", "t", 0) is None          # a bad call writes nothing to the cluster


def test_incremental_assign_and_unassign():
    _setup(partitions=3)
    consumer = _consumer()
    with pytest.raises(kafka.KafkaException) as info:
        consumer.incremental_unassign([TP("t", 0)])
    assert _code(info) == kafka.KafkaError._INVALID_ARG
    consumer.incremental_assign([TP("t", 0, 3)])
    consumer.incremental_assign([TP("t", 2)])
    with pytest.raises(kafka.KafkaException) as info:
        consumer.incremental_assign([TP("t", 2)])
    assert _code(info) == kafka.KafkaError._CONFLICT and info.value.args[0].name() == "_CONFLICT"
    with pytest.raises(kafka.KafkaException) as info:
        consumer.incremental_assign([TP("t", 1), TP("t", 1)])
    assert _code(info) == kafka.KafkaError._INVALID_ARG
    with pytest.raises(kafka.KafkaException) as info:
        consumer.incremental_unassign([TP("t", 1)])
    assert _code(info) == kafka.KafkaError._INVALID_ARG
    assert [(tp.partition, tp.offset) for tp in consumer.assignment()] == [(0, 3), (2, kafka.OFFSET_STORED)]
    consumer.incremental_unassign([TP("t", 2)])
    assert sorted(_read(consumer)) == [(0, 3), (0, 4)]


def test_no_committed_offset_with_reset_error_gives_one_auto_offset_reset_event():
    _setup()
    consumer = _consumer(**{"auto.offset.reset": "error"})
    consumer.assign([TP("t", 0), TP("t", 1, 1)])
    got = _read(consumer)
    assert ("ERR", 0, kafka.KafkaError._AUTO_OFFSET_RESET, None) in got
    assert [x for x in got if x[0] != "ERR"] == [(1, 1), (1, 2), (1, 3), (1, 4)]
    assert _read(consumer) == []                   # the partition stays stopped, no repeats
    consumer.seek(TP("t", 0, 3))                    # until the application seeks
    assert _read(consumer) == [(0, 3), (0, 4)]


@pytest.mark.parametrize("reset, expected", [("earliest", [0, 1, 2, 3, 4]), ("latest", []),
                                             ("error", [("ERR", 0, kafka.KafkaError._AUTO_OFFSET_RESET, 50)])])
def test_an_out_of_range_offset_is_reset_when_fetched(reset, expected):
    c = _setup(partitions=1)
    consumer = _consumer(**{"auto.offset.reset": reset})
    consumer.assign([TP("t", 0, 50)])
    got = _read(consumer)
    assert [x if x[0] == "ERR" else x[1] for x in got] == expected
    resets = c.trace.events("consumer.offset_reset")
    assert [(e.data["policy"], e.data["requested"]) for e in resets] == [(reset, 50)]


def test_an_offset_below_the_log_start_is_out_of_range_too():
    c = _setup(partitions=1)
    c.delete_records("t", 0, 3)
    consumer = _consumer()
    consumer.assign([TP("t", 0, 1)])
    assert [o for _, o in _read(consumer)] == [3, 4]


def test_seek_needs_an_assigned_partition():
    _setup()
    consumer = _consumer()
    with pytest.raises(kafka.KafkaException) as info:
        consumer.seek(TP("t", 0, 1))                   # a topic the consumer never used
    assert _code(info) == kafka.KafkaError._UNKNOWN_PARTITION
    assert "Failed to seek to offset 1" in info.value.args[0].str()
    consumer.assign([TP("t", 0)])
    with pytest.raises(kafka.KafkaException) as info:
        consumer.seek(TP("t", 1, 1))                   # known topic, partition not assigned
    assert _code(info) == kafka.KafkaError._STATE
    with pytest.raises(kafka.KafkaException) as info:
        consumer.seek(TP("t", 0, kafka.OFFSET_STORED))
    assert _code(info) == kafka.KafkaError._INVALID_ARG
    with pytest.raises(TypeError):
        consumer.seek("t")


def test_seek_moves_the_next_fetch_and_resets_position_until_the_next_message():
    _setup(partitions=1, per_partition=6)
    consumer = _consumer()
    consumer.assign([TP("t", 0)])
    assert consumer.poll(0).offset() == 0            # the whole partition is fetched in one batch
    assert consumer.position([TP("t", 0)])[0].offset == 1
    consumer.seek(TP("t", 0, 4))
    assert consumer.position([TP("t", 0)])[0].offset == kafka.OFFSET_INVALID
    assert [o for _, o in _read(consumer)] == [4, 5]
    consumer.seek(TP("t", 0, kafka.OFFSET_BEGINNING))
    assert consumer.poll(0).offset() == 0
    consumer.seek(TP("t", 0, kafka.OFFSET_END))
    assert consumer.poll(0) is None
    consumer.seek(TP("t", 0, 100))                   # accepted; reset by auto.offset.reset
    assert consumer.poll(0).offset() == 0
    consumer.seek(TP("t", 0, kafka.OFFSET_INVALID))  # asks for an offset reset
    assert consumer.poll(0).offset() == 0


def test_pause_stops_a_partition_keeps_its_position_and_resume_continues_there():
    _setup(partitions=2, per_partition=4)
    consumer = _consumer()
    consumer.assign([TP("t", 0), TP("t", 1)])
    first = consumer.poll(0)
    paused = TP("t", first.partition())
    other = 1 - first.partition()
    consumer.pause([paused, TP("t", 7), TP("elsewhere", 0)])   # unassigned ones are ignored
    assert consumer.position([paused])[0].offset == 1
    assert _read(consumer) == [(other, o) for o in range(4)]
    assert consumer.poll(0.1) is None
    consumer.resume([paused])
    assert _read(consumer) == [(first.partition(), o) for o in (1, 2, 3)]


def test_positions_of_unassigned_partitions_are_invalid():
    _setup()
    consumer = _consumer()
    assert [tp.offset for tp in consumer.position([TP("t", 0), TP("nope", 0)])] == [kafka.OFFSET_INVALID] * 2
    with pytest.raises(TypeError):
        consumer.position(TP("t", 0))


def test_assigning_a_missing_partition_reports_it_when_fetching():
    _setup(partitions=1, per_partition=1)
    consumer = _consumer()
    consumer.assign([TP("ghost", 0), TP("t", 9), TP("t", 0)])
    got = _read(consumer)
    errors = [(x[1], x[2]) for x in got if x[0] == "ERR"]
    assert errors == [(0, kafka.KafkaError.UNKNOWN_TOPIC_OR_PART), (9, kafka.KafkaError.UNKNOWN_TOPIC_OR_PART)]
    assert [x for x in got if x[0] != "ERR"] == [(0, 0)]
