"""Who could process which partition, when: measured from the trace alone.

A rebalance's cost is not a number anyone asserts; it is what the trace shows. This module
reads ONLY trace events (never live clients or the coordinator), so a test, an exercise
checker, the CLI and a lesson picture all measure the same run the same way, in CPython
and in Pyodide.

Event kinds it reads (all but ``topic.*`` and ``client.crash`` carry ``group``):

- ``topic.create`` (``topic``, ``partitions``) and ``topic.partitions`` (``topic``,
  ``new``): which partitions exist from when.
- ``owner.grant`` (actor: the member; ``partitions`` [[topic, p], ...], ``generation``):
  the consumer took these partitions into its assignment (it can fetch them from now on).
- ``owner.release`` (actor: the member it was granted to; ``partitions``, ``generation``, ``reason``:
  "revoke", "lost", "close", "crash", "unassign"): it stopped processing them.
- ``group.join`` (actor: a new member id), ``group.leave`` (LeaveGroup, ``reason``),
  ``group.evict`` (``reason``: "session timeout", "rebalance timeout", "fenced"),
  ``client.crash`` (actor: the member id of the client that died): membership.
- ``group.rebalance`` (``generation``): a generation formed (one rebalance, classic protocol).
- ``group.target`` (``epoch``): under the consumer protocol (KIP-848) the group epoch moved
  and the coordinator computed a new target assignment: the same count of "rebalances" (one
  per join, leave or eviction), though no member waits for the others to reach it.
- ``group.convert`` (online upgrade / downgrade between the two protocols) is not read: a
  conversion hands nothing over by itself, so ownership runs on through it in the
  ``owner.*`` events of the members that keep their partitions.

A partition is unavailable while it has no owner: before its first owner, between a
revoke and the next grant (eager rebalances, the follow-up round of cooperative-sticky),
and from a crash until the session timeout hands it on. A member is paused while it is
still in the group but owns nothing after having owned something (eager members between
revoke and assignment; a cooperative member that keeps a partition never pauses).
"""

from collections import defaultdict

OWNER_KINDS = ("owner.grant", "owner.release")


def ownership_timeline(trace, group, topic, start_ms=0, end_ms=None):
    """{partition: [(start_ms, end_ms, member or None), ...]}: who owned each partition of
    ``topic`` in ``group``, as consecutive intervals covering [start_ms, end_ms] (clipped
    to when the partition existed). ``end_ms`` defaults to the last event's time. Should
    two members ever own a partition at once (Kafka never lets it happen) the interval's
    owner is a tuple of both, sorted."""
    end_ms = _end(trace, end_ms)
    created, steps = _steps(trace, group, topic)
    out = {}
    for partition in sorted(created):
        born = created[partition]
        owners, cursor, segments = [], born, []
        for time_ms, owner_set in steps.get(partition, []):
            if time_ms > cursor:
                segments.append((cursor, time_ms, _owner(owners)))
            cursor, owners = max(cursor, time_ms), owner_set
        if end_ms > cursor:
            segments.append((cursor, end_ms, _owner(owners)))
        out[partition] = _clip(_merge(segments), start_ms, end_ms)
    return out


def gaps(trace, group, topic, start_ms=0, end_ms=None):
    """{partition: [(start_ms, end_ms), ...]}: when nobody could process the partition."""
    timeline = ownership_timeline(trace, group, topic, start_ms, end_ms)
    return {p: [(s, e) for s, e, owner in segs if owner is None] for p, segs in timeline.items()}


def double_owned(trace, group, topic):
    """[(time_ms, partition, owners)] for every instant at which two members owned one
    partition: empty in every correct run (what the property tests check)."""
    _, steps = _steps(trace, group, topic)
    return [(t, p, tuple(sorted(owners))) for p, changes in sorted(steps.items())
            for t, owners in changes if len(owners) > 1]


