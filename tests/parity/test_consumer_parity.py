"""pysim.kafka.Consumer against librdkafka's mock cluster, for facts that do not depend on
fetch timing or batching: offset lookups, auto.offset.reset=error, seek, pause / resume,
partition EOF events, commit errors, subscriptions (regex, missing topic, unsubscribe),
and argument / state errors. Every expectation on the real side is asserted too, so that
equality means the behaviour is the one described."""

import pytest

import parity_scripts as scripts

pytestmark = pytest.mark.parity



def run_both(sides, script, *args, **kwargs):
    results = {side.name: script(side.kafka, side.conf, *args, **kwargs) for side in sides}
    return results["librdkafka"], results["pysim"]


def _assert_same(real, sim):
    for part in real:
        assert sim[part] == real[part], f"{part}: librdkafka {real[part]} pysim {sim[part]}"


def _producer_for(side, topic, partition=0):
    def produce_more(n):
        scripts.produce_to_partitions(side.kafka, side.conf, topic, per_partition=n, partitions=[partition])
    return produce_more


def test_offsets_for_times_agrees_where_the_mock_answers(sides):
    topic = "c-oft"
    for side in sides:
        side.topic(topic)
    real, sim = run_both(sides, scripts.offsets_for_times_facts, topic, "c-oft-group")
    assert real["answers"] == [3, 0, -1, -1, 0]
    assert real["unknown_partition"] == ("KafkaException", -190)
    _assert_same(real, sim)


def test_auto_offset_reset_error_events_agree(sides):
    topic = "c-reset-error"
    for side in sides:
        side.topic(topic)
    real, sim = run_both(sides, scripts.auto_offset_reset_error, topic, "c-reset-error-group")
    auto_reset = -140
    assert real["events"] == sorted([
        ("error", topic, 0, None, auto_reset), ("error", topic, 1, 50, auto_reset),
        ("message", topic, 2, 1, None), ("message", topic, 2, 2, None)], key=repr)
    assert real["positions"] == [-1001, -1001, 3]
    _assert_same(real, sim)


def test_seek_semantics_agree(sides):
    topic = "c-seek"
    results = {}
    for side in sides:
        side.topic(topic)
        results[side.name] = scripts.seek_semantics(side.kafka, side.conf, topic, "c-seek-group",
                                                    _producer_for(side, topic))
    real, sim = results["librdkafka"], results["pysim"]
    assert real["unknown_topic"] == ("KafkaException", -190)
    assert real["unassigned_partition"] == ("KafkaException", -172)
    assert real["stored"] == ("KafkaException", -186)
    assert real["seek_2"] is None and real["position_after_seek"] == -1001
    assert [e[3] for e in real["after_seek_2"]] == [2, 3, 4]
    assert [e[3] for e in real["after_seek_out_of_range"]] == [0, 1, 2, 3, 4]
    assert real["after_seek_end"] == [] and [e[3] for e in real["after_seek_end_and_one_more"]] == [5]
    assert [e[3] for e in real["after_seek_beginning"]] == [0, 1, 2, 3, 4, 5]
    assert real["after_unassign"] == ("KafkaException", -172)
    _assert_same(real, sim)


def test_pause_and_resume_agree(sides):
    topic = "c-pause"
    for side in sides:
        side.topic(topic)
    real, sim = run_both(sides, scripts.pause_and_resume, topic, "c-pause-group")
    assert {e[2] for e in real["while_paused"]} == {0} and len(real["while_paused"]) == 3
    assert real["positions_while_paused"] == [3, -1001]
    assert [(e[2], e[3]) for e in real["resumed"]] == [(1, 0), (1, 1), (1, 2)]
    _assert_same(real, sim)


