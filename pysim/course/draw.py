"""Pictures drawn from the simulator, not by hand: a topic's partitions as rows of offset
cells, with the log start, the high watermark and each group's committed offset marked.

Lessons render these at build time (markdown-exec) and learners can render them in the
browser, so a picture always shows what pysim really did. Every figure carries a text
alternative (``Figure.text``) that says the same thing in words, for screen readers and
for anyone who prefers reading. Output is deterministic: colours come from the sorted
order of the keys, never from ``hash()``.
"""

from html import escape

from pysim.kafka.log import ControlRecord

# Fill colours for keys, readable under dark text in light mode and light text in dark
# mode (used with fill-opacity, so the page background shows through).
PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948",
           "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")

CELL_W, ROW_GAP, LABEL_W, TOP = 54, 40, 58, 34


class Figure:
    """An SVG picture and its text alternative."""

    def __init__(self, svg: str, text: str, title: str):
        self.svg, self.text, self.title = svg, text, title

    def html(self) -> str:
        """The figure as page HTML: the SVG (role=img, labelled) and the text alternative
        in a collapsible details element below it."""
        return (f'<div class="lesson-diagram pysim-figure">{self.svg}'
                f'<details class="pysim-figure-text"><summary>Text description</summary>'
                f'<p>{escape(self.text)}</p></details></div>')

    def __str__(self) -> str:
        return self.svg


def _label(value, limit=6):
    if value is None:
        return "∅"
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("utf-8", "replace")
    text = str(value)
    # Keys usually differ at the end (order-17, order-18), so keep the tail.
    return text if len(text) <= limit else "…" + text[-(limit - 1):]


def _segment_finder(segs):
    """A function from an offset to the segment (SegmentInfo) holding it, or None."""
    def find(offset):
        for sg in segs:
            if sg.base_offset <= offset < sg.next_offset:
                return sg
        return None
    return find


def _describe(rec, fields):
    """One surviving record in words: its offset, and its key and value if the cells show them."""
    parts = []
    if "key" in fields:
        parts.append(f"key {_label(rec.key, 40)}")
    if "value" in fields:
        parts.append("a tombstone (null value)" if rec.value is None else f"value {_label(rec.value, 40)}")
    return f"offset {rec.offset}" + (f" ({', '.join(parts)})" if parts else "")


