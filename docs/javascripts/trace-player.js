// The trace player: a step-through picture of what a run did, drawn with hand-written SVG
// from the compact trace the Python worker sent (nothing is computed in Python on this
// thread). The model is trace-state.js (loaded first, tested under node); this file only draws
// it: partitions as lanes with each record at its offset (key shown, keys split over several
// partitions highlighted), per group the position, committed offset, owner and lag of each
// partition, ownership over time (gaps shaded), transaction markers and aborted records,
// RabbitMQ queues. The transcript beside it is the accessible alternative: the current step
// is announced (aria-live) and every control is a real button.
//
//   CourseTracePlayer.mount(host, compactTrace, {label: "exercise 02-keyed-payment-order"})
(function () {
  "use strict";
  if (window.CourseTracePlayer) return;
  const TS = window.CourseTraceState;

  const LANE_CELLS = 24;        // offsets drawn per partition (the newest ones)
  const CELL = 36, LANE_H = 26, LABEL_W = 92;
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
  function lanesSvg(state, splitIds, lastEvent) {
    const rows = [];
    let y = 0;
    const parts = [];
    // As many cells as the longest lane needs (at least 10, at most LANE_CELLS).
    let cells = 10;
    for (const lanes of Object.values(state.topics)) for (const lane of lanes) cells = Math.max(cells, Math.min(LANE_CELLS, lane.end + 1));
    for (const [topic, lanes] of Object.entries(state.topics)) {
      parts.push(`<text class="ct-topic" x="0" y="${y + 14}">${esc(topic)}</text>`);
      y += 20;
      lanes.forEach((lane, p) => {
        const from = Math.max(0, lane.end - cells);
        const at = TS.tp(topic, p);
        parts.push(`<g class="ct-lane" data-tp="${esc(at)}"><text class="ct-label" x="0" y="${y + 17}">${esc("[" + p + "]")} end ${lane.end}</text>`);
        parts.push(`<rect class="ct-lane-bg" x="${LABEL_W}" y="${y}" width="${cells * CELL}" height="${LANE_H - 4}"/>`);
        if (from > 0) parts.push(`<text class="ct-more" x="${LABEL_W - 12}" y="${y + 17}">…</text>`);
        // Records are in offset order: only the newest `cells` are drawn.
        let firstShown = lane.records.length;
        while (firstShown > 0 && lane.records[firstShown - 1].o >= from) firstShown--;
        for (let i = firstShown; i < lane.records.length; i++) {
          const r = lane.records[i];
          const x = LABEL_W + (r.o - from) * CELL;
          const split = r.entity && splitIds.has(topic + "\u0000" + r.entity);
          const fresh = lastEvent && lastEvent.k === "produce" && lastEvent.topic === topic && lastEvent.p === p && lastEvent.o === r.o;
          const cls = ["ct-rec", split ? "is-split" : "", r.aborted ? "is-aborted" : "", fresh ? "is-new" : "", r.key === null ? "is-keyless" : ""].join(" ").trim();
          const label = r.key !== null ? r.key : (r.entity || "∅");
          parts.push(`<g class="${cls}" data-offset="${r.o}"${r.entity ? ` data-entity="${esc(r.entity)}"` : ""}><title>${esc(`${at} offset ${r.o}: key ${r.key === null ? "none" : r.key}, value ${r.v}${r.aborted ? " (aborted)" : ""}${split ? " — this id is split over partitions" : ""}`)}</title>` +
            `<rect x="${x + 1}" y="${y}" width="${CELL - 2}" height="${LANE_H - 4}" rx="3"/>` +
            `<text x="${x + CELL / 2}" y="${y + 15}">${esc(short(label, 6))}</text></g>`);
        }
        for (const m of lane.markers) {
          if (m.o < from) continue;
          const x = LABEL_W + (m.o - from) * CELL;
          parts.push(`<g class="ct-marker ${m.commit ? "is-commit" : "is-abort"}"><title>${esc(`${at} offset ${m.o}: ${m.commit ? "commit" : "abort"} marker`)}</title><rect x="${x + 1}" y="${y}" width="${CELL - 2}" height="${LANE_H - 4}" rx="3"/><text x="${x + CELL / 2}" y="${y + 15}">${m.commit ? "C" : "A"}</text></g>`);
        }
        // Each group's position (▲ below the lane) and committed offset (| line).
        for (const [name, g] of Object.entries(state.groups)) {
          const pos = g.position[at], com = g.committed[at];
          if (pos !== undefined && pos >= from) parts.push(`<path class="ct-pos" d="M${LABEL_W + (pos - from) * CELL} ${y + LANE_H - 4} l-4 6 h8 z"><title>${esc(`${name} position ${pos}`)}</title></path>`);
          if (com !== undefined && com >= from) parts.push(`<line class="ct-commit" x1="${LABEL_W + (com - from) * CELL}" x2="${LABEL_W + (com - from) * CELL}" y1="${y - 2}" y2="${y + LANE_H - 2}"><title>${esc(`${name} committed ${com}`)}</title></line>`);
        }
        parts.push("</g>");
        y += LANE_H + 4;
      });
      y += 6;
    }
    const width = LABEL_W + cells * CELL + 4;
    rows.push(`<svg class="ct-lanes" role="img" aria-label="Partitions and their records at this step (the transcript says the same)" width="${width}" height="${Math.max(y, 20)}" viewBox="0 0 ${width} ${Math.max(y, 20)}">${parts.join("")}</svg>`);
    return rows.join("");
  }

  function ownershipSvg(model, ownership, step) {
    const width = 360, rowH = 14, n = Math.max(1, model.length);
    const parts = [];
    let y = 0;
    for (const [group, rows] of Object.entries(ownership)) {
      parts.push(`<text class="ct-topic" x="0" y="${y + 12}">group ${esc(group)}: who owned what, over the run (grey: nobody)</text>`);
      y += 16;
      for (const [at, segments] of Object.entries(rows).sort()) {
        parts.push(`<text class="ct-label" x="0" y="${y + 11}">${esc(at)}</text><rect class="ct-gap" x="${LABEL_W}" y="${y}" width="${width}" height="${rowH - 2}"/>`);
        for (const s of segments) {
          const x = LABEL_W + (s.from / n) * width, w = Math.max(1, ((s.to - s.from) / n) * width);
          parts.push(`<rect class="ct-own" data-member="${esc(s.member)}" x="${x}" y="${y}" width="${w}" height="${rowH - 2}"><title>${esc(`${at}: ${s.member}, steps ${s.from}–${s.to}`)}</title></rect>`);
        }
        y += rowH;
      }
      y += 6;
    }
    if (!y) return "";
    const x = LABEL_W + (step / n) * width;
    parts.push(`<line class="ct-now" data-x0="${LABEL_W}" data-width="${width}" x1="${x}" x2="${x}" y1="0" y2="${y}"/>`);
    return `<svg class="ct-owners" role="img" aria-label="Partition ownership over the run" width="${LABEL_W + width + 4}" height="${y}" viewBox="0 0 ${LABEL_W + width + 4} ${y}">${parts.join("")}</svg>`;
  }

  function groupsTable(state) {
    const lag = TS.lag(state);
    const groups = Object.entries(state.groups).filter(([, g]) => Object.keys(g.position).length || Object.keys(g.owners).length || Object.keys(g.committed).length);
    if (!groups.length) return "";
    const rows = [];
    for (const [name, g] of groups) {
      const tps = Array.from(new Set([...Object.keys(g.owners), ...Object.keys(g.position), ...Object.keys(g.committed)])).sort();
      for (const at of tps) {
        rows.push(`<tr><td>${esc(name)}${g.generation !== null && g.generation >= 0 ? " (gen " + g.generation + ")" : ""}</td><td>${esc(at)}</td><td>${esc(member(g.owners[at]) || "—")}</td>` +
          `<td>${g.position[at] !== undefined ? g.position[at] : "—"}</td><td>${g.committed[at] !== undefined ? g.committed[at] : "—"}</td><td>${lag[name][at] !== undefined ? lag[name][at] : "—"}</td></tr>`);
      }
    }
    return `<table class="ct-groups"><caption>Consumer groups at this step</caption><thead><tr><th scope="col">Group</th><th scope="col">Partition</th><th scope="col">Owner</th><th scope="col">Position</th><th scope="col">Committed</th><th scope="col">Lag</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
  }

  function queuesTable(state) {
    const queues = Object.entries(state.queues);
    if (!queues.length) return "";
    return `<table class="ct-queues"><caption>RabbitMQ queues at this step</caption><thead><tr><th scope="col">Queue</th><th scope="col">Ready</th><th scope="col">Unacked</th><th scope="col">Acked</th><th scope="col">Dead-lettered or dropped</th></tr></thead><tbody>` +
      queues.map(([q, c]) => `<tr><td>${esc(q)}</td><td>${c.ready}</td><td>${c.unacked}</td><td>${c.acked}</td><td>${c.dead}</td></tr>`).join("") + "</tbody></table>";
  }

  // Records of aborted transactions so far (drawn struck through): a read_committed consumer
  // skips them, a zombie's writes among them.
  function abortedText(state) {
    let n = 0;
    for (const lanes of Object.values(state.topics)) for (const lane of lanes) for (const r of lane.records) if (r.aborted) n += 1;
    return n ? `${n} record(s) belong to transactions that end aborted (struck through): read_committed consumers never see them.` : "";
  }

  // ---- the widget --------------------------------------------------------------------------
  function mount(host, view, options) {
    const model = TS.build(view);
    const ownership = model.ownership();
    const label = (options && options.label) || "the run";
    let step = model.length;     // open at the end: what the checks saw
    let timer = null;
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
    for (const k of model.kinds()) kinds.appendChild(el("option", { value: k }, k));
    controls.appendChild(kinds);
    const prevKind = btn("◀ Previous", "Previous event of this kind", "prev-kind"), nextKind = btn("Next ▶", "Next event of this kind", "next-kind");
    const slider = el("input", { type: "range", min: "0", max: String(model.length), value: String(step), class: "course-trace__slider", "aria-label": "Step" });
    const counter = el("p", { class: "course-trace__counter" });
    const now = el("p", { class: "course-trace__now", "aria-live": "polite", "aria-atomic": "true" });
    const findings = el("p", { class: "course-trace__findings", role: "status" });
    const picture = el("div", { class: "course-trace__picture", tabindex: "0", "aria-label": "Picture of the run: arrow keys step, space plays or pauses, Home and End jump" });
    const lanes = el("div", { class: "course-trace__lanes" });
    const owners = el("div", { class: "course-trace__owners" });
    picture.append(lanes, owners);
    owners.innerHTML = ownershipSvg(model, ownership, step);   // drawn once; only its "now" line moves
    const nowLine = owners.querySelector(".ct-now");
    const tables = el("div", { class: "course-trace__tables" });
    const transcript = el("ol", { class: "course-trace__transcript", "aria-label": "Transcript of the run", tabindex: "0" });
    if (view.dropped) box.appendChild(el("p", { class: "course-trace__dropped" }, `The run had ${view.total} events; the first ${view.dropped} are left out, so the picture starts part-way.`));
    box.append(controls, slider, counter, now, findings, picture, tables, el("h4", {}, "Transcript"), transcript);
    host.appendChild(box);

    function render() {
      const state = model.at(step);
      const event = step > 0 ? view.events[step - 1] : null;
      const split = TS.split(state);
      const splitIds = new Set(split.map((s) => s.topic + "\u0000" + s.id));
      counter.textContent = `Step ${step} of ${model.length} · ${state.time} ms (virtual time)`;
      now.textContent = event ? `Step ${step}: ${TS.describe(event)}` : "Step 0: before anything happened.";
      const keyless = state.keyless;
      findings.textContent = [
        split.length ? `Split: ${splitText(split)}. Their events can be read in a different order than they were produced.` : "",
        keyless ? `${keyless} record(s) have no key: where they land depends only on when they were produced.` : "",
        abortedText(state),
      ].filter(Boolean).join(" ");
      box.classList.toggle("has-split", split.length > 0);
      lanes.innerHTML = lanesSvg(state, splitIds, event);
      if (nowLine) {
        const x = Number(nowLine.dataset.x0) + (step / Math.max(1, model.length)) * Number(nowLine.dataset.width);
        nowLine.setAttribute("x1", x); nowLine.setAttribute("x2", x);
      }
      tables.innerHTML = groupsTable(state) + queuesTable(state);
      const lo = Math.max(0, step - 1 - TRANSCRIPT_WINDOW), hi = Math.min(model.length, step + TRANSCRIPT_WINDOW);
      const items = [];
      for (let i = lo; i < hi; i++) {
        items.push(`<li value="${i + 1}"${i === step - 1 ? ' aria-current="step" class="is-current"' : ""}>${esc(TS.describe(view.events[i]))}</li>`);
      }
      transcript.innerHTML = items.join("");
      // Keep the current line in view in its box: once per frame, after the browser's own
      // layout, so stepping fast never forces an extra layout per step.
      if (!scrollQueued) {
        scrollQueued = true;
        requestAnimationFrame(() => {
          scrollQueued = false;
          const current = transcript.querySelector(".is-current");
          if (current) transcript.scrollTop = Math.max(0, current.offsetTop - transcript.clientHeight / 2);
        });
      }
      slider.value = String(step);
      first.disabled = back.disabled = step === 0;
      fwd.disabled = last.disabled = step === model.length;
    }

    function go(n) { step = Math.max(0, Math.min(model.length, n)); render(); }
    function pause() {
      if (timer) { clearInterval(timer); timer = null; }
      play.textContent = "▶ Play"; play.setAttribute("aria-label", "Play"); box.classList.remove("is-playing");
    }
    function start() {
      if (step >= model.length) go(0);
      play.textContent = "⏸ Pause"; play.setAttribute("aria-label", "Pause"); box.classList.add("is-playing");
      timer = setInterval(() => { if (step >= model.length) pause(); else go(step + 1); }, 1000 / Number(speed.value));
    }
    const toggle = () => (timer ? pause() : start());
    first.addEventListener("click", () => { pause(); go(0); });
    back.addEventListener("click", () => { pause(); go(step - 1); });
    fwd.addEventListener("click", () => { pause(); go(step + 1); });
    last.addEventListener("click", () => { pause(); go(model.length); });
    play.addEventListener("click", toggle);
    speed.addEventListener("change", () => { if (timer) { pause(); start(); } });
    slider.addEventListener("input", () => { pause(); go(Number(slider.value)); });
    const jump = (dir) => { pause(); const to = model.find(step, kinds.value, dir); if (to !== null) go(to); else now.textContent = `No ${dir > 0 ? "later" : "earlier"} ${kinds.value} event.`; };
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
