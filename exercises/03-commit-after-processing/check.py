"""Hidden setup and checks for 03-commit-after-processing.

setup() puts 30 payments on "payments" (3 partitions) and installs the module ``ledger``
(in sys.modules, so the learner's ``import ledger`` finds it): the bank's ledger and the
deployment that runs the learner's worker. Booking a payment takes virtual time (a call to
the bank, then a receipt), so librdkafka's background auto commit really fires while a
payment is being processed. The deployment kills two processes (cluster.crash: no
LeaveGroup, no commit, no finally): worker-1 while the bank hangs on its 6th payment (not
booked yet), worker-2 right after booking its 5th (not committed yet). Each replacement
waits for the dead member's session timeout before it gets the partitions.

Every booking is a "ledger.book" trace event, so the checks compare bookings with the
group's "commit" events in one ordered trace; nothing the learner prints is trusted.
"""

import sys
import types
from collections import Counter

from pysim import kafka

BOOT = "localhost:9092"
TOPIC = "payments"
PARTITIONS = 3
PAYMENTS = 30
GROUP = "payments-ledger"
BANK_CALL_MS = 1500            # apply(): the bank answers ...
RECEIPT_MS = 500               # ... the ledger books it, then the receipt is sent
HUNG_BANK_MS = 6000            # worker-1's 6th payment: the bank hangs, the liveness probe kills the pod
UNCOMMITTED_MS = 5000          # the most an at-least-once recipe leaves uncommitted: auto.commit.interval.ms
STOP_AT_MS = 240_000           # the service is stopped (SIGTERM) at 4 minutes of virtual time
FATES = {"worker-1": (6, "before booking"), "worker-2": (5, "after booking"), "worker-3": None}


class ProcessKilled(SystemExit):
    """The worker's process died (kill -9): nothing after this line ran. A SystemExit, so
    that an ``except Exception`` in the worker cannot pretend the process lived on;
    ledger.deploy() catches it and starts the next process."""


