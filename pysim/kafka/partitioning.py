"""Where librdkafka's producer puts a record produced without an explicit partition: the
rule of the configured ``partitioner``, and the sticky partition for records without a key.

The rules, as rd_kafka_msg_partitioner (rdkafka_msg.c) and rd_kafka_topic_new0
(rdkafka_topic.c) apply them in librdkafka >= 1.5, and as librdkafka 2.16 does against its
mock cluster (tests/parity/test_producer_parity.py):

- keyed rules: ``consistent`` / ``consistent_random`` = crc32(key) % n, ``murmur2`` /
  ``murmur2_random`` = (murmur2(key) & 0x7fffffff) % n (the Java client's), ``fnv1a`` /
  ``fnv1a_random`` = fnv1a(key) % n (Sarama's); ``random`` ignores the key and draws a
  partition for every record.
- a null key under ``consistent``, ``murmur2`` and ``fnv1a`` is hashed as if it were empty,
  so every null-key record goes to one fixed partition: crc32(b"") % n = 0,
  0x106e08d9 % n, 0x7ee3623b % n.
- a null key under ``consistent_random``, ``murmur2_random``, ``fnv1a_random`` and
  ``random``, and an empty key under ``consistent_random`` (the default), go to the topic's
  *sticky partition*: one uniformly random partition (it may repeat the last one), kept
  for ``sticky.partitioning.linger.ms`` (default 10), then drawn again by the next such
  record. librdkafka redraws when more than the linger has passed since the draw
  (rd_interval: ``now - drawn_at > linger``), which pysim applies to virtual milliseconds:
  every record produced within ``linger`` virtual ms of the draw sticks, so a burst
  produced while the clock stands still lands in one partition. Linger 0 turns stickiness
  off: such records then take a fresh random partition each (librdkafka sets
  ``random_partitioner`` and calls the partitioner directly).
- an empty (non-null) key under murmur2_random / fnv1a_random is hashed: one fixed partition.

The sticky state is per producer and per topic, as librdkafka keeps it on the producer's
topic handle (``rkt_sticky_partition``). Every random draw comes from the producer's own
seeded stream, so a new producer never changes another one's choices.
"""

import zlib

from pysim.partitioner import fnv1a, murmur2, to_positive

PARTITIONERS = ("random", "consistent", "consistent_random", "murmur2", "murmur2_random",
                "fnv1a", "fnv1a_random")
DEFAULT_PARTITIONER = "consistent_random"
STICKY_LINGER_DEFAULT_MS = 10
STICKY_LINGER_MAX_MS = 900_000
# Keys whose pure-Python hash (murmur2, fnv1a) is remembered; a workload with more distinct
# keys than this starts the memo over (deterministically) instead of growing without bound.
HASH_MEMO_LIMIT = 65_536
_HASH_ONLY = ("consistent", "murmur2", "fnv1a")   # never sticky: null keys are hashed


def is_sticky(partitioner, sticky_linger_ms):
    """Whether null keys use the sticky partition (rd_kafka_topic_new0's random_partitioner
    flag, inverted)."""
    return sticky_linger_ms > 0 and partitioner not in _HASH_ONLY


def make_partitioner(partitioner, sticky_linger_ms, rng, clock):
    """A function ``(topic, key, num_partitions) -> partition`` for one producer.

    ``key`` is None or bytes. ``rng`` is the producer's random stream (``randrange``),
    ``clock`` the cluster's virtual clock (``now_ms``). The function is specialised per
    partitioner so that the produce path runs no more branches than the rule needs."""
    if partitioner not in PARTITIONERS:
        raise ValueError(f"unknown partitioner {partitioner!r}")
    draw = rng.randrange
    if is_sticky(partitioner, sticky_linger_ms):
        null_key = _sticky(draw, clock, sticky_linger_ms)
    else:
        def null_key(topic, n):
            return draw(n)

    if partitioner == "random":
        def place(topic, key, n):
            return null_key(topic, n) if key is None else draw(n)
        return place

    if partitioner.startswith("consistent"):
        crc32 = zlib.crc32
        if partitioner == "consistent":
            def place(topic, key, n):
                return crc32(key) % n if key is not None else 0   # crc32(b"") == 0
            return place

        def place(topic, key, n):                                  # consistent_random
            return crc32(key) % n if key else null_key(topic, n)   # empty keys count as null
        return place

    hashed = _memo(murmur2_unsigned if partitioner.startswith("murmur2") else fnv1a)
    if partitioner in _HASH_ONLY:
        def place(topic, key, n):
            return hashed(key if key is not None else b"") % n
        return place

    def place(topic, key, n):                                      # murmur2_random, fnv1a_random
        return hashed(key) % n if key is not None else null_key(topic, n)
    return place


def murmur2_unsigned(key):
    """librdkafka's murmur2 rule before the modulo: ``rd_murmur2(key) & 0x7fffffff``."""
    return to_positive(murmur2(key))


def _sticky(draw, clock, linger_ms):
    """The sticky partition of each topic: (partition, virtual ms it was drawn at)."""
    state = {}

    def null_key(topic, n):
        now = clock.now_ms
        current = state.get(topic)
        # Redraw when the linger has passed, or when the partition no longer exists
        # (librdkafka expedites the redraw when the sticky partition is unavailable).
        if current is None or now - current[1] > linger_ms or current[0] >= n:
            partition = draw(n)
            state[topic] = (partition, now)
            return partition
        return current[0]
    return null_key


def _memo(hash_function):
    """``hash_function`` with a bounded memo: the produce path of a workload that repeats
    keys pays the pure-Python hash once per distinct key."""
    memo = {}
    get = memo.get

    def hashed(key):
        h = get(key)
        if h is None:
            h = hash_function(key)
            if len(memo) >= HASH_MEMO_LIMIT:
                memo.clear()
            memo[key] = h
        return h
    return hashed
