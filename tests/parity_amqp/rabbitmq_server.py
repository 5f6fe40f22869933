"""Start and stop a private RabbitMQ node (Debian's rabbitmq-server) on loopback: its own
node name, data and log directories under ``base``, a free AMQP port, a free distribution
port and a private epmd port, so it never meets the system's own service on
5672/25672/4369; no plugins (no management listener). Used by the parity fixture and by
benchmarks/bench_amqp.py; no pytest here."""

import os
import shutil
import signal
import socket
import subprocess
import time

# Debian's launcher (the /usr/sbin wrapper would switch to the rabbitmq user and its dirs);
# PYSIM_RABBITMQ_SERVER points elsewhere (another install, or a missing path to test that
# a missing broker fails loudly).
SERVER = os.environ.get("PYSIM_RABBITMQ_SERVER", "/usr/lib/rabbitmq/bin/rabbitmq-server")
START_TIMEOUT_S = 30
INSTALL_HINT = ("rabbitmq-server is not installed: the RabbitMQ parity tests need Debian's broker "
                "(apt-get install -y rabbitmq-server; .ci/run installs it)")


class BrokerMissing(RuntimeError):
    pass


def installed():
    return os.path.exists(SERVER)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def accepts_amqp(port):
    import pika
    try:
        pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port, connection_attempts=1,
                                                          socket_timeout=2)).close()
        return True
    except Exception:  # noqa: BLE001 - not up yet
        return False


class RabbitMQServer:
    def __init__(self, base):
        self.base = str(base)
        self.host = "127.0.0.1"
        self.port, self.dist_port, self.epmd_port = free_port(), free_port(), free_port()
        self.node = f"pysim-{os.getpid()}-{self.port}@localhost"
        self.process = None
        self.startup_s = None

    def parameters(self):
        import pika
        return pika.ConnectionParameters(self.host, self.port)

    def _env(self):
        b = self.base
        return dict(os.environ, HOME=b, RABBITMQ_NODENAME=self.node, RABBITMQ_NODE_PORT=str(self.port),
                    RABBITMQ_DIST_PORT=str(self.dist_port), ERL_EPMD_PORT=str(self.epmd_port),
                    RABBITMQ_MNESIA_BASE=f"{b}/mnesia", RABBITMQ_LOG_BASE=f"{b}/log",
                    RABBITMQ_ENABLED_PLUGINS_FILE=f"{b}/enabled_plugins",
                    RABBITMQ_CONFIG_FILE=f"{b}/rabbitmq",
                    RABBITMQ_ADVANCED_CONFIG_FILE=f"{b}/advanced.config",
                    RABBITMQ_CONF_ENV_FILE=f"{b}/rabbitmq-env.conf",
                    RABBITMQ_PLUGINS_EXPAND_DIR=f"{b}/plugins-expand")

    def start(self):
        if not installed():
            raise BrokerMissing(INSTALL_HINT)
        os.makedirs(self.base, exist_ok=True)
        with open(f"{self.base}/enabled_plugins", "w") as f:
            f.write("[].\n")
        with open(f"{self.base}/rabbitmq.conf", "w") as f:
            f.write(f"listeners.tcp.default = {self.port}\nloopback_users = none\n")
        self._log = open(f"{self.base}/server.out", "wb")
        self.process = subprocess.Popen([SERVER], env=self._env(), stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True, cwd=self.base)
        started = time.monotonic()
        while not accepts_amqp(self.port):
            if self.process.poll() is not None:
                raise RuntimeError(f"rabbitmq-server exited with {self.process.returncode}: "
                                   f"{open(f'{self.base}/server.out').read()[-2000:]}")
            if time.monotonic() - started > START_TIMEOUT_S:
                self.stop()
                raise RuntimeError(f"rabbitmq-server did not accept connections within {START_TIMEOUT_S} s")
            time.sleep(0.2)
        self.startup_s = round(time.monotonic() - started, 2)
        return self

    def stop(self):
        process = self.process
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        epmd = shutil.which("epmd") or "/usr/lib/erlang/bin/epmd"
        if os.path.exists(epmd):   # the node started a private epmd on its own port: end it
            subprocess.run([epmd, "-port", str(self.epmd_port), "-kill"], env=self._env(),
                           capture_output=True, timeout=10)
        if getattr(self, "_log", None):
            self._log.close()
            self._log = None
