"""Questions that cannot be mistyped: verbs, kinds, user names and namespaces are checked.

In a gate made of ``assert not model.can(...)`` a typo is a silent pass, so a verb that
is neither a Kubernetes verb nor one any rule of the model names, a kind that is
neither built in nor in the model, and a malformed ``system:serviceaccount:`` user
name are errors with a did-you-mean. A namespace nothing in the model mentions is a
real question (outsiders exist) and gets a note; one edit away from a known
namespace (a swap, a missing or doubled letter, an inner substitution; not a digit or
last-letter change, which name siblings such as ``ns1``/``ns2``) it is taken for a
typo and refused.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable

from ..errors import InvalidArgument
from ..model.identities import SERVICE_ACCOUNT_PREFIX

KUBERNETES_VERBS = frozenset({
    "get", "list", "watch", "create", "update", "patch", "delete", "deletecollection",
    "proxy", "impersonate", "bind", "escalate", "use", "approve", "sign", "attest",
    "post", "put", "head", "options", "*",
})
"""Verbs the API server authorizes: resource verbs, the special ones (impersonate, bind,
escalate, use, approve, sign, attest) and the HTTP verbs of non-resource URLs."""

BUILTIN_KINDS = frozenset({
    "Pod", "Deployment", "ReplicaSet", "ReplicationController", "StatefulSet", "DaemonSet",
    "Job", "CronJob", "Service", "Endpoints", "EndpointSlice", "ConfigMap", "Secret",
    "ServiceAccount", "Namespace", "Node", "PersistentVolume", "PersistentVolumeClaim",
    "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "Ingress", "IngressClass",
    "NetworkPolicy", "PodDisruptionBudget", "HorizontalPodAutoscaler", "LimitRange",
    "ResourceQuota", "StorageClass", "PriorityClass", "CustomResourceDefinition",
    "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "APIService", "Lease",
    "CSIDriver", "CSINode", "VolumeAttachment", "RuntimeClass", "CertificateSigningRequest",
    "PodSecurityPolicy", "FlowSchema", "PriorityLevelConfiguration", "Event",
    "Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow",
})
"""Kinds a model may hold none of without the question being a typo."""

ALWAYS_THERE = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})
"""Namespaces every cluster has."""


def _did_you_mean(word: str, choices: Iterable[str], *, cutoff: float = 0.6) -> str:
    known = sorted(set(choices))
    same_case = [choice for choice in known if choice.lower() == word.lower()]
    close = same_case or difflib.get_close_matches(word, known, n=2, cutoff=cutoff)
    return "; did you mean " + " or ".join(repr(c) for c in close) + "?" if close else ""


def check_verb(verb: object, rule_verbs: frozenset[str]) -> None:
    """Refuse a verb that is not a Kubernetes verb and that no rule of the model names."""
    if not isinstance(verb, str) or verb in KUBERNETES_VERBS or verb in rule_verbs:
        return
    raise InvalidArgument(
        f"unknown verb {verb!r}: not a Kubernetes verb and no rule in the model names it "
        f"(verbs are lower case and exact){_did_you_mean(verb, KUBERNETES_VERBS | rule_verbs)}")


def check_kind(kind: str, model_kinds: frozenset[str]) -> None:
    """Refuse a kind that is neither built in nor in the model (kinds are case-sensitive)."""
    if kind in BUILTIN_KINDS or kind in model_kinds:
        return
    raise InvalidArgument(
        f"unknown kind {kind!r}: no object of the model has it and it is not a built-in kind "
        f"(kinds are case-sensitive, as in 'ClusterRoleBinding')"
        f"{_did_you_mean(kind, BUILTIN_KINDS | model_kinds)}")


_PYTHON_HINTS = ("(pfperms.Group(...) asks about a group, User.authenticated(...) about a user)",
                 " (or pfperms.ServiceAccount(ns, name))")
_CLI_HINTS = ("(--as-group GROUP asks as a member of a group; --as USER about a user)", "")
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def check_username(text: str, *, cli: bool = False) -> None:
    """Refuse ``system:serviceaccount:`` names that are not ``system:serviceaccount:NS:NAME``
    with a namespace and name the API server admits, and look-alikes of that prefix (another
    case, one edit away, the ``system:serviceaccounts:`` group): a typo would silently ask
    about a User. ``cli``: the hints name ``pfperms --as``'s options, not the Python API."""
    hint, service_account_hint = _CLI_HINTS if cli else _PYTHON_HINTS
    head, _, rest = text.partition(":")
    second, _, tail = rest.partition(":")
    if head.lower() == "system" and (head, second) != ("system", "serviceaccount") and tail and (
            second.lower() in ("serviceaccount", "serviceaccounts")
            or one_edit_apart(second.lower(), "serviceaccount")):
        what = ("the group of every service account" if second.lower() == "serviceaccounts"
                else "not a user name a service account authenticates as")
        raise InvalidArgument(
            f"{text!r}: {what}; did you mean {SERVICE_ACCOUNT_PREFIX}{tail!s}? {hint}")
    if text.startswith(SERVICE_ACCOUNT_PREFIX):
        namespace, sep, name = text[len(SERVICE_ACCOUNT_PREFIX):].partition(":")
        if not (sep and namespace and name and ":" not in name):
            raise InvalidArgument(
                f"{text!r} is not a service account user name: write "
                f"{SERVICE_ACCOUNT_PREFIX}<namespace>:<name>{service_account_hint}")
        if "${" in text:  # a name unknown before apply, as rendered
            return
        if len(namespace) > 63 or not _DNS_LABEL.fullmatch(namespace):
            raise InvalidArgument(
                f"{text!r}: no service account authenticates with namespace {namespace!r} (a "
                "namespace is a DNS-1123 label: lower case letters, digits and '-')"
                + _valid_spelling(namespace, _DNS_LABEL))
        if len(name) > 253 or not _DNS_SUBDOMAIN.fullmatch(name):
            raise InvalidArgument(
                f"{text!r}: no service account authenticates with name {name!r} (a service "
                "account name is a DNS-1123 subdomain: lower case letters, digits, '-' and '.')"
                + _valid_spelling(name, _DNS_SUBDOMAIN))


