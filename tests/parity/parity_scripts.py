"""Client scripts written once against the confluent-kafka API and run twice: through
librdkafka (its mock cluster) and through pysim.kafka. Each takes the client module and a
base configuration and returns plain data, so the two runs can be compared with ==.

Why plain data: a parity test must compare what a learner would observe (partitions,
offsets, keys, committed positions, errors), not the objects that carried it."""

MAX_EMPTY_POLLS = 20  # each empty poll costs its timeout against the mock; pysim's is virtual


def produce_keyed(kafka, conf, topic, keys, partitioner=None):
    """Produce one record per key, in order; return [(key, partition, offset)] in produce order."""
    producer_conf = dict(conf)
    if partitioner is not None:
        producer_conf["partitioner"] = partitioner
    producer = kafka.Producer(producer_conf)
    reports = {}
    errors = []

    def on_delivery(err, msg, index):
        if err is not None:
            errors.append((index, str(err)))
        else:
            reports[index] = (msg.key(), msg.partition(), msg.offset())

    for index, key in enumerate(keys):
        producer.produce(topic, value=b"v%d" % index, key=key,
                         on_delivery=lambda err, msg, index=index: on_delivery(err, msg, index))
    left = producer.flush(30)
    assert left == 0 and not errors, f"delivery failed: {left} left, errors {errors[:3]}"
    return [reports[index] for index in range(len(keys))]


def produce_to_partitions(kafka, conf, topic, per_partition, partitions):
    """Produce per_partition records to each listed partition (explicit partition=)."""
    producer = kafka.Producer(dict(conf))
    delivered = []
    for n in range(per_partition):
        for partition in partitions:
            producer.produce(topic, value=b"p%d-n%d" % (partition, n), key=b"k%d" % n,
                             partition=partition,
                             on_delivery=lambda err, msg: delivered.append(err is None))
    assert producer.flush(30) == 0 and all(delivered)
    return len(delivered)


def observe(msg):
    """What a learner sees of one message."""
    return (msg.topic(), msg.partition(), msg.offset(), msg.key(), msg.value())


def poll_until(consumer, count):
    """Poll until count messages arrived; fail on an error message."""
    seen, empty = [], 0
    while empty < MAX_EMPTY_POLLS:
        msg = consumer.poll(1.0)
        if msg is None:
            empty += 1
            continue
        assert msg.error() is None, f"consumer error: {msg.error()}"
        seen.append(msg)
        if len(seen) >= count:
            break
    return seen


def drain(consumer, idle_polls=3):
    """Everything the consumer gets until idle_polls polls in a row come back empty."""
    seen, idle = [], 0
    while len(seen) < 10_000:
        msg = consumer.poll(0.5)
        if msg is None:
            idle += 1
            if idle >= idle_polls:
                break
            continue
        assert msg.error() is None, f"consumer error: {msg.error()}"
        idle = 0
        seen.append(msg)
    return seen


def commit_and_resume(kafka, conf, topic, group, commit_at):
    """Consumer A reads everything and commits the given message of some partitions
    (commit_at: {partition: offset of the message to commit}); it closes; consumer B in the
    same group resumes. Returns committed offsets, where B starts, watermarks, positions."""
    partitions = [0, 1, 2, 3]
    total = 4 * 10
    consumer_conf = dict(conf, **{"group.id": group, "auto.offset.reset": "earliest",
                                  "enable.auto.commit": False, "session.timeout.ms": 6000})
    first = kafka.Consumer(consumer_conf)
    first.subscribe([topic])
    messages = poll_until(first, total)
    assert len(messages) == total, f"consumer A got {len(messages)} of {total} messages"
    for msg in messages:
        if commit_at.get(msg.partition()) == msg.offset():
            first.commit(message=msg, asynchronous=False)
    tps = [kafka.TopicPartition(topic, p) for p in partitions]
    committed = {tp.partition: tp.offset for tp in first.committed(tps, timeout=10)}
    positions = {tp.partition: tp.offset for tp in first.position(tps)}
    watermarks = {p: tuple(first.get_watermark_offsets(kafka.TopicPartition(topic, p), timeout=10))
                  for p in partitions}
    first.close()

    second = kafka.Consumer(consumer_conf)
    second.subscribe([topic])
    expected = sum(10 - committed[p] if committed[p] >= 0 else 10 for p in partitions)
    resumed = poll_until(second, expected)
    starts = {}
    for msg in resumed:
        starts.setdefault(msg.partition(), msg.offset())
    committed_again = {tp.partition: tp.offset for tp in second.committed(tps, timeout=10)}
    second.close()
    return {
        "committed": committed,
        "committed_seen_by_second": committed_again,
        "positions_after_reading_all": positions,
        "watermarks": watermarks,
        "second_starts_at": dict(sorted(starts.items())),
        "second_read": sorted((m.partition(), m.offset(), m.key()) for m in resumed),
    }


