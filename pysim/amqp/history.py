"""What happened to every message that entered a queue, read back from the trace: when it
arrived (published, or dead-lettered in) and how it left — acked, rejected, expired, pushed
out by max-length, over the delivery limit — or that it is still there (ready, or out with
a consumer). This is what a queue forgets and a log keeps; lessons draw it
(pysim.course.draw_queue) and checks can assert on it."""

from dataclasses import dataclass

# trace event kind -> fate of the message in the event's queue (the event's actor)
LEAVES = {"amqp.ack": "acked", "amqp.reject": "rejected", "amqp.expire": "expired",
          "amqp.maxlen": "dropped (max-length)", "amqp.delivery_limit": "over the delivery limit",
          "amqp.overflow": "refused (queue full)"}


@dataclass
class Passage:
    """One message's stay in one queue."""
    message: int            # the broker's message id (a dead-lettered copy has its own)
    body: bytes
    arrived_ms: int
    how: str                # "published" or "dead-lettered from <queue>"
    fate: str = "ready"     # ready | with a consumer | acked | rejected | expired | ...
    left_ms: int | None = None

    @property
    def gone(self):
        return self.left_ms is not None


def queue_history(broker, queue):
    """The Passages of ``queue`` in arrival order (a stream's messages never leave)."""
    passages, by_id = [], {}
    bodies = {}
    for event in broker.trace:
        kind, data = event.kind, event.data
        if kind == "amqp.publish":
            bodies[data["message"]] = data.get("body", b"")
            if queue in data["queues"]:
                p = Passage(data["message"], bodies[data["message"]], event.time_ms, "published")
                passages.append(p)
                by_id[p.message] = p
        elif kind == "amqp.dead_letter":
            bodies[data["as_message"]] = bodies.get(data["message"], b"")
            if queue in data["queues"]:
                p = Passage(data["as_message"], bodies[data["as_message"]], event.time_ms,
                            f"dead-lettered from {event.actor} ({data['reason']})")
                passages.append(p)
                by_id[p.message] = p
        elif event.actor == queue and data.get("message") in by_id:
            p = by_id[data["message"]]
            if kind in LEAVES and not p.gone:
                p.fate, p.left_ms = LEAVES[kind], event.time_ms
            elif kind == "amqp.deliver" and not p.gone:
                p.fate = "with a consumer"
            elif kind == "amqp.get" and not p.gone:
                p.fate = "with a consumer"
            elif kind == "amqp.requeue" and not p.gone:
                p.fate = "ready"
        elif kind == "amqp.purge" and event.actor == queue:
            for p in passages:
                if not p.gone and p.fate == "ready":
                    p.fate, p.left_ms = "purged", event.time_ms
        elif kind == "amqp.queue.delete" and event.actor == queue:
            for p in passages:
                if not p.gone:
                    p.fate, p.left_ms = "deleted with the queue", event.time_ms
    return passages
