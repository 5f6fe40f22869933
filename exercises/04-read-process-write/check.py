"""Hidden setup and checks for 04-read-process-write.

setup() puts ten orders on "orders" (2 partitions), creates "invoices" and installs the module
``invoice_pipeline``: ``price(order)``, ``PricingUnavailable`` and ``run_pipeline(start, step,
read_invoices)``, which plays the night the exercise is about with the learner's functions:

1. instance A = start(); step(A) until a step commits (its first batch goes through);
2. A's next step that reaches a commit point (commit_transaction, or a consumer commit if it
   has no transaction) stalls there - a long GC pause. The supervisor thinks A is dead and, while A
   is frozen there:
   a. starts instance B = start(); B is killed right after its first commit_transaction
      returns (or right before its first consumer commit): its process dies there;
   b. starts instance C = start() and steps it until the group's committed offsets reach the
      end of "orders". price() is unavailable once in C (its second call raises
      PricingUnavailable, after one invoice of the batch was produced), so C must abort and rewind;
3. A wakes up and its commit goes ahead (the real call): a fenced zombie gets _FENCED;
4. read_invoices() is what a downstream reader sees.

The checks read "invoices" themselves (read_committed and read_uncommitted) and let
pysim.checker name lost writes, duplicates and aborted reads.
"""

import json
import sys
import types

from pysim import checker, kafka
from pysim.kafka import KafkaException, TopicPartition

BOOT, INPUT, OUTPUT, GROUP, MODULE = "localhost:9092", "orders", "invoices", "invoicer", "invoice_pipeline"
ORDERS = [(f"o-{i:02d}", 1 + i * 7 % 5) for i in range(1, 11)]      # (order id, items)
UNIT_CENTS = 1250
MAX_STEPS = 40
PRICING_FAILS_AT = 2                # C's second price() call: its first invoice is already produced


class PricingUnavailable(Exception):
    """The pricing service did not answer: the order cannot be invoiced right now."""


class _Killed(BaseException):
    """The supervisor killed this instance (not an Exception: the learner's code cannot catch it)."""


def setup():
    cluster = kafka.cluster(BOOT)
    cluster.create_topic(INPUT, num_partitions=2)
    cluster.create_topic(OUTPUT, num_partitions=1)
    producer = kafka.Producer({"bootstrap.servers": BOOT})
    for order_id, items in ORDERS:
        producer.produce(INPUT, key=order_id, value=json.dumps({"order": order_id, "items": items}))
    producer.flush()
    module = types.ModuleType(MODULE, "The invoicer's world: price(), PricingUnavailable, run_pipeline().")
    module.price, module.PricingUnavailable, module.run_pipeline = price, PricingUnavailable, run_pipeline
    module.state = {"instance": None, "prices_in_c": 0, "ran": False, "events": [],
                    "zombie": None, "consumer_commits": 0, "downstream": None}
    sys.modules[MODULE] = module


def _state():
    return sys.modules[MODULE].state


def price(order):
    """The invoice total in cents for an order (a dict with "order" and "items")."""
    state = _state()
    if state["instance"] == "C":
        state["prices_in_c"] += 1
        if state["prices_in_c"] == PRICING_FAILS_AT:
            state["events"].append(("pricing_unavailable", "C", order.get("order")))
            raise PricingUnavailable(f"pricing service timed out for {order.get('order')}")
    return order["items"] * UNIT_CENTS


# -- the night ---------------------------------------------------------------------------------------
def run_pipeline(start, step, read_invoices):
    """Run the invoicer through a stalled instance, a killed one and a restart (see the prompt)."""
    for name, fn in (("start", start), ("step", step), ("read_invoices", read_invoices)):
        if not callable(fn):
            raise TypeError(f"run_pipeline(start, step, read_invoices): {name} must be a function, got {fn!r}")
    state = _state()
    if state["ran"]:
        raise RuntimeError("run_pipeline() runs once per program")
    state["ran"] = True
    events = state["events"]

    def launch(name):
        state["instance"] = name
        print(f"instance {name}: start()")
        clients = start()
        if not (isinstance(clients, tuple) and len(clients) == 2
                and isinstance(clients[0], kafka.Consumer) and isinstance(clients[1], kafka.Producer)):
            raise TypeError(f"start() must return (consumer, producer), got {clients!r}")
        consumer, producer = clients
        _count_consumer_commits(consumer)
        events.append(("start", name, None))
        return consumer, producer

    def run_c_and_b():
        consumer_b, producer_b = launch("B")
        _arm(consumer_b, producer_b, "kill", lambda: None)
        try:
            for _ in range(MAX_STEPS):
                step(consumer_b, producer_b)
        except _Killed:
            kafka.cluster(BOOT).crash(producer_b)
            print("instance B: KILLED right after its first commit")
            events.append(("killed", "B", None))
        consumer_c, producer_c = launch("C")
        for _ in range(MAX_STEPS):
            if _drained():
                break
            step(consumer_c, producer_c)
        print(f"instance C: caught up ({'done' if _drained() else 'NOT done'} after its steps)")
        events.append(("caught_up" if _drained() else "not_caught_up", "C", None))
        state["instance"] = "A"

    consumer_a, producer_a = launch("A")
    gate = _arm(consumer_a, producer_a, "stall", run_c_and_b)
    try:
        for n in range(MAX_STEPS):
            gate["step"] = n
            step(consumer_a, producer_a)
            if gate["fired"]:
                break
    except KafkaException as e:
        print(f"instance A: step() raised {e.args[0].name()}: A stops")
        events.append(("stopped", "A", e.args[0].name()))
    if state["zombie"] is None:
        print("instance A: never reached a commit in a step after its first commit: nothing stalled")
    state["instance"] = None
    state["downstream"] = read_invoices()
    seen = state["downstream"]
    print(f"read_invoices() returned {len(seen) if isinstance(seen, list) else seen!r} invoice(s)")


