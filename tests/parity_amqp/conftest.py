"""A real RabbitMQ for the parity tests: Debian's rabbitmq-server (3.10) started once per
session by rabbitmq_server.RabbitMQServer (own node name, dirs, ports; see there) and
stopped at the end.

A missing broker is a failure, never a skip (the team's rule for CI tools): every test
here fails with one message saying how to install it, and the run ends with one line
saying so.
"""

import logging

import pytest

from rabbitmq_server import INSTALL_HINT, RabbitMQServer, installed

logging.getLogger("pika").setLevel(logging.CRITICAL)   # its connect retries while the broker boots are noise
_missing = []


@pytest.fixture(scope="session")
def rabbitmq(tmp_path_factory):
    if not installed():
        _missing.append(INSTALL_HINT)
        pytest.fail(INSTALL_HINT, pytrace=False)
    server = RabbitMQServer(tmp_path_factory.mktemp("rabbitmq"))
    try:
        server.start()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


def pytest_terminal_summary(terminalreporter):
    if _missing:
        terminalreporter.write_line(f"RABBITMQ MISSING: {INSTALL_HINT}", red=True, bold=True)
