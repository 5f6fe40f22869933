"""Hidden setup and checks for 03-rolling-deploy.

setup() creates "payments" (8 partitions) and installs the module ``fleet`` (in sys.modules,
so the learner's ``import fleet`` finds it), pysim.kafka.fleet.Fleet's methods: ``fleet.start(config)`` is a pod that starts a
Consumer and subscribes, ``fleet.keep_polling(consumers, seconds)`` lets every running pod
poll in turn (0.5 s each, as pysim's liveness tests do), and ``fleet.restart(consumers,
name, config)`` is one step of a rolling deployment: the old pod is stopped (close()), the
new one needs RESTART_S = 8 s to start (the others keep polling meanwhile), then it starts
with ``config``. Each restart is a "deploy.restart" trace event.

The checks measure every rollout again with pysim.kafka.availability over the window the
learner reported, so the learner's numbers must be the trace's numbers, and the chosen
setting must keep the partitions' total unowned time under THRESHOLD_MS.
"""

import sys
import types

from pysim import kafka
from pysim.kafka import availability
from pysim.kafka.fleet import Fleet

BOOT = "localhost:9092"
TOPIC = "payments"
PARTITIONS = 8
RESTART_S = 8
STEP_S = 0.5
THRESHOLD_MS = 60_000
SETTLE_HORIZON_MS = 30_000     # a rebalance the last restart caused is over well within this
MODES = ("eager", "cooperative", "static")
EAGER = ("range", "roundrobin")


def setup():
    cluster = kafka.cluster(BOOT)
    cluster.create_topic(TOPIC, num_partitions=PARTITIONS)
    fleet = Fleet(cluster, TOPIC, step_s=STEP_S, restart_s=RESTART_S)
    module = types.ModuleType("fleet", "Pods of the payments service (hidden setup of this exercise).")
    module.start, module.keep_polling, module.restart = fleet.start, fleet.keep_polling, fleet.restart
    module.RESTART_S = RESTART_S
    sys.modules["fleet"] = module


# -- reading the run ----------------------------------------------------------------------
def _results(run):
    results = run.get("results")
    assert isinstance(results, dict) and set(results) == set(MODES), (
        "Set results to a dict with the keys \"eager\", \"cooperative\" and \"static\", each the "
        "availability.summary(...) of that rollout; got " + (repr(sorted(results)) if isinstance(results, dict)
                                                           else type(results).__name__) + ".")
    for mode, summary in results.items():
        assert isinstance(summary, dict) and {"group", "window_ms", "total_unowned_ms"} <= set(summary), (
            f"results[{mode!r}] must be what availability.summary(cluster.trace, group, \"payments\", start_ms, "
            f"end_ms) returned for that rollout; got {type(summary).__name__}.")
    return results


def _restarts(run, group):
    return [e for e in run.cluster().trace if e.kind == "deploy.restart" and e.data["group"] == group]


def _events(run, kind, group):
    return [e for e in run.cluster().trace if e.kind == kind and e.data.get("group") == group]


def _measure(run, summary):
    start, end = summary["window_ms"]
    return availability.summary(run.cluster().trace, summary["group"], TOPIC, start_ms=start, end_ms=end)


def check_three_rollouts(run):
    """Three groups each went through a rolling restart of its 4 consumers: eager, cooperative-sticky, static."""
    results = _results(run)
    groups = [results[m]["group"] for m in MODES]
    assert len(set(groups)) == 3, (f"The three rollouts share a group ({groups}): give each its own group.id, "
                                   "so one rollout's rebalances do not mix with another's.")
    for mode in MODES:
        group = results[mode]["group"]
        restarts = _restarts(run, group)
        assert len({e.actor for e in restarts}) == 4, (
            f"{mode}: the group {group} had {len({e.actor for e in restarts})} pod(s) restarted with "
            "fleet.restart(); a rolling deployment restarts all 4, one after the other.")
        formed = _events(run, "group.rebalance", group)
        joins = _events(run, "group.join", group)
        protocols = {e.data["protocol"] for e in formed}
        static = any(e.data.get("instance_id") for e in joins)
        if mode == "eager":
            assert protocols and protocols <= set(EAGER) and not static, (
                f"eager: the group {group} used {sorted(protocols) or 'no'} assignor(s){' and static members' if static else ''}; "
                "the eager rollout keeps librdkafka's default (range,roundrobin) and no group.instance.id.")
        elif mode == "cooperative":
            assert protocols == {"cooperative-sticky"} and not static, (
                f"cooperative: the group {group} used {sorted(protocols)}; set \"partition.assignment.strategy\": "
                "\"cooperative-sticky\" (and no group.instance.id).")
        else:
            assert all(e.data.get("instance_id") for e in joins), (
                f"static: not every member of {group} joined with a group.instance.id; give each pod its own, "
                "stable one (its name), the same after the restart.")


