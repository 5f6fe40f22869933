"""The Producer's API as confluent-kafka 2.16 has it: produce() arguments and errors,
delivery reports, poll/flush/len, list_topics, close, and the parts not simulated yet.
(Wording and codes were taken from the real client; tests/parity checks them again.)"""

import pytest

from pysim import kafka
from pysim.kafka import KafkaError, KafkaException


@pytest.fixture
def cluster():
    kafka.reset_all(seed=0)
    c = kafka.cluster("prod:9092")
    c.create_topic("t", 3)
    return c


def producer(**conf):
    return kafka.Producer({"bootstrap.servers": "prod:9092", **conf})


def stored(c, topic="t"):
    return [(p, r.offset, r.key, r.value, r.headers) for p in range(c.num_partitions(topic))
            for r in c.records(topic, p)]


def code_of(excinfo):
    return excinfo.value.args[0].code()


BAD_ARGUMENTS = [
    (dict(value=5), TypeError, "a bytes-like object is required, not 'int'"),
    (dict(value=bytearray(b"v")), TypeError, "argument 2 must be read-only bytes-like object, not bytearray"),
    (dict(key=1.5), TypeError, "a bytes-like object is required, not 'float'"),
    (dict(key=memoryview(b"k")), TypeError, "argument 3 must be read-only bytes-like object, not memoryview"),
    (dict(timestamp=1.5), TypeError, "'float' object cannot be interpreted as an integer"),
    (dict(partition="1"), TypeError, "'str' object cannot be interpreted as an integer"),
    (dict(partition=None), TypeError, "'NoneType' object cannot be interpreted as an integer"),
    (dict(headers=5), TypeError, "expected headers to be dict or list of (key, value) tuples, not int"),
    (dict(headers=(("a", b"1"),)), TypeError, "expected headers to be dict or list of (key, value) tuples, not tuple"),
    (dict(headers=[["a", b"1"]]), TypeError, "Headers are expected to be a list of (key, value) tuples"),
    (dict(headers=[("a",)]), TypeError, "Headers are expected to be a list of (key, value) tuples"),
    (dict(headers={"a": 1}), TypeError, "expected header value to be None, binary, or unicode string, not int"),
    (dict(on_delivery=5), TypeError, "on_delivery must be callable, not int"),
]


@pytest.mark.parametrize("kwargs,error,message", BAD_ARGUMENTS)
def test_bad_arguments_raise_and_change_nothing(cluster, kwargs, error, message):
    p = producer()
    args = dict(value=b"v")
    args.update(kwargs)
    with pytest.raises(error) as info:
        p.produce("t", **args)
    assert str(info.value) == message
    assert stored(cluster) == [] and len(p) == 0 and cluster.topics() == ["t"]


@pytest.mark.parametrize("topic,message", [(None, "argument 1 must be str, not None"),
                                           (5, "argument 1 must be str, not int"),
                                           (["t"], "argument 1 must be str, not list")])
def test_topic_must_be_a_string(cluster, topic, message):
    with pytest.raises(TypeError, match=message.replace("(", r"\(")):
        producer().produce(topic, b"v")
    assert cluster.topics() == ["t"]


@pytest.mark.parametrize("partition", [3, 99, -2, -5])
def test_a_partition_the_topic_lacks_raises_unknown_partition(cluster, partition):
    p = producer()
    with pytest.raises(KafkaException) as info:
        p.produce("t", b"v", partition=partition)
    assert code_of(info) == KafkaError._UNKNOWN_PARTITION
    assert info.value.args[0].str() == "Unable to produce message: Local: Unknown partition"
    assert stored(cluster) == [] and len(p) == 0


def test_text_is_encoded_and_reports_carry_the_record(cluster):
    seen = []
    p = producer()
    p.produce("t", "välue", key="kéy", partition=2, timestamp=42,
              on_delivery=lambda err, msg: seen.append((err, msg.topic(), msg.partition(), msg.offset(),
                                                        msg.key(), msg.value(), msg.timestamp())))
    assert seen == [] and len(p) == 1
    assert p.poll(0) == 1 and len(p) == 0
    assert seen == [(None, "t", 2, 0, "kéy".encode(), "välue".encode(), (1, 42))]


def test_headers_are_stored_as_a_list_of_text_and_bytes(cluster):
    seen = []
    p = producer()
    for headers in ({"a": "x", "b": b"y", "c": None}, [("a", b"1"), ("a", "2")], [(1, b"n")], [], {}, None):
        p.produce("t", b"v", partition=0, headers=headers, on_delivery=lambda err, msg: seen.append(msg.headers()))
    p.flush()
    assert [r.headers for r in cluster.records("t", 0)] == [
        [("a", b"x"), ("b", b"y"), ("c", None)], [("a", b"1"), ("a", b"2")], [("1", b"n")], None, None, None]
    assert seen == [None] * 6                      # confluent-kafka's delivery reports have none


