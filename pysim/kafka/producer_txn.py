"""The transactional producer's side of a transaction: librdkafka's transaction state
machine (rdkafka_txnmgr.c) in front of the cluster's transaction coordinator.

States, as librdkafka names them in its errors: Init -> (init_transactions) Ready ->
(begin_transaction) InTransaction -> (commit / abort) Ready. A call made in the wrong
state raises KafkaException(_STATE, "Operation not valid in state <state>"); produce()
outside a transaction raises _STATE "Unable to produce message: Local: Erroneous state".
Two error states change that answer:

- AbortableError: something failed inside the transaction (a record could not be
  delivered, the group refused the offsets: ILLEGAL_GENERATION after a rebalance). Every
  call but abort_transaction() raises that error with ``txn_requires_abort()`` True; abort
  and start again. A record that timed out (or the hole a refused record left in its
  partition's sequence) also requires an epoch bump: nothing is sent, queued records are
  purged, and abort_transaction() gets a new epoch from the coordinator after the ABORT
  markers (KIP-360, see idempotence.py).
- FatalError: the producer was fenced (a newer instance with the same transactional.id
  called init_transactions, or the coordinator aborted a transaction that outlived
  transaction.timeout.ms and bumped the epoch). Every call raises the error with code
  _FENCED and ``fatal()`` True; produce() raises _FATAL. Only a new producer can go on.
  (librdkafka normalizes the broker's PRODUCER_FENCED and INVALID_PRODUCER_EPOCH into
  _FENCED; Java throws ProducerFencedException.)

pysim's calls are synchronous: the intermediate states (WaitPID, BeginCommit, ...) last no
time, and no call here is retriable.
"""

from pysim.kafka.errors import KafkaError, KafkaException
from pysim.kafka.group_coordinator import ConsumerGroupMetadata
from pysim.kafka.topic_partition import TopicPartition
from pysim.kafka.transactions import transaction_coordinator

INIT, READY, IN_TRANSACTION = "Init", "Ready", "InTransaction"
ABORTABLE_ERROR, FATAL_ERROR = "AbortableError", "FatalError"


