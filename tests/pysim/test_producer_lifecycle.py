"""The Producer's arguments and lifecycle as confluent-kafka 2.16 has them: a config dict
is required, ``with`` flushes and closes, a closed (or never initialised) producer raises
RuntimeError, bool() is True; librdkafka's client-side limits (message.max.bytes,
queue.buffering.max.messages / kbytes); default.topic.config; and a producer without
bootstrap.servers, which never delivers anything, as against Kafka."""

import pytest

from pysim import kafka
from pysim.kafka import KafkaError, KafkaException, Producer, TopicPartition

SERVERS = "lifecycle:9092"


@pytest.fixture(autouse=True)
def fresh():
    kafka.reset_all(seed=11)
    kafka.cluster(SERVERS).create_topic("t", num_partitions=1)


def conf(**extra):
    return dict({"bootstrap.servers": SERVERS}, **extra)


def test_a_config_dict_is_required():
    for bad in [(), (None,), ("bootstrap.servers=x",), ([("bootstrap.servers", "x")],)]:
        with pytest.raises(TypeError, match="expected configuration dict"):
            Producer(*bad)


def test_bool_is_true_even_with_nothing_queued():
    p = Producer(conf())
    assert len(p) == 0 and bool(p)
    assert p.close() is True and bool(p)


def test_with_block_flushes_then_closes_and_every_method_refuses_afterwards():
    reports = []
    with Producer(conf()) as p:
        p.produce("t", b"v", on_delivery=lambda err, msg: reports.append((err, msg.offset())))
    assert reports == [(None, 0)]
    assert kafka.cluster(SERVERS).watermarks("t", 0) == (0, 1)
    for call in (lambda: p.produce("t", b"v"), p.flush, lambda: p.poll(0), p.purge,
                 lambda: p.produce_batch("t", [{"value": b"v"}])):
        with pytest.raises(RuntimeError, match="Producer has been closed"):
            call()
    assert len(p) == 0
    assert p.__enter__() is p and p.__exit__(None, None, None) is None and p.close() is True


def test_an_exception_in_the_with_block_propagates_and_still_closes():
    with pytest.raises(ValueError, match="boom"):
        with Producer(conf()) as p:
            p.produce("t", b"v")
            raise ValueError("boom")
    assert p.__exit__(ValueError, ValueError("x"), None) is None
    with pytest.raises(RuntimeError):
        p.produce("t", b"v")


def test_a_subclass_that_skips_init_behaves_as_closed():
    class Forgetful(Producer):
        def __init__(self, conf):
            pass

    p = Forgetful({})
    for call in (lambda: p.produce("t", b"v"), p.poll, p.flush, p.purge, p.init_transactions,
                 p.begin_transaction, p.commit_transaction, p.abort_transaction,
                 lambda: p.send_offsets_to_transaction([TopicPartition("t", 0)], object())):
        with pytest.raises(RuntimeError, match="Producer has been closed"):
            call()
    assert len(p) == 0


def test_message_max_bytes_counts_key_value_and_headers_less_librdkafkas_overhead():
    p = Producer(conf(**{"message.max.bytes": 1000}))
    p.produce("t", b"x" * 964)                                   # 1000 - 36
    p.produce("t", b"x" * 954, b"k" * 10)
    p.produce("t", b"x" * 951, headers=[("h", b"y" * 10)])        # a header costs 1 + 1 + 1 + 10
    for value, key, headers in [(b"x" * 965, None, None), (b"x" * 955, b"k" * 10, None),
                                (b"x" * 952, None, [("h", b"y" * 10)])]:
        with pytest.raises(KafkaException) as e:
            p.produce("t", value, key, headers=headers)
        assert e.value.args[0].code() == KafkaError.MSG_SIZE_TOO_LARGE
        assert e.value.args[0].str() == "Unable to produce message: Broker: Message size too large"
    p.flush()
    assert kafka.cluster(SERVERS).watermarks("t", 0) == (0, 3)


def test_the_default_message_max_bytes_refuses_a_megabyte_value():
    with pytest.raises(KafkaException) as e:
        Producer(conf()).produce("t", b"x" * 1_000_000)
    assert e.value.args[0].code() == KafkaError.MSG_SIZE_TOO_LARGE


def test_queue_buffering_max_messages_holds_until_poll_serves_the_reports():
    p = Producer(conf(**{"queue.buffering.max.messages": 2}))
    p.produce("t", b"a")
    p.produce("t", b"b")
    with pytest.raises(BufferError, match="Local: Queue full"):
        p.produce("t", b"c")
    assert p.poll(0) == 2
    p.produce("t", b"c")
    p.flush()
    assert kafka.cluster(SERVERS).watermarks("t", 0) == (0, 3)


def test_queue_buffering_max_kbytes_counts_key_and_value_bytes():
    p = Producer(conf(**{"queue.buffering.max.kbytes": 1}))
    p.produce("t", b"x" * 500, b"k" * 500)
    p.produce("t", b"x" * 24)                                      # exactly 1024 bytes held
    with pytest.raises(BufferError):
        p.produce("t", b"x")
    p.produce("t", b"")                                           # nothing more
    p.poll(0)
    p.produce("t", b"x" * 1024)


