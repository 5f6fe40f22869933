"""AdminClient shaped like ``confluent_kafka.admin.AdminClient``: topics, partitions, groups
and their committed offsets, managed against the simulated cluster.

Every call returns what confluent-kafka returns (a dict of futures, or one future), but the
futures are already finished: the simulated broker answers at once, in virtual time, so
``f.result()`` never waits and no thread is involved. A request the broker refuses gives a
future whose ``result()`` raises ``KafkaException`` with the broker's error code and
message; a malformed request raises ``TypeError`` / ``ValueError`` at the call, as the real
client does before anything is sent.
"""

import re
from enum import Enum

from pysim.kafka.admin_lifecycle import AdminLifecycle
from pysim.kafka import config as _config
from pysim.kafka.cluster import cluster as _cluster_for
from pysim.kafka.errors import KafkaError, KafkaException
from pysim.kafka.group_coordinator import coordinator_of
from pysim.kafka.topic_config import TopicConfig
from pysim.kafka.topic_name import topic_name_error
from pysim.kafka.topic_partition import TopicPartition, OFFSET_INVALID

__all__ = [
    "AdminClient", "NewTopic", "NewPartitions", "ConsumerGroupTopicPartitions",
    "ConsumerGroupState", "ConsumerGroupType", "ConsumerGroupListing", "ListConsumerGroupsResult",
    "ConsumerGroupDescription", "MemberDescription", "MemberAssignment", "Node",
    "DeletedRecords", "Future", "KafkaError", "KafkaException", "OFFSET_INVALID",
]

# Kafka's Topic.validate: what a topic name may be.
# librdkafka's local range checks on NewTopic / NewPartitions (rd_kafka_NewTopic_new).
_MAX_PARTITIONS = 100000
_MAX_REPLICATION_FACTOR = 10000


# -- futures ---------------------------------------------------------------------------------
class Future:
    """The part of ``concurrent.futures.Future`` that admin results use, without threads.
    pysim resolves every future before handing it out, so ``result()`` returns (or raises)
    at once and a ``timeout`` is accepted and ignored."""

    def __init__(self):
        self._done, self._result, self._exception, self._callbacks = False, None, None, []

    def set_result(self, result):
        self._finish(result, None)

    def set_exception(self, exception):
        self._finish(None, exception)

    def _finish(self, result, exception):
        if self._done:
            raise RuntimeError("the future is already finished")
        self._done, self._result, self._exception = True, result, exception
        callbacks, self._callbacks = self._callbacks, []
        for fn in callbacks:
            fn(self)

    def result(self, timeout=None):
        self._require_done()
        if self._exception is not None:
            raise self._exception
        return self._result

    def exception(self, timeout=None):
        self._require_done()
        return self._exception

    def done(self):
        return self._done

    def running(self):
        return False

    def cancelled(self):
        return False

    def cancel(self):
        """A finished future cannot be cancelled (concurrent.futures answers False too)."""
        return False

    def add_done_callback(self, fn):
        if self._done:
            fn(self)
        else:
            self._callbacks.append(fn)

    def _require_done(self):
        if not self._done:
            raise RuntimeError("the future is not finished (pysim futures are resolved when returned)")

    def __repr__(self):
        if not self._done:
            return "<Future state=pending>"
        if self._exception is not None:
            return f"<Future state=finished raised {type(self._exception).__name__}>"
        return f"<Future state=finished returned {type(self._result).__name__}>"


def _resolved(result=None, error=None):
    f = Future()
    if error is not None:
        f.set_exception(error if isinstance(error, Exception) else KafkaException(error))
    else:
        f.set_result(result)
    return f


# -- request types ---------------------------------------------------------------------------
class NewTopic:
    """A topic to create. ``num_partitions=-1`` and ``replication_factor=-1`` mean the broker
    defaults (num.partitions=1, default.replication.factor=1)."""

    def __init__(self, topic, num_partitions=-1, replication_factor=-1, replica_assignment=None, config=None):
        if not isinstance(topic, str):
            raise TypeError(f"argument 1 must be str, not {_type_name(topic)}")
        self.topic = topic
        self.num_partitions = _as_int(num_partitions)
        self.replication_factor = _as_int(replication_factor)
        self.replica_assignment = replica_assignment
        if config is not None and not isinstance(config, dict):
            raise TypeError("config must be a dict of strings")
        self.config = None if config is None else dict(config)

    def _key(self):
        return (self.topic, self.num_partitions)

    def __eq__(self, other):
        return isinstance(other, NewTopic) and self._key() == other._key()

    def __lt__(self, other):
        return self._key() < other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        return f"NewTopic(topic={self.topic},num_partitions={self.num_partitions})"


