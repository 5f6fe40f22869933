"""Auto commit follows librdkafka: it commits, every auto.commit.interval.ms of virtual
time, the positions that messages returned by earlier polls reached; close() commits the
final positions. It never commits a message the application has not yet been handed."""

from pysim import kafka


def _setup(n=5):
    kafka.reset_all(seed=0)
    c = kafka.cluster("localhost:9092", group_initial_rebalance_delay_ms=0)   # (a dev broker: no initial delay)
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


def test_the_background_timer_commits_a_stored_offset_while_the_application_is_busy():
    """librdkafka's auto commit runs on its own thread: the offset poll() stored when it
    handed out offset 0 is committed once the interval passes, with no further poll (the
    mock cluster shows the same: tests/parity/test_consumer_parity.py)."""
    c = _setup()
    consumer = _consumer()
    assert consumer.poll(0).offset() == 0
    c.advance(6000)                         # "processing": no poll
    assert c.committed("g", "orders", 0) == 1
    assert [e.time_ms for e in c.trace if e.kind == "commit"] == [5000]


def test_time_moved_by_another_client_commits_too():
    c = _setup()
    consumer = _consumer()
    consumer.poll(0)
    other = kafka.Consumer({"bootstrap.servers": "localhost:9092", "group.id": "other"})
    other.subscribe(["orders"])
    other.poll(6.0)                         # the other client's poll moves the shared clock
    assert c.committed("g", "orders", 0) == 1


def test_manual_offset_store_commits_only_what_was_processed():
    """The at-least-once recipe: enable.auto.offset.store=false, store_offsets(msg) after
    processing. A message handed out but not processed is not committed."""
    c = _setup()
    consumer = _consumer(**{"enable.auto.offset.store": False})
    first = consumer.poll(0)
    consumer.store_offsets(message=first)   # offset 0 processed
    consumer.poll(0)                        # offset 1 handed out, still being processed
    c.advance(6000)
    assert c.committed("g", "orders", 0) == 1


def test_a_closed_consumer_commits_no_more():
    c = _setup()
    consumer = _consumer(**{"auto.commit.interval.ms": 1000})
    consumer.poll(0)
    consumer.close()
    commits = len(c.trace.events("commit"))
    c.advance(10_000)
    assert len(c.trace.events("commit")) == commits
