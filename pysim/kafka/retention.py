"""Retention: how Kafka deletes old data, whole segments at a time (UnifiedLog.deleteOldSegments).

Three rules, applied in this order, each deleting the oldest segments while its predicate
holds and stopping at the first segment where it does not:

- log start breach: a segment whose successor starts at or before the log start offset
  (DeleteRecords moved it) holds nothing readable; it goes under any cleanup.policy.
- retention.bytes (cleanup.policy contains delete): while the log minus the segment is
  still at least retention.bytes.
- retention.ms (cleanup.policy contains delete): while ``now - largest timestamp`` of the
  segment exceeds retention.ms. The newest record of a segment decides for all of it.

The active segment is not spared: when every record in it has expired, Kafka rolls a new
empty segment and deletes the old one (an empty active segment is never deleted). The log
start offset moves to the base offset of the first remaining segment; offsets never change.

The broker's retention task runs every log.retention.check.interval.ms (5 minutes, first
30 s after start-up) over logs whose policy is not compact; for compacted logs the cleaner
thread runs the same deletion after each of its passes (see compaction.py).
"""

RETENTION_CHECK_INTERVAL_MS = 300000   # log.retention.check.interval.ms
INITIAL_TASK_DELAY_MS = 30000          # LogManager.InitialTaskDelayMs
ACTOR = "kafka-log-retention"

LOG_START_BREACH, SIZE_BREACH, TIME_BREACH = "log start offset", "retention.bytes", "retention.ms"


def delete_old_segments(log, now_ms, trace=None, actor=ACTOR):
    """Apply the three rules to one log; return how many segments were deleted."""
    deleted = _delete_while(log, _log_start_breached(log), LOG_START_BREACH, now_ms, trace, actor)
    config = log.config
    if config.delete:
        if config.retention_bytes >= 0:
            deleted += _delete_while(log, _size_breached(log, config.retention_bytes), SIZE_BREACH,
                                     now_ms, trace, actor)
        if config.retention_ms >= 0:
            deleted += _delete_while(log, _time_breached(now_ms, config.retention_ms), TIME_BREACH,
                                     now_ms, trace, actor)
    return deleted


def retention_pass(logs, now_ms, trace=None):
    """LogManager.cleanupLogs: the periodic task, over every log that is not compacted."""
    return sum(delete_old_segments(log, now_ms, trace) for log in logs if not log.config.compact)


def _log_start_breached(log):
    start = log.log_start_offset

    def predicate(segment, following):
        return following is not None and following.base_offset <= start
    return predicate


def _size_breached(log, retention_bytes):
    total = log.size_bytes
    excess = [total - retention_bytes]

    def predicate(segment, following):
        if excess[0] < 0:
            return False
        if excess[0] - segment.size_bytes >= 0:
            excess[0] -= segment.size_bytes
            return True
        return False
    return predicate


def _time_breached(now_ms, retention_ms):
    def predicate(segment, following):
        return now_ms - segment.largest_timestamp > retention_ms
    return predicate


def _delete_while(log, predicate, reason, now_ms, trace, actor):
    """LocalLog.deletableSegments + UnifiedLog.deleteSegments for one rule."""
    segments = log.all_segments()
    count = 0
    for i, segment in enumerate(segments):
        following = segments[i + 1] if i + 1 < len(segments) else None
        if not predicate(segment, following) or (following is None and segment.size_bytes == 0):
            break
        count += 1
    if not count:
        return 0
    if trace is not None:
        for i in range(count):
            first, end, next_offset = log.segment_range(i)
            seg = segments[i]
            trace.record("log.delete_segment", actor, topic=log.topic, partition=log.partition,
                         base_offset=seg.base_offset, next_offset=next_offset, records=end - first,
                         size_bytes=seg.size_bytes, largest_timestamp=seg.largest_timestamp, reason=reason)
    old_start, new_start = log.delete_oldest_segments(count, now_ms)
    if trace is not None:
        trace.record("log.retention", actor, topic=log.topic, partition=log.partition, reason=reason,
                     segments=count, old_log_start=old_start, new_log_start=new_start,
                     log_size_bytes=log.size_bytes)
    return count
