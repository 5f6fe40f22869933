"""Trace player benchmark, in headless Chromium against the built site: a 10,000-event trace
(recorded with pysim: keyed produces, a consumer group with commits, a rebalance) is opened in
the player, as "Show what happened" does: load trace-state.js and trace-player.js, build the
model, draw the last step. Then 300 single steps, each timed to the end of its render.

Targets (issue 12): open < 300 ms; a step within one 60 Hz frame (16.7 ms) at the 95th
percentile. Prints one JSON line and writes benchmarks/results/browser_trace.json."""

import functools
import json
import statistics
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SITE = ROOT / "site"
RESULT = ROOT / "benchmarks" / "results" / "browser_trace.json"
EVENTS = 10_000
OPEN_MS_MAX, STEP_P95_MS_MAX = 300.0, 1000 / 60
REPEATS = 5

PAGE = b"""<!doctype html><meta charset="utf-8"><title>trace player bench</title>
<link rel="stylesheet" href="/stylesheets/course.css"><div class="md-typeset"><div id="host"></div></div>
<script>
function load(src) { return new Promise((ok, fail) => { const s = document.createElement("script"); s.src = src; s.onload = ok; s.onerror = fail; document.head.appendChild(s); }); }
window.openPlayer = async (trace) => {
  const t0 = performance.now();
  await load("/javascripts/trace-state.js?" + Math.random());
  await load("/javascripts/trace-player.js?" + Math.random());
  const player = window.CourseTracePlayer.mount(document.getElementById("host"), trace, {label: "bench"});
  document.body.offsetHeight;                       // layout included
  await new Promise((r) => requestAnimationFrame(() => r()));
  const open = performance.now() - t0;
  const steps = [];
  player.go(player.model.length - 400);
  for (let i = 0; i < 300; i++) {
    const s = performance.now();
    player.go(player.step + 1);
    document.body.offsetHeight;
    steps.push(performance.now() - s);
  }
  delete window.CourseTracePlayer; delete window.CourseTraceState;
  return {open, steps};
};
</script>"""


def trace_of(events: int) -> dict:
    """A pysim run of at least ``events`` events, cut to exactly that many by compact()."""
    from pysim import kafka
    from pysim.course.trace_view import compact
    kafka.reset_all(seed=1)
    cluster = kafka.cluster("bench:9092")
    cluster.create_topic("orders", num_partitions=6)
    producer = kafka.Producer({"bootstrap.servers": "bench:9092"})
    conf = {"bootstrap.servers": "bench:9092", "group.id": "billing", "auto.offset.reset": "earliest",
            "enable.auto.commit": False}
    consumers = [kafka.Consumer(dict(conf)) for _ in range(2)]
    for c in consumers:
        c.subscribe(["orders"])
    i = 0
    while len(cluster.trace) < events:
        for _ in range(20):
            producer.produce("orders", key=f"customer-{i % 37}", value=f"order-{i}")
            i += 1
        producer.flush()
        for c in consumers:
            for _ in range(10):
                msg = c.poll(0.05)
                if msg is not None and msg.error() is None:
                    c.commit(message=msg, asynchronous=False)
    view = compact(cluster.trace, clusters=[cluster], limit=events)
    assert len(view["events"]) == events
    return view


class _Handler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path.startswith("/bench-trace.html"):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)
            return
        super().do_GET()


def main() -> int:
    from playwright.sync_api import sync_playwright
    if not (SITE / "javascripts" / "trace-player.js").exists():
        print(json.dumps({"error": "the site is not built (make site)"}))
        return 1
    view = trace_of(EVENTS)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(SITE)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/bench-trace.html"
    opens, steps = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        for _ in range(REPEATS):
            found = page.evaluate("(t) => openPlayer(t)", view)
            opens.append(found["open"])
            steps.extend(found["steps"])
        browser.close()
    server.shutdown()
    steps.sort()
    result = {
        "events": EVENTS, "json_bytes": len(json.dumps(view)),
        "open_ms_median": round(statistics.median(opens), 1), "open_ms_all": [round(o, 1) for o in opens],
        "step_ms_median": round(statistics.median(steps), 2),
        "step_ms_p95": round(steps[int(len(steps) * 0.95)], 2),
        "targets": {"open_ms_max": OPEN_MS_MAX, "step_p95_ms_max": round(STEP_P95_MS_MAX, 1)},
    }
    result["met"] = result["open_ms_median"] < OPEN_MS_MAX and result["step_ms_p95"] < STEP_P95_MS_MAX
    RESULT.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
