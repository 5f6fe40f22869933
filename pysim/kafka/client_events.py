"""The events a librdkafka client hands to the application through poll(): error_cb,
stats_cb, throttle_cb and the log lines of ``logger``; and oauth_cb, called for a token when
the client starts. confluent-kafka accepts these on Producer, Consumer, AdminClient and ShareConsumer (which
serves them in poll(), commit_sync(), commit_async() and close()).

They run where the real client runs them, inside poll() (and flush() / consume()), in the
order they happened, with the real argument shapes:

- error_cb(KafkaError): _TRANSPORT for the broker's connection, then _ALL_BROKERS_DOWN
  ("1/1 brokers are down"), when the cluster's brokers stop
  (``cluster.faults.stop_brokers()``), or at once for a client started while they are down.
  Without error_cb the error is logged (logger, level ERROR), as librdkafka does.
- stats_cb(str): librdkafka's statistics JSON (see stats.py) every
  ``statistics.interval.ms`` of virtual time, from a scheduler timer (the stand-in for
  librdkafka's background thread), queued until the next poll.
- throttle_cb(ThrottleEvent): pysim's broker has no quotas, so it never throttles; the
  callback is checked and kept.
- logger: a logging.Logger; with ``debug`` set it gets librdkafka's INIT line
  ("INIT [<name>] [thrd:app]: librdkafka v... <name> initialized ...") and errors at level
  ERROR; with or without ``debug``, librdkafka's always-on warnings (``warn``): CONFWARN for a
  consumer whose socket.timeout.ms is not 1000 ms above fetch.wait.max.ms, the share
  consumer's "Preview" notice, the no-bootstrap.servers CONFWARN. Without a logger librdkafka
  prints to stderr; pysim prints those warnings there and nothing else.
- oauth_cb(sasl.oauthbearer.config) -> (token, expiry[, principal, extensions]): called
  once when the client is made; raising, or answering something else, fails the
  construction with SASL_AUTHENTICATION_FAILED as the real client does after its 10 s wait.
  Refreshing before expiry is not simulated (the expiry is wall-clock time, which pysim
  never reads).
"""

import json
import sys
import weakref

from pysim.kafka.errors import KafkaError, KafkaException
from pysim.kafka.faults import faults_of

LIBRDKAFKA_VERSION = "2.16.0"
_LOG_LEVELS = {3: 40, 4: 30, 5: 20, 6: 20, 7: 10}     # syslog level -> logging level


class ThrottleEvent:
    """A broker's throttle notice: ``throttle_time`` in seconds (float)."""

    def __init__(self, broker_name, broker_id, throttle_time):
        self.broker_name, self.broker_id, self.throttle_time = broker_name, broker_id, throttle_time

    def __str__(self):
        return f"{self.broker_name}/{self.broker_id} throttled for {int(self.throttle_time * 1000)} ms"


def check_sasl_credentials(username, password):
    """set_sasl_credentials' argument checks (the binding's TypeError)."""
    for i, value in enumerate((username, password), start=1):
        if not isinstance(value, str):
            raise TypeError(f"argument {i} must be str, not {'None' if value is None else type(value).__name__}")


_numbers = weakref.WeakKeyDictionary()     # cluster -> {kind: clients made so far}


def next_number(cluster, kind):
    """The n in librdkafka's instance name "<client.id>#<kind>-<n>", counted per cluster so
    a run's names do not depend on what ran before it in the process."""
    counts = _numbers.setdefault(cluster, {})
    counts[kind] = counts.get(kind, 0) + 1
    return counts[kind]


def client_events(client, conf, kind, cluster, name=None):
    """The ClientEvents of a client made with ``conf`` (checks the callbacks first)."""
    return ClientEvents(client, conf, kind, cluster, name)