def test_partition_eof_events_agree(sides):
    topic = "c-eof"
    results = {}
    for side in sides:
        side.topic(topic)
        results[side.name] = scripts.partition_eof_events(side.kafka, side.conf, topic, "c-eof-group",
                                                          _producer_for(side, topic))
    real, sim = results["librdkafka"], results["pysim"]
    eof = -191
    assert real["first"] == sorted([
        ("message", topic, 0, 0, None), ("message", topic, 0, 1, None), ("message", topic, 2, 0, None),
        ("error", topic, 0, 2, eof), ("error", topic, 1, 0, eof), ("error", topic, 2, 1, eof)], key=repr)
    assert real["second"] == sorted([("message", topic, 0, 2, None), ("error", topic, 0, 3, eof)], key=repr)
    _assert_same(real, sim)


def test_commit_errors_agree(sides):
    topic = "c-commit"
    for side in sides:
        side.topic(topic)
    real, sim = run_both(sides, scripts.commit_errors, topic, "c-commit-group")
    no_offset, unknown = -168, 3
    assert real["nothing_assigned"] == ("KafkaException", no_offset)
    assert real["first_message"] == (0, 0)
    assert real["store_with_auto_store"] == ("KafkaException", -186)
    assert real["commit_stored"] == [(0, 1), (1, -1001)]
    assert real["commit_again"] == real["commit_logical"] == ("KafkaException", no_offset)
    assert real["commit_unknown_topic"] == real["commit_unknown_partition"] == ("KafkaException", unknown)
    assert real["on_commit"] == sorted([(None, [(1, 2)]), (no_offset, [(0, -1001), (1, -1001)])], key=repr)
    assert real["committed"] == [(1, None), (2, None), (-1001, None), (-1001, unknown)]
    _assert_same(real, sim)


def test_subscription_lifecycle_agrees(sides):
    prefix = "crx"
    for side in sides:
        for name in (f"{prefix}-a", f"{prefix}-b", f"other-{prefix}"):
            side.topic(name)
    real, sim = run_both(sides, scripts.subscription_lifecycle, prefix, "c-sub-group")
    partitions = [(f"{prefix}-{t}", p) for t in "ab" for p in range(4)]
    assert ("error", f"{prefix}-missing", 0, None, 3) in real["seen"]
    assert {(e[1], e[2]) for e in real["seen"] if e[0] == "message"} == {(f"{prefix}-a", 0), (f"{prefix}-b", 0)}
    assert real["assigned"] == partitions
    assert real["events"] == [("assign", partitions), ("revoke", partitions)]
    assert real["had_member_id"] and real["member_id_after"] is None
    assert real["assigned_until_next_poll"] == 8 and real["assignment_after"] == []
    assert real["events_after_close"] == 2
    _assert_same(real, sim)


def test_argument_and_state_errors_agree(sides):
    topic = "c-args"
    for side in sides:
        side.topic(topic)
    real, sim = run_both(sides, scripts.consumer_argument_errors, topic, "c-args-group")
    assert real["subscribe_str"] == ("TypeError", "expected list of topic unicode strings")
    assert real["subscribe_empty"] == real["subscribe_bad_regex"] == ("KafkaException", -186)
    assert real["incremental_assign_again"] == ("KafkaException", -173)
    assert real["assign_duplicate"] == ("KafkaException", -186) and real["assignment_after_duplicate"] == []
    assert real["assignment"] == [(0, 5), (2, -1000)]
    assert real["closed"] == [("RuntimeError", "Consumer closed")] * 5
    _assert_same(real, sim)


def test_background_auto_commit_commits_a_stored_offset_while_the_application_is_busy(sides):
    topic = "c-auto-commit"
    for side in sides:
        side.topic(topic)
    real, sim = run_both(sides, scripts.background_auto_commit, topic, "c-auto-commit-group")
    assert real == {"store=True": (0, 0, 1), "store=False": (0, 0, -1001)}
    _assert_same(real, sim)


def test_a_static_member_that_closes_is_evicted_only_by_the_session_timeout(sides):
    topic = "c-static-close"
    for side in sides:
        side.topic(topic)
    real, sim = run_both(sides, scripts.static_close_waits_for_the_session_timeout, topic, "c-static-group")
    assert real == {"shares": [2, 2], "b_before_5s": 2, "b_after": 4,
                    "waited_most_of_the_session": True, "within_20s": True}
    _assert_same(real, sim)


