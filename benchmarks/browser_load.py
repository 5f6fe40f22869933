"""Load benchmark for lesson 2 in headless Chromium, against the built site:

- script_bytes_before_interaction: bytes of JavaScript the page downloads (main thread and
  workers) from navigation until the network is quiet, the learner at the top of the page.
  Target: at most 200 KB before the learner approaches an exercise.
- script_bytes_after_approach: the same once the first exercise is scrolled into view (Ace).
- blocking_ms_load / blocking_ms_approach: main-thread blocking time (sum over long tasks of
  their time beyond 50 ms, Lighthouse's TBT rule) during load and during the approach.
- python_ready_first_visit_ms / python_ready_repeat_visit_ms: from the worker's start to
  "Python ready" (Pyodide booted, pysim wheel unpacked, its harness imported), first in a fresh
  browser profile, then on a second visit in the same profile (service worker and caches warm).
  Target: repeat visit at most 2 s (moonshot 1 s).
- python_ready_offline_ms: a third visit with the network off: the page and Python still come up.
- python_ready_*: measured with Pyodide's memory snapshot off (CourseExerciseConfig =
  {snapshot: false}); snapshot_*: the same two visits with it on (the site's default since it
  more than halved the repeat visit; the rule was: adopt only if it at least halves it).
Blocking times are measured with the CPU slowed 4x (Lighthouse's mobile setting).

First Run to output (cold and warm) is benchmarks/browser_boot.py. Prints one JSON line and
writes benchmarks/results/browser_load.json."""

import functools
import json
import os
import statistics
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(os.environ.get("BENCH_SITE", ROOT / "site"))   # BENCH_SITE: measure another build
RESULT = ROOT / "benchmarks" / "results" / "browser_load.json"
LESSON = "/lessons/2-partitions-and-ordering/"
EXERCISE = ".course-exercise"
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
SCRIPT_BUDGET = 200 * 1024

LONG_TASKS = """
window.__longTasks = [];
new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push([e.startTime, e.duration]); })
  .observe({ type: "longtask", buffered: true });
"""
BLOCKING_SINCE = "(t0) => window.__longTasks.filter(([s]) => s >= t0).reduce((sum, [, d]) => sum + Math.max(0, d - 50), 0)"


class Handler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def is_script(response) -> bool:
    path = response.url.split("?")[0]
    return response.request.resource_type == "script" or path.endswith((".js", ".mjs"))


def measure_load(browser, base):
    ctx = browser.new_context(service_workers="block")
    ctx.add_init_script(LONG_TASKS)
    page = ctx.new_page()
    ctx.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": 4})
    seen = []

    def on_response(response):
        if is_script(response):
            try:
                seen.append((response.url, len(response.body())))
            except Exception:   # noqa: BLE001 - a redirect or an aborted body has no size
                pass

    page.on("response", on_response)
    page.goto(base + LESSON, wait_until="load")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1000)
    before = sum(size for _, size in seen)
    scripts_before = sorted({u.replace(base, "") for u, _ in seen})
    blocking_load = page.evaluate(BLOCKING_SINCE, 0)
    t0 = page.evaluate("performance.now()")
    page.locator(EXERCISE).first.scroll_into_view_if_needed()
    page.wait_for_function(f"document.querySelector('{EXERCISE}').courseEditor", timeout=60_000)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1000)
    after = sum(size for _, size in seen)
    blocking_approach = page.evaluate(BLOCKING_SINCE, t0)
    pyodide_before_intent = [u for u, _ in seen if "/assets/pyodide/" in u]
    ctx.close()
    return {"before": before, "after": after, "blocking_load": blocking_load, "blocking_approach": blocking_approach,
            "scripts_before": scripts_before, "pyodide_before_intent": pyodide_before_intent}


def python_ready(page, base, snapshot=False):
    config = "{snapshot: true}" if snapshot else "{snapshot: false}"
    page.add_init_script(f"window.CourseExerciseConfig = {config};")
    page.goto(base + LESSON, wait_until="load")
    return page.evaluate("() => window.CourseExercise.warmUp()")


def measure_visits(browser, base, snapshot=False):
    ctx = browser.new_context()
    page = ctx.new_page()
    first = python_ready(page, base, snapshot)
    # Let the service worker finish storing what it fetched, and the snapshot be made.
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=30_000)
    if snapshot:
        page.wait_for_function("['saved', 'failed'].includes(window.CourseExercise.snapshotState)", timeout=120_000)
        assert page.evaluate("window.CourseExercise.snapshotState") == "saved"
    page.wait_for_timeout(1500)
    page.close()
    page = ctx.new_page()
    repeat = python_ready(page, base, snapshot)
    from_sw = page.evaluate("navigator.serviceWorker.controller !== null")
    page.close()
    offline = None
    if snapshot:   # the site's default configuration
        ctx.set_offline(True)
        page = ctx.new_page()
        offline = python_ready(page, base, snapshot)
        page.close()
    ctx.close()
    return {"first": first, "repeat": repeat, "offline": offline, "controlled": from_sw}


def main() -> int:
    if not (SITE / ".built").exists():
        print(json.dumps({"error": "site not built: run `make site`"}))
        return 1
    from playwright.sync_api import sync_playwright

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(SITE)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    loads, plain, snap = [], [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        for _ in range(REPEATS):
            loads.append(measure_load(browser, base))
            snap.append(measure_visits(browser, base, snapshot=True))
            plain.append(measure_visits(browser, base, snapshot=False))
        browser.close()
    server.shutdown()
    med = lambda xs: round(statistics.median(xs), 1)  # noqa: E731
    before = med([x["before"] for x in loads])
    repeat = med([x["repeat"] for x in snap])
    plain_repeat = med([x["repeat"] for x in plain])
    result = {
        "site": str(SITE),
        "script_bytes_before_interaction": before,
        "script_bytes_budget": SCRIPT_BUDGET,
        "script_bytes_met": before <= SCRIPT_BUDGET,
        "script_bytes_after_approach": med([x["after"] for x in loads]),
        "scripts_before_interaction": loads[0]["scripts_before"],
        "pyodide_requests_before_intent": loads[0]["pyodide_before_intent"],
        "blocking_ms_load_cpu4x": med([x["blocking_load"] for x in loads]),
        "blocking_ms_approach_cpu4x": med([x["blocking_approach"] for x in loads]),
        "python_ready_first_visit_ms": med([x["first"] for x in snap]),
        "python_ready_repeat_visit_ms": repeat,
        "python_ready_repeat_target_ms": 2000,
        "python_ready_repeat_met": repeat <= 2000,
        "python_ready_repeat_moonshot_met": repeat <= 1000,
        "python_ready_offline_ms": med([x["offline"] for x in snap]),
        "repeat_visit_controlled_by_service_worker": all(x["controlled"] for x in snap + plain),
        "no_snapshot_first_visit_ms": med([x["first"] for x in plain]),
        "no_snapshot_repeat_visit_ms": plain_repeat,
        "snapshot_speedup_repeat_visit": round(plain_repeat / repeat, 2) if repeat else None,
        "snapshot_adopt_rule": "adopted because snapshot_speedup_repeat_visit >= 2",
        "samples": {"load": [{k: v for k, v in x.items() if not k.startswith(("scripts", "pyodide"))} for x in loads],
                    "snapshot_visits": snap, "no_snapshot_visits": plain},
        "note": f"median of {REPEATS} fresh browser profiles; Python ready = worker start to pysim harness imported",
    }
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
