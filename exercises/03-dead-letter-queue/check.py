"""Hidden setup and checks for 03-dead-letter-queue.

setup() puts 24 payments on "payments" (3 partitions), creates "payments.dlq" and installs
the module ``processor`` (in sys.modules, so the learner's ``import processor`` finds it).
``processor.process(msg)`` takes 200 ms of virtual time per attempt and fails for two kinds
of payment: three are poison (an unsupported currency: every attempt fails) and two fail
transiently (the bank times out once, or twice, then the payment goes through). Every
attempt is a "payment.attempt" trace event and every success a "payment.processed" one, so
the checks compare attempts, DLQ records ("produce" events) and the group's commits in one
ordered trace. ``processor.run(main)`` stops the service at 90 s of virtual time: a loop that
retries for ever is stopped there (process() raises ServiceStopped) and its stall is visible.
"""

import sys
import types
from collections import Counter

from pysim import kafka

BOOT = "localhost:9092"
TOPIC = "payments"
DLQ = "payments.dlq"
GROUP = "payments-processor"
PARTITIONS = 3
PAYMENTS = 24
ATTEMPTS = 3
ATTEMPT_MS = 200
STOP_AT_MS = 90_000
POISON = {5: "XYZ", 13: "ZZZ", 18: "???"}          # payment number -> a currency nobody supports
TRANSIENT = {9: 1, 20: 2}                          # payment number -> attempts that time out first
HEADERS = ("x-original-topic", "x-original-partition", "x-original-offset", "x-error", "x-attempts")


class ServiceStopped(SystemExit):
    """The service was stopped (SIGTERM at 90 s): raised by process() into a loop that never
    returned, so processor.run() can end the run. A SystemExit, so ``except Exception``
    around process() does not swallow it, and one that escapes (main() called without
    processor.run) is reported by the harness as the learner's exit, not a broken harness."""


def _payment(n):
    currency = POISON.get(n, "EUR")
    return f"pay-{n:03d} {currency} {n * 7 % 90 + 10}.00"


class _Processor:
    def __init__(self, cluster):
        self.cluster = cluster
        self.attempts = Counter()

    def process(self, msg):
        """Charge one payment (200 ms). Raises ValueError for a payment that can never succeed
        and TimeoutError when the bank does not answer in time (a later attempt may succeed)."""
        if not isinstance(msg, kafka.Message) or msg.error() is not None or msg.topic() != TOPIC:
            raise TypeError("processor.process() takes a payment: a Message from poll() on \"payments\" "
                            "(check msg.error() first)")
        if not self.running():
            raise ServiceStopped("the service was stopped at 90 s of virtual time")
        self.cluster.advance(ATTEMPT_MS)
        payment_id, currency, _ = msg.value().decode().split()
        n = int(payment_id[4:])
        key = (msg.partition(), msg.offset())
        self.attempts[key] += 1
        error = None
        if currency != "EUR":
            error = ValueError(f"unsupported currency {currency!r} in {payment_id}")
        elif self.attempts[key] <= TRANSIENT.get(n, 0):
            error = TimeoutError(f"bank did not answer in time for {payment_id}")
        self.cluster.trace.record("payment.attempt", "processor", partition=key[0], offset=key[1],
                                  payment=payment_id, attempt=self.attempts[key],
                                  error=None if error is None else f"{type(error).__name__}: {error}")
        if error is not None:
            raise error
        self.cluster.trace.record("payment.processed", "processor", partition=key[0], offset=key[1],
                                  payment=payment_id)

    def running(self):
        """False once the service is asked to stop (at 90 s of virtual time)."""
        return self.cluster.now_ms < STOP_AT_MS

    def run(self, main):
        """Run the service: ``main()`` until it returns or the service is stopped."""
        if not callable(main):
            raise TypeError("processor.run(main) takes your function main()")
        try:
            main()
        except ServiceStopped:
            pass


def setup():
    cluster = kafka.cluster(BOOT)
    cluster.create_topic(TOPIC, num_partitions=PARTITIONS)
    cluster.create_topic(DLQ, num_partitions=1)
    producer = kafka.Producer({"bootstrap.servers": BOOT})
    for n in range(1, PAYMENTS + 1):
        producer.produce(TOPIC, key=f"customer-{n % 5}", value=_payment(n))
    producer.flush()
    proc = _Processor(cluster)
    module = types.ModuleType("processor", "The payment processor (hidden setup of this exercise).")
    module.process, module.running, module.run = proc.process, proc.running, proc.run
    module.ServiceStopped = ServiceStopped
    sys.modules["processor"] = module


# -- reading the run ----------------------------------------------------------------------
def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, (bytes, bytearray)) else value


