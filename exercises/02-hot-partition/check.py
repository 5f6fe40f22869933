"""Hidden checks for 02-hot-partition. They read the "payments" topic itself: how the
events are spread over partitions, and whether each payment's events share one partition
in the order the service emitted them."""

import json

TOPIC = "payments"
PARTITIONS = 6
MAX_SHARE = 0.30


def _expected_events():
    """The events the given payment_events() emits, in emission order (kept in sync with it)."""
    merchants = ["m-big"] * 7 + ["m-bakery", "m-bikes", "m-books"]
    payments = [(f"pay-{i:04d}", merchants[i % len(merchants)]) for i in range(600)]
    for start in range(0, len(payments), 20):
        wave = payments[start:start + 20]
        for step in ["create", "authorize", "capture", "refund"]:
            for n, (payment_id, merchant) in enumerate(wave, start):
                if step != "refund" or n % 4 == 0:
                    yield payment_id, merchant, step


def _steps_by_payment():
    out = {}
    for payment_id, _, step in _expected_events():
        out.setdefault(payment_id, []).append(step)
    return out


def _stored(run):
    """[(partition, offset, payment_id, step, key)] of every record in "payments"."""
    cluster = run.cluster()
    assert cluster.has_topic(TOPIC), f'There is no topic "{TOPIC}": keep the setup line that creates it.'
    n = cluster.num_partitions(TOPIC)
    assert n == PARTITIONS, (f'"{TOPIC}" has {n} partitions; keep the setup ({PARTITIONS}): the point is to '
                             "spread the load over the partitions you have.")
    out = []
    for p in range(n):
        for record in cluster.records(TOPIC, p):
            try:
                event = json.loads(record.value)
                out.append((p, record.offset, event["payment_id"], event["step"], record.key))
            except (TypeError, ValueError, KeyError):
                raise AssertionError(f"Partition {p} offset {record.offset} holds {record.value!r}: keep the "
                                     "value as json.dumps(event); change only the key.") from None
    return out


def _partitions_of(run):
    where = {}
    for p, _, payment_id, _, _ in _stored(run):
        where.setdefault(payment_id, set()).add(p)
    return where


def check_all_events(run):
    """Every payment event was produced exactly once."""
    got = {}
    for _, _, payment_id, step, _ in _stored(run):
        got[(payment_id, step)] = got.get((payment_id, step), 0) + 1
    want = {(payment_id, step): 1 for payment_id, _, step in _expected_events()}
    assert got, f'"{TOPIC}" is empty: produce every event of payment_events(), then flush().'
    missing = sorted(set(want) - set(got))
    assert not missing, f"{len(missing)} events are missing, e.g. {missing[0]}: produce every event once."
    extra = sorted(k for k in got if got[k] > 1 or k not in want)
    assert not extra, f"{extra[0]} was produced {got[extra[0]]} times: produce each event exactly once."


def check_load_spread(run):
    """No partition holds more than 30% of the events: the load is spread."""
    stored = _stored(run)
    assert stored, f'"{TOPIC}" is empty.'
    per_partition = [0] * PARTITIONS
    for p, _, _, _, _ in stored:
        per_partition[p] += 1
    hot = max(range(PARTITIONS), key=lambda p: per_partition[p])
    share = per_partition[hot] / len(stored)
    where = f"Partition {hot} holds {share:.0%} of the events ({per_partition[hot]} of {len(stored)})."
    unkeyed = sum(1 for p, _, _, _, key in stored if p == hot and key is None)
    assert share <= MAX_SHARE or unkeyed * 2 <= per_partition[hot], (
        f"{where} {unkeyed} of them have no key. Without a key, librdkafka sends a record to the "
        "topic's sticky partition, drawn again only once sticky.partitioning.linger.ms (10 ms) has "
        "passed: a burst produced at once lands in a single partition. Produced over time they would "
        "spread, and then one payment's events would land in different partitions.")
    assert share <= MAX_SHARE, (
        f"{where} A key sends all of its records to one partition, so a key with 70% of the traffic "
        "makes a partition with 70% of the load. Choose a key with many distinct values.")


def check_payment_in_one_partition(run):
    """All events of one payment sit in a single partition."""
    where = _partitions_of(run)
    split = sorted(pid for pid, parts in where.items() if len(parts) > 1)
    assert not split, (f"{len(split)} payments are split over several partitions, e.g. {split[0]} in "
                       f"{sorted(where[split[0]])}. Each partition is read independently, so nothing keeps "
                       "their events in order: every event of a payment needs the same key.")


def check_payment_key(run):
    """All events of one payment carry the same key, so no timing can split them."""
    keys = {}
    for _, _, payment_id, _, key in _stored(run):
        keys.setdefault(payment_id, set()).add(key)
    unkeyed = sorted(pid for pid, ks in keys.items() if None in ks)
    assert not unkeyed, (
        f"{len(unkeyed)} payments have events without a key, e.g. {unkeyed[0]}. Whatever partition such "
        "events share, they share it by luck of timing (librdkafka draws a new sticky partition once "
        "10 ms have passed): nothing keeps them together. Give every event of a payment the same key.")
    mixed = sorted(pid for pid, ks in keys.items() if len(ks) > 1)
    assert not mixed, (
        f"{len(mixed)} payments have events with different keys, e.g. {mixed[0]} with "
        f"{sorted(k.decode('utf-8', 'replace') for k in keys[mixed[0]])}: different keys may hash to "
        "different partitions. Give every event of a payment the same key.")


def check_payment_order(run):
    """In its partition, each payment's events are in the order they were emitted."""
    where = _partitions_of(run)
    seen = {}
    for p, offset, payment_id, step, _ in sorted(_stored(run), key=lambda r: r[:2]):
        seen.setdefault(payment_id, []).append(step)
    for payment_id, steps in _steps_by_payment().items():
        parts = sorted(where.get(payment_id, ()))
        assert len(parts) == 1, (f"{payment_id}'s events are in partitions {parts}, so their order is not "
                                 "kept: a consumer may apply capture before authorize.")
        assert seen[payment_id] == steps, (f"{payment_id}'s events are stored as {seen[payment_id]}, "
                                           f"but were emitted as {steps}: produce them in emission order.")