def paused(trace, group, start_ms=0, end_ms=None):
    """{member: paused ms within the window}: time a member spent in the group owning
    nothing after it had owned something, until it owned something again or left."""
    end_ms = _end(trace, end_ms)
    owned = defaultdict(set)          # member -> {(topic, p)}
    since = {}                        # member -> when it became paused
    total = defaultdict(int)

    def stop(member, t):
        began = since.pop(member, None)
        if began is not None:
            total[member] += max(0, min(t, end_ms) - max(began, start_ms))

    for e in trace:
        kind = e.kind
        if kind in OWNER_KINDS:
            if e.data.get("group") != group:
                continue
            keys = {tuple(k) for k in e.data["partitions"]}
            member = e.actor
            total.setdefault(member, 0)
            if kind == "owner.grant":
                owned[member] |= keys
                stop(member, e.time_ms)
            else:
                had = bool(owned[member])
                owned[member] -= keys
                if had and not owned[member] and e.data.get("reason") not in ("crash", "close"):
                    since[member] = e.time_ms
        elif kind in ("group.leave", "group.evict") and e.data.get("group") == group:
            stop(e.actor, e.time_ms)
        elif kind == "client.crash":
            stop(e.actor, e.time_ms)
    for member in list(since):
        stop(member, end_ms)
    return dict(sorted(total.items()))


REBALANCE_KINDS = ("group.rebalance", "group.target")


def rebalances(trace, group, start_ms=0, end_ms=None):
    """How many generations (classic) or target assignments, i.e. group epochs (consumer
    protocol), of ``group`` were made within the window."""
    end_ms = _end(trace, end_ms)
    return sum(1 for e in trace if e.kind in REBALANCE_KINDS and e.data.get("group") == group
               and start_ms <= e.time_ms <= end_ms)


def summary(trace, group, topic, start_ms=0, end_ms=None):
    """One dict for a report, a checker or a picture: the window, the rebalance count,
    per partition its unowned ms and gaps, the longest gap, the total, and per member its
    paused ms."""
    end_ms = _end(trace, end_ms)
    holes = gaps(trace, group, topic, start_ms, end_ms)
    unowned = {p: sum(e - s for s, e in hs) for p, hs in holes.items()}
    return {
        "group": group, "topic": topic, "window_ms": [start_ms, end_ms],
        "rebalances": rebalances(trace, group, start_ms, end_ms),
        "unowned_ms": unowned,
        "total_unowned_ms": sum(unowned.values()),
        "max_gap_ms": max((e - s for hs in holes.values() for s, e in hs), default=0),
        "gaps": {p: [list(g) for g in hs] for p, hs in holes.items()},
        "paused_ms": paused(trace, group, start_ms, end_ms),
    }


# -- inside -----------------------------------------------------------------------------
def _steps(trace, group, topic):
    """(created {partition: ms}, steps {partition: [(ms, frozenset(owners))]}) from one pass."""
    created, owners, steps = {}, defaultdict(set), defaultdict(list)
    for e in trace:
        kind, data = e.kind, e.data
        if kind == "topic.create" and data.get("topic") == topic:
            for p in range(data["partitions"]):
                created.setdefault(p, e.time_ms)
        elif kind == "topic.partitions" and data.get("topic") == topic:
            for p in range(data["old"], data["new"]):
                created.setdefault(p, e.time_ms)
        elif kind in OWNER_KINDS and data.get("group") == group:
            grant = kind == "owner.grant"
            for t, p in data["partitions"]:
                if t != topic:
                    continue
                if grant:
                    owners[p].add(e.actor)
                else:
                    owners[p].discard(e.actor)
                created.setdefault(p, 0)
                steps[p].append((e.time_ms, frozenset(owners[p])))   # every change, even within one ms
    return created, steps


def _owner(owners):
    if not owners:
        return None
    if len(owners) == 1:
        return next(iter(owners))
    return tuple(sorted(owners))


def _merge(segments):
    out = []
    for s, e, owner in segments:
        if out and out[-1][2] == owner and out[-1][1] == s:
            out[-1] = (out[-1][0], e, owner)
        else:
            out.append((s, e, owner))
    return out


def _clip(segments, start_ms, end_ms):
    return [(max(s, start_ms), min(e, end_ms), owner) for s, e, owner in segments
            if e > start_ms and s < end_ms]


def _end(trace, end_ms):
    if end_ms is not None:
        return end_ms
    return trace[len(trace) - 1].time_ms if len(trace) else 0
