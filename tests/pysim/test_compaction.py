"""Log compaction, checked against what Apache Kafka's log cleaner does
(LogCleanerManager.grabFilthiestCompactedLog, Cleaner.doClean / shouldRetainRecord)."""

import pytest

from pysim.kafka import KafkaError, KafkaException
from pysim.kafka.cluster import Cluster
from pysim.kafka.record_size import batch_size

REC = batch_size(b"ka", b"v00")     # every record below has a 2-byte key and a 3-byte value
assert REC == 73


def topic(c, name="c", **config):
    conf = {"cleanup.policy": "compact", "segment.bytes": 3 * REC}
    conf.update({k.replace("_", "."): v for k, v in config.items()})
    c.create_topic(name, 1, config=conf)


def put(c, key, value, name="c", timestamp=0):
    """Append ``key`` (one letter) with a 3-byte value, or a tombstone when value is None."""
    v = None if value is None else b"v%02d" % value
    return c.append(name, 0, b"k" + key.encode(), v, timestamp, None)


def survivors(c, name="c"):
    return [(r.offset, r.key.decode()[1:], None if r.value is None else int(r.value[1:]))
            for r in c.records(name, 0)]


def segments(c, name="c"):
    return [(s.base_offset, s.next_offset, s.record_count) for s in c.log(name, 0).segments()]


def compactions(c):
    return c.trace.events("log.compact")


def test_the_latest_record_per_key_survives_in_closed_segments_and_the_active_one_is_untouched():
    c = Cluster()
    topic(c)
    for i, key in enumerate("ababac"):
        put(c, key, i)
    assert segments(c) == [(0, 3, 3), (3, 6, 3)]       # [3,6) is the active segment
    assert c.run_log_cleaner() == {"segments_deleted": 0, "logs_cleaned": 1}
    # only [0,3) was cleanable: a@0 goes (a@2 is later), b@1 and a@2 stay although the
    # active segment holds newer b and a
    assert survivors(c) == [(1, "b", 1), (2, "a", 2), (3, "b", 3), (4, "a", 4), (5, "c", 5)]
    assert c.watermarks("c", 0) == (0, 6)              # the log start does not move
    assert c.read("c", 0, 0).offset == 1               # reading a removed offset gives the next one
    e = compactions(c)[0]
    assert (e.data["first_dirty_offset"], e.data["end_offset"], e.data["records_before"],
            e.data["records_after"]) == (0, 3, 3, 2)


def test_a_cleaning_rewrites_the_clean_head_with_the_new_dirty_keys():
    c = Cluster()
    topic(c)
    for i, key in enumerate("abaaba"):
        put(c, key, i)
    c.run_log_cleaner()                                # [0,3): keeps b@1, a@2
    put(c, "c", 6)                                     # rolls: [3,6) is now closed
    # clean 146 bytes, dirty 219: ratio 0.6 > 0.5
    c.run_log_cleaner()
    assert survivors(c) == [(4, "b", 4), (5, "a", 5), (6, "c", 6)]
    assert segments(c) == [(0, 3, 0), (3, 6, 2), (6, 7, 1)]   # an emptied segment keeps its place
    assert c.watermarks("c", 0) == (0, 7)
    assert c.read("c", 0, 0).offset == 4
    e = compactions(c)[1]
    assert (e.data["first_dirty_offset"], e.data["end_offset"], e.data["dirty_ratio"]) == (3, 6, 0.6)


def test_a_log_is_not_cleaned_until_its_dirty_ratio_exceeds_min_cleanable_dirty_ratio():
    c = Cluster()
    topic(c, min_cleanable_dirty_ratio="0.6")
    for i, key in enumerate("abaaba"):
        put(c, key, i)
    c.run_log_cleaner()
    put(c, "c", 6)
    c.run_log_cleaner()                                # dirty ratio 0.6 is not > 0.6
    assert len(compactions(c)) == 1
    assert [o for o, _, _ in survivors(c)] == [1, 2, 3, 4, 5, 6]
    for i in range(2):
        put(c, "c", 7 + i)                              # [6,9) fills; the next append rolls
    put(c, "d", 9)
    c.run_log_cleaner()                                # dirty 438 / 584 = 0.75
    assert len(compactions(c)) == 2
    assert survivors(c) == [(4, "b", 4), (5, "a", 5), (8, "c", 8), (9, "d", 9)]


