"""Configuration names: every property the real client knows, pysim knows, on both client
types (librdkafka shares one configuration between producer and consumer), and a name the
real client refuses pysim refuses with the same words."""

import confluent_kafka
import pytest

from pysim import kafka
from pysim.kafka import config

pytestmark = pytest.mark.parity

UNKNOWN = "No such configuration property"
SAMPLE_BAD_NAMES = ["group.idd", "linger_ms", "acks.all", "pysim.unknown", "retention.ms", "max.poll.record"]


def _error(factory, conf):
    try:
        client = factory(conf)
    except (confluent_kafka.KafkaException, kafka.KafkaException, ValueError, TypeError) as e:
        err = e.args[0]
        return err.str() if hasattr(err, "str") else str(err)
    close = getattr(client, "close", None)
    if close is not None and factory in (confluent_kafka.Consumer, kafka.Consumer):
        close()
    return None


def _classify(message):
    if message is None:
        return "accepted"
    if message.startswith(UNKNOWN):
        return "unknown"
    if "must be set through dedicated" in message:
        return "dedicated"
    return "known"   # known name, refused value (pysim checks fewer values than librdkafka)


@pytest.mark.parametrize("client", ["producer", "consumer"])
def test_every_librdkafka_name_is_known_to_pysim_and_bad_names_are_refused_alike(client, mock_bootstrap):
    real_factory = confluent_kafka.Producer if client == "producer" else confluent_kafka.Consumer
    sim_factory = kafka.Producer if client == "producer" else kafka.Consumer
    base_real = {"bootstrap.servers": mock_bootstrap}
    base_sim = {"bootstrap.servers": "config-parity:9092"}
    if client == "consumer":
        base_real["group.id"] = base_sim["group.id"] = "config-parity"
    names = sorted(config.LIBRDKAFKA | config.DEDICATED_FUNCTION) + SAMPLE_BAD_NAMES
    differences = []
    for name in names:
        if name in ("bootstrap.servers", "group.id", "metadata.broker.list", "debug", "log_level"):
            continue
        value = (lambda *a: None) if name in config.DEDICATED_FUNCTION else "\x01"
        real = _classify(_error(real_factory, dict(base_real, **{name: value})))
        sim = _classify(_error(sim_factory, dict(base_sim, **{name: value})))
        if (real == "unknown") != (sim == "unknown") or (real == "dedicated") != (sim == "dedicated"):
            differences.append((name, real, sim))
    assert differences == [], f"(name, librdkafka, pysim): {differences[:10]}"
    # and the words agree for an unknown name
    real = _error(real_factory, dict(base_real, **{"group.idd": "x"}))
    sim = _error(sim_factory, dict(base_sim, **{"group.idd": "x"}))
    assert real == sim == 'No such configuration property: "group.idd"'
