"""After a record of an idempotent producer fails for good: librdkafka (the copy in the
confluent-kafka wheel, driven through ctypes on its own mock cluster, see rdkafka_ctypes.py)
and pysim run the same scenario and report the same outcome. A slow broker (mock RTT
beyond message.timeout.ms) stands for pysim's lost answer; a Produce the mock refuses with
MSG_SIZE_TOO_LARGE stands for pysim's record too large for its topic. A Produce the mock
answers NOT_ENOUGH_REPLICAS_AFTER_APPEND (retriable, possibly persisted) stands for pysim's
record stored whose answer was lost and whose retry was refused NOT_LEADER_FOR_PARTITION:
in both the client cannot tell whether the record was stored when a later one succeeds.

What is compared: each record's delivery report (value, error name), the epochs the
producer bumped to (librdkafka's "eos" debug log; pysim's producer.epoch_bump events), the
fatal error (code and the shape of its text) and the transactional API's errors."""

import re
import time

import pytest

from rdkafka_ctypes import MockProducer, library

pytestmark = pytest.mark.parity

MSG_SIZE_TOO_LARGE = 10
NOT_ENOUGH_REPLICAS_AFTER_APPEND = 20
BIG = b"x" * 200                     # over the pysim topic's max.message.bytes (100)


class Librdkafka:
    def __init__(self, conf):
        self.p = MockProducer(library(), {"message.timeout.ms": 1000, **conf})

    def slow_answer_next(self):
        self.p.set_rtt(2500)         # the answer comes after the record's message.timeout.ms

    def fast_again(self):
        self.p.set_rtt(0)

    def uncertain_next(self):
        self.p.refuse_next_produce(NOT_ENOUGH_REPLICAS_AFTER_APPEND)
        self.p.set_rtt(300)          # the records behind it are sent before its answer comes back

    def offsetless(self):
        return self.p.offsetless

    def refuse_next(self):
        self.p.refuse_next_produce(MSG_SIZE_TOO_LARGE)

    def produce(self, value):
        return self.p.produce(value)

    def flush(self):
        self.p.flush(10000)

    def outcome(self):
        return self.p.reports, self.p.epochs(), self.p.fatal()

    def txn(self, call, *args):
        return self.p.txn(call, *args)

    def close(self):
        self.p.close()


class Pysim:
    def __init__(self, conf):
        from pysim import kafka
        kafka.reset_all(seed=0)
        self.kafka = kafka
        self.c = kafka.cluster("gap-parity:9092")
        self.c.create_topic("t", 1, config={"max.message.bytes": "100"})
        self.reports, self.fatal, self._offsetless = [], None, []
        self.p = kafka.Producer({"bootstrap.servers": "gap-parity:9092", "message.timeout.ms": 1000, **conf})

    def slow_answer_next(self):
        self.c.faults.lose_next_responses("t", 0)

    def fast_again(self):
        pass

    def uncertain_next(self):
        self.c.faults.lose_next_responses("t", 0)      # stored, its answer lost
        self.c.faults.change_leader("t", 0)            # its retry refused, the records behind it stored

    def offsetless(self):
        return self._offsetless

    def refuse_next(self):
        pass                         # the next record is BIG: the topic refuses it

    def _on_delivery(self, err, msg):
        self.reports.append((msg.value(), None if err is None else err.name()))
        if err is None and msg.offset() is None:
            self._offsetless.append(msg.value())

    def produce(self, value):
        try:
            self.p.produce("t", value, partition=0, on_delivery=self._on_delivery)
        except self.kafka.KafkaException as e:
            return e.args[0].name()
        return None

    def flush(self):
        try:
            self.p.flush()
        except self.kafka.KafkaException as e:     # a fatal error is raised by poll() / flush()
            self.fatal = (e.args[0].name(), e.args[0].str())
            self.p.flush()

    def outcome(self):
        return self.reports, [e.data["epoch"] for e in self.c.trace.events("producer.epoch_bump")], self.fatal

    def txn(self, call, *args):
        try:
            getattr(self.p, call)(*([] if call == "begin_transaction" else [10]))
        except self.kafka.KafkaException as e:
            err = e.args[0]
            return err.name(), err.str(), err.txn_requires_abort(), err.fatal()
        return None

    def close(self):
        pass


def both(conf, scenario, attempts=3):
    """The scenario's outcome on each side: (librdkafka, pysim). These scenarios race real
    time against a 1 s message.timeout.ms: on a busy machine the real client may take longer
    than that to reach its fresh mock broker (then the warm-up record "w" times out too), or
    a slow answer may land on the other side of a timer (a transaction's timed-out record
    then ends as _INCONSISTENT instead of _TIMED_OUT). pysim's outcome is one function of the
    scenario; the real one is taken again, on a fresh mock, up to ``attempts`` times until a
    run has its warm-up delivered and agrees with pysim. A real client that never agrees
    fails the test with its last outcome."""
    def run(side):
        try:
            return scenario(side)
        finally:
            side.close()
    sim = run(Pysim(conf))
    for _ in range(attempts):
        real = run(Librdkafka(conf))
        if not _warm_up_failed(real) and real == sim:
            break
    return [real, sim]


def _warm_up_failed(outcome):
    """True when the outcome's delivery reports say the warm-up record "w" failed."""
    for part in outcome if isinstance(outcome, tuple) else ():
        for item in part if isinstance(part, list) else ():
            if isinstance(item, tuple) and len(item) == 2 and item[0] == b"w":
                return item[1] is not None
    return False


