"""librdkafka itself, the copy bundled in the confluent-kafka wheel, driven through ctypes:
its mock cluster can slow a broker down (rd_kafka_mock_broker_set_rtt) and make it refuse a
Produce (rd_kafka_mock_push_request_errors_array), which confluent-kafka's Python API does not
expose. Used by the parity tests of what happens after a record fails for good."""

import ctypes
import glob
import os
import re

import confluent_kafka

_P = ctypes.c_void_p
PRODUCE = 0                       # the Produce request's ApiKey
MSG_F_COPY = 2


class _Message(ctypes.Structure):
    _fields_ = [("err", ctypes.c_int), ("rkt", _P), ("partition", ctypes.c_int32), ("payload", _P),
                ("len", ctypes.c_size_t), ("key", _P), ("key_len", ctypes.c_size_t), ("offset", ctypes.c_int64),
                ("_private", _P)]


_DR = ctypes.CFUNCTYPE(None, _P, ctypes.POINTER(_Message), _P)
_LOG = ctypes.CFUNCTYPE(None, _P, ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p)
_SIGNATURES = {
    "rd_kafka_conf_new": (_P, []),
    "rd_kafka_conf_set": (ctypes.c_int, [_P, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]),
    "rd_kafka_conf_set_dr_msg_cb": (None, [_P, _DR]),
    "rd_kafka_conf_set_log_cb": (None, [_P, _LOG]),
    "rd_kafka_new": (_P, [ctypes.c_int, _P, ctypes.c_char_p, ctypes.c_size_t]),
    "rd_kafka_destroy": (None, [_P]),
    "rd_kafka_handle_mock_cluster": (_P, [_P]),
    "rd_kafka_mock_broker_set_rtt": (ctypes.c_int, [_P, ctypes.c_int32, ctypes.c_int]),
    "rd_kafka_mock_push_request_errors_array": (None, [_P, ctypes.c_int16, ctypes.c_size_t,
                                                       ctypes.POINTER(ctypes.c_int)]),
    "rd_kafka_topic_new": (_P, [_P, ctypes.c_char_p, _P]),
    "rd_kafka_topic_destroy": (None, [_P]),
    "rd_kafka_produce": (ctypes.c_int, [_P, ctypes.c_int32, ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t, _P,
                                        ctypes.c_size_t, _P]),
    "rd_kafka_flush": (ctypes.c_int, [_P, ctypes.c_int]),
    "rd_kafka_poll": (ctypes.c_int, [_P, ctypes.c_int]),
    "rd_kafka_purge": (ctypes.c_int, [_P, ctypes.c_int]),
    "rd_kafka_fatal_error": (ctypes.c_int, [_P, ctypes.c_char_p, ctypes.c_size_t]),
    "rd_kafka_err2name": (ctypes.c_char_p, [ctypes.c_int]),
    "rd_kafka_last_error": (ctypes.c_int, []),
    "rd_kafka_init_transactions": (_P, [_P, ctypes.c_int]),
    "rd_kafka_begin_transaction": (_P, [_P]),
    "rd_kafka_commit_transaction": (_P, [_P, ctypes.c_int]),
    "rd_kafka_abort_transaction": (_P, [_P, ctypes.c_int]),
    "rd_kafka_error_code": (ctypes.c_int, [_P]),
    "rd_kafka_error_string": (ctypes.c_char_p, [_P]),
    "rd_kafka_error_txn_requires_abort": (ctypes.c_int, [_P]),
    "rd_kafka_error_is_fatal": (ctypes.c_int, [_P]),
    "rd_kafka_error_destroy": (None, [_P]),
}


def library():
    """The librdkafka shared object confluent-kafka loads (its wheel bundles one)."""
    folder = os.path.join(os.path.dirname(os.path.dirname(confluent_kafka.__file__)), "confluent_kafka.libs")
    found = sorted(glob.glob(os.path.join(folder, "librdkafka*.so*")))
    assert found, f"no bundled librdkafka in {folder}"
    lib = ctypes.CDLL(found[0])
    for name, (res, args) in _SIGNATURES.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args
    return lib


class MockProducer:
    """A librdkafka producer on its own one-broker mock cluster, producing to topic "t"."""

    def __init__(self, lib, conf):
        self._l = lib
        self.reports, self.logs = [], []
        self.offsetless = []         # the values delivered without an offset (implicitly acked)
        conf = {"test.mock.num.brokers": "1", "debug": "eos", **conf}
        c = lib.rd_kafka_conf_new()
        err = ctypes.create_string_buffer(512)
        for key, value in conf.items():
            assert lib.rd_kafka_conf_set(c, key.encode(), str(value).encode(), err, 512) == 0, err.value
        self._dr = _DR(self._on_delivery)
        self._log = _LOG(lambda rk, level, fac, buf: self.logs.append(buf.decode()))
        lib.rd_kafka_conf_set_dr_msg_cb(c, self._dr)
        lib.rd_kafka_conf_set_log_cb(c, self._log)
        self.rk = lib.rd_kafka_new(0, c, err, 512)
        assert self.rk, err.value
        self.mock = lib.rd_kafka_handle_mock_cluster(self.rk)
        self.rkt = lib.rd_kafka_topic_new(self.rk, b"t", None)

    def _on_delivery(self, rk, m, opaque):
        m = m.contents
        self.reports.append((ctypes.string_at(m.payload, m.len), None if m.err == 0 else self._name(m.err)))
        if m.err == 0 and m.offset < 0:
            self.offsetless.append(ctypes.string_at(m.payload, m.len))

    def _name(self, code):
        return self._l.rd_kafka_err2name(code).decode()

    def produce(self, value):
        """None, or the name of the error produce() returned."""
        if self._l.rd_kafka_produce(self.rkt, 0, MSG_F_COPY, value, len(value), None, 0, None) == 0:
            return None
        return self._name(self._l.rd_kafka_last_error())

    def flush(self, ms=10000):
        return self._l.rd_kafka_flush(self.rk, ms)

    def set_rtt(self, ms):
        self._l.rd_kafka_mock_broker_set_rtt(self.mock, 1, ms)

    def refuse_next_produce(self, code):
        self._l.rd_kafka_mock_push_request_errors_array(self.mock, PRODUCE, 1, (ctypes.c_int * 1)(code))

    def fatal(self):
        text = ctypes.create_string_buffer(512)
        code = self._l.rd_kafka_fatal_error(self.rk, text, 512)
        return (self._name(code), text.value.decode()) if code else None

    def txn(self, call, *args):
        """A transactional API call: None, or (error name, text, requires abort, fatal)."""
        error = getattr(self._l, f"rd_kafka_{call}")(self.rk, *args)
        if not error:
            return None
        out = (self._name(self._l.rd_kafka_error_code(error)), self._l.rd_kafka_error_string(error).decode(),
               bool(self._l.rd_kafka_error_txn_requires_abort(error)), bool(self._l.rd_kafka_error_is_fatal(error)))
        self._l.rd_kafka_error_destroy(error)
        return out

    def epochs(self):
        """The epochs the producer bumped to, read from its "eos" debug log."""
        found = []
        for line in self.logs:
            m = (re.search(r"bumped epoch to PID\{Id:\d+,Epoch:(\d+)\}", line)
                 or re.search(r"Acquired PID\{Id:\d+,Epoch:(\d+)\} \(previous", line))
            if m:
                found.append(int(m.group(1)))
        return found

    def close(self):
        self._l.rd_kafka_purge(self.rk, 3)
        self.flush(2000)
        self._l.rd_kafka_topic_destroy(self.rkt)
        self._l.rd_kafka_destroy(self.rk)
