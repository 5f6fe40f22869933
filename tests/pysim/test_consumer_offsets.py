"""Offsets and the consumer's life cycle: commit (message / offsets / stored), store_offsets
with enable.auto.offset.store, on_commit from poll, committed, offsets_for_times, watermarks,
group metadata, and close() after which every call raises RuntimeError."""

import pytest

from pysim import kafka
from pysim.kafka.group_coordinator import ConsumerGroupMetadata

BOOT = "offsets:9092"
TP = kafka.TopicPartition


def _setup(partitions=2, per_partition=5, timestamps=None):
    kafka.reset_all(seed=0)
    c = kafka.cluster(BOOT, group_initial_rebalance_delay_ms=0)   # a dev broker: groups form at once
    c.create_topic("t", num_partitions=partitions)
    p = kafka.Producer({"bootstrap.servers": BOOT})
    for i in range(per_partition):
        for part in range(partitions):
            ts = timestamps[i] if timestamps else 0
            p.produce("t", key=b"k%d" % i, value=b"v", partition=part, timestamp=ts)
    p.flush()
    return c


def _consumer(**extra):
    conf = {"bootstrap.servers": BOOT, "group.id": "g", "auto.offset.reset": "earliest",
            "enable.auto.commit": False}
    conf.update(extra)
    return kafka.Consumer(conf)


def _code(info):
    return info.value.args[0].code()


def _offsets(tps):
    return [(tp.topic, tp.partition, tp.offset) for tp in tps]


def test_commit_message_and_offsets_synchronously():
    c = _setup()
    consumer = _consumer()
    consumer.assign([TP("t", 0)])
    msg = consumer.poll(0)
    assert _offsets(consumer.commit(message=msg, asynchronous=False)) == [("t", 0, 1)]
    assert c.committed("g", "t", 0) == 1
    assert _offsets(consumer.commit(offsets=[TP("t", 1, 4)], asynchronous=False)) == [("t", 1, 4)]
    assert c.committed("g", "t", 1) == 4
    assert consumer.commit(offsets=[TP("t", 1, 3)]) is None        # asynchronous by default
    assert c.committed("g", "t", 1) == 3


def test_commit_argument_errors():
    _setup()
    consumer = _consumer()
    with pytest.raises(ValueError, match="mutually exclusive"):
        consumer.commit(message=object(), offsets=[])
    with pytest.raises(TypeError):
        consumer.commit(message="not a message")
    with pytest.raises(TypeError, match="requires list of TopicPartition"):
        consumer.commit(offsets=TP("t", 0, 1))


def test_commit_without_arguments_commits_what_changed_and_else_raises_no_offset():
    c = _setup(partitions=3)
    consumer = _consumer()
    with pytest.raises(kafka.KafkaException) as info:
        consumer.commit(asynchronous=False)                  # nothing assigned
    assert _code(info) == kafka.KafkaError._NO_OFFSET
    assert info.value.args[0].str() == "Commit failed: Local: No offset stored"
    consumer.assign([TP("t", 0), TP("t", 1), TP("t", 2)])
    with pytest.raises(kafka.KafkaException) as info:
        consumer.commit(asynchronous=False)                  # nothing consumed yet
    assert _code(info) == kafka.KafkaError._NO_OFFSET
    first = consumer.poll(0)
    result = consumer.commit(asynchronous=False)
    assert _offsets(result) == [("t", 0, 1), ("t", 1, kafka.OFFSET_INVALID), ("t", 2, kafka.OFFSET_INVALID)]
    assert first.partition() == 0 and c.committed("g", "t", 0) == 1
    with pytest.raises(kafka.KafkaException) as info:
        consumer.commit(asynchronous=False)                  # unchanged since the last commit
    assert _code(info) == kafka.KafkaError._NO_OFFSET


def test_committing_an_unknown_partition_fails_but_the_others_are_committed():
    c = _setup()
    consumer = _consumer()
    with pytest.raises(kafka.KafkaException) as info:
        consumer.commit(offsets=[TP("t", 0, 2), TP("t", 9, 1)], asynchronous=False)
    assert _code(info) == kafka.KafkaError.UNKNOWN_TOPIC_OR_PART
    assert c.committed("g", "t", 0) == 2 and c.committed("g", "t", 9) is None
    with pytest.raises(kafka.KafkaException) as info:
        consumer.commit(offsets=[TP("t", 0, kafka.OFFSET_BEGINNING)], asynchronous=False)
    assert _code(info) == kafka.KafkaError._NO_OFFSET
    assert c.committed("g", "t", 0) == 2


