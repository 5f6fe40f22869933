"""The confluent-kafka API surface that needs no broker, run through the real binding
(confluent-kafka 2.16.1) and through pysim.kafka with the same script: Message's
constructor, pickling and equality, KafkaError's codes and texts, the serializers, the
client-side limits, the lifecycle errors, and what a client without bootstrap.servers
does (nothing delivered, the same error codes)."""

import pickle

import confluent_kafka
import confluent_kafka.error
import confluent_kafka.serialization as real_serialization
import pytest

from pysim import kafka
from pysim.kafka import error as sim_error
from pysim.kafka import serialization as sim_serialization

pytestmark = pytest.mark.parity

SIDES = [pytest.param(confluent_kafka, id="librdkafka"), pytest.param(kafka, id="pysim")]


def outcome(fn):
    """What a call did: its value, or the exception's type name and KafkaError code / text."""
    try:
        return ("ok", fn())
    except BaseException as e:  # noqa: BLE001 - the outcome is what is compared
        err = e.args[0] if e.args else None
        if hasattr(err, "code"):
            return (type(e).__name__, err.code(), err.str())
        return (type(e).__name__, str(e))


def both(script):
    return script(confluent_kafka), script(kafka)


MESSAGE_ARGS = [(), ("t", 1, 2, b"k", b"v", [("h", b"1")], None, (1, 4), 5.5, 3, 2),
                (None, -2, -2, None, None, None, None, None, -2.0, -2), ("t", 0, 0, None, b"", None, None, (2, 0))]


@pytest.mark.parametrize("args", MESSAGE_ARGS, ids=range(len(MESSAGE_ARGS)))
def test_message_fields_reduce_and_pickling_agree(args):
    def script(k):
        m = k.Message(*args)
        back = pickle.loads(pickle.dumps(m))
        return (m.topic(), m.partition(), m.offset(), m.key(), m.value(), m.headers(), m.timestamp(), m.latency(),
                m.leader_epoch(), m.delivery_count(), len(m), m.__reduce__()[1], back == m)
    real, sim = both(script)
    assert real == sim


def test_message_equality_and_errors_agree():
    def script(k):
        base = dict(topic="t", partition=1, offset=2, key=b"k", value=b"v", timestamp=(1, 4), leader_epoch=3)
        variants = [dict(latency=9.0), dict(delivery_count=4), dict(timestamp=(2, 4)), dict(timestamp=(1, 5)),
                    dict(key=b"z"), dict(leader_epoch=4), dict(headers=[])]
        equal = [k.Message(**base) == k.Message(**dict(base, **v)) for v in variants]
        errors = [outcome(lambda: k.Message(offset="2"))[0], outcome(lambda: k.Message(timestamp=5)),
                  outcome(lambda: k.Message(delivery_count=32768))[0], outcome(lambda: hash(k.Message()))[0],
                  outcome(lambda: k.Message() < k.Message())[0], outcome(lambda: k.Message.topic(None))[0]]
        return equal, errors
    real, sim = both(script)
    assert real == sim


def test_every_error_code_name_and_description_agree():
    real = {n: getattr(confluent_kafka.KafkaError, n) for n in dir(confluent_kafka.KafkaError)
            if not n.startswith("__") and isinstance(getattr(confluent_kafka.KafkaError, n), int)}
    sim = {n: getattr(kafka.KafkaError, n) for n in real if hasattr(kafka.KafkaError, n)}
    assert sim == real
    for code in list(real.values()) + [12345, -100]:
        r, s = confluent_kafka.KafkaError(code), kafka.KafkaError(code)
        assert (s.name(), s.str(), str(s)) == (r.name(), r.str(), str(r))
    r = confluent_kafka.KafkaError(79, "x", fatal=True, retriable=True)
    s = kafka.KafkaError(79, "x", fatal=True, retriable=True)
    assert (str(s), s.fatal(), s.retriable(), s.txn_requires_abort()) == \
        (str(r), r.fatal(), r.retriable(), r.txn_requires_abort())
    assert kafka.KafkaException().args == confluent_kafka.KafkaException().args
    assert str(kafka.KafkaException("x")) == str(confluent_kafka.KafkaException("x"))


def test_client_errors_agree():
    def script(err_mod, k):
        out = []
        for cls in (err_mod.KeySerializationError, err_mod.ValueSerializationError):
            e = cls(ValueError("bad"))
            out.append((e.code, e.name, e.args[0].str()))
        for cls in (err_mod.KeyDeserializationError, err_mod.ValueDeserializationError):
            e = cls(ValueError("bad"), kafka_message="m")
            out.append((e.code, e.name, e.kafka_message))
        e = err_mod.ConsumeError(k.KafkaError(k.KafkaError._PARTITION_EOF))
        out.append((e.code, e.name, e.exception))
        return out
    assert script(confluent_kafka.error, confluent_kafka) == script(sim_error, kafka)


