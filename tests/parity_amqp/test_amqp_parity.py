"""The same pika scripts against a real RabbitMQ 3.10 (through pika) and against
pysim.amqp: where every message ends up and what every error says must agree."""

import pytest

from amqp_parity_scripts import SCRIPTS

pytestmark = pytest.mark.rabbitmq


@pytest.fixture
def pysim_side():
    from pysim import amqp
    amqp.reset_all(seed=0)
    return amqp, amqp.ConnectionParameters("parity-rabbit", 5672)


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_same_outcome(name, rabbitmq, pysim_side):
    import pika
    script = SCRIPTS[name]
    prefix = f"parity-{name}-"
    real = script(pika, rabbitmq.parameters(), prefix)
    amqp, params = pysim_side
    simulated = script(amqp, params, prefix)
    if real != simulated:
        diffs = {k: {"rabbitmq": real.get(k), "pysim": simulated.get(k)}
                 for k in sorted(set(real) | set(simulated)) if real.get(k) != simulated.get(k)}
        pytest.fail(f"{name}: pysim differs from RabbitMQ in {sorted(diffs)}:\n" +
                    "\n".join(f"  {k}:\n    rabbitmq: {v['rabbitmq']!r}\n    pysim:    {v['pysim']!r}"
                              for k, v in diffs.items()))
