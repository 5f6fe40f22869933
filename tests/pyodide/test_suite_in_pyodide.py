"""pysim must behave the same in the browser's Python: the whole pysim suite runs inside
the pinned Pyodide under Node, and a seeded scenario yields one trace digest in both."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.pyodide

ROOT = Path(__file__).resolve().parents[2]
RUNNER = ROOT / "tests" / "pyodide" / "run_in_pyodide.mjs"
SCENARIO = ROOT / "tests" / "pyodide" / "scenario_digest.py"
WHEEL_DIR = ROOT / "build" / "pyodide-wheels"
HINT = "run `make test`, which builds dist/ and downloads build/pyodide-wheels/"


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail(f"node is not on PATH: the Pyodide tests need Node.js ({HINT})")
    return node


def _require_built():
    if not (WHEEL_DIR / ".downloaded").exists():
        pytest.fail(f"the Pyodide test wheels are missing in {WHEEL_DIR.relative_to(ROOT)}/: {HINT}")
    wheels = sorted((ROOT / "dist").glob("pysim-*-py3-none-any.whl"))
    if len(wheels) != 1:
        pytest.fail(f"expected one pysim wheel in dist/, found {len(wheels)}: {HINT}")
    newest_source = max((p for p in (ROOT / "pysim").rglob("*.py")), key=lambda p: p.stat().st_mtime)
    if newest_source.stat().st_mtime > wheels[0].stat().st_mtime:
        pytest.fail(f"{wheels[0].name} is older than {newest_source.relative_to(ROOT)}: run `make wheel`")


def _run_node(*args, timeout=600):
    _require_built()
    return subprocess.run([_node(), str(RUNNER), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def _cpython_collected() -> int:
    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                          "tests/pysim"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    match = re.search(r"(\d+) tests? collected", out.stdout)
    assert match, f"could not count the CPython tests:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}"
    return int(match.group(1))


def test_pysim_suite_passes_inside_pyodide():
    result = _run_node("--tests", "tests/pysim", "--", "-q")
    tail = (result.stdout[-4000:] + "\n" + result.stderr[-4000:]).strip()
    assert "on emscripten" in result.stdout, f"the suite did not run inside Pyodide:\n{tail}"
    assert result.returncode == 0, f"pytest inside Pyodide exited with {result.returncode}:\n{tail}"
    summary = re.findall(r"^=*\s*(\d+) passed\b.*$", result.stdout, flags=re.M)
    assert summary, f"no pytest summary in the output:\n{tail}"
    passed = int(summary[-1])
    assert passed > 0
    assert passed == _cpython_collected(), f"Pyodide ran {passed} tests, CPython collects a different number"


def test_runner_fails_clearly_without_wheels(tmp_path):
    result = subprocess.run([_node(), str(RUNNER), "--wheels", str(tmp_path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "make test" in result.stderr


def test_seeded_scenario_has_one_digest_in_cpython_and_pyodide():
    def cpython(seed):
        out = subprocess.run([sys.executable, str(SCENARIO), str(seed)], cwd=ROOT, capture_output=True,
                             text=True, timeout=120)
        assert out.returncode == 0, out.stderr[-3000:]
        return json.loads(out.stdout.strip().splitlines()[-1])

    in_pyodide = _run_node("--script", str(SCENARIO.relative_to(ROOT)), "--", "0")
    assert in_pyodide.returncode == 0, in_pyodide.stderr[-3000:]
    pyodide_run = json.loads(in_pyodide.stdout.strip().splitlines()[-1])

    seed0, seed1 = cpython(0), cpython(1)
    assert seed0["received"] > 0 and seed0["events"] > 0
    assert pyodide_run == seed0
    assert seed1["digest"] != seed0["digest"], "the seed did not change the run: the scenario proves nothing"
