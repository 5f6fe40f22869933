"""The trace player under an exercise: a wrong answer's run, opened with "Show what happened",
shows the violation on screen and in the transcript; keyboard-only stepping and play/pause;
axe finds nothing serious; 375 px has no horizontal scroll; the player's scripts load only
when it is opened."""

from pathlib import Path

import pytest

from coursekit.wrong_answers import wrong_answers
from e2e_conftest import check_problems, guarded_context, open_editor, watch
from test_accessibility import axe_violations
from test_exercises import BOOT_TIMEOUT, EXERCISE, IDLE, LESSON, set_code

ROOT = Path(__file__).resolve().parents[2]
WRONG = ROOT / "exercises/02-keyed-payment-order"
PLAYER = f"{EXERCISE} .course-trace__player"


def _run(page, site_url, answer, width=1280, lesson=LESSON, exercise=EXERCISE, wrong=WRONG):
    """Run a wrong answer of the exercise folder ``wrong`` and open its trace player."""
    code = dict(wrong_answers(wrong))[answer]
    page.set_viewport_size({"width": width, "height": 900})
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: d.accept())
    page.goto(site_url + lesson)
    open_editor(page, exercise)
    if exercise == EXERCISE:
        set_code(page, code)
    else:
        page.evaluate("([sel, code]) => document.querySelector(sel).courseEditor.setValue(code, -1)",
                      [exercise, code])
    page.click(f"{exercise} .course-exercise__run")
    page.wait_for_function(IDLE if exercise == EXERCISE else
                           f"!document.querySelector('{exercise} .course-exercise__run').disabled", timeout=BOOT_TIMEOUT)
    assert not any("trace-player" in u or "trace-state" in u for u in requests), "loaded before it was opened"
    page.click(f"{exercise} .course-trace__toggle")
    page.wait_for_selector(f"{exercise} .course-trace__player")
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

    assert page.evaluate(SAME_AS_FRESH, [EXERCISE, PATH]) == []

    # The ownership chart is scaled by virtual time: each segment starts at its grant's time,
    # the axis is labelled in seconds, and the now-line sits at the step's time.
    chart = """(sel) => { const svg = document.querySelector(sel + ' .ct-owners'), line = svg.querySelector('.ct-now'), d = line.dataset;
      return {x0: +d.x0, width: +d.width, t0: +d.t0, span: +d.span, now: +line.getAttribute('x1'),
        own: Array.from(svg.querySelectorAll('.ct-own'), (r) => [+r.getAttribute('x'), +r.dataset.t0, +r.dataset.t1]),
        ticks: Array.from(svg.querySelectorAll('.ct-tick'), (t) => t.textContent)}; }"""
    page.focus(f"{PLAYER} .course-trace__picture")
    page.keyboard.press("End")
    c = page.evaluate(chart, PLAYER)
    assert c["own"] and c["span"] > 1000                       # the run lasts seconds of virtual time
    for x, t0, t1 in c["own"]:
        assert abs(x - (c["x0"] + (t0 - c["t0"]) / c["span"] * c["width"])) < 0.01 and t0 <= t1
    assert len(c["ticks"]) >= 3 and all(t.endswith(" s") for t in c["ticks"])
    assert abs(c["now"] - (c["x0"] + c["width"])) < 0.01       # the last step is the run's last moment
    counter = page.inner_text(f"{PLAYER} .course-trace__counter")
    page.keyboard.press("Home")
    assert abs(page.evaluate(chart, PLAYER)["now"] - c["x0"]) < 0.01 and "Step 0 of" in page.inner_text(f"{PLAYER} .course-trace__counter")
    assert " s (" in counter and "ms virtual time)" in counter

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


# The player patches what changed from one step to the next; whatever the path to a step,
# the picture, tables and transcript must be exactly those of a player opened at that step.
SAME_AS_FRESH = """([sel, steps]) => {
  const pl = document.querySelector(sel).coursePlayer, view = pl.model.view;
  const host = document.createElement("div");
  document.body.appendChild(host);
  const parts = (root) => [".course-trace__picture", ".course-trace__tables", ".course-trace__transcript", ".course-trace__now"]
    .map((s) => root.querySelector(s).innerHTML.replace(/ class=""/g, ""));
  const differ = [];
  for (const n of steps) {
    const to = Math.min(view.events.length, n);
    pl.go(to);
    CourseTracePlayer.mount(host, view, {label: "fresh", step: to});
    const a = parts(document.querySelector(sel)), b = parts(host);
    a.forEach((x, i) => { if (x !== b[i]) differ.push([to, i]); });
  }
  host.remove();
  return differ;
}"""
PATH = [0, 1, 2, 3, 40, 39, 41, 80, 120, 121, 122, 10_000, 9_999, 60, 61, 5]


