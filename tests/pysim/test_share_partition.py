"""The share-partition state machine against facts from Kafka's own SharePartitionTest
(core/src/test/java/kafka/server/share/SharePartitionTest.java; test names in the
docstrings) and KIP-932, then properties over random schedules of fetches, acknowledgements,
members leaving and locks running out."""

import pytest
from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from pysim import kafka
from pysim.kafka import share_history
from pysim.kafka.share_partition import ACCEPT, RELEASE, REJECT, ACKNOWLEDGED, ARCHIVED, AVAILABLE, ACQUIRED

BOOT = "share:9092"
TOPIC = "t"


def _cluster(records=0, partitions=1, **config):
    kafka.reset_all(seed=0)
    c = kafka.cluster(BOOT)
    c.create_topic(TOPIC, num_partitions=partitions)
    p = kafka.Producer({"bootstrap.servers": BOOT})
    for i in range(records):
        p.produce(TOPIC, value=f"r{i}".encode(), partition=0)
    p.flush()
    c.share_groups.set_config("g", {"share.auto.offset.reset": "earliest", **config})
    return c


def _sp(c):
    return c.share_groups.share_partition("g", TOPIC, 0)


def _acquire(sp, member="m1", n=500):
    return [(r.offset, count) for r, count in sp.acquire(member, n)]


def test_accept_one_of_two_keeps_the_start_offset():
    """testAcknowledgeSingleRecordBatch: offsets 0 and 1 acquired, 1 accepted: 1 is
    ACKNOWLEDGED with delivery count 1, 0 still acquired, so the start offset stays 0."""
    c = _cluster(records=2)
    sp = _sp(c)
    assert _acquire(sp) == [(0, 1), (1, 1)]
    assert sp.acknowledge("m1", 1, ACCEPT) is None
    assert sp.in_flight() == {0: (ACQUIRED, 1, "m1"), 1: (ACKNOWLEDGED, 1, None)}
    assert sp.start_offset == 0 and sp.next_offset == 2


def test_release_makes_the_record_available_with_its_count():
    """testReleaseSingleRecordBatch: released records are AVAILABLE again, delivery count 1,
    the start offset unchanged."""
    c = _cluster(records=1)
    sp = _sp(c)
    _acquire(sp)
    assert sp.release_member("m1") == 1
    assert sp.in_flight() == {0: (AVAILABLE, 1, None)}
    assert sp.start_offset == 0
    assert _acquire(sp, "m2") == [(0, 2)]


def test_lock_timeout_then_archive_at_the_delivery_limit():
    """testAcquisitionLockTimeoutCauseMaxDeliveryCountExceed (limit 2): the first lock runs
    out and the records are AVAILABLE with count 1; acquired again (count 2), the second
    lock running out archives them, and the start offset moves past them."""
    c = _cluster(records=20, **{"share.delivery.count.limit": 2})
    sp = _sp(c)
    assert [n for _, n in _acquire(sp)] == [1] * 20
    c.advance(30_000)
    assert all(v == (AVAILABLE, 1, None) for v in sp.in_flight().values())
    assert [n for _, n in _acquire(sp)] == [2] * 20
    c.advance(29_999)
    assert all(v[0] == ACQUIRED for v in sp.in_flight().values())
    c.advance(1)
    assert sp.in_flight() == {}
    assert sp.start_offset == 20
    archived = [e for e in c.trace.events("share.archive")]
    assert [(e.data["offset"], e.data["delivery_count"], e.data["reason"]) for e in archived] == \
        [(o, 2, "delivery count limit") for o in range(20)]


def test_lock_timeout_archives_a_prefix_and_moves_the_start():
    """testAcquisitionLockTimeoutCauseSPSOMoveForward (limit 2): 0-9 time out once; 0-4 are
    acquired again and time out again: 0-4 ARCHIVED (count 2), 5-9 AVAILABLE (count 1), and
    the start offset is 5."""
    c = _cluster(records=10, **{"share.delivery.count.limit": 2})
    sp = _sp(c)
    _acquire(sp)
    c.advance(30_000)
    assert _acquire(sp, n=5) == [(o, 2) for o in range(5)]
    c.advance(30_000)
    assert sp.start_offset == 5
    assert sp.in_flight() == {o: (AVAILABLE, 1, None) for o in range(5, 10)}


def test_release_twice_at_limit_two_archives_everything():
    """testMaxDeliveryCountLimitExceededForRecordBatch (limit 2, records 5..14): two
    acquire-release rounds archive all ten; start offset 15, nothing left in flight."""
    c = _cluster(records=15, **{"share.delivery.count.limit": 2})
    c.delete_records(TOPIC, 0, 5)
    sp = _sp(c)
    for _ in range(2):
        got = _acquire(sp)
        assert [o for o, _ in got] == list(range(5, 15))
        for o, _ in got:
            assert sp.acknowledge("m1", o, RELEASE) is None
    assert sp.start_offset == 15 and sp.next_offset == 15 and sp.in_flight() == {}


