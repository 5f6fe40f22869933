"""Cluster metadata as ``list_topics()`` returns it (confluent_kafka.admin's ClusterMetadata,
BrokerMetadata, TopicMetadata, PartitionMetadata). pysim runs one broker, id 1, which
leads every partition and is its only replica."""

from pysim.kafka.errors import KafkaError

BROKER_ID, BROKER_HOST, BROKER_PORT = 1, "localhost", 9092
BROKER_COUNT = 1


class ClusterMetadata:
    def __init__(self):
        self.cluster_id, self.controller_id = None, -1
        self.brokers, self.topics = {}, {}
        self.orig_broker_id, self.orig_broker_name = -1, None

    def __repr__(self):
        return f"ClusterMetadata({self.cluster_id})"

    def __str__(self):
        return str(self.cluster_id)


class BrokerMetadata:
    def __init__(self, id=-1, host=None, port=-1):
        self.id, self.host, self.port = id, host, port

    def __repr__(self):
        return f"BrokerMetadata({self.id}, {self.host}:{self.port})"

    def __str__(self):
        return f"{self.host}:{self.port}/{self.id}"


class TopicMetadata:
    def __init__(self, topic=None, partitions=None, error=None):
        self.topic, self.partitions, self.error = topic, partitions if partitions is not None else {}, error

    def __repr__(self):
        if self.error is not None:
            return f"TopicMetadata({self.topic}, {len(self.partitions)} partitions, {self.error})"
        return f"TopicMetadata({self.topic}, {len(self.partitions)} partitions)"

    def __str__(self):
        return str(self.topic)


class PartitionMetadata:
    def __init__(self, id=-1, leader=-1, replicas=None, isrs=None, error=None):
        self.id, self.leader = id, leader
        self.replicas, self.isrs = list(replicas or []), list(isrs or [])
        self.error = error

    def __repr__(self):
        if self.error is not None:
            return f"PartitionMetadata({self.id}, {self.error})"
        return f"PartitionMetadata({self.id})"

    def __str__(self):
        return f"{self.id}"


class GroupMember:
    """A member as the deprecated list_groups() reports it."""

    def __init__(self, id, client_id, client_host, metadata=None, assignment=None):
        self.id, self.client_id, self.client_host = id, client_id, client_host
        self.metadata, self.assignment = metadata, assignment


class GroupMetadata:
    """A group as the deprecated list_groups() reports it."""

    def __init__(self, id, error=None, state=None, protocol_type=None, protocol=None, members=None, broker=None):
        self.id, self.error, self.state = id, error, state
        self.protocol_type, self.protocol = protocol_type, protocol
        self.members, self.broker = members if members is not None else [], broker

    def __repr__(self):
        if self.error is not None:
            return f"GroupMetadata({self.id}, {self.error})"
        return f"GroupMetadata({self.id})"

    def __str__(self):
        return self.id


def cluster_id(cluster):
    """The id list_topics() reports for ``cluster`` (and Producer.cluster_id() returns)."""
    return f"pysim-{cluster.sim.seed}"


def cluster_metadata(cluster, topic=None, auto_create=True):
    """The metadata of every topic, or of ``topic`` only. Asking for a topic that does not
    exist creates it when the cluster auto-creates topics (the broker's default) and the
    client allows it (``auto_create``: librdkafka's allow.auto.create.topics, true for a
    producer); otherwise it is reported with UNKNOWN_TOPIC_OR_PART."""
    md = ClusterMetadata()
    md.cluster_id = cluster_id(cluster)
    md.controller_id = md.orig_broker_id = BROKER_ID
    md.orig_broker_name = f"{BROKER_HOST}:{BROKER_PORT}/{BROKER_ID}"
    md.brokers = {BROKER_ID: BrokerMetadata(BROKER_ID, BROKER_HOST, BROKER_PORT)}
    names = cluster.topics() if topic is None else [topic]
    for name in names:
        if not (cluster.has_topic(name) or (auto_create and cluster._ensure(name))):
            md.topics[name] = TopicMetadata(name, {}, KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART,
                                                                 "Broker: Unknown topic or partition"))
            continue
        md.topics[name] = TopicMetadata(name, {p: PartitionMetadata(p, BROKER_ID, [BROKER_ID], [BROKER_ID])
                                               for p in range(cluster.num_partitions(name))})
    return md
