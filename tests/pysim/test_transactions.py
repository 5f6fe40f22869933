"""Transactions: markers and their offsets, the last stable offset, isolation.level, the
call-order errors of librdkafka's state machine, fencing of a zombie, the coordinator's
timeout, offsets committed with a transaction and KIP-447's generation check."""

import pytest

from pysim import kafka
from pysim.kafka import KafkaError, KafkaException, TopicPartition
from pysim.kafka.log import ControlRecord

BOOT = "txn:9092"


@pytest.fixture
def cluster():
    kafka.reset_all(seed=0)
    c = kafka.cluster(BOOT)
    c.create_topic("t", 1)
    c.create_topic("u", 2)
    return c


def producer(tid="tx", **conf):
    return kafka.Producer({"bootstrap.servers": BOOT, "transactional.id": tid, **conf})


def ready(tid="tx", **conf):
    p = producer(tid, **conf)
    p.init_transactions()
    return p


def read_all(isolation, topic="t", partition=0, group=None, **conf):
    c = kafka.Consumer({"bootstrap.servers": BOOT, "group.id": group or f"reader-{isolation}",
                        "isolation.level": isolation, **conf})
    c.assign([TopicPartition(topic, partition, 0)])
    out = []
    while (m := c.poll(0.1)) is not None:
        out.append((m.offset(), m.value()) if m.error() is None else m.error().code())
    c.close()
    return out


def error_of(call):
    with pytest.raises(KafkaException) as info:
        call()
    return info.value.args[0]


def the_three_transactions(p):
    p.begin_transaction()
    for v in (b"c0", b"c1", b"c2"):
        p.produce("t", v)
    p.commit_transaction()
    p.begin_transaction()
    for v in (b"a0", b"a1"):
        p.produce("t", v)
    p.abort_transaction()
    p.begin_transaction()
    p.produce("t", b"n")
    p.commit_transaction()


def test_every_marker_takes_one_offset(cluster):
    p = ready()
    the_three_transactions(p)
    stored = cluster.records("t", 0)
    assert [(r.offset, r.value) for r in stored if not isinstance(r, ControlRecord)] == [
        (0, b"c0"), (1, b"c1"), (2, b"c2"), (4, b"a0"), (5, b"a1"), (7, b"n")]
    assert [(r.offset, r.commit) for r in stored if isinstance(r, ControlRecord)] == [(3, True), (6, False), (8, True)]
    assert cluster.watermarks("t", 0) == (0, 9)      # the high watermark counts markers
    assert cluster.log("t", 0).last_stable_offset == 9


def test_read_committed_skips_aborted_records_and_nobody_sees_markers(cluster):
    the_three_transactions(ready())
    assert read_all("read_committed") == [(0, b"c0"), (1, b"c1"), (2, b"c2"), (7, b"n")]
    assert read_all("read_uncommitted") == [(0, b"c0"), (1, b"c1"), (2, b"c2"), (4, b"a0"), (5, b"a1"), (7, b"n")]


def test_read_committed_is_librdkafkas_default(cluster):
    p = ready()
    p.begin_transaction()
    p.produce("t", b"x")
    p.abort_transaction()
    c = kafka.Consumer({"bootstrap.servers": BOOT, "group.id": "g", "auto.offset.reset": "earliest"})
    c.assign([TopicPartition("t", 0, 0)])
    assert c.poll(0.1) is None
    lo, hi = c.get_watermark_offsets(TopicPartition("t", 0))
    assert (lo, hi) == (0, 2)


def test_an_open_transaction_holds_back_read_committed_at_the_last_stable_offset(cluster):
    p = ready()
    plain = kafka.Producer({"bootstrap.servers": BOOT})
    plain.produce("t", b"before")
    p.begin_transaction()
    p.produce("t", b"in-txn")
    plain.produce("t", b"after")                  # not transactional, but behind the open transaction
    log = cluster.log("t", 0)
    assert log.last_stable_offset == 1 and log.high_watermark == 3
    assert read_all("read_committed", **{"enable.partition.eof": True}) == [(0, b"before"), KafkaError._PARTITION_EOF]
    assert read_all("read_uncommitted") == [(0, b"before"), (1, b"in-txn"), (2, b"after")]
    p.commit_transaction()
    assert read_all("read_committed") == [(0, b"before"), (1, b"in-txn"), (2, b"after")]