def _join_and_leave(sides, name, strategy, expected, attempts=3):
    """(real, sim) for scripts.join_and_leave_callbacks. The mock cluster runs in real time:
    on a loaded machine a late heartbeat can add a rebalance round that the protocol does not
    call for, so the real side is taken again (fresh topic and group) up to ``attempts``
    times until it shows the protocol's sequence; pysim runs once."""
    real_side, sim_side = sides
    sim_side.topic(name)
    sim = _without_idle_rounds(
        scripts.join_and_leave_callbacks(sim_side.kafka, sim_side.conf, name, f"{name}-group", strategy))
    for attempt in range(attempts):
        topic = real_side.topic(f"{name}-{attempt}")
        real = _without_idle_rounds(
            scripts.join_and_leave_callbacks(real_side.kafka, real_side.conf, topic, f"{topic}-group", strategy))
        if real == expected:
            break
    return real, sim


def _without_idle_rounds(outcome):
    """Each member's callbacks with the rounds that changed nothing for it taken out: a
    repeated empty cooperative assign, and an eager revoke of n followed by the same n back.
    How many such rounds a real group goes through depends on heartbeat timing (a loaded
    machine adds some); which partitions move, and in what order, does not."""
    out = dict(outcome)
    for key, calls in outcome.items():
        if key == "settled":
            continue
        kept = []
        for call in calls:
            if call == ("assign", 0) and kept and kept[-1] == ("assign", 0):
                continue
            if (call[0] == "assign" and len(kept) >= 2 and kept[-1] == ("revoke", call[1])
                    and kept[-2] == ("assign", call[1])):
                kept.pop()
                continue
            kept.append(call)
        out[key] = kept
    return out


def test_eager_join_and_leave_call_back_in_librdkafka_s_order(sides):
    # eager: a gives up everything when b joins and gets half back; b's close revokes its
    # share and a, revoking everything again, gets all four; a's own close revokes them
    expected = {"settled": [True, True, True],
                "a_join": [("assign", 4), ("revoke", 4), ("assign", 2)], "b_join": [("assign", 2)],
                "a_leave": [("revoke", 2), ("assign", 4), ("revoke", 4)], "b_leave": [("revoke", 2)]}
    real, sim = _join_and_leave(sides, "c-eager-callbacks", "range", expected)
    assert real == expected
    _assert_same(real, sim)


def test_cooperative_join_and_leave_call_back_in_librdkafka_s_order(sides):
    # cooperative: a keeps two, revokes two, rejoins (empty assigns, collapsed); b gets its
    # two only in the follow-up round; when b leaves, a is handed just b's two
    expected = {"settled": [True, True, True],
                "a_join": [("assign", 4), ("revoke", 2), ("assign", 0)],   # empty rounds: one or more
                "b_join": [("assign", 0), ("assign", 2)],
                "a_leave": [("assign", 2), ("revoke", 4)], "b_leave": [("revoke", 2)]}
    real, sim = _join_and_leave(sides, "c-coop-callbacks", "cooperative-sticky", expected)
    assert real == expected
    _assert_same(real, sim)


def test_kip848_callbacks_are_incremental_and_assign_is_refused_inside_them(sides):
    topic = "c-kip848"
    for side in sides:
        side.topic(topic)
    real, sim = run_both(sides, scripts.kip848_incremental_callbacks, topic, "c-kip848-group")
    assert real == {"calls": [("a", "assign", [0, 1, 2, 3]), ("a", "revoke", [2, 3]), ("a", "assign", []),
                              ("b", "assign", [2, 3])],
                    "refused": [("KafkaException", -172)], "c3_assigned_after": 0}
    _assert_same(real, sim)


def test_kip848_refuses_classic_settings_in_librdkafkas_words(sides):
    real, sim = run_both(sides, scripts.kip848_config_refusals)
    assert real["session.timeout.ms"] == (-186, "Failed to create consumer: `session.timeout.ms` is not supported "
                                                "for `group.protocol=consumer` or share consumer. It is defined "
                                                "broker side")
    assert real["group.protocol"][1] == 'Invalid value "modern" for configuration property "group.protocol"'
    _assert_same(real, sim)
