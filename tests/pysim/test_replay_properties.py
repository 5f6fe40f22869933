"""Stateful property test across producer, log retention, consumer groups and replay:
whatever history of produces, time, retention passes, partial reads, commits and offset
resets happens, a group never commits past the log end, a consumer reads each partition in
offset order without gaps other than deleted records, and a replay from the earliest offset
returns exactly what the log still retains."""

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from pysim import kafka
from pysim.replay import reset_offsets

SERVERS = "replay-props:9092"
TOPIC = "events"
PARTITIONS = 3
DAY = 86_400_000


class ReplayMachine(RuleBasedStateMachine):
    @initialize(seed=st.integers(0, 2**16))
    def start(self, seed):
        kafka.reset_all(seed=seed)
        self.cluster = kafka.cluster(SERVERS)
        self.cluster.group_initial_rebalance_delay_ms = 0    # a dev broker: each (re)started group forms at once
        # Small segments and a short retention, so retention really happens in a short run.
        self.cluster.create_topic(TOPIC, PARTITIONS, config={
            "retention.ms": str(2 * DAY), "segment.bytes": "400", "segment.ms": str(DAY)})
        self.producer = kafka.Producer({"bootstrap.servers": SERVERS, "partitioner": "murmur2_random"})
        self.produced = {p: [] for p in range(PARTITIONS)}   # offsets per partition, as reported
        self.seen = {p: [] for p in range(PARTITIONS)}       # offsets the group "app" was handed
        self.consumer = None

    @rule(keys=st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), min_size=1, max_size=8))
    def produce(self, keys):
        for key in keys:
            self.producer.produce(TOPIC, key=key, value=f"{key}@{self.cluster.now_ms}",
                                  on_delivery=self._delivered)
        self.producer.flush()

    def _delivered(self, err, msg):
        assert err is None, err
        offsets = self.produced[msg.partition()]
        assert not offsets or msg.offset() == offsets[-1] + 1, "offsets must be contiguous per partition"
        offsets.append(msg.offset())

    @rule(hours=st.integers(1, 30))
    def advance(self, hours):
        self.cluster.advance(hours * 3_600_000)

    @rule(n=st.integers(1, 10), commit=st.booleans())
    def read_some(self, n, commit):
        if self.consumer is None:
            self.consumer = kafka.Consumer({"bootstrap.servers": SERVERS, "group.id": "app",
                                            "auto.offset.reset": "earliest", "enable.auto.commit": False})
            self.consumer.subscribe([TOPIC])
        for _ in range(n):
            msg = self.consumer.poll(0.01)
            if msg is not None and msg.error() is not None \
                    and msg.error().code() == kafka.KafkaError._MAX_POLL_EXCEEDED:
                # advance() left it without a poll for hours: it left the group, lost its
                # partitions and rejoins from the committed offsets (at least once: repeats).
                self.seen = {p: [] for p in range(PARTITIONS)}
            if msg is None or msg.error() is not None:
                continue
            p, off = msg.partition(), msg.offset()
            if self.seen[p]:
                assert off > self.seen[p][-1], f"partition {p} went backwards: {self.seen[p][-1]} then {off}"
            # Not "off >= log start": records already fetched stay in the consumer's queue
            # after retention deletes their segment, as in librdkafka.
            assert off in self.produced[p], f"partition {p}: offset {off} was never produced"
            self.seen[p].append(off)
        if commit:
            try:
                self.consumer.commit(asynchronous=False)
            except kafka.KafkaException as e:
                # librdkafka: nothing new since the last commit is _NO_OFFSET, not a no-op
                assert e.args[0].code() == kafka.KafkaError._NO_OFFSET, e

    @rule()
    def stop_and_replay_from_earliest(self):
        if self.consumer is not None:
            self.consumer.close()
            self.consumer = None
        reset_offsets(self.cluster, "app", [TOPIC], to_earliest=True, execute=True)
        replayer = kafka.Consumer({"bootstrap.servers": SERVERS, "group.id": "app",
                                   "enable.auto.commit": False})
        replayer.subscribe([TOPIC])
        got = {p: [] for p in range(PARTITIONS)}
        empty = 0
        while empty < 3:
            msg = replayer.poll(0.01)
            if msg is None:
                empty += 1
            elif msg.error() is None:
                got[msg.partition()].append((msg.offset(), msg.key(), msg.value()))
        replayer.close()
        for p in range(PARTITIONS):
            retained = [(r.offset, r.key, r.value) for r in self.cluster.records(TOPIC, p)]
            assert got[p] == retained, f"partition {p}: replay returned {got[p][:3]}..., retained {retained[:3]}..."
            self.seen[p] = []

    @invariant()
    def commits_never_pass_the_log_end(self):
        if not hasattr(self, "cluster"):
            return
        for p in range(PARTITIONS):
            low, high = self.cluster.watermarks(TOPIC, p)
            committed = self.cluster.committed("app", TOPIC, p)
            assert committed is None or committed <= high
            assert low <= high == (self.produced[p][-1] + 1 if self.produced[p] else 0)

    @invariant()
    def retained_records_keep_their_offsets_and_order(self):
        if not hasattr(self, "cluster"):
            return
        for p in range(PARTITIONS):
            offsets = [r.offset for r in self.cluster.records(TOPIC, p)]
            assert offsets == sorted(set(offsets))
            assert set(offsets) <= set(self.produced[p])


TestReplay = ReplayMachine.TestCase
TestReplay.settings = settings(max_examples=30, stateful_step_count=20, deadline=None,
                               suppress_health_check=[HealthCheck.too_slow])
