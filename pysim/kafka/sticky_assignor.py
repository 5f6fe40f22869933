"""librdkafka's sticky assignor (KIP-54, KIP-341), the one behind its ``cooperative-sticky``
strategy, computed step for step as ``rdkafka_sticky_assignor.c`` computes it, plus the
COOPERATIVE adjustment its group leader applies afterwards (``rdkafka_cgrp.c``).

Why a faithful port and not "some balanced, sticky assignment": which partition moves
where is visible to a learner (on_assign / on_revoke print it), and the course compares
pysim's runs with the real client's. A greedy balance picks other partitions.

The algorithm (librdkafka follows Java's *general* AbstractStickyAssignor path for every
group; it has no port of Java's faster "constrained" path for equal subscriptions, so for
equal subscriptions the two clients can pick different partitions, and pysim follows
librdkafka):

1. Every member reports the partitions it owns and the generation it owned them in. A
   partition claimed by several members stays with the highest generation; the next
   highest claimant is remembered as its *previous* owner. A partition two members claim in
   one generation, newest or not, is kept by nobody (logged as an error by librdkafka;
   Java only compares with the newest claim).
2. Owned partitions of a topic that no longer exists, or that its owner no longer
   subscribes to, are dropped (the latter marks that a revocation is required).
3. Partitions are sorted: with identical subscriptions, the owned ones taken round-robin
   from the most loaded member down (a partition with a previous owner first), then the
   unowned ones; otherwise by how few members can take them, then by (topic, partition).
4. Each unowned partition goes to the least loaded member that can take it (ties: the
   smaller member id).
5. While the assignment is not balanced, partitions are moved, in sorted order, to the
   least loaded member that can take them (back to the previous owner when that one has
   two fewer); a chain of moves between two members is shortened by moving a partition
   that already moved the other way. If the result is not more balanced (sum of pairwise
   size differences) than before, librdkafka keeps the assignment from before step 5.

Where librdkafka's C differs from Java's general path, this module does what the C does,
and says so where it happens. The order in which the C walks its hash maps is reverse
insertion order (rdmap.c keeps an iteration list and inserts at its head); where that order
decides a result it is reproduced. Topics are taken in name order (librdkafka takes them
in the order of the broker's metadata response, which pysim's cluster lists sorted).

Checked against librdkafka built from source (its assignor called as its unit tests call
it): its unit tests' expectations, and thousands of random groups (unequal subscriptions,
conflicting claims, joins, leaves, new partitions, 1,000 partitions among 100 members) give
the same assignment here, partition for partition, wherever librdkafka does not crash.
"""

from bisect import bisect_left, insort


def sticky_assign(members, partitions):
    """The sticky target: {member_id: sorted [(topic, partition)]} for ``members`` (in the
    order the coordinator lists them, as in the JoinGroup response) and ``partitions``
    ({topic: partition count}; topics nobody subscribes to are ignored)."""
    if not members:
        return {}
    try:
        return _Sticky(members, partitions, exact=True).run()
    except _Undefined:
        # librdkafka's code has no defined result here (built from source, its leader
        # segfaults on about 1 in 150 random groups with unequal subscriptions): give the
        # answer its algorithm means, with Java's bookkeeping.
        return _Sticky(members, partitions, exact=False).run()


def cooperative_adjust(members, target):
    """librdkafka's COOPERATIVE adjustment of an assignor's result (KIP-429): a partition
    that some member owns and the target gives to another member is withheld for this
    round (its owner revokes it, rejoins, and the next round hands it over); one nobody
    owns is handed out at once; one a member owns that the target does not assign at all
    (its topic deleted, say) is handed back to that owner. When several members claim one
    partition, the owner is the claimant listed last (librdkafka fills a map in member
    order). Java's ConsumerCoordinator instead drops every partition that changes owner,
    and never hands back an unassigned one."""
    owner = {}
    for m in members:
        for tp in m.owned:
            owner[tuple(tp)] = m.member_id
    assigned = {}
    for m in members:
        for tp in target.get(m.member_id, ()):
            assigned[tp] = m.member_id
    out = {m.member_id: [] for m in members}
    for tp, member in assigned.items():
        if owner.get(tp, member) == member:
            out[member].append(tp)
    for tp, member in owner.items():
        if tp not in assigned:
            out[member].append(tp)
    return {k: sorted(v) for k, v in out.items()}


