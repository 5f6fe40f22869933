"""A classic queue with ``x-max-priority``: ready messages leave highest priority first
(``BasicProperties(priority=n)``, capped at the queue's maximum; no priority counts as 0),
and in publish order within a priority. A requeued message goes back to its place among
its own priority. Without ``x-max-priority`` a queue ignores priorities (plain FIFO)."""

import heapq

from pysim.amqp.queue import Queue


class PriorityQueue(Queue):
    kind = "classic"

    def __init__(self, vhost, name, durable, exclusive_owner, auto_delete, arguments):
        super().__init__(vhost, name, durable, exclusive_owner, auto_delete, arguments)
        self.max_priority = self.arguments["x-max-priority"]
        self._heap = []            # (-priority, position, entry)

    @property
    def message_count(self):
        return len(self._heap)

    def _priority(self, entry):
        value = entry.message.properties.priority or 0
        return min(max(int(value), 0), self.max_priority)

    def _push(self, entry):
        heapq.heappush(self._heap, (-self._priority(entry), entry.pos, entry))
        self._ready_bytes += len(entry.message.body)

    def _enqueue(self, entry):
        self._push(entry)

    def _peek(self):
        return self._heap[0][2] if self._heap else None

    def _pop_head(self):
        entry = heapq.heappop(self._heap)[2]
        self._ready_bytes -= len(entry.message.body)
        return entry

    def _return(self, entry):
        self._push(entry)

    def purge(self):
        count = len(self._heap)
        self._heap = []
        self._ready_bytes = 0
        self._arm_expiry()
        return count
