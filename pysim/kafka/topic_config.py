"""Per-topic configuration, parsed and validated the way the broker's LogConfig does it
(Apache Kafka 3.x ranges and defaults), so that a config Kafka rejects is rejected here
with INVALID_CONFIG and the same wording, and a config Kafka accepts is accepted.

Values arrive as a client sends them: strings (ints, floats and bools are turned into the
string a client would send). Every name Kafka 3.x knows for a topic is accepted; only
the ones in ``MODELLED`` change what pysim does, the others are stored and shown.
"""

from pysim.kafka.errors import KafkaError, fail

LONG_MAX = 2 ** 63 - 1
_INT_MIN, _INT_MAX = -2 ** 31, 2 ** 31 - 1
_LONG_MIN = -2 ** 63

LONG, INT, DOUBLE, LIST, STRING, BOOLEAN = "LONG", "INT", "DOUBLE", "LIST", "STRING", "BOOLEAN"


class _Def:
    __slots__ = ("name", "type", "default", "at_least", "at_most", "one_of")

    def __init__(self, name, type_, default, at_least=None, at_most=None, one_of=None):
        self.name, self.type, self.default = name, type_, default
        self.at_least, self.at_most, self.one_of = at_least, at_most, one_of


# name, type, default (as the broker would report it), validator: the topic-level entries of
# Kafka's LogConfig, with the broker defaults of log.* that back them.
_DEFS = [
    _Def("cleanup.policy", LIST, ("delete",), one_of=("compact", "delete")),
    _Def("retention.ms", LONG, 604800000, at_least=-1),
    _Def("retention.bytes", LONG, -1),
    _Def("segment.bytes", INT, 1073741824, at_least=14),
    _Def("segment.ms", LONG, 604800000, at_least=1),
    _Def("segment.jitter.ms", LONG, 0, at_least=0),
    _Def("delete.retention.ms", LONG, 86400000, at_least=0),
    _Def("min.compaction.lag.ms", LONG, 0, at_least=0),
    _Def("max.compaction.lag.ms", LONG, LONG_MAX, at_least=1),
    _Def("min.cleanable.dirty.ratio", DOUBLE, 0.5, at_least=0, at_most=1),
    _Def("message.timestamp.type", STRING, "CreateTime", one_of=("CreateTime", "LogAppendTime")),
    _Def("message.timestamp.before.max.ms", LONG, LONG_MAX, at_least=0),
    _Def("message.timestamp.after.max.ms", LONG, LONG_MAX, at_least=0),
    _Def("max.message.bytes", INT, 1048588, at_least=0),
    # accepted and reported, no effect in a single in-process broker
    _Def("compression.type", STRING, "producer",
         one_of=("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer")),
    _Def("compression.gzip.level", INT, -1, at_least=-1, at_most=9),
    _Def("compression.lz4.level", INT, 9, at_least=1, at_most=17),
    _Def("compression.zstd.level", INT, 3, at_least=-131072, at_most=22),
    _Def("min.insync.replicas", INT, 1, at_least=1),
    _Def("unclean.leader.election.enable", BOOLEAN, False),
    _Def("preallocate", BOOLEAN, False),
    _Def("flush.messages", LONG, LONG_MAX, at_least=1),
    _Def("flush.ms", LONG, LONG_MAX, at_least=0),
    _Def("index.interval.bytes", INT, 4096, at_least=0),
    _Def("segment.index.bytes", INT, 10485760, at_least=4),
    _Def("file.delete.delay.ms", LONG, 60000, at_least=0),
    _Def("leader.replication.throttled.replicas", LIST, ()),
    _Def("follower.replication.throttled.replicas", LIST, ()),
    _Def("remote.storage.enable", BOOLEAN, False),
    _Def("local.retention.ms", LONG, -2, at_least=-2),
    _Def("local.retention.bytes", LONG, -2, at_least=-2),
]
DEFINITIONS = {d.name: d for d in _DEFS}

MODELLED = ("cleanup.policy", "retention.ms", "retention.bytes", "segment.bytes", "segment.ms",
            "segment.jitter.ms", "delete.retention.ms", "min.compaction.lag.ms",
            "max.compaction.lag.ms", "min.cleanable.dirty.ratio", "message.timestamp.type",
            "message.timestamp.before.max.ms", "message.timestamp.after.max.ms", "max.message.bytes")


