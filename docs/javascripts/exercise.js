// Runnable exercises: an Ace editor, Run / Stop / Reset, streamed output, per-check results,
// hints and solution. Python runs in one Web Worker shared by every exercise and kept across
// MkDocs Material's instant navigation (this script runs once; the runtime below is a
// window-level singleton). What loads when (measured: docs/contributing/decisions.md, "What
// loads when"): the page shows each starter as plain text; Ace (~400 KB of script, over a
// second of main-thread work on a slow phone) loads when an exercise comes near the viewport
// or the learner points at it or tabs into it. Python (13 MB) starts on intent: entering the
// editor, pointing at or focusing Run, or the first Run. Pages without exercises load neither.
(function () {
  "use strict";
  if (window.CourseExercise) return;

  function siteRoot() {
    try { if (typeof __md_scope !== "undefined") return new URL(__md_scope).href; } catch (e) { /* fall through */ }
    try {
      const config = JSON.parse(document.getElementById("__config").textContent);
      return new URL(config.base.replace(/\/?$/, "/"), location.href).href;
    } catch (e) { return new URL("./", location.href).href; }
  }
  const asset = (path) => new URL(path, siteRoot()).href;
  const urls = () => ({ pyodide: asset("assets/pyodide/"), wheel: asset("assets/wheels/pysim-0.1.0-py3-none-any.whl") });

  // ---- the shared worker -------------------------------------------------------------------
  const runtime = {
    worker: null,
    boots: 0,
    snapshotMakers: 0,       // short-lived workers started to make the memory snapshot
    timeLimitMs: null,       // test/learner override of exercise.toml's timeout_s
    // Boot on intent (window.CourseExerciseConfig = {prefetch: false} before this script
    // turns that off: the boot benchmark measures a cold first Run).
    prefetch: !(window.CourseExerciseConfig && window.CourseExerciseConfig.prefetch === false),
    current: null,           // {runId, handlers, timer}
    readyWaiters: [],
    // Pyodide memory snapshot: measured and adopted (decisions.md, "Pyodide memory snapshot");
    // window.CourseExerciseConfig = {snapshot: false} turns it off (the benchmark compares both).
    snapshot: !(window.CourseExerciseConfig && window.CourseExerciseConfig.snapshot === false),
    nextRunId: 1,
  };

  function startWorker() {
    if (runtime.worker) return runtime.worker;
    const worker = new Worker(asset("javascripts/python-worker.js"), { type: "module" });
    runtime.boots += 1;
    worker.onmessage = (event) => {
      const msg = event.data;
      const current = runtime.current;
      if (msg.type === "ready") {
        runtime.ready = true;
        runtime.readyMs = performance.now() - runtime.bootStartedAt;   // "Python ready", measured by the bench
        runtime.bootMs = msg.bootMs;
        runtime.readyWaiters.splice(0).forEach((fn) => fn(runtime.readyMs));
        if (msg.snapshotMissing) makeSnapshotWhenIdle();
        return;
      }
      if (msg.type === "crash") {
        // Pyodide failed to boot or died. This worker is dropped; a run waiting on it ends with
        // the message, and the next Run (or intent) starts a fresh worker. Not restarted at
        // once: a boot that keeps failing (say, offline on a first visit) must not loop.
        if (runtime.worker !== worker) return;
        worker.terminate();
        runtime.worker = null;
        runtime.ready = false;
        if (current) finish({ crash: "Python could not run: " + msg.message });
        return;
      }
      if (!current || msg.runId !== current.runId) return;
      if (msg.type === "stdout") current.handlers.out(msg.text);
      else if (msg.type === "stderr") current.handlers.err(msg.text);
      else if (msg.type === "result") finish({ result: msg.result });
    };
    worker.onerror = (event) => {
      event.preventDefault();
      const current = runtime.current;
      restartWorker();
      if (current) current.handlers.done({ crash: "The Python worker crashed: " + (event.message || "unknown error") });
    };
    runtime.ready = false;
    runtime.worker = worker;
    runtime.bootStartedAt = performance.now();
    worker.postMessage({ type: "boot", urls: urls(), snapshot: runtime.snapshot });
    return worker;
  }

  // A second, short-lived worker makes the memory snapshot for later boots once no run is
  // going (a learner's first Run is never delayed by it); once per page session.
  let snapshotState = null;     // null | "waiting" | "making" | "saved" | "failed"
  function makeSnapshotWhenIdle() {
    if (snapshotState) return;
    snapshotState = "waiting";
    const attempt = () => {
      if (runtime.current) { setTimeout(attempt, 1000); return; }
      snapshotState = "making";
      runtime.snapshotMakers += 1;
      const maker = new Worker(asset("javascripts/python-worker.js"), { type: "module" });
      maker.onmessage = (event) => {
        if (event.data.type === "snapshot-saved" || event.data.type === "crash") {
          snapshotState = event.data.type === "crash" ? "failed" : "saved";
          maker.terminate();
        }
      };
      maker.onerror = (event) => { event.preventDefault(); snapshotState = "failed"; maker.terminate(); };
      maker.postMessage({ type: "snapshot", urls: urls() });
    };
    setTimeout(attempt, 1000);
  }

  function restartWorker() {
    if (runtime.worker) runtime.worker.terminate();
    runtime.worker = null;
    runtime.current = null;
    startWorker();
  }

  function finish(outcome) {
    const current = runtime.current;
    if (!current) return;
    clearTimeout(current.timer);
    runtime.current = null;
    current.handlers.done(outcome);
  }

  function run(code, check, timeLimitMs, handlers) {
    if (runtime.current) stop("another run started");
    const worker = startWorker();
    const runId = runtime.nextRunId++;
    const limit = runtime.timeLimitMs || timeLimitMs;
    // The limit counts from when Python starts running the code, not while Pyodide boots.
    const current = { runId, handlers, timer: null, limit };
    runtime.current = current;
    const arm = () => {
      if (runtime.current !== current) return;
      if (!runtime.ready) { setTimeout(arm, 50); return; }
      current.timer = setTimeout(() => {
        if (runtime.current !== current) return;
        runtime.current = null;
        restartWorker();
        handlers.done({ timeout: limit });
      }, limit);
    };
    arm();
    worker.postMessage({ type: "run", runId, code, check, urls: urls() });
  }

  function stop(reason) {
    const current = runtime.current;
    if (!current) return;
    clearTimeout(current.timer);
    runtime.current = null;
    restartWorker();
    current.handlers.done({ stopped: reason || "stopped" });
  }

  // ---- Ace, loaded once, only on pages with exercises ---------------------------------------
  let aceLoading = null;
  function loadAce() {
    if (window.ace) return Promise.resolve(window.ace);
    if (!aceLoading) {
      aceLoading = new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = asset("assets/ace/ace.js");
        script.onload = () => {
          window.ace.config.set("basePath", asset("assets/ace/"));
          window.ace.config.set("loadWorkerFromBlob", false);
          window.ace.config.set("useWorker", false);
          resolve(window.ace);
        };
        script.onerror = () => { aceLoading = null; reject(new Error("could not load the editor")); };
        document.head.appendChild(script);
      });
    }
    return aceLoading;
  }
  const aceTheme = () => (document.body.getAttribute("data-md-color-scheme") === "slate"
    ? "ace/theme/tomorrow_night" : "ace/theme/chrome");

  const checkCache = new Map();
  function loadCheck(id) {
    if (!checkCache.has(id)) {
      checkCache.set(id, fetch(asset(`assets/exercises/${id}/check.py`)).then((r) => {
        if (!r.ok) throw new Error(`could not load the checks for ${id} (${r.status})`);
        return r.text();
      }).catch((e) => { checkCache.delete(id); throw e; }));
    }
    return checkCache.get(id);
  }

  // ---- the trace player, loaded only when a learner opens it -------------------------------
  let playerLoading = null;
  function loadScript(path) {
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = asset(path);
      script.onload = resolve;
      script.onerror = () => reject(new Error("could not load " + path));
      document.head.appendChild(script);
    });
  }
  function loadPlayer() {
    if (window.CourseTracePlayer) return Promise.resolve(window.CourseTracePlayer);
    if (!playerLoading) {
      playerLoading = loadScript("javascripts/trace-state.js").then(() => loadScript("javascripts/trace-player.js"))
        .then(() => window.CourseTracePlayer).catch((e) => { playerLoading = null; throw e; });
    }
    return playerLoading;
  }
  // A "Show what happened" button under the checks; the picture is drawn from the run's
  // compact trace (pysim/course/trace_view.py, sent by the worker) by trace-player.js.
  function offerTrace(root, after, trace) {
    const old = root.querySelector(".course-trace");
    if (old) old.remove();
    if (!trace || !trace.events || !trace.events.length) return;
    const box = document.createElement("div");
    box.className = "course-trace";
    const toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "md-button course-trace__toggle";
    toggle.textContent = "Show what happened";
    toggle.setAttribute("aria-expanded", "false");
    const host = document.createElement("div");
    host.className = "course-trace__host";
    host.id = "course-trace-" + root.dataset.exerciseId;
    host.hidden = true;
    toggle.setAttribute("aria-controls", host.id);
    let mounted = false;
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      toggle.textContent = open ? "Hide what happened" : "Show what happened";
      host.hidden = !open;
      if (open && !mounted) {
        mounted = true;
        host.textContent = "Loading the picture…";
        loadPlayer().then((player) => { root.coursePlayer = player.mount(host, trace, { label: "exercise " + root.dataset.exerciseId }); })
          .catch((e) => { mounted = false; host.textContent = "The picture could not load: " + e.message; });
      }
    });
    box.append(toggle, host);
    after.insertAdjacentElement("afterend", box);
  }

  // ---- one exercise widget ------------------------------------------------------------------
  const editors = new Set();

  function setup(root) {
    if (root.dataset.ready) return;
    root.dataset.ready = "1";
    const id = root.dataset.exerciseId;
    const starter = root.dataset.starter || "";
    const $ = (sel) => root.querySelector(sel);
    const runBtn = $(".course-exercise__run"), stopBtn = $(".course-exercise__stop"), resetBtn = $(".course-exercise__reset");
    const output = $(".course-exercise__output"), checks = $(".course-exercise__checks"), status = $(".course-exercise__status");
    const draftKey = "course.exercise.draft." + id;
    const host = $(".course-exercise__editor");
    let preview = $(".course-exercise__preview");
    let editor = null;
    let focusBack = false;
    if (preview && savedDraft()) preview.textContent = savedDraft();

    $(".course-exercise__solution code").textContent = root.dataset.solution || "";

    function say(text) { status.textContent = text; }
    function append(text, kind) {
      const span = document.createElement("span");
      span.className = "course-exercise__" + kind;
      span.textContent = text;
      output.appendChild(span);
      output.scrollTop = output.scrollHeight;
    }
    function savedDraft() { try { return localStorage.getItem(draftKey); } catch (e) { return null; } }
    function code() { return editor ? editor.getValue() : (savedDraft() || starter); }
    function setCode(text) {
      if (editor) { editor.setValue(text, -1); editor.session.clearAnnotations(); return; }
      try { if (text === starter) localStorage.removeItem(draftKey); else localStorage.setItem(draftKey, text); } catch (e) { /* ignore */ }
      if (preview) preview.textContent = text;
    }

    function showChecks(list) {
      checks.replaceChildren();
      for (const c of list) {
        const li = document.createElement("li");
        li.className = c.passed ? "course-exercise__check--pass" : "course-exercise__check--fail";
        li.textContent = (c.passed ? "✓ " : "✗ ") + c.message;
        checks.appendChild(li);
      }
    }

    function done(outcome) {
      runBtn.disabled = false;
      stopBtn.disabled = true;
      root.classList.remove("is-running");
      // Run gave its focus to Stop while running; Stop is disabled now, so focus returns to Run.
      if (focusBack && (document.activeElement === stopBtn || document.activeElement === document.body)) runBtn.focus();
      focusBack = false;
      if (outcome.timeout) {
        append(`\nTime limit reached (${outcome.timeout / 1000} s): the run was stopped. An endless loop?\n`, "stderr");
        say("Stopped by the time limit.");
      } else if (outcome.stopped) {
        append("\nStopped.\n", "stderr");
        say("Stopped.");
      } else if (outcome.crash) {
        append("\n" + outcome.crash + "\n", "stderr");
        say("The Python runtime failed; Run again and it is restarted.");
      } else {
        const r = outcome.result;
        if (!r.error || r.error.source === "learner") offerTrace(root, checks, r.trace);
        if (r.error && r.error.source === "learner") {
          const where = r.error.line ? ` on line ${r.error.line}` : "";
          say(`Your code raised ${r.error.type}${where}.`);
          if (r.error.line && editor) {
            editor.session.setAnnotations([{ row: r.error.line - 1, column: 0, type: "error",
              text: `${r.error.type}: ${r.error.message}` }]);
          }
        } else if (r.error) {
          append("\nThe exercise's checks are broken (not your fault):\n" + r.error.traceback, "stderr");
          say("The checks could not run.");
        } else {
          showChecks(r.checks);
          const passed = r.checks.filter((c) => c.passed).length;
          say(r.passed ? `All ${passed} checks pass.` : `${passed} of ${r.checks.length} checks pass.`);
          root.classList.toggle("is-passed", r.passed);
          if (r.passed && window.CourseProgress) window.CourseProgress.recordExercise(id, true);
        }
      }
    }

    async function start() {
      if (runtime.current) stop("another run started");
      offerTrace(root, checks, null);
      output.replaceChildren();
      checks.replaceChildren();
      root.classList.remove("is-passed");
      if (editor) editor.session.clearAnnotations();
      focusBack = document.activeElement === runBtn;
      stopBtn.disabled = false;
      if (focusBack) stopBtn.focus();     // never leave focus on a button about to be disabled
      runBtn.disabled = true;
      root.classList.add("is-running");
      say(runtime.ready ? "Running…" : "Starting Python (first run only)…");
      startWorker();        // Python boots while the checks download, not after
      let check;
      try { check = await loadCheck(id); } catch (e) { done({ crash: e.message }); return; }
      const limit = Number(root.dataset.timeoutMs) || 10000;
      run(code(), check, limit, {
        out: (t) => { say("Running…"); append(t, "stdout"); },
        err: (t) => append(t, "stderr"),
        done,
      });
    }

    runBtn.addEventListener("click", start);
    stopBtn.addEventListener("click", () => stop("stopped"));
    resetBtn.addEventListener("click", () => {
      if (code() !== starter && !window.confirm("Reset the editor to the starter code? Your changes are lost.")) return;
      setCode(starter);
      output.replaceChildren();
      checks.replaceChildren();
      say("");
    });

    const hintItems = Array.from(root.querySelectorAll(".course-exercise__hint"));
    const nextHint = $(".course-exercise__next-hint");
    nextHint.addEventListener("click", () => {
      const hidden = hintItems.filter((li) => li.hidden);
      if (hidden.length) hidden[0].hidden = false;
      const left = hintItems.filter((li) => li.hidden).length;
      if (left === 0) {
        // The button is about to be disabled: the last hint takes the focus.
        hidden[0].tabIndex = -1;
        hidden[0].focus();
        nextHint.disabled = true; nextHint.textContent = "No more hints";
      }
      else nextHint.textContent = `Show another hint (${hintItems.length - left + 1} of ${hintItems.length})`;
    });
    const solution = $(".course-exercise__solution");
    $(".course-exercise__show-solution").addEventListener("click", (event) => {
      if (!window.confirm("Show the solution? Trying a hint first teaches more.")) return;
      solution.hidden = false;
      event.currentTarget.hidden = true;
      solution.tabIndex = -1;
      solution.focus();
    });
    $(".course-exercise__load-solution").addEventListener("click", () => {
      if (code() !== starter && code() !== root.dataset.solution &&
          !window.confirm("Replace your code in the editor with the solution?")) return;
      setCode(root.dataset.solution || "");
    });

    // Python on intent: the learner enters the editor or reaches for Run.
    // Its checks (a few KB) come along, so a later visit can run them offline.
    const intent = () => { if (runtime.prefetch) startWorker(); loadCheck(id).catch(() => { /* retried on Run */ }); };
    runBtn.addEventListener("pointerenter", intent);
    runBtn.addEventListener("focus", intent);

    let mounting = null;
    function mountEditor() {
      if (mounting) return mounting;
      mounting = loadAce().then((ace) => {
        const hadFocus = preview && document.activeElement === preview;
        const narrow = window.matchMedia("(max-width: 600px)").matches;
        host.replaceChildren();
        preview = null;
        editor = ace.edit(host, {
          mode: "ace/mode/python", theme: aceTheme(), value: savedDraft() || starter,
          // 15 px text (14 px on phones, for 30+ columns at 375 px) in a line of 1.5 em (Ace
          // measures the line from the font): the glyph box, underscores included, fits inside.
          minLines: narrow ? 8 : 12, maxLines: narrow ? 16 : 30, fontSize: narrow ? 14 : 15,
          wrap: true, indentedSoftWrap: true, showPrintMargin: false, tabSize: 4, useSoftTabs: true,
          // Tab moves through the page; Enter on the editor enters it (then Tab indents),
          // Escape leaves it. The label says so (and the line under the editor, for everyone).
          enableKeyboardAccessibility: true,
          textInputAriaLabel: `Python code of exercise ${id}`,
        });
        const scroller = editor.renderer.scroller;
        scroller.setAttribute("aria-label", `Python code editor of exercise ${id}: press Enter to edit, Escape to leave`);
        scroller.setAttribute("aria-describedby", `course-keys-${id}`);
        // The gutter is not a stop of its own: errors are also said in the status line.
        const gutter = editor.renderer.$gutter;
        gutter.setAttribute("tabindex", "-1");
        gutter.setAttribute("aria-hidden", "true");
        editor.clearSelection();
        editors.add(editor);
        root.courseEditor = editor;
        editor.commands.addCommand({ name: "runExercise", bindKey: { win: "Ctrl-Enter", mac: "Command-Enter" },
          exec: () => { if (!runBtn.disabled) start(); } });
        editor.on("focus", intent);
        editor.session.on("change", () => {
          try {
            const value = editor.getValue();
            if (value === starter) localStorage.removeItem(draftKey); else localStorage.setItem(draftKey, value);
          } catch (e) { /* storage full or blocked: the editor still works */ }
        });
        if (hadFocus) scroller.focus();
        root.dispatchEvent(new CustomEvent("course-editor-ready"));
        return editor;
      }).catch((e) => {
        const note = document.createElement("p");
        note.className = "course-exercise__editor-error";
        note.textContent = "The editor could not load (" + e.message + "); Run still runs the code shown.";
        host.appendChild(note);
        mounting = null;
      });
      return mounting;
    }
    root.courseMountEditor = mountEditor;

    // Ace on approach: within one screen of the viewport, or the learner points or tabs at it.
    root.addEventListener("pointerenter", mountEditor, { once: true });
    root.addEventListener("focusin", mountEditor, { once: true });
    if ("IntersectionObserver" in window) {
      const observer = new IntersectionObserver((entries) => {
        if (entries.some((e) => e.isIntersecting)) { observer.disconnect(); mountEditor(); }
      }, { rootMargin: "100% 0px" });
      observer.observe(root);
    } else {
      mountEditor();
    }
  }

  function init() {
    document.querySelectorAll(".course-exercise").forEach(setup);
    // The playground page's script, only there.
    if (document.getElementById("course-playground")) {
      loadScript("javascripts/playground-model.js").then(() => window.CoursePlayground ? null : loadScript("javascripts/playground.js"))
        .then(() => window.CoursePlayground.init(document.getElementById("course-playground")))
        .catch((e) => { document.getElementById("course-playground").textContent = "The playground could not load: " + e.message; });
    }
  }

  // Follow Material's light/dark switch.
  new MutationObserver(() => editors.forEach((e) => e.setTheme(aceTheme())))
    .observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });

  window.CourseExercise = {
    // Run a whole script (no exercise checks) in the shared worker: the playground's way in.
    // Resolves with the outcome done() gets ({result} or {timeout}/{stopped}/{crash}).
    runScript(code, handlers) {
      return new Promise((resolve) => run(code, 'def check_ran(run):\n    """The script ran."""\n', 20000,
        { out: (handlers && handlers.out) || (() => {}), err: (handlers && handlers.err) || (() => {}), done: resolve }));
    },
    loadPlayer,
    loadScript,
    setTimeLimit(ms) { runtime.timeLimitMs = ms; },
    setPrefetch(on) { runtime.prefetch = !!on; },
    get boots() { return runtime.boots; },
    get snapshotMakers() { return runtime.snapshotMakers; },
    get ready() { return !!runtime.ready; },
    // Start Python now and resolve with ms from worker start to "Python ready" (pysim imported).
    warmUp() {
      startWorker();
      if (runtime.ready) return Promise.resolve(runtime.readyMs);
      return new Promise((resolve) => runtime.readyWaiters.push(resolve));
    },
    get bootMs() { return runtime.bootMs; },
    get snapshotState() { return snapshotState; },
    stop,
  };

  if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(init);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();

  // The service worker (site root, same origin) keeps what was fetched for a repeat visit that
  // works offline and starts Python from disk. Registered after load, so it never competes with
  // the page; CourseExerciseConfig = {serviceWorker: false} leaves it out.
  if ("serviceWorker" in navigator && !(window.CourseExerciseConfig && window.CourseExerciseConfig.serviceWorker === false)) {
    const keep = (registration) => {
      // What this page loaded before the worker controlled it (the first visit): the worker keeps it.
      const urls = [location.href.split("#")[0]].concat(performance.getEntriesByType("resource").map((e) => e.name))
        .filter((u) => u.startsWith(location.origin + "/") && !u.includes("/assets/pyodide/"));
      if (registration.active) registration.active.postMessage({ type: "keep", urls });
    };
    const register = () => navigator.serviceWorker.register(asset("sw.js"))
      .then(() => navigator.serviceWorker.ready).then(keep)
      .catch(() => { /* file:// or blocked */ });
    if (document.readyState === "complete") register(); else window.addEventListener("load", register, { once: true });
  }
})();
