"""The asyncio producer and the parts it is built from (the same modules as
``confluent_kafka.aio.producer``, whose unit tests patch and use them)."""

from ._AIOProducer import AIOProducer

__all__ = ["AIOProducer"]
