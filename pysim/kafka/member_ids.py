"""Member ids as Kafka and librdkafka make them, from a seeded random stream (never the
``uuid`` module: same seed, same ids, in CPython and Pyodide), and the static-membership
test both group coordinators make on them."""

import base64


def uuid4(stream):
    """A version 4 UUID (RFC 4122 variant) as a 128-bit int, from ``stream.getrandbits``."""
    n = stream.getrandbits(128)
    return (n & ~(0xF000 << 64) | (0x4000 << 64)) & ~(0xC000 << 48) | (0x8000 << 48)


def base64_uuid(stream, urlsafe=False):
    """A UUID in base64 without padding (22 characters): librdkafka's KIP-848 member id uses the
    standard alphabet; Kafka's Uuid.toString(), which the broker gives a classic member joining
    a consumer group, the URL-safe one."""
    raw = uuid4(stream).to_bytes(16, "big")
    encoded = base64.urlsafe_b64encode(raw) if urlsafe else base64.b64encode(raw)
    return encoded.decode().rstrip("=")


def dashed_uuid(stream):
    """A UUID in its 8-4-4-4-12 hex form (the classic coordinator's ``<client.id>-<uuid>``)."""
    h = f"{uuid4(stream):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def held_by_another(group, instance_id, member_id):
    """True when ``group`` (classic or consumer: its ``static`` maps group.instance.id to
    member id) has ``instance_id`` under a member id other than ``member_id``: the request
    comes from a stale or a new process of that static member."""
    return instance_id is not None and group.static.get(instance_id, member_id) != member_id