def log_figure(cluster, topic, groups=(), *, max_cells=12, title=None, key_colours=True,
               fields=("key",), segments=False, figure_id="pysim-fig"):
    """Draw ``topic`` on ``cluster``: one row per partition with its surviving records
    (the newest ``max_cells`` when there are more), the log start offset, the high
    watermark, and for each group in ``groups`` the committed offset (the next record the
    group will read). ``fields`` names what each cell shows under its offset ("key",
    "value"). Cells are coloured by key; a tombstone (null value) has a dashed outline and
    shows ∅ as its value. A transaction's COMMIT or ABORT marker is a bold dashed cell of its
    own (it takes an offset), an aborted record is faded and struck through, and a last
    stable offset below the high watermark is marked. When offsets are missing between the
    records drawn (compaction removed them), the text alternative lists the survivors. With
    ``segments=True`` a bar separates records of different segments and the active segment
    (the one being written, which retention and the cleaner leave alone) is labelled.
    Returns a Figure."""
    unknown = [f for f in fields if f not in ("key", "value")]
    if unknown:
        raise ValueError(f"fields may name 'key' and 'value', not {unknown}")
    cell_h = 20 + 12 * len(fields)
    n = cluster.num_partitions(topic)
    title = title or f"Topic {topic}: {n} partition{'s' if n != 1 else ''}"
    rows, lines = [], []
    keys = set()
    for p in range(n):
        records = cluster.records(topic, p)
        keys.update(_label(r.key, 40) for r in records)
        low, high = cluster.watermarks(topic, p)
        segs = cluster.log(topic, p).segments() if segments else []
        rows.append((p, records[-max_cells:], len(records) > max_cells, low, high, segs))
    colour = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(sorted(keys))}

    row_gap = ROW_GAP + 12 * max(0, len(groups) - 1)
    width = LABEL_W + (max_cells + 2) * CELL_W + 110
    height = TOP + n * (cell_h + row_gap) + 10
    out = [f'<svg role="img" aria-labelledby="{figure_id}-title {figure_id}-desc" '
           f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px;height:auto" '
           f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12">',
           f'<title id="{figure_id}-title">{escape(title)}</title>']
    body = []
    for row, (p, shown, truncated, low, high, segs) in enumerate(rows):
        y = TOP + row * (cell_h + row_gap)
        body.append(f'<text x="4" y="{y + cell_h / 2 + 4}" fill="currentColor" font-weight="bold">P{p}</text>')
        x = LABEL_W
        if truncated:
            body.append(f'<text x="{x + CELL_W / 2}" y="{y + cell_h / 2 + 4}" text-anchor="middle" '
                        f'fill="currentColor">…</text>')
            x += CELL_W
        cell_x = {}
        log = cluster.log(topic, p)
        aborted = getattr(log, "aborted", ())
        seg_of = _segment_finder(segs)
        previous_seg = None
        for rec in shown:
            seg = seg_of(rec.offset)
            if seg is not None and seg is not previous_seg:
                if previous_seg is not None:     # a new segment starts at this cell
                    body.append(f'<line x1="{x - 2}" y1="{y - 14}" x2="{x - 2}" y2="{y + cell_h + 4}" '
                                f'stroke="currentColor" stroke-width="2"/>')
                if seg.active:
                    body.append(f'<text x="{x + 2 if previous_seg is not None else x + 60}" y="{y - 6}" '
                                f'fill="currentColor" font-size="10" font-style="italic">active segment</text>')
                previous_seg = seg
            mid = x + (CELL_W - 4) / 2
            if isinstance(rec, ControlRecord):
                # A transaction marker: takes an offset, never reaches a consumer.
                body.append(f'<rect x="{x}" y="{y}" width="{CELL_W - 4}" height="{cell_h}" rx="4" '
                            f'fill="none" stroke="currentColor" stroke-width="2" stroke-dasharray="4 2"/>')
                body.append(f'<text x="{mid}" y="{y + 13}" text-anchor="middle" fill="currentColor" '
                            f'font-size="11">{rec.offset}</text>')
                body.append(f'<text x="{mid}" y="{y + 27}" text-anchor="middle" fill="currentColor" '
                            f'font-size="9" font-weight="bold">{"COMMIT" if rec.commit else "ABORT"}</text>')
            else:
                key = _label(rec.key, 40)
                fill = colour[key] if key_colours else "currentColor"
                # a tombstone (null value) gets a dashed outline: it marks a deleted key
                dash = ' stroke-dasharray="3 2"' if rec.value is None else ""
                body.append(f'<rect x="{x}" y="{y}" width="{CELL_W - 4}" height="{cell_h}" rx="4" '
                            f'fill="{fill}" fill-opacity="{0.12 if rec.offset in aborted else 0.35}" '
                            f'stroke="currentColor"{dash}/>')
                body.append(f'<text x="{mid}" y="{y + 13}" text-anchor="middle" '
                            f'fill="currentColor" font-size="11">{rec.offset}</text>')
                for i, field in enumerate(fields):
                    body.append(f'<text x="{mid}" y="{y + 27 + 12 * i}" text-anchor="middle" '
                                f'fill="currentColor" font-size="9">{escape(_label(getattr(rec, field), 9))}</text>')
                if rec.offset in aborted:
                    body.append(f'<line x1="{x + 3}" y1="{y + cell_h - 3}" x2="{x + CELL_W - 7}" y2="{y + 3}" '
                                f'stroke="currentColor" stroke-width="1.5"/>')
            cell_x[rec.offset] = x
            x += CELL_W
        end_x = x
        body.append(f'<line x1="{end_x - 2}" y1="{y - 4}" x2="{end_x - 2}" y2="{y + cell_h + 4}" '
                    f'stroke="currentColor" stroke-width="2" stroke-dasharray="3 2"/>')
        body.append(f'<text x="{end_x + 2}" y="{y + 12}" fill="currentColor" font-size="10">'
                    f'high watermark {high}</text>')
        first_x = LABEL_W + (CELL_W if truncated else 0)
        body.append(f'<text x="{first_x}" y="{y - 6}" fill="currentColor" font-size="10">'
                    f'log start {low}</text>')
        lso = log.last_stable_offset if hasattr(log, "last_stable_offset") else high
        if lso < high:
            lx = cell_x.get(lso, end_x)
            body.append(f'<line x1="{lx - 2}" y1="{y - 4}" x2="{lx - 2}" y2="{y + cell_h + 4}" '
                        f'stroke="currentColor" stroke-width="2"/>')
            body.append(f'<text x="{lx + 2}" y="{y + cell_h + 14}" fill="currentColor" font-size="10">'
                        f'last stable offset {lso}</text>')
        desc = f"Partition {p}: log start offset {low}, high watermark {high}"
        if lso < high:
            desc += f", last stable offset {lso} (a transaction is open: read_committed readers stop there)"
        if shown:
            if shown[-1].offset - shown[0].offset + 1 != len(shown):
                # compaction left gaps: "offsets 5 to 11" would hide them, so name the survivors
                desc += (", records only at " + ", ".join(_describe(rec, fields) for rec in shown)
                         + " (the offsets between them are gone)")
            else:
                desc += f", records at offsets {shown[0].offset} to {shown[-1].offset}"
            if truncated:
                desc += " (older ones not drawn)"
            markers = [f"{'a COMMIT' if r.commit else 'an ABORT'} marker at {r.offset}" for r in shown
                       if isinstance(r, ControlRecord)]
            dropped = [r.offset for r in shown if r.offset in aborted]
            if markers:
                desc += "; " + ", ".join(markers)
            if dropped:
                desc += f"; aborted records at {', '.join(map(str, dropped))} (read_uncommitted readers see them)"
        else:
            desc += ", no records"
        if segs:
            bases = [str(sg.base_offset) for sg in segs]
            desc += (f"; {len(segs)} segment{'s' if len(segs) != 1 else ''}, starting at offset"
                     f"{'s' if len(segs) != 1 else ''} {', '.join(bases)}, the last one active")
        marks = []
        for g, group in enumerate(groups):
            committed = cluster.committed(group, topic, p)
            if committed is None:
                marks.append(f"group {group} has no committed offset")
                continue
            gx = cell_x.get(committed, end_x if committed >= high else first_x)
            gy = y + cell_h + 6 + g * 12
            body.append(f'<path d="M{gx + 2},{gy} l5,-6 l5,6 z" fill="currentColor"/>')
            body.append(f'<text x="{gx + 14}" y="{gy + 1}" fill="currentColor" font-size="10">'
                        f'{escape(group)} → {committed}</text>')
            marks.append(f"group {group} will read offset {committed} next")
        lines.append(desc + ("; " + "; ".join(marks) if marks else "") + ".")
    text = f"{title}. " + " ".join(lines)
    out.append(f'<desc id="{figure_id}-desc">{escape(text)}</desc>')
    out.extend(body)
    out.append("</svg>")
    return Figure("".join(out), text, title)


