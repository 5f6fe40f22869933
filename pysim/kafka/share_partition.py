"""One share-partition: what a share group (KIP-932) knows about one topic partition, kept
by the partition's leader the way Kafka's ``SharePartition`` keeps it.

Why records, not offsets: a consumer group remembers one committed offset per partition,
so a partition has one reader at a time. A share group remembers the state of each
in-flight record, so any number of members can read one partition at once:

- the share-partition start offset (SPSO): every record below it is done with;
- the in-flight records from the SPSO up to the next offset to fetch, each AVAILABLE,
  ACQUIRED (by one member, under an acquisition lock), ACKNOWLEDGED or ARCHIVED, with its
  delivery count.

The transitions, as in Kafka's ``SharePartition`` / ``InFlightState``:

- acquire: AVAILABLE (or never fetched) -> ACQUIRED by a member; the delivery count goes
  up by one and a lock of ``record_lock_duration_ms`` starts (30 s by default);
- ACCEPT: ACQUIRED -> ACKNOWLEDGED; REJECT: ACQUIRED -> ARCHIVED;
- RELEASE, the lock running out, or the member leaving: ACQUIRED -> AVAILABLE, except that
  a record whose delivery count has reached the limit (``delivery_count_limit``, 5) goes
  to ARCHIVED instead (Kafka's ``tryUpdateState``): so a record is delivered at most the
  limit's number of times;
- the SPSO moves past every ACKNOWLEDGED or ARCHIVED record at its front, and past records
  the log no longer has (retention, DeleteRecords);
- an acknowledgement of a record the member does not hold (never acquired, acquired by
  another member, its lock already expired) is refused with INVALID_RECORD_STATE.

No new record is acquired while the in-flight window (next offset - SPSO) holds
``partition_max_record_locks`` records (2000 in Kafka 4.1+; 200 in the 2024 source);
available ones inside the window can still be acquired again.

Where pysim is simpler: Kafka acquires whole produced batches (so ``max.poll.records`` is
a soft bound: a consumer may get a whole batch); pysim acquires record by record, which is
what Kafka does when each record is its own batch. Transaction markers and the records of
aborted transactions are archived without delivery (share.isolation.level=read_committed)
or markers only (read_uncommitted, the default). The share-group state is not persisted to
``__share_group_state``: the simulated broker never restarts.

Trace events (actor: the member, or "broker"; data: group, topic, partition, offset,
delivery_count): ``share.acquire``, ``share.accept``, ``share.release`` (``reason``:
"released", "member left"), ``share.reject``, ``share.lock_timeout`` (the lock ran out),
``share.archive`` (``reason``: "rejected", "delivery count limit") and ``share.start``
(the SPSO moved: ``start_offset``).
"""

from pysim.kafka.errors import KafkaError
from pysim.kafka.log import ControlRecord

AVAILABLE, ACQUIRED, ACKNOWLEDGED, ARCHIVED = "AVAILABLE", "ACQUIRED", "ACKNOWLEDGED", "ARCHIVED"
ACCEPT, RELEASE, REJECT = 1, 2, 3       # the AcknowledgeType numbers of the protocol and the client
_DONE = (ACKNOWLEDGED, ARCHIVED)


class InFlight:
    """One in-flight record's state (Kafka's InFlightState)."""

    __slots__ = ("state", "delivery_count", "member", "timer")

    def __init__(self):
        self.state, self.delivery_count, self.member, self.timer = AVAILABLE, 0, None, None

    def __repr__(self):
        return f"InFlight({self.state}, delivery_count={self.delivery_count}, member={self.member!r})"


