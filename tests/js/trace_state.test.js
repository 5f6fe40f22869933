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

// ---- RabbitMQ: exchanges, bindings, queues, and each message's way through them ----------
const stepOf = (trace, pred) => trace.events.findIndex(pred) + 1;     // 1-based; 0 = not found

test("RabbitMQ routing solution: a message routed to three queues, one dead-lettered with its reason", () => {
  const { trace, checks } = load("01-rabbitmq-routing__solution");
  assert.ok(Object.values(checks).every(Boolean));
  const model = TS.build(trace);
  // The topology: a topic exchange with its binding keys, and the dead-letter fanout.
  const declared = model.stateAt(stepOf(trace, (e) => e.k === "amqp.publish"));
  assert.equal(declared.exchanges.orders.type, "topic");
  assert.deepEqual(declared.exchanges.orders.bindings.filter((b) => b.to === "billing").map((b) => b.key), ["order.*.paid", "order.*.refunded"]);
  assert.equal(declared.queues.billing.dlx, "orders.dlx");
  assert.equal(declared.queues["billing.retry"].dlrk, "billing");
  // "o3 paid" (order.eu.paid) reaches audit, eu-warehouse and billing at its publish step.
  const pub = stepOf(trace, (e) => e.k === "amqp.publish" && e.body === "o3 paid");
  const id = trace.events[pub - 1].message;
  assert.equal(model.stateAt(pub - 1).messages[id], undefined);
  const routed = model.stateAt(pub);
  assert.deepEqual(routed.messages[id].routed, ["audit", "eu-warehouse", "billing"]);
  for (const q of ["audit", "eu-warehouse", "billing"]) assert.equal(routed.queues[q].live[id].st, "ready", q);
  assert.equal(routed.queues["billing.dead"].live[id], undefined);
  assert.match(model.describe(pub), /^Message \d+ \("o3 paid"\) published to exchange "orders" with routing key order\.eu\.paid: routed to audit, eu-warehouse, billing\.$/);
  // An order nothing but audit wants is in audit only.
  const o7 = model.stateAt(stepOf(trace, (e) => e.k === "amqp.publish" && e.body === "o7 cancelled"));
  assert.deepEqual(Object.keys(o7.messages[trace.events.find((e) => e.body === "o7 cancelled").message].at), ["audit"]);
  // The poison message: delivered to billing's consumer, rejected, dead-lettered to billing.dead.
  const poison = trace.events.find((e) => e.k === "amqp.publish" && e.body === "o5 paid poison").message;
  const delivered = stepOf(trace, (e) => e.k === "amqp.deliver" && e.message === poison);
  const atDelivery = model.stateAt(delivered).queues.billing;
  assert.equal(atDelivery.live[poison].st, "unacked");
  assert.equal(atDelivery.live[poison].consumer, trace.events[delivered - 1].consumer);
  assert.equal(atDelivery.unacked, 1);
  const rejected = stepOf(trace, (e) => e.k === "amqp.reject" && e.message === poison);
  const dl = stepOf(trace, (e) => e.k === "amqp.dead_letter" && e.message === poison);
  assert.equal(dl, rejected + 1);
  const before = model.stateAt(rejected - 1), after = model.stateAt(dl);
  assert.equal(before.queues.billing.dead, 0);
  assert.equal(after.queues.billing.dead, 1);
  assert.equal(after.queues.billing.live[poison], undefined);
  assert.equal(after.messages[poison].at.billing, "rejected");
  assert.equal(after.messages[poison].at.audit, "ready");            // its copies elsewhere are untouched
  const [dead] = after.messages[poison].dead;
  assert.deepEqual({ from: dead.from, reason: dead.reason, exchange: dead.exchange, queues: dead.queues, lost: dead.lost },
    { from: "billing", reason: "rejected", exchange: "orders.dlx", queues: ["billing.dead"], lost: false });
  assert.equal(after.queues["billing.dead"].live[dead.as].st, "ready");
  assert.deepEqual(after.messages[dead.as].from, { queue: "billing", reason: "rejected", message: poison });
  assert.equal(after.messages[dead.as].body, "o5 paid poison");
  assert.match(model.describe(dl), /dead-lettered from billing \(reason: rejected\) via exchange "orders\.dlx" to billing\.dead as message \d+\./);
  // The delayed retry: expired in billing.retry, dead-lettered (expired) back into billing.
  const expired = trace.events.find((e) => e.k === "amqp.dead_letter" && e.reason === "expired");
  assert.deepEqual([expired.a, expired.exchange, expired.queues], ["billing.retry", "", ["billing"]]);
  assert.ok(expired.t >= 5000);
  const end = model.stateAt(model.length);
  assert.equal(end.messages[expired.as_message].at.billing, "acked");
  assert.deepEqual([end.queues.audit.ready, end.queues["eu-warehouse"].ready, end.queues["billing.dead"].ready, end.queues.billing.ready], [7, 4, 1, 0]);
});

