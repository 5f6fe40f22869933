"""Hidden checks for 01-rabbitmq-routing. The checks declare the learner's topology on a
fresh connection, publish one set of orders, run billing's consumer with on_billing for 10 s
of virtual time, and look where every message ended up (the run happens once; every check
reads its result)."""

from pysim import amqp

ORDERS = [  # (routing key, body)
    ("order.eu.created", "o1 created"),
    ("order.us.paid", "o2 paid"),
    ("order.eu.paid", "o3 paid"),
    ("order.us.refunded", "o4 refund retry"),
    ("order.eu.paid", "o5 paid poison"),
    ("order.eu.shipped.late", "o6 shipped late"),
    ("order.asia.cancelled", "o7 cancelled"),
]
EXPECTED = {
    "audit": ["o1 created", "o2 paid", "o3 paid", "o4 refund retry", "o5 paid poison",
              "o6 shipped late", "o7 cancelled"],
    "eu-warehouse": ["o1 created", "o3 paid", "o5 paid poison", "o6 shipped late"],
}
MAX_DELIVERIES = 20          # a message delivered this often is looping: stop it
_results = {}


class _Looping(Exception):
    pass


def _scenario(run):
    """The run, once per learner run; a failure is remembered too, so that every check
    reports it instead of running the scenario again."""
    key = id(run)
    if key not in _results:
        try:
            _results[key] = _play(run)
        except AssertionError as exc:
            _results[key] = exc
    found = _results[key]
    if isinstance(found, AssertionError):
        raise AssertionError(str(found))
    return found


def _play(run):
    declare, handler = run.get("declare_topology"), run.get("on_billing")
    assert callable(declare), "Define declare_topology(channel)."
    assert callable(handler), "Define on_billing(channel, method, properties, body)."
    connection = amqp.BlockingConnection(amqp.ConnectionParameters("localhost"))
    channel = connection.channel()
    declare(channel)
    broker = amqp.broker("localhost:5672")
    for name in ("audit", "eu-warehouse", "billing", "billing.dead", "billing.retry"):
        assert broker.queue(name) is not None, f'declare_topology did not declare the queue "{name}".'
    for key_, body in ORDERS:
        channel.basic_publish("orders", key_, body.encode())
    seen = {}
    log = []

    def watched(ch, method, properties, body):
        text = body.decode()
        seen[text] = seen.get(text, 0) + 1
        log.append((broker.now_ms, text, bool((properties.headers or {}).get("x-death"))))
        if seen[text] > MAX_DELIVERIES:
            raise _Looping(text)
        handler(ch, method, properties, body)
    consumer_channel = connection.channel()
    consumer_channel.basic_qos(prefetch_count=1)
    consumer_channel.basic_consume("billing", watched)
    looping = None
    try:
        connection.sleep(10)
    except _Looping as exc:             # stop the hot loop; its message goes back to billing
        looping = str(exc)
        consumer_channel.close()
    state = {name: [(b.decode(), p) for b, p in broker.messages(name)]
             for name in ("audit", "eu-warehouse", "billing", "billing.dead", "billing.retry")}
    state["log"] = log
    state["looping"] = looping
    state["unacked"] = broker.queue("billing").unacked if looping is None else 0
    return state


def _bodies(state, queue):
    return [b for b, _ in state[queue]]


def check_routing(run):
    """audit gets every order event, eu-warehouse every eu event (order.eu.#)."""
    state = _scenario(run)
    for queue, expected in EXPECTED.items():
        got = _bodies(state, queue)
        assert got == expected, (f"{queue} holds {got}, expected {expected}. With a topic exchange, `*` is "
                                 "exactly one word and `#` zero or more words (a direct exchange compares "
                                 "the whole key literally, so wildcards never match).")


def check_billing_routing(run):
    """billing received the paid and refunded events of every region, and only those."""
    state = _scenario(run)
    first = []
    for _, text, _ in state["log"]:
        if text not in first:
            first.append(text)
    expected = ["o2 paid", "o3 paid", "o4 refund retry", "o5 paid poison"]
    assert first == expected, (f"billing's consumer received {first}, expected {expected}: bind billing "
                               "with order.*.paid and order.*.refunded.")


def _loop_note(state):
    if state["looping"] is None:
        return ""
    return (f'"{state["looping"]}" was delivered to billing more than {MAX_DELIVERIES} times in a row, at '
            "the same instant: basic_nack/basic_reject with requeue=True puts a message that can never "
            "succeed straight back at the head of the queue, for ever, and everything behind it waits. "
            "Reject it with requeue=False so that it is dead-lettered.")


def check_processed(run):
    """billing processed o2, o3 and (after its delayed retry) o4, and acked everything."""
    state = _scenario(run)
    assert state["looping"] is None, _loop_note(state)
    processed = run.get("processed")
    assert isinstance(processed, list), "Keep the list processed and append each body billing handled."
    assert processed == ["o2 paid", "o3 paid", "o4 refund retry"], (
        f"processed is {processed}, expected ['o2 paid', 'o3 paid', 'o4 refund retry']: poison is never "
        "processed, and the retry succeeds on its second delivery.")
    assert state["billing"] == [] and state["unacked"] == 0, (
        "billing still holds messages (ready or unacknowledged): ack every message you handled.")


def check_delayed_retry(run):
    """o4 came back to billing after its 5 s TTL in billing.retry, with x-death saying so."""
    state = _scenario(run)
    attempts = [(t, came_back) for t, text, came_back in state["log"] if text == "o4 refund retry"]
    assert len(attempts) >= 2, state["looping"] and _loop_note(state) or (
        f"o4 was delivered to billing {len(attempts)} time(s). Publish a copy to billing.retry with "
        'expiration="5000"; give billing.retry x-dead-letter-exchange "" and x-dead-letter-routing-key '
        '"billing" so that it comes back when it expires (without a dead-letter exchange an expired '
        "message is simply dropped).")
    (t1, back1), (t2, back2) = attempts[0], attempts[1]
    assert not back1 and back2, "The second delivery of o4 should carry the x-death header, the first none."
    assert t2 - t1 >= 5000, f"o4 came back after {t2 - t1} ms: the retry should wait 5 s (expiration \"5000\")."
    assert state["billing.retry"] == [], "billing.retry should be empty after the retry went back to billing."


def check_dead_letter(run):
    """o5 (poison) is parked in billing.dead, and its x-death says rejected in billing."""
    state = _scenario(run)
    dead = state["billing.dead"]
    assert [b for b, _ in dead] == ["o5 paid poison"], state["looping"] and _loop_note(state) or (
        f"billing.dead holds {[b for b, _ in dead]}, expected ['o5 paid poison']: declare billing with "
        'x-dead-letter-exchange "orders.dlx", bind billing.dead to that fanout exchange, and reject the '
        "poison message with requeue=False.")
    death = (dead[0][1].headers or {}).get("x-death") or [{}]
    first = death[0]
    assert (first.get("reason"), first.get("queue"), first.get("count")) == ("rejected", "billing", 1), (
        f"x-death[0] is {first}: expected reason 'rejected', queue 'billing', count 1.")
    assert first.get("routing-keys") == ["order.eu.paid"] and first.get("exchange") == "orders", (
        "x-death should keep where the message came from: exchange 'orders', routing key 'order.eu.paid'.")
