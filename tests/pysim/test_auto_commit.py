"""Auto commit follows librdkafka: it commits, every auto.commit.interval.ms of virtual
time, the positions that messages returned by earlier polls reached; close() commits the
final positions. It never commits a message the application has not yet been handed."""

from pysim import kafka


def _setup(n=5):
    kafka.reset_all(seed=0)
    c = kafka.cluster("localhost:9092")
    c.create_topic("orders", num_partitions=1)
    p = kafka.Producer({"bootstrap.servers": "localhost:9092"})
    for i in range(n):
        p.produce("orders", key=b"k", value=str(i))
    p.flush()
    return c


def _consumer(**extra):
    conf = {"bootstrap.servers": "localhost:9092", "group.id": "g", "auto.offset.reset": "earliest"}
    conf.update(extra)
    consumer = kafka.Consumer(conf)
    consumer.subscribe(["orders"])
    return consumer


def test_nothing_is_committed_before_the_interval_elapses():
    c = _setup()
    consumer = _consumer()
    assert consumer.poll(0).offset() == 0
    assert consumer.poll(0).offset() == 1
    assert c.committed("g", "orders", 0) is None


def test_the_interval_commits_what_earlier_polls_returned():
    c = _setup()
    consumer = _consumer(**{"auto.commit.interval.ms": 1000})
    consumer.poll(0)
    consumer.poll(0)  # offsets 0 and 1 handed to the application
    c.advance(1000)
    third = consumer.poll(0)  # commits position 2 first, then hands out offset 2
    assert third.offset() == 2
    assert c.committed("g", "orders", 0) == 2


def test_close_commits_final_positions_and_a_new_consumer_resumes_there():
    c = _setup()
    consumer = _consumer()
    for _ in range(3):
        consumer.poll(0)
    consumer.close()
    assert c.committed("g", "orders", 0) == 3
    assert _consumer().poll(0).offset() == 3


def test_disabled_auto_commit_commits_nothing_even_on_close():
    c = _setup()
    consumer = _consumer(**{"enable.auto.commit": False})
    consumer.poll(0)
    c.advance(10_000)
    consumer.poll(0)
    consumer.close()
    assert c.committed("g", "orders", 0) is None


def test_a_commit_at_offset_zero_is_reported_as_zero_not_invalid():
    c = _setup()
    consumer = _consumer(**{"enable.auto.commit": False})
    tp = kafka.TopicPartition("orders", 0, 0)
    consumer.commit(offsets=[tp], asynchronous=False)
    assert c.committed("g", "orders", 0) == 0
    assert consumer.committed([kafka.TopicPartition("orders", 0)])[0].offset == 0
    other = kafka.Consumer({"bootstrap.servers": "localhost:9092", "group.id": "never"})
    assert other.committed([kafka.TopicPartition("orders", 0)])[0].offset == kafka.OFFSET_INVALID
