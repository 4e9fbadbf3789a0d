"""The aws-auth ConfigMap: the Kubernetes user and groups EKS gives an IAM role (the older
way, beside access entries; EKS reads it while the cluster's authentication mode allows
``CONFIG_MAP``).

``kube-system/aws-auth``'s ``mapRoles`` is YAML (or JSON) text: a list of mappings with
``rolearn``, ``username`` and ``groups``. The authenticator turns the caller's assumed-role
ARN into its role's ARN **without the role's path** and compares it, ignoring case, with each
``rolearn`` (which, the EKS documentation says, must not include a path: one that does is
taken as maybe matching the role of that name). The matching role calls the API as
``username`` in ``groups`` (plus ``system:authenticated``). A ``username`` may hold templates
(``{{SessionName}}``, ``{{EC2PrivateDNSName}}``, ...) filled in per request: the pod choosing
its own session name can then be any user the template allows, so every user a binding names
that the template allows is a maybe-identity. ``mapUsers`` and ``mapAccounts`` map IAM users
and whole accounts, never a pod's role credentials; they are not read.

Mappings unknown before apply (``yamlencode`` over values known after apply, a ``data`` that
is unknown, text that is not a list of mappings) may map any role to any group: those answer
unknown, never "cannot".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import yaml

from ..model.identities import AUTHENTICATED, User
from ..model.objects import KubeObject
from ..values import EncodedDocument, PartialList, Str, Symbol, Tri, and3, eq3
from .eks_access import AccessEntry, AccessGrant

MAX_MAPPING_TEXT = 1 << 20
"""The largest ``mapRoles`` text read (a ConfigMap holds at most 1 MiB)."""

_TEMPLATE = re.compile(r"\{\{[^{}]*\}\}")
_ROLE_PATH = re.compile(r"(?i)(arn:[^:]*:iam::[^:]*:role/)(?:[^/]+/)+([^/]+)")


def canonical_role_arn(arn: str) -> str:
    """A role ARN as the authenticator compares it: without its path, in lower case."""
    return _ROLE_PATH.sub(r"\1\2", arn).lower()


def aws_auth_entries(objects: Iterable[KubeObject],
                     bound_users: Callable[[], Iterable[str]]) -> list[AccessEntry]:
    """Every role mapping of the aws-auth ConfigMaps among ``objects``; ``bound_users`` gives
    the user names the model's bindings name (what a templated ``username`` may become),
    asked only when a mapping has such a username."""
    users = _Users(bound_users)
    entries: list[AccessEntry] = []
    for obj in objects:
        if obj.kind != "ConfigMap":
            continue
        here = and3((eq3(obj.name, "aws-auth"), eq3(obj.namespace or "", "kube-system")))
        if here is False:
            continue
        if obj.condition is not None:
            here = None
        entries.extend(_entries(obj, here, users))
    return entries


def _entries(obj: KubeObject, here: Tri, users: _Users) -> Iterator[AccessEntry]:
    data = obj.body.get("data")
    where = obj.ref()
    if isinstance(data, Symbol):
        yield _unknown(obj, f"the data of {where} is unknown before apply ({data.reason or data.key})")
        return
    if not isinstance(data, Mapping) or "mapRoles" not in data:
        return
    mappings, unknown = _mappings(data["mapRoles"])
    if unknown is not None:
        yield _unknown(obj, f"mapRoles of {where} {unknown}")
    for position, mapping in enumerate(mappings, start=1):
        yield from _mapping(obj, here, position, mapping, users)


def _mappings(value: object) -> tuple[list[object], str | None]:
    """The mappings of a ``mapRoles`` value, and why more may exist (None: these are all)."""
    if isinstance(value, EncodedDocument):
        value = value.document
    if isinstance(value, str):
        if len(value) > MAX_MAPPING_TEXT:
            return [], f"is {len(value):,} characters, more than a ConfigMap holds: not read"
        try:
            value = yaml.load(value, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError as error:
            return [], f"is not YAML ({str(error).splitlines()[0]}): which roles it maps is unknown"
        if value is None:
            return [], None
    if isinstance(value, PartialList):
        return list(value.known), f"holds mappings unknown before apply ({value.reason or value.key})"
    if isinstance(value, Symbol):
        return [], f"is unknown before apply ({value.reason or value.key})"
    if not isinstance(value, list):
        return [], "is not a list of mappings: which roles it maps is unknown"
    return list(value), None


def _field(mapping: Mapping[Any, Any], name: str) -> object:
    """A mapping's field; the authenticator decodes YAML as JSON, so names match in any case."""
    for key, value in mapping.items():
        if isinstance(key, str) and key.lower() == name:
            return value
    return None


