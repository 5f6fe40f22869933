// The playground's pure parts (no DOM, tested under node in tests/js): settings <-> URL, the
// Python script the settings stand for (the pysim spelling of a confluent-kafka program: the
// same Producer/Consumer calls; only the cluster set-up and the crash are pysim's), and the
// measures the lessons talk about, read from the run's compact trace.
(function (root) {
  "use strict";

  const FIELDS = {
    partitions: { min: 1, max: 12, def: 3 },
    records: { min: 1, max: 300, def: 30 },
    keys: { min: 0, max: 50, def: 5 },          // distinct keys; 0 = no key
    consumers: { min: 0, max: 6, def: 2 },
  };
  const CHOICES = {
    assignor: ["range", "roundrobin", "cooperative-sticky"],
    commit: ["after", "before", "auto"],        // commit after processing, before, auto commit
    fault: ["none", "crash"],                   // crash the first consumer part-way
  };

  function parse(search) {
    const q = new URLSearchParams(search || "");
    const out = {};
    for (const [name, f] of Object.entries(FIELDS)) {
      const n = Number.parseInt(q.get(name), 10);
      out[name] = Number.isFinite(n) ? Math.min(f.max, Math.max(f.min, n)) : f.def;
    }
    for (const [name, list] of Object.entries(CHOICES)) out[name] = list.includes(q.get(name)) ? q.get(name) : list[0];
    return out;
  }

  const query = (s) => "?" + new URLSearchParams(Object.keys({ ...FIELDS, ...CHOICES }).map((k) => [k, String(s[k])])).toString();

  function script(s) {
    const keyExpr = s.keys ? `f"key-{i % ${s.keys}}"` : "None";
    const lines = [
      `# Playground: ${s.partitions} partition(s), ${s.records} record(s), ${s.keys ? s.keys + " key(s)" : "no key"}, ` +
        `${s.consumers} consumer(s) (${s.assignor}), commit ${s.commit === "auto" ? "automatically" : s.commit + " processing"}` +
        `${s.fault === "crash" ? ", the first consumer crashes" : ""}.`,
      "# On a real cluster: `import confluent_kafka as kafka`, create the topic with AdminClient,",
      "# and drop the cluster.* lines (they are the simulator's clock and fault injection).",
      "from pysim import kafka",
      "",
      'BOOTSTRAP = "localhost:9092"',
      "cluster = kafka.cluster(BOOTSTRAP)",
      `cluster.create_topic("orders", num_partitions=${s.partitions})`,
      "",
      'producer = kafka.Producer({"bootstrap.servers": BOOTSTRAP})',
      `for i in range(${s.records}):`,
      `    key = ${keyExpr}`,
      '    producer.produce("orders", key=key, value=f"{key or \'order\'}:{i}")',
      "    cluster.advance(5)                # one record every 5 ms of virtual time",
      "producer.flush()",
    ];
    if (s.consumers > 0) {
      lines.push(
        "",
        'conf = {"bootstrap.servers": BOOTSTRAP, "group.id": "playground", "auto.offset.reset": "earliest",',
        `        "partition.assignment.strategy": "${s.assignor}", "enable.auto.commit": ${s.commit === "auto" ? "True" : "False"}}`,
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
      if (s.fault === "crash") {
        lines.push(
          `    if round_ == 8 and consumers[0] is not None:`,
          "        cluster.crash(consumers[0])          # no LeaveGroup, no last commit",
          "        consumers[0] = None",
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

  // The lessons' measures, from the trace alone.
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
    return { load, split: TS.split(end), duplicates, refetched, lag: totalLag, gapMs: gap };
  }

  const api = { FIELDS, CHOICES, parse, query, script, measures };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.CoursePlaygroundModel = api;
})(typeof self !== "undefined" ? self : this);
