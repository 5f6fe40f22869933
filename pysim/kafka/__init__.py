"""A confluent-kafka shaped client API over an in-process, deterministic Kafka cluster.

``from pysim import kafka`` stands in for ``import confluent_kafka``: Producer, Consumer,
TopicPartition, KafkaError, KafkaException, Message behave like theirs. ``kafka.cluster()``
is the handle to the simulated cluster (topics, virtual time, logs, trace);
``kafka.reset_all(seed)`` starts over.
"""
from pysim.kafka.errors import KafkaError, KafkaException
from pysim.kafka.topic_partition import (
    TopicPartition, OFFSET_BEGINNING, OFFSET_END, OFFSET_STORED, OFFSET_INVALID,
)
from pysim.kafka.message import (
    Message, TIMESTAMP_NOT_AVAILABLE, TIMESTAMP_CREATE_TIME, TIMESTAMP_LOG_APPEND_TIME,
)
from pysim.kafka.cluster import Cluster, cluster, reset_all
from pysim.kafka.producer import Producer
from pysim.kafka.consumer import Consumer
from pysim.kafka.admin import ConsumerGroupTopicPartitions, ConsumerGroupState, ConsumerGroupType, Node
from pysim.kafka.admin_model import ElectionType, IsolationLevel, TopicCollection, TopicPartitionInfo
from pysim.kafka.client_events import ThrottleEvent
from pysim.kafka.share_consumer import (
    ShareConsumer, Messages, AcknowledgeType, IllegalStateException, ConcurrentModificationException,
)
from pysim.kafka.deserializing_share_consumer import DeserializingShareConsumer
from pysim.kafka.binding import version, libversion, murmur2, consistent, fnv1a
from pysim.kafka.serializing_clients import SerializingProducer, DeserializingConsumer
from pysim.kafka import error, serialization  # noqa: F401  (confluent_kafka.error / .serialization)
import sys as _sys

# confluent_kafka.cimpl is the C module whose names confluent_kafka re-exports; here both are
# this module, so ``from confluent_kafka import cimpl`` (through an import shim) finds it.
cimpl = _sys.modules[__name__]

__all__ = ["Producer", "Consumer", "TopicPartition", "KafkaError", "KafkaException", "Message",
           "Cluster", "cluster", "reset_all", "OFFSET_BEGINNING", "OFFSET_END", "OFFSET_STORED",
           "OFFSET_INVALID", "TIMESTAMP_NOT_AVAILABLE", "TIMESTAMP_CREATE_TIME",
           "TIMESTAMP_LOG_APPEND_TIME", "ConsumerGroupTopicPartitions", "ConsumerGroupState",
           "ConsumerGroupType", "Node", "ElectionType", "IsolationLevel", "TopicCollection",
           "TopicPartitionInfo", "ThrottleEvent",
           "ShareConsumer", "Messages", "AcknowledgeType", "IllegalStateException",
           "ConcurrentModificationException", "DeserializingShareConsumer",
           "version", "libversion", "murmur2", "consistent", "fnv1a",
           "SerializingProducer", "DeserializingConsumer"]
