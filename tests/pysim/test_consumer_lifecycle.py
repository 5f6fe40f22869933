"""The Consumer's and AdminClient's arguments and lifecycle as confluent-kafka 2.16 has them
(a config dict is required, ``with`` closes, closed or never-initialised objects raise
RuntimeError), and a consumer without bootstrap.servers, which never receives anything and
whose requests fail as librdkafka's do."""

import pytest

from pysim import kafka
from pysim.kafka import Consumer, KafkaError, KafkaException, OFFSET_INVALID, TopicPartition
from pysim.kafka.admin import AdminClient, NewTopic

SERVERS = "consumer-lifecycle:9092"


@pytest.fixture(autouse=True)
def fresh():
    kafka.reset_all(seed=5)
    kafka.cluster(SERVERS).create_topic("t", num_partitions=1)


def test_a_config_dict_with_a_group_id_is_required():
    for bad in [(), (None,), ("group.id=g",)]:
        with pytest.raises(TypeError, match="expected configuration dict"):
            Consumer(*bad)
    with pytest.raises(ValueError, match="group.id must be set"):
        Consumer({"bootstrap.servers": SERVERS})


def test_with_block_closes_and_an_exception_propagates():
    with pytest.raises(ValueError, match="boom"):
        with Consumer({"bootstrap.servers": SERVERS, "group.id": "g"}) as c:
            c.subscribe(["t"])
            raise ValueError("boom")
    with pytest.raises(RuntimeError, match="Consumer closed"):
        c.poll(0)
    assert c.__enter__() is c and c.__exit__(None, None, None) is None
    c.close()                                   # closing twice is fine
    assert bool(c)


def test_a_subclass_that_skips_init_behaves_as_closed():
    class Forgetful(Consumer):
        def __init__(self, conf):
            pass

    c = Forgetful({"group.id": "g"})
    tp = TopicPartition("t", 0, 0)
    for call in (lambda: c.subscribe(["t"]), c.unsubscribe, c.poll, c.consume, lambda: c.assign([tp]), c.unassign,
                 c.assignment, c.commit, lambda: c.committed([tp]), lambda: c.position([tp]), lambda: c.seek(tp),
                 lambda: c.get_watermark_offsets(tp), lambda: c.store_offsets(offsets=[tp]),
                 lambda: c.offsets_for_times([tp]), c.consumer_group_metadata):
        with pytest.raises(RuntimeError, match="Consumer closed"):
            call()
    for call in (c.list_topics, c.cluster_id):
        with pytest.raises(RuntimeError, match="Handle has been closed"):
            call()
    c.close()


def test_cluster_id_is_the_one_metadata_reports():
    kafka.Producer({"bootstrap.servers": SERVERS}).produce("t", b"v")
    c = Consumer({"bootstrap.servers": SERVERS, "group.id": "g"})
    assert c.cluster_id() == c.list_topics().cluster_id == kafka.Producer({"bootstrap.servers": SERVERS}).cluster_id()
    c.close()


# -- without bootstrap.servers ------------------------------------------------------------------

def test_without_brokers_a_consumer_receives_nothing_and_requests_fail(capsys):
    kafka.Producer({"bootstrap.servers": SERVERS}).produce("t", b"v")
    c = Consumer({"group.id": "g", "auto.offset.reset": "earliest"})
    assert "No `bootstrap.servers` configured" in capsys.readouterr().err
    clock = kafka.cluster(kafka.no_brokers.NO_BROKERS)
    start = clock.now_ms
    c.subscribe(["t"])
    assert c.poll(1.0) is None and clock.now_ms - start == 1000
    assert c.consume(10, timeout=0.5) == [] and c.memberid() is None
    c.unsubscribe()
    parts = [TopicPartition("t", p) for p in range(0, 9, 3)]
    c.assign(parts)
    assert c.assignment() == parts
    with pytest.raises(KafkaException, match="Erroneous state"):
        c.seek(TopicPartition("t", 0, 5))
    assert c.get_watermark_offsets(parts[0], cached=True) == (OFFSET_INVALID, OFFSET_INVALID)
    assert [tp.offset for tp in c.position(parts)] == [OFFSET_INVALID] * 3
    expected = [(lambda: c.get_watermark_offsets(parts[0], timeout=0.5), KafkaError._ALL_BROKERS_DOWN),
                (lambda: c.offsets_for_times([TopicPartition("t", 0, 100)], timeout=0.1), KafkaError._ALL_BROKERS_DOWN),
                (lambda: c.committed(parts, timeout=0.1), KafkaError._TIMED_OUT),
                (lambda: c.list_topics(timeout=0.2), KafkaError._TRANSPORT),
                (lambda: c.cluster_id(timeout=0.1), KafkaError._TIMED_OUT),
                (lambda: c.commit(asynchronous=False), KafkaError._NO_OFFSET)]
    for call, code in expected:
        with pytest.raises(KafkaException) as e:
            call()
        assert e.value.args[0].code() == code
    assert c.commit(asynchronous=True) is None
    c.close()
    assert kafka.cluster(SERVERS).committed("g", "t", 0) is None


def test_admin_client_with_block_closes_it():
    with AdminClient({"bootstrap.servers": SERVERS}) as admin:
        admin.create_topics([NewTopic("u", 1, 1)])
    assert len(admin) == 0 and not admin
    with pytest.raises(RuntimeError, match="AdminClient has been closed"):
        admin.create_topics([NewTopic("v", 1, 1)])
    with pytest.raises(RuntimeError, match="AdminClient has been closed"):
        admin.poll(0.001)
    with pytest.raises(RuntimeError, match="Handle has been closed"):
        admin.list_topics()
    assert admin.__enter__() is admin and admin.__exit__(None, None, None) is None
    assert "u" in kafka.cluster(SERVERS).topics() and "v" not in kafka.cluster(SERVERS).topics()


def test_an_admin_client_subclass_that_skips_init_behaves_as_closed():
    class Forgetful(AdminClient):
        def __init__(self, conf):
            pass

    class Careful(AdminClient):
        def __init__(self, conf):
            super().__init__(conf)

    admin = Forgetful({})
    with pytest.raises(RuntimeError, match="AdminClient has been closed"):
        admin.create_topics([NewTopic("w", 1, 1)])
    assert len(admin) == 0
    Careful({"bootstrap.servers": SERVERS}).create_topics([NewTopic("w", 1, 1)])
    assert "w" in kafka.cluster(SERVERS).topics()
