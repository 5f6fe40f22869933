"""The AdminClient calls beyond topics and group offsets, as mixins of AdminClient
(admin.py): configs (describe / alter / incremental alter), security (ACLs, SCRAM
credentials), and descriptions (topics, cluster, offsets by spec, group deletion, leader
election). Each checks its arguments as confluent-kafka does (same exception types and
wording, before anything is sent), then asks the broker: ``self._no_answer`` says whether
one answers (see AdminClient)."""

from pysim.kafka.admin_acl import AclBinding, AclBindingFilter
from pysim.kafka.admin_config import AlterConfigOpType, ConfigEntry, ConfigResource, ConfigSource, ResourceType
from pysim.kafka.admin_model import (DescribeClusterResult, ElectionType, IsolationLevel, ListOffsetsResultInfo,
                                     OffsetSpec, TopicCollection, TopicDescription, TopicPartitionInfo)
from pysim.kafka.admin_request import _boolean, _counts, _number, _options, _resolved, _type_name
from pysim.kafka.admin_scram import (ScramCredentialInfo, UserScramCredentialDeletion,
                                     UserScramCredentialsDescription, check_alteration, check_user)
from pysim.kafka.errors import KafkaError, KafkaException
from pysim.kafka.metadata import BROKER_HOST, BROKER_ID, BROKER_PORT, cluster_id
from pysim.kafka.topic_config import TopicConfig
from pysim.kafka.topic_partition import TopicPartition

_UNKNOWN_TOPIC = "Broker: Unknown topic or partition"
_SECURITY_DISABLED = "Broker: Security features are disabled"
# The broker settings pysim models, as DescribeConfigs(BROKER) reports them.
_BROKER_CONFIGS = (("auto.create.topics.enable", lambda c: str(c.auto_create).lower()),
                   ("default.replication.factor", lambda c: "1"),
                   ("group.initial.rebalance.delay.ms", lambda c: str(c.group_initial_rebalance_delay_ms)),
                   ("group.max.session.timeout.ms", lambda c: str(c.group_max_session_timeout_ms)),
                   ("group.min.session.timeout.ms", lambda c: str(c.group_min_session_timeout_ms)),
                   ("num.partitions", lambda c: str(c.default_partitions)))


def _node():
    from pysim.kafka.admin import Node
    return Node(BROKER_ID, BROKER_HOST, BROKER_PORT)


def _resources(resources, kind=ValueError):
    """The binding's checks of a list of ConfigResource."""
    if resources is None:
        raise TypeError("'NoneType' object is not iterable")
    if not isinstance(resources, list):
        raise kind(f"Expected list of {ConfigResource!r}")
    if not resources:
        raise ValueError("Expected non-empty list of ConfigResource objects")
    for r in resources:
        if not isinstance(r, ConfigResource):
            raise ValueError(f"Expected list of {ConfigResource!r}")


