#!/usr/bin/env node
// Run pysim's test suite (or one script) inside the pinned Pyodide under Node, offline.
//
// Why: the course runs pysim in the browser's Pyodide, so the suite must pass there too,
// not only in CPython. Nothing is fetched from the network: Pyodide comes from
// node_modules/pyodide, the test tools from build/pyodide-wheels/ (`make test` downloads
// them), pysim from dist/ (`make wheel`).
//
// Usage (from the repository root):
//   node tests/pyodide/run_in_pyodide.mjs [--tests tests/pysim] [-- <pytest args>]
//   node tests/pyodide/run_in_pyodide.mjs --script path/to/script.py [-- <script args>]
//     (the .py files next to the script are copied too, for its imports)
// Exit code: pytest's (or the script's: 0, or 1 on an uncaught exception); 2 when the
// runner cannot set up (missing wheels, a wheel Pyodide cannot import).

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const SETUP_HINT = "run `make test` (or `make wheel build/pyodide-wheels/.downloaded`) first";

function die(message) {
  process.stderr.write(`run_in_pyodide: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = {
    tests: "tests/pysim",
    script: null,
    wheels: "build/pyodide-wheels",
    dist: "dist",
    rest: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      opts.rest = argv.slice(i + 1);
      break;
    }
    const value = argv[i + 1];
    if (["--tests", "--script", "--wheels", "--dist"].includes(arg)) {
      if (value === undefined) die(`${arg} needs a value`);
      opts[arg.slice(2)] = value;
      i++;
    } else {
      die(`unknown argument ${JSON.stringify(arg)} (see the usage at the top of this file)`);
    }
  }
  return opts;
}

// A wheel's file name ends in -{python}-{abi}-{platform}.whl; Pyodide can import it
// only when it carries no compiled code for another platform.
function wheelInfo(file) {
  const parts = path.basename(file, ".whl").split("-");
  if (parts.length < 5) die(`${file} is not a wheel file name`);
  const [abi, platform] = parts.slice(-2);
  return { file, project: parts[0].toLowerCase().replace(/[-_.]+/g, "_"), pure: abi === "none" && platform === "any" };
}

function collectWheels(opts) {
  const wheelDir = path.resolve(ROOT, opts.wheels);
  if (!fs.existsSync(path.join(wheelDir, ".downloaded"))) {
    die(`the test wheels are missing in ${opts.wheels}/: ${SETUP_HINT}`);
  }
  const all = fs.readdirSync(wheelDir).filter((f) => f.endsWith(".whl")).sort()
    .map((f) => wheelInfo(path.join(wheelDir, f)));
  const pureProjects = new Set(all.filter((w) => w.pure).map((w) => w.project));
  const impure = all.filter((w) => !w.pure && !pureProjects.has(w.project));
  if (impure.length) {
    die(
      "these wheels contain compiled code for another platform and cannot be imported in " +
      `Pyodide: ${impure.map((w) => path.basename(w.file)).join(", ")}. Pin a version that ` +
      "ships a pure (py3-none-any) wheel in the Makefile's PYODIDE_TEST_WHEELS.",
    );
  }
  const distDir = path.resolve(ROOT, opts.dist);
  const pysim = fs.existsSync(distDir)
    ? fs.readdirSync(distDir).filter((f) => /^pysim-.*-py3-none-any\.whl$/.test(f)).sort()
    : [];
  if (pysim.length !== 1) {
    die(`expected exactly one pysim wheel in ${opts.dist}/, found ${pysim.length}: ${SETUP_HINT}`);
  }
  return [...all.filter((w) => w.pure).map((w) => w.file), path.join(distDir, pysim[0])];
}

// Copy a host directory into Pyodide's in-memory file system (skipping caches).
// Pyodide wants plain typed arrays, not Node's Buffer subclass.
function readBytes(file) {
  return new Uint8Array(fs.readFileSync(file));
}

function copyTree(pyodide, hostDir, fsDir) {
  pyodide.FS.mkdirTree(fsDir);
  for (const entry of fs.readdirSync(hostDir, { withFileTypes: true })) {
    if (entry.name === "__pycache__" || entry.name.startsWith(".")) continue;
    const host = path.join(hostDir, entry.name);
    const target = `${fsDir}/${entry.name}`;
    if (entry.isDirectory()) copyTree(pyodide, host, target);
    else if (entry.isFile()) pyodide.FS.writeFile(target, readBytes(host));
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const pyodideDir = path.join(ROOT, "node_modules", "pyodide");
  if (!fs.existsSync(path.join(pyodideDir, "pyodide.mjs"))) {
    die(`Pyodide is missing in node_modules/pyodide: ${SETUP_HINT}`);
  }
  const wheels = collectWheels(opts);
  const { loadPyodide } = await import(path.join(pyodideDir, "pyodide.mjs"));
  const pyodide = await loadPyodide({ indexURL: pyodideDir + path.sep });
  // Raw byte streams, so pytest's progress dots stay on one line.
  const passBytes = (stream) => ({ write: (bytes) => { stream.write(bytes); return bytes.length; } });
  pyodide.setStdout(passBytes(process.stdout));
  pyodide.setStderr(passBytes(process.stderr));
  const sitePackages = pyodide.runPython("import sysconfig; sysconfig.get_paths()['purelib']");
  for (const wheel of wheels) {
    pyodide.unpackArchive(readBytes(wheel), "wheel", { extractDir: sitePackages });
  }

  const work = "/home/pyodide/work";
  pyodide.FS.mkdirTree(work);
  const pyproject = path.join(ROOT, "pyproject.toml");
  if (fs.existsSync(pyproject)) {
    // pytest's configuration (markers, --strict-markers) lives there.
    pyodide.FS.writeFile(`${work}/pyproject.toml`, readBytes(pyproject));
  }
  pyodide.globals.set("RUNNER_ARGS", pyodide.toPy(opts.rest));

  let code;
  if (opts.script) {
    const host = path.resolve(ROOT, opts.script);
    if (!fs.existsSync(host)) die(`no such script: ${opts.script}`);
    // The script's sibling modules come along, so it can import its helpers.
    for (const name of fs.readdirSync(path.dirname(host)).filter((f) => f.endsWith(".py")).sort()) {
      pyodide.FS.writeFile(`${work}/${name}`, readBytes(path.join(path.dirname(host), name)));
    }
    const target = `${work}/${path.basename(host)}`;
    pyodide.globals.set("SCRIPT_PATH", target);
    code = await pyodide.runPythonAsync(`
import os, runpy, sys, traceback
os.chdir(${JSON.stringify(work)})
sys.argv = [SCRIPT_PATH, *RUNNER_ARGS]
sys.path.insert(0, os.path.dirname(SCRIPT_PATH))
try:
    runpy.run_path(SCRIPT_PATH, run_name="__main__")
    _code = 0
except SystemExit as stop:
    _code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
except BaseException:
    traceback.print_exc()
    _code = 1
sys.stdout.flush(); sys.stderr.flush()
_code
`);
  } else {
    const hostTests = path.resolve(ROOT, opts.tests);
    if (!fs.existsSync(hostTests)) die(`no such test directory: ${opts.tests}`);
    const relTests = path.relative(ROOT, hostTests).split(path.sep).join("/");
    copyTree(pyodide, hostTests, `${work}/${relTests}`);
    // conftest.py files between the repository root and the tests apply there too.
    let dir = path.dirname(hostTests);
    while (dir.startsWith(ROOT) && dir !== ROOT) {
      const conftest = path.join(dir, "conftest.py");
      const rel = path.relative(ROOT, dir).split(path.sep).join("/");
      if (fs.existsSync(conftest)) {
        pyodide.FS.mkdirTree(`${work}/${rel}`);
        pyodide.FS.writeFile(`${work}/${rel}/conftest.py`, readBytes(conftest));
      }
      dir = path.dirname(dir);
    }
    pyodide.globals.set("TESTS_PATH", relTests);
    code = await pyodide.runPythonAsync(`
import os, sys, platform
os.chdir(${JSON.stringify(work)})
print(f"pyodide-runner: Python {platform.python_version()} on {sys.platform}", flush=True)
import pytest
# No cache provider: the in-memory FS is thrown away anyway.
_code = int(pytest.main(["-p", "no:cacheprovider", TESTS_PATH, *RUNNER_ARGS]))
sys.stdout.flush(); sys.stderr.flush()
_code
`);
  }
  process.exit(code);
}

main().catch((error) => {
  process.stderr.write(`run_in_pyodide: ${error && error.stack ? error.stack : error}\n`);
  process.exit(2);
});
