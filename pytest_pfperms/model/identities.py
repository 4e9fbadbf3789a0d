"""Who asks: users and service accounts, with the groups a real cluster gives them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..values import Str

SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"
AUTHENTICATED = "system:authenticated"
UNAUTHENTICATED = "system:unauthenticated"
ANONYMOUS = "system:anonymous"


@dataclass(frozen=True, slots=True)
class User:
    """A user with exactly the groups given, and no others.

    ``User("alice")`` has **no groups at all**, not even ``system:authenticated``, which
    every real authenticated request carries (and which bootstrap roles such as
    ``system:basic-user`` are bound to). To ask as ``kubectl --as alice`` does, use
    :meth:`User.authenticated`, which adds ``system:authenticated``.
    """

    name: str
    groups: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.groups, str):
            raise TypeError(f"User groups must be a sequence of names, got the string {self.groups!r}")
        object.__setattr__(self, "groups", tuple(self.groups))

    @classmethod
    def authenticated(cls, name: str, groups: Iterable[str] = ()) -> User:
        """An authenticated user as the API server sees one (and ``kubectl --as NAME
        --as-group G`` impersonates one): these groups plus ``system:authenticated``."""
        if isinstance(groups, str):
            raise TypeError(f"User groups must be a sequence of names, got the string {groups!r}")
        return cls(name, tuple(dict.fromkeys((*groups, AUTHENTICATED))))

    def __str__(self) -> str:
        return f"User {self.name}"


@dataclass(frozen=True, slots=True)
class Group:
    """A group as a subject: "can a member of this group, by the group alone, ...".

    Asked as a user who has this one group and whose own name no binding names.
    """

    name: str

    def member(self) -> User:
        """The user a question about the group is asked as."""
        return User(f"<any member of group {self.name}>", (self.name,))

    def __str__(self) -> str:
        return f"Group {self.name}"


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
