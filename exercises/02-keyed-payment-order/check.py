"""Hidden checks for 02-keyed-payment-order. Each check_<name>(run) reads what the learner's
code left in the simulated cluster (records, trace) and their variables/output."""

from pysim.partitioner import crc32_partition, fnv1a_partition, partition_for_key

TOPIC = "payments"
PAYMENT_IDS = ["pay-1", "pay-2", "pay-3", "pay-4", "pay-5"]
STEPS = ["create", "authorize", "capture", "refund"]
# Where librdkafka's partitioners put a non-empty key (the prompt leaves the partitioner to the
# learner, so any of them is right, as long as one rule explains every payment). The default,
# consistent_random, comes first: failure messages quote it.
KEY_RULES = [
    ("consistent_random, librdkafka's default: crc32(key) % 6", crc32_partition),
    ("murmur2_random, the Java client's rule: murmur2(key) % 6", partition_for_key),
    ("fnv1a_random: fnv1a(key) % 6", fnv1a_partition),
]


def _field(record, name):
    value = getattr(record, name)
    return value() if callable(value) else value


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, (bytes, bytearray)) else value


def _records_by_partition(run):
    cluster = run.cluster()
    assert TOPIC in cluster.topics(), f'There is no topic "{TOPIC}" on localhost:9092: create it first.'
    return {p: cluster.records(TOPIC, p) for p in range(cluster.num_partitions(TOPIC))}


def check_topic(run):
    """The topic "payments" has 6 partitions."""
    cluster = run.cluster()
    assert TOPIC in cluster.topics(), f'There is no topic "{TOPIC}": create it with num_partitions=6.'
    n = cluster.num_partitions(TOPIC)
    assert n == 6, f'"{TOPIC}" has {n} partition(s); the exercise needs 6 (ordering must hold with parallelism).'


def check_keyed_events(run):
    """Every payment's four events were produced, keyed by the payment id."""
    seen = {}
    for partition, records in sorted(_records_by_partition(run).items()):
        for record in records:
            key = _text(_field(record, "key"))
            seen.setdefault(key, []).append(_text(_field(record, "value")))
    missing = [p for p in PAYMENT_IDS if p not in seen]
    unkeyed = len(seen.get(None, ()))
    assert not missing, (f"No records keyed by {', '.join(missing)}. Pass key=payment_id to produce(): "
                         f"keys found: {sorted(k for k in seen if k is not None)[:6] or 'none'}"
                         + (f"; {unkeyed} records have no key. librdkafka sends records without a key to "
                            "a sticky partition that it draws again once sticky.partitioning.linger.ms "
                            "(10 ms) has passed, so where they land depends only on when they were "
                            "produced." if unkeyed else "."))
    for payment_id in PAYMENT_IDS:
        assert sorted(seen[payment_id]) == sorted(STEPS), (
            f"{payment_id} has events {seen[payment_id]}; expected each of {STEPS} exactly once.")


def check_one_partition_per_payment(run):
    """All events of one payment sit in a single partition."""
    where = {}
    for partition, records in _records_by_partition(run).items():
        for record in records:
            where.setdefault(_text(_field(record, "key")), set()).add(partition)
    unkeyed = sorted(where.get(None, ()))
    for payment_id in PAYMENT_IDS:
        parts = sorted(where.get(payment_id, ()))
        assert parts, (f"No record is keyed by {payment_id}, so nothing ties its events to one partition"
                       + (f": the records without a key are in partition(s) {unkeyed}, wherever the "
                          "sticky partition was when each was produced." if unkeyed else "."))
        assert len(parts) == 1, (f"{payment_id}'s events are spread over partitions {parts}: "
                                 "only records with the same key share a partition.")


def check_partition_from_key(run):
    """Each payment is in the partition its key hashes to: the partitioner chose it, not the code."""
    where = {}
    for partition, records in _records_by_partition(run).items():
        for record in records:
            where.setdefault(_text(_field(record, "key")), set()).add(partition)
    n = run.cluster().num_partitions(TOPIC)
    missing = [p for p in PAYMENT_IDS if p not in where]
    assert not missing, f"No record is keyed by {', '.join(missing)}: pass key=payment_id to produce()."
    for name, rule in KEY_RULES:
        if all(where[p] == {rule(p.encode(), n)} for p in PAYMENT_IDS):
            return
    default_name, default_rule = KEY_RULES[0]
    wrong = next((p for p in PAYMENT_IDS if where[p] != {default_rule(p.encode(), n)}), PAYMENT_IDS[0])
    raise AssertionError(
        f"{wrong} is in partition(s) {sorted(where[wrong])}, but its key belongs in partition "
        f"{default_rule(wrong.encode(), n)} ({default_name}), and no other librdkafka partitioner "
        "puts every payment where yours are. Do not pass partition= to produce(): let the key "
        "choose, so that every producer of this topic sends a payment to the same partition.")


def check_spread_over_partitions(run):
    """The events are spread over more than one partition: no single hot partition."""
    used = {p: len(records) for p, records in _records_by_partition(run).items() if records}
    assert used, "The topic is empty: produce the payments' events, keyed by payment id."
    assert len(used) > 1, (
        f"All {sum(used.values())} events are in partition {next(iter(used))}: one hot partition "
        "does all the work, and in a group of consumers only its owner is busy. Keying by payment "
        "id spreads the payments over the partitions while keeping each one's events together.")


def check_order_in_partition(run):
    """In its partition, each payment's events are in produced order (create → refund)."""
    for partition, records in _records_by_partition(run).items():
        ordered = sorted(records, key=lambda r: _field(r, "offset"))
        per_key = {}
        for record in ordered:
            per_key.setdefault(_text(_field(record, "key")), []).append(_text(_field(record, "value")))
        for payment_id in PAYMENT_IDS:
            if payment_id in per_key:
                assert per_key[payment_id] == STEPS, (
                    f"In partition {partition}, {payment_id}'s events are {per_key[payment_id]}; "
                    f"produce them in the order {STEPS}.")


def check_consumed(run):
    """The consumer read the events back, and events_by_payment matches the cluster."""
    events = run.get("events_by_payment")
    assert isinstance(events, dict), "Define events_by_payment: a dict payment id -> list of event names."
    fetched = [e for e in run.cluster().trace if e.kind in ("fetch", "consume", "poll.fetch")]
    assert fetched, "No consumer fetched from the cluster: consume the events back with Consumer.poll()."
    for payment_id in PAYMENT_IDS:
        got = events.get(payment_id)
        assert got == STEPS, (f"events_by_payment[{payment_id!r}] is {got!r}; consumed in order it should be {STEPS}.")


def check_conclusion(run):
    """The output shows each payment, and in_order says True."""
    events = run.get("events_by_payment")
    actually = isinstance(events, dict) and all(events.get(p) == STEPS for p in PAYMENT_IDS)
    consumed_all = isinstance(events, dict) and all(events.get(p) for p in PAYMENT_IDS)
    if run.get("in_order") is False and consumed_all and not actually:
        broken = next(p for p in PAYMENT_IDS if events.get(p) != STEPS)
        raise AssertionError(f"in_order is False, and rightly so: {broken} came back as {events.get(broken)!r}. "
                             "Fix the producer (key=payment_id) so that the order holds.")
    assert run.get("in_order") is True, "Set in_order = True once you have compared the consumed order with STEPS."
    assert actually, ("in_order says True, but events_by_payment shows another order: "
                      "compute in_order from what you consumed instead of assuming it.")
    for payment_id in PAYMENT_IDS:
        assert payment_id in run.stdout, f"Print one line per payment: {payment_id} is missing from the output."
