"""Why a locked grant no longer holds: the current model asked the locked question again.

A lockfile keeps no causes (file:line moves with every edit), so the cause of a grant that
shrank comes from the model as it is now: the request the entry stands for is asked again,
and its explanation (no rule grants it, an explicit deny at file:line, the role that no
longer admits it) is the cause.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

from ..model.decision import Decision
from ..model.identities import ServiceAccount
from ..query.model import Model
from ..vault.acl import path_inside
from .comparison import Change
from .snapshot import CLUSTER, Entry, accounts

_LIST = r"\[([^\]]*)\]"
_FIELDS = {name: re.compile(rf"\b{name} {_LIST}") for name in ("apiGroups", "resources", "resourceNames",
                                                               "verbs", "nonResourceURLs")}
_ACCOUNT = re.compile(r"ServiceAccount ([^/\s]+)/(\S+)")
MAX_LINES = 3
"""Explanation lines kept per cause."""


def with_shrink_causes(model: Model, changes: list[Change]) -> list[Change]:
    """``changes`` with each shrunk entry's cause asked of ``model`` (entries it cannot ask
    again, such as a rule it cannot read back, keep none)."""
    found: list[Change] = []
    known = {str(account): account for account in accounts(model)[0]}
    for change in changes:
        if change.direction == "shrank" and not change.entry.cause:
            cause = shrink_cause(model, change.entry, known)
            if cause:
                change = Change(change.direction, replace(change.entry, cause=cause))
        found.append(change)
    return found


def shrink_cause(model: Model, entry: Entry, known: dict[str, ServiceAccount]) -> str:
    """What the current model says of the entry's request ("" when it cannot be asked);
    ``known`` are the model's service accounts by how the lockfile names them (symbolic names
    included, so ``apps/${module.x.name}`` is asked as that symbol, not as a literal)."""
    account = known.get(entry.subject)
    if account is None:
        match = _ACCOUNT.fullmatch(entry.subject)
        if match is None or "${" in entry.subject:
            return "now: the sources no longer mention this service account"
        account = ServiceAccount(match.group(1), match.group(2))
    decision = _ask(model, account, entry)
    if decision is None:
        return ""
    lines = [line.strip() for line in decision.explanation().lines if line.strip()][:MAX_LINES]
    return f"now: {decision.summary()}" + "".join(f"\n        {line}" for line in lines)


def _ask(model: Model, account: ServiceAccount, entry: Entry) -> Decision | None:
    try:
        if entry.system == "aws":
            return model.aws_can(account, entry.grant, entry.scope)
        if entry.system == "vault":
            return model.vault_can(account, entry.grant, path_inside(entry.scope))
        if entry.system == "kubernetes":
            return _kubernetes(model, account, entry)
    except (ValueError, TypeError):  # an entry this release cannot ask again
        return None
    return None


def _kubernetes(model: Model, account: ServiceAccount, entry: Entry) -> Decision | None:
    """The rule's first verb on its first resource (or URL), where it was granted."""
    fields: dict[str, list[str]] = {}
    for name, pattern in _FIELDS.items():
        found = pattern.search(entry.grant)
        if found is not None:
            values = json.loads(f"[{found.group(1)}]")
            fields[name] = [value for value in values if isinstance(value, str)]
    verbs = fields.get("verbs") or []
    if not verbs:
        return None
    verb = "get" if verbs[0] == "*" else verbs[0]  # a verb a "*" rule grants
    namespace = None if entry.scope == CLUSTER else entry.scope
    urls = fields.get("nonResourceURLs") or []
    if urls:
        return model.can(account, verb, urls[0].replace("*", "pfperms"))
    resources, groups = fields.get("resources") or [], fields.get("apiGroups") or []
    if not resources or not groups:
        return None
    resource = resources[0].replace("*", "pfperms")
    group = groups[0].replace("*", "pfperms")
    names = fields.get("resourceNames") or []
    return model.can(account, verb, f"{resource}.{group}" if group else resource, namespace=namespace,
                     name=names[0] if names else None)


__all__ = ["shrink_cause", "with_shrink_causes"]
