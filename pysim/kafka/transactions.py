"""The transaction coordinator: one record per transactional.id of its producer id, epoch
and open transaction, and the markers that close a transaction in every partition it
wrote to (Kafka's TransactionCoordinator, with the transaction log kept in memory).

- ``init_producer_id`` (init_transactions): the first call gives the transactional.id a
  producer id; every later one bumps the epoch, which fences the previous instance (its
  produce, AddPartitions, TxnOffsetCommit and EndTxn are refused from then on), and
  aborts the transaction it left open.
- ``add_partition`` (the first produce to a partition inside a transaction) and
  ``add_offsets`` (send_offsets_to_transaction) open the transaction; its clock starts.
  add_offsets applies KIP-447: the group metadata's member and generation must be the
  group's current ones, else ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID.
- ``end`` (commit / abort): a COMMIT or ABORT marker, one offset, in every partition
  involved; on commit the offsets become the group's committed offsets.
- ``bump_epoch`` (InitProducerId with the current producer id and epoch, KIP-360): the
  transactional producer's way past a hole in a sequence, asked after its abort.
- A transaction open longer than its ``transaction.timeout.ms`` (virtual time) is aborted
  by the coordinator, which bumps the epoch as Kafka does (so the late producer is fenced).

Every step is traced as ``txn.*``.
"""

from pysim.kafka.errors import KafkaError, KafkaException
from pysim.kafka.consumer_group_protocol import consumer_coordinator_of
from pysim.kafka.group_coordinator import coordinator_of
from pysim.kafka.producer_state import producer_states

FENCED_REASON = "Broker: There is a newer producer with the same transactionalId which fences the current one"
EPOCH_REASON = "Broker: Producer attempted an operation with an old epoch"


class _TransactionalId:
    __slots__ = ("tid", "pid", "epoch", "timeout_ms", "partitions", "offsets", "started_ms", "timer")

    def __init__(self, tid, pid, timeout_ms):
        self.tid, self.pid, self.epoch, self.timeout_ms = tid, pid, -1, timeout_ms
        self.partitions = []     # (topic, partition) in the order the transaction first wrote to them
        self.offsets = {}        # group -> {(topic, partition): offset}, committed with the transaction
        self.started_ms = None   # None: no transaction open
        self.timer = None


class TransactionCoordinator:
    def __init__(self, cluster):
        self._c = cluster
        self._ids = {}

    def init_producer_id(self, tid, timeout_ms):
        """(producer id, epoch) for a new instance of ``tid``: fences the older ones."""
        t = self._ids.get(tid)
        if t is None:
            t = self._ids[tid] = _TransactionalId(tid, producer_states(self._c).new_producer_id(), timeout_ms)
        elif t.started_ms is not None:
            self._complete(t, commit=False, reason="fenced")
        t.timeout_ms = timeout_ms
        self._bump(t)
        self._c.trace.record("txn.init", tid, producer_id=t.pid, epoch=t.epoch)
        return t.pid, t.epoch

    def bump_epoch(self, tid, pid, epoch):
        """The next epoch for the instance holding (``pid``, ``epoch``); PRODUCER_FENCED if it
        is not the current one. Aborts its open transaction, if any, as Kafka does."""
        t = self._current(tid, pid, epoch)
        if t.started_ms is not None:
            self._complete(t, commit=False, reason="epoch bump")
        self._bump(t)
        self._c.trace.record("txn.init", tid, producer_id=t.pid, epoch=t.epoch, previous_epoch=epoch)
        return t.epoch

    def add_partition(self, tid, pid, epoch, topic, partition):
        t = self._current(tid, pid, epoch)
        if (topic, partition) not in t.partitions:
            t.partitions.append((topic, partition))
            self._open(t)

    def add_offsets(self, tid, pid, epoch, group_metadata, offsets):
        """Record ``offsets`` ({(topic, partition): offset}) for the group of
        ``group_metadata``; raises ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID for a member the
        group no longer knows in that generation (STALE_MEMBER_EPOCH in a consumer-protocol
        group, whose metadata carries the member epoch)."""
        t = self._current(tid, pid, epoch)
        group = group_metadata.group_id
        member = group_metadata.member_id or None
        coordinator = consumer_coordinator_of(self._c)          # a KIP-848 group checks member epochs
        if not coordinator.members(group):
            coordinator = coordinator_of(self._c)
        code = coordinator.commit_error(group, member, group_metadata.generation_id)
        if code is not None:
            raise KafkaException(KafkaError(code))
        t.offsets.setdefault(group, {}).update(offsets)
        self._open(t)

    def end(self, tid, pid, epoch, commit):
        """EndTxn: write the markers (and commit the offsets) of the open transaction."""
        t = self._current(tid, pid, epoch)
        if t.started_ms is not None:
            self._complete(t, commit, reason="commit" if commit else "abort")

    def ongoing(self, tid):
        """The partitions of ``tid``'s open transaction, or None when none is open."""
        t = self._ids.get(tid)
        return None if t is None or t.started_ms is None else list(t.partitions)

    # -- inside -------------------------------------------------------------------------------
    def _current(self, tid, pid, epoch):
        t = self._ids.get(tid)
        if t is None or t.pid != pid:
            raise KafkaException(KafkaError(KafkaError.INVALID_PRODUCER_ID_MAPPING))
        if epoch != t.epoch:
            raise KafkaException(KafkaError(KafkaError.PRODUCER_FENCED, FENCED_REASON))
        return t

    def _open(self, t):
        if t.started_ms is None:
            t.started_ms = self._c.now_ms
            t.timer = self._c.sim.scheduler.call_later(t.timeout_ms, self._expire, t, t.epoch)
            self._c.trace.record("txn.begin", t.tid, producer_id=t.pid, epoch=t.epoch)

    def _expire(self, t, epoch):
        if t.epoch == epoch and t.started_ms is not None:
            self._complete(t, commit=False, reason="timeout")
            self._bump(t)

    def _bump(self, t):
        t.epoch += 1
        producer_states(self._c).fence(t.pid, t.epoch)

    def _complete(self, t, commit, reason):
        c = self._c
        now = c.now_ms
        for topic, partition in t.partitions:
            if c.has_topic(topic) and partition < c.num_partitions(topic):
                marker = c.log(topic, partition).append_marker(t.pid, commit, now)
                c.trace.record("txn.marker", t.tid, topic=topic, partition=partition, offset=marker.offset,
                               commit=commit)
        if commit:
            for group in sorted(t.offsets):
                for (topic, partition), offset in sorted(t.offsets[group].items()):
                    c.commit(group, topic, partition, offset)
        c.trace.record("txn.commit" if commit else "txn.abort", t.tid, producer_id=t.pid, epoch=t.epoch,
                       reason=reason, partitions=[list(tp) for tp in t.partitions])
        if t.timer is not None:
            t.timer.cancel()
        t.partitions, t.offsets, t.started_ms, t.timer = [], {}, None, None


def transaction_coordinator(cluster):
    """The cluster's TransactionCoordinator (made on first use, kept with the cluster)."""
    found = getattr(cluster, "_txn_coordinator", None)
    if found is None:
        found = cluster._txn_coordinator = TransactionCoordinator(cluster)
    return found
