"""Replaying a topic by moving a consumer group's committed offsets, with the semantics of
``kafka-consumer-groups.sh --reset-offsets`` (Apache Kafka's GroupOffsetsResetter).

``reset_offsets`` computes a plan -- for each partition in scope, the offset the group has
committed now and the one it would commit -- and applies it only with ``execute=True``,
so a dry run is the default, as with the real tool. The group must be inactive (no
member): a running consumer would overwrite the reset with its next commit, so Kafka
refuses, and so does this.

Time is the simulator's: epoch millisecond 0 of the virtual clock is
1970-01-01T00:00:00Z, so ``to_datetime="1970-01-03T00:00:00.000"`` means two virtual days
after the start, and ``by_duration="P1D"`` means one virtual day before ``cluster.now_ms``.
"""

import re
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

from pysim.kafka.errors import KafkaError, KafkaException

__all__ = ["reset_offsets", "ResetPlan", "ResetRow", "GroupNotInactiveError",
           "parse_datetime_ms", "parse_duration_ms", "TARGETS"]

TARGETS = ("to_earliest", "to_latest", "to_current", "to_offset", "shift_by", "to_datetime", "by_duration")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class ResetRow(NamedTuple):
    """One partition of a plan: ``current`` is the committed offset now (None when the group
    has none), ``new`` the offset the reset commits."""
    topic: str
    partition: int
    current: int | None
    new: int


