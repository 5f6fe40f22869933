"""pysim.kafka.aio has confluent_kafka.aio's surface (the installed client, 2.16.1): the same
classes in the same modules, the same public and internal method names, the same parameters
(names, kinds, defaults), and coroutines where upstream has coroutines, so that learner code
and upstream's unit tests find what they look for."""

import importlib
import inspect

import pytest

pytestmark = pytest.mark.parity

CLASSES = [
    ("aio", "AIOProducer"),
    ("aio", "AIOConsumer"),
    ("aio._AIOConsumer", "AIOConsumer"),
    ("aio.producer._AIOProducer", "AIOProducer"),
    ("aio.producer._buffer_timeout_manager", "BufferTimeoutManager"),
    ("aio.producer._kafka_batch_executor", "ProducerBatchExecutor"),
    ("aio.producer._producer_batch_processor", "ProducerBatchManager"),
    ("aio.producer._message_batch", "MessageBatch"),
]


def _pair(module, name):
    real = getattr(importlib.import_module(f"confluent_kafka.{module}"), name)
    sim = getattr(importlib.import_module(f"pysim.kafka.{module}"), name)
    return real, sim


def _params(fn):
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("module,name", CLASSES, ids=[f"{m}.{n}" for m, n in CLASSES])
def test_same_methods_parameters_and_coroutines(module, name):
    real, sim = _pair(module, name)
    dunders = ("__init__", "__aenter__", "__aexit__", "__len__")
    names = sorted(n for n in dir(real) if not n.startswith("__") or (n in dunders and n in real.__dict__))
    missing = [n for n in names if not hasattr(sim, n)]
    extra = sorted(n for n in dir(sim) if not n.startswith("__") and not hasattr(real, n))
    assert (missing, extra) == ([], [])
    for n in names:
        a, b = getattr(real, n), getattr(sim, n)
        if not callable(a) or isinstance(a, type):
            continue
        assert _params(a) == _params(b), n
        assert inspect.iscoroutinefunction(a) == inspect.iscoroutinefunction(b), n


def test_module_functions_agree():
    for module, fn in [("aio._common", "wrap_callback"), ("aio._common", "wrap_conf_callback"),
                       ("aio._common", "wrap_conf_logger"), ("aio._common", "wrap_common_callbacks"),
                       ("aio._common", "async_call"), ("aio.producer._message_batch", "create_message_batch")]:
        real, sim = _pair(module, fn)
        assert _params(real) == _params(sim), fn
        assert inspect.iscoroutinefunction(real) == inspect.iscoroutinefunction(sim), fn
