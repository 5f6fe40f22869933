"""Client configuration checked the way librdkafka checks it: an unknown property or an
invalid enum value raises KafkaException(_INVALID_ARG) with librdkafka's wording, before
the client touches the cluster, so a bad config changes nothing."""

from pysim.kafka.errors import KafkaError, KafkaException

# Every property librdkafka 2.16 (confluent-kafka 2.16.1) accepts, global and topic-level:
# the list was read off the real client by handing it each name and keeping those it did not
# answer with "No such configuration property". librdkafka shares one configuration between
# producer and consumer (a consumer property on a producer is accepted and ignored), so pysim
# does too. Most change nothing in a simulator; accepting them keeps real scripts running.
LIBRDKAFKA = frozenset({
    "acks", "allow.auto.create.topics", "api.version.fallback.ms", "api.version.request",
    "api.version.request.timeout.ms", "auto.commit.enable", "auto.commit.interval.ms",
    "auto.offset.reset", "batch.num.messages", "batch.size", "bootstrap.servers",
    "broker.address.family", "broker.address.ttl", "broker.version.fallback",
    "builtin.features", "check.crcs", "client.dns.lookup", "client.id", "client.rack",
    "client.software.name", "client.software.version", "compression.codec",
    "compression.level", "compression.type", "connections.max.idle.ms",
    "consume.callback.max.messages", "coordinator.query.interval.ms", "debug",
    "delivery.report.only.error", "delivery.timeout.ms",
    "enable.auto.commit", "enable.auto.offset.store", "enable.gapless.guarantee",
    "enable.idempotence", "enable.metrics.push", "enable.partition.eof",
    "enable.random.seed", "enable.sasl.oauthbearer.unsecure.jwt",
    "enable.sparse.connections", "enable.ssl.certificate.verification", "enable_sasl_queue",
    "enabled_events", "fetch.error.backoff.ms", "fetch.max.bytes",
    "fetch.message.max.bytes", "fetch.min.bytes", "fetch.queue.backoff.ms",
    "fetch.wait.max.ms", "group.id", "group.instance.id", "group.protocol",
    "group.protocol.type", "group.remote.assignor", "heartbeat.interval.ms",
    "https.ca.location", "https.ca.pem", "interceptors", "internal.termination.signal",
    "isolation.level", "linger.ms", "log.connection.close", "log.queue", "log.thread.name",
    "log_level", "max.in.flight", "max.in.flight.requests.per.connection",
    "max.partition.fetch.bytes", "max.poll.interval.ms", "max.poll.records",
    "message.copy.max.bytes", "message.max.bytes", "message.send.max.retries",
    "message.timeout.ms", "metadata.broker.list", "metadata.max.age.ms",
    "metadata.recovery.rebootstrap.trigger.ms", "metadata.recovery.strategy",
    "metadata.request.timeout.ms", "offset.store.method",
    "offset.store.path", "offset.store.sync.interval.ms",
    "partition.assignment.strategy", "partitioner", "plugin.library.paths",
    "produce.offset.report", "queue.buffering.backpressure.threshold",
    "queue.buffering.max.kbytes", "queue.buffering.max.messages", "queue.buffering.max.ms",
    "queued.max.messages.kbytes", "queued.min.messages", "queuing.strategy",
    "receive.message.max.bytes", "reconnect.backoff.jitter.ms", "reconnect.backoff.max.ms",
    "reconnect.backoff.ms", "request.required.acks", "request.timeout.ms", "retries",
    "retry.backoff.max.ms", "retry.backoff.ms", "sasl.jaas.config", "sasl.kerberos.keytab",
    "sasl.kerberos.kinit.cmd", "sasl.kerberos.min.time.before.relogin",
    "sasl.kerberos.principal", "sasl.kerberos.service.name", "sasl.mechanism",
    "sasl.mechanisms", "sasl.oauthbearer.assertion.algorithm",
    "sasl.oauthbearer.assertion.claim.aud", "sasl.oauthbearer.assertion.claim.exp.seconds",
    "sasl.oauthbearer.assertion.claim.iss", "sasl.oauthbearer.assertion.claim.jti.include",
    "sasl.oauthbearer.assertion.claim.nbf.seconds", "sasl.oauthbearer.assertion.claim.sub",
    "sasl.oauthbearer.assertion.file", "sasl.oauthbearer.assertion.jwt.template.file",
    "sasl.oauthbearer.assertion.private.key.file",
    "sasl.oauthbearer.assertion.private.key.passphrase",
    "sasl.oauthbearer.assertion.private.key.pem",
    "sasl.oauthbearer.client.credentials.client.id",
    "sasl.oauthbearer.client.credentials.client.secret", "sasl.oauthbearer.client.id",
    "sasl.oauthbearer.client.secret", "sasl.oauthbearer.config",
    "sasl.oauthbearer.extensions", "sasl.oauthbearer.grant.type",
    "sasl.oauthbearer.metadata.authentication.type", "sasl.oauthbearer.method",
    "sasl.oauthbearer.scope", "sasl.oauthbearer.sub.claim.name",
    "sasl.oauthbearer.token.endpoint.url", "sasl.password", "sasl.username",
    "security.protocol", "session.timeout.ms", "share.acknowledgement.mode",
    "socket.blocking.max.ms", "socket.connection.setup.timeout.ms",
    "socket.keepalive.enable", "socket.max.fails", "socket.nagle.disable",
    "socket.receive.buffer.bytes", "socket.send.buffer.bytes", "socket.timeout.ms",
    "ssl.ca.certificate.stores", "ssl.ca.location", "ssl.ca.pem",
    "ssl.certificate.location", "ssl.certificate.pem", "ssl.cipher.suites",
    "ssl.crl.location", "ssl.curves.list", "ssl.endpoint.identification.algorithm",
    "ssl.engine.id", "ssl.engine.location", "ssl.key.location", "ssl.key.password",
    "ssl.key.pem", "ssl.keystore.location", "ssl.keystore.password", "ssl.providers",
    "ssl.sigalgs.list", "ssl.truststore.location", "ssl_ca", "ssl_certificate",
    "ssl_key", "statistics.interval.ms",
    "sticky.partitioning.linger.ms", "test.mock.broker.rtt", "test.mock.num.brokers",
    "topic.blacklist", "topic.metadata.propagation.max.ms",
    "topic.metadata.refresh.fast.cnt", "topic.metadata.refresh.fast.interval.ms",
    "topic.metadata.refresh.interval.ms", "topic.metadata.refresh.sparse",
    "transaction.timeout.ms", "transactional.id",
})
# C callbacks and pointers the Python binding refuses ("must be set through dedicated .._set_..() function").
DEDICATED_FUNCTION = frozenset({
    "default_topic_conf", "msg_order_cmp", "opaque", "ssl_engine_callback_data",
    "background_event_cb", "closesocket_cb", "connect_cb", "consume_cb", "dr_cb",
    "dr_msg_cb", "log_cb", "oauthbearer_token_refresh_cb", "offset_commit_cb", "open_cb",
    "partitioner_cb", "rebalance_cb", "resolve_cb", "ssl.certificate.verify_cb",
})
# Properties of the Python binding itself, and on which client it takes them.
PYTHON_COMMON = frozenset({"logger", "error_cb", "throttle_cb", "stats_cb", "oauth_cb"})
PRODUCER = LIBRDKAFKA | PYTHON_COMMON | {"on_delivery", "pysim.java.partitioner"}
CONSUMER = LIBRDKAFKA | PYTHON_COMMON | {"on_commit"}
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
    """Return a copy of ``conf`` or raise like librdkafka would. The deprecated
    ``default.topic.config`` dict is merged in, its (topic-level) properties winning over
    the same names at the top level, as the binding does."""
    if not isinstance(conf, dict):
        raise TypeError(f"expected configuration dict, got {type(conf).__name__}")
    if "default.topic.config" in conf:
        conf = dict(conf)
        topic_conf = conf.pop("default.topic.config")
        if not isinstance(topic_conf, dict):
            raise AttributeError(f"'{type(topic_conf).__name__}' object has no attribute 'keys'")
        conf.update(topic_conf)

    def fail(reason):
        raise KafkaException(KafkaError(KafkaError._INVALID_ARG, reason))

    for name in sorted(conf):
        value = conf[name]
        if name in DEDICATED_FUNCTION:
            fail(f'Property "{name}" must be set through dedicated .._set_..() function')
        if name not in known:
            fail(f'No such configuration property: "{name}"')
        if name in ENUMS and str(value) not in ENUMS[name]:
            if name == "partitioner":
                fail(f'Invalid value for configuration property "{name}": {value}')
            fail(f'Invalid value "{value}" for configuration property "{name}"')
        if name in BOOLEANS and str(value).lower() not in ("true", "false"):
            fail(f'Invalid value "{value}" for configuration property "{name}"')
    return dict(conf)


def bootstrap_servers(conf):
    """The brokers a client was given: ``bootstrap.servers`` (or its older name
    ``metadata.broker.list``), or None when neither is set (None and "" count as unset,
    as in librdkafka: such a client can never connect)."""
    servers = conf.get("bootstrap.servers")
    if servers is None or servers == "":
        servers = conf.get("metadata.broker.list")
    return servers if servers not in (None, "") else None


def as_bool(value) -> bool:
    return str(value).lower() == "true"


def ssl_file_error(conf):
    """librdkafka loads ``ssl.ca.location`` while it makes a client that speaks TLS
    (security.protocol ssl or sasl_ssl): a file that is not there fails the construction.
    pysim has no TLS, but the missing file is a mistake the learner would meet on a real
    cluster, so it fails here too. Returns the reason (OpenSSL's words, as the real client
    2.16.1 reports them) or None."""
    import os
    protocol = str(conf.get("security.protocol", "plaintext")).lower()
    location = conf.get("ssl.ca.location")
    if protocol not in ("ssl", "sasl_ssl") or not location or str(location) == "probe":
        return None
    if os.path.exists(str(location)):
        return None
    return "ssl.ca.location failed: error:05880020:x509 certificate routines::BIO lib"
