"""pysim.kafka.aio (confluent_kafka.aio's AIOProducer and AIOConsumer) on pysim's
virtual-time event loop (pysim.asyncio_loop): delivery, batching by size and by the buffer
timeout in virtual seconds, flush/purge/close, a consumer group with async callbacks, and
one trace digest per seed. No real threads: this file runs inside Pyodide too."""

import asyncio

import pytest

from pysim import kafka
from pysim.asyncio_loop import VirtualTimeDeadlock, VirtualTimeLoop, run
from pysim.course.harness import run_exercise
from pysim.kafka.aio import AIOConsumer, AIOProducer
from pysim.kafka.aio._common import CallbackAwaitedTheLoop
from pysim.kafka.aio._inline import InlineExecutor

CONF = {"bootstrap.servers": "localhost:9092"}


@pytest.fixture(autouse=True)
def fresh():
    kafka.reset_all(seed=0)
    yield
    kafka.reset_all(seed=0)


def now_ms():
    return kafka.cluster().now_ms


def log_values(topic, partition=0):
    return [r.value for r in kafka.cluster().records(topic, partition)]


# -- the virtual-time loop ----------------------------------------------------------------

def test_sleep_takes_virtual_seconds_on_the_clusters_clock():
    async def main():
        loop = asyncio.get_running_loop()
        start = loop.time()
        await asyncio.sleep(5)
        return start, loop.time(), now_ms()

    start, end, cluster_ms = run(main())
    assert (start, end, cluster_ms) == (0.0, 5.0, 5000)


def test_timers_fire_in_time_order_and_simulator_events_run_on_the_way():
    kafka.cluster().create_topic("t")
    woke = []

    async def sleeper(name, seconds):
        await asyncio.sleep(seconds)
        woke.append((name, now_ms()))

    async def main():
        await asyncio.gather(sleeper("late", 3), sleeper("early", 1), sleeper("middle", 2.5))

    run(main())
    assert woke == [("early", 1000), ("middle", 2500), ("late", 3000)]


def test_a_wait_nothing_can_end_is_a_deadlock_error_not_a_hang():
    async def main():
        await asyncio.get_running_loop().create_future()

    with pytest.raises(VirtualTimeDeadlock, match="nothing is scheduled"):
        run(main())


def test_the_loop_follows_the_cluster_after_a_reset():
    loop = VirtualTimeLoop()
    kafka.cluster().advance(700)
    assert loop.time() == 0.7
    kafka.reset_all(seed=0)
    assert loop.time() == 0.0
    loop.close()


# -- AIOProducer --------------------------------------------------------------------------

def test_default_executor_is_a_thread_pool_that_runs_calls_in_the_calling_thread():
    async def main():
        producer = AIOProducer(CONF, max_workers=3)
        executor = producer.executor
        await producer.close()
        return executor

    executor = run(main())
    assert isinstance(executor, InlineExecutor)
    assert executor._max_workers == 3 and executor._threads == set()


def test_a_full_batch_is_produced_at_once_and_the_rest_waits_in_the_buffer():
    kafka.cluster().create_topic("orders")

    async def main():
        producer = AIOProducer(CONF, batch_size=3, buffer_timeout=0)
        futures = [await producer.produce("orders", value=f"v{i}") for i in range(4)]
        state = [f.done() for f in futures], len(producer), log_values("orders")
        await producer.close()
        return state, [(await f).offset() for f in futures]

    (done, pending, logged), offsets = run(main())
    assert done == [True, True, True, False]
    assert pending == 1
    assert logged == [b"v0", b"v1", b"v2"]
    assert offsets == [0, 1, 2, 3]


def test_the_buffer_timeout_sends_a_lone_message_after_virtual_seconds():
    kafka.cluster().create_topic("t")

    async def main():
        producer = AIOProducer(CONF, batch_size=100, buffer_timeout=2.0)
        future = await producer.produce("t", value="lonely")
        await asyncio.sleep(1.5)
        early = (future.done(), log_values("t"))
        message = await future
        at = now_ms()
        await producer.close()
        return early, message.value(), at

    early, value, at = run(main())
    assert early == (False, [])
    assert value == b"lonely"
    # checks every timeout/2 = 1 s: at 1 s idle for 1 s, at 2 s idle for 2 s -> flush
    assert at == 2000


