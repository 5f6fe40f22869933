"""Minimal confluent-kafka compatible client API over an in-process deterministic cluster.

PARTIAL: written under time pressure; covers produce/consume/commit basics only.
"""
from pysim.kafka.core import (
    Producer, Consumer, TopicPartition, KafkaError, KafkaException, Message, cluster, reset_all,
    OFFSET_BEGINNING, OFFSET_END, OFFSET_STORED, OFFSET_INVALID,
)

__all__ = ["Producer", "Consumer", "TopicPartition", "KafkaError", "KafkaException", "Message",
           "cluster", "reset_all", "OFFSET_BEGINNING", "OFFSET_END", "OFFSET_STORED", "OFFSET_INVALID"]
