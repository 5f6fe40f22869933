# Wrong: measures all three, then deploys static membership because "no rebalance" sounds
# cheapest. There is no rebalance indeed, but a static member's partitions wait, unowned,
# for the whole 8 s its pod needs to come back; cooperative-sticky hands them to the other
# pods within a heartbeat. The measurement says which is cheaper here: use it.
# Fails: under_threshold
# Already there (hidden setup): the topic "payments" (8 partitions), and the module `fleet`,
# the pods of the payments service:
#   fleet.start(config)                    a new pod: kafka.Consumer(config), subscribed to "payments"
#   fleet.keep_polling(consumers, seconds) every running pod polls, in turn, for `seconds`
#   fleet.restart(consumers, name, config) stop pod `name` (close()), wait the fleet.RESTART_S
#                                          (8 s) a new pod needs to start, start it with `config`
from pysim import kafka
from pysim.kafka import availability
import fleet

NAMES = ["pod-0", "pod-1", "pod-2", "pod-3"]
cluster = kafka.cluster("localhost:9092")


def config_for(name, mode):
    conf = {"bootstrap.servers": "localhost:9092",
            "group.id": f"payments-{mode}",          # one group per rollout
            "client.id": name}
    if mode == "cooperative":
        conf["partition.assignment.strategy"] = "cooperative-sticky"
    if mode == "static":
        conf["group.instance.id"] = name             # the same id after the restart
    return conf


def rolling_deploy(mode):
    consumers = {name: fleet.start(config_for(name, mode)) for name in NAMES}
    fleet.keep_polling(consumers, 15)                # the group forms
    start_ms = cluster.now_ms
    for name in NAMES:
        fleet.restart(consumers, name, config_for(name, mode))
        fleet.keep_polling(consumers, 20)            # settle before the next pod
    summary = availability.summary(cluster.trace, f"payments-{mode}", "payments",
                                   start_ms=start_ms, end_ms=cluster.now_ms)
    for consumer in consumers.values():
        consumer.close()
    return summary


results = {mode: rolling_deploy(mode) for mode in ("eager", "cooperative", "static")}
for mode, s in results.items():
    print(f"{mode:12} {s['rebalances']:2} rebalances, {s['total_unowned_ms'] / 1000:6.1f} s unowned "
          f"(longest gap {s['max_gap_ms'] / 1000:.1f} s), members paused {sum(s['paused_ms'].values()) / 1000:.1f} s")

CHOSEN = "static"                                 # 0 rebalances must be best
print("deploy with:", CHOSEN)
