"""Errors shaped like confluent_kafka's: a KafkaError value (code, name, reason, flags)
carried by a KafkaException. Codes are librdkafka's numbers, so a learner's
``err.code() == KafkaError._PARTITION_EOF`` checks work unchanged on a real cluster."""


class KafkaError:
    """An error code with librdkafka's number and name."""

    # librdkafka-local errors (negative)
    _BAD_MSG = -199
    _DESTROY = -197
    _FAIL = -196
    _TRANSPORT = -195
    _MSG_TIMED_OUT = -192
    _PARTITION_EOF = -191
    _UNKNOWN_PARTITION = -190
    _UNKNOWN_TOPIC = -188
    _ALL_BROKERS_DOWN = -187
    _INVALID_ARG = -186
    _TIMED_OUT = -185
    _QUEUE_FULL = -184
    _STATE = -172
    _CONFLICT = -173
    _NO_OFFSET = -168
    _AUTO_OFFSET_RESET = -140
    _ASSIGN_PARTITIONS = -175
    _REVOKE_PARTITIONS = -174
    _FENCED = -144
    _NOT_IMPLEMENTED = -170
    _NOT_CONFIGURED = -145
    _UNKNOWN_GROUP = -179
    _MAX_POLL_EXCEEDED = -147
    _GAPLESS_GUARANTEE = -148
    _FATAL = -150
    _PURGE_INFLIGHT = -151
    _PURGE_QUEUE = -152
    _KEY_DESERIALIZATION = -160
    _VALUE_DESERIALIZATION = -159
    # broker errors (positive, Kafka protocol numbers)
    NO_ERROR = 0
    OFFSET_OUT_OF_RANGE = 1
    INVALID_MSG = 2
    UNKNOWN_TOPIC_OR_PART = 3
    INVALID_MSG_SIZE = 4
    LEADER_NOT_AVAILABLE = 5
    NOT_LEADER_FOR_PARTITION = 6
    REQUEST_TIMED_OUT = 7
    MSG_SIZE_TOO_LARGE = 10
    TOPIC_EXCEPTION = 17
    RECORD_LIST_TOO_LARGE = 18
    COORDINATOR_NOT_AVAILABLE = 15
    NOT_COORDINATOR = 16
    ILLEGAL_GENERATION = 22
    INCONSISTENT_GROUP_PROTOCOL = 23
    INVALID_GROUP_ID = 24
    UNKNOWN_MEMBER_ID = 25
    INVALID_SESSION_TIMEOUT = 26
    REBALANCE_IN_PROGRESS = 27
    INVALID_COMMIT_OFFSET_SIZE = 28
    TOPIC_AUTHORIZATION_FAILED = 29
    GROUP_AUTHORIZATION_FAILED = 30
    INVALID_TIMESTAMP = 32
    TOPIC_ALREADY_EXISTS = 36
    INVALID_PARTITIONS = 37
    INVALID_REPLICATION_FACTOR = 38
    INVALID_CONFIG = 40
    INVALID_REQUEST = 42
    POLICY_VIOLATION = 44
    OUT_OF_ORDER_SEQUENCE_NUMBER = 45
    DUPLICATE_SEQUENCE_NUMBER = 46
    INVALID_PRODUCER_EPOCH = 47
    INVALID_TXN_STATE = 48
    INVALID_PRODUCER_ID_MAPPING = 49
    INVALID_TRANSACTION_TIMEOUT = 50
    CONCURRENT_TRANSACTIONS = 51
    SECURITY_DISABLED = 54
    SASL_AUTHENTICATION_FAILED = 58
    NON_EMPTY_GROUP = 68
    GROUP_ID_NOT_FOUND = 69
    UNKNOWN_PRODUCER_ID = 59
    FENCED_INSTANCE_ID = 82
    ELECTION_NOT_NEEDED = 84
    INVALID_RECORD = 87
    UNSTABLE_OFFSET_COMMIT = 88
    PRODUCER_FENCED = 90
    RESOURCE_NOT_FOUND = 91
    FENCED_MEMBER_EPOCH = 110
    UNRELEASED_INSTANCE_ID = 111
    UNSUPPORTED_ASSIGNOR = 112
    STALE_MEMBER_EPOCH = 113
    INVALID_RECORD_STATE = 121

    def __init__(self, code, reason=None, fatal=False, retriable=False, txn_requires_abort=False):
        self._code = code
        self._reason = reason if reason is not None else _default_reason(code)
        self._fatal, self._retriable, self._txn_requires_abort = fatal, retriable, txn_requires_abort

    def code(self):
        return self._code

    def name(self):
        return _name_of(self._code)

    def str(self):
        return self._reason

    def fatal(self):
        return self._fatal

    def retriable(self):
        return self._retriable

    def txn_requires_abort(self):
        return self._txn_requires_abort

    def __eq__(self, other):
        if isinstance(other, KafkaError):
            return self._code == other._code
        return self._code == other

    def __hash__(self):
        return hash(self._code)

    def __str__(self):
        # confluent_kafka prints the whole form, so a learner's print(err) reads the same.
        return self.__repr__()

    def __repr__(self):
        return f'KafkaError{{code={self.name()},val={self._code},str="{self._reason}"}}'


