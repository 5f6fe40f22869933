"""ACL bindings and filters (create_acls, describe_acls, delete_acls) with their enums.
pysim's broker runs without an authorizer, so the calls answer SECURITY_DISABLED as such
a Kafka broker does; these classes exist so scripts that build bindings run unchanged and
so their argument errors are confluent-kafka's (checked against 2.16.1)."""

from pysim.kafka.admin_config import ResourceType, _Ordered


class ResourcePatternType(_Ordered):
    UNKNOWN = 0
    ANY = 1
    MATCH = 2
    LITERAL = 3
    PREFIXED = 4


class AclOperation(_Ordered):
    UNKNOWN = 0
    ANY = 1
    ALL = 2
    READ = 3
    WRITE = 4
    CREATE = 5
    DELETE = 6
    ALTER = 7
    DESCRIBE = 8
    CLUSTER_ACTION = 9
    DESCRIBE_CONFIGS = 10
    ALTER_CONFIGS = 11
    IDEMPOTENT_WRITE = 12


class AclPermissionType(_Ordered):
    UNKNOWN = 0
    ANY = 1
    DENY = 2
    ALLOW = 3


_ENUMS = (("restype", ResourceType), ("resource_pattern_type", ResourcePatternType),
          ("operation", AclOperation), ("permission_type", AclPermissionType))
_STRINGS = ("name", "principal", "host")


class AclBinding:
    """Who (principal, host) may or may not (permission_type) do what (operation) on which
    resources (restype, name, resource_pattern_type). No field may be None, and the
    matching-only values (ANY, MATCH) are refused."""

    _nullable = ()
    _forbidden = {"restype": (ResourceType.ANY,),
                  "resource_pattern_type": (ResourcePatternType.ANY, ResourcePatternType.MATCH),
                  "operation": (AclOperation.ANY,), "permission_type": (AclPermissionType.ANY,)}

    def __init__(self, restype, name, resource_pattern_type, principal, host, operation, permission_type):
        values = {"restype": restype, "name": name, "resource_pattern_type": resource_pattern_type,
                  "principal": principal, "host": host, "operation": operation,
                  "permission_type": permission_type}
        for field, value in values.items():
            if value is None and field not in self._nullable:
                raise ValueError(f"Expected {field} to be not None")
        for field, enum in _ENUMS:
            values[field] = _as_enum(values[field], enum)
            if values[field] in self._forbidden.get(field, ()):
                raise ValueError(f"Cannot use enum {field}, value {values[field].name} in this class")
        for field in _STRINGS:
            if values[field] is not None and not isinstance(values[field], str):
                raise TypeError(f"Expected {field} to be a string")
        for field, value in values.items():
            setattr(self, field, value)
        self.restype_int, self.resource_pattern_type_int = self.restype.value, self.resource_pattern_type.value
        self.operation_int, self.permission_type_int = self.operation.value, self.permission_type.value

    def _key(self):
        return (self.restype.value, self.name or "", self.resource_pattern_type.value, self.principal or "",
                self.host or "", self.operation.value, self.permission_type.value)

    def __eq__(self, other):
        return type(other) is type(self) and self._key() == other._key()

    def __lt__(self, other):
        return self._key() < other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        return (f"{type(self).__name__}({self.restype},{self.name},{self.resource_pattern_type},"
                f"{self.principal},{self.host},{self.operation},{self.permission_type})")

    __str__ = __repr__


class AclBindingFilter(AclBinding):
    """A pattern over bindings (describe_acls, delete_acls): name, principal and host may
    be None (any), and ANY / MATCH are allowed."""

    _nullable = ("name", "principal", "host")
    _forbidden = {}


def _as_enum(value, enum):
    if isinstance(value, enum):
        return value
    if isinstance(value, str):
        try:
            return enum[value.upper()]
        except KeyError:
            pass
    raise ValueError(f'Unknown value "{value}": should be a {enum.__name__}')
