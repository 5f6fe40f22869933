"""Without rabbitmq-server the parity tests fail (never skip) and the run says so in one line."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.rabbitmq
ROOT = Path(__file__).resolve().parents[2]


def test_a_missing_broker_fails_with_one_visible_line(tmp_path):
    env = dict(os.environ, PYSIM_RABBITMQ_SERVER=str(tmp_path / "no-rabbitmq-server"))
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/parity_amqp/test_amqp_parity.py", "-k", "routing or errors"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0, done.stdout[-2000:]
    assert "2 errors" in done.stdout and "skipped" not in done.stdout, done.stdout[-2000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("RABBITMQ MISSING:")]
    assert lines == ["RABBITMQ MISSING: rabbitmq-server is not installed: the RabbitMQ parity tests need "
                     "Debian's broker (apt-get install -y rabbitmq-server; .ci/run installs it)"]
