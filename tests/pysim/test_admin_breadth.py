"""The newer AdminClient calls (configs, ACLs, SCRAM, describe_topics / cluster,
list_offsets, delete_consumer_groups, elect_leaders), the lifecycle of the client, and
what a client with no broker to reach gets: _TIMED_OUT after the request timeout."""

import concurrent.futures

import pytest

from pysim import kafka
from pysim.kafka import KafkaError, KafkaException, TopicPartition
from pysim.kafka.admin import (
    AclBinding, AclBindingFilter, AclOperation, AclPermissionType, AdminClient, AlterConfigOpType, ConfigEntry,
    ConfigResource, ConfigSource, ConsumerGroupTopicPartitions, ElectionType, IsolationLevel, NewTopic, OffsetSpec,
    ResourcePatternType, ResourceType, ScramCredentialInfo, ScramMechanism, TopicCollection,
    UserScramCredentialDeletion, UserScramCredentialUpsertion,
)

SERVERS = "breadth:9092"


@pytest.fixture
def cluster():
    kafka.reset_all(seed=0)
    c = kafka.cluster(SERVERS)
    c.group_initial_rebalance_delay_ms = 0
    return c


@pytest.fixture
def admin(cluster):
    return AdminClient({"bootstrap.servers": SERVERS})


def code_of(future):
    with pytest.raises(KafkaException) as info:
        future.result()
    return info.value.args[0].code()


# -- configs -----------------------------------------------------------------------------------
def test_describe_configs_shows_overrides_as_dynamic_and_the_rest_as_defaults(admin, cluster):
    cluster.create_topic("t", 1, {"retention.ms": "1000"})
    res = ConfigResource(ResourceType.TOPIC, "t")
    configs = admin.describe_configs([res])[res].result()
    assert configs["retention.ms"].value == "1000"
    assert configs["retention.ms"].source == ConfigSource.DYNAMIC_TOPIC_CONFIG
    assert configs["cleanup.policy"].is_default and configs["cleanup.policy"].value == "delete"
    broker = ConfigResource("broker", "1")
    assert admin.describe_configs([broker])[broker].result()["num.partitions"].value == "1"
    ghost = ConfigResource("topic", "ghost")
    assert code_of(admin.describe_configs([ghost])[ghost]) == KafkaError.UNKNOWN_TOPIC_OR_PART


def test_incremental_alter_configs_changes_only_the_named_configs(admin, cluster):
    cluster.create_topic("t", 1, {"retention.ms": "1000", "segment.ms": "5000"})
    res = ConfigResource(ResourceType.TOPIC, "t", incremental_configs=[
        ConfigEntry("retention.ms", "2000", incremental_operation=AlterConfigOpType.SET),
        ConfigEntry("cleanup.policy", "compact", incremental_operation=AlterConfigOpType.APPEND)])
    assert admin.incremental_alter_configs([res])[res].result() is None
    assert cluster.topic_config("t") == {"cleanup.policy": "delete,compact", "retention.ms": "2000",
                                         "segment.ms": "5000"}
    res = ConfigResource("topic", "t", incremental_configs=[
        ConfigEntry("segment.ms", None, incremental_operation=AlterConfigOpType.DELETE)])
    admin.incremental_alter_configs([res])[res].result()
    assert "segment.ms" not in cluster.topic_config("t")


def test_alter_configs_replaces_every_override_and_a_bad_value_changes_nothing(admin, cluster):
    cluster.create_topic("t", 1, {"retention.ms": "1000"})
    res = ConfigResource("topic", "t", set_config={"segment.ms": "60000"})
    with pytest.warns(DeprecationWarning):
        admin.alter_configs([res])[res].result()
    assert cluster.topic_config("t") == {"segment.ms": "60000"}
    bad = ConfigResource("topic", "t", set_config={"retention.ms": "soon"})
    with pytest.warns(DeprecationWarning):
        assert code_of(admin.alter_configs([bad])[bad]) == KafkaError.INVALID_CONFIG
    assert cluster.topic_config("t") == {"segment.ms": "60000"}