def test_order_per_key_is_kept_across_batches_and_partitions():
    kafka.cluster().create_topic("keyed", num_partitions=3)
    sent = [(f"k{i % 4}", f"{i}") for i in range(30)]

    async def main():
        async with AIOProducer(CONF, batch_size=7) as producer:
            futures = [await producer.produce("keyed", value=v, key=k) for k, v in sent]
            await producer.flush()
        return [await f for f in futures]

    delivered = run(main())
    assert all(m.error() is None for m in delivered)
    for key in {k for k, _ in sent}:
        partitions = {m.partition() for m in delivered if m.key() == key.encode()}
        assert len(partitions) == 1
        (partition,) = partitions
        in_log = [r.value.decode() for r in kafka.cluster().records("keyed", partition) if r.key == key.encode()]
        assert in_log == [v for k, v in sent if k == key]


def test_purge_cancels_buffered_messages_and_none_reaches_the_log():
    kafka.cluster().create_topic("t")

    async def main():
        producer = AIOProducer(CONF, batch_size=10, buffer_timeout=0)
        futures = [await producer.produce("t", value=str(i)) for i in range(3)]
        await producer.purge()
        await producer.close()
        return futures

    futures = run(main())
    assert all(f.cancelled() for f in futures)
    assert log_values("t") == []


def test_close_flushes_the_buffer_and_stops_the_timeout_task():
    kafka.cluster().create_topic("t")

    async def main():
        producer = AIOProducer(CONF, batch_size=10, buffer_timeout=5)
        futures = [await producer.produce("t", value=str(i)) for i in range(3)]
        await producer.close()
        task = producer._buffer_timeout_manager._timeout_task
        return futures, task, len(producer)

    futures, task, pending = run(main())
    assert [f.result().offset() for f in futures] == [0, 1, 2]
    assert log_values("t") == [b"0", b"1", b"2"]
    assert task is None or task.done()
    assert pending == 0


def test_headers_are_refused_as_upstream_refuses_them():
    async def main():
        async with AIOProducer(CONF) as producer:
            await producer.produce("t", value="x", headers={"h": b"1"})

    with pytest.raises(NotImplementedError, match="Headers are not supported in AIOProducer batch mode"):
        run(main())


def test_a_refused_message_fails_its_future_with_kafka_exception():
    kafka.cluster().create_topic("t", num_partitions=1)

    async def main():
        async with AIOProducer(CONF, batch_size=1) as producer:
            future = await producer.produce("t", value="x", partition=5)
            with pytest.raises(kafka.KafkaException) as caught:
                await future
            return caught.value.args[0]

    error = run(main())
    assert error.code() == kafka.KafkaError._UNKNOWN_PARTITION


# -- AIOConsumer --------------------------------------------------------------------------

def _produce(topic, n, partitions=1):
    kafka.cluster().create_topic(topic, num_partitions=partitions)
    p = kafka.Producer(CONF)
    for i in range(n):
        p.produce(topic, value=f"m{i}", key=f"k{i}")
    p.flush()


def test_a_group_of_two_consumes_everything_once_with_async_callbacks_and_commits():
    _produce("events", 12, partitions=4)
    assignments = {}

    def conf(name):
        return dict(CONF, **{"group.id": "g", "auto.offset.reset": "earliest", "client.id": name,
                             "enable.auto.commit": False})

    async def member(name, stop_at):
        consumer = AIOConsumer(conf(name))
        got = []

        async def on_assign(c, partitions):
            assert c is consumer
            assignments.setdefault(name, []).append(sorted(p.partition for p in partitions))
            await c.assign(partitions)

        await consumer.subscribe(["events"], on_assign=on_assign)
        while kafka.cluster().now_ms < stop_at:
            msg = await consumer.poll(0.5)
            if msg is not None and msg.error() is None:
                got.append(msg.value())
                await consumer.commit(message=msg, asynchronous=False)
        await consumer.close()
        return got

    async def main():
        return await asyncio.gather(member("a", 20_000), member("b", 20_000))

    got_a, got_b = run(main())
    assert sorted(got_a + got_b) == sorted(f"m{i}".encode() for i in range(12))
    assert assignments["a"] and assignments["b"]
    final = sorted(assignments["a"][-1] + assignments["b"][-1])
    assert final == [0, 1, 2, 3]
    commits = kafka.cluster().group_commits("g")
    assert sum(offset for offset in commits.values()) == 12