class TransactionManager:
    def __init__(self, producer, cluster, settings):
        self._p, self._c = producer, cluster
        self.tid, self.timeout_ms = settings.transactional_id, settings.transaction_timeout_ms
        self.state = INIT
        self.error = None            # the KafkaError of AbortableError / FatalError
        self._partitions = set()     # partitions registered with the coordinator in this transaction
        self.requires_bump = False   # abort_transaction() must bump the epoch (idempotence.py)

    # -- the API ------------------------------------------------------------------------------
    def init(self):
        self._require(INIT)
        pid, epoch = transaction_coordinator(self._c).init_producer_id(self.tid, self.timeout_ms)
        self._p._new_producer_id(pid, epoch)
        self.state = READY

    def begin(self):
        self._require(READY)
        self.state, self._partitions = IN_TRANSACTION, set()

    def may_produce(self):
        """None when produce() may go on, else the KafkaError it raises."""
        if self.state == IN_TRANSACTION:
            return None
        if self.state == FATAL_ERROR:
            return KafkaError(KafkaError._FATAL, "Unable to produce message: Local: Fatal error")
        return KafkaError(KafkaError._STATE, "Unable to produce message: Local: Erroneous state")

    def add_partition(self, topic, partition):
        """AddPartitionsToTxn before the first record to a partition; False if fenced."""
        if (topic, partition) in self._partitions:
            return True
        try:
            transaction_coordinator(self._c).add_partition(self.tid, *self._p._producer_id(), topic, partition)
        except KafkaException as e:
            self._fail_from(e.args[0], "Failed to add partitions to transaction: ")
            return False
        self._partitions.add((topic, partition))
        return True

    def send_offsets(self, positions, group_metadata):
        # The binding's argument checks and words (its group metadata is serialized bytes).
        if not isinstance(positions, list):
            raise TypeError("requires list of TopicPartition")
        if not all(isinstance(tp, TopicPartition) for tp in positions):
            raise TypeError("expected cimpl.TopicPartition")
        if not isinstance(group_metadata, ConsumerGroupMetadata):
            raise TypeError(f"expected bytes, {type(group_metadata).__name__} found")
        self._require(IN_TRANSACTION)
        offsets = {(tp.topic, tp.partition): tp.offset for tp in positions if tp.offset >= 0}
        if not offsets:
            return                   # nothing consumed: not an error, nothing to do
        try:
            transaction_coordinator(self._c).add_offsets(self.tid, *self._p._producer_id(), group_metadata, offsets)
        except KafkaException as e:
            err = e.args[0]
            if err.code() == KafkaError.PRODUCER_FENCED:
                self._fail_from(err, "Failed to commit offsets to transaction: ")
            else:
                where = ", ".join(f"{t}[{p}]({err.str()})" for t, p in sorted(offsets))
                self._abortable(KafkaError(err.code(), f"Failed to commit offsets to transaction on broker "
                                                       f"localhost:9092/1: {where} (after 0ms)"))
            raise KafkaException(self.error) from None

    def commit(self):
        self._require(IN_TRANSACTION)
        self._p._flush_for_transaction()
        if self.state != IN_TRANSACTION:         # a record failed while flushing
            self._require(IN_TRANSACTION)
        self._end(True)

    def abort(self):
        self._require(IN_TRANSACTION, ABORTABLE_ERROR)
        cause = self.error
        self._p._purge_for_abort()
        self._end(False)
        if self.requires_bump:               # InitProducerId with the current id and epoch (KIP-360)
            self.requires_bump = False
            pid, epoch = self._p._producer_id()
            try:
                epoch = transaction_coordinator(self._c).bump_epoch(self.tid, pid, epoch)
            except KafkaException as e:
                self._fail_from(e.args[0], "Failed to bump epoch: ", local=True)
                raise KafkaException(self.error) from None
            self._p._gaps.bump(f"Transaction aborted: {KafkaError(cause.code()).str()}", epoch, "coordinator")

    # -- errors ---------------------------------------------------------------------------------
    def delivery_failed(self, record, error):
        """A record of the transaction failed for good: the transaction must abort (or, for
        a fencing answer, the producer is dead)."""
        if error.code() in (KafkaError.INVALID_PRODUCER_EPOCH, KafkaError.PRODUCER_FENCED):
            pid, epoch = self._p._producer_id()
            self._fatal(f"ProduceRequest for {record.topic} [{record.partition}] with 1 message(s) failed: "
                        f"{error.str()} (broker 1 PID{{Id:{pid},Epoch:{epoch}}}, base seq {record.seq}): "
                        "transactional producer fenced by newer producer instance")
            return self.error
        if self.state == IN_TRANSACTION:
            pid, epoch = self._p._producer_id()
            self._abortable(KafkaError(error.code(), f"ProduceRequest for {record.topic} [{record.partition}] "
                                                     f"with 1 message(s) failed: {error.str()} (broker 1 "
                                                     f"PID{{Id:{pid},Epoch:{epoch}}}, base seq {record.seq}): "
                                                     "current transaction must be aborted"))
        return error

    def abortable_with_bump(self, error):
        """An abortable error whose abort must also bump the epoch (librdkafka's
        rd_kafka_txn_set_abortable_error_with_bump); False when the producer is fenced."""
        if self.state == FATAL_ERROR:
            return False
        self.requires_bump = True
        self._abortable(error)
        return True

    def _end(self, commit):
        try:
            transaction_coordinator(self._c).end(self.tid, *self._p._producer_id(), commit)
        except KafkaException as e:
            self._fail_from(e.args[0], "Failed to end transaction: ", local=True)
            raise KafkaException(self.error) from None
        self.state, self.error, self._partitions = READY, None, set()

    def _fail_from(self, err, prefix, local=False):
        """A broker answer: fencing is fatal, anything else makes the transaction abortable."""
        if err.code() in (KafkaError.PRODUCER_FENCED, KafkaError.INVALID_PRODUCER_EPOCH):
            fenced = KafkaError(KafkaError._FENCED)
            self._fatal(prefix + (fenced.str() if local else f"Producer fenced by newer instance: {err.str()}"))
        else:
            self._abortable(KafkaError(err.code(), prefix + err.str()))

    def _fatal(self, reason):
        if self.state != FATAL_ERROR:
            self.state, self.error = FATAL_ERROR, KafkaError(KafkaError._FENCED, reason, fatal=True)
            self._c.trace.record("txn.fenced", self._p.name, transactional_id=self.tid, reason=reason)

    def _abortable(self, error):
        if self.state == IN_TRANSACTION:
            self.state = ABORTABLE_ERROR
            self.error = KafkaError(error.code(), error.str(), txn_requires_abort=True)

    def _require(self, *states):
        if self.state in states:
            return
        if self.state == FATAL_ERROR:
            raise KafkaException(self.error)
        if self.state == ABORTABLE_ERROR:
            raise KafkaException(self.error)
        raise KafkaException(KafkaError(KafkaError._STATE, f"Operation not valid in state {self.state}"))
