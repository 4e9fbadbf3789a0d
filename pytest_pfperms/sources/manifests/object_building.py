"""Turn one Kubernetes object (a dict as YAML, JSON or Terraform gives it) into a model object.

Shared by every loader. Structure is checked while building (cheap on valid
input); on a problem the JSON Schema in :mod:`.schemas` names the exact field.
Values may be symbolic (:class:`~pytest_pfperms.values.Symbol`) when they come
from Terraform.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...kubernetes.rule_matching import UNKNOWN_KIND
from ...model.objects import (
    ClusterRole,
    ClusterRoleBinding,
    KubeObject,
    LabelSelector,
    PolicyRule,
    Role,
    RoleBinding,
    RoleRef,
    SelectorRequirement,
    ServiceAccountObject,
    SourceRef,
    Subject,
    WorkloadObject,
)
from ...values import Str, Symbol, UnknownMap
from .admission import admission_problems, unknown_field_problems
from .schemas import first_error

RBAC_GROUP = "rbac.authorization.k8s.io"
OLD_RBAC_VERSIONS = frozenset({f"{RBAC_GROUP}/v1beta1", f"{RBAC_GROUP}/v1alpha1"})

CLUSTER_SCOPED_KINDS = frozenset({
    "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding",
    "CustomResourceDefinition", "StorageClass", "PriorityClass", "IngressClass",
    "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "APIService",
    "CSIDriver", "CSINode", "VolumeAttachment", "RuntimeClass", "CertificateSigningRequest",
    "ClusterWorkflowTemplate", "ClusterIssuer", "ClusterPolicy", "ClusterPolicyReport",
    "ClusterSecretStore", "ClusterRoleTemplate", "PodSecurityPolicy", "ComponentStatus",
    "FlowSchema", "PriorityLevelConfiguration", "ConstraintTemplate",
})
"""Built-in and common cluster-scoped kinds: they never get a namespace."""

POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
"""Where each workload kind keeps the pod spec that names its service account."""

ARGO_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Workflow": ("spec",),
    "WorkflowTemplate": ("spec",),
    "ClusterWorkflowTemplate": ("spec",),
    "CronWorkflow": ("spec", "workflowSpec"),
}
"""Argo kinds and where their workflow spec is."""

WORKLOAD_KINDS = frozenset(POD_SPEC_PATHS) | frozenset(ARGO_SPEC_PATHS)
RBAC_KINDS = frozenset({"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"})




def part_of(symbol: Symbol, key: str | int) -> Symbol:
    """The symbol for one field of a wholly unknown value."""
    step = f"[{key}]" if isinstance(key, int) else f".{key}"
    return Symbol(key=f"{symbol.key}{step}", expression=f"{symbol.expression or symbol.key}{step}",
                  source=symbol.source, reason=symbol.reason, hint=symbol.hint)


class _UnknownMapping(dict[str, Any]):
    """A mapping unknown before apply: every field read from it is a symbol."""

    def __init__(self, symbol: Symbol):
        super().__init__()
        self.symbol = symbol

    def get(self, key: str, default: Any = None) -> Any:
        return part_of(self.symbol, key)


class InvalidObject(Exception):
    """A document that does not describe a valid object: ``path`` is the field, then the message."""

    def __init__(self, path: list[str | int], message: str,
                 more: tuple[tuple[list[str | int], str], ...] = ()):
        super().__init__(message)
        self.path = path
        self.message = message
        self.more = more
        """Further (path, message) findings about the same object, in order."""


class _Bad(Exception):
    """Raised inside the builder on the first structural surprise."""

    def __init__(self, path: list[str | int], message: str):
        super().__init__(message)
        self.path = path
        self.message = message


@dataclass(frozen=True, slots=True)
class Built:
    """A built object plus the warnings it raised (old API versions, invalid-but-evaluated)."""

    obj: KubeObject
    warnings: tuple[str, ...] = ()


def _is_str(value: object) -> bool:
    return value.__class__ is str or isinstance(value, Symbol)


def _str(value: object, path: list[str | int]) -> Str:
    if value.__class__ is str or isinstance(value, Symbol):
        return value
    raise _Bad(path, "expected a string")


def _str_list(value: object, path: list[str | int]) -> tuple[Str, ...] | Symbol:
    if value is None:
        return ()
    if isinstance(value, Symbol):
        return value
    if value.__class__ is not list and value.__class__ is not tuple:
        raise _Bad(path, "expected a list of strings")
    assert isinstance(value, (list, tuple))
    for item in value:
        if not (item.__class__ is str or isinstance(item, Symbol)):
            raise _Bad(path, "expected a list of strings")
    return tuple(value)


def _mapping(value: object, path: list[str | int], *, optional: bool = True) -> Mapping[str, Any]:
    if value is None and optional:
        return {}
    if isinstance(value, Symbol):
        return _UnknownMapping(value)
    if isinstance(value, Mapping):
        return value
    raise _Bad(path, "expected a mapping")


def _string_map(value: object, path: list[str | int]) -> dict[str, Str]:
    if isinstance(value, Symbol):
        return UnknownMap(value)
    mapping = _mapping(value, path)
    for key, item in mapping.items():
        if not isinstance(key, str) or not _is_str(item):
            raise _Bad(path, "expected a map of strings")
    return dict(mapping)


def _bool(value: object, path: list[str | int]) -> bool | None:
    if isinstance(value, Symbol):
        return None  # unknown before apply: treated as not set
    if value is None or value is True or value is False:
        return value
    raise _Bad(path, "expected true or false")


def _unknown_rule(symbol: Symbol, index: int, source: SourceRef) -> PolicyRule:
    """A rule (or rules) unknown before apply: every field is a symbol."""
    return PolicyRule(verbs=part_of(symbol, "verbs"), api_groups=part_of(symbol, "apiGroups"),
                      resources=part_of(symbol, "resources"), resource_names=(),
                      non_resource_urls=part_of(symbol, "nonResourceURLs"), index=index, source=source)


def _rules(value: object, source: SourceRef, rule_lines: list[int] | None) -> tuple[PolicyRule, ...]:
    if value is None:
        return ()
    if isinstance(value, Symbol):
        return (_unknown_rule(value, 0, source),)
    if not isinstance(value, (list, tuple)):
        raise _Bad(["rules"], "expected a list of rules")
    rules = []
    for index, raw in enumerate(value):
        where: list[str | int] = ["rules", index]
        if isinstance(raw, Symbol):
            rules.append(_unknown_rule(raw, index, source))
            continue
        rule = _mapping(raw, where, optional=False)
        if "verbs" not in rule:
            raise _Bad(where, "missing required field 'verbs'")
        line = rule_lines[index] if rule_lines and index < len(rule_lines) else source.line
        rules.append(PolicyRule(
            verbs=_str_list(rule.get("verbs"), [*where, "verbs"]),
            api_groups=_str_list(rule.get("apiGroups"), [*where, "apiGroups"]),
            resources=_str_list(rule.get("resources"), [*where, "resources"]),
            resource_names=_str_list(rule.get("resourceNames"), [*where, "resourceNames"]),
            non_resource_urls=_str_list(rule.get("nonResourceURLs"), [*where, "nonResourceURLs"]),
            index=index,
            source=SourceRef(source.path, line, source.helm_source, source.address),
        ))
    return tuple(rules)


def _selectors(value: object) -> tuple[LabelSelector, ...]:
    spec = _mapping(value, ["aggregationRule"])
    raw = spec.get("clusterRoleSelectors")
    if raw is None:
        return ()
    if not isinstance(raw, (list, tuple)):
        raise _Bad(["aggregationRule", "clusterRoleSelectors"], "expected a list of label selectors")
    selectors = []
    for index, item in enumerate(raw):
        where: list[str | int] = ["aggregationRule", "clusterRoleSelectors", index]
        selector = _mapping(item, where, optional=False)
        labels = _string_map(selector.get("matchLabels"), [*where, "matchLabels"])
        expressions = []
        raw_expressions = selector.get("matchExpressions") or []
        if not isinstance(raw_expressions, (list, tuple)):
            raise _Bad([*where, "matchExpressions"], "expected a list of requirements")
        for position, requirement in enumerate(raw_expressions):
            at: list[str | int] = [*where, "matchExpressions", position]
            requirement = _mapping(requirement, at, optional=False)
            operator = requirement.get("operator")
            if operator not in ("In", "NotIn", "Exists", "DoesNotExist"):
                raise _Bad([*at, "operator"], "expected one of In, NotIn, Exists, DoesNotExist")
            key = requirement.get("key")
            if not isinstance(key, str):
                raise _Bad([*at, "key"], "expected a string")
            values = _str_list(requirement.get("values"), [*at, "values"])
            if isinstance(values, Symbol) or any(isinstance(v, Symbol) for v in values):
                raise _Bad([*at, "values"], "selector values must be known before apply")
            expressions.append(SelectorRequirement(key, operator, tuple(str(v) for v in values)))
        selectors.append(LabelSelector(tuple(labels.items()), tuple(expressions)))
    return tuple(selectors)


def _subjects(value: object) -> tuple[Subject, ...]:
    if value is None:
        return ()
    if isinstance(value, Symbol):
        return (Subject(UNKNOWN_KIND, value),)
    if not isinstance(value, (list, tuple)):
        raise _Bad(["subjects"], "expected a list of subjects")
    subjects = []
    for index, raw in enumerate(value):
        where: list[str | int] = ["subjects", index]
        if isinstance(raw, Symbol):
            subjects.append(Subject(UNKNOWN_KIND, raw))
            continue
        subject = _mapping(raw, where, optional=False)
        kind = subject.get("kind")
        if isinstance(kind, Symbol):
            kind = UNKNOWN_KIND
        if not isinstance(kind, str):
            raise _Bad([*where, "kind"], "expected a string")
        namespace = subject.get("namespace")
        subjects.append(Subject(
            kind=kind,
            name=_str(subject.get("name"), [*where, "name"]),
            namespace=None if namespace in (None, "") else _str(namespace, [*where, "namespace"]),
            api_group=subject.get("apiGroup") if isinstance(subject.get("apiGroup"), str) else None,
        ))
    return tuple(subjects)


def _role_ref(value: object) -> RoleRef:
    ref = _mapping(value, ["roleRef"], optional=False)
    kind = ref.get("kind")
    if isinstance(kind, Symbol):
        kind = UNKNOWN_KIND
    if not isinstance(kind, str):
        raise _Bad(["roleRef", "kind"], "expected a string")
    api_group = ref.get("apiGroup", RBAC_GROUP)
    return RoleRef(kind, _str(ref.get("name"), ["roleRef", "name"]),
                   api_group if isinstance(api_group, str) else RBAC_GROUP)


def _dig(document: Mapping[str, Any], path: tuple[str, ...]) -> Mapping[str, Any]:
    current: Any = document
    walked: list[str | int] = []
    for key in path:
        walked.append(key)
        current = _mapping(current.get(key), list(walked))
    return current  # type: ignore[no-any-return]


def _pod_service_account(spec: Mapping[str, Any], path: list[str | int]) -> Str:
    name = spec.get("serviceAccountName")
    if name not in (None, ""):
        return _str(name, [*path, "serviceAccountName"])
    legacy = spec.get("serviceAccount")
    if legacy not in (None, ""):
        return _str(legacy, [*path, "serviceAccount"])
    return "default"


def build_object(
    document: Mapping[str, Any],
    source: SourceRef,
    default_namespace: Str,
    *,
    rule_lines: list[int] | None = None,
    condition: Symbol | None = None,
    strict_fields: bool = False,
    admitted: bool = False,
) -> Built:
    """Build one model object from a document; raise :class:`InvalidObject` if it is malformed
    or the API server would refuse it (:mod:`.admission`; ``strict_fields``: unknown fields
    too, as ``kubectl apply`` refuses them). ``admitted``: the document is known to pass
    those checks (a cached reading of a file that loaded without a problem under the same
    rules), so they are not run again.

    ``condition`` marks an object that exists only if a symbol turns out so (Terraform
    ``count``/``for_each`` over values unknown before apply).
    """
    try:
        built = _build(document, source, default_namespace, rule_lines)
        refused = [] if admitted else admission_problems(document, strict_fields=strict_fields)
        if refused:
            (path, message), *more = refused
            raise InvalidObject(path, message, tuple(more))
        if condition is not None:
            built = Built(dataclasses.replace(built.obj, condition=condition), built.warnings)
        return built
    except _Bad as problem:
        kind = document.get("kind") if isinstance(document, Mapping) else None
        exact = first_error(kind if isinstance(kind, str) else None, document)
        found = (problem.path, problem.message) if exact is None else exact
        unknown = unknown_field_problems(document) if strict_fields else []
        if unknown:  # a misspelt field explains a missing one: name it first
            (path, message), *more = [*unknown, found]
            raise InvalidObject(path, message, tuple(more)) from None
        raise InvalidObject(*found) from None


def _build(document: Mapping[str, Any], source: SourceRef, default_namespace: Str,
           rule_lines: list[int] | None) -> Built:
    if not isinstance(document, Mapping):
        raise _Bad([], "expected a mapping (a Kubernetes object)")
    kind = document.get("kind")
    api_version = document.get("apiVersion")
    if not isinstance(kind, str) or not kind:
        raise _Bad(["kind"], "missing required field 'kind'")
    if not isinstance(api_version, str) or not api_version:
        raise _Bad(["apiVersion"], "missing required field 'apiVersion'")
    metadata = _mapping(document.get("metadata"), ["metadata"])
    name: Str | None = None
    if metadata.get("name") not in (None, ""):
        name = _str(metadata.get("name"), ["metadata", "name"])
    elif metadata.get("generateName") not in (None, ""):
        prefix = _str(metadata.get("generateName"), ["metadata", "generateName"])
        generated_key = (f"{source.address}.metadata[0].name" if source.address
                         else f"{source}.generated_name")
        name = Symbol(key=generated_key,
                      expression=f"generateName: {prefix}",
                      source=str(source), reason="generated by the API server from generateName",
                      pattern=(re_escape(prefix) + "[a-z0-9]{5}") if isinstance(prefix, str) else None,
                      distinct_group=f"name:{kind}",
                      label=f"{prefix}<generated>" if isinstance(prefix, str) else "")
    labels = _string_map(metadata.get("labels"), ["metadata", "labels"])
    annotations = _string_map(metadata.get("annotations"), ["metadata", "annotations"])
    namespace: Str | None = None
    if kind not in CLUSTER_SCOPED_KINDS:
        raw_namespace = metadata.get("namespace")
        if raw_namespace in (None, ""):
            namespace = default_namespace
        else:
            namespace = _str(raw_namespace, ["metadata", "namespace"])
    warnings: list[str] = []
    rbac = kind in RBAC_KINDS and api_version.startswith(RBAC_GROUP + "/")
    if rbac and api_version in OLD_RBAC_VERSIONS:
        warnings.append(f"apiVersion {api_version} is deprecated (removed in Kubernetes 1.22); "
                        f"read as {RBAC_GROUP}/v1")
    needs_name = rbac or kind in WORKLOAD_KINDS or kind in ("ServiceAccount", "Namespace")
    if name is None:
        if needs_name:
            raise _Bad(["metadata"], "needs a 'name' (or 'generateName')")
        name = ""
    common: dict[str, Any] = {"kind": kind, "api_version": api_version, "name": name, "namespace": namespace,
              "source": source, "labels": labels, "annotations": annotations}
    obj: KubeObject
    if rbac and kind == "Role":
        obj = Role(**common, body=document, rules=_rules(document.get("rules"), source, rule_lines))
    elif rbac and kind == "ClusterRole":
        aggregation = None
        if document.get("aggregationRule") is not None:
            aggregation = _selectors(document.get("aggregationRule"))
        obj = ClusterRole(**common, body=document,
                          rules=_rules(document.get("rules"), source, rule_lines),
                          aggregation=aggregation)
    elif rbac and kind == "RoleBinding":
        obj = RoleBinding(**common, body=document, subjects=_subjects(document.get("subjects")),
                          role_ref=_role_ref(document.get("roleRef")))
    elif rbac and kind == "ClusterRoleBinding":
        obj = ClusterRoleBinding(**common, body=document,
                                 subjects=_subjects(document.get("subjects")),
                                 role_ref=_role_ref(document.get("roleRef")))
    elif kind == "ServiceAccount" and api_version == "v1":
        obj = ServiceAccountObject(**common, body=document, automount_token=_bool(
            document.get("automountServiceAccountToken"), ["automountServiceAccountToken"]))
    elif kind in POD_SPEC_PATHS:
        path = POD_SPEC_PATHS[kind]
        spec = _dig(document, path)
        obj = WorkloadObject(
            **common, body=document,
            service_account_name=_pod_service_account(spec, list(path)),
            automount_token=_bool(spec.get("automountServiceAccountToken"),
                                  [*path, "automountServiceAccountToken"]))
    elif kind in ARGO_SPEC_PATHS and api_version.startswith("argoproj.io/"):
        obj = _argo_workload(document, common)
    else:
        obj = KubeObject(**common, body=document)
    return Built(obj, tuple(warnings))


def _argo_workload(document: Mapping[str, Any], common: dict[str, Any]) -> WorkloadObject:
    path = ARGO_SPEC_PATHS[common["kind"]]
    spec = _dig(document, path)
    account: Str = "default"
    if spec.get("serviceAccountName") not in (None, ""):
        account = _str(spec.get("serviceAccountName"), [*path, "serviceAccountName"])
    extra: list[Str] = []
    executor = _mapping(spec.get("executor"), [*path, "executor"])
    if executor.get("serviceAccountName") not in (None, ""):
        extra.append(_str(executor.get("serviceAccountName"), [*path, "executor", "serviceAccountName"]))
    templates = spec.get("templates") or []
    if isinstance(templates, Symbol):
        # unknown before apply: any template may run as another account
        extra.append(Symbol(key=f"{templates.key}[*].serviceAccountName",
                            expression=f"{templates.expression}[*].serviceAccountName",
                            source=templates.source, reason=f"a template's serviceAccountName, "
                            f"unknown because the templates are ({templates.reason})",
                            hint=templates.hint))
        templates = []
    if not isinstance(templates, (list, tuple)):
        raise _Bad([*path, "templates"], "expected a list of templates")
    for index, template in enumerate(templates):
        template = _mapping(template, [*path, "templates", index], optional=False)
        if template.get("serviceAccountName") not in (None, ""):
            extra.append(_str(template.get("serviceAccountName"),
                              [*path, "templates", index, "serviceAccountName"]))
    if common["kind"] == "ClusterWorkflowTemplate":
        common = {**common, "namespace": Symbol(
            key=f"namespace of a Workflow using ClusterWorkflowTemplate/{common['name']}",
            reason="a ClusterWorkflowTemplate runs in the namespace of the Workflow that uses it",
            source=str(common["source"]),
            hint="ask about the Workflow that references it instead")}
    return WorkloadObject(
        **common, body=document, service_account_name=account,
        automount_token=_bool(spec.get("automountServiceAccountToken"),
                              [*path, "automountServiceAccountToken"]),
        extra_service_accounts=tuple(dict.fromkeys(x for x in extra if x != account)))


def re_escape(text: str) -> str:
    """Escape a literal for use in a Symbol pattern."""
    import re

    return re.escape(text)
