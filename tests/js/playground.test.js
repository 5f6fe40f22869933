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
  for (const q of ["?fault=lostack&producer=idempotent", "?fault=zombie&producer=transactional&consumers=0",
    "?fault=crash&consumers=5&victim=4&at=0", "?fault=zombie&producer=plain&records=300"]) {
    const t = PG.parse(q);
    assert.deepEqual(PG.parse(PG.query(t)), t, q);
    for (const [k, v] of new URLSearchParams(q)) assert.equal(String(t[k]), v, `${q}: ${k}`);
  }
  // old links (no producer, victim or at) mean what they meant: the first consumer, round 8
  const old = PG.parse("?partitions=4&records=80&keys=16&consumers=4&assignor=range&commit=auto&fault=crash");
  assert.equal(old.producer, "plain");
  assert.equal(old.victim, 1);
  assert.equal(old.at, 8);
  assert.match(PG.script(old), /if round_ == 8 and consumers\[0\] is not None:\n        cluster\.crash\(consumers\[0\]\)/);
  // a victim beyond the group is the last consumer; unknown faults and producers fall back
  assert.equal(PG.parse("?consumers=2&victim=6").victim, 2);
  assert.equal(PG.parse("?fault=meteor&producer=quantum").fault, "none");
  assert.equal(PG.parse("?fault=meteor&producer=quantum").producer, "plain");
  assert.equal(PG.parse("?at=-3").at, 0);
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

const run = (name) => { const r = load(name); return { ...r, m: PG.measures(r.trace, TS, r.stdout) }; };
const total = (o) => Object.values(o).reduce((a, b) => a + b, 0);

test("every measure agrees with what the run left in the cluster's logs", () => {
  const names = require("node:fs").readdirSync(process.env.TRACE_FIXTURES).filter((f) => f.startsWith("playground__")).map((f) => f.slice(12, -5));
  assert.ok(names.length >= 20, names.join(","));
  let checkedLag = 0;
  for (const name of names) {
    const { m, facts } = run(name);
    assert.deepEqual(m.load, facts.stored, `${name}: records per partition`);
    assert.equal(m.duplicatesWritten, facts.duplicates_visible, `${name}: duplicates written`);
    assert.equal(m.aborted, facts.aborted, `${name}: aborted`);
    assert.equal(m.fenced, facts.fenced, `${name}: fenced`);
    // the trace's reads against the script's own `processed` list
    assert.deepEqual(m.outOfOrder.map((x) => x.id).sort(), facts.processed_out_of_order, `${name}: out of produce order`);
    if (facts.lag_complete) assert.equal(m.lag, facts.lag_committed, `${name}: lag`);
    checkedLag += facts.lag_complete ? 1 : 0;
  }
  assert.ok(checkedLag >= 10, `lag compared on ${checkedLag} runs`);
});

test("the code view changes with the producer and the fault", () => {
  const script = (q) => PG.script(PG.parse(q));
  const plain = script("?fault=lostack&producer=plain"), idem = script("?fault=lostack&producer=idempotent");
  assert.match(plain, /cluster\.faults\.lose_next_responses\("orders"\)/);
  assert.match(plain, /Producer\(\{"bootstrap.servers": BOOTSTRAP\}\)/);
  assert.match(idem, /"enable.idempotence": True/);
  const txn = script("?fault=zombie&producer=transactional");
  assert.match(txn, /"transactional.id": "orders-writer"/);
  assert.deepEqual(txn.match(/^\w+\.init_transactions\(\)$/gm), ["zombie.init_transactions()", "producer.init_transactions()"]);
  assert.match(txn, /zombie\.commit_transaction\(\)/);
  assert.match(txn, /"isolation.level": "read_committed"/);
  assert.doesNotMatch(script("?fault=zombie&producer=idempotent"), /transactional|init_transactions/);
  assert.match(script("?fault=crash&consumers=4&victim=3&at=40"), /if round_ == 40 and consumers\[2\] is not None:/);
  assert.doesNotMatch(script("?fault=crash&consumers=0"), /cluster\.crash/);
  for (const q of ["?fault=none", "?fault=crash", "?producer=idempotent"]) assert.doesNotMatch(script(q), /faults|zombie/, q);
});

