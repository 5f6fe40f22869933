"""Hidden checks for 02-key-spread. The truth is the cluster: how many records each
partition of "clicks" and "clicks-by-country" really holds; the learner's counts and skew
must agree with it."""

PARTITIONS = 6
USERS = [f"user-{i}" for i in range(10_000)]
COUNTRIES = ["de", "fr", "nl", "es"]


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, (bytes, bytearray)) else value


def _real_counts(run, topic):
    cluster = run.cluster()
    assert cluster.has_topic(topic), f'The topic "{topic}" is gone: keep the setup lines that create it.'
    n = cluster.num_partitions(topic)
    assert n == PARTITIONS, f'"{topic}" has {n} partitions; keep the setup: {PARTITIONS} partitions.'
    return {p: len(cluster.records(topic, p)) for p in range(n)}


def _as_counts(value, name):
    """The learner's counts as {partition: count}: a dict, or a list indexed by partition."""
    if isinstance(value, (list, tuple)):
        value = dict(enumerate(value))
    assert isinstance(value, dict), (f"{name} should be a dict partition -> count (or a list indexed by "
                                     f"partition), got {type(value).__name__}.")
    out = {}
    for p, n in value.items():
        assert isinstance(p, int) and not isinstance(p, bool) and 0 <= p < PARTITIONS, (
            f"{name} has the key {p!r}: use msg.partition(), an int from 0 to {PARTITIONS - 1}.")
        assert isinstance(n, int) and not isinstance(n, bool), f"{name}[{p}] is {n!r}, not a count."
        out[p] = n
    return {p: out.get(p, 0) for p in range(PARTITIONS)}


def _check_placement(run, topic, expected_keys):
    from pysim.partitioner import partition_for_key
    real = _real_counts(run, topic)
    seen = {}
    for p in range(PARTITIONS):
        for record in run.cluster().records(topic, p):
            key = _text(record.key)
            assert key is not None, (f'"{topic}" has a record without a key in partition {p}: '
                                     "produce every record with key=<the key>.")
            java = partition_for_key(record.key, PARTITIONS)
            assert p == java, (f'"{key}" went to partition {p}, but a Java producer puts it in {java}: '
                               'configure the producer with "partitioner": "murmur2_random".')
            seen[key] = seen.get(key, 0) + 1
    want = {}
    for key in expected_keys:
        want[key] = want.get(key, 0) + 1
    assert sum(real.values()) == len(expected_keys), (
        f'"{topic}" holds {sum(real.values())} records; expected {len(expected_keys)}, one per key in the list.')
    assert seen == want, f'"{topic}" does not hold exactly one record per key of the list you were given.'


def _check_measured(run, topic, counts_name, skew_name):
    real = _real_counts(run, topic)
    counts = _as_counts(run.get(counts_name), counts_name)
    assert sum(counts.values()) > 0, (f"{counts_name} is empty: delivery reports are served by poll() and "
                                      "flush(), so call producer.flush() before you return counts.")
    assert counts == real, (f"{counts_name} says {counts}, but the partitions of \"{topic}\" hold {real}: "
                            "count msg.partition() of each delivery report (or read the watermarks).")
    skew = run.get(skew_name)
    assert isinstance(skew, (int, float)) and not isinstance(skew, bool), (
        f"{skew_name} should be a number, got {skew!r}.")
    mean = sum(real.values()) / PARTITIONS
    expected = max(real.values()) / mean
    if abs(skew - expected) > 0.005:
        busy = [n for n in real.values() if n]
        wrong_mean = max(busy) / (sum(busy) / len(busy))
        if abs(skew - wrong_mean) <= 0.005 and len(busy) < PARTITIONS:
            raise AssertionError(f"{skew_name} is {skew:.2f}, but {PARTITIONS - len(busy)} partition(s) got "
                                 f"nothing: the mean is over all {PARTITIONS} partitions, empty ones "
                                 f"included, which gives {expected:.2f}.")
        raise AssertionError(f"{skew_name} is {skew!r}; the largest partition divided by the mean per "
                             f"partition is {max(real.values())} / {mean:.1f} = {expected:.2f}.")


def check_user_keys_placed(run):
    """"clicks" holds one record per user, each in the partition a Java producer would choose."""
    _check_placement(run, "clicks", USERS)


def check_user_counts(run):
    """counts and skew match the real partitions of "clicks" (skew about 1.02x)."""
    _check_measured(run, "clicks", "counts", "skew")


def check_country_keys_placed(run):
    """"clicks-by-country" holds the 10,000 clicks keyed by country."""
    _check_placement(run, "clicks-by-country", [COUNTRIES[i % len(COUNTRIES)] for i in range(len(USERS))])


def check_country_counts(run):
    """country_counts and country_skew match "clicks-by-country" (skew 3.00x: two countries share a partition)."""
    _check_measured(run, "clicks-by-country", "country_counts", "country_skew")