class ResetPlan(list):
    """The rows of a reset, sorted by (topic, partition). ``executed`` tells whether they
    were committed; ``warnings`` are the tool's messages (clamped offsets, empty partitions)."""

    def __init__(self, group, target, rows, executed, warnings):
        super().__init__(rows)
        self.group, self.target, self.executed, self.warnings = group, target, executed, list(warnings)

    def table(self):
        """The plan as the tool prints it, plus the current offset for comparison."""
        head = ("GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "NEW-OFFSET")
        body = [(self.group, r.topic, str(r.partition), "-" if r.current is None else str(r.current), str(r.new))
                for r in self]
        widths = [max(len(row[i]) for row in [head] + body) for i in range(len(head))]
        widths[0], widths[1] = max(15, widths[0]), max(15, widths[1])
        return "\n".join(" ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
                         for row in [head] + body)


class GroupNotInactiveError(RuntimeError):
    """The group has active members; Kafka's tool refuses to reset it."""

    def __init__(self, group, state):
        super().__init__(f"Assignments can only be reset if the group '{group}' is inactive, "
                         f"but the current state is {state}.")
        self.group, self.state = group, state


def reset_offsets(cluster, group, topics=None, *, all_topics=False, to_earliest=False, to_latest=False,
                  to_current=False, to_offset=None, shift_by=None, to_datetime=None, by_duration=None,
                  execute=False):
    """Plan (and with ``execute=True`` commit) new offsets for ``group``.

    Scope: ``topics`` is a list of ``"t"`` (every partition of t) or ``"t:0,2"`` (those
    partitions), or ``all_topics=True`` (every partition the group has committed).
    Target, exactly one: ``to_earliest`` (log start), ``to_latest`` (log end),
    ``to_current`` (the committed offset; the log end where there is none),
    ``to_offset=N`` and ``shift_by=N`` (clamped to [log start, log end], with a warning),
    ``to_datetime="YYYY-MM-DDTHH:mm:SS.sss"`` (optional Z / +hh:mm / +hhmm / +hh; UTC when
    absent) and ``by_duration="PnDTnHnMnS"`` (that long before now): the first offset whose
    timestamp is at or after that time, or the log end when no record qualifies.
    """
    target = _one_target(to_earliest=to_earliest, to_latest=to_latest, to_current=to_current,
                         to_offset=to_offset, shift_by=shift_by, to_datetime=to_datetime,
                         by_duration=by_duration)
    if not isinstance(group, str) or not group:
        raise ValueError("group must be a non-empty string")
    # Parse everything before looking at the cluster: a bad argument changes nothing.
    timestamp = None
    if target[0] == "to_datetime":
        timestamp = parse_datetime_ms(to_datetime)
    elif target[0] == "by_duration":
        # Instant.now().minus(duration).toEpochMilli(), on the virtual clock
        timestamp = (cluster.now_ms * 1_000_000 - _duration_nanos(by_duration)) // 1_000_000
    elif target[0] in ("to_offset", "shift_by"):
        if isinstance(target[1], bool) or not isinstance(target[1], int):
            raise TypeError(f"{target[0]} must be an int, got {target[1]!r}")
    scope = _parse_scope(topics, all_topics)

    members = cluster.active_members(group)
    if members:
        raise GroupNotInactiveError(group, "Stable")

    partitions = sorted(set(cluster.group_commits(group)) if scope is None else _expand(cluster, scope))
    _check_exist(cluster, partitions)

    warnings = []
    rows = []
    for topic, partition in partitions:
        current = cluster.committed(group, topic, partition)
        new = _new_offset(cluster, target, topic, partition, current, timestamp, warnings)
        rows.append(ResetRow(topic, partition, current, new))

    if execute:
        for row in rows:
            cluster.commit(group, row.topic, row.partition, row.new)
        cluster.trace.record("group.reset_offsets", "admin", group=group, target=target[0],
                             value=target[1] if target[1] is not True else None,
                             offsets=[[r.topic, r.partition, r.new] for r in rows])
    return ResetPlan(group, target, rows, execute, warnings)


def _one_target(**given):
    chosen = [(name, value) for name, value in given.items()
              if value is not None and value is not False]
    if len(chosen) != 1:
        got = ", ".join(name for name, _ in chosen) or "none"
        raise ValueError(f"reset_offsets needs exactly one target of {', '.join(TARGETS)}; got {got}")
    return chosen[0]


def _parse_scope(topics, all_topics):
    """[(topic, [partitions] or None)] from the tool's topic arguments; None for all topics."""
    if all_topics and topics:
        raise ValueError("give either topics or all_topics=True, not both")
    if all_topics:
        return None
    if not topics:
        raise ValueError("One of the reset scopes should be defined: all_topics=True, topics=[...]")
    if isinstance(topics, str):
        topics = [topics]
    scope = []
    for arg in topics:
        if not isinstance(arg, str) or not arg:
            raise ValueError(f"Invalid topic arg {arg!r}: a topic name, optionally with ':partitions'")
        if ":" not in arg:
            scope.append((arg, None))
            continue
        parts = arg.split(":")
        if len(parts) != 2 or not parts[0] or not parts[1]:
            raise ValueError(f"Invalid topic arg '{arg}', expected topic name and partitions")
        numbers = []
        for text in parts[1].split(","):
            if not re.fullmatch(r"[+-]?[0-9]+", text.strip()):
                raise ValueError(f"Invalid partition '{text}' specified in topic arg '{arg}'")
            numbers.append(int(text))
        scope.append((parts[0], numbers))
    return scope


def _expand(cluster, scope):
    partitions = set()
    unknown = []
    for topic, numbers in scope:
        if numbers is not None:
            partitions.update((topic, p) for p in numbers)
        elif cluster.has_topic(topic):
            partitions.update((topic, p) for p in range(cluster.num_partitions(topic)))
        else:
            unknown.append(topic)
    if unknown:
        raise KafkaException(KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART,
                                        f"The topics \"{','.join(unknown)}\" do not exist"))
    return partitions


def _check_exist(cluster, partitions):
    missing = [f"{t}-{p}" for t, p in partitions
               if not (cluster.has_topic(t) and 0 <= p < cluster.num_partitions(t))]
    if missing:
        raise KafkaException(KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART,
                                        f"The partitions \"{','.join(missing)}\" do not exist"))


