"""Property tests over random schedules of joins, closes, crashes, polls and time moving:
whatever happens, one partition has at most one owner at any instant (read from the trace),
a partition taken from its owner reaches the next owner only in a later generation (member
epoch, under the consumer protocol), and poll() never hands out a message of a partition the
consumer does not own. Run for the classic protocol's assignors and for KIP-848's
(group.protocol=consumer with the broker's uniform or range assignor)."""

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from pysim import kafka
from pysim.kafka import availability

BOOT = "props:9092"
TOPIC = "orders"
PARTITIONS = 6
SLOTS = 5


CLASSIC = ["range", "roundrobin", "cooperative-sticky"]
KIP848 = ["consumer:uniform", "consumer:range"]     # group.protocol=consumer, group.remote.assignor


class GroupMachine(RuleBasedStateMachine):
    STRATEGIES = CLASSIC

    @initialize(seed=st.integers(0, 2**16), pick=st.integers(0, 99), delay=st.sampled_from([0, 3000]),
                static=st.booleans())
    def start(self, seed, pick, delay, static):
        strategy = self.STRATEGIES[pick % len(self.STRATEGIES)]
        kafka.reset_all(seed=seed)
        self.c = kafka.cluster(BOOT)
        self.c.group_initial_rebalance_delay_ms = delay
        self.c.group_consumer_session_timeout_ms = 6000        # KIP-848: the session is the broker's
        self.c.group_consumer_heartbeat_interval_ms = 1000
        self.c.create_topic(TOPIC, num_partitions=PARTITIONS)
        self.producer = kafka.Producer({"bootstrap.servers": BOOT})
        self.strategy, self.static = strategy, static
        self.live = {}            # slot -> Consumer (one process per slot: never two per instance id)
        self.started = 0

    @precondition(lambda self: hasattr(self, "c") and len(self.live) < SLOTS)
    @rule(slot=st.integers(0, SLOTS - 1))
    def start_consumer(self, slot):
        if slot in self.live:
            return
        self.started += 1
        conf = {"bootstrap.servers": BOOT, "group.id": "g", "client.id": f"s{slot}", "auto.offset.reset": "earliest"}
        if self.strategy.startswith("consumer:"):
            conf.update({"group.protocol": "consumer", "group.remote.assignor": self.strategy.split(":")[1]})
        else:
            conf.update({"partition.assignment.strategy": self.strategy, "session.timeout.ms": 6000,
                         "heartbeat.interval.ms": 1000})
        if self.static:
            conf["group.instance.id"] = f"slot-{slot}"
        consumer = kafka.Consumer(conf)
        consumer.subscribe([TOPIC])
        self.live[slot] = consumer

    @precondition(lambda self: hasattr(self, "c") and self.live)
    @rule(pick=st.integers(0, SLOTS - 1), how=st.sampled_from(["close", "crash"]))
    def stop_consumer(self, pick, how):
        slot = sorted(self.live)[pick % len(self.live)]
        consumer = self.live.pop(slot)
        if how == "close":
            consumer.close()
        else:
            self.c.crash(consumer)

    @precondition(lambda self: hasattr(self, "c") and self.live)
    @rule(pick=st.integers(0, SLOTS - 1), timeout=st.sampled_from([0, 0.2, 1.0, 3.0]))
    def poll(self, pick, timeout):
        slot = sorted(self.live)[pick % len(self.live)]
        consumer = self.live[slot]
        msg = consumer.poll(timeout)
        if msg is not None and msg.error() is None:
            owned = {(tp.topic, tp.partition) for tp in consumer.assignment()}
            assert (msg.topic(), msg.partition()) in owned, "poll() handed out a partition it does not own"

    @precondition(lambda self: hasattr(self, "c") and self.live)
    @rule(seconds=st.sampled_from([2, 5, 10, 30]))
    def everyone_polls(self, seconds):
        """The live consumers poll in turn, half a second each, for ``seconds`` of virtual time."""
        until = self.c.now_ms + seconds * 1000
        while self.c.now_ms < until:
            for slot in sorted(self.live):
                self.poll(slot, 0.5)

    @precondition(lambda self: hasattr(self, "c"))
    @rule(n=st.integers(1, 6))
    def produce(self, n):
        for i in range(n):
            self.producer.produce(TOPIC, value=b"%d" % i, partition=i % PARTITIONS)
        self.producer.flush()

    @precondition(lambda self: hasattr(self, "c"))
    @rule(ms=st.sampled_from([100, 1000, 3000, 7000, 20_000]))
    def advance(self, ms):
        self.c.advance(ms)

    @invariant()
    def one_owner_per_partition(self):
        if hasattr(self, "c"):
            assert availability.double_owned(self.c.trace, "g", TOPIC) == []

    @invariant()
    def a_taken_partition_changes_owner_only_in_a_later_generation(self):
        if not hasattr(self, "c"):
            return
        last_revoke = {}          # partition -> (member, generation) of its last revoke
        for e in self.c.trace:
            if e.kind not in availability.OWNER_KINDS or e.data.get("group") != "g":
                continue
            for _, p in e.data["partitions"]:
                if e.kind == "owner.release":
                    if e.data["reason"] == "revoke":
                        last_revoke[p] = (e.actor, e.data["generation"])
                    else:
                        last_revoke.pop(p, None)
                elif p in last_revoke and last_revoke[p][0] != e.actor:
                    assert e.data["generation"] > last_revoke[p][1], \
                        f"partition {p} handed to {e.actor} in the generation it was revoked in"


class ConsumerProtocolMachine(GroupMachine):
    STRATEGIES = KIP848


TestGroupSchedules = GroupMachine.TestCase
TestGroupSchedules.settings = settings(max_examples=150, stateful_step_count=40, deadline=None, derandomize=True,
                                       suppress_health_check=[HealthCheck.too_slow])
TestConsumerProtocolSchedules = ConsumerProtocolMachine.TestCase
TestConsumerProtocolSchedules.settings = settings(max_examples=100, stateful_step_count=40, deadline=None,
                                                  derandomize=True, suppress_health_check=[HealthCheck.too_slow])
