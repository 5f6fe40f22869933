"""One partition's log: an append-only sequence of records with offsets that are never
reused or renumbered. Retention and compaction remove records; they move the log start
offset or leave gaps, but the offset of every surviving record stays what it was."""

from bisect import bisect_left


class Record:
    """A stored record. ``timestamp`` is the create time in virtual milliseconds."""

    __slots__ = ("offset", "key", "value", "timestamp", "headers")

    def __init__(self, offset, key, value, timestamp, headers):
        self.offset, self.key, self.value, self.timestamp, self.headers = offset, key, value, timestamp, headers

    def __repr__(self):
        return f"Record(offset={self.offset}, key={self.key!r}, value={self.value!r}, timestamp={self.timestamp})"


class PartitionLog:
    """Records of one partition, plus the three offsets Kafka reports for it:
    ``log_start_offset`` (first offset still readable), ``high_watermark`` (next offset to
    be written; here every write is immediately replicated, so it equals the log end)."""

    def __init__(self, topic, partition):
        self.topic, self.partition = topic, partition
        self._records = []           # surviving records, in offset order
        self.log_start_offset = 0
        self.log_end_offset = 0      # next offset to assign
        self._dense = True           # surviving offsets are log_start..log_end-1 without gaps

    @property
    def high_watermark(self):
        return self.log_end_offset

    def __len__(self):
        return len(self._records)

    def records(self):
        return list(self._records)

    def append(self, key, value, timestamp, headers):
        rec = Record(self.log_end_offset, key, value, timestamp, headers)
        self._records.append(rec)
        self.log_end_offset += 1
        return rec

    def index_of(self, offset):
        """Index in the record list of the first surviving record at or after ``offset``."""
        if self._dense:
            return max(0, offset - self.log_start_offset)
        return bisect_left(self._records, offset, key=_offset_of)

    def read_from(self, offset):
        """The first surviving record at or after ``offset``, or None at the log end."""
        i = self.index_of(offset)
        return self._records[i] if i < len(self._records) else None

    def offset_for_timestamp(self, timestamp_ms):
        """Kafka's ListOffsets by time: the offset of the first surviving record (in offset
        order) whose timestamp is >= ``timestamp_ms``, or None when there is none.
        Create times need not grow with offsets, so this is a scan, as the broker does
        within a segment after its time index narrows the search."""
        for rec in self._records:
            if rec.timestamp >= timestamp_ms:
                return rec.offset
        return None

    def in_range(self, offset):
        return self.log_start_offset <= offset <= self.log_end_offset


def _offset_of(record):
    return record.offset
