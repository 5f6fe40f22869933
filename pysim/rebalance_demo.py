"""``python -m pysim rebalance``: what a crash, a clean leave or a rolling restart costs a
consumer group, measured on a fresh seeded cluster with pysim.kafka.availability (the same
computation lesson 3's figure and its exercises use).

The group: ``consumers`` librdkafka consumers (client ids c1, c2, ...) on one topic of
``partitions`` partitions, each polling in turn (pysim.kafka.fleet). After ``settle_s`` of
virtual time the scenario happens, and the window measured runs from that instant to
``after_s`` later (for a rolling restart: to ``after_s`` after the last pod started).

``protocol`` "consumer" runs the group on KIP-848's protocol (group.protocol=consumer): no
partition.assignment.strategy (the broker assigns with ``assignor``, group.remote.assignor,
or its default uniform) and the session timeout is the broker's
group.consumer.session.timeout.ms, which ``session_timeout_ms`` then sets.

``protocol`` "upgrade" (rolling only) is the online upgrade of lesson 3: the group starts
classic (``strategy``) and each restarted pod comes back with group.protocol=consumer, so the
first one converts the group and the classic pods left take part through the classic protocol
until they are restarted too (pysim.kafka.group_migration). The result then also lists the
``conversions`` ([time_ms, from, to]) of the run.
"""

from pysim.kafka import availability
from pysim.kafka.cluster import cluster as _cluster, reset_all
from pysim.kafka.fleet import Fleet

SERVERS, TOPIC, GROUP = "rebalance-demo:9092", "payments", "payments-app"
SCENARIOS = ("crash", "leave", "rolling")
PROTOCOLS = ("classic", "consumer", "upgrade")


def rebalance_demo(scenario="crash", partitions=6, consumers=4, strategy=None, static=False,
                   session_timeout_ms=45000, restart_s=8.0, victim=None, settle_s=15.0, after_s=60.0, seed=0,
                   protocol="classic", assignor=None):
    """Run the scenario; returns a JSON-able dict: the summary of availability over the window
    (rebalances, unowned ms per partition, longest gap, paused ms per member, by client id)."""
    if scenario not in SCENARIOS:
        raise ValueError(f"scenario must be one of {', '.join(SCENARIOS)}, not {scenario!r}")
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}, not {protocol!r}")
    if protocol == "upgrade" and scenario != "rolling":
        raise ValueError("--protocol upgrade restarts every consumer with group.protocol=consumer: "
                         "it needs the rolling scenario")
    if protocol == "consumer" and strategy is not None:
        raise ValueError("--strategy is a classic setting: under --protocol consumer the broker assigns "
                         "(choose its assignor with --assignor)")
    if protocol == "classic" and assignor is not None:
        raise ValueError("--assignor needs --protocol consumer (classic uses --strategy)")
    if protocol != "consumer" and strategy is None:
        strategy = "range,roundrobin"
    names = [f"c{i + 1}" for i in range(consumers)]
    victim = victim or names[min(2, consumers - 1)]
    if victim not in names:
        raise ValueError(f"victim must be one of {', '.join(names)}, not {victim!r}")
    reset_all(seed)
    c = _cluster(SERVERS)
    c.create_topic(TOPIC, num_partitions=partitions)
    c.group_consumer_session_timeout_ms = session_timeout_ms
    fleet = Fleet(c, TOPIC, restart_s=restart_s)

    def config(name, protocol=protocol):
        conf = {"bootstrap.servers": SERVERS, "group.id": GROUP, "client.id": name}
        if protocol == "consumer":
            conf["group.protocol"] = "consumer"
            if assignor is not None:
                conf["group.remote.assignor"] = assignor
        else:
            conf.update({"partition.assignment.strategy": strategy, "session.timeout.ms": session_timeout_ms})
        if static:
            conf["group.instance.id"] = name
        return conf

    first = "classic" if protocol == "upgrade" else protocol
    then = "consumer" if protocol == "upgrade" else protocol
    pods = {name: fleet.start(config(name, first)) for name in names}
    fleet.keep_polling(pods, settle_s)
    start_ms = c.now_ms
    if scenario == "crash":
        fleet.crash(pods, victim)
    elif scenario == "leave":
        pods.pop(victim).close()
    else:
        for name in names:
            fleet.restart(pods, name, config(name, then))
            if name != names[-1]:
                fleet.keep_polling(pods, settle_s)
    fleet.keep_polling(pods, after_s)
    summary = availability.summary(c.trace, GROUP, TOPIC, start_ms=start_ms, end_ms=c.now_ms)
    label = _labels(c.trace)
    by_label = sorted(summary["paused_ms"].items(), key=lambda item: (label.get(item[0], item[0]), item[0]))
    summary["paused_ms"] = {label.get(m, m): ms for m, ms in by_label}
    summary.update(scenario=scenario, partitions=partitions, consumers=consumers, protocol=protocol,
                   strategy=strategy, assignor=assignor if protocol == "classic" else assignor or "uniform",
                   static=static, session_timeout_ms=session_timeout_ms, victim=None if scenario == "rolling" else victim,
                   seed=seed)
    if protocol == "upgrade":
        summary["conversions"] = [[e.time_ms, e.data["from"], e.data["to"]] for e in c.trace.events("group.convert")
                                  if e.data["group"] == GROUP]
    return summary


