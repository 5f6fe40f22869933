"""pysim: a deterministic simulator of Kafka and RabbitMQ for learning by doing.

A run is a pure function of (scenario, seed): time comes from a virtual clock,
randomness from named seeded streams, ordering from one scheduler queue, and every
state change is written to a trace that tests compare and pictures draw.

Public faces: ``pysim.kafka`` (confluent-kafka shaped), ``pysim.amqp`` (RabbitMQ, pika
shaped), ``pysim.partitioner``, ``pysim.Simulation`` (the kernel).
"""

from pysim.kernel.simulation import Simulation

__all__ = ["Simulation"]
__version__ = "0.1.0"
