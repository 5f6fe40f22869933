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
    for (const q of view.queues || []) queues[q] = newQueue();
    const exchanges = {};
    for (const [name, type] of Object.entries(view.exchanges || {})) exchanges[name] = { type, bindings: [] };
    return { step: 0, time: 0, topics, groups, queues, exchanges, messages: {}, crashed: [], txns: {}, entities: {}, keyless: 0 };
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

  // A RabbitMQ queue: counts, what its declare said (type, dead-letter exchange and key, TTL,
  // max length) and its messages still in it (`live`, by message id: ready or with a consumer).
  // `dead` counts the messages that left it unacked (rejected, expired, pushed out by
  // max-length, over the delivery limit, refused when full), wherever they went next.
  function newQueue() {
    return { ready: 0, unacked: 0, acked: 0, requeued: 0, dead: 0, purged: 0, deleted: false, type: null, dlx: null, dlrk: null, ttl: null, maxLength: null, consumers: [], live: {} };
  }

  function queue(state, name) {
    if (!state.queues[name]) state.queues[name] = newQueue();
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
      default: if (e.k.startsWith("amqp.")) applyAmqp(state, e); break;
    }
    return state;
  }

  // ---- RabbitMQ ----------------------------------------------------------------------------
  // Every message the run published is in state.messages by the broker's id: body, exchange,
  // routing key, the queues it was routed to, its status in each (`at`: ready, unacked, acked,
  // rejected, expired, maxlen, delivery_limit, refused, purged, deleted) and, when it left a
  // queue unacked, where it went (`dead`: [{from, reason, exchange, queues, as}], `lost` when
  // nothing took it). A dead-lettered copy is a message of its own with `from` saying whence.
  // Only what the events say is counted: an event about a message whose arrival fell outside
  // the window changes no count, so no count goes negative.
  const LEAVE = { "amqp.reject": "rejected", "amqp.expire": "expired", "amqp.maxlen": "maxlen",
    "amqp.delivery_limit": "delivery_limit", "amqp.overflow": "refused" };

  function message(state, id) {
    return state.messages[id] || (state.messages[id] = { id, body: null, exchange: null, rk: null, routed: [], at: {}, from: null, dead: [] });
  }

  function exchange(state, name) {
    return state.exchanges[name] || (state.exchanges[name] = { type: null, bindings: [] });
  }

  function enter(state, qname, id) {
    const q = queue(state, qname);
    q.live[id] = { id, st: "ready", consumer: null, deliveries: 0, redelivered: false };
    q.ready += 1;
    message(state, id).at[qname] = "ready";
  }

  // The message leaves queue `qname` (acked or otherwise); false when it was not in it.
  function leave(state, qname, id, status) {
    const q = queue(state, qname);
    const entry = q.live[id];
    if (!entry) return false;
    if (entry.st === "unacked") q.unacked -= 1; else q.ready -= 1;
    delete q.live[id];
    message(state, id).at[qname] = status;
    return true;
  }

  function unbind(list, to, key, kind) {
    const i = list.findIndex((b) => b.to === to && b.key === key && b.kind === kind);
    if (i >= 0) list.splice(i, 1);
  }

  // A binding declared again replaces the old one (RabbitMQ keeps one per destination and key).
  function bind(list, to, key, kind) {
    unbind(list, to, key, kind);
    list.push({ to, key, kind });
  }

  // A deleted queue or exchange takes every binding to it along.
  function dropBindingsTo(state, to, kind) {
    for (const x of Object.values(state.exchanges)) x.bindings = x.bindings.filter((b) => !(b.kind === kind && b.to === to));
  }

  function applyAmqp(state, e) {
    switch (e.k) {
      case "amqp.exchange.declare": exchange(state, e.a).type = e.type; break;
      case "amqp.exchange.delete": {
        delete state.exchanges[e.a];
        dropBindingsTo(state, e.a, "exchange");
        break;
      }
      case "amqp.queue.declare": {
        const q = queue(state, e.a);
        Object.assign(q, { type: e.type || null, dlx: e.dlx === undefined ? null : e.dlx, dlrk: e.dlrk === undefined ? null : e.dlrk,
          ttl: e.ttl === undefined ? null : e.ttl, maxLength: e.max_length === undefined ? null : e.max_length, deleted: false });
        break;
      }
      case "amqp.queue.delete": {
        const q = queue(state, e.a);
        for (const id of Object.keys(q.live)) leave(state, e.a, id, "deleted");
        q.deleted = true;
        dropBindingsTo(state, e.a, "queue");
        break;
      }
      case "amqp.bind": bind(exchange(state, e.a).bindings, e.queue, e.routing_key, "queue"); break;
      case "amqp.unbind": unbind(exchange(state, e.a).bindings, e.queue, e.routing_key, "queue"); break;
      case "amqp.exchange.bind": bind(exchange(state, e.a).bindings, e.destination, e.routing_key, "exchange"); break;
      case "amqp.exchange.unbind": unbind(exchange(state, e.a).bindings, e.destination, e.routing_key, "exchange"); break;
      case "amqp.publish": {
        const m = message(state, e.message);
        Object.assign(m, { body: e.body === undefined ? null : e.body, exchange: e.a, rk: e.routing_key, routed: (e.queues || []).slice() });
        exchange(state, e.a);
        for (const q of e.queues || []) enter(state, q, e.message);
        break;
      }
      case "amqp.deliver": case "amqp.get": {
        const q = queue(state, e.a);
        const entry = q.live[e.message];
        if (q.type === "stream" || !entry) break;        // a stream keeps it; auto-ack settled it already
        if (entry.st === "ready") { q.ready -= 1; q.unacked += 1; }
        entry.st = "unacked";
        entry.consumer = e.k === "amqp.get" ? "basic.get (" + e.channel + ")" : e.consumer;
        entry.deliveries += 1;
        entry.redelivered = !!e.redelivered || entry.deliveries > 1;
        message(state, e.message).at[e.a] = "unacked";
        break;
      }
      case "amqp.ack": if (leave(state, e.a, e.message, "acked")) queue(state, e.a).acked += 1; break;
      case "amqp.requeue": {
        const q = queue(state, e.a);
        const entry = q.live[e.message];
        if (!entry) break;
        if (entry.st === "unacked") { q.unacked -= 1; q.ready += 1; }
        entry.st = "ready"; entry.consumer = null; entry.redelivered = true;
        q.requeued += 1;
        message(state, e.message).at[e.a] = "ready";
        break;
      }
      case "amqp.reject": case "amqp.expire": case "amqp.maxlen": case "amqp.delivery_limit": case "amqp.overflow":
        if (leave(state, e.a, e.message, LEAVE[e.k])) queue(state, e.a).dead += 1;
        break;
      case "amqp.dead_letter": {
        const m = message(state, e.message);
        m.dead.push({ from: e.a, reason: e.reason, exchange: e.exchange, queues: (e.queues || []).slice(), as: e.as_message, lost: !(e.queues || []).length });
        const copy = message(state, e.as_message);
        Object.assign(copy, { body: m.body, exchange: e.exchange, rk: e.routing_key, routed: (e.queues || []).slice(),
          from: { queue: e.a, reason: e.reason, message: e.message } });
        for (const q of e.queues || []) enter(state, q, e.as_message);
        break;
      }
      case "amqp.drop": message(state, e.message).dead.push({ from: e.a, reason: e.reason, exchange: null, queues: [], as: null, lost: true }); break;
      case "amqp.purge": {
        const q = queue(state, e.a);
        for (const [id, entry] of Object.entries(q.live)) if (entry.st === "ready" && leave(state, e.a, id, "purged")) q.purged += 1;
        break;
      }
      // Consumers by tag and channel: a closing channel or connection takes its consumers along.
      case "amqp.consume": queue(state, e.a).consumers.push({ tag: e.tag, channel: e.channel }); break;
      case "amqp.cancel": { const q = queue(state, e.a); q.consumers = q.consumers.filter((c) => c.tag !== e.tag); break; }
      case "amqp.channel.close": case "amqp.connection.close": {
        const gone = (c) => c.channel === e.a || (e.k === "amqp.connection.close" && c.channel.startsWith(e.a + "/"));
        for (const q of Object.values(state.queues)) if (q.consumers.some(gone)) q.consumers = q.consumers.filter((c) => !gone(c));
        break;
      }
      default: break;
    }
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

  const REASONS = { rejected: "rejected", expired: "expired (TTL)", maxlen: "pushed out by max-length",
    delivery_limit: "over the delivery limit" };
  const xname = (name) => (name === "" ? 'the default exchange ("")' : `exchange "${name}"`);

  // The transcript line of a RabbitMQ event; `bodies` (message id -> body, from bodies(view))
  // lets a line about a delivery or an ack say which message it was.
  function describeAmqp(e, bodies) {
    const body = (id) => (bodies && bodies[id] !== undefined && bodies[id] !== null ? ` ("${bodies[id]}")` : "");
    const msg = (id) => `Message ${id}${body(id)}`;
    switch (e.k) {
      case "amqp.exchange.declare": return `Exchange "${e.a}" (${e.type}) declared.`;
      case "amqp.exchange.delete": return `Exchange "${e.a}" deleted${e.reason ? " (" + e.reason + ")" : ""}.`;
      case "amqp.queue.declare": {
        const shape = [e.dlx !== undefined ? `dead-letter exchange ${e.dlx === "" ? '""' : '"' + e.dlx + '"'}` : "",
          e.dlrk !== undefined ? `dead-letter routing key ${e.dlrk}` : "", e.ttl !== undefined ? `message TTL ${e.ttl} ms` : "",
          e.max_length !== undefined ? `max length ${e.max_length}` : ""].filter(Boolean);
        return `Queue ${e.a} declared${e.type && e.type !== "classic" ? " (" + e.type + ")" : ""}${shape.length ? ": " + shape.join(", ") : ""}.`;
      }
      case "amqp.queue.delete": return `Queue ${e.a} deleted${e.messages ? ` with ${e.messages} message(s) in it` : ""}.`;
      case "amqp.bind": return `Queue ${e.queue} bound to ${xname(e.a)} with binding key ${e.routing_key === "" ? '""' : e.routing_key}.`;
      case "amqp.unbind": return `Queue ${e.queue} unbound from ${xname(e.a)} (binding key ${e.routing_key}).`;
      case "amqp.exchange.bind": return `Exchange "${e.destination}" bound to ${xname(e.a)} with binding key ${e.routing_key}.`;
      case "amqp.exchange.unbind": return `Exchange "${e.destination}" unbound from ${xname(e.a)}.`;
      case "amqp.publish": return `${msg(e.message)} published to ${xname(e.a)} with routing key ${e.routing_key === "" ? '""' : e.routing_key}: ` +
        ((e.queues || []).length ? `routed to ${e.queues.join(", ")}.` : "it matched no binding, so it was dropped (unroutable).");
      case "amqp.consume": return `Consumer ${short(e.tag)} started on queue ${e.a}.`;
      case "amqp.cancel": return `Consumer ${short(e.tag)} on queue ${e.a} cancelled.`;
      case "amqp.deliver": return `Queue ${e.a} delivered ${msg(e.message).replace("Message", "message")} to consumer ${short(e.consumer)}${e.redelivered ? " (redelivered)" : ""}.`;
      case "amqp.get": return `${msg(e.message)} taken from queue ${e.a} with basic.get.`;
      case "amqp.ack": return `${msg(e.message)} acked on queue ${e.a}: it is gone from the queue.`;
      case "amqp.requeue": return `${msg(e.message)} nacked with requeue on queue ${e.a}: back in the queue, to be delivered again.`;
      case "amqp.reject": return `${msg(e.message)} rejected without requeue on queue ${e.a}.`;
      case "amqp.expire": return `${msg(e.message)} expired in queue ${e.a} (its TTL ran out).`;
      case "amqp.maxlen": return `${msg(e.message)} pushed out of queue ${e.a} by its max-length.`;
      case "amqp.delivery_limit": return `${msg(e.message)} returned to queue ${e.a} more often than its delivery limit.`;
      case "amqp.overflow": return `Queue ${e.a} is full (overflow ${e.overflow}): ${msg(e.message).replace("Message", "message")} refused.`;
      case "amqp.dead_letter": return `${msg(e.message)} dead-lettered from ${e.a} (reason: ${REASONS[e.reason] || e.reason}) via ${xname(e.exchange)}` +
        ((e.queues || []).length ? ` to ${e.queues.join(", ")} as message ${e.as_message}.` : ": it matched no binding there, so it was lost.");
      case "amqp.drop": return `${msg(e.message)} left queue ${e.a} (${REASONS[e.reason] || e.reason}) and was dropped: the queue has no dead-letter exchange.`;
      case "amqp.purge": return `Queue ${e.a} purged: ${e.messages} ready message(s) deleted.`;
      case "amqp.connection.open": return `Connection ${e.a} opened.`;
      case "amqp.connection.close": return `Connection ${e.a} closed${e.text ? " (" + e.text + ")" : ""}.`;
      case "amqp.channel.open": return `Channel ${e.channel} opened on ${e.a}.`;
      case "amqp.channel.close": return `Channel ${e.a} closed${e.text ? " by the broker: " + e.text : ""}.`;
      default: return null;
    }
  }

  // Message id -> body, for the transcript (a dead-lettered copy has its original's body).
  function bodies(view) {
    const out = {};
    for (const e of view.events || []) {
      if (e.k === "amqp.publish") out[e.message] = e.body === undefined ? null : e.body;
      else if (e.k === "amqp.dead_letter" && out[e.as_message] === undefined) out[e.as_message] = out[e.message] === undefined ? null : out[e.message];
    }
    return out;
  }

  // One transcript line per event: what a screen reader reads at that step.
  function describe(e, names) {
    if (e.k.startsWith("amqp.")) {
      const line = describeAmqp(e, names);
      if (line !== null) return line;
    }
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
      case "txn.init": return `Transaction id ${e.a} initialised: producer id ${e.producer_id}, epoch ${e.epoch}${e.previous_epoch !== undefined ? " (older epochs are fenced)" : ""}.`;
      case "txn.fenced": return `${short(e.a)} is fenced: a newer instance has transaction id ${e.transactional_id}; its transaction is aborted.`;
      case "fault.lose_response": return `The broker's answer to ${short(e.a)}'s request for ${at} is lost (the record is stored).`;
      case "produce.request_timeout": return `${short(e.a)}'s request for ${at} timed out: ${e.in_flight} request(s) in flight are retried.`;
      case "produce.retry": return `${short(e.a)} retries message ${e.msgid} to ${at} (attempt ${e.attempt}, ${e.error}).`;
      case "produce.duplicate": return `The broker recognised a retry of ${short(e.a)} to ${at} (sequence ${e.sequence}) and answered with offset ${e.o}: not stored again.`;
      default: {
        const detail = Object.entries(e).filter(([k]) => !["s", "t", "k", "a"].includes(k))
          .map(([k, v]) => k + "=" + (typeof v === "object" ? JSON.stringify(v) : v)).join(", ");
        return `${e.k} by ${short(e.a)}${detail ? ": " + detail : ""}.`;
      }
    }
  }

  // Ownership over the whole run, per group and partition: [{from, to, t0, t1, member}], from
  // and to in steps, t0 and t1 the virtual times (ms) of those steps; the gaps between them
  // being the time nobody consumed that partition.
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
          if (open[key]) { open[key].to = i; open[key].t1 = e.t; }
          open[key] = { from: i + 1, to: null, t0: e.t, t1: null, member: e.a };
          list.push(open[key]);
        } else if (open[key] && open[key].member === e.a) {
          open[key].to = i + 1;
          open[key].t1 = e.t;
          open[key] = null;
        }
      }
    });
    const end = events.length ? events[events.length - 1].t : 0;
    for (const rows of Object.values(out)) for (const list of Object.values(rows)) for (const seg of list) if (seg.to === null) { seg.to = events.length; seg.t1 = end; }
    return out;
  }

  const kindOf = (e) => (e.k.startsWith("amqp.") ? e.k.split(".").slice(0, e.k.startsWith("amqp.exchange.") || e.k.startsWith("amqp.queue.") ? 3 : 2).join(".") : e.k.split(".")[0]);

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
      // What the jump list offers: a kind's first word ("group", "owner"), but each RabbitMQ
      // kind on its own ("amqp.publish", "amqp.dead_letter"): a learner jumps to the next
      // requeue, not to the next of any of twenty amqp events.
      kinds() { return Array.from(new Set(events.map(kindOf))).sort(); },
      names: null,
      // The transcript line of step n (1-based), with message bodies named.
      describe(n) { if (!this.names) this.names = bodies(view); return describe(events[n - 1], this.names); },
      ownership: () => ownership(view),
    };
  }

  const api = { build, apply, describe, bodies, lag, split, entityOf, ownership, emptyState, tp };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.CourseTraceState = api;
})(typeof self !== "undefined" ? self : this);
