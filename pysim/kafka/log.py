"""One partition's log: an append-only sequence of records with offsets that are never
reused or renumbered, stored in segments as a Kafka broker stores them.

Records are appended to the active (last) segment; a new segment is rolled when the next
batch would make the active one larger than ``segment.bytes``, or when the batch's
timestamp is more than ``segment.ms`` after the segment's first timestamp (Kafka's
``LogSegment.shouldRoll``). Retention deletes whole segments and compaction rewrites closed
ones (see retention.py and compaction.py): they move the log start offset or leave gaps,
but the offset of every surviving record stays what it was. Because whole segments go, a
record can outlive ``retention.ms`` by as long as its segment holds newer records.

The records themselves live in one flat list in offset order (the hot path appends to it
and reads from it by arithmetic while there are no gaps); segments only hold the metadata
Kafka decides by (base offset, size in bytes, timestamps).
"""

from bisect import bisect_left

from pysim.kafka.errors import KafkaError, KafkaException
from pysim.kafka.record_size import batch_size
from pysim.kafka.topic_config import TopicConfig

TIMESTAMP_CREATE_TIME, TIMESTAMP_LOG_APPEND_TIME = 1, 2


class Record:
    """A stored record. ``timestamp`` is in virtual milliseconds: the producer's create time,
    or the broker's append time on a ``message.timestamp.type=LogAppendTime`` topic."""

    __slots__ = ("offset", "key", "value", "timestamp", "headers", "size")
    timestamp_type = TIMESTAMP_CREATE_TIME

    def __init__(self, offset, key, value, timestamp, headers, size):
        self.offset, self.key, self.value, self.timestamp, self.headers = offset, key, value, timestamp, headers
        self.size = size             # bytes as a v2 batch (record_size.batch_size), computed once at append

    def __repr__(self):
        return f"Record(offset={self.offset}, key={self.key!r}, value={self.value!r}, timestamp={self.timestamp})"


class LogAppendTimeRecord(Record):
    """A record whose timestamp the broker set when appending it."""

    __slots__ = ()
    timestamp_type = TIMESTAMP_LOG_APPEND_TIME


class ControlRecord(Record):
    """A transaction marker (Kafka's control batch): COMMIT or ABORT of producer
    ``producer_id``'s transaction, written by the transaction coordinator into every
    partition the transaction touched. It takes one offset; consumers never see it."""

    __slots__ = ("producer_id", "commit")

    def __init__(self, offset, timestamp, size, producer_id, commit):
        super().__init__(offset, None, None, timestamp, None, size)
        self.producer_id, self.commit = producer_id, commit

    def __repr__(self):
        return f"ControlRecord(offset={self.offset}, {'COMMIT' if self.commit else 'ABORT'}, producer_id={self.producer_id})"


# A control batch's size: the v2 batch header plus one record whose key is (version, type)
# and whose value is (version, coordinator epoch).
CONTROL_RECORD_SIZE = batch_size(b"\0\0\0\0", b"\0\0\0\0\0\0", None)


class Segment:
    """Metadata of one segment; its records are those of the log with offsets from
    ``base_offset`` up to the next segment's base offset (or the log end)."""

    __slots__ = ("base_offset", "size_bytes", "created_ms", "first_timestamp", "max_timestamp",
                 "last_modified_ms", "roll_jitter_ms", "roll_at")

    def __init__(self, base_offset, now_ms, roll_jitter_ms=0):
        self.base_offset = base_offset
        self.size_bytes = 0
        self.created_ms = now_ms
        self.first_timestamp = -1      # timestamp of the first batch (rolling is timed from it)
        self.max_timestamp = -1        # largest record timestamp, -1 while there is none
        self.last_modified_ms = now_ms  # the segment file's mtime: last append or rewrite
        self.roll_jitter_ms = roll_jitter_ms  # segment.jitter.ms draw: rolls come this much early
        self.roll_at = _NO_TIMESTAMP_LIMIT  # a record stamped later than this rolls the segment

    @property
    def largest_timestamp(self):
        """LogSegment.largestTimestamp: what time retention judges the segment by; an empty
        segment falls back to its file's modification time."""
        return self.max_timestamp if self.max_timestamp >= 0 else self.last_modified_ms


