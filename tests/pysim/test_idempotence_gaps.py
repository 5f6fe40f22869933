"""A record of an idempotent producer that fails for good leaves a hole in its partition's
sequence. What librdkafka does about it, as confluent-kafka 2.16.1's librdkafka did against
its mock cluster (a record timed out in flight by a slow broker, a Produce refused with
MSG_SIZE_TOO_LARGE): the timed-out record is reported _MSG_TIMED_OUT, the producer drains
and bumps its epoch, and the records after it are stored; with enable.gapless.guarantee a
refusal is fatal (_GAPLESS_GUARANTEE), a timeout still is not."""

import pytest

from pysim import kafka
from pysim.kafka import KafkaError, KafkaException

BOOT = "gaps:9092"


@pytest.fixture
def cluster():
    kafka.reset_all(seed=0)
    c = kafka.cluster(BOOT)
    c.create_topic("t", 2)
    c.create_topic("small", 1, config={"max.message.bytes": "100"})
    return c


def producer(**conf):
    return kafka.Producer({"bootstrap.servers": BOOT, "enable.idempotence": True, **conf})


def values(c, topic="t", partition=0):
    return [r.value for r in c.records(topic, partition)]


def produce(p, reports, value, topic="t", partition=0):
    p.produce(topic, value, partition=partition,
              on_delivery=lambda err, msg: reports.append((msg.value(), None if err is None else err.name())))


def bumps(c):
    return [(e.data["epoch"], e.data["reason"]) for e in c.trace.events("producer.epoch_bump")]


def test_a_record_that_never_reached_the_broker_times_out_and_the_next_ones_are_stored(cluster):
    p = producer(**{"message.timeout.ms": 10000})
    cluster.faults.time_out_next_requests("t", 0)
    reports = []
    produce(p, reports, b"a")
    assert p.flush() == 0
    assert reports == [(b"a", "_MSG_TIMED_OUT")]
    assert bumps(cluster) == [(1, "1 message(s) timed out on t [0]")]
    assert p._producer_id() == (1000, 1)                 # the same producer id, the next epoch
    produce(p, reports, b"b")
    produce(p, reports, b"c")
    assert p.flush() == 0
    assert reports[1:] == [(b"b", None), (b"c", None)]    # not OUT_OF_ORDER_SEQUENCE_NUMBER for ever
    assert values(cluster) == [b"b", b"c"]
    states = cluster._producer_states._entries[("t", 0, 1000)]
    assert (states.epoch, states.last_seq) == (1, 1)      # the new epoch numbered them from 0


def test_a_record_behind_the_expired_one_is_numbered_again_and_stored(cluster):
    p = producer(**{"message.timeout.ms": 25000})
    cluster.faults.time_out_next_requests("t", 0)
    reports = []
    produce(p, reports, b"a")
    p.flush(10)                                          # b follows 10 s later on the silent connection
    produce(p, reports, b"b")
    p.flush()
    # at the request timeout (30 s) a is 30 s old, past its 25 s; b is 20 s old and is retried
    assert reports == [(b"a", "_MSG_TIMED_OUT"), (b"b", None)] and cluster.now_ms == 30100
    assert values(cluster) == [b"b"] and bumps(cluster) == [(1, "1 message(s) timed out on t [0]")]


def test_records_that_expire_together_all_report_msg_timed_out(cluster):
    p = producer(**{"message.timeout.ms": 10000})
    cluster.faults.time_out_next_requests("t", 0)
    reports = []
    for v in (b"a", b"b", b"c"):
        produce(p, reports, v)
    produce(p, reports, b"x", partition=1)               # another partition holds the bump's drain
    p.flush()
    assert sorted(reports) == [(b"a", "_MSG_TIMED_OUT"), (b"b", "_MSG_TIMED_OUT"), (b"c", "_MSG_TIMED_OUT"),
                               (b"x", None)]
    assert bumps(cluster) == [(1, "3 message(s) timed out on t [0]")]   # one drain, one bump for the three
    produce(p, reports, b"d")
    produce(p, reports, b"y", partition=1)
    p.flush()
    assert values(cluster) == [b"d"] and values(cluster, partition=1) == [b"x", b"y"]


def test_the_drain_waits_for_the_requests_in_flight_on_every_partition(cluster):
    p = producer(**{"message.timeout.ms": 10000})
    cluster.faults.time_out_next_requests("t", 0)
    cluster.faults.lose_next_responses("t", 1)           # partition 1's request is answered at 30 s too
    reports = []
    produce(p, reports, b"a")
    produce(p, reports, b"x", partition=1)
    p.flush()
    [bump] = cluster.trace.events("producer.epoch_bump")
    [timeout_1] = [e for e in cluster.trace.events("produce.request_timeout") if e.data["partition"] == 1]
    assert bump.seq > timeout_1.seq                      # bumped only once nothing was in flight


def test_a_refused_record_bumps_the_epoch_and_the_next_one_is_stored(cluster):
    p = producer()
    reports = []
    produce(p, reports, b"ok", topic="small")
    produce(p, reports, b"x" * 200, topic="small")        # MSG_SIZE_TOO_LARGE: sequence 1 never stored
    produce(p, reports, b"next", topic="small")
    p.flush()
    assert reports == [(b"ok", None), (b"x" * 200, "MSG_SIZE_TOO_LARGE"), (b"next", None)]
    assert bumps(cluster) == [(1, "message sequence gap")]
    assert values(cluster, "small") == [b"ok", b"next"]


