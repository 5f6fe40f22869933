"""Message as confluent_kafka has it since 2.x: a public constructor for tests and mocks,
set_*() methods, equality, pickling and delivery_count, with the binding's stored values
(-1 / OFFSET_INVALID / -1.0 mean "none") and its TypeErrors."""

import pickle

import pytest

from pysim import kafka
from pysim.kafka import KafkaError, Message, TopicPartition


def test_an_empty_message_has_no_fields_and_pickles_with_the_bindings_none_values():
    msg = Message()
    assert (msg.topic(), msg.partition(), msg.offset(), msg.key(), msg.value()) == (None,) * 5
    assert (msg.headers(), msg.error(), msg.latency(), msg.leader_epoch(), msg.delivery_count()) == (None,) * 5
    assert msg.timestamp() == (0, 0) and len(msg) == 0
    assert msg.__reduce__() == (Message, (None, -1, -1001, None, None, None, None, (0, 0), -1.0, -1, -1))


def test_negative_numbers_mean_none_and_are_normalised():
    msg = Message(None, -2, -2, None, None, None, None, None, -2.0, -2)     # timestamp None: (0, 0)
    assert (msg.partition(), msg.offset(), msg.latency(), msg.leader_epoch()) == (None, None, None, None)
    assert msg.timestamp() == (0, 0)
    assert msg.__reduce__()[1][1:3] == (-1, -1001) and msg.__reduce__()[1][8:10] == (-1.0, -1)
    kept = Message("t", 0, 0, latency=0.0, leader_epoch=0)
    assert (kept.partition(), kept.offset(), kept.latency(), kept.leader_epoch()) == (0, 0, 0.0, 0)


def test_positional_and_keyword_construction_agree():
    headers, error = [("h", b"1")], KafkaError(KafkaError._PARTITION_EOF)
    by_position = Message("t", 1, 2, b"k", b"value", headers, error, (1, 4), 5.5, 3, 2)
    by_name = Message(topic="t", partition=1, offset=2, key=b"k", value=b"value", headers=headers, error=error,
                      timestamp=(1, 4), latency=5.5, leader_epoch=3, delivery_count=2)
    for msg in (by_position, by_name):
        assert (msg.topic(), msg.partition(), msg.offset(), msg.key(), msg.value()) == ("t", 1, 2, b"k", b"value")
        assert msg.headers() is headers and msg.error() is error
        assert (msg.timestamp(), msg.latency(), msg.leader_epoch(), msg.delivery_count()) == ((1, 4), 5.5, 3, 2)
        assert len(msg) == 5
    assert by_position == by_name


def test_setters_replace_fields():
    msg = Message()
    msg.set_topic("t")
    msg.set_key(b"k")
    msg.set_value(b"abc")
    msg.set_headers([("a", None)])
    err = KafkaError(KafkaError._MSG_TIMED_OUT)
    msg.set_error(err)
    assert (msg.topic(), msg.key(), msg.value(), msg.headers(), msg.error()) == ("t", b"k", b"abc", [("a", None)], err)
    assert len(msg) == 3


def test_bad_arguments_raise_type_or_overflow_errors():
    with pytest.raises(TypeError):
        Message(offset="2")
    with pytest.raises(TypeError, match="timestamp must be a tuple"):
        Message(timestamp=5)
    with pytest.raises(TypeError):
        Message("t", 0, 0, None, None, None, None, (0, 0), -1.0, -1, 1, "one too many")
    with pytest.raises(TypeError):
        Message(colour="red")
    for count in (32768, -32769):
        with pytest.raises(OverflowError):
            Message(delivery_count=count)
    with pytest.raises(TypeError):
        len(Message(value=7))


