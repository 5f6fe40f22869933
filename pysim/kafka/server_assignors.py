"""The broker-side assignors of the consumer group protocol (KIP-848): ``uniform`` (the
default, first in the broker's ``group.consumer.assignors``) and ``range``. A member asks for
one with ``group.remote.assignor``; the coordinator computes the group's target assignment
with it every time the group epoch moves. Under the classic protocol the group leader (a
client) assigned; these never run there.

``uniform`` follows Kafka's UniformHomogeneousAssignmentBuilder: balance first (sizes differ by
at most one), then stickiness: each member keeps what it already has up to its quota (the
first ``total % members`` members, in the group's member order, get one more), and the
partitions nobody keeps go, in topic and partition order, to the members still below quota.
Kafka iterates members in a hash map's order; pysim uses the order they joined. When members
subscribe to different topics Kafka runs a heterogeneous builder that balances across topics;
pysim balances each topic among its subscribers instead (the same result when every topic is
subscribed by the same members).

``range`` follows Kafka's RangeAssignor since 3.9 (KAFKA-16944): it is NOT sticky. Members are
sorted, static members first by group.instance.id, then the others by member id, and each
topic is cut into contiguous ranges in that order (the first ``partitions % members`` get one
more). Kafka's own tests say so ("RangeAssignor is not currently sticky when members are
replaced"); librdkafka's INTRODUCTION.md calls every KIP-848 assignor sticky, which holds for
``uniform`` only.
"""

ASSIGNORS = ("uniform", "range")
DEFAULT_ASSIGNOR = "uniform"


class MemberSpec:
    """What an assignor sees of a member: its id, instance id, subscribed topics and the
    partitions its current target holds ({(topic, partition)})."""

    __slots__ = ("member_id", "instance_id", "topics", "current")

    def __init__(self, member_id, instance_id, topics, current):
        self.member_id, self.instance_id = member_id, instance_id
        self.topics, self.current = list(topics), set(current)


def compute(assignor, members, partitions):
    """{member_id: sorted [(topic, partition)]}: the target assignment ``assignor`` computes
    for ``members`` (MemberSpec, in the group's order) over ``partitions`` {topic: count}."""
    if assignor not in ASSIGNORS:
        raise ValueError(f"unknown server-side assignor {assignor!r}")
    if not members:
        return {}
    out = {m.member_id: set() for m in members}
    for topic in sorted(partitions):
        subscribers = [m for m in members if topic in m.topics]
        if not subscribers or partitions[topic] <= 0:
            continue
        share = _uniform if assignor == "uniform" else _range
        for member_id, parts in share(topic, partitions[topic], subscribers).items():
            out[member_id] |= {(topic, p) for p in parts}
    return {mid: sorted(parts) for mid, parts in out.items()}


def _uniform(topic, count, members):
    """Sticky and balanced, as UniformHomogeneousAssignmentBuilder: keep up to the quota,
    hand the rest to the members below it."""
    base, extra = divmod(count, len(members))
    kept, unfilled, taken = {}, [], set()
    for m in members:
        quota = base + (1 if extra > 0 else 0)
        extra -= 1 if extra > 0 else 0
        mine = sorted(p for t, p in m.current if t == topic and p < count and p not in taken)[:quota]
        taken.update(mine)
        kept[m.member_id] = mine
        if len(mine) < quota:
            unfilled.append((m.member_id, quota - len(mine)))
    free = [p for p in range(count) if p not in taken]
    for member_id, room in unfilled:
        kept[member_id] = kept[member_id] + free[:room]
        free = free[room:]
    return kept


def _range(topic, count, members):
    """Contiguous ranges over the members sorted static-first (by instance id), then by member id."""
    ordered = sorted(members, key=lambda m: (0, m.instance_id, "") if m.instance_id is not None
                     else (1, "", m.member_id))
    base, extra = divmod(count, len(ordered))
    out, start = {}, 0
    for i, m in enumerate(ordered):
        size = base + (1 if i < extra else 0)
        out[m.member_id] = list(range(start, start + size))
        start += size
    return out
