"""What the API server admits: RBAC validation, object names, unknown fields, Helm syntax.

kube-apiserver defaults and then validates every RBAC object before it stores it
(``pkg/apis/rbac/v1/defaults.go``, ``pkg/apis/rbac/validation/validation.go``):

- a resource rule needs ``verbs``, ``apiGroups`` and ``resources``; a rule with
  ``nonResourceURLs`` only in a ClusterRole and with no ``apiGroups``,
  ``resources`` or ``resourceNames`` (``resourceNames`` over several resources is
  admitted: ``ValidatePolicyRule`` has no rule against it);
- an ``aggregationRule`` has at least one ``clusterRoleSelectors`` entry, and each is a
  valid label selector (``In``/``NotIn`` with values, ``Exists``/``DoesNotExist``
  without; keys qualified names, values label values);
- ``roleRef.apiGroup`` is ``rbac.authorization.k8s.io`` (an empty or missing one
  is defaulted to it), ``roleRef.kind`` is ``Role`` or ``ClusterRole`` (only
  ``ClusterRole`` in a ClusterRoleBinding) and ``roleRef.name`` is set;
- a subject's ``kind`` is ``ServiceAccount``, ``User`` or ``Group`` (exact case)
  with a ``name``; a ServiceAccount subject has no ``apiGroup``, a DNS subdomain
  name and, in a ClusterRoleBinding, a namespace; a User or Group subject's
  ``apiGroup`` is ``rbac.authorization.k8s.io`` (defaulted when empty);
- names may not be ``.``/``..`` or hold ``/`` or ``%`` (ServiceAccounts: a DNS
  subdomain; Namespaces: a DNS label), namespaces are DNS labels; label keys (and
  annotation keys) are qualified names and label values label values
  (``ValidateObjectMeta``).

``kubectl apply`` refuses unknown fields (``--validate=strict``, the default);
for the kinds checked here (RBAC, ServiceAccount, Namespace) every field is
known, so a misspelt one is refused with the closest known name. Values unknown
before apply (symbols) are taken to be valid.
"""

from __future__ import annotations

import contextlib
import difflib
import re
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import Any

from ...values import Symbol

Finding = tuple[list[str | int], str]
"""A field path and what is wrong there."""

RBAC_GROUP = "rbac.authorization.k8s.io"
RBAC_KINDS = frozenset({"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"})
SUBJECT_KINDS = ("ServiceAccount", "User", "Group")

_META = frozenset({
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
    "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
    "annotations", "ownerReferences", "finalizers", "managedFields"})
_TYPE = frozenset({"apiVersion", "kind", "metadata"})
_TOP: dict[str, frozenset[str]] = {
    "Role": _TYPE | {"rules"},
    "ClusterRole": _TYPE | {"rules", "aggregationRule"},
    "RoleBinding": _TYPE | {"subjects", "roleRef"},
    "ClusterRoleBinding": _TYPE | {"subjects", "roleRef"},
    "ServiceAccount": _TYPE | {"secrets", "imagePullSecrets", "automountServiceAccountToken"},
    "Namespace": _TYPE | {"spec", "status"},
}
_RULE = frozenset({"verbs", "apiGroups", "resources", "resourceNames", "nonResourceURLs"})
_SUBJECT = frozenset({"kind", "apiGroup", "name", "namespace"})
_OLD_SUBJECT = _SUBJECT | {"apiVersion"}  # v1alpha1 named the group by apiVersion
_ROLE_REF = frozenset({"apiGroup", "kind", "name"})
_AGGREGATION = frozenset({"clusterRoleSelectors"})
_SELECTOR = frozenset({"matchLabels", "matchExpressions"})
_REQUIREMENT = frozenset({"key", "operator", "values"})
_OBJECT_REFERENCE = frozenset({"kind", "namespace", "name", "uid", "apiVersion", "resourceVersion",
                               "fieldPath"})
_LOCAL_REFERENCE = frozenset({"name"})
_NAMESPACE_SPEC = frozenset({"finalizers"})

_QUALIFIED = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def suggestion(word: str, choices: frozenset[str] | tuple[str, ...]) -> str:
    """``; did you mean "apiGroups"?`` for the closest choice (same letters in another case
    first), or nothing."""
    for choice in sorted(choices):
        if choice.lower() == word.lower():
            return f'; did you mean "{choice}"?'
    lowered = {choice.lower(): choice for choice in choices}
    close = difflib.get_close_matches(word.lower(), sorted(lowered), n=1, cutoff=0.7)
    return f'; did you mean "{lowered[close[0]]}"?' if close else ""


