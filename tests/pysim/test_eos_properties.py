"""Properties over generated fault schedules (hypothesis): the idempotent producer never
duplicates, loses or reorders; the plain producer never loses but stores one extra copy
per lost response; a transactional read-process-write pipeline with crashes, aborts and
faults gives each input's output exactly once to a read_committed reader, which
at-least-once does not."""

from collections import Counter

import pytest
from hypothesis import example, given, settings, strategies as st

from pysim import kafka, pipeline
from pysim.kafka import KafkaError
from pysim.checker import check

BOOT = "props:9092"

rates = st.tuples(st.floats(0, 0.3), st.floats(0, 0.2), st.floats(0, 0.2))
schedules = st.fixed_dictionaries({
    "seed": st.integers(0, 2**32), "rates": rates, "records": st.integers(1, 25),
    "partitions": st.integers(1, 3), "in_flight": st.sampled_from([1, 2, 5, 1000000]),
})


# make explore found it: r3 stored twice, [r0..r8, r3], every report a success. r3's first
# attempt was stored but its answer lost; a retry was refused NOT_LEADER_FOR_PARTITION
# while r4..r8 were stored behind it; its next retry fell outside the broker's five-batch
# duplicate window (OUT_OF_ORDER_SEQUENCE_NUMBER), the producer bumped its epoch and sent r3
# again under the new one. librdkafka never retries it: r4's success acks it (implicit ack).
IMPLICIT_ACK = {"seed": 1, "rates": (0.1875, 0.1875, 0.125), "records": 9, "partitions": 1, "in_flight": 5}


def produce_under_faults(schedule, messages=None, **conf):
    kafka.reset_all(seed=schedule["seed"])
    c = kafka.cluster(BOOT)
    c.create_topic("t", schedule["partitions"])
    loss, timeout, leader = schedule["rates"]
    c.faults.set(loss_rate=loss, timeout_rate=timeout, leader_change_rate=leader)
    p = kafka.Producer({"bootstrap.servers": BOOT, "message.timeout.ms": 0,
                        "max.in.flight": min(schedule["in_flight"], 5 if conf.get("enable.idempotence") else 10**6),
                        **conf})
    reports, intended = [], {}
    for i in range(schedule["records"]):
        partition = i % schedule["partitions"]
        value = b"r%d" % i
        intended.setdefault(partition, []).append(value)
        p.produce("t", value, partition=partition, on_delivery=lambda err, msg: (
            reports.append(err), messages is not None and messages.append(msg)))
    assert p.flush() == 0
    stored = {part: [r.value for r in c.records("t", part)] for part in range(schedule["partitions"])}
    losses = Counter(e.data["msgid"] for e in c.trace.events("fault.lose_response"))
    return intended, stored, reports, losses


@settings(max_examples=60, deadline=None)
@given(schedules)
@example(IMPLICIT_ACK)
def test_the_idempotent_producer_stores_each_record_once_in_order(schedule):
    intended, stored, reports, _ = produce_under_faults(schedule, **{"enable.idempotence": True})
    assert all(err is None for err in reports) and len(reports) == schedule["records"]
    for partition, values in intended.items():
        assert stored[partition] == values


@settings(max_examples=60, deadline=None)
@given(schedules)
def test_the_plain_producer_stores_one_more_copy_per_lost_response(schedule):
    intended, stored, reports, losses = produce_under_faults(schedule)
    assert all(err is None for err in reports)
    for partition, values in intended.items():
        counts = Counter(stored[partition])
        for value in values:                    # msgid n is the n-th produce(): value r(n-1)
            assert counts[value] == 1 + losses[int(value[1:]) + 1]
        if schedule["in_flight"] == 1:          # one request at a time: copies stay together, in order
            assert stored[partition] == [v for v in values for _ in range(1 + losses[int(v[1:]) + 1])]


@settings(max_examples=60, deadline=None)
@given(schedules, st.sampled_from([5000, 20000, 45000]))
@example({"seed": 67, "rates": (0.125, 0.0, 0.125), "records": 4, "partitions": 2, "in_flight": 2}, 45000)
def test_with_a_message_timeout_the_idempotent_producer_delivers_or_times_out_in_order(schedule, timeout_ms):
    # a record that times out leaves a hole in its partition's sequence; librdkafka bumps
    # the epoch so the later records are stored (never OUT_OF_ORDER_SEQUENCE_NUMBER for ever)
    kafka.reset_all(seed=schedule["seed"])
    c = kafka.cluster(BOOT)
    c.create_topic("t", schedule["partitions"])
    c.faults.set(*schedule["rates"])
    p = kafka.Producer({"bootstrap.servers": BOOT, "enable.idempotence": True, "message.timeout.ms": timeout_ms,
                        "max.in.flight": min(schedule["in_flight"], 5)})
    reports = []
    for i in range(schedule["records"]):
        p.produce("t", b"r%d" % i, partition=i % schedule["partitions"],
                  on_delivery=lambda err, msg: reports.append((err, msg)))
    assert p.flush() == 0 and len(reports) == schedule["records"]
    for err, msg in reports:
        assert err is None or err.code() == KafkaError._MSG_TIMED_OUT
        if err is None and msg.offset() is None:   # implicitly acked (see the test above): stored, no offset
            assert msg.value() in [r.value for r in c.records("t", msg.partition())]
        elif err is None:
            assert c.records("t", msg.partition())[msg.offset()].value == msg.value()
    for partition in range(schedule["partitions"]):
        produced_order = [int(r.value[1:]) for r in c.records("t", partition)]
        firsts = list(dict.fromkeys(produced_order))
        assert firsts == sorted(firsts)


