"""python -m pysim: each command's numbers checked against an independent computation, the
JSON output parses, and bad arguments exit with status 2."""

import itertools
import json
import math
import zlib

import pytest
from hypothesis import given, settings, strategies as st

from pysim import java_partitioners, kafka
from pysim.cli import chi2_sf, gamma_q, main, table
from pysim.partitioner import murmur2, partition_for_key
from pysim.replay import parse_datetime_ms
from pysim.kernel.rng import Rng

DAY, HOUR = 86_400_000, 3_600_000


def run(capsys, *argv):
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def run_json(capsys, *argv):
    return json.loads(run(capsys, *argv, "--json"))


def fails(capsys, *argv):
    with pytest.raises(SystemExit) as info:
        main(list(argv))
    assert info.value.code == 2
    return capsys.readouterr().err


# -- the chi-square survival function ---------------------------------------------------------
@pytest.mark.parametrize("x, df, p", [
    (3.841458820694124, 1, 0.05), (6.634896601021214, 1, 0.01), (11.070497693516351, 5, 0.05),
    (18.307038053275146, 10, 0.05), (124.34211340400407, 100, 0.05), (1.6448536269514722 ** 2, 1, 0.1),
])
def test_chi2_sf_matches_table_values(x, df, p):
    assert chi2_sf(x, df) == pytest.approx(p, rel=1e-9)


@settings(max_examples=300, deadline=None)
@given(x=st.floats(min_value=1e-6, max_value=400), k=st.integers(min_value=1, max_value=30))
def test_chi2_sf_with_even_df_matches_the_poisson_closed_form(x, k):
    # Q(k, y) for whole k is P(Poisson(y) < k) = e^-y * sum_{j<k} y^j / j!
    y = x / 2
    closed = math.exp(-y) * sum(y ** j / math.factorial(j) for j in range(k))
    assert chi2_sf(x, 2 * k) == pytest.approx(closed, rel=1e-9, abs=1e-300)


@settings(max_examples=200, deadline=None)
@given(x=st.floats(min_value=1e-6, max_value=200))
def test_chi2_sf_with_one_df_is_erfc(x):
    assert chi2_sf(x, 1) == pytest.approx(math.erfc(math.sqrt(x / 2)), rel=1e-9, abs=1e-300)


@settings(max_examples=100, deadline=None)
@given(x=st.floats(min_value=0, max_value=300), dx=st.floats(min_value=0.01, max_value=50),
       df=st.integers(min_value=1, max_value=200))
def test_chi2_sf_is_a_probability_that_falls_with_x(x, dx, df):
    a, b = chi2_sf(x, df), chi2_sf(x + dx, df)
    assert 0 <= b <= a <= 1


def test_chi2_sf_edges():
    assert chi2_sf(0, 3) == 1.0 and gamma_q(2, 0) == 1.0
    with pytest.raises(ValueError):
        chi2_sf(1, 0)


# -- distribution ------------------------------------------------------------------------------
@pytest.mark.parametrize("partitioner", ["murmur2", "consistent_random", "crc32"])
def test_distribution_counts_agree_with_the_partitioner(capsys, partitioner):
    data = run_json(capsys, "distribution", "--keys", "2000", "--partitions", "7",
                    "--partitioner", partitioner, "--key-format", "user-{i}")
    expected = [0] * 7
    for i in range(2000):
        key = f"user-{i}".encode()
        p = partition_for_key(key, 7) if partitioner == "murmur2" else zlib.crc32(key) % 7
        expected[p] += 1
    assert data["counts"] == expected
    mean = 2000 / 7
    assert data["mean"] == pytest.approx(mean)
    assert (data["min"], data["max"]) == (min(expected), max(expected))
    assert data["skew"] == pytest.approx(max(expected) / mean)
    assert data["chi_square"] == pytest.approx(sum((c - mean) ** 2 / mean for c in expected))
    assert data["degrees_of_freedom"] == 6
    assert data["p_value"] == pytest.approx(chi2_sf(data["chi_square"], 6))


