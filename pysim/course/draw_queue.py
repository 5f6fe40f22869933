"""A RabbitMQ queue's history as a picture: one cell per message that entered the queue,
in arrival order; messages that left are drawn as dashed ghosts labelled with how and when
they left (acked, expired, dead-lettered...), the ones still there are solid. Next to
``pysim.course.draw.log_figure`` for a Kafka topic it shows the lesson-1 contrast from one run:
the queue forgot what was acked, the log still has it."""

from html import escape

from pysim.amqp.history import queue_history
from pysim.course.draw import PALETTE, Figure, _label

CELL_W, CELL_H, LEFT, TOP = 74, 34, 8, 30


def _seconds(ms):
    return f"{ms / 1000:g} s"


def queue_figure(broker, queue, *, title=None, max_cells=12, figure_id="pysim-queue"):
    """Draw the history of ``queue`` on ``broker`` (an ``amqp.broker(...)``). Returns a
    Figure with a text alternative that lists every message's fate."""
    passages = queue_history(broker, queue)
    shown = passages[-max_cells:]
    truncated = len(passages) > len(shown)
    title = title or f"Queue {queue}: what it received and what is left"
    width = LEFT + (max_cells + 1) * CELL_W + 20
    height = TOP + CELL_H + 44
    out = [f'<svg role="img" aria-labelledby="{figure_id}-title {figure_id}-desc" '
           f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px;height:auto" '
           f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12">',
           f'<title id="{figure_id}-title">{escape(title)}</title>']
    body, words = [], []
    x = LEFT
    if truncated:
        body.append(f'<text x="{x + CELL_W / 2}" y="{TOP + CELL_H / 2 + 4}" text-anchor="middle" '
                    f'fill="currentColor">…</text>')
        x += CELL_W
    left = 0
    for p in shown:
        label = escape(_label(p.body, 10))
        if p.gone:
            body.append(f'<rect x="{x}" y="{TOP}" width="{CELL_W - 6}" height="{CELL_H}" rx="4" '
                        f'fill="none" stroke="currentColor" stroke-opacity="0.5" stroke-dasharray="4 3"/>')
            body.append(f'<text x="{x + (CELL_W - 6) / 2}" y="{TOP + 15}" text-anchor="middle" '
                        f'fill="currentColor" fill-opacity="0.5" font-size="10">{label}</text>')
            body.append(f'<text x="{x + (CELL_W - 6) / 2}" y="{TOP + CELL_H + 14}" text-anchor="middle" '
                        f'fill="currentColor" font-size="9">{escape(p.fate)}</text>')
            body.append(f'<text x="{x + (CELL_W - 6) / 2}" y="{TOP + CELL_H + 26}" text-anchor="middle" '
                        f'fill="currentColor" font-size="9">at {_seconds(p.left_ms)}</text>')
        else:
            left += 1
            fill = PALETTE[0] if p.fate == "ready" else PALETTE[1]
            body.append(f'<rect x="{x}" y="{TOP}" width="{CELL_W - 6}" height="{CELL_H}" rx="4" '
                        f'fill="{fill}" fill-opacity="0.35" stroke="currentColor"/>')
            body.append(f'<text x="{x + (CELL_W - 6) / 2}" y="{TOP + 15}" text-anchor="middle" '
                        f'fill="currentColor" font-size="10">{label}</text>')
            body.append(f'<text x="{x + (CELL_W - 6) / 2}" y="{TOP + CELL_H + 14}" text-anchor="middle" '
                        f'fill="currentColor" font-size="9">{escape(p.fate)}</text>')
        body.append(f'<text x="{x + (CELL_W - 6) / 2}" y="{TOP + 28}" text-anchor="middle" '
                    f'fill="currentColor" font-size="8">in at {_seconds(p.arrived_ms)}</text>')
        where = f" ({p.how})" if p.how != "published" else ""
        words.append(f"{_label(p.body, 40)}{where} arrived at {_seconds(p.arrived_ms)}, "
                     + (f"{p.fate} at {_seconds(p.left_ms)}" if p.gone else f"still in the queue, {p.fate}"))
        x += CELL_W
    summary = (f"{len(passages)} message{'s' if len(passages) != 1 else ''} entered the queue, "
               f"{sum(not p.gone for p in passages)} {'is' if sum(not p.gone for p in passages) == 1 else 'are'} still there")
    body.append(f'<text x="{LEFT}" y="{TOP - 10}" fill="currentColor" font-size="11">{escape(summary)}</text>')
    text = f"{title}. {summary}" + (": " + "; ".join(words) if words else "") + "."
    if truncated:
        text += f" (The {len(passages) - len(shown)} oldest are not drawn.)"
    out.append(f'<desc id="{figure_id}-desc">{escape(text)}</desc>')
    out.extend(body)
    out.append("</svg>")
    return Figure("".join(out), text, title)
