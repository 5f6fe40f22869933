"""What describe_configs / alter_configs / incremental_alter_configs take and give:
ConfigResource (a topic, a broker, a group, with the configs to set), ConfigEntry (one
config with its value and where the value comes from), and their enums. Names, numbers and
the constructor's errors are confluent_kafka.admin's (checked against 2.16.1)."""

from enum import Enum


class _Ordered(Enum):
    """confluent-kafka's admin enums sort by value."""

    def __lt__(self, other):
        if self.__class__ is not other.__class__:
            return NotImplemented
        return self.value < other.value


class ResourceType(_Ordered):
    UNKNOWN = 0
    ANY = 1
    TOPIC = 2
    GROUP = 3
    BROKER = 4
    TRANSACTIONAL_ID = 5


class ConfigSource(_Ordered):
    UNKNOWN_CONFIG = 0
    DYNAMIC_TOPIC_CONFIG = 1
    DYNAMIC_BROKER_CONFIG = 2
    DYNAMIC_DEFAULT_BROKER_CONFIG = 3
    STATIC_BROKER_CONFIG = 4
    DEFAULT_CONFIG = 5
    GROUP_CONFIG = 8


class AlterConfigOpType(_Ordered):
    SET = 0
    DELETE = 1
    APPEND = 2
    SUBTRACT = 3


class ConfigEntry:
    """One config of a resource: as described (value, source, flags, synonyms) or as one
    operation of incremental_alter_configs (``incremental_operation``)."""

    def __init__(self, name, value, source=ConfigSource.UNKNOWN_CONFIG, is_read_only=False, is_default=False,
                 is_sensitive=False, is_synonym=False, synonyms=None, incremental_operation=None):
        self.name, self.value, self.source = name, value, source
        self.is_read_only, self.is_default = bool(is_read_only), bool(is_default)
        self.is_sensitive, self.is_synonym = bool(is_sensitive), bool(is_synonym)
        self.synonyms = {} if synonyms is None else synonyms
        self.incremental_operation = incremental_operation

    def __repr__(self):
        return f'ConfigEntry({self.name}="{self.value}")'

    def __str__(self):
        return f'{self.name}="{self.value}"'


class ConfigResource:
    """A resource whose configs are described or altered: ``restype`` is a ResourceType,
    its name as a string ("topic", "BROKER") or its number; ``name`` the topic, broker id
    or group. ``set_config`` (alter_configs) and ``incremental_configs``
    (incremental_alter_configs) hold what to change; ``configs`` and ``error`` are filled
    in results."""

    Type = ResourceType

    def __init__(self, restype, name, set_config=None, described_configs=None, error=None,
                 incremental_configs=None):
        if name is None or not isinstance(name, str):
            raise ValueError("Expected resource name to be a string")
        if isinstance(restype, str):
            try:
                restype = ResourceType[restype.upper()]
            except KeyError:
                raise ValueError(f'Unknown resource type "{restype}": should be a ConfigResource.Type') from None
        elif isinstance(restype, int) and not isinstance(restype, bool):
            restype = ResourceType(restype)
        elif not isinstance(restype, ResourceType):
            raise ValueError(f'Unknown resource type "{restype}": should be a ConfigResource.Type')
        self.restype, self.restype_int, self.name = restype, restype.value, name
        self.set_config_dict = dict(set_config) if set_config is not None else {}
        self.incremental_configs = list(incremental_configs) if incremental_configs is not None else []
        self.configs, self.error = described_configs, error

    def set_config(self, name, value, overwrite=True):
        """Set a config for alter_configs (every config left out returns to its default)."""
        if not overwrite and name in self.set_config_dict:
            return
        self.set_config_dict[name] = value

    def add_incremental_config(self, config_entry):
        """Add one ConfigEntry (with its incremental_operation) for incremental_alter_configs."""
        self.incremental_configs.append(config_entry)

    def _key(self):
        return (self.restype.value, self.name)

    def __eq__(self, other):
        return isinstance(other, ConfigResource) and self._key() == other._key()

    def __lt__(self, other):
        return self._key() < other._key()

    def __hash__(self):
        return hash(self._key())

    def __len__(self):
        return len(self.set_config_dict)

    def __repr__(self):
        if self.error is not None:
            return f"ConfigResource({self.restype},{self.name},{self.error!r})"
        return f"ConfigResource({self.restype},{self.name})"
