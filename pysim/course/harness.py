"""Runs a learner's exercise code and then the exercise's hidden checks, the same way in the
browser worker and in pytest, so a reference solution that passes here passes on the page.

    result = run_exercise(code, check_source, seed=0, stdout_cb=print_chunk)

The result is JSON-able: {"passed", "checks": [{"name", "passed", "message"}], "stdout",
"stderr", "error": None or {"type", "message", "line", "traceback", "source"}, "trace"}.
`trace` is the run's compact trace (pysim.course.trace_view: the last 10,000 events) that the page's
trace player draws, or None when the run touched no simulator.
`source` is "learner" (their code raised or does not compile) or "harness" (check.py is
broken: never blamed on the learner).

check.py defines functions ``def check_<name>(run):`` whose docstring says what is checked;
a check fails by raising AssertionError(message). ``run`` is a :class:`Run`.

check.py may also define ``def setup():``, the hidden setup: it runs on the freshly reset
simulator before the learner's code, so the world an exercise needs (topics, days of history,
other groups' commits) is already in ``kafka.cluster("localhost:9092")`` and the learner's
editor holds only their task. Its output is not shown; if it raises, that is a harness error.

Learner code that calls ``asyncio.run(main())`` runs ``main`` on pysim's virtual-time loop
(pysim.asyncio_loop), in CPython and in the browser's Pyodide alike.
"""

from __future__ import annotations

import io
import linecache
import sys
import traceback
import types
from typing import Callable

from pysim.asyncio_loop import virtual_asyncio

LEARNER_FILE = "exercise.py"
CHECK_FILE = "check.py"
MODULE_NAME = "exercise"


class Run:
    """What the learner's code left behind, handed to every check."""

    def __init__(self, namespace: dict, stdout: str, stderr: str):
        self.namespace = namespace
        self.stdout = stdout
        self.stderr = stderr

    @property
    def kafka(self):
        from pysim import kafka
        return kafka

    @property
    def amqp(self):
        from pysim import amqp
        return amqp

    def broker(self, address: str = "localhost:5672"):
        """The simulated RabbitMQ the learner's pika-style connections talked to."""
        return self.amqp.broker(address)

    def cluster(self, bootstrap: str = "localhost:9092"):
        """The simulated cluster the learner's clients talked to."""
        return self.kafka.cluster(bootstrap)

    def get(self, name: str, default=None):
        """A top-level name the learner defined (e.g. a result variable)."""
        return self.namespace.get(name, default)

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()


class _Stream(io.TextIOBase):
    """A text stream that keeps what is written and forwards each chunk as it arrives."""

    def __init__(self, callback: Callable[[str], None] | None):
        self._parts: list[str] = []
        self._callback = callback

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if text:
            self._parts.append(text)
            if self._callback is not None:
                self._callback(text)
        return len(text)

    def getvalue(self) -> str:
        return "".join(self._parts)


def _reset_simulator(seed: int) -> None:
    """Forget every Kafka cluster and every RabbitMQ broker so each run starts from the same
    state (same seed, same run)."""
    try:
        from pysim import kafka
    except ImportError:  # the Kafka core is optional for the harness itself
        kafka = None
    if kafka is not None:
        kafka.reset_all(seed=seed)
    try:
        from pysim import amqp
    except ImportError:
        return
    amqp.reset_all(seed=seed)


