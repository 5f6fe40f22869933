"""Hidden setup and checks for 03-share-group-work-queue.

setup() puts 36 image-resize jobs on "thumbnails" (2 partitions, each job its own produce
batch), configures the share group "resize-share" with share.auto.offset.reset=earliest (as
an operator would with kafka-configs; the default, latest, would skip the waiting jobs) and
installs the module ``farm`` (in sys.modules, so the learner's ``import farm`` finds it).

``farm.run(...)`` starts 6 workers for each group and runs them side by side in virtual
time for 90 s. A worker is a process with one consumer: each time it is free the farm calls
its ``turn(consumer)``; every ``farm.run_job(msg)`` in that turn keeps the worker busy for
2 s (its next turn comes when its jobs are done), a turn that ran no job is an idle poll
(next turn 500 ms later). So a share consumer's acknowledgements of a turn reach the broker
with its next poll, when the jobs are really done, as they would in a real process. (A
commit_sync() / commit_async() inside a turn sends them when the turn starts: the farm runs a
turn's jobs back to back and moves the clock when the turn ends.)
Jobs 7 and 22 are poison (a corrupt image: every attempt fails with ValueError); jobs 12 and
29 fail their first attempt in each group (TimeoutError: the storage was slow) and go
through the next time. Every attempt is a ``job.run`` trace event (worker, group kind,
partition, offset, attempt, start and end time, error; ``group_kind`` says which group), so the checks read the jobs and the
broker's share.* events from one ordered trace.
"""

import heapq
import sys
import types
from collections import Counter, defaultdict

from pysim import kafka

BOOT = "localhost:9092"
TOPIC = "thumbnails"
PARTITIONS = 2
JOBS = 36
JOB_MS = 2_000
IDLE_MS = 500
STOP_MS = 90_000
WORKERS = 6
CG, SG = "consumer group", "share group"
SHARE_GROUP = "resize-share"
POISON = {7, 22}
TRANSIENT = {12, 29}
LIMIT = 5                                   # group.share.delivery.count.limit


class Stopped(SystemExit):
    """The farm stops at 90 s of virtual time: raised by run_job() into a turn that would
    start a job after that. A SystemExit so an ``except Exception`` around run_job() does not
    swallow it."""


def _job_no(msg):
    return int(msg.value().decode().split()[0][4:])


class _Farm:
    def __init__(self, cluster):
        self.cluster = cluster
        self.current = None                 # the worker whose turn it is
        self.attempts = Counter()

    def run_job(self, msg):
        """Resize one image: 2 s of this worker's time. Raises ValueError for a corrupt image
        (it never works) and TimeoutError when the storage was slow (a later attempt works)."""
        w = self.current
        if w is None:
            raise RuntimeError("farm.run_job(msg) runs inside a worker's turn: call it from your turn function")
        if not isinstance(msg, kafka.Message) or msg.error() is not None or msg.topic() != TOPIC:
            raise TypeError("farm.run_job() takes a job: a Message from \"thumbnails\" (check msg.error() first)")
        start = self.cluster.now_ms + w["busy"]
        if start >= STOP_MS:
            raise Stopped("the farm stopped at 90 s of virtual time")
        w["busy"] += JOB_MS
        n = _job_no(msg)
        key = (w["kind"], msg.partition(), msg.offset())
        self.attempts[key] += 1
        error = None
        if n in POISON:
            error = ValueError(f"corrupt image in job-{n:02d}")
        elif n in TRANSIENT and self.attempts[key] == 1:
            error = TimeoutError(f"storage too slow for job-{n:02d}")
        self.cluster.trace.record("job.run", w["name"], group_kind=w["kind"], partition=msg.partition(),
                                  offset=msg.offset(), job=n, attempt=self.attempts[key], start_ms=start,
                                  end_ms=start + JOB_MS,
                                  error=None if error is None else f"{type(error).__name__}: {error}")
        if error is not None:
            raise error

    def run(self, consumer_group, share_group, workers=WORKERS):
        """Run ``workers`` workers per group side by side for 90 s of virtual time. Each group
        is a pair (make, turn): ``make()`` returns a subscribed consumer, ``turn(consumer)``
        handles what one poll brings."""
        pairs = [(CG, "cg", consumer_group), (SG, "sg", share_group)]
        for kind, _, pair in pairs:
            if not (isinstance(pair, tuple) and len(pair) == 2 and all(callable(f) for f in pair)):
                raise TypeError(f"farm.run: {kind.replace(' ', '_')}=(make, turn), two functions")
        heap, pool, seq = [], [], 0
        for i in range(workers):
            for kind, prefix, (make, turn) in pairs:
                w = {"name": f"{prefix}-{i + 1}", "kind": kind, "turn": turn, "busy": 0}
                self.current = w
                try:
                    w["consumer"] = make()
                finally:
                    self.current = None
                pool.append(w)
                heapq.heappush(heap, (0, seq, w["name"]))
                seq += 1
        by_name = {w["name"]: w for w in pool}
        c = self.cluster
        while heap:
            due, _, name = heapq.heappop(heap)
            if due >= STOP_MS:
                break
            if due > c.now_ms:
                c.advance(due - c.now_ms)
            w = by_name[name]
            w["busy"] = 0
            self.current = w
            try:
                w["turn"](w["consumer"])
            except Stopped:
                pass
            finally:
                self.current = None
            heapq.heappush(heap, (c.now_ms + (w["busy"] or IDLE_MS), seq, name))
            seq += 1
        c.advance(max(0, STOP_MS - c.now_ms))
        for w in pool:
            close = getattr(w["consumer"], "close", None)
            if close is not None:
                close()
        self._report()

    def _report(self):
        runs = [e for e in self.cluster.trace if e.kind == "job.run"]
        for kind in (CG, SG):
            mine = [e for e in runs if e.data["group_kind"] == kind]
            busy = len({e.actor for e in mine})
            done = {e.data["job"] for e in mine if e.data["error"] is None}
            last = max((e.data["end_ms"] for e in mine if e.data["error"] is None), default=0)
            print(f"{kind:15} {busy} of {WORKERS} workers ran jobs, {len(done):2} of {JOBS} jobs done, "
                  f"last at {last / 1000:.1f} s")