class ConfigCalls:
    def describe_configs(self, resources, **kwargs):
        """{ConfigResource: future} of {name: ConfigEntry}: a topic's every config (overrides
        as DYNAMIC_TOPIC_CONFIG, the rest DEFAULT_CONFIG), or the broker settings pysim models."""
        self._check_open()
        opts = _options(kwargs, request_timeout=_number, include_synonyms=_boolean,
                        include_documentation=_boolean)
        _resources(resources)
        unanswered = self._no_answer(opts)
        if unanswered:
            return {r: _resolved(error=unanswered) for r in resources}
        return {r: self._describe_resource(r) for r in resources}

    def _describe_resource(self, r):
        if r.restype == ResourceType.TOPIC:
            if not self._c.has_topic(r.name):
                return _resolved(error=KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART, _UNKNOWN_TOPIC))
            entries = {}
            for name, (value, is_default) in self._c.log_config(r.name).describe().items():
                source = ConfigSource.DEFAULT_CONFIG if is_default else ConfigSource.DYNAMIC_TOPIC_CONFIG
                entries[name] = ConfigEntry(name, value, source, is_default=is_default)
            return _resolved(entries)
        if r.restype == ResourceType.BROKER:
            if r.name not in ("", str(BROKER_ID)):
                return _resolved(error=KafkaError(KafkaError.INVALID_REQUEST,
                                                  f"Unexpected broker id, expected {BROKER_ID} but received {r.name}"))
            return _resolved({name: ConfigEntry(name, value(self._c), ConfigSource.STATIC_BROKER_CONFIG)
                              for name, value in _BROKER_CONFIGS})
        if r.restype == ResourceType.GROUP:
            return _resolved({})
        return _resolved(error=KafkaError(KafkaError.INVALID_REQUEST,
                                          f"Unsupported resource type {r.restype.name}"))

    def alter_configs(self, resources, **kwargs):
        """Deprecated (use incremental_alter_configs): replace a topic's config overrides
        with ``set_config``; names left out return to their defaults."""
        import warnings
        warnings.warn("alter_configs has been deprecated. Use incremental_alter_configs instead.",
                      DeprecationWarning, stacklevel=2)
        self._check_open()
        opts = _options(kwargs, request_timeout=_number, validate_only=_boolean)
        _resources(resources)
        unanswered = self._no_answer(opts)
        if unanswered:
            return {r: _resolved(error=unanswered) for r in resources}
        return {r: self._set_configs(r, dict(r.set_config_dict), opts.get("validate_only", False))
                for r in resources}

    def incremental_alter_configs(self, resources, **kwargs):
        """Change single configs (SET, DELETE, APPEND / SUBTRACT for list configs such as
        cleanup.policy), leaving the others as they are. {ConfigResource: future} of None."""
        self._check_open()
        opts = _options(kwargs, request_timeout=_number, validate_only=_boolean)
        _resources(resources, kind=TypeError)
        for r in resources:
            _check_incremental(r)
        unanswered = None
        futures = {}
        for r in resources:
            if any(n > 1 for n in _counts(e.name for e in r.incremental_configs).values()):
                futures[r] = _resolved(error=KafkaError(KafkaError._INVALID_ARG, "Duplicate ConfigEntry found"))
                continue
            if unanswered is None:
                unanswered = self._no_answer(opts) or False
            if unanswered:
                futures[r] = _resolved(error=unanswered)
                continue
            futures[r] = self._incremental(r, opts.get("validate_only", False))
        return futures

    def _incremental(self, r, validate_only):
        if r.restype != ResourceType.TOPIC:
            return _resolved(error=KafkaError(KafkaError.INVALID_REQUEST,
                                              f"pysim alters only topic configs, not {r.restype.name}"))
        if not self._c.has_topic(r.name):
            return _resolved(error=KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART, _UNKNOWN_TOPIC))
        config = self._c.topic_config(r.name)
        current = self._c.log_config(r.name)
        for e in r.incremental_configs:
            op = e.incremental_operation
            if op == AlterConfigOpType.SET:
                config[e.name] = e.value
            elif op == AlterConfigOpType.DELETE:
                config.pop(e.name, None)
            else:
                name_known = e.name in _list_configs()
                if not name_known:
                    return _resolved(error=KafkaError(KafkaError.INVALID_CONFIG,
                                                      f"Config value append is not allowed for config key: {e.name}"
                                                      if op == AlterConfigOpType.APPEND else
                                                      f"Config value subtract is not allowed for config key: {e.name}"))
                items = list(config[e.name].split(",")) if e.name in config else list(current.value(e.name))
                values = [v for v in str(e.value).split(",") if v]
                if op == AlterConfigOpType.APPEND:
                    items += [v for v in values if v not in items]
                else:
                    items = [v for v in items if v not in values]
                config[e.name] = ",".join(items)
        return self._set_configs(r, config, validate_only)

    def _set_configs(self, r, config, validate_only):
        if r.restype != ResourceType.TOPIC:
            return _resolved(error=KafkaError(KafkaError.INVALID_REQUEST,
                                              f"pysim alters only topic configs, not {r.restype.name}"))
        if not self._c.has_topic(r.name):
            return _resolved(error=KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART, _UNKNOWN_TOPIC))
        try:
            if validate_only:
                TopicConfig(config)
            else:
                self._c.set_topic_config(r.name, config)
        except KafkaException as e:
            return _resolved(error=e)
        return _resolved(None)


def _list_configs():
    from pysim.kafka.topic_config import DEFINITIONS, LIST
    return {name for name, d in DEFINITIONS.items() if d.type == LIST}