def test_on_commit_runs_from_poll_for_asynchronous_commits_only():
    _setup(per_partition=1)
    results = []
    consumer = _consumer(on_commit=lambda err, parts: results.append((err and err.code(), _offsets(parts))))
    consumer.assign([TP("t", 0)])
    msg = consumer.poll(0)
    consumer.commit(message=msg, asynchronous=False)
    consumer.commit(message=msg)
    assert results == []
    assert consumer.poll(0) is None
    assert results == [(None, [("t", 0, 1)])]
    consumer.commit()                                        # nothing changed: reported as _NO_OFFSET
    consumer.poll(0)
    assert results[1] == (kafka.KafkaError._NO_OFFSET, [("t", 0, kafka.OFFSET_INVALID)])


def test_auto_commit_reports_to_on_commit_and_stays_silent_when_nothing_changed():
    c = _setup(partitions=1)
    results = []
    consumer = _consumer(**{"enable.auto.commit": True, "auto.commit.interval.ms": 1000,
                            "on_commit": lambda err, parts: results.append((err, _offsets(parts)))})
    consumer.assign([TP("t", 0)])
    consumer.poll(0)
    consumer.poll(0)
    c.advance(1000)
    consumer.poll(0)                   # commits 2, then hands out offset 2
    assert c.committed("g", "t", 0) == 2
    assert consumer.poll(0).offset() == 3    # serves the callback, stores 4
    assert results == [(None, [("t", 0, 2)])]
    consumer.pause([TP("t", 0)])
    c.advance(5000)
    consumer.poll(0)
    consumer.poll(0)
    assert len(results) == 2 and results[1] == (None, [("t", 0, 4)])
    c.advance(5000)
    consumer.poll(0)
    consumer.poll(0)
    assert len(results) == 2           # nothing new stored: no commit, no callback


def test_store_offsets_needs_auto_store_off_and_an_assigned_partition():
    _setup()
    consumer = _consumer()
    consumer.assign([TP("t", 0)])
    msg = consumer.poll(0)
    with pytest.raises(kafka.KafkaException) as info:
        consumer.store_offsets(msg)                          # enable.auto.offset.store is true
    assert _code(info) == kafka.KafkaError._INVALID_ARG
    manual = _consumer(**{"enable.auto.offset.store": False, "group.id": "manual"})
    with pytest.raises(ValueError, match="expected either message or offsets"):
        manual.store_offsets()
    with pytest.raises(ValueError, match="mutually exclusive"):
        manual.store_offsets(message=msg, offsets=[])
    manual.assign([TP("t", 0)])
    for offsets, code in (([], kafka.KafkaError._INVALID_ARG), ([TP("t", 1, 1)], kafka.KafkaError._STATE),
                          ([TP("zz", 0, 1)], kafka.KafkaError._UNKNOWN_PARTITION)):
        with pytest.raises(kafka.KafkaException) as info:
            manual.store_offsets(offsets=offsets)
        assert _code(info) == code
    manual.store_offsets(offsets=[TP("t", 0, 3), TP("t", 1, 1)])   # one stored: no error


def test_without_auto_store_only_what_the_application_stored_is_committed():
    c = _setup(partitions=1)
    consumer = _consumer(**{"enable.auto.commit": True, "enable.auto.offset.store": False})
    consumer.assign([TP("t", 0)])
    messages = consumer.consume(3, 0)
    with pytest.raises(kafka.KafkaException) as info:
        consumer.commit(asynchronous=False)
    assert _code(info) == kafka.KafkaError._NO_OFFSET
    consumer.store_offsets(messages[0])
    assert _offsets(consumer.commit(asynchronous=False)) == [("t", 0, 1)]
    consumer.store_offsets(messages[1])
    consumer.close()
    assert c.committed("g", "t", 0) == 2


def test_committed_reports_unknown_partitions_in_the_error_field():
    c = _setup()
    c.commit("g", "t", 1, 0)
    consumer = _consumer()
    got = consumer.committed([TP("t", 0), TP("t", 1), TP("t", 9), TP("zz", 0)], timeout=1)
    assert [(tp.offset, tp.error and tp.error.code()) for tp in got] == [
        (kafka.OFFSET_INVALID, None), (0, None),
        (kafka.OFFSET_INVALID, kafka.KafkaError.UNKNOWN_TOPIC_OR_PART),
        (kafka.OFFSET_INVALID, kafka.KafkaError.UNKNOWN_TOPIC_OR_PART)]


