"""The classic consumer partition assignors, as pure functions: what the group leader
(a librdkafka or Java client) computes from every member's subscription once all members
have joined a generation. librdkafka ships three: ``range``, ``roundrobin`` and
``cooperative-sticky``; its default ``partition.assignment.strategy`` is
``range,roundrobin``.

Why pure functions: the assignment is a deterministic function of (members, subscriptions,
partition counts, previously owned partitions); keeping it apart from the coordinator lets
the golden cases of Kafka's and librdkafka's own unit tests be checked directly.

Every function takes ``members`` (a list of :class:`MemberSubscription`) and
``partitions`` ({topic: partition count}) and returns {member_id: [(topic, partition)]}
with every member present (possibly with an empty list) and each list sorted.
"""

from pysim.kafka.errors import KafkaError, KafkaException
from pysim.kafka.sticky_assignor import cooperative_adjust, sticky_assign

RANGE, ROUNDROBIN, COOPERATIVE_STICKY = "range", "roundrobin", "cooperative-sticky"
EAGER, COOPERATIVE = "EAGER", "COOPERATIVE"
PROTOCOL_TYPE = {RANGE: EAGER, ROUNDROBIN: EAGER, COOPERATIVE_STICKY: COOPERATIVE}
DEFAULT_STRATEGY = "range,roundrobin"          # librdkafka's partition.assignment.strategy


class MemberSubscription:
    """What a member tells the leader when it joins: its topics, and (cooperative protocol)
    the partitions it owns now and the generation it owned them in."""

    __slots__ = ("member_id", "instance_id", "topics", "owned", "generation")

    def __init__(self, member_id, topics, instance_id=None, owned=(), generation=-1):
        self.member_id, self.instance_id = member_id, instance_id
        self.topics = frozenset(topics)
        self.owned, self.generation = list(owned), generation

    def __repr__(self):
        return f"MemberSubscription({self.member_id!r}, {sorted(self.topics)!r}, owned={self.owned!r})"


def parse_strategies(value):
    """``partition.assignment.strategy`` as librdkafka reads it: a comma-separated list
    (spaces allowed, duplicates ignored) of known names, all of one protocol type. Anything
    else fails like ``rd_kafka_new`` does (_INVALID_ARG, same wording)."""
    text = DEFAULT_STRATEGY if value is None else str(value)
    names = []
    for name in (part.strip() for part in text.split(",")):
        if not name:
            continue
        if name not in PROTOCOL_TYPE:
            _invalid(f"Unsupported partition.assignment.strategy: {name}")
        if name not in names:
            names.append(name)
    if not names:            # librdkafka accepts an empty value; pysim then uses the default
        return parse_strategies(DEFAULT_STRATEGY)
    if len({PROTOCOL_TYPE[n] for n in names}) > 1:
        _invalid(f"All partition.assignment.strategy ({text}) assignors must have the same protocol type, "
                 "online migration between assignors with different protocol types is not supported")
    return names


def _invalid(reason):
    raise KafkaException(KafkaError(KafkaError._INVALID_ARG, f"Failed to create consumer: {reason}"))


def member_order(members):
    """Kafka's order of members: static ones (group.instance.id) first by instance id,
    then dynamic ones by member id."""
    return sorted(members, key=lambda m: (0, m.instance_id, m.member_id) if m.instance_id is not None
                  else (1, "", m.member_id))


def assign(strategy, members, partitions):
    """Dispatch on the strategy name."""
    return {RANGE: range_assign, ROUNDROBIN: roundrobin_assign,
            COOPERATIVE_STICKY: cooperative_sticky_assign}[strategy](members, partitions)


def range_assign(members, partitions):
    """Per topic, its subscribers in member order each get n // m contiguous partitions,
    the first n % m one more."""
    out = {m.member_id: [] for m in members}
    ordered = member_order(members)
    for topic in sorted(partitions):
        subscribers = [m for m in ordered if topic in m.topics]
        if not subscribers:
            continue
        n, m = partitions[topic], len(subscribers)
        start = 0
        for i, member in enumerate(subscribers):
            count = n // m + (1 if i < n % m else 0)
            out[member.member_id] += [(topic, p) for p in range(start, start + count)]
            start += count
    return {k: sorted(v) for k, v in out.items()}


def roundrobin_assign(members, partitions):
    """Every subscribed partition, in (topic, partition) order, goes to the next member in
    circular member order that subscribes to its topic."""
    out = {m.member_id: [] for m in members}
    ordered = member_order(members)
    if not ordered:
        return out
    subscribed = sorted(set().union(*(m.topics for m in ordered)))
    i = 0
    for topic in subscribed:
        if topic not in partitions:
            continue
        for p in range(partitions[topic]):
            while topic not in ordered[i % len(ordered)].topics:
                i += 1
            out[ordered[i % len(ordered)].member_id].append((topic, p))
            i += 1
    return out


def cooperative_sticky_assign(members, partitions):
    """librdkafka's sticky assignment (see ``sticky_assignor``), then its COOPERATIVE
    adjustment: a partition that changes owner is withheld for one round; its previous
    owner revokes it, rejoins, and the next round hands it over.

    A librdkafka member reports as owned only partitions of topics it still subscribes to
    and that still exist: before rejoining it revokes the partitions of topics it dropped
    from its subscription, and gives up those of deleted topics as lost (rdkafka_cgrp.c).
    Claims beyond that are left out here, so that the leader does not hand them back."""
    reported = [m if all(tp[0] in m.topics and tp[0] in partitions for tp in m.owned) else
                MemberSubscription(m.member_id, m.topics, m.instance_id,
                                   [tp for tp in m.owned if tp[0] in m.topics and tp[0] in partitions],
                                   m.generation)
                for m in members]
    return cooperative_adjust(reported, sticky_assign(reported, partitions))
