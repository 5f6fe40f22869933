"""Properties of a partition log under random appends, time, cleaner passes and
DeleteRecords (hypothesis, stateful). The model here knows only what was appended and
Kafka's rules; it never reads the log's private state, and it measures record sizes with
its own encoder of Kafka's v2 record format."""

from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from pysim.kafka import KafkaError, KafkaException
from pysim.kafka.cluster import Cluster
from pysim.kafka.record_size import batch_size


# -- an independent encoder of Kafka's DefaultRecord (v2) ---------------------------------

def _varint(n):
    """ByteUtils.writeVarint: zigzag, then 7 bits per byte, low bits first."""
    z = (n << 1) ^ (n >> 63)
    out = bytearray()
    while True:
        b = z & 0x7F
        z >>= 7
        if z:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(data):
    if data is None:
        return _varint(-1)
    data = data.encode() if isinstance(data, str) else bytes(data)
    return _varint(len(data)) + data


def encoded_batch(key, value, headers):
    """61-byte batch header + DefaultRecord.writeTo of one record (deltas 0)."""
    headers = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    body = b"\x00" + _varint(0) + _varint(0) + _field(key) + _field(value) + _varint(len(headers))
    for name, hvalue in headers:
        body += _field(name) + _field(hvalue)
    return 61 + len(_varint(len(body)) + body)


_bytes = st.one_of(st.none(), st.binary(max_size=300), st.text(max_size=80))


@settings(max_examples=100, deadline=None)
@given(_bytes, _bytes, st.one_of(st.none(), st.lists(st.tuples(st.text(max_size=20), _bytes), max_size=4)))
def test_record_size_matches_an_encoding_of_the_record(key, value, headers):
    assert batch_size(key, value, headers) == encoded_batch(key, value, headers)


# -- the log as a state machine -------------------------------------------------------------

KEYS = [b"a", b"b", b"c", b"d", None]
VALUES = [b"x", b"y" * 20, None, b"z" * 200]


