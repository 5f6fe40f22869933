"""How many bytes a record takes in a Kafka log, so that segment.bytes and retention.bytes
act on the sizes a real broker would count.

Kafka stores records in v2 batches (``DefaultRecordBatch``): a 61-byte batch header, then
each record as ``DefaultRecord.sizeInBytes`` counts it: a varint length prefix, then the
body: attributes (1 byte), timestampDelta (varlong), offsetDelta (varint), key length
(varint, -1 for null) and key, value length (varint, -1 for null) and value, header count
(varint) and each header (varint key length, UTF-8 key, varint value length or -1, value).
Varints are zigzag-encoded, 7 bits per byte.

Simplification: pysim stores every record in its own batch (librdkafka would batch several
records per partition, up to ``batch.size``), so each record pays the 61-byte header and
its timestampDelta and offsetDelta are 0 (1 byte each). Compression is not modelled.
"""

RECORD_BATCH_OVERHEAD = 61   # DefaultRecordBatch.RECORD_BATCH_OVERHEAD


def varint_size(n):
    """Bytes of a zigzag varint holding the non-negative int ``n`` (ByteUtils.sizeOfVarint):
    zigzag makes it 2n, which needs bit_length(n) + 1 bits, 7 bits per byte."""
    return (n.bit_length() + 7) // 7


def batch_size(key, value, headers=None):
    """Bytes of a one-record v2 batch holding this key, value and headers."""
    body = 3                                   # attributes, timestampDelta 0, offsetDelta 0
    if key is None:
        body += 1                              # varint -1
    else:
        n = len(key) if key.__class__ is bytes else _byte_length(key)
        body += n + (n.bit_length() + 7) // 7
    if value is None:
        body += 1
    else:
        n = len(value) if value.__class__ is bytes else _byte_length(value)
        body += n + (n.bit_length() + 7) // 7
    body += _headers_size(headers) if headers else 1
    return RECORD_BATCH_OVERHEAD + body + (body.bit_length() + 7) // 7


# librdkafka's client-side check (rd_kafka_msg_new0): key + value + headers may not exceed
# message.max.bytes less this worst-case record overhead. Measured against confluent-kafka
# 2.16.1: with message.max.bytes=1000 the largest value without key or headers is 964 bytes.
MESSAGE_OVERHEAD = 36


def client_message_size(key, value, headers=None):
    """What librdkafka counts against message.max.bytes and queue.buffering.max.kbytes:
    key and value bytes plus each header as serialized (varint name length, name, varint
    value length or -1, value), without the header count."""
    size = (_byte_length(key) if key is not None else 0) + (_byte_length(value) if value is not None else 0)
    if headers:
        items = list(headers.items()) if isinstance(headers, dict) else headers
        size += _headers_size(items) - varint_size(len(items))
    return size


def _headers_size(headers):
    items = headers.items() if isinstance(headers, dict) else headers
    size = 0
    count = 0
    for name, value in items:
        count += 1
        n = _byte_length(name)
        size += varint_size(n) + n
        if value is None:
            size += 1
        else:
            n = _byte_length(value)
            size += varint_size(n) + n
    return varint_size(count) + size


def _byte_length(data):
    """Length in bytes: text counts as UTF-8, as the client encodes it."""
    if isinstance(data, str):
        return len(data.encode("utf-8"))
    return memoryview(data).nbytes
