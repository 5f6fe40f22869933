"""Faults on the produce path (cluster.faults) and what librdkafka's retries make of them:
a lost response duplicates a record, several requests in flight reorder, idempotence
absorbs both. Offsets are the evidence, as they would be on a real cluster."""

import pytest

from pysim import kafka
from pysim.kafka import KafkaError


@pytest.fixture
def cluster():
    kafka.reset_all(seed=0)
    c = kafka.cluster("faults:9092")
    c.create_topic("t", 1)
    return c


def producer(**conf):
    return kafka.Producer({"bootstrap.servers": "faults:9092", **conf})


def values(c, topic="t", partition=0):
    return [r.value for r in c.records(topic, partition)]


def produce_all(p, payloads, reports=None):
    for v in payloads:
        p.produce("t", v, partition=0,
                  on_delivery=None if reports is None else (lambda err, msg: reports.append((err, msg))))


def test_no_fault_armed_keeps_delivery_instant(cluster):
    p = producer()
    produce_all(p, [b"a", b"b"])
    assert values(cluster) == [b"a", b"b"] and len(p) == 2 and cluster.now_ms == 0
    assert p.flush() == 0 and cluster.now_ms == 0


def test_a_lost_response_makes_the_retry_a_second_copy(cluster):
    p = producer(**{"max.in.flight.requests.per.connection": 1})
    cluster.faults.lose_next_responses("t", 0)
    reports = []
    produce_all(p, [b"a", b"b"], reports)
    assert values(cluster) == [b"a"]          # appended; its answer is lost, b waits behind it
    assert p.flush() == 0
    assert values(cluster) == [b"a", b"a", b"b"]
    # request.timeout.ms (30 s) then retry.backoff.ms (100 ms) of virtual time
    assert cluster.now_ms == 30100
    assert [(err, msg.value(), msg.offset()) for err, msg in reports] == [(None, b"a", 1), (None, b"b", 2)]
    kinds = [e.kind for e in cluster.trace if e.kind.startswith(("produce", "fault"))]
    assert kinds == ["fault.lose_response", "produce", "produce.request_timeout", "produce.retry", "produce",
                     "produce"]


def test_a_lost_response_fails_the_requests_behind_it_on_the_same_connection(cluster):
    p = producer()                            # librdkafka's default: 1000000 in flight
    cluster.faults.lose_next_responses("t", 0)
    produce_all(p, [b"a", b"b", b"c"])
    assert values(cluster) == [b"a"]          # b and c went out on a connection gone silent
    p.flush()
    assert values(cluster) == [b"a", b"a", b"b", b"c"]
    [timeout] = cluster.trace.events("produce.request_timeout")
    assert timeout.data["in_flight"] == 3 and timeout.time_ms == 30000


def test_a_request_that_never_arrives_is_sent_again(cluster):
    p = producer()
    cluster.faults.time_out_next_requests("t", 0)
    produce_all(p, [b"a", b"b"])
    p.flush()
    assert values(cluster) == [b"a", b"b"] and cluster.now_ms == 30100


def test_a_leader_change_is_retried_after_the_backoff(cluster):
    p = producer()
    cluster.faults.change_leader("t", 0)
    reports = []
    produce_all(p, [b"a", b"b"], reports)
    p.flush()
    assert values(cluster) == [b"b", b"a"] and cluster.now_ms == 100
    assert all(err is None for err, _ in reports)
    retry = cluster.trace.events("produce.retry")[0].data
    assert retry["error"] == "NOT_LEADER_FOR_PARTITION" and retry["attempt"] == 1


def test_one_request_in_flight_keeps_the_order_through_a_leader_change(cluster):
    p = producer(**{"max.in.flight": 1})
    cluster.faults.change_leader("t", 0)
    produce_all(p, [b"a", b"b"])
    p.flush()
    assert values(cluster) == [b"a", b"b"]


def test_retries_used_up_fail_the_record_with_the_last_error(cluster):
    p = producer(retries=2)
    cluster.faults.change_leader("t", 0, n=3)
    reports = []
    produce_all(p, [b"a"], reports)
    p.flush()
    [(err, msg)] = reports
    assert err.code() == KafkaError.NOT_LEADER_FOR_PARTITION and err.retriable()
    assert msg.offset() is None and values(cluster) == []
    # backoff doubles per retry: 100 ms, then 200 ms
    assert cluster.now_ms == 300


def test_message_timeout_fails_a_record_that_keeps_timing_out(cluster):
    p = producer(**{"message.timeout.ms": 45000})
    cluster.faults.time_out_next_requests("t", 0, n=5)
    reports = []
    produce_all(p, [b"a"], reports)
    p.flush()
    [(err, _)] = reports
    assert err.code() == KafkaError._MSG_TIMED_OUT and err.str() == "Local: Message timed out"
    assert cluster.now_ms == 60100            # two request timeouts: the second found it expired


