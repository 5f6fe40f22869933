"""Browser boot benchmark, in one headless Chromium run against the built site:

- bare: a blank page on the same server that starts the same Pyodide in a module worker and
  runs print(); time from page script start to the first output line.
- cold_first_run: the lesson page with an exercise, prefetch off, fresh browser context (empty
  cache); time from the Run click to the first output line. Target: within 15% of bare.
- warm_run: a second Run on the same (booted) worker. Target: under 100 ms to first output.

Prints one JSON line and writes benchmarks/results/browser_boot.json."""

import functools
import json
import statistics
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "site"
RESULT = ROOT / "benchmarks" / "results" / "browser_boot.json"
LESSON = "/lessons/2-partitions-and-ordering/"
EXERCISE = '.course-exercise[data-exercise-id="02-keyed-payment-order"]'
REPEATS = 3

BARE_PAGE = b"""<!doctype html><meta charset="utf-8"><title>bare pyodide</title><pre id="out"></pre>
<script>
window.benchDone = new Promise((resolve) => {
  const t0 = performance.now();
  const w = new Worker("/javascripts/python-worker.js", {type: "module"});
  w.onmessage = (e) => {
    if (e.data.type === "stdout") resolve(performance.now() - t0);
    if (e.data.type === "crash") resolve(-1);
  };
  w.postMessage({type: "exec", runId: 1, code: "print('hello')",
                 urls: {pyodide: new URL("/assets/pyodide/", location.href).href, wheel: null}});
});
</script>"""

FIRST_OUTPUT_MS = """async ([sel, code]) => {
  const root = document.querySelector(sel);
  root.courseEditor.setValue(code, -1);
  const out = root.querySelector('.course-exercise__output');
  const run = root.querySelector('.course-exercise__run');
  const t0 = performance.now();
  const seen = new Promise((resolve) => {
    const mo = new MutationObserver(() => { if (out.textContent.length) { mo.disconnect(); resolve(performance.now() - t0); } });
    mo.observe(out, {childList: true, subtree: true, characterData: true});
  });
  run.click();
  const ms = await seen;
  await new Promise((resolve) => { const t = setInterval(() => { if (!run.disabled) { clearInterval(t); resolve(); } }, 20); });
  return ms;
}"""


class Handler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/__bench_bare.html":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(BARE_PAGE)))
            self.end_headers()
            self.wfile.write(BARE_PAGE)
            return
        super().do_GET()


def main() -> int:
    if not (SITE / ".built").exists():
        print(json.dumps({"error": "site not built: run `make site`"}))
        return 1
    from playwright.sync_api import sync_playwright

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(SITE)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    bare, cold, warm = [], [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        for _ in range(REPEATS):
            ctx = browser.new_context()
            page = ctx.new_page()
            page.goto(base + "/__bench_bare.html")
            bare.append(page.evaluate("window.benchDone"))
            ctx.close()

            # Prefetch and the snapshot off, the service worker blocked: a cold first Run, on a
            # first visit, against the bare boot above (benchmarks/browser_load.py measures the
            # repeat visit, where the snapshot and the service worker help).
            ctx = browser.new_context(service_workers="block")
            ctx.add_init_script("window.CourseExerciseConfig = {prefetch: false, snapshot: false};")
            page = ctx.new_page()
            page.goto(base + LESSON)
            page.locator(EXERCISE).scroll_into_view_if_needed()    # Ace loads on approach
            page.wait_for_function(f"document.querySelector('{EXERCISE}') && document.querySelector('{EXERCISE}').courseEditor",
                                   timeout=60_000)
            cold.append(page.evaluate(FIRST_OUTPUT_MS, [EXERCISE, "print('hello')"]))
            for _ in range(3):
                warm.append(page.evaluate(FIRST_OUTPUT_MS, [EXERCISE, "print('hello again')"]))
            ctx.close()
        browser.close()
    server.shutdown()
    bare_ms, cold_ms, warm_ms = statistics.median(bare), statistics.median(cold), statistics.median(warm)
    result = {
        "bare_boot_to_first_output_ms": round(bare_ms, 1),
        "cold_first_run_to_first_output_ms": round(cold_ms, 1),
        "cold_vs_bare": round(cold_ms / bare_ms, 3),
        "cold_vs_bare_target": 1.15,
        "cold_vs_bare_met": cold_ms / bare_ms <= 1.15,
        "warm_run_to_first_output_ms": round(warm_ms, 1),
        "warm_target_ms": 100,
        "warm_met": warm_ms < 100,
        "samples": {"bare": [round(x, 1) for x in bare], "cold": [round(x, 1) for x in cold],
                    "warm": [round(x, 1) for x in warm]},
        "note": "median of %d fresh browser contexts; cold includes loading the pysim wheel and the check file" % REPEATS,
    }
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