def test_distribution_table_lists_every_partition_aligned(capsys):
    out = run(capsys, "distribution", "--keys", "500", "--partitions", "12")
    rows = [line for line in out.splitlines() if line.strip()[:1].isdigit() and "%" in line]
    assert [int(line.split()[0]) for line in rows] == list(range(12))
    counts = [int(line.split()[1]) for line in rows]
    assert sum(counts) == 500
    assert len({line.index("%") for line in rows}) == 1        # the share column lines up
    assert "chi-square" in out and "degrees of freedom" in out


def test_one_hot_key_is_detected_as_non_uniform(capsys):
    spread_ok = run_json(capsys, "distribution", "--keys", "999", "--partitions", "8", "--key-format", "tenant-{i}")
    assert spread_ok["p_value"] > 1e-3                  # 999 distinct keys: nothing alarming
    hot = run_json(capsys, "distribution", "--keys", "999", "--partitions", "8", "--key-format", "tenant-big")
    assert sorted(hot["counts"]) == [0] * 7 + [999]
    assert hot["counts"].index(999) == partition_for_key(b"tenant-big", 8)
    assert hot["skew"] == pytest.approx(8.0) and hot["p_value"] < 1e-100
    text = run(capsys, "distribution", "--keys", "999", "--partitions", "8", "--key-format", "tenant-big")
    assert "do not spread uniformly" in text
    assert "p-value < 1e-300" in text       # exp(-3500) underflows a float: say so, not "0.00e+00"


def test_random_keys_follow_the_seed(capsys):
    a = run_json(capsys, "distribution", "--keys", "300", "--partitions", "5", "--key-format", "order-{r}", "--seed", "7")
    b = run_json(capsys, "distribution", "--keys", "300", "--partitions", "5", "--key-format", "order-{r}", "--seed", "7")
    c = run_json(capsys, "distribution", "--keys", "300", "--partitions", "5", "--key-format", "order-{r}", "--seed", "8")
    assert a == b
    assert a["first_keys"] != c["first_keys"]


def test_one_partition_has_no_p_value(capsys):
    data = run_json(capsys, "distribution", "--keys", "10", "--partitions", "1")
    assert data["counts"] == [10] and data["p_value"] is None
    assert "n/a" in run(capsys, "distribution", "--keys", "10", "--partitions", "1")


# -- where -------------------------------------------------------------------------------------
@pytest.mark.parametrize("key, signed", [
    ("21", -973932308), ("foobar", -790332482), ("a-little-bit-long-string", -985981536), ("abc", 479470107),
])
def test_where_shows_javas_murmur2_vectors(capsys, key, signed):
    data = run_json(capsys, "where", key, "--partitions", "1000")
    assert data["murmur2"] == signed
    assert data["to_positive"] == signed & 0x7FFFFFFF
    assert data["partition"] == data["murmur2_partition"] == (signed & 0x7FFFFFFF) % 1000
    assert data["crc32"] == zlib.crc32(key.encode())
    assert data["crc32_partition"] == zlib.crc32(key.encode()) % 1000


def test_where_text_explains_both_rules(capsys):
    out = run(capsys, "where", "user-42", "--partitions", "6", "--partitioner", "consistent_random")
    key = b"user-42"
    java, crc = partition_for_key(key, 6), zlib.crc32(key) % 6
    assert f"= {java}" in out and f"= {crc}" in out
    assert f"{crc}   (partitioner=consistent_random)" in out
    assert str(murmur2(key)) in out
    assert "murmur2_random" in out


def test_where_hashes_the_empty_key(capsys):
    data = run_json(capsys, "where", "", "--partitions", "1000")
    assert data["partition"] == 681       # Kafka clients' vector for b''


# -- null-keys ---------------------------------------------------------------------------------
def produced_sequence(topic="no-keys", servers="null-keys-demo:9092"):
    """The partition of every record in production order, from the cluster's own trace."""
    cluster = kafka.cluster(servers)
    return [e.data["partition"] for e in cluster.trace.events("produce") if e.data["topic"] == topic]


