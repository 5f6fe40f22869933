from pysim import kafka


def test_produce_consume_commit_roundtrip():
    kafka.reset_all(seed=0)
    c = kafka.cluster("b:2,a:1")
    assert kafka.cluster("a:1,b:2") is c
    c.create_topic("orders", num_partitions=3)
    got = []
    p = kafka.Producer({"bootstrap.servers": "a:1,b:2", "partitioner": "murmur2_random"})
    for i in range(9):
        p.produce("orders", key=f"k{i % 3}", value=str(i), on_delivery=lambda e, m: got.append((e, m)))
    assert len(p) == 9 and p.flush() == 0 and len(got) == 9
    assert all(e is None for e, _ in got)
    cons = kafka.Consumer({"bootstrap.servers": "a:1,b:2", "group.id": "g", "auto.offset.reset": "earliest",
                           "enable.auto.commit": False})
    cons.subscribe(["orders"])
    msgs = []                 # the first poll waits out group.initial.rebalance.delay.ms (3 s)
    while (m := cons.poll(3.5)) is not None:
        msgs.append(m)
    assert sorted(m.value() for m in msgs) == [str(i).encode() for i in range(9)]
    cons.commit(message=msgs[-1], asynchronous=False)
    assert c.committed("g", "orders", msgs[-1].partition()) == msgs[-1].offset() + 1


def test_missing_topic_without_autocreate_fails_delivery():
    kafka.reset_all(seed=0)
    kafka.cluster("x:1", auto_create=False)
    errs = []
    p = kafka.Producer({"bootstrap.servers": "x:1"})
    p.produce("nope", value="v", on_delivery=lambda e, m: errs.append(e))
    p.flush()
    assert errs[0].code() == kafka.KafkaError.UNKNOWN_TOPIC_OR_PART
    assert kafka.cluster("x:1").topics() == []


def test_the_cluster_refuses_illegal_topic_names_like_a_broker():
    kafka.reset_all(seed=0)
    c = kafka.cluster("names:9092")
    for name, words in [("", "can't be empty"), ("..", 'cannot be "." or ".."'),
                        ("bad/name", "contains a character other than"), ("x" * 250, "longer than 249")]:
        try:
            c.create_topic(name)
        except kafka.KafkaException as e:
            assert e.args[0].code() == kafka.KafkaError.TOPIC_EXCEPTION and words in e.args[0].str()
        else:
            raise AssertionError(f"{name[:20]!r} was accepted")
    c.create_topic("x" * 249)                       # the longest legal name
    assert c.topics() == ["x" * 249]
    assert c._ensure("bad/name") is False and c.topics() == ["x" * 249]   # not auto-created either
