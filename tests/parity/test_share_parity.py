"""pysim.kafka.ShareConsumer against librdkafka's mock cluster, which implements share
groups (KIP-932): share.auto.offset.reset=latest by default, a batch per poll, delivery
counts, explicit acknowledgement (the poll that refuses an unacknowledged batch, RELEASE
redelivering with count + 1, an acknowledgement after its commit refused), and commit_sync's
result. Every expectation on the real side is asserted too."""

import pytest

pytestmark = pytest.mark.parity

WARM_POLLS = 5          # the mock's member needs a few seconds to join and fetch once


def share_script(kafka, conf, topic, group):
    out = {}
    producer = kafka.Producer(dict(conf))
    producer.produce(topic, value=b"before-first-fetch")
    producer.flush(10)
    sc = kafka.ShareConsumer(dict(conf, **{"group.id": group, "share.acknowledgement.mode": "explicit"}))
    sc.subscribe([topic])
    out["warm"] = sum(len(sc.poll(1.0)) for _ in range(WARM_POLLS))
    for i in range(6):
        producer.produce(topic, key=b"k%d" % i, value=b"job-%d" % i)
    producer.flush(10)
    seen, first, last = {}, None, None
    for _ in range(30):
        batch = sc.poll(1.0)
        if not len(batch):
            continue
        if first is None:                 # the mock may hand the partitions out over several polls
            first = batch
            out["batch_type"] = type(batch).__name__
            try:
                sc.poll(0.5)
                out["unacked_poll"] = None
            except kafka.IllegalStateException as exc:
                out["unacked_poll"] = str(exc) == f"{len(batch)} records from previous poll have not been acknowledged"
        for m in batch:
            seen.setdefault(m.value(), []).append(m.delivery_count())
            assert m.error() is None
            sc.acknowledge(m, kafka.AcknowledgeType.RELEASE if m.delivery_count() == 1 else kafka.AcknowledgeType.ACCEPT)
            last = m
        result = sc.commit_sync(5)
        if batch is first:
            out["commit"] = (sorted(tp.partition for tp in result) == sorted({m.partition() for m in batch}),
                             set(result.values()))
        if len(seen) == 6 and all(len(c) == 2 for c in seen.values()):
            break
    out["deliveries"] = sorted(seen.items())
    try:
        sc.acknowledge(last, kafka.AcknowledgeType.REJECT)
        out["ack_after_commit"] = None
    except kafka.IllegalStateException as exc:
        out["ack_after_commit"] = str(exc)
    sc.close()
    try:
        sc.poll(0)
    except kafka.IllegalStateException as exc:
        out["after_close"] = str(exc)
    return out


def test_share_consumer_matches_the_mock(rdkafka, pysim):
    results = {}
    for side in (rdkafka, pysim):
        topic = side.topic("share-parity")
        results[side.name] = share_script(side.kafka, side.conf, topic, "share-parity-group")
    real, sim = results["librdkafka"], results["pysim"]
    jobs = [b"job-%d" % i for i in range(6)]
    assert real["warm"] == 0
    assert real["deliveries"] == [(v, [1, 2]) for v in jobs]    # latest: the first record is skipped;
    assert real["batch_type"] == "Messages"                     # RELEASE redelivers with count + 1
    assert real["unacked_poll"] is True
    assert real["commit"] == (True, {None})
    assert real["ack_after_commit"] == "Failed to acknowledge message: Local: Erroneous state"
    assert real["after_close"] == "Share consumer closed"
    for part in real:
        assert sim[part] == real[part], f"{part}: librdkafka {real[part]} pysim {sim[part]}"
