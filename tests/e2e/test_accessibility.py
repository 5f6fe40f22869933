"""The course as a keyboard, screen-reader, dark-mode or phone user meets it (issue 10).

axe-core (pinned in package-lock.json, read from node_modules: self-hosted, injected by the
test) runs on every page in light and dark mode, and again after an exercise Run and a wrong
quiz answer: none of serious or critical impact (as loaded, none at all). Then one test per finding: Tab
passes the editor, the editor keeps its label, quiz buttons hide, the key is marked, focus
lands on the verdict, contrast is computed from the page, 375 px phones, underscores drawn."""

import base64
import json
import re
import urllib.request
from pathlib import Path

import pytest

from e2e_conftest import check_problems, guarded_context, open_editor, watch
from test_exercises import BOOT_TIMEOUT

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
LESSON2 = "/lessons/2-partitions-and-ordering/"
EXERCISE = '.course-exercise[data-exercise-id="02-keyed-payment-order"]'
SERIOUS = ("serious", "critical")
ANY = ("minor", "moderate") + SERIOUS


def pages(site_url):
    """Every page of the site, from its sitemap (so a new page is checked without editing this)."""
    text = urllib.request.urlopen(site_url + "/sitemap.xml").read().decode()
    return sorted({re.sub(r"^https?://[^/]+", "", u) for u in re.findall(r"<loc>([^<]+)</loc>", text)})


def settle(page):
    """Colours mid-transition (Material fades buttons on hover, its header title on scroll) are
    not the page's colours: wait for running animations and transitions to end."""
    page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")


