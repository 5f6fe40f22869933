"""BlockingChannel: pika's channel API over the simulated broker.

Synchronous methods (declare, bind, get, consume, qos, and publish in confirm mode) run
at once on the broker and raise what pika raises: a channel error closes the channel with
``ChannelClosedByBroker(code, text)``, a connection error (503, 540) closes the connection
with ``ConnectionClosedByBroker``. Asynchronous methods (publish without confirms, ack,
nack, reject) get no reply: when the broker refuses one (unknown delivery tag, missing
exchange) it closes the channel, and the client learns it at its next call on the channel
(``ChannelClosedByBroker``), or sees ``is_closed`` after ``connection.sleep`` /
``process_data_events``. Any call on a closed channel raises
``ChannelWrongStateError('Channel is closed.')``. Nothing is lost silently.

Deliveries are pushed by the broker into the connection's buffer at once; callbacks run
inside ``process_data_events``, ``sleep``, ``start_consuming`` or the ``consume()``
generator, as with pika.
"""

from collections import deque

from pysim.amqp import spec
from pysim.amqp.consumer import Consumer
from pysim.amqp.errors import (NO_ROUTE, NOT_IMPLEMENTED, PRECONDITION_FAILED, ACCESS_REFUSED,
                               BrokerError, ChannelClosedByBroker, ChannelWrongStateError,
                               DuplicateConsumerTag, NackError, UnroutableError)
from pysim.amqp.properties import BasicProperties


class ReturnedMessage:
    """A message the broker handed back (Basic.Return), as in pika."""

    __slots__ = ("method", "properties", "body")

    def __init__(self, method, properties, body):
        self.method, self.properties, self.body = method, properties, body


def _exchange_type(value):
    return getattr(value, "value", value)


