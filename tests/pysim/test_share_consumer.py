"""ShareConsumer: the confluent-kafka API (errors and wording as the binding 2.15/2.16 and
librdkafka's mock cluster give them) and what it does to the share group, in virtual time."""

import pytest

from pysim import kafka
from pysim.kafka import AcknowledgeType, IllegalStateException, ShareConsumer

BOOT = "sharec:9092"
ACCEPT, RELEASE, REJECT = AcknowledgeType.ACCEPT, AcknowledgeType.RELEASE, AcknowledgeType.REJECT


@pytest.fixture
def c():
    kafka.reset_all(seed=0)
    cl = kafka.cluster(BOOT)
    cl.create_topic("jobs", num_partitions=2)
    cl.share_groups.set_config("g", {"share.auto.offset.reset": "earliest"})
    return cl


def _produce(n, topic="jobs"):
    p = kafka.Producer({"bootstrap.servers": BOOT})
    for i in range(n):
        p.produce(topic, value=f"job-{i}".encode(), partition=i % 2)
    p.flush()


def _sc(**conf):
    sc = ShareConsumer({"bootstrap.servers": BOOT, "group.id": "g", **conf})
    sc.subscribe(["jobs"])
    return sc


def _keys(batch):
    return [(m.partition(), m.offset(), m.delivery_count()) for m in batch]


# -- construction and arguments ----------------------------------------------------------------
def test_construction_errors():
    with pytest.raises(TypeError, match="expected configuration dict"):
        ShareConsumer()
    with pytest.raises(ValueError, match="group.id must be set"):
        ShareConsumer({"bootstrap.servers": BOOT})
    with pytest.raises(ValueError, match="on_commit is not supported on ShareConsumer"):
        ShareConsumer({"group.id": "g"}, on_commit=lambda *a: None)
    with pytest.raises(ValueError, match="`auto.offset.reset` is not applicable for share consumer"):
        ShareConsumer({"group.id": "g", "auto.offset.reset": "earliest"})
    with pytest.raises(ValueError, match="`session.timeout.ms` is not supported .* It is defined broker side"):
        ShareConsumer({"group.id": "g", "session.timeout.ms": 10000})
    with pytest.raises(kafka.KafkaException, match="No such configuration property"):
        ShareConsumer({"group.id": "g", "share.auto.offset.reset": "earliest"})
    with pytest.raises(kafka.KafkaException, match="outside allowed range 1..2147483647"):
        ShareConsumer({"group.id": "g", "max.poll.records": 0})
    sc = ShareConsumer(**{"group.id": "g", "bootstrap.servers": BOOT})
    with pytest.raises(RuntimeError, match="already initialized"):
        sc.__init__({"group.id": "g"})


def test_exception_types():
    assert issubclass(IllegalStateException, RuntimeError)
    assert not issubclass(IllegalStateException, kafka.KafkaException)
    assert issubclass(kafka.ConcurrentModificationException, RuntimeError)
    assert [int(t) for t in AcknowledgeType] == [1, 2, 3]


def test_subscription_rules(c):
    sc = ShareConsumer({"bootstrap.servers": BOOT, "group.id": "g"})
    assert sc.subscription() == []
    with pytest.raises(IllegalStateException, match="Consumer is not subscribed to any topics"):
        sc.poll(0.1)
    sc.subscribe(["c", "a", "b"])
    assert sc.subscription() == ["a", "b", "c"]
    sc.subscribe(["^literal"])
    assert sc.subscription() == ["^literal"]
    for bad in ([""], ["x", "x"]):
        with pytest.raises(ValueError, match="Failed to subscribe: Local: Invalid argument or configuration"):
            sc.subscribe(bad)
    with pytest.raises(TypeError, match="expected list"):
        sc.subscribe("jobs")
    assert sc.subscribe([]) is None and sc.subscription() == []
    assert sc.unsubscribe() is None