class _Ledger:
    """The bank's ledger and the deployment (what Kubernetes would do), as module ``ledger``."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.current = None               # (name, consumer) of the running process
        self.applies = 0                  # payments the current process started to apply
        self.booked = []                  # payment ids, in booking order
        self.killed = []                  # consumers whose process died

    # -- the ledger ---------------------------------------------------------------------
    def apply(self, msg):
        """Book one payment: call the bank (1.5 s), write the ledger entry, send the receipt
        (0.5 s). Virtual time moves, so background timers (heartbeats, auto commit) fire."""
        if not isinstance(msg, kafka.Message) or msg.error() is not None or msg.topic() != TOPIC:
            raise TypeError("ledger.apply() takes a payment: a Message from poll() on \"payments\" "
                            "(check msg.error() first)")
        if self.current is None:
            raise RuntimeError("ledger.apply() runs inside your worker: call ledger.deploy(CONFIG, work)")
        name, consumer = self.current
        self.applies += 1
        fate = FATES[name]
        dies = fate is not None and fate[0] == self.applies
        if dies and fate[1] == "before booking":
            self.cluster.advance(HUNG_BANK_MS)
            self._kill(consumer)
        self.cluster.advance(BANK_CALL_MS)
        payment = msg.value().decode()
        self.booked.append(payment)
        self.cluster.trace.record("ledger.book", name, topic=TOPIC, partition=msg.partition(),
                                  offset=msg.offset(), payment=payment)
        if dies:
            self.cluster.advance(RECEIPT_MS // 2)
            self._kill(consumer)
        self.cluster.advance(RECEIPT_MS)

    def entries(self):
        """The payment ids the ledger booked, in booking order (a payment booked twice is there twice)."""
        return list(self.booked)

    def running(self):
        """False once the service is asked to stop (at 4 minutes of virtual time)."""
        return self.cluster.now_ms < STOP_AT_MS

    # -- the deployment -----------------------------------------------------------------
    def deploy(self, config, work):
        """Run ``work(consumer)`` in process worker-1 with a Consumer built from ``config``
        (client.id set to the process name); when a process dies, start the next one."""
        if not isinstance(config, dict) or not callable(work):
            raise TypeError("ledger.deploy(CONFIG, work): a consumer config dict and a function work(consumer)")
        for name in FATES:
            consumer = kafka.Consumer(dict(config, **{"client.id": name}))
            self.current, self.applies = (name, consumer), 0
            try:
                work(consumer)          # returns when the service is stopped (or the worker gave up)
            except ProcessKilled:
                pass
            except RuntimeError:        # e.g. a `finally: consumer.close()` on the dead consumer
                if consumer not in self.killed:
                    raise
        self.current = None

    def _kill(self, consumer):
        self.killed.append(consumer)
        self.cluster.trace.record("ledger.killed", "deploy", process=self.current[0])
        self.cluster.crash(consumer)
        raise ProcessKilled(f"{self.current[0]} was killed")


def setup():
    cluster = kafka.cluster(BOOT)
    cluster.create_topic(TOPIC, num_partitions=PARTITIONS)
    producer = kafka.Producer({"bootstrap.servers": BOOT})
    for n in range(PAYMENTS):
        producer.produce(TOPIC, key=f"customer-{n % 7}", value=f"pay-{n + 1:03d}")
    producer.flush()
    ledger = _Ledger(cluster)
    module = types.ModuleType("ledger", "The bank's ledger and the deployment (hidden setup of this exercise).")
    module.apply, module.entries, module.running, module.deploy = ledger.apply, ledger.entries, ledger.running, ledger.deploy
    module.ProcessKilled = ProcessKilled
    module._state = ledger
    sys.modules["ledger"] = module


# -- reading the run ----------------------------------------------------------------------
def _payments(run):
    """{(partition, offset): payment id} of everything on the topic."""
    cluster = run.cluster()
    return {(p, r.offset): r.value.decode() for p in range(PARTITIONS) for r in cluster.records(TOPIC, p)}


def _bookings(run):
    return [e for e in run.cluster().trace if e.kind == "ledger.book"]


def _group(run):
    config = run.get("CONFIG")
    return config.get("group.id", GROUP) if isinstance(config, dict) else GROUP


def _commits(run):
    group = _group(run)
    return [e for e in run.cluster().trace if e.kind == "commit" and e.data["topic"] == TOPIC and e.actor == group]


def _auto_commit(run):
    config = run.get("CONFIG") or {}
    on = str(config.get("enable.auto.commit", True)).lower() not in ("false", "0")
    store = str(config.get("enable.auto.offset.store", True)).lower() not in ("false", "0")
    return on and store


def _deployed(run):
    assert _bookings(run), ("The ledger booked nothing: ledger.deploy(CONFIG, work) must run your worker, and "
                            "work(consumer) must subscribe to \"payments\", poll and call ledger.apply(msg).")


def check_nothing_lost(run):
    """Every payment on the topic was booked at least once, across both crashes."""
    _deployed(run)
    booked = {(e.data["partition"], e.data["offset"]) for e in _bookings(run)}
    lost = sorted(set(_payments(run)) - booked)
    if not lost:
        return
    p, o = lost[0]
    payment = _payments(run)[(p, o)]
    cover = next((e for e in _commits(run) if e.data["partition"] == p and e.data["offset"] > o), None)
    why = ""
    if cover is not None:
        why = (f" The group committed offset {cover.data['offset']} of partition {p} at t={cover.time_ms} ms, "
               f"before {payment} was booked, so the replacement started after it.")
    if _auto_commit(run):
        fix = ("With enable.auto.commit on (the default), poll() stores offset+1 as it hands a message out and "
               "librdkafka's background thread commits it every 5 s, also while apply() is still running. Set "
               "\"enable.auto.commit\": False and commit(message=msg, asynchronous=False) after ledger.apply(msg) "
               "(or enable.auto.offset.store False and store_offsets(msg) after apply).")
    else:
        fix = "Commit a payment only after ledger.apply(msg) has returned."
    raise AssertionError(f"{len(lost)} payment(s) were never booked, e.g. {payment} (partition {p}, offset {o}): "
                         f"the process died while applying it.{why} {fix}")


def check_commit_after_apply(run):
    """Every committed offset covers only payments the ledger had already booked."""
    _deployed(run)
    booked_at = {}
    for e in _bookings(run):
        booked_at.setdefault((e.data["partition"], e.data["offset"]), e.seq)
    commits = _commits(run)
    assert commits, (f"The group {_group(run)} committed nothing: after a crash the replacement starts from "
                     "auto.offset.reset again. Commit after each booked payment.")
    for c in commits:
        p, upto = c.data["partition"], c.data["offset"]
        early = [o for o in range(upto) if booked_at.get((p, o), c.seq + 1) > c.seq]
        if early:
            o = early[-1]
            how = (" librdkafka's background auto commit did it (poll() stored the offset when it handed the message "
                   "out): set \"enable.auto.commit\": False and commit after apply." if _auto_commit(run)
                   else " Call ledger.apply(msg) first, then commit.")
            raise AssertionError(f"Offset {upto} of partition {p} was committed at t={c.time_ms} ms, before the "
                                 f"payment at offset {o} was booked: a crash in between loses it.{how}")


def check_committed_next_offset(run):
    """The group's committed offset is the next payment to read: the end of every partition."""
    _deployed(run)
    cluster = run.cluster()
    group = _group(run)
    for p in range(PARTITIONS):
        end = cluster.watermarks(TOPIC, p)[1]
        committed = cluster.committed(group, TOPIC, p)
        assert committed is not None, f"The group {group} has no committed offset for partition {p}."
        if committed == end - 1:
            raise AssertionError(f"Partition {p}: committed offset {committed} is the offset of the last payment, "
                                 f"not the next one to read ({end}); a restart reads that payment again. Commit "
                                 "msg.offset() + 1, or commit(message=msg), which adds the 1.")
        assert committed == end, (f"Partition {p}: committed offset {committed}, but all {end} payments were "
                                  f"processed; the committed offset must be the next one to read, {end}.")