def test_poll_waits_for_answers_and_flush_with_a_timeout_leaves_records_in_flight(cluster):
    p = producer()
    cluster.faults.lose_next_responses("t", 0)
    reports = []
    produce_all(p, [b"a"], reports)
    assert p.poll(1.0) == 0 and cluster.now_ms == 1000
    assert p.flush(5.0) == 1 and cluster.now_ms == 6000 and len(p) == 1
    assert p.poll(60) == 1 and cluster.now_ms == 30100 and reports[0][0] is None


def test_purge_fails_queued_records_with_purge_queue(cluster):
    p = producer(**{"max.in.flight": 1})
    cluster.faults.lose_next_responses("t", 0)
    reports = []
    produce_all(p, [b"a", b"b"], reports)
    p.purge(in_flight=False)
    p.flush()
    assert [(err.code() if err else None, m.value()) for err, m in reports] == [(KafkaError._PURGE_QUEUE, b"b"),
                                                                               (None, b"a")]


def test_random_faults_follow_the_seed(cluster):
    def run(seed):
        kafka.reset_all(seed=seed)
        c = kafka.cluster("faults:9092")
        c.create_topic("t", 1)
        c.faults.set(loss_rate=0.2, timeout_rate=0.1, leader_change_rate=0.1)
        p = producer()
        produce_all(p, [b"%d" % i for i in range(30)])
        p.flush()
        return c.trace.digest(), values(c)

    assert run(3) == run(3)
    assert run(3) != run(4)
    digest, stored = run(3)
    assert len(stored) > 30                   # lost responses came back as copies


def test_fault_arguments_are_checked(cluster):
    with pytest.raises(ValueError, match="loss_rate must be a number between 0 and 1"):
        cluster.faults.set(loss_rate=2)
    with pytest.raises(ValueError, match="add up to"):
        cluster.faults.set(loss_rate=0.6, timeout_rate=0.6)
    with pytest.raises(ValueError, match="n must be a positive int"):
        cluster.faults.lose_next_responses("t", 0, n=0)
    with pytest.raises(TypeError, match="topic must be a str"):
        cluster.faults.change_leader(None)
    cluster.faults.set(loss_rate=0.5)
    cluster.faults.clear()
    assert not cluster.faults.armed


def test_a_crashed_producer_sends_nothing_more(cluster):
    p = producer()
    cluster.faults.lose_next_responses("t", 0)
    reports = []
    produce_all(p, [b"a"], reports)
    cluster.crash(p)
    cluster.advance(60000)
    assert values(cluster) == [b"a"] and reports == []
    assert cluster.trace.events("client.crash")[0].actor == p.name
    with pytest.raises(RuntimeError, match="closed"):
        p.produce("t", b"b")


def test_a_broker_refusal_is_not_retried(cluster):
    cluster.create_topic("small", 1, config={"max.message.bytes": "100"})
    p = producer()
    cluster.faults.lose_next_responses("other")          # armed, so the request path is used
    reports = []
    p.produce("small", b"x" * 200, on_delivery=lambda err, msg: reports.append(err))
    p.flush()
    assert reports[0].code() == KafkaError.MSG_SIZE_TOO_LARGE and cluster.now_ms == 0
    assert cluster.trace.events("produce.retry") == []


def test_a_request_timeout_that_uses_up_the_retries_is_reported_as_msg_timed_out(cluster):
    # librdkafka turns the request's _TIMED_OUT into the record's _MSG_TIMED_OUT (checked
    # against confluent-kafka 2.16.1 and its mock cluster, retries=0 and a slow broker)
    p = producer(retries=0)
    cluster.faults.lose_next_responses("t", 0)
    reports = []
    produce_all(p, [b"a"], reports)
    p.flush()
    [(err, msg)] = reports
    assert err.code() == KafkaError._MSG_TIMED_OUT and err.str() == "Local: Message timed out"
    assert values(cluster) == [b"a"]                     # possibly stored: here it was


def test_a_record_waiting_in_the_queue_expires_at_its_message_timeout(cluster):
    p = producer(**{"max.in.flight": 1, "message.timeout.ms": 10000})
    cluster.faults.lose_next_responses("t", 0)
    reports = []
    produce_all(p, [b"a", b"b"], reports)
    p.flush()
    # b waits behind a's silent request and is failed by the queue scan at 10 s, never sent;
    # a is failed when its request times out (30 s)
    assert [(err.code(), msg.value()) for err, msg in reports] == [(KafkaError._MSG_TIMED_OUT, b"b"),
                                                                  (KafkaError._MSG_TIMED_OUT, b"a")]
    assert cluster.trace.events("produce.expired")[0].time_ms == 10000 and values(cluster) == [b"a"]
