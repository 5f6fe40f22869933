"""confluent_kafka's module-level functions: version(), libversion() and the built-in
partitioners as plain functions (murmur2, consistent, fnv1a), with the binding's argument
checks. pysim mirrors confluent-kafka 2.16.1 on librdkafka 2.16.0, so it reports those."""

from pysim import partitioner as _p

VERSION = "2.16.1"
LIBVERSION = ("2.16.0", 0x021000FF)


def version():
    """Module version string, the confluent-kafka release pysim mirrors.

    :returns: version_string
    :rtype: str"""
    return VERSION


def libversion():
    """librdkafka version, the one pysim mirrors.

    :returns: (version string, version int)
    :rtype: tuple"""
    return LIBVERSION


def _checked(key, partition_count):
    if not isinstance(key, (bytes, bytearray, memoryview)):
        raise TypeError(f"a bytes-like object is required, not '{type(key).__name__}'")
    if not isinstance(partition_count, int):
        raise TypeError(f"'{type(partition_count).__name__}' object cannot be interpreted as an integer")
    if partition_count <= 0:
        raise ValueError(f"partition_count must be > 0, got {partition_count}")
    return bytes(key)


def murmur2(key, partition_count):
    """Calculate partition using Murmur2 hash (Java-compatible).

    :param bytes key: the message key
    :param int partition_count: number of partitions (must be > 0)
    :returns: partition id (0 to partition_count-1)
    :rtype: int
    :raises ValueError: if partition_count <= 0
    :raises TypeError: if key is not bytes or partition_count is not int"""
    return _p.partition_for_key(_checked(key, partition_count), partition_count)


def consistent(key, partition_count):
    """Calculate partition using CRC32 hash (librdkafka's ``consistent``).

    :param bytes key: the message key
    :param int partition_count: number of partitions (must be > 0)
    :returns: partition id (0 to partition_count-1)
    :rtype: int"""
    return _p.crc32_partition(_checked(key, partition_count), partition_count)


def fnv1a(key, partition_count):
    """Calculate partition using FNV-1a hash (Sarama-compatible).

    :param bytes key: the message key
    :param int partition_count: number of partitions (must be > 0)
    :returns: partition id (0 to partition_count-1)
    :rtype: int"""
    return _p.fnv1a_partition(_checked(key, partition_count), partition_count)