class BlockingChannel:
    def __init__(self, connection, channel_number):
        self.connection = connection
        self.channel_number = channel_number
        self._vhost = connection._vhost
        self._open = True
        self._pending_close = None        # a BrokerError the client has not seen yet
        self._confirm = False
        self._prefetch = 0
        self._global_prefetch = 0
        self._consumers = {}              # tag -> Consumer
        self._unacked = {}                # delivery tag -> (queue, entry, consumer or None)
        self._consumer_unacked = 0
        self._next_tag = 0
        self._on_return = []
        self._generator = None            # the consume() consumer: (consumer, buffer)

    def __repr__(self):
        return f"<BlockingChannel impl=<Channel number={self.channel_number} {'OPEN' if self.is_open else 'CLOSED'}>>"

    # -- state -----------------------------------------------------------------------------
    @property
    def is_open(self):
        return self._open

    @property
    def is_closed(self):
        return not self._open

    @property
    def consumer_tags(self):
        return list(self._consumers)

    def _check(self):
        if not self._open:
            raise ChannelWrongStateError("Channel is closed.")
        if self._pending_close is not None:
            error, self._pending_close = self._pending_close, None
            self._open = False
            raise ChannelClosedByBroker(error.code, error.text)

    def _call(self, fn, *args):
        """Run a synchronous broker call, turning a broker refusal into pika's exception."""
        self._check()
        try:
            return fn(*args)
        except BrokerError as error:
            self._broker_closed(error)
            if error.closes_connection:
                self.connection._closed_by_broker(error)
                raise self.connection._closed_error from None
            raise ChannelClosedByBroker(error.code, error.text) from None

    def _async_fail(self, error):
        """An asynchronous method was refused: the broker closes the channel now; the client
        hears of it at its next call."""
        self._broker_closed(error)
        self._open = True                 # not closed in the client's eyes until it notices
        self._pending_close = error

    def _notice_close(self):
        """The connection processed the broker's Channel.Close (sleep, process_data_events)."""
        if self._pending_close is not None:
            self._pending_close = None
            self._open = False

    def _broker_closed(self, error):
        self.connection.broker.record("amqp.channel.close", self._actor(), code=error.code,
                                      text=error.text)
        self._teardown()

    def _teardown(self):
        """Channel gone: its consumers are cancelled and its unacked messages go back."""
        self._open = False
        for consumer in list(self._consumers.values()):
            consumer.active = False
            consumer.queue.remove_consumer(consumer)
        self._consumers.clear()
        self._generator = None
        self._requeue_all()
        self.connection._drop_events(self)

    def _requeue_all(self):
        touched = []
        for queue, entry, consumer in self._unacked.values():
            queue.requeue(entry, consumer)
            if queue not in touched:
                touched.append(queue)
        self._unacked.clear()
        self._consumer_unacked = 0
        for queue in touched:
            if not queue.deleted:
                queue.dispatch()

    def _actor(self):
        return f"{self.connection.name}/ch{self.channel_number}"

    def close(self, reply_code=0, reply_text="Normal shutdown"):
        if not self._open:
            raise ChannelWrongStateError("Channel is closed.")
        self._pending_close = None
        self.connection.broker.record("amqp.channel.close", self._actor(), code=reply_code)
        self._teardown()

    # -- exchanges -------------------------------------------------------------------------
    def exchange_declare(self, exchange, exchange_type="direct", passive=False, durable=False,
                         auto_delete=False, internal=False, arguments=None):
        _check_name(exchange, "exchange")
        self._call(self._vhost.declare_exchange, exchange, _exchange_type(exchange_type), passive,
                   durable, auto_delete, internal, arguments)
        return spec.Method(self.channel_number, spec.Exchange.DeclareOk())

    def exchange_delete(self, exchange=None, if_unused=False):
        self._call(self._vhost.delete_exchange, exchange or "", if_unused)
        return spec.Method(self.channel_number, spec.Exchange.DeleteOk())

    def exchange_bind(self, destination, source, routing_key="", arguments=None):
        """Exchange-to-exchange binding (a RabbitMQ extension): messages that ``source``
        routes with this key also go through ``destination``."""
        self._call(self._vhost.bind_exchange, destination, source, routing_key, arguments)
        return spec.Method(self.channel_number, spec.Exchange.BindOk())

    def exchange_unbind(self, destination=None, source=None, routing_key="", arguments=None):
        self._call(self._vhost.unbind_exchange, destination or "", source or "", routing_key, arguments)
        return spec.Method(self.channel_number, spec.Exchange.UnbindOk())

    # -- queues ----------------------------------------------------------------------------
    def queue_declare(self, queue, passive=False, durable=False, exclusive=False, auto_delete=False,
                      arguments=None):
        _check_name(queue, "queue")
        q = self._call(self._vhost.declare_queue, queue, passive, durable, exclusive, auto_delete,
                       arguments, self.connection)
        count = q.message_count
        return spec.Method(self.channel_number, spec.Queue.DeclareOk(
            queue=q.name, message_count=count, consumer_count=q.consumer_count))

    def queue_delete(self, queue, if_unused=False, if_empty=False):
        count = self._call(self._vhost.delete_queue, queue, if_unused, if_empty, self.connection)
        return spec.Method(self.channel_number, spec.Queue.DeleteOk(message_count=count))

    def queue_purge(self, queue):
        def purge():
            found = self._vhost.queue(queue, self.connection)
            return found, found.purge()
        q, count = self._call(purge)
        self.connection.broker.record("amqp.purge", q.name, messages=count)
        return spec.Method(self.channel_number, spec.Queue.PurgeOk(message_count=count))

    def queue_bind(self, queue, exchange, routing_key=None, arguments=None):
        key = queue if routing_key is None else routing_key
        self._call(self._vhost.bind, queue, exchange, key, arguments, self.connection)
        return spec.Method(self.channel_number, spec.Queue.BindOk())

    def queue_unbind(self, queue, exchange=None, routing_key=None, arguments=None):
        key = queue if routing_key is None else routing_key
        self._call(self._vhost.unbind, queue, exchange or "", key, arguments, self.connection)
        return spec.Method(self.channel_number, spec.Queue.UnbindOk())

    # -- publishing ------------------------------------------------------------------------
    def confirm_delivery(self):
        self._check()
        self._confirm = True

    def add_on_return_callback(self, callback):
        """``callback(channel, method, properties, body)`` for unroutable mandatory messages
        published without confirms (run by process_data_events)."""
        self._on_return.append(callback)

    def basic_publish(self, exchange, routing_key, body, properties=None, mandatory=False):
        if isinstance(body, str):
            body = body.encode("utf-8")
        if not isinstance(body, (bytes, bytearray)):
            raise TypeError(f"body must be bytes or str, got {type(body).__name__}")
        if not isinstance(exchange, str) or not isinstance(routing_key, str):
            raise TypeError("exchange and routing_key must be str")
        props = properties.copy() if properties is not None else BasicProperties()
        body = bytes(body)
        if self._confirm:
            names, refused = self._call(self._vhost.publish, exchange, routing_key, props, body)
        else:
            self._check()
            try:
                names, refused = self._vhost.publish(exchange, routing_key, props, body)
            except BrokerError as error:
                if error.closes_connection:
                    self._broker_closed(error)
                    self.connection._closed_by_broker(error)
                    raise self.connection._closed_error from None
                self._async_fail(error)
                return
        if not names and mandatory:
            returned = ReturnedMessage(
                spec.Basic.Return(reply_code=NO_ROUTE, reply_text="NO_ROUTE", exchange=exchange,
                                  routing_key=routing_key), props, body)
            if self._confirm:
                raise UnroutableError([returned])
            self.connection._push(self, "return", returned)
        if refused and self._confirm:
            raise NackError([])

    # -- receiving -------------------------------------------------------------------------
    def basic_qos(self, prefetch_size=0, prefetch_count=0, global_qos=False):
        if prefetch_count < 0:
            raise ValueError(f"prefetch_count must be >= 0, but got {prefetch_count}")
        if prefetch_size < 0:
            raise ValueError(f"prefetch_size must be >= 0, but got {prefetch_size}")
        if prefetch_size:                   # RabbitMQ implements only message counts
            self._call(_refuse, BrokerError(NOT_IMPLEMENTED, f"prefetch_size!=0 ({prefetch_size})"))
        self._check()
        if global_qos:
            self._global_prefetch = prefetch_count
        else:
            self._prefetch = prefetch_count

    def has_capacity(self):
        return not self._global_prefetch or self._consumer_unacked < self._global_prefetch

    def basic_get(self, queue, auto_ack=False):
        def get():
            q = self._vhost.queue(queue, self.connection)
            return q, q.get()
        q, entry = self._call(get)
        if entry is None:
            return None, None, None
        self._next_tag += 1
        tag = self._next_tag
        if auto_ack:
            q.unacked += 1
            q.settle(entry, None)
        else:
            q.unacked += 1
            self._unacked[tag] = (q, entry, None)
        message = entry.message
        self.connection.broker.record("amqp.get", q.name, message=message.id, tag=tag,
                                      channel=self._actor())
        method = spec.Basic.GetOk(delivery_tag=tag, redelivered=entry.redelivered,
                                  exchange=message.exchange, routing_key=message.routing_key,
                                  message_count=q.message_count)
        return method, q.delivery_properties(entry).copy(), message.body

    def basic_consume(self, queue, on_message_callback, auto_ack=False, exclusive=False,
                      consumer_tag=None, arguments=None):
        if not callable(on_message_callback):
            raise TypeError("on_message_callback must be callable; got %r" % (on_message_callback,))
        return self._consume(queue, on_message_callback, auto_ack, exclusive, consumer_tag, arguments)

    def _consume(self, queue, callback, auto_ack, exclusive, consumer_tag, arguments):
        self._check()
        tag = consumer_tag or f"ctag{self.channel_number}.{self.connection.broker.random_hex()}"
        if tag in self._consumers:
            raise DuplicateConsumerTag(tag)

        def start():
            q = self._vhost.queue(queue, self.connection)
            if exclusive and q.consumers or any(c.exclusive for c in q.consumers):
                raise BrokerError(ACCESS_REFUSED, f"queue '{q.name}' in vhost '{self._vhost.name}' in exclusive use")
            if q.kind == "stream":
                q.check_consume(auto_ack, self._prefetch or self._global_prefetch)
            consumer = Consumer(tag, q, self, auto_ack, callback, self._prefetch, exclusive, arguments)
            q.add_consumer(consumer)
            return consumer
        consumer = self._call(start)
        self._consumers[tag] = consumer
        if callback is None:                 # the consume() generator's consumer
            self._generator = (consumer, self._generator[1])
        self.connection.broker.record("amqp.consume", consumer.queue.name, tag=tag, channel=self._actor())
        consumer.queue.dispatch()
        return tag

    def deliver(self, consumer, queue, entry, properties):
        """Called by a queue: one message to one of this channel's consumers."""
        self._next_tag += 1
        tag = self._next_tag
        if consumer.auto_ack:
            queue.unacked += 1
            queue.settle(entry, consumer)
        else:
            self._unacked[tag] = (queue, entry, consumer)
            consumer.unacked += 1
            self._consumer_unacked += 1
        message = entry.message
        self.connection.broker.record("amqp.deliver", queue.name, message=message.id, tag=tag,
                                      consumer=consumer.tag, redelivered=entry.redelivered)
        method = spec.Basic.Deliver(consumer_tag=consumer.tag, delivery_tag=tag,
                                    redelivered=entry.redelivered, exchange=message.exchange,
                                    routing_key=message.routing_key)
        # each delivery gets its own properties unless there is nothing mutable to share
        item = (method, properties.copy() if properties.headers is not None else properties, message.body)
        if self._generator is not None and self._generator[0] is consumer:
            self._generator[1].append(item)
        else:
            self.connection._push(self, "deliver", (consumer, item))

    def basic_cancel(self, consumer_tag):
        self._check()
        consumer = self._consumers.pop(consumer_tag, None)
        if consumer is None:
            return []
        consumer.active = False
        pending = self.connection._take_events(self, consumer)
        consumer.queue.remove_consumer(consumer)
        self.connection.broker.record("amqp.cancel", consumer.queue.name, tag=consumer_tag)
        if consumer.auto_ack:
            return pending
        for method, _, _ in pending:
            self._settle(method.delivery_tag, False, "requeue")
        return []

    def consumer_cancelled_by_broker(self, consumer):
        """The queue was deleted under the consumer."""
        self._consumers.pop(consumer.tag, None)
        consumer.active = False

    def start_consuming(self):
        """Run consumer callbacks until every consumer is cancelled (stop_consuming). In the
        simulator it also returns when nothing more can ever arrive — no delivery pending
        and no broker timer left — where the real one would block forever."""
        self._check()
        while self._consumers and self._open:
            if not self.connection._run_once(None):
                break
            self._check_after_io()

    def stop_consuming(self, consumer_tag=None):
        if consumer_tag:
            self.basic_cancel(consumer_tag)
        else:
            for tag in list(self._consumers):
                self.basic_cancel(tag)

    def _check_after_io(self):
        if self._pending_close is not None:
            self._check()

    def consume(self, queue, auto_ack=False, exclusive=False, arguments=None,
                inactivity_timeout=None, consumer_tag=None):
        """Yield (method, properties, body) per delivery; (None, None, None) after
        ``inactivity_timeout`` seconds of virtual time without one. Ends when the consumer is
        cancelled — and, in the simulator, when nothing more can arrive and no timeout was
        given (the real generator blocks forever)."""
        self._check()
        if self._generator is None:
            buffer = deque()
            self._generator = (None, buffer)
            try:
                self._consume(queue, None, auto_ack, exclusive, consumer_tag, arguments)
            except BaseException:
                self._generator = None
                raise
        consumer, buffer = self._generator
        while self._generator is not None and self._generator[0] is consumer:
            if buffer:
                yield buffer.popleft()
                continue
            timeout_ms = None if inactivity_timeout is None else round(inactivity_timeout * 1000)
            got = self.connection._wait(lambda: bool(buffer) or self._generator is None, timeout_ms)
            self._check_after_io()
            if buffer:
                continue
            if self._generator is None or not self._open:
                return
            if inactivity_timeout is not None:
                yield None, None, None
            elif not got:
                return

    def cancel(self):
        if self._generator is None:
            return 0
        consumer, buffer = self._generator
        self._generator = None
        if consumer is None:
            return 0
        count = 0
        if not consumer.auto_ack:
            while buffer:
                method, _, _ = buffer.popleft()
                self._settle(method.delivery_tag, False, "requeue")
                count += 1
        self.basic_cancel(consumer.tag)
        return 0

    def get_waiting_message_count(self):
        return len(self._generator[1]) if self._generator else 0

    # -- acknowledging ---------------------------------------------------------------------
    def basic_ack(self, delivery_tag=0, multiple=False):
        self._check()
        found = None if multiple else self._unacked.pop(delivery_tag, None)
        if found is None:
            self._settle(delivery_tag, multiple, "ack")
            return
        queue, entry, consumer = found             # the common case, one tag: no lists
        if consumer is not None:
            consumer.unacked -= 1
            self._consumer_unacked -= 1
        queue.settle(entry, consumer)
        if not queue.deleted:
            queue.dispatch()
        if self._global_prefetch:
            for other in list(self._consumers.values()):
                if other.queue is not queue and not other.queue.deleted:
                    other.queue.dispatch()

    def basic_nack(self, delivery_tag=0, multiple=False, requeue=True):
        self._check()
        self._settle(delivery_tag, multiple, "requeue" if requeue else "reject")

    def basic_reject(self, delivery_tag=0, requeue=True):
        self._check()
        self._settle(delivery_tag, False, "requeue" if requeue else "reject")

    def basic_recover(self, requeue=True):
        self._check()
        self._requeue_all()

    def _settle(self, delivery_tag, multiple, how):
        unacked = self._unacked
        if multiple:
            if delivery_tag != 0 and delivery_tag not in unacked:
                return self._async_fail(BrokerError(PRECONDITION_FAILED, f"unknown delivery tag {delivery_tag}"))
            tags = [t for t in unacked if delivery_tag == 0 or t <= delivery_tag]
        else:
            if delivery_tag not in unacked:
                return self._async_fail(BrokerError(PRECONDITION_FAILED, f"unknown delivery tag {delivery_tag}"))
            tags = [delivery_tag]
        if how == "reject" or how == "requeue":
            for tag in tags:
                queue = unacked[tag][0]
                if queue.kind == "stream":
                    error = BrokerError(NOT_IMPLEMENTED,
                                        f"basic.nack and basic.reject not supported by stream queues "
                                        f"queue '{queue.name}' in vhost '{self._vhost.name}'")
                    self._broker_closed(error)
                    self.connection._closed_by_broker(error)
                    raise self.connection._closed_error
        touched = []
        for tag in tags:
            queue, entry, consumer = unacked.pop(tag)
            if consumer is not None:
                consumer.unacked -= 1
                self._consumer_unacked -= 1
            if how == "ack":
                queue.settle(entry, consumer)
            elif how == "requeue":
                queue.requeue(entry, consumer)
            else:
                queue.reject(entry, consumer)
            if queue not in touched:
                touched.append(queue)
        for queue in touched:
            if not queue.deleted:
                queue.dispatch()
        # a freed global window may let other queues' consumers on this channel move on
        if self._global_prefetch:
            for consumer in list(self._consumers.values()):
                if consumer.queue not in touched and not consumer.queue.deleted:
                    consumer.queue.dispatch()


def _refuse(error):
    raise error


def _check_name(name, kind):
    if not isinstance(name, str):
        raise TypeError(f"{kind} name must be a str, got {type(name).__name__}")
    if len(name) > 255:
        raise ValueError(f"{kind} name must be at most 255 characters")