def _records(run):
    """[(partition, offset, key, value, payment number)] of every payment on the topic."""
    cluster = run.cluster()
    return [(p, r.offset, r.key, r.value, int(_text(r.value).split()[0][4:]))
            for p in range(PARTITIONS) for r in cluster.records(TOPIC, p)]


def _poison(run):
    return [r for r in _records(run) if r[4] in POISON]


def _events(run, kind):
    return [e for e in run.cluster().trace if e.kind == kind]


def _dlq(run):
    """[(record, produce event)] of what is on payments.dlq."""
    cluster = run.cluster()
    produced = {e.data["offset"]: e for e in _events(run, "produce") if e.data["topic"] == DLQ}
    return [(r, produced.get(r.offset)) for r in cluster.records(DLQ, 0)] if cluster.has_topic(DLQ) else []


def _attempts(run, p, o):
    return [e for e in _events(run, "payment.attempt") if e.data["partition"] == p and e.data["offset"] == o]


def _ran(run):
    assert _events(run, "payment.attempt"), (
        "No payment was processed: processor.run(main) must run your main(), which subscribes to "
        "\"payments\", polls and calls processor.process(msg).")


def check_caught_up(run):
    """No partition stalled: the group committed the end of every partition before the service stopped."""
    _ran(run)
    cluster = run.cluster()
    for p in range(PARTITIONS):
        end = cluster.watermarks(TOPIC, p)[1]
        committed = cluster.committed(GROUP, TOPIC, p)
        if committed == end:
            continue
        stuck = committed if committed is not None else 0
        tried = _attempts(run, p, stuck)
        if len(tried) > ATTEMPTS:
            raise AssertionError(
                f"Partition {p} stalled at offset {stuck} ({tried[0].data['payment']}): it was attempted "
                f"{len(tried)} times until the service was stopped, and every payment behind it waited. A poison "
                f"record never succeeds: after {ATTEMPTS} failed attempts, produce it to {DLQ}, commit and move on.")
        raise AssertionError(f"The group {GROUP} committed {committed} for partition {p}, not its end ({end}): "
                             "commit (asynchronous=False) after each payment is processed or dead-lettered.")


def check_good_processed_once(run):
    """Every good payment was processed exactly once (the transient failures too, after a retry)."""
    _ran(run)
    done = Counter((e.data["partition"], e.data["offset"]) for e in _events(run, "payment.processed"))
    for p, o, _, value, n in _records(run):
        if n in POISON:
            continue
        name = _text(value).split()[0]
        if done[(p, o)] == 0:
            if n in TRANSIENT:
                raise AssertionError(
                    f"{name} was never processed: its first attempt{'s' if TRANSIENT[n] > 1 else ''} timed out "
                    f"(TimeoutError) and it would have gone through at attempt {TRANSIENT[n] + 1}. Retry up to "
                    f"{ATTEMPTS} times before giving up on a payment.")
            stuck = [(oo, len(_attempts(run, p, oo))) for pp, oo, *_ in _poison(run) if pp == p and oo < o]
            stuck = [(oo, tries) for oo, tries in stuck if tries > ATTEMPTS]
            if stuck:
                raise AssertionError(f"{name} (partition {p}, offset {o}) was never processed: it waited behind "
                                     f"offset {stuck[0][0]}, which was attempted {stuck[0][1]} times. Give up "
                                     f"after {ATTEMPTS} attempts (dead-letter it) so the partition moves on.")
            raise AssertionError(f"{name} (partition {p}, offset {o}) was never processed: every good payment "
                                 "must go through processor.process(msg).")
        assert done[(p, o)] == 1, (f"{name} was processed {done[(p, o)]} times: once it succeeds, commit it "
                                   "and go on to the next one.")


def check_order_kept(run):
    """In each partition the good payments were processed in offset order."""
    _ran(run)
    last = {}
    for e in _events(run, "payment.processed"):
        p, o = e.data["partition"], e.data["offset"]
        assert o > last.get(p, -1), (f"In partition {p}, {e.data['payment']} (offset {o}) was processed after "
                                     f"offset {last[p]}: handle each partition's payments in order, one at a time.")
        last[p] = o