def axe_violations(page, impacts=SERIOUS):
    if not AXE.exists():
        pytest.fail("node_modules/axe-core is missing: run `npm ci` (make setup)", pytrace=False)
    settle(page)
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))""")
    return [v for v in found if v["impact"] in impacts]


@pytest.fixture(params=["light", "dark"])
def scheme_page(request, browser, site_url, page_problems):
    ctx = guarded_context(browser, site_url, page_problems, color_scheme=request.param)
    pg = watch(ctx.new_page(), page_problems)
    pg.on("dialog", lambda d: d.accept())
    pg.scheme = request.param
    yield pg
    ctx.close()
    check_problems(page_problems)


def test_axe_every_page_light_and_dark_before_and_after_interaction(scheme_page, site_url):
    page = scheme_page
    problems = {}
    for path in pages(site_url):
        page.goto(site_url + path)
        expected = "slate" if page.scheme == "dark" else "default"
        assert page.get_attribute("body", "data-md-color-scheme") == expected
        problems[path] = axe_violations(page, ANY)      # as loaded: not even a minor finding
        exercises = page.locator(".course-exercise")
        quizzes = page.locator("form.quiz")
        if exercises.count() == 0 and quizzes.count() == 0:
            continue
        for i in range(exercises.count()):     # every editor mounted (Ace's own DOM is checked too)
            ex_id = exercises.nth(i).get_attribute("data-exercise-id")
            open_editor(page, f'.course-exercise[data-exercise-id="{ex_id}"]')
        if exercises.count():
            first = exercises.first
            first.locator(".course-exercise__run").click()
            page.wait_for_function("!document.querySelector('.course-exercise .course-exercise__run').disabled",
                                   timeout=BOOT_TIMEOUT)
            assert first.locator(".course-exercise__checks li").count() >= 1
        if quizzes.count():
            form = quizzes.first
            key = int(form.get_attribute("data-key"))
            form.locator("input[type=radio]").nth((key + 1) % 4).check()
            form.locator(".quiz-check").click()
        problems[path + " (after a Run and a quiz answer)"] = axe_violations(page)
    bad = {k: v for k, v in problems.items() if v}
    assert not bad, json.dumps(bad, indent=1)


# ---- the editor and the keyboard ---------------------------------------------------------------

def active(page):
    return page.evaluate("""() => { const a = document.activeElement;
        return {cls: a.className || '', tag: a.tagName, label: a.getAttribute('aria-label') || ''}; }""")


def test_tab_passes_the_editor_enter_enters_escape_leaves(page, site_url):
    page.goto(site_url + LESSON2)
    open_editor(page, EXERCISE)
    before = page.evaluate(f"document.querySelector('{EXERCISE}').courseEditor.getValue()")
    # Start from the exercise's prompt and walk with Tab.
    page.evaluate(f"""() => {{ const p = document.querySelector('{EXERCISE} .course-exercise__prompt');
        p.tabIndex = -1; p.focus(); }}""")
    page.keyboard.press("Tab")
    stop = active(page)
    assert "ace_scroller" in stop["cls"] and "Enter" in stop["label"], stop
    page.keyboard.press("Tab")
    assert "course-exercise__run" in active(page)["cls"], "Tab did not leave the editor"
    assert page.evaluate(f"document.querySelector('{EXERCISE}').courseEditor.getValue()") == before, \
        "Tab changed the learner's code"
    page.keyboard.press("Shift+Tab")
    assert "ace_scroller" in active(page)["cls"]
    page.keyboard.press("Enter")                      # enter the editor on purpose
    page.wait_for_function("document.activeElement.classList.contains('ace_text-input')")
    page.keyboard.press("Tab")                        # now Tab indents
    assert page.evaluate(f"document.querySelector('{EXERCISE}').courseEditor.getValue()") != before
    page.keyboard.type("x")
    label = active(page)["label"]
    assert "Python code of exercise 02-keyed-payment-order" in label, label   # not just "Cursor at row N"
    page.keyboard.press("Escape")
    page.wait_for_function("document.activeElement.classList.contains('ace_scroller')")
    page.keyboard.press("Tab")
    page.wait_for_function("document.activeElement.classList.contains('course-exercise__run')")
    # The page says how, on screen, next to the editor.
    keys = page.inner_text(f"{EXERCISE} .course-exercise__keys")
    assert "Enter" in keys and "Esc" in keys and "Tab" in keys
    assert page.locator(f"{EXERCISE} .course-exercise__keys").is_visible()


def test_run_focus_never_lands_on_a_disabled_button(page, site_url):
    page.goto(site_url + LESSON2)
    open_editor(page, EXERCISE)
    page.evaluate("([sel]) => document.querySelector(sel).courseEditor.setValue('print(1)', -1)", [EXERCISE])
    page.focus(f"{EXERCISE} .course-exercise__run")
    page.keyboard.press("Enter")
    assert "course-exercise__stop" in active(page)["cls"]       # Run is disabled while running
    page.wait_for_function(f"!document.querySelector('{EXERCISE} .course-exercise__run').disabled", timeout=BOOT_TIMEOUT)
    page.wait_for_function("document.activeElement.classList.contains('course-exercise__run')")


# ---- quizzes ----------------------------------------------------------------------------------

def test_quiz_buttons_hide_the_key_is_marked_and_focus_goes_to_the_verdict(page, site_url):
    page.goto(site_url + LESSON2)
    form = page.locator("form.quiz").first
    retry, check = form.locator(".quiz-retry"), form.locator(".quiz-check")
    assert not retry.is_visible(), "Retry shows before answering"
    assert retry.evaluate("b => getComputedStyle(b).display") == "none"
    key = int(form.get_attribute("data-key"))
    wrong = (key + 1) % 4
    form.locator("input[type=radio]").nth(wrong).check()
    check.click()
    assert not check.is_visible(), "Check answer stays after answering"
    assert retry.is_visible()
    options = form.locator(".quiz-option")
    assert "quiz-option--key" in options.nth(key).get_attribute("class")
    assert "right answer" in options.nth(key).inner_text()            # in words, not colour alone
    assert "your answer" in options.nth(wrong).inner_text()
    assert sum("right answer" in options.nth(i).inner_text() for i in range(4)) == 1
    assert page.evaluate("document.activeElement.classList.contains('quiz-feedback')"), "focus fell to <body>"
    retry.click()
    assert "right answer" not in form.inner_text()
    assert not retry.is_visible() and check.is_visible()


# ---- contrast, computed from the page ---------------------------------------------------------

CONTRAST = """(el) => {
  const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
                         return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
                               return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  // The background: the first ancestor (or self) with an opaque enough colour, blended down.
  let layers = [];
  for (let n = el; n; n = n.parentElement) {
    const bg = parse(getComputedStyle(n).backgroundColor);
    if (bg[3] > 0) { layers.push(bg); if (bg[3] >= 1) break; }
  }
  let base = [255, 255, 255];
  for (const [r, g, b, a] of layers.reverse()) base = [r * a + base[0] * (1 - a), g * a + base[1] * (1 - a), b * a + base[2] * (1 - a)];
  const [r, g, b, a] = parse(getComputedStyle(el).color);
  const fg = [r * a + base[0] * (1 - a), g * a + base[1] * (1 - a), b * a + base[2] * (1 - a)];
  const [l1, l2] = [lum(fg), lum(base)].sort((x, y) => y - x);
  return (l1 + 0.05) / (l2 + 0.05);
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_buttons_and_quiz_feedback_contrast_at_least_4_5(browser, site_url, page_problems, scheme):
    ctx = guarded_context(browser, site_url, page_problems, color_scheme=scheme)
    page = watch(ctx.new_page(), page_problems)
    try:
        page.goto(site_url + LESSON2)
        ratios = {}
        for sel in [f"{EXERCISE} .course-exercise__next-hint", f"{EXERCISE} .course-exercise__show-solution",
                    f"{EXERCISE} .course-exercise__reset", f"{EXERCISE} .course-exercise__run",
                    "form.quiz .quiz-check", f"{EXERCISE} .course-exercise__kind"]:
            settle(page)
            ratios[sel] = page.locator(sel).first.evaluate(CONTRAST)
        forms = page.locator("form.quiz")
        for i, right in ((0, True), (1, False)):
            form = forms.nth(i)
            key = int(form.get_attribute("data-key"))
            form.locator("input[type=radio]").nth(key if right else (key + 1) % 4).check()
            form.locator(".quiz-check").click()     # Retry appears under the mouse: its hover colours
            settle(page)
            ratios[f"feedback {'right' if right else 'wrong'}"] = form.locator(".quiz-feedback").evaluate(CONTRAST)
            ratios[f"retry {i}"] = form.locator(".quiz-retry").evaluate(CONTRAST)
        page.goto(site_url + "/")
        settle(page)
        ratios["home reset"] = page.locator(".md-content .course-progress-reset").evaluate(CONTRAST)
        low = {k: round(v, 2) for k, v in ratios.items() if v < 4.5}
        assert not low, f"{scheme}: below 4.5:1: {low}"
    finally:
        ctx.close()
    check_problems(page_problems)


# ---- phones -----------------------------------------------------------------------------------

def test_375px_home_status_visible_editor_fits_checks_unstyled(page, site_url):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(site_url + "/")
    page.wait_for_function("document.querySelector('[data-lesson-status]').textContent.length > 0")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 375
    statuses = page.locator("[data-lesson-status]")
    assert statuses.count() == 4
    for i in range(4):
        box = statuses.nth(i).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375, f"status {i} off screen: {box}"
        assert statuses.nth(i).is_visible()
    page.goto(site_url + LESSON2)
    open_editor(page, EXERCISE)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 375
    editor = page.locator(f"{EXERCISE} .course-exercise__editor")
    assert editor.bounding_box()["height"] <= 0.6 * 800, "the editor is taller than most of the screen"
    info = page.evaluate(f"""() => {{ const e = document.querySelector('{EXERCISE}').courseEditor;
        return {{wrap: e.session.getUseWrapMode(), hbar: e.renderer.scrollBarH.isVisible,
                 cols: e.renderer.$size.scrollerWidth / e.renderer.characterWidth}}; }}""")
    assert info["wrap"] and not info["hbar"], info
    assert info["cols"] >= 30, f"only {info['cols']:.1f} columns of code fit"
    page.evaluate("([sel]) => document.querySelector(sel).courseEditor.setValue('print(1)', -1)", [EXERCISE])
    page.click(f"{EXERCISE} .course-exercise__run")
    page.wait_for_function(f"!document.querySelector('{EXERCISE} .course-exercise__run').disabled", timeout=BOOT_TIMEOUT)
    item = page.locator(f"{EXERCISE} .course-exercise__checks li").first
    style = item.evaluate("li => [getComputedStyle(li).listStyleType, getComputedStyle(li).marginLeft]")
    assert style == ["none", "0px"], style


# ---- underscores ------------------------------------------------------------------------------

INK = """async ([b64]) => {
  const img = new Image(); img.src = 'data:image/png;base64,' + b64; await img.decode();
  const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
  const g = c.getContext('2d'); g.drawImage(img, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  const lum = (i) => 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
  const bg = lum(d.length - 4);            // bottom-right corner: background past the text
  let ink = 0;
  for (let i = 0; i < d.length; i += 4) if (Math.abs(lum(i) - bg) > 60) ink++;
  return ink;
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_underscores_are_drawn_inside_their_line(browser, site_url, page_problems, scheme):
    """A line holding only underscores, screenshotted at device scale 1 within its own line box,
    must show ink: clipped underscores leave the box blank."""
    ctx = guarded_context(browser, site_url, page_problems, color_scheme=scheme, device_scale_factor=1)
    page = watch(ctx.new_page(), page_problems)
    try:
        page.goto(site_url + LESSON2)
        open_editor(page, EXERCISE)
        page.evaluate("([sel]) => { const e = document.querySelector(sel).courseEditor; e.setValue('x\\n' + '_'.repeat(20) + '\\nx', -1); e.renderer.updateFull(true); }",
                      [EXERCISE])
        page.wait_for_timeout(300)
        line = page.locator(f"{EXERCISE} .ace_text-layer .ace_line").nth(1)
        line.evaluate("el => el.scrollIntoView({block: 'center'})")
        page.wait_for_timeout(200)
        assert line.inner_text().strip() == "_" * 20
        box = line.bounding_box()
        width = page.evaluate(f"document.querySelector('{EXERCISE}').courseEditor.renderer.characterWidth") * 24
        shot = page.screenshot(clip={"x": box["x"], "y": box["y"], "width": width, "height": box["height"]})
        ink = page.evaluate(INK, [base64.b64encode(shot).decode()])
        assert ink >= 20, f"{scheme}: the underscores are not drawn inside their line ({ink} ink pixels)"
    finally:
        ctx.close()
    check_problems(page_problems)
