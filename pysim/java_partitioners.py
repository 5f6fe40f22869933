"""The Java producer's strategies for records without a key, as pure, seeded models, so a
lesson can show how the same null-key records spread under each era of the Java client.
librdkafka (and so confluent-kafka and pysim.kafka by default) has none of them: its own
rule is the time-based sticky partition of ``pysim.kafka.partitioning``.

- ``round_robin``: Kafka < 2.4, ``DefaultPartitioner``: a per-topic counter that starts at a
  random int; record i goes to ``toPositive(counter++) % n``.
- ``sticky``: Kafka 2.4 to 3.2, KIP-480 (``DefaultPartitioner`` with ``StickyPartitionCache``):
  stick to one partition until a record would open a new batch there
  (``Partitioner.onNewBatch``), then move to a random partition other than the previous
  one (any partition when there is only one). The record that triggered the switch goes to
  the new partition.
- ``builtin``: Kafka 3.3 and later, KIP-794 (``BuiltInPartitioner``): count the bytes
  appended since the switch (a new batch also counts its 61-byte header); switch once they
  reach ``batch.size`` and the partition's last batch is full, or unconditionally at twice
  ``batch.size``; the next partition is uniformly random and may repeat the last one. The
  record that crosses the limit still goes to the old partition.

What is modelled, and what is not:

- Every partition is available (has a leader): pysim's broker never goes away.
- Batches: the accumulator keeps each partition's last batch, of at most ``batch.size``
  bytes, counting a 61-byte batch header plus each record's ``record_size`` (its size in a
  v2 batch; see pysim.kafka.record_size). A record that does not fit closes that batch for
  appends and goes to a new one. The sender is modelled as running only when virtual time moves:
  then every batch at least ``linger_ms`` old has left. Records produced while the clock
  stands still (a burst) therefore fill batches up to ``batch.size``, as they do on a
  producer that outpaces its network; with the clock moving between records and
  ``linger_ms=0`` every record is its own batch, which is when KIP-480 switches on every
  record.
- KIP-794's adaptive weighting (``partitioner.adaptive.partitioning.enable``, on by
  default) picks the next partition with probability that falls with its queue length.
  The pysim producer never feeds queue lengths (its one broker serves every partition
  alike, so Java's would be all equal, where Java falls back to the uniform draw); a
  lesson can call ``BuiltIn.set_queue_sizes`` to see the weighting, computed as Java
  does (``updatePartitionLoadStats``: weight = max queue + 1 - queue).
- ``partitioner.availability.timeout.ms`` and ``partitioner.ignore.keys`` are not modelled.

Random draws are ``toPositive(nextInt())``: 31 uniform bits from the seeded stream given to
the model, so runs repeat exactly.
"""

from bisect import bisect_right

from pysim.partitioner import to_positive

JAVA_BATCH_SIZE = 16_384          # batch.size default
RECORD_BATCH_OVERHEAD = 61        # DefaultRecordBatch.RECORD_BATCH_OVERHEAD
STRATEGIES = ("round_robin", "sticky", "builtin")


class NullKeyStrategy:
    """One Java partitioning strategy for records without a key. ``choose`` places a record
    and does the bookkeeping the Java producer does around it (batches, sticky state)."""

    name = ""

    def __init__(self, rng, batch_size=JAVA_BATCH_SIZE, linger_ms=0):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        if isinstance(linger_ms, bool) or not isinstance(linger_ms, int) or linger_ms < 0:
            raise ValueError(f"linger_ms must be an int >= 0, got {linger_ms!r}")
        self._rng = rng
        self.batch_size = batch_size
        self.batches = Accumulator(batch_size, linger_ms)

    def choose(self, topic, num_partitions, record_size, now_ms=0):
        """The partition of the next null-key record of ``record_size`` bytes to ``topic``."""
        raise NotImplementedError

    def on_new_batch(self, topic, num_partitions, prev_partition):
        """Java's ``Partitioner.onNewBatch``: a record to ``prev_partition`` needs a new
        batch. Only the KIP-480 sticky partitioner acts on it."""

    def _random(self):
        """``Utils.toPositive(ThreadLocalRandom.current().nextInt())``."""
        return to_positive(self._rng.getrandbits(32))