def timed_out_then_next(side):
    assert side.produce(b"w") is None
    side.flush()
    side.slow_answer_next()
    side.produce(b"a")
    side.flush()
    side.fast_again()
    side.produce(b"b")
    side.flush()
    return side.outcome()


def refused_then_next(side):
    side.produce(b"w")
    side.flush()
    side.refuse_next()
    side.produce(BIG)
    side.flush()
    after = side.produce(b"b")
    side.flush()
    reports, epochs, fatal = side.outcome()
    if fatal is not None:            # the PID and the broker's wording differ; the shape must not
        fatal = (fatal[0], re.sub(r"failed: .* \(broker 1 PID\{Id:\d+,", "failed: * (broker 1 PID{Id:*,", fatal[1]))
    return reports, epochs, fatal, after


@pytest.mark.parametrize("gapless", [False, True])
def test_a_timed_out_record_bumps_the_epoch_and_the_next_is_delivered(gapless):
    real, sim = both({"enable.idempotence": True, "enable.gapless.guarantee": gapless}, timed_out_then_next)
    assert real == sim == ([(b"w", None), (b"a", "_MSG_TIMED_OUT"), (b"b", None)], [1], None)


def test_a_refused_record_bumps_the_epoch_and_the_next_is_delivered():
    real, sim = both({"enable.idempotence": True}, refused_then_next)
    assert real == sim == ([(b"w", None), (BIG, "MSG_SIZE_TOO_LARGE"), (b"b", None)], [1], None, None)


def test_gapless_guarantee_makes_a_refused_record_fatal():
    real, sim = both({"enable.idempotence": True, "enable.gapless.guarantee": True}, refused_then_next)
    assert real == sim == ([(b"w", None), (BIG, "MSG_SIZE_TOO_LARGE")], [],
                           ("_GAPLESS_GUARANTEE", "ProduceRequest for t [0] with 1 message(s) failed: * (broker 1 "
                                                  "PID{Id:*,Epoch:0}, base seq 1): unable to satisfy gap-less "
                                                  "guarantee"),
                           "_FATAL")


def uncertain_then_later_ones_stored(side):
    assert side.produce(b"w") is None
    side.flush()
    side.uncertain_next()
    for value in (b"a", b"b", b"c"):
        side.produce(value)
    side.flush()
    return side.outcome() + (side.offsetless(),)


def test_a_later_success_acks_a_record_waiting_for_its_retry():
    # librdkafka's implicit ack (rd_kafka_handle_idempotent_Produce_success ->
    # rd_kafka_dr_implicit_ack): "a" is reported delivered, without an offset, when "b"
    # succeeds; it is not retried, so neither OUT_OF_ORDER_SEQUENCE_NUMBER nor an epoch bump
    conf = {"enable.idempotence": True, "message.timeout.ms": 60000, "batch.num.messages": 1, "linger.ms": 0}
    real, sim = both(conf, uncertain_then_later_ones_stored)
    assert real == sim == ([(b"w", None), (b"a", None), (b"b", None), (b"c", None)], [], None, [b"a"])


def transaction_after_timeout(side):
    steps = [side.txn("init_transactions", 10000), side.txn("begin_transaction")]
    side.produce(b"w")
    side.flush()
    side.slow_answer_next()
    side.produce(b"a")
    side.flush()
    side.fast_again()
    steps += [side.txn("commit_transaction", 10000), side.txn("abort_transaction", 10000),
              side.txn("begin_transaction")]
    side.produce(b"c")
    steps.append(side.txn("commit_transaction", 10000))
    reports, epochs, _ = side.outcome()
    return steps, reports, epochs


def test_a_transaction_with_a_timed_out_record_must_abort_and_the_abort_bumps_the_epoch():
    real, sim = both({"transactional.id": "gap-tx"}, transaction_after_timeout)
    assert real == sim
    steps, reports, epochs = real
    assert steps[2] == ("_TIMED_OUT", "1 message(s) timed out on t [0]", True, False)
    assert reports == [(b"w", None), (b"a", "_MSG_TIMED_OUT"), (b"c", None)] and epochs == [1]


def transaction_after_refusal(side):
    steps = [side.txn("init_transactions", 10000), side.txn("begin_transaction")]
    side.produce(b"w")
    side.flush()
    side.refuse_next()
    side.produce(BIG)
    side.flush()
    steps += [side.txn("commit_transaction", 10000), side.txn("abort_transaction", 10000),
              side.txn("begin_transaction")]
    side.produce(b"c")
    steps += [side.txn("commit_transaction", 10000), side.txn("abort_transaction", 10000),
              side.txn("begin_transaction")]
    side.produce(b"d")
    steps.append(side.txn("commit_transaction", 10000))
    reports, epochs, _ = side.outcome()
    steps = [s if s is None or not s[1].startswith("ProduceRequest") else
             (s[0], re.sub(r"failed: .* \(broker 1 PID\{Id:\d+,", "failed: * (broker 1 PID{Id:*,", s[1]), *s[2:])
             for s in steps]
    return steps, reports, epochs


def test_a_refused_record_in_a_transaction_fails_the_next_transaction_once():
    real, sim = both({"transactional.id": "gap-tx"}, transaction_after_refusal)
    assert real == sim
    steps, reports, epochs = real
    assert steps[2][0] == "MSG_SIZE_TOO_LARGE" and steps[5] == ("OUT_OF_ORDER_SEQUENCE_NUMBER",
                                                                 "skipped sequence numbers", True, False)
    assert reports[-2:] == [(b"c", "_PURGE_QUEUE"), (b"d", None)] and epochs == [1]