def _arm(consumer, producer, mode, while_stalled):
    """Intercept this instance's commit points (commit_transaction, consumer.commit). "kill"
    (B): the first one kills it, after a transaction commit or before a consumer commit.
    "stall" (A): those of the step with its first commit go through; the first one of a
    later step stalls (the driver sets gate["step"] before each step)."""
    real_commit_txn = producer.commit_transaction
    real_consumer_commit = consumer.commit
    gate = {"fired": False, "step": 0, "first_commit_step": None}
    state = _state()

    def stalls_now():
        if gate["fired"]:
            return False
        if gate["first_commit_step"] is None:
            gate["first_commit_step"] = gate["step"]
        return gate["step"] > gate["first_commit_step"]

    def stall(real, *args, **kwargs):
        gate["fired"] = True
        state["events"].append(("stalled", "A", real.__name__))
        print(f"instance A: stalls at {real.__name__}() (a long GC pause); the supervisor starts B")
        while_stalled()
        print(f"instance A: wakes up and calls {real.__name__}()")
        try:
            result = real(*args, **kwargs)
        except KafkaException as e:
            state["zombie"] = ("raised", e.args[0].name(), e.args[0].fatal())
            raise
        state["zombie"] = ("ok", real.__name__, False)
        return result

    def commit_txn(*args, **kwargs):
        if mode == "stall":
            return stall(real_commit_txn, *args, **kwargs) if stalls_now() else real_commit_txn(*args, **kwargs)
        if gate["fired"]:
            return real_commit_txn(*args, **kwargs)
        real_commit_txn(*args, **kwargs)
        gate["fired"] = True
        raise _Killed()

    def consumer_commit(*args, **kwargs):
        if mode == "stall":
            return stall(real_consumer_commit, *args, **kwargs) if stalls_now() else real_consumer_commit(*args, **kwargs)
        if gate["fired"]:
            return real_consumer_commit(*args, **kwargs)
        gate["fired"] = True
        raise _Killed()

    producer.commit_transaction = commit_txn
    consumer.commit = consumer_commit
    return gate


def _count_consumer_commits(consumer):
    real = consumer.commit

    def commit(*args, **kwargs):
        _state()["consumer_commits"] += 1
        return real(*args, **kwargs)

    consumer.commit = commit


def _drained():
    cluster = kafka.cluster(BOOT)
    return all((cluster.committed(GROUP, INPUT, p) or 0) >= cluster.watermarks(INPUT, p)[1]
               for p in range(cluster.num_partitions(INPUT)))


# -- reading what happened -------------------------------------------------------------------------
def _ran():
    state = sys.modules[MODULE].state if MODULE in sys.modules else None
    assert state and state["ran"], ("The pipeline did not run: keep the last line, "
                                    "run_pipeline(start, step, read_invoices).")
    return state


def _read(isolation):
    consumer = kafka.Consumer({"bootstrap.servers": BOOT, "group.id": f"check-{isolation}",
                               "isolation.level": isolation, "enable.auto.commit": False,
                               "auto.offset.reset": "earliest"})
    consumer.assign([TopicPartition(OUTPUT, 0, 0)])
    out = []
    while (msg := consumer.poll(0.5)) is not None:
        if msg.error() is None:
            out.append(msg)
    consumer.close()
    return out


def _key(msg):
    key = msg.key()
    return key.decode("utf-8", "replace") if isinstance(key, bytes) else key


def _history(messages, aborted_offsets=frozenset()):
    produced = [(order_id, order_id) for order_id, _ in ORDERS]
    consumed, aborted = [], []
    for msg in messages:
        key = _key(msg)
        if msg.offset() in aborted_offsets:
            key = f"{key} (aborted copy at offset {msg.offset()})"
            aborted.append(key)
        consumed.append({"id": key, "key": key, "partition": msg.partition(), "offset": msg.offset()})
    return checker.check(produced, consumed, aborted=aborted)


