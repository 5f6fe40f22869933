"""benchmarks/confluent_unit_tests.py's own bookkeeping (the measurement itself needs a
checkout of confluent-kafka-python and runs outside ``make test``): the table of reasons
why a remaining difference is right for a simulator, how outcomes are read off the
JSON-lines record, and that the report prints each reason next to its failure."""

import importlib.util
import re
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "confluent_unit_tests.py"


@pytest.fixture(scope="module")
def ck():
    spec = importlib.util.spec_from_file_location("confluent_unit_tests_under_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


AIO_FILES = {"test_AIOConsumer.py", "test_AIOProducer.py", "test_buffer_timeout_manager.py",
             "test_kafka_batch_executor.py", "test_producer_batch_processor.py"}


def test_every_reason_is_one_sentence_for_one_named_test(ck):
    assert ck.RIGHT_DIFFERENCES
    for key, reason in ck.RIGHT_DIFFERENCES.items():
        assert re.fullmatch(r"test_\w+\.py::test_\w+", key), f"{key!r}: not 'test_<file>.py::test_<name>'"
        assert key.split("::")[0] not in AIO_FILES, f"{key}: the asyncio files are measured separately"
        assert isinstance(reason, str) and reason.strip() == reason and len(reason) >= 40, key
        assert "\n" not in reason and "|" not in reason, f"{key}: a reason is one line of the report"


def test_reason_keys_ignore_the_folder_and_the_parameters(ck):
    assert ck.reason_key("tests/test_Producer.py::test_x[a-b]") == "test_Producer.py::test_x"
    assert ck.reason_key("tests/test_misc.py::test_error_cb") == "test_misc.py::test_error_cb"


def test_a_test_whose_call_never_reported_did_not_pass(ck):
    lines = [{"nodeid": "tests/t.py::test_ok", "when": w, "outcome": "passed", "message": ""}
             for w in ("setup", "call", "teardown")]
    lines.append({"nodeid": "tests/t.py::test_died", "when": "setup", "outcome": "passed", "message": ""})
    tests, _ = ck.outcomes(lines)
    assert tests["tests/t.py::test_ok"]["outcome"] == "passed"
    assert tests["tests/t.py::test_died"]["outcome"] == "error"


def test_the_report_prints_the_reason_next_to_its_failure_and_flags_stale_ones(ck):
    reasoned = "tests/test_misc.py::test_error_cb"
    stale = "tests/test_docs.py::test_verify_docs"
    real = {"test_misc.py": {"tests": {reasoned: {"outcome": "passed"}, "tests/test_misc.py::test_gap":
                                       {"outcome": "passed"}}},
            "test_docs.py": {"tests": {stale: {"outcome": "passed"}}}}
    pysim = {"test_misc.py": {"tests": {reasoned: {"outcome": "failed", "message": "timeout"},
                                        "tests/test_misc.py::test_gap": {"outcome": "failed", "message": "x"}},
                              "collect_errors": {}},
             "test_docs.py": {"tests": {stale: {"outcome": "passed", "message": ""}}, "collect_errors": {}}}
    summary = ck.compare(real, pysim)
    meta = {"date": "d", "source_ref": "r", "source_commit": "c", "real_client": "rc", "pysim_root": "p",
            "test_extras": [], "test_timeout_s": 1.0, "headline_mode": "per-test"}
    report = ck.markdown(summary, None, meta)
    reason_line = next(line for line in report.splitlines() if line.startswith("- `test_error_cb`"))
    assert reason_line.endswith("**right for a simulator:** " + ck.RIGHT_DIFFERENCES["test_misc.py::test_error_cb"])
    gap_line = next(line for line in report.splitlines() if line.startswith("- `test_gap`"))
    assert "right for a simulator" not in gap_line
    assert "2 differences; 1 of them are right for a simulator" in report
    assert "## Stale reasons" in report and "- `test_docs.py::test_verify_docs`" in report
