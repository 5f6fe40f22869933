"""pika.exchange_type.ExchangeType: the four exchange types as an enum of their names."""

from enum import Enum


class ExchangeType(Enum):
    direct = "direct"
    fanout = "fanout"
    headers = "headers"
    topic = "topic"