def _aborted_offsets():
    committed = {m.offset() for m in _read("read_committed")}
    return {m.offset() for m in _read("read_uncommitted")} - committed


def _explain(result):
    state = _state()
    if state["zombie"] and state["zombie"][0] == "ok":
        twice = "invoiced more than once: the stalled A's late commit went through after B and C had done its work"
    elif state["consumer_commits"]:
        twice = ("invoiced more than once: B's invoices were committed and its input offsets were not (the "
                 "consumer commits them apart from the transaction), so C did them again")
    else:
        twice = "invoiced more than once"
    parts = []
    if ("not_caught_up", "C") in [(k, w) for k, w, _ in state["events"]] or not state["events"]:
        lost = "never invoiced: the invoicer did not get that far (see the first check)"
    else:
        lost = ("never invoiced: its order was skipped (after an abort, seek the consumer back to where the "
                "aborted transaction started)")
    for kind, why in (("lost_write", lost),
                      ("duplicate", twice),
                      ("aborted_read", "an invoice of an aborted transaction was read: read with "
                                       "isolation.level=read_committed"),
                      ("phantom", "an invoice for no known order")):
        found = result.of(kind)
        if found:
            parts.append(f"{', '.join(str(a.subject) for a in found[:4])}"
                         f"{' …' if len(found) > 4 else ''}: {why}")
    return "; ".join(parts)


# -- checks ---------------------------------------------------------------------------------------
def check_scenario(run):
    """A stalled mid-transaction, B was started and killed after its first commit, C caught up."""
    events = [(kind, who) for kind, who, _ in _ran()["events"]]
    assert ("stalled", "A") in events, (
        "Instance A never committed twice, in two steps, so nothing stalled. step() should process one "
        "batch of at most 3 orders (consumer.consume(num_messages=3, timeout=1.0)) in one transaction, and "
        "start() should assign() the partitions of \"orders\" (with subscribe() the group's first rebalance "
        "outlasts the steps).")
    assert ("killed", "B") in events, (
        "Instance B never committed anything, so it could not be killed after it. If start() subscribe()s, "
        "the stalled A still owns the partitions in the group and B gets none: assign() them instead.")
    assert ("caught_up", "C") in events, (
        "Instance C did not get the group's committed offsets to the end of \"orders\": some orders were "
        "never committed as processed.")


def check_exactly_once(run):
    """A read_committed reader of "invoices" sees one invoice per order, each exactly once."""
    _ran()
    result = _history(_read("read_committed"))
    assert result.ok, f"A read_committed reader of invoices finds {result.summary()}. {_explain(result)}."


def check_aborted_records(run):
    """Aborted invoices exist (a read_uncommitted reader sees them): the aborts really happened."""
    _ran()
    aborted = _aborted_offsets()
    assert aborted, (
        "A read_uncommitted reader sees nothing that read_committed does not: no transaction was aborted. "
        "Write the invoices in transactions (transactional.id, begin_transaction, commit_transaction); A's "
        "open transaction is aborted when B starts, and C aborts when pricing fails.")


def check_zombie_fenced(run):
    """The stalled instance A was fenced: its late commit failed with _FENCED."""
    zombie = _ran()["zombie"]
    assert zombie is not None, "Instance A never tried its late commit."
    outcome, what, fatal = zombie
    assert outcome == "raised" and what == "_FENCED", (
        f"A's late {what}() " + ("went through" if outcome == "ok" else f"failed with {what}")
        + ": the instance that replaced it did not fence it. Only a producer that calls init_transactions() "
        "with the same transactional.id gets a newer epoch and fences the old one; a new id per start "
        "leaves the zombie free to commit what its successor already did.")


def check_offsets_in_transaction(run):
    """The input offsets were committed with each transaction, never by the consumer."""
    state = _ran()
    assert state["consumer_commits"] == 0, (
        f"The consumer committed offsets itself ({state['consumer_commits']} call(s) of consumer.commit): "
        "that commit is not part of the transaction, so a crash between the two leaves outputs without "
        "offsets (processed again) or offsets without outputs (lost). Pass them to "
        "producer.send_offsets_to_transaction(consumer.position(consumer.assignment()), "
        "consumer.consumer_group_metadata()) before commit_transaction().")


def check_downstream_reader(run):
    """Your read_invoices() sees every invoice once and nothing aborted."""
    seen = _ran()["downstream"]
    assert isinstance(seen, list) and all(isinstance(m, kafka.Message) for m in seen), (
        f"read_invoices() must return the list of messages it read from \"{OUTPUT}\", got {seen!r:.80}.")
    result = _history(seen, _aborted_offsets())
    assert result.ok, f"Your read_invoices() finds {result.summary()}. {_explain(result)}."
