"""Runnable exercises in the built site: editor, Run/Stop, streamed output, tracebacks,
time limit, checks, hints, solution, progress, and one Pyodide boot across instant navigation."""

import re

import pytest

from e2e_conftest import open_editor

LESSON = "/lessons/2-partitions-and-ordering/"
EXERCISE = '.course-exercise[data-exercise-id="02-keyed-payment-order"]'
IDLE = f"!document.querySelector('{EXERCISE} .course-exercise__run').disabled"
BOOT_TIMEOUT = 120_000   # a cold Pyodide boot on a busy 2-core machine; not a speed assertion


@pytest.fixture
def lesson(page, site_url):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: d.accept())
    page.goto(site_url + LESSON)
    open_editor(page, EXERCISE)
    page.requests = requests
    return page


def set_code(page, code):
    page.evaluate("([sel, code]) => document.querySelector(sel).courseEditor.setValue(code, -1)", [EXERCISE, code])


def run_and_wait(page):
    page.click(f"{EXERCISE} .course-exercise__run")
    page.wait_for_function(IDLE, timeout=BOOT_TIMEOUT)


def output(page):
    return page.inner_text(f"{EXERCISE} .course-exercise__output")


def status(page):
    return page.inner_text(f"{EXERCISE} .course-exercise__status")


def settle_timers(page):
    page.evaluate("() => new Promise((resolve) => setTimeout(() => setTimeout(resolve, 0), 0))")


def test_typed_code_runs_and_streams_output(lesson):
    editor = lesson.locator(f"{EXERCISE} .ace_text-input")
    lesson.click(f"{EXERCISE} .course-exercise__editor")
    lesson.keyboard.press("Control+A")
    lesson.keyboard.press("Delete")
    editor.type('print("typed", 6 * 7)')
    lesson.keyboard.press("Control+Enter")          # the editor's Run shortcut
    lesson.wait_for_function(IDLE, timeout=BOOT_TIMEOUT)
    assert "typed 42" in output(lesson)
    # Escape leaves the text (to the editor's frame, Ace's keyboard-accessibility mode) and Tab
    # goes on to Run. Each step waits for the state it needs; Run is enabled (the run is over).
    lesson.click(f"{EXERCISE} .course-exercise__editor")
    lesson.wait_for_function("document.activeElement && document.activeElement.classList.contains('ace_text-input')")
    # Ace's mousedown focuses the text again from a setTimeout(0); on a busy machine that timer
    # could fire after Escape and pull focus back (the old flake). Timers of equal delay run in
    # order, so one more setTimeout(0) resolving means Ace's has run.
    settle_timers(lesson)
    lesson.keyboard.press("Escape")
    lesson.wait_for_function("document.activeElement.classList.contains('ace_scroller')")
    lesson.keyboard.press("Tab")
    lesson.wait_for_function("document.activeElement.classList.contains('course-exercise__run')")


def test_exception_shows_learner_traceback_and_page_keeps_working(lesson):
    set_code(lesson, 'print("before")\n\ndef pay(amount):\n    return amount / 0\n\npay(10)\n')
    run_and_wait(lesson)
    text = output(lesson)
    assert "before" in text
    assert 'File "exercise.py", line 4, in pay' in text and "ZeroDivisionError" in text
    assert "harness" not in text and "pyodide" not in text.lower()
    assert "line 4" in status(lesson)
    # Output is text, never HTML.
    set_code(lesson, 'print("<b>bold</b><img src=x>")\n')
    run_and_wait(lesson)
    assert "<b>bold</b><img src=x>" in output(lesson)
    assert lesson.locator(f"{EXERCISE} .course-exercise__output img").count() == 0


def test_stop_ends_an_endless_loop_then_runs_again(lesson):
    set_code(lesson, 'print("spinning", flush=True)\nwhile True:\n    pass\n')
    lesson.click(f"{EXERCISE} .course-exercise__run")
    lesson.wait_for_function(f"document.querySelector('{EXERCISE} .course-exercise__output').textContent.includes('spinning')",
                             timeout=BOOT_TIMEOUT)
    lesson.click(f"{EXERCISE} .course-exercise__stop")
    lesson.wait_for_function(IDLE)
    assert "Stopped" in output(lesson)
    set_code(lesson, 'print("alive again")\n')
    run_and_wait(lesson)
    assert "alive again" in output(lesson)


def test_time_limit_ends_a_runaway_run(lesson):
    lesson.evaluate("window.CourseExercise.setTimeLimit(1500)")
    set_code(lesson, "while True:\n    pass\n")
    run_and_wait(lesson)
    assert "Time limit reached" in output(lesson)
    assert "time limit" in status(lesson)
    set_code(lesson, 'print("next run fine")\n')
    run_and_wait(lesson)
    assert "next run fine" in output(lesson)


