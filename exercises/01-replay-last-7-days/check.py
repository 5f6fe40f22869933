"""Hidden setup and checks for 01-replay-last-7-days. setup() leaves 10 virtual days of orders
on "orders" (07:00-23:00 each day, none at night) and "billing" committed at the end of every
partition. "The last 7 days" at day 10 00:00 starts at day 3 00:00; with no order between
23:00 and 07:00, any cutoff computed in the first hours of day 10 selects the same orders."""

from pysim import kafka

TOPIC = "orders"
PARTITIONS = 3
HOUR_MS = 60 * 60 * 1000
DAY_MS = 24 * HOUR_MS
CUTOFF_MS = 3 * DAY_MS          # day 10 00:00 minus 7 days


def setup():
    """10 days of orders on "orders", all read and committed by "billing", made in virtual time
    (which starts at day 0, 00:00) before the learner's code runs: a real cluster would already
    hold them. The shop takes orders from 07:00 to 23:00; it is now day 10, 00:00."""
    cluster = kafka.cluster("localhost:9092")
    cluster.create_topic(TOPIC, num_partitions=PARTITIONS,
                         config={"retention.ms": str(30 * DAY_MS)})   # keep 30 days
    producer = kafka.Producer({"bootstrap.servers": "localhost:9092",
                               "partitioner": "murmur2_random"})
    n = 0
    for day in range(10):
        cluster.advance(day * DAY_MS + 7 * HOUR_MS - cluster.now_ms)          # the shop opens
        while cluster.now_ms < day * DAY_MS + 23 * HOUR_MS:
            producer.produce(TOPIC, key=f"customer-{n * 7 % 40}", value=f"order-{n:04d}",
                             timestamp=cluster.now_ms)
            n += 1
            cluster.advance((9 + n * 37 % 50) * 60 * 1000)                    # 9 to 58 minutes
    producer.flush()
    cluster.advance(10 * DAY_MS - cluster.now_ms)                             # day 10, 00:00

    billing = kafka.Consumer({"bootstrap.servers": "localhost:9092", "group.id": "billing",
                              "auto.offset.reset": "earliest", "enable.auto.commit": False})
    billing.subscribe([TOPIC])
    idle = 0
    while idle < 5:                                       # until nothing new for 5 polls
        msg = billing.poll(1.0)
        idle = idle + 1 if msg is None else 0             # (billing charges the order here)
    billing.commit(asynchronous=False)
    billing.close()


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, (bytes, bytearray)) else value


def _log(run):
    """{order id: (partition, offset, timestamp)} for every stored order."""
    cluster = run.cluster()
    assert cluster.has_topic(TOPIC), f'The topic "{TOPIC}" is gone: leave the given topic in place.'
    where = {}
    for p in range(cluster.num_partitions(TOPIC)):
        for record in cluster.records(TOPIC, p):
            where[_text(record.value)] = (p, record.offset, record.timestamp)
    return where


def _replayed(run):
    value = run.get("replayed")
    assert isinstance(value, list), ("Define replayed: the list of order ids (msg.value().decode()) the "
                                     f"analytics consumer read, in the order it read them; got {type(value).__name__}.")
    return [_text(v) for v in value]


def _ends(run):
    cluster = run.cluster()
    return {p: cluster.watermarks(TOPIC, p)[1] for p in range(cluster.num_partitions(TOPIC))}


def _billing_used_again(run):
    """True when the learner's code consumed as group billing: the setup joins billing once and
    fetches every record once."""
    trace = run.cluster().trace
    joins = [e for e in trace.events("group.join") if e.data.get("group") == "billing"]
    fetches = [e for e in trace.events("fetch", actor="billing") if e.data.get("topic") == TOPIC]
    return len(joins) > 1 or len(fetches) > sum(_ends(run).values())


