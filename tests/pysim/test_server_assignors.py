"""KIP-848's broker-side assignors (pysim.kafka.server_assignors): uniform is balanced and
sticky (Kafka's UniformHomogeneousAssignmentBuilder), range hands out contiguous ranges in
member order and is not sticky (Kafka's RangeAssignor since 3.9, KAFKA-16944)."""

import pytest
from hypothesis import given, strategies as st

from pysim.kafka.server_assignors import MemberSpec, compute


def _specs(current, instance_ids=None):
    instance_ids = instance_ids or {}
    return [MemberSpec(m, instance_ids.get(m), ["t"], [("t", p) for p in parts]) for m, parts in current.items()]


def _parts(result):
    return {m: [p for _, p in tps] for m, tps in result.items()}


def test_uniform_keeps_what_members_have_and_moves_only_the_excess():
    # Kafka's example shape: 7 partitions over 3 members (quota 3, 2, 2 in member order).
    result = _parts(compute("uniform", _specs({"a": [0, 1, 2, 3], "b": [4, 5, 6], "c": []}), {"t": 7}))
    assert result == {"a": [0, 1, 2], "b": [4, 5], "c": [3, 6]}


def test_uniform_gives_a_newcomer_only_from_members_above_their_quota():
    result = _parts(compute("uniform", _specs({"a": [0, 1, 2], "b": [3, 4, 5], "new": []}), {"t": 6}))
    assert result == {"a": [0, 1], "b": [3, 4], "new": [2, 5]}


def test_range_is_contiguous_in_member_order_static_members_first_and_not_sticky():
    specs = _specs({"zz": [0, 1, 2], "aa": [3, 4, 5], "mm": []}, instance_ids={"zz": "i-1"})
    assert _parts(compute("range", specs, {"t": 6})) == {"zz": [0, 1], "aa": [2, 3], "mm": [4, 5]}
    # The same members with swapped histories get the same ranges: range ignores the current assignment.
    swapped = _specs({"zz": [3, 4, 5], "aa": [0, 1, 2], "mm": []}, instance_ids={"zz": "i-1"})
    assert compute("range", swapped, {"t": 6}) == compute("range", specs, {"t": 6})


def test_an_unknown_assignor_is_a_programming_error():
    with pytest.raises(ValueError):
        compute("sticky", _specs({"a": []}), {"t": 1})


@given(count=st.integers(1, 24), history=st.lists(st.integers(0, 5), min_size=0, max_size=24),
       members=st.integers(1, 6), assignor=st.sampled_from(["uniform", "range"]))
def test_every_partition_has_one_member_and_sizes_differ_by_at_most_one(count, history, members, assignor):
    names = [f"m{i}" for i in range(members)]
    current = {n: [] for n in names}
    for p, owner in enumerate(history[:count]):
        current[names[owner % members]].append(p)
    result = _parts(compute(assignor, _specs(current), {"t": count}))
    flat = sorted(p for ps in result.values() for p in ps)
    assert flat == list(range(count))
    sizes = [len(ps) for ps in result.values()]
    assert max(sizes) - min(sizes) <= 1
    if assignor == "uniform":
        # Sticky: every member keeps as much of what it had as its quota allows.
        base, extra = divmod(count, members)
        for i, n in enumerate(names):
            quota = base + (1 if i < extra else 0)
            assert len(set(current[n]) & set(result[n])) == min(len(current[n]), quota)