def _check_incremental(r):
    entries = r.incremental_configs
    if isinstance(entries, str) or not isinstance(entries, list):
        raise TypeError("expected ConfigEntry type in incremental_configs field, index 0")
    if not entries:
        raise ValueError("expected non-empty list of ConfigEntry to alter incrementally in incremental_configs field")
    for i, e in enumerate(entries):
        if not isinstance(e, ConfigEntry):
            raise TypeError(f"expected ConfigEntry type in incremental_configs field, index {i}")
        if not isinstance(e.incremental_operation, AlterConfigOpType):
            raise TypeError("Required attribute .value missing")
        if not isinstance(e.name, str):
            raise TypeError(f"Expected .name to be str type, not {_type_name(e.name)}")


class SecurityCalls:
    """ACLs and SCRAM credentials. pysim's broker has no authorizer: ACL calls are answered
    SECURITY_DISABLED, as a Kafka broker without authorizer.class.name answers them."""

    def create_acls(self, acls, **kwargs):
        self._check_open()
        opts = _options(kwargs, request_timeout=_number)
        _bindings(acls, AclBinding, "duplicate ACL bindings not allowed")
        err = self._no_answer(opts) or KafkaError(KafkaError.SECURITY_DISABLED, _SECURITY_DISABLED)
        return {b: _resolved(error=err) for b in acls}

    def delete_acls(self, acl_binding_filters, **kwargs):
        self._check_open()
        opts = _options(kwargs, request_timeout=_number)
        _bindings(acl_binding_filters, AclBindingFilter, "duplicate ACL binding filters not allowed")
        err = self._no_answer(opts) or KafkaError(KafkaError.SECURITY_DISABLED, _SECURITY_DISABLED)
        return {f: _resolved(error=err) for f in acl_binding_filters}

    def describe_acls(self, acl_binding_filter, **kwargs):
        self._check_open()
        opts = _options(kwargs, request_timeout=_number)
        if type(acl_binding_filter) is not AclBindingFilter:
            raise TypeError("Expected an AclBindingFilter object")
        err = self._no_answer(opts) or KafkaError(KafkaError.SECURITY_DISABLED, _SECURITY_DISABLED)
        return _resolved(error=err)

    def describe_user_scram_credentials(self, users=None, **kwargs):
        """Without ``users``: one future of {user: UserScramCredentialsDescription} for every
        user with credentials; with a list: {user: future} (RESOURCE_NOT_FOUND for a user
        without any)."""
        self._check_open()
        opts = _options(kwargs, request_timeout=_number)
        if users is not None:
            if not isinstance(users, list):
                raise TypeError("Expected input to be list of String")
            for u in users:
                check_user(u)
        unanswered = self._no_answer(opts)
        store = _scram_store(self._c) if self._c is not None else {}
        if users is None:
            if unanswered:
                return _resolved(error=unanswered)
            return _resolved({u: self._scram_description(store, u) for u in sorted(store)})
        if any(n > 1 for n in _counts(users).values()):
            err = KafkaError(KafkaError._INVALID_ARG, "Duplicate users aren't allowed in the same request")
            return {u: _resolved(error=err) for u in users}
        futures = {}
        for u in users:
            if unanswered:
                futures[u] = _resolved(error=unanswered)
            elif u not in store:
                futures[u] = _resolved(error=KafkaError(KafkaError.RESOURCE_NOT_FOUND,
                                                        f"Attempt to describe a user credential that does not "
                                                        f"exist: {u}"))
            else:
                futures[u] = _resolved(self._scram_description(store, u))
        return futures

    @staticmethod
    def _scram_description(store, user):
        return UserScramCredentialsDescription(user, [ScramCredentialInfo(m, i) for m, i in
                                                      sorted(store[user].items(), key=lambda kv: kv[0].value)])

    def alter_user_scram_credentials(self, alterations, **kwargs):
        """Upsert or delete SCRAM credentials; {user: future} of None. The cluster keeps each
        user's mechanisms and iterations (never the password)."""
        self._check_open()
        opts = _options(kwargs, request_timeout=_number)
        if not isinstance(alterations, list):
            raise TypeError("Expected input to be list")
        if not alterations:
            raise ValueError("Expected at least one alteration")
        for a in alterations:
            check_alteration(a)
        unanswered = self._no_answer(opts)
        futures = {}
        for a in alterations:
            if unanswered:
                futures[a.user] = _resolved(error=unanswered)
                continue
            store = _scram_store(self._c).setdefault(a.user, {})
            if isinstance(a, UserScramCredentialDeletion):
                if a.mechanism not in store:
                    futures[a.user] = _resolved(error=KafkaError(
                        KafkaError.RESOURCE_NOT_FOUND, f"Attempt to delete a user credential that does not exist: "
                        f"{a.user}"))
                    continue
                del store[a.mechanism]
            else:
                store[a.scram_credential_info.mechanism] = a.scram_credential_info.iterations
            if not store:
                del _scram_store(self._c)[a.user]
            futures.setdefault(a.user, _resolved(None))
        return futures