class RoundRobin(NullKeyStrategy):
    """Kafka < 2.4: ``toPositive(counter.getAndIncrement()) % numPartitions``, one counter per
    topic, starting at a random int (so two producers do not start in step)."""

    name = "round_robin"

    def __init__(self, rng, batch_size=JAVA_BATCH_SIZE, linger_ms=0):
        super().__init__(rng, batch_size, linger_ms)
        self._counters = {}

    def choose(self, topic, num_partitions, record_size, now_ms=0):
        _check(num_partitions, record_size)
        counter = self._counters.get(topic)
        if counter is None:
            counter = self._rng.getrandbits(32)
        self._counters[topic] = (counter + 1) & 0xFFFFFFFF      # a Java int wraps around
        partition = to_positive(counter) % num_partitions
        self.batches.append(topic, partition, record_size, now_ms)
        return partition


class Sticky(NullKeyStrategy):
    """Kafka 2.4 to 3.2 (KIP-480): ``StickyPartitionCache`` with ``onNewBatch``."""

    name = "sticky"

    def __init__(self, rng, batch_size=JAVA_BATCH_SIZE, linger_ms=0):
        super().__init__(rng, batch_size, linger_ms)
        self._sticky = {}

    def choose(self, topic, num_partitions, record_size, now_ms=0):
        _check(num_partitions, record_size)
        self.batches.tick(now_ms)
        partition = self._sticky.get(topic)
        if partition is None or partition >= num_partitions:
            partition = self._next_partition(topic, num_partitions, -1)
        if self.batches.try_append(topic, partition, record_size, now_ms) is None:
            # KafkaProducer.doSend: append(abortOnNewBatch=true) found no batch with room, so
            # onNewBatch and partition again; the record goes to the new sticky partition
            # (into its last batch if that has room, else into a new one).
            self.on_new_batch(topic, num_partitions, partition)
            partition = self._sticky[topic]
            self.batches.append(topic, partition, record_size, now_ms)
        return partition

    def on_new_batch(self, topic, num_partitions, prev_partition):
        self._next_partition(topic, num_partitions, prev_partition)

    def _next_partition(self, topic, num_partitions, prev_partition):
        """StickyPartitionCache.nextPartition: switch only when the batch that triggered it is
        the sticky partition's; never to the same partition when there is a choice."""
        old = self._sticky.get(topic)
        if old is None or old == prev_partition or old >= num_partitions:
            if num_partitions == 1:
                new = 0
            else:
                new = None
                while new is None or new == old:
                    new = self._random() % num_partitions
            self._sticky[topic] = new
        return self._sticky[topic]


class BuiltIn(NullKeyStrategy):
    """Kafka 3.3 and later (KIP-794): ``BuiltInPartitioner`` as RecordAccumulator drives it."""

    name = "builtin"

    def __init__(self, rng, batch_size=JAVA_BATCH_SIZE, linger_ms=0):
        super().__init__(rng, batch_size, linger_ms)
        self._sticky = {}        # topic -> [partition, bytes produced to it since the switch]
        self._load = {}          # topic -> (cumulative frequency table, partition ids)

    def choose(self, topic, num_partitions, record_size, now_ms=0):
        _check(num_partitions, record_size)
        self.batches.tick(now_ms)
        info = self._sticky.get(topic)
        if info is None or info[0] >= num_partitions:
            info = self._sticky[topic] = [self._next_partition(topic, num_partitions), 0]
        partition = info[0]
        appended = self.batches.append(topic, partition, record_size, now_ms)
        # RecordAccumulator.append: switching is allowed only when the partition's last
        # batch is full (allBatchesFull), to avoid leaving a small batch behind.
        enable_switch = self.batches.last_full(topic, partition)
        info[1] += appended
        if (info[1] >= self.batch_size and enable_switch) or info[1] >= 2 * self.batch_size:
            self._sticky[topic] = [self._next_partition(topic, num_partitions), 0]
        return partition

    def set_queue_sizes(self, topic, queue_sizes):
        """Feed per-partition queue lengths (batches waiting), as the sender does in Java
        (``updatePartitionLoadStats``); None, fewer than two partitions, or all equal
        turns the weighting off."""
        if queue_sizes is None or len(queue_sizes) < 2 or len(set(queue_sizes)) == 1:
            self._load.pop(topic, None)
            return
        top = max(queue_sizes) + 1
        table, running = [], 0
        for size in queue_sizes:
            running += top - size
            table.append(running)
        self._load[topic] = (table, list(range(len(queue_sizes))))

    def _next_partition(self, topic, num_partitions):
        random = self._random()
        load = self._load.get(topic)
        if load is None or len(load[1]) != num_partitions:
            return random % num_partitions
        table, ids = load
        # The first entry strictly greater than the draw (Arrays.binarySearch + fix-up).
        return ids[bisect_right(table, random % table[-1])]


