"""Hidden setup and checks for 04-lost-acks. setup() creates "ledger" and arms two produce
faults on it: the first request is refused by a former leader, the second is appended but its
answer lost (which silences the connection until request.timeout.ms, as in librdkafka). The checks read the ledger back as a consumer would and let pysim.checker name
what is wrong: a lost write, a duplicate or a reorder, with the offsets that prove it."""

from pysim import checker, kafka
from pysim.kafka.log import ControlRecord

TOPIC = "ledger"
ACCOUNT = "acct-42"
SEQS = list(range(1, 11))


def setup():
    cluster = kafka.cluster("localhost:9092")
    cluster.create_topic(TOPIC, num_partitions=1)
    cluster.faults.change_leader(TOPIC, 0)            # refused: NOT_LEADER_FOR_PARTITION
    cluster.faults.lose_next_responses(TOPIC, 0)      # appended, answer lost


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, (bytes, bytearray)) else value


def _seq(value):
    """The entry's sequence number, from "seq=<n> amount=<m>" (None if it has none)."""
    first = (_text(value) or "").split(" ", 1)[0]
    if first.startswith("seq="):
        try:
            return int(first[4:])
        except ValueError:
            return None
    return None


def _history(run):
    """What a reader of the ledger sees (markers aside), judged against the ten entries."""
    cluster = run.cluster()
    assert cluster.has_topic(TOPIC), f'The topic "{TOPIC}" is gone: produce to the given topic.'
    stored = [r for r in cluster.records(TOPIC, 0) if not isinstance(r, ControlRecord)]
    produced = [(seq, ACCOUNT) for seq in SEQS]
    consumed = [{"id": _seq(r.value), "key": _text(r.key), "partition": 0, "offset": r.offset} for r in stored]
    return checker.check(produced, consumed)


def _where(anomaly):
    return ", ".join(f"offset {r['offset']}" for r in anomaly.evidence if "offset" in r and "read_index" in r)


def check_faults_met(run):
    """The network really lost an acknowledgement and a leader moved while you produced."""
    kinds = {e.kind for e in run.cluster().trace}
    assert "fault.lose_response" in kinds and "fault.not_leader" in kinds, (
        f'Nothing was produced to "{TOPIC}" while the faults were armed: produce the ten entries to '
        f'"{TOPIC}" with one Producer, then flush().')


def check_all_delivered(run):
    """Every entry, seq=1 to seq=10, is in the ledger."""
    lost = _history(run).of("lost_write")
    assert not lost, (f"{len(lost)} entr{'y is' if len(lost) == 1 else 'ies are'} missing from the ledger: "
                      f"seq={', seq='.join(str(a.subject) for a in lost)}. Produce every entry once and call "
                      "flush() before the program ends, so the retries have time to land.")


def _idempotent(run):
    """Whether the learner's (top-level) producer had enable.idempotence on."""
    producer_type = run.kafka.Producer
    return any(isinstance(v, producer_type) and v._idempotent for v in list(run.namespace.values()))


def check_no_duplicates(run):
    """No entry is stored twice."""
    dups = _history(run).of("duplicate")
    where = "; ".join(f"seq={a.subject} is stored {len(a.evidence)} times ({_where(a)})" for a in dups)
    if dups and _idempotent(run):
        raise AssertionError(
            where + ". Your producer is idempotent, so the second copy is not a retry of librdkafka's (the "
            "broker answers those with the first copy's offset): your code produced the entry again (from the "
            "delivery callback, after a report with an error). "
            "Idempotence never covers your own re-sends: a record you produce a second time is a new record "
            "with a new sequence number, and the broker stores it. The first copy was stored, its answer "
            "lost: an error in a delivery report (_MSG_TIMED_OUT) means \"possibly stored\", not \"not "
            "stored\". Leave the retries to librdkafka (its message.timeout.ms is 5 minutes by default) and "
            "do not produce from the callback.")
    assert not dups, (where + ". The broker appended the record, the answer was lost, and the retry (or your own "
                      "second produce()) was a new record to the broker. With enable.idempotence=True every "
                      "record carries a producer id and a sequence number, and the broker answers a retried "
                      "duplicate with the original offset instead of appending it again; a record you produce "
                      "a second time yourself is a new record even then: idempotence never covers your own "
                      "re-sends.")


def check_in_order(run):
    """The entries are stored in sequence order."""
    reorders = _history(run).of("reorder")
    assert not reorders, ("; ".join(f"seq={x.subject[0]} was produced before seq={x.subject[1]} but is stored "
                                    f"after it ({_where(x)})" for x in reorders)
                          + ". The request refused by the old leader was retried after a request sent behind "
                          "it had landed: librdkafka allows 1000000 requests in flight by default. The "
                          "idempotent producer keeps the order with up to 5 in flight (the broker refuses a "
                          "sequence gap and librdkafka resends in order).")
