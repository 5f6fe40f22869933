"""Hidden setup and checks for 04-stop-the-double-charge.

setup() puts nine payment requests on "payments" (pay-3 twice: the upstream service sent it
again, same payment_id, new offset) and installs the module ``payment_service``, whose
``run_service(handle, prepare)`` is the billing service the learner's handle() runs in: it
reads "payments" as the group "billing", calls handle(msg, db) with a sqlite3 connection to
an in-memory database (shared cache, so it outlives each instance's connection), commits the
offset after handle() returns, and crashes once: instance 1 dies right after handle() returns
for offset CRASH_AT, before that offset is committed; instance 2 (a new process: the
learner's module-level state starts over) takes over at the committed offset. Every SQL
statement the instances run is recorded (sqlite3's trace callback, which also shows the
BEGIN and COMMIT the sqlite3 module issues), with the Kafka side: handle calls, offset
commits and whether a transaction was open at each.
"""

import copy
import json
import re
import sqlite3
import sys
import types

from pysim import checker, kafka

TOPIC, GROUP, SERVICE = "payments", "billing", "payment_service"
PAYMENTS = [("pay-1", "c-1", 1250), ("pay-2", "c-2", 900), ("pay-3", "c-1", 4000), ("pay-4", "c-3", 150),
            ("pay-5", "c-2", 2200), ("pay-6", "c-3", 780), ("pay-7", "c-1", 310), ("pay-8", "c-2", 5000)]
RESENT = "pay-3"                    # re-produced upstream: same payment, offset 8
CRASH_AT = 4                        # instance 1 dies after handle() returns for this offset
CHARGES_DDL = ("CREATE TABLE charges (payment_id TEXT NOT NULL, customer TEXT NOT NULL, "
               "amount_cents INTEGER NOT NULL)")


def setup():
    cluster = kafka.cluster("localhost:9092")
    cluster.create_topic(TOPIC, num_partitions=1)
    producer = kafka.Producer({"bootstrap.servers": "localhost:9092"})
    requests = PAYMENTS + [p for p in PAYMENTS if p[0] == RESENT]
    for payment_id, customer, amount in requests:
        value = json.dumps({"payment_id": payment_id, "customer": customer, "amount_cents": amount})
        producer.produce(TOPIC, key=payment_id, value=value, timestamp=cluster.now_ms)
        cluster.advance(1000)                                  # one request a second
    producer.flush()
    old = sys.modules.get(SERVICE)
    if old is not None and getattr(old, "database", None) is not None:
        old.database.close()                                   # the previous run's database
    module = types.ModuleType(SERVICE, "The billing service that runs your handle(msg, db).")
    module.run_service = run_service
    module.log, module.database, module.ran = [], None, False
    module.serial = getattr(old, "serial", 0) + 1              # a new database name for every run
    sys.modules[SERVICE] = module


# -- the service (runs inside the learner's program) ---------------------------------------------
def run_service(handle, prepare=None):
    """Run the billing service with your handle(msg, db): instance 1 crashes once after
    handle() returns and before the offset commit; instance 2 takes over."""
    if not callable(handle):
        raise TypeError(f"run_service(handle): handle must be a function handle(msg, db), got {handle!r}")
    if prepare is not None and not callable(prepare):
        raise TypeError(f"run_service(handle, prepare): prepare must be a function prepare(db), got {prepare!r}")
    service = sys.modules[SERVICE]
    if service.ran:
        raise RuntimeError("run_service() runs once per program")
    service.ran = True
    uri = f"file:billing-{service.serial}?mode=memory&cache=shared"
    service.database = database = sqlite3.connect(uri, uri=True)
    database.execute(CHARGES_DDL)
    database.commit()
    loaded = dict(handle.__globals__)                  # the learner's module as it was loaded
    if prepare is not None:
        db = sqlite3.connect(uri, uri=True)
        prepare(db)
        db.commit()
        db.close()
    for instance in (1, 2):
        fresh = _restarted(loaded, handle)
        crashed = _instance(instance, fresh, uri, service.log)
        if not crashed:
            break
    charged = database.execute("SELECT COUNT(*), COALESCE(SUM(amount_cents), 0) FROM charges").fetchone()
    print(f"billing database: {charged[0]} charge(s), {charged[1]} cents in all")


