"""Producer shaped like confluent_kafka.Producer: produce() appends through the shared
cluster, delivery callbacks fire from poll()/flush() with the real partition and offset."""

from pysim.partitioner import partition_for_key, crc32_partition
from pysim.kafka import config as _config
from pysim.kafka.cluster import cluster
from pysim.kafka.errors import KafkaError
from pysim.kafka.message import Message


def _enc(x):
    return x.encode("utf-8") if isinstance(x, str) else x


class Producer:
    def __init__(self, conf=None, **kwargs):
        conf = _config.validate(dict(conf or {}, **kwargs), _config.PRODUCER)
        self._c = cluster(conf.get("bootstrap.servers", "localhost:9092"))
        self._part = conf.get("partitioner", "consistent_random")
        self._rnd = self._c.sim.rng.stream("producer.partitioner")
        self._default_cb = conf.get("on_delivery")
        self._pending = []

    def produce(self, topic, value=None, key=None, partition=-1, on_delivery=None, callback=None,
                timestamp=0, headers=None):
        cb = on_delivery or callback or self._default_cb
        key, value = _enc(key), _enc(value)
        if not self._c._ensure(topic):
            self._pending.append((cb, Message(topic, partition, None,
                                              KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART, "Unknown topic or partition"))))
            return
        n = self._c.num_partitions(topic)
        if partition < 0:
            if key is None or (key == b"" and self._part == "consistent_random"):
                partition = self._rnd.randrange(n)
            elif self._part.startswith("murmur2"):
                partition = partition_for_key(key, n)
            else:
                partition = crc32_partition(key, n)
        rec = self._c.append(topic, partition, key, value, timestamp, headers)
        self._pending.append((cb, Message(topic, partition, rec)))

    def poll(self, timeout=None):
        pending, self._pending = self._pending, []
        for cb, msg in pending:
            if cb:
                cb(msg.error(), msg)
        return len(pending)

    def flush(self, timeout=None):
        self.poll()
        return 0

    def __len__(self): return len(self._pending)