def distribution_figure(counts, *, title="Records per partition", figure_id="pysim-dist"):
    """A bar chart of ``counts`` (a list, index = partition) with the mean marked."""
    n = len(counts)
    if n == 0:
        raise ValueError("counts must name at least one partition")
    top = max(counts) or 1
    mean = sum(counts) / n
    bar_w, chart_h, left = 44, 150, 40
    width, height = left + n * (bar_w + 10) + 60, chart_h + 64
    out = [f'<svg role="img" aria-labelledby="{figure_id}-title {figure_id}-desc" '
           f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px;height:auto" '
           f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12">',
           f'<title id="{figure_id}-title">{escape(title)}</title>']
    text = (f"{title}: " + ", ".join(f"partition {p} has {c}" for p, c in enumerate(counts))
            + f". Mean {mean:.1f}; the fullest partition holds {top / mean if mean else 0:.2f} times the mean.")
    out.append(f'<desc id="{figure_id}-desc">{escape(text)}</desc>')
    base = 20 + chart_h
    for p, c in enumerate(counts):
        h = chart_h * c / top
        x = left + p * (bar_w + 10)
        out.append(f'<rect x="{x}" y="{base - h:.1f}" width="{bar_w}" height="{h:.1f}" '
                   f'fill="{PALETTE[0]}" fill-opacity="0.6" stroke="currentColor"/>')
        out.append(f'<text x="{x + bar_w / 2}" y="{base + 30}" text-anchor="middle" '
                   f'fill="currentColor" font-size="10">{c}</text>')
        out.append(f'<text x="{x + bar_w / 2}" y="{base + 16}" text-anchor="middle" '
                   f'fill="currentColor">P{p}</text>')
    my = base - chart_h * mean / top
    out.append(f'<line x1="{left - 6}" y1="{my:.1f}" x2="{left + n * (bar_w + 10)}" y2="{my:.1f}" '
               f'stroke="currentColor" stroke-dasharray="5 3"/>')
    out.append(f'<text x="{left + n * (bar_w + 10) + 4}" y="{my + 4:.1f}" fill="currentColor" '
               f'font-size="10">mean {mean:.0f}</text>')
    out.append("</svg>")
    return Figure("".join(out), text, title)


