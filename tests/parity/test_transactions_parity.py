"""The transactional and idempotent producer against librdkafka's mock cluster: the
call-order errors of the transaction state machine, the offsets markers take, and the
configuration refusals of enable.idempotence / transactional.id.

What the mock cannot show, and where the facts come from instead: the mock does not
filter read_committed (its consumers see aborted records either way) and does not fence
(an older instance's commit succeeds after a newer init_transactions). Those behaviours
are tested in tests/pysim/test_transactions.py against Kafka's documented semantics
(KIP-98: read_committed skips aborted records and stops at the last stable offset; a new
epoch fences the older producer)."""

import pytest

pytestmark = pytest.mark.parity


def call_order(kafka, conf, topic, tid):
    """The errors of calls made in the wrong state, as (code name, text, flags)."""
    p = kafka.Producer(dict(conf, **{"transactional.id": tid}))
    seen = []

    def attempt(label, call):
        try:
            call()
            seen.append((label, None))
        except kafka.KafkaException as e:
            err = e.args[0]
            seen.append((label, err.name(), err.str(), err.fatal(), err.retriable(), err.txn_requires_abort()))

    attempt("produce before init", lambda: p.produce(topic, b"v", partition=0))
    attempt("begin before init", p.begin_transaction)
    attempt("commit before init", lambda: p.commit_transaction(10))
    attempt("abort before init", lambda: p.abort_transaction(10))
    attempt("init", lambda: p.init_transactions(10))
    attempt("init again", lambda: p.init_transactions(10))
    attempt("produce outside a transaction", lambda: p.produce(topic, b"v", partition=0))
    attempt("commit without begin", lambda: p.commit_transaction(10))
    attempt("abort without begin", lambda: p.abort_transaction(10))
    attempt("begin", p.begin_transaction)
    attempt("begin twice", p.begin_transaction)
    attempt("init inside", lambda: p.init_transactions(10))
    attempt("commit empty", lambda: p.commit_transaction(10))
    plain = kafka.Producer(dict(conf))
    attempt("transactional API without transactional.id", plain.begin_transaction)
    return seen


def marker_offsets(kafka, conf, topic, tid):
    """Three committed, two aborted, one committed; the offsets of every record as the
    delivery reports and a read_uncommitted consumer see them, and the watermarks."""
    p = kafka.Producer(dict(conf, **{"transactional.id": tid}))
    p.init_transactions(10)
    delivered = []

    def run(values, commit):
        p.begin_transaction()
        for v in values:
            p.produce(topic, v, partition=0, on_delivery=lambda err, msg: delivered.append((msg.value(), msg.offset())))
        p.flush(10)
        (p.commit_transaction if commit else p.abort_transaction)(10)

    run([b"c0", b"c1", b"c2"], True)
    run([b"a0", b"a1"], False)
    run([b"n"], True)
    c = kafka.Consumer(dict(conf, **{"group.id": f"{tid}-reader", "isolation.level": "read_uncommitted",
                                     "auto.offset.reset": "earliest"}))
    c.assign([kafka.TopicPartition(topic, 0, 0)])
    read, empty = [], 0
    while len(read) < 6 and empty < 20:
        m = c.poll(0.5)
        if m is None:
            empty += 1
        elif m.error() is None:
            read.append((m.value(), m.offset()))
    watermarks = c.get_watermark_offsets(kafka.TopicPartition(topic, 0), 10)
    c.close()
    return sorted(delivered, key=lambda d: d[1]), read, tuple(watermarks)


def send_offsets_argument_errors(kafka, conf, topic, tid):
    p = kafka.Producer(dict(conf, **{"transactional.id": tid}))
    p.init_transactions(10)
    p.begin_transaction()
    meta = kafka.Consumer(dict(conf, **{"group.id": f"{tid}-group"})).consumer_group_metadata()
    out = []
    for positions, metadata in ((topic, meta), ([kafka.TopicPartition(topic, 0, 1)], None), ([1], meta),
                                ([], meta), ([kafka.TopicPartition(topic, 0, -1001)], meta)):
        try:
            p.send_offsets_to_transaction(positions, metadata, 10)
            out.append(None)
        except TypeError as e:
            out.append(str(e))
    p.abort_transaction(10)
    return out


def idempotence_refusals(kafka, conf):
    out = []
    for extra in ({"enable.idempotence": True, "acks": 1},
                  {"enable.idempotence": True, "max.in.flight.requests.per.connection": 6},
                  {"enable.idempotence": True, "retries": 0},
                  {"enable.idempotence": True, "queuing.strategy": "lifo"},
                  {"transactional.id": "refused", "enable.idempotence": False},
                  {"transactional.id": "refused", "transaction.timeout.ms": 1000, "message.timeout.ms": 5000},
                  {"enable.gapless.guarantee": True},
                  {"enable.idempotence": True, "acks": "all", "max.in.flight": 5}):
        try:
            kafka.Producer(dict(conf, **extra))
            out.append(None)
        except kafka.KafkaException as e:
            out.append((e.args[0].name(), e.args[0].str()))
    return out


def test_call_order_errors_agree(rdkafka, pysim):
    real = call_order(rdkafka.kafka, rdkafka.conf, rdkafka.topic("txn-order"), "parity-order")
    sim = call_order(pysim.kafka, pysim.conf, pysim.topic("txn-order"), "parity-order")
    assert sim == real


def test_markers_take_one_offset_each_as_on_the_mock(rdkafka, pysim):
    real = marker_offsets(rdkafka.kafka, rdkafka.conf, rdkafka.topic("txn-markers"), "parity-markers")
    sim = marker_offsets(pysim.kafka, pysim.conf, pysim.topic("txn-markers"), "parity-markers")
    assert sim == real
    delivered, read, watermarks = sim
    assert [o for _, o in delivered] == [0, 1, 2, 4, 5, 7] and watermarks == (0, 9)


def test_send_offsets_argument_errors_agree(rdkafka, pysim):
    real = send_offsets_argument_errors(rdkafka.kafka, rdkafka.conf, rdkafka.topic("txn-args"), "parity-args")
    assert send_offsets_argument_errors(pysim.kafka, pysim.conf, pysim.topic("txn-args"), "parity-args") == real


def test_idempotence_refusals_agree(rdkafka, pysim):
    assert idempotence_refusals(pysim.kafka, pysim.conf) == idempotence_refusals(rdkafka.kafka, rdkafka.conf)
