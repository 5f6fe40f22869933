"""What happened to each record of a share group, read from the trace alone (like
availability.py for consumer groups): who held it when, how each delivery ended, how the
record ended, and anything KIP-932 promises that did not hold. Pictures draw a record's
life from it, checks and tests judge a run with it, without touching live objects.

``history(trace, group)`` returns {(topic, partition, offset): RecordHistory}, in that
order. A delivery is (member, acquired_ms, delivery_count, ended_ms, how): ``how`` is
"accept", "release", "reject", "lock_timeout", "member left", or None while still held.
A record's ``outcome`` is "accepted", "rejected", "archived" (at the delivery-count limit,
or gone from the log) or None (still available or held).

``anomalies(histories, limit)`` names broken promises, as (kind, key, message):
``double_acquire`` (acquired while another member held it), ``after_final`` (delivered
after it was accepted or archived), ``over_limit`` (a delivery count above ``limit``).
"""

from typing import NamedTuple

ENDINGS = {"share.accept": "accept", "share.reject": "reject", "share.lock_timeout": "lock_timeout"}


class Delivery(NamedTuple):
    member: str
    acquired_ms: int
    delivery_count: int
    ended_ms: int | None
    how: str | None


class RecordHistory(NamedTuple):
    deliveries: tuple
    outcome: str | None


def history(trace, group):
    """Per record of ``group`` its deliveries and outcome (see the module docstring)."""
    open_, done, outcome, order = {}, {}, {}, []
    for e in trace:
        if not e.kind.startswith("share.") or e.data.get("group") != group or "offset" not in e.data:
            continue
        key = (e.data["topic"], e.data["partition"], e.data["offset"])
        if key not in done:
            done[key] = []
            order.append(key)
        if e.kind == "share.acquire":
            open_.setdefault(key, []).append([e.actor, e.time_ms, e.data["delivery_count"], None, None])
        elif e.kind in ENDINGS or e.kind == "share.release":
            how = ENDINGS.get(e.kind) or ("release" if e.data.get("reason") == "released" else e.data.get("reason"))
            held = open_.get(key)
            if held:
                d = held.pop(0)
                d[3], d[4] = e.time_ms, how
                done[key].append(Delivery(*d))
            if e.kind == "share.accept":
                outcome[key] = "accepted"
        elif e.kind == "share.archive":
            outcome[key] = "rejected" if e.data.get("reason") == "rejected" else "archived"
    out = {}
    for key in sorted(order):
        still = [Delivery(*d) for d in open_.get(key, ())]
        deliveries = tuple(sorted(done[key] + still, key=lambda d: (d.acquired_ms, d.delivery_count)))
        out[key] = RecordHistory(deliveries, outcome.get(key))
    return out


def anomalies(histories, limit):
    """Broken KIP-932 promises in ``histories`` (from history()), as (kind, key, message)."""
    found = []
    for key, h in histories.items():
        ds = h.deliveries
        for before, after in zip(ds, ds[1:]):
            if before.ended_ms is None or after.acquired_ms < before.ended_ms:
                found.append(("double_acquire", key, f"{key} acquired by {after.member} at {after.acquired_ms} ms "
                                                     f"while {before.member} held it"))
            if before.how in ("accept", "reject"):
                found.append(("after_final", key, f"{key} delivered again after {before.how} at {before.ended_ms} ms"))
        for d in ds:
            if d.delivery_count > limit:
                found.append(("over_limit", key, f"{key} delivered {d.delivery_count} times (limit {limit})"))
    return found
