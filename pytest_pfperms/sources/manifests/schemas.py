"""JSON Schemas for the fields the model reads, and error messages users can act on.

The builder (:mod:`.kube_objects`) checks structure as it builds, which is cheap on
valid input; when it finds a problem it asks these schemas for the exact,
first error so that the message names the field path and what is wrong, e.g.
``rules[2].verbs: expected a list of strings, got "get"``. Symbolic values
(unknown before apply) count as strings.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ...values import Symbol

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

STRING = {"type": "string", "title": "a string"}
STRING_LIST = {"type": "array", "items": STRING, "title": "a list of strings"}
STRING_MAP = {"type": "object", "additionalProperties": STRING, "title": "a map of strings"}
BOOLEAN = {"type": "boolean", "title": "true or false"}

METADATA = {
    "type": "object", "title": "a mapping",
    "properties": {
        "name": STRING, "namespace": STRING, "generateName": STRING,
        "labels": STRING_MAP, "annotations": STRING_MAP,
    },
}
NAMED_METADATA = {**METADATA, "anyOf": [{"required": ["name"]}, {"required": ["generateName"]}]}

POLICY_RULE = {
    "type": "object", "title": "a mapping",
    "properties": {
        "verbs": STRING_LIST, "apiGroups": STRING_LIST, "resources": STRING_LIST,
        "resourceNames": STRING_LIST, "nonResourceURLs": STRING_LIST,
    },
    "required": ["verbs"],
}
RULES = {"type": "array", "items": POLICY_RULE, "title": "a list of rules"}

SELECTOR_REQUIREMENT = {
    "type": "object", "title": "a mapping",
    "properties": {
        "key": STRING,
        "operator": {"enum": ["In", "NotIn", "Exists", "DoesNotExist"],
                     "title": "one of In, NotIn, Exists, DoesNotExist"},
        "values": STRING_LIST,
    },
    "required": ["key", "operator"],
}
LABEL_SELECTOR = {
    "type": "object", "title": "a label selector",
    "properties": {
        "matchLabels": STRING_MAP,
        "matchExpressions": {"type": "array", "items": SELECTOR_REQUIREMENT,
                             "title": "a list of requirements"},
    },
}
SUBJECT = {
    "type": "object", "title": "a mapping",
    "properties": {"kind": STRING, "name": STRING, "namespace": STRING, "apiGroup": STRING},
    "required": ["kind", "name"],
}
ROLE_REF = {
    "type": "object", "title": "a mapping",
    "properties": {"kind": STRING, "name": STRING, "apiGroup": STRING},
    "required": ["kind", "name"],
}

ROLE = {
    "type": "object", "title": "a mapping",
    "properties": {"metadata": NAMED_METADATA, "rules": {**RULES, "type": ["array", "null"]}},
    "required": ["metadata"],
}
CLUSTER_ROLE = {
    "type": "object", "title": "a mapping",
    "properties": {
        "metadata": NAMED_METADATA,
        "rules": {**RULES, "type": ["array", "null"]},
        "aggregationRule": {
            "type": "object", "title": "a mapping",
            "properties": {"clusterRoleSelectors": {"type": "array", "items": LABEL_SELECTOR,
                                                    "title": "a list of label selectors"}},
        },
    },
    "required": ["metadata"],
}
BINDING = {
    "type": "object", "title": "a mapping",
    "properties": {
        "metadata": NAMED_METADATA,
        "subjects": {"type": ["array", "null"], "items": SUBJECT, "title": "a list of subjects"},
        "roleRef": ROLE_REF,
    },
    "required": ["metadata", "roleRef"],
}
SERVICE_ACCOUNT = {
    "type": "object", "title": "a mapping",
    "properties": {"metadata": NAMED_METADATA, "automountServiceAccountToken": BOOLEAN},
    "required": ["metadata"],
}
POD_SPEC = {
    "type": "object", "title": "a pod spec mapping",
    "properties": {
        "serviceAccountName": STRING, "serviceAccount": STRING,
        "automountServiceAccountToken": BOOLEAN,
    },
}
ANY_OBJECT = {
    "type": "object", "title": "a Kubernetes object (a mapping)",
    "properties": {"apiVersion": STRING, "kind": STRING, "metadata": METADATA},
    "required": ["apiVersion", "kind"],
}


def _nested(path: Sequence[str], leaf: Mapping[str, Any]) -> dict[str, Any]:
    """A schema requiring nothing but constraining the object found at ``path``."""
    schema: dict[str, Any] = dict(leaf)
    for key in reversed(path):
        schema = {"type": "object", "title": "a mapping", "properties": {key: schema}}
    return schema


def _workload(path: Sequence[str]) -> dict[str, Any]:
    schema = _nested(path, POD_SPEC)
    schema["properties"]["metadata"] = NAMED_METADATA
    schema["required"] = ["metadata"]
    return schema


ARGO_WORKFLOW_SPEC = {
    "type": "object", "title": "a workflow spec mapping",
    "properties": {
        "serviceAccountName": STRING, "automountServiceAccountToken": BOOLEAN,
        "executor": {"type": "object", "title": "a mapping",
                     "properties": {"serviceAccountName": STRING}},
        "templates": {"type": "array", "title": "a list of templates",
                      "items": {"type": "object", "title": "a mapping",
                                "properties": {"serviceAccountName": STRING,
                                               "automountServiceAccountToken": BOOLEAN}}},
    },
}

SCHEMAS: dict[str, dict[str, Any]] = {
    "Role": ROLE,
    "ClusterRole": CLUSTER_ROLE,
    "RoleBinding": BINDING,
    "ClusterRoleBinding": BINDING,
    "ServiceAccount": SERVICE_ACCOUNT,
    "Pod": _workload(["spec"]),
    "Deployment": _workload(["spec", "template", "spec"]),
    "ReplicaSet": _workload(["spec", "template", "spec"]),
    "ReplicationController": _workload(["spec", "template", "spec"]),
    "StatefulSet": _workload(["spec", "template", "spec"]),
    "DaemonSet": _workload(["spec", "template", "spec"]),
    "Job": _workload(["spec", "template", "spec"]),
    "CronJob": _workload(["spec", "jobTemplate", "spec", "template", "spec"]),
    "Workflow": {**_nested(["spec"], ARGO_WORKFLOW_SPEC), "required": ["metadata"]},
    "WorkflowTemplate": {**_nested(["spec"], ARGO_WORKFLOW_SPEC), "required": ["metadata"]},
    "ClusterWorkflowTemplate": {**_nested(["spec"], ARGO_WORKFLOW_SPEC), "required": ["metadata"]},
    "CronWorkflow": {**_nested(["spec", "workflowSpec"], ARGO_WORKFLOW_SPEC),
                     "required": ["metadata"]},
    "Namespace": {"type": "object", "title": "a mapping",
                  "properties": {"metadata": NAMED_METADATA}, "required": ["metadata"]},
}
for _kind in ("Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow"):
    SCHEMAS[_kind]["properties"]["metadata"] = NAMED_METADATA



@functools.cache
def _validators() -> tuple[dict[str, Validator], Validator]:
    """The validator of each kind's schema and of any object, built when a document first has a
    problem (jsonschema is imported then, not by every load: 0.04 s of each process)."""
    import jsonschema

    type_checker = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine(
        "string", lambda _checker, value: isinstance(value, (str, Symbol)))
    validator = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
        jsonschema.Draft202012Validator, type_checker=type_checker)
    return {kind: validator(schema) for kind, schema in SCHEMAS.items()}, validator(ANY_OBJECT)


def field_path(path: Sequence[str | int]) -> str:
    """``["rules", 2, "verbs"]`` -> ``rules[2].verbs``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + part
    return text


def _show(value: Any) -> str:
    if isinstance(value, Symbol):
        return str(value)
    try:
        return json.dumps(value, default=str)[:80]
    except (TypeError, ValueError):  # pragma: no cover - json handles what yaml gives
        return repr(value)[:80]


def first_error(kind: str | None, document: Any) -> tuple[list[str | int], str] | None:
    """The first schema violation in ``document`` as (path, message), or None if it is valid."""
    by_kind, any_object = _validators()
    validator = by_kind.get(kind or "", any_object)
    errors = list(validator.iter_errors(document))
    if not errors and validator is not any_object:
        errors = list(any_object.iter_errors(document))
    if not errors:
        return None
    error = min(errors, key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    # Descend to the deepest cause for anyOf/oneOf.
    path: list[str | int] = list(error.absolute_path)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "a field"
        return path, f"missing required field {missing!r}"
    if error.validator == "anyOf" and path and path[-1] == "metadata":
        return path, "needs a 'name' (or 'generateName')"
    title = error.schema.get("title") if isinstance(error.schema, dict) else None
    if error.validator in ("type", "enum"):
        return path, f"expected {title or error.validator_value}, got {_show(error.instance)}"
    return path, error.message