test("RabbitMQ requeue_poison: the poison message is requeued over and over and never dead-lettered", () => {
  const { trace, checks } = load("01-rabbitmq-routing__requeue_poison");
  assert.equal(checks.dead_letter, false);
  const model = TS.build(trace);
  const poison = trace.events.find((e) => e.k === "amqp.publish" && e.body === "o5 paid poison").message;
  const first = stepOf(trace, (e) => e.k === "amqp.requeue" && e.message === poison);
  const s1 = model.stateAt(first).queues.billing;
  assert.equal(s1.live[poison].st, "ready");
  assert.equal(s1.live[poison].redelivered, true);
  assert.deepEqual([s1.requeued, s1.unacked, s1.dead], [1, 0, 0]);
  assert.match(model.describe(first), /\("o5 paid poison"\) nacked with requeue on queue billing/);
  // the next step hands it straight back to the consumer, marked redelivered
  assert.equal(trace.events[first].k, "amqp.deliver");
  assert.equal(trace.events[first].redelivered, true);
  assert.equal(model.stateAt(first + 1).queues.billing.live[poison].st, "unacked");
  assert.match(model.describe(first + 1), /\(redelivered\)\.$/);
  const end = model.stateAt(model.length);
  const requeues = trace.events.filter((e) => e.k === "amqp.requeue").length;
  assert.ok(requeues > 10);
  assert.equal(end.queues.billing.requeued, requeues);
  assert.equal(end.queues["billing.dead"].ready, 0);
  assert.deepEqual(end.messages[poison].dead, []);
  assert.equal(end.queues.billing.live[poison].st, "ready");          // the closed channel gave it back
  assert.deepEqual(end.queues.billing.consumers, []);                 // and took its consumer along
  assert.equal(model.find(0, "amqp.requeue", 1), first);
  assert.ok(model.kinds().includes("amqp.requeue") && model.kinds().includes("amqp.deliver"));
});

test("RabbitMQ without a dead-letter exchange: the rejected message is dropped, and the transcript says so", () => {
  const { trace } = load("01-rabbitmq-routing__no_dead_letter_exchange");
  const model = TS.build(trace);
  const drop = stepOf(trace, (e) => e.k === "amqp.drop");
  assert.ok(drop > 0);
  const e = trace.events[drop - 1];
  const [dead] = model.stateAt(drop).messages[e.message].dead;
  assert.deepEqual([dead.from, dead.reason, dead.lost], ["billing", "rejected", true]);
  assert.match(model.describe(drop), /\("o5 paid poison"\) left queue billing \(rejected\) and was dropped: the queue has no dead-letter exchange\./);
});

test("RabbitMQ: a publish that matches no binding is shown as unroutable", () => {
  const { trace } = load("01-rabbitmq-routing__direct_exchange");
  const model = TS.build(trace);
  const unroutable = stepOf(trace, (e) => e.k === "amqp.publish" && e.queues.length === 0);
  assert.ok(unroutable > 0);
  assert.deepEqual(model.stateAt(unroutable).messages[trace.events[unroutable - 1].message].routed, []);
  assert.match(model.describe(unroutable), /matched no binding, so it was dropped \(unroutable\)\.$/);
});

test("RabbitMQ: at every step each queue's counts are exactly its ready and unacked messages", () => {
  const runs = all().filter(([, r]) => r.trace.events.some((e) => e.k.startsWith("amqp.")));
  assert.ok(runs.length >= 6, runs.map(([n]) => n).join(", "));
  for (const [name, { trace }] of runs) {
    const model = TS.build(trace);
    for (let s = 0; s <= model.length; s++) {
      for (const [q, c] of Object.entries(model.at(s).queues)) {
        const live = Object.values(c.live);
        assert.equal(c.ready, live.filter((m) => m.st === "ready").length, `${name} step ${s} ${q} ready`);
        assert.equal(c.unacked, live.filter((m) => m.st === "unacked").length, `${name} step ${s} ${q} unacked`);
      }
    }
    // every RabbitMQ event has its own sentence (not the generic "kind by actor: fields")
    for (let i = 1; i <= model.length; i++) {
      const e = trace.events[i - 1], line = model.describe(i);
      if (e.k.startsWith("amqp.")) assert.ok(!line.startsWith(e.k) && !/undefined|null/.test(line), `${name} ${i}: ${line}`);
    }
  }
});

test("ownership segments carry the virtual times of their steps", () => {
  const { trace } = load("03-rolling-deploy__solution");
  const model = TS.build(trace);
  let segments = 0;
  for (const rows of Object.values(model.ownership())) {
    for (const list of Object.values(rows)) {
      for (const s of list) {
        segments += 1;
        // from the grant's time to the time of what ended it (a release, another grant) or the end
        assert.equal(s.t0, trace.events[s.from - 1].t);
        const last = trace.events[trace.events.length - 1].t;
        assert.ok(s.t1 >= trace.events[s.to - 1].t && s.t1 <= (s.to < trace.events.length ? trace.events[s.to].t : last));
        assert.ok(s.t0 <= s.t1);
      }
    }
  }
  assert.ok(segments > 0);
});

test("a group conversion (online upgrade / downgrade) reads as one", () => {
  const e = { s: 0, t: 25000, k: "group.convert", a: "coordinator", group: "g", from: "classic", to: "consumer",
              reason: "a member joined with the consumer protocol", generation: 3, members: ["m1", "m2"] };
  assert.equal(TS.describe(e), "Group g converted from the classic to the consumer protocol at generation 3 "
    + "(a member joined with the consumer protocol).");
});