_ENFORCED: ContextVar[bool] = ContextVar("pfperms_admission", default=True)


@contextlib.contextmanager
def unchecked() -> Iterator[None]:
    """Load what the API server would refuse, inside this block only: for tests of how the
    authorizer treats objects that can reach it by other ways (built directly, or with
    values unknown before apply). Never for a gate."""
    token = _ENFORCED.set(False)
    try:
        yield
    finally:
        _ENFORCED.reset(token)


def enforced() -> bool:
    """Whether the admission rules apply here (not inside :func:`unchecked`)."""
    return _ENFORCED.get()


def checked(document: Mapping[str, Any]) -> bool:
    """Whether the document is of a kind whose admission rules this module knows."""
    if not isinstance(document, Mapping):
        return False
    kind, version = document.get("kind"), document.get("apiVersion")
    if not isinstance(kind, str):  # a list or a mapping where the kind goes: no rules to apply
        return False
    if kind in RBAC_KINDS:
        return isinstance(version, str) and version.startswith(RBAC_GROUP + "/")
    return kind in ("ServiceAccount", "Namespace") and version == "v1"


def admission_problems(document: Mapping[str, Any], *, strict_fields: bool) -> list[Finding]:
    """Every reason the API server (and, with ``strict_fields``, ``kubectl apply``) would
    refuse the document, unknown fields first; empty when it would store it."""
    if not _ENFORCED.get() or not checked(document):
        return []
    kind = str(document["kind"])
    found: list[Finding] = []
    if strict_fields:
        found += _unknown_fields(document, kind)
    found += _metadata(document, kind)
    if kind in ("Role", "ClusterRole"):
        for index, rule in enumerate(_items(document.get("rules"))):
            found += _rule(rule, ["rules", index], namespaced=kind == "Role")
    if kind == "ClusterRole":
        found += _aggregation(document.get("aggregationRule"))
    elif kind in ("RoleBinding", "ClusterRoleBinding"):
        found += _role_ref(document.get("roleRef"), cluster=kind == "ClusterRoleBinding")
        for index, subject in enumerate(_items(document.get("subjects"))):
            found += _subject(subject, ["subjects", index], cluster=kind == "ClusterRoleBinding")
    return found


# -- unknown fields ------------------------------------------------------------------------------


def unknown_field_problems(document: Mapping[str, Any]) -> list[Finding]:
    """The unknown fields alone (reported before a structural problem they may explain)."""
    if not _ENFORCED.get() or not checked(document):
        return []
    return _unknown_fields(document, str(document["kind"]))


def _unknown(value: object, path: list[str | int], known: frozenset[str]) -> list[Finding]:
    if not isinstance(value, Mapping) or isinstance(value, Symbol):
        return []
    return [([*path, key], f"unknown field {key!r}: the API server refuses it (kubectl apply "
                           f"--validate=strict){suggestion(key, known)}")
            for key in value if isinstance(key, str) and key not in known]


def _items(value: object) -> list[Mapping[str, Any]]:
    """The mappings of a list field (symbols and other types are the builder's business)."""
    if not isinstance(value, list | tuple):
        return []
    return [item if isinstance(item, Mapping) else {} for item in value]


def _unknown_fields(document: Mapping[str, Any], kind: str) -> list[Finding]:
    found = _unknown(document, [], _TOP[kind])
    found += _unknown(document.get("metadata"), ["metadata"], _META)
    for index, rule in enumerate(_items(document.get("rules"))):
        found += _unknown(rule, ["rules", index], _RULE)
    aggregation = document.get("aggregationRule")
    found += _unknown(aggregation, ["aggregationRule"], _AGGREGATION)
    if isinstance(aggregation, Mapping):
        for index, selector in enumerate(_items(aggregation.get("clusterRoleSelectors"))):
            where: list[str | int] = ["aggregationRule", "clusterRoleSelectors", index]
            found += _unknown(selector, where, _SELECTOR)
            for position, requirement in enumerate(_items(selector.get("matchExpressions"))):
                found += _unknown(requirement, [*where, "matchExpressions", position], _REQUIREMENT)
    found += _unknown(document.get("roleRef"), ["roleRef"], _ROLE_REF)
    if kind == "ServiceAccount":
        for field, known in (("secrets", _OBJECT_REFERENCE), ("imagePullSecrets", _LOCAL_REFERENCE)):
            for index, item in enumerate(_items(document.get(field))):
                found += _unknown(item, [field, index], known)
    if kind == "Namespace":
        found += _unknown(document.get("spec"), ["spec"], _NAMESPACE_SPEC)
    subject_fields = _OLD_SUBJECT if str(document.get("apiVersion")).endswith("v1alpha1") else _SUBJECT
    for index, subject in enumerate(_items(document.get("subjects"))):
        found += _unknown(subject, ["subjects", index], subject_fields)
    return found