def check_measured_from_the_trace(run):
    """Each rollout's numbers are availability.summary over a window that holds its 4 restarts."""
    results = _results(run)
    for mode in MODES:
        summary = results[mode]
        group = summary["group"]
        start, end = summary["window_ms"]
        restarts = _restarts(run, group)
        assert restarts, f"{mode}: no restart of group {group} was recorded (use fleet.restart)."
        assert start <= min(e.data["stopped_ms"] for e in restarts) and end >= max(e.time_ms for e in restarts), (
            f"{mode}: the window {start}..{end} ms does not hold all 4 restarts of {group} "
            f"({min(e.data['stopped_ms'] for e in restarts)}..{max(e.time_ms for e in restarts)} ms): take start_ms "
            "before the first restart and end_ms after the last one.")
        timeline = availability.ownership_timeline(run.cluster().trace, group, TOPIC, start_ms=start, end_ms=end)
        open_at_end = [p for p, segs in timeline.items() if segs and segs[-1][2] is None]
        assert not open_at_end, (f"{mode}: at the end of the window ({end} ms) partition(s) {open_at_end} still had "
                                 "no owner: let the group settle (fleet.keep_polling) after the last restart, "
                                 "then take end_ms.")
        last_restart = max(e.time_ms for e in restarts)
        later = [e for e in run.cluster().trace if e.kind in ("owner.grant", "owner.release") and e.time_ms > end
                 and e.data.get("group") == group and e.data.get("reason") != "close" and e.data.get("partitions")
                 and last_restart < e.time_ms <= end + SETTLE_HORIZON_MS]
        assert not later, (f"{mode}: the group {group} was still rebalancing after the window ended ({end} ms): "
                           f"partitions changed owner at {later[0].time_ms} ms. Let the group settle "
                           "(fleet.keep_polling) after the last restart, then take end_ms.")
        again = _measure(run, summary)
        for key in ("total_unowned_ms", "rebalances", "max_gap_ms"):
            if key in summary:
                assert summary[key] == again[key], (
                    f"{mode}: results say {key} = {summary[key]}, the trace says {again[key]} for group {group} "
                    f"over {start}..{end} ms. Report what availability.summary measured, not an estimate.")


def check_under_threshold(run):
    """The chosen setting kept the total unowned time of the rollout under 60 partition-seconds."""
    results = _results(run)
    chosen = run.get("CHOSEN")
    assert chosen in MODES, f"Set CHOSEN to one of {list(MODES)}: the setting you would deploy; got {chosen!r}."
    measured = {m: _measure(run, results[m]) for m in MODES}
    got = measured[chosen]
    total = got["total_unowned_ms"]
    if total < THRESHOLD_MS:
        return
    group = results[chosen]["group"]
    table = ", ".join(f"{m} {measured[m]['total_unowned_ms'] / 1000:g} s" for m in MODES)
    if chosen == "eager":
        why = (f"each of its {got['rebalances']} rebalances stopped all {PARTITIONS} partitions (every member "
               "revokes everything, then waits for the new assignment).")
    elif chosen == "static":
        evicted = [e for e in _events(run, "group.evict", group) if e.data.get("reason") == "session timeout"]
        if evicted:
            why = (f"{len(evicted)} static member(s) were evicted: a restart takes {RESTART_S} s, longer than their "
                   "session.timeout.ms, so every restart also cost two rebalances. Keep the session timeout well "
                   "above the restart time (the default 45 s is).")
        else:
            why = (f"there was no rebalance, but each restarted pod's partitions had no owner for the whole "
                   f"{RESTART_S} s restart and until its first poll (longest gap {got['max_gap_ms'] / 1000:g} s). "
                   "Static membership pays off when restarts are short, or when moving a partition is expensive "
                   "(local state, caches); here it is not the cheapest.")
    else:
        why = "look at its gaps: a cooperative rollout that settles between restarts stays far below."
    raise AssertionError(f"{chosen}: {total / 1000:g} partition-seconds without an owner during the rollout, "
                         f"over the {THRESHOLD_MS // 1000} s budget ({table}): {why}")