def offset_reset_and_seek(kafka, conf, topic, group, produce_more):
    """Assign partition 0 (no group join) with auto.offset.reset latest, then earliest:
    read what is there, produce_more(3) records to partition 0, read again. Then seek
    back to offset 2, and assign a new consumer at explicit offset 6."""
    out = {}
    for reset in ("latest", "earliest"):
        consumer = kafka.Consumer(dict(conf, **{"group.id": f"{group}-{reset}",
                                                "auto.offset.reset": reset,
                                                "enable.auto.commit": False}))
        consumer.assign([kafka.TopicPartition(topic, 0)])
        # Empty-handed polls let the reset complete before new records arrive.
        early = [observe(m) for m in drain(consumer)]
        produce_more(3)
        late = [observe(m) for m in drain(consumer)]
        out[reset] = early + late
        if reset == "earliest":
            consumer.seek(kafka.TopicPartition(topic, 0, 2))
            out["after_seek_to_2"] = [observe(m) for m in poll_until(consumer, 2)]
        consumer.close()
    explicit = kafka.Consumer(dict(conf, **{"group.id": f"{group}-explicit",
                                            "auto.offset.reset": "earliest"}))
    explicit.assign([kafka.TopicPartition(topic, 0, 6)])
    out["assigned_at_6"] = [observe(m) for m in poll_until(explicit, 2)]
    explicit.close()
    return out


def construction_error(kafka, make):
    """Build a client with make(kafka); describe the exception: (type name, error code)."""
    try:
        client = make(kafka)
    except Exception as exc:  # noqa: BLE001 - the type is what we compare
        kafka_error = exc.args[0] if exc.args and isinstance(exc.args[0], kafka.KafkaError) else None
        is_kafka_exception = isinstance(exc, kafka.KafkaException)
        return {
            "type": "KafkaException" if is_kafka_exception else type(exc).__name__,
            "code": kafka_error.code() if kafka_error is not None else None,
        }
    close = getattr(client, "close", None)
    if callable(close):
        close()
    return {"type": None, "code": None}


# -- consumer behaviour (tests/parity/test_consumer_parity.py) ---------------------------

def consumer_events(consumer, expect, idle_polls=2):
    """Messages and events as (kind, topic, partition, offset, error code): poll until
    ``expect`` arrived (at most MAX_EMPTY_POLLS empty polls), then until idle_polls empty
    polls in a row, so that extras show up too."""
    seen, empty = [], 0
    while len(seen) < expect and empty < MAX_EMPTY_POLLS:
        msg = consumer.poll(1.0)
        if msg is None:
            empty += 1
            continue
        seen.append(msg)
    idle = 0
    while idle < idle_polls and len(seen) < 10_000:
        msg = consumer.poll(0.5)
        if msg is None:
            idle += 1
            continue
        idle = 0
        seen.append(msg)
    return [("error" if m.error() else "message", m.topic(), m.partition(), m.offset(),
             m.error().code() if m.error() else None) for m in seen]


def raised(call):
    """What calling call() raised: (type name, KafkaError code or message), or None."""
    try:
        call()
    except Exception as exc:  # noqa: BLE001 - the type is what we compare
        first = exc.args[0] if exc.args else None
        code = first.code() if hasattr(first, "code") else str(exc)
        return (type(exc).__name__, code)
    return None


def consumer_conf(conf, group, **extra):
    out = dict(conf, **{"group.id": group, "enable.auto.commit": False, "session.timeout.ms": 6000,
                        "auto.offset.reset": "earliest"})
    out.update(extra)
    return out


def offsets_for_times_facts(kafka, conf, topic, group):
    """offsets_for_times where librdkafka's mock answers like a broker: -1 (high watermark),
    -2 (log start), a time after every record (-1), an empty partition (-1), an unknown
    partition (exception). The mock does not look records up by time, so times that fall
    inside a partition's records are compared in the pure tests only."""
    producer = kafka.Producer(dict(conf))
    for i, ts in enumerate([1000, 2000, 3000]):
        producer.produce(topic, value=b"v%d" % i, partition=0, timestamp=ts)
    assert producer.flush(30) == 0
    consumer = kafka.Consumer(consumer_conf(conf, group))
    TP = kafka.TopicPartition
    asks = [(0, -1), (0, -2), (0, 10_000_000), (1, 0), (1, -1)]
    answers = [consumer.offsets_for_times([TP(topic, p, ts)], timeout=10)[0].offset for p, ts in asks]
    unknown = raised(lambda: consumer.offsets_for_times([TP(topic, 99, 0)], timeout=10))
    consumer.close()
    return {"answers": answers, "unknown_partition": unknown}


