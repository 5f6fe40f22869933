// The trace player's model (docs/javascripts/trace-state.js) on traces recorded from the
// exercises by tests/js/test_trace_state_node.py (TRACE_FIXTURES names the folder).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const TS = require("../../docs/javascripts/trace-state.js");

const dir = process.env.TRACE_FIXTURES;
const load = (name) => JSON.parse(fs.readFileSync(path.join(dir, name + ".json"), "utf8"));
const all = () => fs.readdirSync(dir).filter((f) => f.endsWith(".json") && !f.startsWith("playground__")).map((f) => [f.slice(0, -5), load(f.slice(0, -5))]);

test("fixtures were recorded", () => { assert.ok(dir && all().length > 20); });

test("keyless payments over time: pay-1 is split over four partitions, and says so", () => {
  const { trace, checks } = load("02-keyed-payment-order__no_key_over_time");
  assert.equal(checks.one_partition_per_payment, false);
  const model = TS.build(trace);
  const produces = trace.events.filter((e) => e.k === "produce");
  const firstAuth = trace.events.findIndex((e) => e.k === "produce" && e.v === "pay-1:authorize");
  // Before pay-1's second event nothing is split; right after it, pay-1 is.
  assert.deepEqual(TS.split(model.stateAt(firstAuth)), []);
  const after = TS.split(model.stateAt(firstAuth + 1));
  assert.equal(after[0].id, "pay-1");
  assert.equal(after[0].keyed, false);
  assert.equal(after[0].partitions.length, 2);
  const end = TS.split(model.stateAt(model.length));
  assert.deepEqual(end.map((s) => s.id), ["pay-1", "pay-2", "pay-3", "pay-4", "pay-5"]);
  // Each payment's partitions are exactly those its records landed in.
  const pay1 = new Set(produces.filter((e) => e.v.startsWith("pay-1:")).map((e) => `${e.topic}[${e.p}]`));
  assert.deepEqual(end[0].partitions, Array.from(pay1).sort());
  assert.ok(pay1.size > 1);
  assert.match(TS.describe(trace.events[firstAuth]), /produced to payments\[\d\] at offset \d+ \(no key, value pay-1:authorize\)/);
});

test("the keyed solution splits no payment and each partition's end is its record count", () => {
  const { trace, checks } = load("02-keyed-payment-order__solution");
  assert.ok(Object.values(checks).every(Boolean));
  const model = TS.build(trace);
  const end = model.stateAt(model.length);
  assert.deepEqual(TS.split(end), []);
  for (const lane of end.topics.payments) assert.equal(lane.end, lane.records.length);
  assert.equal(end.topics.payments.reduce((n, l) => n + l.records.length, 0), 20);
  for (const lane of end.topics.payments) for (const r of lane.records) assert.match(r.key, /^pay-\d$/);
});

test("stepping back and forth returns the same state, for every recorded run", () => {
  for (const [name, { trace }] of all()) {
    const model = TS.build(trace);
    const n = model.length;
    for (const step of [0, 1, Math.floor(n / 3), Math.floor(n / 2), n - 1, n].filter((s) => s >= 0 && s <= n)) {
      const direct = JSON.stringify(model.stateAt(step));
      // forward one then back one, and a jump to the end and back
      if (step < n) model.stateAt(step + 1);
      model.stateAt(n);
      assert.equal(JSON.stringify(model.stateAt(step)), direct, `${name} at step ${step}`);
      assert.equal(model.stateAt(step).step, step);
    }
    for (const e of trace.events) assert.equal(typeof TS.describe(e), "string");
  }
});

test("a consumer that commits after processing ends with zero lag; positions follow fetches", () => {
  const { trace } = load("03-commit-after-processing__solution");
  const model = TS.build(trace);
  const end = model.stateAt(model.length);
  const fetches = trace.events.filter((e) => e.k === "fetch");
  assert.ok(fetches.length > 0);
  const last = fetches[fetches.length - 1];
  assert.equal(end.groups[last.a].position[`${last.topic}[${last.p}]`] >= last.o + 1, true);
  const commits = trace.events.filter((e) => e.k === "commit");
  assert.ok(commits.length > 0);
  const c = commits[commits.length - 1];
  assert.equal(end.groups[c.a].committed[`${c.topic}[${c.p}]`], c.o);
  const lag = TS.lag(model.stateAt(model.length));
  for (const [at, value] of Object.entries(lag[c.a])) assert.ok(value >= 0, `${at} lag ${value}`);
});

