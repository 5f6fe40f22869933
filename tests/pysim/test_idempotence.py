"""The idempotent producer: librdkafka's configuration rules (wording read off
confluent-kafka 2.16), the broker's sequence rules (Kafka's ProducerStateManager), and
retries after faults that neither duplicate nor reorder."""

import pytest

from pysim import kafka
from pysim.kafka import KafkaError, KafkaException
from pysim.kafka.producer_state import BATCHES_KEPT, ProducerStates


@pytest.fixture
def cluster():
    kafka.reset_all(seed=0)
    c = kafka.cluster("idem:9092")
    c.create_topic("t", 1)
    return c


def producer(**conf):
    return kafka.Producer({"bootstrap.servers": "idem:9092", **conf})


def values(c):
    return [r.value for r in c.records("t", 0)]


@pytest.mark.parametrize("conf,message", [
    ({"enable.idempotence": True, "acks": 1},
     "Failed to create producer: `acks` must be set to `all` when `enable.idempotence` is true"),
    ({"enable.idempotence": True, "request.required.acks": 0},
     "Failed to create producer: `acks` must be set to `all` when `enable.idempotence` is true"),
    ({"enable.idempotence": True, "max.in.flight.requests.per.connection": 6},
     "Failed to create producer: `max.in.flight` must be set <= 5 when `enable.idempotence` is true"),
    ({"enable.idempotence": True, "max.in.flight": 6, "acks": 1},      # checked before acks, as librdkafka does
     "Failed to create producer: `max.in.flight` must be set <= 5 when `enable.idempotence` is true"),
    ({"enable.idempotence": True, "retries": 0},
     "Failed to create producer: `retries` must be set >= 1 when `enable.idempotence` is true"),
    ({"enable.idempotence": True, "queuing.strategy": "lifo"},
     "Failed to create producer: `queuing.strategy` must be set to `fifo` when `enable.idempotence` is true"),
    ({"transactional.id": "x", "enable.idempotence": False},
     "Failed to create producer: `transactional.id` requires `enable.idempotence=true`"),
    ({"transactional.id": "x", "acks": 1},
     "Failed to create producer: `acks` must be set to `all` when `enable.idempotence` is true"),
    ({"transactional.id": "x", "transaction.timeout.ms": 1000, "message.timeout.ms": 5000},
     "Failed to create producer: `message.timeout.ms` must be set <= `transaction.timeout.ms`"),
    ({"transactional.id": "x", "transaction.timeout.ms": 500},
     'Configuration property "transaction.timeout.ms" value 500 is outside allowed range 1000..2147483647\n'),
    ({"enable.gapless.guarantee": True},
     "Failed to create producer: `enable.gapless.guarantee` requires `enable.idempotence` to be enabled"),
    ({"max.in.flight.requests.per.connection": 0},
     'Configuration property "max.in.flight.requests.per.connection" value 0 is outside allowed range 1..1000000\n'),
    ({"acks": "foo"}, 'Invalid value for configuration property "request.required.acks"'),
    ({"retries": "x"}, 'Invalid value for configuration property "message.send.max.retries"'),
])
def test_conflicting_settings_are_refused_with_librdkafkas_words(cluster, conf, message):
    with pytest.raises(KafkaException) as info:
        producer(**conf)
    assert info.value.args[0].code() == KafkaError._INVALID_ARG and info.value.args[0].str() == message


@pytest.mark.parametrize("conf", [
    {"enable.idempotence": True, "acks": "all"}, {"enable.idempotence": True, "acks": -1},
    {"enable.idempotence": True, "max.in.flight": 5}, {"transactional.id": ""},
    {"enable.idempotence": True, "enable.gapless.guarantee": True},
])
def test_settings_librdkafka_accepts_are_accepted(cluster, conf):
    producer(**conf)


def test_an_idempotent_producer_writes_in_order_without_faults(cluster):
    p = producer(**{"enable.idempotence": True})
    for v in (b"a", b"b", b"c"):
        p.produce("t", v)
    assert values(cluster) == [b"a", b"b", b"c"] and p.flush() == 0


@pytest.mark.parametrize("arm", [
    lambda f: f.lose_next_responses("t", 0),
    lambda f: f.time_out_next_requests("t", 0),
    lambda f: f.change_leader("t", 0),
    lambda f: (f.lose_next_responses("t", 0), f.time_out_next_requests("t", 0), f.change_leader("t", 0, n=2)),
])
def test_faults_neither_duplicate_nor_reorder(cluster, arm):
    p = producer(**{"enable.idempotence": True})
    arm(cluster.faults)
    reports = []
    for v in (b"a", b"b", b"c", b"d", b"e"):
        p.produce("t", v, on_delivery=lambda err, msg: reports.append((err, msg.value(), msg.offset())))
    assert p.flush() == 0
    assert values(cluster) == [b"a", b"b", b"c", b"d", b"e"]
    assert sorted(reports, key=lambda r: r[2]) == [(None, v, i) for i, v in enumerate([b"a", b"b", b"c", b"d", b"e"])]


def test_the_retried_duplicate_is_answered_with_the_original_offset(cluster):
    p = producer(**{"enable.idempotence": True})
    cluster.faults.lose_next_responses("t", 0)
    seen = []
    p.produce("t", b"a", on_delivery=lambda err, msg: seen.append((err, msg.offset())))
    p.flush()
    assert seen == [(None, 0)] and values(cluster) == [b"a"]
    [dup] = cluster.trace.events("produce.duplicate")
    assert dup.data["offset"] == 0 and dup.data["sequence"] == 0


# -- the broker's rules, one at a time -----------------------------------------------------------
def test_broker_rules_sequence_gap_epoch_and_the_window_of_five():
    states = ProducerStates()
    pid = states.new_producer_id()
    stored = {}
    for seq in range(7):
        assert states.check("t", 0, pid, 0, seq) is None
        stored[seq] = f"record-{seq}"
        states.appended("t", 0, pid, 0, seq, stored[seq])
    assert states.check("t", 0, pid, 0, 6) == "record-6"            # a retry of one of the last 5
    assert states.check("t", 0, pid, 0, 7 - BATCHES_KEPT) == "record-2"
    with pytest.raises(KafkaException) as info:                     # older than the last 5
        states.check("t", 0, pid, 0, 1)
    assert info.value.args[0].code() == KafkaError.OUT_OF_ORDER_SEQUENCE_NUMBER
    with pytest.raises(KafkaException) as info:                     # a gap
        states.check("t", 0, pid, 0, 9)
    assert info.value.args[0].code() == KafkaError.OUT_OF_ORDER_SEQUENCE_NUMBER
    assert "9 (incoming seq. number), 6 (current end sequence number)" in info.value.args[0].str()
    with pytest.raises(KafkaException) as info:                     # a new producer starts at 0
        states.check("t", 0, states.new_producer_id(), 0, 3)
    assert info.value.args[0].code() == KafkaError.OUT_OF_ORDER_SEQUENCE_NUMBER
    states.fence(pid, 1)
    with pytest.raises(KafkaException) as info:                     # an older epoch: fenced
        states.check("t", 0, pid, 0, 7)
    assert info.value.args[0].code() == KafkaError.INVALID_PRODUCER_EPOCH
    assert states.check("t", 0, pid, 1, 0) is None                  # the new epoch starts over