test("a lost ack: librdkafka's defaults store the retry twice, idempotence does not", () => {
  const plain = run("lostack_plain"), idem = run("lostack_idempotent"), txn = run("lostack_transactional");
  for (const r of [plain, idem, txn]) assert.ok(r.trace.events.some((e) => e.k === "fault.lose_response"));
  assert.equal(plain.m.duplicatesWritten, 1);
  assert.equal(plain.m.retriesDropped, 0);
  assert.equal(plain.m.delivered, 30, "every report says delivered, yet one record is there twice");
  assert.equal(total(plain.m.load), 31);
  assert.equal(plain.m.duplicates, 1, "and the consumers process it twice");
  for (const r of [idem, txn]) {
    assert.equal(r.m.duplicatesWritten, 0);
    assert.equal(r.m.retriesDropped, 1, "the broker recognised the retry by its sequence number");
    assert.equal(r.m.delivered, 30);
    assert.equal(r.m.duplicates, 0);
  }
  assert.equal(total(idem.m.load), 30);
  const alone = run("lostack_no_consumers");
  assert.equal(alone.m.duplicatesWritten, 1);
  assert.equal(alone.m.duplicates, null);
});

test("a zombie: without transactions its records stay; with them it is fenced and read_committed never sees them", () => {
  for (const name of ["zombie_plain", "zombie_idempotent"]) {
    const { m, stdout } = run(name);
    assert.equal(m.duplicatesWritten, 10, `${name}: the zombie's 10 records and its replacement's copies`);
    assert.equal(m.fenced, 0);
    assert.equal(m.zombie, null);
    assert.match(stdout, /zombie: its records stay/);
    assert.equal(m.duplicates, 10, `${name}: processed twice`);
  }
  const { m, stdout, trace } = run("zombie_transactional");
  assert.equal(m.fenced, 1);
  assert.equal(m.zombie, "_FENCED");
  assert.match(stdout, /zombie: _FENCED \(fatal\)/);
  assert.equal(m.aborted, 10);
  assert.equal(m.duplicatesWritten, 0);
  assert.equal(total(m.load), 40, "the log holds the zombie's 10 aborted records too");
  assert.match(stdout, /^30 processed, 30 distinct/m);
  // the player shows them: aborted records and an abort marker, and says who was fenced
  const end = TS.build(trace).stateAt(trace.events.length);
  const lanes = Object.values(end.topics).flat();
  assert.equal(lanes.reduce((n, l) => n + l.records.filter((r) => r.aborted).length, 0), 10);
  assert.ok(lanes.some((l) => l.markers.some((mk) => !mk.commit)));
  const fenced = trace.events.find((e) => e.k === "txn.fenced");
  assert.match(TS.describe(fenced), /is fenced: a newer instance has transaction id orders-writer/);
  const few = run("zombie_transactional_few");
  assert.equal(few.m.aborted, 4);
  assert.equal(few.m.fenced, 1);
  assert.match(few.stdout, /^4 processed, 4 distinct/m);
});

test("crash a chosen consumer at a chosen round", () => {
  const { m, facts, trace } = run("crash_third_late");
  assert.equal(facts.crashed.length, 1);
  assert.equal(facts.crashed[0], facts.joined[2], "the third consumer crashed");
  const crash = trace.events.find((e) => e.k === "client.crash");
  const early = load("crash_after").trace.events.find((e) => e.k === "client.crash");
  assert.ok(crash.t > early.t, `round 30 (${crash.t} ms) comes after round 8 (${early.t} ms)`);
  assert.equal(m.duplicates, 0);
});

test("keys read out of produce order: keyless records over partitions are, keyed ones are not", () => {
  const keyless = run("keyless").m, keyed = run("keyed").m;
  assert.equal(keyless.outOfOrder.length, 1);
  assert.equal(keyless.outOfOrder[0].id, "order");
  assert.ok(keyless.outOfOrder[0].count > 0);
  assert.deepEqual(keyed.outOfOrder, []);
  // a duplicate read again is not a reordering; aborted records are not read at all
  assert.deepEqual(run("lostack_plain").m.outOfOrder, []);
  assert.deepEqual(run("zombie_transactional").m.outOfOrder, []);
});
