"""python -m pysim: each command's numbers checked against an independent computation, the
JSON output parses, and bad arguments exit with status 2."""

import json
import math
import zlib

import pytest
from hypothesis import given, settings, strategies as st

from pysim import kafka
from pysim.cli import chi2_sf, gamma_q, main, table
from pysim.partitioner import murmur2, partition_for_key
from pysim.replay import parse_datetime_ms

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
    now = 10 * DAY
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
    (["nonsense"], "invalid choice"),
])
def test_bad_arguments_exit_2_with_a_message(capsys, argv, message):
    assert message in fails(capsys, *argv)


def test_table_right_aligns_numbers():
    out = table(("NAME", "N"), [("a", 5), ("bbb", 12345)])
    assert out.splitlines() == ["NAME      N", "a         5", "bbb   12345"]