def auto_offset_reset_error(kafka, conf, topic, group):
    """auto.offset.reset=error: partition 0 has no committed offset, partition 1 is assigned
    beyond its end, partition 2 at a valid offset. Returns what poll() hands out."""
    for partition in (0, 1, 2):
        produce_to_partitions(kafka, conf, topic, per_partition=3, partitions=[partition])
    consumer = kafka.Consumer(consumer_conf(conf, group, **{"auto.offset.reset": "error"}))
    TP = kafka.TopicPartition
    consumer.assign([TP(topic, 0), TP(topic, 1, 50), TP(topic, 2, 1)])
    events = consumer_events(consumer, expect=4)
    positions = [tp.offset for tp in consumer.position([TP(topic, p) for p in (0, 1, 2)])]
    consumer.close()
    return {"events": sorted(events, key=repr), "positions": positions}


def seek_semantics(kafka, conf, topic, group, produce_more):
    """seek() on partitions in every state, with the offsets it accepts and what follows."""
    TP = kafka.TopicPartition
    produce_to_partitions(kafka, conf, topic, per_partition=5, partitions=[0])
    consumer = kafka.Consumer(consumer_conf(conf, group))
    out = {"unknown_topic": raised(lambda: consumer.seek(TP(topic + "-never-used", 0, 1)))}
    consumer.assign([TP(topic, 0)])
    first = consumer_events(consumer, expect=5)
    out["first"] = first
    out["unassigned_partition"] = raised(lambda: consumer.seek(TP(topic, 1, 0)))
    out["stored"] = raised(lambda: consumer.seek(TP(topic, 0, kafka.OFFSET_STORED)))
    out["seek_2"] = raised(lambda: consumer.seek(TP(topic, 0, 2)))
    out["position_after_seek"] = consumer.position([TP(topic, 0)])[0].offset
    out["after_seek_2"] = consumer_events(consumer, expect=3)
    consumer.seek(TP(topic, 0, 100))
    out["after_seek_out_of_range"] = consumer_events(consumer, expect=5)
    consumer.seek(TP(topic, 0, kafka.OFFSET_END))
    out["after_seek_end"] = consumer_events(consumer, expect=0)
    produce_more(1)
    out["after_seek_end_and_one_more"] = consumer_events(consumer, expect=1)
    consumer.seek(TP(topic, 0, kafka.OFFSET_BEGINNING))
    out["after_seek_beginning"] = consumer_events(consumer, expect=6)
    consumer.unassign()
    out["after_unassign"] = raised(lambda: consumer.seek(TP(topic, 0, 0)))
    consumer.close()
    return out


def pause_and_resume(kafka, conf, topic, group):
    """Pause partition 1 before anything is fetched: only partition 0 is served; resume it."""
    TP = kafka.TopicPartition
    produce_to_partitions(kafka, conf, topic, per_partition=3, partitions=[0, 1])
    consumer = kafka.Consumer(consumer_conf(conf, group))
    consumer.assign([TP(topic, 0), TP(topic, 1)])
    consumer.pause([TP(topic, 1), TP(topic, 3)])
    while_paused = consumer_events(consumer, expect=3)
    positions = [tp.offset for tp in consumer.position([TP(topic, 0), TP(topic, 1)])]
    consumer.resume([TP(topic, 1)])
    resumed = consumer_events(consumer, expect=3)
    consumer.close()
    return {"while_paused": while_paused, "positions_while_paused": positions, "resumed": resumed}


def partition_eof_events(kafka, conf, topic, group, produce_more):
    """enable.partition.eof over partitions holding 2, 0 and 1 records; then one more record."""
    TP = kafka.TopicPartition
    produce_to_partitions(kafka, conf, topic, per_partition=2, partitions=[0])
    produce_to_partitions(kafka, conf, topic, per_partition=1, partitions=[2])
    consumer = kafka.Consumer(consumer_conf(conf, group, **{"enable.partition.eof": True}))
    consumer.assign([TP(topic, p) for p in (0, 1, 2)])
    first = consumer_events(consumer, expect=6)
    produce_more(1)
    second = consumer_events(consumer, expect=2)
    consumer.close()
    return {"first": sorted(first, key=repr), "second": sorted(second, key=repr)}


