"""BlockingConnection and its parameters: pika's entry point, connecting to the simulated
broker registered at ``host:port`` (``amqp.broker(address)``).

Time: nothing happens between calls except what the client asks for.
While a connection waits (sleep, process_data_events, start_consuming, consume()), the
pending callbacks of the broker's *other* connections run too: they stand for other
processes (an RPC server, a worker) that a real system runs at the same time.
``connection.sleep(seconds)`` moves the virtual clock forward that far, running broker
timers (TTL expiry, x-expires) and consumer callbacks on the way;
``process_data_events(time_limit)`` runs pending callbacks, or waits (in virtual time) up
to ``time_limit`` seconds for the next delivery and runs it, as pika does.
"""

from collections import deque
from urllib.parse import unquote, urlparse

from pysim.amqp.broker import broker as _broker_at
from pysim.amqp.channel import BlockingChannel
from pysim.amqp.errors import (BrokerError, ConnectionClosedByBroker, ConnectionWrongStateError,
                               ProbableAccessDeniedError)

DEFAULT_HOST, DEFAULT_PORT, DEFAULT_VHOST = "localhost", 5672, "/"


class PlainCredentials:
    def __init__(self, username, password, erase_on_connect=False):
        self.username, self.password = username, password
        self.erase_on_connect = erase_on_connect


class ConnectionParameters:
    """Where to connect. Tuning options pika accepts (heartbeat, blocked_connection_timeout,
    ...) are accepted and kept; they change nothing in the simulator."""

    def __init__(self, host=DEFAULT_HOST, port=DEFAULT_PORT, virtual_host=DEFAULT_VHOST,
                 credentials=None, **options):
        if not isinstance(port, int) or isinstance(port, bool):
            raise TypeError(f"port must be an int, got {port!r}")
        self.host, self.port, self.virtual_host = host, port, virtual_host
        self.credentials = credentials or PlainCredentials("guest", "guest")
        self.options = options

    @property
    def address(self):
        return f"{self.host}:{self.port}"

    def __repr__(self):
        return (f"<ConnectionParameters host={self.host} port={self.port} "
                f"virtual_host={self.virtual_host} ssl=False>")


class URLParameters(ConnectionParameters):
    """``amqp://user:pass@host:port/vhost`` (the vhost percent-encoded: ``%2F`` is ``/``)."""

    def __init__(self, url):
        parts = urlparse(url)
        vhost = unquote(parts.path[1:]) if parts.path and parts.path != "/" else DEFAULT_VHOST
        creds = PlainCredentials(unquote(parts.username or "guest"), unquote(parts.password or "guest"))
        super().__init__(parts.hostname or DEFAULT_HOST, parts.port or DEFAULT_PORT, vhost, creds)


