"""Segments, retention and DeleteRecords, checked against what Apache Kafka's log does
(LogSegment.shouldRoll, UnifiedLog.deleteOldSegments, Partition.deleteRecordsOnLeader)."""

import pytest

from pysim.kafka import KafkaError, KafkaException, TIMESTAMP_CREATE_TIME, TIMESTAMP_LOG_APPEND_TIME
from pysim.kafka.cluster import Cluster
from pysim.kafka.message import Message
from pysim.kafka.record_size import batch_size

# a key of 2 bytes and a value of 20: 61 (batch header) + 1 (length) + 1 (attributes)
# + 1 (timestampDelta) + 1 (offsetDelta) + 1 + 2 (key) + 1 + 20 (value) + 1 (no headers)
RECORD = 90


def produce(c, topic, n, key=b"k0", value=b"v" * 20, step_ms=0, partition=0, timestamp=0):
    recs = []
    for _ in range(n):
        recs.append(c.append(topic, partition, key, value, timestamp, None))
        if step_ms:
            c.advance(step_ms)
    return recs


def segments(c, topic, partition=0):
    return [(s.base_offset, s.next_offset, s.record_count) for s in c.log(topic, partition).segments()]


def error_of(excinfo):
    return excinfo.value.args[0]


# -- record sizes and segment rolling --------------------------------------------------

def test_record_size_is_kafkas_v2_record_plus_a_batch_header():
    assert batch_size(b"k0", b"v" * 20) == RECORD
    assert batch_size(None, None) == 61 + 7            # the smallest one-record batch
    assert batch_size(b"", b"") == 61 + 7
    # a 100-byte value needs a 2-byte length varint (zigzag 200 > 127), and so does the body
    assert batch_size(b"key-1", b"x" * 100) == 61 + 2 + (1 + 1 + 1 + 1 + 5 + 2 + 100 + 1)
    # one header: count 1, key "h" (1 + 1), value b"abc" (1 + 3); str values count as UTF-8
    assert batch_size(b"k", b"v", [("h", b"abc")]) == batch_size(b"k", b"v") + 6
    assert batch_size(b"k", b"v", {"h": "\u00e9"}) == batch_size(b"k", b"v") + 5
    assert batch_size(b"k", b"v", [("h", None)]) == batch_size(b"k", b"v") + 3


def test_a_segment_rolls_when_the_next_batch_would_push_it_past_segment_bytes():
    c = Cluster()
    c.create_topic("t", config={"segment.bytes": 11 * RECORD})
    produce(c, "t", 12)
    assert segments(c, "t") == [(0, 11, 11), (11, 12, 1)]
    info = c.log("t", 0).segments()
    assert info[0].size_bytes == 11 * RECORD and not info[0].active and info[1].active
    rolls = c.trace.events("log.roll")
    assert [(e.data["base_offset"], e.data["reason"]) for e in rolls] == [(11, "segment.bytes")]


def test_a_segment_rolls_when_a_record_is_stamped_more_than_segment_ms_after_its_first():
    c = Cluster()
    c.create_topic("t", config={"segment.ms": 10000})
    c.append("t", 0, b"a", b"1", 0, None)
    c.advance(10000)
    c.append("t", 0, b"b", b"2", 0, None)             # waited exactly segment.ms: no roll
    assert segments(c, "t") == [(0, 2, 2)]
    c.advance(1)
    c.append("t", 0, b"c", b"3", 0, None)
    assert segments(c, "t") == [(0, 2, 2), (2, 3, 1)]
    assert c.trace.events("log.roll")[0].data["reason"] == "segment.ms"


def test_rolling_by_time_follows_record_timestamps_not_the_clock():
    c = Cluster()
    c.create_topic("t", config={"segment.ms": 10000})
    c.append("t", 0, b"a", b"1", 1, None)
    c.advance(50000)
    c.append("t", 0, b"b", b"2", 5000, None)          # an old create time: same segment
    assert segments(c, "t") == [(0, 2, 2)]
    c.append("t", 0, b"c", b"3", 10002, None)         # 10001 ms after the first batch
    assert segments(c, "t") == [(0, 2, 2), (2, 3, 1)]


def test_an_idle_topic_does_not_roll_without_appends():
    c = Cluster()
    c.create_topic("t", config={"segment.ms": 1000, "retention.ms": -1})
    produce(c, "t", 3)
    c.advance(10 * 60 * 1000)
    assert segments(c, "t") == [(0, 3, 3)]


# -- retention by time ------------------------------------------------------------------