def _new_offset(cluster, target, topic, partition, current, timestamp, warnings):
    name, value = target
    start, end = cluster.watermarks(topic, partition)
    if name == "to_earliest":
        return start
    if name == "to_latest":
        return end
    if name == "to_current":
        return end if current is None else current
    if name in ("to_datetime", "by_duration"):
        found = cluster.log(topic, partition).offset_for_timestamp(timestamp)
        if found is None:
            warnings.append(f"Partition {partition} from topic {topic} is empty. "
                            f"Falling back to latest known offset.")
            return end
        return found
    if name == "shift_by":
        if current is None:
            raise ValueError(f"Cannot shift offset for partition {topic}-{partition} "
                             f"since there is no current committed offset")
        requested = current + value
    else:
        requested = value
    if requested > end:
        warnings.append(f"New offset ({requested}) is higher than latest offset for topic partition "
                        f"{topic}-{partition}. Value will be set to {end}.")
        return end
    if requested < start:
        warnings.append(f"New offset ({requested}) is lower than earliest offset for topic partition "
                        f"{topic}-{partition}. Value will be set to {start}.")
        return start
    return requested


# -- time arguments ----------------------------------------------------------------------------
_DATETIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})"
                       r"(Z|[+-]\d{2}(?::?\d{2})?)?")


def parse_datetime_ms(text):
    """``YYYY-MM-DDTHH:mm:SS.sss`` with an optional zone (Z, +hh, +hhmm, +hh:mm; UTC when
    absent, as Kafka's Utils.getDateTime) -> epoch milliseconds of the virtual clock."""
    if not isinstance(text, str):
        raise TypeError(f"to_datetime must be a string, got {text!r}")
    if "T" not in text:
        raise ValueError(f"Error parsing timestamp '{text}'. It does not contain a 'T' according to ISO8601 format")
    m = _DATETIME.fullmatch(text)
    if not m:
        raise ValueError(f"Error parsing timestamp '{text}': expected YYYY-MM-DDTHH:mm:SS.sss "
                         f"with an optional zone (Z, +hh, +hhmm or +hh:mm)")
    year, month, day, hour, minute, second, milli = (int(g) for g in m.groups()[:7])
    zone = m.group(8) or "Z"
    if zone == "Z":
        offset = timedelta(0)
    else:
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:] or 0)
        if hours > 18 or minutes > 59:
            raise ValueError(f"Error parsing timestamp '{text}': invalid zone offset {zone}")
        offset = (1 if zone[0] == "+" else -1) * timedelta(hours=hours, minutes=minutes)
    try:
        moment = datetime(year, month, day, hour, minute, second, milli * 1000, tzinfo=timezone(offset))
    except ValueError:
        # Not the datetime module's own wording: it differs between Python versions, and the
        # same input must give the same message in CPython and in the browser's Pyodide.
        raise ValueError(f"Error parsing timestamp '{text}': no such date or time "
                         f"(year {year}, month {month}, day {day}, {hour:02d}:{minute:02d}:{second:02d})") from None
    return (moment - _EPOCH) // timedelta(milliseconds=1)


_DURATION = re.compile(r"([-+]?)P(?:([-+]?\d+)D)?(T(?:([-+]?\d+)H)?(?:([-+]?\d+)M)?"
                       r"(?:([-+]?\d+)(?:[.,](\d{0,9}))?S)?)?", re.IGNORECASE)


def parse_duration_ms(text):
    """An ISO-8601 duration as Java's ``Duration.parse`` reads it (``PnDTnHnMn.nS``: days,
    hours, minutes, seconds; no years, months or weeks) -> milliseconds (rounded down)."""
    return _duration_nanos(text) // 1_000_000


def _duration_nanos(text):
    if not isinstance(text, str):
        raise TypeError(f"by_duration must be a string, got {text!r}")
    m = _DURATION.fullmatch(text)
    bad = (m is None or m.group(3) == "T" or text.upper().endswith("T")
           or not any(m.group(i) for i in (2, 4, 5, 6)))
    if bad:
        raise ValueError(f"Text cannot be parsed to a Duration: '{text}' (expected PnDTnHnMnS, e.g. P7D or PT1H30M)")
    sign = -1 if m.group(1) == "-" else 1
    days, hours, minutes, seconds = (int(m.group(i) or 0) for i in (2, 4, 5, 6))
    fraction = m.group(7) or ""
    nanos = int((fraction + "000000000")[:9])
    if m.group(6) and m.group(6).startswith("-"):
        nanos = -nanos
    return ((days * 86400 + hours * 3600 + minutes * 60 + seconds) * 1_000_000_000 + nanos) * sign
