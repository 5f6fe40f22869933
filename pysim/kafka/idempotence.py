"""What an idempotent producer does when a record that had a sequence number fails for
good: the broker never stored that number, so without a remedy every later record of the
partition would be refused with OUT_OF_ORDER_SEQUENCE_NUMBER. librdkafka's remedies
(rdkafka_idempotence.c: rd_kafka_idemp_drain_epoch_bump0, rd_kafka_idemp_drain_done;
rdkafka_request.c: rd_kafka_handle_Produce_error; rdkafka_broker.c:
rd_kafka_broker_toppar_msgq_scan and the producer's serve loop), checked against
confluent-kafka 2.16.1's librdkafka and its mock cluster:

- A record that timed out (message.timeout.ms, reported as _MSG_TIMED_OUT), or that the
  broker refused for good (a record too large for the topic, ...): the producer sends
  nothing on any partition until every request in flight is answered (the drain), then
  bumps its own epoch (epoch + 1, without asking the broker) and numbers every
  partition's queued records from 0 again. The broker starts a newer epoch at sequence
  0, so the records behind the hole are stored. Traced as ``producer.epoch_bump``. A record
  refused as out of order with no earlier record of ours to wait for (a purged record's
  number was never used) is retried after such a bump ("skipped sequence numbers").
  Simplifications: librdkafka also bumps when a record is refused as out of order behind
  an earlier one still unanswered (pysim retries it in order under the same epoch, with the
  same result), and after a retriable error that used up ``retries`` it waits for the next
  record's refusal to bump (pysim bumps at once).
- ``enable.gapless.guarantee=true``: a refusal is a fatal error instead,
  _GAPLESS_GUARANTEE ("... unable to satisfy gap-less guarantee"), raised by the next
  poll() or flush(); queued records are purged and produce() raises _FATAL. A timeout is
  not covered by the guarantee (librdkafka's INTRODUCTION.md says so): it bumps the epoch.
  (A record answered after the fatal error that would be retried is purged at once;
  librdkafka leaves it queued until its message.timeout.ms.)
- A transactional producer cannot bump on its own: a timed-out record makes the
  transaction abortable (_TIMED_OUT "N message(s) timed out on T [P]") and
  abort_transaction() asks the coordinator for the bump (InitProducerId with the current
  producer id and epoch, KIP-360). A refusal makes the transaction abortable without a
  bump, as in librdkafka, so the next transaction's first record on that partition meets
  the hole: abortable OUT_OF_ORDER_SEQUENCE_NUMBER "skipped sequence numbers", that record
  purged, and the bump at that abort.

The Java producer also bumps the epoch itself on such errors (KIP-360, since Kafka 2.5);
it has no gap-less mode.
"""

from pysim.kafka.errors import KafkaError

_FENCING = (KafkaError.INVALID_PRODUCER_EPOCH, KafkaError.PRODUCER_FENCED, KafkaError._FENCED)
_PURGED = (KafkaError._PURGE_QUEUE, KafkaError._PURGE_INFLIGHT)


class SequenceGaps:
    """One idempotent producer's handling of holes in its sequences."""

    def __init__(self, producer):
        self._p = producer
        self.pending = None        # reason of the epoch bump waiting for the drain
        self.fatal = None          # the fatal KafkaError (gap-less guarantee), once raised
        self.fatal_unseen = False  # the next poll() / flush() raises it

    def failed(self, topic, partition, seq, error):
        """A record with sequence ``seq`` failed for good with ``error``: remedy the hole.
        Returns the error its delivery report carries and the queued records purged (their
        _PURGE_QUEUE reports come after it, as in librdkafka)."""
        code = error.code()
        if code in _FENCING or code in _PURGED or self.fatal is not None:
            return error, []
        p = self._p
        timed_out = f"{max(1, p._sender.expiring if p._sender else 1)} message(s) timed out on {topic} [{partition}]"
        if p._txn is not None:
            if code == KafkaError._MSG_TIMED_OUT:
                return error, self._abort_then_bump(KafkaError(KafkaError._TIMED_OUT, timed_out))
            if code == KafkaError.OUT_OF_ORDER_SEQUENCE_NUMBER:     # it waited for its retry: purged
                purged = self._abort_then_bump(KafkaError(code, "skipped sequence numbers"))
                return KafkaError(KafkaError._PURGE_QUEUE), purged
            return error, []
        if p._settings.gapless and code not in (KafkaError._MSG_TIMED_OUT, KafkaError.OUT_OF_ORDER_SEQUENCE_NUMBER):
            return error, self._fail_fatally(topic, partition, seq, error)
        if code == KafkaError._MSG_TIMED_OUT:
            self._drain_then_bump(timed_out)
        else:
            self._drain_then_bump("message sequence gap")
        return error, []

    def skipped(self):
        """A record was refused as out of order with no earlier record of ours to wait for (a
        record purged while it waited for its retry left its number unused): it is retried
        after a bump, as librdkafka does ("skipped sequence numbers")."""
        if self.fatal is None:
            self._drain_then_bump("skipped sequence numbers")

    # -- the idempotent producer: drain, then bump the epoch itself -------------------------
    def _drain_then_bump(self, reason):
        if self.pending is not None:
            return                                  # already draining for a bump
        self.pending = reason
        sender = self._p._sender
        if sender is None:
            self._bump()
        else:
            sender.hold(self._bump)                 # runs now if nothing is in flight

    def _bump(self):
        p, reason = self._p, self.pending
        self.pending = None
        self.bump(reason, p._epoch + 1, "producer")

    def bump(self, reason, epoch, by):
        """The new epoch is in place: sequences start over and the queued records are sent."""
        p = self._p
        p._new_producer_id(p._pid, epoch)
        p._c.trace.record("producer.epoch_bump", p.name, producer_id=p._pid, epoch=epoch, reason=reason, by=by)
        if p._sender is not None:
            p._sender.resume()

    # -- the transactional producer: abortable now, the coordinator bumps at the abort -------
    def _abort_then_bump(self, error):
        sender = self._p._sender
        if self._p._txn.abortable_with_bump(error) and sender is not None:
            return sender.hold(purge=True)        # nothing is sent until the abort bumps the epoch
        return []

    # -- gap-less guarantee: fatal ---------------------------------------------------------
    def _fail_fatally(self, topic, partition, seq, error):
        p = self._p
        reason = (f"ProduceRequest for {topic} [{partition}] with 1 message(s) failed: {error.str()} "
                  f"(broker 1 PID{{Id:{p._pid},Epoch:{p._epoch}}}, base seq {seq}): "
                  "unable to satisfy gap-less guarantee")
        self.fatal = KafkaError(KafkaError._GAPLESS_GUARANTEE, reason, fatal=True)
        self.fatal_unseen = True
        p._refused = True
        p._c.trace.record("producer.fatal", p.name, error="_GAPLESS_GUARANTEE", reason=reason)
        return [] if p._sender is None else p._sender.hold(purge=True)
