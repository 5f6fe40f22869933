"""A history checker, apart from the simulator (the way Jepsen's Maelstrom checks a run):
given what a system was asked to write, what was read back and, optionally, the external
effects it caused, name every anomaly with the records that prove it.

Pure functions over plain data: no pysim object is needed, so the same checker judges a
pysim run, a run against a real cluster, or a history written by hand.

Inputs (dicts or tuples):

- ``produced``: the writes intended, in the order the writer issued them. A dict with
  ``id`` (unique per write) and optionally ``key``; or a tuple ``(id, key)``.
- ``consumed``: what was read downstream, in the order it was read. A dict with ``id`` and
  optionally ``key``, ``topic``, ``partition``, ``offset``; or a tuple
  ``(id, key, partition, offset)`` (trailing items may be left out). Each read gets a
  ``read_index`` (its position in ``consumed``), shown in the evidence.
- ``aborted``: ids of writes whose transaction aborted (a read of one is an aborted read;
  its absence downstream is expected, not a lost write). A read may carry ``attempt``:
  the id of the write attempt it came from, when one intended write is attempted several
  times (a transactional processor that aborts and retries an input); ``aborted`` then
  lists attempt ids, and a read is an aborted read when its attempt is listed.
- ``effects``: rows of an external effect, e.g. ``(payment_id, amount)`` charges; the first
  item (or a dict's ``id``) names what the effect is for.

Anomalies (Jepsen's names where it has them):

- ``lost_write``: an intended, not aborted write never read.
- ``duplicate``: a write read more than once (evidence: every read of it).
- ``reorder``: two writes of one key read in the opposite order to the one they were
  issued in (judged on each write's first read).
- ``aborted_read``: a write of an aborted transaction was read.
- ``phantom``: a read of something never intended.
- ``double_effect``: an external effect applied more than once for one id.
"""

from typing import NamedTuple

KINDS = ("lost_write", "duplicate", "reorder", "aborted_read", "phantom", "double_effect")


class Anomaly(NamedTuple):
    kind: str            # one of KINDS
    subject: object      # the id (or pair of ids, for a reorder) it is about
    evidence: tuple      # the records (as dicts) that prove it
    message: str


class CheckResult(NamedTuple):
    anomalies: tuple

    @property
    def ok(self):
        return not self.anomalies

    def of(self, kind):
        """The anomalies of one kind."""
        if kind not in KINDS:
            raise ValueError(f"unknown anomaly kind {kind!r}; known: {', '.join(KINDS)}")
        return [a for a in self.anomalies if a.kind == kind]

    def counts(self):
        """{kind: how many}, every kind listed."""
        return {kind: sum(1 for a in self.anomalies if a.kind == kind) for kind in KINDS}

    def summary(self):
        if self.ok:
            return "no anomalies"
        return "; ".join(f"{n} {kind}" for kind, n in self.counts().items() if n)


def check(produced, consumed, aborted=(), effects=()):
    """Every anomaly of the history, in the order of KINDS, each kind in input order."""
    writes = [_write(item, i) for i, item in enumerate(produced)]
    reads = [_read(item, i) for i, item in enumerate(consumed)]
    aborted = set(aborted)
    found = []
    found += lost_writes(writes, reads, aborted)
    found += duplicates(reads)
    found += reorders(writes, reads)
    found += aborted_reads(reads, aborted)
    found += phantoms(writes, reads, aborted)
    found += double_effects(effects)
    return CheckResult(tuple(found))


def lost_writes(writes, reads, aborted=frozenset()):
    read_ids = {r["id"] for r in reads}
    return [Anomaly("lost_write", w["id"], (w,), f"write {w['id']!r} was never read")
            for w in writes if w["id"] not in read_ids and w["id"] not in aborted]


def duplicates(reads):
    by_id = _group(reads)
    return [Anomaly("duplicate", rid, tuple(rs), f"write {rid!r} was read {len(rs)} times"
                    + _at(rs))
            for rid, rs in by_id.items() if len(rs) > 1]


def reorders(writes, reads):
    """Per key, adjacent writes (in issue order) whose first reads came the other way round."""
    first = {}
    for r in reads:
        first.setdefault(r["id"], r)
    by_key = {}
    for w in writes:
        if w["id"] in first:
            by_key.setdefault(w.get("key"), []).append(w)
    out = []
    for key, ws in by_key.items():
        for a, b in zip(ws, ws[1:]):
            ra, rb = first[a["id"]], first[b["id"]]
            if ra["read_index"] > rb["read_index"]:
                out.append(Anomaly("reorder", (a["id"], b["id"]), (a, b, rb, ra),
                                   f"key {key!r}: {a['id']!r} was written before {b['id']!r} but read after it"
                                   + _at([rb, ra])))
    return out


def aborted_reads(reads, aborted):
    return [Anomaly("aborted_read", r["id"], (r,), f"write {r['id']!r} of an aborted transaction was read" + _at([r]))
            for r in reads if r.get("attempt", r["id"]) in aborted]


def phantoms(writes, reads, aborted=frozenset()):
    known = {w["id"] for w in writes} | set(aborted)
    return [Anomaly("phantom", r["id"], (r,), f"{r['id']!r} was read but never written" + _at([r]))
            for r in reads if r["id"] not in known]


def double_effects(effects):
    rows = [_effect(row, i) for i, row in enumerate(effects)]
    return [Anomaly("double_effect", eid, tuple(rs), f"the effect for {eid!r} was applied {len(rs)} times")
            for eid, rs in _group(rows).items() if len(rs) > 1]


# -- plain data in ----------------------------------------------------------------------------
def _write(item, index):
    if isinstance(item, dict):
        if "id" not in item:
            raise ValueError(f"produced[{index}] has no 'id': {item!r}")
        return dict(item)
    if isinstance(item, (tuple, list)) and 1 <= len(item) <= 2:
        return {"id": item[0], "key": item[1] if len(item) > 1 else None}
    raise ValueError(f"produced[{index}] must be a dict with 'id' or a tuple (id, key), got {item!r}")


_READ_FIELDS = ("id", "key", "partition", "offset")


def _read(item, index):
    if isinstance(item, dict):
        if "id" not in item:
            raise ValueError(f"consumed[{index}] has no 'id': {item!r}")
        out = dict(item)
    elif isinstance(item, (tuple, list)) and 1 <= len(item) <= 4:
        out = dict(zip(_READ_FIELDS, item))
    else:
        raise ValueError(f"consumed[{index}] must be a dict with 'id' or a tuple (id, key, partition, offset), "
                         f"got {item!r}")
    out["read_index"] = index
    return out


def _effect(row, index):
    if isinstance(row, dict):
        if "id" not in row:
            raise ValueError(f"effects[{index}] has no 'id': {row!r}")
        return dict(row)
    if isinstance(row, (tuple, list)) and row:
        return {"id": row[0], "row": tuple(row)}
    raise ValueError(f"effects[{index}] must be a dict with 'id' or a non-empty tuple, got {row!r}")


def _group(items):
    out = {}
    for item in items:
        out.setdefault(item["id"], []).append(item)
    return out


def _at(reads):
    where = [f"{r['partition']}@{r['offset']}" for r in reads if r.get("offset") is not None and "partition" in r]
    return f" (partition@offset: {', '.join(where)})" if where else ""