class NewPartitions:
    """Grow ``topic`` to ``new_total_count`` partitions (Kafka never shrinks a topic)."""

    def __init__(self, topic, new_total_count, replica_assignment=None):
        if not isinstance(topic, str):
            raise TypeError(f"argument 1 must be str, not {_type_name(topic)}")
        self.topic = topic
        self.new_total_count = _as_int(new_total_count)
        self.replica_assignment = replica_assignment

    def _key(self):
        return (self.topic, self.new_total_count)

    def __eq__(self, other):
        return isinstance(other, NewPartitions) and self._key() == other._key()

    def __lt__(self, other):
        return self._key() < other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        return f"NewPartitions(topic={self.topic},new_total_count={self.new_total_count})"


class ConsumerGroupTopicPartitions:
    """A group id and (optionally) its partitions: the request and the result of
    list_consumer_group_offsets and alter_consumer_group_offsets."""

    def __init__(self, group_id, topic_partitions=None):
        self.group_id = group_id
        self.topic_partitions = topic_partitions

    def __repr__(self):
        return f"ConsumerGroupTopicPartitions(group_id={self.group_id},topic_partitions={self.topic_partitions})"


# -- result types ----------------------------------------------------------------------------
class ConsumerGroupState(Enum):
    """librdkafka's group states, same numbers as confluent_kafka.ConsumerGroupState."""
    UNKNOWN = 0
    PREPARING_REBALANCING = 1
    COMPLETING_REBALANCING = 2
    STABLE = 3
    DEAD = 4
    EMPTY = 5

    def __lt__(self, other):
        if not isinstance(other, ConsumerGroupState):
            return NotImplemented
        return self.value < other.value


class ConsumerGroupType(Enum):
    UNKNOWN = 0
    CONSUMER = 1
    CLASSIC = 2

    def __lt__(self, other):
        if not isinstance(other, ConsumerGroupType):
            return NotImplemented
        return self.value < other.value


class Node:
    """A broker, as the group coordinator is reported."""

    def __init__(self, id, host, port, rack=None):
        self.id, self.id_string, self.host, self.port, self.rack = id, str(id), host, port, rack

    def __str__(self):
        return f"({self.id}) {self.host}:{self.port} "


class ConsumerGroupListing:
    def __init__(self, group_id, is_simple_consumer_group, state=None, type=None):
        self.group_id, self.is_simple_consumer_group = group_id, is_simple_consumer_group
        if state is not None:
            self.state = state
        if type is not None:
            self.type = type


class ListConsumerGroupsResult:
    def __init__(self, valid=None, errors=None):
        self.valid, self.errors = valid, errors


class MemberAssignment:
    def __init__(self, topic_partitions):
        self.topic_partitions = topic_partitions or []


class MemberDescription:
    def __init__(self, member_id, client_id, host, assignment, group_instance_id=None, target_assignment=None):
        self.member_id, self.client_id, self.host = member_id, client_id, host
        self.assignment, self.target_assignment = assignment, target_assignment
        self.group_instance_id = group_instance_id


class ConsumerGroupDescription:
    def __init__(self, group_id, is_simple_consumer_group, members, partition_assignor, state,
                 coordinator, authorized_operations=None, type=ConsumerGroupType.UNKNOWN):
        self.group_id, self.is_simple_consumer_group = group_id, is_simple_consumer_group
        self.members, self.partition_assignor = members, partition_assignor
        self.state, self.coordinator = state, coordinator
        self.authorized_operations, self.type = authorized_operations, type


class DeletedRecords:
    """The partition's low watermark (log start offset) after delete_records."""

    def __init__(self, low_watermark):
        self.low_watermark = low_watermark


