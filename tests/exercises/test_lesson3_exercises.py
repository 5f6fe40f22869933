"""Lesson 3's exercises beyond their folders: other correct recipes pass, the hidden worlds
really do what the prompts say (the crashes, the session timeout, the stall), and the runs
are deterministic."""

from pathlib import Path

import pytest

from pysim import kafka
from pysim.kafka import availability
from coursekit.wrong_answers import wrong_answers
from pysim.course.harness import run_exercise

EXERCISES = Path(__file__).resolve().parents[2] / "exercises"


def _read(folder, name="solution.py"):
    return (EXERCISES / folder / name).read_text(encoding="utf-8")


def failing(folder, code):
    result = run_exercise(code, _read(folder, "check.py"))
    assert result["error"] is None, result["error"] and result["error"]["traceback"]
    return [c["name"] for c in result["checks"] if not c["passed"]]


def _trace():
    return kafka.cluster("localhost:9092").trace


# -- 03-commit-after-processing -------------------------------------------------------------
COMMIT = "03-commit-after-processing"
AFTER_APPLY = "        consumer.commit(message=msg, asynchronous=False)    # ... then commit offset + 1\n"
NO_AUTO = '    "enable.auto.commit": False,          # no background commit of offsets poll() handed out\n'


def test_store_offsets_recipe_passes_with_its_few_extra_replays():
    code = _read(COMMIT).replace(NO_AUTO, '    "enable.auto.offset.store": False,\n')
    code = code.replace(AFTER_APPLY, "        consumer.store_offsets(message=msg)\n")
    assert failing(COMMIT, code) == []
    booked = [e.data["payment"] for e in _trace() if e.kind == "ledger.book"]
    assert len(booked) - len(set(booked)) > 1      # up to 5 s of stored offsets replayed, not only the one in flight


def test_a_finally_close_and_a_broad_except_do_not_keep_a_killed_process_alive():
    code = _read(COMMIT).replace("        ledger.apply(msg)                                   # process first ...\n",
                                 "        try:\n            ledger.apply(msg)\n        except Exception:\n"
                                 "            continue\n")
    code = code.replace("    consumer.subscribe([\"payments\"])\n    while ledger.running():",
                        "    consumer.subscribe([\"payments\"])\n    try:\n      while ledger.running():")
    code = code.replace("    consumer.close()\n\n\nledger.deploy", "    finally:\n        consumer.close()\n\n\nledger.deploy")
    assert "finally" in code and "except Exception" in code
    assert failing(COMMIT, code) == []


def test_the_hidden_deployment_kills_before_and_after_a_booking_and_replacements_wait_for_the_session():
    assert failing(COMMIT, _read(COMMIT)) == []
    trace = _trace()
    kills = [e for e in trace if e.kind == "ledger.killed"]
    assert [e.data["process"] for e in kills] == ["worker-1", "worker-2"]
    books = [e for e in trace if e.kind == "ledger.book"]
    assert [e.actor for e in books if e.seq < kills[0].seq].count("worker-1") == 5      # 6th not booked
    assert [e.actor for e in books if kills[0].seq < e.seq < kills[1].seq].count("worker-2") == 5
    assert [e.actor for e in books if e.seq < kills[1].seq][-1] == "worker-2"             # booked, then killed
    crashes = [e for e in trace if e.kind == "client.crash"]
    for crash in crashes:
        grant = next(e for e in trace if e.kind == "owner.grant" and e.seq > crash.seq and e.data["partitions"])
        evict = next(e for e in trace if e.kind == "group.evict" and e.seq > crash.seq)
        assert evict.data["reason"] == "session timeout" and grant.time_ms >= evict.time_ms
        assert 42_000 <= grant.time_ms - crash.time_ms <= 45_000 + 3000


# -- 03-dead-letter-queue -----------------------------------------------------------------
DLQ = "03-dead-letter-queue"


def test_headers_as_a_list_of_tuples_and_a_bare_error_message_pass():
    code = _read(DLQ).replace('headers={\n', 'headers=list({\n').replace('    })\n    producer.flush()',
                                                                          '    }.items()))\n    producer.flush()')
    code = code.replace('"x-error": f"{type(error).__name__}: {error}",', '"x-error": str(error),')
    assert "list({" in code and "str(error)" in code
    assert failing(DLQ, code) == []
    headers = kafka.cluster("localhost:9092").records("payments.dlq", 0)[0].headers
    assert isinstance(headers, list) and dict(headers)["x-attempts"] == b"3"


def test_retrying_for_ever_is_stopped_by_the_service_and_shows_the_stall():
    result = run_exercise(dict(wrong_answers(EXERCISES / DLQ))["retry_forever.py"], _read(DLQ, "check.py"))
    assert result["error"] is None
    attempts = [e for e in _trace() if e.kind == "payment.attempt"]
    stuck = {(e.data["partition"], e.data["offset"]) for e in attempts if e.data["attempt"] > 3}
    assert len(stuck) == 1 and attempts[-1].time_ms <= 90_000
    message = next(c["message"] for c in result["checks"] if c["name"] == "caught_up")
    assert "stalled at offset" in message and "payments.dlq" in message


# -- 03-rolling-deploy --------------------------------------------------------------------
ROLL = "03-rolling-deploy"


def test_the_measured_ranking_is_eager_then_static_then_cooperative():
    assert failing(ROLL, _read(ROLL)) == []
    trace = _trace()
    totals, counts = {}, {}
    for mode in ("eager", "cooperative", "static"):
        group = f"payments-{mode}"
        restarts = [e for e in trace if e.kind == "deploy.restart" and e.data["group"] == group]
        start, end = restarts[0].data["stopped_ms"], restarts[-1].time_ms + 20_000
        summary = availability.summary(trace, group, "payments", start_ms=start, end_ms=end)
        totals[mode], counts[mode] = summary["total_unowned_ms"], summary["rebalances"]
    assert totals["cooperative"] < 60_000 <= totals["static"] < totals["eager"]
    assert counts == {"eager": 8, "cooperative": 12, "static": 0}


@pytest.mark.parametrize("folder", [COMMIT, DLQ, ROLL])
def test_runs_are_deterministic(folder):
    check = _read(folder, "check.py")
    first = run_exercise(_read(folder), check)
    digest = _trace().digest()
    second = run_exercise(_read(folder), check)
    assert first["stdout"] == second["stdout"] and digest == _trace().digest()


def test_a_stopped_service_outside_processor_run_is_the_learners_exit_not_a_broken_harness():
    code = dict(wrong_answers(EXERCISES / DLQ))["retry_forever.py"].replace("processor.run(main)", "main()")
    result = run_exercise(code, _read(DLQ, "check.py"))
    assert result["error"]["source"] == "learner" and result["error"]["type"] == "ServiceStopped"
