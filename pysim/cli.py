"""``python -m pysim``: small tools that answer questions about Kafka with the simulator.

- ``distribution``: how N keys spread over P partitions (counts, skew, chi-square test).
- ``where``: which partition one key goes to, step by step, under Java's and librdkafka's rules.
- ``null-keys``: how N records without a key spread over P partitions under librdkafka's sticky
  partition or one of the Java client's strategies (counts, partition switches, longest run).
- ``rebalance``: what a crash, a clean leave or a rolling restart costs a consumer group, measured
  from the trace (partitions without an owner, members paused, rebalances).
- ``replay``: a scripted walk through ``kafka-consumer-groups.sh --reset-offsets`` on a fresh
  seeded cluster (dry runs, one executed reset, the refusal while the group is active).

Every command takes ``--seed N`` (the simulation seed) and ``--json`` (machine-readable
output). Output is a pure function of the arguments: no wall clock, no unseeded randomness.
A bad argument exits with status 2 and says what is wrong (argparse's convention).
"""

import argparse
import json
import math
import sys
import zlib
from datetime import date, timedelta

from pysim.partitioner import crc32_partition, murmur2, partition_for_key, to_positive
from pysim.kafka.server_assignors import ASSIGNORS
from pysim.rebalance_demo import PROTOCOLS, SCENARIOS, rebalance_demo, text as rebalance_text

STRATEGIES = ("range,roundrobin", "range", "roundrobin", "cooperative-sticky")
MAX_KEYS = 1_000_000
MAX_RECORDS = 200_000          # null-keys stores every record in a cluster: keep memory modest
MAX_PARTITIONS = 10_000
MAX_LINGER_MS = 900_000        # librdkafka's sticky.partitioning.linger.ms and linger.ms maximum
DAY_MS = 86_400_000
NULL_KEY_STRATEGIES = ("librdkafka", "round_robin", "sticky", "builtin")
NULL_KEYS_SERVERS, NULL_KEYS_TOPIC = "null-keys-demo:9092", "no-keys"   # null-keys' own cluster

# Keyed partitioning rules by librdkafka ``partitioner`` name (and Java's). The ``_random``
# variants differ from their base only for null keys, which distribution and where never send.
PARTITIONERS = {
    "murmur2": "murmur2", "murmur2_random": "murmur2", "java": "murmur2",
    "consistent": "crc32", "consistent_random": "crc32", "crc32": "crc32",
}
RULES = {
    "murmur2": "toPositive(murmur2(key)) % partitions (Java client default; librdkafka murmur2 / murmur2_random)",
    "crc32": "crc32(key) % partitions (librdkafka consistent / consistent_random, its default)",
}