# -- the client ------------------------------------------------------------------------------
class AdminClient(AdminLifecycle):
    """Admin operations on the cluster behind ``bootstrap.servers``."""

    def __init__(self, conf, **kwargs):
        if not isinstance(conf, dict):
            raise TypeError("expected configuration dict")
        # librdkafka's admin handle is a producer handle: every global property is accepted.
        conf = _config.validate(dict(conf, **kwargs), _config.PRODUCER | _config.CONSUMER)
        self._c = _cluster_for(conf.get("bootstrap.servers", "localhost:9092"))

    # -- topics ------------------------------------------------------------------------------
    def create_topics(self, new_topics, **kwargs):
        """Create topics; ``validate_only=True`` checks everything and creates nothing.
        Returns {topic: future}; each future's result is None."""
        opts = _options(kwargs, operation_timeout=_number, request_timeout=_number,
                        validate_only=_boolean)
        if not isinstance(new_topics, list) or not new_topics:
            raise ValueError("Expected non-empty list of NewTopic objects")
        for t in new_topics:
            if not isinstance(t, NewTopic):
                raise AttributeError(f"'{_type_name(t)}' object has no attribute 'topic'")
            _check_new_topic(t)
        counts = _counts(t.topic for t in new_topics)
        validate_only = opts.get("validate_only", False)
        futures = {}
        for t in new_topics:
            if counts[t.topic] > 1:
                err = KafkaError(KafkaError.INVALID_REQUEST,
                                 f"Create topics request from client `pysim` contains multiple entries "
                                 f"for the following topics: {t.topic}")
            else:
                err = self._create_topic(t, validate_only)
            futures[t.topic] = _resolved(error=err)
        return futures

    def _create_topic(self, t, validate_only):
        """The broker's CreateTopics checks, in its order; None when the topic was created."""
        name_error = topic_name_error(t.topic)
        if name_error:
            return KafkaError(KafkaError.TOPIC_EXCEPTION, name_error)
        if t.replica_assignment is not None:
            return KafkaError(KafkaError._NOT_IMPLEMENTED,
                              "pysim has one broker and does not model replica assignment")
        if t.replication_factor < -1 or t.replication_factor == 0:
            return KafkaError(KafkaError.INVALID_REPLICATION_FACTOR,
                              "Replication factor must be larger than 0, or -1 to use the default value.")
        if t.num_partitions < -1 or t.num_partitions == 0:
            return KafkaError(KafkaError.INVALID_PARTITIONS,
                              "Number of partitions was set to an invalid non-positive value.")
        if self._c.has_topic(t.topic):
            return KafkaError(KafkaError.TOPIC_ALREADY_EXISTS, f"Topic '{t.topic}' already exists.")
        partitions = self._c.default_partitions if t.num_partitions == -1 else t.num_partitions
        try:
            if validate_only:
                _validate_topic_config(t.config)
            else:
                self._c.create_topic(t.topic, partitions, t.config)
        except KafkaException as e:
            return e.args[0]
        return None

    def delete_topics(self, topics, **kwargs):
        """Delete topics with their records (and the committed offsets that pointed into
        them). Returns {topic: future}; each future's result is None."""
        _options(kwargs, operation_timeout=_number, request_timeout=_number)
        if not isinstance(topics, list):
            raise TypeError(f"argument 1 must be list, not {_type_name(topics)}")
        if not topics:
            raise ValueError("Expected non-empty list of topic strings")
        for t in topics:
            if not isinstance(t, str):
                raise ValueError("Expected list of topic strings")
        futures = {}
        for t in topics:
            if not self._c.has_topic(t):
                futures[t] = _resolved(error=KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART,
                                                        "Broker: Unknown topic or partition"))
                continue
            self._c.delete_topic(t)
            futures[t] = _resolved(None)
        return futures

    def create_partitions(self, new_partitions, **kwargs):
        """Grow topics. Existing partitions and their records are untouched; new keys may now
        map elsewhere, which is why Kafka refuses to shrink. Returns {topic: future}."""
        opts = _options(kwargs, operation_timeout=_number, request_timeout=_number,
                        validate_only=_boolean)
        if not isinstance(new_partitions, list) or not new_partitions:
            raise ValueError("Expected non-empty list of NewPartitions objects")
        for p in new_partitions:
            if not isinstance(p, NewPartitions):
                raise AttributeError(f"'{_type_name(p)}' object has no attribute 'topic'")
            if not 1 <= p.new_total_count <= _MAX_PARTITIONS:
                raise ValueError(f"Invalid NewPartitions({p.topic}): new_total_cnt out of expected range "
                                 f"1..{_MAX_PARTITIONS}")
        counts = _counts(p.topic for p in new_partitions)
        futures = {}
        for p in new_partitions:
            err = None
            if counts[p.topic] > 1:
                err = KafkaError(KafkaError.INVALID_REQUEST, "Duplicate topic in request.")
            elif not self._c.has_topic(p.topic):
                err = KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART, "Broker: Unknown topic or partition")
            else:
                have = self._c.num_partitions(p.topic)
                if p.new_total_count < have:
                    err = KafkaError(KafkaError.INVALID_PARTITIONS,
                                     f"The topic {p.topic} currently has {have} partition(s); "
                                     f"{p.new_total_count} would not be an increase.")
                elif p.new_total_count == have:
                    err = KafkaError(KafkaError.INVALID_PARTITIONS, f"Topic already has {have} partition(s).")
                elif p.replica_assignment is not None:
                    err = KafkaError(KafkaError._NOT_IMPLEMENTED,
                                     "pysim has one broker and does not model replica assignment")
                elif not opts.get("validate_only", False):
                    self._c.create_partitions(p.topic, p.new_total_count)
            futures[p.topic] = _resolved(error=err)
        return futures

    def list_topics(self, topic=None, timeout=-1):
        """ClusterMetadata: brokers, and topics with their partitions."""
        from pysim.kafka.metadata import cluster_metadata
        return cluster_metadata(self._c, topic)

    # -- groups ------------------------------------------------------------------------------
    def list_consumer_groups(self, **kwargs):
        """One future whose result is ListConsumerGroupsResult (valid listings, no errors).
        ``states`` / ``types`` (sets) filter the listing."""
        opts = _options(kwargs, request_timeout=_number, states=_any, types=_any)
        states = _enum_set(opts.get("states"), ConsumerGroupState, "states")
        types = _enum_set(opts.get("types"), ConsumerGroupType, "types")
        valid = []
        for g in self._c.groups():
            listing = ConsumerGroupListing(g, self._is_simple(g), self._state(g), ConsumerGroupType.CLASSIC)
            if states and listing.state not in states:
                continue
            if types and listing.type not in types:
                continue
            valid.append(listing)
        return _resolved(ListConsumerGroupsResult(valid, []))

    def describe_consumer_groups(self, group_ids, **kwargs):
        """{group_id: future} of ConsumerGroupDescription. A group the cluster has never seen
        is described as Dead with no members, as the broker does."""
        _options(kwargs, request_timeout=_number,
                 include_authorized_operations=_boolean)
        if not isinstance(group_ids, list):
            raise TypeError("Expected input to be list of group ids to be described")
        if not group_ids:
            raise ValueError("Expected at least one group to be described")
        duplicate = any(n > 1 for n in _counts(group_ids).values())
        futures = {}
        for g in group_ids:
            if duplicate:
                futures[g] = _resolved(error=KafkaError(KafkaError._INVALID_ARG, "Duplicate groups not allowed"))
            else:
                futures[g] = _resolved(self._describe(g))
        return futures

    def _describe(self, group):
        known = group in self._c.groups()
        members = [MemberDescription(m, _client_id(m), "/127.0.0.1", MemberAssignment(self._assignment(group, m)))
                   for m in self._c.active_members(group)]
        state = self._state(group) if known else ConsumerGroupState.DEAD
        assignor = coordinator_of(self._c).protocol(group) if members else ""
        return ConsumerGroupDescription(group, self._is_simple(group) if known else True, members, assignor,
                                        state, _COORDINATOR, None, ConsumerGroupType.CLASSIC)

    def _assignment(self, group, member):
        """The partitions ``member`` owns, as its group coordinator handed them out."""
        return [TopicPartition(t, p) for t, p in sorted(coordinator_of(self._c).assignment(group, member))]

    def _state(self, group):
        if not self._c.active_members(group):
            return ConsumerGroupState.EMPTY
        if coordinator_of(self._c).rebalancing(group):
            return ConsumerGroupState.PREPARING_REBALANCING
        return ConsumerGroupState.STABLE

    def _is_simple(self, group):
        """Kafka calls a group 'simple' when no member ever joined it through the group
        protocol: it only stores offsets (a consumer that uses assign() and commits)."""
        if self._c.active_members(group):
            return False
        return not any(e.data.get("group") == group for e in self._c.trace.events("group.join"))

    def list_consumer_group_offsets(self, list_consumer_group_offsets_request, **kwargs):
        """{group_id: future} of ConsumerGroupTopicPartitions: the committed offset of each
        requested partition (every partition the group committed when none are named);
        OFFSET_INVALID (-1001) where the group has no commit."""
        _options(kwargs, request_timeout=_number, require_stable=_boolean)
        request = list_consumer_group_offsets_request
        _check_group_offsets_request(request, listing=True)
        group, tps = request[0].group_id, request[0].topic_partitions
        if tps is None:
            result = [TopicPartition(t, p, o) for (t, p), o in self._c.group_commits(group).items()]
        elif _has_duplicate_partitions(tps):
            return {group: _resolved(error=KafkaError(KafkaError._INVALID_ARG, "Duplicate partitions not allowed"))}
        else:
            result = []
            for tp in tps:
                committed = self._c.committed(group, tp.topic, tp.partition)
                result.append(TopicPartition(tp.topic, tp.partition, OFFSET_INVALID if committed is None else committed))
        return {group: _resolved(ConsumerGroupTopicPartitions(group, result))}

    def alter_consumer_group_offsets(self, alter_consumer_group_offsets_request, **kwargs):
        """Set a group's committed offsets, as an offset commit from outside the group.
        The broker accepts it only while the group has no active member: otherwise every
        partition comes back with UNKNOWN_MEMBER_ID and nothing changes. Offsets are not
        checked against the log (the reset tool in pysim.replay clamps; this API does not)."""
        _options(kwargs, request_timeout=_number)
        request = alter_consumer_group_offsets_request
        _check_group_offsets_request(request, listing=False)
        group, tps = request[0].group_id, request[0].topic_partitions
        if _has_duplicate_partitions(tps):
            return {group: _resolved(error=KafkaError(KafkaError._INVALID_ARG, "Duplicate partitions not allowed"))}
        active = bool(self._c.active_members(group))
        result = []
        for tp in tps:
            out = TopicPartition(tp.topic, tp.partition, tp.offset)
            if not self._partition_exists(tp.topic, tp.partition):
                out.error = KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART, "Broker: Unknown topic or partition")
            elif active:
                out.error = KafkaError(KafkaError.UNKNOWN_MEMBER_ID, "Broker: Unknown member")
            else:
                self._c.commit(group, tp.topic, tp.partition, tp.offset)
            result.append(out)
        return {group: _resolved(ConsumerGroupTopicPartitions(group, result))}

    # -- records -----------------------------------------------------------------------------
    def delete_records(self, topic_partition_offsets, **kwargs):
        """Move each partition's log start offset up to the given offset (OFFSET_END: the high
        watermark); records before it can no longer be read. {TopicPartition: future} of
        DeletedRecords(low_watermark)."""
        _options(kwargs, request_timeout=_number, operation_timeout=_number)
        request = topic_partition_offsets
        if not isinstance(request, list):
            raise TypeError(f"Expected Request to be a list, got '{_type_name(request)}' ")
        for tp in request:
            if not isinstance(tp, TopicPartition):
                raise TypeError("Element of the request list must be of type 'TopicPartition' "
                                f"got '{_type_name(tp)}' ")
            if tp.partition < 0:
                raise ValueError("'partition' cannot be negative")
        if _has_duplicate_partitions(request):
            err = KafkaError(KafkaError._INVALID_ARG, "Duplicate partitions not allowed")
            return {tp: _resolved(error=err) for tp in request}
        futures = {}
        for tp in request:
            futures[tp] = self._delete_records(tp)
        return futures

    def _delete_records(self, tp):
        if not self._partition_exists(tp.topic, tp.partition):
            return _resolved(error=KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART, "Broker: Unknown topic or partition"))
        delete = getattr(self._c, "delete_records", None)
        if delete is None:
            return _resolved(error=KafkaError(KafkaError._NOT_IMPLEMENTED,
                                              "pysim does not simulate delete_records yet"))
        try:
            low = delete(tp.topic, tp.partition, tp.offset)
        except KafkaException as e:
            return _resolved(error=e)
        return _resolved(DeletedRecords(low))

    # -- misc --------------------------------------------------------------------------------
    def poll(self, timeout=None):
        """Nothing is ever pending: every result was delivered with its future."""
        return 0

    def _partition_exists(self, topic, partition):
        return self._c.has_topic(topic) and 0 <= partition < self._c.num_partitions(topic)