def test_offsets_for_times_finds_the_first_offset_at_or_after_the_time():
    timestamps = [1000, 2000, 2000, 1500, 3000]
    _setup(partitions=2, timestamps=timestamps)
    consumer = _consumer()
    asks = [0, 1000, 1001, 1500, 2001, 3000, 3001, -1, -2]
    got = [consumer.offsets_for_times([TP("t", 0, ts)])[0] for ts in asks]
    expected = []
    for ts in asks:
        if ts == -1:
            expected.append(5)
        elif ts == -2:
            expected.append(0)
        else:
            later = [o for o, t in enumerate(timestamps) if t >= ts]
            expected.append(later[0] if later else -1)
    assert [tp.offset for tp in got[:-2]] == [0, 0, 1, 1, 4, 4, -1]
    assert [tp.offset for tp in got] == expected
    both = consumer.offsets_for_times([TP("t", 0, 1001), TP("t", 1, 2001)])
    assert [(tp.partition, tp.offset) for tp in both] == [(0, 1), (1, 4)]
    twice = consumer.offsets_for_times([TP("t", 1, 0), TP("t", 1, 3001)])
    assert [tp.offset for tp in twice] == [-1, -1]                  # the last timestamp wins
    with pytest.raises(kafka.KafkaException) as info:
        consumer.offsets_for_times([TP("t", 0, 0), TP("t", 7, 0)])
    assert _code(info) == kafka.KafkaError._UNKNOWN_PARTITION
    with pytest.raises(TypeError):
        consumer.offsets_for_times(TP("t", 0, 0))


def test_offsets_for_times_feeds_assign_to_replay_from_a_time():
    _setup(partitions=1, timestamps=[10, 20, 30, 40, 50])
    consumer = _consumer()
    start = consumer.offsets_for_times([TP("t", 0, 35)])
    consumer.assign(start)
    assert [m.timestamp()[1] for m in consumer.consume(10, 0)] == [40, 50]


def test_watermarks_and_their_errors():
    c = _setup(per_partition=3)
    consumer = _consumer()
    assert consumer.get_watermark_offsets(TP("t", 1)) == (0, 3) == c.watermarks("t", 1)
    with pytest.raises(kafka.KafkaException) as info:
        consumer.get_watermark_offsets(TP("t", 5))
    assert _code(info) == kafka.KafkaError._UNKNOWN_PARTITION
    with pytest.raises(TypeError):
        consumer.get_watermark_offsets("t")


def test_group_metadata_names_the_group_member_and_generation():
    _setup()
    consumer = _consumer()
    assert consumer.consumer_group_metadata() == ConsumerGroupMetadata("g", -1, "")
    consumer.subscribe(["t"])
    meta = consumer.consumer_group_metadata()
    assert (meta.group_id, meta.member_id, meta.generation_id) == ("g", consumer.memberid(), 1)
    consumer.subscribe(["t"])                                        # a rejoin: a new generation
    assert consumer.consumer_group_metadata().generation_id == 2


def test_a_closed_consumer_raises_runtime_error_and_close_is_idempotent():
    _setup()
    consumer = _consumer()
    consumer.close()
    consumer.close()
    calls = [lambda: consumer.poll(0), lambda: consumer.consume(1, 0), lambda: consumer.subscribe(["t"]),
             consumer.unsubscribe, lambda: consumer.assign([]), consumer.assignment, consumer.unassign,
             lambda: consumer.seek(TP("t", 0, 0)), lambda: consumer.pause([]), lambda: consumer.resume([]),
             lambda: consumer.commit(), lambda: consumer.committed([]), lambda: consumer.position([]),
             lambda: consumer.offsets_for_times([]), lambda: consumer.get_watermark_offsets(TP("t", 0)),
             lambda: consumer.store_offsets(offsets=[]), consumer.memberid, consumer.consumer_group_metadata]
    for call in calls:
        with pytest.raises(RuntimeError, match="Consumer closed"):
            call()
    with pytest.raises(RuntimeError, match="Handle has been closed"):
        consumer.list_topics()


def test_the_consumer_is_a_context_manager_that_closes():
    c = _setup(partitions=1)
    with _consumer(**{"enable.auto.commit": True}) as consumer:
        consumer.assign([TP("t", 0)])
        consumer.consume(2, 0)
    assert c.committed("g", "t", 0) == 2
    with pytest.raises(RuntimeError):
        consumer.poll(0)


def test_list_topics_describes_the_cluster():
    pytest.importorskip("pysim.kafka.metadata")
    _setup(partitions=3)
    metadata = _consumer().list_topics()
    assert sorted(metadata.topics["t"].partitions) == [0, 1, 2]