def _name_of(code):
    for name, value in vars(KafkaError).items():
        if value == code and isinstance(value, int) and name.upper() == name:
            return name
    return f"ERR_{code}"


def _default_reason(code):
    return {
        KafkaError._PARTITION_EOF: "Broker: No more messages",
        KafkaError.UNKNOWN_TOPIC_OR_PART: "Broker: Unknown topic or partition",
        KafkaError._UNKNOWN_PARTITION: "Local: Unknown partition",
        KafkaError._UNKNOWN_TOPIC: "Local: Unknown topic",
        KafkaError.OFFSET_OUT_OF_RANGE: "Broker: Offset out of range",
        KafkaError.TOPIC_ALREADY_EXISTS: "Broker: Topic already exists",
        KafkaError.ILLEGAL_GENERATION: "Broker: Specified group generation id is not valid",
        KafkaError.UNKNOWN_MEMBER_ID: "Broker: Unknown member",
        KafkaError.INVALID_PRODUCER_EPOCH: "Broker: Producer attempted an operation with an old epoch",
        KafkaError.INVALID_PRODUCER_ID_MAPPING: "Broker: Producer attempted to use a producer id which is not "
                                                "currently assigned to its transactional id",
        KafkaError.PRODUCER_FENCED: "Broker: There is a newer producer with the same transactionalId which "
                                    "fences the current one",
        KafkaError._FENCED: "Local: This instance has been fenced by a newer instance",
        KafkaError._STATE: "Local: Erroneous state",
        KafkaError.GROUP_ID_NOT_FOUND: "Broker: The group id does not exist",
        KafkaError.INCONSISTENT_GROUP_PROTOCOL: "Broker: Inconsistent group protocol",
        KafkaError.FENCED_MEMBER_EPOCH: "Broker: The member epoch is fenced by the group coordinator",
        KafkaError.UNRELEASED_INSTANCE_ID: "Broker: The instance ID is still used by another member in the "
                                           "consumer group",
        KafkaError.UNSUPPORTED_ASSIGNOR: "Broker: The assignor or its version range is not supported by the "
                                         "consumer group",
        KafkaError.STALE_MEMBER_EPOCH: "Broker: The member epoch is stale",
        KafkaError.INVALID_RECORD_STATE: "Broker: The record state is invalid",
        KafkaError._KEY_DESERIALIZATION: "Local: Key deserialization error",
        KafkaError._VALUE_DESERIALIZATION: "Local: Value deserialization error",
        KafkaError._MSG_TIMED_OUT: "Local: Message timed out",
        KafkaError._TIMED_OUT: "Local: Timed out",
        KafkaError._PURGE_QUEUE: "Local: Purged in queue",
        KafkaError._GAPLESS_GUARANTEE: "Local: Gap-less ordering would not be guaranteed if proceeding",
        KafkaError.OUT_OF_ORDER_SEQUENCE_NUMBER: "Broker: Broker received an out of order sequence number",
    }.get(code, _name_of(code))


class KafkaException(Exception):
    """Raised with one KafkaError as its only argument, like confluent_kafka."""

    def __init__(self, error, *rest):
        if not isinstance(error, KafkaError):
            error = KafkaError(KafkaError._FAIL, str(error))
        super().__init__(error, *rest)
        self.args = (error,)

    def __str__(self):
        return str(self.args[0])


def fail(code, reason=None):
    """Raise KafkaException(KafkaError(code, reason)): the one-liner the clients use."""
    raise KafkaException(KafkaError(code, reason))