class SegmentInfo:
    """A read-only picture of one segment, for lessons, figures and tests."""

    __slots__ = ("base_offset", "next_offset", "size_bytes", "record_count", "created_ms",
                 "largest_timestamp", "active")

    def __init__(self, base_offset, next_offset, size_bytes, record_count, created_ms, largest_timestamp, active):
        self.base_offset, self.next_offset, self.size_bytes = base_offset, next_offset, size_bytes
        self.record_count, self.created_ms = record_count, created_ms
        self.largest_timestamp, self.active = largest_timestamp, active

    def __repr__(self):
        state = "active" if self.active else "closed"
        return (f"SegmentInfo({self.base_offset}..{self.next_offset}, {self.record_count} records, "
                f"{self.size_bytes} bytes, largest_ts={self.largest_timestamp}, {state})")


class PartitionLog:
    """Records of one partition, plus the three offsets Kafka reports for it:
    ``log_start_offset`` (first offset still readable), ``high_watermark`` (next offset to
    be written; here every write is immediately replicated, so it equals the log end)."""

    def __init__(self, topic, partition, config=None, now_ms=0, trace=None, jitter_rng=None):
        self.topic, self.partition = topic, partition
        self._trace, self._jitter_rng = trace, jitter_rng
        self._records = []           # physically present records, in offset order
        self.log_start_offset = 0
        self.log_end_offset = 0      # next offset to assign
        self._base = 0               # offset of _records[0], or the log end when there are none
        self._dense = True           # _records[i].offset == _base + i for every i
        self.cleaner_checkpoint = None  # first dirty offset for the cleaner (None: log start)
        self.tombstone_horizons = {}    # offset -> delete horizon ms, set when a cleaning first keeps it
        # Transactions (see transactions.py): producer id -> offsets of its open transaction's
        # records here; offsets of records whose transaction aborted; whether any marker exists.
        self.ongoing = {}
        self.aborted = set()
        self.has_markers = False
        self.configure(config if config is not None else TopicConfig())
        self._segments = [Segment(0, now_ms, self._roll_jitter())]
        self._active = self._segments[0]

    def configure(self, config):
        """Take a (new) topic configuration; the append checks read these cached values."""
        self.config = config
        self._segment_bytes = config.segment_bytes
        self._max_segment_ms = config.max_segment_ms
        self._max_batch_bytes = min(config.max_message_bytes, config.segment_bytes)
        self._compact = config.compact
        self._log_append_time = config.log_append_time
        self._check_timestamps = not config.log_append_time and (
            config.timestamp_before_max_ms < _NO_LIMIT or config.timestamp_after_max_ms < _NO_LIMIT)
        self._timestamp_rules = self._check_timestamps or config.log_append_time
        self._record_class = LogAppendTimeRecord if config.log_append_time else Record
        active = getattr(self, "_active", None)
        if active is not None and active.size_bytes:
            self._start_segment(active, active.first_timestamp)

    # -- offsets and contents -------------------------------------------------------------
    @property
    def high_watermark(self):
        return self.log_end_offset

    @property
    def last_stable_offset(self):
        """The LSO: the first offset of the oldest open transaction here, else the high
        watermark. read_committed consumers read only below it."""
        if not self.ongoing:
            return self.log_end_offset
        return min(offsets[0] for offsets in self.ongoing.values())

    def __len__(self):
        return len(self._records) - self._index_at(self.log_start_offset)

    def records(self):
        """The readable records (offset >= log start), in offset order."""
        return self._records[self._index_at(self.log_start_offset):]

    def segments(self):
        """One SegmentInfo per segment, oldest first; the last one is the active segment."""
        out = []
        segs = self._segments
        for i, seg in enumerate(segs):
            nxt = segs[i + 1].base_offset if i + 1 < len(segs) else self.log_end_offset
            count = self._index_at(nxt) - self._index_at(seg.base_offset)
            out.append(SegmentInfo(seg.base_offset, nxt, seg.size_bytes, count, seg.created_ms,
                                   seg.largest_timestamp, i == len(segs) - 1))
        return out

    @property
    def size_bytes(self):
        """Total bytes of all segments (UnifiedLog.size), what retention.bytes is held to."""
        return sum(seg.size_bytes for seg in self._segments)

    # -- the hot path -------------------------------------------------------------------
    def append(self, key, value, timestamp, headers, now_ms):
        """Append one record at the log end, rolling a new segment first when Kafka would.
        Raises KafkaException with the broker's error when Kafka would reject the record.
        On the hot path: keep it to a few comparisons (the common bytes key and value
        without headers has its size computed inline; see record_size.batch_size)."""
        if headers is None and key.__class__ is bytes and value.__class__ is bytes:
            n = len(key)
            m = len(value)
            if n + m < 8000:                            # every varint here takes 1 or 2 bytes
                body = 6 + n + m + (n > 63) + (m > 63)
                size = 62 + body + (body > 63)
            else:
                size = batch_size(key, value, headers)
        else:
            size = batch_size(key, value, headers)
        if size > self._max_batch_bytes or (key is None and self._compact) or self._timestamp_rules:
            timestamp = self._checked_timestamp(key, size, timestamp, now_ms)
        seg = self._active
        used = seg.size_bytes
        if used and (used > self._segment_bytes - size or timestamp > seg.roll_at):
            seg = self._maybe_roll(seg, size, timestamp, now_ms)
            used = seg.size_bytes
        if not used:
            self._start_segment(seg, timestamp)
        seg.size_bytes = used + size
        if timestamp > seg.max_timestamp:
            seg.max_timestamp = timestamp
        seg.last_modified_ms = now_ms
        rec = self._record_class(self.log_end_offset, key, value, timestamp, headers, size)
        self._records.append(rec)
        self.log_end_offset += 1
        return rec

    def append_marker(self, producer_id, commit, now_ms):
        """Close ``producer_id``'s transaction here with a COMMIT or ABORT marker at the log
        end (one offset); an abort marks its records aborted. Returns the marker. The same
        segment steps as append() (which inlines them for speed)."""
        offsets = self.ongoing.pop(producer_id, ())
        if not commit:
            self.aborted.update(offsets)
        size = CONTROL_RECORD_SIZE
        seg = self._active
        if seg.size_bytes and (seg.size_bytes > self._segment_bytes - size or now_ms > seg.roll_at):
            seg = self._maybe_roll(seg, size, now_ms, now_ms)
        if not seg.size_bytes:
            self._start_segment(seg, now_ms)
        seg.size_bytes += size
        seg.max_timestamp = max(seg.max_timestamp, now_ms)
        seg.last_modified_ms = now_ms
        rec = ControlRecord(self.log_end_offset, now_ms, size, producer_id, commit)
        self._records.append(rec)
        self.log_end_offset += 1
        self.has_markers = True
        return rec

    def read_from(self, offset):
        """The first readable record at or after ``offset``, or None at the log end. An
        offset below the log start reads from the log start."""
        if offset < self.log_start_offset:
            offset = self.log_start_offset
        records = self._records
        if self._dense:
            i = offset - self._base
            if i < 0:
                i = 0
        else:
            i = bisect_left(records, offset, key=_offset_of)
        return records[i] if i < len(records) else None

    def index_of(self, offset):
        """Index in the record list of the first readable record at or after ``offset``."""
        return self._index_at(max(offset, self.log_start_offset))

    def offset_for_timestamp(self, timestamp_ms):
        """Kafka's ListOffsets by time (UnifiedLog.fetchOffsetByTimestamp): take the first
        segment whose largest timestamp is >= the target, and in it the first readable
        record whose timestamp is >= the target; None when there is none. Create times need
        not grow with offsets, so this may return an offset whose neighbours are older.
        As in Kafka, if that segment holds no such readable record (it was emptied by
        compaction, or the record is below the log start) the answer is None, even when a
        later segment has one."""
        segs = self._segments
        for i, seg in enumerate(segs):
            if seg.largest_timestamp >= timestamp_ms:
                end = segs[i + 1].base_offset if i + 1 < len(segs) else self.log_end_offset
                records = self._records
                for j in range(self.index_of(seg.base_offset), self._index_at(end)):
                    if records[j].timestamp >= timestamp_ms:
                        return records[j].offset
                return None
        return None

    def in_range(self, offset):
        return self.log_start_offset <= offset <= self.log_end_offset

    # -- what retention, compaction and DeleteRecords change --------------------------------
    def advance_log_start(self, offset):
        """UnifiedLog.maybeIncrementLogStartOffset: the log start only moves forward and never
        past the high watermark. Records below it become unreadable at once; the segments
        holding only such records are deleted by the next retention or cleaner pass."""
        if offset > self.high_watermark:
            raise KafkaException(KafkaError(
                KafkaError.OFFSET_OUT_OF_RANGE,
                f"Cannot increment the log start offset to {offset} of partition {self.topic}-{self.partition} "
                f"since it is larger than the high watermark {self.high_watermark}"))
        if offset > self.log_start_offset:
            self.log_start_offset = offset
            return True
        return False

    def stored_records(self):
        """Every record still physically stored, readable or not (the live list: read only;
        the cleaner reads it)."""
        return self._records

    def position_of(self, offset):
        """Index in stored_records() of the first stored record at or after ``offset``."""
        return self._index_at(offset)

    def closed_segments(self):
        """The segments that are not the active one (live objects: retention and compaction
        read them; nothing else should)."""
        return self._segments[:-1]

    def all_segments(self):
        return list(self._segments)

    def segment_range(self, index):
        """(first record index, end record index, next base offset) of segment ``index``."""
        segs = self._segments
        nxt = segs[index + 1].base_offset if index + 1 < len(segs) else self.log_end_offset
        return self._index_at(segs[index].base_offset), self._index_at(nxt), nxt

    def delete_oldest_segments(self, count, now_ms):
        """Remove the ``count`` oldest segments and their records; roll a fresh active
        segment first when all of them go (a log always has one). The log start moves to
        the base offset of the new first segment. Returns (old, new) log start."""
        if count >= len(self._segments):
            self._roll(now_ms, "retention")
        new_first = self._segments[count].base_offset
        cut = self._index_at(new_first)
        for rec in self._records[:cut]:
            self.tombstone_horizons.pop(rec.offset, None)
        del self._records[:cut]
        del self._segments[:count]
        self._active = self._segments[-1]
        old = self.log_start_offset
        if new_first > self.log_start_offset:
            self.log_start_offset = new_first
        self._reindex()
        return old, self.log_start_offset

    def replace_segments(self, first, count, segment, records):
        """Swap segments ``first .. first+count-1`` for one cleaned ``segment`` holding
        ``records`` (Log.replaceSegments after the cleaner rewrote a group)."""
        start, _, _ = self.segment_range(first)
        _, end, _ = self.segment_range(first + count - 1)
        self._records[start:end] = records
        self._segments[first:first + count] = [segment]
        self._active = self._segments[-1]
        self._reindex()

    def _maybe_roll(self, seg, size, timestamp, now_ms):
        """LogSegment.shouldRoll, exactly: the batch would push the segment past
        segment.bytes, or it is stamped more than segment.ms (minus jitter) after the
        segment's first batch (or, without timestamps, the segment is that old)."""
        if seg.size_bytes > self._segment_bytes - size:
            return self._roll(now_ms, "segment.bytes")
        waited = timestamp - seg.first_timestamp if seg.first_timestamp >= 0 else now_ms - seg.created_ms
        if waited > self._max_segment_ms - seg.roll_jitter_ms:
            return self._roll(now_ms, "segment.ms")
        return seg

    def _start_segment(self, seg, first_timestamp):
        """The first batch of a segment fixes when time will roll it."""
        seg.first_timestamp = first_timestamp
        if first_timestamp >= 0:
            seg.roll_at = first_timestamp + self._max_segment_ms - seg.roll_jitter_ms
        else:
            seg.roll_at = _NO_TIMESTAMP_LIMIT

    def _roll(self, now_ms, reason):
        seg = Segment(self.log_end_offset, now_ms, self._roll_jitter())
        self._segments.append(seg)
        self._active = seg
        if self._trace is not None:
            self._trace.record("log.roll", "broker", topic=self.topic, partition=self.partition,
                               base_offset=seg.base_offset, reason=reason)
        return seg

    def _roll_jitter(self):
        """A new segment's random roll jitter (LogConfig.randomSegmentJitter), 0 by default."""
        config = self.config
        if config.segment_jitter_ms and self._jitter_rng is not None:
            return self._jitter_rng.randrange(min(config.segment_jitter_ms, config.segment_ms))
        return 0

    def _checked_timestamp(self, key, size, timestamp, now_ms):
        """The slow path of append: raise the broker's error for an invalid record, and
        return the timestamp to store (the append time on a LogAppendTime topic)."""
        error = self.append_error(key, size, timestamp, now_ms)
        if error is not None:
            raise KafkaException(error)
        return now_ms if self._log_append_time else timestamp

    def append_error(self, key, size, timestamp, now_ms):
        """The KafkaError the broker answers a produce of this record with, or None; the
        checks in Kafka's order (record size, then LogValidator, then the segment size)."""
        config = self.config
        where = f"{self.topic}-{self.partition}"
        if size > config.max_message_bytes:
            return KafkaError(KafkaError.MSG_SIZE_TOO_LARGE,
                              f"The record batch size in the append to {where} is {size} bytes which exceeds "
                              f"the maximum configured value of {config.max_message_bytes}.")
        if key is None and config.compact:
            return KafkaError(KafkaError.INVALID_RECORD,
                              f"Compacted topic cannot accept message without key in topic partition {where}.")
        if self._check_timestamps:
            low, high = now_ms - config.timestamp_before_max_ms, now_ms + config.timestamp_after_max_ms
            if not low <= timestamp <= high:
                return KafkaError(KafkaError.INVALID_TIMESTAMP,
                                  f"Timestamp {timestamp} of message with offset 0 is out of range. "
                                  f"The timestamp should be within [{low}, {high}]")
        if size > config.segment_bytes:
            return KafkaError(KafkaError.RECORD_LIST_TOO_LARGE,
                              f"Message batch size is {size} bytes in append to partition {where} which exceeds "
                              f"the maximum configured segment size of {config.segment_bytes}.")
        return None

    def _index_at(self, offset):
        """Index of the first physically present record with offset >= ``offset``."""
        if self._dense:
            i = offset - self._base
            n = len(self._records)
            return 0 if i < 0 else (i if i < n else n)
        return bisect_left(self._records, offset, key=_offset_of)

    def _reindex(self):
        records = self._records
        self._base = records[0].offset if records else self.log_end_offset
        self._dense = not records or records[-1].offset - records[0].offset == len(records) - 1


_NO_LIMIT = 2 ** 63 - 1
_NO_TIMESTAMP_LIMIT = -2 ** 63   # without a first timestamp every append checks the clock


def _offset_of(record):
    return record.offset
