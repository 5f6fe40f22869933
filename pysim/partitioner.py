"""Where a record goes. Keyed rules are bit-for-bit those of Kafka's Java client
(``Utils.murmur2``) and librdkafka; null-key strategies live in ``pysim.kafka``'s
producer, which owns the per-topic state they need."""

import zlib

_M = 0x5BD1E995
_SEED = 0x9747B28C
_MASK = 0xFFFFFFFF


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


def _as_bytes(data) -> bytes:
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise TypeError(f"a key must be bytes or str, got {type(data).__name__}")


def _check_partitions(num_partitions) -> None:
    if isinstance(num_partitions, bool) or not isinstance(num_partitions, int) or num_partitions < 1:
        raise ValueError(f"num_partitions must be a positive int, got {num_partitions!r}")