RABBIT_LESSON = "/lessons/1-queue-vs-kafka/"
RABBIT = '.course-exercise[data-exercise-id="01-rabbitmq-routing"]'
RABBIT_PLAYER = f"{RABBIT} .course-trace__player"


def test_rabbitmq_requeued_poison_message_is_shown_looping_and_never_dead_lettered(page, site_url):
    """requeue_poison nacks the poison order with requeue=True: the picture shows it back in
    billing, redelivered, billing.dead empty, and the transcript and tables say so."""
    _run(page, site_url, "requeue_poison.py", lesson=RABBIT_LESSON, exercise=RABBIT,
         wrong=ROOT / "exercises/01-rabbitmq-routing")
    P = RABBIT_PLAYER
    # the topology: the topic exchange, a binding per key, billing's dead-letter line
    assert page.locator(f"{P} .ct-exchange[data-exchange='orders']").count() == 1
    keys = page.eval_on_selector_all(f"{P} .ct-binding[data-from='orders'] .ct-key", "els => els.map(e => e.textContent)")
    assert sorted(keys) == ["order.#", "order.*.paid", "order.*.refunded", "order.eu.#"]
    assert page.locator(f"{P} .ct-dlx[data-from='billing'][data-to='orders.dlx']").count() == 1
    # from the start, jump to the first requeue: the message is back in billing (ready), highlighted
    page.click(f"{P} .course-trace__first")
    page.select_option(f"{P} .course-trace__kind", "amqp.requeue")
    page.click(f"{P} .course-trace__next-kind")
    now = page.inner_text(f"{P} .course-trace__now")
    assert '("o5 paid poison") nacked with requeue on queue billing' in now
    msg = page.locator(f"{P} .ct-queue[data-queue='billing'] .ct-msg.is-new")
    assert msg.count() == 1 and "is-ready" in msg.get_attribute("class") and "is-redelivered" in msg.get_attribute("class")
    # the next step delivers it again: out with the consumer, redelivered
    page.focus(f"{P} .course-trace__picture")
    page.keyboard.press("ArrowRight")
    assert "(redelivered)" in page.inner_text(f"{P} .course-trace__now")
    assert "is-unacked" in page.get_attribute(f"{P} .ct-queue[data-queue='billing'] .ct-msg.is-new", "class")
    # at the end: requeued 21 times, nothing ever dead-lettered
    page.keyboard.press("End")
    row = page.eval_on_selector_all(f"{P} .ct-queues tbody tr", "rows => rows.map(r => Array.from(r.cells, c => c.textContent))")
    billing = next(r for r in row if r[0] == "billing")
    dead = next(r for r in row if r[0] == "billing.dead")
    assert int(billing[4]) > 10 and dead[1:3] == ["0", "0"]
    assert page.locator(f"{P} .ct-queue[data-queue='billing.dead'] .ct-msg").count() == 0
    assert page.locator(f"{P} .course-trace__transcript li", has_text="nacked with requeue on queue billing").count() >= 5
    assert page.evaluate(SAME_AS_FRESH, [RABBIT, PATH]) == []
    assert axe_violations(page) == []


def test_rabbitmq_player_at_375px_in_dark_mode(browser, site_url, page_problems):
    ctx = guarded_context(browser, site_url, page_problems, color_scheme="dark")
    try:
        page = watch(ctx.new_page(), page_problems)
        _run(page, site_url, "no_dead_letter_exchange.py", width=375, lesson=RABBIT_LESSON, exercise=RABBIT,
             wrong=ROOT / "exercises/01-rabbitmq-routing")
        P = RABBIT_PLAYER
        page.click(f"{P} .course-trace__first")
        page.select_option(f"{P} .course-trace__kind", "amqp.drop")
        page.click(f"{P} .course-trace__next-kind")
        assert "was dropped: the queue has no dead-letter exchange" in page.inner_text(f"{P} .course-trace__now")
        gone = page.locator(f"{P} .ct-queue[data-queue='billing'] .ct-msg.is-gone")      # drawn leaving, and how
        assert gone.count() == 1 and gone.get_attribute("data-how") == "dropped"
        assert "o5 paid poison" in gone.locator("title").text_content() and "lost" in gone.locator("title").text_content()
        page.click(f"{P} .course-trace__back")                                            # the reject before it
        assert page.get_attribute(f"{P} .ct-queue[data-queue='billing'] .ct-msg.is-gone", "data-how") == "rejected"
        page.locator(P).scroll_into_view_if_needed()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert axe_violations(page) == []
    finally:
        ctx.close()
    check_problems(page_problems)
