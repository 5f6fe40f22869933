// The trace player: a step-through picture of what a run did, drawn with hand-written SVG
// from the compact trace the Python worker sent (nothing is computed in Python on this
// thread). The model is trace-state.js (loaded first, tested under node); this file only draws
// it: partitions as lanes with each record at its offset (key shown, keys split over several
// partitions highlighted), per group the position, committed offset, owner and lag of each
// partition, ownership over virtual time (gaps shaded), transaction markers and aborted
// records; RabbitMQ exchanges, bindings and queues with their messages (ready, out with a
// consumer, requeued), the route the current step took and dead-letter paths. The transcript
// beside it is the accessible alternative: the current step is announced (aria-live) and
// every control is a real button. A step patches only the elements whose markup changed.
//
//   CourseTracePlayer.mount(host, compactTrace, {label: "exercise 02-keyed-payment-order", step: 0})
(function () {
  "use strict";
  if (window.CourseTracePlayer) return;
  const TS = window.CourseTraceState;

  const LANE_CELLS = 24;        // offsets drawn per partition (the newest ones)
  const CELL = 36, LANE_H = 26, LABEL_W = 92;
  const X_W = 130, X_ROW = 44, X_GAP = 150, Q_ROW = 34, Q_LABEL = 100, Q_CELL = 40, Q_CELLS = 10;   // RabbitMQ
  const TRANSCRIPT_WINDOW = 15; // transcript lines either side of the current step
  const SPEEDS = [["1", "1 step/s"], ["4", "4 steps/s"], ["15", "15 steps/s"], ["60", "60 steps/s"]];

  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const short = (s, n) => (s === null || s === undefined ? "" : (s.length > n ? s.slice(0, n - 1) + "…" : s));
  const member = (id) => (id && id.length > 18 ? id.slice(0, 8) + "…" + id.slice(-4) : id || "");

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function splitText(entries) {
    const shown = entries.slice(0, 3).map((s) => `${s.id}${s.keyed ? "" : " (no key; named in the value)"} landed in ${s.partitions.length} partitions of ${s.topic}: ${s.partitions.join(", ")}`)
      .join("; ");
    return entries.length > 3 ? `${shown}; and ${entries.length - 3} more (${entries.slice(3).map((s) => s.id).join(", ")})` : shown;
  }

  // ---- the picture ------------------------------------------------------------------------
  // Each drawing returns {width, height, items}: one markup string per top-level element, so
  // a step replaces only the elements whose markup changed (see patch()).
  function lanesSvg(state, splitIds, lastEvent) {
    const parts = [];
    let y = 0;
    // As many cells as the longest lane needs (at least 10, at most LANE_CELLS).
    let cells = 10;
    for (const lanes of Object.values(state.topics)) for (const lane of lanes) cells = Math.max(cells, Math.min(LANE_CELLS, lane.end + 1));
    for (const [topic, lanes] of Object.entries(state.topics)) {
      parts.push(`<text class="ct-topic" x="0" y="${y + 14}">${esc(topic)}</text>`);
      y += 20;
      lanes.forEach((lane, p) => {
        const from = Math.max(0, lane.end - cells);
        const at = TS.tp(topic, p);
        const g = [];
        g.push(`<g class="ct-lane-frame" data-tp="${esc(at)}"><text class="ct-label" x="0" y="${y + 17}">${esc("[" + p + "]")} end ${lane.end}</text>`);
        g.push(`<rect class="ct-lane-bg" x="${LABEL_W}" y="${y}" width="${cells * CELL}" height="${LANE_H - 4}"/>`);
        if (from > 0) g.push(`<text class="ct-more" x="${LABEL_W - 12}" y="${y + 17}">…</text>`);
        g.push("</g>");
        parts.push(g.join(""));
        // The records and markers, each at its own offset's x inside a group shifted by the
        // first offset shown: a new record adds one element, the oldest drops one, and the
        // rest stay as they are (keyed by offset, see patchKeyed).
        const kids = [];
        // Records are in offset order: only the newest `cells` are drawn.
        let firstShown = lane.records.length;
        while (firstShown > 0 && lane.records[firstShown - 1].o >= from) firstShown--;
        for (let i = firstShown; i < lane.records.length; i++) {
          const r = lane.records[i];
          const x = r.o * CELL;
          const split = r.entity && splitIds.has(topic + "\u0000" + r.entity);
          const fresh = lastEvent && lastEvent.k === "produce" && lastEvent.topic === topic && lastEvent.p === p && lastEvent.o === r.o;
          const cls = ["ct-rec", split ? "is-split" : "", r.aborted ? "is-aborted" : "", fresh ? "is-new" : "", r.key === null ? "is-keyless" : ""].join(" ").trim();
          const label = r.key !== null ? r.key : (r.entity || "∅");
          kids.push({ key: "r" + r.o, html: `<g class="${cls}" data-offset="${r.o}"${r.entity ? ` data-entity="${esc(r.entity)}"` : ""}><title>${esc(`${at} offset ${r.o}: key ${r.key === null ? "none" : r.key}, value ${r.v}${r.aborted ? " (aborted)" : ""}${split ? " — this id is split over partitions" : ""}`)}</title>` +
            `<rect x="${x + 1}" y="${y}" width="${CELL - 2}" height="${LANE_H - 4}" rx="3"/>` +
            `<text x="${x + CELL / 2}" y="${y + 15}">${esc(short(label, 6))}</text></g>` });
        }
        for (const m of lane.markers) {
          if (m.o < from) continue;
          const x = m.o * CELL;
          kids.push({ key: "m" + m.o, html: `<g class="ct-marker ${m.commit ? "is-commit" : "is-abort"}"><title>${esc(`${at} offset ${m.o}: ${m.commit ? "commit" : "abort"} marker`)}</title><rect x="${x + 1}" y="${y}" width="${CELL - 2}" height="${LANE_H - 4}" rx="3"/><text x="${x + CELL / 2}" y="${y + 15}">${m.commit ? "C" : "A"}</text></g>` });
        }
        // Each group's position (▲ below the lane) and committed offset (| line).
        for (const [name, grp] of Object.entries(state.groups)) {
          const pos = grp.position[at], com = grp.committed[at];
          if (pos !== undefined && pos >= from) kids.push({ key: "p" + name, html: `<path class="ct-pos" d="M${pos * CELL} ${y + LANE_H - 4} l-4 6 h8 z"><title>${esc(`${name} position ${pos}`)}</title></path>` });
          if (com !== undefined && com >= from) kids.push({ key: "c" + name, html: `<line class="ct-commit" x1="${com * CELL}" x2="${com * CELL}" y1="${y - 2}" y2="${y + LANE_H - 2}"><title>${esc(`${name} committed ${com}`)}</title></line>` });
        }
        parts.push({ open: `<g class="ct-lane" data-tp="${esc(at)}">`, attrs: { transform: `translate(${LABEL_W - from * CELL} 0)` }, kids });
        y += LANE_H + 4;
      });
      y += 6;
    }
    return { width: LABEL_W + cells * CELL + 4, height: Math.max(y, 20), items: parts };
  }

  // RabbitMQ: exchanges on the left (name, type), queues on the right (their ready messages
  // filled, those out with a consumer outlined, newest last), a line per binding labelled with
  // its key, a dashed line from a queue to its dead-letter exchange; what the current step
  // did is highlighted (the route a publish took, the message delivered, requeued, or
  // dead-lettered and the dead-letter line it took).
  const GONE = { "amqp.ack": ["✓", "acked"], "amqp.reject": ["✗", "rejected"], "amqp.expire": ["⌛", "expired"],
    "amqp.maxlen": ["✗", "pushed out by max-length"], "amqp.delivery_limit": ["✗", "over the delivery limit"],
    "amqp.overflow": ["✗", "refused (queue full)"], "amqp.drop": ["∅", "dropped"], "amqp.dead_letter": ["→", "dead-lettered"] };

  function amqpSvg(state, e, bodyOf) {
    const queues = Object.entries(state.queues).filter(([, q]) => !q.deleted || Object.keys(q.live).length);
    const shown = new Set();
    for (const [name, x] of Object.entries(state.exchanges)) if (name !== "" || x.bindings.length) shown.add(name);
    for (const [, q] of queues) if (q.dlx !== null) shown.add(q.dlx);
    if (e && e.k === "amqp.publish") shown.add(e.a);
    if (e && e.k === "amqp.dead_letter") shown.add(e.exchange);
    if (!queues.length && !shown.size) return { width: 0, height: 0, items: [] };
    const exchanges = Array.from(shown).sort();
    const height = Math.max(queues.length * Q_ROW, exchanges.length * X_ROW) + 8;
    const xY = {}, qY = {};
    exchanges.forEach((name, i) => { xY[name] = 4 + i * X_ROW; });
    queues.forEach(([name], i) => { qY[name] = 4 + i * Q_ROW; });
    // what this step touched
    const route = new Set(), dlRoute = new Set(), hot = new Set(), hotX = new Set();
    if (e && e.k === "amqp.publish") { hotX.add(e.a); for (const q of e.queues || []) { route.add(e.a + "\u0000" + q); hot.add(q + "\u0000" + e.message); } }
    if (e && e.k === "amqp.dead_letter") { hotX.add(e.exchange); dlRoute.add(e.a); for (const q of e.queues || []) { route.add(e.exchange + "\u0000" + q); hot.add(q + "\u0000" + e.as_message); } }
    if (e && e.a !== undefined && e.message !== undefined && e.k !== "amqp.publish") hot.add(e.a + "\u0000" + e.message);
    const items = [];
    const qx = X_W + X_GAP;
    const into = {};
    for (const name of exchanges) {
      const x = state.exchanges[name] || { type: null, bindings: [] };
      const y = xY[name];
      items.push(`<g class="ct-exchange${hotX.has(name) ? " is-hot" : ""}" data-exchange="${esc(name)}"><title>${esc(`exchange ${name === "" ? '"" (the default exchange: routes to the queue named by the routing key)' : name} (${x.type || "type unknown"}), ${x.bindings.length} binding(s)`)}</title>` +
        `<rect x="0" y="${y}" width="${X_W}" height="${X_ROW - 10}" rx="8"/><text x="8" y="${y + 14}">${esc(short(name === "" ? '"" (default)' : name, 17))}</text><text class="ct-small" x="8" y="${y + 27}">${esc(x.type || "?")}</text></g>`);
    }
    for (const name of exchanges) {
      const x = state.exchanges[name];
      if (!x) continue;
      const y0 = xY[name] + (X_ROW - 10) / 2;
      x.bindings.forEach((b) => {
        const to = b.kind === "queue" ? qY[b.to] : xY[b.to];
        if (to === undefined) return;
        const k = into[b.to] = (into[b.to] || 0) + 1;         // the k-th binding into it: its own line and label
        const y1 = to + (b.kind === "queue" ? 2 + 9 * Math.min(k, 3) : (X_ROW - 10) / 2);
        const x1 = b.kind === "queue" ? qx - 4 : X_W;
        const d = b.kind === "queue" ? `M${X_W} ${y0} C${X_W + X_GAP / 2} ${y0} ${qx - X_GAP / 2} ${y1} ${x1} ${y1}` : `M${X_W} ${y0} C${X_W + 40} ${y0} ${X_W + 40} ${y1} ${x1} ${y1}`;
        const lit = route.has(name + "\u0000" + b.to);
        items.push(`<g class="ct-binding${lit ? " is-hot" : ""}" data-from="${esc(name)}" data-to="${esc(b.to)}"><title>${esc(`binding ${name || '""'} → ${b.to}, key ${b.key}`)}</title><path d="${d}"/>` +
          `<text class="ct-small ct-key" x="${qx - 8}" y="${y1 - 2}">${esc(short(b.key === "" ? '""' : b.key, 16))}</text></g>`);
      });
      // the default exchange's bindings are implicit: draw only the one a step used
      if (name === "") for (const key of route) {
        const [from, q] = key.split("\u0000");
        if (from !== "" || qY[q] === undefined) continue;
        items.push(`<g class="ct-binding is-hot" data-from="" data-to="${esc(q)}"><path d="M${X_W} ${y0} C${X_W + X_GAP / 2} ${y0} ${qx - X_GAP / 2} ${qY[q] + 12} ${qx - 4} ${qY[q] + 12}"/></g>`);
      }
    }
    for (const [name, q] of queues) {
      const y = qY[name];
      const g = [];
      const live = Object.values(q.live);
      const first = Math.max(0, live.length - Q_CELLS);
      g.push(`<g class="ct-queue${q.deleted ? " is-deleted" : ""}" data-queue="${esc(name)}"><text x="${qx}" y="${y + 12}">${esc(short(name, 15))}</text>` +
        `<text class="ct-small" x="${qx}" y="${y + 25}">${esc(`✓${q.acked} ↻${q.requeued} ✗${q.dead}`)}<title>${esc(`${name}: acked ${q.acked}, requeued ${q.requeued}, left unacked (dead-lettered or dropped) ${q.dead}${q.purged ? ", purged " + q.purged : ""}`)}</title></text>` +
        `<rect class="ct-lane-bg" x="${qx + Q_LABEL}" y="${y}" width="${Q_CELLS * Q_CELL}" height="${Q_ROW - 8}"/>`);
      if (first > 0) g.push(`<text class="ct-more" x="${qx + Q_LABEL - 10}" y="${y + 15}">+${first}</text>`);
      for (let i = first; i < live.length; i++) {
        const m = live[i];
        const body = bodyOf(m.id);
        const x = qx + Q_LABEL + (i - first) * Q_CELL;
        const cls = ["ct-msg", m.st === "unacked" ? "is-unacked" : "is-ready", m.redelivered ? "is-redelivered" : "", hot.has(name + "\u0000" + m.id) ? "is-new" : ""].join(" ").replace(/ +/g, " ").trim();
        g.push(`<g class="${cls}" data-message="${m.id}"><title>${esc(`message ${m.id}${body !== null ? ' "' + body + '"' : ""} in ${name}: ${m.st === "unacked" ? "with consumer " + m.consumer + ", not acked yet" : "ready"}${m.redelivered ? " (redelivered)" : ""}`)}</title>` +
          `<rect x="${x + 1}" y="${y + 1}" width="${Q_CELL - 2}" height="${Q_ROW - 10}" rx="3"/><text x="${x + Q_CELL / 2}" y="${y + 16}">${esc(short((m.redelivered ? "↻" : "") + (body === null ? "#" + m.id : body.split(/\s/)[0]), 6))}</text></g>`);
      }
      // The message this step took out of the queue, drawn once more after the others: how it left.
      if (e && e.a === name && GONE[e.k] && !q.live[e.message]) {
        const [mark, how] = GONE[e.k], body = bodyOf(e.message);
        const where = e.k === "amqp.dead_letter" ? ` to ${(e.queues || []).join(", ") || "no queue (lost)"} via exchange ${e.exchange || '""'} (${e.reason})` : e.k === "amqp.drop" ? ` (${e.reason}; no dead-letter exchange: lost)` : "";
        const x = qx + Q_LABEL + Math.min(live.length - first, Q_CELLS) * Q_CELL;
        g.push(`<g class="ct-msg is-gone" data-message="${e.message}" data-how="${how}"><title>${esc(`message ${e.message}${body !== null ? ' "' + body + '"' : ""} left ${name}: ${how}${where}`)}</title>` +
          `<rect x="${x + 1}" y="${y + 1}" width="${Q_CELL - 2}" height="${Q_ROW - 10}" rx="3"/><text x="${x + Q_CELL / 2}" y="${y + 16}">${esc(short(mark + (body === null ? "#" + e.message : body.split(/\s/)[0]), 6))}</text></g>`);
      }
      g.push("</g>");
      items.push(g.join(""));
      if (q.dlx !== null) {
        const to = xY[q.dlx];
        if (to === undefined) continue;
        const y0 = y + Q_ROW - 8, y1 = to + X_ROW - 10;
        items.push(`<g class="ct-dlx${dlRoute.has(name) ? " is-hot" : ""}" data-from="${esc(name)}" data-to="${esc(q.dlx)}"><title>${esc(`${name} dead-letters to exchange ${q.dlx || '""'}${q.dlrk !== null ? " with routing key " + q.dlrk : ""}`)}</title><path d="M${qx + 4} ${y0} C${qx - X_GAP / 2} ${y0 + 14} ${X_W / 2 + 40} ${y1 + 14} ${X_W / 2} ${y1}"/></g>`);
      }
    }
    return { width: qx + Q_LABEL + (Q_CELLS + 1) * Q_CELL + 4, height, items };
  }

  // Who owned which partition over the run, scaled by virtual time (the axis in seconds), gaps
  // shaded; a line marks the current step's time. Returns "" when no group owned anything.
  function timeScale(view) {
    const events = view.events || [];
    const t0 = events.length ? events[0].t : 0, t1 = events.length ? events[events.length - 1].t : 0;
    return { t0, span: Math.max(1, t1 - t0), width: 360 };
  }

  function ticks(t0, span) {
    // about five ticks at 1, 2 or 5 × 10^n ms
    const raw = span / 5, p = Math.pow(10, Math.floor(Math.log10(raw)));
    const stepMs = [1, 2, 5, 10].map((m) => m * p).find((v) => v >= raw) || raw;
    const out = [];
    for (let t = Math.ceil(t0 / stepMs) * stepMs; t <= t0 + span + 1e-9; t += stepMs) out.push(t);
    return out;
  }

  const seconds = (ms) => { const s = ms / 1000; return (Math.abs(s) >= 10 || Number.isInteger(s) ? String(Math.round(s * 10) / 10) : s.toFixed(s < 1 ? 2 : 1).replace(/0$/, "")) + " s"; };

  function ownershipSvg(ownership, scale) {
    const { t0, span, width } = scale;
    const rowH = 14;
    const X = (t) => LABEL_W + ((t - t0) / span) * width;
    const parts = [];
    let y = 0;
    for (const [group, rows] of Object.entries(ownership)) {
      parts.push(`<text class="ct-topic" x="0" y="${y + 12}">group ${esc(group)}: who owned what, over virtual time (grey: nobody)</text>`);
      y += 16;
      for (const [at, segments] of Object.entries(rows).sort()) {
        parts.push(`<text class="ct-label" x="0" y="${y + 11}">${esc(at)}</text><rect class="ct-gap" x="${LABEL_W}" y="${y}" width="${width}" height="${rowH - 2}"/>`);
        for (const s of segments) {
          const x = X(s.t0), w = Math.max(1, X(s.t1) - x);
          parts.push(`<rect class="ct-own" data-member="${esc(s.member)}" data-t0="${s.t0}" data-t1="${s.t1}" x="${x}" y="${y}" width="${w}" height="${rowH - 2}"><title>${esc(`${at}: ${s.member}, ${seconds(s.t0)}–${seconds(s.t1)} (steps ${s.from}–${s.to})`)}</title></rect>`);
        }
        y += rowH;
      }
      y += 6;
    }
    if (!y) return "";
    const axisY = y;
    parts.push(`<line class="ct-axis" x1="${LABEL_W}" x2="${LABEL_W + width}" y1="${axisY}" y2="${axisY}"/>`);
    for (const t of ticks(t0, span)) {
      parts.push(`<line class="ct-axis" x1="${X(t)}" x2="${X(t)}" y1="${axisY}" y2="${axisY + 4}"/><text class="ct-tick" x="${X(t)}" y="${axisY + 15}">${seconds(t)}</text>`);
    }
    parts.push(`<text class="ct-label" x="0" y="${axisY + 15}">virtual time</text>`);
    const height = axisY + 20;
    parts.push(`<line class="ct-now" data-x0="${LABEL_W}" data-width="${width}" data-t0="${t0}" data-span="${span}" x1="${X(t0 + span)}" x2="${X(t0 + span)}" y1="0" y2="${axisY}"/>`);
    return `<svg class="ct-owners" role="img" aria-label="Partition ownership over the run's virtual time" width="${LABEL_W + width + 16}" height="${height}" viewBox="0 0 ${LABEL_W + width + 16} ${height}">${parts.join("")}</svg>`;
  }

  // The tables say what the picture shows, as rows: {cls, caption, headers, rows} or null.
  function groupsTable(state) {
    const lag = TS.lag(state);
    const groups = Object.entries(state.groups).filter(([, g]) => Object.keys(g.position).length || Object.keys(g.owners).length || Object.keys(g.committed).length);
    if (!groups.length) return null;
    const rows = [];
    for (const [name, g] of groups) {
      const tps = Array.from(new Set([...Object.keys(g.owners), ...Object.keys(g.position), ...Object.keys(g.committed)])).sort();
      for (const at of tps) {
        rows.push(`<tr><td>${esc(name)}${g.generation !== null && g.generation >= 0 ? " (gen " + g.generation + ")" : ""}</td><td>${esc(at)}</td><td>${esc(member(g.owners[at]) || "—")}</td>` +
          `<td>${g.position[at] !== undefined ? g.position[at] : "—"}</td><td>${g.committed[at] !== undefined ? g.committed[at] : "—"}</td><td>${lag[name][at] !== undefined ? lag[name][at] : "—"}</td></tr>`);
      }
    }
    return { cls: "ct-groups", caption: "Consumer groups at this step", headers: ["Group", "Partition", "Owner", "Position", "Committed", "Lag"], rows };
  }

  function queuesTable(state) {
    const queues = Object.entries(state.queues);
    if (!queues.length) return null;
    const rows = queues.map(([q, c]) => {
      const dl = c.dlx === null ? "—" : (c.dlx === "" ? '"" (default)' : c.dlx) + (c.dlrk !== null ? ", key " + c.dlrk : "");
      return `<tr><td>${esc(q)}${c.deleted ? " (deleted)" : ""}</td><td>${c.ready}</td><td>${c.unacked}</td><td>${c.acked}</td><td>${c.requeued}</td><td>${c.dead}</td><td>${esc(dl)}</td><td>${c.consumers.length}</td></tr>`;
    });
    return { cls: "ct-queues", caption: "RabbitMQ queues at this step", headers: ["Queue", "Ready", "Unacked", "Acked", "Requeued", "Dead-lettered or dropped", "Dead-letter exchange", "Consumers"], rows };
  }

  function exchangesTable(state) {
    const rows = [];
    for (const [name, x] of Object.entries(state.exchanges)) {
      for (const b of x.bindings) rows.push(`<tr><td>${esc(name)} (${esc(x.type || "?")})</td><td>${esc(b.key === "" ? '""' : b.key)}</td><td>${esc((b.kind === "exchange" ? "exchange " : "") + b.to)}</td></tr>`);
    }
    if (!rows.length) return null;
    return { cls: "ct-bindings", caption: "RabbitMQ bindings at this step", headers: ["Exchange", "Binding key", "Queue"], rows };
  }

  // Replace only the children whose markup changed (same count), else all of them; returns the
  // markup list to compare with next time. Stepping changes one lane, one queue, a few rows:
  // the browser restyles and lays out just those. An item is a markup string, or a group
  // {open, attrs, kids: [{key, html}]} whose kids are patched by key (patchKeyed) and whose
  // attrs are set in place, so a lane that moves on by one record changes two elements.
  const whole = (item) => (typeof item === "string" ? item : item.open + item.kids.map((k) => k.html).join("") + "</g>");
  function setAttrs(node, attrs) {
    for (const [k, v] of Object.entries(attrs || {})) if (node.getAttribute(k) !== v) node.setAttribute(k, v);
  }

  function patch(parent, items, prev) {
    const kids = parent.children;
    if (!prev || prev.length !== items.length || kids.length !== items.length) {
      parent.innerHTML = items.map(whole).join("");
      items.forEach((item, i) => { if (typeof item !== "string") setAttrs(kids[i], item.attrs); });
      return items;
    }
    for (let i = 0; i < items.length; i++) {
      const item = items[i], old = prev[i];
      if (typeof item === "string") { if (item !== old) kids[i].outerHTML = item; continue; }
      if (typeof old === "string" || old.open !== item.open) { kids[i].outerHTML = whole(item); setAttrs(kids[i], item.attrs); continue; }
      setAttrs(kids[i], item.attrs);
      patchKeyed(kids[i], item.kids, old.kids);
    }
    return items;
  }

  // Children in key order, each key's element kept while its markup is unchanged: the keys
  // gone are removed, new ones inserted where they belong, changed ones replaced.
  function patchKeyed(parent, items, prev) {
    const nodes = Array.from(parent.children);
    if (nodes.length !== prev.length) { parent.innerHTML = items.map((k) => k.html).join(""); return; }
    const was = new Map(prev.map((k, i) => [k.key, { html: k.html, node: nodes[i] }]));
    const keep = new Set(items.map((k) => k.key));
    for (const [key, old] of was) if (!keep.has(key)) old.node.remove();
    let at = parent.firstElementChild;
    for (const item of items) {
      const old = was.get(item.key);
      if (old && old.node === at) {
        const next = at.nextElementSibling;
        if (old.html !== item.html) { at.insertAdjacentHTML("beforebegin", item.html); at.remove(); }
        at = next;
        continue;
      }
      if (old && keep.has(item.key)) old.node.remove();        // out of order: drawn again here
      if (at) at.insertAdjacentHTML("beforebegin", item.html); else parent.insertAdjacentHTML("beforeend", item.html);
    }
  }

  // Records of aborted transactions so far (drawn struck through): a read_committed consumer
  // skips them, a zombie's writes among them.
  function abortedText(state) {
    let n = 0;
    for (const lanes of Object.values(state.topics)) for (const lane of lanes) for (const r of lane.records) if (r.aborted) n += 1;
    return n ? `${n} record(s) belong to transactions that end aborted (struck through): read_committed consumers never see them.` : "";
  }

  // ---- the widget --------------------------------------------------------------------------
  const SVG_NS = "http://www.w3.org/2000/svg";
  const KIND_LABELS = { "amqp.publish": "RabbitMQ: published", "amqp.deliver": "RabbitMQ: delivered", "amqp.get": "RabbitMQ: basic.get",
    "amqp.ack": "RabbitMQ: acked", "amqp.requeue": "RabbitMQ: requeued", "amqp.reject": "RabbitMQ: rejected", "amqp.dead_letter": "RabbitMQ: dead-lettered",
    "amqp.drop": "RabbitMQ: dropped", "amqp.expire": "RabbitMQ: expired", "amqp.maxlen": "RabbitMQ: pushed out (max-length)",
    "amqp.delivery_limit": "RabbitMQ: over delivery limit", "amqp.overflow": "RabbitMQ: refused (full)", "amqp.bind": "RabbitMQ: bound",
    "amqp.unbind": "RabbitMQ: unbound", "amqp.purge": "RabbitMQ: purged", "amqp.consume": "RabbitMQ: consumer started", "amqp.cancel": "RabbitMQ: consumer cancelled",
    "amqp.queue.declare": "RabbitMQ: queue declared", "amqp.queue.delete": "RabbitMQ: queue deleted", "amqp.exchange.declare": "RabbitMQ: exchange declared",
    "amqp.exchange.delete": "RabbitMQ: exchange deleted", "amqp.exchange.bind": "RabbitMQ: exchange bound", "amqp.connection": "RabbitMQ: connection",
    "amqp.channel": "RabbitMQ: channel" };

  // A picture's <svg>: kept across steps; its size and children are patched.
  function svgBox(cls, label) {
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("class", cls); svg.setAttribute("role", "img"); svg.setAttribute("aria-label", label);
    return { svg, items: null, size: "" };
  }

  function drawInto(box, drawing) {
    const size = drawing.width + "x" + drawing.height;
    if (size !== box.size) {
      box.size = size;
      box.svg.setAttribute("width", drawing.width); box.svg.setAttribute("height", drawing.height);
      box.svg.setAttribute("viewBox", `0 0 ${drawing.width} ${drawing.height}`);
    }
    box.svg.style.display = drawing.items.length ? "" : "none";
    box.items = patch(box.svg, drawing.items, box.items);
  }

  // Tables kept across steps, in the order of `keys`: caption and head written once, rows
  // patched; a table with no rows at this step is not there at all.
  function tableBox(host, keys) {
    const slots = {};
    return (spec, key) => {
      let slot = slots[key];
      if (!spec) { if (slot) { slot.table.remove(); delete slots[key]; } return; }
      if (!slot) {
        const table = el("table", { class: spec.cls, tabindex: "0" });     // it may scroll sideways: keyboard reaches it
        table.innerHTML = `<caption>${esc(spec.caption)}</caption><thead><tr>${spec.headers.map((h) => `<th scope="col">${esc(h)}</th>`).join("")}</tr></thead><tbody></tbody>`;
        const after = keys.slice(keys.indexOf(key) + 1).find((k) => slots[k]);
        host.insertBefore(table, after ? slots[after].table : null);
        slot = slots[key] = { table, body: table.tBodies[0], rows: null };
      }
      slot.rows = patch(slot.body, spec.rows, slot.rows);
    };
  }

  const setText = (node, text) => { if (node.textContent !== text) node.textContent = text; };

  function mount(host, view, options) {
    const model = TS.build(view);
    const ownership = model.ownership();
    const scale = timeScale(view);
    const names = TS.bodies(view);
    const bodyOf = (id) => (names[id] === undefined ? null : names[id]);
    const label = (options && options.label) || "the run";
    // open at the end (what the checks saw) unless options.step says otherwise
    let step = options && Number.isInteger(options.step) ? Math.max(0, Math.min(model.length, options.step)) : model.length;
    let playing = null;          // {frame, last, carry} while playing
    let scrollQueued = false;

    host.replaceChildren();
    const box = el("section", { class: "course-trace__player", "aria-label": `What happened in ${label}, step by step` });
    const controls = el("div", { class: "course-trace__controls", role: "group", "aria-label": "Step through the run" });
    const btn = (text, aria, cls) => { const b = el("button", { type: "button", class: "md-button course-trace__" + cls, "aria-label": aria }, text); controls.appendChild(b); return b; };
    const first = btn("First", "First step", "first"), back = btn("◀ Back", "Step back", "back"),
      play = btn("▶ Play", "Play", "play"), fwd = btn("Forward ▶", "Step forward", "forward"), last = btn("Last", "Last step", "last");
    const speed = el("select", { class: "course-trace__speed", "aria-label": "Speed" });
    for (const [v, t] of SPEEDS) speed.appendChild(el("option", { value: v }, t));
    speed.value = "4";
    controls.appendChild(speed);
    const kinds = el("select", { class: "course-trace__kind", "aria-label": "Kind of event to jump to" });
    for (const k of model.kinds()) kinds.appendChild(el("option", { value: k }, KIND_LABELS[k] || k));
    controls.appendChild(kinds);
    const prevKind = btn("◀ Previous", "Previous event of this kind", "prev-kind"), nextKind = btn("Next ▶", "Next event of this kind", "next-kind");
    const slider = el("input", { type: "range", min: "0", max: String(model.length), value: String(step), class: "course-trace__slider", "aria-label": "Step" });
    const counter = el("p", { class: "course-trace__counter" });
    const now = el("p", { class: "course-trace__now", "aria-live": "polite", "aria-atomic": "true" });
    const findings = el("p", { class: "course-trace__findings", role: "status" });
    const picture = el("div", { class: "course-trace__picture", tabindex: "0", "aria-label": "Picture of the run: arrow keys step, space plays or pauses, Home and End jump" });
    const lanes = el("div", { class: "course-trace__lanes" });
    const lanesBox = svgBox("ct-lanes", "Partitions and their records at this step (the transcript says the same)");
    lanes.appendChild(lanesBox.svg);
    const rabbit = el("div", { class: "course-trace__amqp" });
    const rabbitBox = svgBox("ct-amqp", "RabbitMQ exchanges, bindings and queues with their messages at this step (the transcript and the tables say the same)");
    rabbit.appendChild(rabbitBox.svg);
    const owners = el("div", { class: "course-trace__owners" });
    picture.append(lanes, rabbit, owners);
    owners.innerHTML = ownershipSvg(ownership, scale);   // drawn once; only its "now" line moves
    const nowLine = owners.querySelector(".ct-now");
    const tables = el("div", { class: "course-trace__tables" });
    const table = tableBox(tables, ["groups", "queues", "bindings"]);
    const transcript = el("ol", { class: "course-trace__transcript", "aria-label": "Transcript of the run", tabindex: "0" });
    if (view.dropped) box.appendChild(el("p", { class: "course-trace__dropped" }, `The run had ${view.total} events; the first ${view.dropped} are left out, so the picture starts part-way.`));
    box.append(controls, slider, counter, now, findings, picture, tables, el("h4", {}, "Transcript"), transcript);
    host.appendChild(box);

    // The transcript shows TRANSCRIPT_WINDOW lines either side of the current one; stepping
    // adds and removes lines at the ends and moves the mark, instead of rewriting them all.
    let shown = { lo: 0, hi: 0 };
    let currentLi = null;
    const line = (i) => {
      const li = document.createElement("li");
      li.value = i + 1;
      li.textContent = model.describe(i + 1);
      return li;
    };
    function transcriptTo(lo, hi) {
      if (hi <= shown.lo || lo >= shown.hi || shown.lo === shown.hi) {
        const frag = document.createDocumentFragment();
        for (let i = lo; i < hi; i++) frag.appendChild(line(i));
        transcript.replaceChildren(frag);
      } else {
        for (let i = shown.lo; i < lo; i++) transcript.firstElementChild.remove();
        for (let i = hi; i < shown.hi; i++) transcript.lastElementChild.remove();
        if (lo < shown.lo) {
          const frag = document.createDocumentFragment();
          for (let i = lo; i < shown.lo; i++) frag.appendChild(line(i));
          transcript.prepend(frag);
        }
        if (hi > shown.hi) {
          const frag = document.createDocumentFragment();
          for (let i = shown.hi; i < hi; i++) frag.appendChild(line(i));
          transcript.append(frag);
        }
      }
      shown = { lo, hi };
    }

    function render() {
      const state = model.at(step);
      const event = step > 0 ? view.events[step - 1] : null;
      const split = TS.split(state);
      const splitIds = new Set(split.map((s) => s.topic + "\u0000" + s.id));
      setText(counter, `Step ${step} of ${model.length} · ${seconds(state.time)} (${state.time} ms virtual time)`);
      setText(now, event ? `Step ${step}: ${model.describe(step)}` : "Step 0: before anything happened.");
      const keyless = state.keyless;
      setText(findings, [
        split.length ? `Split: ${splitText(split)}. Their events can be read in a different order than they were produced.` : "",
        keyless ? `${keyless} record(s) have no key: where they land depends only on when they were produced.` : "",
        abortedText(state),
      ].filter(Boolean).join(" "));
      box.classList.toggle("has-split", split.length > 0);
      drawInto(lanesBox, lanesSvg(state, splitIds, event));
      drawInto(rabbitBox, amqpSvg(state, event && event.k.startsWith("amqp.") ? event : null, bodyOf));
      if (nowLine) {
        const x = Number(nowLine.dataset.x0) + ((state.time - Number(nowLine.dataset.t0)) / Number(nowLine.dataset.span)) * Number(nowLine.dataset.width);
        nowLine.setAttribute("x1", x); nowLine.setAttribute("x2", x);
      }
      table(groupsTable(state), "groups");
      table(queuesTable(state), "queues");
      table(exchangesTable(state), "bindings");
      transcriptTo(Math.max(0, step - 1 - TRANSCRIPT_WINDOW), Math.min(model.length, step + TRANSCRIPT_WINDOW));
      if (currentLi) { currentLi.classList.remove("is-current"); currentLi.removeAttribute("aria-current"); currentLi = null; }
      if (step > 0) {
        currentLi = transcript.children[step - 1 - shown.lo] || null;
        if (currentLi) { currentLi.classList.add("is-current"); currentLi.setAttribute("aria-current", "step"); }
      }
      // Keep the current line in view in its box: once per frame, after the browser's own
      // layout, so stepping fast never forces an extra layout per step.
      if (!scrollQueued) {
        scrollQueued = true;
        requestAnimationFrame(() => {
          scrollQueued = false;
          if (currentLi) transcript.scrollTop = Math.max(0, currentLi.offsetTop - transcript.clientHeight / 2);
        });
      }
      slider.value = String(step);
      first.disabled = back.disabled = step === 0;
      fwd.disabled = last.disabled = step === model.length;
    }

    function go(n) { step = Math.max(0, Math.min(model.length, n)); render(); }
    // Playing: one render per animation frame at most, however fast the speed; the steps a
    // frame is due are taken at once. The live region is quiet while playing (a screen reader
    // cannot keep up with 60 lines a second) and says where it stopped on pause.
    function pause() {
      if (playing) {
        cancelAnimationFrame(playing.frame); playing = null;
        now.setAttribute("aria-live", "polite");
        now.textContent = now.textContent;          // announced again, now that the region is live
      }
      play.textContent = "▶ Play"; play.setAttribute("aria-label", "Play"); box.classList.remove("is-playing");
    }
    function tick(time) {
      if (!playing) return;
      const rate = Number(speed.value) / 1000;
      if (playing.last === null) playing.last = time;
      playing.carry += (time - playing.last) * rate;
      playing.last = time;
      const due = Math.floor(playing.carry);
      if (due > 0) {
        playing.carry -= due;
        go(step + due);
        if (step >= model.length) { pause(); return; }
      }
      playing.frame = requestAnimationFrame(tick);
    }
    function start() {
      if (step >= model.length) go(0);
      play.textContent = "⏸ Pause"; play.setAttribute("aria-label", "Pause"); box.classList.add("is-playing");
      now.setAttribute("aria-live", "off");
      playing = { frame: 0, last: null, carry: 1 };      // the first step at once
      playing.frame = requestAnimationFrame(tick);
    }
    const toggle = () => (playing ? pause() : start());
    first.addEventListener("click", () => { pause(); go(0); });
    back.addEventListener("click", () => { pause(); go(step - 1); });
    fwd.addEventListener("click", () => { pause(); go(step + 1); });
    last.addEventListener("click", () => { pause(); go(model.length); });
    play.addEventListener("click", toggle);
    speed.addEventListener("change", () => { if (playing) { playing.last = null; } });
    slider.addEventListener("input", () => { pause(); go(Number(slider.value)); });
    const jump = (dir) => { pause(); const to = model.find(step, kinds.value, dir); if (to !== null) go(to); else now.textContent = `No ${dir > 0 ? "later" : "earlier"} ${KIND_LABELS[kinds.value] || kinds.value} event.`; };
    prevKind.addEventListener("click", () => jump(-1));
    nextKind.addEventListener("click", () => jump(1));
    picture.addEventListener("keydown", (e) => {
      const keys = { ArrowRight: () => go(step + 1), ArrowLeft: () => go(step - 1), Home: () => go(0), End: () => go(model.length) };
      if (e.key === " ") { e.preventDefault(); toggle(); return; }
      if (keys[e.key]) { e.preventDefault(); pause(); keys[e.key](); }
    });
    render();
    return { go, pause, get step() { return step; }, model };
  }

  window.CourseTracePlayer = { mount };
})();