def setup():
    cluster = kafka.cluster(BOOT)
    cluster.create_topic(TOPIC, num_partitions=PARTITIONS)
    cluster.share_groups.set_config(SHARE_GROUP, {"share.auto.offset.reset": "earliest"})
    producer = kafka.Producer({"bootstrap.servers": BOOT})
    for n in range(1, JOBS + 1):
        producer.produce(TOPIC, key=f"img-{n:02d}", value=f"job-{n:02d} resize img-{n:02d}.jpg 320x240",
                         partition=n % PARTITIONS)
        producer.flush()                    # one job, one batch: the broker hands jobs out one by one
    farm = _Farm(cluster)
    module = types.ModuleType("farm", "The render farm (hidden setup of this exercise).")
    module.run_job, module.run, module.Stopped = farm.run_job, farm.run, Stopped
    sys.modules["farm"] = module


# -- reading the run ----------------------------------------------------------------------------
def _runs(run, kind):
    return [e for e in run.cluster().trace if e.kind == "job.run" and e.data["group_kind"] == kind]


def _share_groups(run):
    """{group: [member ids]} of every share group the run had."""
    groups = defaultdict(list)
    for e in run.cluster().trace:
        if e.kind == "share.member.join":
            groups[e.data["group"]].append(e.actor)
    return groups


def _share_events(run, kind):
    return [e for e in run.cluster().trace if e.kind == kind and e.data.get("group") == SHARE_GROUP
            and e.data.get("topic") == TOPIC]


def _job_at(run):
    cluster = run.cluster()
    return {(p, r.offset): int(r.value.decode().split()[0][4:]) for p in range(PARTITIONS)
            for r in cluster.records(TOPIC, p)}


def check_share_group(run):
    """The second group is a share group: resize-share, with 6 members reading "thumbnails"."""
    groups = _share_groups(run)
    if SHARE_GROUP not in groups:
        if groups:
            name = sorted(groups)[0]
            raise AssertionError(
                f"Your workers joined the share group {name!r}, but the jobs wait for {SHARE_GROUP!r}: only that "
                "group is configured with share.auto.offset.reset=earliest. A new share group starts at the end "
                "of each partition (the default, latest) and never sees the 36 jobs already queued.")
        raise AssertionError(
            f"There is no share group: share_group_worker() must return a kafka.ShareConsumer with group.id "
            f"{SHARE_GROUP!r}, subscribed to \"{TOPIC}\". A kafka.Consumer joins a consumer group, whose "
            "partitions go to one member each.")
    members = set(groups[SHARE_GROUP])
    assert len(members) >= WORKERS, (f"{SHARE_GROUP} had {len(members)} member(s); each of the {WORKERS} workers "
                                     "needs its own ShareConsumer (share_group_worker() is called once per worker).")


def check_all_workers_busy(run):
    """All 6 share-group workers ran jobs (in the consumer group, 2 partitions keep 4 of 6 idle)."""
    check_share_group(run)
    busy = Counter(e.actor for e in _runs(run, SG))
    idle = [f"sg-{i}" for i in range(1, WORKERS + 1) if not busy[f"sg-{i}"]]
    held = Counter(e.actor for e in _share_events(run, "share.acquire"))
    if idle:
        biggest = max(held.values(), default=0)
        hint = (f" One poll acquired up to {biggest} jobs for a single worker (max.poll.records is 500 by "
                "default), so the jobs were locked away from the others: take one job per poll "
                "(\"max.poll.records\": 1) when each job is slow." if biggest > 1 else "")
        raise AssertionError(f"{len(idle)} of the {WORKERS} share-group workers ({', '.join(idle)}) never ran a "
                             f"job.{hint}")


