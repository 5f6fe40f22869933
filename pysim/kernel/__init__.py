"""The kernel both brokers share: a virtual clock, seeded named random streams, one scheduler
ordered by (time, sequence number) and a trace of every state change, held together by
``Simulation``. It depends on nothing else in pysim; ``pysim.kafka`` and ``pysim.amqp``
receive a Simulation and never build their own clock or randomness."""