def commit_errors(kafka, conf, topic, group):
    """What commit(), store_offsets() and committed() raise or report, and on_commit."""
    TP = kafka.TopicPartition
    # One record only: librdkafka collects an asynchronous commit's offsets when it sends
    # it, so a record handed out in between would race with the commit.
    produce_to_partitions(kafka, conf, topic, per_partition=1, partitions=[0])
    callbacks = []
    consumer = kafka.Consumer(consumer_conf(conf, group, on_commit=lambda err, parts: callbacks.append(
        (err.code() if err else None, [(p.partition, p.offset) for p in parts]))))
    out = {"nothing_assigned": raised(lambda: consumer.commit(asynchronous=False))}
    consumer.assign([TP(topic, 0), TP(topic, 1)])
    first = None
    for _ in range(MAX_EMPTY_POLLS):
        first = consumer.poll(1.0)
        if first is not None:
            break
    assert first is not None and first.error() is None, f"no message: {first}"
    out["first_message"] = (first.partition(), first.offset())
    out["store_with_auto_store"] = raised(lambda: consumer.store_offsets(first))
    result = consumer.commit(asynchronous=False)
    out["commit_stored"] = [(tp.partition, tp.offset) for tp in result]
    out["commit_again"] = raised(lambda: consumer.commit(asynchronous=False))
    out["commit_logical"] = raised(lambda: consumer.commit(offsets=[TP(topic, 1, kafka.OFFSET_BEGINNING)],
                                                           asynchronous=False))
    out["commit_unknown_topic"] = raised(lambda: consumer.commit(offsets=[TP(topic + "-absent", 0, 1)],
                                                                 asynchronous=False))
    out["commit_unknown_partition"] = raised(lambda: consumer.commit(offsets=[TP(topic, 9, 1)], asynchronous=False))
    consumer.commit(offsets=[TP(topic, 1, 2)])
    consumer.commit()
    for _ in range(3):
        consumer.poll(0.5)
    out["on_commit"] = sorted(callbacks, key=repr)   # a local _NO_OFFSET may overtake a broker reply
    committed = consumer.committed([TP(topic, 0), TP(topic, 1), TP(topic, 2), TP(topic + "-absent", 0)], timeout=10)
    out["committed"] = [(tp.offset, tp.error.code() if tp.error else None) for tp in committed]
    consumer.close()
    return out


def subscription_lifecycle(kafka, conf, prefix, group):
    """A regex subscription plus a missing topic: the missing one is reported by poll(), the
    regex matches only its topics; unsubscribe revokes in the next poll."""
    for name in (f"{prefix}-a", f"{prefix}-b", f"other-{prefix}"):
        produce_to_partitions(kafka, conf, name, per_partition=1, partitions=[0])
    events = []
    consumer = kafka.Consumer(consumer_conf(conf, group))
    consumer.subscribe([f"^{prefix}-.*", f"{prefix}-missing"],
                       on_assign=lambda c, parts: events.append(("assign", sorted((p.topic, p.partition) for p in parts))),
                       on_revoke=lambda c, parts: events.append(("revoke", sorted((p.topic, p.partition) for p in parts))))
    seen = consumer_events(consumer, expect=3)
    assigned = sorted((tp.topic, tp.partition) for tp in consumer.assignment())
    had_member_id = consumer.memberid() is not None
    consumer.unsubscribe()
    still_assigned = len(consumer.assignment())
    after = consumer_events(consumer, expect=0)
    out = {"seen": sorted(seen, key=repr), "assigned": assigned, "events": events, "had_member_id": had_member_id,
           "assigned_until_next_poll": still_assigned, "after_unsubscribe": after,
           "assignment_after": [(tp.topic, tp.partition) for tp in consumer.assignment()],
           "member_id_after": consumer.memberid()}
    consumer.close()
    out["events_after_close"] = len(events)
    return out


