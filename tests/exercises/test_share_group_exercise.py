"""03-share-group-work-queue beyond the folder checks: the expected output in the prompt is
the solution's, releasing the corrupt jobs instead of rejecting them also passes (the broker
archives them at the delivery limit), and the numbers come from the trace."""

from pathlib import Path

from pysim import kafka
from pysim.course.harness import run_exercise

FOLDER = Path(__file__).resolve().parents[2] / "exercises" / "03-share-group-work-queue"
CHECK = (FOLDER / "check.py").read_text(encoding="utf-8")
SOLUTION = (FOLDER / "solution.py").read_text(encoding="utf-8")


def test_the_prompt_shows_the_solutions_output():
    result = run_exercise(SOLUTION, CHECK)
    assert result["passed"]
    prompt = (FOLDER / "prompt.md").read_text(encoding="utf-8")
    assert result["stdout"].strip() in prompt


def test_releasing_every_failure_passes_and_the_broker_archives_at_the_limit():
    code = SOLUTION.replace("        except ValueError:\n"
                            "            consumer.acknowledge(msg, kafka.AcknowledgeType.REJECT)     # can never work\n", "")
    assert code != SOLUTION
    result = run_exercise(code, CHECK)
    assert result["passed"], [c for c in result["checks"] if not c["passed"]]
    archived = kafka.cluster("localhost:9092").trace.events("share.archive")
    assert [(e.data["delivery_count"], e.data["reason"]) for e in archived] == [(5, "delivery count limit")] * 2


def test_the_consumer_group_keeps_four_workers_idle():
    run_exercise(SOLUTION, CHECK)
    runs = [e for e in kafka.cluster("localhost:9092").trace if e.kind == "job.run"]
    assert len({e.actor for e in runs if e.data["group_kind"] == "consumer group"}) == 2
    assert len({e.actor for e in runs if e.data["group_kind"] == "share group"}) == 6


def test_runs_are_deterministic():
    first = run_exercise(SOLUTION, CHECK)["stdout"]
    digest = kafka.cluster("localhost:9092").trace.digest()
    assert run_exercise(SOLUTION, CHECK)["stdout"] == first
    assert kafka.cluster("localhost:9092").trace.digest() == digest