# -- names ---------------------------------------------------------------------------------------


def _path_segment(name: str) -> str | None:
    """``path.IsValidPathSegmentName``: the name of a Role, binding or ClusterRole."""
    if name in (".", ".."):
        return f"may not be {name!r}"
    for bad in ("/", "%"):
        if bad in name:
            return f"may not contain {bad!r}"
    return None


def _dns(name: str, *, label: bool) -> str | None:
    limit, pattern = (63, _DNS_LABEL) if label else (253, _DNS_SUBDOMAIN)
    what = "a DNS-1123 label" if label else "a DNS-1123 subdomain"
    if len(name) > limit:
        return f"must be no more than {limit} characters ({what})"
    if not pattern.fullmatch(name):
        return (f"must be {what}: lower case letters, digits and '-'"
                + ("" if label else " or '.'") + ", starting and ending with a letter or digit")
    return None


def _name_rule(kind: str, name: str) -> str | None:
    if kind == "ServiceAccount":
        return _dns(name, label=False)
    if kind == "Namespace":
        return _dns(name, label=True)
    return _path_segment(name)


def _metadata(document: Mapping[str, Any], kind: str) -> list[Finding]:
    metadata = document.get("metadata")
    if not isinstance(metadata, Mapping) or isinstance(metadata, Symbol):
        return []
    found: list[Finding] = []
    name = metadata.get("name")
    if isinstance(name, str) and name:
        why = _name_rule(kind, name)
        if why:
            found.append((["metadata", "name"], f"invalid name {name!r}: {why}"))
    elif isinstance(metadata.get("generateName"), str) and metadata.get("generateName"):
        prefix = str(metadata.get("generateName"))
        # the API server checks a prefix with a trailing '-' read as a letter (maskTrailingDash)
        why = _name_rule(kind, prefix[:-1] + "a" if prefix.endswith("-") else prefix)
        if why:
            found.append((["metadata", "generateName"], f"invalid prefix {prefix!r}: {why}"))
    namespace = metadata.get("namespace")
    if kind in ("Role", "RoleBinding", "ServiceAccount") and isinstance(namespace, str) and namespace:
        why = _dns(namespace, label=True)
        if why:
            found.append((["metadata", "namespace"], f"invalid namespace {namespace!r}: {why}"))
    found += _labels(metadata.get("labels"), ["metadata", "labels"])
    annotations = metadata.get("annotations")
    if isinstance(annotations, Mapping) and not isinstance(annotations, Symbol):
        for key in annotations:
            # ValidateAnnotations checks the lower-cased key
            why = _qualified_name(key.lower()) if isinstance(key, str) else None
            if why:
                found.append((["metadata", "annotations", key], f"invalid annotation key {key!r}: {why}"))
    return found


def _qualified_name(name: str) -> str | None:
    """``IsQualifiedName``: a label key, ``[prefix/]name``."""
    parts = name.split("/")
    if len(parts) > 2:
        return ("a qualified name is a name with an optional DNS subdomain prefix and '/' "
                "(e.g. 'example.com/MyName'), with one '/' at most")
    if len(parts) == 2:
        prefix, name = parts
        if not prefix:
            return "prefix part must be non-empty"
        why = _dns(prefix, label=False)
        if why:
            return f"prefix part {why}"
    if not name:
        return "name part must be non-empty"
    if len(name) > 63:
        return "name part must be no more than 63 characters"
    if not _QUALIFIED.fullmatch(name):
        return ("name part must consist of alphanumeric characters, '-', '_' or '.', and must "
                "start and end with an alphanumeric character")
    return None


def _label_value(value: str) -> str | None:
    """``IsValidLabelValue``."""
    if len(value) > 63:
        return "must be no more than 63 characters"
    if not _LABEL_VALUE.fullmatch(value):
        return ("a valid label must be an empty string or consist of alphanumeric characters, "
                "'-', '_' or '.', and must start and end with an alphanumeric character")
    return None


