"""Material features a reader expects, a usable 375 px layout, a computed home header, what
loads when, and a repeat visit that works offline."""
import json
import re
from pathlib import Path

from e2e_conftest import check_problems, guarded_context, open_editor, watch

ROOT = Path(__file__).resolve().parents[2]
LESSONS = ["1-queue-vs-kafka", "2-partitions-and-ordering", "3-consumer-groups", "4-exactly-once"]


def test_search_finds_partition(page, site_url):
    page.goto(f"{site_url}/")
    # At desktop width the search field sits in the header; typing opens the results.
    page.locator("input.md-search__input").click()
    page.keyboard.type("partition")
    page.wait_for_selector(".md-search-result__item a[href*='lessons/']")


def test_dark_mode_toggle(page, site_url):
    page.goto(f"{site_url}/")
    before = page.get_attribute("body", "data-md-color-scheme")
    page.locator("form[data-md-component=palette] label:visible").first.click()
    assert page.get_attribute("body", "data-md-color-scheme") != before


def test_footer_links_and_no_pyodide_on_home(page, site_url):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{site_url}/lessons/{LESSONS[1]}/")
    assert page.locator("a.md-footer__link--prev").count() == 1
    assert page.locator("a.md-footer__link--next").count() == 1
    requests.clear()
    page.goto(f"{site_url}/")
    page.wait_for_load_state("networkidle")
    assert not [u for u in requests if "/pyodide/" in u]


def test_no_horizontal_overflow_at_375(page, site_url):
    page.set_viewport_size({"width": 375, "height": 800})
    for lesson in LESSONS:
        page.goto(f"{site_url}/lessons/{lesson}/")
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 375, lesson


def test_built_home_header_matches_the_manifest():
    """The built home page (not a browser test, but it needs the built site like them)."""
    from coursekit import summary
    site = ROOT / "site"
    manifest = json.loads((site / "assets" / "course-manifest.json").read_text())
    home = (site / "index.html").read_text()
    header = re.search(r'<span data-course="summary">([^<]+)</span>', home)
    assert header, "the home page's header placeholder was not filled"
    assert header[1] == summary.header_text(manifest["lessons"])
    lessons = manifest["lessons"]
    assert f"{len(lessons)} lessons" in header[1]
    assert f"{sum(len(l['quizzes']) for l in lessons)} concept checks" in header[1]
    assert f"{sum(len(l['exercises']) for l in lessons)} runnable exercises" in header[1]
    for l in lessons:
        assert f'data-lesson="{l["id"]}">{summary.lesson_time_text(l)}<' in home
    assert "95 min total" not in home, "the typed header is back"


def test_nothing_heavy_before_approach_and_python_only_on_intent(page, site_url):
    """No Ace and no Pyodide at load; Ace when the exercise comes near; Python when the learner
    reaches for Run. No markdown-exec Pyodide script anywhere."""
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{site_url}/lessons/{LESSONS[1]}/")
    page.wait_for_load_state("networkidle")
    assert not [u for u in requests if "/assets/ace/" in u or "/assets/pyodide/" in u or "markdown_exec" in u]
    selector = '.course-exercise[data-exercise-id="02-key-spread"]'
    open_editor(page, selector)
    assert [u for u in requests if u.endswith("/assets/ace/ace.js")]
    page.wait_for_load_state("networkidle")
    assert not [u for u in requests if "/assets/pyodide/" in u], "Python started without intent"
    page.hover(f"{selector} .course-exercise__run")
    page.wait_for_function("window.CourseExercise.ready", timeout=120_000)
    assert [u for u in requests if u.endswith("pyodide.asm.wasm")]


def test_progress_bar_only_where_progress_is_made_and_reset_is_a_real_button(page, site_url):
    page.goto(f"{site_url}/")
    reset = page.locator(".md-content button.course-progress-reset")
    assert reset.count() == 1
    box = reset.bounding_box()
    assert box["height"] >= 24 and box["width"] >= 24
    assert page.locator("#course-progress-bar button").count() == 0
    page.goto(f"{site_url}/reference/pysim/")
    page.wait_for_load_state("networkidle")
    assert page.locator("#course-progress-bar").count() == 0


def test_repeat_visit_works_offline(browser, site_url, page_problems):
    """With the service worker, a lesson visited once opens and runs Python with the network off."""
    ctx = guarded_context(browser, site_url, page_problems, service_workers="allow")
    try:
        page = watch(ctx.new_page(), page_problems)
        page.goto(f"{site_url}/lessons/{LESSONS[1]}/")
        page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=30_000)
        selector = '.course-exercise[data-exercise-id="02-keyed-payment-order"]'
        open_editor(page, selector)
        page.hover(f"{selector} .course-exercise__run")        # intent: Python and the checks load
        page.wait_for_function("window.CourseExercise.ready", timeout=120_000)
        # The worker keeps what the first page loaded before it took control (message "keep").
        page.wait_for_function("""async () => { const c = await caches.open((await caches.keys()).find(k => k.startsWith('course-')));
            return !!(await c.match(location.href)) && !!(await c.match(new URL('../../javascripts/exercise.js', location.href).href))
                && !!(await c.match(new URL('../../assets/exercises/02-keyed-payment-order/check.py', location.href).href)); }""",
                               timeout=30_000)
        page.close()
        ctx.set_offline(True)
        page = watch(ctx.new_page(), page_problems)
        page.goto(f"{site_url}/lessons/{LESSONS[1]}/")
        open_editor(page, selector)
        page.evaluate("([sel]) => document.querySelector(sel).courseEditor.setValue('print(6 * 7)', -1)", [selector])
        page.click(f"{selector} .course-exercise__run")
        page.wait_for_function(f"!document.querySelector('{selector} .course-exercise__run').disabled", timeout=120_000)
        assert "42" in page.inner_text(f"{selector} .course-exercise__output")
    finally:
        ctx.close()
    check_problems(page_problems)
