// The playground page: a form whose settings live in the URL, the script they stand for, a run
// in the shared Python worker (exercise.js's runtime), the lessons' measures of the run and
// the trace player. Its pure parts are playground-model.js (tested under node).
(function () {
  "use strict";
  if (window.CoursePlayground) return;
  const PG = window.CoursePlaygroundModel;

  function init(root) {
    if (root.dataset.ready) return;
    root.dataset.ready = "1";
    const form = root.querySelector("form"), status = root.querySelector(".course-playground__status");
    const code = root.querySelector(".course-playground__code"), output = root.querySelector(".course-playground__output");
    const table = root.querySelector(".course-playground__measures tbody"), host = root.querySelector(".course-playground__player");
    const runBtn = root.querySelector(".course-playground__run");

    function fill(settings) { for (const [k, v] of Object.entries(settings)) if (form.elements[k]) form.elements[k].value = String(v); }
    function read() { return PG.parse(new URLSearchParams(new FormData(form)).toString()); }
    // The crashing consumer is one of the group: its field's bound follows the group's size.
    function show(settings) {
      code.textContent = PG.script(settings);
      const victim = form.elements.victim;
      victim.max = String(Math.max(1, settings.consumers));
      if (Number(victim.value) > settings.consumers && document.activeElement !== victim) victim.value = String(settings.victim);
    }

    const settings = PG.parse(location.search);
    fill(settings);
    show(settings);
    form.addEventListener("input", () => {
      const s = read();
      history.replaceState(history.state, "", location.pathname + PG.query(s) + location.hash);
      show(s);
    });

    function row(name, value) {
      const tr = document.createElement("tr");
      const th = document.createElement("th"); th.scope = "row"; th.textContent = name;
      const td = document.createElement("td"); td.textContent = value;
      tr.append(th, td);
      table.appendChild(tr);
    }

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const s = read();
      fill(s);
      show(s);
      history.replaceState(history.state, "", location.pathname + PG.query(s) + location.hash);
      runBtn.disabled = true;
      status.textContent = window.CourseExercise.ready ? "Running…" : "Starting Python (first run only)…";
      output.textContent = "";
      table.replaceChildren();
      host.replaceChildren();
      const outcome = await window.CourseExercise.runScript(PG.script(s), {
        out: (t) => { output.textContent += t; }, err: (t) => { output.textContent += t; },
      });
      runBtn.disabled = false;
      if (!outcome.result || outcome.result.error || !outcome.result.trace) {
        const r = outcome.result;
        status.textContent = "The run failed: " + (r && r.error ? r.error.type + ": " + r.error.message : outcome.crash || (outcome.timeout ? "time limit" : "stopped"));
        return;
      }
      const r = outcome.result;
      const player = await window.CourseExercise.loadPlayer();
      const m = PG.measures(r.trace, window.CourseTraceState, r.stdout);
      const count = (n, one, many) => `${n} ${n === 1 ? one : many}`;
      row("Records per partition", Object.entries(m.load).map(([k, v]) => `${k}: ${v}`).join(", "));
      row("Keys split over partitions (ordering lost)", m.split.length ? m.split.map((x) => `${x.id} in ${x.partitions.length}`).join(", ") : "none");
      row("Keys read out of produce order", m.outOfOrder.length ? m.outOfOrder.map((x) => `${x.id} (${count(x.count, "read", "reads")} behind a later record)`).join(", ") : "none");
      row("Duplicates written (stored twice, visible to readers)", String(m.duplicatesWritten));
      row("Retries the broker recognised and did not store again", String(m.retriesDropped));
      if (m.delivered !== null) row("Delivery reports without error", String(m.delivered));
      row("Records aborted (read_committed consumers skip them)", String(m.aborted));
      row("Producers fenced", m.fenced ? `${m.fenced}${m.zombie ? " (the zombie got " + m.zombie + ")" : ""}` : "0");
      row("Processed twice", m.duplicates === null ? "—" : String(m.duplicates));
      row("Records fetched again", String(m.refetched));
      row("Lag at the end (records not committed)", String(m.lag));
      row("Longest time a partition had no owner", `${(m.gapMs / 1000).toFixed(1)} s`);
      status.textContent = `Done: ${r.trace.events.length} events.`;
      player.mount(host, r.trace, { label: "the playground run" });
    });
  }

  window.CoursePlayground = { init };
})();