def main(argv=None):
    """Run one command; returns 0 on success (argparse exits with 2 on bad arguments)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    text, data = args.run(args, parser)
    if args.json:
        print(json.dumps(data, indent=2, sort_keys=True))
    else:
        print(text)
    return 0


def build_parser():
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--seed", type=int, default=0, help="simulation seed (default 0)")
    common.add_argument("--json", action="store_true", help="print JSON instead of tables")

    parser = argparse.ArgumentParser(prog="python -m pysim",
                                     description="Small tools that answer questions about Kafka with the simulator.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    dist = sub.add_parser("distribution", parents=[common], help="how keys spread over partitions",
                          description="Partition N formatted keys and measure the spread: counts, "
                                      "skew (max/mean) and a chi-square test against a uniform spread.")
    dist.add_argument("--keys", type=_count(MAX_KEYS), required=True, help=f"number of keys (1..{MAX_KEYS})")
    dist.add_argument("--partitions", type=_count(100000), required=True, help="number of partitions")
    dist.add_argument("--partitioner", choices=sorted(PARTITIONERS), default="murmur2",
                      help="keyed rule (default murmur2, as the Java client)")
    dist.add_argument("--key-format", default="key-{i}",
                      help="key template: {i} is the key's index, {r} a seeded random 64-bit number "
                           "(default 'key-{i}')")
    dist.set_defaults(run=_distribution)

    where = sub.add_parser("where", parents=[common], help="which partition one key goes to",
                           description="Show murmur2, toPositive and the partition of KEY, and the "
                                       "partition librdkafka's default (crc32) picks.")
    where.add_argument("key", metavar="KEY", help="the key, as text (UTF-8)")
    where.add_argument("--partitions", type=_count(100000), required=True, help="number of partitions")
    where.add_argument("--partitioner", choices=sorted(PARTITIONERS), default="murmur2",
                       help="rule for the headline partition (default murmur2)")
    where.set_defaults(run=_where)

    nulls = sub.add_parser("null-keys", parents=[common], help="how records without a key spread over partitions",
                           description="Produce N records without a key to P partitions and show where "
                                       "they land: librdkafka's sticky partition (the real pysim Producer on a "
                                       "fresh seeded cluster) or one of the Java client's strategies.")
    nulls.add_argument("--partitions", type=_count(MAX_PARTITIONS), required=True, help="number of partitions")
    nulls.add_argument("--records", type=_count(MAX_RECORDS), required=True,
                       help=f"number of records (1..{MAX_RECORDS})")
    nulls.add_argument("--strategy", choices=NULL_KEY_STRATEGIES, default="librdkafka",
                       help="librdkafka (confluent-kafka, default), or the Java client's round_robin "
                            "(< 2.4), sticky (KIP-480, 2.4-3.2), builtin (KIP-794, 3.3+)")
    nulls.add_argument("--linger-ms", type=_whole(0, MAX_LINGER_MS), default=None,
                       help="librdkafka: sticky.partitioning.linger.ms (default 10); "
                            "Java: linger.ms (default 0)")
    nulls.add_argument("--batch-size", type=_whole(1, 2147483647), default=None,
                       help="Java strategies only: batch.size in bytes (default 16384)")
    nulls.add_argument("--record-bytes", type=_whole(0, 1_000_000), default=100,
                       help="bytes of each record's value (default 100)")
    nulls.add_argument("--interval-ms", type=_whole(0, DAY_MS), default=0,
                       help="virtual milliseconds between two records (default 0: one burst)")
    nulls.set_defaults(run=_null_keys)

    replay = sub.add_parser("replay", parents=[common], help="demonstrate --reset-offsets on a seeded cluster",
                            description="Produce events over virtual days, let a group consume them, "
                                        "then plan, execute and refuse offset resets.")
    replay.add_argument("--days", type=_count(60), default=10, help="virtual days of events (default 10)")
    replay.add_argument("--partitions", type=_count(64), default=3, help="partitions of the topic (default 3)")
    replay.set_defaults(run=_replay)

    reb = sub.add_parser("rebalance", parents=[common], help="what a crash, a leave or a rolling restart costs a group",
                         description="Run a consumer group of librdkafka consumers on a fresh seeded cluster, "
                                     "then crash one, close one or restart them all, and measure from the trace "
                                     "how long each partition had no owner, how long members were paused and "
                                     "how many rebalances it took.")
    reb.add_argument("scenario", choices=SCENARIOS, help="crash: no LeaveGroup; leave: close(); "
                                                         "rolling: close and restart each consumer in turn")
    reb.add_argument("--partitions", type=_count(1000), default=6, help="partitions of the topic (default 6)")
    reb.add_argument("--consumers", type=_count(100), default=4, help="consumers c1..cN (default 4)")
    reb.add_argument("--protocol", choices=PROTOCOLS, default="classic",
                     help="group.protocol: classic (default) or consumer (KIP-848: the broker assigns); "
                          "upgrade (rolling only): classic pods restart as consumer pods (online upgrade)")
    reb.add_argument("--strategy", choices=STRATEGIES, default=None,
                     help="classic, upgrade: partition.assignment.strategy (default librdkafka's range,roundrobin)")
    reb.add_argument("--assignor", choices=ASSIGNORS, default=None,
                     help="consumer, upgrade: group.remote.assignor (default: the broker's, uniform)")
    reb.add_argument("--static", action="store_true", help="static membership: group.instance.id = client id")
    reb.add_argument("--session-timeout-ms", type=_whole(6000, 300000), default=45000,
                     help="session.timeout.ms (6000..300000, default 45000); with --protocol consumer "
                          "the broker's group.consumer.session.timeout.ms")
    reb.add_argument("--restart-s", type=_whole(0, 3600), default=8,
                     help="rolling: seconds a new pod needs to start (default 8)")
    reb.add_argument("--victim", help="crash/leave: which consumer (default c3, or the last)")
    reb.add_argument("--after-s", type=_whole(1, 3600), default=60,
                     help="seconds measured after the event (default 60)")
    reb.set_defaults(run=_rebalance)
    return parser


def _count(limit):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not 1 <= value <= limit:
            raise argparse.ArgumentTypeError(f"must be between 1 and {limit}, got {value}")
        return value
    parse.__name__ = "count"
    return parse


def _whole(low, high):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}, got {value}")
        return value
    parse.__name__ = "whole number"
    return parse


# -- distribution --------------------------------------------------------------------------------
def _distribution(args, parser):
    keys = _keys(args.key_format, args.keys, args.seed, parser)
    rule = PARTITIONERS[args.partitioner]
    place = partition_for_key if rule == "murmur2" else crc32_partition
    counts = [0] * args.partitions
    for key in keys:
        counts[place(key.encode("utf-8"), args.partitions)] += 1
    stats = spread(counts)
    data = {"command": "distribution", "seed": args.seed, "keys": args.keys, "partitions": args.partitions,
            "partitioner": args.partitioner, "rule": RULES[rule], "key_format": args.key_format,
            "first_keys": keys[:3], "counts": counts, **stats}

    scale = 40 / max(counts) if max(counts) else 0
    rows = [(p, n, f"{100 * n / args.keys:.1f}%", "#" * round(n * scale)) for p, n in enumerate(counts)]
    p_text = "n/a (one partition)" if stats["p_value"] is None else _p(stats["p_value"])
    verdict = ""
    if stats["p_value"] is not None:
        verdict = ("\nA spread this uneven would happen by chance less than 1 time in 20: "
                   "the keys do not spread uniformly." if stats["p_value"] < 0.05 else
                   "\nA uniformly random spread would often look like this (p >= 0.05).")
    text = (f"{args.keys} keys ({', '.join(map(repr, keys[:3]))}{', ...' if args.keys > 3 else ''}) "
            f"over {args.partitions} partitions\n"
            f"rule: {RULES[rule]}\n\n"
            + table(("PARTITION", "KEYS", "SHARE", ""), rows, right=(2,)) + "\n\n"
            f"min {stats['min']}, max {stats['max']}, mean {stats['mean']:.2f}, "
            f"skew (max/mean) {stats['skew']:.3f}\n"
            f"chi-square {stats['chi_square']:.3f} with {stats['degrees_of_freedom']} degrees of freedom, "
            f"p-value {p_text}" + verdict)
    return text, data


def _keys(template, n, seed, parser):
    """The N keys from ``template``; {r} draws from a stream of the given seed."""
    from pysim.kernel.rng import Rng
    rnd = Rng(seed).stream("cli.distribution.keys")
    keys = []
    try:
        for i in range(n):
            keys.append(template.format(i=i, r=rnd.getrandbits(64) if "{r" in template else 0))
    except (KeyError, IndexError, ValueError) as e:
        parser.error(f"--key-format {template!r} is not a valid template ({e!r}); use {{i}} and {{r}}")
    return keys


def spread(counts):
    """min, max, mean, skew (max/mean) and the chi-square test of ``counts`` against a uniform
    spread of the same total (p-value None for a single partition)."""
    total, k = sum(counts), len(counts)
    mean = total / k
    chi = sum((c - mean) ** 2 for c in counts) / mean if mean else 0.0
    df = k - 1
    return {"min": min(counts), "max": max(counts), "mean": mean, "skew": max(counts) / mean if mean else 0.0,
            "chi_square": chi, "degrees_of_freedom": df, "p_value": chi2_sf(chi, df) if df > 0 else None}


def _p(p):
    if p == 0:
        return "< 1e-300"
    return f"{p:.4f}" if p >= 1e-4 else f"{p:.2e}"


# -- chi-square survival function (pure Python) ------------------------------------------------
def chi2_sf(x, df):
    """P(X >= x) for X chi-square distributed with ``df`` degrees of freedom: the regularized
    upper incomplete gamma function Q(df/2, x/2)."""
    if df <= 0:
        raise ValueError("degrees of freedom must be positive")
    if x <= 0:
        return 1.0
    return gamma_q(df / 2, x / 2)


def gamma_q(a, x):
    """Regularized upper incomplete gamma Q(a, x) = Gamma(a, x) / Gamma(a): the series for
    P = 1 - Q below x = a + 1, a continued fraction (modified Lentz) above, where each
    converges fast (Numerical Recipes, 6.2)."""
    if x < 0 or a <= 0:
        raise ValueError("gamma_q needs a > 0 and x >= 0")
    if x == 0:
        return 1.0
    log_front = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1:
        term = total = 1 / a
        ap = a
        for _ in range(10_000):
            ap += 1
            term *= x / ap
            total += term
            if abs(term) < abs(total) * 1e-16:
                break
        return max(0.0, 1.0 - total * math.exp(log_front))
    tiny = 1e-300
    b = x + 1 - a
    c, d = 1 / tiny, 1 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-16:
            break
    return math.exp(log_front) * h


# -- where ---------------------------------------------------------------------------------------
def _where(args, parser):
    key = args.key.encode("utf-8")
    n = args.partitions
    signed = murmur2(key)
    positive = to_positive(signed)
    java = positive % n
    crc = crc32_partition(key, n)
    crc_value = _crc32(key)
    rule = PARTITIONERS[args.partitioner]
    chosen = java if rule == "murmur2" else crc
    data = {"command": "where", "seed": args.seed, "key": args.key, "key_hex": key.hex(), "partitions": n,
            "partitioner": args.partitioner, "partition": chosen, "murmur2": signed, "to_positive": positive,
            "murmur2_partition": java, "crc32": crc_value, "crc32_partition": crc}
    differs = "the same partition" if java == crc else "different partitions"
    rows = [
        ("key", f"{args.key!r} ({len(key)} bytes: {key.hex(' ') or 'empty'})"),
        ("murmur2", f"{signed} (signed 32-bit, as Java's Utils.murmur2 returns it)"),
        ("toPositive", f"{positive} (murmur2 & 0x7fffffff, not abs)"),
        ("murmur2 partition", f"{positive} % {n} = {java}   (Java client; librdkafka murmur2_random)"),
        ("crc32", f"{crc_value} (0x{crc_value:08x})"),
        ("crc32 partition", f"{crc_value} % {n} = {crc}   (librdkafka's default, consistent_random)"),
        ("partition", f"{chosen}   (partitioner={args.partitioner})"),
    ]
    text = (table(("", ""), rows, header=False) + "\n\n"
            f"Java clients hash keys with murmur2, librdkafka (confluent-kafka) by default with crc32: "
            f"here they pick {differs}; set partitioner=murmur2_random to place keys as Java does.")
    return text, data


def _crc32(data):
    return zlib.crc32(data)


# -- null-keys ----------------------------------------------------------------------------------
def _null_keys(args, parser):
    if args.strategy == "librdkafka" and args.batch_size is not None:
        parser.error("--batch-size applies to the Java strategies only: librdkafka's sticky partition "
                     "for records without a key changes with time (--linger-ms, --interval-ms), not with batches")
    return null_keys_demo(args.partitions, args.records, args.strategy, args.linger_ms, args.batch_size,
                          args.record_bytes, args.interval_ms, args.seed)


def null_keys_demo(partitions, records, strategy="librdkafka", linger_ms=None, batch_size=None,
                   record_bytes=100, interval_ms=0, seed=0):
    """Place ``records`` null-key records on ``partitions`` partitions, ``interval_ms`` virtual
    ms apart, and summarise where they went; returns (text, data)."""
    from pysim import java_partitioners
    from pysim.kafka.partitioning import STICKY_LINGER_DEFAULT_MS
    from pysim.kafka.record_size import RECORD_BATCH_OVERHEAD, batch_size as v2_batch_size

    value = b"x" * record_bytes                  # one object shared by every record
    data = {"command": "null-keys", "seed": seed, "strategy": strategy, "partitions": partitions,
            "records": records, "record_bytes": record_bytes, "interval_ms": interval_ms}
    if strategy == "librdkafka":
        linger_ms = STICKY_LINGER_DEFAULT_MS if linger_ms is None else linger_ms
        placed = _librdkafka_null_keys(partitions, records, linger_ms, value, interval_ms, seed)
        data.update(linger_ms=linger_ms, batch_size=None, record_size_in_batch=None,
                    topic=NULL_KEYS_TOPIC, bootstrap_servers=NULL_KEYS_SERVERS)
        if linger_ms == 0:
            rule = ("librdkafka (confluent-kafka), partitioner=consistent_random, sticky.partitioning.linger.ms=0: "
                    "every record without a key gets a uniformly random partition")
        else:
            rule = ("librdkafka (confluent-kafka), partitioner=consistent_random: records without a key go to "
                    "the topic's sticky partition, drawn uniformly at random (it may repeat) by the first "
                    f"record produced more than sticky.partitioning.linger.ms={linger_ms} ms after the last draw")
    else:
        from pysim.kernel.rng import Rng
        linger_ms = 0 if linger_ms is None else linger_ms
        batch_size = java_partitioners.JAVA_BATCH_SIZE if batch_size is None else batch_size
        size = v2_batch_size(None, value) - RECORD_BATCH_OVERHEAD
        model = java_partitioners.make(strategy, Rng(seed).stream(f"java.{strategy}"), batch_size, linger_ms)
        placed = [model.choose(NULL_KEYS_TOPIC, partitions, size, i * interval_ms) for i in range(records)]
        data.update(linger_ms=linger_ms, batch_size=batch_size, record_size_in_batch=size)
        rule = {
            "round_robin": "Java client before Kafka 2.4 (DefaultPartitioner): one partition after the other, "
                           "starting from a random one",
            "sticky": "Java client, Kafka 2.4 to 3.2 (KIP-480 sticky partitioner): one partition until a record "
                      "needs a new batch there, then another random partition (never the same one)",
            "builtin": "Java client, Kafka 3.3 and later (KIP-794 built-in partitioner): switch after batch.size "
                       "bytes went to the partition (once its last batch is full, at the latest at twice "
                       "batch.size); the next partition is uniformly random and may repeat",
        }[strategy] + f"; batch.size={batch_size}, linger.ms={linger_ms}, {size} bytes per record in a batch"
    stats = run_stats(placed, partitions)
    data.update(rule=rule, **stats)
    return _null_keys_text(data), data


def _librdkafka_null_keys(partitions, records, linger_ms, value, interval_ms, seed):
    """The partitions the real pysim Producer picks, from its delivery reports, on a fresh
    cluster built from ``seed``; virtual time moves ``interval_ms`` between two records."""
    from pysim import kafka

    kafka.reset_all(seed)
    cluster = kafka.cluster(NULL_KEYS_SERVERS)
    cluster.create_topic(NULL_KEYS_TOPIC, partitions)
    producer = kafka.Producer({"bootstrap.servers": NULL_KEYS_SERVERS,
                               "sticky.partitioning.linger.ms": linger_ms})
    placed = []

    def delivered(err, msg):
        if err is not None:                          # cannot happen on this cluster: say so if it does
            raise RuntimeError(f"record {len(placed)} was not delivered: {err}")
        placed.append(msg.partition())

    for i in range(records):
        if i and interval_ms:
            cluster.advance(interval_ms)
        producer.produce(NULL_KEYS_TOPIC, value, on_delivery=delivered)
        if len(producer) >= 10_000:
            producer.poll(0)
    producer.flush()
    return placed


def run_stats(placed, partitions):
    """Counts per partition, partition switches and the longest run of consecutive records on
    one partition, of the partitions ``placed`` in production order."""
    counts = [0] * partitions
    for p in placed:
        counts[p] += 1
    runs = []                                        # [partition, first record, length]
    for i, p in enumerate(placed):
        if runs and runs[-1][0] == p:
            runs[-1][2] += 1
        else:
            runs.append([p, i, 1])
    longest = max(runs, key=lambda r: r[2])          # the first of the longest
    total, mean = len(placed), len(placed) / partitions
    return {"counts": counts, "switches": len(runs) - 1, "runs": len(runs),
            "longest_run": {"partition": longest[0], "first_record": longest[1], "length": longest[2]},
            "first_runs": [{"partition": p, "length": n} for p, _, n in runs[:8]],
            "partitions_used": sum(1 for c in counts if c), "min": min(counts), "max": max(counts),
            "mean": mean, "skew": max(counts) / mean, "mean_run": total / len(runs)}


def _null_keys_text(d):
    n, counts = d["records"], d["counts"]
    scale = 40 / max(counts)
    rows = [(p, c, f"{100 * c / n:.1f}%", "#" * round(c * scale)) for p, c in enumerate(counts)]
    when = "in one burst (virtual time stands still)" if d["interval_ms"] == 0 else f"{d['interval_ms']} ms apart"
    first = ", ".join(f"p{r['partition']} x{r['length']}" for r in d["first_runs"])
    more = ", ..." if d["runs"] > len(d["first_runs"]) else ""
    run = d["longest_run"]
    return (f"{n} records without a key, {d['record_bytes']}-byte values, {when}, over {d['partitions']} partitions\n"
            f"strategy {d['strategy']}: {d['rule']}\n\n"
            + table(("PARTITION", "RECORDS", "SHARE", ""), rows, right=(2,)) + "\n\n"
            f"partitions used {d['partitions_used']} of {d['partitions']}, skew (max/mean) {d['skew']:.3f}\n"
            f"partition switches {d['switches']} ({_plural(d['runs'], 'run')}, "
            f"mean run {d['mean_run']:.1f} records)\n"
            f"longest run {_plural(run['length'], 'record')} on partition {run['partition']} "
            + (f"(records {run['first_record']} to {run['first_record'] + run['length'] - 1})\n"
               if run['length'] > 1 else f"(record {run['first_record']})\n") +
            f"first runs: {first}{more}")


def _plural(n, word):
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# -- rebalance -----------------------------------------------------------------------------------
def _rebalance(args, parser):
    try:
        data = rebalance_demo(args.scenario, args.partitions, args.consumers, args.strategy, args.static,
                              args.session_timeout_ms, args.restart_s, args.victim, after_s=args.after_s,
                              seed=args.seed, protocol=args.protocol, assignor=args.assignor)
    except ValueError as exc:
        parser.error(str(exc))
    return rebalance_text(data), data


# -- replay --------------------------------------------------------------------------------------
def _replay(args, parser):
    return replay_demo(args.seed, args.days, args.partitions)


def replay_demo(seed=0, days=10, partitions=3):
    """The scripted ``--reset-offsets`` walk-through; returns (text, data)."""
    from pysim import kafka
    from pysim.kafka.admin import AdminClient, NewTopic
    from pysim.replay import GroupNotInactiveError, reset_offsets

    servers, topic, group = "replay-demo:9092", "events", "billing"
    per_day = 24
    kafka.reset_all(seed)
    conf = {"bootstrap.servers": servers}
    AdminClient(conf).create_topics([NewTopic(topic, partitions)])[topic].result()
    cluster = kafka.cluster(servers)
    users = cluster.sim.rng.stream("cli.replay.users")
    producer = kafka.Producer(dict(conf, partitioner="murmur2_random"))
    total = days * per_day
    for i in range(total):
        cluster.advance(DAY_MS // per_day)
        producer.produce(topic, key=f"user-{users.randrange(40)}", value=f"event-{i}")
    producer.flush()

    consumed = _consume(kafka, conf, group, topic, total)
    before = [{"topic": t, "partition": p, "offset": o} for (t, p), o in cluster.group_commits(group).items()]

    lines = [f"Seed {seed}: {total} events over {days} virtual days into '{topic}' ({partitions} partitions), "
             f"one every hour; now is {iso(cluster.now_ms)}.",
             f"Group '{group}' read {consumed} and committed: {_offsets_text(before)}.", ""]
    data = {"command": "replay", "seed": seed, "topic": topic, "group": group, "produced": total,
            "consumed": consumed, "now": iso(cluster.now_ms), "committed": before, "plans": []}

    day8 = iso((days - 2) * DAY_MS)
    scenarios = [
        ("--to-earliest", {"to_earliest": True}),
        ("--by-duration P7D", {"by_duration": "P7D"}),
        (f"--to-datetime {day8}", {"to_datetime": day8}),
        ("--shift-by -5", {"shift_by": -5}),
    ]
    for label, target in scenarios:
        command = f"$ kafka-consumer-groups.sh --group {group} --topic {topic} --reset-offsets {label} --dry-run"
        try:
            plan = reset_offsets(cluster, group, [topic], **target)
        except ValueError as e:       # --shift-by on a partition the group never committed
            lines += [command, f"Error: {e}", ""]
            data["plans"].append({"target": label, "error": str(e)})
            continue
        replays = sum(_position(cluster, r) - r.new for r in plan)
        lines += [command, plan.table(), f"-> would replay {replays} events", ""]
        data["plans"].append({"target": label, "replays": replays, "warnings": plan.warnings,
                              "rows": [r._asdict() for r in plan]})

    since = iso(cluster.now_ms - 2 * DAY_MS)
    plan = reset_offsets(cluster, group, [topic], by_duration="P2D", execute=True)
    reread = _consume(kafka, conf, group, topic, total)
    lines += [f"$ kafka-consumer-groups.sh --group {group} --topic {topic} --reset-offsets --by-duration P2D --execute",
              plan.table(),
              f"-> committed; the group's next consumer re-reads {reread} events (every event stamped at or "
              f"after {since}), then commits the log end again.", ""]
    data["executed"] = {"target": "--by-duration P2D", "rows": [r._asdict() for r in plan], "reread": reread}

    active = kafka.Consumer(dict(conf, **{"group.id": group, "enable.auto.commit": False}))
    active.subscribe([topic])
    active.poll(0.5)
    try:
        reset_offsets(cluster, group, [topic], to_earliest=True, execute=True)
        refused = None
    except GroupNotInactiveError as e:
        refused = str(e)
    active.close()
    lines += ["While a consumer of the group is running:",
              f"$ kafka-consumer-groups.sh --group {group} --topic {topic} --reset-offsets --to-earliest --execute",
              f"Error: {refused}" if refused else "(not refused: the group had no active member)"]
    data["refused"] = refused
    return "\n".join(lines), data


def _position(cluster, row):
    """Where the group would resume without the reset: its commit, else (auto.offset.reset
    = latest) the log end."""
    return row.current if row.current is not None else cluster.watermarks(row.topic, row.partition)[1]


def _consume(kafka, conf, group, topic, limit):
    """Read with a fresh group member until the topic is drained; commit; leave."""
    consumer = kafka.Consumer(dict(conf, **{"group.id": group, "auto.offset.reset": "earliest",
                                            "enable.auto.commit": False}))
    consumer.subscribe([topic])
    count, idle = 0, 0
    while count < limit and idle < 3:
        msg = consumer.poll(1.0)
        if msg is None or msg.error():
            idle += 1
            continue
        idle = 0
        count += 1
    if count:
        consumer.commit(asynchronous=False)
    consumer.close()
    return count


def _offsets_text(offsets):
    return ", ".join(f"{c['topic']}-{c['partition']} at {c['offset']}" for c in offsets) or "nothing"


def iso(ms):
    """Virtual epoch milliseconds as an ISO-8601 UTC time (the clock starts at 1970-01-01)."""
    seconds, milli = divmod(ms, 1000)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    d = date(1970, 1, 1) + timedelta(days=days)
    return f"{d.isoformat()}T{hours:02d}:{minutes:02d}:{secs:02d}.{milli:03d}Z"


# -- tables --------------------------------------------------------------------------------------
def table(headers, rows, header=True, right=()):
    """Plain-text columns two spaces apart: numbers (and the columns listed in ``right``)
    right-aligned, text left-aligned."""
    cells = [[str(c) for c in row] for row in rows]
    numeric = [i in right or all(isinstance(row[i], (int, float)) for row in rows) for i in range(len(headers))]
    body = ([list(headers)] if header else []) + cells
    widths = [max(len(r[i]) for r in body) for i in range(len(headers))]

    def line(row):
        parts = [cell.rjust(w) if numeric[i] else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))]
        return "  ".join(parts).rstrip()
    return "\n".join(line(r) for r in body)


if __name__ == "__main__":
    sys.exit(main())
