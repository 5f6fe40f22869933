"""The classic assignors against the golden cases of Kafka's and librdkafka's unit tests
(/work/shared/reference/kafka-semantics.md section 2), plus their invariants."""

import pytest
from hypothesis import given, settings, strategies as st

from pysim.kafka import assignors as a
from pysim.kafka.errors import KafkaError, KafkaException
from pysim.kafka.sticky_assignor import sticky_assign


def _m(member_id, topics, **kw):
    return a.MemberSubscription(member_id, topics, **kw)


def _tps(text):
    """'t1-0 t2-1' -> [("t1", 0), ("t2", 1)]"""
    return [(t, int(p)) for t, p in (item.rsplit("-", 1) for item in text.split())]


def test_case1_range_two_members_two_topics():
    out = a.range_assign([_m("c2", {"t1", "t2"}), _m("c1", {"t1", "t2"})], {"t1": 3, "t2": 3})
    assert out == {"c1": _tps("t1-0 t1-1 t2-0 t2-1"), "c2": _tps("t1-2 t2-2")}


def test_case2_range_only_subscribers_of_a_topic_share_it():
    members = [_m("c1", {"t1"}), _m("c2", {"t1", "t2"}), _m("c3", {"t1"})]
    out = a.range_assign(members, {"t1": 3, "t2": 2})
    assert out == {"c1": _tps("t1-0"), "c2": _tps("t1-1 t2-0 t2-1"), "c3": _tps("t1-2")}


def test_case3_roundrobin_two_members_two_topics():
    out = a.roundrobin_assign([_m("c1", {"t1", "t2"}), _m("c2", {"t1", "t2"})], {"t1": 3, "t2": 3})
    assert out == {"c1": _tps("t1-0 t1-2 t2-1"), "c2": _tps("t1-1 t2-0 t2-2")}


def test_case4_roundrobin_skips_members_not_subscribed():
    members = [_m("C0", {"t0"}), _m("C1", {"t0", "t1"}), _m("C2", {"t0", "t1", "t2"})]
    out = a.roundrobin_assign(members, {"t0": 1, "t1": 2, "t2": 3})
    assert out == {"C0": _tps("t0-0"), "C1": _tps("t1-0"), "C2": _tps("t1-1 t2-0 t2-1 t2-2")}


def test_case5_cooperative_sticky_withholds_a_moving_partition_for_one_round():
    parts = {"t": 3}
    first = a.cooperative_sticky_assign([_m("c1", {"t"}, owned=_tps("t-0 t-1"), generation=1),
                                         _m("c2", {"t"}, owned=_tps("t-0 t-2"), generation=1),
                                         _m("c3", {"t"})], parts)
    assert first == {"c1": _tps("t-1"), "c2": _tps("t-2"), "c3": []}
    second = a.cooperative_sticky_assign([_m(k, {"t"}, owned=v, generation=2) for k, v in first.items()], parts)
    assert second == {"c1": _tps("t-1"), "c2": _tps("t-2"), "c3": _tps("t-0")}


def test_static_members_come_first_by_instance_id():
    members = [_m("a", {"t"}), _m("z", {"t"}, instance_id="i2"), _m("y", {"t"}, instance_id="i1")]
    assert [m.member_id for m in a.member_order(members)] == ["y", "z", "a"]
    assert a.range_assign(members, {"t": 3}) == {"y": [("t", 0)], "z": [("t", 1)], "a": [("t", 2)]}


def test_cooperative_sticky_keeps_owned_partitions_when_a_member_joins():
    owned = {"c1": _tps("t-0 t-1 t-2"), "c2": _tps("t-3 t-4 t-5")}
    members = [_m(k, {"t"}, owned=v, generation=3) for k, v in owned.items()] + [_m("c3", {"t"})]
    target = sticky_assign(members, {"t": 6})
    moved = sum(1 for k, v in owned.items() for tp in v if tp not in target[k])
    assert sorted(len(v) for v in target.values()) == [2, 2, 2]
    assert moved == 2                                # the minimum: c3 needs two
    first = a.cooperative_sticky_assign(members, {"t": 6})
    assert first["c3"] == [] and all(set(first[k]) <= set(owned[k]) for k in owned)


def test_strategy_parsing_like_librdkafka():
    assert a.parse_strategies(None) == ["range", "roundrobin"]
    assert a.parse_strategies("range, roundrobin,range") == ["range", "roundrobin"]
    assert a.parse_strategies("cooperative-sticky") == ["cooperative-sticky"]
    for bad, reason in [("foo", "Unsupported partition.assignment.strategy: foo"),
                        ("range,foo", "Unsupported partition.assignment.strategy: foo"),
                        ("RANGE", "Unsupported partition.assignment.strategy: RANGE"),
                        # librdkafka has no eager "sticky", only cooperative-sticky
                        ("sticky", "Unsupported partition.assignment.strategy: sticky")]:
        with pytest.raises(KafkaException) as info:
            a.parse_strategies(bad)
        assert info.value.args[0].code() == KafkaError._INVALID_ARG
        assert info.value.args[0].str() == f"Failed to create consumer: {reason}"
    with pytest.raises(KafkaException, match="must have the same protocol type"):
        a.parse_strategies("cooperative-sticky,range")


_subscriptions = st.lists(st.sets(st.sampled_from(["a", "b", "c"]), min_size=1), min_size=1, max_size=5)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(_subscriptions, st.tuples(*[st.integers(1, 7)] * 3), st.sampled_from(["range", "roundrobin",
                                                                               "cooperative-sticky"]))
def test_every_subscribed_partition_has_exactly_one_owner(subs, counts, strategy):
    parts = dict(zip("abc", counts))
    members = [_m(f"m{i}", s) for i, s in enumerate(subs)]
    out = a.assign(strategy, members, parts)
    owned = [tp for v in out.values() for tp in v]
    wanted = sorted((t, p) for t in set().union(*subs) for p in range(parts[t]))
    assert sorted(owned) == wanted
    for m in members:
        assert all(t in m.topics for t, _ in out[m.member_id])
    if len({frozenset(s) for s in subs}) == 1 and strategy != "range":
        sizes = [len(v) for v in out.values()]
        assert max(sizes) - min(sizes) <= 1


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.integers(1, 12), st.integers(1, 5), st.integers(0, 4), st.randoms(use_true_random=False))
def test_cooperative_sticky_never_gives_a_claimed_partition_to_someone_else(n, members, joiners, rnd):
    parts = {"t": n}
    tps = [("t", p) for p in range(n)]
    owners = {f"m{i}": [] for i in range(members)}
    for tp in tps:
        owners[f"m{rnd.randrange(members)}"].append(tp)
    subs = [_m(k, {"t"}, owned=v, generation=5) for k, v in owners.items()]
    subs += [_m(f"new{i}", {"t"}) for i in range(joiners)]
    first = a.cooperative_sticky_assign(subs, parts)
    for k, v in first.items():
        assert set(v) <= set(owners.get(k, []))       # nothing moves in the first round
    second = a.cooperative_sticky_assign([_m(k, {"t"}, owned=v, generation=6) for k, v in first.items()], parts)
    assert sorted(tp for v in second.values() for tp in v) == tps
    sizes = [len(v) for v in second.values()]
    assert max(sizes) - min(sizes) <= 1