def consumer_argument_errors(kafka, conf, topic, group):
    """Errors that need no broker round trip: bad arguments, assignment rules, closed use."""
    TP = kafka.TopicPartition
    consumer = kafka.Consumer(consumer_conf(conf, group))
    out = {
        "subscribe_str": raised(lambda: consumer.subscribe(topic)),
        "subscribe_empty": raised(lambda: consumer.subscribe([])),
        "subscribe_bad_regex": raised(lambda: consumer.subscribe(["^["])),
        "assign_not_list": raised(lambda: consumer.assign(TP(topic, 0))),
        "assign_str": raised(lambda: consumer.assign([topic])),
        "incremental_unassign_empty": raised(lambda: consumer.incremental_unassign([TP(topic, 0)])),
        "store_nothing": raised(lambda: consumer.store_offsets()),
        "commit_both": raised(lambda: consumer.commit(message=object(), offsets=[])),
        "consume_too_many": raised(lambda: consumer.consume(1_000_001, 0)),
        "position_unassigned": [tp.offset for tp in consumer.position([TP(topic, 0)])],
    }
    consumer.incremental_assign([TP(topic, 0)])
    out["incremental_assign_again"] = raised(lambda: consumer.incremental_assign([TP(topic, 0)]))
    out["incremental_unassign_other"] = raised(lambda: consumer.incremental_unassign([TP(topic, 1)]))
    out["assign_duplicate"] = raised(lambda: consumer.assign([TP(topic, 1), TP(topic, 1)]))
    out["assignment_after_duplicate"] = [(tp.topic, tp.partition) for tp in consumer.assignment()]
    consumer.assign([TP(topic, 2), TP(topic, 0, 5)])
    out["assignment"] = [(tp.partition, tp.offset) for tp in consumer.assignment()]
    consumer.close()
    out["close_again"] = raised(consumer.close)
    out["closed"] = [raised(call) for call in (lambda: consumer.poll(0), consumer.assignment, consumer.memberid,
                                               lambda: consumer.commit(), lambda: consumer.seek(TP(topic, 0, 0)))]
    out["closed_list_topics"] = raised(consumer.list_topics)
    return out


# -- producer behaviour (tests/parity/test_producer_parity.py) ---------------------------

def warm_producer(kafka, conf, topic, **extra):
    """A producer that has already delivered one record to ``topic``, so librdkafka knows
    the topic's partitions and leaders (before that it parks records in an unassigned
    queue and cannot keep a sticky partition)."""
    producer = kafka.Producer(dict(conf, **extra))
    producer.produce(topic, value=b"warm-up", key=b"warm-up", partition=0)
    assert producer.flush(30) == 0
    return producer


def produce_burst(kafka, conf, topic, keys, **extra):
    """Produce one record per key as fast as possible (well inside any sticky linger);
    return the partition of each, in produce order."""
    producer = warm_producer(kafka, conf, topic, **extra)
    partitions, errors = {}, []

    def report(err, msg, index):
        if err is not None:
            errors.append(str(err))
        partitions[index] = msg.partition()

    for index, key in enumerate(keys):
        producer.produce(topic, value=b"v%d" % index, key=key,
                         on_delivery=lambda err, msg, index=index: report(err, msg, index))
    assert producer.flush(30) == 0 and not errors, errors[:3]
    return [partitions[index] for index in range(len(keys))]


def produce_argument_errors(kafka, conf, topic):
    """What produce() raises for bad arguments, and that nothing was produced meanwhile."""
    producer = warm_producer(kafka, conf, topic)
    delivered = []
    on_delivery = lambda err, msg: delivered.append(msg.offset())  # noqa: E731
    calls = {
        "partition 99": lambda: producer.produce(topic, b"v", partition=99, on_delivery=on_delivery),
        "partition 4": lambda: producer.produce(topic, b"v", partition=4, on_delivery=on_delivery),
        "partition -5": lambda: producer.produce(topic, b"v", partition=-5, on_delivery=on_delivery),
        "value int": lambda: producer.produce(topic, 5),
        "value bytearray": lambda: producer.produce(topic, bytearray(b"v")),
        "key int": lambda: producer.produce(topic, b"v", key=5),
        "key memoryview": lambda: producer.produce(topic, b"v", key=memoryview(b"k")),
        "timestamp float": lambda: producer.produce(topic, b"v", timestamp=1.5),
        "partition str": lambda: producer.produce(topic, b"v", partition="1"),
        "partition None": lambda: producer.produce(topic, b"v", partition=None),
        "topic None": lambda: producer.produce(None, b"v"),
        "topic int": lambda: producer.produce(5, b"v"),
        "headers int": lambda: producer.produce(topic, b"v", headers=5),
        "headers tuple": lambda: producer.produce(topic, b"v", headers=(("a", b"1"),)),
        "headers list of lists": lambda: producer.produce(topic, b"v", headers=[["a", b"1"]]),
        "headers value int": lambda: producer.produce(topic, b"v", headers={"a": 1}),
        "poll None": lambda: producer.poll(None),
        "flush str": lambda: producer.flush("1"),
        "list_topics int": lambda: producer.list_topics(5),
    }
    out = {}
    for name, call in calls.items():
        try:
            call()
            out[name] = None
        except Exception as exc:  # noqa: BLE001 - the type and wording are what we compare
            first = exc.args[0] if exc.args else None
            out[name] = (type(exc).__name__, first.code() if hasattr(first, "code") else None,
                         first.str() if hasattr(first, "str") else str(first))
    out["flush"] = producer.flush(30)
    out["delivered"] = delivered
    return out


