"""A read-process-write pipeline with seeded crashes, aborts and produce faults: the
situation exactly-once is about, as a function of (settings, seed) that returns its
history in pysim.checker's format.

An input topic ``in`` holds ``inputs`` records (ids ``i0``, ``i1``, ...; keys spread over
``keys`` keys). A processor (group ``processor``, partitions assigned by hand) reads a
batch, writes one output per input to ``out`` and records its progress, then goes on;
before each step it may crash (``crash_rate``), after which a new instance takes over
from the committed offsets, or (transactional only) abort its transaction
(``abort_rate``) and rewind to the committed offsets. A read_committed consumer then
reads ``out`` in full.

- ``mode="transactional"``: the outputs and the consumed offsets go in one transaction
  (send_offsets_to_transaction); a new instance's init_transactions() fences the crashed
  one and aborts what it left open. An error with txn_requires_abort() (a record that
  timed out under faults) aborts and rewinds; a fatal one (fenced: the transaction
  outlived transaction.timeout.ms while faults delayed it) starts a new instance, as a
  real application does. Each input's output is read exactly once.
- ``mode="at_least_once"``: a plain producer, flush, then commit the offsets. A crash
  between the flush and the commit makes the new instance process the batch again:
  duplicates downstream.

``effects`` adds an external effect per processed input, e.g. charging a payment in a
database, which no Kafka transaction covers:

- ``"naive"``: every processing of an input appends a row (input id, charge). An attempt
  that crashed or aborted after charging is processed again: a double effect, even with
  transactions.
- ``"keyed"``: the row is keyed by the input's stable (topic, partition, offset) and a
  second insert of the same key is ignored (a UNIQUE constraint with ON CONFLICT DO
  NOTHING): a replay is harmless.

Random choices come from the cluster's stream ``pipeline``; faults from ``faults.produce``.
"""

from pysim import kafka
from pysim.kafka import KafkaException, TopicPartition

MODES = ("transactional", "at_least_once")
EFFECTS = (None, "naive", "keyed")
GROUP = "processor"


