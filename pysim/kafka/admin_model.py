"""The small value types of the newer admin calls, as confluent_kafka exports them:
TopicCollection (describe_topics' request), TopicDescription / TopicPartitionInfo,
DescribeClusterResult, OffsetSpec / ListOffsetsResultInfo (list_offsets), IsolationLevel
and ElectionType. Enum numbers are the binding's."""

from pysim.kafka.admin_config import _Ordered


class IsolationLevel(_Ordered):
    READ_UNCOMMITTED = 0
    READ_COMMITTED = 1


class ElectionType(_Ordered):
    PREFERRED = 0
    UNCLEAN = 1


class TopicCollection:
    """The topic names describe_topics() is asked about."""

    def __init__(self, topic_names):
        self.topic_names = topic_names


class TopicPartitionInfo:
    """One partition of a described topic: its id, leader Node, replicas and in-sync replicas."""

    def __init__(self, id, leader, replicas, isr):
        self.id, self.leader, self.replicas, self.isr = id, leader, replicas, isr


class TopicDescription:
    def __init__(self, name, topic_id, is_internal, partitions, authorized_operations=None):
        self.name, self.topic_id, self.is_internal = name, topic_id, is_internal
        self.partitions, self.authorized_operations = partitions, authorized_operations


class DescribeClusterResult:
    def __init__(self, controller, nodes, cluster_id=None, authorized_operations=None):
        self.controller, self.nodes = controller, nodes
        self.cluster_id, self.authorized_operations = cluster_id, authorized_operations


class OffsetSpec:
    """Which offset list_offsets() looks up: ``earliest()`` (the log start offset),
    ``latest()`` (the high watermark), ``max_timestamp()`` (the record with the largest
    timestamp) or ``for_timestamp(ms)`` (the first record at or after ``ms``)."""

    _value = None

    @classmethod
    def earliest(cls):
        return _EARLIEST

    @classmethod
    def latest(cls):
        return _LATEST

    @classmethod
    def max_timestamp(cls):
        return _MAX_TIMESTAMP

    @classmethod
    def for_timestamp(cls, timestamp):
        return TimestampSpec(timestamp)


class EarliestSpec(OffsetSpec):
    _value = -2


class LatestSpec(OffsetSpec):
    _value = -1


class MaxTimestampSpec(OffsetSpec):
    _value = -3


class TimestampSpec(OffsetSpec):
    def __init__(self, timestamp):
        self.timestamp = timestamp

    @property
    def _value(self):
        return self.timestamp


_EARLIEST, _LATEST, _MAX_TIMESTAMP = EarliestSpec(), LatestSpec(), MaxTimestampSpec()


class ListOffsetsResultInfo:
    """The answer for one partition: the offset, the timestamp of the record found there
    (-1 when none) and its leader epoch (None: pysim has no leader changes)."""

    def __init__(self, offset, timestamp, leader_epoch):
        self.offset, self.timestamp, self.leader_epoch = offset, timestamp, leader_epoch

    def __repr__(self):
        return f"ListOffsetsResultInfo(offset={self.offset},timestamp={self.timestamp},leader_epoch={self.leader_epoch})"
