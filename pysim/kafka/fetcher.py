"""The consumer's fetcher: where each assigned partition is, and the queue of fetched
records and events that poll() hands out, modelled on librdkafka's fetch queue.

What is modelled (and why it matters to a learner):

- Fetch rounds. When the queue runs dry, one round fetches every assigned, unpaused
  partition once, in an order that starts one partition later each round (librdkafka
  rotates its fetch list so that no partition always comes first). Each partition returns
  a batch of records from its fetch position: up to ``max.partition.fetch.bytes`` (1 MiB by
  default) and the round up to ``fetch.max.bytes`` (50 MiB), always at least one record,
  sized as the broker counts them (record_size.batch_size). poll() then serves the queue in
  order, so partitions take turns batch by batch; none is starved by a busy neighbour.
  With the defaults and small topics a batch holds everything a partition has, so a
  consumer reads one partition's backlog, then the next one's, as librdkafka does.
- Start positions are resolved when fetching starts, not at assign(): a logical offset
  (OFFSET_BEGINNING, OFFSET_END, OFFSET_STORED, a tail offset) becomes a real one then, from
  the committed offset or auto.offset.reset. An offset outside [log start, high watermark]
  is reset by auto.offset.reset when it is fetched; with ``error`` the partition stops and
  poll() returns one _AUTO_OFFSET_RESET event.
- enable.partition.eof: a round that finds a partition at its high watermark queues one
  _PARTITION_EOF event, once per high watermark reached (again after new records arrive).
- pause / seek / unassign drop that partition's queued records, and the next fetch starts
  at the first record not yet handed out (librdkafka discards the outdated fetched data).

- isolation.level (``read_committed`` by default, as in librdkafka; Java's default is
  read_uncommitted): a read_committed consumer fetches only below the partition's last
  stable offset (the first offset of the oldest open transaction) and skips the records
  of aborted transactions; read_uncommitted fetches up to the high watermark and sees
  aborted records. Neither ever sees a transaction marker, but both step over its offset,
  and the high watermark (get_watermark_offsets) counts it. _PARTITION_EOF comes at the
  end of what the consumer may read (the LSO for read_committed).

Not modelled: brokers and leaders (one fetch round stands for the fetch requests to all
leaders), fetch.min.bytes / fetch.wait.max.ms, queued.min.messages (prefetching ahead of
the application). librdkafka moves a read_committed consumer's position past a marker
or aborted records that end a fetch; here position() stays after the last record handed
out (a commit of it re-reads only the skipped marker).
"""

from collections import deque

from pysim.kafka.errors import KafkaError
from pysim.kafka.log import ControlRecord
from pysim.kafka.message import Message
from pysim.kafka.topic_partition import OFFSET_BEGINNING, OFFSET_END, OFFSET_STORED, OFFSET_INVALID

OFFSET_TAIL_BASE = -2000        # librdkafka: RD_KAFKA_OFFSET_TAIL(n) == -2000 - n
RESET_POLICIES = {"smallest": "earliest", "earliest": "earliest", "beginning": "earliest",
                  "largest": "latest", "latest": "latest", "end": "latest", "error": "error"}


def ConsumerEvent(topic, partition, error, offset=None):
    """An error or event poll() returns as a Message, as librdkafka does: topic and
    partition say where, offset() where it happened (None when there is no offset), and
    value() carries the error text, like confluent_kafka's error messages."""
    event = Message._of(topic, partition, None, error)
    event._value = error.str().encode()
    if offset is not None and offset >= 0:
        event._offset = offset
    return event


class PartitionState:
    """One assigned partition as the consumer sees it.

    ``start``: the offset to resolve at the next fetch (absolute or logical), or None once
    fetching; ``fetch_pos``: next offset to fetch; ``app_pos``: offset after the last record
    handed to the application (what position() reports; OFFSET_INVALID until then and after
    a seek); ``stored``: offset stored for the next commit; ``committed``: the last committed
    offset this consumer knows of (a commit sends only offsets that differ from it)."""

    __slots__ = ("topic", "partition", "assigned_offset", "start", "fetch_pos", "app_pos", "stored",
                 "committed", "paused", "stopped", "eof_at", "hwm_seen")

    def __init__(self, topic, partition, offset):
        self.topic, self.partition = topic, partition
        self.assigned_offset = OFFSET_STORED if offset == OFFSET_INVALID else offset
        self.start = self.assigned_offset
        self.fetch_pos = None
        self.app_pos = self.stored = self.committed = OFFSET_INVALID
        self.paused = self.stopped = False
        self.eof_at = None
        self.hwm_seen = OFFSET_INVALID