def test_the_retention_check_runs_30_s_after_start_then_every_5_minutes():
    c = Cluster()
    c.create_topic("t", config={"retention.ms": 1000})
    produce(c, "t", 1)
    c.advance(29999)
    assert c.watermarks("t", 0) == (0, 1)
    c.advance(1)                                       # t = 30000: the first check
    assert c.watermarks("t", 0) == (1, 1)
    c.advance(1000)
    produce(c, "t", 1)                                 # offset 1, stamped 31000
    c.advance(329999 - c.now_ms)
    assert c.watermarks("t", 0) == (1, 2)
    c.advance(1)                                       # t = 330000
    assert c.watermarks("t", 0) == (2, 2)
    assert [e.time_ms for e in c.trace.events("log.retention")] == [30000, 330000]


def test_a_record_outlives_retention_ms_while_its_segment_holds_newer_records():
    c = Cluster()
    c.create_topic("t", config={"retention.ms": 60000, "segment.bytes": 3 * RECORD})
    produce(c, "t", 3, step_ms=100000)                 # stamped 0, 100000, 200000: one segment
    produce(c, "t", 1)                                 # stamped 300000: rolls a new segment
    # at the check of t = 330000, offset 0 is 330 s old, but its segment's newest is 130 s old
    c.advance(330000 - c.now_ms - 1)
    c.advance(1)
    assert c.watermarks("t", 0) == (3, 4)              # that segment went only as a whole
    deleted = c.trace.events("log.delete_segment")
    assert [(e.data["base_offset"], e.data["next_offset"], e.data["records"], e.data["reason"],
             e.data["largest_timestamp"]) for e in deleted] == [(0, 3, 3, "retention.ms", 200000)]


def test_a_segment_with_an_unexpired_record_keeps_older_expired_ones():
    c = Cluster()
    c.create_topic("t", config={"retention.ms": 150000, "segment.bytes": 100 * RECORD})
    c.append("t", 0, b"k", b"v" * 21, 1, None)
    c.advance(200000)
    c.append("t", 0, b"k", b"v" * 21, 0, None)        # stamped 200000, same segment
    c.advance(130000)                                  # checks at 30000 and 330000
    # offset 0 is 329999 ms old at the second check, far past retention.ms, and still here
    assert c.watermarks("t", 0) == (0, 2)
    assert [r.offset for r in c.records("t", 0)] == [0, 1]
    c.advance(300000)                                  # check at 630000: 430000 ms > 150000
    assert c.watermarks("t", 0) == (2, 2)


def test_an_active_segment_whose_records_all_expired_is_deleted_and_offsets_carry_on():
    c = Cluster()
    c.create_topic("t", config={"retention.ms": 10000})
    produce(c, "t", 5)
    c.advance(30000)
    assert c.watermarks("t", 0) == (5, 5)
    assert c.records("t", 0) == [] and len(c.log("t", 0)) == 0
    assert segments(c, "t") == [(5, 5, 0)]
    assert [e.data["reason"] for e in c.trace.events("log.roll")] == ["retention"]
    # an empty active segment is never deleted: the next check leaves the log as it is
    c.advance(300000)
    assert segments(c, "t") == [(5, 5, 0)] and len(c.trace.events("log.roll")) == 1
    rec = c.append("t", 0, b"k", b"v", 0, None)
    assert rec.offset == 5 and c.watermarks("t", 0) == (5, 6)


def test_future_timestamps_keep_a_segment_alive_and_past_ones_expire_it_at_the_next_check():
    c = Cluster()
    c.create_topic("t", config={"retention.ms": 60000})
    c.append("t", 0, b"k", b"v", 10 ** 9, None)        # created far in the future
    c.advance(30000)
    assert c.watermarks("t", 0) == (0, 1)
    c2 = Cluster()
    c2.create_topic("t", config={"retention.ms": 60000})
    c2.advance(20000)
    c2.append("t", 0, b"k", b"v", 1, None)             # created long ago (t = 1 ms)
    assert c2.watermarks("t", 0) == (0, 1)
    c2.advance(10000)                                  # check at 30000: 29999 ms old, not yet
    assert c2.watermarks("t", 0) == (0, 1)
    c2.advance(300000)                                 # check at 330000
    assert c2.watermarks("t", 0) == (1, 1)


def test_retention_ms_minus_one_keeps_everything():
    c = Cluster()
    c.create_topic("t", config={"retention.ms": -1, "segment.bytes": 2 * RECORD})
    produce(c, "t", 6)
    c.advance(365 * 24 * 3600 * 1000)
    assert c.watermarks("t", 0) == (0, 6)
    assert c.trace.events("log.delete_segment") == []