def _labels(value: object, where: list[str | int]) -> list[Finding]:
    """``ValidateLabels``: keys qualified names, values label values (symbols pass)."""
    if not isinstance(value, Mapping) or isinstance(value, Symbol):
        return []
    found: list[Finding] = []
    for key, item in value.items():
        if not isinstance(key, str):
            continue
        why = _qualified_name(key)
        if why:
            found.append(([*where, key], f"invalid label key {key!r}: {why}"))
        if isinstance(item, str):
            why = _label_value(item)
            if why:
                found.append(([*where, key], f"invalid label value {item!r}: {why}"))
    return found


# -- aggregation rules ---------------------------------------------------------------------------


def _aggregation(value: object) -> list[Finding]:
    """``ValidateClusterRole``: a non-nil aggregationRule needs a selector, each a valid one."""
    if value is None or not isinstance(value, Mapping) or isinstance(value, Symbol):
        return []
    where: list[str | int] = ["aggregationRule", "clusterRoleSelectors"]
    selectors = value.get("clusterRoleSelectors")
    if isinstance(selectors, Symbol):
        return []
    if _count(selectors) == 0:
        return [(where, "Required value: at least one clusterRoleSelector required if "
                        "aggregationRule is non-nil (an empty aggregationRule would strip the "
                        "role's rules; remove it or add a selector)")]
    found: list[Finding] = []
    for index, selector in enumerate(_items(selectors)):
        at: list[str | int] = [*where, index]
        found += _labels(selector.get("matchLabels"), [*at, "matchLabels"])
        for position, requirement in enumerate(_items(selector.get("matchExpressions"))):
            found += _requirement(requirement, [*at, "matchExpressions", position])
    return found


def _requirement(requirement: Mapping[str, Any], where: list[str | int]) -> list[Finding]:
    """``ValidateLabelSelectorRequirement`` (the operator itself is the builder's check)."""
    found: list[Finding] = []
    operator, values, key = (requirement.get(name) for name in ("operator", "values", "key"))
    count = _count(values)
    if operator in ("In", "NotIn") and count == 0:
        found.append(([*where, "values"], "Required value: must be specified when `operator` is "
                      "'In' or 'NotIn'"))
    elif operator in ("Exists", "DoesNotExist") and count:
        found.append(([*where, "values"], "Forbidden: may not be specified when `operator` is "
                      "'Exists' or 'DoesNotExist'"))
    if isinstance(key, str):
        why = _qualified_name(key)
        if why:
            found.append(([*where, "key"], f"invalid label key {key!r}: {why}"))
    if isinstance(values, list | tuple):
        for index, item in enumerate(values):
            if isinstance(item, str):
                why = _label_value(item)
                if why:
                    found.append(([*where, "values", index], f"invalid label value {item!r}: {why}"))
    return found


# -- rules, role references, subjects -----------------------------------------------------------


def _count(value: object) -> int | None:
    """How many entries a list field has; None when unknown before apply."""
    if isinstance(value, Symbol):
        return None
    return len(value) if isinstance(value, list | tuple) else 0


def _rule(rule: Mapping[str, Any], where: list[str | int], *, namespaced: bool) -> list[Finding]:
    verbs, groups, resources, names, urls = (
        _count(rule.get(key)) for key in ("verbs", "apiGroups", "resources", "resourceNames",
                                          "nonResourceURLs"))
    found: list[Finding] = []
    if verbs == 0:
        found.append(([*where, "verbs"], "verbs must contain at least one value"))
    if urls is None or urls > 0:
        if urls and namespaced:
            found.append(([*where, "nonResourceURLs"], "namespaced rules cannot apply to "
                          "non-resource URLs (only a ClusterRole can grant them)"))
        if urls and any(count is None or count > 0 for count in (groups, resources, names)):
            found.append(([*where, "nonResourceURLs"], "rules cannot apply to both regular "
                          "resources and non-resource URLs (split it into two rules)"))
        return found
    if groups == 0:
        found.append(([*where, "apiGroups"], 'resource rules must supply at least one api group '
                      '("" is the core group)' + _misspelt(rule, "apiGroups")))
    if resources == 0:
        found.append(([*where, "resources"], "resource rules must supply at least one resource"
                      + _misspelt(rule, "resources")))
    return found


def _misspelt(mapping: Mapping[str, Any], wanted: str) -> str:
    """A hint when the mapping has a key that looks like the missing field."""
    for key in mapping:
        if isinstance(key, str) and key != wanted and suggestion(key, frozenset({wanted})):
            return f" (the field {key!r} is not {wanted!r})"
    return ""