def _valid_spelling(word: str, pattern: re.Pattern[str]) -> str:
    """``; did you mean 'ci'?`` when lower case without surrounding blanks is valid."""
    spelt = word.strip().lower()
    return f"; did you mean {spelt!r}?" if pattern.fullmatch(spelt) else ""


def one_edit_apart(left: str, right: str) -> bool:
    """Whether one insertion, deletion, substitution or swap of neighbours turns one into the
    other (``platfrom`` -> ``platform``); equal strings are not."""
    return _typo(left, right) is not None


def _typo(left: str, right: str) -> tuple[str, int, str] | None:
    """The single edit between two strings: (kind, position, the characters involved)."""
    if left == right or abs(len(left) - len(right)) > 1:
        return None
    if len(left) == len(right):
        differ = [i for i, (a, b) in enumerate(zip(left, right, strict=True)) if a != b]
        if len(differ) == 1:
            return "substitution", differ[0], left[differ[0]] + right[differ[0]]
        if (len(differ) == 2 and differ[1] == differ[0] + 1
                and left[differ[0]] == right[differ[1]] and left[differ[1]] == right[differ[0]]):
            return "swap", differ[0], left[differ[0]] + left[differ[1]]
        return None
    shorter, longer = sorted((left, right), key=len)
    for index in range(len(longer)):
        if longer[:index] + longer[index + 1:] == shorter:
            return "insertion", index, longer[index]
    return None


def looks_mistyped(asked: str, known: str) -> bool:
    """Whether ``asked`` reads as a typo of ``known`` rather than a sibling namespace: one
    swap, missing/doubled letter or inner substitution, where the longer name has four
    characters or more (``aps`` and ``app`` for ``apps``); edits of digits (``ns1``/``ns2``)
    and of the last character (``team-a``/``team-b``) name siblings."""
    edit = _typo(asked, known)
    if edit is None or max(len(asked), len(known)) < 4:
        return False
    kind, position, chars = edit
    if any(char.isdigit() for char in chars):
        return False
    return not (kind == "substitution" and position == len(asked) - 1)


@functools.lru_cache(maxsize=8)
def _by_length(known: frozenset[str]) -> dict[int, tuple[str, ...]]:
    """The known names by length (frozensets cache their hash, so this is one lookup)."""
    buckets: dict[int, list[str]] = {}
    for name in known:
        buckets.setdefault(len(name), []).append(name)
    return {size: tuple(names) for size, names in buckets.items()}


def namespace_note(namespace: object, known: frozenset[str]) -> str | None:
    """None for a namespace the model mentions; a note for one it does not; an error for one
    a single edit away from a namespace it mentions (a typo would silently answer no)."""
    if not isinstance(namespace, str) or not namespace or namespace in known:
        return None
    by_length = _by_length(known)  # one edit changes the length by at most one
    candidates = [name for size in (len(namespace) - 1, len(namespace), len(namespace) + 1)
                  for name in by_length.get(size, ())]
    near = sorted(name for name in candidates
                  if looks_mistyped(namespace, name) or name == namespace.lower())
    if near:
        raise InvalidArgument(
            f"namespace {namespace!r} is not mentioned anywhere in the sources, and it is one edit "
            f"from {', '.join(repr(n) for n in near)}; did you mean {near[0]!r}? (a namespace the "
            "sources never mention is allowed, but not one that looks like a typo)")
    return (f"namespace {namespace!r} is not mentioned anywhere in the sources (no object, "
            "binding subject or Namespace): the answer is for a namespace they know nothing about")


__all__ = [
    "ALWAYS_THERE",
    "BUILTIN_KINDS",
    "KUBERNETES_VERBS",
    "check_kind",
    "check_username",
    "check_verb",
    "looks_mistyped",
    "namespace_note",
    "one_edit_apart",
]