def missing_topic(kafka, conf, topic):
    """Producing to a topic that does not exist, with auto creation off in the client: the
    first record fails in its delivery report, the next produce() raises, and the topic is
    still unknown to list_topics()."""
    producer = kafka.Producer(dict(conf, **{"allow.auto.create.topics": False,
                                            "topic.metadata.propagation.max.ms": 200}))
    reports = []
    producer.produce(topic, b"v", key=b"k", on_delivery=lambda err, msg: reports.append(
        (err.code(), err.str(), msg.topic(), msg.partition(), msg.offset(), msg.key(), msg.value())))
    out = {"left": producer.flush(30), "report": reports}
    out["again"] = raised(lambda: producer.produce(topic, b"v"))
    try:
        producer.produce(topic, b"v")
    except kafka.KafkaException as exc:
        out["again_str"] = exc.args[0].str()
    metadata = producer.list_topics(topic, timeout=10).topics[topic]
    out["list_topics"] = (metadata.error.code() if metadata.error else None, len(metadata.partitions))
    return out


def headers_round_trip(kafka, conf, topic):
    """Headers as produced (dict, list of tuples, str values, None values, empty) and as a
    consumer reads them back; delivery reports show none."""
    producer = warm_producer(kafka, conf, topic)
    cases = [{"a": "x", "b": b"y", "c": None}, [("a", b"1"), ("a", "2"), ("z", None)], [], {},
             [(1, b"int name")], [("é", "ü")], [("", b"")], None]
    in_reports = []
    for headers in cases:
        producer.produce(topic, b"h", partition=0, headers=headers,
                         on_delivery=lambda err, msg: in_reports.append(msg.headers()))
    assert producer.flush(30) == 0
    consumer = kafka.Consumer(consumer_conf(conf, f"{topic}-reader"))
    consumer.assign([kafka.TopicPartition(topic, 0, 1)])       # offset 0 is the warm-up record
    read = [msg.headers() for msg in poll_until(consumer, len(cases))]
    consumer.close()
    return {"in_reports": in_reports, "read": read}


def delivery_report_fields(kafka, conf, topic):
    """What a delivery callback receives, which callback argument wins, len() and flush()."""
    producer = warm_producer(kafka, conf, topic)
    seen = []
    producer.produce(topic, "text value", key="text key", partition=1, timestamp=1234567,
                     on_delivery=lambda err, msg: seen.append(
                         ("on_delivery", err, msg.topic(), msg.partition(), msg.key(), msg.value(), len(msg))))
    producer.produce(topic, b"v", partition=1, on_delivery=lambda err, msg: seen.append(("on_delivery",)),
                     callback=lambda err, msg: seen.append(("callback",)))
    producer.produce(topic, None, partition=1, on_delivery=lambda err, msg: seen.append(
        ("tombstone", msg.value(), len(msg))))
    waiting = len(producer)
    left = producer.flush(30)
    return {"seen": seen, "len_before_flush": waiting, "flush": left, "len_after_flush": len(producer),
            "purge": producer.purge(), "transactions": [raised(call) for call in (
                lambda: producer.init_transactions(1), producer.begin_transaction,
                lambda: producer.commit_transaction(1), lambda: producer.abort_transaction(1))],
            "close": producer.close(), "closed": [raised(call) for call in (
                lambda: producer.produce(topic, b"v"), lambda: producer.poll(0), lambda: producer.flush(0),
                producer.purge, producer.list_topics)],
            "len_closed": len(producer), "close_again": producer.close()}


