"""Every exercise, in the built site: its reference solution passes in the browser, and each
known-wrong answer fails there with exactly the check results pytest gets from the same
checker under CPython (same pysim, same seed, same messages)."""

from pathlib import Path

import pytest

from coursekit.wrong_answers import wrong_answers
from pysim.course.harness import run_exercise

from e2e_conftest import open_editor
from test_exercises import BOOT_TIMEOUT

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = sorted(p for p in (ROOT / "exercises").iterdir() if p.is_dir())


def _lesson_of(folder):
    for line in (folder / "exercise.toml").read_text(encoding="utf-8").splitlines():
        if line.startswith("lesson"):
            return line.split("=", 1)[1].strip().strip('"')
    raise AssertionError(f"{folder.name}/exercise.toml names no lesson")


def _expected(code, check_source):
    """The check lines the page should show, and the status line when the code raises
    (a wrong answer may declare "# Raises: ...": no check runs, the page names the error)."""
    result = run_exercise(code, check_source)
    error = result["error"]
    if error is not None and error["source"] == "learner":
        return [], f"Your code raised {error['type']}"
    assert error is None, error
    return [("✓ " if c["passed"] else "✗ ") + c["message"] for c in result["checks"]], None


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_solution_and_wrong_answers_grade_the_same_in_the_browser(page, site_url, folder):
    selector = f'.course-exercise[data-exercise-id="{folder.name}"]'
    page.goto(f"{site_url}/lessons/{_lesson_of(folder)}/")
    open_editor(page, selector)
    check_source = (folder / "check.py").read_text(encoding="utf-8")
    answers = [("solution.py", (folder / "solution.py").read_text(encoding="utf-8"))] + wrong_answers(folder)
    for answer, code in answers:
        page.evaluate("([sel, code]) => document.querySelector(sel).courseEditor.setValue(code, -1)", [selector, code])
        page.click(f"{selector} .course-exercise__run")
        page.wait_for_function(f"!document.querySelector('{selector} .course-exercise__run').disabled",
                               timeout=BOOT_TIMEOUT)
        shown = page.locator(f"{selector} .course-exercise__checks li").all_inner_texts()
        expected, raised = _expected(code, check_source)
        assert shown == expected, f"{folder.name}/{answer}: the browser graded it differently"
        if raised:
            status = page.locator(f"{selector} .course-exercise__status").inner_text()
            assert status.startswith(raised), f"{folder.name}/{answer}: status {status!r}"
        elif answer == "solution.py":
            assert all(line.startswith("✓") for line in shown)
        else:
            assert any(line.startswith("✗") for line in shown)
