"""A virtual host: its exchanges, queues and bindings, and what publishing and
dead-lettering do with them. Every mistake a client can make here raises BrokerError with
RabbitMQ's reply code and text; the channel turns it into pika's exception."""

from pysim.amqp import arguments as args_rules
from pysim.amqp.dead_letter import dead_lettered, is_cycle
from pysim.amqp.errors import (ACCESS_REFUSED, COMMAND_INVALID, RESOURCE_LOCKED, BrokerError, fail,
                               not_found, precondition)
from pysim.amqp.message import Message
from pysim.amqp.priority import PriorityQueue
from pysim.amqp.queue import Queue
from pysim.amqp.quorum import QuorumQueue
from pysim.amqp.routing import EXCHANGE_TYPES, Exchange
from pysim.amqp.stream import StreamQueue

QUEUE_CLASSES = {"classic": Queue, "quorum": QuorumQueue, "stream": StreamQueue}
# Declared in every vhost by RabbitMQ itself.
PREDECLARED = (("", "direct"), ("amq.direct", "direct"), ("amq.fanout", "fanout"),
               ("amq.topic", "topic"), ("amq.headers", "headers"), ("amq.match", "headers"))


_NOBODY = object()   # stands for "no connection may claim this queue" in _check_owner


class VHost:
    def __init__(self, broker, name):
        self.broker, self.name = broker, name
        self.exchanges = {}
        self.queues = {}
        for ex_name, ex_type in PREDECLARED:
            self.exchanges[ex_name] = Exchange(ex_name, ex_type, durable=True)

    # -- exchanges -------------------------------------------------------------------------
    def exchange(self, name):
        found = self.exchanges.get(name)
        if found is None:
            not_found("exchange", name, self.name)
        return found

    def declare_exchange(self, name, type, passive, durable, auto_delete, internal, arguments):
        if passive:
            return self.exchange(name)
        if type not in EXCHANGE_TYPES:
            fail(COMMAND_INVALID, f"unknown exchange type '{type}'")
        existing = self.exchanges.get(name)
        if existing is not None:
            args_rules.check_exchange_equivalent(existing, self.name, type, durable, auto_delete,
                                                 internal, arguments)
            return existing
        if name.startswith("amq."):
            fail(ACCESS_REFUSED, f"exchange name '{name}' contains reserved prefix 'amq.*'")
        exchange = Exchange(name, type, durable, auto_delete, internal, arguments)
        self.exchanges[name] = exchange
        self.broker.record("amqp.exchange.declare", name, type=type)
        return exchange

    def delete_exchange(self, name, if_unused=False):
        if name == "" or name.startswith("amq."):
            fail(ACCESS_REFUSED, f"operation not permitted on the default exchange" if name == ""
                 else f"exchange name '{name}' contains reserved prefix 'amq.*'")
        exchange = self.exchanges.get(name)
        if exchange is None:
            return                   # deleting a missing exchange succeeds (3.x)
        if if_unused and (exchange.has_bindings or any(
                b.queue == name for e in self.exchanges.values() for b in e.exchange_bindings)):
            precondition(f"exchange '{name}' in vhost '{self.name}' in use")
        del self.exchanges[name]
        for other in list(self.exchanges.values()):
            if other.unbind_destination_exchange(name):
                self._maybe_auto_delete(other)
        self.broker.record("amqp.exchange.delete", name)

    # -- queues ----------------------------------------------------------------------------
    def queue(self, name, connection=None):
        found = self.queues.get(name)
        if found is None:
            not_found("queue", name, self.name)
        self._check_owner(found, connection)
        return found

    def _check_owner(self, queue, connection):
        if connection is _NOBODY or queue.exclusive_owner is not None and queue.exclusive_owner is not connection:
            fail(RESOURCE_LOCKED,
                 f"cannot obtain exclusive access to locked queue '{queue.name}' in vhost "
                 f"'{self.name}'. It could be originally declared on another connection or the "
                 f"exclusive property value does not match that of the original declaration.")

    def declare_queue(self, name, passive, durable, exclusive, auto_delete, arguments, connection):
        if passive:
            queue = self.queue(name, connection)
            queue.touch()
            return queue
        if name == "":
            name = self.broker.generated_queue_name()
        elif name.startswith("amq."):
            fail(ACCESS_REFUSED, f"queue name '{name}' contains reserved prefix 'amq.*'")
        existing = self.queues.get(name)
        if existing is not None:
            self._check_owner(existing, connection)
            if bool(exclusive) != (existing.exclusive_owner is not None):   # the flag must match too
                self._check_owner(existing, _NOBODY)
            args_rules.check_queue_equivalent(existing, self.name, durable, auto_delete, arguments)
            existing.touch()
            return existing
        kind = args_rules.validate_queue(name, self.name, durable, exclusive, auto_delete, arguments)
        owner = connection if exclusive else None
        cls = PriorityQueue if kind == "classic" and (arguments or {}).get("x-max-priority") else QUEUE_CLASSES[kind]
        queue = cls(self, name, durable, owner, auto_delete, arguments)
        self.queues[name] = queue
        self.exchanges[""].bind(name, name, None)    # the default exchange's implicit binding
        # what decides where its messages go when they leave unacked (only those set)
        shape = {"dlx": queue.dlx, "dlrk": queue.dlrk, "ttl": queue.ttl, "max_length": queue.max_length}
        self.broker.record("amqp.queue.declare", name, type=kind,
                           **{k: v for k, v in shape.items() if v is not None})
        return queue

    def delete_queue(self, name, if_unused=False, if_empty=False, connection=None, reason="delete"):
        queue = self.queues.get(name)
        if queue is None:
            return 0
        self._check_owner(queue, connection) if connection is not None else None
        if if_unused and queue.consumers:
            precondition(f"queue '{name}' in vhost '{self.name}' in use")
        if if_empty and queue.message_count:
            precondition(f"queue '{name}' in vhost '{self.name}' not empty")
        count = queue.message_count
        del self.queues[name]
        for exchange in list(self.exchanges.values()):
            if exchange.unbind_queue(name):
                self._maybe_auto_delete(exchange)
        queue.on_delete()
        for consumer in list(queue.consumers):
            consumer.channel.consumer_cancelled_by_broker(consumer)
        self.broker.record("amqp.queue.delete", name, reason=reason, messages=count)
        return count

    def _maybe_auto_delete(self, exchange):
        if exchange.auto_delete and not exchange.has_bindings and exchange.name in self.exchanges:
            del self.exchanges[exchange.name]
            self.broker.record("amqp.exchange.delete", exchange.name, reason="auto_delete")

    # -- bindings --------------------------------------------------------------------------
    def bind(self, queue_name, exchange_name, routing_key, arguments, connection):
        if exchange_name == "":
            fail(ACCESS_REFUSED, "operation not permitted on the default exchange")
        queue = self.queue(queue_name, connection)
        exchange = self.exchange(exchange_name)
        if exchange.bind(queue.name, routing_key, arguments):
            self.broker.record("amqp.bind", exchange_name, queue=queue.name, routing_key=routing_key)

    def unbind(self, queue_name, exchange_name, routing_key, arguments, connection):
        if exchange_name == "":
            fail(ACCESS_REFUSED, "operation not permitted on the default exchange")
        queue = self.queue(queue_name, connection)
        exchange = self.exchange(exchange_name)
        if exchange.unbind(queue.name, routing_key, arguments):
            self.broker.record("amqp.unbind", exchange_name, queue=queue.name, routing_key=routing_key)
            self._maybe_auto_delete(exchange)

    def bind_exchange(self, destination, source, routing_key, arguments):
        if destination == "" or source == "":
            fail(ACCESS_REFUSED, "operation not permitted on the default exchange")
        dest = self.exchange(destination)
        src = self.exchange(source)
        if src.bind_exchange(dest.name, routing_key, arguments):
            self.broker.record("amqp.exchange.bind", source, destination=destination, routing_key=routing_key)

    def unbind_exchange(self, destination, source, routing_key, arguments):
        if destination == "" or source == "":
            fail(ACCESS_REFUSED, "operation not permitted on the default exchange")
        self.exchange(destination)
        src = self.exchange(source)
        if src.unbind_exchange(destination, routing_key, arguments):
            self.broker.record("amqp.exchange.unbind", source, destination=destination, routing_key=routing_key)
            self._maybe_auto_delete(src)

    # -- publishing ------------------------------------------------------------------------
    def route(self, exchange, routing_key, headers):
        """Queue names a message reaches, each once: the exchange's matching queues and,
        through exchange-to-exchange bindings, those of the exchanges it reaches; if that is
        none, its alternate exchange's (and so on)."""
        seen = []
        while exchange is not None and exchange.name not in seen:
            seen.append(exchange.name)
            names = self._route_graph(exchange, routing_key, headers)
            if names:
                return names
            ae = exchange.alternate_exchange
            exchange = self.exchanges.get(args_rules.shown(ae)) if ae is not None else None
        return []

    def _route_graph(self, exchange, routing_key, headers):
        names = exchange.route(routing_key, headers)
        if not exchange.exchange_bindings:
            return names                     # the common case: no exchange-to-exchange bindings
        out, visited, pending = list(names), {exchange.name}, [exchange]
        while pending:
            current = pending.pop(0)
            for dest_name in current.route_exchanges(routing_key, headers):
                dest = self.exchanges.get(dest_name)
                if dest is None or dest_name in visited:
                    continue
                visited.add(dest_name)
                out.extend(n for n in dest.route(routing_key, headers) if n not in out)
                pending.append(dest)
        return out

    def publish(self, exchange_name, routing_key, properties, body):
        """Route and enqueue. Returns (queues reached, queues that refused it)."""
        exchange = self.exchange(exchange_name)
        if exchange.internal:
            fail(ACCESS_REFUSED, f"cannot publish to internal exchange '{exchange_name}' in vhost '{self.name}'")
        _check_expiration(properties.expiration)
        message = Message(body, properties, exchange_name, routing_key, self.broker.next_message_id())
        names = self.route(exchange, routing_key, properties.headers)
        self.broker.record("amqp.publish", exchange_name, message=message.id, routing_key=routing_key,
                           queues=list(names), body=body)
        refused = []
        for name in names:
            queue = self.queues.get(name)
            if queue is not None and not queue.publish(message):
                refused.append(name)
        return names, refused

    def dead_letter(self, queue, message, reason):
        """Republish ``message`` from ``queue`` to its dead-letter exchange, or drop it."""
        broker = self.broker
        dlx = queue.dlx
        exchange = self.exchanges.get(dlx) if dlx is not None else None
        if exchange is None:
            broker.record("amqp.drop", queue.name, message=message.id, reason=reason)
            return
        dead = dead_lettered(message, queue.name, reason, broker.sim.clock.now_ms, dlx, queue.dlrk,
                             broker.next_message_id())
        names = self.route(exchange, dead.routing_key, dead.properties.headers)
        names = [n for n in names if not is_cycle(dead, n)]
        broker.record("amqp.dead_letter", queue.name, message=message.id, as_message=dead.id,
                      reason=reason, exchange=dlx, routing_key=dead.routing_key, queues=list(names))
        for name in names:
            target = self.queues.get(name)
            if target is not None:
                target.publish(dead)


def _check_expiration(expiration):
    if expiration is None:
        return
    text = expiration.decode() if isinstance(expiration, bytes) else str(expiration)
    try:
        value = int(text)
    except ValueError:
        precondition(f"invalid expiration '{text}': no_integer")
    if value < 0:
        precondition(f"invalid expiration '{text}': {{value_negative,{value}}}")


__all__ = ["VHost", "BrokerError"]
