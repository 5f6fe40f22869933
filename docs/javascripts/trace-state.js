// The trace player's model: a pure function from a compact trace (pysim/course/trace_view.py) and a
// step number to what the picture shows. No DOM here, so node tests it (tests/js) with traces
// recorded from the exercises; the page's trace-player.js only draws what this returns.
//
//   const model = CourseTraceState.build(view);
//   const state = model.stateAt(12);         // after the first 12 events
//   CourseTraceState.describe(view.events[11]) // the transcript line of event 12
//
// stateAt(n) replays events 0..n-1 from scratch every time: 10,000 events replay in about a
// millisecond, and stepping back can never show anything stepping forward did not.
(function (root) {
  "use strict";

  const tp = (topic, p) => topic + "[" + p + "]";

  // Who a record is about: its key, or (no key) the id the value starts with ("pay-1:create"),
  // so a keyless run still shows one payment's events scattered over partitions.
  function entityOf(event) {
    if (event.key !== null && event.key !== undefined) return { id: String(event.key), keyed: true };
    const m = /^([A-Za-z][\w.-]*?)[:|,]/.exec(event.v || "");
    return m ? { id: m[1], keyed: false } : null;
  }

  function emptyState(view) {
    const topics = {};
    for (const [name, count] of Object.entries(view.topics || {})) {
      topics[name] = [];
      for (let p = 0; p < count; p++) topics[name].push({ records: [], end: 0, markers: [] });
    }
    const groups = {};
    for (const g of view.groups || []) groups[g] = { generation: null, members: [], owners: {}, committed: {}, position: {} };
    const queues = {};
    for (const q of view.queues || []) queues[q] = { ready: 0, unacked: 0, acked: 0, dead: 0 };
    return { step: 0, time: 0, topics, groups, queues, crashed: [], txns: {}, entities: {}, keyless: 0 };
  }

  function partition(state, topic, p) {
    if (!state.topics[topic]) state.topics[topic] = [];
    const lanes = state.topics[topic];
    while (lanes.length <= p) lanes.push({ records: [], end: 0, markers: [] });
    return lanes[p];
  }

  function group(state, name) {
    if (!state.groups[name]) state.groups[name] = { generation: null, members: [], owners: {}, committed: {}, position: {} };
    return state.groups[name];
  }

  function queue(state, name) {
    if (!state.queues[name]) state.queues[name] = { ready: 0, unacked: 0, acked: 0, dead: 0 };
    return state.queues[name];
  }

  function apply(state, e) {
    state.step += 1;
    state.time = e.t;
    switch (e.k) {
      case "produce": {
        const lane = partition(state, e.topic, e.p);
        const entity = entityOf(e);
        lane.records.push({ o: e.o, key: e.key === undefined ? null : e.key, v: e.v, aborted: !!e.aborted,
          entity: entity && entity.id, s: e.s });
        lane.end = Math.max(lane.end, e.o + 1);
        if (e.key === null && !e.gone) state.keyless += 1;
        if (entity) {
          // Per topic: the same key in two topics (orders in, invoices out) is not a split.
          const id = e.topic + "\u0000" + entity.id;
          const where = state.entities[id] || (state.entities[id] = { id: entity.id, topic: e.topic, keyed: entity.keyed, partitions: [] });
          const at = tp(e.topic, e.p);
          if (!where.partitions.includes(at)) where.partitions.push(at);
        }
        break;
      }
      case "txn.marker": {
        const lane = partition(state, e.topic, e.p);
        lane.markers.push({ o: e.o, commit: !!e.commit });
        lane.end = Math.max(lane.end, e.o + 1);
        break;
      }
      case "txn.begin": state.txns[e.a] = "open"; break;
      case "txn.commit": state.txns[e.a] = "committed"; break;
      case "txn.abort": state.txns[e.a] = "aborted"; break;
      case "fetch": {
        // The cluster names the fetching group (or "" for assign() without one).
        const g = group(state, e.a || "(no group)");
        g.position[tp(e.topic, e.p)] = e.o + 1;
        break;
      }
      case "commit": group(state, e.a || "(no group)").committed[tp(e.topic, e.p)] = e.o; break;
      case "group.join": {
        const g = group(state, e.group);
        if (e.replaces) g.members = g.members.filter((m) => m !== e.replaces);
        if (!g.members.includes(e.a)) g.members.push(e.a);
        break;
      }
      case "group.leave": case "group.evict": {
        const g = group(state, e.group);
        g.members = g.members.filter((m) => m !== e.a);
        break;
      }
      case "group.rebalance": {
        const g = group(state, e.group);
        g.generation = e.generation;
        if (Array.isArray(e.members)) g.members = e.members.slice();
        break;
      }
      case "owner.grant": {
        const g = group(state, e.group);
        for (const [t, p] of e.partitions || []) g.owners[tp(t, p)] = e.a;
        if (e.generation !== undefined && e.generation !== null) g.generation = e.generation;
        break;
      }
      case "owner.release": {
        const g = group(state, e.group);
        for (const [t, p] of e.partitions || []) if (g.owners[tp(t, p)] === e.a) delete g.owners[tp(t, p)];
        break;
      }
      case "client.crash": if (!state.crashed.includes(e.a)) state.crashed.push(e.a); break;
      case "amqp.queue.declare": queue(state, e.a); break;
      case "amqp.publish": for (const q of e.queues || []) queue(state, q).ready += 1; break;
      case "amqp.deliver": { const q = queue(state, e.a); q.ready -= 1; q.unacked += 1; break; }
      case "amqp.get": { const q = queue(state, e.a); q.ready -= 1; q.unacked += 1; break; }
      case "amqp.ack": { const q = queue(state, e.a); q.unacked -= 1; q.acked += 1; break; }
      case "amqp.requeue": { const q = queue(state, e.a); q.unacked -= 1; q.ready += 1; break; }
      case "amqp.reject": { const q = queue(state, e.a); q.unacked -= 1; q.dead += 1; break; }
      case "amqp.dead_letter": for (const q of e.queues || []) queue(state, q).ready += 1; break;
      case "amqp.expire": case "amqp.drop": case "amqp.maxlen": { const q = queue(state, e.a); q.ready -= 1; q.dead += 1; break; }
      default: break;
    }
    return state;
  }

  // Per group and partition: how far behind the log end the committed offset (or, before any
  // commit, the position) is.
  function lag(state) {
    const out = {};
    for (const [name, g] of Object.entries(state.groups)) {
      const rows = {};
      for (const [topic, lanes] of Object.entries(state.topics)) {
        lanes.forEach((lane, p) => {
          const at = tp(topic, p);
          const base = g.committed[at] !== undefined ? g.committed[at] : g.position[at];
          if (base !== undefined || g.owners[at]) rows[at] = lane.end - (base || 0);
        });
      }
      out[name] = rows;
    }
    return out;
  }

  // Records about one key (or one id) that landed in more than one partition of a topic:
  // ordering between them is lost. Sorted by topic and id for a stable transcript.
  function split(state) {
    return Object.entries(state.entities)
      .filter(([, w]) => w.partitions.length > 1)
      .map(([key, w]) => ({ id: w.id, topic: w.topic, keyed: w.keyed, partitions: w.partitions.slice().sort(), key }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map(({ key, ...rest }) => rest);
  }

  const short = (id) => (id && id.length > 20 ? id.slice(0, 8) + "…" + id.slice(-4) : id);

  // One transcript line per event: what a screen reader reads at that step.
  function describe(e) {
    const at = e.topic !== undefined && e.p !== undefined ? tp(e.topic, e.p) : "";
    switch (e.k) {
      case "topic.create": return `Topic ${e.topic} created with ${e.partitions} partition(s).`;
      case "produce": {
        const what = e.gone ? "a record since deleted" : `${e.key === null || e.key === undefined ? "no key" : "key " + e.key}, value ${e.v}`;
        return `${short(e.a)} produced to ${at} at offset ${e.o} (${what})${e.aborted ? ", later aborted" : ""}.`;
      }
      case "fetch": return `Group ${e.a || "(none)"} read ${at} offset ${e.o}.`;
      case "commit": return `Group ${e.a || "(none)"} committed ${at} offset ${e.o}.`;
      case "group.join": return `${short(e.a)} joined group ${e.group}${e.replaces ? " replacing " + short(e.replaces) : ""}.`;
      case "group.leave": return `${short(e.a)} left group ${e.group}${e.reason ? " (" + e.reason + ")" : ""}.`;
      case "group.evict": return `${short(e.a)} was removed from group ${e.group}${e.reason ? " (" + e.reason + ")" : ""}.`;
      case "group.rebalance": return `Group ${e.group} rebalanced: generation ${e.generation}, ${(e.members || []).length} member(s).`;
      case "group.convert": return `Group ${e.group} converted from the ${e.from} to the ${e.to} protocol at generation ${e.generation} (${e.reason}).`;
      case "owner.grant": return `${short(e.a)} now owns ${(e.partitions || []).map(([t, p]) => tp(t, p)).join(", ") || "nothing"} (generation ${e.generation}).`;
      case "owner.release": return `${short(e.a)} gave up ${(e.partitions || []).map(([t, p]) => tp(t, p)).join(", ")}${e.reason ? " (" + e.reason + ")" : ""}.`;
      case "client.crash": return `${short(e.a)} crashed.`;
      case "txn.begin": return `Transaction ${e.a} began.`;
      case "txn.commit": return `Transaction ${e.a} committed.`;
      case "txn.abort": return `Transaction ${e.a} aborted.`;
      case "txn.marker": return `${e.commit ? "Commit" : "Abort"} marker written to ${at} at offset ${e.o}.`;
      case "amqp.publish": return `Published to exchange "${e.a}" with routing key ${e.routing_key}: routed to ${(e.queues || []).join(", ") || "no queue"}.`;
      case "amqp.deliver": return `Queue ${e.a} delivered message ${e.message} to ${e.consumer}${e.redelivered ? " (redelivered)" : ""}.`;
      case "amqp.ack": return `Message ${e.message} acked on queue ${e.a}.`;
      case "amqp.requeue": return `Message ${e.message} requeued on queue ${e.a}.`;
      case "amqp.reject": return `Message ${e.message} rejected on queue ${e.a}.`;
      case "amqp.dead_letter": return `Message ${e.message} dead-lettered from ${e.a} (${e.reason}) to ${(e.queues || []).join(", ") || "nowhere"}.`;
      case "amqp.queue.declare": return `Queue ${e.a} declared.`;
      default: {
        const detail = Object.entries(e).filter(([k]) => !["s", "t", "k", "a"].includes(k))
          .map(([k, v]) => k + "=" + (typeof v === "object" ? JSON.stringify(v) : v)).join(", ");
        return `${e.k} by ${short(e.a)}${detail ? ": " + detail : ""}.`;
      }
    }
  }

  // Ownership over the whole run, per group and partition: [{from, to, member}] in steps,
  // the gaps between them being the time nobody consumed that partition.
  function ownership(view) {
    const out = {};
    const open = {};
    const events = view.events || [];
    events.forEach((e, i) => {
      if (e.k !== "owner.grant" && e.k !== "owner.release") return;
      for (const [t, p] of e.partitions || []) {
        const key = e.group + "|" + tp(t, p);
        const rows = out[e.group] || (out[e.group] = {});
        const list = rows[tp(t, p)] || (rows[tp(t, p)] = []);
        if (e.k === "owner.grant") {
          if (open[key]) open[key].to = i;
          open[key] = { from: i + 1, to: null, member: e.a };
          list.push(open[key]);
        } else if (open[key] && open[key].member === e.a) {
          open[key].to = i + 1;
          open[key] = null;
        }
      }
    });
    for (const rows of Object.values(out)) for (const list of Object.values(rows)) for (const seg of list) if (seg.to === null) seg.to = events.length;
    return out;
  }

  function build(view) {
    if (!view || !Array.isArray(view.events)) throw new TypeError("build(view): view.events must be an array");
    const events = view.events;
    let cursor = null;
    return {
      view,
      length: events.length,
      stateAt(n) {
        if (!Number.isInteger(n) || n < 0 || n > events.length) throw new RangeError(`step ${n} is outside 0..${events.length}`);
        const state = emptyState(view);
        for (let i = 0; i < n; i++) apply(state, events[i]);
        return state;
      },
      // The same state as stateAt(n), fast for playing forward: one state object is kept and
      // advanced; only a step back replays from the start. The object is the model's: read it,
      // don't keep it past the next call.
      at(n) {
        if (!Number.isInteger(n) || n < 0 || n > events.length) throw new RangeError(`step ${n} is outside 0..${events.length}`);
        if (!cursor || cursor.step > n) cursor = emptyState(view);
        while (cursor.step < n) apply(cursor, events[cursor.step]);
        return cursor;
      },
      // The next (dir 1) or previous (dir -1) step whose event's kind starts with `prefix`.
      find(from, prefix, dir) {
        for (let i = from + dir; i >= 1 && i <= events.length; i += dir) {
          const k = events[i - 1].k;
          if (k === prefix || k.startsWith(prefix + ".")) return i;
        }
        return null;
      },
      kinds() { return Array.from(new Set(events.map((e) => e.k.split(".")[0]))).sort(); },
      ownership: () => ownership(view),
    };
  }

  const api = { build, apply, describe, lag, split, entityOf, ownership, emptyState, tp };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.CourseTraceState = api;
})(typeof self !== "undefined" ? self : this);