class ClientEvents:
    def __init__(self, client, conf, kind, cluster, name=None):
        for prop, error in (("error_cb", TypeError), ("stats_cb", TypeError), ("throttle_cb", ValueError),
                            ("oauth_cb", TypeError)):
            value = conf.get(prop)
            if value is not None and not callable(value):
                raise error(f"expected {prop} property as a callable function")
        self._kind, self._c = kind, cluster
        self.name = name or f"{conf.get('client.id', 'rdkafka')}#{kind}-1"
        self._error_cb, self._stats_cb = conf.get("error_cb"), conf.get("stats_cb")
        self._throttle_cb, self._logger = conf.get("throttle_cb"), conf.get("logger")
        self._debug = str(conf.get("debug", "") or "")
        self._queue = []            # (function, argument) waiting for poll(), in order
        self._timer, self._stats_source = None, None
        self._created_ms = cluster.now_ms if cluster is not None else 0
        self._servers = str(conf.get("bootstrap.servers") or "")
        if self._debug:
            self._log(7, "INIT", "thrd:app", f"librdkafka v{LIBRDKAFKA_VERSION} (0x21000ff) {self.name} initialized "
                      f"(builtin.features gzip,snappy,ssl,sasl,regex,lz4,sasl_plain,sasl_scram,plugins,zstd,"
                      f"sasl_oauthbearer, debug {self._debug})")
        if kind == "consumer":
            fetch_wait, socket_timeout = (_int_or(conf, "fetch.wait.max.ms", 500),
                                          _int_or(conf, "socket.timeout.ms", 60000))
            if fetch_wait + 1000 > socket_timeout:
                self.warn(4, "CONFWARN", f"Configuration property `fetch.wait.max.ms` ({fetch_wait}) should be set "
                          f"lower than `socket.timeout.ms` ({socket_timeout}) by at least 1000ms to avoid blocking "
                          "and timing out sub-sequent requests")
        if conf.get("oauth_cb") is not None:
            _ask_for_token(conf["oauth_cb"], conf.get("sasl.oauthbearer.config"))
        interval = int(conf.get("statistics.interval.ms", 0) or 0)
        if self._stats_cb is not None and interval > 0 and cluster is not None:
            self._interval = interval
            self._timer = cluster.sim.scheduler.call_later(interval, _emit_stats, weakref.ref(self))
        if cluster is not None:
            faults_of(cluster).listen(self)
            if faults_of(cluster).brokers_down:
                self.brokers_went_down()

    # -- what happens ------------------------------------------------------------------------
    def stats_from(self, source):
        """``source()`` returns the client's statistics dict (stats.py builds it)."""
        self._stats_source = source

    def _emit_stats(self):
        self._timer = self._c.sim.scheduler.call_later(self._interval, _emit_stats, weakref.ref(self))
        if self._stats_source is not None:
            self._queue.append((self._stats_cb, json.dumps(self._stats_source())))

    def brokers_went_down(self):
        """librdkafka's two errors when the cluster's connection is lost."""
        host = self._servers.split(",")[0].strip() or "localhost:9092"
        self.error(KafkaError(KafkaError._TRANSPORT, f"{host}/1: Connect to ipv4#127.0.0.1:{host.rsplit(':', 1)[-1]} "
                              "failed: Connection refused (after 0ms in state CONNECT)"), "FAIL")
        self.error(KafkaError(KafkaError._ALL_BROKERS_DOWN, "1/1 brokers are down"), None)

    def error(self, err, log_facility):
        if log_facility:
            self._log(3, log_facility, "thrd:main", err.str())
        if self._error_cb is not None:
            self._queue.append((self._error_cb, err))

    def _log(self, level, facility, thread, text):
        if self._logger is not None:
            self._queue.append((_log_to(self._logger, level), f"{facility} [{self.name}] [{thread}]: {text}"))

    def warn(self, level, facility, text):
        """One of librdkafka's always-on lines (level 4 WARNING, 5 NOTICE; no ``debug``
        needed): to the logger through poll() when there is one, else at once on stderr in
        librdkafka's own format, as its default log callback prints it."""
        if self._logger is not None:
            self._log(level, facility, "thrd:app", text)
        else:
            now_ms = self._c.now_ms if self._c is not None else 0
            print(f"%{level}|{now_ms / 1000:.3f}|{facility}|{self.name}| [thrd:app]: {text}", file=sys.stderr)

    # -- serving -----------------------------------------------------------------------------
    def pending(self):
        return len(self._queue)

    def serve(self):
        """Run the waiting callbacks (an exception a callback raises propagates from poll(),
        as in confluent-kafka; the events after it stay queued)."""
        served = 0
        while self._queue:
            fn, arg = self._queue.pop(0)
            served += 1
            fn(arg)
        return served

    def poll(self, timeout):
        """An admin client's poll(): serve what waits, or move virtual time by ``timeout``
        seconds and serve what came meanwhile."""
        served = self.serve()
        if served or self._c is None or timeout is None or timeout <= 0:
            return served
        deadline = self._c.now_ms + round(timeout * 1000)
        while not self._queue:
            due = self._c.sim.scheduler.next_due_ms()
            if due is None or due > deadline:
                self._c.advance(deadline - self._c.now_ms)
                break
            self._c.advance(due - self._c.now_ms)
        return self.serve()

    def stop(self):
        """The client closed: no more timers or notices."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._c is not None:
            faults_of(self._c).unlisten(self)
        self._queue = []


def _emit_stats(ref):
    """The stats timer holds the client's events weakly, so that a client the program drops
    (and its timer with it) is garbage collected."""
    events = ref()
    if events is not None:
        events._emit_stats()


def _int_or(conf, name, default):
    try:
        return int(conf.get(name, default))
    except (TypeError, ValueError):
        return default


def _log_to(logger, level):
    def log(message):
        logger.log(_LOG_LEVELS.get(level, 10), message)
    return log


def _ask_for_token(oauth_cb, config):
    try:
        answer = oauth_cb(config)
        ok = isinstance(answer, tuple) and len(answer) in (2, 4) and isinstance(answer[0], str)
    except Exception:
        ok = False
    if not ok:
        raise KafkaException(KafkaError(KafkaError.SASL_AUTHENTICATION_FAILED,
                                        "OAuth token not set within 10 seconds timeout"))