def _instance(instance, handle, uri, log):
    """One process of the service. Returns True if it crashed."""
    db = sqlite3.connect(uri, uri=True)
    current = {"offset": None}
    db.set_trace_callback(lambda sql: log.append(("sql", instance, current["offset"], sql)))
    consumer = kafka.Consumer({"bootstrap.servers": "localhost:9092", "group.id": GROUP,
                               "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    consumer.assign([kafka.TopicPartition(TOPIC, 0)])
    committed = kafka.cluster("localhost:9092").committed(GROUP, TOPIC, 0)
    print(f"instance {instance}: starts at offset {committed or 0}")
    idle = 0
    while idle < 3:
        msg = consumer.poll(1.0)
        if msg is None:
            idle += 1
            continue
        if msg.error():
            continue
        idle = 0
        current["offset"] = offset = msg.offset()
        log.append(("handle", instance, offset, json.loads(msg.value())["payment_id"]))
        print(f"instance {instance}: handle(offset {offset})")
        handle(msg, db)
        current["offset"] = None
        if instance == 1 and offset == CRASH_AT:
            log.append(("crash", instance, offset, db.in_transaction))
            print(f"instance {instance}: CRASHED after handle() returned, before committing offset {offset}")
            db.close()                      # a dead process: its open transaction is rolled back
            return True                     # and its consumer never commits again
        log.append(("offset_commit", instance, offset, db.in_transaction))
        consumer.commit(message=msg, asynchronous=False)
    print(f"instance {instance}: nothing more to read, stops")
    consumer.close()
    db.close()                              # what is not committed now is lost
    return False


_PLAIN = (dict, list, set, bytearray)


def _restarted(loaded, handle):
    """handle() as a new process would have it: the learner's module-level data as loaded
    (copied, so nothing one instance remembers reaches the next), functions rebound to it."""
    fresh = {}
    for name, value in loaded.items():
        try:
            fresh[name] = copy.deepcopy(value) if isinstance(value, _PLAIN) else value
        except Exception:  # noqa: BLE001 - something that cannot be copied is shared, as loaded
            fresh[name] = value
    for name, value in list(fresh.items()):
        if isinstance(value, types.FunctionType) and value.__globals__ is handle.__globals__:
            fresh[name] = _rebind(value, fresh)
    if loaded.get(getattr(handle, "__name__", None)) is handle:
        return fresh[handle.__name__]
    return _rebind(handle, fresh) if isinstance(handle, types.FunctionType) else handle


def _rebind(fn, namespace):
    new = types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__, fn.__closure__)
    new.__kwdefaults__ = copy.copy(fn.__kwdefaults__)
    new.__qualname__ = fn.__qualname__
    return new


# -- reading what happened --------------------------------------------------------------------------
def _service():
    service = sys.modules.get(SERVICE)
    assert service is not None and service.ran and service.database is not None, (
        "The service did not run: keep the last line, run_service(handle, prepare), which runs your "
        "handle() on the payments.")
    return service


def _charges():
    return _service().database.execute(
        "SELECT payment_id, customer, amount_cents FROM charges ORDER BY rowid").fetchall()


_WRITE = re.compile(r'^\s*(?:insert|replace)\s+(?:or\s+\w+\s+)?into\s+["`\[]?(\w+)'
                    r'|^\s*update\s+(?:or\s+\w+\s+)?["`\[]?(\w+)|^\s*delete\s+from\s+["`\[]?(\w+)',
                    re.IGNORECASE)


def _table_written(sql):
    m = _WRITE.match(sql)
    return next((g for g in m.groups() if g), None).lower() if m else None


def _transactions(log):
    """Committed transactions as (instance, offsets of the handle calls, [(offset, table)]):
    BEGIN...COMMIT, or a write outside BEGIN (sqlite's autocommit). A rollback, a crash or a
    close with the transaction open discards it."""
    out, open_ = [], {}
    for kind, instance, offset, data in log:
        if kind == "crash":
            open_.pop(instance, None)
        if kind != "sql":
            continue
        word = data.strip().split(None, 1)[0].upper() if data.strip() else ""
        if word == "BEGIN":
            open_[instance] = []
        elif word in ("COMMIT", "END"):
            writes = open_.pop(instance, None)
            if writes:
                out.append((instance, writes))
        elif word == "ROLLBACK":
            open_.pop(instance, None)
        else:
            table = _table_written(data)
            if table is None:
                continue
            if instance in open_:
                open_[instance].append((offset, table, data))
            else:
                out.append((instance, [(offset, table, data)]))
    return out


def _unique_tables(db):
    tables = [r[0].lower() for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    unique = set()
    for table in tables:
        has_pk = any(col[5] for col in db.execute(f'PRAGMA table_info("{table}")'))   # INTEGER PRIMARY KEY has no index
        if has_pk or any(row[2] for row in db.execute(f'PRAGMA index_list("{table}")')):
            unique.add(table)
    return unique


def _charged_by(log, payment_id):
    """The handle calls (instance, offset) whose committed writes charged payment_id."""
    calls = []
    for instance, writes in _transactions(log):
        for offset, table, sql in writes:
            if table == "charges" and f"'{payment_id}'" in sql:
                calls.append((instance, offset))
    return calls


# -- checks ---------------------------------------------------------------------------------------
def check_replay_happened(run):
    """The service crashed after handle() for offset 4 returned, and instance 2 handled offset 4
    again; the re-sent pay-3 (offset 8) reached handle() too."""
    log = _service().log
    handled = [(i, o) for kind, i, o, _ in log if kind == "handle"]
    assert ("crash", 1) in [(k, i) for k, i, _, _ in log] and (2, CRASH_AT) in handled, (
        f"The crash and replay did not happen: instance 1 should have handled offset {CRASH_AT} and "
        "crashed; did handle() raise, or return early? Handled: "
        + ", ".join(f"instance {i} offset {o}" for i, o in handled))
    assert any(o == len(PAYMENTS) for _, o in handled), (
        f"The re-sent {RESENT} at offset {len(PAYMENTS)} never reached handle().")


def check_every_payment_charged(run):
    """Every payment is charged."""
    charged = {row[0] for row in _charges()}
    missing = [p for p, _, _ in PAYMENTS if p not in charged]
    assert not missing, (f"{', '.join(missing)} {'was' if len(missing) == 1 else 'were'} never charged. "
                         "A write that is not committed when the process stops (or crashes) is rolled back, "
                         "and a payment marked as processed without its charge row is skipped for good.")


def check_one_charge_each(run):
    """No payment is charged twice."""
    service = _service()
    doubles = checker.check([], [], effects=_charges()).of("double_effect")
    if not doubles:
        return
    reasons = []
    for anomaly in doubles:
        calls = _charged_by(service.log, anomaly.subject)
        offsets = sorted({o for _, o in calls})
        where = ", ".join(f"instance {i} at offset {o}" for i, o in calls)
        if len(offsets) < len(calls):
            why = ("the same message, delivered again after the crash: its key must be the same both times "
                   "(a uuid4 or the clock is new every time), and the record of it must survive the crash "
                   "(memory does not)")
        else:
            why = (f"the same payment sent twice upstream (offsets {offsets[0]} and {offsets[-1]}): a key taken "
                   "from the offset or the record's timestamp differs between the two, the payment's own id "
                   "does not")
        reasons.append(f"{anomaly.message} ({where}): {why}")
    raise AssertionError("; ".join(reasons) + ".")


def check_totals(run):
    """Each customer is charged exactly the sum of their payments."""
    expected, got = {}, {}
    for _, customer, amount in PAYMENTS:
        expected[customer] = expected.get(customer, 0) + amount
    for _, customer, amount in _charges():
        got[customer] = got.get(customer, 0) + amount
    wrong = [f"{c}: charged {got.get(c, 0)} cents, owes {expected[c]}" for c in sorted(expected)
             if got.get(c, 0) != expected[c]]
    assert not wrong, "; ".join(wrong) + "."


def check_one_transaction(run):
    """The idempotency row (UNIQUE) and the charge are committed in one local transaction."""
    service = _service()
    unique = _unique_tables(service.database)
    transactions = _transactions(service.log)
    charging = [(i, ws) for i, ws in transactions if any(t == "charges" for _, t, _ in ws)]
    assert charging, "No charge was committed."
    if "charges" in unique:
        return                 # the key is on the charge row itself: one statement, one transaction
    for instance, writes in charging:
        others = sorted({t for _, t, _ in writes if t != "charges"})
        offset = next(o for o, t, _ in writes if t == "charges")
        if not others:
            separate = sorted({t for i, ws in transactions if i == instance for o, t, _ in ws
                               if o == offset and t != "charges"})
            if separate:
                raise AssertionError(
                    f"The charge for offset {offset} and its row in {separate[0]} were committed in two "
                    "transactions: a crash between the two commits either charges without the record "
                    "(charged again on replay) or records without charging (never charged). Write both, "
                    "then commit once (`with db:` around both statements).")
            raise AssertionError(
                f"The charge for offset {offset} was committed without any idempotency row in the same "
                "transaction, and charges has no UNIQUE key: nothing in the database stops a second charge. "
                "Insert a row keyed by the payment in a table with a PRIMARY KEY, and the charge, in one "
                "transaction.")
        plain = [t for t in others if t not in unique]
        assert not plain or any(t in unique for t in others), (
            f"{plain[0]} has no PRIMARY KEY or UNIQUE constraint, so the database accepts the same key "
            "twice: declare the key column PRIMARY KEY.")


def check_offset_after_db_commit(run):
    """Every offset was committed after the database transaction it stands for."""
    early = [(i, o) for kind, i, o, open_ in _service().log if kind == "offset_commit" and open_]
    assert not early, (
        f"When the service committed offset {early[0][1]} (instance {early[0][0]}), your transaction was "
        "still open: the offset said 'done' before the database did. A crash then loses the charge and the "
        "replay starts after it. Commit the database (db.commit() or `with db:`) after the writes and "
        "before handle() returns.")