def test_a_transaction_spans_topics_and_partitions_with_one_marker_each(cluster):
    p = ready()
    p.begin_transaction()
    p.produce("t", b"x")
    p.produce("u", b"y", partition=0)
    p.produce("u", b"z", partition=1)
    p.produce("u", b"z2", partition=1)
    p.commit_transaction()
    markers = cluster.trace.events("txn.marker")
    assert [(e.data["topic"], e.data["partition"], e.data["offset"]) for e in markers] == [
        ("t", 0, 1), ("u", 0, 1), ("u", 1, 2)]


def test_an_empty_transaction_writes_no_marker(cluster):
    p = ready()
    p.begin_transaction()
    p.commit_transaction()
    assert cluster.watermarks("t", 0) == (0, 0) and cluster.trace.events("txn.marker") == []


# -- call order -------------------------------------------------------------------------------
def test_call_order_errors_name_the_state(cluster):
    p = producer()
    for call in (p.begin_transaction, p.commit_transaction, p.abort_transaction):
        err = error_of(call)
        assert (err.code(), err.str()) == (KafkaError._STATE, "Operation not valid in state Init")
        assert not (err.fatal() or err.retriable() or err.txn_requires_abort())
    err = error_of(lambda: p.produce("t", b"v"))
    assert (err.code(), err.str()) == (KafkaError._STATE, "Unable to produce message: Local: Erroneous state")
    p.init_transactions()
    for call in (p.init_transactions, p.commit_transaction, p.abort_transaction,
                 lambda: p.send_offsets_to_transaction([TopicPartition("t", 0, 1)], _metadata())):
        assert error_of(call).str() == "Operation not valid in state Ready"
    p.begin_transaction()
    for call in (p.begin_transaction, p.init_transactions):
        assert error_of(call).str() == "Operation not valid in state InTransaction"


def test_send_offsets_checks_its_arguments(cluster):
    p = ready()
    p.begin_transaction()
    with pytest.raises(TypeError, match="^expected bytes, NoneType found$"):
        p.send_offsets_to_transaction([TopicPartition("t", 0, 1)], None)
    with pytest.raises(TypeError, match="^requires list of TopicPartition$"):
        p.send_offsets_to_transaction("t", _metadata())
    with pytest.raises(TypeError, match="^expected cimpl.TopicPartition$"):
        p.send_offsets_to_transaction([1], _metadata())
    p.send_offsets_to_transaction([], _metadata())                                   # nothing: no-op
    p.send_offsets_to_transaction([TopicPartition("t", 0, -1001)], _metadata())   # nothing valid: no-op
    p.commit_transaction()
    assert cluster.group_commits("g") == {}


def _metadata(group="g"):
    c = kafka.Consumer({"bootstrap.servers": BOOT, "group.id": group})
    return c.consumer_group_metadata()


# -- offsets with the transaction ---------------------------------------------------------------
def test_offsets_are_committed_with_the_transaction_and_not_with_an_abort(cluster):
    p = ready()
    meta = _metadata()
    p.begin_transaction()
    p.produce("u", b"out", partition=0)
    p.send_offsets_to_transaction([TopicPartition("t", 0, 5)], meta)
    assert cluster.committed("g", "t", 0) is None              # not before the commit
    p.abort_transaction()
    assert cluster.committed("g", "t", 0) is None
    p.begin_transaction()
    p.send_offsets_to_transaction([TopicPartition("t", 0, 7)], meta)
    p.commit_transaction()
    assert cluster.committed("g", "t", 0) == 7


def test_a_stale_generation_is_refused_and_the_transaction_must_abort(cluster):
    first = kafka.Consumer({"bootstrap.servers": BOOT, "group.id": "g", "auto.offset.reset": "earliest"})
    first.subscribe(["u"])
    for _ in range(20):                 # the first generation forms after the initial rebalance delay
        first.poll(0.5)
    stale = first.consumer_group_metadata()
    assert stale.generation_id >= 1
    second = kafka.Consumer({"bootstrap.servers": BOOT, "group.id": "g", "auto.offset.reset": "earliest"})
    second.subscribe(["u"])
    for _ in range(20):                 # first hears of the rebalance with its next heartbeat
        first.poll(0.5)
        second.poll(0.5)
    assert first.consumer_group_metadata().generation_id > stale.generation_id
    p = ready()
    p.begin_transaction()
    p.produce("t", b"out")
    err = error_of(lambda: p.send_offsets_to_transaction([TopicPartition("u", 0, 1)], stale))
    assert err.code() == KafkaError.ILLEGAL_GENERATION and err.txn_requires_abort() and not err.fatal()
    assert "Failed to commit offsets to transaction" in err.str()
    assert error_of(p.commit_transaction).code() == KafkaError.ILLEGAL_GENERATION   # still abortable
    p.abort_transaction()
    assert read_all("read_committed") == []
    p.begin_transaction()                                            # and the producer goes on
    p.send_offsets_to_transaction([TopicPartition("u", 0, 1)], first.consumer_group_metadata())
    p.commit_transaction()
    assert cluster.committed("g", "u", 0) == 1


