"""SCRAM credentials (describe_user_scram_credentials, alter_user_scram_credentials): the
request and result types. pysim authenticates nobody; the cluster keeps the credentials a
script upserts (mechanism and iterations, never the password) so describing them answers
as a broker would."""

from pysim.kafka.admin_config import _Ordered


class ScramMechanism(_Ordered):
    UNKNOWN = 0
    SCRAM_SHA_256 = 1
    SCRAM_SHA_512 = 2


class ScramCredentialInfo:
    def __init__(self, mechanism, iterations):
        self.mechanism, self.iterations = mechanism, iterations

    def __repr__(self):
        return f"ScramCredentialInfo({self.mechanism},{self.iterations})"


class UserScramCredentialsDescription:
    def __init__(self, user, scram_credential_infos):
        self.user, self.scram_credential_infos = user, scram_credential_infos

    def __repr__(self):
        return f"UserScramCredentialsDescription({self.user},{self.scram_credential_infos})"


class UserScramCredentialAlteration:
    def __init__(self, user):
        self.user = user


class UserScramCredentialUpsertion(UserScramCredentialAlteration):
    """Set ``user``'s credential for one mechanism (salt None: the client makes one)."""

    def __init__(self, user, scram_credential_info, password, salt=None):
        super().__init__(user)
        self.scram_credential_info, self.password, self.salt = scram_credential_info, password, salt


class UserScramCredentialDeletion(UserScramCredentialAlteration):
    def __init__(self, user, mechanism):
        super().__init__(user)
        self.mechanism = mechanism


def check_user(user):
    if user is None:
        raise TypeError("'user' cannot be None")
    if not isinstance(user, str):
        raise TypeError("'user' must be a string")
    if not user:
        raise ValueError("'user' cannot be empty")


def check_alteration(a):
    """The binding's checks of one alteration, raised before anything is sent."""
    if not isinstance(a, UserScramCredentialAlteration):
        raise TypeError("Expected each element of list to be subclass of UserScramCredentialAlteration")
    check_user(a.user)
    if isinstance(a, UserScramCredentialUpsertion):
        if a.password is None:
            raise TypeError("'password' cannot be None")
        if not isinstance(a.password, bytes):
            raise TypeError("'password' must be bytes")
        if not a.password:
            raise ValueError("'password' cannot be empty")
        if a.salt is not None:
            if not isinstance(a.salt, bytes):
                raise TypeError("'salt' must be bytes")
            if not a.salt:
                raise ValueError("'salt' can be None but cannot be empty")
        info = a.scram_credential_info
        if not isinstance(info, ScramCredentialInfo):
            raise TypeError("Expected credential_info to be ScramCredentialInfo Type")
        if not isinstance(info.mechanism, ScramMechanism):
            raise TypeError("Expected the mechanism to be ScramMechanism Type")
        if isinstance(info.iterations, bool) or not isinstance(info.iterations, int):
            raise TypeError("Expected iterations to be an integer")
        if info.iterations < 1:
            raise ValueError("Iterations should be positive")
    elif isinstance(a, UserScramCredentialDeletion):
        if not isinstance(a.mechanism, ScramMechanism):
            raise TypeError("Expected the mechanism to be ScramMechanism Type")
    else:
        raise TypeError("Expected each element of list 'alterations' to be either a "
                        "UserScramCredentialUpsertion or a UserScramCredentialDeletion")