def test_poll_returns_an_empty_batch_when_nothing_comes(c):
    sc = _sc()
    batch = sc.poll(1.5)
    assert isinstance(batch, kafka.Messages) and batch.is_empty() and batch.count() == 0
    assert c.now_ms == 1500                       # waited its timeout in virtual time
    with pytest.raises(TypeError, match="must be real number, not NoneType"):
        sc.poll(timeout=None)
    with pytest.raises(TypeError):
        sc.commit_async(1.0)


def test_closed_consumer_raises_share_consumer_closed(c):
    with _sc() as sc:
        pass
    for call in (lambda: sc.subscribe(["jobs"]), sc.unsubscribe, sc.subscription, lambda: sc.poll(0),
                 lambda: sc.acknowledge(None), lambda: sc.acknowledge_offset("jobs", 0, 0),
                 sc.commit_sync, sc.commit_async, lambda: sc.set_sasl_credentials("u", "p")):
        with pytest.raises(IllegalStateException, match="Share consumer closed"):
            call()
    assert sc.close() is None                     # a second close is a no-op


# -- acknowledgement modes ------------------------------------------------------------------------
def test_implicit_mode_accepts_the_batch_at_the_next_poll(c):
    _produce(4)
    sc = _sc(**{"max.poll.records": 2})
    first = sc.poll(1)
    assert _keys(first) == [(0, 0, 1), (0, 1, 1)]
    assert not c.trace.events("share.accept")
    with pytest.raises(IllegalStateException, match="Failed to acknowledge message: Local: Erroneous state"):
        sc.acknowledge(first[0])
    second = sc.poll(1)
    assert [(e.data["partition"], e.data["offset"]) for e in c.trace.events("share.accept")] == [(0, 0), (0, 1)]
    assert _keys(second) == [(1, 0, 1), (1, 1, 1)]


def test_explicit_mode_needs_every_record_acknowledged(c):
    _produce(4)
    sc = _sc(**{"share.acknowledgement.mode": "explicit", "max.poll.records": 3})
    batch = sc.poll(1)
    assert len(batch) == 3
    with pytest.raises(IllegalStateException, match="^3 records from previous poll have not been acknowledged$"):
        sc.poll(0)
    sc.acknowledge(batch[0])
    sc.acknowledge(batch[1], RELEASE)
    sc.acknowledge(batch[1], REJECT)              # changed before it was sent: the last one counts
    with pytest.raises(IllegalStateException, match="^1 records from previous poll"):
        sc.poll(0)
    sc.acknowledge_offset(batch[2].topic(), batch[2].partition(), batch[2].offset(), RELEASE)
    results = sc.commit_sync()
    assert {(tp.topic, tp.partition): err for tp, err in results.items()} == {("jobs", 0): None, ("jobs", 1): None}
    with pytest.raises(IllegalStateException, match="Failed to acknowledge message"):
        sc.acknowledge(batch[0])                  # already sent
    with pytest.raises(ValueError, match="Failed to acknowledge offset: Local: Invalid argument"):
        sc.acknowledge_offset("jobs", 0, 0, 4)
    with pytest.raises(ValueError):
        sc.acknowledge_offset("jobs", -1, 0)
    with pytest.raises(TypeError):
        sc.acknowledge_offset("jobs", 1.5, 0)
    with pytest.raises(TypeError):
        sc.acknowledge("not a message")
    again = sc.poll(1)
    assert _keys(again) == [(1, 0, 2), (1, 1, 1)]   # the released one comes back, count 2


def test_release_until_the_limit_archives_a_poison_record(c):
    _produce(1)
    sc = _sc(**{"share.acknowledgement.mode": "explicit"})
    counts = []
    for _ in range(7):
        batch = sc.poll(1)
        for m in batch:
            counts.append(m.delivery_count())
            sc.acknowledge(m, RELEASE)
    assert counts == [1, 2, 3, 4, 5]              # group.share.delivery.count.limit = 5
    archive = c.trace.events("share.archive")
    assert [(e.data["delivery_count"], e.data["reason"]) for e in archive] == [(5, "delivery count limit")]


