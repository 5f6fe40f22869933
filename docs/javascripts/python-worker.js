// The Web Worker that runs Python for the exercises (a module worker).
// It boots the self-hosted Pyodide once, installs the pysim wheel, and then runs each
// exercise through pysim.harness.run_exercise, streaming stdout/stderr back as they are
// written. The page terminates and restarts this worker to stop a run (Stop, time limit).
let runner = null;     // Promise of the Python function that runs one exercise
let pyodide = null;

async function boot(urls) {
  const started = performance.now();
  const { loadPyodide } = await import(urls.pyodide + "pyodide.mjs");
  pyodide = await loadPyodide({ indexURL: urls.pyodide });
  if (urls.wheel) {
    const response = await fetch(urls.wheel);
    if (!response.ok) throw new Error(`could not fetch the pysim wheel (${response.status})`);
    pyodide.unpackArchive(await response.arrayBuffer(), "wheel");
  }
  const run = pyodide.runPython(`
import json
def _course_run(code, check, out, err):
    from pysim.harness import run_exercise
    return json.dumps(run_exercise(code, check, stdout_cb=out, stderr_cb=err))
_course_run`);
  self.postMessage({ type: "ready", bootMs: performance.now() - started });
  return run;
}

self.onmessage = async (event) => {
  const msg = event.data;
  try {
    if (msg.type === "boot") {
      if (!runner) runner = boot(msg.urls);
      await runner;
    } else if (msg.type === "run") {
      if (!runner) runner = boot(msg.urls);
      const run = await runner;
      const out = (text) => self.postMessage({ type: "stdout", runId: msg.runId, text });
      const err = (text) => self.postMessage({ type: "stderr", runId: msg.runId, text });
      const result = JSON.parse(run(msg.code, msg.check, out, err));
      self.postMessage({ type: "result", runId: msg.runId, result });
    } else if (msg.type === "exec") {
      // Bare Python (no harness): used by the boot benchmark's blank page.
      if (!runner) runner = boot(msg.urls);
      await runner;
      pyodide.setStdout({ batched: (text) => self.postMessage({ type: "stdout", runId: msg.runId, text: text + "\n" }) });
      pyodide.runPython(msg.code);
      self.postMessage({ type: "result", runId: msg.runId, result: null });
    }
  } catch (error) {
    self.postMessage({ type: "crash", runId: msg.runId, message: String(error && error.message || error) });
  }
};