test("ownership: grants and releases give segments, a rolling deploy leaves gaps", () => {
  const { trace } = load("03-rolling-deploy__solution");
  const model = TS.build(trace);
  const own = model.ownership();
  const groups = Object.keys(own);
  assert.ok(groups.length > 0);
  for (const rows of Object.values(own)) {
    for (const segments of Object.values(rows)) {
      for (const s of segments) assert.ok(s.from <= s.to && s.to <= model.length);
      for (let i = 1; i < segments.length; i++) assert.ok(segments[i].from >= segments[i - 1].to);
    }
  }
  // who owns a partition at a step is what owner.grant said last, unless released since
  const state = model.stateAt(model.length);
  for (const [g, rows] of Object.entries(own)) {
    for (const [at, segments] of Object.entries(rows)) {
      if (state.groups[g].owners[at]) assert.equal(state.groups[g].owners[at], segments[segments.length - 1].member);
    }
  }
});

test("transactions: an aborted run shows aborted records and an abort marker", () => {
  const runs = all().filter(([, r]) => r.trace.events.some((e) => e.k === "txn.marker"));
  assert.ok(runs.length > 0, "some exercise writes transactions");
  for (const [name, { trace }] of runs) {
    const model = TS.build(trace);
    const end = model.stateAt(model.length);
    const markers = Object.values(end.topics).flat().flatMap((l) => l.markers);
    assert.equal(markers.length, trace.events.filter((e) => e.k === "txn.marker").length, name);
    const aborted = Object.values(end.topics).flat().flatMap((l) => l.records).filter((r) => r.aborted);
    if (markers.some((m) => !m.commit)) assert.ok(aborted.length > 0, name);
  }
});

test("RabbitMQ: queue counters never go negative and the transcript names the queue", () => {
  const runs = all().filter(([, r]) => r.trace.events.some((e) => e.k.startsWith("amqp.")));
  assert.ok(runs.length > 0);
  for (const [name, { trace }] of runs) {
    const model = TS.build(trace);
    for (let s = 0; s <= model.length; s += Math.max(1, Math.floor(model.length / 20))) {
      for (const [q, c] of Object.entries(model.stateAt(s).queues)) {
        assert.ok(c.ready >= 0 && c.unacked >= 0, `${name} step ${s} queue ${q}: ${JSON.stringify(c)}`);
      }
    }
    const deliver = trace.events.find((e) => e.k === "amqp.deliver");
    if (deliver) assert.ok(TS.describe(deliver).includes(deliver.a));
  }
});

test("find jumps to the next and previous event of a kind", () => {
  const { trace } = load("02-keyed-payment-order__solution");
  const model = TS.build(trace);
  const firstFetch = trace.events.findIndex((e) => e.k === "fetch") + 1;
  assert.equal(model.find(0, "fetch", 1), firstFetch);
  assert.equal(trace.events[model.find(firstFetch, "fetch", 1) - 1].k, "fetch");
  assert.equal(model.find(firstFetch, "fetch", -1), null);
  assert.equal(trace.events[model.find(0, "group", 1) - 1].k.split(".")[0], "group");
  assert.throws(() => model.stateAt(model.length + 1), RangeError);
});

test("the same key in two topics is not a split (read-process-write: orders in, invoices out)", () => {
  const { trace } = load("04-read-process-write__solution");
  const model = TS.build(trace);
  const end = model.stateAt(model.length);
  for (const s of TS.split(end)) {
    const lanes = new Set(s.partitions.map((at) => at.slice(0, at.indexOf("["))));
    assert.deepEqual(Array.from(lanes), [s.topic]);
  }
  const keys = (topic) => new Set(end.topics[topic].flatMap((l) => l.records.map((r) => r.key)));
  const shared = Array.from(keys("orders")).filter((k) => k !== null && keys("invoices").has(k));
  assert.ok(shared.length > 0, "the fixture has keys in both topics");
});

test("at(n), the player's fast path, equals stateAt(n) whatever order the steps come in", () => {
  for (const [name, { trace }] of all()) {
    const model = TS.build(trace);
    const n = model.length;
    const order = [0, n, 1, 2, Math.floor(n / 2), Math.floor(n / 2) - 1, Math.floor(n / 2) + 1, n - 1, 0, n].filter((s) => s >= 0 && s <= n);
    for (const s of order) assert.equal(JSON.stringify(model.at(s)), JSON.stringify(model.stateAt(s)), `${name} at ${s}`);
  }
});

test("keyless records are counted: all 20 of the no-key run, none of the keyed solution", () => {
  const count = (name) => { const m = TS.build(load(name).trace); return m.stateAt(m.length).keyless; };
  assert.equal(count("02-keyed-payment-order__no_key"), 20);
  assert.equal(count("02-keyed-payment-order__solution"), 0);
});

test("a group conversion (online upgrade / downgrade) reads as one", () => {
  const e = { s: 0, t: 25000, k: "group.convert", a: "coordinator", group: "g", from: "classic", to: "consumer",
              reason: "a member joined with the consumer protocol", generation: 3, members: ["m1", "m2"] };
  assert.equal(TS.describe(e), "Group g converted from the classic to the consumer protocol at generation 3 "
    + "(a member joined with the consumer protocol).");
});
