"""Runs the trace player's model tests (tests/js/*.test.js, `node --test`) on traces recorded
here with pysim: every exercise's solution and known-wrong answers, through the same harness
the page uses, so the player is tested on what learners will see."""

import json
import pathlib
import shutil
import subprocess

import pytest

from pysim.harness import run_exercise

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXERCISES = ROOT / "exercises"


def _record(out: pathlib.Path) -> list[str]:
    names = []
    for folder in sorted(p for p in EXERCISES.iterdir() if (p / "check.py").exists()):
        check = (folder / "check.py").read_text()
        answers = [folder / "solution.py", *sorted((folder / "wrong").glob("*.py"))]
        for answer in answers:
            result = run_exercise(answer.read_text(), check)
            if result["trace"] is None:
                continue
            name = f"{folder.name}__{answer.stem}"
            checks = {c["name"]: c["passed"] for c in result["checks"]}
            (out / f"{name}.json").write_text(json.dumps({"checks": checks, "trace": result["trace"]}))
            names.append(name)
    return names


def test_trace_state_in_node(tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: the trace player's tests need Node.js")
    names = _record(tmp_path)
    assert "02-keyed-payment-order__no_key_over_time" in names and len(names) > 20
    result = subprocess.run([node, "--test", *sorted(str(p) for p in (ROOT / "tests/js").glob("*.test.js"))],
                            cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={"PATH": "/usr/bin:/bin", "TRACE_FIXTURES": str(tmp_path)})
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