def _labels(trace):
    """member id -> client id: what a consumer-protocol join records, else the classic member
    ids' ``<client.id>-<uuid>`` form."""
    out = {}
    for e in trace:
        if e.kind == "group.join" and e.data.get("client_id"):
            out[e.actor] = e.data["client_id"]
        elif e.kind == "group.join" and len(e.actor) > 37:
            out[e.actor] = e.actor[:-37]
    return out


def text(d):
    """The result as a few lines and a table, for people."""
    leave = "leave heartbeat" if d.get("protocol") == "consumer" else "LeaveGroup"
    what = {"crash": f"{d['victim']} crashes (no {leave})", "leave": f"{d['victim']} closes ({leave})",
            "rolling": "every consumer restarts, one after another"}[d["scenario"]]
    if d.get("protocol") == "upgrade":
        what = "every consumer restarts with group.protocol consumer, one after another"
    start, end = d["window_ms"]
    if d.get("protocol") == "upgrade":
        setup = (f"classic (strategy {d['strategy']}, session.timeout.ms {d['session_timeout_ms']}) rolled over to "
                 f"group.protocol consumer (assignor {d['assignor']})" + (", static membership" if d["static"] else ""))
    elif d.get("protocol") == "consumer":
        setup = (f"group.protocol consumer, assignor {d['assignor']}" + (", static membership" if d["static"] else "")
                 + f", group.consumer.session.timeout.ms {d['session_timeout_ms']}")
    else:
        setup = (f"strategy {d['strategy']}" + (", static membership" if d["static"] else "")
                 + f", session.timeout.ms {d['session_timeout_ms']}")
    lines = [f"{d['consumers']} consumers, {d['partitions']} partitions, {setup}",
             f"at {start / 1000:g} s {what}; measured until {end / 1000:g} s",
             f"rebalances: {d['rebalances']}; partitions without an owner: {d['total_unowned_ms'] / 1000:g} s in all, "
             f"longest gap {d['max_gap_ms'] / 1000:g} s"]
    for time_ms, source, target in d.get("conversions", ()):
        lines.append(f"at {time_ms / 1000:g} s the group was converted from {source} to {target}")
    lines += ["", "partition  without an owner"]
    for p, ms in sorted(d["unowned_ms"].items()):
        gaps = ", ".join(f"{s / 1000:g}-{e / 1000:g} s" for s, e in d["gaps"][p]) or "-"
        lines.append(f"P{p:<9} {ms / 1000:>6g} s  ({gaps})")
    lines += ["", "member  paused"]
    lines += [f"{m:<7} {ms / 1000:g} s" for m, ms in d["paused_ms"].items()]
    return "\n".join(lines)