def _not_supported(value: object, supported: tuple[str, ...]) -> str:
    shown = ", ".join(f'"{item}"' for item in supported)
    hint = suggestion(value, frozenset(supported)) if isinstance(value, str) and value else ""
    return f"Unsupported value {value!r}: supported values: {shown}{hint}"


def _role_ref(value: object, *, cluster: bool) -> list[Finding]:
    if not isinstance(value, Mapping) or isinstance(value, Symbol):
        return []
    found: list[Finding] = []
    group = value.get("apiGroup")
    if isinstance(group, str) and group not in ("", RBAC_GROUP):
        found.append((["roleRef", "apiGroup"], _not_supported(group, (RBAC_GROUP,))))
    kind = value.get("kind")
    kinds = ("ClusterRole",) if cluster else ("Role", "ClusterRole")
    if isinstance(kind, str) and kind not in kinds:
        message = _not_supported(kind, kinds)
        if cluster and kind == "Role":
            message += " (a ClusterRoleBinding can only bind a ClusterRole)"
        found.append((["roleRef", "kind"], message))
    name = value.get("name")
    if name in (None, ""):
        found.append((["roleRef", "name"], "Required value: the name of the role to bind"))
    elif isinstance(name, str):
        why = _path_segment(name)
        if why:
            found.append((["roleRef", "name"], f"invalid name {name!r}: {why}"))
    return found


def _subject(subject: Mapping[str, Any], where: list[str | int], *, cluster: bool) -> list[Finding]:
    found: list[Finding] = []
    name, kind, group = subject.get("name"), subject.get("kind"), subject.get("apiGroup")
    if name in (None, ""):
        found.append(([*where, "name"], "Required value: the subject's name"))
    if isinstance(kind, Symbol) or not isinstance(kind, str):
        return found
    if kind == "ServiceAccount":
        if isinstance(name, str) and name:
            why = _dns(name, label=False)
            if why:
                found.append(([*where, "name"], f"invalid service account name {name!r}: {why}"))
        if isinstance(group, str) and group:
            found.append(([*where, "apiGroup"], f"Unsupported value {group!r}: supported "
                          'values: "" (a ServiceAccount subject takes no apiGroup; remove it)'))
        namespace = subject.get("namespace")
        if cluster and namespace in (None, ""):
            found.append(([*where, "namespace"], "Required value: a ServiceAccount subject of "
                          "a ClusterRoleBinding needs the service account's namespace"))
    elif kind in ("User", "Group"):
        if isinstance(group, str) and group not in ("", RBAC_GROUP):
            found.append(([*where, "apiGroup"], _not_supported(group, (RBAC_GROUP,))))
    else:
        found.append(([*where, "kind"], _not_supported(kind, SUBJECT_KINDS)))
    return found


# -- Helm template syntax ------------------------------------------------------------------------

_HELM = re.compile(
    r"\{\{-?\s*(?:\$?\.(?:Values|Release|Chart|Capabilities|Files|Template)\b"
    r"|(?:include|tpl|template|toYaml|required)\s|(?:if|with|range)\s+\$?\.(?:Values|Release|Chart))")
_TEMPLATE = re.compile(r"\{\{.*?\}\}")


def helm_template_line(text: str) -> tuple[int, str] | None:
    """The first line (1-based) and action of Helm template syntax such as
    ``{{ .Values.x }}`` or ``{{ include "..." . }}`` outside a comment, or None.

    Rendered manifests keep other ``{{ }}`` (Prometheus ``{{ $labels.pod }}``, Argo
    ``{{inputs.parameters.x}}``); only Helm's own objects and functions count.
    """
    if "{{" not in text:
        return None
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        match = _HELM.search(line)
        if match is not None:
            action = _TEMPLATE.search(line, match.start())
            return number, action.group(0) if action else match.group(0)
    return None


def template_braces_line(text: str) -> int | None:
    """The first non-comment line holding ``{{``, for a hint after a YAML syntax error."""
    if "{{" not in text:
        return None
    for number, line in enumerate(text.splitlines(), 1):
        if "{{" in line and not line.lstrip().startswith("#"):
            return number
    return None


HELM_ADVICE = "render it first with `helm template <release> <chart>` and load the output"


__all__ = [
    "HELM_ADVICE",
    "admission_problems",
    "checked",
    "helm_template_line",
    "suggestion",
    "template_braces_line",
    "unchecked",
    "unknown_field_problems",
]
