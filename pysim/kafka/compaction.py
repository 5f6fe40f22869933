"""Log compaction: the log cleaner keeps, for every key, only its latest record
(LogCleanerManager chooses the log, Cleaner.doClean rewrites it).

What decides what, as in Kafka 3.x:

- Only closed segments are ever cleaned: the cleanable range runs from the first dirty
  offset (where the last cleaning stopped, or the log start) up to the active segment's
  base offset, or earlier, to the first segment whose newest record is younger than
  min.compaction.lag.ms.
- A log is cleaned when its dirty ratio (cleanable bytes / (clean + cleanable bytes))
  exceeds min.cleanable.dirty.ratio, or when a dirty segment's first record is older than
  max.compaction.lag.ms. The cleaner takes the dirtiest log first.
- A cleaning maps each key of the dirty range to its last offset, then rewrites every
  segment from the start of the log to the end of the dirty range, keeping a record only
  if no later record in that map has its key. Null-key records in that range are dropped.
- A tombstone (null value) that survives a cleaning gets a delete horizon of that
  cleaning's time + delete.retention.ms; a later cleaning at or after the horizon removes
  it. So a tombstone lives at least delete.retention.ms after the first cleaning that saw
  it, and on a quiet topic much longer: until the log is dirty enough to be cleaned again.
- Cleaned segments are merged, oldest first, while their sizes add up to at most
  segment.bytes; a merged segment keeps its first segment's base offset, so the log start
  offset never moves because of compaction, and offsets of survivors never change.

The cleaner thread wakes every log.cleaner.backoff.ms (15 s) when idle; after each pass it
also deletes segments of compacted logs that retention (compact,delete) or a moved log start
offset allow.

Simplifications: one record per batch (see record_size.py), no transactions (the last
stable offset is the high watermark), an unbounded offset map, and index sizes ignored when
grouping segments.
"""

from pysim.kafka.log import Segment
from pysim.kafka.retention import delete_old_segments

CLEANER_BACKOFF_MS = 15000    # log.cleaner.backoff.ms
ACTOR = "kafka-log-cleaner-thread-0"


class LogToClean:
    """A compacted log's cleaning state at one moment (LogToClean + cleanableOffsets)."""

    def __init__(self, log, now_ms):
        self.log = log
        self.first_dirty_offset, uncleanable = cleanable_offsets(log, now_ms)
        segments = log.all_segments()
        active_base = segments[-1].base_offset
        # the segment holding the uncleanable offset starts the uncleanable part
        floor = _floor(segments, uncleanable) if uncleanable <= active_base else None
        self.first_uncleanable_offset = floor.base_offset if floor is not None else active_base
        lower = min(self.first_dirty_offset, self.first_uncleanable_offset)
        self.clean_bytes = sum(s.size_bytes for s in segments if s.base_offset < self.first_dirty_offset)
        self.cleanable_bytes = sum(s.size_bytes for s in _segments_between(segments, lower, self.first_uncleanable_offset))
        self.total_bytes = self.clean_bytes + self.cleanable_bytes
        self.cleanable_ratio = self.cleanable_bytes / self.total_bytes if self.total_bytes else 0.0
        self.need_compaction_now = _max_compaction_delay(log, segments, self.first_dirty_offset, now_ms) > 0

    def should_clean(self):
        config = self.log.config
        return ((self.need_compaction_now and self.cleanable_bytes > 0)
                or self.cleanable_ratio > config.min_cleanable_dirty_ratio)


def cleanable_offsets(log, now_ms):
    """(first dirty offset, first uncleanable offset): LogCleanerManager.cleanableOffsets.
    A checkpoint outside [log start, log end] is reset to the log start."""
    start, checkpoint = log.log_start_offset, log.cleaner_checkpoint
    if checkpoint is None or checkpoint < start or checkpoint > log.log_end_offset:
        checkpoint = log.cleaner_checkpoint = start
    segments = log.all_segments()
    uncleanable = min(log.high_watermark, segments[-1].base_offset)
    lag = log.config.min_compaction_lag_ms
    if lag > 0:
        for seg in _non_active_from(segments, checkpoint):
            if seg.largest_timestamp > now_ms - lag:
                uncleanable = min(uncleanable, seg.base_offset)
                break
    return checkpoint, max(checkpoint, uncleanable)