def test_a_failed_record_makes_the_commit_abortable(cluster):
    cluster.create_topic("small", 1, config={"max.message.bytes": "100"})
    p = ready()
    p.begin_transaction()
    p.produce("t", b"ok")
    p.produce("small", b"x" * 200)
    err = error_of(p.commit_transaction)
    assert err.code() == KafkaError.MSG_SIZE_TOO_LARGE and err.txn_requires_abort()
    p.abort_transaction()
    assert read_all("read_committed") == []


# -- fencing --------------------------------------------------------------------------------------
def test_a_new_instance_fences_the_zombie_and_aborts_its_transaction(cluster):
    zombie = ready()
    zombie.begin_transaction()
    zombie.produce("t", b"zombie-1")
    successor = ready()                          # same transactional.id: a new epoch
    assert [e.data["reason"] for e in cluster.trace.events("txn.abort")] == ["fenced"]
    reports = []
    zombie.produce("t", b"zombie-2", on_delivery=lambda err, msg: reports.append(err))
    zombie.flush()
    assert reports[0].code() == KafkaError._FENCED and reports[0].fatal()
    err = error_of(zombie.commit_transaction)
    assert err.code() == KafkaError._FENCED and err.fatal() and not err.txn_requires_abort()
    # t [0] was in the transaction already, so the record reached the broker: librdkafka's words
    assert err.str() == ("ProduceRequest for t [0] with 1 message(s) failed: Broker: Producer attempted an "
                         "operation with an old epoch (broker 1 PID{Id:1000,Epoch:0}, base seq 1): "
                         "transactional producer fenced by newer producer instance")
    assert error_of(lambda: zombie.produce("t", b"zombie-3")).code() == KafkaError._FATAL
    assert error_of(zombie.abort_transaction).code() == KafkaError._FENCED
    successor.begin_transaction()
    successor.produce("t", b"fresh")
    successor.commit_transaction()
    assert read_all("read_committed") == [(2, b"fresh")]


def test_a_zombie_that_only_commits_is_fenced_at_end_txn(cluster):
    zombie = ready()
    zombie.begin_transaction()
    zombie.produce("t", b"z")
    ready()
    err = error_of(zombie.commit_transaction)
    assert err.code() == KafkaError._FENCED and err.fatal()
    assert err.str() == "Failed to end transaction: Local: This instance has been fenced by a newer instance"


def test_the_coordinator_aborts_a_transaction_older_than_its_timeout(cluster):
    p = ready(**{"transaction.timeout.ms": 10000})
    p.begin_transaction()
    p.produce("t", b"slow")
    cluster.advance(9999)
    assert cluster.trace.events("txn.abort") == []
    cluster.advance(1)
    [abort] = cluster.trace.events("txn.abort")
    assert abort.data["reason"] == "timeout" and abort.time_ms == 10000
    assert cluster.log("t", 0).last_stable_offset == 2       # the ABORT marker ended it
    err = error_of(p.commit_transaction)
    assert err.code() == KafkaError._FENCED and err.fatal()
    assert read_all("read_committed") == []


def test_a_crashed_instance_leaves_its_transaction_open_until_the_next_one_starts(cluster):
    p = ready()
    p.begin_transaction()
    p.produce("t", b"half")
    cluster.crash(p)
    assert cluster.log("t", 0).last_stable_offset == 0
    assert read_all("read_committed") == []
    ready()
    assert cluster.log("t", 0).last_stable_offset == 2
    assert read_all("read_uncommitted") == [(0, b"half")] and read_all("read_committed") == []


def test_transactions_under_faults_still_deliver_once(cluster):
    p = ready(**{"transaction.timeout.ms": 120000})      # two request timeouts fit in it
    cluster.faults.lose_next_responses("t", 0)
    cluster.faults.time_out_next_requests("t", 0)
    p.begin_transaction()
    for v in (b"a", b"b", b"c"):
        p.produce("t", v)
    p.commit_transaction()                                   # flushes: waits out the timeouts
    assert read_all("read_committed") == [(0, b"a"), (1, b"b"), (2, b"c")]


