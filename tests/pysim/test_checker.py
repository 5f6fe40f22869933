"""pysim.checker on hand-written histories: each anomaly found, with the records that
prove it, and nothing found in a clean history."""

import pytest

from pysim.checker import KINDS, check

PRODUCED = [("p1", "alice"), ("p2", "bob"), ("p3", "alice"), ("p4", "alice")]
CLEAN = [("p1", "alice", 0, 0), ("p2", "bob", 1, 0), ("p3", "alice", 0, 1), ("p4", "alice", 0, 2)]


def test_a_clean_history_has_no_anomaly():
    result = check(PRODUCED, CLEAN, effects=[("p1", 10), ("p2", 5)])
    assert result.ok and result.summary() == "no anomalies"
    assert result.counts() == {kind: 0 for kind in KINDS}


def test_a_write_never_read_is_a_lost_write():
    result = check(PRODUCED, [r for r in CLEAN if r[0] != "p3"])
    [lost] = result.anomalies
    assert lost.kind == "lost_write" and lost.subject == "p3"
    assert lost.evidence == ({"id": "p3", "key": "alice"},)


def test_a_write_read_twice_is_a_duplicate_with_both_offsets():
    consumed = CLEAN + [("p2", "bob", 1, 1)]
    [dup] = check(PRODUCED, consumed).anomalies
    assert dup.kind == "duplicate" and dup.subject == "p2"
    assert [(r["partition"], r["offset"]) for r in dup.evidence] == [(1, 0), (1, 1)]
    assert "1@0, 1@1" in dup.message


def test_writes_of_one_key_read_out_of_order_are_a_reorder():
    consumed = [("p1", "alice", 0, 0), ("p2", "bob", 1, 0), ("p4", "alice", 0, 1), ("p3", "alice", 0, 2)]
    [reorder] = check(PRODUCED, consumed).anomalies
    assert reorder.kind == "reorder" and reorder.subject == ("p3", "p4")
    assert "written before" in reorder.message


def test_writes_of_different_keys_may_interleave_freely():
    consumed = [("p2", "bob", 1, 0), ("p1", "alice", 0, 0), ("p3", "alice", 0, 1), ("p4", "alice", 0, 2)]
    assert check(PRODUCED, consumed).ok


def test_a_duplicate_that_comes_back_later_is_not_also_a_reorder():
    # the retried p1 lands after p3: a duplicate, and the first reads are still in order
    consumed = [("p1", "alice", 0, 0), ("p3", "alice", 0, 1), ("p1", "alice", 0, 2), ("p4", "alice", 0, 3),
                ("p2", "bob", 1, 0)]
    result = check(PRODUCED, consumed)
    assert [a.kind for a in result.anomalies] == ["duplicate"]


def test_reading_an_aborted_write_is_an_aborted_read_and_its_absence_is_no_loss():
    produced = PRODUCED + [("x1", "alice")]
    assert check(produced, CLEAN, aborted={"x1"}).ok
    [bad] = check(produced, CLEAN + [("x1", "alice", 0, 4)], aborted={"x1"}).anomalies
    assert bad.kind == "aborted_read" and bad.subject == "x1" and bad.evidence[0]["offset"] == 4


def test_a_read_of_something_never_written_is_a_phantom():
    [phantom] = check(PRODUCED, CLEAN + [("zz", "carol", 2, 0)]).anomalies
    assert phantom.kind == "phantom" and phantom.subject == "zz"


def test_an_effect_applied_twice_is_a_double_effect():
    effects = [("p1", 10), ("p2", 5), ("p1", 10)]
    [double] = check(PRODUCED, CLEAN, effects=effects).anomalies
    assert double.kind == "double_effect" and double.subject == "p1"
    assert [r["row"] for r in double.evidence] == [("p1", 10), ("p1", 10)]


def test_dict_inputs_and_several_anomalies_at_once():
    produced = [{"id": 1, "key": "k"}, {"id": 2, "key": "k"}, {"id": 3, "key": "k"}]
    consumed = [{"id": 2, "key": "k", "topic": "out", "partition": 0, "offset": 0},
                {"id": 1, "key": "k", "topic": "out", "partition": 0, "offset": 1},
                {"id": 1, "key": "k", "topic": "out", "partition": 0, "offset": 2}]
    result = check(produced, consumed, effects=[{"id": 1}, {"id": 1}])
    assert result.counts() == {"lost_write": 1, "duplicate": 1, "reorder": 1, "aborted_read": 0,
                               "phantom": 0, "double_effect": 1}
    assert result.summary() == "1 lost_write; 1 duplicate; 1 reorder; 1 double_effect"
    assert [a.subject for a in result.of("reorder")] == [(1, 2)]


@pytest.mark.parametrize("produced,consumed,effects,message", [
    ([{"key": "k"}], [], [], "produced[0] has no 'id'"),
    ([("a", "k", "extra")], [], [], "produced[0] must be"),
    ([], [{"key": "k"}], [], "consumed[0] has no 'id'"),
    ([], ["a"], [], "consumed[0] must be"),
    ([], [], [()], "effects[0] must be"),
])
def test_malformed_input_is_refused_with_its_position(produced, consumed, effects, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        check(produced, consumed, effects=effects)


def test_of_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match="unknown anomaly kind"):
        check([], []).of("torn")


def test_with_attempts_an_input_retried_after_an_abort_is_judged_by_its_attempt():
    produced = [("i1", "k")]
    committed_retry = [{"id": "i1", "key": "k", "attempt": "i1#2", "partition": 0, "offset": 3}]
    assert check(produced, committed_retry, aborted={"i1#1"}).ok
    leaked = [{"id": "i1", "key": "k", "attempt": "i1#1", "partition": 0, "offset": 0}] + committed_retry
    result = check(produced, leaked, aborted={"i1#1"})
    assert [a.kind for a in result.anomalies] == ["duplicate", "aborted_read"]
    assert result.of("aborted_read")[0].evidence[0]["offset"] == 0