class Accumulator:
    """Each partition's last batch, as RecordAccumulator holds it (only the last batch of a
    partition's queue can take records), with the sender running only when virtual time
    moves. A batch that refuses a record is closed for appends, as ProducerBatch is."""

    def __init__(self, batch_size=JAVA_BATCH_SIZE, linger_ms=0):
        self.batch_size, self.linger_ms = batch_size, linger_ms
        self._last = {}          # (topic, partition) -> [bytes incl. header, created_ms, closed]
        self._now = None
        self.batches_closed = 0  # batches that can take no more records (full, closed or sent)

    def tick(self, now_ms):
        """Let the sender run if the clock moved: every batch at least linger_ms old leaves."""
        if now_ms != self._now:
            if self._now is not None:
                for key in sorted(self._last):
                    batch = self._last[key]
                    if now_ms - batch[1] >= self.linger_ms:
                        del self._last[key]
                        self.batches_closed += not batch[2]
            self._now = now_ms

    def try_append(self, topic, partition, record_size, now_ms=0):
        """RecordAccumulator.tryAppend: add the record to the last batch if it has room
        (MemoryRecordsBuilder.hasRoomFor) and return the bytes added; otherwise close that
        batch for appends and return None."""
        self.tick(now_ms)
        batch = self._last.get((topic, partition))
        if batch is None:
            return None
        if not batch[2] and batch[0] < self.batch_size and batch[0] + record_size <= self.batch_size:
            batch[0] += record_size
            return record_size
        if not batch[2]:
            batch[2] = True
            self.batches_closed += 1
        return None

    def append(self, topic, partition, record_size, now_ms=0):
        """Append to the last batch, or to a new one (which adds its header too); returns
        the bytes added."""
        appended = self.try_append(topic, partition, record_size, now_ms)
        if appended is None:
            appended = RECORD_BATCH_OVERHEAD + record_size
            self._last[(topic, partition)] = [appended, now_ms, False]
        return appended

    def last_full(self, topic, partition):
        """RecordAccumulator.allBatchesFull: no batch waiting, or the last one is full
        (ProducerBatch.isFull: closed for appends, or batch.size bytes reached)."""
        batch = self._last.get((topic, partition))
        return batch is None or batch[2] or batch[0] >= self.batch_size

    def open_bytes(self, topic, partition):
        """Bytes in the partition's last batch if it still takes records, else 0."""
        batch = self._last.get((topic, partition))
        return batch[0] if batch is not None and not batch[2] else 0


def make(name, rng, batch_size=JAVA_BATCH_SIZE, linger_ms=0):
    """The strategy called ``name`` (one of STRATEGIES) drawing from ``rng``."""
    try:
        cls = {"round_robin": RoundRobin, "sticky": Sticky, "builtin": BuiltIn}[name]
    except KeyError:
        raise ValueError(f"unknown Java null-key strategy {name!r}; expected one of {', '.join(STRATEGIES)}") from None
    return cls(rng, batch_size, linger_ms)


def spread(name, num_partitions, count, record_size=100, seed=0, batch_size=JAVA_BATCH_SIZE, topic="t"):
    """The partitions of ``count`` null-key records of ``record_size`` bytes produced in one
    burst (the clock standing still) under strategy ``name``: the list lessons draw from."""
    from pysim.kernel.rng import Rng
    strategy = make(name, Rng(seed).stream(f"java.{name}"), batch_size)
    return [strategy.choose(topic, num_partitions, record_size) for _ in range(count)]


def _check(num_partitions, record_size):
    if isinstance(num_partitions, bool) or not isinstance(num_partitions, int) or num_partitions < 1:
        raise ValueError(f"num_partitions must be a positive int, got {num_partitions!r}")
    if isinstance(record_size, bool) or not isinstance(record_size, int) or record_size < 0:
        raise ValueError(f"record_size must be an int >= 0, got {record_size!r}")
