"""pysim.replay.reset_offsets: kafka-consumer-groups.sh --reset-offsets semantics (dry run by
default, inactive groups only, clamping, time-based targets falling back to the log end)."""

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings, strategies as st

from pysim import kafka
from pysim.kafka import KafkaError, KafkaException, TopicPartition
from pysim.replay import (
    reset_offsets, GroupNotInactiveError, ResetRow, parse_datetime_ms, parse_duration_ms,
)

SERVERS = "replay-test:9092"
HOUR, DAY = 3_600_000, 86_400_000


def make_cluster(days=10, partitions=3):
    """One record per partition every hour for ``days`` virtual days, then group "g" has
    committed offset 5 on partition 0 and nothing elsewhere."""
    kafka.reset_all(seed=0)
    c = kafka.cluster(SERVERS)
    c.create_topic("events", partitions)
    for _ in range(days * 24):
        c.advance(HOUR)
        for p in range(partitions):
            c.append("events", p, None, b"e", 0, None)
    c.commit("g", "events", 0, 5)
    return c


def first_at_or_after(c, topic, partition, ts):
    """Independent answer: scan the readable records in offset order."""
    low, high = c.watermarks(topic, partition)
    for rec in c.records(topic, partition):
        if rec.offset >= low and rec.timestamp >= ts:
            return rec.offset
    return high


def test_dry_run_is_the_default_and_changes_nothing():
    c = make_cluster()
    before = len(c.trace)
    plan = reset_offsets(c, "g", ["events"], to_earliest=True)
    assert plan == [ResetRow("events", 0, 5, 0), ResetRow("events", 1, None, 0), ResetRow("events", 2, None, 0)]
    assert not plan.executed
    assert c.group_commits("g") == {("events", 0): 5}
    assert len(c.trace) == before


def test_execute_commits_the_plan_and_traces_it_and_the_consumer_resumes_there():
    c = make_cluster()
    plan = reset_offsets(c, "g", ["events:0,2"], to_offset=100, execute=True)
    assert plan.executed and [(r.partition, r.new) for r in plan] == [(0, 100), (2, 100)]
    assert c.group_commits("g") == {("events", 0): 100, ("events", 2): 100}
    (event,) = c.trace.events("group.reset_offsets")
    assert event.data["group"] == "g" and event.data["target"] == "to_offset"
    assert event.data["offsets"] == [["events", 0, 100], ["events", 2, 100]]
    consumer = kafka.Consumer({"bootstrap.servers": SERVERS, "group.id": "g", "enable.auto.commit": False})
    consumer.assign([TopicPartition("events", 2)])
    assert consumer.poll(0).offset() == 100


def test_to_latest_and_to_current():
    c = make_cluster(days=1)
    latest = reset_offsets(c, "g", ["events"], to_latest=True)
    assert [r.new for r in latest] == [24, 24, 24]
    current = reset_offsets(c, "g", ["events"], to_current=True)
    # Kafka's resetToCurrent: the committed offset, or the log end where there is none.
    assert [(r.current, r.new) for r in current] == [(5, 5), (None, 24), (None, 24)]


def test_to_offset_is_clamped_to_the_log_with_the_tools_warnings():
    c = make_cluster(days=1)
    c.delete_records("events", 1, 10)
    high = reset_offsets(c, "g", ["events:0"], to_offset=1000)
    assert [r.new for r in high] == [24]
    assert high.warnings == ["New offset (1000) is higher than latest offset for topic partition events-0. "
                             "Value will be set to 24."]
    low = reset_offsets(c, "g", ["events:1"], to_offset=3)
    assert [r.new for r in low] == [10]
    assert low.warnings == ["New offset (3) is lower than earliest offset for topic partition events-1. "
                            "Value will be set to 10."]
    assert [r.new for r in reset_offsets(c, "g", ["events:1"], to_earliest=True)] == [10]


