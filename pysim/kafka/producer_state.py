"""The broker's memory of idempotent producers (Kafka's ProducerStateManager): for each
producer id and partition, the producer's epoch and its last 5 batches (first sequence,
offset). pysim sends one record per batch, so a batch's sequence is its record's.

The rules a produce with a producer id meets (Kafka's ProducerAppendInfo):
- an epoch older than the one the broker knows: INVALID_PRODUCER_EPOCH (the producer is
  a zombie: fenced);
- a newer epoch starts the sequence over at 0;
- the sequence of one of the last 5 batches: a retried duplicate, answered with the
  original offset and not appended again;
- any other sequence but last + 1: OUT_OF_ORDER_SEQUENCE_NUMBER (a gap).
"""

from collections import deque

from pysim.kafka.errors import KafkaError, KafkaException

BATCHES_KEPT = 5      # ProducerStateEntry.NUM_BATCHES_TO_RETAIN


class _Entry:
    __slots__ = ("epoch", "last_seq", "batches")

    def __init__(self, epoch):
        self.epoch, self.last_seq, self.batches = epoch, -1, deque(maxlen=BATCHES_KEPT)


class ProducerStates:
    """Producer ids handed out by the cluster, and each one's state per partition."""

    def __init__(self):
        self._entries = {}        # (topic, partition, producer id) -> _Entry
        self._next_id = 1000      # Kafka's ids are large numbers; any will do

    def new_producer_id(self):
        pid = self._next_id
        self._next_id += 1
        return pid

    def check(self, topic, partition, pid, epoch, seq):
        """The record already stored for this (duplicate) sequence, None for a new one
        that may be appended; raises the broker's error for a stale epoch or a gap."""
        entry = self._entries.get((topic, partition, pid))
        if entry is None or epoch > entry.epoch:
            if seq != 0:
                _raise_out_of_order(topic, partition, pid, seq, -1)
            return None
        if epoch < entry.epoch:
            raise KafkaException(KafkaError(KafkaError.INVALID_PRODUCER_EPOCH,
                                            "Broker: Producer attempted an operation with an old epoch"))
        if seq == entry.last_seq + 1:
            return None
        for batch_seq, record in entry.batches:
            if batch_seq == seq:
                return record
        _raise_out_of_order(topic, partition, pid, seq, entry.last_seq)

    def appended(self, topic, partition, pid, epoch, seq, record):
        key = (topic, partition, pid)
        entry = self._entries.get(key)
        if entry is None or epoch > entry.epoch:
            entry = self._entries[key] = _Entry(epoch)
        entry.last_seq = seq
        entry.batches.append((seq, record))

    def fence(self, pid, epoch):
        """A newer epoch exists for ``pid`` (init_transactions, a timed-out transaction):
        the broker refuses the older one from now on, on every partition it wrote to."""
        for (topic, partition, p), entry in self._entries.items():
            if p == pid and entry.epoch < epoch:
                entry.epoch, entry.last_seq = epoch, -1
                entry.batches.clear()


def _raise_out_of_order(topic, partition, pid, seq, last_seq):
    raise KafkaException(KafkaError(
        KafkaError.OUT_OF_ORDER_SEQUENCE_NUMBER,
        f"Out of order sequence number for producer {pid} at offset in partition {topic}-{partition}: "
        f"{seq} (incoming seq. number), {last_seq} (current end sequence number)"))


def producer_states(cluster):
    """The cluster's ProducerStates (made on first use, kept with the cluster)."""
    found = getattr(cluster, "_producer_states", None)
    if found is None:
        found = cluster._producer_states = ProducerStates()
    return found


def append_with_id(cluster, topic, partition, key, value, timestamp, headers, actor, pid, epoch, seq,
                   transactional):
    """A produce carrying a producer id: checked by ProducerStates, appended when new (and,
    in a transaction, counted into the partition's open transaction), or answered with the
    record already stored for a retried duplicate. Raises the broker's error otherwise."""
    states = producer_states(cluster)
    entry = states._entries.get((topic, partition, pid))
    if entry is not None and entry.epoch == epoch and seq == entry.last_seq + 1 and not transactional:
        record = cluster.append(topic, partition, key, value, timestamp, headers, actor)   # the common case
        entry.last_seq = seq
        entry.batches.append((seq, record))
        return record
    stored = states.check(topic, partition, pid, epoch, seq)
    if stored is not None:
        cluster.trace.record("produce.duplicate", actor, topic=topic, partition=partition, offset=stored.offset,
                             producer_id=pid, sequence=seq)
        return stored
    record = cluster.append(topic, partition, key, value, timestamp, headers, actor)
    states.appended(topic, partition, pid, epoch, seq, record)
    if transactional:
        log = cluster.log(topic, partition)
        offsets = log.ongoing.get(pid)
        if offsets is None:
            log.ongoing[pid] = [record.offset]
        else:
            offsets.append(record.offset)
    return record
