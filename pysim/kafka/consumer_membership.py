"""The client side of the consumer group protocol (KIP-848): what librdkafka's group handle
does with ``group.protocol=consumer``. The Consumer owns one of these instead of talking to
the classic coordinator; the broker side is ``pysim.kafka.consumer_group_protocol``.

- The member id is the client's own (KIP-1082): a random UUID, base64 without padding
  (22 characters, like ``GaV1dVr2SwGLwIc1jT+CHw``), kept when the member rejoins.
- ``join()`` (subscribe, a subscription change, a rejoin) sends a ConsumerGroupHeartbeat at
  once (epoch 0 to join). Then one every interval the broker answers with
  (``group.consumer.heartbeat.interval.ms``), on the background thread, whatever the
  application is doing; each carries the member's epoch and the partitions it owns.
- An answer with a different assignment is handed to the Consumer, which applies it at its
  next poll() incrementally (on_revoke with what goes, then on_assign with what comes, as
  cooperative-sticky); right after, ``ack()`` sends an expedited heartbeat with what it owns
  now, which is what lets the broker hand the revoked partitions to their next owner.
- UNKNOWN_MEMBER_ID / FENCED_MEMBER_EPOCH: the member was fenced (session or rebalance
  timeout); its partitions are lost (on_lost at the next poll) and it rejoins with epoch 0.
  UNRELEASED_INSTANCE_ID, UNSUPPORTED_ASSIGNOR, GROUP_ID_NOT_FOUND, INVALID_GROUP_ID are
  fatal in librdkafka ("ConsumerGroupHeartbeat fatal error: ...").
- ``leave()`` sends epoch -1, or -2 for a static member (group.instance.id), which keeps its
  partitions reserved on the broker until its session times out.
- max.poll.interval.ms exceeded (``suspend()``): librdkafka 2.16 stops heartbeating and defers
  the leave heartbeat until the lost assignment is revoked, which happens in the application's
  next poll(); the rejoin follows it. Meanwhile the broker still counts the member in, until
  its rebalance timeout (if it was asked to revoke) or its session timeout fences it.
"""

from pysim.kafka.consumer_group_protocol import (JOIN_EPOCH, LEAVE_EPOCH, LEAVE_STATIC_EPOCH,
                                                 consumer_coordinator_of)
from pysim.kafka.errors import KafkaError
from pysim.kafka.member_ids import base64_uuid

_LOST = (KafkaError.UNKNOWN_MEMBER_ID, KafkaError.FENCED_MEMBER_EPOCH)


class ConsumerProtocolMember:
    def __init__(self, consumer, group, client_id, instance_id, assignor, rebalance_timeout_ms):
        self._consumer, self._c = consumer, consumer._c
        self._coordinator = consumer_coordinator_of(self._c)
        self._group, self._client_id, self._instance_id = group, client_id, instance_id
        self._assignor, self._rebalance_ms = assignor, rebalance_timeout_ms
        self.member_id = _new_member_id(self._c.sim.rng.stream("group.consumer_member_id"))
        self.epoch = LEAVE_EPOCH          # LEAVE_EPOCH: not in the group
        self._topics = self._sent_topics = None
        self._last_assignment = []
        self._timer = None
        self._pending_leave = None       # the reason of a leave deferred by suspend()

    def join(self, topics):
        """Subscribe, or change the subscription: heartbeat now (after a deferred leave)."""
        if self._pending_leave is not None:
            self.leave(self._pending_leave)
        self._topics = list(topics)
        self._send()

    def ack(self):
        """The application applied an assignment: tell the broker what it owns now."""
        if self.epoch > LEAVE_EPOCH and self._pending_leave is None:
            self._send()

    def suspend(self, reason):
        """Stop heartbeating; the leave heartbeat waits for the next join() or leave()."""
        self.stop()
        self._pending_leave = reason

    def leave(self, reason):
        """A leave heartbeat: epoch -1, or -2 for a static member."""
        self.stop()
        self._pending_leave = None
        if self.epoch <= LEAVE_EPOCH:
            return
        epoch = LEAVE_STATIC_EPOCH if self._instance_id is not None else LEAVE_EPOCH
        self._coordinator.heartbeat(self._group, self.member_id, epoch, instance_id=self._instance_id, reason=reason)
        self.epoch, self._sent_topics, self._last_assignment = LEAVE_EPOCH, None, []

    def stop(self):
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    # -- inside -----------------------------------------------------------------------------
    def _tick(self):
        self._timer = None
        if self.epoch > LEAVE_EPOCH and self._pending_leave is None:
            self._send()

    def _send(self):
        cons = self._consumer
        joining = self.epoch <= LEAVE_EPOCH
        epoch = JOIN_EPOCH if joining else self.epoch
        topics = self._topics if joining or self._topics != self._sent_topics else None
        resp = self._coordinator.heartbeat(self._group, self.member_id, epoch, topics, list(cons._fetcher.states),
                                           self._instance_id, self._assignor, self._rebalance_ms, self._client_id)
        self.stop()
        if resp.error is None:
            if joining:
                self._last_assignment = []
            self.epoch, self._sent_topics = resp.epoch, list(self._topics)
            cons._member_id, cons._generation = self.member_id, resp.epoch
            self._timer = self._c.sim.scheduler.call_later(resp.interval_ms, self._tick)
            if resp.assignment != self._last_assignment:
                self._last_assignment = list(resp.assignment)
                cons._assignment_received(resp.epoch, resp.assignment)
            return
        self.epoch, self._sent_topics, self._last_assignment = LEAVE_EPOCH, None, []
        if resp.error in _LOST:
            cons._membership_lost()
        else:
            cons._fenced(f"ConsumerGroupHeartbeat fatal error: {KafkaError(resp.error).str()}")


def _new_member_id(stream):
    """A version 4 UUID from the seeded stream, base64 without padding (librdkafka's form)."""
    return base64_uuid(stream)
