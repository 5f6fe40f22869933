"""Every exercise folder is complete, every reference solution passes its checks and every
known-wrong answer fails at least one, through the same pysim.course.harness the browser uses."""

import re
from pathlib import Path

import pytest

from coursekit import exercise as renderer
from coursekit.wrong_answers import wrong_answers
from pysim.course.harness import load_checks, run_exercise

EXERCISES = Path(__file__).resolve().parents[2] / "exercises"
FOLDERS = sorted(p for p in EXERCISES.iterdir() if p.is_dir())
# wrong/NAME.py, or wrong/NAME.patch: a diff against solution.py (coursekit.wrong_answers)
WRONG = [(folder, name, source) for folder in FOLDERS for name, source in wrong_answers(folder)]
LESSONS = {"1-queue-vs-kafka", "2-partitions-and-ordering", "3-consumer-groups", "4-exactly-once"}
# A wrong answer may name, in its opening comment, the checks it must fail: "# Fails: a, b".
FAILS = re.compile(r"^# Fails: (?P<names>[\w, ]+)$", re.MULTILINE)
# Or the error its code raises before any check runs (a refused config is the learner's feedback):
# "# Raises: KafkaException: words of the message".
RAISES = re.compile(r"^# Raises: (?P<type>\w+)(?:: (?P<text>.+))?$", re.MULTILINE)


def declared_failures(source: str) -> list[str]:
    m = FAILS.search(source)
    return [n.strip() for n in m["names"].split(",") if n.strip()] if m else []


def test_there_are_exercises():
    assert [p.name for p in FOLDERS if p.name == "02-keyed-payment-order"], "02-keyed-payment-order is missing"


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_folder_is_complete(folder):
    ex = renderer.load(folder.name)          # raises BlockError naming what is missing
    assert ex["lesson"] in LESSONS
    assert ex["hints"] and ex["wrong"]
    checks = load_checks((folder / "check.py").read_text(encoding="utf-8"))
    assert all(description.strip() for _, description, _ in checks), "every check needs a docstring"
    assert ex["starter"] != ex["solution"]


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_reference_solution_passes(folder):
    result = run_exercise((folder / "solution.py").read_text(encoding="utf-8"),
                          (folder / "check.py").read_text(encoding="utf-8"))
    assert result["error"] is None, result["error"] and result["error"]["traceback"]
    failing = [c for c in result["checks"] if not c["passed"]]
    assert failing == [] and result["passed"]


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_starter_does_not_pass(folder):
    result = run_exercise((folder / "starter.py").read_text(encoding="utf-8"),
                          (folder / "check.py").read_text(encoding="utf-8"))
    assert not result["passed"]


@pytest.mark.parametrize("folder,name,source", WRONG, ids=[f"{f.name}-{n}" for f, n, _ in WRONG])
def test_known_wrong_answer_fails_a_check(folder, name, source):
    result = run_exercise(source, (folder / "check.py").read_text(encoding="utf-8"))
    raises = RAISES.search(source)
    if raises:
        error = result["error"]
        assert error and error["source"] == "learner", f"{name} should raise {raises['type']}: {error}"
        assert error["type"] == raises["type"] and (raises["text"] or "") in error["message"], error
        return
    assert result["error"] is None, f"{name} should fail a check, not crash: {result['error']}"
    failing = [c for c in result["checks"] if not c["passed"]]
    assert failing, f"{name} passed every check"
    assert all(c["message"] for c in failing)
    names = {c["name"] for c in result["checks"]}
    for name in declared_failures(source):      # fails for the reason it names, not another one
        assert name in names, f"{name} declares '# Fails: {name}', which check.py does not define"
        assert name in {c["name"] for c in failing}, f"{name} should fail check_{name} but passes it"


def test_runs_are_deterministic():
    folder = EXERCISES / "02-keyed-payment-order"
    code, check = (folder / "solution.py").read_text(), (folder / "check.py").read_text()
    assert run_exercise(code, check)["stdout"] == run_exercise(code, check)["stdout"]