def test_a_callback_that_waits_on_the_loop_fails_clearly():
    _produce("t", 1)

    async def main():
        consumer = AIOConsumer(dict(CONF, **{"group.id": "g", "auto.offset.reset": "earliest"}))

        async def on_assign(c, partitions):
            await asyncio.sleep(1)

        await consumer.subscribe(["t"], on_assign=on_assign)
        try:
            for _ in range(20):
                await consumer.poll(1.0)
        finally:
            await consumer.close()

    with pytest.raises(CallbackAwaitedTheLoop, match="on_assign coroutine awaited"):
        run(main())


def test_max_workers_below_one_is_refused():
    async def main():
        AIOConsumer(dict(CONF, **{"group.id": "g"}), max_workers=0)

    with pytest.raises(ValueError, match="max_workers must be at least 1"):
        run(main())


# -- determinism and the harness ----------------------------------------------------------

def _async_scenario(seed):
    kafka.reset_all(seed=seed)
    kafka.cluster().create_topic("s", num_partitions=3)

    async def consume():
        consumer = AIOConsumer(dict(CONF, **{"group.id": "g", "auto.offset.reset": "earliest"}))
        await consumer.subscribe(["s"])
        seen = []
        while len(seen) < 20:
            msg = await consumer.poll(0.3)
            if msg is not None and msg.error() is None:
                seen.append((msg.partition(), msg.offset()))
        await consumer.close()
        return seen

    async def produce():
        async with AIOProducer(CONF, batch_size=4, buffer_timeout=0.7) as producer:
            for i in range(20):
                await producer.produce("s", value=str(i), key=f"k{i % 5}")
                await asyncio.sleep(0.25)

    async def main():
        seen, _ = await asyncio.gather(consume(), produce())
        return seen

    seen = run(main())
    return kafka.cluster().trace.digest(), seen, kafka.cluster().now_ms


def test_one_seed_gives_one_trace_digest():
    runs = {repr(_async_scenario(7)) for _ in range(3)}
    assert len(runs) == 1


HARNESS_CHECK = '''
def check_sent(run):
    """Three messages are in the topic."""
    assert len(run.cluster().records("t", 0)) == 3
'''

HARNESS_CODE = '''
import asyncio
from pysim import kafka
from pysim.kafka.aio import AIOProducer

async def main():
    loop = asyncio.get_running_loop()
    async with AIOProducer({"bootstrap.servers": "localhost:9092"}) as producer:
        for i in range(3):
            await producer.produce("t", value=str(i))
            await asyncio.sleep(10)
    print("virtual seconds:", loop.time())

asyncio.run(main())
'''


def test_the_harness_runs_asyncio_run_in_virtual_time():
    original = asyncio.run
    result = run_exercise(HARNESS_CODE, HARNESS_CHECK, seed=3)
    assert result["error"] is None, result["error"]
    assert result["passed"] is True
    assert result["stdout"] == "virtual seconds: 30.0\n"
    assert asyncio.run is original


def test_a_closed_consumer_refuses_calls_and_its_own_executor_is_shut_down():
    async def main():
        consumer = AIOConsumer(dict(CONF, **{"group.id": "g"}))
        default_workers = consumer.executor._max_workers
        cluster_id = await consumer.cluster_id()
        await consumer.close()
        with pytest.raises(RuntimeError, match="Consumer closed"):
            await consumer.poll(0.1)
        return default_workers, consumer.executor, cluster_id

    workers, executor, cluster_id = run(main())
    assert cluster_id == kafka.Producer(CONF).cluster_id()
    assert workers == 100                       # confluent-kafka 2.16.1's default
    assert executor._shutdown


