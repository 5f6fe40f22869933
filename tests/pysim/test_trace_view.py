"""pysim.course.trace_view: the compact trace the page's player draws."""

import json

import pytest

from pysim import kafka
from pysim.course.trace_view import compact, harness_view


def _run(seed=0, n=30):
    from pysim import amqp
    kafka.reset_all(seed=seed)
    amqp.reset_all(seed=seed)         # brokers other tests left would join harness_view()
    cluster = kafka.cluster("view:9092")
    cluster.create_topic("orders", num_partitions=3)
    producer = kafka.Producer({"bootstrap.servers": "view:9092"})
    for i in range(n):
        producer.produce("orders", key=None if i % 5 == 0 else f"k{i % 4}", value=b"\xff" if i == 7 else f"order-{i}" * (1 + 20 * (i == 3)))
    producer.flush()
    consumer = kafka.Consumer({"bootstrap.servers": "view:9092", "group.id": "g", "auto.offset.reset": "earliest"})
    consumer.subscribe(["orders"])
    for _ in range(40):
        consumer.poll(0.1)
    consumer.close()
    return cluster


def test_produce_events_carry_key_value_and_partition_from_the_log():
    cluster = _run()
    view = compact(cluster.trace, clusters=[cluster])
    json.dumps(view)                                        # JSON-able as it stands
    produced = [e for e in view["events"] if e["k"] == "produce"]
    assert len(produced) == 30
    for e in produced:
        record = next(r for r in cluster.records("orders", e["p"]) if r.offset == e["o"])
        assert e["key"] == (None if record.key is None else record.key.decode())
    assert any(e["v"] == "0xff" for e in produced)           # not text: hex
    assert max(len(e["v"]) for e in produced) <= 80 and any(e["v"].endswith("…") for e in produced)
    assert view["topics"] == {"orders": 3} and view["groups"] == ["g"]
    assert [e["s"] for e in view["events"]] == list(range(len(cluster.trace)))


def test_limit_keeps_the_last_events_and_says_how_many_were_dropped():
    cluster = _run()
    view = compact(cluster.trace, clusters=[cluster], limit=10)
    assert len(view["events"]) == 10 and view["dropped"] == len(cluster.trace) - 10
    assert view["events"][-1]["s"] == len(cluster.trace) - 1
    assert view["topics"] == {"orders": 3}                  # lanes even though topic.create was dropped
    with pytest.raises(ValueError, match="positive int"):
        compact(cluster.trace, limit=0)


def test_same_seed_same_view_and_the_harness_view_is_the_cluster_trace():
    first = json.dumps(compact(_run().trace, clusters=[kafka.cluster("view:9092")]))
    assert harness_view() is not None and json.dumps(harness_view()) == first
    assert json.dumps(compact(_run().trace, clusters=[kafka.cluster("view:9092")])) == first
    kafka.reset_all()
    from pysim import amqp
    amqp.reset_all()
    assert harness_view() is None


def test_two_clusters_are_merged_in_time_order_and_a_shared_kernel_counted_once():
    from pysim import amqp
    kafka.reset_all()
    amqp.reset_all()
    first, second = kafka.cluster("a:9092"), kafka.cluster("b:9092")
    first.create_topic("t", num_partitions=1)
    second.advance(10)
    second.create_topic("u", num_partitions=2)
    first.advance(20)
    first.create_topic("v", num_partitions=1)
    view = harness_view()
    assert [(e["k"], e["topic"], e["t"]) for e in view["events"]] == [
        ("topic.create", "t", 0), ("topic.create", "u", 10), ("topic.create", "v", 20)]
    assert [e["s"] for e in view["events"]] == [0, 1, 2]
    assert view["topics"] == {"t": 1, "u": 2, "v": 1}
    amqp.broker("rabbit:5672", sim=first.sim)              # same kernel as cluster a: one trace
    channel = amqp.BlockingConnection(amqp.ConnectionParameters("rabbit")).channel()
    channel.queue_declare("jobs")
    view = harness_view()
    assert "jobs" in view["queues"]
    assert sum(e["k"] == "topic.create" for e in view["events"]) == 3


def test_rabbitmq_exchanges_queue_shape_purge_and_channel_close_are_in_the_view():
    from pysim import amqp
    from pysim.amqp.history import queue_history
    kafka.reset_all()
    amqp.reset_all()
    connection = amqp.BlockingConnection(amqp.ConnectionParameters("localhost"))
    channel = connection.channel()
    channel.exchange_declare("events", "topic")
    channel.exchange_declare("unused", "fanout")
    channel.queue_declare("dead")
    channel.queue_declare("work", arguments={"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "dead",
                                             "x-message-ttl": 1000, "x-max-length": 5})
    channel.queue_bind("work", "events", "a.#")
    for n in range(3):
        channel.basic_publish("events", "a.b", f"m{n}".encode())
    view = harness_view()
    assert view["exchanges"] == {"events": "topic", "unused": "fanout"}      # the default one is unused yet
    channel.basic_publish("", "dead", b"direct")
    assert channel.queue_purge("work").method.message_count == 3
    channel.close()
    view = harness_view()
    json.dumps(view)
    # every exchange the run declared or used, with its type ("" and amq.* only when used)
    assert view["exchanges"] == {"": "direct", "events": "topic", "unused": "fanout"}
    declares = {e["a"]: e for e in view["events"] if e["k"] == "amqp.queue.declare"}
    assert (declares["work"]["dlx"], declares["work"]["dlrk"], declares["work"]["ttl"], declares["work"]["max_length"]) == ("", "dead", 1000, 5)
    assert "dlx" not in declares["dead"] and "ttl" not in declares["dead"]
    purge = [e for e in view["events"] if e["k"] == "amqp.purge"]
    assert [(e["a"], e["messages"]) for e in purge] == [("work", 3)]
    assert [e["k"] for e in view["events"]][-1] == "amqp.channel.close"
    assert [p.fate for p in queue_history(amqp.broker("localhost:5672"), "work")] == ["purged"] * 3