def test_incremental_alter_configs_argument_errors_are_the_bindings(admin):
    with pytest.raises(TypeError):
        admin.incremental_alter_configs(None)
    with pytest.raises(ValueError):
        admin.incremental_alter_configs([])
    with pytest.raises(TypeError):
        admin.incremental_alter_configs([ConfigResource("broker", "1", incremental_configs=[
            ConfigEntry("x", "1", incremental_operation="NEW")])])
    dup = ConfigResource("broker", "1", incremental_configs=[
        ConfigEntry("a", "1", incremental_operation=AlterConfigOpType.APPEND),
        ConfigEntry("a", None, incremental_operation=AlterConfigOpType.DELETE)])
    assert code_of(admin.incremental_alter_configs([dup])[dup]) == KafkaError._INVALID_ARG
    with pytest.raises(ValueError, match="should be a ConfigResource.Type"):
        ConfigResource("nonsense", "x")


# -- topics, cluster, offsets -------------------------------------------------------------------
def test_create_topics_refuses_a_replication_factor_above_the_broker_count(admin, cluster):
    fs = admin.create_topics([NewTopic("r3", 1, 3), NewTopic("r1", 1, 1)])
    assert code_of(fs["r3"]) == KafkaError.INVALID_REPLICATION_FACTOR
    assert fs["r1"].result() is None
    assert cluster.topics() == ["r1"]


def test_describe_topics_and_cluster_show_the_one_broker(admin, cluster):
    cluster.create_topic("t", 2)
    d = admin.describe_topics(TopicCollection(["t"]))["t"].result()
    assert d.name == "t" and [p.id for p in d.partitions] == [0, 1]
    assert all(p.leader.id == 1 and [n.id for n in p.isr] == [1] for p in d.partitions)
    assert code_of(admin.describe_topics(TopicCollection(["ghost"]))["ghost"]) == KafkaError.UNKNOWN_TOPIC_OR_PART
    c = admin.describe_cluster().result()
    assert c.controller.id == 1 and [n.id for n in c.nodes] == [1] and c.cluster_id == "pysim-0"


def test_list_offsets_answers_each_spec_from_the_log(admin, cluster):
    cluster.create_topic("t", 1)
    for ts in (100, 300, 200):
        cluster.append("t", 0, None, b"v", ts, None)
    cluster.delete_records("t", 0, 1)
    tp = TopicPartition("t", 0)
    ask = {OffsetSpec.earliest(): (1, -1), OffsetSpec.latest(): (3, -1), OffsetSpec.max_timestamp(): (1, 300),
           OffsetSpec.for_timestamp(150): (1, 300), OffsetSpec.for_timestamp(301): (-1, -1)}
    for spec, expected in ask.items():
        fs = admin.list_offsets({tp: spec}, isolation_level=IsolationLevel.READ_UNCOMMITTED)
        (key, f), = fs.items()
        info = f.result()
        assert (info.offset, info.timestamp) == expected
        assert key.offset == spec._value
    with pytest.raises(TypeError):
        admin.list_offsets({tp: "latest"})


def test_delete_consumer_groups_refuses_a_group_with_members(admin, cluster):
    cluster.create_topic("t", 1)
    cluster.commit("idle", "t", 0, 5)
    cluster.join("busy", "m-1")
    fs = admin.delete_consumer_groups(["idle", "busy", "ghost"])
    assert fs["idle"].result() is None and cluster.committed("idle", "t", 0) is None
    assert code_of(fs["busy"]) == KafkaError.NON_EMPTY_GROUP
    assert code_of(fs["ghost"]) == KafkaError.GROUP_ID_NOT_FOUND


def test_elect_leaders_is_never_needed_with_one_broker(admin, cluster):
    cluster.create_topic("t", 1)
    result = admin.elect_leaders(ElectionType.PREFERRED, [TopicPartition("t", 0)]).result()
    assert [e.code() for e in result.values()] == [KafkaError.ELECTION_NOT_NEEDED]


