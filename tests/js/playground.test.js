// The playground's settings, scripts and measures (docs/javascripts/playground-model.js), on
// runs of its own generated scripts recorded by tests/js/test_trace_state_node.py.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const TS = require("../../docs/javascripts/trace-state.js");
const PG = require("../../docs/javascripts/playground-model.js");

const load = (name) => JSON.parse(fs.readFileSync(path.join(process.env.TRACE_FIXTURES, `playground__${name}.json`), "utf8"));

test("settings survive the URL and bad values are clamped or defaulted", () => {
  const s = PG.parse("?partitions=7&records=12&keys=0&consumers=3&assignor=roundrobin&commit=before&fault=crash");
  assert.deepEqual(PG.parse(PG.query(s)), s);
  const bad = PG.parse("?partitions=999&records=-4&keys=x&assignor=evil&commit=");
  assert.equal(bad.partitions, 12);
  assert.equal(bad.records, 1);
  assert.equal(bad.keys, PG.FIELDS.keys.def);
  assert.equal(bad.assignor, "range");
  assert.equal(bad.commit, "after");
});

test("keyed records: each key in one partition, every record consumed once, no lag", () => {
  const { trace, stdout } = load("keyed");
  const m = PG.measures(trace, TS, stdout);
  assert.deepEqual(m.split, []);
  assert.equal(Object.values(m.load).reduce((a, b) => a + b, 0), 30);
  assert.equal(Object.keys(m.load).length, 3);
  assert.equal(m.duplicates, 0);
  assert.equal(m.refetched, 0);
  assert.equal(m.lag, 0);
  assert.match(stdout, /^30 processed, 30 distinct/);
});

test("keyless records over time are split; the load is spread by time, not by key", () => {
  const { trace } = load("keyless");
  const m = PG.measures(trace, TS);
  assert.equal(Object.values(m.load).reduce((a, b) => a + b, 0), 40);
  // values are "order:<i>": one id for all, and it landed in more than one partition
  assert.ok(m.split.length === 1 && m.split[0].id === "order" && m.split[0].partitions.length > 1, JSON.stringify(m.split));
});

test("a crash with auto commit processes records twice; committing after processing does not", () => {
  const run = (name) => { const r = load(name); return PG.measures(r.trace, TS, r.stdout); };
  const auto = run("crash_auto"), after = run("crash_after");
  assert.ok(load("crash_auto").trace.events.some((e) => e.k === "client.crash"));
  assert.ok(auto.duplicates > 0, `auto commit: ${auto.duplicates} duplicates`);
  assert.equal(after.duplicates, 0);
  // both re-fetch what the crashed consumer had prefetched: fetching is not processing
  assert.ok(auto.refetched >= auto.duplicates && after.refetched > 0);
  // the crashed member's partitions had no owner until its session timed out (45 s)
  assert.ok(auto.gapMs >= 40000 && after.gapMs >= 40000, `gaps ${auto.gapMs} / ${after.gapMs} ms`);
});

test("the script has no consumer part when there are no consumers", () => {
  const { script, trace } = load("no_consumers");
  assert.ok(!script.includes("Consumer("));
  const m = PG.measures(trace, TS, "");
  assert.equal(m.duplicates, null);
  assert.equal(m.refetched, 0);
});

test("the lessons' playground links show what the lessons say they show", () => {
  const run = (name) => { const r = load(name); return PG.measures(r.trace, TS, r.stdout); };
  const keyless = run("lesson2_keyless"), keyed = run("lesson2_keyed");
  assert.ok(keyless.split.some((s) => s.partitions.length > 1), "lesson 2: without a key, one id in several partitions");
  assert.deepEqual(keyed.split, [], "lesson 2: keyed, no key split");
  const crash = run("lesson3_crash");
  assert.ok(crash.gapMs >= 40000, `lesson 3: partitions without an owner until the session ends (${crash.gapMs} ms)`);
  const auto = run("lesson4_auto"), after = run("lesson4_after");
  assert.ok(auto.duplicates > 0, `lesson 4: auto commit, ${auto.duplicates} processed twice`);
  assert.equal(after.duplicates, 0, "lesson 4: commit after processing, none processed twice");
});