def test_wrong_answer_shows_a_failing_check(lesson):
    from pathlib import Path

    from coursekit.wrong_answers import wrong_answers
    folder = Path(__file__).resolve().parents[2] / "exercises/02-keyed-payment-order"
    wrong = dict(wrong_answers(folder))["no_key.py"]
    set_code(lesson, wrong)
    run_and_wait(lesson)
    failing = lesson.locator(f"{EXERCISE} .course-exercise__check--fail")
    assert failing.count() >= 1
    assert "key" in failing.first.inner_text()
    assert lesson.evaluate("window.CourseProgress.lessonStatus('2-partitions-and-ordering').exercisesPassed") == 0


def test_solution_passes_and_marks_progress(lesson):
    lesson.click(f"{EXERCISE} .course-exercise__show-solution")      # confirm dialog accepted
    lesson.click(f"{EXERCISE} .course-exercise__load-solution")
    run_and_wait(lesson)
    checks = lesson.locator(f"{EXERCISE} .course-exercise__checks li")
    assert checks.count() >= 5
    assert lesson.locator(f"{EXERCISE} .course-exercise__check--fail").count() == 0
    assert "All" in status(lesson)
    assert re.search(r"pay-1 p\d create,authorize,capture,refund", output(lesson))
    assert lesson.evaluate("window.CourseProgress.lessonStatus('2-partitions-and-ordering').exercisesPassed") == 1


def test_hints_reveal_one_at_a_time(lesson):
    hints = lesson.locator(f"{EXERCISE} .course-exercise__hint")
    total = hints.count()
    assert total >= 2
    visible = lambda: sum(hints.nth(i).is_visible() for i in range(total))  # noqa: E731
    assert visible() == 0
    for shown in range(1, total + 1):
        lesson.click(f"{EXERCISE} .course-exercise__next-hint")
        assert visible() == shown
    assert lesson.locator(f"{EXERCISE} .course-exercise__next-hint").is_disabled()


def test_reset_restores_the_starter(lesson):
    starter = lesson.get_attribute(EXERCISE, "data-starter")
    set_code(lesson, "print('mine')\n")
    lesson.click(f"{EXERCISE} .course-exercise__reset")               # confirm dialog accepted
    assert lesson.evaluate(f"document.querySelector('{EXERCISE}').courseEditor.getValue()") == starter


def serve_sitemap_for_this_port(page, site_url):
    """Material's instant navigation only intercepts links listed in sitemap.xml, whose URLs
    carry mkdocs.yml's site_url port (8000); this test server listens on another port."""
    def rewrite(route):
        response = route.fetch()
        body = re.sub(r"http://127\.0\.0\.1:\d+/", site_url + "/", response.text())
        route.fulfill(response=response, body=body)
    page.route("**/sitemap.xml", rewrite)


def test_instant_navigation_keeps_the_worker(page, site_url):
    serve_sitemap_for_this_port(page, site_url)
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(site_url + LESSON)
    open_editor(page, EXERCISE)
    lesson = page
    set_code(lesson, 'print("first")\n')
    run_and_wait(lesson)
    assert "first" in output(lesson)
    lesson.evaluate("window.__same_document = true")
    lesson.click("nav.md-nav--primary a[href$='reference/cli/']")   # via instant navigation, to a page without exercises
    lesson.wait_for_function("!document.querySelector('.course-exercise')")
    lesson.click("nav.md-nav--primary a[href$='2-partitions-and-ordering/']")
    open_editor(lesson, EXERCISE)
    assert lesson.evaluate("window.__same_document") is True, "instant navigation reloaded the page"
    set_code(lesson, 'print("second")\n')
    run_and_wait(lesson)
    assert "second" in output(lesson)
    assert lesson.evaluate("window.CourseExercise.boots") == 1
    # One download for the one worker; the memory-snapshot maker, a second short-lived
    # worker started once the page is idle, may add one more (whether it has started by now
    # depends on the machine's speed: under load it had, in a CI run).
    wasm = [u for u in requests if u.endswith("pyodide.asm.wasm")]
    makers = lesson.evaluate("window.CourseExercise.snapshotMakers")
    assert makers <= 1
    assert 1 <= len(wasm) <= 1 + makers, (wasm, makers)


def test_home_page_loads_no_pyodide(page, site_url):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(site_url + "/")
    page.wait_for_load_state("networkidle")
    assert requests, "the home page made no request at all"
    assert [u for u in requests if "/assets/pyodide/" in u or "/assets/ace/" in u] == []


def test_failed_python_boot_is_reported_and_recovers(page, site_url):
    """A worker that cannot boot (here: the pysim wheel is unreachable) shows a message, the page
    keeps working, and the next Run gets a fresh worker."""
    page.on("dialog", lambda d: d.accept())
    page.add_init_script("window.CourseExerciseConfig = {prefetch: false};")
    page.route("**/assets/wheels/*.whl", lambda route: route.fulfill(status=404, body="gone"))
    page.goto(site_url + LESSON)
    open_editor(page, EXERCISE)
    set_code(page, 'print("hello")\n')
    run_and_wait(page)
    assert "could not fetch the pysim wheel" in output(page)
    assert "restarted" in status(page)
    page.unroute("**/assets/wheels/*.whl")
    run_and_wait(page)
    assert "hello" in output(page)
    assert page.evaluate("window.CourseExercise.boots") >= 2
