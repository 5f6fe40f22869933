// The Web Worker that runs Python for the exercises (a module worker).
// It boots the self-hosted Pyodide once, installs the pysim wheel, imports pysim's harness
// ("Python ready"), and then runs each exercise through pysim.course.harness.run_exercise, streaming
// stdout/stderr back as they are written. The page terminates and restarts this worker to
// stop a run (Stop, time limit).
//
// Pyodide memory snapshot (docs/contributing/decisions.md, "Pyodide memory snapshot"): with
// {snapshot: true} (the page's default) a boot restores Pyodide's memory as it was right after
// that import, from Cache Storage, keyed by the wheel's SHA-256 (Pyodide itself refuses a
// snapshot of another Pyodide build): a repeat visit, and every restart after Stop or a time
// limit, is ready in a fraction of the time. When there is none yet, this boot starts Python
// from scratch and says so; the page later starts a second, short-lived worker with
// {type: "snapshot"} that boots, saves the snapshot and is terminated, so making it never delays
// the learner's first Run. A snapshot that fails to load is deleted.
let runner = null;     // Promise of the Python function that runs one exercise
let pyodide = null;

const SNAPSHOT_CACHE = "course-pyodide-snapshot";

async function wheelBytes(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not fetch the pysim wheel (${response.status})`);
  return new Uint8Array(await response.arrayBuffer());
}

async function snapshotKey(urls, wheel) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", wheel));
  const hex = Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
  return new URL(`snapshot-${hex}.bin`, urls.pyodide).href;
}

async function readSnapshot(key) {
  try {
    const hit = await (await caches.open(SNAPSHOT_CACHE)).match(key);
    return hit ? new Uint8Array(await hit.arrayBuffer()) : null;
  } catch (e) { return null; }
}

async function writeSnapshot(key, bytes) {
  try {
    const cache = await caches.open(SNAPSHOT_CACHE);
    for (const old of await cache.keys()) await cache.delete(old);
    if (bytes) await cache.put(key, new Response(bytes, { headers: { "Content-Type": "application/octet-stream" } }));
  } catch (e) { /* storage full or unavailable: the next boot starts from scratch */ }
}

async function boot(urls, useSnapshot, makeSnapshot = false) {
  const started = performance.now();
  const [{ loadPyodide }, wheel] = await Promise.all([
    import(urls.pyodide + "pyodide.mjs"),
    urls.wheel ? wheelBytes(urls.wheel) : Promise.resolve(null),
  ]);
  let snapshot = null, key = null;
  if ((useSnapshot || makeSnapshot) && wheel) {
    key = await snapshotKey(urls, wheel);
    if (!makeSnapshot) snapshot = await readSnapshot(key);
  }
  const options = { indexURL: urls.pyodide };
  if (snapshot) {
    try {
      pyodide = await loadPyodide({ ...options, _loadSnapshot: snapshot });
    } catch (e) {
      snapshot = null;
      await writeSnapshot(key, null);
    }
  }
  if (!pyodide) pyodide = await loadPyodide(makeSnapshot && key ? { ...options, _makeSnapshot: true } : options);
  if (wheel) pyodide.unpackArchive(wheel, "wheel");
  if (wheel && !snapshot) pyodide.runPython("import json\nimport pysim.course.harness");
  if (makeSnapshot && key) {
    await writeSnapshot(key, pyodide.makeMemorySnapshot());
    return null;
  }
  const run = pyodide.runPython(`
import json
def _course_run(code, check, out, err):
    from pysim.course.harness import run_exercise
    return json.dumps(run_exercise(code, check, stdout_cb=out, stderr_cb=err))
_course_run`);
  self.postMessage({ type: "ready", bootMs: performance.now() - started, fromSnapshot: !!snapshot,
                     snapshotMissing: !!(useSnapshot && key && !snapshot) });
  return run;
}

self.onmessage = async (event) => {
  const msg = event.data;
  try {
    if (msg.type === "snapshot") {
      await boot(msg.urls, false, true);
      self.postMessage({ type: "snapshot-saved" });
    } else if (msg.type === "boot") {
      if (!runner) runner = boot(msg.urls, msg.snapshot);
      await runner;
    } else if (msg.type === "run") {
      if (!runner) runner = boot(msg.urls, false);
      const run = await runner;
      const out = (text) => self.postMessage({ type: "stdout", runId: msg.runId, text });
      const err = (text) => self.postMessage({ type: "stderr", runId: msg.runId, text });
      const result = JSON.parse(run(msg.code, msg.check, out, err));
      self.postMessage({ type: "result", runId: msg.runId, result });
    } else if (msg.type === "exec") {
      // Bare Python (no harness): used by the boot benchmark's blank page.
      if (!runner) runner = boot(msg.urls, false);
      await runner;
      pyodide.setStdout({ batched: (text) => self.postMessage({ type: "stdout", runId: msg.runId, text: text + "\n" }) });
      pyodide.runPython(msg.code);
      self.postMessage({ type: "result", runId: msg.runId, result: null });
    }
  } catch (error) {
    self.postMessage({ type: "crash", runId: msg.runId, message: String(error && error.message || error) });
  }
};
