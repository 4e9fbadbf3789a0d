"""Who asks: users and service accounts, with the groups a real cluster gives them."""

from __future__ import annotations

from dataclasses import dataclass

from ..values import Str

SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"
AUTHENTICATED = "system:authenticated"
UNAUTHENTICATED = "system:unauthenticated"
ANONYMOUS = "system:anonymous"


@dataclass(frozen=True, slots=True)
class User:
    """A user with exactly these groups; nothing is added (not even ``system:authenticated``)."""

    name: str
    groups: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.groups, str):
            raise TypeError(f"User groups must be a sequence of names, got the string {self.groups!r}")
        object.__setattr__(self, "groups", tuple(self.groups))

    def __str__(self) -> str:
        return f"User {self.name}"


@dataclass(frozen=True, slots=True)
class ServiceAccount:
    """A service account. It authenticates as ``system:serviceaccount:<namespace>:<name>``
    with groups ``system:serviceaccounts``, ``system:serviceaccounts:<namespace>`` and
    ``system:authenticated``. Either part may be symbolic (unknown before apply)."""

    namespace: Str
    name: Str

    @property
    def username(self) -> str:
        """The user name the API server sees (symbols rendered as ``${key}``)."""
        return f"{SERVICE_ACCOUNT_PREFIX}{self.namespace}:{self.name}"

    @property
    def groups(self) -> tuple[str, ...]:
        """The groups the API server gives this account."""
        return ("system:serviceaccounts", f"system:serviceaccounts:{self.namespace}", AUTHENTICATED)

    def __str__(self) -> str:
        return f"ServiceAccount {self.namespace}/{self.name}"


Identity = User | ServiceAccount


def parse_username(text: str) -> Identity:
    """``system:serviceaccount:ns:name`` -> ServiceAccount; anything else -> User without groups."""
    if text.startswith(SERVICE_ACCOUNT_PREFIX):
        rest = text[len(SERVICE_ACCOUNT_PREFIX):]
        namespace, sep, name = rest.partition(":")
        if sep and namespace and name and ":" not in name:
            return ServiceAccount(namespace, name)
    return User(text)