def test_late_acknowledgement_is_refused_and_the_record_went_to_another(c):
    p = kafka.Producer({"bootstrap.servers": BOOT})
    p.produce("jobs", value=b"job", partition=1)
    p.flush()
    slow = _sc(**{"share.acknowledgement.mode": "explicit"})
    msg = slow.poll(1)[0]                         # alone in the group: it reads both partitions
    fast = _sc()                                  # the second member is given partition 1
    c.advance(30_000)                             # group.share.record.lock.duration.ms
    assert _keys(fast.poll(0)) == [(1, 0, 2)]
    seen = []
    slow.set_acknowledgement_commit_callback(lambda offsets, exc: seen.append((offsets, exc)))
    slow.acknowledge(msg)
    slow.commit_async()
    ((offsets, exc),) = seen
    assert {(tp.topic, tp.partition): o for tp, o in offsets.items()} == {("jobs", 1): {0}}
    assert exc.args[0].code() == kafka.KafkaError.INVALID_RECORD_STATE


def test_share_auto_offset_reset_latest_skips_what_was_there(c):
    c.share_groups.set_config("late", {"share.auto.offset.reset": "latest"})
    _produce(2)
    sc = ShareConsumer({"bootstrap.servers": BOOT, "group.id": "late"})
    sc.subscribe(["jobs"])
    assert sc.poll(0.5).is_empty()
    _produce(2)
    assert len(sc.poll(1)) == 2


# -- the group -------------------------------------------------------------------------------------
def test_more_members_than_partitions_all_get_records(c):
    """Six members on two partitions: all get records at once, and from the next heartbeat on
    the SimpleAssignor (Kafka 4.1+) gives each member one partition, three members each."""
    _produce(12)
    workers = [_sc(**{"max.poll.records": 1}) for _ in range(6)]
    assert [len(w.poll(0)) for w in workers] == [1] * 6
    c.advance(5_000)                              # share.heartbeat.interval.ms
    groups = c.share_groups
    members = groups.members("g")
    assert len(members) == 6
    per_partition = {}
    for m in members:
        (tp,) = groups.assignment("g", m)
        per_partition.setdefault(tp, []).append(m)
    assert sorted((tp, len(ms)) for tp, ms in per_partition.items()) == [(("jobs", 0), 3), (("jobs", 1), 3)]
    assert [len(w.poll(0)) for w in workers] == [1] * 6
    assert not c.trace.events("group.")           # no consumer-group rebalance anywhere


def test_fewer_members_than_partitions_split_them():
    kafka.reset_all(seed=0)
    cl = kafka.cluster(BOOT)
    cl.create_topic("wide", num_partitions=5)
    a, b = (ShareConsumer({"bootstrap.servers": BOOT, "group.id": "g"}) for _ in range(2))
    a.subscribe(["wide"])
    b.subscribe(["wide"])
    cl.advance(5_000)
    got = [cl.share_groups.assignment("g", m) for m in cl.share_groups.members("g")]
    assert got == [[("wide", 0), ("wide", 2), ("wide", 4)], [("wide", 1), ("wide", 3)]]


def test_close_releases_what_is_held_and_crash_waits_for_the_lock(c):
    c.create_topic("one")
    p = kafka.Producer({"bootstrap.servers": BOOT})
    for i in range(2):
        p.produce("one", value=b"job-%d" % i)
    p.flush()

    def member(**conf):
        sc = ShareConsumer({"bootstrap.servers": BOOT, "group.id": "g", "max.poll.records": 1, **conf})
        sc.subscribe(["one"])
        return sc

    a, b = member(**{"share.acknowledgement.mode": "explicit"}), member()
    assert _keys(a.poll(0)) == [(0, 0, 1)]
    a.close()                                     # unacknowledged: released at once
    assert _keys(b.poll(0)) == [(0, 0, 2)]
    crashed = member()
    assert _keys(crashed.poll(0)) == [(0, 1, 1)]
    c.crash(crashed)
    with pytest.raises(IllegalStateException, match="crashed"):
        crashed.poll(0)
    assert b.poll(10).is_empty()                  # offset 1 is still locked for the dead member...
    assert _keys(b.poll(30)) == [(0, 1, 2)]       # ...until its lock runs out
    assert c.trace.events("share.lock_timeout")[0].time_ms == 30_000
    c.advance(60_000)
    assert [e.data["reason"] for e in c.trace.events("share.member.evict")] == ["session timeout"]