class TopicConfig:
    """The effective configuration of one topic: broker defaults overlaid with the topic's
    overrides. Attributes use Python names (``retention_ms`` for ``retention.ms``)."""

    def __init__(self, overrides=None):
        overrides = dict(overrides or {})
        if any(not isinstance(name, str) for name in overrides):
            bad = next(name for name in overrides if not isinstance(name, str))
            fail(KafkaError.INVALID_CONFIG, f"Unknown topic config name: {bad}")
        unknown = sorted(name for name in overrides if name not in DEFINITIONS)
        if unknown:
            fail(KafkaError.INVALID_CONFIG, f"Unknown topic config name: {unknown[0]}")
        nulls = sorted(name for name, value in overrides.items() if value is None)
        if nulls:
            fail(KafkaError.INVALID_CONFIG, f"Null value not supported for topic configs: {','.join(nulls)}")
        self.overrides = {name: _as_sent(overrides[name]) for name in sorted(overrides)}
        self._values = {d.name: d.default for d in _DEFS}
        for name, text in self.overrides.items():
            self._values[name] = _parse(DEFINITIONS[name], text)
        self._check_combinations()
        v = self._values
        policy = [p.lower() for p in v["cleanup.policy"]]
        self.compact, self.delete = "compact" in policy, "delete" in policy
        self.retention_ms = v["retention.ms"]
        self.retention_bytes = v["retention.bytes"]
        self.segment_bytes = v["segment.bytes"]
        self.segment_ms = v["segment.ms"]
        self.segment_jitter_ms = v["segment.jitter.ms"]
        self.delete_retention_ms = v["delete.retention.ms"]
        self.min_compaction_lag_ms = v["min.compaction.lag.ms"]
        self.max_compaction_lag_ms = v["max.compaction.lag.ms"]
        self.min_cleanable_dirty_ratio = v["min.cleanable.dirty.ratio"]
        self.log_append_time = v["message.timestamp.type"] == "LogAppendTime"
        self.timestamp_before_max_ms = v["message.timestamp.before.max.ms"]
        self.timestamp_after_max_ms = v["message.timestamp.after.max.ms"]
        self.max_message_bytes = v["max.message.bytes"]

    @property
    def max_segment_ms(self):
        """LogConfig.maxSegmentMs: a compacted topic also rolls by max.compaction.lag.ms, so
        its records become cleanable within that time."""
        if self.compact and self.max_compaction_lag_ms > 0:
            return min(self.max_compaction_lag_ms, self.segment_ms)
        return self.segment_ms

    def value(self, name):
        """The effective value of ``name`` (typed: int, float, bool, str or tuple)."""
        return self._values[name]

    def describe(self):
        """{name: (value as the broker shows it, is_default)} for every topic config, sorted."""
        return {name: (_show(self._values[name]), name not in self.overrides) for name in sorted(self._values)}

    def _check_combinations(self):
        lag_min, lag_max = self._values["min.compaction.lag.ms"], self._values["max.compaction.lag.ms"]
        if lag_min > lag_max:
            fail(KafkaError.INVALID_CONFIG, "conflict topic config setting min.compaction.lag.ms "
                 f"({lag_min}) > max.compaction.lag.ms ({lag_max})")
        if self._values["remote.storage.enable"]:
            fail(KafkaError.INVALID_CONFIG, "Tiered Storage functionality is disabled in the broker. "
                 "Topic cannot be configured with remote log storage.")

    def __repr__(self):
        return f"TopicConfig({self.overrides!r})"


def _as_sent(value):
    """The string a client puts on the wire for this value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return value if isinstance(value, str) else str(value)


def _invalid(d, shown, message):
    fail(KafkaError.INVALID_CONFIG, f"Invalid value {shown} for configuration {d.name}: {message}")


def _parse(d, text):
    """ConfigDef.parseType followed by the definition's validator."""
    trimmed = text.strip()
    if d.type in (LONG, INT):
        lo, hi = (_LONG_MIN, LONG_MAX) if d.type == LONG else (_INT_MIN, _INT_MAX)
        body = trimmed[1:] if trimmed[:1] in "+-" and trimmed else trimmed
        if not body.isdigit() or not body.isascii() or not lo <= int(trimmed) <= hi:
            _invalid(d, trimmed, f"Not a number of type {d.type}")
        value = int(trimmed)
    elif d.type == DOUBLE:
        try:
            if "_" in trimmed:
                raise ValueError
            value = float(trimmed)
        except ValueError:
            _invalid(d, trimmed, f"Not a number of type {d.type}")
    elif d.type == BOOLEAN:
        if trimmed.lower() not in ("true", "false"):
            _invalid(d, trimmed, "Expected value to be either true or false")
        value = trimmed.lower() == "true"
    elif d.type == LIST:
        value = tuple(part.strip() for part in trimmed.split(",")) if trimmed else ()
    else:
        value = trimmed
    _validate(d, value)
    return value


def _validate(d, value):
    if d.one_of is not None:
        for item in (value if d.type == LIST else (value,)):
            if item not in d.one_of:
                _invalid(d, item, "String must be one of: " + ", ".join(d.one_of))
    if d.at_least is not None and value < d.at_least:
        _invalid(d, _show(value), f"Value must be at least {d.at_least}")
    if d.at_most is not None and value > d.at_most:
        _invalid(d, _show(value), f"Value must be no more than {d.at_most}")


def _show(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value)