def test_shift_by_moves_from_the_committed_offset_and_needs_one():
    c = make_cluster(days=1)
    assert [r.new for r in reset_offsets(c, "g", ["events:0"], shift_by=-3)] == [2]
    assert [r.new for r in reset_offsets(c, "g", ["events:0"], shift_by=-30)] == [0]
    assert [r.new for r in reset_offsets(c, "g", ["events:0"], shift_by=+30)] == [24]
    with pytest.raises(ValueError, match="Cannot shift offset for partition events-1 since there is no "
                                         "current committed offset"):
        reset_offsets(c, "g", ["events"], shift_by=1, execute=True)
    assert c.group_commits("g") == {("events", 0): 5}


def test_to_datetime_finds_the_first_record_at_or_after_that_time():
    c = make_cluster()
    plan = reset_offsets(c, "g", ["events"], to_datetime="1970-01-04T12:30:00.000")
    target = parse_datetime_ms("1970-01-04T12:30:00.000")
    assert target == 3 * DAY + 12 * HOUR + 30 * 60_000
    assert [r.new for r in plan] == [first_at_or_after(c, "events", p, target) for p in range(3)]
    assert [r.new for r in plan] == [84, 84, 84]     # records at hour 1, 2, ...: hour 85 is offset 84
    zoned = reset_offsets(c, "g", ["events"], to_datetime="1970-01-04T14:30:00.000+02:00")
    assert [r.new for r in zoned] == [r.new for r in plan]


def test_a_time_after_every_record_falls_back_to_the_log_end_with_a_warning():
    c = make_cluster(days=2)
    plan = reset_offsets(c, "g", ["events:1"], to_datetime="1999-01-01T00:00:00.000")
    assert [r.new for r in plan] == [48]
    assert plan.warnings == ["Partition 1 from topic events is empty. Falling back to latest known offset."]


def test_by_duration_counts_back_from_the_virtual_now():
    c = make_cluster()
    plan = reset_offsets(c, "g", ["events"], by_duration="P7D")
    assert c.now_ms == 10 * DAY
    assert [r.new for r in plan] == [first_at_or_after(c, "events", p, 3 * DAY) for p in range(3)]
    same = reset_offsets(c, "g", ["events"], to_datetime="1970-01-04T00:00:00.000")
    assert [r.new for r in plan] == [r.new for r in same]
    future = reset_offsets(c, "g", ["events:0"], by_duration="-PT1H")
    assert [r.new for r in future] == [240] and future.warnings


def test_an_active_group_is_refused_with_kafkas_message():
    c = make_cluster(days=1)
    c.join("g", "member-1")
    with pytest.raises(GroupNotInactiveError) as info:
        reset_offsets(c, "g", ["events"], to_earliest=True, execute=True)
    assert str(info.value) == ("Assignments can only be reset if the group 'g' is inactive, "
                               "but the current state is Stable.")
    assert c.group_commits("g") == {("events", 0): 5}
    c.leave("g", "member-1")
    assert reset_offsets(c, "g", ["events"], to_earliest=True, execute=True).executed


def test_all_topics_means_the_partitions_the_group_committed():
    c = make_cluster(days=1)
    c.create_topic("other", 2)
    c.commit("g", "other", 1, 0)
    plan = reset_offsets(c, "g", all_topics=True, to_latest=True)
    assert [(r.topic, r.partition) for r in plan] == [("events", 0), ("other", 1)]
    assert reset_offsets(c, "fresh", all_topics=True, to_latest=True) == []


@pytest.mark.parametrize("kwargs, message", [
    ({"topics": ["events"]}, "exactly one target"),
    ({"topics": ["events"], "to_earliest": True, "to_offset": 3}, "got to_earliest, to_offset"),
    ({"to_earliest": True}, "One of the reset scopes should be defined"),
    ({"topics": ["events"], "all_topics": True, "to_earliest": True}, "not both"),
    ({"topics": ["events:0:1"], "to_earliest": True}, "expected topic name and partitions"),
    ({"topics": ["events:x"], "to_earliest": True}, "Invalid partition 'x'"),
    ({"topics": ["events"], "to_datetime": "1970-01-01"}, "does not contain a 'T'"),
    ({"topics": ["events"], "to_datetime": "1970-02-30T00:00:00.000"}, "no such date or time .year 1970, month 2, day 30"),
    ({"topics": ["events"], "by_duration": "P1W"}, "cannot be parsed to a Duration"),
])
def test_bad_arguments_raise_before_anything_changes(kwargs, message):
    c = make_cluster(days=1)
    with pytest.raises(ValueError, match=message):
        reset_offsets(c, "g", execute=True, **kwargs)
    assert c.group_commits("g") == {("events", 0): 5}