def test_callback_wins_over_on_delivery_which_wins_over_the_config(cluster):
    order = []
    p = producer(on_delivery=lambda err, msg: order.append("config"))
    p.produce("t", b"1", on_delivery=lambda err, msg: order.append("on_delivery"),
              callback=lambda err, msg: order.append("callback"))
    p.produce("t", b"2", on_delivery=lambda err, msg: order.append("on_delivery"))
    p.produce("t", b"3")
    p.produce("t", b"4", None, 0, lambda err, msg: order.append("positional callback"))
    assert p.flush() == 0
    assert order == ["callback", "on_delivery", "config", "positional callback"]


def test_config_on_delivery_must_be_callable(cluster):
    with pytest.raises(KafkaException) as info:
        producer(on_delivery="not a function")
    assert code_of(info) == KafkaError._INVALID_ARG and info.value.args[0].str() == "on_delivery requires a callable object"


def test_poll_serves_reports_and_waits_in_virtual_time_when_there_are_none(cluster):
    p = producer()
    got = []
    for i in range(4):
        p.produce("t", b"v", on_delivery=lambda err, msg: got.append(msg.offset()))
    p.produce("t", b"no callback")
    assert len(p) == 5
    assert p.poll(2.5) == 5 and cluster.now_ms == 0        # something to serve: no waiting
    assert len(got) == 4 and len(p) == 0
    assert p.poll(2.5) == 0 and cluster.now_ms == 2500      # nothing: waited its timeout
    assert p.poll() == 0 and p.poll(-1) == 0 and cluster.now_ms == 2500   # infinite: does not wait
    with pytest.raises(TypeError, match="must be real number, not NoneType"):
        p.poll(None)
    with pytest.raises(TypeError, match="must be real number, not str"):
        p.flush("1")


def test_callbacks_that_produce_are_served_by_flush(cluster):
    p = producer()
    done = []

    def again(err, msg):
        done.append(msg.value())
        if msg.value() == b"first":
            p.produce("t", b"second", on_delivery=again)

    p.produce("t", b"first", on_delivery=again)
    assert p.poll(0) == 1 and done == [b"first"] and len(p) == 1   # the second waits for the next poll
    assert p.flush() == 0 and done == [b"first", b"second"]


def test_delivery_report_only_error(cluster):
    cluster.create_topic("small", 1, config={"max.message.bytes": "200"})
    seen = []
    p = producer(**{"delivery.report.only.error": True})
    p.produce("t", b"fine", on_delivery=lambda err, msg: seen.append(err))
    p.produce("small", b"x" * 500, on_delivery=lambda err, msg: seen.append(err.code()))
    assert len(p) == 1 and p.flush() == 0
    assert seen == [KafkaError.MSG_SIZE_TOO_LARGE]


def test_a_record_the_broker_refuses_fails_in_its_report_and_is_not_stored(cluster):
    cluster.create_topic("compacted", 1, config={"cleanup.policy": "compact"})
    seen = []
    p = producer()
    p.produce("compacted", b"no key", partition=0,
              on_delivery=lambda err, msg: seen.append((err.code(), msg.partition(), msg.offset(), msg.value(),
                                                        msg.timestamp())))
    p.flush()
    assert seen == [(KafkaError.INVALID_RECORD, 0, None, b"no key", (0, -1))]
    assert cluster.records("compacted", 0) == []


def test_missing_topic_fails_once_then_raises_and_creates_nothing():
    kafka.reset_all(seed=0)
    c = kafka.cluster("noauto:9092", auto_create=False)
    p = kafka.Producer({"bootstrap.servers": "noauto:9092"})
    seen = []
    p.produce("nope", b"v", key=b"k", on_delivery=lambda err, msg: seen.append(
        (err.code(), err.str(), msg.partition(), msg.offset(), msg.key(), msg.value())))
    p.flush()
    assert seen == [(KafkaError.UNKNOWN_TOPIC_OR_PART, "Broker: Unknown topic or partition", None, None, b"k", b"v")]
    with pytest.raises(KafkaException) as info:
        p.produce("nope", b"v")
    assert code_of(info) == KafkaError._UNKNOWN_TOPIC
    assert info.value.args[0].str() == "Unable to produce message: Local: Unknown topic"
    assert c.topics() == [] and len(p) == 0
    c.create_topic("nope", 2)                                 # once it exists, producing works
    p.produce("nope", b"v", partition=1)
    assert c.watermarks("nope", 1) == (0, 1)


def test_client_side_auto_create_off_and_illegal_topic_names(cluster):
    p = producer(**{"allow.auto.create.topics": False})
    seen = []
    p.produce("fresh", b"v", on_delivery=lambda err, msg: seen.append(err.code()))
    assert p.list_topics("fresh").topics["fresh"].error.code() == KafkaError.UNKNOWN_TOPIC_OR_PART
    q = producer()
    q.produce("bad name!", b"v", on_delivery=lambda err, msg: seen.append(err.code()))
    p.flush(), q.flush()
    assert seen == [KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError.TOPIC_EXCEPTION]
    assert cluster.topics() == ["t"]
    q.produce("auto", b"v")                                   # the default producer auto-creates
    assert cluster.topics() == ["auto", "t"] and cluster.num_partitions("auto") == 1


