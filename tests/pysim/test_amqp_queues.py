"""pysim.amqp queue behaviour: acks, requeue position, prefetch, TTL at the head,
max-length, dead-lettering with x-death, quorum delivery limits, streams, virtual time,
errors and determinism."""

import datetime

import pytest

from pysim import Simulation, amqp, kafka

E = amqp.exceptions


@pytest.fixture
def conn():
    amqp.reset_all(0)
    return amqp.BlockingConnection(amqp.ConnectionParameters("localhost"))


@pytest.fixture
def ch(conn):
    return conn.channel()


def drain(ch, queue):
    out = []
    while True:
        method, props, body = ch.basic_get(queue, auto_ack=True)
        if method is None:
            return out
        out.append((body.decode(), props.headers))


def bodies(ch, queue):
    return [b for b, _ in drain(ch, queue)]


def test_ack_deletes_and_requeue_goes_back_to_its_position(ch):
    ch.queue_declare("q")
    for x in "abcd":
        ch.basic_publish("", "q", x.encode())
    a, b, c = (ch.basic_get("q") for _ in range(3))
    ch.basic_ack(a[0].delivery_tag)
    ch.basic_nack(c[0].delivery_tag, requeue=True)
    ch.basic_reject(b[0].delivery_tag, requeue=True)
    got = [ch.basic_get("q", auto_ack=True) for _ in range(3)]
    assert [(g[2], g[0].redelivered) for g in got] == [(b"b", True), (b"c", True), (b"d", False)]
    assert ch.basic_get("q") == (None, None, None)


def test_closing_a_channel_requeues_its_unacked(conn, ch):
    ch.queue_declare("q")
    ch.basic_publish("", "q", b"m")
    other = conn.channel()
    assert other.basic_get("q")[2] == b"m"
    other.close()
    method, _, body = ch.basic_get("q")
    assert body == b"m" and method.redelivered


def test_prefetch_limits_unacked_per_consumer_and_round_robins(conn, ch):
    ch.queue_declare("q")
    ch.basic_qos(prefetch_count=2)
    got = {"c1": [], "c2": []}
    for tag in got:
        ch.basic_consume("q", lambda c, m, p, b, tag=tag: got[tag].append(m.delivery_tag), consumer_tag=tag)
    for i in range(7):
        ch.basic_publish("", "q", str(i).encode())
    conn.process_data_events()
    assert [len(got["c1"]), len(got["c2"])] == [2, 2]
    assert ch.queue_declare("q", passive=True).method.message_count == 3
    ch.basic_ack(got["c1"][0])
    conn.process_data_events()
    assert [len(got["c1"]), len(got["c2"])] == [3, 2]


def test_start_consuming_returns_when_nothing_more_can_arrive(conn, ch):
    ch.queue_declare("q")
    for i in range(3):
        ch.basic_publish("", "q", str(i).encode())
    seen = []
    ch.basic_consume("q", lambda c, m, p, b: (seen.append(b), c.basic_ack(m.delivery_tag)))
    ch.start_consuming()
    assert seen == [b"0", b"1", b"2"]


def test_consume_generator_with_inactivity_timeout(conn, ch):
    ch.queue_declare("q")
    ch.basic_publish("", "q", b"one")
    out = []
    for method, props, body in ch.consume("q", inactivity_timeout=1.0):
        if method is None:
            out.append(("idle", conn.broker.now_ms))
            break
        out.append(body)
        ch.basic_ack(method.delivery_tag)
    ch.cancel()
    assert out == [b"one", ("idle", 1000)]


def test_ttl_expires_at_the_head_and_dead_letters(conn, ch):
    ch.exchange_declare("dlx", "fanout")
    ch.queue_declare("dead")
    ch.queue_bind("dead", "dlx")
    ch.queue_declare("q", arguments={"x-message-ttl": 1000, "x-dead-letter-exchange": "dlx"})
    ch.basic_publish("", "q", b"a", amqp.BasicProperties(expiration="300"))
    ch.basic_publish("", "q", b"b")
    conn.sleep(0.5)
    assert ch.queue_declare("q", passive=True).method.message_count == 1
    conn.sleep(0.5)
    dead = drain(ch, "dead")
    assert [b for b, _ in dead] == ["a", "b"]
    first = dead[0][1]["x-death"][0]
    assert {k: first[k] for k in ("count", "reason", "queue", "exchange", "routing-keys",
                                  "original-expiration")} == {
        "count": 1, "reason": "expired", "queue": "q", "exchange": "", "routing-keys": ["q"],
        "original-expiration": "300"}
    assert first["time"] == datetime.datetime(1970, 1, 1, 0, 0, 0, tzinfo=datetime.timezone.utc)


def test_an_expired_message_behind_a_live_head_waits(conn, ch):
    ch.queue_declare("q")
    ch.basic_publish("", "q", b"slow", amqp.BasicProperties(expiration="5000"))
    ch.basic_publish("", "q", b"fast", amqp.BasicProperties(expiration="100"))
    conn.sleep(1)
    assert ch.queue_declare("q", passive=True).method.message_count == 2
    assert bodies(ch, "q") == ["slow"]           # fast expired: never delivered