def recount(sequence, partitions):
    """Counts, switches and the first longest run, computed without pysim.cli."""
    runs = [(p, len(list(group))) for p, group in itertools.groupby(sequence)]
    start, best = 0, (None, 0, 0)
    for p, n in runs:
        if n > best[2]:
            best = (p, start, n)
        start += n
    return {"counts": [sequence.count(p) for p in range(partitions)], "switches": len(runs) - 1,
            "runs": len(runs), "longest_run": {"partition": best[0], "first_record": best[1], "length": best[2]}}


def assert_matches(data, sequence, partitions):
    expected = recount(sequence, partitions)
    assert {k: data[k] for k in expected} == expected


def test_null_keys_burst_sticks_to_one_partition_in_the_cluster(capsys):
    data = run_json(capsys, "null-keys", "--partitions", "6", "--records", "500", "--seed", "3")
    cluster = kafka.cluster("null-keys-demo:9092")
    ends = [cluster.watermarks("no-keys", p)[1] for p in range(6)]
    assert data["counts"] == ends                       # the delivery reports agree with the logs
    sequence = produced_sequence()
    assert_matches(data, sequence, 6)
    # One draw, from the producer's own stream, and virtual time stood still: no redraw.
    assert sequence == [Rng(3).stream("producer.1.partitioner").randrange(6)] * 500
    assert data["switches"] == 0 and data["longest_run"]["length"] == 500 and data["partitions_used"] == 1
    stored = [rec for p in range(6) for rec in cluster.records("no-keys", p)]
    assert all(rec.key is None and len(rec.value) == 100 and rec.timestamp == 0 for rec in stored)


def test_null_keys_redraw_after_the_linger_of_virtual_time(capsys):
    # 4 ms apart with the default 10 ms linger: drawn at t, kept at t+4 and t+8, redrawn at t+12.
    data = run_json(capsys, "null-keys", "--partitions", "5", "--records", "301", "--interval-ms", "4",
                    "--record-bytes", "20")
    assert data["linger_ms"] == 10
    sequence = produced_sequence()
    assert_matches(data, sequence, 5)
    draws = Rng(0).stream("producer.1.partitioner")
    assert sequence == [p for p in (draws.randrange(5) for _ in range(101)) for _ in range(3)][:301]
    cluster = kafka.cluster("null-keys-demo:9092")
    stamps = sorted(rec.timestamp for p in range(5) for rec in cluster.records("no-keys", p))
    assert stamps == [4 * i for i in range(301)]
    assert all(len(rec.value) == 20 for p in range(5) for rec in cluster.records("no-keys", p))
    assert 0 < data["switches"] <= 100 and data["longest_run"]["length"] % 3 == 0


def test_null_keys_with_linger_zero_draw_for_every_record(capsys):
    data = run_json(capsys, "null-keys", "--partitions", "4", "--records", "400", "--linger-ms", "0", "--seed", "9")
    sequence = produced_sequence()
    assert_matches(data, sequence, 4)
    draws = Rng(9).stream("producer.1.partitioner")
    assert sequence == [draws.randrange(4) for _ in range(400)]
    assert data["switches"] > 200                        # about 3/4 of 399 for independent draws


def test_null_keys_java_strategies_in_a_burst_match_the_models(capsys):
    for strategy in java_partitioners.STRATEGIES:
        data = run_json(capsys, "null-keys", "--partitions", "6", "--records", "1000", "--strategy", strategy,
                        "--seed", "4")
        # A 100-byte value, no key, no headers: 107 bytes of record body plus its 2-byte length.
        assert data["record_size_in_batch"] == 109 and data["batch_size"] == 16384 and data["linger_ms"] == 0
        assert_matches(data, java_partitioners.spread(strategy, 6, 1000, record_size=109, seed=4), 6)