def check_window(run):
    """analytics read every order of the last 7 days, and none older."""
    log = _log(run)
    replayed = _replayed(run)
    expected = {order for order, (_, _, ts) in log.items() if ts >= CUTOFF_MS}
    got = set(replayed)
    unknown = sorted(got - set(log))
    assert not unknown, f"replayed holds {unknown[0]!r}, which is not an order on \"{TOPIC}\": append msg.value().decode()."
    if not replayed:
        assert not _billing_used_again(run), (
            'Your consumer used the group billing, which starts at billing\'s committed offsets: the end of the log, '
            'so it reads nothing (and moving them back would make billing charge those orders again). '
            'Use a new group, group.id "analytics".')
        raise AssertionError("analytics read nothing. A new group starts where auto.offset.reset says (latest: the "
                             "end), and a cutoff from the wall clock is in the future here: use cluster.now_ms - "
                             "7 days, ask offsets_for_times() where that is in each partition, and start there.")
    older = sorted(got - expected)
    assert not older, (f"analytics read {len(older)} orders older than 7 days (e.g. {older[0]}). Earliest starts at "
                       "the beginning of the log: start each partition at the offset offsets_for_times() returns.")
    missing = sorted(expected - got)
    assert not missing, (f"{len(missing)} orders of the last 7 days were not read (e.g. {missing[0]}): read every "
                         "assigned partition up to its end.")
    dupes = len(replayed) - len(got)
    assert dupes == 0, f"replayed lists {dupes} order(s) twice: read each record once."


def check_partition_order(run):
    """In each partition, the orders were read in offset order."""
    log = _log(run)
    last = {}
    for order in _replayed(run):
        if order not in log:
            continue
        p, offset, _ = log[order]
        assert offset > last.get(p, -1), (f"In partition {p}, {order} (offset {offset}) was read after offset "
                                          f"{last[p]}: read each partition forward, from its start offset.")
        last[p] = offset
    assert last, "analytics read no order."


def check_read_only_the_window(run):
    """analytics fetched nothing older than 7 days (it started at the right offset, it did not filter)."""
    log = _log(run)
    first_in_window = {}
    for p, offset, ts in log.values():
        if ts >= CUTOFF_MS:
            first_in_window[p] = min(offset, first_in_window.get(p, offset))
    fetches = [e for e in run.cluster().trace.events("fetch", actor="analytics") if e.data.get("topic") == TOPIC]
    assert fetches, "The group analytics fetched nothing from \"orders\": consume with group.id \"analytics\"."
    early = [e for e in fetches if e.data.get("offset", 0) < first_in_window.get(e.data.get("partition"), 0)]
    assert not early, (f"analytics fetched {len(early)} records from before the window (e.g. partition "
                       f"{early[0].data['partition']} offset {early[0].data['offset']}) and filtered them out. On a "
                       "real topic that can be years of data: seek to offsets_for_times() instead.")


def check_analytics_committed(run):
    """analytics committed its progress: the end of every partition."""
    cluster = run.cluster()
    for p, end in _ends(run).items():
        committed = cluster.committed("analytics", TOPIC, p)
        assert committed is not None, (f"The group analytics has no committed offset for partition {p}: commit "
                                       "(consumer.commit(asynchronous=False)) after reading, so a restart resumes there.")
        assert committed == end, (f"analytics committed offset {committed} for partition {p}, but its end is {end}: "
                                  "commit after you have read everything.")


def check_billing_untouched(run):
    """billing's committed offsets are unchanged: still the end of every partition."""
    cluster = run.cluster()
    ends = _ends(run)
    for p, end in ends.items():
        committed = cluster.committed("billing", TOPIC, p)
        assert committed == end, (f"billing's committed offset for partition {p} is now {committed} (it was {end}): "
                                  "replaying with group billing would make billing charge those orders again. "
                                  "Use a new group.id, \"analytics\".")
    moved = [e for e in cluster.trace.events("commit", actor="billing")
             if e.data.get("topic") == TOPIC and e.data.get("offset") != ends.get(e.data.get("partition"))]
    assert not moved, (f"billing's offset for partition {moved[0].data['partition']} was moved to "
                       f"{moved[0].data['offset']} on the way: leave the group billing alone, use \"analytics\".")
