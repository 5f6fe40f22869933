"""A consumer's subscription: topic names, and patterns that start with ``^`` (librdkafka's
rule for a regex subscription), resolved against the cluster's topics the way librdkafka
resolves them from metadata: a pattern matches every existing topic it finds a match in
(``re.search``), a plain name must exist. A name that does not exist is reported once as
"Subscribed topic not available" and left out; nothing is created unless the consumer has
allow.auto.create.topics=true and the cluster creates topics on demand.

Python's ``re`` stands in for librdkafka's regex engine (POSIX extended): the usual
patterns (``^orders-.*``, ``^(a|b)$``, character classes) behave the same."""

import re

from pysim.kafka.errors import KafkaError, fail

_INVALID = "Failed to set subscription: Local: Invalid argument or configuration"


class Subscription:
    """The topics and patterns a consumer subscribed to, in the order given."""

    __slots__ = ("entries", "_patterns")

    def __init__(self, topics):
        """Validate like confluent_kafka: a list is required (TypeError otherwise); each
        entry is turned into text with str(), as the C binding does; an empty list, an
        empty name or a pattern that does not compile is _INVALID_ARG."""
        if not isinstance(topics, list):
            raise TypeError("expected list of topic unicode strings")
        entries = [t if isinstance(t, str) else str(t) for t in topics]
        if not entries or any(not t for t in entries):
            fail(KafkaError._INVALID_ARG, _INVALID)
        patterns = {}
        for entry in entries:
            if entry.startswith("^") and entry not in patterns:
                try:
                    patterns[entry] = re.compile(entry)
                except re.error:
                    fail(KafkaError._INVALID_ARG, _INVALID)
        self.entries, self._patterns = entries, patterns

    def resolve(self, cluster):
        """(topics, missing): the existing topics the subscription covers, sorted, and the
        plain names that do not exist, in subscription order."""
        existing = cluster.topics()
        found, missing = set(), []
        for entry in self.entries:
            pattern = self._patterns.get(entry)
            if pattern is not None:
                found.update(t for t in existing if pattern.search(t))
            elif cluster.has_topic(entry):
                found.add(entry)
            elif entry not in missing:
                missing.append(entry)
        return sorted(found), missing

    def __repr__(self):
        return f"Subscription({self.entries!r})"