def _mapping(obj: KubeObject, here: Tri, position: int, mapping: object,
             users: _Users) -> Iterator[AccessEntry]:
    where = f"mapRoles entry {position} of {obj.ref()}"
    if isinstance(mapping, Symbol):
        yield _unknown(obj, f"{where} is unknown before apply ({mapping.reason or mapping.key})")
        return
    if not isinstance(mapping, Mapping):
        return  # not a mapping: the authenticator maps nothing with it
    arn = _field(mapping, "rolearn")
    if not isinstance(arn, (str, Symbol)) or arn == "":
        return  # a user or account mapping, or none: no role maps through it
    certain = here
    principal: Str = arn
    if isinstance(arn, str):
        principal = canonical_role_arn(arn)
        if principal != arn.lower():
            certain = None  # the documentation says a path never matches; taken as maybe
    groups_value = _field(mapping, "groups")
    groups: list[str] = []
    grants: list[AccessGrant] = []
    if isinstance(groups_value, list):
        groups = [group for group in groups_value if isinstance(group, str)]
        if len(groups) != len(groups_value):
            grants.append(_any_group(obj, f"{where} has groups unknown before apply"))
    elif groups_value is not None:
        grants.append(_any_group(obj, f"{where} has groups unknown before apply"))
    name = _field(mapping, "username")
    if isinstance(name, str) and name and not _TEMPLATE.search(name):
        yield AccessEntry(principal, User(name, (*groups, AUTHENTICATED)), certain, where, obj.source,
                          tuple(grants), what="aws-auth", ignores_path=True)
        return
    placeholder = f"pfperms-aws-auth-user-of:{arn}"  # filled in per request: no binding names it
    yield AccessEntry(principal, User(placeholder, (*groups, AUTHENTICATED)), certain, where, obj.source,
                      tuple(grants), what="aws-auth", ignores_path=True)
    shape = _template_pattern(name) if isinstance(name, str) and name else None
    for user in users.names():
        if shape is None or shape.fullmatch(user):
            yield AccessEntry(principal, User(user, (*groups, AUTHENTICATED)), None,
                              f"{where} (its username {name!r} may be {user!r})" if shape is not None
                              else f"{where} (its username is unknown, so it may be {user!r})",
                              obj.source, tuple(grants), what="aws-auth", ignores_path=True)


class _Users:
    """The bound user names, listed on first use (most loads have no templated username)."""

    def __init__(self, source: Callable[[], Iterable[str]]) -> None:
        self._source = source
        self._names: list[str] | None = None

    def names(self) -> list[str]:
        """The names, sorted."""
        if self._names is None:
            self._names = sorted(set(self._source()))
        return self._names


def _template_pattern(name: str) -> re.Pattern[str]:
    """What a templated username may become: each ``{{...}}`` any non-empty text."""
    pieces = _TEMPLATE.split(name)
    return re.compile(".+".join(re.escape(piece) for piece in pieces), re.DOTALL)


def _any_group(obj: KubeObject, words: str) -> AccessGrant:
    return AccessGrant(None, "", None, f"may be in any Kubernetes group: {words}", obj.source)


def _unknown(obj: KubeObject, words: str) -> AccessEntry:
    """A mapping of any role to any groups, maybe."""
    symbol = Symbol(key=f"pfperms-aws-auth-role-of:{obj.ref()}", expression="rolearn",
                    source=str(obj.source), reason=words)
    return AccessEntry(symbol, User(f"pfperms-aws-auth-user-of:{obj.ref()}", (AUTHENTICATED,)), None,
                       words, obj.source, (_any_group(obj, words),), what="aws-auth", ignores_path=True)


__all__ = ["MAX_MAPPING_TEXT", "aws_auth_entries", "canonical_role_arn"]
