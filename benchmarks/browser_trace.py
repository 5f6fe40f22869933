"""Trace player benchmark, in headless Chromium against the built site: a 10,000-event trace
(recorded with pysim: keyed produces, a consumer group with commits, a rebalance) is opened in
the player, as "Show what happened" does: load trace-state.js and trace-player.js, build the
model, draw the last step. Then 300 single steps, each timed to the end of its render.

Two traces: the Kafka one above and a RabbitMQ one (a topic exchange, three queues, a
dead-letter exchange, consumers that ack, requeue and reject). With ``--baseline REV`` (a git
revision) the player's scripts as they were at REV are measured in the same browser, the
runs alternating, so before and after are side by side under the same load.

Targets (issue 12): open < 300 ms; a step within one 60 Hz frame (16.7 ms) at the 95th
percentile. Prints one JSON line and writes benchmarks/results/browser_trace.json."""

import argparse
import functools
import json
import statistics
import subprocess
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
window.openPlayer = async (trace, base) => {
  const t0 = performance.now();
  await load(base + "/javascripts/trace-state.js?" + Math.random());
  await load(base + "/javascripts/trace-player.js?" + Math.random());
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


def amqp_trace_of(events: int) -> dict:
    """A pysim RabbitMQ run of at least ``events`` events: orders published to a topic
    exchange bound to three queues; billing dead-letters to billing.dead; its consumer acks
    most, requeues every 7th once and rejects every 11th."""
    from pysim import amqp, kafka
    from pysim.course.trace_view import compact
    kafka.reset_all(seed=1)
    amqp.reset_all(seed=1)
    connection = amqp.BlockingConnection(amqp.ConnectionParameters("bench"))
    channel = connection.channel()
    channel.exchange_declare("orders", "topic")
    channel.exchange_declare("orders.dlx", "fanout")
    channel.queue_declare("billing.dead")
    channel.queue_bind("billing.dead", "orders.dlx")
    channel.queue_declare("billing", arguments={"x-dead-letter-exchange": "orders.dlx"})
    channel.queue_bind("billing", "orders", "order.*.paid")
    for name, key in (("audit", "order.#"), ("eu", "order.eu.#")):
        channel.queue_declare(name, arguments={"x-max-length": 40})
        channel.queue_bind(name, "orders", key)
    seen = set()

    def on_billing(ch, method, properties, body):
        n = int(body.split(b"-")[1])
        if n % 11 == 0:
            ch.basic_reject(method.delivery_tag, requeue=False)
        elif n % 7 == 0 and n not in seen:
            seen.add(n)
            ch.basic_nack(method.delivery_tag, requeue=True)
        else:
            ch.basic_ack(method.delivery_tag)
    consumer = connection.channel()
    consumer.basic_qos(prefetch_count=5)
    consumer.basic_consume("billing", on_billing)
    broker = amqp.broker("bench:5672")
    i = 0
    while len(broker.trace) < events:
        region = ("eu", "us", "asia")[i % 3]
        channel.basic_publish("orders", f"order.{region}.{'paid' if i % 2 else 'created'}", f"order-{i}".encode())
        i += 1
        if i % 10 == 0:
            connection.process_data_events(0)
    view = compact(broker.trace, brokers=[broker], limit=events)
    assert len(view["events"]) == events
    return view


def _scripts_at(rev: str) -> dict:
    """The player's two scripts as they were at git revision ``rev``."""
    out = {}
    for name in ("trace-state.js", "trace-player.js"):
        out[f"/before/javascripts/{name}"] = subprocess.run(
            ["git", "show", f"{rev}:docs/javascripts/{name}"], cwd=ROOT, capture_output=True, check=True).stdout
    return out


class _Handler(SimpleHTTPRequestHandler):
    before: dict = {}

    def log_message(self, *args):
        pass

    def _send(self, body, kind):
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/bench-trace.html":
            return self._send(PAGE, "text/html; charset=utf-8")
        if path in self.before:
            return self._send(self.before[path], "text/javascript")
        super().do_GET()


def _summary(opens, steps):
    steps = sorted(steps)
    out = {"open_ms_median": round(statistics.median(opens), 1), "open_ms_all": [round(o, 1) for o in opens],
           "step_ms_median": round(statistics.median(steps), 2), "step_ms_p95": round(steps[int(len(steps) * 0.95)], 2),
           "step_ms_max": round(steps[-1], 2)}
    out["met"] = out["open_ms_median"] < OPEN_MS_MAX and out["step_ms_p95"] < STEP_P95_MS_MAX
    return out


def main(argv=None) -> int:
    from playwright.sync_api import sync_playwright
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="git revision whose player scripts to measure side by side")
    args = parser.parse_args(argv)
    if not (SITE / "javascripts" / "trace-player.js").exists():
        print(json.dumps({"error": "the site is not built (make site)"}))
        return 1
    traces = {"kafka": trace_of(EVENTS), "rabbitmq": amqp_trace_of(EVENTS)}
    variants = {"after": ""}
    if args.baseline:
        _Handler.before = _scripts_at(args.baseline)
        variants = {"before": "/before", "after": ""}
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(SITE)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/bench-trace.html"
    samples = {(t, v): ([], []) for t in traces for v in variants}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        for _ in range(REPEATS):
            for t, view in traces.items():
                for v, base in variants.items():       # alternating: the same load for both
                    found = page.evaluate("([t, b]) => openPlayer(t, b)", [view, base])
                    samples[(t, v)][0].append(found["open"])
                    samples[(t, v)][1].extend(found["steps"])
        browser.close()
    server.shutdown()
    result = {"events": EVENTS, "json_bytes": {t: len(json.dumps(v)) for t, v in traces.items()},
              "targets": {"open_ms_max": OPEN_MS_MAX, "step_p95_ms_max": round(STEP_P95_MS_MAX, 1)},
              "steps_per_run": 300, "runs": REPEATS}
    if args.baseline:
        result["baseline"] = subprocess.run(["git", "rev-parse", "--short", args.baseline], cwd=ROOT,
                                            capture_output=True, text=True, check=True).stdout.strip()
    for t in traces:
        result[t] = {v: _summary(*samples[(t, v)]) for v in variants}
    # the headline numbers (run_all's report): the current player on the Kafka trace
    result.update({k: result["kafka"]["after"][k] for k in ("open_ms_median", "open_ms_all", "step_ms_median", "step_ms_p95")})
    result["met"] = all(result[t]["after"]["met"] for t in traces)
    RESULT.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
