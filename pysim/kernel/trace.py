"""The event trace: every state change, in order. Tests compare it, checkers read it,
pictures draw it."""

import hashlib
import json
from typing import Any, Iterator


class Event:
    """One state change. A plain slotted class: the trace records one per produced and
    fetched record, so construction cost is on the hot path."""

    __slots__ = ("seq", "time_ms", "kind", "actor", "data")

    def __init__(self, seq: int, time_ms: int, kind: str, actor: str, data: dict | None = None):
        self.seq, self.time_ms, self.kind, self.actor = seq, time_ms, kind, actor
        self.data = {} if data is None else data

    def to_dict(self) -> dict:
        return {"seq": self.seq, "time_ms": self.time_ms, "kind": self.kind,
                "actor": self.actor, "data": self.data}

    def __eq__(self, other) -> bool:
        return isinstance(other, Event) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"Event({self.seq}, {self.time_ms}, {self.kind!r}, {self.actor!r}, {self.data!r})"


class Trace:
    """An append-only list of events with a stable JSON form and digest."""

    def __init__(self, clock):
        self._clock = clock
        self._events: list[Event] = []

    def record(self, kind: str, actor: str, **data: Any) -> Event:
        event = Event(len(self._events), self._clock.now_ms, kind, actor, data)
        self._events.append(event)
        return event

    def __iter__(self) -> Iterator[Event]:
        return iter(self._events)

    def __len__(self) -> int:
        return len(self._events)

    def __getitem__(self, index):
        return self._events[index]

    def events(self, kind: str | None = None, actor: str | None = None) -> list[Event]:
        """Events filtered by kind (exact, or a prefix ending in '.') and/or actor."""
        out = []
        for event in self._events:
            if kind is not None and not (event.kind == kind or (kind.endswith(".") and event.kind.startswith(kind))):
                continue
            if actor is not None and event.actor != actor:
                continue
            out.append(event)
        return out

    def to_jsonl(self) -> str:
        """One JSON object per line, keys sorted, bytes shown as text or hex."""
        return "".join(_dumps(e.to_dict()) + "\n" for e in self._events)

    def digest(self) -> str:
        """SHA-256 of the JSON lines: equal digests mean equal runs."""
        return hashlib.sha256(self.to_jsonl().encode()).hexdigest()


def _default(value):
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return {"hex": bytes(value).hex()}
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, tuple):
        return list(value)
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return repr(value)


def _dumps(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=_default, ensure_ascii=False)
