"""The trace player under an exercise: a wrong answer's run, opened with "Show what happened",
shows the violation on screen and in the transcript; keyboard-only stepping and play/pause;
axe finds nothing serious; 375 px has no horizontal scroll; the player's scripts load only
when it is opened."""

from pathlib import Path

import pytest

from e2e_conftest import check_problems, guarded_context, open_editor, watch
from test_accessibility import axe_violations
from test_exercises import BOOT_TIMEOUT, EXERCISE, IDLE, LESSON, set_code

ROOT = Path(__file__).resolve().parents[2]
WRONG = ROOT / "exercises/02-keyed-payment-order/wrong"
PLAYER = f"{EXERCISE} .course-trace__player"


def _run(page, site_url, answer, width=1280):
    page.set_viewport_size({"width": width, "height": 900})
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: d.accept())
    page.goto(site_url + LESSON)
    open_editor(page, EXERCISE)
    set_code(page, (WRONG / answer).read_text())
    page.click(f"{EXERCISE} .course-exercise__run")
    page.wait_for_function(IDLE, timeout=BOOT_TIMEOUT)
    assert not any("trace-player" in u or "trace-state" in u for u in requests), "loaded before it was opened"
    page.click(f"{EXERCISE} .course-trace__toggle")
    page.wait_for_selector(PLAYER)
    assert any("trace-player.js" in u for u in requests)
    return page


def test_split_payment_is_highlighted_and_the_transcript_says_so(page, site_url):
    _run(page, site_url, "no_key_over_time.py")
    assert page.get_attribute(f"{EXERCISE} .course-trace__toggle", "aria-expanded") == "true"
    findings = page.inner_text(f"{PLAYER} .course-trace__findings")
    assert "pay-1 (no key; named in the value) landed in 4 partitions of payments" in findings
    assert "20 record(s) have no key" in findings
    split = page.locator(f"{PLAYER} .ct-rec.is-split[data-entity='pay-1']")
    assert split.count() == 4
    lanes = set(page.eval_on_selector_all(f"{PLAYER} .ct-rec.is-split[data-entity='pay-1']",
                                          "els => els.map(e => e.closest('.ct-lane').dataset.tp)"))
    assert len(lanes) == 4
    # At the end, the transcript's current line is the last event.
    assert page.locator(f"{PLAYER} .course-trace__transcript li[aria-current='step']").count() == 1

    # Keyboard only: Home goes to step 0 (nothing split yet), arrows step, space plays/pauses.
    page.focus(f"{PLAYER} .course-trace__picture")
    page.keyboard.press("Home")
    assert page.inner_text(f"{PLAYER} .course-trace__now").startswith("Step 0")
    assert page.locator(f"{PLAYER} .ct-rec.is-split").count() == 0
    for _ in range(2):
        page.keyboard.press("ArrowRight")
    now = page.inner_text(f"{PLAYER} .course-trace__now")
    assert now.startswith("Step 2: ") and "pay-1:create" in now
    page.keyboard.press("ArrowLeft")
    assert page.inner_text(f"{PLAYER} .course-trace__now").startswith("Step 1: ")
    page.keyboard.press(" ")
    page.wait_for_function(f"document.querySelector('{PLAYER}').classList.contains('is-playing')")
    page.wait_for_function(f"!document.querySelector('{PLAYER} .course-trace__now').textContent.startsWith('Step 1:')")
    page.keyboard.press(" ")
    assert "is-playing" not in page.get_attribute(PLAYER, "class")
    paused = page.inner_text(f"{PLAYER} .course-trace__now")
    page.wait_for_timeout(600)
    assert page.inner_text(f"{PLAYER} .course-trace__now") == paused
    # Tab reaches the buttons; Enter on "Step forward" steps.
    page.focus(f"{PLAYER} .course-trace__forward")
    before = page.inner_text(f"{PLAYER} .course-trace__counter")
    page.keyboard.press("Enter")
    assert page.inner_text(f"{PLAYER} .course-trace__counter") != before
    # Jump to the next event of a kind.
    page.select_option(f"{PLAYER} .course-trace__kind", "fetch")
    page.click(f"{PLAYER} .course-trace__next-kind")
    assert " read payments[" in page.inner_text(f"{PLAYER} .course-trace__now")

    serious = [v for v in axe_violations(page)]
    assert serious == [], serious


def test_no_key_at_375px_has_no_horizontal_scroll(page, site_url):
    _run(page, site_url, "no_key.py", width=375)
    assert "20 record(s) have no key" in page.inner_text(f"{PLAYER} .course-trace__findings")
    page.locator(PLAYER).scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_player_in_dark_mode_has_no_serious_axe_violation(browser, site_url, page_problems):
    ctx = guarded_context(browser, site_url, page_problems, color_scheme="dark")
    try:
        page = watch(ctx.new_page(), page_problems)
        _run(page, site_url, "no_key_over_time.py")
        assert page.get_attribute("body", "data-md-color-scheme") == "slate"
        page.focus(f"{PLAYER} .course-trace__picture")
        page.keyboard.press("ArrowLeft")
        assert axe_violations(page) == []
    finally:
        ctx.close()
    check_problems(page_problems)
