"""Dead-lettering: the copy of a message that a queue republishes to its
``x-dead-letter-exchange`` when the message is rejected (requeue=False), expires, is
pushed out by ``x-max-length`` or passes a quorum queue's ``x-delivery-limit``.

The ``x-death`` header (RabbitMQ 3.10, rabbit_dead_letter) is a list, newest first, with
one entry per (queue, reason): ``count``, ``reason``, ``queue``, ``time``, ``exchange`` and
``routing-keys`` (where the message was published from, before this death), plus
``original-expiration`` when a per-message TTL is removed on expiry. A second death in the
same queue for the same reason increments that entry's count and moves it to the front.
``x-first-death-queue/-reason/-exchange`` are set once. ``x-dead-letter-routing-key``
replaces the routing key; otherwise the message keeps its own.
"""

import datetime

from pysim.amqp.message import Message

REASONS = ("rejected", "expired", "maxlen", "delivery_limit")
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def amqp_time(now_ms):
    """An AMQP timestamp as pika decodes it: a UTC datetime with whole seconds."""
    return _EPOCH + datetime.timedelta(seconds=now_ms // 1000)


def dead_lettered(message, queue_name, reason, now_ms, dlx, dl_routing_key, new_id):
    """The Message to republish through exchange ``dlx``, with its x-death header updated."""
    if reason not in REASONS:
        raise ValueError(f"unknown dead-letter reason {reason!r}")
    old = message.properties
    changes = {}
    headers = dict(old.headers or {})
    deaths = [dict(d) for d in headers.get("x-death", [])]
    found = next((d for d in deaths if d.get("queue") == queue_name and d.get("reason") == reason), None)
    if found is not None:
        deaths.remove(found)
        found["count"] = found.get("count", 0) + 1
        found["time"] = amqp_time(now_ms)
        entry = found
    else:
        entry = {"count": 1, "reason": reason, "queue": queue_name, "time": amqp_time(now_ms),
                 "exchange": message.exchange, "routing-keys": [message.routing_key]}
        if reason == "expired" and old.expiration is not None:
            entry["original-expiration"] = old.expiration
    deaths.insert(0, entry)
    headers["x-death"] = deaths
    headers.setdefault("x-first-death-exchange", message.exchange)
    headers.setdefault("x-first-death-queue", queue_name)
    headers.setdefault("x-first-death-reason", reason)
    changes["headers"] = headers
    if reason == "expired" and old.expiration is not None:
        changes["expiration"] = None
    routing_key = dl_routing_key if dl_routing_key is not None else message.routing_key
    return Message(message.body, old.copy(**changes), dlx, routing_key, new_id)


def is_cycle(message, target_queue):
    """RabbitMQ drops a dead-lettered message that would return to a queue it already died
    in, unless a rejection (a client's decision) happened somewhere on the way."""
    deaths = (message.properties.headers or {}).get("x-death") or []
    if any(d.get("reason") == "rejected" for d in deaths):
        return False
    return any(d.get("queue") == target_queue for d in deaths)