def test_delivery_report_only_error_frees_delivered_records_at_once():
    p = Producer(conf(**{"queue.buffering.max.kbytes": 1, "queue.buffering.max.messages": 1,
                         "delivery.report.only.error": True}))
    for _ in range(5):
        p.produce("t", b"x" * 1000)
    assert len(p) == 0


def test_produce_batch_marks_what_the_limits_refuse_instead_of_raising():
    p = Producer(conf(**{"queue.buffering.max.messages": 2, "message.max.bytes": 1000}))
    batch = [{"value": b"a"}, {"value": b"x" * 2000}, {"value": b"b"}, {"value": b"c"}]
    assert p.produce_batch("t", batch) == 2
    assert "_error" not in batch[0] and "_error" not in batch[2]
    assert batch[1]["_error"].code() == KafkaError.MSG_SIZE_TOO_LARGE
    assert batch[1]["_error"].str() == "Message failed: Broker: Message size too large"
    assert batch[3]["_error"].code() == KafkaError._QUEUE_FULL
    assert batch[3]["_error"].str() == "Message failed: Local: Queue full"
    with pytest.raises(TypeError, match="Message partition at index 0 must be int"):
        p.produce_batch("t", [{"value": b"a", "partition": "0"}])


def test_default_topic_config_is_merged_and_wins_over_the_top_level():
    p = Producer({"message.timeout.ms": 600000, "default.topic.config": {"message.timeout.ms": 1000}})
    assert p._settings.message_timeout_ms == 1000
    with pytest.raises(KafkaException, match="No such configuration property"):
        Producer({"default.topic.config": {"no.such.property": 1}})
    with pytest.raises(AttributeError):
        Producer({"default.topic.config": 5})


# -- without bootstrap.servers ------------------------------------------------------------------

def test_a_forgotten_bootstrap_servers_warns_like_librdkafka(capsys):
    Producer({"client.id": "app"})
    err = capsys.readouterr().err
    assert "|CONFWARN|app#producer-1| [thrd:app]: No `bootstrap.servers` configured: client will not be " \
           "able to connect to Kafka cluster" in err


@pytest.mark.parametrize("servers", [None, ""])
def test_without_brokers_nothing_is_delivered_and_records_time_out(servers):
    reports = []
    p = Producer({"bootstrap.servers": servers, "message.timeout.ms": 10})
    p.produce("t", b"v", b"k", partition=9, on_delivery=lambda err, msg: reports.append((err, msg)))
    p.produce("nowhere", b"w")
    assert len(p) == 2 and p.poll(0) == 0
    assert p.flush() == 0
    err, msg = reports[0]
    assert err.code() == KafkaError._MSG_TIMED_OUT and "Message timed out" in err.str()
    assert (msg.topic(), msg.partition(), msg.key(), msg.value(), msg.offset()) == ("t", 9, b"k", b"v", None)
    assert kafka.cluster(SERVERS).watermarks("t", 0) == (0, 0)       # the learner's cluster saw nothing
    assert "nowhere" not in kafka.cluster(SERVERS).topics()


def test_without_brokers_the_default_timeout_is_five_virtual_minutes():
    reports = []
    p = Producer({})
    p.produce("t", b"v", on_delivery=lambda err, msg: reports.append(err))
    start = kafka.cluster(kafka.no_brokers.NO_BROKERS).now_ms
    assert p.flush(1.0) == 1 and reports == []
    p.poll(1000.0)                              # returns as soon as the record times out
    assert [e.code() for e in reports] == [KafkaError._MSG_TIMED_OUT]
    assert kafka.cluster(kafka.no_brokers.NO_BROKERS).now_ms - start == 300000


def test_without_brokers_purge_close_and_metadata_behave_as_librdkafka():
    reports = []
    p = Producer({"message.timeout.ms": 30000})
    p.produce("t", b"v", on_delivery=lambda err, msg: reports.append(err.code()))
    p.purge(in_queue=False)
    p.flush(0.002)
    assert reports == []
    p.purge()
    p.flush(0.002)
    assert reports == [KafkaError._PURGE_QUEUE]
    with pytest.raises(KafkaException) as e:
        p.list_topics(timeout=0.2)
    assert e.value.args[0].code() == KafkaError._TRANSPORT
    with pytest.raises(KafkaException) as e:
        p.cluster_id(timeout=0.2)
    assert e.value.args[0].code() == KafkaError._TIMED_OUT
    p.produce("t", b"w", on_delivery=lambda err, msg: reports.append(err.code()))
    assert p.close() is True                     # close() flushes: the record times out first
    assert reports == [KafkaError._PURGE_QUEUE, KafkaError._MSG_TIMED_OUT]


def test_without_brokers_init_transactions_times_out_and_the_rest_conflicts():
    p = Producer({"transactional.id": "tx"})
    with pytest.raises(KafkaException) as e:
        p.produce("t", b"v")
    assert e.value.args[0].code() == KafkaError._STATE
    with pytest.raises(KafkaException) as e:
        p.init_transactions(0.5)
    assert e.value.args[0].code() == KafkaError._TIMED_OUT and e.value.args[0].retriable()
    for call in (p.begin_transaction, lambda: p.commit_transaction(0.5), lambda: p.abort_transaction(0.5)):
        with pytest.raises(KafkaException) as e:
            call()
        assert e.value.args[0].code() == KafkaError._CONFLICT and e.value.args[0].retriable()
