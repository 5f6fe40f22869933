"""Faults on the produce path, injected on purpose: what makes "at least once" show its
duplicates and reordering, and what the idempotent producer exists to absorb.

``cluster.faults`` (one per cluster) decides, for each produce request a producer sends,
whether something goes wrong with it:

- ``lose_next_responses(topic, partition, n=1)``: the broker appends the record, but the
  response never reaches the producer. librdkafka waits ``request.timeout.ms`` (30 s),
  then retries after ``retry.backoff.ms``. Without idempotence the retry is a second copy.
- ``time_out_next_requests(topic, partition, n=1)``: the request never reaches the
  broker (nothing appended); the producer times out and retries the same way.
- ``change_leader(topic, partition, n=1)``: the next ``n`` requests reach a broker that is
  no longer the leader and are refused with NOT_LEADER_FOR_PARTITION (retriable: the
  producer refreshes its metadata and retries after ``retry.backoff.ms``).
- ``set(loss_rate=0.0, timeout_rate=0.0, leader_change_rate=0.0)``: each request draws
  from the seeded stream ``faults.produce`` instead; scripted faults come first.
- ``clear()``: no more faults (requests already in flight keep their fate).
- ``stop_brokers(duration_ms=None)`` / ``start_brokers()``: every broker is down (for
  ``duration_ms`` of virtual time, or until started again). Each client hears of it as
  librdkafka reports it, through its error_cb (or its log): _TRANSPORT for the broker's
  connection, then _ALL_BROKERS_DOWN. Meanwhile produce requests never arrive (retried as
  after ``time_out_next_requests``; a record still undelivered after message.timeout.ms
  fails with _MSG_TIMED_OUT), consumers fetch nothing, and admin requests time out with
  _TIMED_OUT after their request timeout unless the brokers are back by then.
  ``clear()`` leaves the brokers as they are.

A lost response and a request that never arrives both leave the partition's connection
silent: what the producer sends after it does not arrive either, until the timeout
closes the connection and everything in flight on it is retried (see sender.py).

A partition given as ``None`` matches every partition of the topic. While no fault is
armed, producers take their instant path (produce() appends before it returns); once one
is armed, every producer of the cluster sends requests that are in flight until their
response arrives (at the next movement of virtual time, e.g. inside ``poll()`` or
``flush()``), so ``max.in.flight.requests.per.connection`` and retries matter. Each fault
is recorded in the trace as ``fault.<kind>``.
"""

import weakref

LOSE_RESPONSE, TIME_OUT, NOT_LEADER = "lose_response", "time_out", "not_leader"
_RATES = ("loss_rate", "timeout_rate", "leader_change_rate")