def test_subset_released_twice_is_archived():
    """testMaxDeliveryCountLimitExceededForRecordsSubset (limit 2, records 10..19): accept
    10-12 and 17-19, release 13-16; the next fetch acquires only 13-16 (count 2); releasing
    them again archives them and nothing is left in flight (start offset 20)."""
    c = _cluster(records=20, **{"share.delivery.count.limit": 2})
    c.delete_records(TOPIC, 0, 10)
    sp = _sp(c)
    _acquire(sp)
    for o in range(10, 20):
        sp.acknowledge("m1", o, RELEASE if 13 <= o <= 16 else ACCEPT)
    assert _acquire(sp) == [(o, 2) for o in range(13, 17)]
    for o in range(13, 17):
        sp.acknowledge("m1", o, RELEASE)
    assert sp.start_offset == 20 and sp.in_flight() == {}


def test_reject_archives_at_once():
    c = _cluster(records=3)
    sp = _sp(c)
    _acquire(sp)
    assert sp.acknowledge("m1", 1, REJECT) is None
    assert sp.in_flight()[1] == (ARCHIVED, 1, None)
    assert _acquire(sp) == []                # 1 is never delivered again; 0 and 2 are still held
    assert [e.kind for e in c.trace.events("share.") if e.data.get("offset") == 1][-2:] == \
        ["share.reject", "share.archive"]


def test_only_the_holder_may_acknowledge():
    """KIP-932: an acknowledgement for a record the member does not hold (another member's,
    one whose lock ran out, one already acknowledged) fails with INVALID_RECORD_STATE."""
    c = _cluster(records=2)
    sp = _sp(c)
    _acquire(sp, "m1", 1)
    _acquire(sp, "m2", 1)
    assert sp.acknowledge("m2", 0, ACCEPT) == kafka.KafkaError.INVALID_RECORD_STATE
    assert sp.acknowledge("m1", 0, ACCEPT) is None
    assert sp.acknowledge("m1", 0, ACCEPT) == kafka.KafkaError.INVALID_RECORD_STATE
    c.advance(30_000)
    assert sp.acknowledge("m2", 1, ACCEPT) == kafka.KafkaError.INVALID_RECORD_STATE
    assert sp.in_flight()[1] == (AVAILABLE, 1, None)


@pytest.mark.parametrize("policy, first", [("latest", 3), ("earliest", 0)])
def test_share_auto_offset_reset(policy, first):
    """share.auto.offset.reset (group config, default latest) sets the start offset at the
    group's first fetch: with latest the three records already there are never delivered."""
    c = _cluster(records=3, **{"share.auto.offset.reset": policy})
    p = kafka.Producer({"bootstrap.servers": BOOT})
    sp = _sp(c)
    assert _acquire(sp) == ([(0, 1), (1, 1), (2, 1)] if first == 0 else [])
    p.produce(TOPIC, value=b"new", partition=0)
    p.flush()
    assert [o for o, _ in _acquire(sp)] == [3]
    assert c.trace.events("share.start")[0].data["reset"] == policy


def test_default_reset_is_latest():
    kafka.reset_all(seed=0)
    c = kafka.cluster(BOOT)
    assert c.share_groups.settings("fresh").auto_offset_reset == "latest"


def test_by_duration_reset():
    c = _cluster(records=0, **{"share.auto.offset.reset": "by_duration:PT10S"})
    p = kafka.Producer({"bootstrap.servers": BOOT})
    for i in range(4):
        p.produce(TOPIC, value=b"x", partition=0)
        p.flush()
        c.advance(5_000)
    # now = 20 s (records at about 0, 5, 10, 15 s): the last 10 s hold the records from 10 s on
    assert [o for o, _ in _acquire(_sp(c))] == [2, 3]


def test_in_flight_window_limits_new_acquisitions():
    """group.share.partition.max.record.locks: no new record is acquired while the window
    from the start offset holds that many; once the front is acknowledged it moves on."""
    c = _cluster(records=150, **{"share.partition.max.record.locks": 100})
    sp = _sp(c)
    assert len(_acquire(sp)) == 100
    assert _acquire(sp, "m2") == []
    for o in range(10):
        sp.acknowledge("m1", o, ACCEPT)
    assert [o for o, _ in _acquire(sp, "m2")] == list(range(100, 110))


def test_transaction_markers_are_archived_not_delivered():
    kafka.reset_all(seed=0)
    c = kafka.cluster(BOOT)
    c.create_topic(TOPIC)
    c.share_groups.set_config("g", {"share.auto.offset.reset": "earliest"})
    p = kafka.Producer({"bootstrap.servers": BOOT, "transactional.id": "tx"})
    p.init_transactions()
    p.begin_transaction()
    p.produce(TOPIC, value=b"a", partition=0)
    p.commit_transaction()
    got = _acquire(_sp(c))
    assert got == [(0, 1)]                        # offset 1 is the COMMIT marker
    assert _sp(c).in_flight()[1][0] == ARCHIVED