@pytest.mark.parametrize("not_a_message", [None, object(), "text"])
def test_unbound_methods_refuse_other_objects_with_type_error(not_a_message):
    for accessor in (Message.topic, Message.partition, Message.offset, Message.key, Message.value,
                     Message.headers, Message.error, Message.timestamp, Message.latency, Message.leader_epoch,
                     Message.delivery_count):
        with pytest.raises(TypeError):
            accessor(not_a_message)
    for setter in (Message.set_topic, Message.set_key, Message.set_value, Message.set_headers, Message.set_error):
        with pytest.raises(TypeError):
            setter(not_a_message, "x")
    with pytest.raises(TypeError):
        Message.__init__(not_a_message)
    with pytest.raises(TypeError):
        Message.__new__(not_a_message)


def test_new_without_init_leaves_zeroes_and_subclasses_pickle_as_message():
    bare = Message.__new__(Message)
    assert (bare.partition(), bare.offset(), bare.leader_epoch(), bare.latency()) == (0, 0, 0, 0.0)
    assert bare.delivery_count() is None

    class Tagged(Message):
        def __init__(self, *args):
            super().__init__(*args)
            self.tag = "mine"

    tagged = Tagged("t", 0, 7, b"k", b"v")
    assert tagged.tag == "mine"
    restored = pickle.loads(pickle.dumps(tagged))
    assert type(restored) is Message and restored == tagged


@pytest.mark.parametrize("given,returned", [(1, 1), (7, 7), (32767, 32767), (0, None), (-1, None), (-50, None)])
def test_delivery_count_survives_pickling(given, returned):
    msg = Message("t", 0, 0, None, None, None, None, (0, 0), -1.0, -1, given)
    assert msg.delivery_count() == returned
    assert pickle.loads(pickle.dumps(msg)).delivery_count() == returned


def test_equality_ignores_latency_delivery_count_and_timestamp_type_and_order_is_refused():
    base = dict(topic="t", partition=1, offset=2, key=b"k", value=b"v", timestamp=(1, 4), leader_epoch=3)
    assert Message(**base) == Message(**dict(base, latency=9.0, delivery_count=4, timestamp=(2, 4)))
    for field, other in [("key", b"z"), ("offset", 3), ("timestamp", (1, 5)), ("leader_epoch", 4), ("topic", "u")]:
        assert Message(**base) != Message(**dict(base, **{field: other}))
    msg = Message(**base)
    assert msg != 1 and msg is not None and msg != object()
    with pytest.raises(TypeError):
        msg < msg  # noqa: B015
    with pytest.raises(TypeError):
        hash(msg)


def test_consumed_records_and_delivery_reports_are_plain_messages():
    kafka.reset_all(seed=3)
    kafka.cluster("msg:9092").create_topic("t", num_partitions=1)
    reports = []
    producer = kafka.Producer({"bootstrap.servers": "msg:9092"})
    producer.produce("t", b"v", b"k", headers=[("h", b"1")], on_delivery=lambda err, m: reports.append(m))
    producer.flush()
    assert type(reports[0]) is Message and reports[0].headers() is None and reports[0].offset() == 0
    consumer = kafka.Consumer({"bootstrap.servers": "msg:9092", "group.id": "g"})
    consumer.assign([TopicPartition("t", 0, 0)])
    got = consumer.poll(1.0)
    assert type(got) is Message and (got.key(), got.value(), got.headers()) == (b"k", b"v", [("h", b"1")])
    again = pickle.loads(pickle.dumps(got))
    assert again == got and again.timestamp() == got.timestamp()
    consumer.close()


def test_topic_partition_has_every_rich_comparison():
    assert TopicPartition("aa", 19002) > TopicPartition("aa", 0)
    assert TopicPartition("aa", 13) >= TopicPartition("aa", 12) and TopicPartition("aa", 12) >= TopicPartition("aa", 12)
    assert TopicPartition("ulv", 2) < TopicPartition("xy", 0)
    assert TopicPartition("ulv", 2) <= TopicPartition("ulv", 3)
    assert TopicPartition("BaB", 9) != TopicPartition("Card", 9)
    assert sorted([TopicPartition("b", 1), TopicPartition("a", 5), TopicPartition("a", 2)]) == \
        [TopicPartition("a", 2), TopicPartition("a", 5), TopicPartition("b", 1)]
    with pytest.raises(TypeError):
        TopicPartition("a", 1) < 3  # noqa: B015
