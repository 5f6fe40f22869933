"""error_cb, stats_cb, logger, throttle_cb and oauth_cb: called where librdkafka calls them
(inside poll), with its shapes, in virtual time; and a broker outage as clients see it."""

import json
import logging

import pytest

from pysim import kafka
from pysim.kafka import KafkaError, KafkaException, ThrottleEvent
from pysim.kafka.admin import AdminClient

SERVERS = "events:9092"


@pytest.fixture
def cluster():
    kafka.reset_all(seed=0)
    c = kafka.cluster(SERVERS)
    c.group_initial_rebalance_delay_ms = 0
    c.create_topic("t", 1)
    return c


def test_stats_cb_runs_every_interval_of_virtual_time_with_lag_and_counts(cluster):
    stats = []
    p = kafka.Producer({"bootstrap.servers": SERVERS})
    for i in range(5):
        p.produce("t", b"%d" % i, partition=0)
    p.flush()
    c = kafka.Consumer({"bootstrap.servers": SERVERS, "group.id": "g", "statistics.interval.ms": 1000,
                        "stats_cb": stats.append, "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.assign([kafka.TopicPartition("t", 0)])
    for _ in range(2):
        c.poll(0.1)
    c.commit(asynchronous=False)
    cluster.advance(1000)                            # the timer fires; the JSON waits for poll()
    assert stats == []
    c.poll(0)
    assert stats, "stats_cb should have run inside poll()"
    last = json.loads(stats[-1])
    assert last["type"] == "consumer" and last["name"].endswith("#consumer-1")
    part = last["topics"]["t"]["partitions"]["0"]
    assert part["hi_offset"] == 5 and part["committed_offset"] == 2 and part["consumer_lag"] == 3
    assert last["rxmsgs"] == 2 and last["brokers"]["localhost:9092/1"]["state"] == "UP"
    times = [json.loads(s)["ts"] for s in stats]
    assert all(b - a == 1_000_000 for a, b in zip(times, times[1:]))


def test_producer_stats_count_queued_and_delivered_records(cluster):
    stats = []
    p = kafka.Producer({"bootstrap.servers": SERVERS, "statistics.interval.ms": 500, "stats_cb": stats.append})
    p.produce("t", b"a", partition=0)
    p.flush()
    p.poll(0.5)
    s = json.loads(stats[-1])
    assert s["type"] == "producer" and s["txmsgs"] == 1 and s["msg_cnt"] == 0
    assert s["topics"]["t"]["partitions"]["0"]["txmsgs"] == 1


def test_stopped_brokers_reach_error_cb_as_transport_then_all_brokers_down(cluster):
    errors = []
    c = kafka.Consumer({"bootstrap.servers": SERVERS, "group.id": "g", "error_cb": errors.append})
    cluster.faults.stop_brokers()
    assert errors == []                              # nothing runs outside poll()
    c.poll(0.1)
    assert [e.code() for e in errors] == [KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN]
    assert errors[1].str() == "1/1 brokers are down"


def test_records_produced_while_brokers_are_down_time_out(cluster):
    reports = []
    cluster.faults.stop_brokers()
    p = kafka.Producer({"bootstrap.servers": SERVERS, "message.timeout.ms": 5000})
    p.produce("t", b"lost", partition=0, on_delivery=lambda err, msg: reports.append(err))
    p.flush()
    assert [e.code() for e in reports] == [KafkaError._MSG_TIMED_OUT]
    assert cluster.records("t", 0) == []


def test_a_consumer_reads_nothing_until_the_brokers_return(cluster):
    cluster.append("t", 0, None, b"v", 0, None)
    c = kafka.Consumer({"bootstrap.servers": SERVERS, "group.id": "g", "auto.offset.reset": "earliest"})
    c.assign([kafka.TopicPartition("t", 0)])
    cluster.faults.stop_brokers(duration_ms=3000)
    assert c.poll(1.0) is None
    msg = c.poll(5.0)
    assert msg is not None and msg.value() == b"v"


def test_an_exception_in_a_callback_propagates_from_poll(cluster):
    def boom(err):
        raise ValueError("from error_cb")
    admin = AdminClient({"bootstrap.servers": SERVERS, "error_cb": boom})
    cluster.faults.stop_brokers()
    with pytest.raises(ValueError, match="from error_cb"):
        admin.poll(0.1)


def test_logger_gets_the_init_line_when_debug_is_set(cluster):
    seen = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append(record.getMessage())
    log = logging.getLogger("pysim-test-events")
    log.setLevel(logging.DEBUG)
    log.addHandler(Keep())
    p = kafka.Producer({"bootstrap.servers": SERVERS, "debug": "msg", "logger": log})
    p.poll(0)
    assert seen and seen[0].startswith("INIT [rdkafka#producer-1]")


def test_callbacks_are_checked_and_oauth_cb_is_asked_at_start(cluster):
    with pytest.raises(TypeError, match="expected error_cb property as a callable function"):
        kafka.Producer({"bootstrap.servers": SERVERS, "error_cb": 1})
    with pytest.raises(ValueError):
        kafka.Producer({"bootstrap.servers": SERVERS, "throttle_cb": 1})
    asked = []
    kafka.Consumer({"bootstrap.servers": SERVERS, "group.id": "g", "sasl.oauthbearer.config": "cfg",
                    "oauth_cb": lambda cfg: asked.append(cfg) or ("token", 1e12)})
    assert asked == ["cfg"]

    def fails(cfg):
        raise RuntimeError("no token")
    with pytest.raises(KafkaException) as info:
        kafka.Consumer({"bootstrap.servers": SERVERS, "group.id": "g", "oauth_cb": fails})
    assert info.value.args[0].code() == KafkaError.SASL_AUTHENTICATION_FAILED
    assert str(ThrottleEvent("broker", 0, 10.0)) == "broker/0 throttled for 10000 ms"


def test_set_sasl_credentials_checks_its_arguments(cluster):
    for client in (AdminClient({"bootstrap.servers": SERVERS}), kafka.Producer({"bootstrap.servers": SERVERS}),
                   kafka.Consumer({"bootstrap.servers": SERVERS, "group.id": "g"})):
        client.set_sasl_credentials("user", "pw")
        with pytest.raises(TypeError):
            client.set_sasl_credentials(None, "pw")
