"""Golden routing cases for pysim.amqp: RabbitMQ's tutorials 3-5 and the topic rules of
rabbit_exchange_type_topic (empty words, the empty key), checked at the matcher and
end to end through a channel."""

import pytest

from pysim import amqp
from pysim.amqp.routing import headers_match, topic_matches


@pytest.fixture
def channel():
    amqp.reset_all(0)
    return amqp.BlockingConnection(amqp.ConnectionParameters("localhost")).channel()


def drain(ch, queue):
    out = []
    while True:
        method, _, body = ch.basic_get(queue, auto_ack=True)
        if method is None:
            return out
        out.append(body.decode())


# Tutorial 5 (topics): Q1 *.orange.*, Q2 *.*.rabbit and lazy.#
TUTORIAL5 = [
    ("quick.orange.rabbit", ["Q1", "Q2"]),
    ("lazy.orange.elephant", ["Q1", "Q2"]),
    ("quick.orange.fox", ["Q1"]),
    ("lazy.brown.fox", ["Q2"]),
    ("lazy.pink.rabbit", ["Q2"]),          # two bindings match: delivered once
    ("quick.brown.fox", []),
    ("orange", []),
    ("quick.orange.male.rabbit", []),
    ("lazy.orange.male.rabbit", ["Q2"]),
    ("lazy.orange.new.rabbit", ["Q2"]),
]


@pytest.mark.parametrize("key,queues", TUTORIAL5)
def test_tutorial5_topic_table(channel, key, queues):
    channel.exchange_declare("topic_logs", "topic")
    for q, binding in (("Q1", "*.orange.*"), ("Q2", "*.*.rabbit"), ("Q2", "lazy.#")):
        channel.queue_declare(q)
        channel.queue_bind(q, "topic_logs", binding)
    channel.basic_publish("topic_logs", key, key.encode())
    assert [q for q in ("Q1", "Q2") for _ in drain(channel, q)] == queues


# (binding, key, matches): empty words count, the empty key has zero words
TOPIC_CASES = [
    ("a.*.c", "a..c", True), ("a.*.c", "a.c", False), ("#", "", True), ("#", "a..c", True),
    ("a.#", "a", True), ("a.#", "a.b.b.c", True), ("a.#", "b.a", False), ("*", "", False),
    ("*", "a", True), ("*", "a.b", False), ("", "", True), ("", "a", False),
    ("a.#.c", "a.c", True), ("a.#.c", "a..c", True), ("a.#.c", "a.b.b.c", True),
    ("#.#", "", True), ("*.*", ".", True), ("*.*", "..", False), ("#.c", "c", True),
    ("#.c", "a.b.c", True), ("#.c", "a.b.cc", False), ("*.#", "", False), ("*.#", "x", True),
    ("a.*.#", "a", False), ("a.*.#", "a.b", True), ("#.*", "a.b", True),
]


@pytest.mark.parametrize("binding,key,expected", TOPIC_CASES)
def test_topic_matcher(binding, key, expected):
    assert topic_matches(binding, key) is expected


def test_tutorial4_direct_routing_and_a_queue_bound_twice(channel):
    channel.exchange_declare("direct_logs", "direct")
    channel.queue_declare("errors_only")
    channel.queue_declare("everything")
    channel.queue_bind("errors_only", "direct_logs", "error")
    for severity in ("info", "warning", "error"):
        channel.queue_bind("everything", "direct_logs", severity)
    channel.queue_bind("everything", "direct_logs", "error")       # same binding twice: one binding
    for severity in ("info", "error", "debug"):
        channel.basic_publish("direct_logs", severity, severity.encode())
    assert drain(channel, "errors_only") == ["error"]
    assert drain(channel, "everything") == ["info", "error"]


def test_tutorial3_fanout_ignores_the_key(channel):
    channel.exchange_declare("logs", "fanout")
    names = [channel.queue_declare("", exclusive=True).method.queue for _ in range(2)]
    assert all(n.startswith("amq.gen-") and len(n) == 30 for n in names) and names[0] != names[1]
    for n in names:
        channel.queue_bind(n, "logs")
    channel.basic_publish("logs", "whatever", b"hello")
    assert [drain(channel, n) for n in names] == [["hello"], ["hello"]]


@pytest.mark.parametrize("binding,headers,expected", [
    ({"x-match": "all", "a": 1, "b": 2}, {"a": 1, "b": 2, "c": 3}, True),
    ({"x-match": "all", "a": 1, "b": 2}, {"a": 1}, False),
    ({"x-match": "any", "a": 1, "b": 2}, {"b": 2}, True),
    ({"x-match": "any", "a": 1}, {"a": 2}, False),
    ({"a": 1}, {"a": 1}, True),                        # x-match defaults to all
    ({"x-match": "all", "a": None}, {"a": "anything"}, True),
    ({"x-match": "all", "x-id": 1}, {}, True),         # x- keys are ignored ...
    ({"x-match": "all-with-x", "x-id": 1}, {}, False), # ... unless asked for
])
def test_headers_matching(binding, headers, expected):
    assert headers_match(binding, headers) is expected


def test_alternate_exchange_takes_what_nothing_else_routes(channel):
    channel.exchange_declare("ae", "fanout")
    channel.queue_declare("unrouted")
    channel.queue_bind("unrouted", "ae")
    channel.exchange_declare("main", "direct", arguments={"alternate-exchange": "ae"})
    channel.queue_declare("known")
    channel.queue_bind("known", "main", "k")
    channel.basic_publish("main", "k", b"routed")
    channel.basic_publish("main", "other", b"fallback")
    assert drain(channel, "known") == ["routed"]
    assert drain(channel, "unrouted") == ["fallback"]


def test_mandatory_unroutable_is_returned(channel):
    channel.exchange_declare("x", "direct")
    returned = []
    channel.add_on_return_callback(lambda ch, method, props, body: returned.append((method.reply_code, body)))
    channel.basic_publish("x", "nobody", b"lost?", mandatory=True)
    channel.basic_publish("x", "nobody", b"not mandatory")
    channel.connection.process_data_events()
    assert returned == [(312, b"lost?")]
    channel.confirm_delivery()
    with pytest.raises(amqp.exceptions.UnroutableError) as info:
        channel.basic_publish("x", "nobody", b"again", mandatory=True)
    assert info.value.messages[0].method.reply_text == "NO_ROUTE"


def test_exchange_to_exchange_bindings_reach_each_queue_once(channel):
    channel.exchange_declare("in", "topic")
    channel.exchange_declare("mid", "fanout")
    channel.exchange_bind("mid", "in", "order.#")
    channel.queue_declare("q")
    channel.queue_bind("q", "mid")
    channel.queue_bind("q", "in", "order.eu")          # reached directly and through mid
    for key in ("order.eu", "order.us", "refund.eu"):
        channel.basic_publish("in", key, key.encode())
    assert drain(channel, "q") == ["order.eu", "order.us"]
    channel.exchange_unbind("mid", "in", "order.#")
    channel.basic_publish("in", "order.us", b"after")
    assert drain(channel, "q") == []