def test_small_cleaned_segments_are_merged_up_to_segment_bytes():
    c = Cluster()
    topic(c, segment_ms="1000")
    for i, key in enumerate("ababacx"):
        put(c, key, i)
        c.advance(1001)                                 # every record rolls its own segment
    assert len(segments(c)) == 7
    c.run_log_cleaner()
    # groups of three 73-byte segments: {0,1,2} all superseded, {3,4,5} all kept
    assert segments(c) == [(0, 3, 0), (3, 6, 3), (6, 7, 1)]
    assert survivors(c) == [(3, "b", 3), (4, "a", 4), (5, "c", 5), (6, "x", 6)]
    assert c.log("c", 0).segments()[1].size_bytes == 3 * REC


def test_min_compaction_lag_keeps_young_segments_dirty():
    c = Cluster()
    topic(c, min_compaction_lag_ms="60000")
    for i, key in enumerate("aaaa"):
        put(c, key, i)                                  # stamped 0; [0,3) closed
    c.advance(59999)                                    # cleaner passes at 15, 30 and 45 s
    c.run_log_cleaner()                                 # newest record in [0,3) is 59999 ms old
    assert compactions(c) == [] and len(survivors(c)) == 4
    c.advance(1)                                        # the pass at 60 s: no longer younger
    assert [e.time_ms for e in compactions(c)] == [60000]
    assert survivors(c) == [(2, "a", 2), (3, "a", 3)]


def test_tombstones_stay_delete_retention_ms_after_the_first_cleaning_that_kept_them():
    c = Cluster()
    topic(c, delete_retention_ms="100000", segment_ms="1000")
    put(c, "a", 0)
    put(c, "b", 1)
    put(c, "a", None)                                   # tombstone for a at offset 2
    c.advance(1001)
    put(c, "z", 3)                                      # rolls: [0,3) closed
    c.run_log_cleaner()                                 # t = 1001
    assert survivors(c) == [(1, "b", 1), (2, "a", None), (3, "z", 3)]
    assert c.log("c", 0).tombstone_horizons == {2: 1001 + 100000}

    def dirty_the_log():
        for i in range(3):
            put(c, "z", 10 + i)
        c.advance(1001)
        put(c, "y", 20)                                 # roll, so the z's are cleanable

    c.advance(50000)
    dirty_the_log()
    c.run_log_cleaner()                                 # before the horizon: the tombstone stays
    assert (2, "a", None) in survivors(c) and len(compactions(c)) == 2
    # a quiet topic: nothing dirty, so no cleaning, and the tombstone outlives its horizon
    c.advance(200000)
    c.run_log_cleaner()
    assert (2, "a", None) in survivors(c) and len(compactions(c)) == 2
    dirty_the_log()
    c.run_log_cleaner()
    assert all(key != "a" for _, key, _ in survivors(c))
    assert c.log("c", 0).tombstone_horizons == {}
    assert compactions(c)[-1].data["tombstones_removed"] == 1


def test_a_superseded_tombstone_goes_at_once():
    c = Cluster()
    topic(c)
    put(c, "a", 0)
    put(c, "a", None)
    put(c, "a", 2)
    put(c, "b", 3)                                      # roll
    c.run_log_cleaner()
    assert survivors(c) == [(2, "a", 2), (3, "b", 3)]
    assert c.log("c", 0).tombstone_horizons == {}


def test_a_null_key_is_rejected_on_a_compacted_topic():
    c = Cluster()
    topic(c)
    err = c.check_record("c", 0, None, b"v")
    assert err.code() == KafkaError.INVALID_RECORD
    assert "Compacted topic cannot accept message without key" in str(err)
    with pytest.raises(KafkaException) as excinfo:
        c.append("c", 0, None, b"v", 0, None)
    assert excinfo.value.args[0].code() == KafkaError.INVALID_RECORD
    assert c.watermarks("c", 0) == (0, 0) and c.trace.events("produce") == []
    assert c.check_record("c", 0, b"k", b"v") is None


