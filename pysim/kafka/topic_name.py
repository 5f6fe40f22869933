"""Kafka's topic name rules (org.apache.kafka.common.internals.Topic.validate): the broker
refuses an illegal name, so the cluster, the admin client and the producer's auto-creation
all ask this one function."""

MAX_LENGTH = 249
LEGAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


def topic_name_error(name):
    """Kafka's wording for an illegal topic name, or None for a legal one."""
    if name == "":
        return "Topic name is illegal, it can't be empty"
    if name in (".", ".."):
        return "Topic name cannot be \".\" or \"..\""
    if len(name) > MAX_LENGTH:
        return (f"Topic name is illegal, it can't be longer than {MAX_LENGTH} characters, "
                f"topic name: {name}")
    if any(ch not in LEGAL_CHARS for ch in name):
        return (f"Topic name \"{name}\" is illegal, it contains a character other than ASCII "
                f"alphanumerics, '.', '_' and '-'")
    return None