def test_default_retention_is_seven_days_checked_every_five_minutes():
    c = Cluster()
    c.create_topic("t")
    produce(c, "t", 1)
    week = 7 * 24 * 3600 * 1000
    c.advance(week)                                    # now - 0 == retention.ms: not beyond it
    assert c.watermarks("t", 0) == (0, 1)
    c.advance(300000)                                  # the next check after the week is over
    assert c.watermarks("t", 0) == (1, 1)
    assert c.trace.events("log.retention")[0].time_ms == week + 30000


# -- retention by size -----------------------------------------------------------------

def test_retention_bytes_deletes_oldest_segments_while_the_rest_still_reaches_the_limit():
    c = Cluster()
    c.create_topic("t", config={"retention.bytes": 5 * RECORD, "segment.bytes": 2 * RECORD,
                                "retention.ms": -1})
    produce(c, "t", 9)                                 # segments [0,2) [2,4) [4,6) [6,8) [8,9)
    assert c.log("t", 0).size_bytes == 9 * RECORD
    c.run_log_cleaner()
    # 9 - 2 = 7 >= 5, 7 - 2 = 5 >= 5, 5 - 2 = 3 < 5: two segments go
    assert c.watermarks("t", 0) == (4, 9)
    assert c.log("t", 0).size_bytes == 5 * RECORD
    ret = c.trace.events("log.retention")
    assert [(e.data["reason"], e.data["old_log_start"], e.data["new_log_start"], e.data["segments"])
            for e in ret] == [("retention.bytes", 0, 4, 2)]


def test_retention_bytes_is_not_a_hard_limit_below_a_segment():
    c = Cluster()
    c.create_topic("t", config={"retention.bytes": RECORD, "retention.ms": -1})
    produce(c, "t", 50)                                # one active segment of 50 records
    c.run_log_cleaner()
    assert c.watermarks("t", 0) == (0, 50)             # deleting it would leave 0 < retention.bytes


# -- DeleteRecords -----------------------------------------------------------------------

def test_delete_records_moves_the_log_start_at_once_and_segments_go_at_the_next_pass():
    c = Cluster()
    c.create_topic("t", config={"segment.bytes": 4 * RECORD})
    produce(c, "t", 10)                                # [0,4) [4,8) [8,10)
    assert c.delete_records("t", 0, 6) == 6
    assert c.watermarks("t", 0) == (6, 10)
    assert [r.offset for r in c.records("t", 0)] == [6, 7, 8, 9]
    assert c.read("t", 0, 0).offset == 6
    assert segments(c, "t") == [(0, 4, 4), (4, 8, 4), (8, 10, 2)]   # still on disk
    # Kafka's ListOffsets picks the first segment whose largest timestamp reaches the target
    # and looks only there, from the log start: segment [0,4) has nothing readable, so no offset
    assert c.log("t", 0).offset_for_timestamp(0) is None
    c.run_log_cleaner()
    assert segments(c, "t") == [(4, 8, 4), (8, 10, 2)]              # [4,8) still holds 6 and 7
    assert c.watermarks("t", 0) == (6, 10)                           # the log start stays at 6
    assert c.log("t", 0).offset_for_timestamp(0) == 6
    assert [e.data["reason"] for e in c.trace.events("log.delete_segment")] == ["log start offset"]
    assert [(e.data["old_log_start"], e.data["new_log_start"])
            for e in c.trace.events("log.delete_records")] == [(0, 6)]


def test_delete_records_to_minus_one_deletes_up_to_the_high_watermark():
    c = Cluster()
    c.create_topic("t")
    produce(c, "t", 3)
    assert c.delete_records("t", 0, -1) == 3
    assert c.records("t", 0) == [] and c.read("t", 0, 0) is None
    assert c.append("t", 0, b"k", b"v", 0, None).offset == 3


def test_delete_records_never_moves_the_log_start_back():
    c = Cluster()
    c.create_topic("t")
    produce(c, "t", 5)
    c.delete_records("t", 0, 3)
    assert c.delete_records("t", 0, 1) == 3
    assert len(c.trace.events("log.delete_records")) == 1


@pytest.mark.parametrize("offset, code", [(6, KafkaError.OFFSET_OUT_OF_RANGE),
                                          (-2, KafkaError.OFFSET_OUT_OF_RANGE)])