def test_null_keys_round_robin_deals_one_record_per_partition(capsys):
    data = run_json(capsys, "null-keys", "--partitions", "7", "--records", "100", "--strategy", "round_robin")
    assert data["switches"] == 99 and data["longest_run"]["length"] == 1
    assert sorted(data["counts"]) == [14] * 5 + [15] * 2
    firsts = [r["partition"] for r in data["first_runs"]]
    assert all((b - a) % 7 == 1 for a, b in zip(firsts, firsts[1:]))


def test_null_keys_kip480_sticky_switches_when_a_batch_is_full(capsys):
    data = run_json(capsys, "null-keys", "--partitions", "3", "--records", "1000", "--strategy", "sticky",
                    "--batch-size", "2000", "--record-bytes", "100")
    per_batch = (2000 - 61) // 109                        # 17 records fill a batch of 2000 bytes
    runs = [r["length"] for r in data["first_runs"]]
    assert runs == [per_batch] * len(runs)
    assert data["switches"] == -(-1000 // per_batch) - 1
    firsts = [r["partition"] for r in data["first_runs"]]
    assert all(a != b for a, b in zip(firsts, firsts[1:]))   # never the same partition again
    # Time moving between records and linger.ms 0: every record is its own batch, so it switches every time.
    moving = run_json(capsys, "null-keys", "--partitions", "3", "--records", "50", "--strategy", "sticky",
                      "--interval-ms", "1")
    assert moving["switches"] == 49


def test_null_keys_builtin_stays_at_least_batch_size_bytes(capsys):
    data = run_json(capsys, "null-keys", "--partitions", "4", "--records", "3000", "--strategy", "builtin",
                    "--batch-size", "4000", "--record-bytes", "50", "--interval-ms", "2", "--linger-ms", "5")
    size = data["record_size_in_batch"]
    # Body 56 (attributes, timestampDelta, offsetDelta 3; null key 1; value 1 + 50; header count 1)
    # plus its 1-byte length.
    assert size == 57
    model = java_partitioners.make("builtin", Rng(0).stream("java.builtin"), 4000, 5)
    sequence = [model.choose("no-keys", 4, size, 2 * i) for i in range(3000)]
    assert_matches(data, sequence, 4)
    runs = [len(list(group)) for _, group in itertools.groupby(sequence)]
    assert len(runs) > 10
    # Never before batch.size bytes (records plus at most one 61-byte header each) went to the
    # partition. (A run can hold several draws: the next partition may repeat the last.)
    assert all(n * (size + 61) >= 4000 for n in runs[:-1])


@settings(max_examples=25, deadline=None)
@given(partitions=st.integers(1, 8), records=st.integers(1, 120), interval=st.integers(0, 15),
       linger=st.integers(0, 12), seed=st.integers(0, 50))
def test_null_keys_librdkafka_numbers_agree_with_the_trace(partitions, records, interval, linger, seed):
    import contextlib
    import io
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["null-keys", "--partitions", str(partitions), "--records", str(records), "--interval-ms",
              str(interval), "--linger-ms", str(linger), "--seed", str(seed), "--json"])
    data = json.loads(out.getvalue())
    sequence = produced_sequence()
    assert len(sequence) == records and sum(data["counts"]) == records
    assert_matches(data, sequence, partitions)
    if linger and interval * 2 <= linger:                 # at least 3 records per draw
        assert data["longest_run"]["length"] >= min(3, records)


def test_null_keys_text_shows_the_table_and_the_runs(capsys):
    data = run_json(capsys, "null-keys", "--partitions", "6", "--records", "600", "--interval-ms", "3")
    out = run(capsys, "null-keys", "--partitions", "6", "--records", "600", "--interval-ms", "3")
    rows = [line.split() for line in out.splitlines() if line.strip()[:1].isdigit() and "%" in line]
    assert [int(r[0]) for r in rows] == list(range(6))
    assert [int(r[1]) for r in rows] == data["counts"]
    assert f"partition switches {data['switches']} ({data['runs']} runs" in out
    run_ = data["longest_run"]
    assert f"longest run {run_['length']} records on partition {run_['partition']}" in out
    assert "sticky.partitioning.linger.ms=10" in out and "3 ms apart" in out
    assert run(capsys, "null-keys", "--partitions", "6", "--records", "600", "--interval-ms", "3") == out
    assert run(capsys, "null-keys", "--partitions", "6", "--records", "600", "--interval-ms", "3",
               "--seed", "1") != out


