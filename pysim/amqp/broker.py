"""The broker behind one ``host:port``: virtual hosts, the kernel it runs on, and the
registry that lets every ``BlockingConnection`` to the same address share it — the way
``kafka.cluster(bootstrap)`` does for Kafka.

    amqp.broker("localhost:5672")          # the broker a pika script at that address uses
    amqp.reset_all(seed)                   # forget every broker (the harness does this)

Kernel: a broker gets its own :class:`pysim.Simulation` built from the reset seed, unless
it is given one: ``amqp.broker("localhost:5672", sim=kafka.cluster().sim)`` puts RabbitMQ
and Kafka on one virtual clock and one trace, so a page can follow one order through both.

RabbitMQ version: behaviour is 3.10's (what the parity tests run against). ``version="4.0"``
changes what 4.x changed that a lesson can see: the quorum queues' default delivery limit
(none in 3.10, 20 in 4.x).
"""

import base64

from pysim.amqp.errors import NOT_FOUND, BrokerError
from pysim.amqp.vhost import VHost
from pysim.kernel.simulation import Simulation

VERSIONS = ("3.10", "4.0")


class Broker:
    def __init__(self, address="localhost:5672", seed=0, version="3.10", sim=None):
        if version not in VERSIONS:
            raise ValueError(f"version must be one of {VERSIONS}, got {version!r}")
        self.address, self.version = address, version
        self.sim = sim if sim is not None else Simulation(seed)
        self.vhosts = {"/": VHost(self, "/")}
        self._message_ids = 0
        self._timers = set()
        self._names = self.sim.rng.stream(f"amqp.{address}.names")
        self.connections = []
        self.record = self.sim.trace.record     # bound once: it is on every message's path

    # -- kernel ----------------------------------------------------------------------------
    @property
    def now_ms(self):
        return self.sim.clock.now_ms

    @property
    def trace(self):
        return self.sim.trace

    def advance(self, ms):
        """Move virtual time (what connection.sleep does), running TTL and expiry timers."""
        return self.sim.advance(ms)

    def call_at(self, due_ms, callback, *args):
        timer = None

        def fire():
            self._timers.discard(timer)
            callback(*args)
        timer = self.sim.scheduler.call_at(due_ms, fire)
        self._timers.add(timer)
        return timer

    def call_later(self, delay_ms, callback, *args):
        return self.call_at(self.sim.clock.now_ms + delay_ms, callback, *args)

    def next_timer_ms(self):
        """When this broker's next own timer (TTL, x-expires) fires, or None: lets a
        consumer loop know that nothing more can ever arrive."""
        live = [t.due_ms for t in self._timers if not t.cancelled]
        return min(live) if live else None

    # -- names -----------------------------------------------------------------------------
    def next_message_id(self):
        self._message_ids += 1
        return self._message_ids

    def generated_queue_name(self):
        """``amq.gen-`` and 22 url-safe base64 characters, as RabbitMQ names them."""
        raw = bytes(self._names.getrandbits(8) for _ in range(16))
        return "amq.gen-" + base64.urlsafe_b64encode(raw).decode()[:22]

    def random_hex(self, n=32):
        return "".join(f"{self._names.getrandbits(4):x}" for _ in range(n))

    # -- vhosts ----------------------------------------------------------------------------
    def add_vhost(self, name):
        return self.vhosts.setdefault(name, VHost(self, name))

    def vhost(self, name="/"):
        found = self.vhosts.get(name)
        if found is None:
            raise BrokerError(NOT_FOUND, f"no vhost '{name}'")
        return found

    # -- inspection (for lessons and checks) -------------------------------------------------
    def queue(self, name, vhost="/"):
        return self.vhost(vhost).queues.get(name)

    def messages(self, queue, vhost="/"):
        """(body, properties) of the ready messages of ``queue`` in delivery order, without
        consuming them."""
        q = self.queue(queue, vhost)
        if q is None:
            raise KeyError(f"no queue {queue!r} in vhost {vhost!r}")
        if q.kind == "stream":
            entries = list(q.log)
        else:
            entries = _ordered_entries(q)
        return [(e.message.body, e.message.properties) for e in entries]


def _ordered_entries(queue):
    if hasattr(queue, "_heap"):             # a priority queue: its delivery order
        return [entry for _, _, entry in sorted(queue._heap, key=lambda item: item[:2])]
    if queue.kind == "quorum":              # returns go to the back: deque order is the order
        return list(queue._ready)
    return sorted(list(queue._ready) + list(queue._returned), key=lambda e: e.pos)


_brokers = {}
_seed = [0]


def broker(address="localhost:5672", version=None, sim=None):
    """The broker at ``address`` ("host:port"), created on first use with the current seed."""
    key = normalize(address)
    found = _brokers.get(key)
    if found is None:
        found = _brokers[key] = Broker(key, seed=_seed[0], version=version or "3.10", sim=sim)
    elif (version is not None and version != found.version) or (sim is not None and sim is not found.sim):
        raise ValueError(f"the broker at {key} already exists (version {found.version}); "
                         f"call amqp.reset_all() before creating it differently")
    return found


def normalize(address):
    address = address.strip()
    if ":" not in address:
        address += ":5672"
    return address


def reset_all(seed=0):
    """Forget every broker; the next one is built from ``seed``."""
    _brokers.clear()
    _seed[0] = seed