def test_a_consumer_group_id_is_not_a_share_group(c):
    consumer = kafka.Consumer({"bootstrap.servers": BOOT, "group.id": "orders"})
    consumer.subscribe(["jobs"])
    sc = ShareConsumer({"bootstrap.servers": BOOT, "group.id": "orders"})
    sc.subscribe(["jobs"])
    with pytest.raises(kafka.KafkaException, match="Group orders is not a share group"):
        sc.poll(0)


def test_same_seed_same_trace():
    digests = set()
    for _ in range(3):
        kafka.reset_all(seed=7)
        cl = kafka.cluster(BOOT)
        cl.create_topic("jobs", num_partitions=2)
        cl.share_groups.set_config("g", {"share.auto.offset.reset": "earliest"})
        _produce(10)
        ws = [_sc(**{"share.acknowledgement.mode": "explicit", "max.poll.records": 2}) for _ in range(3)]
        for step in range(6):
            for i, w in enumerate(ws):
                for m in w.poll(0.2):
                    w.acknowledge(m, RELEASE if (m.offset() + step + i) % 3 == 0 else ACCEPT)
        digests.add(cl.trace.digest())
    assert len(digests) == 1


def test_a_dropped_consumer_is_collected(c):
    """The heartbeat timer holds the consumer weakly, so a consumer the program drops is
    garbage collected, as confluent-kafka's test_gc_of_never_closed_consumer_is_clean expects."""
    import gc
    import weakref
    sc = _sc()
    ref = weakref.ref(sc)
    del sc
    gc.collect()
    assert ref() is None
    c.advance(60_000)                             # its heartbeats stopped: the session times out
    assert [e.data["reason"] for e in c.trace.events("share.member.evict")] == ["session timeout"]


def test_deserializing_share_consumer_construction(c):
    dsc = kafka.DeserializingShareConsumer({"bootstrap.servers": BOOT, "group.id": "g",
                                            "value.deserializer": lambda v, ctx: v.decode()})
    assert isinstance(dsc, ShareConsumer) and dsc._key_deserializer is None
    with pytest.raises(ValueError, match="group.id must be set"):
        kafka.DeserializingShareConsumer({"bootstrap.servers": BOOT})
    with pytest.raises(ValueError, match="on_commit is not supported"):
        kafka.DeserializingShareConsumer({"group.id": "g", "on_commit": print})
    dsc.subscribe(["jobs"])
    assert dsc.poll(0.1).is_empty()


def test_deserializing_share_consumer_deserializes_in_place(c):
    pytest.importorskip("pysim.kafka.serialization")        # confluent_kafka.serialization's mirror
    _produce(2)

    def value(data, ctx):
        if data == b"job-1":
            raise ValueError("bad job")
        return data.decode().upper()

    dsc = kafka.DeserializingShareConsumer({"bootstrap.servers": BOOT, "group.id": "g",
                                            "value.deserializer": value})
    dsc.subscribe(["jobs"])
    batch = dsc.poll(1)
    assert [(m.value(), m.error() and m.error().code()) for m in batch] == \
        [("JOB-0", None), (b"job-1", kafka.KafkaError._VALUE_DESERIALIZATION)]


def test_messages_is_a_read_only_sequence():
    records = [kafka.Message("t", 0), kafka.Message("t", 1)]
    batch = kafka.Messages(records)
    assert not isinstance(batch, list) and not hasattr(batch, "append")
    assert len(batch) == batch.count() == 2 and list(batch) == records and batch[0] is records[0]
    assert isinstance(batch[1:], kafka.Messages) and list(batch[1:]) == records[1:]
    out = batch.records()
    out.append(records[0])
    assert batch.count() == 2                     # records() hands out a copy
    assert kafka.Messages._from_list(records).records() == records
    assert repr(kafka.Messages()) == "Messages([])" and kafka.Messages().is_empty()


