"""pika scripts that run unchanged against ``pika`` + a real RabbitMQ and against
``pysim.amqp``. Each takes (mq, params, p): the client module, connection parameters and
a name prefix (so one real broker serves every test), and returns plain data: where every
message ended up (bodies, flags, headers with x-death's wall-clock ``time`` removed) and
what every error was (class name and args). Waits are short: on the real broker they are
wall-clock time, in pysim virtual time."""


def error_of(fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - the class and args are the result
        return [type(exc).__name__, list(exc.args)]
    return None


def clean_headers(headers):
    if not headers:
        return headers
    out = {}
    for key, value in headers.items():
        if key == "x-death":
            value = [{k: (list(v) if isinstance(v, list) else v) for k, v in d.items() if k != "time"}
                     for d in value]
        out[key] = value
    return out


def drain(ch, queue):
    """Every ready message of ``queue`` via basic_get (auto-ack), in order."""
    out = []
    while True:
        method, props, body = ch.basic_get(queue, auto_ack=True)
        if method is None:
            return out
        out.append({"body": body.decode(), "redelivered": method.redelivered,
                    "exchange": method.exchange, "routing_key": method.routing_key,
                    "headers": clean_headers(props.headers), "expiration": props.expiration,
                    "message_id": props.message_id})


def bodies(ch, queue):
    return [m["body"] for m in drain(ch, queue)]


def pump(connection, done, rounds=60):
    """Process events until ``done()`` holds (at most ``rounds`` x 50 ms: wall-clock time on
    the real broker, virtual time in pysim), then 100 ms more so that anything extra that
    should not come would show up."""
    for _ in range(rounds):
        if done():
            break
        connection.process_data_events(0.05)
    connection.sleep(0.1)


def now_s(mq, params):
    """Seconds since the epoch on the side's clock: pysim's virtual clock, or the wall clock."""
    if hasattr(mq, "broker"):
        return mq.broker(f"{params.host}:{params.port}").now_ms / 1000
    import time
    return time.time()


def connect(mq, params):
    connection = mq.BlockingConnection(params)
    channel = connection.channel()
    channel.confirm_delivery()
    return connection, channel


# -- routing -----------------------------------------------------------------------------------
def routing(mq, params, p):
    c, ch = connect(mq, params)
    out = {}
    tx = p + "topic"
    ch.exchange_declare(tx, "topic")
    bindings = [("Q1", "*.orange.*"), ("Q2", "*.*.rabbit"), ("Q2", "lazy.#"),
                ("t1", "a.*.c"), ("t2", "#"), ("t3", "a.#"), ("t4", "*"), ("t5", ""),
                ("t6", "a.#.c"), ("t7", "#.#"), ("t8", "*.*"), ("t9", "#.c")]
    for q, key in bindings:
        ch.queue_declare(p + q)
        ch.queue_bind(p + q, tx, key)
    keys = ["quick.orange.rabbit", "quick.orange.fox", "lazy.brown.fox", "lazy.pink.rabbit",
            "quick.brown.fox", "lazy.orange.new.rabbit", "a..c", "", "a", "a.c", "..", "a.b.b.c",
            ".", "c", "quick.orange.male.rabbit"]
    for key in keys:
        ch.basic_publish(tx, key, key.encode())
    for q in sorted({q for q, _ in bindings}):
        out[q] = bodies(ch, p + q)
    # direct and fanout, one queue bound twice, the default exchange
    dx, fx = p + "direct", p + "fanout"
    ch.exchange_declare(dx, "direct")
    ch.exchange_declare(fx, "fanout")
    for q in ("d1", "d2"):
        ch.queue_declare(p + q)
    ch.queue_bind(p + "d1", dx, "black")
    ch.queue_bind(p + "d1", dx, "green")
    ch.queue_bind(p + "d2", dx, "black")
    ch.queue_bind(p + "d2", fx, "ignored")
    ch.queue_bind(p + "d2", fx, "also-ignored")
    for key in ("black", "green", "orange"):
        ch.basic_publish(dx, key, ("direct-" + key).encode())
    ch.basic_publish(fx, "anything", b"fanned")
    ch.basic_publish("", p + "d1", b"default")
    out["d1"] = bodies(ch, p + "d1")
    out["d2"] = bodies(ch, p + "d2")
    # headers exchange
    hx = p + "headers"
    ch.exchange_declare(hx, "headers")
    ch.queue_declare(p + "hall")
    ch.queue_declare(p + "hany")
    ch.queue_bind(p + "hall", hx, "", arguments={"x-match": "all", "format": "pdf", "type": "report"})
    ch.queue_bind(p + "hany", hx, "", arguments={"x-match": "any", "format": "pdf", "type": "report"})
    for i, headers in enumerate([{"format": "pdf", "type": "report"}, {"format": "pdf"},
                                 {"type": "log"}, {}]):
        ch.basic_publish(hx, "", f"h{i}".encode(), mq.BasicProperties(headers=headers))
    out["hall"] = bodies(ch, p + "hall")
    out["hany"] = bodies(ch, p + "hany")
    # alternate exchange and mandatory returns
    ae, main = p + "ae", p + "main"
    ch.exchange_declare(ae, "fanout")
    ch.queue_declare(p + "unrouted")
    ch.queue_bind(p + "unrouted", ae)
    ch.exchange_declare(main, "direct", arguments={"alternate-exchange": ae})
    ch.basic_publish(main, "nowhere", b"to-ae", mandatory=True)
    out["unrouted"] = bodies(ch, p + "unrouted")
    try:
        ch.basic_publish(dx, "nowhere", b"returned", mandatory=True)
        out["returned"] = None
    except mq.exceptions.UnroutableError as exc:
        r = exc.messages[0]
        out["returned"] = [r.method.reply_code, r.method.reply_text, r.method.exchange,
                           r.method.routing_key, r.body.decode(), repr(exc)]
    ch.basic_publish(dx, "nowhere", b"dropped")         # not mandatory: silently unroutable
    # exchange-to-exchange bindings: topic -> fanout -> queue, and a queue reached twice
    ex_in, ex_mid = p + "e2e-in", p + "e2e-mid"
    ch.exchange_declare(ex_in, "topic")
    ch.exchange_declare(ex_mid, "fanout")
    ch.exchange_bind(ex_mid, ex_in, "order.#")
    ch.queue_declare(p + "e2e-q")
    ch.queue_bind(p + "e2e-q", ex_mid)
    ch.queue_bind(p + "e2e-q", ex_in, "order.eu")
    for key in ("order.eu", "order.us", "refund.eu"):
        ch.basic_publish(ex_in, key, key.encode())
    out["e2e"] = bodies(ch, p + "e2e-q")
    ch.exchange_unbind(ex_mid, ex_in, "order.#")
    ch.basic_publish(ex_in, "order.us", b"after-unbind")
    out["e2e_after_unbind"] = bodies(ch, p + "e2e-q")
    out["e2e_missing_source"] = error_of(lambda: ch.exchange_bind(ex_mid, p + "nope", "k"))
    c.close()
    return out


def topic_fuzz(mq, params, p):
    """Many bindings and keys drawn (with a fixed seed) from a tiny alphabet with empty
    words, '*' and '#': the real broker is the oracle for the topic matcher."""
    import random
    rnd = random.Random(1091)
    words = ["a", "b", ""]

    def draw(wild):
        n = rnd.randint(0, 4)
        parts = [rnd.choice(words + (["*", "#", "#"] if wild else [])) for _ in range(n)]
        return ".".join(parts)
    bindings = sorted({draw(True) for _ in range(60)})
    keys = sorted({draw(False) for _ in range(60)})
    c, ch = connect(mq, params)
    tx = p + "fuzz"
    ch.exchange_declare(tx, "topic")
    for i, binding in enumerate(bindings):
        ch.queue_declare(f"{p}b{i}")
        ch.queue_bind(f"{p}b{i}", tx, binding)
    for key in keys:
        ch.basic_publish(tx, key, key.encode() or b"<empty>")
    out = {binding: bodies(ch, f"{p}b{i}") for i, binding in enumerate(bindings)}
    # headers exchanges: x-match all / any and the -with-x variants
    hx = p + "hx"
    ch.exchange_declare(hx, "headers")
    modes = {}
    for mode in ("all", "any", "all-with-x", "any-with-x"):
        q = f"{p}h-{mode}"
        ch.queue_declare(q)
        modes[mode] = error_of(lambda q=q, mode=mode: ch.queue_bind(
            q, hx, "", arguments={"x-match": mode, "x-kind": "order", "region": "eu"}))
        if modes[mode] is not None:
            c, ch = connect(mq, params)
    for i, headers in enumerate([{"x-kind": "order", "region": "eu"}, {"region": "eu"}, {"x-kind": "order"},
                                 {"region": "us"}, {"x-kind": "order", "region": "eu", "more": 1}]):
        ch.basic_publish(hx, "", f"h{i}".encode(), mq.BasicProperties(headers=headers))
    for mode in modes:
        out["headers:" + mode] = modes[mode] or bodies(ch, f"{p}h-{mode}")
    c.close()
    return out


# -- acknowledgements --------------------------------------------------------------------------
def ack_requeue(mq, params, p):
    c, ch = connect(mq, params)
    q = p + "work"
    ch.queue_declare(q)
    for x in "abcdef":
        ch.basic_publish("", q, x.encode())
    got = [ch.basic_get(q) for _ in range(4)]            # a b c d, unacked
    out = {"first": [(b.decode(), m.delivery_tag, m.redelivered, m.message_count) for m, _, b in got]}
    ch.basic_ack(got[0][0].delivery_tag)                  # a gone
    ch.basic_nack(got[2][0].delivery_tag, requeue=True)   # c back at its place
    ch.basic_reject(got[1][0].delivery_tag, requeue=True) # b back at its place
    c.sleep(0.05)
    out["declare"] = ch.queue_declare(q, passive=True).method.message_count
    again = [ch.basic_get(q) for _ in range(3)]           # b c e
    out["again"] = [(b.decode(), m.redelivered, m.message_count) for m, _, b in again]
    ch.basic_nack(0, multiple=True, requeue=True)         # d b c e all back
    out["after_nack_all"] = [(m["body"], m["redelivered"]) for m in drain(ch, q)]
    for x in "xyz":
        ch.basic_publish("", q, x.encode())
    tags = [ch.basic_get(q)[0].delivery_tag for _ in range(3)]
    ch.basic_ack(tags[1], multiple=True)                  # x and y
    ch.basic_nack(tags[2], requeue=False)                 # z dropped (no DLX)
    out["left"] = bodies(ch, q)
    # closing a channel returns its unacked messages
    ch2 = c.channel()
    ch.basic_publish("", q, b"held")
    m, _, _ = ch2.basic_get(q)
    ch2.close()
    out["after_close"] = [(m["body"], m["redelivered"]) for m in drain(ch, q)]
    c.close()
    return out


def prefetch(mq, params, p):
    c, ch = connect(mq, params)
    q = p + "pref"
    ch.queue_declare(q)
    ch.basic_qos(prefetch_count=2)
    seen = {"c1": [], "c2": []}
    held = []

    def make(name):
        def on_message(channel, method, props, body):
            seen[name].append(body.decode())
            held.append(method.delivery_tag)
        return on_message
    ch.basic_consume(q, make("c1"), consumer_tag="c1")
    ch.basic_consume(q, make("c2"), consumer_tag="c2")
    for i in range(7):
        ch.basic_publish("", q, f"m{i}".encode())
    pump(c, lambda: len(held) >= 4)
    out = {"before_ack": {k: list(v) for k, v in seen.items()},
           "ready": ch.queue_declare(q, passive=True).method.message_count}
    for tag in list(held):
        ch.basic_ack(tag)
    held.clear()
    pump(c, lambda: len(held) >= 3)
    out["after_ack"] = {k: sorted(v) for k, v in seen.items()}
    out["unacked_now"] = len(held)
    ch.basic_cancel("c1")
    ch.basic_cancel("c2")
    # global=True: one window for the whole channel, shared by its consumers
    g = c.channel()
    g.basic_qos(prefetch_count=3, global_qos=True)
    counts = {}
    for name in ("ga", "gb"):
        g.queue_declare(p + name)
        for i in range(5):
            ch.basic_publish("", p + name, f"{name}{i}".encode())
        g.basic_consume(p + name, lambda chan, m, pr, b, name=name: counts.__setitem__(name, counts.get(name, 0) + 1))
    pump(c, lambda: sum(counts.values()) >= 3)
    out["global_window_total"] = sum(counts.values())
    c.close()
    return out


# -- TTL and dead-lettering --------------------------------------------------------------------
def ttl(mq, params, p):
    c, ch = connect(mq, params)
    dlx, dlq = p + "dlx", p + "dlq"
    ch.exchange_declare(dlx, "fanout")
    ch.queue_declare(dlq)
    ch.queue_bind(dlq, dlx)
    q = p + "ttl"
    ch.queue_declare(q, arguments={"x-message-ttl": 1000, "x-dead-letter-exchange": dlx})
    ch.basic_publish("", q, b"queue-ttl", mq.BasicProperties(message_id="m1"))
    ch.basic_publish("", q, b"own-ttl", mq.BasicProperties(expiration="100", message_id="m2"))
    ch.basic_publish("", q, b"longer-own", mq.BasicProperties(expiration="60000", message_id="m3"))
    c.sleep(0.3)
    out = {"at_300ms": ch.queue_declare(q, passive=True).method.message_count}
    c.sleep(1.2)
    out["at_1500ms"] = ch.queue_declare(q, passive=True).method.message_count
    out["dlq"] = drain(ch, dlq)
    # a per-message TTL behind a live head waits until it reaches the head
    q2 = p + "headwait"
    ch.queue_declare(q2)
    ch.basic_publish("", q2, b"slow", mq.BasicProperties(expiration="5000"))
    ch.basic_publish("", q2, b"fast", mq.BasicProperties(expiration="100"))
    c.sleep(0.4)
    out["headwait_count"] = ch.queue_declare(q2, passive=True).method.message_count
    out["headwait"] = bodies(ch, q2)
    # a message that expires while a consumer holds it: requeued, then dead-lettered at once
    q3 = p + "heldttl"
    ch.queue_declare(q3, arguments={"x-message-ttl": 200, "x-dead-letter-exchange": dlx})
    ch.basic_publish("", q3, b"held")
    m, _, _ = ch.basic_get(q3)
    c.sleep(0.4)
    out["held_count_before_nack"] = ch.queue_declare(q3, passive=True).method.message_count
    ch.basic_nack(m.delivery_tag, requeue=True)
    c.sleep(0.2)
    out["held_after_nack"] = bodies(ch, q3)
    out["held_dead"] = [(d["body"], d["redelivered"], d["headers"]["x-death"][0]["reason"]) for d in drain(ch, dlq)]
    c.close()
    return out


def dead_letter(mq, params, p):
    c, ch = connect(mq, params)
    dlx, dlq = p + "dlx", p + "dlq"
    ch.exchange_declare(dlx, "topic")
    ch.queue_declare(dlq)
    ch.queue_bind(dlq, dlx, "#")
    work = p + "work"
    ch.queue_declare(work, arguments={"x-dead-letter-exchange": dlx})
    ch.basic_publish("", work, b"bad", mq.BasicProperties(message_id="r1", headers={"k": "v"},
                                                        correlation_id="c1", delivery_mode=2))
    m, _, _ = ch.basic_get(work)
    ch.basic_reject(m.delivery_tag, requeue=False)
    c.sleep(0.1)                 # dead-lettering is asynchronous in the real broker
    out = {"rejected": drain(ch, dlq)}
    # a new routing key, and a message dying twice in the same queue
    a, b = p + "loopA", p + "loopB"
    ch.queue_declare(a, arguments={"x-dead-letter-exchange": "", "x-dead-letter-routing-key": b})
    ch.queue_declare(b, arguments={"x-dead-letter-exchange": "", "x-dead-letter-routing-key": a})
    ch.basic_publish("", a, b"ping-pong")
    for i in range(3):
        m, _, _ = ch.basic_get(a if i % 2 == 0 else b)
        ch.basic_nack(m.delivery_tag, requeue=False)
        c.sleep(0.1)
    out["loop"] = drain(ch, b)
    # x-max-length, drop-head: the oldest are pushed out (maxlen) to the DLX
    ml = p + "maxlen"
    ch.queue_declare(ml, arguments={"x-max-length": 2, "x-dead-letter-exchange": dlx,
                                    "x-dead-letter-routing-key": "overflowed"})
    for x in "abcd":
        ch.basic_publish("", ml, x.encode())
    c.sleep(0.1)
    out["maxlen_kept"] = bodies(ch, ml)
    out["maxlen_dead"] = drain(ch, dlq)
    # reject-publish: the publisher hears a nack, nothing is dead-lettered
    rp = p + "rejectpub"
    ch.queue_declare(rp, arguments={"x-max-length": 1, "x-overflow": "reject-publish",
                                    "x-dead-letter-exchange": dlx})
    out["reject_publish"] = [error_of(lambda x=x: ch.basic_publish("", rp, x.encode())) for x in "ab"]
    c.sleep(0.1)
    out["reject_publish_kept"] = bodies(ch, rp)
    out["reject_publish_dead"] = bodies(ch, dlq)
    c.close()
    return out


def quorum(mq, params, p):
    c, ch = connect(mq, params)
    dlx, dlq = p + "dlx", p + "dlq"
    ch.exchange_declare(dlx, "fanout")
    ch.queue_declare(dlq)
    ch.queue_bind(dlq, dlx)
    q = p + "qq"
    ch.queue_declare(q, durable=True, arguments={"x-queue-type": "quorum", "x-delivery-limit": 2,
                                                 "x-dead-letter-exchange": dlx})
    ch.basic_publish("", q, b"poison")
    attempts = []
    for _ in range(5):
        m, props, body = ch.basic_get(q)
        if m is None:
            attempts.append(None)
            continue
        attempts.append([body.decode(), m.redelivered, clean_headers(props.headers)])
        ch.basic_nack(m.delivery_tag, requeue=True)
    c.sleep(0.1)
    out = {"attempts": attempts, "dead": drain(ch, dlq)}
    # where a returned message goes in a quorum queue
    q2 = p + "qorder"
    ch.queue_declare(q2, durable=True, arguments={"x-queue-type": "quorum"})
    for x in "abcd":
        ch.basic_publish("", q2, x.encode())
    got = [ch.basic_get(q2) for _ in range(3)]
    ch.basic_nack(got[1][0].delivery_tag, requeue=True)   # b
    ch.basic_nack(got[0][0].delivery_tag, requeue=True)   # a
    ch.basic_ack(got[2][0].delivery_tag)
    c.sleep(0.1)
    out["order_after_returns"] = [(m["body"], m["redelivered"], (m["headers"] or {}).get("x-delivery-count"))
                                  for m in drain(ch, q2)]
    # the default limit: none in 3.10
    q3 = p + "qdefault"
    ch.queue_declare(q3, durable=True, arguments={"x-queue-type": "quorum"})
    ch.basic_publish("", q3, b"again")
    count = 0
    for _ in range(25):
        m, _, _ = ch.basic_get(q3)
        if m is None:
            break
        count += 1
        ch.basic_nack(m.delivery_tag, requeue=True)
    out["default_limit_deliveries"] = count
    c.close()
    return out


# -- streams ------------------------------------------------------------------------------------
def streams(mq, params, p):
    c, ch = connect(mq, params)
    s = p + "stream"
    ch.queue_declare(s, durable=True, arguments={"x-queue-type": "stream"})
    for i in range(5):
        ch.basic_publish("", s, f"e{i}".encode())
    ch.basic_qos(prefetch_count=50)
    out = {}

    def read(offset, expect, publish_after=()):
        """Consume from ``offset``; ``expect`` only bounds the wait, the result is compared."""
        got = []

        def on_message(channel, method, props, body):
            got.append([body.decode(), (props.headers or {}).get("x-stream-offset")])
            channel.basic_ack(method.delivery_tag)
        args = {} if offset is None else {"x-stream-offset": offset}
        tag = ch.basic_consume(s, on_message, arguments=args)
        c.process_data_events(0.2)
        for body in publish_after:
            ch.basic_publish("", s, body.encode())
        pump(c, lambda: len(got) >= expect)
        ch.basic_cancel(tag)
        return got
    out["first"] = read("first", 5)
    out["offset_3"] = read(3, 2)
    out["again_first"] = read("first", 5)        # reading removed nothing
    out["next"] = read("next", 1, publish_after=["e5"])
    out["default"] = read(None, 1, publish_after=["e6"])
    out["last"] = read("last", 1)
    # x-stream-offset as a timestamp (AMQP timestamps are whole seconds): a mark between two
    # batches, in the side's own clock (wall clock on the real broker, virtual in pysim)
    import datetime
    import math
    c.sleep(1.2)
    mark = math.ceil(now_s(mq, params)) + 1
    c.sleep(mark - now_s(mq, params) + 0.3)
    for body in ("t0", "t1"):
        ch.basic_publish("", s, body.encode())
    out["since_mark"] = read(datetime.datetime.fromtimestamp(mark, tz=datetime.timezone.utc), 2)
    # (not compared: a stream's message_count in Declare-Ok is 0 or the log's length on the
    # real broker depending on when its statistics were last refreshed)
    c.close()
    errs = {}
    c, ch = connect(mq, params)
    errs["get"] = error_of(lambda: ch.basic_get(s))
    c, ch = connect(mq, params)
    errs["no_qos"] = error_of(lambda: ch.basic_consume(s, lambda *a: None))
    c, ch = connect(mq, params)
    ch.basic_qos(prefetch_count=5)
    errs["auto_ack"] = error_of(lambda: ch.basic_consume(s, lambda *a: None, auto_ack=True))
    out["errors"] = errs
    return out


# -- errors ------------------------------------------------------------------------------------
def errors(mq, params, p):
    out = {}

    def fresh():
        return mq.BlockingConnection(params).channel()

    ch = fresh()
    q = p + "q"
    ch.queue_declare(q, arguments={"x-message-ttl": 1000})
    out["redeclare_ttl"] = error_of(lambda: ch.queue_declare(q, arguments={"x-message-ttl": 2000}))
    out["closed_channel_get"] = error_of(lambda: ch.basic_get(q))
    out["closed_channel_publish"] = error_of(lambda: ch.basic_publish("", q, b"x"))
    out["closed_channel_is_closed"] = ch.is_closed
    cases = {
        "redeclare_no_args": lambda ch: ch.queue_declare(q),
        "redeclare_durable": lambda ch: ch.queue_declare(q, durable=True, arguments={"x-message-ttl": 1000}),
        "redeclare_add_arg": lambda ch: ch.queue_declare(q, arguments={"x-message-ttl": 1000, "x-max-length": 5}),
        "passive_missing": lambda ch: ch.queue_declare(p + "missing", passive=True),
        "reserved_queue": lambda ch: ch.queue_declare("amq.reserved"),
        "ttl_negative": lambda ch: ch.queue_declare(p + "neg", arguments={"x-message-ttl": -1}),
        "ttl_string": lambda ch: ch.queue_declare(p + "str", arguments={"x-message-ttl": "abc"}),
        "bad_overflow": lambda ch: ch.queue_declare(p + "ovf", arguments={"x-overflow": "bogus"}),
        "bad_queue_type": lambda ch: ch.queue_declare(p + "qt", arguments={"x-queue-type": "bogus"}),
        "classic_delivery_limit": lambda ch: ch.queue_declare(p + "dl", arguments={"x-delivery-limit": 3}),
        "quorum_not_durable": lambda ch: ch.queue_declare(p + "qq1", arguments={"x-queue-type": "quorum"}),
        "quorum_exclusive": lambda ch: ch.queue_declare(p + "qq2", durable=True, exclusive=True,
                                                        arguments={"x-queue-type": "quorum"}),
        "exchange_type_change": lambda ch: (ch.exchange_declare(p + "ex", "direct"),
                                            ch.exchange_declare(p + "ex", "topic")),
        "exchange_durable_change": lambda ch: ch.exchange_declare(p + "ex", "direct", durable=True),
        "exchange_missing_passive": lambda ch: ch.exchange_declare(p + "nox", "direct", passive=True),
        "exchange_reserved": lambda ch: ch.exchange_declare("amq.custom", "direct"),
        "bind_missing_exchange": lambda ch: ch.queue_bind(q, p + "nox", "k"),
        "bind_missing_queue": lambda ch: ch.queue_bind(p + "noq", "amq.direct", "k"),
        "bind_default_exchange": lambda ch: ch.queue_bind(q, "", "k"),
        "publish_missing_exchange": lambda ch: (ch.confirm_delivery(), ch.basic_publish(p + "nox", "k", b"x")),
        "publish_missing_exchange_async": lambda ch: (ch.basic_publish(p + "nox", "k", b"x"), ch.basic_get(q)),
        "ack_unknown_tag": lambda ch: (ch.basic_ack(99), ch.basic_get(q)),
        "nack_unknown_tag": lambda ch: (ch.basic_nack(7, requeue=False), ch.basic_get(q)),
        "ack_twice": lambda ch: (ch.basic_publish("", q, b"once"), ch.basic_ack(ch.basic_get(q)[0].delivery_tag),
                                 ch.basic_ack(1), ch.basic_get(q)),
        "consume_missing": lambda ch: ch.basic_consume(p + "noq", lambda *a: None),
        "bad_expiration": lambda ch: (ch.basic_publish("", q, b"x", mq.BasicProperties(expiration="soon")),
                                      ch.basic_get(q)),
        "internal_exchange": lambda ch: (ch.exchange_declare(p + "int", "fanout", internal=True),
                                         ch.confirm_delivery(), ch.basic_publish(p + "int", "", b"x")),
        "unknown_exchange_type": lambda ch: ch.exchange_declare(p + "weird", "bogus"),
        "qos_negative": lambda ch: ch.basic_qos(prefetch_count=-1),
        "expires_zero": lambda ch: ch.queue_declare(p + "exp0", arguments={"x-expires": 0}),
        "max_length_string": lambda ch: ch.queue_declare(p + "mls", arguments={"x-max-length": "5"}),
        "stream_not_durable": lambda ch: ch.queue_declare(p + "st0", arguments={"x-queue-type": "stream"}),
        "stream_with_ttl": lambda ch: ch.queue_declare(p + "st1", durable=True,
                                                       arguments={"x-queue-type": "stream", "x-message-ttl": 5}),
        "quorum_reject_publish_dlx": lambda ch: ch.queue_declare(
            p + "qq3", durable=True, arguments={"x-queue-type": "quorum", "x-overflow": "reject-publish-dlx"}),
        "delete_if_empty": lambda ch: (ch.basic_publish("", q, b"keep"), ch.queue_delete(q, if_empty=True)),
        "exclusive_consumer_taken": lambda ch: (ch.basic_consume(q, lambda *a: None),
                                                ch.basic_consume(q, lambda *a: None, exclusive=True)),
        "consumer_after_exclusive": lambda ch: (ch.basic_consume(q, lambda *a: None, exclusive=True),
                                                ch.basic_consume(q, lambda *a: None)),
        "delete_exchange_if_unused": lambda ch: (ch.exchange_declare(p + "used", "fanout"),
                                                 ch.queue_bind(q, p + "used"),
                                                 ch.exchange_delete(p + "used", if_unused=True)),
        "delete_default_exchange": lambda ch: ch.exchange_delete(""),
        "redeclare_exclusive_flag": lambda ch: ch.queue_declare(q, exclusive=True, arguments={"x-message-ttl": 1000}),
    }
    for name, case in cases.items():
        channel = fresh()
        out[name] = error_of(lambda: case(channel))
        out[name + ":closed"] = channel.is_closed
    ch = fresh()
    ch.queue_declare(p + "own", exclusive=True)
    out["redeclare_own_exclusive_without_flag"] = error_of(lambda: ch.queue_declare(p + "own"))
    ch = fresh()
    ch.queue_declare(p + "excl", exclusive=True)
    out["exclusive_other_connection"] = error_of(lambda: fresh().queue_declare(p + "excl"))
    out["ae_redeclare"] = error_of(lambda: (fresh().exchange_declare(p + "main", "direct",
                                                                      arguments={"alternate-exchange": p + "ae"}),
                                            fresh().exchange_declare(p + "main", "direct")))
    return out


# -- consumers ---------------------------------------------------------------------------------
def consumers(mq, params, p):
    c, ch = connect(mq, params)
    q = p + "jobs"
    ch.queue_declare(q)
    for i in range(6):
        ch.basic_publish("", q, f"j{i}".encode())
    out = {}
    # the consume() generator, acking two and leaving the rest
    got = []
    for method, props, body in ch.consume(q, inactivity_timeout=0.3):
        if method is None:
            break
        got.append([body.decode(), method.redelivered])
        if len(got) <= 2:
            ch.basic_ack(method.delivery_tag)
        if len(got) == 4:
            break
    ch.cancel()
    c.sleep(0.1)
    out["generator"] = got
    # a second channel's consumer holds messages unacked; closing the channel gives them back
    other = c.channel()
    other.basic_qos(prefetch_count=2)
    held = []
    other.basic_consume(q, lambda chan, m, pr, b: held.append(b.decode()))
    pump(c, lambda: len(held) >= 2)
    out["held_by_other"] = sorted(held)
    other.close()
    c.sleep(0.1)
    out["after_other_closed"] = [(m["body"], m["redelivered"]) for m in drain(ch, q)]
    # auto_ack consumers get everything at once and leave nothing behind
    for i in range(3):
        ch.basic_publish("", q, f"a{i}".encode())
    auto = []
    tag = ch.basic_consume(q, lambda chan, m, pr, b: auto.append(b.decode()), auto_ack=True)
    pump(c, lambda: len(auto) >= 3)
    ch.basic_cancel(tag)
    out["auto_ack"] = auto
    out["left"] = ch.queue_declare(q, passive=True).method.message_count
    # basic.get with auto_ack=False then basic.recover-less close of the connection
    ch.basic_publish("", q, b"last")
    m, _, _ = ch.basic_get(q)
    out["get_count_after"] = m.message_count
    c.close()
    c, ch = connect(mq, params)
    out["after_connection_closed"] = [(m["body"], m["redelivered"]) for m in drain(ch, q)]
    c.close()
    return out


def lifetimes(mq, params, p):
    out = {}
    c, ch = connect(mq, params)
    # exclusive: gone with its connection
    ch.queue_declare(p + "excl", exclusive=True)
    c.close()
    c, ch = connect(mq, params)
    out["exclusive_after_close"] = error_of(lambda: ch.queue_declare(p + "excl", passive=True))
    c, ch = connect(mq, params)
    # auto_delete: gone when its last consumer goes
    ch.queue_declare(p + "auto", auto_delete=True)
    tag = ch.basic_consume(p + "auto", lambda *a: None)
    ch.basic_cancel(tag)
    c.sleep(0.1)
    out["auto_delete_after_cancel"] = error_of(lambda: ch.queue_declare(p + "auto", passive=True))
    c, ch = connect(mq, params)
    # x-expires: gone after that long unused
    ch.queue_declare(p + "expiring", arguments={"x-expires": 1000})
    c.sleep(0.1)
    out["expires_early"] = ch.queue_declare(p + "expiring", passive=True).method.queue
    c.sleep(1.6)
    out["expires_late"] = error_of(lambda: ch.queue_declare(p + "expiring", passive=True))
    c, ch = connect(mq, params)
    # purge and delete report counts; deleting a queue drops its bindings
    ch.exchange_declare(p + "fan", "fanout")
    ch.queue_declare(p + "tmp")
    ch.queue_bind(p + "tmp", p + "fan")
    for i in range(3):
        ch.basic_publish(p + "fan", "", f"t{i}".encode())
    out["purge"] = ch.queue_purge(p + "tmp").method.message_count
    ch.basic_publish(p + "fan", "", b"t3")
    out["delete"] = ch.queue_delete(p + "tmp").method.message_count
    ch.queue_declare(p + "tmp")
    ch.basic_publish(p + "fan", "", b"after")
    out["rebound"] = bodies(ch, p + "tmp")
    c.close()
    return out


def priorities(mq, params, p):
    out = {}
    c, ch = connect(mq, params)
    q = p + "prio"
    ch.queue_declare(q, arguments={"x-max-priority": 5})
    for body, prio in (("low", None), ("p3", 3), ("p9", 9), ("p1", 1), ("p3b", 3), ("zero", 0)):
        ch.basic_publish("", q, body.encode(), mq.BasicProperties(priority=prio))
    first = ch.basic_get(q)
    second = ch.basic_get(q)
    out["first_two"] = [first[2].decode(), second[2].decode()]
    ch.basic_nack(first[0].delivery_tag, requeue=True)
    c.sleep(0.05)
    out["order"] = [(m["body"], m["redelivered"]) for m in drain(ch, q)]
    ch.basic_nack(0, multiple=True, requeue=True)
    c.sleep(0.05)
    out["after_requeue_all"] = bodies(ch, q)
    # single active consumer: the first consumer gets everything until it goes away
    s = p + "sac"
    ch.queue_declare(s, arguments={"x-single-active-consumer": True})
    got = {"one": [], "two": []}
    ch.basic_consume(s, lambda chan, m, pr, b: (got["one"].append(b.decode()), chan.basic_ack(m.delivery_tag)),
                     consumer_tag="one")
    ch.basic_consume(s, lambda chan, m, pr, b: (got["two"].append(b.decode()), chan.basic_ack(m.delivery_tag)),
                     consumer_tag="two")
    for i in range(4):
        ch.basic_publish("", s, f"s{i}".encode())
    pump(c, lambda: len(got["one"]) + len(got["two"]) >= 4)
    ch.basic_cancel("one")
    for i in range(4, 6):
        ch.basic_publish("", s, f"s{i}".encode())
    pump(c, lambda: len(got["one"]) + len(got["two"]) >= 6)
    out["single_active"] = got
    c.close()
    out["quorum_priority"] = error_of(lambda: connect(mq, params)[1].queue_declare(
        p + "qprio", durable=True, arguments={"x-queue-type": "quorum", "x-max-priority": 3}))
    out["priority_string"] = error_of(lambda: connect(mq, params)[1].queue_declare(
        p + "sprio", arguments={"x-max-priority": "high"}))
    out["prefetch_size"] = error_of(lambda: connect(mq, params)[1].basic_qos(prefetch_size=1000))
    return out


SCRIPTS = {"routing": routing, "topic_fuzz": topic_fuzz, "ack_requeue": ack_requeue, "prefetch": prefetch, "ttl": ttl,
           "dead_letter": dead_letter, "quorum": quorum, "streams": streams, "errors": errors,
           "consumers": consumers, "lifetimes": lifetimes, "priorities": priorities}
