"""TopicPartition and the logical offsets, as in confluent_kafka."""

OFFSET_BEGINNING, OFFSET_END, OFFSET_STORED, OFFSET_INVALID = -2, -1, -1000, -1001


class TopicPartition:
    """(topic, partition) plus an offset, metadata, leader epoch and error, like
    confluent_kafka.TopicPartition. Equality and hashing use topic and partition only."""

    __slots__ = ("topic", "partition", "offset", "metadata", "leader_epoch", "error")

    def __init__(self, topic, partition=-1, offset=OFFSET_INVALID, metadata=None, leader_epoch=None):
        if not isinstance(topic, str):
            raise TypeError("Topic must be a string")
        if not isinstance(partition, int) or not isinstance(offset, int):
            raise TypeError("partition and offset must be integers")
        self.topic, self.partition, self.offset = topic, partition, offset
        self.metadata, self.leader_epoch, self.error = metadata, leader_epoch, None

    def __eq__(self, other):
        if not isinstance(other, TopicPartition):
            return NotImplemented
        return (self.topic, self.partition) == (other.topic, other.partition)

    # Ordered by (topic, partition), every comparison, as the binding's tp_richcompare.
    def __lt__(self, other):
        if not isinstance(other, TopicPartition):
            return NotImplemented
        return (self.topic, self.partition) < (other.topic, other.partition)

    def __le__(self, other):
        if not isinstance(other, TopicPartition):
            return NotImplemented
        return (self.topic, self.partition) <= (other.topic, other.partition)

    def __gt__(self, other):
        if not isinstance(other, TopicPartition):
            return NotImplemented
        return (self.topic, self.partition) > (other.topic, other.partition)

    def __ge__(self, other):
        if not isinstance(other, TopicPartition):
            return NotImplemented
        return (self.topic, self.partition) >= (other.topic, other.partition)

    def __hash__(self):
        # Only lets TopicPartition be a dict key; dicts iterate in insertion order, so the
        # salted string hash never decides behaviour.
        return hash((self.topic, self.partition))

    def __repr__(self):
        err = f",error={self.error!r}" if self.error is not None else ""
        return (f"TopicPartition{{topic={self.topic},partition={self.partition},"
                f"offset={self.offset},leader_epoch={self.leader_epoch}{err}}}")
