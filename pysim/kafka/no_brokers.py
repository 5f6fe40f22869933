"""A client without ``bootstrap.servers``: it behaves as librdkafka's does, so that a
script which forgot it fails in pysim exactly as it would against Kafka.

librdkafka creates the client, logs one CONFWARN line ("No `bootstrap.servers`
configured: client will not be able to connect to Kafka cluster") and never connects:
produce() queues, each record fails with _MSG_TIMED_OUT ("Local: Message timed out")
once ``message.timeout.ms`` (300 s by default; 0 = never) has passed, metadata requests
fail with _TRANSPORT, a consumer never receives anything. pysim's client keeps the
records in an UnsentQueue and moves virtual time the way poll() and flush() would wait.
Such a client reads time from a cluster of its own (``cluster(NO_BROKERS)``), so nothing
it does shows up in the learner's cluster or its trace.
"""

NO_BROKERS = "(no bootstrap.servers)"
CONFWARN = ("No `bootstrap.servers` configured: client will not be able to connect to Kafka cluster")
CLUSTER_ID_TIMEOUT = ("Failed to retrieve cluster id: Local: Timed out. The broker must support "
                      "KIP-78 (>= 0.10.1) for the cluster id to be available.")


class Unsent:
    """A produced record that no broker will take: what its failed report shows."""

    __slots__ = ("topic", "partition", "key", "value", "callback", "expires_ms", "size")
    offset, timestamp, timestamp_type, headers = None, -1, 0, None

    def __init__(self, topic, partition, key, value, callback, expires_ms, size):
        self.topic, self.partition, self.key, self.value = topic, partition, key, value
        self.callback, self.expires_ms, self.size = callback, expires_ms, size


class UnsentQueue:
    """Records in produce order; each expires at its own ``expires_ms`` (None: never)."""

    def __init__(self):
        self._records = []

    def __len__(self):
        return len(self._records)

    def add(self, record):
        self._records.append(record)

    def bytes(self):
        return sum(r.size for r in self._records)

    def next_expiry(self):
        """The earliest time a record expires, or None."""
        times = [r.expires_ms for r in self._records if r.expires_ms is not None]
        return min(times) if times else None

    def expire(self, now_ms):
        """The records whose message.timeout.ms has passed, removed, in produce order."""
        gone = [r for r in self._records if r.expires_ms is not None and r.expires_ms <= now_ms]
        if gone:
            self._records = [r for r in self._records if r.expires_ms is None or r.expires_ms > now_ms]
        return gone

    def take_all(self):
        records, self._records = self._records, []
        return records


def fail_after(cluster, timeout, seconds, code, reason):
    """A request no broker answers: wait the call's timeout in virtual time (an infinite
    one does not wait: pysim never blocks for good), then raise ``code``."""
    from pysim.kafka.errors import KafkaError, KafkaException
    if isinstance(timeout, (int, float)) and timeout >= 0 and seconds > 0:
        cluster.advance(round(seconds * 1000))
    raise KafkaException(KafkaError(code, reason))


class NoCoordinator:
    """The transactional API of a producer that cannot reach a transaction coordinator, as
    librdkafka answers it: init_transactions() times out (retriable: calling it again
    resumes it), and every other call conflicts with the init still in progress."""

    def __init__(self, cluster):
        self._c = cluster
        self.timeout_s = None
        self.init_started = False
        self.error = None

    def may_produce(self):
        from pysim.kafka.errors import KafkaError
        return KafkaError(KafkaError._STATE, "Unable to produce message: Local: Erroneous state")

    def init(self):
        from pysim.kafka.errors import KafkaError, KafkaException
        self.init_started = True
        if self.timeout_s:
            self._c.advance(round(self.timeout_s * 1000))
        raise KafkaException(KafkaError(KafkaError._TIMED_OUT, "Timed out waiting for operation to finish, "
                                        "retry call to resume", retriable=True))

    def _refuse(self, *args, **kwargs):
        from pysim.kafka.errors import KafkaError, KafkaException
        if self.init_started:
            raise KafkaException(KafkaError(KafkaError._CONFLICT, "Conflicting init_transactions API call is "
                                            "already in progress", retriable=True))
        raise KafkaException(KafkaError(KafkaError._STATE, "Operation not valid in state Init"))

    begin = send_offsets = commit = abort = _refuse
