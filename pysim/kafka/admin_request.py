"""What every admin call shares: its futures and the checks of its keyword options, with
the binding's exception types and wording."""

import concurrent.futures

from pysim.kafka.errors import KafkaException

# -- futures ---------------------------------------------------------------------------------
# Results are concurrent.futures.Future, as confluent-kafka's, so as_completed(), wait() and
# add_done_callback() work. They are finished before they are handed out: nothing may block
# on a thread (Pyodide has none), and the simulated broker has answered by then.
Future = concurrent.futures.Future


def _resolved(result=None, error=None):
    f = Future()
    if error is not None:
        f.set_exception(error if isinstance(error, Exception) else KafkaException(error))
    else:
        f.set_result(result)
    return f


def _type_name(value):
    return type(value).__name__


def _as_int(value):
    if isinstance(value, bool):
        return int(value)
    if not isinstance(value, int):
        raise TypeError(f"'{_type_name(value)}' object cannot be interpreted as an integer")
    return value


def _number(name, value):
    """A timeout in seconds: the binding wants a real number within librdkafka's 0..3600 s."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"must be real number, not {_type_name(value)}")
    if not 0 <= value * 1000 <= 3600000:
        raise ValueError(f'Invalid value type for "{name}": expecting integer in range 0..3600000')


def _boolean(name, value):
    if not isinstance(value, bool):
        raise TypeError(f"Expected {name} to be bool type, not {_type_name(value)}")


def _any(name, value):
    pass


def _options(kwargs, **allowed):
    for name in kwargs:
        if name not in allowed:
            raise TypeError(f"'{name}' is an invalid keyword argument for this function")
        allowed[name](name, kwargs[name])
    return kwargs


def _enum_set(values, enum, name):
    if values is None:
        return set()
    if not isinstance(values, set):
        raise TypeError(f"'{name}' must be a set")
    for v in values:
        if not isinstance(v, enum):
            raise TypeError(f"All elements of {name} must be of type {enum.__name__}")
    return values


def _counts(items):
    counts = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return counts