def check_poison_in_dlq(run):
    """Each poison payment is on payments.dlq exactly once, after 3 failed attempts, and nothing else is."""
    _ran(run)
    dlq = _dlq(run)
    by_value = Counter(r.value for r, _ in dlq)
    originals = {value: (p, o, key, n) for p, o, key, value, n in _records(run)}
    for r, _ in dlq:
        p, o, _, n = originals.get(r.value, (None, None, None, None))
        assert n is not None, (f"{DLQ} holds {_text(r.value)!r}, which is not a payment from \"{TOPIC}\": "
                               "produce the original value (msg.value()) unchanged.")
        assert n in POISON, (
            f"{_text(r.value).split()[0]} is on {DLQ}, but it fails only "
            f"{'once' if TRANSIENT.get(n) == 1 else 'twice'} (TimeoutError) and goes through at attempt "
            f"{TRANSIENT.get(n, 0) + 1}: retry up to {ATTEMPTS} times before dead-lettering it.")
    for p, o, key, value, n in _poison(run):
        name = _text(value).split()[0]
        count = by_value[value]
        tries = len(_attempts(run, p, o))
        assert count or tries > ATTEMPTS, (
            f"{name} (partition {p}, offset {o}) failed every attempt but is not on {DLQ}: a poison payment "
            f"skipped without a trace is a lost payment. Produce it to {DLQ} before committing it.")
        assert count, (f"{name} (partition {p}, offset {o}) is not on {DLQ}: it was attempted {tries} times. "
                       f"After {ATTEMPTS} failures, produce it to {DLQ} and move on.")
        assert count == 1, f"{name} is on {DLQ} {count} times: dead-letter each poison payment once."
        record, produced = next((r, e) for r, e in dlq if r.value == value)
        tried = [e for e in _attempts(run, p, o) if produced is None or e.seq < produced.seq]
        assert len(tried) == ATTEMPTS, (f"{name} went to {DLQ} after {len(tried)} attempt(s): try it "
                                        f"{ATTEMPTS} times, then dead-letter it.")
        assert record.key == key, (f"{name} is on {DLQ} with key {_text(record.key)!r}, not its own "
                                   f"({_text(key)!r}): keep msg.key(), so a replay lands with its customer's "
                                   "other payments.")


def check_dlq_headers(run):
    """Each DLQ record says where it came from and why: x-original-topic/-partition/-offset, x-error, x-attempts."""
    _ran(run)
    originals = {value: (p, o) for p, o, _, value, _ in _records(run)}
    dlq = _dlq(run)
    assert dlq, f"{DLQ} is empty: the poison payments must be produced there."
    for record, _ in dlq:
        name = _text(record.value).split()[0]
        headers = {k: _text(v) for k, v in (record.headers or [])}
        missing = [h for h in HEADERS if h not in headers]
        assert not missing, (f"{name} is on {DLQ} without the header(s) {', '.join(missing)}: whoever reads the "
                             "DLQ must see where the record came from and why it failed. Pass headers={...} "
                             "to produce().")
        if record.value not in originals:
            continue
        p, o = originals[record.value]
        expected = {"x-original-topic": TOPIC, "x-original-partition": str(p), "x-original-offset": str(o),
                    "x-attempts": str(ATTEMPTS)}
        for header, want in expected.items():
            assert headers[header] == want, (f"{name}: header {header} is {headers[header]!r}, expected {want!r} "
                                             "(msg.topic(), msg.partition(), msg.offset(), attempts made).")
        last = [e for e in _attempts(run, p, o) if e.data["error"]]
        if last:
            message = last[-1].data["error"].split(": ", 1)[1]
            assert message in headers["x-error"], (f"{name}: header x-error is {headers['x-error']!r}; put the "
                                                   f"last error in it (str(exc): {message!r}).")


def check_commit_after_handling(run):
    """No offset was committed before its payment was processed or its DLQ record was produced."""
    _ran(run)
    handled = {}
    for e in _events(run, "payment.processed"):
        handled.setdefault((e.data["partition"], e.data["offset"]), e.seq)
    originals = {value: (p, o) for p, o, _, value, _ in _records(run)}
    for record, produced in _dlq(run):
        if record.value in originals and produced is not None:
            handled.setdefault(originals[record.value], produced.seq)
    commits = [e for e in _events(run, "commit") if e.actor == GROUP and e.data["topic"] == TOPIC]
    assert commits, f"The group {GROUP} committed nothing: commit after each payment is handled."
    for c in commits:
        p = c.data["partition"]
        early = [o for o in range(c.data["offset"]) if handled.get((p, o), c.seq + 1) > c.seq]
        if not early:
            continue
        o = early[-1]
        name = next(_text(v).split()[0] for pp, oo, _, v, _ in _records(run) if (pp, oo) == (p, o))
        poison = any((pp, oo) == (p, o) for pp, oo, *_ in _poison(run))
        fix = (f"produce it to {DLQ} and flush() (wait for the delivery) first, then commit: a crash in between "
               "loses it." if poison else "process it first, then commit.")
        never = (p, o) not in handled
        what = ("never dead-lettered" if never else "dead-lettered") if poison else (
            "never processed" if never else "processed")
        raise AssertionError(f"Offset {c.data['offset']} of partition {p} was committed at t={c.time_ms} ms, "
                             f"{'but' if never else 'before'} {name} (offset {o}) was {what}: {fix}")
