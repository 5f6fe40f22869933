"""Exactly-once costs in pysim.kafka (CPython); prints one JSON line.

- 1,000 committed read-process-write transactions (pysim.pipeline: 5,000 inputs in
  batches of 5, seeded crashes and aborts, 1% lost responses), then pysim.checker over
  the downstream history. Target: under 2 s, and no anomaly.
- Produce throughput of an idempotent producer against a plain one on the shared
  workload (workload.py), no faults. Target: the idempotent one within 1.5x.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import workload as w  # noqa: E402

from pysim import kafka, pipeline  # noqa: E402
from pysim.checker import check  # noqa: E402

TRANSACTIONS = 1_000
BATCH = 5
TARGETS = {"transactions_seconds_max": 2.0, "idempotent_slowdown_max": 1.5}


def read_process_write() -> dict:
    start = w.stopwatch()
    history = pipeline.run(seed=0, inputs=TRANSACTIONS * BATCH, partitions=6, keys=100, batch=BATCH,
                           mode="transactional", crash_rate=0.02, abort_rate=0.02, loss_rate=0.01)
    run_s = w.stopwatch() - start
    result = check(history["produced"], history["consumed"], aborted=history["aborted"])
    total_s = w.stopwatch() - start
    return {"committed_transactions": history["stats"]["transactions"], "stats": history["stats"],
            "pipeline_seconds": round(run_s, 4), "with_check_seconds": round(total_s, 4),
            "anomalies": result.counts(), "ok": result.ok}


def produce_rate(conf: dict) -> float:
    kafka.reset_all(seed=0)
    bootstrap = "bench-eos:9092"
    cluster = kafka.cluster(bootstrap)
    cluster.create_topic(w.TOPIC, num_partitions=w.PARTITIONS)
    producer = kafka.Producer(dict(conf, **{"bootstrap.servers": bootstrap, "partitioner": "murmur2_random"}))
    start = w.stopwatch()
    for i in range(w.MESSAGES):
        producer.produce(w.TOPIC, value=w.VALUE, key=w.key_for(i))
    assert producer.flush(60) == 0
    seconds = w.stopwatch() - start
    produced = sum(cluster.watermarks(w.TOPIC, p)[1] for p in range(w.PARTITIONS))
    assert produced == w.MESSAGES
    return produced / seconds


def run(rounds: int = 5) -> dict:
    # The transactions first, in a fresh interpreter: measured after the ten 100,000-record
    # produce rounds below, Pyodide's run took 1.88 s against 1.21-1.36 s fresh (CPython
    # 0.67-0.75 s either way), so the scenario's Pyodide/CPython ratio measured what the
    # throughput rounds left in WebAssembly's heap, not the transactions.
    txn = read_process_write()
    plain, idempotent = [], []
    for _ in range(rounds):           # interleaved: a noisy moment hurts both alike
        plain.append(produce_rate({}))
        idempotent.append(produce_rate({"enable.idempotence": True}))
    plain.sort()
    idempotent.sort()
    plain_rate, idem_rate = plain[rounds // 2], idempotent[rounds // 2]
    slowdown = round(plain_rate / idem_rate, 3)
    return {
        "transactions": txn,
        "produce_per_s_plain": round(plain_rate),
        "produce_per_s_idempotent": round(idem_rate),
        "idempotent_slowdown": slowdown,
        "targets": TARGETS,
        "transactions_met": txn["ok"] and txn["committed_transactions"] >= TRANSACTIONS
        and txn["with_check_seconds"] < TARGETS["transactions_seconds_max"],
        "idempotent_met": slowdown <= TARGETS["idempotent_slowdown_max"],
    }


if __name__ == "__main__":
    print(json.dumps(run(), sort_keys=True))