def test_on_commit_and_stats_cb_coroutines_run_inside_poll():
    _produce("t", 1)
    calls = []

    async def on_commit(err, partitions):
        calls.append(("commit", err, [(tp.partition, tp.offset) for tp in partitions]))

    async def stats_cb(stats_json):
        calls.append(("stats", '"type": "consumer"' in stats_json or '"type":"consumer"' in stats_json))

    async def main():
        consumer = AIOConsumer(dict(CONF, **{"group.id": "g", "auto.offset.reset": "earliest",
                                             "enable.auto.commit": False, "on_commit": on_commit,
                                             "statistics.interval.ms": 5000, "stats_cb": stats_cb}))
        await consumer.subscribe(["t"])
        msg = None
        while msg is None:
            msg = await consumer.poll(1.0)
        await consumer.commit(message=msg)
        await consumer.poll(0.1)
        await asyncio.sleep(3)                  # past the 5 s statistics interval
        await consumer.poll(0.1)
        await consumer.close()

    run(main())
    assert calls == [("commit", None, [(0, 1)]), ("stats", True)]


def test_a_consumer_waiting_in_poll_does_not_hold_up_the_other_tasks():
    """Upstream runs poll()/consume() on a worker thread: while a consumer waits, the loop
    goes on, so a producer task that sleeps 0.1 s between records sends one every 0.1 s and
    the consumer gets each about when it is sent. pysim's in-thread poll must not freeze the
    other tasks for its whole timeout (it did: a record every 4 s)."""
    kafka.cluster().create_topic("t")
    kafka.cluster().group_initial_rebalance_delay_ms = 0

    async def main():
        loop = asyncio.get_running_loop()
        producer = AIOProducer(dict(CONF))
        consumer = AIOConsumer({**CONF, "group.id": "g", "auto.offset.reset": "earliest"})
        await consumer.subscribe(["t"])
        sent, got, batches = [], [], []

        async def produce():
            for i in range(10):
                await producer.produce("t", value=str(i).encode())
                await producer.flush()
                sent.append(loop.time())
                await asyncio.sleep(0.1)

        async def consume():
            while len(got) < 5:
                msg = await consumer.poll(1.0)
                if msg is not None and msg.error() is None:
                    got.append((msg.value(), loop.time()))
            while len(got) + sum(map(len, batches)) < 10:
                batches.append([m.value() for m in await consumer.consume(2, timeout=5.0)])

        await asyncio.gather(produce(), consume())
        await producer.close()
        await consumer.close()
        return sent, got, batches

    sent, got, batches = run(main())
    assert sent[-1] - sent[0] < 1.5, sent                      # ten records 0.1 s apart, not 4 s
    assert [v for v, _ in got] == [b"0", b"1", b"2", b"3", b"4"]
    assert all(at - sent[int(v)] < 0.1 for v, at in got), (sent, got)
    assert [v for b in batches for v in b] == [str(i).encode() for i in range(5, 10)]
    assert all(1 <= len(b) <= 2 for b in batches)


def test_idle_consumers_wait_their_timeouts_side_by_side_and_a_bad_timeout_is_refused():
    kafka.cluster().create_topic("t")

    async def idle(name, timeout):
        consumer = AIOConsumer({**CONF, "group.id": name})
        await consumer.assign([kafka.TopicPartition("t", 0, kafka.OFFSET_END)])
        start = now_ms()
        msg = await consumer.poll(timeout)
        batch = await consumer.consume(5, timeout=timeout)
        waited = now_ms() - start
        with pytest.raises(TypeError):
            await consumer.poll("soon")
        await consumer.close()
        return msg, batch, waited

    async def main():
        return await asyncio.gather(idle("a", 1.0), idle("b", 2.5))

    assert run(main()) == [(None, [], 2000), (None, [], 5000)]    # together: 5 s in all, not 7
    assert now_ms() == 5000
