"""A real RabbitMQ for the parity tests: Debian's rabbitmq-server (3.10), started by this
fixture on loopback with its own node name, data and log directories under a temp dir, a
free AMQP port, a free distribution port and a private epmd port (so it never meets the
system's own service on 5672/25672/4369), no plugins (no management listener); stopped at
the end of the session.

A missing broker is a failure, never a skip (the team's rule for CI tools): every test
here fails with one message saying how to install it, and the run ends with one line
saying so.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass

import logging

import pytest

SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
START_TIMEOUT_S = 30
INSTALL_HINT = ("rabbitmq-server is not installed: the RabbitMQ parity tests need Debian's broker "
                "(apt-get install -y rabbitmq-server; .ci/run installs it)")
_missing = []
logging.getLogger("pika").setLevel(logging.CRITICAL)   # its connect retries while the broker boots are noise


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _accepts_amqp(port):
    import pika
    try:
        pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port, connection_attempts=1,
                                                          socket_timeout=2)).close()
        return True
    except Exception:
        return False


@dataclass
class RealBroker:
    host: str
    port: int
    node: str

    def parameters(self):
        import pika
        return pika.ConnectionParameters(self.host, self.port)


@pytest.fixture(scope="session")
def rabbitmq(tmp_path_factory):
    if not os.path.exists(SERVER):
        _missing.append(INSTALL_HINT)
        pytest.fail(INSTALL_HINT, pytrace=False)
    base = tmp_path_factory.mktemp("rabbitmq")
    port, dist_port, epmd_port = _free_port(), _free_port(), _free_port()
    node = f"pysim-parity-{os.getpid()}@localhost"
    (base / "enabled_plugins").write_text("[].\n")
    (base / "rabbitmq.conf").write_text(f"listeners.tcp.default = {port}\nloopback_users = none\n")
    env = dict(os.environ, HOME=str(base), RABBITMQ_NODENAME=node, RABBITMQ_NODE_PORT=str(port),
               RABBITMQ_DIST_PORT=str(dist_port), ERL_EPMD_PORT=str(epmd_port),
               RABBITMQ_MNESIA_BASE=str(base / "mnesia"), RABBITMQ_LOG_BASE=str(base / "log"),
               RABBITMQ_ENABLED_PLUGINS_FILE=str(base / "enabled_plugins"),
               RABBITMQ_CONFIG_FILE=str(base / "rabbitmq"),
               RABBITMQ_ADVANCED_CONFIG_FILE=str(base / "advanced.config"),
               RABBITMQ_CONF_ENV_FILE=str(base / "rabbitmq-env.conf"),
               RABBITMQ_PLUGINS_EXPAND_DIR=str(base / "plugins-expand"))
    log = open(base / "server.out", "wb")
    process = subprocess.Popen([SERVER], env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True, cwd=base)
    started = time.monotonic()
    try:
        while not _accepts_amqp(port):
            if process.poll() is not None:
                pytest.fail(f"rabbitmq-server exited with {process.returncode}: "
                            f"{(base / 'server.out').read_text()[-2000:]}", pytrace=False)
            if time.monotonic() - started > START_TIMEOUT_S:
                pytest.fail(f"rabbitmq-server did not accept connections within {START_TIMEOUT_S} s",
                            pytrace=False)
            time.sleep(0.2)
        yield RealBroker("127.0.0.1", port, node)
    finally:
        _stop(process, env, epmd_port)
        log.close()


def _stop(process, env, epmd_port):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
    epmd = shutil.which("epmd") or "/usr/lib/erlang/bin/epmd"
    if os.path.exists(epmd):   # the node started a private epmd on its own port: end it
        subprocess.run([epmd, "-port", str(epmd_port), "-kill"], env=env, capture_output=True, timeout=10)


def pytest_terminal_summary(terminalreporter):
    if _missing:
        terminalreporter.write_line(f"RABBITMQ MISSING: {_missing[0]}", red=True, bold=True)