def test_max_poll_interval_counts_between_polls_not_inside_one(c):
    """An infinite poll on an idle topic waits max.poll.interval.ms (virtual) and keeps the
    member; a member that does not poll for longer leaves the group, and joins again at its
    next poll."""
    sc = _sc(**{"max.poll.interval.ms": 60_000})
    assert sc.poll().is_empty() and c.now_ms == 60_000
    assert not c.trace.events("share.member.leave")
    _produce(1)
    assert len(sc.poll(1)) == 1
    c.advance(70_000)
    (leave,) = c.trace.events("share.member.leave")
    assert leave.data["reason"] == "max.poll.interval.ms exceeded"
    assert c.trace.events("share.lock_timeout")[0].time_ms == 60_000 + 30_000   # the lock ran out first
    again = sc.poll(1)                            # the implicit accept of the old batch is refused
    assert _keys(again) == [(0, 0, 2)]
    assert len(c.trace.events("share.member.join")) == 2


# -- a property over whole clients -------------------------------------------------------------
from hypothesis import settings as _settings, strategies as st                      # noqa: E402
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule  # noqa: E402

from pysim.kafka import share_history                                               # noqa: E402

SLOTS = 4


class ShareClients(RuleBasedStateMachine):
    """Members join, poll, acknowledge at random, close, crash, wait; whatever happens no
    record is held by two members, none comes back after it was finished, none is delivered
    more than share.delivery.count.limit times."""

    @initialize(seed=st.integers(0, 2**16), limit=st.integers(2, 4), partitions=st.integers(1, 3),
                members=st.integers(1, SLOTS), records=st.integers(0, 8))
    def start(self, seed, limit, partitions, members, records):
        kafka.reset_all(seed=seed)
        self.c = kafka.cluster(BOOT)
        self.c.create_topic("jobs", num_partitions=partitions)
        self.c.share_groups.set_config("g", {"share.auto.offset.reset": "earliest",
                                             "share.delivery.count.limit": limit})
        self.limit, self.live = limit, {}
        self.producer = kafka.Producer({"bootstrap.servers": BOOT})
        self.produce(records)
        for slot in range(members):
            self.join(slot, slot % 2 == 0, 1 + slot)

    @rule(slot=st.integers(0, SLOTS - 1), explicit=st.booleans(), n=st.integers(1, 4))
    def join(self, slot, explicit, n):
        if slot not in self.live:
            conf = {"max.poll.records": n}
            if explicit:
                conf["share.acknowledgement.mode"] = "explicit"
            self.live[slot] = (_sc(**conf), explicit)

    @rule(slot=st.integers(0, SLOTS - 1), choices=st.lists(st.sampled_from([ACCEPT, RELEASE, REJECT]), max_size=4),
          timeout=st.sampled_from([0, 0.5, 5]))
    def poll(self, slot, choices, timeout):
        if slot in self.live:
            sc, explicit = self.live[slot]
            batch = sc.poll(timeout)
            if explicit:
                for i, m in enumerate(batch):
                    sc.acknowledge(m, choices[i % len(choices)] if choices else ACCEPT)

    @rule(slot=st.integers(0, SLOTS - 1), crash=st.booleans())
    def stop(self, slot, crash):
        if slot in self.live:
            sc, _ = self.live.pop(slot)
            self.c.crash(sc) if crash else sc.close()

    @rule(ms=st.sampled_from([1_000, 5_000, 30_000, 50_000]))
    def wait(self, ms):
        self.c.advance(ms)

    @rule(n=st.integers(1, 4))
    def produce(self, n):
        """Produce n records (also used by start())."""
        for _ in range(n):
            self.producer.produce("jobs", value=b"x")
        self.producer.flush()

    @invariant()
    def promises_hold(self):
        if hasattr(self, "c"):
            assert share_history.anomalies(share_history.history(self.c.trace, "g"), self.limit) == []


ShareClients.TestCase.settings = _settings(max_examples=60, stateful_step_count=25, deadline=None)
TestShareClientProperties = ShareClients.TestCase