def clean(log, ltc, now_ms, trace=None, actor=ACTOR):
    """Cleaner.doClean: compact ``log`` up to the end of its dirty range. Returns the offset
    where the next cleaning starts (the new checkpoint), or None when there was nothing."""
    config = log.config
    records = log.stored_records()
    first_dirty, upper = ltc.first_dirty_offset, ltc.first_uncleanable_offset
    lo, hi = log.position_of(first_dirty), log.position_of(upper)
    if lo >= hi:
        return None
    latest_for_key = {}
    for rec in records[lo:hi]:
        if rec.key is not None:
            latest_for_key[rec.key] = rec.offset
    last_dirty = records[hi - 1].offset
    end_offset = last_dirty + 1
    segments = log.all_segments()
    to_clean = [s for s in segments if s.base_offset < end_offset]
    horizons = log.tombstone_horizons
    before = log.position_of(end_offset)
    removed_tombstones = 0
    index = 0
    for group in _group_by_size(to_clean, config.segment_bytes):
        first_rec, _, _ = log.segment_range(index)
        _, end_rec, _ = log.segment_range(index + len(group) - 1)
        kept = []
        for rec in records[first_rec:end_rec]:
            if _retain(rec, last_dirty, latest_for_key, horizons, now_ms):
                kept.append(rec)
                if rec.value is None and rec.offset <= last_dirty and rec.offset not in horizons:
                    horizons[rec.offset] = now_ms + config.delete_retention_ms
            elif rec.value is None:
                horizons.pop(rec.offset, None)
                removed_tombstones += 1
        log.replace_segments(index, len(group), _cleaned_segment(group, kept), kept)
        index += 1
    log.cleaner_checkpoint = end_offset
    if trace is not None:
        after = log.position_of(end_offset)
        trace.record("log.compact", actor, topic=log.topic, partition=log.partition,
                     first_dirty_offset=first_dirty, end_offset=end_offset,
                     dirty_ratio=round(ltc.cleanable_ratio, 4), records_before=before, records_after=after,
                     tombstones_removed=removed_tombstones, segments_before=len(to_clean), segments_after=index)
    return end_offset


def cleaner_pass(logs, now_ms, trace=None):
    """One wake-up of the cleaner thread: clean every compacted log that qualifies, the
    dirtiest first, then delete what retention allows in compacted logs. ``logs`` must be
    in a fixed order (ties in dirtiness go to the earlier log). Returns (logs cleaned,
    segments deleted)."""
    compacted = [log for log in logs if log.config.compact]
    candidates = [ltc for ltc in (LogToClean(log, now_ms) for log in compacted) if ltc.total_bytes > 0]
    chosen = [ltc for ltc in candidates if ltc.should_clean()]
    chosen.sort(key=lambda ltc: -ltc.cleanable_ratio)
    cleaned = 0
    for ltc in chosen:
        if clean(ltc.log, ltc, now_ms, trace) is not None:
            cleaned += 1
    deleted = sum(delete_old_segments(log, now_ms, trace, actor=ACTOR) for log in compacted)
    return cleaned, deleted


def _retain(rec, last_dirty, latest_for_key, horizons, now_ms):
    """Cleaner.shouldRetainRecord."""
    if rec.offset > last_dirty:
        return True
    if rec.key is None:
        return False
    if rec.offset < latest_for_key.get(rec.key, -1):
        return False
    if rec.value is not None:
        return True
    horizon = horizons.get(rec.offset)
    return horizon is None or now_ms < horizon


def _cleaned_segment(group, kept):
    seg = Segment(group[0].base_offset, group[0].created_ms)
    seg.size_bytes = sum(r.size for r in kept)
    if kept:
        seg.first_timestamp = kept[0].timestamp
        seg.max_timestamp = max(r.timestamp for r in kept)
    seg.last_modified_ms = group[-1].last_modified_ms
    return seg


def _group_by_size(segments, max_size):
    """Cleaner.groupSegmentsBySize: consecutive segments whose sizes add up to at most
    segment.bytes are rewritten into one."""
    groups, i = [], 0
    while i < len(segments):
        group, size = [segments[i]], segments[i].size_bytes
        i += 1
        while i < len(segments) and size + segments[i].size_bytes <= max_size:
            group.append(segments[i])
            size += segments[i].size_bytes
            i += 1
        groups.append(group)
    return groups


def _floor(segments, offset):
    found = None
    for seg in segments:
        if seg.base_offset <= offset:
            found = seg
        else:
            break
    return found


def _segments_between(segments, lower, upper):
    """LogSegments.values(from, to): from the segment holding ``lower`` up to, not
    including, the first one at or after ``upper``."""
    if lower >= upper:
        return []
    floor = _floor(segments, lower)
    start = floor.base_offset if floor is not None else segments[0].base_offset
    return [s for s in segments if start <= s.base_offset < upper]


def _non_active_from(segments, offset):
    active_base = segments[-1].base_offset
    if offset > active_base:
        return []
    return _segments_between(segments, offset, active_base)


def _max_compaction_delay(log, segments, first_dirty, now_ms):
    """LogCleanerManager.maxCompactionDelay: how far the earliest dirty record is past
    max.compaction.lag.ms (0 when it is not)."""
    firsts = [s.first_timestamp for s in _non_active_from(segments, first_dirty) if s.first_timestamp > 0]
    if not firsts:
        return 0
    clean_until = now_ms - max(log.config.max_compaction_lag_ms, 0)
    earliest = min(firsts)
    return clean_until - earliest if earliest < clean_until else 0