def test_serializers_agree():
    def script(ser):
        ctx = ser.SerializationContext("t", ser.MessageField.VALUE)
        values = [ser.IntegerSerializer()(258, ctx), ser.IntegerDeserializer()(b"\xff\xff\xff\xfe", ctx),
                  ser.DoubleSerializer()(1.5, ctx), ser.StringSerializer()("Jämtland", ctx),
                  ser.StringDeserializer("latin_1")(b"\xe9", ctx), str(ser.MessageField.KEY)]
        failures = [outcome(lambda: ser.IntegerSerializer()(2 ** 40, ctx))[0],
                    outcome(lambda: ser.StringDeserializer()(b"\xff", ctx))[0]]
        return values, failures
    assert script(real_serialization) == script(sim_serialization)


def test_module_functions_agree():
    keys = [bytes([i]) for i in range(20)] + [b"", b"user_12345"]
    for name in ("murmur2", "consistent", "fnv1a"):
        real_fn, sim_fn = getattr(confluent_kafka, name), getattr(kafka, name)
        assert [sim_fn(key, 7) for key in keys] == [real_fn(key, 7) for key in keys]
        for bad in ((b"k", 0), ("k", 3), (b"k", "3")):
            assert outcome(lambda: sim_fn(*bad)) == outcome(lambda: real_fn(*bad))
    assert kafka.version() == confluent_kafka.version()
    assert kafka.libversion() == confluent_kafka.libversion()


@pytest.mark.parametrize("k", SIDES)
def test_lifecycle_errors(k):
    """Both sides give these exact outcomes (each side checked on its own)."""
    assert outcome(lambda: k.Producer())[0] == "TypeError"
    assert outcome(lambda: k.Consumer())[0] == "TypeError"
    assert outcome(lambda: k.Consumer({}))[0] == "ValueError"
    p = k.Producer({"bootstrap.servers": None})
    assert bool(p) and len(p) == 0
    assert p.close() is True
    assert outcome(lambda: p.produce("t", b"v")) == ("RuntimeError", "Producer has been closed")
    assert outcome(lambda: p.list_topics()) == ("RuntimeError", "Handle has been closed")
    assert len(p) == 0 and p.__exit__(None, None, None) is None
    c = k.Consumer({"group.id": "g"})
    with c:
        pass
    assert outcome(lambda: c.poll(0)) == ("RuntimeError", "Consumer closed")


def limits(k):
    p = k.Producer({"message.max.bytes": 1000, "queue.buffering.max.messages": 3,
                    "queue.buffering.max.kbytes": 2})
    return [outcome(lambda: p.produce("t", b"x" * 964)), outcome(lambda: p.produce("t", b"x" * 965)),
            outcome(lambda: p.produce("t", b"x" * 900, b"k" * 64)), outcome(lambda: p.produce("t", b"x" * 951,
                                                                                    headers=[("h", b"y" * 10)])),
            outcome(lambda: p.produce("t", b"x" * 952, headers=[("h", b"y" * 10)])),
            outcome(lambda: p.produce("t", b"x" * 200)), outcome(lambda: p.produce("t", b"x")), len(p),
            outcome(lambda: p.purge())]


def test_client_side_limits_agree():
    real, sim = both(limits)
    assert real == sim


def no_brokers(k):
    reports = []
    p = k.Producer({"message.timeout.ms": 10, "socket.timeout.ms": 10})
    p.produce("t", b"v", b"k", partition=9, on_delivery=lambda err, msg: reports.append(
        (err.code(), err.str(), msg.topic(), msg.partition(), msg.key(), msg.value(), msg.offset())))
    left = p.flush(5.0)
    listed = outcome(lambda: p.list_topics(timeout=0.2))[:2]
    t = k.Producer({"transactional.id": "tx"})
    txn = [outcome(lambda: t.init_transactions(0.5))[:2], outcome(t.begin_transaction)[:2]]
    c = k.Consumer({"group.id": "g"})
    c.subscribe(["t"])
    polled = c.poll(0.1)
    tp = k.TopicPartition("t", 0)
    requests = [outcome(lambda: c.committed([tp], timeout=0.1))[:2],
                outcome(lambda: c.list_topics(timeout=0.1))[:2],
                outcome(lambda: c.commit(asynchronous=False))[:2],
                outcome(lambda: c.get_watermark_offsets(tp, timeout=0.2))[:2],
                outcome(lambda: c.cluster_id(0.1))]
    c.close()
    requests.append(outcome(lambda: c.cluster_id(0.1)))
    return left, reports, listed, txn, polled, requests


def test_a_forgotten_bootstrap_servers_fails_alike():
    real, sim = both(no_brokers)
    assert real == sim
