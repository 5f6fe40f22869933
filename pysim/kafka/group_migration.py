"""Online migration between the classic group protocol and the consumer group protocol
(KIP-848), as Kafka 4.x's group coordinator does it (GroupMetadataManager: validateOnlineUpgrade,
convertToConsumerGroup, validateOnlineDowngradeWithFencedMembers, convertToClassicGroup).

The broker setting ``group.consumer.migration.policy`` (``Cluster.group_consumer_migration_policy``)
is one of ``bidirectional`` (Kafka's default), ``upgrade``, ``downgrade`` or ``disabled``.

- **Upgrade**: a ConsumerGroupHeartbeat that joins (epoch 0) a non-empty classic group converts
  it into a consumer group, unless the policy does not allow upgrades or the classic group has
  more members than ``group.consumer.max.size``; then the heartbeat is refused with
  GROUP_ID_NOT_FOUND and Kafka's message ("Cannot upgrade classic group g to consumer group
  because online upgrade is disabled." / "... because the group size exceeds the consumer
  group maximum size."). The converted group's epoch is the classic generation; each classic
  member keeps its last assignment, as its current and its target assignment, at member epoch
  = generation, Stable. The joining member then moves the group epoch on, so every classic
  member hears REBALANCE_IN_PROGRESS at its next heartbeat and rejoins. Members that had
  already rejoined a classic round under way get REBALANCE_IN_PROGRESS as the answer to that
  JoinGroup (``completeAllJoinFutures``) and join again at once.
- **Static members across protocols**: a consumer-protocol member with the group.instance.id
  of a classic static member takes its place (and assignment) at once: Kafka refuses with
  UNRELEASED_INSTANCE_ID only when both speak the consumer protocol. So a static classic pod
  restarted with group.protocol=consumer converts the group and moves in without a rebalance.
  The other way, a classic process with a current member's instance id replaces it at once
  too; if that was the last member speaking the consumer protocol the group goes back to
  classic (reason "static member replaced"), the newcomer taking the replaced member's target
  assignment, with a rebalance only if its subscription differs.
- **Classic members inside a consumer group** (whatever the policy: Kafka routes every JoinGroup
  to a non-empty consumer group there): see ``ConsumerGroupCoordinator.classic_join``.
- **Downgrade**: when the last member that speaks the consumer protocol leaves or is fenced and
  the members left all speak the classic protocol, the group becomes a classic group again if
  the policy allows downgrades: generation = the group epoch, each member's assignment = its
  target assignment, and a classic rebalance starts at once ("Downgrade group g from consumer to
  classic for member leaving.").

Each conversion is a ``group.convert`` trace event (``from``, ``to``, ``reason``,
``generation``, ``members``).

Not simulated: ``group.max.size`` (the classic group's cap, which a downgrade also checks) is
unlimited in pysim; every classic member of pysim uses the "consumer" embedded protocol with a
built-in assignor, so Kafka's refusals for other protocol types, malformed subscriptions and
custom assignors cannot arise.
"""

from pysim.kafka.member_ids import base64_uuid

POLICIES = ("bidirectional", "upgrade", "downgrade", "disabled")


def migration_policy(cluster):
    """The cluster's group.consumer.migration.policy, lower case (Kafka parses it case-blind)."""
    value = cluster.group_consumer_migration_policy
    policy = value.lower() if isinstance(value, str) else value
    if policy not in POLICIES:
        raise ValueError(f"group_consumer_migration_policy must be one of {', '.join(POLICIES)}; got {value!r}")
    return policy


def upgrade_refusal(cluster, group, size):
    """Kafka's validateOnlineUpgrade: None, or the message of the GROUP_ID_NOT_FOUND refusal."""
    if migration_policy(cluster) not in ("bidirectional", "upgrade"):
        return f"Cannot upgrade classic group {group} to consumer group because online upgrade is disabled."
    limit = cluster.group_consumer_max_size
    if limit is not None and size > limit:
        return (f"Cannot upgrade classic group {group} to consumer group because the group size exceeds "
                "the consumer group maximum size.")
    return None


def downgrade_allowed(cluster):
    return migration_policy(cluster) in ("bidirectional", "downgrade")


class MigratingMember:
    """One member as it crosses from one group type to the other."""

    __slots__ = ("member_id", "client_id", "instance_id", "topics", "strategies", "listener", "session_ms",
                 "rebalance_ms", "assignment", "rejoined_owned")

    def __init__(self, member_id, client_id, instance_id, topics, strategies, listener, session_ms, rebalance_ms,
                 assignment, rejoined_owned=None):
        self.member_id, self.client_id, self.instance_id = member_id, client_id, instance_id
        self.topics, self.strategies, self.listener = list(topics), list(strategies), listener
        self.session_ms, self.rebalance_ms = session_ms, rebalance_ms
        self.assignment = sorted(tuple(tp) for tp in assignment)
        self.rejoined_owned = rejoined_owned     # a JoinGroup it had sent into a round under way: what it owned


def trace_convert(cluster, group, source, target, reason, generation, members):
    cluster.trace.record("group.convert", "coordinator", group=group, **{"from": source, "to": target},
                         reason=reason, generation=generation, members=list(members))




def broker_member_id(stream):
    """A member id the broker makes (Kafka's Uuid.randomUuid().toString())."""
    return base64_uuid(stream, urlsafe=True)