def test_unknown_partitions_and_topics_are_reported():
    c = make_cluster(days=1)
    with pytest.raises(KafkaException) as info:
        reset_offsets(c, "g", ["events:1,7", "events:9"], to_earliest=True, execute=True)
    assert info.value.args[0].code() == KafkaError.UNKNOWN_TOPIC_OR_PART
    assert info.value.args[0].str() == 'The partitions "events-7,events-9" do not exist'
    with pytest.raises(KafkaException, match="ghost"):
        reset_offsets(c, "g", ["ghost"], to_earliest=True)
    assert c.group_commits("g") == {("events", 0): 5}


def test_the_plan_prints_as_an_aligned_table():
    c = make_cluster(days=1)
    lines = reset_offsets(c, "g", ["events:0,1"], to_latest=True).table().splitlines()
    assert lines[0].split() == ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "NEW-OFFSET"]
    assert [line.split() for line in lines[1:]] == [["g", "events", "0", "5", "24"], ["g", "events", "1", "-", "24"]]
    column = lines[0].index("NEW-OFFSET")
    assert all(line.rindex(" ") + 1 == column for line in lines[1:])


# -- time arguments ----------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("1970-01-01T00:00:00.000", 0),
    ("1970-01-01T00:00:00.001Z", 1),
    ("1970-01-02T01:00:00.000+01:00", DAY),
    ("1970-01-02T01:00:00.000+0100", DAY),
    ("1970-01-02T01:00:00.000+01", DAY),
    ("1970-01-01T20:00:00.000-04:00", DAY),
    ("2024-02-29T12:00:00.250", 1709208000250),
])
def test_parse_datetime_ms(text, expected):
    assert parse_datetime_ms(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("P7D", 7 * DAY), ("PT1H30M", 90 * 60_000), ("PT0.5S", 500), ("pt2m", 120_000),
    ("-PT1M", -60_000), ("P1DT2H3M4.005S", DAY + 2 * HOUR + 3 * 60_000 + 4005), ("PT-6H3M", -6 * HOUR + 3 * 60_000),
])
def test_parse_duration_ms(text, expected):
    assert parse_duration_ms(text) == expected


@pytest.mark.parametrize("text", ["P", "PT", "7D", "P1W", "P1Y", "P1M", "PT1H1D", "P1DT", ""])
def test_durations_java_would_reject(text):
    with pytest.raises(ValueError, match="Duration"):
        parse_duration_ms(text)


@settings(max_examples=200, deadline=None)
@given(ms=st.integers(min_value=0, max_value=4_102_444_800_000),
       zone_minutes=st.sampled_from([0, 60, -300, 330, 840, -720]))
def test_a_formatted_instant_parses_back_to_itself(ms, zone_minutes):
    zone = timezone(timedelta(minutes=zone_minutes))
    moment = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(milliseconds=ms)
    local = moment.astimezone(zone)
    sign = "+" if zone_minutes >= 0 else "-"
    suffix = f"{sign}{abs(zone_minutes) // 60:02d}:{abs(zone_minutes) % 60:02d}"
    text = local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}" + suffix
    assert parse_datetime_ms(text) == ms


@settings(max_examples=100, deadline=None)
@given(offset=st.integers(min_value=-50, max_value=80), deleted=st.integers(min_value=0, max_value=24))
def test_to_offset_always_lands_inside_the_log(offset, deleted):
    c = make_cluster(days=1, partitions=1)
    c.delete_records("events", 0, deleted)
    (row,) = reset_offsets(c, "g", ["events"], to_offset=offset)
    low, high = c.watermarks("events", 0)
    assert row.new == min(max(offset, low), high)
