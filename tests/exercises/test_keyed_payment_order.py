"""02-keyed-payment-order leaves the partitioner to the learner: the reference solution passes
with any of librdkafka's keyed partitioners, and fails when the code, not the key, picks the
partition."""

from pathlib import Path

import pytest

from pysim.course.harness import run_exercise

FOLDER = Path(__file__).resolve().parents[2] / "exercises" / "02-keyed-payment-order"
SOLUTION = (FOLDER / "solution.py").read_text(encoding="utf-8")
CHECK = (FOLDER / "check.py").read_text(encoding="utf-8")
PRODUCER = 'producer = kafka.Producer({"bootstrap.servers": "localhost:9092"})'
PRODUCE = 'producer.produce("payments", key=payment_id, value=step)'


def failing(code):
    result = run_exercise(code, CHECK)
    assert result["error"] is None, result["error"]
    return [c["name"] for c in result["checks"] if not c["passed"]]


@pytest.mark.parametrize("conf", [
    '"partitioner": "consistent"', '"partitioner": "murmur2_random"', '"partitioner": "murmur2"',
    '"partitioner": "fnv1a_random"', '"pysim.java.partitioner": "builtin"'])
def test_any_keyed_partitioner_passes(conf):
    assert PRODUCER in SOLUTION
    code = SOLUTION.replace(PRODUCER, f'producer = kafka.Producer({{"bootstrap.servers": "localhost:9092", {conf}}})')
    assert failing(code) == []


def test_partition_computed_as_the_default_partitioner_does_passes():
    code = "import zlib\n" + SOLUTION.replace(
        PRODUCE, 'producer.produce("payments", key=payment_id, value=step, '
                 'partition=zlib.crc32(payment_id.encode()) % 6)')
    assert failing(code) == []


def test_a_fixed_partition_per_payment_that_no_partitioner_gives_fails():
    # pay-1..pay-5 on 0..4: spread, one partition each, in order, but not where a key hashes.
    code = SOLUTION.replace(PRODUCE, 'producer.produce("payments", key=payment_id, value=step, '
                                     'partition=PAYMENT_IDS.index(payment_id))')
    assert failing(code) == ["partition_from_key"]


def test_murmur2_placement_under_the_default_partitioner_name_is_not_mixed_up():
    # Half the payments where crc32 puts them, half where murmur2 does: no one partitioner explains it.
    code = "import zlib\nfrom pysim.partitioner import partition_for_key\n" + SOLUTION.replace(
        PRODUCE, 'producer.produce("payments", key=payment_id, value=step, partition='
                 '(zlib.crc32(payment_id.encode()) % 6) if payment_id in ("pay-1", "pay-2") '
                 'else partition_for_key(payment_id.encode(), 6))')
    assert failing(code) == ["partition_from_key"]