def metadata_shape(kafka, conf, topic):
    """The shape of list_topics(): class names, field types, partition ids, errors."""
    producer = warm_producer(kafka, conf, topic)
    md = producer.list_topics(timeout=10)
    one = producer.list_topics(topic, timeout=10)
    t = one.topics[topic]
    p = t.partitions[0]
    broker = next(iter(md.brokers.values()))
    return {
        "classes": [type(x).__name__ for x in (md, t, p, broker)],
        "topic_in_all": topic in md.topics,
        "only_topic": sorted(one.topics),
        "topic": (t.topic, t.error, sorted(t.partitions)),
        "partition": (p.id, type(p.leader).__name__, type(p.replicas).__name__, type(p.isrs).__name__,
                      p.leader in p.replicas, p.error),
        "broker": (type(broker.id).__name__, type(broker.host).__name__, type(broker.port).__name__,
                   broker.id in md.brokers),
        "cluster_id": (type(md.cluster_id).__name__, producer.cluster_id(10) == md.cluster_id),
        "repr": (repr(t), repr(p), str(p)),
    }


# -- group liveness: time passes while the application is busy -----------------------------
class Clock:
    """Wall time against the mock, virtual time in pysim: ``sleep`` is the application being
    busy (no poll); ``now`` reads the side's clock in seconds."""

    def __init__(self, kafka, conf):
        cluster = getattr(kafka, "cluster", None)
        self._cluster = cluster(conf["bootstrap.servers"]) if cluster is not None else None

    def sleep(self, seconds):
        if self._cluster is not None:
            self._cluster.advance(int(seconds * 1000))
        else:
            import time
            time.sleep(seconds)

    def now(self):
        if self._cluster is not None:
            return self._cluster.now_ms / 1000
        import time
        return time.monotonic()


def first_message(consumer, limit=15.0, step=0.2):
    """Poll until a message arrives (the group forms first); None after ``limit`` polls' time."""
    for _ in range(int(limit / step)):
        msg = consumer.poll(step)
        if msg is not None and msg.error() is None:
            return msg
    return None


def background_auto_commit(kafka, conf, topic, group):
    """librdkafka commits stored offsets from its background thread: poll offset 0 (offset 1
    is stored), stay busy past auto.commit.interval.ms without polling, and offset 1 is
    committed. With enable.auto.offset.store=false nothing was stored, nothing committed."""
    produce_to_partitions(kafka, conf, topic, per_partition=3, partitions=[0])
    clock = Clock(kafka, conf)
    out = {}
    for store in (True, False):
        consumer = kafka.Consumer(consumer_conf(conf, f"{group}-{store}", **{
            "enable.auto.commit": True, "auto.commit.interval.ms": 1000, "enable.auto.offset.store": store}))
        consumer.subscribe([topic])
        msg = first_message(consumer)
        clock.sleep(2.5)
        committed = consumer.committed([kafka.TopicPartition(topic, 0)], timeout=10)[0].offset
        out[f"store={store}"] = (msg.partition(), msg.offset(), committed)
        consumer.close()
    return out


def static_close_waits_for_the_session_timeout(kafka, conf, topic, group):
    """A static member (group.instance.id) sends no LeaveGroup on close: the other member
    gets its partitions only once the coordinator's session timeout (6 s) evicts it. The
    session counts from the last heartbeat (every 0.5 s), so the eviction comes between
    5.5 and 6 s after the close on a broker; the mock takes longer (its rebalance waits)."""
    produce_to_partitions(kafka, conf, topic, per_partition=1, partitions=[0])   # the mock creates the topic
    clock = Clock(kafka, conf)
    extra = {"session.timeout.ms": 6000, "heartbeat.interval.ms": 500}
    a = kafka.Consumer(consumer_conf(conf, group, **{"group.instance.id": "a-1", **extra}))
    b = kafka.Consumer(consumer_conf(conf, group, **extra))
    for consumer in (a, b):
        consumer.subscribe([topic])
    for _ in range(75):
        a.poll(0.1)
        b.poll(0.1)
        if a.assignment() and b.assignment():
            break
    shares = sorted([len(a.assignment()), len(b.assignment())])
    a.close()
    closed = clock.now()
    held_before_timeout = None
    while clock.now() - closed < 20 and len(b.assignment()) < 4:
        b.poll(0.2)
        if clock.now() - closed < 5 and held_before_timeout is None:
            held_before_timeout = len(b.assignment())
    waited, b_after = clock.now() - closed, len(b.assignment())
    b.close()
    return {"shares": shares, "b_before_5s": held_before_timeout, "b_after": b_after,
            "waited_most_of_the_session": waited >= 5.0, "within_20s": waited < 20}


