"""The ShareConsumer's client events (error_cb, logger, oauth_cb) through the machinery the
Consumer and Producer use (client_events.py), drained where librdkafka's share consumer
drains them: poll(), commit_sync(), commit_async() and close(); librdkafka's always-on
warnings; a client without bootstrap.servers still serving its events; and construction
failing on a missing ssl.ca.location."""

import gc
import json
import logging
import weakref

import pytest

from pysim import kafka
from pysim.kafka import (ConcurrentModificationException, KafkaError, KafkaException, ShareConsumer,
                         share_consumer)

SERVERS = "share-events:9092"


@pytest.fixture
def cluster():
    kafka.reset_all(seed=0)
    c = kafka.cluster(SERVERS)
    c.create_topic("t", 1)
    return c


def _logger(name):
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)
    log = logging.getLogger(f"pysim-test-share-events.{name}")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    log.handlers[:] = [Keep()]
    return log, records


def _share(**conf):
    return ShareConsumer({"bootstrap.servers": SERVERS, "group.id": "sg", **conf})


@pytest.mark.parametrize("drain", ["poll", "commit_sync", "commit_async", "close"])
def test_log_records_wait_until_a_call_drains_them(cluster, drain):
    log, records = _logger(drain)
    sc = _share(debug="msg", logger=log)
    sc.subscribe(["t"])
    cluster.advance(1000)
    assert records == []                             # no background drainer on a share consumer
    {"poll": lambda: sc.poll(0.1), "commit_sync": lambda: sc.commit_sync(0.5),
     "commit_async": sc.commit_async, "close": sc.close}[drain]()
    messages = [r.getMessage() for r in records]
    assert messages[0].startswith("INIT [rdkafka#consumer-1] [thrd:app]: librdkafka v")
    assert records[0].levelno == logging.DEBUG and records[0].name == log.name
    assert messages[1] == ('SHARECONSUMER [rdkafka#consumer-1] [thrd:app]: The share consumer is in "Preview" '
                           "and is not recommended for production use")
    assert records[1].levelno == logging.WARNING
    if drain != "close":
        sc.close()


def test_always_on_warnings_reach_the_logger_without_debug(cluster):
    log, records = _logger("confwarn")
    sc = _share(logger=log, **{"socket.timeout.ms": 100})
    sc.subscribe(["t"])
    sc.poll(0.1)
    sc.close()
    assert [(r.levelname, r.getMessage().split(" ")[0]) for r in records] == [
        ("WARNING", "CONFWARN"), ("WARNING", "SHARECONSUMER")]
    assert "`fetch.wait.max.ms` (500) should be set lower than `socket.timeout.ms` (100) by at least 1000ms" \
        in records[0].getMessage()


def test_confwarn_needs_socket_timeout_within_a_second_of_fetch_wait(cluster):
    for socket_timeout, warned in ((1500, False), (1499, True)):
        log, records = _logger(f"consumer{socket_timeout}")
        c = kafka.Consumer({"bootstrap.servers": SERVERS, "group.id": "g", "logger": log,
                            "socket.timeout.ms": socket_timeout})
        c.poll(0)
        c.close()
        assert any("CONFWARN" in r.getMessage() for r in records) is warned


def test_error_cb_fires_from_each_draining_call_and_its_exception_propagates(cluster):
    for call in ("poll", "commit_sync", "commit_async", "close"):
        kafka.reset_all(seed=0)
        c = kafka.cluster(SERVERS)
        seen = []
        sc = _share(error_cb=seen.append)
        sc.subscribe(["t"])
        c.faults.stop_brokers()
        assert seen == []                           # queued until a call drains it
        {"poll": lambda: sc.poll(0.1), "commit_sync": lambda: sc.commit_sync(0.5),
         "commit_async": sc.commit_async, "close": sc.close}[call]()
        assert [e.code() for e in seen] == [KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN], call
        if call != "close":
            sc.close()


@pytest.mark.parametrize("error", [RuntimeError("boom"), KafkaException(KafkaError._FAIL, "from error_cb"),
                                   ValueError("bad")])
@pytest.mark.parametrize("call", ["poll", "commit_sync", "commit_async"])
def test_an_exception_raised_in_error_cb_comes_out_of_the_call_unchanged(cluster, error, call):
    armed = [True]

    def error_cb(err):
        if armed[0]:
            raise error
    sc = _share(error_cb=error_cb)
    sc.subscribe(["t"])
    cluster.faults.stop_brokers()
    with pytest.raises(type(error)) as info:
        {"poll": lambda: sc.poll(0.1), "commit_sync": lambda: sc.commit_sync(0.5),
         "commit_async": sc.commit_async}[call]()
    assert info.value is error
    armed[0] = False                                 # the rest drains quietly at close
    sc.close()


