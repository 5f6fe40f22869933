"""pysim.kafka.availability on hand-written traces: what it measures is exactly what the
events say, with no simulator involved."""

from pysim.kernel.clock import Clock
from pysim.kafka import availability
from pysim.kernel.trace import Trace


def _trace(events):
    clock = Clock()
    trace = Trace(clock)
    for time_ms, kind, actor, data in events:
        clock.set(time_ms)
        trace.record(kind, actor, **data)
    return trace


def _own(kind, member, parts, reason=None, group="g"):
    data = {"group": group, "generation": 1, "partitions": [["t", p] for p in parts]}
    if reason:
        data["reason"] = reason
    return kind, member, data


EAGER = _trace([
    (0, "topic.create", "cluster", {"topic": "t", "partitions": 2}),
    (0, "group.join", "a", {"group": "g"}),
    (3000, "group.rebalance", "coordinator", {"group": "g", "generation": 1}),
    (3000, *_own("owner.grant", "a", [0, 1])),
    (10_000, "group.join", "b", {"group": "g"}),
    (12_000, *_own("owner.release", "a", [0, 1], "revoke")),
    (12_000, "group.rebalance", "coordinator", {"group": "g", "generation": 2}),
    (12_500, *_own("owner.grant", "a", [0])),
    (13_000, *_own("owner.grant", "b", [1])),
    (13_000, *_own("owner.grant", "x", [0], group="other")),     # another group: ignored
    (20_000, "client.crash", "b", {"client": "Consumer"}),
    (20_000, *_own("owner.release", "b", [1], "crash")),
])


def test_the_timeline_covers_the_window_with_owners_and_holes():
    timeline = availability.ownership_timeline(EAGER, "g", "t", end_ms=30_000)
    assert timeline == {
        0: [(0, 3000, None), (3000, 12_000, "a"), (12_000, 12_500, None), (12_500, 30_000, "a")],
        1: [(0, 3000, None), (3000, 12_000, "a"), (12_000, 13_000, None), (13_000, 20_000, "b"),
            (20_000, 30_000, None)],
    }


def test_gaps_are_clipped_to_the_window():
    assert availability.gaps(EAGER, "g", "t", start_ms=10_000, end_ms=25_000) == {
        0: [(12_000, 12_500)], 1: [(12_000, 13_000), (20_000, 25_000)]}


def test_paused_counts_an_eager_member_between_revoke_and_assignment_not_a_crashed_one():
    assert availability.paused(EAGER, "g", end_ms=30_000) == {"a": 500, "b": 0}


def test_summary_and_rebalances():
    s = availability.summary(EAGER, "g", "t", start_ms=10_000, end_ms=25_000)
    assert s["rebalances"] == 1 and s["unowned_ms"] == {0: 500, 1: 6000}
    assert s["total_unowned_ms"] == 6500 and s["max_gap_ms"] == 5000
    assert s["paused_ms"] == {"a": 500, "b": 0}
    assert availability.rebalances(EAGER, "g") == 2        # the window ends at the last event by default


def test_double_ownership_is_reported():
    trace = _trace([
        (0, "topic.create", "cluster", {"topic": "t", "partitions": 1}),
        (1000, *_own("owner.grant", "a", [0])),
        (2000, *_own("owner.grant", "b", [0])),
        (2500, *_own("owner.release", "a", [0], "lost")),
    ])
    assert availability.double_owned(trace, "g", "t") == [(2000, 0, ("a", "b"))]
    assert availability.ownership_timeline(trace, "g", "t", end_ms=3000)[0] == [
        (0, 1000, None), (1000, 2000, "a"), (2000, 2500, ("a", "b")), (2500, 3000, "b")]


def test_partitions_added_later_start_when_they_are_created():
    trace = _trace([
        (0, "topic.create", "cluster", {"topic": "t", "partitions": 1}),
        (5000, "topic.partitions", "cluster", {"topic": "t", "old": 1, "new": 2}),
    ])
    assert availability.gaps(trace, "g", "t", end_ms=8000) == {0: [(0, 8000)], 1: [(5000, 8000)]}
