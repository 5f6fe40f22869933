"""librdkafka's statistics JSON (STATISTICS.md), the string stats_cb receives every
statistics.interval.ms: the fields that say how far behind a consumer is and how full a
producer's queue is, computed from the simulated cluster at that instant of virtual time.

Top level: name, client_id, type, ts (microseconds of virtual time), time (seconds),
age (microseconds since the client was made), replyq (events waiting for poll), msg_cnt /
msg_size (producer: records not yet delivered), msg_max / msg_size_max (the queue limits),
txmsgs / rxmsgs (records produced / consumed so far), metadata_cache_cnt, brokers (the one
broker, state UP or DOWN), topics (per partition: leader, msgq_cnt, hi_offset, lo_offset,
ls_offset, and for a consumer's assigned partitions app_offset, stored_offset,
committed_offset, next_offset, consumer_lag, consumer_lag_stored, fetch_state) and, for a
consumer, cgrp (state, join_state, rebalance_cnt, assignment_size). Counters pysim does
not model (bytes on the wire, request counts, window statistics) are left out rather than
made up. Offsets pysim does not know yet are -1001, as librdkafka reports them."""

from pysim.kafka.faults import faults_of
from pysim.kafka.metadata import BROKER_HOST, BROKER_ID, BROKER_PORT

_INVALID = -1001


def statistics(kind, name, client_id, cluster, created_ms, replyq, counters, partitions, cgrp=None,
               has_brokers=True):
    """The statistics dict. ``counters``: msg_cnt, msg_size, msg_max, msg_size_max, txmsgs,
    rxmsgs; ``partitions``: {(topic, partition): {field: value}} of the client's own
    per-partition figures (consumer positions, producer queue counts). A client without
    bootstrap.servers (``has_brokers`` False) knows no broker: ``brokers`` is empty."""
    now = cluster.now_ms
    down = faults_of(cluster).brokers_down
    broker = f"{BROKER_HOST}:{BROKER_PORT}/{BROKER_ID}"
    stats = {"name": name, "client_id": client_id, "type": kind, "ts": now * 1000, "time": now // 1000,
             "age": (now - created_ms) * 1000, "replyq": replyq}
    stats.update(counters)
    topics = {}
    for (topic, partition), own in sorted(partitions.items()):
        if not cluster.has_topic(topic) or partition >= cluster.num_partitions(topic):
            continue
        low, high = cluster.watermarks(topic, partition)
        stable = cluster.log(topic, partition).last_stable_offset
        entry = {"partition": partition, "leader": BROKER_ID, "desired": kind == "consumer", "unknown": False,
                 "msgq_cnt": 0, "xmit_msgq_cnt": 0, "fetchq_cnt": 0, "lo_offset": low, "hi_offset": high,
                 "ls_offset": stable, "app_offset": _INVALID, "stored_offset": _INVALID,
                 "committed_offset": _INVALID, "next_offset": _INVALID, "consumer_lag": -1,
                 "consumer_lag_stored": -1, "fetch_state": "none", "txmsgs": 0, "rxmsgs": 0}
        entry.update(own)
        end = stable if own.get("read_committed", False) else high
        entry.pop("read_committed", None)
        if entry["committed_offset"] >= 0:
            entry["consumer_lag"] = max(0, end - entry["committed_offset"])
        if entry["stored_offset"] >= 0:
            entry["consumer_lag_stored"] = max(0, end - entry["stored_offset"])
        topics.setdefault(topic, {"topic": topic, "partitions": {}})["partitions"][str(partition)] = entry
    stats["metadata_cache_cnt"] = len(cluster.topics())
    stats["brokers"] = {} if not has_brokers else {broker: {"name": broker, "nodeid": BROKER_ID, "nodename": f"{BROKER_HOST}:{BROKER_PORT}",
                                 "source": "learned", "state": "DOWN" if down else "UP"}}
    stats["topics"] = topics
    if cgrp is not None:
        stats["cgrp"] = cgrp
    return stats