def _learner_traceback(exc: BaseException) -> tuple[str, int | None]:
    """The traceback text from the learner's first frame on (harness frames dropped),
    and the line number in the learner's code closest to the error."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != LEARNER_FILE:
        tb = tb.tb_next
    line = None
    walker = tb
    while walker is not None:
        if walker.tb_frame.f_code.co_filename == LEARNER_FILE:
            line = walker.tb_lineno
        walker = walker.tb_next
    if isinstance(exc, SyntaxError) and exc.filename == LEARNER_FILE:
        line = exc.lineno
    text = "".join(traceback.format_exception(type(exc), exc, tb))
    return text, line


def _error(exc: BaseException, source: str) -> dict:
    text, line = _learner_traceback(exc) if source == "learner" else (
        "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)), None)
    message = exc.msg if isinstance(exc, SyntaxError) else str(exc)
    return {"type": type(exc).__name__, "message": message, "line": line,
            "traceback": text, "source": source}


def _load_check_file(check_source: str) -> dict:
    """The namespace of a check.py, its lines known to linecache so tracebacks quote them."""
    linecache.cache[CHECK_FILE] = (len(check_source), None, check_source.splitlines(keepends=True), CHECK_FILE)
    namespace: dict = {"__name__": "exercise_check", "__file__": CHECK_FILE}
    exec(compile(check_source, CHECK_FILE, "exec"), namespace)
    return namespace


def _checks_in(namespace: dict) -> list[tuple[str, str, Callable]]:
    checks = []
    for name, value in namespace.items():  # dict order = definition order
        if name.startswith("check_") and callable(value):
            doc = (value.__doc__ or "").strip().splitlines()
            checks.append((name[len("check_"):], doc[0] if doc else name, value))
    if not checks:
        raise ValueError("check.py defines no check_<name>(run) function")
    return checks


def _setup_in(namespace: dict) -> Callable[[], None] | None:
    setup = namespace.get("setup")
    if setup is not None and not callable(setup):
        raise TypeError("setup in check.py must be a function: def setup(): ...")
    return setup


def load_checks(check_source: str) -> list[tuple[str, str, Callable]]:
    """The check functions of a check.py, in the order they are written:
    (name, description, function). Raises if the file is broken or defines no check."""
    return _checks_in(_load_check_file(check_source))


def _run_setup(setup: Callable[[], None]) -> None:
    """Build the exercise's world on the reset simulator; its output is not the learner's."""
    saved_out, saved_err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Stream(None), _Stream(None)
    try:
        setup()
    finally:
        sys.stdout, sys.stderr = saved_out, saved_err


def _trace_view() -> dict | None:
    """The compact trace of the learner's run, taken before the checks run (a check may
    touch the simulator; the picture shows what the learner's code did), or, when the
    learner's code only defines functions the checks call (01-rabbitmq-routing: the checks
    publish and consume through the learner's topology and handler), taken after them. A
    failure here must never cost the learner their result: no picture then."""
    try:
        from pysim.course.trace_view import harness_view
        return harness_view()
    except Exception:  # noqa: BLE001 - the picture is optional, the result is not
        return None


def run_exercise(code: str, check_source: str, *, seed: int = 0,
                 stdout_cb: Callable[[str], None] | None = None,
                 stderr_cb: Callable[[str], None] | None = None) -> dict:
    """Reset the simulator, run check.py's ``setup()`` if it has one, the learner's code as
    module ``exercise``, then every check. Never raises for
    anything the learner or check.py does (KeyboardInterrupt aside)."""
    out, err = _Stream(stdout_cb), _Stream(stderr_cb)
    result = {"passed": False, "checks": [], "stdout": "", "stderr": "", "error": None, "trace": None}

    try:
        namespace = _load_check_file(check_source)
        checks, setup = _checks_in(namespace), _setup_in(namespace)
    except Exception as exc:  # noqa: BLE001 - a broken check file is reported, not raised
        result["error"] = _error(exc, "harness")
        return result

    _reset_simulator(seed)
    if setup is not None:
        try:
            _run_setup(setup)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - check.py's fault, not the learner's
            result["error"] = _error(exc, "harness")
            return result
    module = types.ModuleType(MODULE_NAME)
    module.__file__ = LEARNER_FILE
    saved_module = sys.modules.get(MODULE_NAME)
    saved_out, saved_err = sys.stdout, sys.stderr
    sys.modules[MODULE_NAME] = module
    sys.stdout, sys.stderr = out, err
    # Tracebacks quote the learner's lines: tell linecache what "exercise.py" holds.
    linecache.cache[LEARNER_FILE] = (len(code), None, code.splitlines(keepends=True), LEARNER_FILE)
    try:
        try:
            compiled = compile(code, LEARNER_FILE, "exec")
            with virtual_asyncio():     # asyncio.run(main()) runs in virtual time
                exec(compiled, module.__dict__)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - learner errors are results
            result["error"] = _error(exc, "learner")
            err.write(result["error"]["traceback"])
    finally:
        sys.stdout, sys.stderr = saved_out, saved_err
        if saved_module is None:
            sys.modules.pop(MODULE_NAME, None)
        else:
            sys.modules[MODULE_NAME] = saved_module

    result["stdout"], result["stderr"] = out.getvalue(), err.getvalue()
    result["trace"] = _trace_view()
    if result["error"] is not None:
        return result

    run = Run(dict(module.__dict__), result["stdout"], result["stderr"])
    for name, description, fn in checks:
        entry = {"name": name, "description": description, "passed": False, "message": ""}
        try:
            fn(run)
        except AssertionError as exc:
            entry["message"] = str(exc) or f"Check failed: {description}"
        except Exception as exc:  # noqa: BLE001 - a check tripping over the learner's state
            entry["message"] = f"{description}: could not be verified ({type(exc).__name__}: {exc})"
        else:
            entry["passed"] = True
            entry["message"] = description
        result["checks"].append(entry)
    result["passed"] = all(c["passed"] for c in result["checks"])
    if result["trace"] is None:          # the checks drove the simulator with the learner's code
        result["trace"] = _trace_view()
    return result