def check_replays_bounded(run):
    """A crash re-applied only what its process had booked in its last 5 s (nothing older was left uncommitted)."""
    _deployed(run)
    trace = run.cluster().trace
    died = {e.data["process"]: e.time_ms for e in trace if e.kind == "ledger.killed"}
    first = {}
    for e in _bookings(run):
        key = (e.data["partition"], e.data["offset"])
        if key not in first:
            first[key] = e
            continue
        before = first[key]
        gone = died.get(before.actor)
        if gone is None:
            raise AssertionError(f"{before.data['payment']} was booked twice by processes that did not crash "
                                 f"({before.actor}, then {e.actor}): poll each payment once and commit it.")
        if gone - before.time_ms > UNCOMMITTED_MS:
            raise AssertionError(
                f"{before.data['payment']} was booked by {before.actor} at t={before.time_ms} ms and again by "
                f"{e.actor} at t={e.time_ms} ms: {before.actor} lived {(gone - before.time_ms) / 1000:g} s after "
                "booking it and the group's committed offset never moved past it, so its replacement started from an older offset and redid "
                "that work. Commit after each payment: a crash then re-applies at most the one in flight.")


def check_duplicates_reported(run):
    """applied_twice is the number of payments the ledger booked more than once."""
    _deployed(run)
    counts = Counter(e.data["payment"] for e in _bookings(run))
    real = sum(1 for n in counts.values() if n > 1)
    value = run.get("applied_twice")
    assert isinstance(value, int) and not isinstance(value, bool), (
        "Set applied_twice to the number of payments the ledger booked more than once (count them in "
        f"ledger.entries()); got {value!r}.")
    assert value == real, (f"applied_twice is {value}, but the ledger booked {real} payment(s) more than once: "
                           "count duplicates in ledger.entries(), don't assume. At-least-once means a crash "
                           "between booking and commit books that payment again.")