class _Sticky:
    """One run of the assignor. Field names follow librdkafka's (and Java's) so that the
    two can be read side by side."""

    def __init__(self, members, partitions, exact):
        self.exact = exact
        self.order = [m.member_id for m in members]
        topics = sorted(t for t in partitions if any(t in m.topics for m in members))
        # Eligible topics per member, in topic order; the partitions each topic has.
        self.topic_parts = {t: [(t, p) for p in range(partitions[t])] for t in topics}
        self.member_topics = {m.member_id: [t for t in topics if t in m.topics] for m in members}
        self.subscribed = {m.member_id: frozenset(m.topics) for m in members}
        # partition2AllPotentialConsumers: who can take each partition (member order),
        # kept in insertion order (topic, then partition).
        self.topic_consumers = {t: [m.member_id for m in members if t in m.topics] for t in topics}
        self.potential_count = {c: sum(partitions[t] for t in ts) for c, ts in self.member_topics.items()}
        self._prepopulate(members)

    # -- step 1: owned partitions, generations, previous owners ---------------------------
    def _prepopulate(self, members):
        self.current = {m.member_id: [] for m in members}    # currentAssignment
        self.partition_consumer = {}                           # currentPartitionConsumer
        self.prev = {}                                         # prevAssignment: tp -> member
        claims = {}
        for m in members:
            for tp in m.owned:
                tp = tuple(tp)
                claims.setdefault(tp, []).append((m.generation, m.member_id))
                # librdkafka records every claimant here, so the one listed last stands
                # even when an earlier one has the higher generation (Java: the highest).
                if self.exact or m.generation >= max(g for g, _ in claims[tp]):
                    self.partition_consumer[tp] = m.member_id
        for tp in reversed(list(claims)):                   # rdmap iteration order
            by_gen = sorted(claims[tp], key=lambda c: c[0])
            if any(a[0] == b[0] for a, b in zip(by_gen, by_gen[1:])):
                # Two claims in one generation (librdkafka checks every pair, not just the
                # newest): nobody keeps it.
                self.partition_consumer.pop(tp, None)
                continue
            self.current[by_gen[-1][1]].append(tp)
            if len(by_gen) >= 2:
                self.prev[tp] = by_gen[-2][1]

    def _exists(self, tp):
        parts = self.topic_parts.get(tp[0])
        return parts is not None and 0 <= tp[1] < len(parts)

    def _all_partitions(self):
        """partition2AllPotentialConsumers' keys in insertion order: (topic, partition)."""
        return [tp for parts in self.topic_parts.values() for tp in parts]

    def _identical(self):
        """areSubscriptionsIdentical: every member can take the same set of partitions."""
        sets = {frozenset(t for t in ts if self.topic_parts[t]) for ts in self.member_topics.values()}
        return len(sets) <= 1

    # -- step 3 ----------------------------------------------------------------------------
    def _sort_partitions(self):
        everything = self._all_partitions()
        if not self._identical():
            return sorted(everything, key=lambda tp: (len(self.topic_consumers[tp[0]]), tp))
        assignments = {}
        for consumer in reversed(list(self.current)):
            self.current[consumer].sort()
            mine = [tp for tp in self.current[consumer] if self._exists(tp)]
            if mine:
                assignments[consumer] = mine
        ordered = sorted((len(a), c) for c, a in assignments.items())   # (load, member id)
        result = []
        while ordered:
            n, consumer = ordered.pop()                 # the most loaded
            remaining = assignments[consumer]
            if not remaining:
                continue
            tp = next((tp for tp in remaining if tp in self.prev), None) if self.prev else None
            if tp is None:                              # else one that moved before first
                tp = remaining[0]
            remaining.remove(tp)
            result.append(tp)
            insort(ordered, (n - 1, consumer))
        was_empty = not result
        seen = set(result)
        # The rest in rdmap iteration order: last inserted first.
        result += [tp for tp in reversed(everything) if tp not in seen]
        if was_empty:
            result.sort()
        return result

    # -- the whole run ---------------------------------------------------------------------
    def run(self):
        sorted_partitions = self._sort_partitions()
        revocation_required = False
        kept_all = set()
        for consumer in reversed(list(self.current)):
            kept = []
            for tp in self.current[consumer]:
                if not self._exists(tp):
                    self.partition_consumer.pop(tp, None)
                elif tp[0] not in self.subscribed[consumer]:
                    # Stays recorded as its consumer until someone else takes it.
                    revocation_required = True
                else:
                    kept.append(tp)
                    kept_all.add(tp)
            self.current[consumer] = kept
        unassigned = [tp for tp in sorted_partitions if tp not in kept_all]
        # sortedCurrentSubscriptions: (load, member id), ascending, kept sorted as loads change.
        self.keys = sorted((len(v), c) for c, v in self.current.items())
        self.keyed_load = {c: n for n, c in self.keys}
        self._balance(sorted_partitions, unassigned, revocation_required)
        return {c: sorted(self.current.get(c, ())) for c in self.order}

    def _reposition(self, consumer):
        """Re-sort sortedCurrentSubscriptions after ``consumer``'s load changed."""
        keys = self.keys
        del keys[bisect_left(keys, (self.keyed_load[consumer], consumer))]
        n = self.keyed_load[consumer] = len(self.current[consumer])
        insort(keys, (n, consumer))

    # -- steps 4 and 5 ---------------------------------------------------------------------
    def _balance(self, sorted_partitions, unassigned, revocation_required):
        initializing = self.keys[-1][0] == 0
        for tp in unassigned:                                   # maybeAssign
            topic = tp[0]
            for _, consumer in self.keys:
                if topic in self.subscribed[consumer]:
                    self.current[consumer].append(tp)
                    self.partition_consumer[tp] = consumer
                    self._reposition(consumer)
                    break
        movable = {t for t, cs in self.topic_consumers.items() if len(cs) >= 2}
        sorted_partitions = [tp for tp in sorted_partitions if tp[0] in movable]
        unassigned = [tp for tp in unassigned if tp[0] in movable]
        fixed = {}
        for key in list(self.keys):
            consumer = key[1]
            if not self._can_participate(consumer, movable):
                self.keys.remove(key)
                fixed[consumer] = self.current.pop(consumer)
        before = {c: list(v) for c, v in self.current.items()}
        before_consumer = dict(self.partition_consumer)
        self.movements = _Movements(self.exact)
        self._index_holders()
        if not revocation_required and unassigned:
            self._perform_reassignments(unassigned)
        performed = self._perform_reassignments(sorted_partitions)
        if not initializing and performed and _score(self.current) >= _score(before):
            self.current = before
            self.partition_consumer = before_consumer
        self.current.update(fixed)

    def _index_holders(self):
        """For _is_balanced: how many of each topic's partitions each member holds, and how
        many partitions are held twice (only librdkafka's bugs make that happen)."""
        self.topic_holders = {t: {} for t in self.topic_parts}
        self.holders, self.duplicates = {}, 0
        for consumer, mine in self.current.items():
            for tp in mine:
                self._hold(consumer, tp, 1)

    def _hold(self, consumer, tp, delta):
        counts = self.topic_holders[tp[0]]
        n = counts[consumer] = counts.get(consumer, 0) + delta
        if not n:
            del counts[consumer]
        before = self.holders.get(tp, 0)
        self.holders[tp] = before + delta
        self.duplicates += (before + delta > 1) - (before > 1)

    def _can_participate(self, consumer, movable):
        mine = self.current[consumer]
        if len(mine) < self.potential_count[consumer]:
            return True
        return any(tp[0] in movable for tp in mine)

    def _is_balanced(self):
        """isBalanced: loads differ by at most one, or no member could take a partition of
        its topics from a member holding more partitions than it."""
        keys = self.keys
        if keys[0][0] >= keys[-1][0] - 1:
            return True
        if self.duplicates:
            return self._is_balanced_with_duplicates()
        load, holders, top = self.keyed_load, self.topic_holders, {}
        for n, consumer in keys:
            if n == self.potential_count[consumer]:
                continue
            for t in self.member_topics[consumer]:
                most = top.get(t)
                if most is None:        # the most loaded holder of the topic's partitions
                    most = top[t] = max([load[c] for c in holders[t]], default=0)
                if most > n:
                    return False
        return True

    def _is_balanced_with_duplicates(self):
        # Who holds each partition, as librdkafka's map ends up after walking the members
        # in its iteration order (the last write wins).
        holder_load = {}
        for consumer in reversed(self.order):
            mine = self.current.get(consumer)
            if mine:
                n = len(mine)
                for tp in mine:
                    holder_load[tp] = n
        for n, consumer in self.keys:
            if n == self.potential_count[consumer]:
                continue
            own = set(self.current[consumer])
            for t in self.member_topics[consumer]:
                for tp in self.topic_parts[t]:
                    if tp in own:
                        continue
                    load = holder_load.get(tp)
                    if load is None:
                        self._undefined("a partition with no holder")
                    elif n < load:
                        return False
        return True

    def _perform_reassignments(self, reassignable):
        performed = False
        modified = True
        while modified:
            modified = False
            for tp in reassignable:
                if self._is_balanced():
                    break
                consumer = self.partition_consumer.get(tp)
                if consumer not in self.current:
                    self._undefined("a partition to move has no live owner")
                    continue
                load = len(self.current[consumer])
                prev = self.prev.get(tp)
                if prev is not None and prev not in self.current:
                    self._undefined("a previous owner takes no part")
                elif prev is not None and load > len(self.current[prev]) + 1:
                    self._reassign_to(tp, prev)
                    performed = modified = True
                    continue
                for other in self.topic_consumers[tp[0]]:
                    if other == consumer or load <= len(self.current[other]) + 1:
                        continue
                    self._reassign(tp)
                    performed = modified = True
                    break
        return performed

    def _reassign(self, tp):
        """To the least loaded member that can take it."""
        for _, consumer in self.keys:
            if tp[0] in self.subscribed[consumer]:
                self._reassign_to(tp, consumer)
                return

    def _reassign_to(self, tp, new):
        """reassignPartitionToConsumer + processPartitionMovement. When the movement log
        answers with a partition that moved the other way (the first of its list), librdkafka
        holds a pointer into that list while deleting the partition's entry from it, so the
        partition it then moves is the one that slid into its place: reproduced here."""
        tp, moved_list = self.movements.actual_partition_to_move(tp, self.partition_consumer.get(tp), new)
        old = self.partition_consumer.get(tp)
        tp = self.movements.move(tp, old, new, moved_list)
        if old not in self.current:
            self._undefined("a partition moves away from no live owner")
        self.current[new].append(tp)
        self._hold(new, tp, 1)
        self._reposition(new)
        mine = self.current.get(old)
        if mine is not None and tp in mine:
            mine.remove(tp)
            self._hold(old, tp, -1)
            self._reposition(old)
        self.partition_consumer[tp] = new

    def _undefined(self, what):
        if self.exact:
            raise _Undefined(what)