def test_bad_group_configs_are_refused():
    kafka.reset_all(seed=0)
    groups = kafka.cluster(BOOT).share_groups
    for bad in ({"share.delivery.count.limit": 1}, {"share.delivery.count.limit": 11},
                {"share.record.lock.duration.ms": 5000}, {"share.auto.offset.reset": "none"},
                {"share.isolation.level": "x"}, {"auto.offset.reset": "earliest"}):
        with pytest.raises(kafka.KafkaException) as e:
            groups.set_config("g", bad)
        assert e.value.args[0].code() == kafka.KafkaError.INVALID_CONFIG
    assert groups.config("g") == {}


# -- properties ------------------------------------------------------------------------------
MEMBERS = ("m0", "m1", "m2")


class SharePartitionMachine(RuleBasedStateMachine):
    """Random fetches, acknowledgements, leaves, produces and time; the trace is replayed
    to check what must hold whatever happens."""

    @initialize(limit=st.integers(2, 5), records=st.integers(0, 12))
    def start(self, limit, records):
        self.c = _cluster(records=records, partitions=1, **{"share.delivery.count.limit": limit})
        self.limit = limit
        self.sp = _sp(self.c)
        self.producer = kafka.Producer({"bootstrap.servers": BOOT})

    @rule(member=st.sampled_from(MEMBERS), n=st.integers(1, 6))
    def fetch(self, member, n):
        self.sp.acquire(member, n)

    @rule(member=st.sampled_from(MEMBERS), pick=st.integers(0, 50), kind=st.sampled_from([ACCEPT, RELEASE, REJECT]))
    def acknowledge(self, member, pick, kind):
        held = self.sp.acquired_by(member)
        if held:
            assert self.sp.acknowledge(member, held[pick % len(held)], kind) is None

    @rule(member=st.sampled_from(MEMBERS), offset=st.integers(0, 20))
    def stray_acknowledge(self, member, offset):
        entry = self.sp.state(offset)
        holds = entry is not None and entry.state == ACQUIRED and entry.member == member
        err = self.sp.acknowledge(member, offset, ACCEPT)
        assert (err is None) == holds

    @rule(member=st.sampled_from(MEMBERS))
    def leave(self, member):
        self.sp.release_member(member)

    @rule(ms=st.sampled_from([1_000, 10_000, 29_999, 30_000, 45_000]))
    def advance(self, ms):
        self.c.advance(ms)

    @rule(n=st.integers(1, 3))
    def produce(self, n):
        for _ in range(n):
            self.producer.produce(TOPIC, value=b"x", partition=0)
        self.producer.flush()

    @invariant()
    def replayed_trace_holds(self):
        if not hasattr(self, "c"):
            return
        histories = share_history.history(self.c.trace, "g")
        assert share_history.anomalies(histories, self.limit) == []
        sp = self.sp
        flight = sp.in_flight()
        end = self.c.watermarks(TOPIC, 0)[1]
        if sp.start_offset is not None and sp.start_offset < sp.next_offset:
            assert flight[sp.start_offset][0] in (AVAILABLE, ACQUIRED), \
                "the start offset must move past every finished record at its front"
        for o in range(end):
            h = histories.get((TOPIC, 0, o))
            held = h is not None and bool(h.deliveries) and h.deliveries[-1].ended_ms is None
            if sp.start_offset is not None and o < sp.start_offset:
                assert h is not None and h.outcome is not None, \
                    f"offset {o} is below the start offset but was never accepted, rejected or archived"
                assert o not in flight
            elif o in flight:
                state, count, member = flight[o]
                assert (state == ACQUIRED) == held
                assert (state in (ACKNOWLEDGED, ARCHIVED)) == (h.outcome is not None)
                assert count == len(h.deliveries) <= self.limit
                if held:
                    assert h.deliveries[-1].member == member
            # else: not fetched yet, still available to the group


SharePartitionMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
TestSharePartitionProperties = SharePartitionMachine.TestCase


def test_history_reads_a_records_life_from_the_trace():
    c = _cluster(records=2, **{"share.delivery.count.limit": 2})
    sp = _sp(c)
    _acquire(sp, "m1")
    sp.acknowledge("m1", 0, ACCEPT)
    c.advance(30_000)                             # offset 1's lock runs out
    _acquire(sp, "m2")
    sp.release_member("m2")                       # second delivery ends: archived at the limit
    h = share_history.history(c.trace, "g")
    assert h[(TOPIC, 0, 0)] == share_history.RecordHistory(
        (share_history.Delivery("m1", 0, 1, 0, "accept"),), "accepted")
    assert h[(TOPIC, 0, 1)] == share_history.RecordHistory(
        (share_history.Delivery("m1", 0, 1, 30_000, "lock_timeout"),
         share_history.Delivery("m2", 30_000, 2, 30_000, "member left")), "archived")
    assert share_history.anomalies(h, limit=2) == []
    assert [kind for kind, _, _ in share_history.anomalies(h, limit=1)] == ["over_limit"]