# -- replay ------------------------------------------------------------------------------------
def first_at_or_after(cluster, topic, partition, ts):
    low, high = cluster.watermarks(topic, partition)
    for rec in cluster.records(topic, partition):
        if rec.offset >= low and rec.timestamp >= ts:
            return rec.offset
    return high


def test_replay_plans_agree_with_the_logs(capsys):
    data = run_json(capsys, "replay", "--seed", "5", "--days", "10", "--partitions", "3")
    cluster = kafka.cluster("replay-demo:9092")
    assert data["produced"] == data["consumed"] == sum(cluster.watermarks("events", p)[1] for p in range(3))
    ends = [cluster.watermarks("events", p)[1] for p in range(3)]
    assert [(c["partition"], c["offset"]) for c in data["committed"]] == list(enumerate(ends))

    plans = {plan["target"]: plan for plan in data["plans"]}
    assert [r["new"] for r in plans["--to-earliest"]["rows"]] == [0, 0, 0]
    assert plans["--to-earliest"]["replays"] == data["produced"]
    now = parse_datetime_ms(data["now"])      # 10 days, plus the seconds the group took to read them
    by_week = [first_at_or_after(cluster, "events", p, now - 7 * DAY) for p in range(3)]
    assert [r["new"] for r in plans["--by-duration P7D"]["rows"]] == by_week
    assert plans["--by-duration P7D"]["replays"] == sum(e - n for e, n in zip(ends, by_week))
    (label,) = [t for t in plans if t.startswith("--to-datetime")]
    at = parse_datetime_ms(label.split()[1])
    assert [r["new"] for r in plans[label]["rows"]] == [first_at_or_after(cluster, "events", p, at) for p in range(3)]
    assert [r["new"] for r in plans["--shift-by -5"]["rows"]] == [max(0, e - 5) for e in ends]

    executed = data["executed"]
    two_days = [first_at_or_after(cluster, "events", p, now - 2 * DAY) for p in range(3)]
    assert [r["new"] for r in executed["rows"]] == two_days
    assert executed["reread"] == sum(e - n for e, n in zip(ends, two_days))
    assert data["refused"] == ("Assignments can only be reset if the group 'billing' is inactive, "
                               "but the current state is Stable.")
    assert len(cluster.trace.events("group.reset_offsets")) == 1


def test_replay_is_a_function_of_the_seed(capsys):
    a = run(capsys, "replay", "--seed", "11", "--days", "3")
    b = run(capsys, "replay", "--seed", "11", "--days", "3")
    c = run(capsys, "replay", "--seed", "12", "--days", "3")
    assert a == b and a != c
    assert "--dry-run" in a and "--execute" in a and "Error: Assignments can only be reset" in a