def test_list_topics_and_cluster_id(cluster):
    p = producer()
    md = p.list_topics()
    assert sorted(md.topics) == ["t"] and md.cluster_id == p.cluster_id() == "pysim-0"
    t = md.topics["t"]
    assert (t.topic, t.error, sorted(t.partitions)) == ("t", None, [0, 1, 2])
    part = t.partitions[1]
    assert (part.id, part.leader, part.replicas, part.isrs, part.error) == (1, 1, [1], [1], None)
    assert {b: (m.id, m.host, m.port) for b, m in md.brokers.items()} == {1: (1, "localhost", 9092)}
    assert sorted(p.list_topics("made-by-asking").topics) == ["made-by-asking"]
    assert cluster.has_topic("made-by-asking")
    with pytest.raises(TypeError, match="argument 1 must be str or None, not int"):
        p.list_topics(5)


def test_close_flushes_and_later_calls_raise(cluster):
    seen = []
    p = producer()
    p.produce("t", b"v", on_delivery=lambda err, msg: seen.append(msg.offset()))
    assert p.close() is True and seen == [0]
    assert p.close() is True and len(p) == 0
    for call in (lambda: p.produce("t", b"v"), lambda: p.poll(0), lambda: p.flush(), p.purge,
                 p.init_transactions):
        with pytest.raises(RuntimeError, match="Producer has been closed"):
            call()
    with pytest.raises(RuntimeError, match="Handle has been closed"):
        p.list_topics()
    assert len(stored(cluster)) == 1


def test_purge_has_nothing_to_purge(cluster):
    seen = []
    p = producer()
    p.produce("t", b"v", on_delivery=lambda err, msg: seen.append(err))
    assert p.purge() is None and p.purge(in_queue=False, in_flight=True, blocking=False) is None
    assert p.flush() == 0 and seen == [None] and len(stored(cluster)) == 1


def test_transactions_need_transactional_id(cluster):
    p = producer()
    for call in (p.init_transactions, p.begin_transaction, p.commit_transaction, p.abort_transaction,
                 lambda: p.send_offsets_to_transaction([], None)):
        with pytest.raises(KafkaException) as info:
            call()
        assert code_of(info) == KafkaError._NOT_CONFIGURED
        assert info.value.args[0].str() == "The Transactional API requires transactional.id to be configured"
    tx = producer(**{"transactional.id": "tx-1"})
    with pytest.raises(KafkaException) as info:
        tx.produce("t", b"v")       # before init_transactions / begin_transaction
    assert code_of(info) == KafkaError._STATE
    assert stored(cluster) == []


@pytest.mark.parametrize("value,message", [
    ("abc", 'Invalid value for configuration property "sticky.partitioning.linger.ms"'),
    (-1, 'Configuration property "sticky.partitioning.linger.ms" value -1 is outside allowed range 0..900000\n'),
    (900001, 'Configuration property "sticky.partitioning.linger.ms" value 900001 is outside allowed range '
             '0..900000\n'),
])
def test_sticky_linger_is_validated_like_librdkafka(cluster, value, message):
    with pytest.raises(KafkaException) as info:
        producer(**{"sticky.partitioning.linger.ms": value})
    assert code_of(info) == KafkaError._INVALID_ARG and info.value.args[0].str() == message
    producer(**{"sticky.partitioning.linger.ms": "900000"})        # a numeric string is fine


def test_produce_batch(cluster):
    seen = []
    p = producer()
    messages = [{"value": b"a"}, {"value": "b", "key": "k", "partition": 99},
                {"value": b"c", "callback": lambda err, msg: seen.append(("own", msg.value()))}]
    assert p.produce_batch("t", messages, partition=1, on_delivery=lambda err, msg: seen.append(msg.value())) == 2
    assert messages[1]["_error"].code() == KafkaError._UNKNOWN_PARTITION
    p.flush()
    assert seen == [b"a", ("own", b"c")] and cluster.watermarks("t", 1) == (0, 2)
    for bad, error, message in [(({"value": b"a"},), TypeError, "messages must be a list"),
                                ([b"a"], TypeError, "Message at index 0 must be a dict"),
                                ([{"value": b"a"}, {"key": 5}], TypeError, "Message key at index 1 must be bytes or str"),
                                ([{"value": b"a", "timestamp": 5}], NotImplementedError,
                                 "Message timestamps are not currently supported in batch mode")]:
        with pytest.raises(error, match=message):
            p.produce_batch("t", bad)
    assert cluster.watermarks("t", 1) == (0, 2) and cluster.watermarks("t", 0)[1] + cluster.watermarks("t", 2)[1] == 0


def test_each_producer_has_a_name_in_the_trace(cluster):
    first, second = producer(), producer(**{"client.id": "billing"})
    first.produce("t", b"1")
    second.produce("t", b"2")
    assert [e.actor for e in cluster.trace.events("produce")] == ["rdkafka#producer-1", "billing#producer-2"]