def _member_label(member):
    """A member id is ``<client.id>-<uuid4>`` (36 characters): show the client.id."""
    if isinstance(member, tuple):
        return " + ".join(_member_label(m) for m in member)
    text = str(member)
    if len(text) > 37 and text[-37] == "-" and text[-28] == "-":
        return text[:-37] or text
    return text


def _seconds(ms):
    s = ms / 1000
    return f"{s:.0f} s" if s == int(s) else f"{s:.1f} s"


def timeline_figure(timeline, *, title="Who owned each partition, over virtual time", labels=None,
                    marks=(), figure_id="pysim-timeline"):
    """A rebalance timeline: one lane per consumer, a bar for each partition it owned over
    virtual time (lanes sorted by name), and a last lane, "nobody", with the partitions no
    member could process, shaded. ``timeline`` is ``{partition: [(start_ms, end_ms, member or None), ...]}`` as
    ``pysim.kafka.availability.ownership_timeline`` returns it; ``labels`` maps member ids
    to names (default: the client.id part of the member id); ``marks`` are ``(time_ms,
    text)`` events drawn as vertical lines (a crash, a rebalance). The text alternative is a
    table in words: per partition, who owned it when, and how long it had no owner."""
    if not timeline:
        raise ValueError("timeline must hold at least one partition")
    labels = dict(labels or {})
    segments = [(p, s, e, owner) for p in sorted(timeline) for s, e, owner in timeline[p] if e > s]
    if not segments:
        raise ValueError("timeline holds no interval of positive length")
    t0 = min(s for _, s, _, _ in segments)
    t1 = max(e for _, _, e, _ in segments)
    owners = {owner for _, _, _, owner in segments if owner is not None}
    name = {m: labels.get(m) or _member_label(m) for m in owners}
    members = sorted(owners, key=lambda m: (name[m], str(m)))
    lanes = [(name[m], m) for m in members] + [("nobody", None)]
    parts = sorted(timeline)
    sub_h, lane_gap, left, right, top = 14, 14, 86, 20, 30
    width = 760
    span = max(1, t1 - t0)
    scale = (width - left - right) / span

    def x(t):
        return left + (t - t0) * scale

    # Mark labels go in rows above the lanes: a label moves down a row while it would
    # overlap the one before it (about 5.5 px per character at font-size 10).
    shown = sorted((t, text) for t, text in marks if t0 <= t <= t1)
    row_end, placed = [], []
    for time_ms, text in shown:
        start = left + (time_ms - t0) * scale + 3
        row = next((i for i, end in enumerate(row_end) if start > end + 6), len(row_end))
        if row == len(row_end):
            row_end.append(0)
        row_end[row] = start + 5.5 * len(text)
        placed.append((time_ms, text, row))
    top += 13 * max(0, len(row_end) - 1)
    lane_parts = {m: sorted({p for p, _, _, o in segments if o == m}) for _, m in lanes}
    heights = [max(1, len(lane_parts[m])) * sub_h + 8 for _, m in lanes]
    height = top + sum(heights) + lane_gap * len(lanes) + 34
    out = [f'<svg role="img" aria-labelledby="{figure_id}-title {figure_id}-desc" '
           f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px;height:auto" '
           f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12">',
           f'<title id="{figure_id}-title">{escape(title)}</title>']
    body = []
    y = top
    colour = {p: PALETTE[i % len(PALETTE)] for i, p in enumerate(parts)}
    for (label, member), h in zip(lanes, heights):
        body.append(f'<text x="4" y="{y + h / 2 + 4:.1f}" fill="currentColor" font-weight="bold">'
                    f'{escape(label)}</text>')
        body.append(f'<line x1="{left}" y1="{y + h + lane_gap / 2:.1f}" x2="{width - right}" '
                    f'y2="{y + h + lane_gap / 2:.1f}" stroke="currentColor" stroke-opacity="0.25"/>')
        for row, p in enumerate(lane_parts[member]):
            ry = y + 4 + row * sub_h
            for q, s, e, owner in segments:
                if q != p or owner != member:
                    continue
                w = max(1.0, (e - s) * scale)
                if member is None:
                    body.append(f'<rect x="{x(s):.1f}" y="{ry:.1f}" width="{w:.1f}" height="{sub_h - 3}" '
                                f'fill="#e15759" fill-opacity="0.55" stroke="currentColor" '
                                f'stroke-dasharray="3 2"/>')
                else:
                    body.append(f'<rect x="{x(s):.1f}" y="{ry:.1f}" width="{w:.1f}" height="{sub_h - 3}" '
                                f'fill="{colour[p]}" fill-opacity="0.45" stroke="currentColor" '
                                f'stroke-width="0.5"/>')
                if w > 26:
                    body.append(f'<text x="{x(s) + 3:.1f}" y="{ry + sub_h - 5:.1f}" fill="currentColor" '
                                f'font-size="9">P{p}</text>')
        y += h + lane_gap
    axis_y = y + 4
    body.append(f'<line x1="{left}" y1="{axis_y}" x2="{width - right}" y2="{axis_y}" stroke="currentColor"/>')
    step = next(s for s in (1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000, 600000, 10 ** 12)
                if span / s <= 10)
    t = (t0 + step - 1) // step * step
    while t <= t1:
        body.append(f'<line x1="{x(t):.1f}" y1="{axis_y}" x2="{x(t):.1f}" y2="{axis_y + 4}" stroke="currentColor"/>')
        body.append(f'<text x="{x(t):.1f}" y="{axis_y + 16}" text-anchor="middle" fill="currentColor" '
                    f'font-size="10">{_seconds(t)}</text>')
        t += step
    for time_ms, text, row in placed:
        label_y = 20 + 13 * row
        body.append(f'<line x1="{x(time_ms):.1f}" y1="{label_y - 10}" x2="{x(time_ms):.1f}" y2="{axis_y}" '
                    f'stroke="currentColor" stroke-dasharray="4 3"/>')
        body.append(f'<text x="{x(time_ms) + 3:.1f}" y="{label_y}" fill="currentColor" font-size="10">'
                    f'{escape(text)}</text>')
    lines = []
    for p in parts:
        spans = [(s, e, o) for q, s, e, o in segments if q == p]
        said = "; ".join(f"{_seconds(s)} to {_seconds(e)} " +
                         (f"owned by {name.get(o) or _member_label(o)}" if o is not None else "no owner")
                         for s, e, o in spans)
        idle = sum(e - s for s, e, o in spans if o is None)
        lines.append(f"Partition {p}: {said}. Without an owner for {_seconds(idle)} in all.")
    events = "".join(f" At {_seconds(t)}: {m}." for t, m in marks)
    text = f"{title}, from {_seconds(t0)} to {_seconds(t1)}.{events} " + " ".join(lines)
    out.append(f'<desc id="{figure_id}-desc">{escape(text)}</desc>')
    out.extend(body)
    out.append("</svg>")
    return Figure("".join(out), text, title)
