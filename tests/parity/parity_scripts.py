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
