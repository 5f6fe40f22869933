"""Pictures drawn from the simulator, not by hand: a topic's partitions as rows of offset
cells, with the log start, the high watermark and each group's committed offset marked.

Lessons render these at build time (markdown-exec) and learners can render them in the
browser, so a picture always shows what pysim really did. Every figure carries a text
alternative (``Figure.text``) that says the same thing in words, for screen readers and
for anyone who prefers reading. Output is deterministic: colours come from the sorted
order of the keys, never from ``hash()``.
"""

from html import escape

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


def log_figure(cluster, topic, groups=(), *, max_cells=12, title=None, key_colours=True,
               fields=("key",), figure_id="pysim-fig"):
    """Draw ``topic`` on ``cluster``: one row per partition with its surviving records
    (the newest ``max_cells`` when there are more), the log start offset, the high
    watermark, and for each group in ``groups`` the committed offset (the next record the
    group will read). ``fields`` names what each cell shows under its offset ("key",
    "value"). Cells are coloured by key. Returns a Figure."""
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
        rows.append((p, records[-max_cells:], len(records) > max_cells, low, high))
    colour = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(sorted(keys))}

    row_gap = ROW_GAP + 12 * max(0, len(groups) - 1)
    width = LABEL_W + (max_cells + 2) * CELL_W + 110
    height = TOP + n * (cell_h + row_gap) + 10
    out = [f'<svg role="img" aria-labelledby="{figure_id}-title {figure_id}-desc" '
           f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px;height:auto" '
           f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12">',
           f'<title id="{figure_id}-title">{escape(title)}</title>']
    body = []
    for row, (p, shown, truncated, low, high) in enumerate(rows):
        y = TOP + row * (cell_h + row_gap)
        body.append(f'<text x="4" y="{y + cell_h / 2 + 4}" fill="currentColor" font-weight="bold">P{p}</text>')
        x = LABEL_W
        if truncated:
            body.append(f'<text x="{x + CELL_W / 2}" y="{y + cell_h / 2 + 4}" text-anchor="middle" '
                        f'fill="currentColor">…</text>')
            x += CELL_W
        cell_x = {}
        for rec in shown:
            key = _label(rec.key, 40)
            fill = colour[key] if key_colours else "currentColor"
            body.append(f'<rect x="{x}" y="{y}" width="{CELL_W - 4}" height="{cell_h}" rx="4" '
                        f'fill="{fill}" fill-opacity="0.35" stroke="currentColor"/>')
            body.append(f'<text x="{x + (CELL_W - 4) / 2}" y="{y + 13}" text-anchor="middle" '
                        f'fill="currentColor" font-size="11">{rec.offset}</text>')
            for i, field in enumerate(fields):
                body.append(f'<text x="{x + (CELL_W - 4) / 2}" y="{y + 27 + 12 * i}" text-anchor="middle" '
                            f'fill="currentColor" font-size="9">{escape(_label(getattr(rec, field), 9))}</text>')
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
        desc = f"Partition {p}: log start offset {low}, high watermark {high}"
        if shown:
            desc += f", records at offsets {shown[0].offset} to {shown[-1].offset}"
            if truncated:
                desc += " (older ones not drawn)"
        else:
            desc += ", no records"
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
