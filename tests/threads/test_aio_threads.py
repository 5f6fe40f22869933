"""pysim.kafka.aio with real threads and a real-time loop, which Pyodide lacks (so this
file is not in tests/pysim, the suite that also runs inside Pyodide): a caller's own
ThreadPoolExecutor runs calls on worker threads under SIM_LOCK, and the clients work
under a plain asyncio loop as under pysim's virtual-time one."""

import asyncio
import concurrent.futures
import threading

import pytest

from pysim import kafka
from pysim.asyncio_loop import run
from pysim.kafka.aio import AIOConsumer, AIOProducer
from pysim.kafka.aio._inline import SIM_LOCK

CONF = {"bootstrap.servers": "localhost:9092"}


@pytest.fixture(autouse=True)
def fresh():
    kafka.reset_all(seed=0)
    yield
    kafka.reset_all(seed=0)


def finishes(fn, seconds=60):
    """fn() in a thread; its result, or a failure if it hangs (a deadlock must fail, not hang)."""
    box = {}

    def target():
        try:
            box["result"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s: deadlock"
    if "error" in box:
        raise box["error"]
    return box["result"]


def test_a_plain_asyncio_loop_runs_the_producer_on_the_wall_clock():
    kafka.cluster().create_topic("t")

    async def main():
        async with AIOProducer(CONF, batch_size=2, buffer_timeout=0.2) as producer:
            futures = [await producer.produce("t", value=str(i)) for i in range(3)]
            return [(await f).offset() for f in futures]   # the third: by the buffer timeout

    assert finishes(lambda: asyncio.run(main())) == [0, 1, 2]


def test_a_callers_thread_pool_runs_concurrent_batches_without_corrupting_the_simulator():
    kafka.cluster().create_topic("t", num_partitions=2)
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=4)

    async def main():
        producer = AIOProducer(CONF, executor=pool, batch_size=1)
        tasks = [asyncio.create_task(producer.produce("t", value=str(i), key=f"k{i % 3}")) for i in range(40)]
        futures = await asyncio.gather(*tasks)
        await producer.close()
        return [await f for f in futures]

    delivered = finishes(lambda: run(main()))
    assert pool._shutdown                       # close() shuts the executor down, as upstream does
    assert all(m.error() is None for m in delivered)
    for partition in (0, 1):
        offsets = sorted(m.offset() for m in delivered if m.partition() == partition)
        assert offsets == list(range(len(offsets)))
        assert len(kafka.cluster().records("t", partition)) == len(offsets)
    assert len(delivered) == 40
    assert SIM_LOCK._owner is None


def test_a_rebalance_callback_may_call_the_consumer_again_from_a_worker_thread():
    kafka.cluster().create_topic("t")
    p = kafka.Producer(CONF)
    p.produce("t", value="hello")
    p.flush()
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=2)
    seen = []
    loop_thread = None

    async def main():
        nonlocal loop_thread
        loop_thread = threading.get_ident()
        consumer = AIOConsumer(dict(CONF, **{"group.id": "g", "auto.offset.reset": "earliest"}), executor=pool)

        async def on_assign(c, partitions):
            seen.append(threading.get_ident() == loop_thread)
            await c.assign(partitions)                     # back into the executor, re-entrantly

        await consumer.subscribe(["t"], on_assign=on_assign)
        msg = None
        while msg is None:
            msg = await consumer.poll(1.0)
        await consumer.close()
        return msg.value()

    try:
        assert finishes(lambda: run(main())) == b"hello"
    finally:
        pool.shutdown()
    assert seen == [True]               # the coroutine ran on the loop's thread, as upstream's do