def _scram_store(cluster):
    store = getattr(cluster, "_scram_credentials", None)
    if store is None:
        store = cluster._scram_credentials = {}
    return store


def _bindings(items, cls, duplicate_message):
    if items is None:
        raise TypeError("'NoneType' object is not iterable")
    if not isinstance(items, list):
        raise ValueError(f"Expected list of {cls!r}")
    if not items:
        raise ValueError(f"Expected non-empty list of {cls.__name__} objects")
    for b in items:
        if type(b) is not cls:
            raise ValueError(f"Expected list of {cls!r}")
    if len(set(items)) != len(items):
        raise ValueError(duplicate_message)


class DescribeCalls:
    def describe_topics(self, topics, **kwargs):
        """{topic: future} of TopicDescription: partitions with leader, replicas and ISR
        (pysim's one broker in each)."""
        self._check_open()
        opts = _options(kwargs, request_timeout=_number, include_authorized_operations=_boolean)
        if not isinstance(topics, TopicCollection):
            raise TypeError("Expected input to be instance of TopicCollection")
        for i, name in enumerate(topics.topic_names):
            if not isinstance(name, str):
                raise TypeError(f"Expected list of topics strings, not {_type_name(name)}")
            if not name:
                raise ValueError(f"Empty topic name at index {i} isn't allowed")
        if not topics.topic_names:
            return {}
        unanswered = self._no_answer(opts)
        futures = {}
        for name in topics.topic_names:
            if unanswered:
                futures[name] = _resolved(error=unanswered)
            elif not self._c.has_topic(name):
                futures[name] = _resolved(error=KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART, _UNKNOWN_TOPIC))
            else:
                node = _node()
                parts = [TopicPartitionInfo(p, node, [node], [node]) for p in range(self._c.num_partitions(name))]
                futures[name] = _resolved(TopicDescription(name, None, name.startswith("__"), parts,
                                                           None))
        return futures

    def describe_cluster(self, **kwargs):
        """One future of DescribeClusterResult: pysim's one broker, also the controller."""
        self._check_open()
        opts = _options(kwargs, request_timeout=_number, include_authorized_operations=_boolean)
        unanswered = self._no_answer(opts)
        if unanswered:
            return _resolved(error=unanswered)
        node = _node()
        return _resolved(DescribeClusterResult(node, [node], cluster_id(self._c), None))

    def delete_consumer_groups(self, group_ids, **kwargs):
        """Delete groups and their committed offsets; {group: future} of None. A group with
        active members is refused with NON_EMPTY_GROUP, an unknown one GROUP_ID_NOT_FOUND."""
        self._check_open()
        opts = _options(kwargs, request_timeout=_number)
        if not isinstance(group_ids, list):
            raise TypeError("Expected input to be list of group ids to be deleted")
        if not group_ids:
            raise ValueError("Expected at least one group to be deleted")
        unanswered = self._no_answer(opts, "")
        futures = {}
        for g in group_ids:
            if unanswered:
                futures[g] = _resolved(error=unanswered)
            elif g not in self._c.groups():
                futures[g] = _resolved(error=KafkaError(KafkaError.GROUP_ID_NOT_FOUND,
                                                        "Broker: The group id does not exist"))
            elif self._c.active_members(g):
                futures[g] = _resolved(error=KafkaError(KafkaError.NON_EMPTY_GROUP,
                                                        "Broker: The group is not empty"))
            else:
                self._c.delete_group(g)
                futures[g] = _resolved(None)
        return futures

    def list_offsets(self, topic_partition_offsets, **kwargs):
        """{TopicPartition: future} of ListOffsetsResultInfo for each partition's spec:
        earliest (log start), latest (high watermark, or the last stable offset under
        READ_COMMITTED), max_timestamp, or for_timestamp(ms)."""
        self._check_open()
        opts = _options(kwargs, request_timeout=_number, isolation_level=_isolation)
        request = topic_partition_offsets
        if not isinstance(request, dict):
            raise TypeError("Expected topic_partition_offsets to be dict of [TopicPartitions,OffsetSpec] "
                            "for list offsets request")
        for tp, spec in request.items():
            if not isinstance(tp, TopicPartition):
                raise TypeError("partition must be a TopicPartition")
            if not tp.topic:
                raise ValueError("partition topic name cannot be empty")
            if tp.partition < 0:
                raise ValueError("partition index must be non-negative")
            if not isinstance(spec, OffsetSpec):
                raise TypeError("Value must be a OffsetSpec")
        keys = {}
        for tp, spec in request.items():
            keys[(tp.topic, tp.partition)] = spec
        if not keys:
            return {}
        unanswered = self._no_answer(opts, "Failed to query partition leaders: ")
        committed = opts.get("isolation_level") == IsolationLevel.READ_COMMITTED
        futures = {}
        for (topic, partition), spec in keys.items():
            key = TopicPartition(topic, partition, spec._value)
            if unanswered:
                futures[key] = _resolved(error=unanswered)
            elif not self._partition_exists(topic, partition):
                futures[key] = _resolved(error=KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART, _UNKNOWN_TOPIC))
            else:
                futures[key] = _resolved(self._offset_for(topic, partition, spec._value, committed))
        return futures

    def _offset_for(self, topic, partition, spec, read_committed):
        log = self._c.log(topic, partition)
        low, high = self._c.watermarks(topic, partition)
        if spec == -2:
            return ListOffsetsResultInfo(low, -1, None)
        if spec == -1:
            end = getattr(log, "last_stable_offset", high) if read_committed else high
            return ListOffsetsResultInfo(end, -1, None)
        records = [r for r in log.records() if r.offset >= low]
        if spec == -3:
            if not records:
                return ListOffsetsResultInfo(-1, -1, None)
            best = max(records, key=lambda r: (r.timestamp, -r.offset))
            return ListOffsetsResultInfo(best.offset, best.timestamp, None)
        for r in records:
            if r.timestamp >= spec:
                return ListOffsetsResultInfo(r.offset, r.timestamp, None)
        return ListOffsetsResultInfo(-1, -1, None)

    def elect_leaders(self, election_type, partitions, **kwargs):
        """One future of {TopicPartition: KafkaError or None}. pysim's one broker leads
        every partition already, so each answers ELECTION_NOT_NEEDED."""
        self._check_open()
        opts = _options(kwargs, request_timeout=_number, operation_timeout=_number)
        if not isinstance(election_type, ElectionType):
            raise TypeError("Expected 'election_type' to be of type 'ElectionType'")
        if partitions is not None:
            if not isinstance(partitions, list):
                raise TypeError(f"Expected 'partitions' to be a list, got '{_type_name(partitions)}'")
            for tp in partitions:
                if not isinstance(tp, TopicPartition):
                    raise TypeError("Element of the 'partitions' list must be of type 'TopicPartition' "
                                    f"got '{_type_name(tp)}' ")
                if tp.partition < 0:
                    raise ValueError("Elements of the 'partitions' list must not have negative value for "
                                     "'partition' field")
        unanswered = self._no_answer(opts)
        if unanswered:
            return _resolved(error=unanswered)
        result = {}
        for tp in partitions or [TopicPartition(t, p) for t in self._c.topics()
                                 for p in range(self._c.num_partitions(t))]:
            if not self._partition_exists(tp.topic, tp.partition):
                result[TopicPartition(tp.topic, tp.partition)] = KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART,
                                                                            _UNKNOWN_TOPIC)
            else:
                result[TopicPartition(tp.topic, tp.partition)] = KafkaError(
                    KafkaError.ELECTION_NOT_NEEDED, "Leader election not needed for topic partition.")
        return _resolved(result)


def _isolation(name, value):
    if not isinstance(value, IsolationLevel):
        raise TypeError("isolation_level argument should be an IsolationLevel")
