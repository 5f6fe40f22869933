"""MessageBatch: the messages (and their futures) bound for one topic and partition."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, NamedTuple, Optional, Sequence

PARTITION_UA = -1          # librdkafka's RD_KAFKA_PARTITION_UA: let the partitioner choose


class MessageBatch(NamedTuple):
    """An immutable batch: ``messages[i]`` resolves ``futures[i]``."""

    topic: str
    messages: Sequence[Dict[str, Any]]
    futures: Sequence["asyncio.Future[Any]"]
    partition: int = PARTITION_UA

    @property
    def size(self) -> int:
        return len(self.messages)

    @property
    def info(self) -> str:
        return f"MessageBatch(topic='{self.topic}', partition={self.partition}, size={self.size})"


def create_message_batch(topic: str, messages: Sequence[Dict[str, Any]], futures: Sequence["asyncio.Future[Any]"],
                         callbacks: Optional[Any] = None, partition: int = PARTITION_UA) -> MessageBatch:
    """A MessageBatch holding tuples of ``messages`` and ``futures``. ``callbacks`` is
    accepted and ignored, as upstream does (kept for callers of the older signature)."""
    return MessageBatch(topic, tuple(messages), tuple(futures), partition)