# -- security -----------------------------------------------------------------------------------
def test_acl_calls_answer_security_disabled_and_bindings_are_checked():
    kafka.reset_all(seed=0)
    admin = AdminClient({"bootstrap.servers": SERVERS})
    b = AclBinding(ResourceType.TOPIC, "t", ResourcePatternType.LITERAL, "User:u", "*", AclOperation.WRITE,
                   AclPermissionType.ALLOW)
    assert code_of(admin.create_acls([b])[b]) == KafkaError.SECURITY_DISABLED
    f = AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, None, None, AclOperation.ANY,
                         AclPermissionType.ANY)
    assert code_of(admin.describe_acls(f)) == KafkaError.SECURITY_DISABLED
    with pytest.raises(ValueError, match="duplicate ACL bindings"):
        admin.create_acls([b, b])
    with pytest.raises(ValueError, match="Cannot use enum restype"):
        AclBinding(ResourceType.ANY, "t", ResourcePatternType.LITERAL, "User:u", "*", AclOperation.WRITE,
                   AclPermissionType.ALLOW)


def test_scram_credentials_are_kept_without_the_password(admin):
    info = ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096)
    assert admin.alter_user_scram_credentials([UserScramCredentialUpsertion("sam", info, b"pw")])["sam"].result() is None
    d = admin.describe_user_scram_credentials(["sam"])["sam"].result()
    assert [(i.mechanism, i.iterations) for i in d.scram_credential_infos] == [(ScramMechanism.SCRAM_SHA_256, 4096)]
    assert code_of(admin.describe_user_scram_credentials(["bob"])["bob"]) == KafkaError.RESOURCE_NOT_FOUND
    admin.alter_user_scram_credentials([UserScramCredentialDeletion("sam", ScramMechanism.SCRAM_SHA_256)])
    assert admin.describe_user_scram_credentials().result() == {}
    with pytest.raises(ValueError, match="'password' cannot be empty"):
        admin.alter_user_scram_credentials([UserScramCredentialUpsertion("sam", info, b"")])


# -- no broker to reach ----------------------------------------------------------------------------
def test_without_bootstrap_servers_every_request_times_out():
    kafka.reset_all(seed=0)
    admin = AdminClient({"socket.timeout.ms": 10})
    fs = admin.create_topics([NewTopic("t", 1, 1)])
    for f in concurrent.futures.as_completed(fs.values()):
        assert f.exception().args[0].code() == KafkaError._TIMED_OUT
    assert "Failed while waiting for controller" in str(fs["t"].exception())
    assert admin.list_consumer_groups().result().errors[0].code() == KafkaError._TIMED_OUT
    with pytest.raises(KafkaException) as info:
        admin.list_topics(timeout=0.1)
    assert info.value.args[0].code() == KafkaError._TRANSPORT


def test_stopped_brokers_time_requests_out_in_virtual_time_unless_they_return(admin, cluster):
    cluster.faults.stop_brokers()
    before = cluster.now_ms
    f = admin.create_topics([NewTopic("t")], request_timeout=5)["t"]
    assert code_of(f) == KafkaError._TIMED_OUT and cluster.now_ms - before == 5000
    assert not cluster.has_topic("t")
    cluster.faults.stop_brokers(duration_ms=2000)
    before = cluster.now_ms
    assert admin.create_topics([NewTopic("t")], request_timeout=5)["t"].result() is None
    assert cluster.now_ms - before == 2000 and cluster.has_topic("t")


def test_a_closed_or_uninitialized_client_raises_the_bindings_runtime_error(cluster):
    with AdminClient({"bootstrap.servers": SERVERS}) as admin:
        admin.poll(0)
    with pytest.raises(RuntimeError, match="AdminClient has been closed"):
        admin.create_topics([NewTopic("t")])
    with pytest.raises(RuntimeError, match="Handle has been closed"):
        admin.list_topics()
    assert len(admin) == 0

    class Bare(AdminClient):
        def __init__(self):
            pass
    with pytest.raises(RuntimeError, match="AdminClient has been closed"):
        Bare().list_consumer_group_offsets([ConsumerGroupTopicPartitions("g")])
