"""Where a keyed record goes: the hash functions, bit for bit those of Kafka's Java client
(``Utils.murmur2``) and librdkafka (``rd_crc32``, ``rd_murmur2``, ``rd_fnv1a``). These are
pure functions of the key; the strategies for records without a key keep per-topic state
and live elsewhere: librdkafka's sticky partition in ``pysim.kafka.partitioning``, the Java
producer's strategies in ``pysim.java_partitioners``."""

import zlib

_M = 0x5BD1E995
_SEED = 0x9747B28C
_MASK = 0xFFFFFFFF
_FNV_PRIME = 0x01000193
_FNV_OFFSET = 0x811C9DC5


def murmur2(data: bytes) -> int:
    """Java's ``Utils.murmur2``: 32-bit MurmurHash2, returned as a signed 32-bit int."""
    data = _as_bytes(data)
    length = len(data)
    h = (_SEED ^ length) & _MASK
    whole = length - (length % 4)
    for i in range(0, whole, 4):
        k = int.from_bytes(data[i:i + 4], "little")
        k = (k * _M) & _MASK
        k ^= k >> 24
        k = (k * _M) & _MASK
        h = (h * _M) & _MASK
        h ^= k
    tail = length % 4
    if tail == 3:
        h ^= data[whole + 2] << 16
    if tail >= 2:
        h ^= data[whole + 1] << 8
    if tail >= 1:
        h ^= data[whole]
        h = (h * _M) & _MASK
    h ^= h >> 13
    h = (h * _M) & _MASK
    h ^= h >> 15
    return h - (1 << 32) if h & 0x80000000 else h


def to_positive(value: int) -> int:
    """Java's ``Utils.toPositive``: clear the sign bit (not ``abs``)."""
    return value & 0x7FFFFFFF


def partition_for_key(key: bytes, num_partitions: int) -> int:
    """The Java client's keyed rule: ``toPositive(murmur2(key)) % num_partitions``.
    An empty key is hashed like any other; a null key has no keyed partition."""
    _check_partitions(num_partitions)
    if key is None:
        raise ValueError("a null key has no keyed partition: it follows the null-key strategy")
    return to_positive(murmur2(key)) % num_partitions


def crc32_partition(key: bytes, num_partitions: int) -> int:
    """librdkafka's ``consistent`` rule: ``crc32(key) % num_partitions``."""
    _check_partitions(num_partitions)
    return zlib.crc32(_as_bytes(key)) % num_partitions


def fnv1a(data: bytes) -> int:
    """librdkafka's ``rd_fnv1a``: 32-bit FNV-1a, then, to match Sarama's default hash
    partitioner, the absolute value of the result read as a signed int; returned unsigned.
    (0x80000000 stays 0x80000000, as in C.)"""
    h = _FNV_OFFSET
    for byte in _as_bytes(data):
        h = ((h ^ byte) * _FNV_PRIME) & _MASK
    if h & 0x80000000:
        h = -h & _MASK
    return h


def fnv1a_partition(key: bytes, num_partitions: int) -> int:
    """librdkafka's ``fnv1a`` rule: ``fnv1a(key) % num_partitions`` (Sarama-compatible)."""
    _check_partitions(num_partitions)
    return fnv1a(key) % num_partitions


def _as_bytes(data) -> bytes:
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise TypeError(f"a key must be bytes or str, got {type(data).__name__}")


def _check_partitions(num_partitions) -> None:
    if isinstance(num_partitions, bool) or not isinstance(num_partitions, int) or num_partitions < 1:
        raise ValueError(f"num_partitions must be a positive int, got {num_partitions!r}")