def test_delete_records_outside_the_log_fails_and_changes_nothing(offset, code):
    c = Cluster()
    c.create_topic("t")
    produce(c, "t", 5)
    with pytest.raises(KafkaException) as excinfo:
        c.delete_records("t", 0, offset)
    assert error_of(excinfo).code() == code
    assert c.watermarks("t", 0) == (0, 5)


def test_delete_records_on_a_compact_only_topic_is_a_policy_violation():
    c = Cluster()
    c.create_topic("c", config={"cleanup.policy": "compact"})
    produce(c, "c", 3)
    with pytest.raises(KafkaException) as excinfo:
        c.delete_records("c", 0, 2)
    assert error_of(excinfo).code() == KafkaError.POLICY_VIOLATION
    assert "can not be deleted due to the configured policy" in str(error_of(excinfo))
    c.create_topic("cd", config={"cleanup.policy": "compact,delete"})
    produce(c, "cd", 3)
    assert c.delete_records("cd", 0, 2) == 2


def test_delete_records_on_an_unknown_partition_fails():
    c = Cluster()
    c.create_topic("t")
    with pytest.raises(KafkaException) as excinfo:
        c.delete_records("t", 1, 0)
    assert error_of(excinfo).code() == KafkaError._UNKNOWN_PARTITION
    with pytest.raises(KafkaException) as excinfo:
        c.delete_records("nope", 0, 0)
    assert error_of(excinfo).code() == KafkaError.UNKNOWN_TOPIC_OR_PART


# -- topic configs -----------------------------------------------------------------------

@pytest.mark.parametrize("config, message", [
    ({"retention.mss": "1"}, "Unknown topic config name: retention.mss"),
    ({"retention.ms": "-2"}, "Invalid value -2 for configuration retention.ms: Value must be at least -1"),
    ({"retention.ms": "1h"}, "Invalid value 1h for configuration retention.ms: Not a number of type LONG"),
    ({"segment.bytes": "13"}, "Invalid value 13 for configuration segment.bytes: Value must be at least 14"),
    ({"segment.bytes": str(2 ** 31)}, "Not a number of type INT"),
    ({"segment.ms": 0}, "Invalid value 0 for configuration segment.ms: Value must be at least 1"),
    ({"cleanup.policy": "Compact"},
     "Invalid value Compact for configuration cleanup.policy: String must be one of: compact, delete"),
    ({"cleanup.policy": "compact,"}, "String must be one of: compact, delete"),
    ({"min.cleanable.dirty.ratio": "1.5"}, "Value must be no more than 1"),
    ({"min.cleanable.dirty.ratio": "half"}, "Not a number of type DOUBLE"),
    ({"message.timestamp.type": "createtime"}, "String must be one of: CreateTime, LogAppendTime"),
    ({"delete.retention.ms": "-1"}, "Value must be at least 0"),
    ({"preallocate": "yes"}, "Expected value to be either true or false"),
    ({"min.compaction.lag.ms": "10", "max.compaction.lag.ms": "5"},
     "conflict topic config setting min.compaction.lag.ms (10) > max.compaction.lag.ms (5)"),
    ({"retention.ms": None}, "Null value not supported for topic configs: retention.ms"),
])
def test_an_invalid_topic_config_is_invalid_config_and_creates_nothing(config, message):
    c = Cluster()
    with pytest.raises(KafkaException) as excinfo:
        c.create_topic("t", 1, config=config)
    assert error_of(excinfo).code() == KafkaError.INVALID_CONFIG
    assert message in str(error_of(excinfo))
    assert not c.has_topic("t") and c.trace.events("topic.create") == []


def test_valid_topic_configs_are_parsed_like_the_broker_parses_strings():
    c = Cluster()
    c.create_topic("t", config={"retention.ms": " 60000 ", "cleanup.policy": "delete , compact",
                                "min.cleanable.dirty.ratio": "0.1", "preallocate": "TRUE",
                                "retention.bytes": -5, "compression.type": "zstd"})
    lc = c.log_config("t")
    assert (lc.retention_ms, lc.compact, lc.delete, lc.min_cleanable_dirty_ratio) == (60000, True, True, 0.1)
    assert lc.retention_bytes == -5 and lc.value("preallocate") is True
    assert c.topic_config("t")["retention.bytes"] == "-5"
    described = lc.describe()
    assert described["retention.ms"] == ("60000", False)
    assert described["segment.bytes"] == ("1073741824", True)
    assert described["delete.retention.ms"] == ("86400000", True)
    assert described["cleanup.policy"] == ("delete,compact", False)