class LogMachine(RuleBasedStateMachine):

    @initialize(policy=st.sampled_from(["delete", "compact", "compact,delete"]),
                segment_bytes=st.sampled_from([150, 200, 300, 600]),
                segment_ms=st.sampled_from([1000, 20000, 604800000]),
                retention_ms=st.sampled_from([-1, 5000, 60000, 400000]),
                retention_bytes=st.sampled_from([-1, 250, 900]),
                delete_retention_ms=st.sampled_from([0, 10000, 100000]),
                min_lag=st.sampled_from([0, 8000]),
                ratio=st.sampled_from(["0", "0.5", "0.9"]))
    def setup(self, policy, segment_bytes, segment_ms, retention_ms, retention_bytes,
              delete_retention_ms, min_lag, ratio):
        self.conf = dict(policy=policy, segment_bytes=segment_bytes, segment_ms=segment_ms,
                         retention_ms=retention_ms, retention_bytes=retention_bytes,
                         delete_retention_ms=delete_retention_ms, min_lag=min_lag, ratio=float(ratio))
        self.compact, self.delete = "compact" in policy, "delete" in policy
        self.c = Cluster(seed=3)
        self.c.create_topic("t", 1, config={
            "cleanup.policy": policy, "segment.bytes": segment_bytes, "segment.ms": segment_ms,
            "retention.ms": retention_ms, "retention.bytes": retention_bytes,
            "delete.retention.ms": delete_retention_ms, "min.compaction.lag.ms": min_lag,
            "min.cleanable.dirty.ratio": ratio})
        self.log = self.c.log("t", 0)
        self.appended = {}            # offset -> (key, value, timestamp, headers)
        self.stored = []              # offsets stored after the last step
        self.log_start = 0
        self.compactions = []         # every log.compact event so far
        self.trace_seen = len(self.c.trace)
        self.active_base = 0

    # -- rules ------------------------------------------------------------------------------
    @rule(key=st.sampled_from(KEYS), value=st.sampled_from(VALUES),
          shift=st.sampled_from([None, None, None, -30000, -3000, 2000]),
          headers=st.sampled_from([None, [("h", b"1")], {"trace-id": "\u00e9t\u00e9"}]))
    def append(self, key, value, shift, headers):
        c = self.c
        now = c.now_ms
        timestamp = 0 if shift is None else max(1, now + shift)
        ts = timestamp or now
        size = encoded_batch(key, value, headers)
        before = self.log.segments()[-1]
        expected_error = None
        if key is None and self.compact:
            expected_error = KafkaError.INVALID_RECORD
        elif size > self.conf["segment_bytes"]:
            expected_error = KafkaError.RECORD_LIST_TOO_LARGE
        try:
            rec = c.append("t", 0, key, value, timestamp, headers)
        except KafkaException as exc:
            assert exc.args[0].code() == expected_error
            assert self.log.log_end_offset == len(self.appended)
            return
        assert expected_error is None
        assert rec.offset == len(self.appended)
        self.appended[rec.offset] = (key, value, ts, headers)
        after = self.log.segments()[-1]
        rolled = after.base_offset == rec.offset and before.base_offset != rec.offset
        first_ts = self._first_timestamp(before) if before.record_count else None
        should_roll = before.size_bytes > 0 and (
            before.size_bytes + size > self.conf["segment_bytes"]
            or (first_ts is not None and ts - first_ts > self.conf["segment_ms"]))
        assert rolled == should_roll, (before, after, size, ts, first_ts)

    @rule(records=st.lists(st.tuples(st.sampled_from(KEYS[:4] * 3 + KEYS[4:]), st.sampled_from(VALUES[:3])),
                           min_size=1, max_size=8),
          step_ms=st.sampled_from([0, 100, 2000]))
    def append_several(self, records, step_ms):
        for key, value in records:
            self.append(key, value, None, None)
            if step_ms:
                self.c.advance(step_ms)

    @rule(ms=st.sampled_from([1, 999, 5000, 15000, 30000, 120000, 300000, 700000]))
    def advance(self, ms):
        self.c.advance(ms)

    @rule()
    def run_cleaner(self):
        self.c.run_log_cleaner()
        self._check_nothing_left_due()

    @rule(delta=st.integers(-2, 8))
    def delete_records(self, delta):
        c = self.c
        target = self.log.log_start_offset + delta
        try:
            low = c.delete_records("t", 0, target)
        except KafkaException as exc:
            code = exc.args[0].code()
            if not self.delete:
                assert code == KafkaError.POLICY_VIOLATION
            else:
                assert code == KafkaError.OFFSET_OUT_OF_RANGE
                assert target < -1 or target > self.log.high_watermark
            return
        assert self.delete
        expected = self.log.high_watermark if target == -1 else target
        assert low == max(self.log_start, expected) == self.log.log_start_offset

    # -- invariants --------------------------------------------------------------------------
    @invariant()
    def offsets_and_contents_never_change(self):
        if not hasattr(self, "log"):
            return
        log = self.log
        assert log.log_end_offset == log.high_watermark == len(self.appended)
        assert self.log_start <= log.log_start_offset <= log.log_end_offset
        readable = log.records()
        offsets = [r.offset for r in readable]
        assert offsets == sorted(set(offsets))
        for r in readable:
            assert log.log_start_offset <= r.offset < log.log_end_offset
            assert (r.key, r.value, r.timestamp, r.headers) == self.appended[r.offset]
        assert len(log) == len(readable)

    @invariant()
    def segments_tile_the_log(self):
        if not hasattr(self, "log"):
            return
        segs = self.log.segments()
        assert segs[-1].active and not any(s.active for s in segs[:-1])
        assert [s.base_offset for s in segs] == sorted({s.base_offset for s in segs})
        assert segs[0].base_offset <= self.log.log_start_offset
        assert segs[-1].next_offset == self.log.log_end_offset
        stored = self._stored_records()
        assert all(r.offset >= segs[0].base_offset for r in stored)
        for s in segs:
            inside = [r for r in stored if s.base_offset <= r.offset < s.next_offset]
            assert s.record_count == len(inside)
            assert s.size_bytes == sum(encoded_batch(*self.appended[r.offset][:2], r.headers) for r in inside)
            assert s.size_bytes <= self.conf["segment_bytes"]
            if inside:
                assert s.largest_timestamp == max(r.timestamp for r in inside)

    @invariant()
    def every_removal_was_due(self):
        if not hasattr(self, "log"):
            return
        c, log = self.c, self.log
        events = c.trace[self.trace_seen:]
        self.trace_seen = len(c.trace)
        deletions = [e for e in events if e.kind == "log.delete_segment"]
        summaries = [e for e in events if e.kind == "log.retention"]
        new_compactions = [e for e in events if e.kind == "log.compact"]
        active_base = self.active_base
        for e in events:
            if e.kind == "log.roll":
                active_base = e.data["base_offset"]
            elif e.kind == "log.compact":
                assert e.data["end_offset"] <= active_base          # only closed segments
                assert e.data["dirty_ratio"] > self.conf["ratio"]
        self.compactions += new_compactions
        now_stored = {r.offset for r in self._stored_records()}
        for offset in sorted(set(self.stored) - now_stored):
            reasons = [self._deleted_by(e, summaries, offset) for e in deletions
                       if e.data["base_offset"] <= offset < e.data["next_offset"]]
            reasons += [self._compacted_by(e, [x for x in self.compactions if x.seq < e.seq], offset)
                        for e in new_compactions if offset < e.data["end_offset"]]
            assert any(reasons), (offset, self.appended[offset], self.conf)
        self.stored = sorted(now_stored)
        self.log_start = log.log_start_offset
        self.active_base = log.segments()[-1].base_offset
        # right after a cleaning, one readable record per key below where it stopped. Not one
        # stored record: as Kafka's Cleaner.doClean, the offset map covers only the dirty range,
        # which starts at max(checkpoint, log start offset), while the segments rewritten run
        # from offset 0; a record below the log start offset whose key is not in the map is
        # kept (shouldRetainRecord), unreadable, until its whole segment is deleted.
        if self.compactions:
            end = self.compactions[-1].data["end_offset"]
            keys = [r.key for r in self.log.records() if r.offset < end]
            assert len(keys) == len(set(keys)), (keys, end, self.log.log_start_offset)

    @invariant()
    def reads_and_time_lookups_agree_with_the_model(self):
        if not hasattr(self, "log"):
            return
        log = self.log
        readable = log.records()
        for offset in range(-1, log.log_end_offset + 2):
            expected = next((r for r in readable if r.offset >= max(offset, log.log_start_offset)), None)
            assert log.read_from(offset) is expected
        for target in sorted({r.timestamp for r in readable} | {0, self.c.now_ms + 1}):
            found = log.offset_for_timestamp(target)
            first = next((r.offset for r in readable if r.timestamp >= target), None)
            if found is not None:
                assert found == first
            elif first is not None:
                # Kafka looks only in the first segment whose largest timestamp reaches the target
                seg = next(s for s in log.segments() if s.largest_timestamp >= target)
                assert not any(seg.base_offset <= r.offset < seg.next_offset and r.timestamp >= target
                               for r in readable)

    # -- helpers -------------------------------------------------------------------------------
    def _stored_records(self):
        return self.log.stored_records()

    def _first_timestamp(self, segment):
        first = next(r for r in self._stored_records() if r.offset >= segment.base_offset)
        return first.timestamp

    def _deleted_by(self, event, summaries, offset):
        reason, t = event.data["reason"], event.time_ms
        if reason == "retention.ms":
            return (self.delete and self.conf["retention_ms"] >= 0
                    and t - self.appended[offset][2] > self.conf["retention_ms"])
        if reason == "retention.bytes":
            summary = next(s for s in summaries if s.seq > event.seq and s.data["reason"] == reason)
            return (self.delete and 0 <= self.conf["retention_bytes"] <= summary.data["log_size_bytes"])
        if reason == "log start offset":
            return event.data["next_offset"] <= self.log.log_start_offset and offset < self.log.log_start_offset
        return False

    def _compacted_by(self, event, earlier, offset):
        key, value, _, _ = self.appended[offset]
        if not self.compact or key is None:
            return self.compact
        t, end, lag = event.time_ms, event.data["end_offset"], self.conf["min_lag"]
        superseded = any(self.appended[o][0] == key and (lag == 0 or self.appended[o][2] <= t - lag)
                         for o in range(offset + 1, end))
        if superseded:
            return True
        if value is None:
            first_seen = next((e for e in earlier if offset < e.data["end_offset"]), None)
            return first_seen is not None and t >= first_seen.time_ms + self.conf["delete_retention_ms"]
        return False

    def _check_nothing_left_due(self):
        """Right after a forced pass, no rule would delete the first segment any more."""
        log, now = self.log, self.c.now_ms
        segs = log.segments()
        first = segs[0]
        if len(segs) > 1:
            assert segs[1].base_offset > log.log_start_offset
        if not self.delete or (first.active and first.size_bytes == 0):
            return
        if self.conf["retention_ms"] >= 0 and first.record_count:
            newest = max(r.timestamp for r in self._stored_records()
                         if first.base_offset <= r.offset < first.next_offset)
            assert now - newest <= self.conf["retention_ms"]
        if self.conf["retention_bytes"] >= 0:
            assert log.size_bytes - first.size_bytes < self.conf["retention_bytes"]