def test_x_death_counts_per_queue_and_reason_newest_first(conn, ch):
    ch.queue_declare("a", arguments={"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "b"})
    ch.queue_declare("b", arguments={"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "a"})
    ch.basic_publish("", "a", b"m")
    for q in ("a", "b", "a"):
        ch.basic_reject(ch.basic_get(q)[0].delivery_tag, requeue=False)
    (body, headers), = drain(ch, "b")
    assert [(d["queue"], d["reason"], d["count"]) for d in headers["x-death"]] == [
        ("a", "rejected", 2), ("b", "rejected", 1)]
    assert headers["x-first-death-queue"] == "a"


def test_max_length_drop_head_and_reject_publish(conn, ch):
    ch.queue_declare("dead")
    ch.queue_declare("q", arguments={"x-max-length": 2, "x-dead-letter-exchange": "",
                                     "x-dead-letter-routing-key": "dead"})
    for x in "abc":
        ch.basic_publish("", "q", x.encode())
    assert bodies(ch, "q") == ["b", "c"]
    assert [(b, h["x-death"][0]["reason"]) for b, h in drain(ch, "dead")] == [("a", "maxlen")]
    ch.confirm_delivery()
    ch.queue_declare("full", arguments={"x-max-length": 1, "x-overflow": "reject-publish"})
    ch.basic_publish("", "full", b"fits")
    with pytest.raises(E.NackError):
        ch.basic_publish("", "full", b"refused")
    assert bodies(ch, "full") == ["fits"]


@pytest.mark.parametrize("version,deliveries", [("3.10", 30), ("4.0", 21)])
def test_quorum_default_delivery_limit(version, deliveries):
    amqp.reset_all(0)
    amqp.broker("localhost:5672", version=version)
    ch = amqp.BlockingConnection(amqp.ConnectionParameters()).channel()
    ch.queue_declare("qq", durable=True, arguments={"x-queue-type": "quorum"})
    ch.basic_publish("", "qq", b"poison")
    count = 0
    for _ in range(30):
        method, props, _ = ch.basic_get("qq")
        if method is None:
            break
        assert props.headers["x-delivery-count"] == count
        count += 1
        ch.basic_nack(method.delivery_tag, requeue=True)
    assert count == deliveries


def test_stream_reads_do_not_remove(conn, ch):
    ch.queue_declare("s", durable=True, arguments={"x-queue-type": "stream"})
    for i in range(4):
        ch.basic_publish("", "s", f"e{i}".encode())
        conn.sleep(1)
    ch.basic_qos(prefetch_count=10)

    def read(offset):
        got = []
        tag = ch.basic_consume("s", lambda c, m, p, b: (got.append((b.decode(), p.headers["x-stream-offset"])),
                                                         c.basic_ack(m.delivery_tag)),
                               arguments={"x-stream-offset": offset})
        conn.process_data_events()
        ch.basic_cancel(tag)
        return got
    assert read("first") == [("e0", 0), ("e1", 1), ("e2", 2), ("e3", 3)]
    assert read(2) == [("e2", 2), ("e3", 3)]
    assert read("last") == [("e3", 3)]
    assert read("next") == []
    assert read(datetime.datetime(1970, 1, 1, 0, 0, 2, tzinfo=datetime.timezone.utc)) == [("e2", 2), ("e3", 3)]
    assert read("first")[0] == ("e0", 0)


def test_stream_refuses_basic_get_with_a_connection_error(conn, ch):
    ch.queue_declare("s", durable=True, arguments={"x-queue-type": "stream"})
    with pytest.raises(E.ConnectionClosedByBroker) as info:
        ch.basic_get("s")
    assert info.value.args == (540, "NOT_IMPLEMENTED - basic.get not supported by stream queues "
                                     "queue 's' in vhost '/'")
    assert conn.is_closed and ch.is_closed


def test_precondition_failed_closes_the_channel_and_a_closed_channel_refuses(ch):
    ch.queue_declare("q", arguments={"x-message-ttl": 1000})
    with pytest.raises(E.ChannelClosedByBroker) as info:
        ch.queue_declare("q", arguments={"x-message-ttl": 2000})
    assert info.value.args == (406, "PRECONDITION_FAILED - inequivalent arg 'x-message-ttl' for queue "
                                     "'q' in vhost '/': received '2000' but current is '1000'")
    assert ch.is_closed
    with pytest.raises(E.ChannelWrongStateError, match="Channel is closed."):
        ch.basic_publish("", "q", b"x")


def test_async_errors_surface_at_the_next_call(conn):
    ch = conn.channel()
    ch.basic_publish("nope", "k", b"x")            # no reply: the broker closes the channel
    with pytest.raises(E.ChannelClosedByBroker) as info:
        ch.queue_declare("q")
    assert info.value.args == (404, "NOT_FOUND - no exchange 'nope' in vhost '/'")
    ch = conn.channel()
    ch.basic_ack(42)
    conn.sleep(0.1)                                 # the client processes the Channel.Close
    assert ch.is_closed
    with pytest.raises(E.ChannelWrongStateError):
        ch.basic_get("q")


def test_exclusive_queue_is_locked_to_its_connection_and_deleted_with_it(conn, ch):
    ch.queue_declare("mine", exclusive=True)
    other = amqp.BlockingConnection(amqp.ConnectionParameters()).channel()
    with pytest.raises(E.ChannelClosedByBroker) as info:
        other.queue_declare("mine", passive=True)
    assert info.value.reply_code == 405
    conn.close()
    assert amqp.broker().queue("mine") is None


def test_x_expires_deletes_an_unused_queue(conn, ch):
    ch.queue_declare("tmp", arguments={"x-expires": 2000})
    conn.sleep(1.5)
    ch.queue_declare("tmp", passive=True, arguments=None)     # use restarts the countdown
    conn.sleep(1.5)
    assert amqp.broker().queue("tmp") is not None
    conn.sleep(1)
    assert amqp.broker().queue("tmp") is None


def test_same_seed_same_trace():
    def run(seed):
        amqp.reset_all(seed)
        c = amqp.BlockingConnection(amqp.ConnectionParameters())
        ch = c.channel()
        q = ch.queue_declare("", exclusive=True).method.queue
        ch.basic_publish("", q, b"x", amqp.BasicProperties(expiration="10"))
        c.sleep(1)
        return amqp.broker().trace.digest()
    assert run(3) == run(3)
    assert run(3) != run(4)                    # the generated queue name comes from the seed


def test_one_kernel_for_kafka_and_rabbitmq():
    kafka.reset_all(0)
    amqp.reset_all(0)
    cluster = kafka.cluster("localhost:9092")
    broker = amqp.broker("localhost:5672", sim=cluster.sim)
    c = amqp.BlockingConnection(amqp.ConnectionParameters())
    c.channel().queue_declare("orders")
    c.sleep(2)
    assert cluster.now_ms == broker.now_ms == 2000
    assert broker.trace is cluster.trace
    assert any(e.kind == "amqp.queue.declare" for e in cluster.trace)


def test_harness_resets_rabbitmq_too():
    from pysim.course.harness import run_exercise
    code = ("from pysim import amqp\n"
            "ch = amqp.BlockingConnection(amqp.ConnectionParameters()).channel()\n"
            "ch.queue_declare('q')\nch.basic_publish('', 'q', b'x')\n")
    check = ("def check_one(run):\n"
             "    '''one message'''\n"
             "    assert run.broker().queue('q').message_count == 1\n")
    assert run_exercise(code, check)["passed"]
    assert run_exercise(code, check)["passed"]       # a second run starts from an empty broker


def test_priority_queue_serves_highest_first_and_requeues_in_place(ch):
    ch.queue_declare("p", arguments={"x-max-priority": 5})
    for body, prio in (("low", None), ("p3", 3), ("p9", 9), ("p1", 1), ("p3b", 3)):
        ch.basic_publish("", "p", body.encode(), amqp.BasicProperties(priority=prio))
    first = ch.basic_get("p")
    assert first[2] == b"p9"                      # 9 is capped at 5, still the highest
    ch.basic_nack(first[0].delivery_tag, requeue=True)
    assert bodies(ch, "p") == ["p9", "p3", "p3b", "p1", "low"]


def test_single_active_consumer_hands_over_when_the_first_leaves(conn, ch):
    ch.queue_declare("s", arguments={"x-single-active-consumer": True})
    got = {"a": [], "b": []}
    for tag in got:
        ch.basic_consume("s", lambda c, m, p, b, tag=tag: (got[tag].append(b), c.basic_ack(m.delivery_tag)),
                         consumer_tag=tag)
    ch.basic_publish("", "s", b"1")
    conn.process_data_events()
    ch.basic_cancel("a")
    ch.basic_publish("", "s", b"2")
    conn.process_data_events()
    assert got == {"a": [b"1"], "b": [b"2"]}


def test_rpc_tutorial_client_and_server_in_one_process():
    """RabbitMQ tutorial 6 (RPC): the server's callbacks run while the client waits."""
    amqp.reset_all(0)
    server = amqp.BlockingConnection(amqp.ConnectionParameters()).channel()
    server.queue_declare("rpc_queue")

    def fib(n):
        return n if n < 2 else fib(n - 1) + fib(n - 2)

    def on_request(ch, method, props, body):
        ch.basic_publish("", props.reply_to, str(fib(int(body))),
                         amqp.BasicProperties(correlation_id=props.correlation_id))
        ch.basic_ack(method.delivery_tag)
    server.basic_qos(prefetch_count=1)
    server.basic_consume("rpc_queue", on_request)

    client_conn = amqp.BlockingConnection(amqp.ConnectionParameters())
    client = client_conn.channel()
    callback_queue = client.queue_declare("", exclusive=True).method.queue
    response = {}
    client.basic_consume(callback_queue, lambda ch, m, p, b: response.__setitem__(p.correlation_id, int(b)),
                         auto_ack=True)
    client.basic_publish("", "rpc_queue", "20", amqp.BasicProperties(reply_to=callback_queue, correlation_id="c1"))
    while "c1" not in response:
        client_conn.process_data_events(time_limit=None)
    assert response == {"c1": 6765}