def test_an_empty_cleanup_policy_deletes_nothing():
    c = Cluster()
    c.create_topic("t", config={"cleanup.policy": "", "retention.ms": 1})
    produce(c, "t", 3)
    c.advance(400000)
    assert c.watermarks("t", 0) == (0, 3)
    assert c.append("t", 0, None, b"v", 0, None).offset == 3       # not compacted: null keys are fine


def test_changing_retention_on_a_live_topic_takes_effect_at_the_next_check():
    c = Cluster()
    c.create_topic("t")
    produce(c, "t", 2)
    c.advance(60000)
    assert c.watermarks("t", 0) == (0, 2)
    c.set_topic_config("t", {"retention.ms": "1000"})
    assert c.topic_config("t") == {"retention.ms": "1000"}
    c.advance(270000)                                  # t = 330000
    assert c.watermarks("t", 0) == (2, 2)
    with pytest.raises(KafkaException):
        c.set_topic_config("t", {"retention.ms": "soon"})
    assert c.topic_config("t") == {"retention.ms": "1000"}


# -- what the broker rejects at produce time ---------------------------------------------

def test_a_record_larger_than_max_message_bytes_is_rejected_and_nothing_is_appended():
    c = Cluster()
    c.create_topic("t", config={"max.message.bytes": "100"})
    assert c.check_record("t", 0, b"k", b"v" * 20) is None
    err = c.check_record("t", 0, b"k", b"v" * 100)
    assert err.code() == KafkaError.MSG_SIZE_TOO_LARGE
    with pytest.raises(KafkaException) as excinfo:
        c.append("t", 0, b"k", b"v" * 100, 0, None)
    assert error_of(excinfo).code() == KafkaError.MSG_SIZE_TOO_LARGE
    assert c.watermarks("t", 0) == (0, 0) and c.trace.events("produce") == []


def test_a_batch_larger_than_segment_bytes_is_rejected():
    c = Cluster()
    c.create_topic("t", config={"segment.bytes": "80"})
    assert c.check_record("t", 0, b"k", b"v") is None
    assert c.check_record("t", 0, b"k", b"v" * 20).code() == KafkaError.RECORD_LIST_TOO_LARGE
    assert c.append("t", 0, b"k", b"v", 0, None).offset == 0     # 70 bytes fit
    with pytest.raises(KafkaException) as excinfo:
        c.append("t", 0, b"k", b"v" * 20, 0, None)
    assert error_of(excinfo).code() == KafkaError.RECORD_LIST_TOO_LARGE
    assert c.watermarks("t", 0) == (0, 1)


def test_timestamps_outside_the_configured_window_are_invalid_timestamp():
    c = Cluster()
    c.create_topic("t", config={"message.timestamp.before.max.ms": "1000",
                                "message.timestamp.after.max.ms": "500"})
    c.advance(10000)
    assert c.append("t", 0, b"k", b"v", 9000, None).offset == 0
    assert c.append("t", 0, b"k", b"v", 10500, None).offset == 1
    for ts in (8999, 10501):
        with pytest.raises(KafkaException) as excinfo:
            c.append("t", 0, b"k", b"v", ts, None)
        assert error_of(excinfo).code() == KafkaError.INVALID_TIMESTAMP
    assert c.watermarks("t", 0) == (0, 2)


def test_log_append_time_replaces_the_producers_timestamp():
    c = Cluster()
    c.create_topic("t", config={"message.timestamp.type": "LogAppendTime"})
    c.create_topic("u")
    c.advance(5000)
    rec = c.append("t", 0, b"k", b"v", 123, None)
    assert rec.timestamp == 5000
    assert Message._of("t", 0, rec).timestamp() == (TIMESTAMP_LOG_APPEND_TIME, 5000)
    other = c.append("u", 0, b"k", b"v", 123, None)
    assert Message._of("u", 0, other).timestamp() == (TIMESTAMP_CREATE_TIME, 123)


def test_the_same_scenario_gives_the_same_trace():
    def run():
        c = Cluster(seed=7)
        c.create_topic("t", config={"segment.bytes": 3 * RECORD, "retention.ms": 50000,
                                    "segment.jitter.ms": 1000, "segment.ms": 20000})
        for i in range(40):
            c.append("t", 0, b"k%d" % (i % 5), b"v" * 20, 0, None)
            c.advance(7000)
        c.delete_records("t", 0, c.watermarks("t", 0)[0] + 1)
        c.advance(600000)
        return c.trace.digest()
    assert run() == run()