# -- arguments ---------------------------------------------------------------------------------
@pytest.mark.parametrize("argv, message", [
    ([], "required"),
    (["distribution", "--keys", "10"], "--partitions"),
    (["distribution", "--keys", "0", "--partitions", "3"], "between 1 and"),
    (["distribution", "--keys", "ten", "--partitions", "3"], "whole number"),
    (["distribution", "--keys", "10", "--partitions", "3", "--partitioner", "fnv9"], "invalid choice"),
    (["distribution", "--keys", "10", "--partitions", "3", "--key-format", "k-{x}"], "key-format"),
    (["where", "k"], "--partitions"),
    (["where", "k", "--partitions", "-1"], "between 1 and"),
    (["replay", "--seed", "x"], "invalid int value"),
    (["null-keys", "--records", "10"], "--partitions"),
    (["null-keys", "--partitions", "3"], "--records"),
    (["null-keys", "--partitions", "3", "--records", "0"], "between 1 and"),
    (["null-keys", "--partitions", "3", "--records", "200001"], "between 1 and"),
    (["null-keys", "--partitions", "0", "--records", "5"], "between 1 and"),
    (["null-keys", "--partitions", "3", "--records", "5", "--strategy", "hash"], "invalid choice"),
    (["null-keys", "--partitions", "3", "--records", "5", "--linger-ms", "-1"], "between 0 and"),
    (["null-keys", "--partitions", "3", "--records", "5", "--linger-ms", "900001"], "between 0 and"),
    (["null-keys", "--partitions", "3", "--records", "5", "--interval-ms", "soon"], "whole number"),
    (["null-keys", "--partitions", "3", "--records", "5", "--record-bytes", "-5"], "between 0 and"),
    (["null-keys", "--partitions", "3", "--records", "5", "--strategy", "sticky", "--batch-size", "0"],
     "between 1 and"),
    (["null-keys", "--partitions", "3", "--records", "5", "--batch-size", "1000"], "Java strategies only"),
    (["nonsense"], "invalid choice"),
])
def test_bad_arguments_exit_2_with_a_message(capsys, argv, message):
    assert message in fails(capsys, *argv)


def test_table_right_aligns_numbers():
    out = table(("NAME", "N"), [("a", 5), ("bbb", 12345)])
    assert out.splitlines() == ["NAME      N", "a         5", "bbb   12345"]


# -- rebalance -----------------------------------------------------------------------------------
def test_rebalance_crash_costs_the_session_timeout_and_the_text_says_the_json(capsys):
    data = run_json(capsys, "rebalance", "crash", "--session-timeout-ms", "10000")
    start, end = data["window_ms"]
    # range over 6 partitions and 4 members: c3 owns only P4, which waits for the session timeout
    assert data["victim"] == "c3" and data["rebalances"] == 1
    assert data["unowned_ms"]["4"] == data["max_gap_ms"]
    assert 10_000 - 3_000 <= data["max_gap_ms"] <= 10_000 + 3_500     # last heartbeat .. + rejoin
    text = run(capsys, "rebalance", "crash", "--session-timeout-ms", "10000")
    assert f"at {start / 1000:g} s c3 crashes (no LeaveGroup); measured until {end / 1000:g} s" in text
    assert f"longest gap {data['max_gap_ms'] / 1000:g} s" in text


def test_rebalance_numbers_are_the_availability_module_s_own(capsys):
    from pysim.kafka import availability
    from pysim.kafka.cluster import cluster
    from pysim.rebalance_demo import GROUP, SERVERS, TOPIC
    data = run_json(capsys, "rebalance", "rolling", "--strategy", "cooperative-sticky", "--consumers", "3")
    start, end = data["window_ms"]
    again = availability.summary(cluster(SERVERS).trace, GROUP, TOPIC, start_ms=start, end_ms=end)
    assert data["total_unowned_ms"] == again["total_unowned_ms"] and data["rebalances"] == again["rebalances"]
    assert sorted(data["paused_ms"]) == ["c1", "c2", "c3"]


def test_rebalance_orders_the_three_ways_to_deploy(capsys):
    """Eager rolling restarts leave partitions without an owner longer than cooperative-sticky;
    static membership restarts without a single rebalance."""
    eager = run_json(capsys, "rebalance", "rolling")
    coop = run_json(capsys, "rebalance", "rolling", "--strategy", "cooperative-sticky")
    static = run_json(capsys, "rebalance", "rolling", "--static")
    assert coop["total_unowned_ms"] < eager["total_unowned_ms"]
    assert static["rebalances"] == 0 < coop["rebalances"]
    assert sum(coop["paused_ms"].values()) == 0 < sum(eager["paused_ms"].values())