def test_a_success_acks_the_records_waiting_for_a_retry_ahead_of_it():
    # librdkafka's rd_kafka_handle_idempotent_Produce_success: a batch that succeeds past the
    # last acked msgid proves the records ahead of it stored; rd_kafka_dr_implicit_ack reports
    # them delivered (no offset: no response named one) instead of sending them again
    messages = []
    intended, stored, reports, _ = produce_under_faults(IMPLICIT_ACK, messages, **{"enable.idempotence": True})
    assert stored == intended and reports == [None] * 9
    trace = kafka.cluster(BOOT).trace
    acked = [m for e in trace.events("produce.implicit_ack") for m in e.data["msgids"]]
    assert acked and not trace.events("producer.epoch_bump")
    by_value = {m.value(): m for m in messages}
    for msgid in acked:                         # msgid n is the n-th produce(): value r(n-1)
        assert by_value[b"r%d" % (msgid - 1)].offset() is None
    assert [by_value[v].offset() for v in intended[0] if int(v[1:]) + 1 not in acked] == \
        [i for i, v in enumerate(stored[0]) if int(v[1:]) + 1 not in acked]


def test_a_plain_producer_under_faults_does_duplicate():
    _, stored, _, losses = produce_under_faults({"seed": 7, "rates": (0.3, 0.0, 0.0), "records": 20,
                                                 "partitions": 1, "in_flight": 1000000})
    assert sum(losses.values()) > 0 and len(stored[0]) == 20 + sum(losses.values())


pipelines = st.fixed_dictionaries({
    "seed": st.integers(0, 2**32), "inputs": st.integers(1, 60), "partitions": st.integers(1, 3),
    "batch": st.integers(1, 6), "crash_rate": st.floats(0, 0.3), "abort_rate": st.floats(0, 0.2),
    "loss_rate": st.floats(0, 0.1), "timeout_rate": st.floats(0, 0.1),
})


@settings(max_examples=40, deadline=None)
@given(pipelines)
def test_transactional_read_process_write_is_exactly_once_downstream(params):
    history = pipeline.run(mode="transactional", **params)
    result = check(history["produced"], history["consumed"], aborted=history["aborted"])
    assert result.ok, result.summary() + "\n" + "\n".join(a.message for a in result.anomalies[:5])


@settings(max_examples=25, deadline=None)
@given(pipelines)
def test_at_least_once_read_process_write_loses_nothing(params):
    params = dict(params, abort_rate=0.0)
    history = pipeline.run(mode="at_least_once", **params)
    result = check(history["produced"], history["consumed"])
    assert result.of("lost_write") == [] and result.of("phantom") == []


def test_at_least_once_with_crashes_duplicates():
    history = pipeline.run(seed=1, inputs=100, mode="at_least_once", crash_rate=0.2)
    result = check(history["produced"], history["consumed"])
    assert result.of("duplicate") and not result.of("lost_write")
    assert history["stats"]["crashes"] > 0


def test_a_pipeline_run_is_a_function_of_its_seed():
    def digest(seed):
        pipeline.run(seed=seed, inputs=40, crash_rate=0.2, abort_rate=0.1, loss_rate=0.05)
        return kafka.cluster("pipeline:9092").trace.digest()

    assert digest(5) == digest(5) and digest(5) != digest(6)


def test_pipeline_refuses_an_unknown_mode():
    with pytest.raises(ValueError, match="mode must be one of"):
        pipeline.run(mode="exactly_twice")
    with pytest.raises(ValueError, match="effects must be one of"):
        pipeline.run(effects="twice")


def test_transactions_do_not_cover_an_external_effect_but_a_stable_key_does():
    naive = pipeline.run(seed=2, inputs=80, crash_rate=0.2, abort_rate=0.1, effects="naive")
    result = check(naive["produced"], naive["consumed"], aborted=naive["aborted"], effects=naive["effects"])
    assert result.of("double_effect") and result.of("duplicate") == [] and result.of("lost_write") == []
    keyed = pipeline.run(seed=2, inputs=80, crash_rate=0.2, abort_rate=0.1, effects="keyed")
    assert check(keyed["produced"], keyed["consumed"], aborted=keyed["aborted"], effects=keyed["effects"]).ok
    assert sorted(row[0] for row in keyed["effects"]) == sorted(w["id"] for w in keyed["produced"])
