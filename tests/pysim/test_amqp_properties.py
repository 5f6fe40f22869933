"""Properties of pysim.amqp under random client behaviour: a message is never out to two
consumers of one queue at once, and nothing is lost: every published message is acked,
still in the queue, out with a consumer, or dead-lettered — and a dead-lettered one says
why in x-death (rejected only if a client rejected it, expired only if it had a TTL,
maxlen only if the queue has a max length)."""

from hypothesis import given, settings, strategies as st

from pysim import amqp

OPS = st.lists(st.one_of(
    st.tuples(st.just("publish"), st.sampled_from([None, "50", "400"])),
    st.tuples(st.just("ack"), st.integers(0, 1)),
    st.tuples(st.just("nack"), st.integers(0, 1)),
    st.tuples(st.just("reject"), st.integers(0, 1)),
    st.tuples(st.just("get"), st.just(0)),
    st.tuples(st.just("sleep"), st.sampled_from([0.01, 0.1, 0.5])),
    st.tuples(st.just("close"), st.integers(0, 1)),
), max_size=60)


@settings(max_examples=150, deadline=None)
@given(ops=OPS, max_length=st.sampled_from([None, 3]), prefetch=st.sampled_from([1, 2, 0]))
def test_no_double_delivery_and_nothing_lost(ops, max_length, prefetch):
    amqp.reset_all(0)
    conn = amqp.BlockingConnection(amqp.ConnectionParameters())
    admin = conn.channel()
    admin.exchange_declare("dlx", "fanout")
    admin.queue_declare("dead")
    admin.queue_bind("dead", "dlx")
    args = {"x-dead-letter-exchange": "dlx"}
    if max_length is not None:
        args["x-max-length"] = max_length
    admin.queue_declare("q", arguments=args)

    outstanding = {}      # message id -> (channel index, delivery tag)
    held = [[], []]       # per consumer channel: (tag, message id)
    acked, rejected, with_ttl = set(), set(), set()
    channels = [None, None]

    def open_consumer(i):
        channel = conn.channel()
        channel.basic_qos(prefetch_count=prefetch)

        def on_message(ch, method, props, body, i=i):
            mid = props.message_id
            assert mid not in outstanding, f"{mid} delivered while still out with a consumer"
            outstanding[mid] = (i, method.delivery_tag)
            held[i].append((method.delivery_tag, mid))
        channel.basic_consume("q", on_message)
        channels[i] = channel

    open_consumer(0)
    open_consumer(1)
    published = 0
    for op, arg in ops:
        if op == "publish":
            published += 1
            mid = f"m{published}"
            if arg is not None:
                with_ttl.add(mid)
            admin.basic_publish("", "q", b"x", amqp.BasicProperties(message_id=mid, expiration=arg))
        elif op in ("ack", "nack", "reject") and held[arg]:
            tag, mid = held[arg].pop(0)
            del outstanding[mid]
            if op == "ack":
                channels[arg].basic_ack(tag)
                acked.add(mid)
            elif op == "nack":
                channels[arg].basic_nack(tag, requeue=True)
            else:
                channels[arg].basic_reject(tag, requeue=False)
                rejected.add(mid)
        elif op == "get":
            method, props, _ = admin.basic_get("q", auto_ack=True)
            if method is not None:
                assert props.message_id not in outstanding
                acked.add(props.message_id)
        elif op == "sleep":
            conn.sleep(arg)
        elif op == "close":
            channels[arg].close()
            for _, mid in held[arg]:
                del outstanding[mid]
            held[arg] = []
            open_consumer(arg)
        conn.process_data_events()

    broker = amqp.broker()
    ready = [p.message_id for _, p in broker.messages("q")]
    dead = {p.message_id: p.headers["x-death"][0]["reason"] for _, p in broker.messages("dead")}
    places = [set(ready), set(outstanding), acked, set(dead)]
    everything = [f"m{i}" for i in range(1, published + 1)]
    gone = []
    for mid in everything:
        count = sum(mid in place for place in places)
        assert count <= 1, f"{mid} is in {count} places"
        if count == 0:
            gone.append(mid)
    # The only way out of every place: a dead-lettered copy keeps its own TTL (only an
    # expiry removes it) and expires again in "dead", which has no DLX of its own.
    assert all(mid in with_ttl for mid in gone), f"lost without a TTL: {gone}"
    drops = broker.trace.events("amqp.drop")
    assert [(e.actor, e.data["reason"]) for e in drops] == [("dead", "expired")] * len(gone)
    for mid, reason in dead.items():
        assert (reason == "rejected") == (mid in rejected)
        if reason == "expired":
            assert mid in with_ttl
        if reason == "maxlen":
            assert max_length is not None
    assert len(ready) <= (max_length if max_length is not None else len(ready))


def _oracle(binding, key):
    """An independent reading of the topic rules: each word becomes a \\x00-prefixed token
    (the empty key has none), '*' one token, '#' any number of tokens; a regex full match."""
    import re
    tokens = "".join("\x00" + w for w in key.split(".")) if key else ""
    parts = []
    for word in (binding.split(".") if binding else []):
        parts.append({"*": "\x00[^\x00]*", "#": "(?:\x00[^\x00]*)*"}.get(word, "\x00" + re.escape(word)))
    return re.fullmatch("".join(parts), tokens) is not None


WORDS = st.sampled_from(["a", "b", "", "ab"])


@settings(max_examples=400, deadline=None)
@given(binding=st.lists(st.one_of(WORDS, st.sampled_from(["*", "#"])), max_size=5).map(".".join),
       key=st.lists(WORDS, max_size=5).map(".".join))
def test_topic_matcher_agrees_with_a_regex_oracle(binding, key):
    from pysim.amqp.routing import topic_matches
    assert topic_matches(binding, key) is _oracle(binding, key)