def test_rebalance_under_kip848_pauses_nobody_and_a_crash_still_costs_the_session(capsys):
    """--protocol consumer: the broker assigns (uniform), members reconcile on their own."""
    kip848 = run_json(capsys, "rebalance", "rolling", "--protocol", "consumer")
    eager = run_json(capsys, "rebalance", "rolling")
    assert (kip848["protocol"], kip848["assignor"], kip848["strategy"]) == ("consumer", "uniform", None)
    assert sum(kip848["paused_ms"].values()) == 0 < sum(eager["paused_ms"].values())
    assert sorted(kip848["paused_ms"]) == ["c1", "c2", "c3", "c4"]         # client ids, not base64 member ids
    assert kip848["total_unowned_ms"] < eager["total_unowned_ms"]
    assert kip848["rebalances"] == 8                 # a new target assignment per leave and per join
    crash = run_json(capsys, "rebalance", "crash", "--protocol", "consumer", "--session-timeout-ms", "10000")
    assert 10_000 - 5_000 <= crash["max_gap_ms"] <= 10_000 + 5_500     # last heartbeat .. + taker's heartbeat
    text = run(capsys, "rebalance", "leave", "--protocol", "consumer", "--assignor", "range")
    assert text.splitlines()[0] == ("4 consumers, 6 partitions, group.protocol consumer, assignor range, "
                                    "group.consumer.session.timeout.ms 45000")
    assert "c3 closes (leave heartbeat)" in text


def test_rebalance_rolling_upgrade_converts_the_group_at_the_first_consumer_pod(capsys):
    """--protocol upgrade: classic pods restart as group.protocol=consumer pods (online upgrade)."""
    data = run_json(capsys, "rebalance", "rolling", "--protocol", "upgrade", "--strategy", "cooperative-sticky")
    assert (data["protocol"], data["strategy"], data["assignor"]) == ("upgrade", "cooperative-sticky", "uniform")
    (time_ms, source, target), = data["conversions"]
    start, end = data["window_ms"]
    assert (source, target) == ("classic", "consumer")
    assert start + 8_000 <= time_ms < end                  # when c1's replacement starts, 8 s after c1 stopped
    text = run(capsys, "rebalance", "rolling", "--protocol", "upgrade")
    assert f"at {time_ms / 1000:g} s the group was converted from classic to consumer" in text
    assert "classic (strategy range,roundrobin, session.timeout.ms 45000) rolled over to group.protocol consumer" in text
    assert "conversions" not in run_json(capsys, "rebalance", "rolling")


def test_rebalance_is_a_function_of_its_arguments(capsys):
    assert run(capsys, "rebalance", "leave", "--seed", "5") == run(capsys, "rebalance", "leave", "--seed", "5")


@pytest.mark.parametrize("argv, message", [
    (["rebalance", "explode"], "invalid choice"),
    (["rebalance", "crash", "--session-timeout-ms", "5000"], "between 6000 and 300000"),
    (["rebalance", "crash", "--strategy", "sticky"], "invalid choice"),
    (["rebalance", "crash", "--victim", "c9"], "victim must be one of c1, c2, c3, c4"),
    (["rebalance", "leave", "--consumers", "0"], "between 1 and 100"),
    (["rebalance", "crash", "--protocol", "modern"], "invalid choice"),
    (["rebalance", "crash", "--protocol", "consumer", "--assignor", "sticky"], "invalid choice"),
    (["rebalance", "crash", "--protocol", "consumer", "--strategy", "range"],
     "--strategy is a classic setting: under --protocol consumer the broker assigns"),
    (["rebalance", "crash", "--assignor", "range"], "--assignor needs --protocol consumer"),
    (["rebalance", "leave", "--protocol", "upgrade"], "--protocol upgrade restarts every consumer with "
                                                      "group.protocol=consumer: it needs the rolling scenario"),
])
def test_rebalance_bad_arguments_exit_2(capsys, argv, message):
    assert message in fails(capsys, *argv)
