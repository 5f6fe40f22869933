"""Two sides for every parity test: librdkafka's mock cluster (started once per session,
3 brokers, topics auto-created with 4 partitions) and a fresh pysim cluster whose topics
are created with 4 partitions too. A test runs one script from parity_scripts.py on both."""

from dataclasses import dataclass, field

import importlib

import confluent_kafka
import pytest

PARTITIONS = 4  # what the mock cluster auto-creates
PYSIM_BOOTSTRAP = "parity-kafka:9092"


@dataclass
class Side:
    """One implementation of the confluent-kafka API and a cluster to point it at."""
    name: str
    kafka: object
    conf: dict
    create_topic: object = field(repr=False)

    def topic(self, name: str) -> str:
        self.create_topic(name)
        return name


@pytest.fixture(scope="session")
def mock_bootstrap():
    """librdkafka's in-process mock cluster; it lives as long as the producer that made it."""
    owner = confluent_kafka.Producer({"test.mock.num.brokers": 3, "log_level": 3})
    brokers = owner.list_topics(timeout=10).brokers
    assert len(brokers) == 3, f"the mock cluster did not start: {brokers}"
    yield ",".join(f"{b.host}:{b.port}" for b in sorted(brokers.values(), key=lambda b: b.id))
    owner.flush(5)
    del owner


@pytest.fixture
def rdkafka(mock_bootstrap):
    # Topics auto-create on first use with PARTITIONS partitions: nothing to do up front.
    return Side("librdkafka", confluent_kafka, {"bootstrap.servers": mock_bootstrap, "log_level": 3},
                create_topic=lambda name: None)


def _pysim_kafka():
    """Imported here, not at module level: a broken pysim.kafka fails the parity tests
    with its own error instead of aborting the whole pytest session at conftest import."""
    return importlib.import_module("pysim.kafka")


@pytest.fixture
def pysim():
    pysim_kafka = _pysim_kafka()
    pysim_kafka.reset_all(seed=0)
    cluster = pysim_kafka.cluster(PYSIM_BOOTSTRAP)
    return Side("pysim", pysim_kafka, {"bootstrap.servers": PYSIM_BOOTSTRAP},
                create_topic=lambda name: cluster.create_topic(name, num_partitions=PARTITIONS))


@pytest.fixture
def sides(rdkafka, pysim):
    return [rdkafka, pysim]