class Faults:
    """The produce faults of one cluster (``cluster.faults``)."""

    def __init__(self, sim):
        self._sim = sim
        self._rng = None                 # "faults.produce", drawn only once a rate is set
        self._scripted = []              # [kind, topic, partition or None, remaining]
        self._rates = (0.0, 0.0, 0.0)
        self.armed = False               # producers read this on every produce()
        self.brokers_down = False
        self._restart = None             # the timer that ends a stop_brokers(duration_ms)
        self._listeners = []             # client events told of outages (client_events.py)

    # -- arming -------------------------------------------------------------------------
    def lose_next_responses(self, topic, partition=None, n=1):
        """The next ``n`` requests to ``topic`` [``partition``] are appended, their
        responses lost."""
        self._script(LOSE_RESPONSE, topic, partition, n)

    def time_out_next_requests(self, topic, partition=None, n=1):
        """The next ``n`` requests to ``topic`` [``partition``] never reach the broker."""
        self._script(TIME_OUT, topic, partition, n)

    def change_leader(self, topic, partition=None, n=1):
        """The next ``n`` requests to ``topic`` [``partition``] are refused with
        NOT_LEADER_FOR_PARTITION."""
        self._script(NOT_LEADER, topic, partition, n)

    def set(self, loss_rate=0.0, timeout_rate=0.0, leader_change_rate=0.0):
        """Random faults: each request is lost after append, lost before it, or refused
        by a former leader with these probabilities (their sum at most 1)."""
        rates = (loss_rate, timeout_rate, leader_change_rate)
        for name, rate in zip(_RATES, rates):
            if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be a number between 0 and 1, got {rate!r}")
        if sum(rates) > 1.0:
            raise ValueError(f"the fault rates add up to {sum(rates)}, more than 1")
        self._rates = tuple(float(r) for r in rates)
        if any(rates) and self._rng is None:
            self._rng = self._sim.rng.stream("faults.produce")
        self._rearm()

    def clear(self):
        """No more faults."""
        self._scripted, self._rates = [], (0.0, 0.0, 0.0)
        self._rearm()

    def stop_brokers(self, duration_ms=None):
        """Take every broker down now, for ``duration_ms`` of virtual time (None: until
        start_brokers())."""
        if duration_ms is not None and (isinstance(duration_ms, bool) or not isinstance(duration_ms, int)
                                        or duration_ms < 1):
            raise ValueError(f"duration_ms must be a positive int or None, got {duration_ms!r}")
        if self._restart is not None:
            self._restart.cancel()
            self._restart = None
        if not self.brokers_down:
            self.brokers_down = True
            self._sim.trace.record("fault.brokers_down", "cluster")
            self._rearm()
            for ref in list(self._listeners):
                listener = ref()
                if listener is not None:
                    listener.brokers_went_down()
        if duration_ms is not None:
            self._restart = self._sim.scheduler.call_later(duration_ms, self.start_brokers)

    def start_brokers(self):
        """Bring the brokers back: requests reach them again."""
        if self._restart is not None:
            self._restart.cancel()
            self._restart = None
        if self.brokers_down:
            self.brokers_down = False
            self._sim.trace.record("fault.brokers_up", "cluster")
            self._rearm()

    def listen(self, listener):
        """``listener.brokers_went_down()`` is called at each outage (until unlisten). The
        listener is held weakly: a client the program drops is garbage collected."""
        self._listeners = [ref for ref in self._listeners if ref() is not None]
        self._listeners.append(weakref.ref(listener))

    def unlisten(self, listener):
        self._listeners = [ref for ref in self._listeners if ref() is not None and ref() is not listener]

    def _script(self, kind, topic, partition, n):
        if not isinstance(topic, str):
            raise TypeError(f"topic must be a str, got {type(topic).__name__}")
        if partition is not None and (isinstance(partition, bool) or not isinstance(partition, int)):
            raise TypeError(f"partition must be an int or None, got {partition!r}")
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive int, got {n!r}")
        self._scripted.append([kind, topic, partition, n])
        self._rearm()

    def _rearm(self):
        self.armed = bool(self._scripted) or any(self._rates) or self.brokers_down

    # -- deciding -------------------------------------------------------------------------
    def decide(self, topic, partition, actor, **detail):
        """The fault that hits this request (one of the kinds above) or None; traced with
        ``detail`` (the sender gives the record's msgid)."""
        kind = None
        if self.brokers_down:
            kind = TIME_OUT
            self._sim.trace.record(f"fault.{kind}", actor, topic=topic, partition=partition, **detail)
            return kind
        for entry in self._scripted:
            if entry[1] == topic and (entry[2] is None or entry[2] == partition):
                kind = entry[0]
                entry[3] -= 1
                if not entry[3]:
                    self._scripted.remove(entry)
                    self._rearm()
                break
        else:
            loss, timeout, leader = self._rates
            if loss or timeout or leader:
                draw = self._rng.random()
                if draw < loss:
                    kind = LOSE_RESPONSE
                elif draw < loss + timeout:
                    kind = TIME_OUT
                elif draw < loss + timeout + leader:
                    kind = NOT_LEADER
        if kind is not None:
            self._sim.trace.record(f"fault.{kind}", actor, topic=topic, partition=partition, **detail)
        return kind


def broker_reachable(cluster, timeout_ms):
    """True when a request to ``cluster`` is answered within ``timeout_ms``: at once while
    its brokers are up, otherwise once they come back. Moves virtual time while it waits
    (by the whole timeout when they stay down)."""
    faults = faults_of(cluster)
    deadline = cluster.now_ms + timeout_ms
    while faults.brokers_down:
        due = cluster.sim.scheduler.next_due_ms()
        if due is None or due > deadline:
            cluster.advance(deadline - cluster.now_ms)
            return not faults.brokers_down
        cluster.advance(due - cluster.now_ms)
    return True


def faults_of(cluster):
    """The cluster's Faults (made on first use, kept with the cluster)."""
    found = getattr(cluster, "_faults", None)
    if found is None:
        found = Faults(cluster.sim)
        cluster._faults = found
    return found
