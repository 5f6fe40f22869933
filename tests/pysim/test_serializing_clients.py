"""confluent_kafka.serialization and the serializing clients most tutorials use, plus the
module functions (version, libversion, murmur2 / consistent / fnv1a) and the avro names
that explain what pysim does not simulate."""

import struct

import pytest

from pysim import kafka
from pysim.kafka import DeserializingConsumer, KafkaError, SerializingProducer, TopicPartition
from pysim.kafka.error import (ConsumeError, KeyDeserializationError, KeySerializationError,
                               ValueDeserializationError, ValueSerializationError)
from pysim.kafka.serialization import (DoubleDeserializer, DoubleSerializer, IntegerDeserializer, IntegerSerializer,
                                       MessageField, SerializationContext, SerializationError, StringDeserializer,
                                       StringSerializer)

SERVERS = "serde:9092"


@pytest.fixture(autouse=True)
def fresh():
    kafka.reset_all(seed=7)
    kafka.cluster(SERVERS).create_topic("t", num_partitions=1)


def test_builtin_formats_are_kafkas_big_endian_ones_and_none_is_null():
    ctx = SerializationContext("t", MessageField.VALUE)
    assert IntegerSerializer()(258, ctx) == b"\x00\x00\x01\x02" == struct.pack(">i", 258)
    assert IntegerDeserializer()(b"\xff\xff\xff\xfe", ctx) == -2
    assert DoubleDeserializer()(DoubleSerializer()(1.5, ctx), ctx) == 1.5
    assert StringSerializer("utf_8")("Jämtland", ctx) == "Jämtland".encode()
    assert StringDeserializer()("Småland".encode(), ctx) == "Småland"
    for serde in (IntegerSerializer(), IntegerDeserializer(), DoubleSerializer(), DoubleDeserializer(),
                  StringSerializer(), StringDeserializer()):
        assert serde(None, ctx) is None
    assert str(MessageField.KEY) == "key" and MessageField.VALUE == "value"


def test_bad_data_raises_serialization_error():
    for serde, data in [(IntegerSerializer(), 2 ** 40), (IntegerDeserializer(), b"\x00"),
                        (StringSerializer("ascii"), "é"), (StringDeserializer(), b"\xff")]:
        with pytest.raises(SerializationError):
            serde(data, None)


def test_serializing_producer_and_deserializing_consumer_round_trip():
    seen_ctx = []

    def key_serializer(obj, ctx):
        seen_ctx.append((ctx.topic, ctx.field, ctx.headers))
        return IntegerSerializer()(obj, ctx)

    producer = SerializingProducer({"bootstrap.servers": SERVERS, "key.serializer": key_serializer,
                                    "value.serializer": StringSerializer()})
    reports = []
    producer.produce("t", key=7, value="sieben", headers=[("h", b"1")],
                     on_delivery=lambda err, msg: reports.append((err, msg.key(), msg.value())))
    producer.flush()
    assert reports == [(None, b"\x00\x00\x00\x07", b"sieben")]
    assert seen_ctx == [("t", MessageField.KEY, [("h", b"1")])]

    consumer = DeserializingConsumer({"bootstrap.servers": SERVERS, "group.id": "g",
                                      "key.deserializer": IntegerDeserializer(),
                                      "value.deserializer": StringDeserializer()})
    consumer.assign([TopicPartition("t", 0, 0)])
    msg = consumer.poll(1.0)
    assert (msg.key(), msg.value()) == (7, "sieben")
    assert (msg.deserialized_key(), msg.deserialized_value()) == (7, "sieben")
    with pytest.raises(NotImplementedError):
        consumer.consume()
    consumer.close()


def test_serializer_failures_are_wrapped_and_nothing_is_produced():
    def broken(obj, ctx):
        raise ValueError("no")

    producer = SerializingProducer({"bootstrap.servers": SERVERS, "key.serializer": broken})
    with pytest.raises(KeySerializationError) as e:
        producer.produce("t", key="k", value=b"v")
    assert e.value.code == KafkaError._KEY_SERIALIZATION and isinstance(e.value.exception, ValueError)
    producer = SerializingProducer({"bootstrap.servers": SERVERS, "value.serializer": broken})
    with pytest.raises(ValueSerializationError):
        producer.produce("t", value="v")
    with pytest.raises(TypeError):
        producer.produce(None, value="v")
    producer.flush()
    assert kafka.cluster(SERVERS).watermarks("t", 0) == (0, 0)
    with SerializingProducer({"bootstrap.servers": SERVERS}) as closing:
        pass
    with pytest.raises(RuntimeError, match="Producer has been closed"):
        closing.produce("t", value=b"v")


def test_deserializer_failures_and_error_events_raise_with_the_message():
    kafka.Producer({"bootstrap.servers": SERVERS}).produce("t", b"\x01", b"\x02")
    consumer = DeserializingConsumer({"bootstrap.servers": SERVERS, "group.id": "g",
                                      "key.deserializer": IntegerDeserializer(),
                                      "value.deserializer": IntegerDeserializer(),
                                      "enable.partition.eof": True})
    consumer.assign([TopicPartition("t", 0, 0)])
    with pytest.raises(KeyDeserializationError) as e:
        consumer.poll(1.0)
    assert e.value.kafka_message.key() == b"\x02" and e.value.code == KafkaError._KEY_DESERIALIZATION
    with pytest.raises(ConsumeError) as e:
        consumer.poll(1.0)
    assert e.value.code == KafkaError._PARTITION_EOF
    consumer.close()
    plain = DeserializingConsumer({"bootstrap.servers": SERVERS, "group.id": "h",
                                   "value.deserializer": IntegerDeserializer()})
    plain.assign([TopicPartition("t", 0, 0)])
    with pytest.raises(ValueDeserializationError):
        plain.poll(1.0)
    plain.close()


def test_module_functions_and_the_partitioners():
    assert kafka.version() == "2.16.1" and kafka.libversion()[0] == "2.16.0"
    keys = [bytes([i]) for i in range(5)]
    assert [kafka.murmur2(k, 7) for k in keys] == [0, 1, 5, 5, 4]       # as confluent-kafka 2.16.1
    assert [kafka.consistent(k, 7) for k in keys] == [2, 2, 1, 2, 6]
    assert [kafka.fnv1a(k, 7) for k in keys] == [5, 0, 1, 3, 6]
    with pytest.raises(ValueError, match="partition_count must be > 0"):
        kafka.murmur2(b"key", 0)
    with pytest.raises(TypeError):
        kafka.murmur2("key", 10)
    with pytest.raises(TypeError):
        kafka.fnv1a(b"key", "10")


def test_avro_clients_say_that_a_schema_registry_is_not_simulated():
    from pysim.kafka.avro import AvroProducer
    from pysim.kafka.avro.serializer import SerializerError
    with pytest.raises(NotImplementedError, match="Schema Registry"):
        AvroProducer({"schema.registry.url": "http://registry"})
    assert SerializerError("message").message == "message"