def test_null_key_records_from_before_a_switch_to_compact_are_dropped_by_the_cleaner():
    c = Cluster()
    c.create_topic("c", config={"segment.bytes": str(3 * REC)})
    c.append("c", 0, None, b"v00", 0, None)             # 72 bytes: a null key is 1 byte shorter
    put(c, "a", 1)
    put(c, "a", 2)
    put(c, "b", 3)                                      # rolls
    c.set_topic_config("c", {"cleanup.policy": "compact", "segment.bytes": str(3 * REC)})
    c.run_log_cleaner()
    assert survivors(c) == [(2, "a", 2), (3, "b", 3)]


def test_the_cleaner_wakes_every_15_seconds_once_a_compacted_topic_exists():
    c = Cluster()
    c.advance(4000)
    topic(c)
    for i, key in enumerate("aaaa"):
        put(c, key, i)
    c.advance(14999)
    assert compactions(c) == []
    c.advance(1)                                        # 15 s after the topic was created
    assert [e.time_ms for e in compactions(c)] == [19000]
    assert compactions(c)[0].actor == "kafka-log-cleaner-thread-0"
    assert survivors(c) == [(2, "a", 2), (3, "a", 3)]


def test_max_compaction_lag_forces_a_cleaning_below_the_dirty_ratio_and_rolls_segments():
    c = Cluster()
    topic(c, min_cleanable_dirty_ratio="0.99", max_compaction_lag_ms="50000",
          segment_bytes=str(100 * REC))
    put(c, "a", 0)
    put(c, "a", 1)
    c.advance(50000)
    put(c, "a", 2)                                      # 50000 ms after the first: no roll yet
    c.advance(1)
    put(c, "b", 3)                                      # 50001 ms: rolls (max.compaction.lag.ms)
    assert segments(c) == [(0, 3, 3), (3, 4, 1)]
    c.run_log_cleaner()                                 # dirty ratio 1.0 > 0.99 anyway
    assert survivors(c) == [(2, "a", 2), (3, "b", 3)]
    put(c, "b", 4)
    c.advance(50001)
    put(c, "c", 5)                                      # rolls: [3,5) closed, dirty 146 / 219
    c.run_log_cleaner()                                 # ratio 0.67 < 0.99, but b@3 is 50001 ms old
    assert survivors(c) == [(2, "a", 2), (4, "b", 4), (5, "c", 5)]


def test_compact_delete_topics_also_lose_expired_segments_in_the_cleaner_pass():
    c = Cluster()
    topic(c, cleanup_policy="compact,delete", retention_ms="20000")
    for i, key in enumerate("abcd"):
        put(c, key, i)                                  # stamped 0; [0,3) closed, [3,4) active
    c.advance(15000)                                    # cleaner at 15000: 15000 ms old, kept
    assert c.watermarks("c", 0) == (0, 4)
    c.advance(15000)                                    # t = 30000: both segments expired
    assert c.watermarks("c", 0) == (4, 4)
    actors = {e.actor for e in c.trace.events("log.retention")}
    assert actors == {"kafka-log-cleaner-thread-0"}     # not the retention task


def test_compaction_never_changes_what_survives_at_an_offset():
    c = Cluster()
    topic(c, segment_ms="500")
    appended = {}
    for i in range(60):
        key = "abcde"[(i * 7) % 5] if i % 11 else "f"
        rec = put(c, key, None if i % 13 == 5 else i % 100)
        appended[rec.offset] = (rec.key, rec.value, rec.timestamp)
        c.advance(200)
    c.advance(60000)
    assert compactions(c)
    left = c.records("c", 0)
    assert 0 < len(left) < 60
    for r in left:
        assert appended[r.offset] == (r.key, r.value, r.timestamp)
    keys = [r.key for r in left if r.offset < compactions(c)[-1].data["end_offset"]]
    assert len(keys) == len(set(keys))                  # one record per key below the cleaned end