class _Undefined(Exception):
    """A state in which librdkafka's code crashes (NULL dereference, failed assertion or a
    read of freed memory): it has no answer to copy."""


class _Movements:
    """PartitionMovements: where each partition moved from and to during this run, so that
    a move A->B can be answered by moving back a partition that went B->A.

    ``exact``: as librdkafka's C keeps it (a partition's record is overwritten, never
    deleted, and the pointer aliasing described in _Sticky._reassign_to); otherwise as
    Java keeps it (used only where the C has no defined result)."""

    def __init__(self, exact):
        self.exact = exact
        self.by_partition = {}     # tp -> (src, dst)
        self.by_topic = {}         # topic -> {(src, dst): [tp, ...]}

    def _add(self, tp, pair):
        self.by_partition[tp] = pair
        self.by_topic.setdefault(tp[0], {}).setdefault(pair, []).append(tp)

    def move(self, tp, old, new, moved_list):
        """Record tp moving old -> new; returns the partition that actually moves."""
        if tp not in self.by_partition:
            self._add(tp, (old, new))
            return tp
        pair = self.by_partition[tp] if self.exact else self.by_partition.pop(tp)
        pairs = self.by_topic.get(tp[0])
        entries = pairs.get(pair) if pairs is not None else None
        if entries is None:
            if self.exact:
                raise _Undefined("movement record without its list")
            entries = []
        aliased = entries is moved_list and self.exact
        if tp in entries:
            entries.remove(tp)
        if aliased:
            if not entries:
                raise _Undefined("moved partition read from a freed list")
            tp = entries[0]
        if pairs is not None and not entries:
            pairs.pop(pair, None)
            if not pairs:
                del self.by_topic[tp[0]]
        if pair[1] != old and self.exact:
            raise _Undefined("movement record disagrees with the owner")
        if pair[0] != new:
            self._add(tp, (pair[0], new))
        return tp

    def actual_partition_to_move(self, tp, old, new):
        """(partition to move, the movement list it was taken from or None). librdkafka
        looks for a partition that moved new -> old, with old the partition's current owner
        (Java: with old its original owner)."""
        pairs = self.by_topic.get(tp[0])
        if pairs is None:
            return tp, None
        pair = self.by_partition.get(tp)
        if pair is not None and pair[1] != old and self.exact:
            raise _Undefined("movement record disagrees with the owner")
        back = pairs.get((new, old))
        return (back[0], back) if back else (tp, None)


def _score(assignment):
    """getBalanceScore: the sum of size differences over all pairs of members (0 when
    perfectly balanced)."""
    sizes = sorted(len(v) for v in assignment.values())
    total, running = 0, 0
    for i, n in enumerate(sizes):
        total += i * n - running
        running += n
    return total
