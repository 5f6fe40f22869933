"""The trace in the compact, JSON-able form the page's trace player draws.

The player (docs/javascripts/trace-state.js) never sees Python objects: the worker sends
this form with the run's result and the page reduces it to a picture. So it must be small
(the last ``limit`` events only, every string cut short, no nested objects but the few the
picture needs) and complete enough on its own: a produce event carries the record's key and
value and whether its transaction aborted, which the trace itself does not hold (the log
does), and the header lists every topic with its partition count, every queue and every
exchange with its type, so lanes exist even when the events that created them fell outside
the window.

    view = compact(cluster.trace, clusters=[cluster], limit=10_000)
    view = harness_view()              # every cluster and broker the last run used

A pure function of the simulator's state: same run, same view.
"""

from __future__ import annotations

VERSION = 1
DEFAULT_LIMIT = 10_000
TEXT_LIMIT = 80          # characters kept of a key, value or other string field (a member id is 44)
LIST_LIMIT = 64          # items kept of a list field (members, partitions)

# Short names for the fields every event has: the form is sent over postMessage and parsed
# by the page, 10,000 events at a time.
_RENAMED = {"topic": "topic", "partition": "p", "offset": "o"}


def _text(value, limit: int = TEXT_LIMIT):
    """Bytes as UTF-8 text (hex when not text), cut to ``limit`` characters with an ellipsis."""
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        raw = bytes(value)
        try:
            value = raw.decode("utf-8")
        except UnicodeDecodeError:
            value = "0x" + raw.hex()
    elif not isinstance(value, str):
        value = str(value)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _small(value, depth: int = 0):
    """A JSON-able, bounded copy of a trace field; None for what the picture cannot use."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (str, bytes, bytearray)):
        return _text(value)
    if isinstance(value, (list, tuple)) and depth < 3:
        return [_small(v, depth + 1) for v in list(value)[:LIST_LIMIT]]
    if isinstance(value, (set, frozenset)) and depth < 3:
        return [_small(v, depth + 1) for v in sorted(value, key=repr)[:LIST_LIMIT]]
    if isinstance(value, dict) and depth < 1:
        return {_text(k): _small(v, depth + 1) for k, v in list(value.items())[:LIST_LIMIT]}
    return None


class _Logs:
    """Record lookup by (topic, partition, offset) over the clusters, built lazily once per
    partition (the trace names offsets; keys and values live in the log)."""

    def __init__(self, clusters):
        self._clusters = list(clusters)
        self._index: dict = {}

    def find(self, topic, partition, offset):
        key = (topic, partition)
        if key not in self._index:
            self._index[key] = self._build(topic, partition)
        records, aborted = self._index[key]
        return records.get(offset), offset in aborted

    def _build(self, topic, partition):
        for cluster in self._clusters:
            if topic in cluster.topics() and 0 <= partition < cluster.num_partitions(topic):
                log = cluster.log(topic, partition)
                return {r.offset: r for r in log.records()}, set(log.aborted)
        return {}, set()


def _event(event, logs: _Logs) -> dict:
    out = {"s": event.seq, "t": event.time_ms, "k": event.kind, "a": _text(event.actor)}
    for name, value in event.data.items():
        small = _small(value)
        if small is not None:
            out[_RENAMED.get(name, name)] = small
    if event.kind == "produce":
        record, aborted = logs.find(event.data.get("topic"), event.data.get("partition"), event.data.get("offset"))
        if record is None:
            out["gone"] = True          # deleted since (retention, compaction, delete_records)
        else:
            out["key"] = _text(record.key)
            out["v"] = _text(record.value)
        if aborted:
            out["aborted"] = True
    return out


def compact(trace, *, clusters=(), brokers=(), limit: int = DEFAULT_LIMIT) -> dict:
    """The last ``limit`` events of ``trace`` as small dicts, with the topics (name →
    partition count), consumer groups and queues the picture draws lanes for.

    ``clusters`` are the Kafka clusters whose logs hold the records (for keys and values);
    ``brokers`` the RabbitMQ brokers whose queues are listed. ``dropped`` says how many
    earlier events were left out: the picture then starts from an unknown state and says so.
    """
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise ValueError(f"limit must be a positive int, got {limit!r}")
    events = list(trace)
    kept = events[-limit:]
    logs = _Logs(clusters)
    topics: dict = {}
    for cluster in clusters:
        for name in cluster.topics():
            topics.setdefault(name, cluster.num_partitions(name))
    for event in events:                 # deleted topics still get a lane while they lived
        if event.kind in ("topic.create", "topic.partitions"):
            name, count = event.data.get("topic"), event.data.get("partitions")
            if isinstance(name, str) and isinstance(count, int):
                topics[name] = max(count, topics.get(name, 0))
    groups = sorted({e.data["group"] for e in events
                     if isinstance(e.data.get("group"), str) and e.data["group"]})
    queues: list = []
    for broker in brokers:
        for vhost in broker.vhosts.values():
            queues.extend(q for q in vhost.queues if q not in queues)
    for event in events:
        if event.kind == "amqp.queue.declare" and event.actor not in queues:
            queues.append(event.actor)
    return {"version": VERSION, "total": len(events), "dropped": len(events) - len(kept),
            "topics": {name: topics[name] for name in sorted(topics)}, "groups": groups,
            "queues": [_text(q, 80) for q in queues], "exchanges": _exchanges(events, brokers),
            "events": [_event(e, logs) for e in kept]}


def _exchanges(events, brokers) -> dict:
    """Exchange name -> type, for the exchanges the run declared or used (the default
    exchange is ""; the broker's own amq.* ones only when an event names them), so an
    exchange keeps its type even when its declare fell outside the window."""
    types: dict = {}
    used: set = set()
    for event in events:
        if event.kind == "amqp.exchange.declare":
            types[event.actor] = event.data.get("type")
        elif event.kind in ("amqp.publish", "amqp.bind", "amqp.exchange.bind"):
            used.add(event.actor)
        if event.kind == "amqp.dead_letter":
            used.add(event.data.get("exchange"))
    for broker in brokers:
        for vhost in broker.vhosts.values():
            for name, exchange in vhost.exchanges.items():
                if name in used or (name and not name.startswith("amq.")):
                    types.setdefault(name, exchange.type)
    return {_text(name): _text(types[name]) for name in sorted(types)}


def harness_view(limit: int = DEFAULT_LIMIT) -> dict | None:
    """The compact trace of everything the last run touched: each simulation's trace once
    (a RabbitMQ broker may share a cluster's kernel), merged in time order. None when the
    run used no simulator."""
    import importlib
    # (pysim.kafka.cluster the name is the function; the module holds the registry)
    kafka_cluster = importlib.import_module("pysim.kafka.cluster")
    amqp_broker = importlib.import_module("pysim.amqp.broker")
    clusters = list(kafka_cluster._clusters.values())
    brokers = list(amqp_broker._brokers.values())
    sims = []
    for owner in clusters + brokers:
        if all(owner.sim is not s for s in sims):
            sims.append(owner.sim)
    if not sims:
        return None
    if len(sims) == 1:
        trace = sims[0].trace
    else:
        trace = _merged([s.trace for s in sims])
    return compact(trace, clusters=clusters, brokers=brokers, limit=limit)


def _merged(traces):
    """Several traces as one sequence in (time, trace, seq) order, renumbered from 0."""
    from pysim.kernel.trace import Event
    ordered = sorted(((e.time_ms, i, e.seq, e) for i, t in enumerate(traces) for e in t),
                     key=lambda item: item[:3])
    return [Event(n, e.time_ms, e.kind, e.actor, e.data) for n, (_, _, _, e) in enumerate(ordered)]
