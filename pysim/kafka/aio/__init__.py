"""``confluent_kafka.aio`` for pysim: AIOProducer and AIOConsumer, the asyncio clients.

They wrap pysim's Producer and Consumer as confluent-kafka's wrap theirs, with one
deliberate difference: blocking calls run in the calling thread by default (see
``_common.InlineExecutor``), so that a run stays deterministic and works in Pyodide. Run
them on pysim's virtual clock with :func:`pysim.asyncio_loop.run` (the course harness makes
``asyncio.run`` do that), or under any ordinary asyncio loop.
"""

from ._AIOConsumer import AIOConsumer
from .producer import AIOProducer

__all__ = ["AIOConsumer", "AIOProducer"]