def test_a_refused_record_while_requests_are_in_flight(cluster):
    p = producer()
    cluster.faults.lose_next_responses("other")          # armed: requests are in flight until answered
    reports = []
    for v in (b"a", b"x" * 200, b"b", b"c"):
        produce(p, reports, v, topic="small")
    p.flush()
    # b and c were sent behind the refused record, refused as out of order, and sent again
    # after the bump with new sequence numbers
    assert sorted(reports) == sorted([(b"a", None), (b"x" * 200, "MSG_SIZE_TOO_LARGE"), (b"b", None), (b"c", None)])
    assert values(cluster, "small") == [b"a", b"b", b"c"] and len(bumps(cluster)) == 1


def test_gapless_guarantee_makes_a_refusal_fatal(cluster):
    p = producer(**{"enable.gapless.guarantee": True})
    reports = []
    produce(p, reports, b"ok", topic="small")
    produce(p, reports, b"x" * 200, topic="small")
    with pytest.raises(KafkaException) as info:          # confluent-kafka raises it from poll() / flush()
        p.flush()
    err = info.value.args[0]
    assert err.code() == KafkaError._GAPLESS_GUARANTEE and err.fatal()
    assert err.str().startswith("ProduceRequest for small [0] with 1 message(s) failed: ")
    assert err.str().endswith("(broker 1 PID{Id:1000,Epoch:0}, base seq 1): unable to satisfy gap-less guarantee")
    assert p.flush() == 0                                # raised once; the reports are then served
    assert reports == [(b"ok", None), (b"x" * 200, "MSG_SIZE_TOO_LARGE")]
    with pytest.raises(KafkaException) as info:
        p.produce("small", b"next")
    assert info.value.args[0].code() == KafkaError._FATAL
    assert info.value.args[0].str() == "Unable to produce message: Local: Fatal error"
    assert bumps(cluster) == [] and values(cluster, "small") == [b"ok"]


def test_gapless_guarantee_purges_the_queued_records(cluster):
    p = producer(**{"enable.gapless.guarantee": True, "max.in.flight": 1})
    cluster.faults.lose_next_responses("other")
    reports = []
    for v in (b"x" * 200, b"b", b"c"):
        produce(p, reports, v, topic="small")
    with pytest.raises(KafkaException):
        p.flush()
    p.flush()
    assert reports == [(b"x" * 200, "MSG_SIZE_TOO_LARGE"), (b"b", "_PURGE_QUEUE"), (b"c", "_PURGE_QUEUE")]
    assert values(cluster, "small") == []


def test_gapless_guarantee_does_not_cover_timeouts(cluster):
    p = producer(**{"enable.gapless.guarantee": True, "message.timeout.ms": 10000})
    cluster.faults.time_out_next_requests("t", 0)
    reports = []
    produce(p, reports, b"a")
    p.flush()
    produce(p, reports, b"b")
    p.flush()
    assert reports == [(b"a", "_MSG_TIMED_OUT"), (b"b", None)] and len(bumps(cluster)) == 1


def test_queued_records_expire_too_and_one_bump_covers_them(cluster):
    p = producer(**{"message.timeout.ms": 10000, "max.in.flight": 1})
    cluster.faults.time_out_next_requests("t", 0)
    reports = []
    for v in (b"a", b"b", b"c"):
        produce(p, reports, v)
    p.flush()
    # b and c never left the queue: librdkafka's scan fails them at their message timeout
    # (10 s); the bump waits for a's request, timed out at request.timeout.ms (30 s)
    [expired] = cluster.trace.events("produce.expired")
    assert expired.time_ms == 10000 and expired.data["msgids"] == [2, 3]
    assert reports == [(b"b", "_MSG_TIMED_OUT"), (b"c", "_MSG_TIMED_OUT"), (b"a", "_MSG_TIMED_OUT")]
    [bump] = cluster.trace.events("producer.epoch_bump")
    assert bump.time_ms == 30000 and bump.data["reason"] == "2 message(s) timed out on t [0]"   # b and c, at 10 s
    produce(p, reports, b"d")
    p.flush()
    assert reports[-1] == (b"d", None) and values(cluster) == [b"d"]


@pytest.mark.parametrize("requests_in_flight", [False, True])
def test_a_hole_left_by_a_purged_record_is_skipped_with_a_bump(cluster, requests_in_flight):
    p = producer()
    cluster.faults.change_leader("t", 0)
    reports = []
    produce(p, reports, b"a")
    p.poll(0)                                            # refused by the old leader: numbered, queued for retry
    p.purge(in_flight=False)                             # its number is never used
    if requests_in_flight:
        cluster.faults.lose_next_responses("other")      # b goes as a request, not inside produce()
    produce(p, reports, b"b")
    p.flush()
    # librdkafka: b is refused as out of order, and retried after an epoch bump
    assert reports == [(b"a", "_PURGE_QUEUE"), (b"b", None)] and values(cluster) == [b"b"]
    assert bumps(cluster) == [(1, "skipped sequence numbers")]
