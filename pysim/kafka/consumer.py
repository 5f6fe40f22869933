"""Consumer shaped like confluent_kafka.Consumer: positions per assigned partition,
commits stored in the cluster (committed offset = next offset to read)."""

from pysim.kafka import config as _config
from pysim.kafka.cluster import cluster
from pysim.kafka.message import Message
from pysim.kafka.topic_partition import TopicPartition, OFFSET_BEGINNING, OFFSET_END, OFFSET_INVALID


def _or_invalid(offset):
    """A stored offset, or OFFSET_INVALID when there is none (0 is a real offset)."""
    return OFFSET_INVALID if offset is None else offset


class Consumer:
    def __init__(self, conf=None, **kwargs):
        conf = _config.validate(dict(conf or {}, **kwargs), _config.CONSUMER)
        if not conf.get("group.id"):
            raise ValueError("Failed to create consumer: group.id must be set")
        self._c = cluster(conf.get("bootstrap.servers", "localhost:9092"))
        self._group = conf.get("group.id")
        self._reset = conf.get("auto.offset.reset", "latest")
        self._auto = _config.as_bool(conf.get("enable.auto.commit", True)) and bool(self._group)
        self._auto_interval_ms = int(conf.get("auto.commit.interval.ms", 5000))
        self._last_auto_commit_ms = self._c.now_ms
        self._pos = {}

    def subscribe(self, topics, on_assign=None, on_revoke=None, on_lost=None):
        tps = []
        for t in topics:
            self._c._ensure(t)
            tps += [TopicPartition(t, p) for p in range(self._c.num_partitions(t))]
        self.assign(tps)
        if on_assign:
            on_assign(self, tps)

    def assign(self, partitions):
        self._pos = {}
        for tp in partitions:
            self._pos[(tp.topic, tp.partition)] = self._start(tp.topic, tp.partition, tp.offset)

    def _start(self, t, p, off):
        lo, hi = self._c.watermarks(t, p)
        if off >= 0:
            return off
        if off == OFFSET_BEGINNING:
            return lo
        if off == OFFSET_END:
            return hi
        c = self._c.committed(self._group, t, p)
        if c is not None:
            return c
        return lo if self._reset in ("earliest", "smallest", "beginning") else hi

    def poll(self, timeout=None):
        self._maybe_auto_commit()
        for (t, p), pos in sorted(self._pos.items()):
            _, hi = self._c.watermarks(t, p)
            if pos < hi:
                rec = self._c.read(t, p, pos, actor=self._group or "")
                self._pos[(t, p)] = rec.offset + 1
                return Message(t, p, rec)
        if timeout and timeout > 0:
            self._c.advance(int(timeout * 1000))
        return None

    def _maybe_auto_commit(self):
        """librdkafka's auto commit: every auto.commit.interval.ms of (virtual) time, commit
        the positions reached by messages that earlier polls returned."""
        if self._auto and self._pos and self._c.now_ms - self._last_auto_commit_ms >= self._auto_interval_ms:
            self._last_auto_commit_ms = self._c.now_ms
            self.commit(asynchronous=True)

    def commit(self, message=None, offsets=None, asynchronous=True):
        if message is not None:
            items = [((message.topic(), message.partition()), message.offset() + 1)]
        elif offsets is not None:
            items = [((tp.topic, tp.partition), tp.offset) for tp in offsets]
        else:
            items = sorted(self._pos.items())
        for (t, p), off in items:
            self._c.commit(self._group, t, p, off)
        return None if asynchronous else [TopicPartition(t, p, o) for (t, p), o in items]

    def committed(self, partitions, timeout=None):
        return [TopicPartition(tp.topic, tp.partition, _or_invalid(self._c.committed(self._group, tp.topic, tp.partition)))
                for tp in partitions]

    def position(self, partitions):
        return [TopicPartition(tp.topic, tp.partition, self._pos.get((tp.topic, tp.partition), OFFSET_INVALID))
                for tp in partitions]

    def seek(self, tp):
        self._pos[(tp.topic, tp.partition)] = self._start(tp.topic, tp.partition, tp.offset)

    def get_watermark_offsets(self, tp, timeout=None, cached=False):
        return self._c.watermarks(tp.topic, tp.partition)

    def close(self):
        if self._auto and self._pos:
            self.commit(asynchronous=False)
        self._pos = {}
