"""How much of confluent-kafka's own unit-test suite passes against pysim (issue 13).

pysim promises that learner code moves to a real cluster by changing one import. This
script measures the promise with confluent-kafka-python's own tests: it runs the top-level
``tests/test_*.py`` files of a local checkout twice, each file in its own subprocess,

* against the real client installed in the venv (confluent-kafka 2.16.1 here), and
* against pysim, through an import shim that makes ``confluent_kafka`` *be* ``pysim.kafka``
  and ``confluent_kafka.<sub>`` be ``pysim.kafka.<sub>`` (``confluent_kafka.cimpl``, the
  C extension's name, is ``pysim.kafka`` itself). Two modes for a name pysim lacks:
  *per-test* (the headline) makes it a placeholder that fails only the tests that use it
  (tests/common imports ShareConsumer, so otherwise one missing class takes down
  test_Producer.py too); *strict* lets the import fail, and every test of the file with it,
  as a learner's script would fail. ``--mode`` picks one; both run by default.

It writes ``benchmarks/results/confluent_unit_tests.json`` and ``.md``: per file the tests
passing on the real client, those of them passing on pysim, the percentage, and every
remaining difference with pysim's outcome, the first line of its error and, for a difference
that is right for a simulator, the reason (``RIGHT_DIFFERENCES`` below).

Not part of ``make test``: CI has no checkout of confluent-kafka-python. Get one with

    git --git-dir=/work/.mirror/confluentinc+confluent-kafka-python/repo archive v2.15.0 \\
        | (mkdir -p /tmp/ck-src && tar -x -C /tmp/ck-src)

or let the script do it (``--git-dir DIR --ref v2.15.0``). Run it FROM YOUR WORKTREE so that
your worktree's pysim is the one measured (``--pysim-root`` says otherwise):

    /work/main/.venv/bin/python benchmarks/confluent_unit_tests.py /tmp/ck-src \
        --ref v2.15.0 --commit 8b1c7a613434eee3d0e1287d624d7af04932f410
    make confluent-tests CONFLUENT_KAFKA_SRC=/tmp/ck-src    # VENV=/work/main/.venv in a worktree
    # only some files, the real client's outcomes reused from the last full run:
    /work/main/.venv/bin/python benchmarks/confluent_unit_tests.py /tmp/ck-src \\
        --ref v2.15.0 --commit 8b1c7a613434eee3d0e1287d624d7af04932f410 \
        --files test_Producer.py test_message.py --side pysim

The tests need two extras the venv lacks: ``avro`` (test_Producer.py imports
confluent_kafka.avro at the top) and ``pytest-asyncio`` (the asyncio tests). ``make
confluent-tests`` installs them with pip into ``build/confluent-test-deps`` (``--deps``),
which goes on both sides' path; without them those tests fail on both sides and drop out.

The real client's outcomes are cached in ``build/confluent-real-<commit>-<version>-<extras>.json``
(keyed by the checkout's commit, the installed client's version and the extras); ``--side
pysim`` reuses them (a full real run takes about 15 minutes, mostly test_Wakeable.py and
test_oauth_cb.py waiting on the wall clock; copy the cache file into your worktree's build/
to skip it). With ``--files``
the results are printed but the files in benchmarks/results/ are only rewritten with
``--write``.

Each test gets ``--test-timeout`` seconds (default 20, by SIGALRM in the test process) and
each file ``--file-timeout`` (default 600): tests that wait for a broker on the real side are
slow there too. The same file is the pytest plugin loaded into each test process
(``-p confluent_unit_tests``): it installs the shim, the per-test timeout, and writes every
test's outcome as a JSON line as it happens, so a killed process still leaves its results.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import importlib.abc
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PLUGIN = Path(__file__).stem
ENV_SIDE = "CK_UNIT_SIDE"          # "pysim" or "real"
ENV_RECORD = "CK_UNIT_RECORD"      # the JSON-lines file the plugin appends to
ENV_TIMEOUT = "CK_UNIT_TEST_TIMEOUT"
ENV_PER_TEST = "CK_UNIT_PER_TEST"   # "1": a name pysim lacks fails only the tests that use it


# ----------------------------------------------------------------------------------------
# Why a remaining difference is right for a simulator. Each test that passes on the real
# client and not on pysim, outside confluent_kafka.aio (issue 13's asyncio part), is listed
# here with one line saying why pysim should not pass it; the report prints the line next to
# the failure. A difference missing from the table is a gap still to close; an entry whose
# test passes now is reported as stale (and should go).
# ----------------------------------------------------------------------------------------

_UNREACHABLE = ("needs a broker address nothing answers at (connection refused, or a name that does not "
                "resolve): pysim has no network, every bootstrap.servers names an in-process cluster that is "
                "up; an outage is cluster.faults.stop_brokers(), which fires the same callbacks "
                "(tests/pysim/test_client_events.py, test_share_consumer_events.py)")
_SIGINT = ("needs a call that blocks on the wall clock until another thread's SIGINT interrupts it: pysim's "
           "poll/flush/consume move virtual time and return at once (an infinite wait too: pysim never "
           "blocks for good, which would hang a browser tab)")
_OAUTH_REFRESH = ("waits with time.sleep() (the aio tests: asyncio.sleep on pytest's wall-clock loop) for a "
                  "token refresh due at a wall-clock expiry (time.time() + 3): pysim reads no wall clock, and "
                  "neither wait moves its virtual time")
_SCHEMA_REGISTRY = "needs a Confluent Schema Registry (AvroProducer / AvroConsumer), which pysim does not simulate"
_DOCSTRINGS = ("checks that every attribute of every exported class, private helpers included, has a Sphinx "
               "docstring with a ':' tag and that every error-code constant is named in one: a convention of "
               "the C binding's types, which have no Python-level helpers; pysim documents its public API in "
               "prose (docs/reference/pysim.md)")
_METADATA = ("produces to partitions 1 and 2 of a topic no broker has described yet: the real client, with no "
             "broker running, queues them waiting for metadata; pysim's metadata is instant (the topic is "
             "auto-created with 1 partition), so it refuses partitions 1 and 2 at produce() as librdkafka does "
             "once it knows the topic")

RIGHT_DIFFERENCES = {
    "test_Admin.py::test_admin_callback_exception_no_system_error": _UNREACHABLE,
    "test_Admin.py::test_admin_multiple_callbacks_different_error_types": _UNREACHABLE,
    "test_Consumer.py::test_callback_exception_no_system_error": _UNREACHABLE,
    "test_Consumer.py::test_error_callback_exception_different_error_types": _UNREACHABLE,
    "test_Producer.py::test_core_callbacks_exception_different_types": _UNREACHABLE,
    "test_Producer.py::test_produce_batch_api_compatibility": _SCHEMA_REGISTRY,
    "test_Producer.py::test_produce_batch_basic_types_and_data": _METADATA,
    "test_ShareConsumer.py::test_poll_interruptible_by_signal": _SIGINT,
    "test_ShareConsumer_callbacks.py::test_error_cb": _UNREACHABLE,
    "test_ShareConsumer_callbacks.py::test_error_cb_cross_thread_call_raises_conflict": _UNREACHABLE,
    "test_ShareConsumer_callbacks.py::test_error_cb_disarm_before_close": _UNREACHABLE,
    "test_ShareConsumer_callbacks.py::test_error_cb_dispatches_during_commit_async": _UNREACHABLE,
    "test_ShareConsumer_callbacks.py::test_error_cb_dispatches_during_commit_sync": _UNREACHABLE,
    "test_ShareConsumer_callbacks.py::test_error_cb_exception_propagates": _UNREACHABLE,
    "test_ShareConsumer_callbacks.py::test_error_cb_fires_during_close_without_polling": _UNREACHABLE,
    "test_ShareConsumer_callbacks.py::test_error_cb_raise_propagates_from_commit_async": _UNREACHABLE,
    "test_ShareConsumer_callbacks.py::test_error_cb_raise_propagates_from_commit_sync": _UNREACHABLE,
    "test_ShareConsumer_callbacks.py::test_error_cb_resolve_failure": _UNREACHABLE,
    "test_ShareConsumer_callbacks.py::test_mixed_callbacks_coexist_on_share_consumer": _UNREACHABLE,
    "test_ShareConsumer_callbacks.py::test_oauth_cb_token_refresh_failure_and_recovery": _OAUTH_REFRESH,
    "test_ShareConsumer_callbacks.py::test_oauth_cb_token_refresh_success_multiple_calls": _OAUTH_REFRESH,
    "test_Wakeable.py::test_consumer_wakeable_consume_interruptibility_and_messages": _SIGINT,
    "test_Wakeable.py::test_consumer_wakeable_poll_interruptibility_and_messages": _SIGINT,
    "test_Wakeable.py::test_consumer_wakeable_poll_utility_functions_interaction": _SIGINT,
    "test_Wakeable.py::test_producer_wakeable_poll_interruptibility_and_messages": _SIGINT,
    "test_Wakeable.py::test_producer_wakeable_poll_utility_functions_interaction": _SIGINT,
    "test_docs.py::test_verify_docs": _DOCSTRINGS,
    "test_kafka_error.py::test_error_cb": _UNREACHABLE,
    "test_log.py::test_logging_avro_consumer": _SCHEMA_REGISTRY,
    "test_log.py::test_logging_avro_producer": _SCHEMA_REGISTRY,
    "test_misc.py::test_error_cb": _UNREACHABLE,
    "test_oauth_cb.py::test_oauth_cb_token_refresh_failure": _OAUTH_REFRESH,
    "test_oauth_cb.py::test_oauth_cb_token_refresh_success": _OAUTH_REFRESH,
    "test_oauth_cb.py::test_aio_oauth_cb_token_refresh_failure": _OAUTH_REFRESH,
    "test_oauth_cb.py::test_aio_oauth_cb_token_refresh_success": _OAUTH_REFRESH,
}


def reason_key(nodeid: str) -> str:
    """The RIGHT_DIFFERENCES key of a pytest node id: ``tests/test_x.py::test_y[param]`` ->
    ``test_x.py::test_y`` (a parametrized test has one reason for all its cases)."""
    path, _, name = nodeid.partition("::")
    return f"{path.rsplit('/', 1)[-1]}::{name.split('[', 1)[0]}"


# ----------------------------------------------------------------------------------------
# The plugin half: runs inside each pytest subprocess.
# ----------------------------------------------------------------------------------------

class _AliasLoader(importlib.abc.Loader):
    """Hands out the already imported pysim module under the confluent_kafka name, so that
    ``confluent_kafka.admin.AdminClient is pysim.kafka.admin.AdminClient`` (no second copy
    of any class)."""

    def __init__(self, target: str):
        self.target = target

    def create_module(self, spec):
        return importlib.import_module(self.target)

    def exec_module(self, module):
        pass


class _Missing(type):
    """Per-test mode: a name pysim lacks, as a class that fails when used (created, called,
    or asked for an attribute), so that importing it, or subclassing it at import time,
    takes down only the tests that use it."""

    def __call__(cls, *args, **kwargs):
        raise NotImplementedError(f"pysim lacks {cls.__qualname__}")

    def __getattr__(cls, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise NotImplementedError(f"pysim lacks {cls.__qualname__}.{name}")


def _missing(qualname):
    return _Missing(qualname.rsplit(".", 1)[-1], (), {"__qualname__": qualname, "__module__": "pysim-missing"})


class _MissingModuleLoader(importlib.abc.Loader):
    """Per-test mode: a module pysim lacks, whose every name is a _Missing."""

    def create_module(self, spec):
        import types
        module = types.ModuleType(spec.name)
        module.__path__ = []
        module.__getattr__ = lambda name: _missing(f"{spec.name}.{name}") if not name.startswith("__") \
            else (_ for _ in ()).throw(AttributeError(name))
        return module

    def exec_module(self, module):
        pass


def _is_submodule(module_name, name):
    """Whether pysim has the submodule ``module_name.name``, so that a from-import asks the
    import system for it rather than getting a placeholder."""
    try:
        return importlib.util.find_spec(f"{module_name}.{name}") is not None
    except (ImportError, ValueError):
        return False


def _lenient(module, prefix):
    """Per-test mode: a name missing from this pysim module becomes a _Missing (in this
    test process only)."""
    if getattr(module, "_ck_lenient", False):
        return
    def __getattr__(name):
        if name.startswith("__") or _is_submodule(module.__name__, name):
            raise AttributeError(name)     # a from-import then imports the submodule
        return _missing(f"{prefix}.{name}")
    module.__getattr__ = __getattr__
    module._ck_lenient = True


class _ConfluentShim(importlib.abc.MetaPathFinder):
    """``confluent_kafka[.x.y]`` -> ``pysim.kafka[.x.y]``; ``confluent_kafka.cimpl`` -> ``pysim.kafka``."""

    PREFIX = "confluent_kafka"

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.PREFIX and not fullname.startswith(self.PREFIX + "."):
            return None
        rest = fullname[len(self.PREFIX):]
        target_name = "pysim.kafka" if rest == ".cimpl" else "pysim.kafka" + rest
        per_test = os.environ.get(ENV_PER_TEST) == "1"
        try:
            found = importlib.util.find_spec(target_name)
        except ModuleNotFoundError:
            found = None
        if found is None:
            if per_test:
                return importlib.util.spec_from_loader(fullname, _MissingModuleLoader(), is_package=True)
            raise ModuleNotFoundError(f"pysim has no {target_name} (for {fullname})", name=fullname)
        if per_test:
            _lenient(importlib.import_module(target_name), fullname)
        is_package = found.submodule_search_locations is not None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(target_name), is_package=is_package)


def _record(line: dict) -> None:
    path = os.environ.get(ENV_RECORD)
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")


if os.environ.get(ENV_SIDE) == "pysim" and not any(isinstance(f, _ConfluentShim) for f in sys.meta_path):
    sys.meta_path.insert(0, _ConfluentShim())


def _short(report) -> str:
    crash = getattr(getattr(report, "longrepr", None), "reprcrash", None)
    if crash is not None:
        text = crash.message
    elif isinstance(report.longrepr, tuple):        # a skip: (file, line, reason)
        text = str(report.longrepr[-1])
    else:
        text = str(report.longrepr or "")
    text = text.strip().splitlines()[0] if text.strip() else ""
    if text.startswith("ImportError while importing"):      # say which name is missing
        causes = [line[1:].strip() for line in str(report.longrepr).splitlines() if line.startswith("E ")]
        text = causes[-1] if causes else text
    text = re.sub(r" \(/[^)]*/pysim/kafka/[^)]*\)", "", text)   # the temporary path: not part of the result
    return text[:300]


class _TestTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise _TestTimeout(f"per-test timeout of {os.environ.get(ENV_TIMEOUT)} s (wall clock)")


def _timed_phase():
    seconds = float(os.environ.get(ENV_TIMEOUT, "0") or 0)
    if seconds > 0:
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        if seconds > 0:
            signal.setitimer(signal.ITIMER_REAL, 0)


def _absorb_late_interrupts(before, budget_s=6.0):
    """Wait (up to ``budget_s`` in all) for the threads a test started, and swallow a
    KeyboardInterrupt that arrives meanwhile. test_Wakeable.py's tests send SIGINT from a
    thread after a wall-clock delay; where the call they interrupt does not block (pysim),
    the signal would land in a later test and take it, or the whole pytest process, down.
    On the real client the thread has finished inside the test and nothing waits here."""
    deadline = time.monotonic() + budget_s
    try:
        for thread in threading.enumerate():
            if thread not in before and thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))
        time.sleep(0.05)               # a signal sent just before its thread ended is handled here
    except KeyboardInterrupt:
        pass


def _hookwrapper(fn):
    import pytest
    return pytest.hookimpl(wrapper=True)(fn)


if os.environ.get(ENV_SIDE):
    # A process started in the background by a non-interactive shell inherits SIGINT ignored,
    # and then Python installs no KeyboardInterrupt handler: test_Wakeable.py's and
    # test_ShareConsumer.py's SIGINTs would do nothing, on the real client too. Both sides
    # get Python's usual handler, however the measurement was started.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)

    @_hookwrapper
    def pytest_runtest_setup(item):
        yield from _timed_phase()

    @_hookwrapper
    def pytest_runtest_call(item):
        before = set(threading.enumerate())
        try:
            return (yield from _timed_phase())
        except KeyboardInterrupt as exc:
            # A SIGINT the test sent that escaped it fails this test, not the whole session.
            raise AssertionError("KeyboardInterrupt escaped the test (its SIGINT landed outside the "
                                 "call it meant to interrupt)") from exc
        finally:
            _absorb_late_interrupts(before)

    @_hookwrapper
    def pytest_runtest_teardown(item):
        yield from _timed_phase()

    def pytest_sessionstart(session):
        where = None
        if os.environ.get(ENV_SIDE) == "pysim":
            import pysim
            where = pysim.__file__
        else:
            import confluent_kafka
            where = f"{confluent_kafka.__file__} {confluent_kafka.version()[0]}"
        _record({"session": os.environ.get(ENV_SIDE), "module": where})

    def pytest_collectreport(report):
        if report.failed:
            _record({"nodeid": report.nodeid, "when": "collect", "outcome": "failed",
                     "message": _short(report)})

    def pytest_runtest_logreport(report):
        _record({"nodeid": report.nodeid, "when": report.when, "outcome": report.outcome,
                 "wasxfail": hasattr(report, "wasxfail"), "message": _short(report)})


# ----------------------------------------------------------------------------------------
# The runner half.
# ----------------------------------------------------------------------------------------

def outcomes(lines: list[dict]) -> tuple[dict, dict]:
    """Per test nodeid its outcome (passed, failed, error, skipped, xfailed, xpassed) and
    message; per file the collection error that took it down, if any."""
    tests: dict[str, dict] = {}
    collect_errors: dict[str, str] = {}
    phases: dict[str, set] = {}
    for line in lines:
        if "nodeid" not in line:
            continue
        if line["when"] == "collect":
            collect_errors[line["nodeid"].split("::")[0]] = line["message"]
            continue
        entry = tests.setdefault(line["nodeid"], {"outcome": "passed", "message": ""})
        phase, outcome = line["when"], line["outcome"]
        phases.setdefault(line["nodeid"], set()).add(phase)
        if outcome == "failed":
            if entry["outcome"] in ("passed", "xpassed"):
                entry["outcome"] = "failed" if phase == "call" else "error"
                entry["message"] = line["message"]
        elif outcome == "skipped":
            entry["outcome"] = "xfailed" if line.get("wasxfail") else "skipped"
            entry["message"] = line["message"]
        elif phase == "call" and line.get("wasxfail"):
            entry["outcome"] = "xpassed"
    for nodeid, entry in tests.items():
        # A test whose setup passed but whose call never reported did not pass: its process
        # died under it (e.g. ``raise KafkaError(...)`` on the real client escapes every
        # ``except`` and ends pytest) or was killed at the file timeout.
        if entry["outcome"] == "passed" and "call" not in phases[nodeid]:
            entry["outcome"] = "error"
            entry["message"] = "the test process ended before the test's call phase reported"
    return tests, collect_errors


def run_file(python: str, src: Path, test_file: str, side: str, pysim_root: Path,
             test_timeout: float, file_timeout: float, deps: Path | None = None, per_test: bool = False) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"ck-{side}-") as tmp:
        record = Path(tmp) / "record.jsonl"
        path = [str(HERE)]
        if side == "pysim":
            link_dir = Path(tmp) / "path"
            link_dir.mkdir()
            (link_dir / "pysim").symlink_to(pysim_root / "pysim")
            path.append(str(link_dir))
        if deps is not None:
            path.append(str(deps))
        env = dict(os.environ)
        env.update({ENV_SIDE: side, ENV_RECORD: str(record), ENV_TIMEOUT: str(test_timeout),
                    ENV_PER_TEST: "1" if per_test else "0",
                    "PYTHONPATH": os.pathsep.join(path), "PYTHONDONTWRITEBYTECODE": "1"})
        command = [python, "-m", "pytest", f"tests/{test_file}", "-p", PLUGIN, "-p", "no:cacheprovider",
                   "-q", "--no-header", "-o", "addopts=", "--rootdir", str(src)]
        killed = False
        try:
            done = subprocess.run(command, cwd=src, env=env, capture_output=True, text=True,
                                  timeout=file_timeout)
            tail = done.stdout[-1500:]
        except subprocess.TimeoutExpired as exc:
            killed = True
            tail = (exc.stdout or b"")[-1500:] if isinstance(exc.stdout, bytes) else (exc.stdout or "")[-1500:]
            if isinstance(tail, bytes):
                tail = tail.decode(errors="replace")
        lines = [json.loads(x) for x in record.read_text().splitlines()] if record.exists() else []
    tests, collect_errors = outcomes(lines)
    module = next((x["module"] for x in lines if "session" in x), None)
    return {"tests": tests, "collect_errors": collect_errors, "killed": killed,
            "module": module, "tail": tail if not tests and not collect_errors else ""}


def run_side(python, src, files, side, pysim_root, test_timeout, file_timeout, deps, per_test=False) -> dict:
    results = {}
    label = side + (" per-test" if per_test else " strict" if side == "pysim" else "")
    for name in files:
        print(f"[{label}] {name} ...", end=" ", flush=True, file=sys.stderr)
        res = run_file(python, src, name, side, pysim_root, test_timeout, file_timeout, deps, per_test)
        passed = sum(1 for t in res["tests"].values() if t["outcome"] == "passed")
        note = " (killed at the file timeout)" if res["killed"] else ""
        note += " (collection error)" if res["collect_errors"] else ""
        print(f"{passed} passed of {len(res['tests'])}{note}", file=sys.stderr, flush=True)
        results[name] = res
    return results


def compare(real: dict, pysim: dict) -> dict:
    files = {}
    for name in sorted(real):
        r, p = real[name], pysim.get(name, {"tests": {}, "collect_errors": {}})
        real_pass = sorted(n for n, t in r["tests"].items() if t["outcome"] == "passed")
        both = [n for n in real_pass if p["tests"].get(n, {}).get("outcome") == "passed"]
        collect_error = next(iter(p["collect_errors"].values()), "")
        differences = []
        for n in real_pass:
            if n in both:
                continue
            got = p["tests"].get(n)
            if got is None:
                differences.append({"test": n, "pysim": "not run",
                                    "message": collect_error or "not collected on pysim"})
            else:
                differences.append({"test": n, "pysim": got["outcome"], "message": got["message"]})
            differences[-1]["right_because"] = RIGHT_DIFFERENCES.get(reason_key(n), "")
        pysim_only = sorted(n for n, t in p["tests"].items()
                            if t["outcome"] == "passed" and r["tests"].get(n, {}).get("outcome") != "passed")
        stale = sorted(reason_key(n) for n in both if reason_key(n) in RIGHT_DIFFERENCES)
        files[name] = {"real_passed": len(real_pass), "pysim_passed_of_those": len(both),
                       "stale_reasons": stale,
                       "real_total": len(r["tests"]), "pysim_total": len(p["tests"]),
                       "pysim_collect_error": collect_error, "differences": differences,
                       "pysim_only_passed": pysim_only}
    real_total = sum(f["real_passed"] for f in files.values())
    both_total = sum(f["pysim_passed_of_those"] for f in files.values())
    return {"real_passed": real_total, "pysim_passed_of_those": both_total,
            "percent": round(100.0 * both_total / real_total, 1) if real_total else 0.0, "files": files}


def markdown(summary: dict, strict: dict | None, meta: dict) -> str:
    """The report: ``summary`` (per-test mode, or strict when only that ran) lists the
    differences; ``strict`` adds its counts and collection errors."""
    out = ["# confluent-kafka's unit tests against pysim", "",
           f"Generated by `benchmarks/confluent_unit_tests.py` on {meta['date']}.",
           f"Tests: confluent-kafka-python `{meta['source_ref']}` (commit `{meta['source_commit']}`), "
           f"its top-level `tests/test_*.py` ({len(summary['files'])} files).",
           f"Real client: {meta['real_client']}. pysim: `{meta['pysim_root']}`. "
           f"Test extras on the path: {', '.join(meta['test_extras']) or 'none'}; "
           f"per-test timeout {meta['test_timeout_s']} s.", "",
           f"**pysim passes {summary['pysim_passed_of_those']} of the {summary['real_passed']} tests "
           f"that pass on the real client ({summary['percent']} %), {meta['headline_mode']} mode.**"]
    if strict is not None:
        out.append(f"Strict mode: {strict['pysim_passed_of_those']} of {strict['real_passed']} "
                   f"({strict['percent']} %).")
    out += ["", "Per-test mode: a name pysim lacks is a placeholder that fails only the tests that use "
            "it. Strict mode: it fails the import, and with it every test of the file (as it would fail "
            "a learner's script).", "",
            "| file | pass on real | of those on pysim | strict | pysim import error (strict) |",
            "|---|---:|---:|---:|---|"]
    for name, f in summary["files"].items():
        s_file = strict["files"].get(name) if strict is not None else None
        err = (s_file or f)["pysim_collect_error"].replace("|", "\\|")
        strict_count = s_file["pysim_passed_of_those"] if s_file is not None else ""
        out.append(f"| {name} | {f['real_passed']} | {f['pysim_passed_of_those']} | {strict_count} | {err} |")
    differences = [d for f in summary["files"].values() for d in f["differences"]]
    explained = sum(1 for d in differences if d.get("right_because"))
    out += ["", "## Remaining differences (pass on the real client, not on pysim)", "",
            f"{len(differences)} differences; {explained} of them are right for a simulator, each with its "
            "reason (**right for a simulator:** ...); the others are gaps still to close. The reasons are "
            "`RIGHT_DIFFERENCES` in `benchmarks/confluent_unit_tests.py`.", ""]
    for name, f in summary["files"].items():
        if not f["differences"]:
            continue
        out += [f"### {name}", ""]
        for d in f["differences"]:
            test = d["test"].split("::", 1)[-1]
            msg = d["message"].replace("\n", " ")
            line = f"- `{test}`: {d['pysim']}: {msg}"
            if d.get("right_because"):
                line += f" — **right for a simulator:** {d['right_because']}"
            out.append(line)
        out.append("")
    stale = [f"{k}" for f in summary["files"].values() for k in f.get("stale_reasons", [])]
    if stale:
        out += ["## Stale reasons (these tests pass on pysim now)", ""] + [f"- `{k}`" for k in stale] + [""]
    return "\n".join(out) + "\n"


def source_tree(args) -> tuple[Path, str, str, tempfile.TemporaryDirectory | None]:
    """The checkout to test, its commit and ref (extracting ``--ref`` from ``--git-dir``)."""
    if args.git_dir:
        commit = subprocess.run(["git", "--git-dir", args.git_dir, "rev-parse", args.ref + "^{commit}"],
                                capture_output=True, text=True, check=True).stdout.strip()
        holder = tempfile.TemporaryDirectory(prefix="ck-src-")
        archive = subprocess.run(["git", "--git-dir", args.git_dir, "archive", commit],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", holder.name], input=archive, check=True)
        return Path(holder.name), commit, args.ref, holder
    src = args.src or os.environ.get("CONFLUENT_KAFKA_SRC")
    if not src:
        sys.exit("give the checkout of confluent-kafka-python: a path, CONFLUENT_KAFKA_SRC, or --git-dir/--ref")
    src_path = Path(src).resolve()
    if not (src_path / "tests").is_dir():
        sys.exit(f"{src_path} has no tests/ folder: not a confluent-kafka-python checkout")
    got = subprocess.run(["git", "-C", str(src_path), "rev-parse", "HEAD"], capture_output=True, text=True)
    commit = got.stdout.strip() if got.returncode == 0 else (args.commit or "unknown")
    return src_path, commit, args.ref or "local checkout", None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("src", nargs="?", help="checkout of confluent-kafka-python (or env CONFLUENT_KAFKA_SRC)")
    parser.add_argument("--git-dir", help="a bare git dir of confluent-kafka-python to extract --ref from")
    parser.add_argument("--ref", default="", help="tag or commit to extract (with --git-dir), e.g. v2.15.0")
    parser.add_argument("--commit", help="the checkout's commit, when it is not a git work tree (an archive)")
    parser.add_argument("--pysim-root", help="repo whose pysim/ is measured (default: the current "
                        "directory if it has pysim/, else this script's repo)")
    parser.add_argument("--files", nargs="*", help="only these test files (names like test_Producer.py)")
    parser.add_argument("--side", choices=["both", "pysim", "real"], default="both")
    parser.add_argument("--mode", choices=["both", "per-test", "strict"], default="both",
                        help="how a name pysim lacks counts: per-test (only the tests using it fail), "
                        "strict (the whole file's import fails), or both (per-test is the headline)")
    parser.add_argument("--test-timeout", type=float, default=20.0)
    parser.add_argument("--file-timeout", type=float, default=600.0)
    parser.add_argument("--out", help="results folder (default: <pysim root>/benchmarks/results)")
    parser.add_argument("--deps", help="a pip --target folder with the tests' extras, put on both sides' "
                        "path (default: <pysim root>/build/confluent-test-deps)")
    parser.add_argument("--write", action="store_true", help="write results even with --files")
    args = parser.parse_args(argv)
    if args.git_dir and not args.ref:
        parser.error("--git-dir needs --ref")

    if args.pysim_root:
        pysim_root = Path(args.pysim_root).resolve()
    elif (Path.cwd() / "pysim" / "__init__.py").exists():
        pysim_root = Path.cwd().resolve()
    else:
        pysim_root = HERE.parent
    if not (pysim_root / "pysim" / "__init__.py").exists():
        sys.exit(f"no pysim/ in {pysim_root}")
    out_dir = Path(args.out) if args.out else pysim_root / "benchmarks" / "results"

    src, commit, ref, holder = source_tree(args)
    try:
        all_files = sorted(p.name for p in (src / "tests").glob("test_*.py"))
        files = all_files
        if args.files:
            unknown = [f for f in args.files if f not in all_files]
            if unknown:
                sys.exit(f"no such test files in {src}/tests: {unknown}")
            files = args.files
        python = sys.executable
        import importlib.metadata as md
        real_version = md.version("confluent-kafka")
        deps = Path(args.deps).resolve() if args.deps else pysim_root / "build" / "confluent-test-deps"
        extras = sorted(p.name.split("-")[0] for p in deps.glob("*.dist-info")) if deps.is_dir() else []
        if not extras:
            deps = None
            print("note: no test extras (avro, pytest-asyncio): test_Producer.py cannot be collected and "
                  "the asyncio tests do not run on either side; `make confluent-tests` installs them",
                  file=sys.stderr)
        cache = pysim_root / "build" / f"confluent-real-{commit[:12]}-{real_version}-{'+'.join(extras) or 'bare'}.json"

        real = {}
        if args.side in ("both", "real"):
            real = run_side(python, src, files, "real", pysim_root, args.test_timeout, args.file_timeout, deps)
            cached = json.loads(cache.read_text()) if cache.exists() else {}
            cached.update(real)
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(json.dumps(cached))
        else:
            if not cache.exists():
                sys.exit(f"no cached real-client outcomes at {cache}: run once with --side both")
            cached = json.loads(cache.read_text())
            missing = [f for f in files if f not in cached]
            if missing:
                sys.exit(f"the cache {cache} lacks {missing}: run them with --side both")
            real = {f: cached[f] for f in files}
        if args.side == "real":
            return 0
        summaries = {}
        for mode in (["per-test", "strict"] if args.mode == "both" else [args.mode]):
            pysim = run_side(python, src, files, "pysim", pysim_root, args.test_timeout, args.file_timeout, deps,
                             per_test=mode == "per-test")
            summaries[mode] = compare(real, pysim)
    finally:
        if holder is not None:
            holder.cleanup()

    headline = "per-test" if "per-test" in summaries else "strict"
    summary, strict = summaries[headline], summaries.get("strict") if headline != "strict" else None
    meta = {"date": datetime.date.today().isoformat(), "source_commit": commit, "source_ref": ref,
            "real_client": f"confluent-kafka {real_version}", "pysim_root": str(pysim_root),
            "test_timeout_s": args.test_timeout, "test_extras": extras, "headline_mode": headline}
    for mode, result in summaries.items():
        print(f"{mode}: pysim passes {result['pysim_passed_of_those']} of {result['real_passed']} "
              f"({result['percent']} %)")
    for name, f in summary["files"].items():
        extra = f"   strict {strict['files'][name]['pysim_passed_of_those']:4d}" if strict is not None else ""
        print(f"  {name:42s} {f['pysim_passed_of_those']:4d} / {f['real_passed']:4d}{extra}")
    differences = [d for f in summary["files"].values() for d in f["differences"]]
    print(f"{len(differences)} remaining differences, {sum(1 for d in differences if d['right_because'])} "
          "of them right for a simulator (RIGHT_DIFFERENCES)")
    for f in summary["files"].values():
        for key in f["stale_reasons"]:
            print(f"stale reason: {key} passes on pysim now; drop it from RIGHT_DIFFERENCES", file=sys.stderr)
    if args.files and not args.write:
        return 0
    out_dir.mkdir(parents=True, exist_ok=True)
    record = {"meta": meta, **summary}
    if strict is not None:
        record["strict"] = {"real_passed": strict["real_passed"],
                            "pysim_passed_of_those": strict["pysim_passed_of_those"], "percent": strict["percent"],
                            "files": {n: {k: f[k] for k in ("real_passed", "pysim_passed_of_those",
                                                           "pysim_collect_error")}
                                      for n, f in strict["files"].items()}}
    (out_dir / "confluent_unit_tests.json").write_text(json.dumps(record, indent=1) + "\n")
    (out_dir / "confluent_unit_tests.md").write_text(markdown(summary, strict, meta))
    print(f"wrote {out_dir}/confluent_unit_tests.json and .md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
