// The playground's pure parts (no DOM, tested under node in tests/js): settings <-> URL, the
// Python script the settings stand for (the pysim spelling of a confluent-kafka program: the
// same Producer/Consumer calls; only the cluster set-up, its clock and the faults are pysim's), and the
// measures the lessons talk about, read from the run's compact trace.
(function (root) {
  "use strict";

  const FIELDS = {
    partitions: { min: 1, max: 12, def: 3 },
    records: { min: 1, max: 300, def: 30 },
    keys: { min: 0, max: 50, def: 5 },          // distinct keys; 0 = no key
    consumers: { min: 0, max: 6, def: 2 },
    victim: { min: 1, max: 6, def: 1 },         // fault=crash: which consumer (1 = the first)
    at: { min: 0, max: 200, def: 8 },           // fault=crash: after which poll round (0 = the first)
  };
  const CHOICES = {
    assignor: ["range", "roundrobin", "cooperative-sticky"],
    commit: ["after", "before", "auto"],        // commit after processing, before, auto commit
    // crash a consumer part-way; lose the acknowledgement of one produce request; a stalled
    // producer instance (the zombie) wakes after its replacement started
    fault: ["none", "crash", "lostack", "zombie"],
    // librdkafka's defaults (enable.idempotence=false); idempotent; transactional (which is
    // idempotent too, and its consumers read_committed)
    producer: ["plain", "idempotent", "transactional"],
  };
  const TXN_SIZE = 10;          // records per transaction (producer=transactional)
  const ZOMBIE_BATCH = 10;      // records the zombie produced before it stalled (at most)

  function parse(search) {
    const q = new URLSearchParams(search || "");
    const out = {};
    for (const [name, f] of Object.entries(FIELDS)) {
      const n = Number.parseInt(q.get(name), 10);
      out[name] = Number.isFinite(n) ? Math.min(f.max, Math.max(f.min, n)) : f.def;
    }
    for (const [name, list] of Object.entries(CHOICES)) out[name] = list.includes(q.get(name)) ? q.get(name) : list[0];
    if (out.consumers > 0) out.victim = Math.min(out.victim, out.consumers);   // a consumer that exists
    return out;
  }

  const query = (s) => "?" + new URLSearchParams(Object.keys({ ...FIELDS, ...CHOICES }).map((k) => [k, String(s[k])])).toString();

  const PRODUCER_TEXT = { plain: "librdkafka's default producer", idempotent: "an idempotent producer", transactional: "a transactional producer" };
  const FAULT_TEXT = {
    none: () => "",
    crash: (s) => s.consumers ? `, consumer ${s.victim} crashes after poll round ${s.at}` : "",
    lostack: () => ", one produce acknowledgement is lost",
    zombie: () => ", a stalled producer instance wakes up after its replacement started",
  };

  // One record i of the loop: its key and the produce() call (the value "<key or order>:<i>"
  // carries its produce index, which the ordering measure reads back).
  const keyLine = (s) => `    key = ${s.keys ? `f"key-{i % ${s.keys}}"` : "None"}`;
  const produceLine = (name, extra) => `    ${name}.produce("orders", key=key, value=f"{key or 'order'}:{i}"${extra || ""})`;

  // The producing part: the same loop for every producer; a transactional one commits every
  // TXN_SIZE records; a lost ack is armed just before one record of the middle.
  function produceLines(s, name) {
    const txn = s.producer === "transactional";
    const lines = [`for i in range(${s.records}):`];
    if (txn) lines.push(`    if i % ${TXN_SIZE} == 0:`, `        ${name}.begin_transaction()          # ${TXN_SIZE} records per transaction`);
    lines.push(keyLine(s));
    if (s.fault === "lostack") {
      lines.push(`    if i == ${Math.floor(s.records / 2)}:`,
        '        cluster.faults.lose_next_responses("orders")   # appended, but the answer never arrives');
    }
    lines.push(produceLine(name, s.fault === "lostack" ? ", on_delivery=report" : ""),
      "    cluster.advance(5)                # one record every 5 ms of virtual time");
    if (txn) lines.push(`    if i % ${TXN_SIZE} == ${TXN_SIZE - 1} or i == ${s.records - 1}:`, `        ${name}.commit_transaction()`);
    else lines.push(`${name}.flush()`);
    return lines;
  }

  function script(s) {
    const txn = s.producer === "transactional";
    const crash = s.fault === "crash" && s.consumers > 0;
    const conf = ['"bootstrap.servers": BOOTSTRAP'];
    if (s.producer === "idempotent") conf.push('"enable.idempotence": True');
    if (txn) conf.push('"transactional.id": "orders-writer"');
    const lines = [
      `# Playground: ${s.partitions} partition(s), ${s.records} record(s), ${s.keys ? s.keys + " key(s)" : "no key"}, ` +
        `${PRODUCER_TEXT[s.producer]}, ` +
        `${s.consumers} consumer(s) (${s.assignor}), commit ${s.commit === "auto" ? "automatically" : s.commit + " processing"}` +
        `${FAULT_TEXT[s.fault](s)}.`,
      "# On a real cluster: `import confluent_kafka as kafka`, create the topic with AdminClient,",
      "# and drop the cluster.* lines (they are the simulator's clock and fault injection).",
      "from pysim import kafka",
      "",
      'BOOTSTRAP = "localhost:9092"',
      "cluster = kafka.cluster(BOOTSTRAP)",
      `cluster.create_topic("orders", num_partitions=${s.partitions})`,
      "",
    ];
    const producerConf = `{${conf.join(", ")}}`;
    if (s.fault === "zombie") {
      const batch = Math.min(s.records, ZOMBIE_BATCH);
      lines.push(
        `# Instance A produces its first records, then stalls (a long GC pause) before it ${txn ? "commits" : "flushes"}.`,
        `zombie = kafka.Producer(${producerConf})`,
        ...(txn ? ["zombie.init_transactions()", "zombie.begin_transaction()"] : []),
        `for i in range(${batch}):`,
        keyLine(s),
        produceLine("zombie"),
        "    cluster.advance(5)",
        "cluster.advance(10000)                # A is frozen for 10 s: its supervisor starts B in its place",
        "",
        txn ? "# Instance B, the same transactional.id: init_transactions() bumps the epoch, fencing A"
          : "# Instance B: nothing tells the cluster that A is gone",
      );
    } else if (s.fault === "lostack") {
      lines.push("delivered = []", "report = lambda err, msg: delivered.append(err)   # the delivery reports");
    }
    lines.push(`producer = kafka.Producer(${producerConf})${s.producer === "plain" ? "   # enable.idempotence=false: librdkafka's default" : ""}`);
    if (txn) lines.push("producer.init_transactions()");
    lines.push(...produceLines(s, "producer"));
    if (s.fault === "lostack") lines.push('print(sum(1 for err in delivered if err is None), "delivered without error")');
    if (s.fault === "zombie") {
      lines.push(
        "",
        "# A wakes up and carries on where it stopped",
        "try:",
        txn ? "    zombie.commit_transaction()" : "    zombie.flush()",
        '    print("zombie: its records stay")',
        "except kafka.KafkaException as e:",
        '    print("zombie:", e.args[0].name(), "(fatal)" if e.args[0].fatal() else "")',
      );
    }
    if (s.consumers > 0) {
      const cconf = `"partition.assignment.strategy": "${s.assignor}", "enable.auto.commit": ${s.commit === "auto" ? "True" : "False"}`;
      lines.push(
        "",
        'conf = {"bootstrap.servers": BOOTSTRAP, "group.id": "playground", "auto.offset.reset": "earliest",',
        txn ? `        ${cconf},` : `        ${cconf}}`,
        ...(txn ? ['        "isolation.level": "read_committed"}   # librdkafka\'s default: aborted records are skipped'] : []),
        `consumers = [kafka.Consumer(dict(conf)) for _ in range(${s.consumers})]`,
        "for consumer in consumers:",
        '    consumer.subscribe(["orders"])',
        "processed = []",
        "for round_ in range(240):             # about two minutes of virtual time",
        "    for n, consumer in enumerate(consumers):",
        "        if consumer is None:",
        "            continue",
        "        msg = consumer.poll(0.5)",
        "        if msg is None or msg.error():",
        "            continue",
      );
      if (s.commit === "before") lines.push("        consumer.commit(message=msg, asynchronous=False)   # before processing");
      lines.push("        processed.append(msg.value().decode())              # the processing");
      if (s.commit === "after") lines.push("        consumer.commit(message=msg, asynchronous=False)   # after processing");
      if (crash) {
        const v = s.victim - 1;
        lines.push(
          `    if round_ == ${s.at} and consumers[${v}] is not None:`,
          `        cluster.crash(consumers[${v}])          # no LeaveGroup, no last commit`,
          `        consumers[${v}] = None`,
        );
      }
      lines.push(
        "for consumer in consumers:",
        "    if consumer is not None:",
        "        consumer.close()",
        'print(len(processed), "processed,", len(set(processed)), "distinct")',
      );
    }
    return lines.join("\n") + "\n";
  }

  // The produce index a playground value carries ("key-3:17" → 17), or null.
  const indexOf = (v) => { const m = /:(\d+)$/.exec(v || ""); return m ? Number(m[1]) : null; };

  // What the producers wrote, from the trace's produce events: records stored twice (the same
  // key and value, both visible to a read_committed reader), retries the broker recognised by
  // their sequence number and did not store again (produce.duplicate), records whose
  // transaction aborted (a read_committed reader skips them) and producers fenced.
  function writes(view) {
    const stored = new Map(), first = new Set();
    let duplicatesWritten = 0, aborted = 0, retriesDropped = 0, fenced = 0;
    for (const e of view.events) {
      if (e.k === "produce") {
        stored.set(`${e.topic}|${e.p}|${e.o}`, e);
        if (e.aborted) { aborted += 1; continue; }
        if (e.gone) continue;
        const id = `${e.topic}\u0000${e.key}\u0000${e.v}`;
        if (first.has(id)) duplicatesWritten += 1; else first.add(id);
      } else if (e.k === "produce.duplicate") retriesDropped += 1;
      else if (e.k === "txn.fenced") fenced += 1;
    }
    return { stored, duplicatesWritten, aborted, retriesDropped, fenced };
  }

  // Keys (or ids, without a key) whose records a group read out of produce order: in the
  // order of the group's first fetch of each offset, a record produced before one already
  // read. Aborted records and transaction markers are not read by a read_committed consumer;
  // a record read again (re-fetched, or a second copy of it) is a duplicate, not a reordering.
  function outOfOrder(view, TS, stored) {
    const last = new Map(), found = new Map(), fetched = new Set();
    for (const e of view.events) {
      if (e.k !== "fetch") continue;
      const at = `${e.topic}|${e.p}|${e.o}`;
      const rec = stored.get(at);
      const copy = `${e.a}\u0000${e.topic}\u0000${rec && rec.key}\u0000${rec && rec.v}`;
      if (!rec || rec.aborted || rec.gone || fetched.has(copy)) continue;
      fetched.add(copy);
      const entity = TS.entityOf(rec);
      if (!entity) continue;
      const key = `${e.a}\u0000${e.topic}\u0000${entity.id}`;
      const index = indexOf(rec.v) === null ? rec.s : indexOf(rec.v);
      if (last.has(key) && index < last.get(key)) {
        if (!found.has(key)) found.set(key, { id: entity.id, topic: e.topic, group: e.a, count: 0 });
        found.get(key).count += 1;
      }
      last.set(key, Math.max(index, last.has(key) ? last.get(key) : index));
    }
    return Array.from(found.entries()).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  }

  // The lessons' measures, from the trace (and the counts the script prints).
  // `duplicates` is what the script's processing saw twice (it prints "N processed, M
  // distinct"); `refetched` counts offsets a group fetched again, which includes records a
  // crashed consumer had prefetched but never processed.
  function measures(view, TS, stdout) {
    const model = TS.build(view);
    const end = model.stateAt(model.length);
    const load = {};
    for (const [topic, lanes] of Object.entries(end.topics)) lanes.forEach((lane, p) => { load[TS.tp(topic, p)] = lane.records.length; });
    const seen = new Map();
    let refetched = 0;
    for (const e of view.events) {
      if (e.k !== "fetch") continue;
      const k = `${e.a}|${e.topic}|${e.p}|${e.o}`;
      if (seen.has(k)) refetched += 1; else seen.set(k, true);
    }
    const counted = /(\d+) processed, (\d+) distinct/.exec(stdout || "");
    const duplicates = counted ? Number(counted[1]) - Number(counted[2]) : null;
    const reported = /(\d+) delivered without error/.exec(stdout || "");
    const zombie = /zombie: (_?[A-Z][A-Z_]+)/.exec(stdout || "");   // the error the zombie got
    const lag = TS.lag(end);
    let totalLag = 0;
    for (const rows of Object.values(lag)) for (const v of Object.values(rows)) totalLag += Math.max(0, v);
    // The longest time (virtual ms) a partition of a group had no owner, between its first
    // grant and the end of the run.
    let gap = 0;
    const times = view.events.map((e) => e.t);
    const endT = times.length ? times[times.length - 1] : 0;
    for (const rows of Object.values(model.ownership())) {
      for (const segments of Object.values(rows)) {
        for (let i = 0; i < segments.length; i++) {
          const stop = segments[i].to >= times.length ? endT : times[segments[i].to - 1];
          const next = i + 1 < segments.length ? times[segments[i + 1].from - 1] : (segments[i].to >= times.length ? stop : endT);
          gap = Math.max(gap, next - stop);
        }
      }
    }
    const w = writes(view);
    return {
      load, split: TS.split(end), outOfOrder: outOfOrder(view, TS, w.stored),
      duplicatesWritten: w.duplicatesWritten, retriesDropped: w.retriesDropped, aborted: w.aborted, fenced: w.fenced,
      delivered: reported ? Number(reported[1]) : null, zombie: zombie ? zombie[1] : null,
      duplicates, refetched, lag: totalLag, gapMs: gap,
    };
  }

  const api = { FIELDS, CHOICES, parse, query, script, measures };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.CoursePlaygroundModel = api;
})(typeof self !== "undefined" ? self : this);