class SharePartition:
    """The state of (group, topic, partition). ``settings`` is the group's ShareGroupSettings,
    read at each use, so a changed group config applies to the next transition."""

    def __init__(self, cluster, group, topic, partition, settings):
        self._c, self.group, self.topic, self.partition = cluster, group, topic, partition
        self._settings = settings
        self.start_offset = None          # the SPSO; None until the first fetch initializes it
        self.next_offset = None           # the next offset never fetched yet
        self._inflight = {}               # offset -> InFlight, for offsets in [start, next)

    # -- reading the state -------------------------------------------------------------
    def state(self, offset):
        """The state of ``offset``: an InFlight (a copy), or None if the record is not in flight
        (below the SPSO: done with; at or above the next offset: not fetched yet)."""
        entry = self._inflight.get(offset)
        if entry is None:
            return None
        copy = InFlight()
        copy.state, copy.delivery_count, copy.member = entry.state, entry.delivery_count, entry.member
        return copy

    def in_flight(self):
        """{offset: (state, delivery_count, member)} of every in-flight record, in offset order."""
        return {o: (e.state, e.delivery_count, e.member) for o, e in sorted(self._inflight.items())}

    def acquired_by(self, member):
        """The offsets ``member`` holds now, in order."""
        return [o for o, e in sorted(self._inflight.items()) if e.state == ACQUIRED and e.member == member]

    # -- ShareFetch ----------------------------------------------------------------------
    def acquire(self, member, max_records):
        """Acquire up to ``max_records`` records for ``member``, lowest offset first: the
        AVAILABLE in-flight records, then new ones up to the high watermark (or the last
        stable offset when the group reads committed). Returns [(record, delivery_count)]."""
        log = self._c.log(self.topic, self.partition)
        if self.start_offset is None:
            self._initialize(log)
        self._follow_log_start(log)
        out = []
        for offset in sorted(self._inflight):
            if len(out) >= max_records:
                return out
            entry = self._inflight[offset]
            if entry.state == AVAILABLE:
                record = log.read_from(offset)
                if record is None or record.offset != offset:   # gone from the log meanwhile
                    self._archive(offset, entry, "broker", "record deleted")
                    continue
                out.append((record, self._acquire(offset, entry, member)))
        read_committed = self._settings.isolation_level == "read_committed"
        end = log.last_stable_offset if read_committed else log.high_watermark
        hidden = log.aborted if read_committed else ()
        limit = self._settings.partition_max_record_locks
        while len(out) < max_records and self.next_offset < end and self.next_offset - self.start_offset < limit:
            record = log.read_from(self.next_offset)
            if record is None or record.offset >= end:
                break
            self.next_offset = record.offset + 1
            entry = InFlight()
            self._inflight[record.offset] = entry
            if record.__class__ is ControlRecord or record.offset in hidden:
                entry.state = ARCHIVED                 # never delivered (Kafka archives them too)
                continue
            out.append((record, self._acquire(record.offset, entry, member)))
        self._advance_start()
        return out

    def _acquire(self, offset, entry, member):
        entry.state, entry.member = ACQUIRED, member
        entry.delivery_count += 1
        count = entry.delivery_count
        entry.timer = self._c.sim.scheduler.call_later(self._settings.record_lock_duration_ms,
                                                       self._lock_expired, offset, count)
        self._trace("share.acquire", member, offset, count,
                    lock_until_ms=self._c.now_ms + self._settings.record_lock_duration_ms)
        return count

    # -- ShareAcknowledge ------------------------------------------------------------------
    def acknowledge(self, member, offset, ack_type):
        """ACCEPT / RELEASE / REJECT one record ``member`` holds. Returns None, or the broker's
        error code (INVALID_RECORD_STATE) when the member does not hold it now."""
        entry = self._inflight.get(offset)
        if entry is None or entry.state != ACQUIRED or entry.member != member:
            return KafkaError.INVALID_RECORD_STATE
        self._stop_lock(entry)
        if ack_type == ACCEPT:
            entry.state, entry.member = ACKNOWLEDGED, None
            self._trace("share.accept", member, offset, entry.delivery_count)
        elif ack_type == REJECT:
            self._trace("share.reject", member, offset, entry.delivery_count)
            self._archive(offset, entry, member, "rejected")
        elif ack_type == RELEASE:
            self._make_available(offset, entry, member, "share.release", reason="released")
        else:
            raise ValueError(f"unknown acknowledge type {ack_type!r}")
        self._advance_start()
        return None

    def release_member(self, member, reason="member left"):
        """The member left or its session expired: what it holds becomes available again
        (or archived at the delivery-count limit). Returns how many records it held."""
        held = self.acquired_by(member)
        for offset in held:
            entry = self._inflight[offset]
            self._stop_lock(entry)
            self._make_available(offset, entry, member, "share.release", reason=reason)
        if held:
            self._advance_start()
        return len(held)

    # -- the acquisition lock ------------------------------------------------------------
    def _lock_expired(self, offset, delivery_count):
        entry = self._inflight.get(offset)
        if entry is None or entry.state != ACQUIRED or entry.delivery_count != delivery_count:
            return
        entry.timer = None
        self._make_available(offset, entry, entry.member, "share.lock_timeout")
        self._advance_start()

    @staticmethod
    def _stop_lock(entry):
        if entry.timer is not None:
            entry.timer.cancel()
            entry.timer = None

    # -- transitions -----------------------------------------------------------------------
    def _make_available(self, offset, entry, actor, kind, **extra):
        self._trace(kind, actor or "broker", offset, entry.delivery_count, **extra)
        if entry.delivery_count >= self._settings.delivery_count_limit:
            self._archive(offset, entry, "broker", "delivery count limit")
        else:
            entry.state, entry.member = AVAILABLE, None

    def _archive(self, offset, entry, actor, reason):
        entry.state, entry.member = ARCHIVED, None
        self._stop_lock(entry)
        self._trace("share.archive", actor, offset, entry.delivery_count, reason=reason)

    def _advance_start(self):
        """Move the SPSO past the finished records at the front (and forget them)."""
        start, inflight = self.start_offset, self._inflight
        moved = False
        while start < self.next_offset:
            entry = inflight.get(start)
            if entry is not None and entry.state not in _DONE:
                break
            inflight.pop(start, None)       # done with, or a gap the log has no record for
            start += 1
            moved = True
        if moved:
            self.start_offset = start
            self._c.trace.record("share.start", "broker", group=self.group, topic=self.topic,
                                 partition=self.partition, start_offset=start)

    def _initialize(self, log):
        """The first fetch of this group here: share.auto.offset.reset decides the SPSO."""
        policy = self._settings.auto_offset_reset
        if policy == "earliest":
            start = log.log_start_offset
        elif policy == "latest":
            start = log.high_watermark
        else:                                       # ("by_duration", ms)
            found = log.offset_for_timestamp(self._c.now_ms - policy[1])
            start = log.high_watermark if found is None else found
        self.start_offset = self.next_offset = start
        self._c.trace.record("share.start", "broker", group=self.group, topic=self.topic,
                             partition=self.partition, start_offset=start,
                             reset=policy if isinstance(policy, str) else f"by_duration:{policy[1]}ms")

    def _follow_log_start(self, log):
        """Records below the log start (retention, DeleteRecords) are gone: the SPSO moves
        up to the log start, and what was in flight there is forgotten."""
        low = log.log_start_offset
        if self.start_offset >= low:
            return
        for offset in [o for o in self._inflight if o < low]:
            self._stop_lock(self._inflight.pop(offset))
        self.start_offset = low
        self.next_offset = max(self.next_offset, low)
        self._c.trace.record("share.start", "broker", group=self.group, topic=self.topic,
                             partition=self.partition, start_offset=low, reason="log start moved")

    def _trace(self, kind, actor, offset, delivery_count, **extra):
        self._c.trace.record(kind, actor, group=self.group, topic=self.topic, partition=self.partition,
                             offset=offset, delivery_count=delivery_count, **extra)