class BlockingConnection:
    def __init__(self, parameters=None):
        if isinstance(parameters, (list, tuple)):
            parameters = parameters[0] if parameters else None
        self.params = parameters or ConnectionParameters()
        self.broker = _broker_at(self.params.address)
        try:
            self._vhost = self.broker.vhost(self.params.virtual_host)
        except BrokerError:
            raise ProbableAccessDeniedError(
                530, f"NOT_ALLOWED - vhost {self.params.virtual_host} not found") from None
        self.broker.connections.append(self)
        self.name = f"conn{len(self.broker.connections)}"
        self._channels = {}
        self._events = deque()
        self._open = True
        self._closed_error = None
        self.broker.record("amqp.connection.open", self.name, vhost=self.params.virtual_host)

    def __repr__(self):
        return f"<BlockingConnection impl=<Connection {'OPEN' if self._open else 'CLOSED'} params={self.params!r}>>"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._open:
            self.close()

    @property
    def is_open(self):
        return self._open

    @property
    def is_closed(self):
        return not self._open

    def _check_open(self, what="operation"):
        if not self._open:
            raise ConnectionWrongStateError(f"{what} requires an open connection: {self!r}")

    def channel(self, channel_number=None):
        self._check_open("Channel allocation")
        if channel_number is None:
            channel_number = 1
            while channel_number in self._channels and self._channels[channel_number].is_open:
                channel_number += 1
        channel = BlockingChannel(self, channel_number)
        self._channels[channel_number] = channel
        self.broker.record("amqp.channel.open", self.name, channel=channel_number)
        return channel

    def close(self, reply_code=200, reply_text="Normal shutdown"):
        if not self._open:
            raise ConnectionWrongStateError(
                f"BlockingConnection.close({reply_code}, {reply_text!r}) called on closed connection.")
        self._shutdown()
        self.broker.record("amqp.connection.close", self.name, code=reply_code)

    def _closed_by_broker(self, error):
        if self._open:
            self._shutdown()
            self._closed_error = ConnectionClosedByBroker(error.code, error.text)
            self.broker.record("amqp.connection.close", self.name, code=error.code, text=error.text)

    def _shutdown(self):
        """Close every channel (their unacked messages go back) and delete the queues this
        connection declared exclusive."""
        self._open = False
        for channel in list(self._channels.values()):
            if channel._open or channel._pending_close is not None:
                channel._pending_close = None
                channel._teardown()
        self._events.clear()
        for vhost in self.broker.vhosts.values():
            for name in [n for n, q in vhost.queues.items() if q.exclusive_owner is self]:
                vhost.delete_queue(name, reason="exclusive owner closed")

    # -- events ----------------------------------------------------------------------------
    def _push(self, channel, kind, payload):
        self._events.append((channel, kind, payload))

    def _drop_events(self, channel):
        if self._events:
            self._events = deque(e for e in self._events if e[0] is not channel)

    def _take_events(self, channel, consumer):
        taken, kept = [], deque()
        for event in self._events:
            if event[0] is channel and event[1] == "deliver" and event[2][0] is consumer:
                taken.append(event[2][1])
            else:
                kept.append(event)
        self._events = kept
        return taken

    def _dispatch(self):
        ran = 0
        while self._events:
            channel, kind, payload = self._events.popleft()
            ran += 1
            if kind == "deliver":
                consumer, (method, props, body) = payload
                if consumer.active:
                    consumer.callback(channel, method, props, body)
            elif kind == "return":
                for callback in list(channel._on_return):
                    callback(channel, payload.method, payload.properties, payload.body)
            else:
                payload()
        return ran

    def _dispatch_others(self):
        """Run the pending callbacks of the broker's other connections: in a real system
        they are other processes, running while this one waits (an RPC server answering
        this client, a worker draining a queue). Returns how many ran."""
        ran = 0
        again = True
        while again:
            again = False
            for other in list(self.broker.connections):
                if other is not self and other._open and other._events:
                    ran += other._dispatch()
                    other._notice_closes()
                    again = True
        return ran

    def _notice_closes(self):
        for channel in self._channels.values():
            channel._notice_close()

    def _wait(self, stop, limit_ms):
        """Move virtual time until ``stop()`` holds, ``limit_ms`` passes, or (no limit)
        nothing can happen any more. True if ``stop()`` held."""
        sim, broker = self.broker.sim, self.broker
        deadline = None if limit_ms is None else sim.clock.now_ms + limit_ms
        while True:
            self._dispatch_others()
            if stop():
                return True
            if not self._open:
                return False
            nxt = sim.scheduler.next_due_ms()
            if deadline is None:
                if broker.next_timer_ms() is None:
                    return False           # idle for ever: no delivery can come
            elif nxt is None or nxt > deadline:
                sim.scheduler.run_until(deadline)
                return stop()
            sim.scheduler.run_until(nxt)

    def _run_once(self, limit_ms):
        """One pass of process_data_events: run pending callbacks, else wait for some."""
        if not self._events:
            self._wait(lambda: bool(self._events), limit_ms)
        ran = self._dispatch()
        self._notice_closes()
        return ran > 0

    def process_data_events(self, time_limit=0):
        self._check_open("process_data_events")
        self._run_once(None if time_limit is None else _ms(time_limit))

    def sleep(self, duration):
        """Advance the virtual clock by ``duration`` seconds, running timers and callbacks."""
        if duration < 0:
            raise ValueError(f"duration must be >= 0, got {duration}")
        self._check_open("sleep")
        sim = self.broker.sim
        deadline = sim.clock.now_ms + _ms(duration)
        while True:
            while self._dispatch() + self._dispatch_others():
                pass
            nxt = sim.scheduler.next_due_ms()
            if nxt is None or nxt > deadline:
                sim.scheduler.run_until(deadline)
                while self._dispatch() + self._dispatch_others():
                    pass
                break
            sim.scheduler.run_until(nxt)
        self._notice_closes()

    def call_later(self, delay, callback):
        """Run ``callback()`` after ``delay`` seconds of virtual time (inside sleep or
        process_data_events)."""
        self._check_open("call_later")
        return self.broker.call_later(_ms(delay), lambda: self._push(None, "callback", callback))

    def add_callback_threadsafe(self, callback):
        self._check_open("add_callback_threadsafe")
        self._push(None, "callback", callback)


def _ms(seconds):
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError(f"seconds must be a number, got {seconds!r}")
    return round(seconds * 1000)
