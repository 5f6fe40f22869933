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


def sticky_target(members, partitions):
    """The sticky assignment: balanced (with equal subscriptions, sizes differ by at most
    one) while keeping as many previously owned partitions as possible. A partition claimed
    by members of different generations stays with the newest claim; one claimed twice in
    the same generation is kept by neither. Returns (assignment, previous owners), the latter
    {(topic, partition): {member ids that claimed it}}."""
    ordered = member_order(members)
    out = {m.member_id: [] for m in ordered}
    subs = {m.member_id: m.topics for m in ordered}
    valid = {(t, p) for t in partitions for p in range(partitions[t])
             if any(t in m.topics for m in ordered)}
    claims = {}
    for m in ordered:
        for tp in m.owned:
            tp = tuple(tp)
            if tp in valid:
                claims.setdefault(tp, []).append(m)
    previous = {tp: {m.member_id for m in ms} for tp, ms in claims.items()}
    owner = {}
    for tp, ms in claims.items():
        newest = max(m.generation for m in ms)
        winners = [m for m in ms if m.generation == newest]
        if len(winners) == 1 and tp[0] in winners[0].topics:
            owner[tp] = winners[0].member_id
    kept = {m.member_id: sorted(tp for tp, o in owner.items() if o == m.member_id) for m in ordered}
    if ordered and len({m.topics for m in ordered}) == 1:
        # All subscriptions equal: quotas min/max, as Kafka's constrained assignor.
        total, count = len(valid), len(ordered)
        low, extra = divmod(total, count)
        for m in ordered:
            mine = kept[m.member_id]
            if len(mine) > low and extra > 0:
                out[m.member_id] = mine[:low + 1]
                extra -= 1
            else:
                out[m.member_id] = mine[:low]
        taken = {tp for v in out.values() for tp in v}
        free = sorted(valid - taken)
        for m in ordered:                      # fill everyone up to the minimum quota
            while len(out[m.member_id]) < low and free:
                out[m.member_id].append(free.pop(0))
        for m in ordered:                      # the remaining partitions, one each
            if not free or extra == 0:
                break
            if len(out[m.member_id]) == low:
                out[m.member_id].append(free.pop(0))
                extra -= 1
    else:
        for m in ordered:
            out[m.member_id] = list(kept[m.member_id])
        taken = {tp for v in out.values() for tp in v}
        for tp in sorted(valid - taken):       # each free partition to the least loaded subscriber
            best = min((m for m in ordered if tp[0] in subs[m.member_id]),
                       key=lambda m: len(out[m.member_id]))
            out[best.member_id].append(tp)
        _balance(ordered, subs, out)
    return {k: sorted(v) for k, v in out.items()}, previous


def _balance(ordered, subs, out):
    """Move partitions from the most to the least loaded eligible member while that narrows
    the gap by more than one (general, unequal subscriptions)."""
    moved = True
    while moved:
        moved = False
        for donor in sorted(ordered, key=lambda m: -len(out[m.member_id])):
            for tp in sorted(out[donor.member_id], reverse=True):
                takers = [m for m in ordered if tp[0] in subs[m.member_id]
                          and len(out[m.member_id]) + 1 < len(out[donor.member_id])]
                if takers:
                    taker = min(takers, key=lambda m: len(out[m.member_id]))
                    out[donor.member_id].remove(tp)
                    out[taker.member_id].append(tp)
                    moved = True
                    break
            if moved:
                break


def cooperative_sticky_assign(members, partitions):
    """The sticky target, minus every partition that changes owner in this round: the
    previous owner revokes it first, then rejoins, and the next round hands it over."""
    target, previous = sticky_target(members, partitions)
    return {member: [tp for tp in tps if not (previous.get(tp, set()) - {member})]
            for member, tps in target.items()}