def join_and_leave_callbacks(kafka, conf, topic, group, strategy):
    """The rebalance callbacks each of two members sees, in order, when b joins a's group and
    then closes (a LeaveGroup): each callback as (kind, number of partitions). Member ids are
    random on both sides, so which partitions a member gets may differ; how many, and which
    callbacks in which order, is the protocol. (How one member's callbacks interleave with the
    other's depends on network timing on a real cluster, so each member's list is kept apart.)"""
    produce_to_partitions(kafka, conf, topic, per_partition=1, partitions=[0])   # the mock creates the topic
    extra = {"session.timeout.ms": 6000, "heartbeat.interval.ms": 500,
             "partition.assignment.strategy": strategy}
    events = []

    def callbacks(name):
        return dict(on_assign=lambda c, ps: events.append((name, "assign", len(ps))),
                    on_revoke=lambda c, ps: events.append((name, "revoke", len(ps))))

    def settle(consumers, want, limit=150):
        """Poll in turn until every consumer owns its wanted number of partitions and a few
        more rounds have passed (so a follow-up round shows)."""
        extra_rounds = 0
        for _ in range(limit):
            for consumer in consumers:
                consumer.poll(0.1)
            if [len(c.assignment()) for c in consumers] == want:
                extra_rounds += 1
                if extra_rounds >= 15:
                    return True
        return False

    a = kafka.Consumer(consumer_conf(conf, group, **extra))
    a.subscribe([topic], **callbacks("a"))
    settled_a = settle([a], [4])
    b = kafka.Consumer(consumer_conf(conf, group, **extra))
    b.subscribe([topic], **callbacks("b"))
    settled_ab = settle([a, b], [2, 2])
    joined = list(events)
    b.close()
    settled_after = settle([a], [4])
    a.close()

    def of(name, part):
        return [(kind, n) for who, kind, n in part if who == name]
    left = events[len(joined):]
    return {"settled": [settled_a, settled_ab, settled_after],
            "a_join": of("a", joined), "b_join": of("b", joined), "a_leave": of("a", left), "b_leave": of("b", left)}


# -- KIP-848: group.protocol=consumer --------------------------------------------------------
def kip848_incremental_callbacks(kafka, conf, topic, group):
    """group.protocol=consumer: the broker assigns; when b joins, a is told to revoke only what
    b gets (on_revoke with those, then on_assign with nothing new), and b gets them once a has
    acknowledged. Callbacks are incremental, and assign() inside one is refused (_STATE). The
    mock runs 3 s heartbeats and a 30 s session (Kafka: 5 s, 45 s): pysim's broker is set alike."""
    produce_to_partitions(kafka, conf, topic, per_partition=1, partitions=[0])   # the mock creates the topic
    cluster = getattr(kafka, "cluster", None)
    if cluster is not None:
        broker = cluster(conf["bootstrap.servers"])
        broker.group_consumer_heartbeat_interval_ms, broker.group_consumer_session_timeout_ms = 3000, 30000
    calls = []

    def make(name, group_id, on_assign=None):
        consumer = kafka.Consumer(dict(conf, **{"group.id": group_id, "group.protocol": "consumer", "client.id": name,
                                                "enable.auto.commit": False, "auto.offset.reset": "earliest"}))
        consumer.subscribe([topic], on_assign=on_assign or (
            lambda c, ps: calls.append((name, "assign", sorted(p.partition for p in ps)))),
            on_revoke=lambda c, ps: calls.append((name, "revoke", sorted(p.partition for p in ps))))
        return consumer

    a = make("a", group)
    for _ in range(100):
        a.poll(0.1)
        if len(a.assignment()) == 4:
            break
    b = make("b", group)
    for _ in range(150):
        a.poll(0.1)
        b.poll(0.1)
        if len(a.assignment()) == 2 and len(b.assignment()) == 2:
            break
    refused = []
    c3 = make("c3", f"{group}-assign", on_assign=lambda c, ps: refused.append(raised(lambda: c.assign(ps))))
    for _ in range(100):
        c3.poll(0.1)
        if refused:
            break
    c3.poll(0.5)
    out = {"calls": list(calls), "refused": refused[:1], "c3_assigned_after": len(c3.assignment())}
    for consumer in (a, b, c3):
        consumer.close()
    return out


def kip848_config_refusals(kafka, conf):
    """The classic-only settings librdkafka refuses with group.protocol=consumer: the words."""
    out = {}
    for name, value in (("session.timeout.ms", 45000), ("heartbeat.interval.ms", 3000),
                        ("partition.assignment.strategy", "range"), ("group.protocol.type", "consumer"),
                        ("group.protocol", "modern")):
        try:
            kafka.Consumer(dict(conf, **{"group.id": "kip848-config", "group.protocol": "consumer", name: value}))
            out[name] = None
        except kafka.KafkaException as exc:
            out[name] = (exc.args[0].code(), exc.args[0].str())
    return out
