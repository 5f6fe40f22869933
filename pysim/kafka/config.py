"""Client configuration checked the way librdkafka checks it: an unknown property or an
invalid enum value raises KafkaException(_INVALID_ARG) with librdkafka's wording, before
the client touches the cluster, so a bad config changes nothing."""

from pysim.kafka.errors import KafkaError, KafkaException

# Properties pysim understands or accepts (librdkafka names). Accepted-but-ignored ones are
# listed so that scripts written for a real cluster run unchanged.
COMMON = {
    "bootstrap.servers", "metadata.broker.list", "client.id", "debug", "log_level", "logger",
    "error_cb", "stats_cb", "statistics.interval.ms", "socket.timeout.ms",
    "security.protocol", "sasl.mechanism", "sasl.mechanisms", "sasl.username", "sasl.password",
    "ssl.ca.location", "api.version.request", "broker.address.family", "test.mock.num.brokers",
    "reconnect.backoff.ms", "reconnect.backoff.max.ms", "retry.backoff.ms",
}
PRODUCER = COMMON | {
    "acks", "request.required.acks", "enable.idempotence", "transactional.id",
    "transaction.timeout.ms", "linger.ms", "queue.buffering.max.ms", "batch.size",
    "batch.num.messages", "compression.type", "compression.codec", "partitioner",
    "message.timeout.ms", "delivery.timeout.ms", "retries", "message.send.max.retries",
    "max.in.flight.requests.per.connection", "max.in.flight", "on_delivery",
    "delivery.report.only.error", "queue.buffering.max.messages", "queue.buffering.max.kbytes",
    "sticky.partitioning.linger.ms", "message.max.bytes", "allow.auto.create.topics",
    "topic.metadata.propagation.max.ms",
    "pysim.java.partitioner",   # pysim only: the Java producer's null-key strategies (producer.py)
}
CONSUMER = COMMON | {
    "group.id", "group.instance.id", "auto.offset.reset", "enable.auto.commit",
    "auto.commit.interval.ms", "enable.auto.offset.store", "session.timeout.ms",
    "heartbeat.interval.ms", "max.poll.interval.ms", "partition.assignment.strategy",
    "isolation.level", "enable.partition.eof", "fetch.min.bytes", "fetch.wait.max.ms",
    "fetch.max.bytes", "max.partition.fetch.bytes", "on_commit", "group.protocol",
    "allow.auto.create.topics", "check.crcs",
}
ENUMS = {
    "auto.offset.reset": {"smallest", "earliest", "beginning", "largest", "latest", "end", "error"},
    "partitioner": {"random", "consistent", "consistent_random", "murmur2", "murmur2_random",
                    "fnv1a", "fnv1a_random"},
    "isolation.level": {"read_committed", "read_uncommitted"},
    "pysim.java.partitioner": {"round_robin", "sticky", "builtin"},
}
BOOLEANS = {"enable.auto.commit", "enable.idempotence", "enable.partition.eof",
            "enable.auto.offset.store", "allow.auto.create.topics"}


def validate(conf, known: set) -> dict:
    """Return a copy of ``conf`` or raise like librdkafka would."""
    if not isinstance(conf, dict):
        raise TypeError(f"expected configuration dict, got {type(conf).__name__}")

    def fail(reason):
        raise KafkaException(KafkaError(KafkaError._INVALID_ARG, reason))

    for name in sorted(conf):
        value = conf[name]
        if name not in known:
            fail(f'No such configuration property: "{name}"')
        if name in ENUMS and str(value) not in ENUMS[name]:
            if name == "partitioner":
                fail(f'Invalid value for configuration property "{name}": {value}')
            fail(f'Invalid value "{value}" for configuration property "{name}"')
        if name in BOOLEANS and str(value).lower() not in ("true", "false"):
            fail(f'Invalid value "{value}" for configuration property "{name}"')
    return dict(conf)


def as_bool(value) -> bool:
    return str(value).lower() == "true"