LogMachine.TestCase.settings = settings(max_examples=50, stateful_step_count=35, deadline=None,
                                        suppress_health_check=[HealthCheck.too_slow])
test_log_machine = LogMachine.TestCase


# -- regression examples: sequences exploration found, replayed step by step ----------------------

def _replay(conf, steps):
    """Run ``steps`` [(rule name, kwargs)] on a fresh LogMachine set up with ``conf``,
    checking every invariant after setup and after each step, as hypothesis does."""
    machine = LogMachine()
    invariants = [machine.offsets_and_contents_never_change, machine.segments_tile_the_log,
                  machine.every_removal_was_due, machine.reads_and_time_lookups_agree_with_the_model]
    machine.setup(**conf)
    for check in invariants:
        check()
    for name, kwargs in steps:
        getattr(machine, name)(**kwargs)
        for check in invariants:
            check()
    return machine


_COMPACT_NO_RETENTION = dict(policy="compact,delete", segment_bytes=300, segment_ms=1000, retention_ms=-1,
                             retention_bytes=-1, delete_retention_ms=0, min_lag=0, ratio="0")


def test_cleaner_removes_superseded_records_below_the_log_start_offset():
    """The sequence of issue 7 (a fresh clone's failing run; the record sizes it drew are not
    known, here all five share one segment): a, b, b at one instant; DeleteRecords up to the
    log end - 1; a, a; a cleaning. The dirty range starts at the log start offset (2) and its
    map holds both keys, so records 0 (a) and 1 (b) below the log start are superseded and
    removed even though nobody could read them any more."""
    m = _replay(_COMPACT_NO_RETENTION, [
        ("append_several", dict(records=[(b"a", b"x"), (b"b", b"x"), (b"b", b"x")], step_ms=0)),
        ("delete_records", dict(delta=2)),
        ("append_several", dict(records=[(b"a", b"x"), (b"a", b"x")], step_ms=0)),
        ("run_cleaner", {}),
    ])
    assert m.log.log_start_offset == 2
    assert [(r.offset, r.key) for r in m.log.stored_records()] == [(2, b"b"), (3, b"a"), (4, b"a")]


def test_cleaner_leaves_duplicate_keys_below_the_log_start_offset_unread():
    """Found by exploration: a, a, a; DeleteRecords to the high watermark (3); b, a; a
    cleaning. The dirty range is [3, 4) with only b in the map, so the three a records
    below the log start survive the rewrite (shouldRetainRecord keeps keys the map does not
    have) in the segment that also holds offset 3: stored, never readable."""
    m = _replay(_COMPACT_NO_RETENTION, [
        ("append_several", dict(records=[(b"a", b"x")] * 3, step_ms=0)),
        ("delete_records", dict(delta=-1)),
        ("append_several", dict(records=[(b"b", b"x"), (b"a", b"x")], step_ms=0)),
        ("run_cleaner", {}),
    ])
    assert [(r.offset, r.key) for r in m.log.stored_records()] == [(0, b"a"), (1, b"a"), (2, b"a"), (3, b"b"),
                                                                   (4, b"a")]
    assert [r.offset for r in m.log.records()] == [3, 4]
    compacted = [e for e in m.c.trace if e.kind == "log.compact"]
    assert [(e.data["first_dirty_offset"], e.data["end_offset"]) for e in compacted] == [(3, 4)]
