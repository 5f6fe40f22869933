"""The delivery settings of a producer, resolved as librdkafka resolves them
(rd_kafka_conf_finalize / rd_kafka_topic_conf_finalize): aliases, defaults, ranges, and
what enable.idempotence and transactional.id force or refuse, with librdkafka's wording
and in its order, so a script that a real client refuses is refused here too.

Where Java's producer differs: it enables idempotence by default since Kafka 3.0 (with
acks=all, max.in.flight.requests.per.connection 5), bounds delivery with
delivery.timeout.ms (120 s; librdkafka's message.timeout.ms is 300 s) and refuses a
transactional.id with idempotence explicitly off the same way."""

from pysim.kafka import config as _config
from pysim.kafka.errors import KafkaError, KafkaException

IDEMPOTENT_MAX_IN_FLIGHT = 5     # RD_KAFKA_IDEMP_MAX_INFLIGHT
INT32_MAX = 2147483647


class DeliverySettings:
    """What the sending side of a producer reads (all times in virtual milliseconds)."""

    __slots__ = ("idempotent", "transactional_id", "transaction_timeout_ms", "acks", "max_in_flight",
                 "retries", "request_timeout_ms", "message_timeout_ms", "retry_backoff_ms",
                 "retry_backoff_max_ms", "gapless")


def delivery_settings(conf):
    """DeliverySettings for ``conf`` (already checked by config.validate), or
    KafkaException(_INVALID_ARG) with librdkafka's "Failed to create producer: ..." text."""
    s = DeliverySettings()
    tid = conf.get("transactional.id")
    s.transactional_id = tid if tid else None          # librdkafka treats "" as unset
    s.transaction_timeout_ms = _int(conf, ("transaction.timeout.ms",), 60000, 1000, INT32_MAX)
    s.max_in_flight = _int(conf, ("max.in.flight.requests.per.connection", "max.in.flight"), 1000000, 1, 1000000)
    s.retries = _int(conf, ("message.send.max.retries", "retries"), INT32_MAX, 0, INT32_MAX)
    s.request_timeout_ms = _int(conf, ("request.timeout.ms",), 30000, 1, 900000)
    s.message_timeout_ms = _int(conf, ("message.timeout.ms", "delivery.timeout.ms"), 300000, 0, INT32_MAX)
    s.retry_backoff_ms = _int(conf, ("retry.backoff.ms",), 100, 1, 300000)
    s.retry_backoff_max_ms = _int(conf, ("retry.backoff.max.ms",), 1000, 1, 300000)
    acks = _acks(conf)
    idempotence_set = "enable.idempotence" in conf
    s.idempotent = _config.as_bool(conf.get("enable.idempotence", False))
    s.gapless = _config.as_bool(conf.get("enable.gapless.guarantee", False))
    if s.transactional_id is not None and not s.idempotent:
        if idempotence_set:
            _refuse("`transactional.id` requires `enable.idempotence=true`")
        s.idempotent = True
    if s.idempotent:
        if _given(conf, ("max.in.flight.requests.per.connection", "max.in.flight")):
            if s.max_in_flight > IDEMPOTENT_MAX_IN_FLIGHT:
                _refuse(f"`max.in.flight` must be set <= {IDEMPOTENT_MAX_IN_FLIGHT} when `enable.idempotence` is true")
        else:
            s.max_in_flight = IDEMPOTENT_MAX_IN_FLIGHT
        if _given(conf, ("message.send.max.retries", "retries")):
            if s.retries < 1:
                _refuse("`retries` must be set >= 1 when `enable.idempotence` is true")
        if acks is not None and acks != -1:
            _refuse("`acks` must be set to `all` when `enable.idempotence` is true")
        acks = -1
        if conf.get("queuing.strategy", "fifo") != "fifo":
            _refuse("`queuing.strategy` must be set to `fifo` when `enable.idempotence` is true")
        if s.transactional_id is not None:
            if _given(conf, ("message.timeout.ms", "delivery.timeout.ms")):
                if s.message_timeout_ms > s.transaction_timeout_ms:
                    _refuse("`message.timeout.ms` must be set <= `transaction.timeout.ms`")
            else:
                s.message_timeout_ms = s.transaction_timeout_ms
    elif s.gapless:
        _refuse("`enable.gapless.guarantee` requires `enable.idempotence` to be enabled")
    s.acks = -1 if acks is None else acks
    return s


def _given(conf, names):
    return any(name in conf for name in names)


def _refuse(reason):
    raise KafkaException(KafkaError(KafkaError._INVALID_ARG, f"Failed to create producer: {reason}"))


def _int(conf, names, default, low, high):
    """The first of ``names`` (a property, then its aliases) that is set, as an int in
    range; errors name the property (names[0]), as librdkafka names an alias's target."""
    name = names[0]
    for alias in names:
        if alias in conf:
            raw = conf[alias]
            try:
                value = raw if isinstance(raw, int) and not isinstance(raw, bool) else int(str(raw).strip())
            except ValueError:
                raise KafkaException(KafkaError(KafkaError._INVALID_ARG,
                                                f'Invalid value for configuration property "{name}"')) from None
            if not low <= value <= high:
                raise KafkaException(KafkaError(
                    KafkaError._INVALID_ARG,
                    f'Configuration property "{name}" value {value} is outside allowed range {low}..{high}\n'))
            return value
    return default


def _acks(conf):
    """acks / request.required.acks: -1 (or "all"), 0, 1 .. 1000; None when not set."""
    name = "request.required.acks"
    for alias in (name, "acks"):
        if alias in conf:
            raw = str(conf[alias]).strip()
            if raw == "all":
                return -1
            try:
                value = int(raw)
            except ValueError:
                raise KafkaException(KafkaError(KafkaError._INVALID_ARG,
                                                f'Invalid value for configuration property "{name}"')) from None
            if not -1 <= value <= 1000:
                raise KafkaException(KafkaError(
                    KafkaError._INVALID_ARG,
                    f'Configuration property "{name}" value {value} is outside allowed range -1..1000\n'))
            return value
    return None
