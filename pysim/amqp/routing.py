"""Exchange routing: which queues a routing key (and headers) reach.

Rules as RabbitMQ implements them (rabbit_exchange_type_*):
- direct: the binding key equals the routing key.
- fanout: every binding.
- topic: keys are words separated by '.'; ``*`` matches exactly one word, ``#`` zero or
  more. Words may be empty (``a..c`` has three words, the middle one empty, so ``a.*.c``
  matches it), but the empty key ``""`` has zero words: ``#`` and ``""`` match it, ``*``
  does not.
- headers: ``x-match`` = all (default) / any, and all-with-x / any-with-x (which also
  compare ``x-`` keys); a binding value of None only asks that the header exists.
The result is a set of queue names; the exchange returns each queue once however many of
its bindings match.
"""

EXCHANGE_TYPES = ("direct", "fanout", "topic", "headers")


def topic_words(key):
    return key.split(".") if key else []


def topic_matches(binding_key, routing_key):
    return _match(topic_words(binding_key), 0, topic_words(routing_key), 0, {})


def _match(pattern, i, words, j, memo):
    found = memo.get((i, j))
    if found is not None:
        return found
    if i == len(pattern):
        result = j == len(words)
    elif pattern[i] == "#":
        # '#' swallows zero words, or one more word and stays
        result = _match(pattern, i + 1, words, j, memo) or (
            j < len(words) and _match(pattern, i, words, j + 1, memo))
    elif j < len(words) and (pattern[i] == "*" or pattern[i] == words[j]):
        result = _match(pattern, i + 1, words, j + 1, memo)
    else:
        result = False
    memo[(i, j)] = result
    return result


def headers_match(binding_args, headers):
    args = binding_args or {}
    headers = headers or {}
    mode = args.get("x-match", "all")
    with_x = mode in ("all-with-x", "any-with-x")
    pairs = [(k, v) for k, v in args.items()
             if k != "x-match" and (with_x or not k.startswith("x-"))]
    def ok(k, v):
        return k in headers and (v is None or headers[k] == v)
    if mode in ("any", "any-with-x"):
        return any(ok(k, v) for k, v in pairs)
    return all(ok(k, v) for k, v in pairs)


class Binding:
    __slots__ = ("queue", "routing_key", "arguments")

    def __init__(self, queue, routing_key, arguments):
        self.queue, self.routing_key, self.arguments = queue, routing_key, arguments or {}

    def identity(self):
        return (self.queue, self.routing_key, _freeze(self.arguments))


def _freeze(value):
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


class Exchange:
    """A declared exchange and its bindings (in binding order)."""

    def __init__(self, name, type, durable=False, auto_delete=False, internal=False,
                 arguments=None):
        self.name, self.type = name, type
        self.durable, self.auto_delete, self.internal = durable, auto_delete, internal
        self.arguments = dict(arguments or {})
        self.bindings = []
        self.exchange_bindings = []   # exchange-to-exchange bindings from this (source) exchange
        self._direct = {}   # routing key -> queue names, for direct exchanges (the hot path)
        self._topic_cache = {}

    @property
    def alternate_exchange(self):
        return self.arguments.get("alternate-exchange")

    def bind(self, queue, routing_key, arguments):
        binding = Binding(queue, routing_key, arguments)
        if any(b.identity() == binding.identity() for b in self.bindings):
            return False
        self.bindings.append(binding)
        self._changed()
        return True

    def unbind(self, queue, routing_key, arguments):
        target = Binding(queue, routing_key, arguments).identity()
        before = len(self.bindings)
        self.bindings = [b for b in self.bindings if b.identity() != target]
        self._changed()
        return len(self.bindings) != before

    def unbind_queue(self, queue):
        before = len(self.bindings)
        self.bindings = [b for b in self.bindings if b.queue != queue]
        self._changed()
        return len(self.bindings) != before

    def bind_exchange(self, destination, routing_key, arguments):
        binding = Binding(destination, routing_key, arguments)
        if any(b.identity() == binding.identity() for b in self.exchange_bindings):
            return False
        self.exchange_bindings.append(binding)
        return True

    def unbind_exchange(self, destination, routing_key, arguments):
        target = Binding(destination, routing_key, arguments).identity()
        before = len(self.exchange_bindings)
        self.exchange_bindings = [b for b in self.exchange_bindings if b.identity() != target]
        return len(self.exchange_bindings) != before

    def unbind_destination_exchange(self, destination):
        before = len(self.exchange_bindings)
        self.exchange_bindings = [b for b in self.exchange_bindings if b.queue != destination]
        return len(self.exchange_bindings) != before

    @property
    def has_bindings(self):
        return bool(self.bindings or self.exchange_bindings)

    def route_exchanges(self, routing_key, headers):
        """Destination exchanges whose binding matches (exchange-to-exchange bindings)."""
        return _unique([b.queue for b in self.exchange_bindings if self._matches(b, routing_key, headers)])

    def _matches(self, binding, routing_key, headers):
        kind = self.type
        if kind == "direct":
            return binding.routing_key == routing_key
        if kind == "fanout":
            return True
        if kind == "topic":
            return topic_matches(binding.routing_key, routing_key)
        return headers_match(binding.arguments, headers)

    def _changed(self):
        self._direct = {}
        for b in self.bindings:
            self._direct.setdefault(b.routing_key, []).append(b.queue)
        self._topic_cache = {}

    def route(self, routing_key, headers):
        """Queue names this exchange delivers to, each once, in binding order."""
        kind = self.type
        if kind == "direct":
            names = self._direct.get(routing_key, ())
        elif kind == "fanout":
            names = [b.queue for b in self.bindings]
        elif kind == "topic":
            cached = self._topic_cache.get(routing_key)
            if cached is not None:
                return cached
            names = [b.queue for b in self.bindings if topic_matches(b.routing_key, routing_key)]
            out = _unique(names)
            if len(self._topic_cache) < 4096:
                self._topic_cache[routing_key] = out
            return out
        else:
            names = [b.queue for b in self.bindings if headers_match(b.arguments, headers)]
        return _unique(names)


def _unique(names):
    seen, out = set(), []
    for name in names:
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out
