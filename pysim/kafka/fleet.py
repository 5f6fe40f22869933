"""A fleet of consumer processes in virtual time: how lesson 3's figure, ``python -m pysim
rebalance`` and the rolling-deploy exercise drive a group, so all three measure the same thing.

A real deployment runs one process per consumer, each polling in a loop. The simulation is
one thread, so the fleet lets every running consumer poll in turn for ``step_s`` seconds of
virtual time; meanwhile the background work of every client (heartbeats, auto commit) runs on
the cluster's scheduler, as librdkafka's threads would. A restart is what a rolling
deployment does to one pod: stop it with ``close()`` (a clean LeaveGroup, or none for a
static member; under group.protocol=consumer a leave heartbeat, with which a static member's
partitions stay reserved for it), keep the others polling for the ``restart_s`` its replacement needs to boot,
then start the replacement. A crash is ``cluster.crash()``: no LeaveGroup, no last commit.
Restarts and crashes are trace events (``deploy.restart``), so a checker can find them.
"""

from pysim.kafka.consumer import Consumer


class Fleet:
    def __init__(self, cluster, topics, step_s=0.5, restart_s=8.0):
        if isinstance(topics, str):
            topics = [topics]
        self.cluster, self.topics = cluster, list(topics)
        self.step_s, self.restart_s = step_s, restart_s

    def start(self, config):
        """A new pod: ``Consumer(config)``, subscribed to the fleet's topics."""
        if not isinstance(config, dict):
            raise TypeError("fleet.start(config) takes a consumer config dict")
        consumer = Consumer(config)
        consumer.subscribe(list(self.topics))
        return consumer

    def keep_polling(self, consumers, seconds):
        """Every running pod polls in turn, ``step_s`` each, for ``seconds`` of virtual time
        (time still passes when no pod is running)."""
        if not isinstance(consumers, dict):
            raise TypeError("fleet.keep_polling(consumers, seconds): consumers is a dict {name: Consumer}")
        c = self.cluster
        until = c.now_ms + int(seconds * 1000)
        while c.now_ms < until:
            for consumer in list(consumers.values()):
                consumer.poll(self.step_s)
            if not consumers:
                c.advance(until - c.now_ms)

    def restart(self, consumers, name, config):
        """One step of a rolling deployment: stop pod ``name`` (close()), keep the others
        polling for the ``restart_s`` a new pod needs to start, then start the new one with
        ``config``. Updates ``consumers`` in place and returns the new consumer."""
        if name not in consumers:
            raise KeyError(f"fleet.restart: no running pod {name!r} (running: {sorted(consumers)})")
        group = config.get("group.id") if isinstance(config, dict) else None
        consumers.pop(name).close()
        stopped = self.cluster.now_ms
        self.keep_polling(consumers, self.restart_s)
        consumers[name] = self.start(config)
        self.cluster.trace.record("deploy.restart", name, group=group, stopped_ms=stopped,
                                  started_ms=self.cluster.now_ms)
        return consumers[name]

    def crash(self, consumers, name):
        """Pod ``name``'s process dies now (cluster.crash): it is removed from ``consumers``."""
        if name not in consumers:
            raise KeyError(f"fleet.crash: no running pod {name!r} (running: {sorted(consumers)})")
        self.cluster.crash(consumers.pop(name))