def test_a_record_that_times_out_makes_the_transaction_abortable_and_its_abort_bumps_the_epoch(cluster):
    p = ready(**{"transaction.timeout.ms": 120000, "message.timeout.ms": 45000})
    cluster.faults.time_out_next_requests("t", 0, n=2)      # times out at 30 s, then at 60 s: expired
    p.begin_transaction()
    reports = []
    p.produce("t", b"late", on_delivery=lambda err, msg: reports.append(err))
    err = error_of(p.commit_transaction)
    # librdkafka 2.16 (mock cluster): the record's report says _MSG_TIMED_OUT, the transaction
    # fails with _TIMED_OUT and must be aborted; the abort then bumps the epoch (KIP-360).
    assert reports[0].code() == KafkaError._MSG_TIMED_OUT
    assert err.code() == KafkaError._TIMED_OUT and err.txn_requires_abort() and not err.fatal()
    assert err.str() == "1 message(s) timed out on t [0]"
    assert error_of(lambda: p.produce("t", b"x")).code() == KafkaError._STATE
    p.abort_transaction()
    [bump] = cluster.trace.events("producer.epoch_bump")
    assert (bump.data["epoch"], bump.data["by"]) == (1, "coordinator")
    assert bump.data["reason"] == "Transaction aborted: Local: Timed out"
    assert cluster.trace.events("txn.init")[-1].data["previous_epoch"] == 0
    p.begin_transaction()                         # the hole is behind the new epoch: the next one lands
    p.produce("t", b"next", on_delivery=lambda err, msg: reports.append(err))
    p.commit_transaction()
    assert reports[1] is None and [v for _, v in read_all("read_committed")] == [b"next"]


def test_a_refused_record_leaves_a_hole_that_fails_the_next_transaction_once(cluster):
    # librdkafka 2.16 against its mock cluster (a Produce refused with MSG_SIZE_TOO_LARGE): the
    # abort does not bump the epoch, so the next transaction's record meets the hole, is
    # refused as out of order, and that transaction must abort too, this time with the bump.
    cluster.create_topic("small", 1, config={"max.message.bytes": "100"})
    p = ready()
    reports = []
    report = lambda err, msg: reports.append(None if err is None else err.name())    # noqa: E731
    p.begin_transaction()
    p.produce("small", b"ok", on_delivery=report)
    p.produce("small", b"x" * 200, on_delivery=report)
    err = error_of(p.commit_transaction)
    assert err.code() == KafkaError.MSG_SIZE_TOO_LARGE and err.txn_requires_abort()
    assert err.str().endswith("(broker 1 PID{Id:1000,Epoch:0}, base seq 1): current transaction must be aborted")
    p.abort_transaction()
    assert cluster.trace.events("producer.epoch_bump") == []
    p.begin_transaction()
    p.produce("small", b"second", on_delivery=report)
    err = error_of(p.commit_transaction)
    assert err.code() == KafkaError.OUT_OF_ORDER_SEQUENCE_NUMBER and err.txn_requires_abort()
    assert err.str() == "skipped sequence numbers"
    p.abort_transaction()
    assert [e.data["epoch"] for e in cluster.trace.events("producer.epoch_bump")] == [1]
    p.begin_transaction()
    p.produce("small", b"third", on_delivery=report)
    p.commit_transaction()
    assert reports == [None, "MSG_SIZE_TOO_LARGE", "_PURGE_QUEUE", None]
    assert [v for _, v in read_all("read_committed", topic="small")] == [b"third"]


def test_records_purged_by_an_abort_give_their_sequence_numbers_back(cluster):
    # librdkafka advances the epoch's base msgid past the records an abort purges
    # (rd_kafka_toppar_purge_queues), so the next transaction does not meet a hole
    p = ready()
    p.begin_transaction()
    cluster.faults.change_leader("t", 0)
    reports = []
    p.produce("t", b"a", on_delivery=lambda err, msg: reports.append(None if err is None else err.name()))
    p.poll(0)                                     # refused by the old leader: numbered, waiting for its retry
    p.abort_transaction()
    p.begin_transaction()
    p.produce("t", b"b", on_delivery=lambda err, msg: reports.append(None if err is None else err.name()))
    p.commit_transaction()
    assert reports == ["_PURGE_QUEUE", None] and cluster.trace.events("producer.epoch_bump") == []
    assert [v for _, v in read_all("read_committed")] == [b"b"]