def check_each_job_done_once(run):
    """No job was done twice by the share group: each ran under its acquisition lock and was acknowledged in time."""
    check_share_group(run)
    done = defaultdict(list)
    for e in _runs(run, SG):
        if e.data["error"] is None:
            done[(e.data["partition"], e.data["offset"])].append(e)
    for key, events in sorted(done.items()):
        if len(events) > 1:
            first, second = events[0], events[1]
            raise AssertionError(
                f"job-{first.data['job']:02d} was done twice: by {first.actor} (finished at "
                f"{first.data['end_ms'] / 1000:.0f} s) and again by {second.actor} (started at "
                f"{second.data['start_ms'] / 1000:.0f} s). A record is locked for its member for 30 s "
                "(group.share.record.lock.duration.ms); a worker that acquired a big batch was still busy "
                "when the lock ran out, so the broker gave the job to another worker, and the late "
                "acknowledgement was refused. Take one job per poll (\"max.poll.records\": 1).")


def check_every_good_job_done(run):
    """Every good job was done by the share group, the two that failed once too (released, then redelivered)."""
    check_share_group(run)
    where = _job_at(run)
    done = {e.data["job"] for e in _runs(run, SG) if e.data["error"] is None}
    accepted = {where[(e.data["partition"], e.data["offset"])] for e in _share_events(run, "share.accept")}
    archived = {where[(e.data["partition"], e.data["offset"])]: e.data["reason"]
                for e in _share_events(run, "share.archive")}
    for n in range(1, JOBS + 1):
        if n in POISON or n in done:
            continue
        name = f"job-{n:02d}"
        if n in TRANSIENT:
            if n in accepted:
                raise AssertionError(
                    f"{name} failed once (TimeoutError) and was then ACCEPTED, so the broker never delivered it "
                    "again: in implicit mode every record of a batch is accepted at the next poll, failed or "
                    "not. Use \"share.acknowledgement.mode\": \"explicit\" and acknowledge a failed job with "
                    "AcknowledgeType.RELEASE: the broker delivers it again.")
            if n in archived:
                raise AssertionError(
                    f"{name} failed once (TimeoutError: the storage was slow) and was archived "
                    f"({archived[n]}), so it was never done. REJECT is for jobs that can never work; release "
                    "a job that may work next time (AcknowledgeType.RELEASE).")
        raise AssertionError(f"{name} was never done by the share group: every job must go through "
                             "farm.run_job(msg) in share_group_turn().")


def check_poison_archived(run):
    """Each poison job ended archived by the broker, after at most 5 deliveries, never accepted."""
    check_share_group(run)
    where = _job_at(run)
    delivered = Counter(where[(e.data["partition"], e.data["offset"])] for e in _share_events(run, "share.acquire"))
    accepted = {where[(e.data["partition"], e.data["offset"])] for e in _share_events(run, "share.accept")}
    archived = {where[(e.data["partition"], e.data["offset"])] for e in _share_events(run, "share.archive")}
    for n in sorted(POISON):
        name = f"job-{n:02d}"
        assert n not in accepted, (
            f"{name} is a corrupt image (ValueError at every attempt) but was ACCEPTED: the queue now says it "
            "was done. Acknowledge a failed job with RELEASE (the broker archives it after "
            f"{LIMIT} deliveries) or REJECT (archived at once), never ACCEPT; implicit mode accepts everything.")
        assert n in archived, (
            f"{name} (poison) is not archived: it was delivered {delivered[n]} time(s) and is still in flight. "
            "Acknowledge a failure at once (RELEASE or REJECT) instead of letting its lock run out "
            "(30 s per delivery).")
        assert delivered[n] <= LIMIT


def check_drained_sooner(run):
    """The share group finished the queue sooner than the consumer group, with the same 6 workers."""
    check_share_group(run)
    share_runs = [e for e in _runs(run, SG) if e.data["error"] is None]
    assert len({e.data["job"] for e in share_runs}) == JOBS - len(POISON), (
        "The share group did not get every good job done within 90 s (see the checks above).")
    share = max(e.data["end_ms"] for e in share_runs)
    classic = max((e.data["end_ms"] for e in _runs(run, CG)), default=None)
    assert classic is None or share < classic, (
        f"The share group finished at {share / 1000:.1f} s, not sooner than the consumer group "
        f"({classic / 1000:.1f} s) with the same workers: its jobs should be spread over all 6.")