_COORDINATOR = Node(1, "localhost", 9092)
_MEMBER_ID = re.compile(r"(.+)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _client_id(member_id):
    """The client.id in a member id the coordinator made as ``<client.id>-<uuid>``."""
    m = _MEMBER_ID.fullmatch(member_id)
    return m.group(1) if m else member_id


# -- argument checks (the wording is confluent-kafka's) ---------------------------------------
def _type_name(value):
    return type(value).__name__


def _as_int(value):
    if isinstance(value, bool):
        return int(value)
    if not isinstance(value, int):
        raise TypeError(f"'{_type_name(value)}' object cannot be interpreted as an integer")
    return value


def _number(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"Expected {name} to be float type, not {_type_name(value)}")


def _boolean(name, value):
    if not isinstance(value, bool):
        raise TypeError(f"Expected {name} to be bool type, not {_type_name(value)}")


def _any(name, value):
    pass


def _options(kwargs, **allowed):
    for name in kwargs:
        if name not in allowed:
            raise TypeError(f"'{name}' is an invalid keyword argument for this function")
        allowed[name](name, kwargs[name])
    return kwargs


def _enum_set(values, enum, name):
    if values is None:
        return set()
    if not isinstance(values, set):
        raise TypeError(f"'{name}' must be a set")
    for v in values:
        if not isinstance(v, enum):
            raise TypeError(f"All elements of {name} must be of type {enum.__name__}")
    return values


def _counts(items):
    counts = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return counts


def _has_duplicate_partitions(tps):
    return any(n > 1 for n in _counts((tp.topic, tp.partition) for tp in tps).values())


def _check_new_topic(t):
    """librdkafka's local checks, raised before any request is sent."""
    if t.num_partitions != -1 and not 1 <= t.num_partitions <= _MAX_PARTITIONS and t.num_partitions != 0:
        raise ValueError(f"Invalid NewTopic({t.topic}): num_partitions out of expected range "
                         f"1..{_MAX_PARTITIONS} or -1 for broker default")
    if t.replication_factor < -1 or t.replication_factor > _MAX_REPLICATION_FACTOR:
        raise ValueError(f"Invalid NewTopic({t.topic}): replication_factor out of expected range "
                         f"-1..{_MAX_REPLICATION_FACTOR}")
    if t.replica_assignment is not None:
        if t.replication_factor != -1:
            raise ValueError("replication_factor and replica_assignment are mutually exclusive")
        if t.num_partitions == -1:
            raise ValueError("Specifying a default partition count and a replica assignment are mutually exclusive")
    if t.config is not None:
        for name in t.config:
            if not isinstance(name, str):
                raise TypeError("config must be a dict of strings")


def _validate_topic_config(config):
    """Check a topic config the way create_topic does, without creating anything."""
    TopicConfig(config)


def _check_group_offsets_request(request, listing):
    verb = "listing" if listing else "altering"
    if request is None:
        raise TypeError("request cannot be None")
    if not isinstance(request, list):
        raise TypeError("request must be a list")
    if len(request) != 1:
        raise ValueError(f"Currently we support {verb} offsets for a single consumer group only")
    req = request[0]
    if not isinstance(req, ConsumerGroupTopicPartitions):
        raise TypeError("Expected list of 'ConsumerGroupTopicPartitions'")
    if req.group_id is None:
        raise TypeError("'group_id' cannot be None")
    if not isinstance(req.group_id, str):
        raise TypeError("'group_id' must be a string")
    if not req.group_id:
        raise ValueError("'group_id' cannot be empty")
    tps = req.topic_partitions
    if tps is None:
        if listing:
            return
        raise ValueError("'topic_partitions' cannot be null")
    if not isinstance(tps, list):
        raise TypeError("'topic_partitions' must be a list or None" if listing else "'topic_partitions' must be a list")
    if not tps:
        raise ValueError("'topic_partitions' cannot be empty")
    for tp in tps:
        if tp is None:
            raise ValueError("Element of 'topic_partitions' cannot be None")
        if not isinstance(tp, TopicPartition):
            raise TypeError("Element of 'topic_partitions' must be of type TopicPartition")
        if tp.topic is None:
            raise TypeError("Element of 'topic_partitions' must not have 'topic' attribute as None")
        if not tp.topic:
            raise ValueError("Element of 'topic_partitions' must not have 'topic' attribute as Empty")
        if listing:
            if tp.partition < 0:
                raise ValueError("Element of 'topic_partitions' must not have negative 'partition' value")
            if tp.offset != OFFSET_INVALID:
                raise ValueError("Element of 'topic_partitions' must not have 'offset' value")
        else:
            if tp.partition < 0:
                raise ValueError("Element of 'topic_partitions' must not have negative value for 'partition' field")
            if tp.offset < 0:
                raise ValueError("Element of 'topic_partitions' must not have negative value for 'offset' field")