def run(seed=0, inputs=100, partitions=3, keys=10, batch=5, mode="transactional", crash_rate=0.1,
        abort_rate=0.05, loss_rate=0.0, timeout_rate=0.0, leader_change_rate=0.0, effects=None,
        bootstrap="pipeline:9092"):
    """Run the pipeline; returns {"produced", "consumed", "aborted", "effects", "stats"}: the
    first four are pysim.checker.check()'s arguments (a read's ``attempt`` names the
    processing attempt that wrote it; effects are (input id, charge) rows) and stats counts
    transactions, crashes, aborts and virtual ms."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if effects not in EFFECTS:
        raise ValueError(f"effects must be one of {EFFECTS}, got {effects!r}")
    kafka.reset_all(seed=seed)
    c = kafka.cluster(bootstrap)
    c.create_topic("in", partitions)
    c.create_topic("out", partitions)
    conf = {"bootstrap.servers": bootstrap}
    feeder = kafka.Producer(conf)
    produced = []
    for n in range(inputs):
        key = f"k{n % keys}"
        feeder.produce("in", f"i{n}".encode(), key.encode())
        produced.append({"id": f"i{n}", "key": key})
    feeder.flush()
    c.faults.set(loss_rate=loss_rate, timeout_rate=timeout_rate, leader_change_rate=leader_change_rate)
    rng = c.sim.rng.stream("pipeline")
    stats = {"transactions": 0, "crashes": 0, "aborts": 0, "fatal": 0, "instances": 0}
    aborted, attempt = [], [0]
    ledger = {}                  # the external database: row key -> (input id, charge)
    processor = _Processor(conf, partitions, mode, stats)
    done = 0
    while done < inputs:
        batch_msgs = processor.read(batch)
        if not batch_msgs:
            break
        if rng.random() < crash_rate:
            processor.crash(c, "before processing")
            processor = _Processor(conf, partitions, mode, stats)
            continue
        attempt[0] += 1
        if effects is not None:
            _charge(ledger, batch_msgs, effects)
        tokens = processor.write(batch_msgs, attempt[0])
        roll = rng.random()
        if roll < crash_rate:                       # outputs written, progress not recorded
            processor.crash(c, "after writing")
            if mode == "transactional":
                aborted.extend(tokens)              # the next instance's init_transactions aborts them
            processor = _Processor(conf, partitions, mode, stats)
            continue
        try:
            if mode == "transactional" and roll < crash_rate + abort_rate:
                aborted.extend(tokens)
                processor.abort()
                continue
            try:
                processor.complete()
            except KafkaException as e:
                aborted.extend(tokens)
                if not e.args[0].txn_requires_abort():
                    raise
                processor.abort()
                continue
        except KafkaException as e:                 # fatal (fenced): a new instance takes over
            if not e.args[0].fatal():
                raise
            stats["fatal"] += 1
            processor = _Processor(conf, partitions, mode, stats)
            continue
        done = processor.committed_total(c)
    c.faults.clear()
    consumed = _read_output(conf, partitions)
    stats["virtual_ms"] = c.now_ms
    return {"produced": produced, "consumed": consumed, "aborted": aborted, "effects": list(ledger.values()),
            "stats": stats}


def _charge(ledger, msgs, effects):
    """The external effect of processing ``msgs``: one charge row per input."""
    for m in msgs:
        input_id = m.value().decode()
        row = (input_id, 100 + int(input_id[1:]) % 50)
        if effects == "keyed":
            ledger.setdefault((m.topic(), m.partition(), m.offset()), row)    # ON CONFLICT DO NOTHING
        else:
            ledger[len(ledger)] = row


class _Processor:
    """One instance of the processing application: a consumer and a producer."""

    def __init__(self, conf, partitions, mode, stats):
        self.mode, self.stats = mode, stats
        stats["instances"] += 1
        self.consumer = kafka.Consumer(dict(conf, **{"group.id": GROUP, "enable.auto.commit": False,
                                                     "auto.offset.reset": "earliest"}))
        self.parts = [TopicPartition("in", p) for p in range(partitions)]
        self.consumer.assign([TopicPartition("in", p) for p in range(partitions)])
        if mode == "transactional":
            self.producer = kafka.Producer(dict(conf, **{"transactional.id": "processor-0"}))
            self.producer.init_transactions()
        else:
            self.producer = kafka.Producer(dict(conf, **{"enable.idempotence": False}))

    def read(self, n):
        msgs = []
        while len(msgs) < n:
            m = self.consumer.poll(0.05)
            if m is None:
                break
            if m.error() is None:
                msgs.append(m)
        return msgs

    def write(self, msgs, attempt):
        if self.mode == "transactional":
            self.producer.begin_transaction()
        tokens = []
        for m in msgs:
            token = f"{m.value().decode()}#{attempt}"
            tokens.append(token)
            self.producer.produce("out", token.encode(), m.key())
        if self.mode != "transactional":
            self.producer.flush()
        return tokens

    def complete(self):
        positions = self.consumer.position(self.parts)
        offsets = [tp for tp in positions if tp.offset >= 0]
        if self.mode == "transactional":
            self.producer.send_offsets_to_transaction(offsets, self.consumer.consumer_group_metadata())
            self.producer.commit_transaction()
            self.stats["transactions"] += 1
        elif offsets:
            self.consumer.commit(offsets=offsets, asynchronous=False)

    def abort(self):
        """Abort the transaction and rewind to the committed offsets."""
        self.producer.abort_transaction()
        self.stats["aborts"] += 1
        for tp in self.consumer.committed(self.parts):
            self.consumer.seek(TopicPartition("in", tp.partition, tp.offset if tp.offset >= 0 else kafka.OFFSET_BEGINNING))

    def crash(self, cluster, where):
        """The process dies: the producer sends nothing more; the consumer is dropped
        (it holds no group membership: partitions are assigned by hand)."""
        self.stats["crashes"] += 1
        cluster.trace.record("pipeline.crash", "pipeline", where=where)
        cluster.crash(self.producer)

    def committed_total(self, cluster):
        """How many inputs the group's committed offsets cover."""
        return sum(cluster.committed(GROUP, "in", tp.partition) or 0 for tp in self.parts)


def _read_output(conf, partitions):
    reader = kafka.Consumer(dict(conf, **{"group.id": "downstream", "isolation.level": "read_committed",
                                          "auto.offset.reset": "earliest", "enable.auto.commit": False}))
    reader.assign([TopicPartition("out", p) for p in range(partitions)])
    consumed = []
    while (m := reader.poll(0.05)) is not None:
        if m.error() is not None:
            continue
        token = m.value().decode()
        input_id = token.split("#", 1)[0]
        consumed.append({"id": input_id, "attempt": token, "key": m.key().decode(), "partition": m.partition(),
                         "offset": m.offset()})
    reader.close()
    return consumed