def test_a_second_thread_calling_in_while_error_cb_runs_gets_a_conflict(cluster, monkeypatch):
    """The call comes "from another thread" by the thread id the guard reads (Pyodide, where
    the suite also runs, starts no threads)."""
    caught = []

    def error_cb(err):
        if caught:
            return
        with monkeypatch.context() as m:
            m.setattr(share_consumer.threading, "get_ident", lambda: -1)
            try:
                sc.commit_async()
            except Exception as exc:                   # noqa: BLE001 - the test keeps what it got
                caught.append(exc)
    sc = _share(error_cb=error_cb)
    sc.subscribe(["t"])
    cluster.faults.stop_brokers()
    sc.poll(0.1)
    sc.close()
    assert len(caught) == 1 and isinstance(caught[0], ConcurrentModificationException)
    assert "not safe for multi-threaded access" in str(caught[0])


def test_oauth_cb_is_asked_during_construction_and_a_bad_answer_fails_it(cluster):
    asked = []
    sc = _share(**{"sasl.oauthbearer.config": "oauth_cb",
                   "oauth_cb": lambda cfg: asked.append(cfg) or ("token", 1e12, "principal", {"ext": "v"})})
    assert asked == ["oauth_cb"]
    sc.close()
    with pytest.raises(KafkaException) as info:
        _share(oauth_cb=lambda cfg: "just-a-token-string")
    assert info.value.args[0].code() == KafkaError.SASL_AUTHENTICATION_FAILED
    assert "token" in str(info.value)


def test_a_dropped_share_consumer_is_garbage_collected(cluster):
    sc = _share(error_cb=lambda err: None, **{"statistics.interval.ms": 100, "stats_cb": lambda s: None})
    sc.subscribe(["t"])
    ref = weakref.ref(sc)
    del sc
    gc.collect()
    assert ref() is None
    cluster.faults.stop_brokers()                    # no listener left to call
    cluster.advance(1000)


def test_clients_without_bootstrap_servers_serve_stats_and_logs_in_poll():
    kafka.reset_all(seed=0)
    stats = []
    p = kafka.Producer({"bootstrap.servers": None, "statistics.interval.ms": 10, "stats_cb": stats.append})
    p.poll(0.1)
    assert len(stats) == 10
    assert all(json.loads(s)["brokers"] == {} for s in stats)
    log, records = _logger("nobrokers")
    c = kafka.Consumer({"group.id": "g", "debug": "all", "logger": log, "statistics.interval.ms": 200,
                        "stats_cb": stats.append})
    c.subscribe(["t"])
    assert records == []
    c.poll(0.1)
    assert [r.getMessage().split(" ")[0] for r in records] == ["INIT", "CONFWARN"]
    assert records[1].levelno == logging.INFO          # librdkafka's level 5, NOTICE
    assert "No `bootstrap.servers` configured" in records[1].getMessage()
    before = len(stats)
    c.poll(0.1)
    assert len(stats) == before + 1 and json.loads(stats[-1])["brokers"] == {}
    c.close()


def test_a_missing_ssl_ca_location_fails_construction(cluster):
    bad = {"bootstrap.servers": SERVERS, "security.protocol": "ssl", "ssl.ca.location": "/nonexistent/pysim/ca.pem"}
    with pytest.raises(ValueError, match="^Failed to create share consumer: ssl.ca.location failed"):
        ShareConsumer({**bad, "group.id": "sg"})
    for make, kind in ((lambda: kafka.Consumer({**bad, "group.id": "g"}), "consumer"),
                       (lambda: kafka.Producer(bad), "producer")):
        with pytest.raises(KafkaException) as info:
            make()
        assert info.value.args[0].code() == KafkaError._INVALID_ARG
        assert info.value.args[0].str().startswith(f"Failed to create {kind}: ssl.ca.location failed")
    ShareConsumer({**bad, "group.id": "sg", "ssl.ca.location": __file__}).close()   # there: not read (no TLS)
    kafka.Producer({**bad, "security.protocol": "plaintext"})      # no TLS: the file is not loaded


def test_stats_cb_gets_the_statistics_every_interval_from_the_draining_calls(cluster):
    for i in range(3):
        cluster.append("t", 0, None, b"%d" % i, 0, None)
    cluster.share_groups.set_config("sg", {"share.auto.offset.reset": "earliest"})
    stats = []
    sc = _share(**{"statistics.interval.ms": 500, "stats_cb": stats.append})
    sc.subscribe(["t"])
    assert len(sc.poll(1.0)) == 3
    start = cluster.now_ms
    cluster.advance(1000)
    assert stats == []                               # queued: nothing drains without a call
    sc.commit_sync(0.5)
    assert [json.loads(s)["ts"] - start * 1000 for s in stats] == [500_000, 1_000_000]
    last = json.loads(stats[-1])
    assert last["type"] == "consumer" and last["name"] == "rdkafka#consumer-1" and last["rxmsgs"] == 3
    sc.close()


def test_cimpl_is_the_package_itself():
    """confluent_kafka re-exports its C module's names, so confluent_kafka.cimpl.X is
    confluent_kafka.X; pysim.kafka plays both parts."""
    from pysim.kafka import cimpl
    assert cimpl is kafka
    assert cimpl.IllegalStateException is kafka.IllegalStateException
    assert "cimpl" not in kafka.__all__