class Fetcher:
    """Partitions in assignment order and the queue poll() reads from."""

    def __init__(self, cluster, group, actor, reset_policy, partition_eof, auto_store,
                 max_partition_bytes=1048576, max_bytes=52428800):
        self.cluster, self.group, self.actor = cluster, group, actor
        self.reset_policy = RESET_POLICIES[reset_policy]
        self.partition_eof, self.auto_store = partition_eof, auto_store
        self.max_partition_bytes, self.max_bytes = max_partition_bytes, max_bytes
        self.read_committed = True   # isolation.level (the consumer sets it)
        self.states = {}             # (topic, partition) -> PartitionState, in assignment order
        self._queue = deque()        # (state, record, event): one of record / event is None
        self._round = 0

    # -- assignment ---------------------------------------------------------------------
    def add(self, topic, partition, offset):
        state = PartitionState(topic, partition, offset)
        self.states[(topic, partition)] = state
        return state

    def remove(self, key):
        state = self.states.pop(key)
        self._purge(state)
        return state

    def seek(self, state, offset):
        """Fetch from ``offset`` next (resolved at the next fetch, like an assign)."""
        self._purge(state)
        state.start, state.fetch_pos = offset, None
        state.app_pos, state.stopped, state.eof_at = OFFSET_INVALID, False, None

    def pause(self, state):
        self._purge(state)
        state.paused = True

    def resume(self, state):
        state.paused = False

    # -- serving ------------------------------------------------------------------------
    def next_message(self):
        """The next record (as a Message) or event, fetching a round when the queue is
        empty; None when there is nothing to hand out now."""
        while True:
            if self._queue:
                state, record, event = self._queue.popleft()
                if event is not None:
                    return event
                state.app_pos = record.offset + 1
                if self.auto_store:
                    state.stored = state.app_pos
                return Message._of(state.topic, state.partition, record)
            if not self._fetch_round():
                return None

    def _fetch_round(self):
        states = [s for s in self.states.values() if not s.paused and not s.stopped]
        if not states:
            return False
        first = self._round % len(states)
        self._round += 1
        budget = self.max_bytes
        queued = len(self._queue)
        for state in states[first:] + states[:first]:
            budget -= self._fetch_partition(state, budget)
        return len(self._queue) > queued

    def _fetch_partition(self, state, budget):
        """Queue one batch (or an event) for ``state``; returns the bytes it took."""
        cluster = self.cluster
        if not partition_exists(cluster, state.topic, state.partition):
            if state.fetch_pos is None and state.start == OFFSET_STORED:
                # librdkafka asks for the committed offset first, and the broker says no.
                state.stopped = True
                self._event(state, KafkaError.UNKNOWN_TOPIC_OR_PART,
                            f'Failed to fetch committed offset for group "{self.group}" topic '
                            f'{state.topic} [{state.partition}]: Broker: Unknown topic or partition')
            return 0
        log = cluster.log(state.topic, state.partition)
        if state.fetch_pos is None and not self._resolve(state, log):
            return 0
        low, high = log.log_start_offset, log.high_watermark
        state.hwm_seen = high
        if log.has_markers or log.ongoing:      # transactions: see the module docstring
            return self._fetch_transactional(state, log, budget, low, high)
        if not low <= state.fetch_pos <= high and not self._reset(
                state, log, "fetch failed due to requested offset not available on the broker: "
                            "Broker: Offset out of range", state.fetch_pos):
            return 0
        if state.fetch_pos >= high:
            if self.partition_eof and state.eof_at != high:
                state.eof_at = high
                self._event(state, KafkaError._PARTITION_EOF,
                            f"Fetch reached end of partition at offset {high} (HighwaterMark {high})", high)
            return 0
        if budget <= 0:
            return 0                 # fetch.max.bytes used up by the partitions before it
        taken, limit = 0, min(self.max_partition_bytes, budget)
        topic, partition, actor, queue = state.topic, state.partition, self.actor, self._queue
        while True:
            record = cluster.read(topic, partition, state.fetch_pos, actor=actor)
            if record is None:
                state.fetch_pos = high
                break
            size = record.size
            if taken and taken + size > limit:
                break
            queue.append((state, record, None))
            taken += size
            state.fetch_pos = record.offset + 1
            if taken >= limit:
                break
        return taken

    def _fetch_transactional(self, state, log, budget, low, high):
        """_fetch_partition for a log that holds transactions: read up to the LSO
        (read_committed) or the high watermark, never handing out a marker nor, when
        read_committed, a record of an aborted transaction."""
        if not low <= state.fetch_pos <= high and not self._reset(
                state, log, "fetch failed due to requested offset not available on the broker: "
                            "Broker: Offset out of range", state.fetch_pos):
            return 0
        end = log.last_stable_offset if self.read_committed else high
        if state.fetch_pos >= end:
            if self.partition_eof and state.eof_at != end:
                state.eof_at = end
                self._event(state, KafkaError._PARTITION_EOF,
                            f"Fetch reached end of partition at offset {end} (HighwaterMark {high})", end)
            return 0
        if budget <= 0:
            return 0
        hidden = log.aborted if self.read_committed else ()
        taken, limit = 0, min(self.max_partition_bytes, budget)
        cluster, topic, partition, actor, queue = self.cluster, state.topic, state.partition, self.actor, self._queue
        while state.fetch_pos < end:
            record = cluster.read(topic, partition, state.fetch_pos, actor=actor)
            if record is None or record.offset >= end:
                state.fetch_pos = end
                break
            size = record.size
            if taken and taken + size > limit:
                break
            taken += size
            state.fetch_pos = record.offset + 1
            if record.__class__ is not ControlRecord and record.offset not in hidden:
                queue.append((state, record, None))
            if taken >= limit:
                break
        return taken

    def _resolve(self, state, log):
        """Turn the start offset into a fetch position; False if the partition stopped."""
        start = state.start
        state.start = None
        if start >= 0:
            state.fetch_pos = start
        elif start == OFFSET_BEGINNING:
            state.fetch_pos = log.log_start_offset
        elif start == OFFSET_END:
            state.fetch_pos = log.high_watermark
        elif start <= OFFSET_TAIL_BASE:
            state.fetch_pos = max(log.log_start_offset, log.high_watermark - (OFFSET_TAIL_BASE - start))
        elif start == OFFSET_STORED:
            committed = self.cluster.committed(self.group, state.topic, state.partition)
            if committed is None:
                return self._reset(state, log, "no previously committed offset available: Local: No offset stored")
            state.committed = state.fetch_pos = committed
        else:
            # OFFSET_INVALID from seek() (and any other logical value): reset by the policy.
            return self._reset(state, log, "no valid offset to fetch from: Local: No offset stored")
        return True

    def _reset(self, state, log, reason, offset=None):
        """auto.offset.reset: earliest / latest move the fetch position, error stops the
        partition and queues an _AUTO_OFFSET_RESET event. False if stopped."""
        policy = self.reset_policy
        self.cluster.trace.record("consumer.offset_reset", self.actor, topic=state.topic,
                                  partition=state.partition, policy=policy, requested=offset)
        if policy == "error":
            state.stopped, state.fetch_pos = True, None
            self._event(state, KafkaError._AUTO_OFFSET_RESET, reason, offset)
            return False
        state.fetch_pos = log.log_start_offset if policy == "earliest" else log.high_watermark
        return True

    def _event(self, state, code, reason, offset=None):
        self._queue.append((state, None, ConsumerEvent(state.topic, state.partition, KafkaError(code, reason), offset)))

    def _purge(self, state):
        """Drop what was fetched for ``state`` but not handed out; fetch it again later."""
        if not self._queue:
            return
        first, kept = None, deque()
        for item in self._queue:
            if item[0] is state:
                if first is None and item[1] is not None:
                    first = item[1].offset
            else:
                kept.append(item)
        self._queue = kept
        if first is not None:
            state.fetch_pos = first


def partition_exists(cluster, topic, partition):
    """Whether the cluster has this topic and partition (the broker's UNKNOWN_TOPIC_OR_PART)."""
    return cluster.has_topic(topic) and 0 <= partition < cluster.num_partitions(topic)
