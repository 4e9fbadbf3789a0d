"""Write manifest dicts as YAML, JSON, a ``List``, Terraform HCL or a plan, and load them back.

The same objects in every representation must give identical answers
(``tests/test_properties_representation.py``); these writers are how the property
tests, and users, produce them. HCL and the plan (``terraform show -json`` with
``planned_values``) use the Terraform kubernetes provider's resources
(``kubernetes_role``, ``kubernetes_cluster_role``, ``kubernetes_role_binding``,
``kubernetes_cluster_role_binding``, ``kubernetes_service_account``) and write every
ServiceAccount subject's namespace explicitly, because the provider defaults an
omitted one to ``"default"`` where a RoleBinding's YAML means its own namespace.
:class:`HclExpression` puts a raw HCL expression (``var.namespace``) where a string
would go; every ``var.<name>`` used is declared as a string variable without a
default. No Hypothesis here.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml

from ...errors import InvalidArgument

if TYPE_CHECKING:
    from ...query.model import Model

Format = Literal["yaml", "json", "list", "hcl", "plan"]
FORMATS: tuple[str, ...] = ("yaml", "json", "list", "hcl", "plan")
Manifest = dict[str, Any]


@dataclass(frozen=True, slots=True)
class HclExpression:
    """A raw HCL expression, such as ``var.namespace``, standing for a string in a manifest."""

    text: str

    def __str__(self) -> str:
        return self.text


# --------------------------------------------------------------------------- YAML and JSON


def _plain(value: Any, where: str) -> Any:
    """The value with no HclExpression in it (YAML and JSON cannot hold one)."""
    if isinstance(value, HclExpression):
        raise InvalidArgument(f"{where} holds the HCL expression {value.text!r}; only format='hcl' "
                              "can write it")
    if isinstance(value, Mapping):
        return {key: _plain(item, f"{where}.{key}") for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item, f"{where}[{index}]") for index, item in enumerate(value)]
    return value


def _file_stem(index: int, manifest: Manifest) -> str:
    name = str(manifest.get("metadata", {}).get("name", "object"))
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name)
    return f"{index:03d}-{str(manifest.get('kind', 'object')).lower()}-{safe}"


# --------------------------------------------------------------------------- HCL


def _hcl_string(value: Any, where: str) -> str:
    if isinstance(value, HclExpression):
        return value.text
    if not isinstance(value, str):
        raise InvalidArgument(f"{where} must be a string to write it as HCL, not {value!r}")
    return json.dumps(value).replace("${", "$${").replace("%{", "%%{")


def _hcl_list(values: Sequence[Any], where: str) -> str:
    return "[" + ", ".join(_hcl_string(item, f"{where}[{i}]") for i, item in enumerate(values)) + "]"


def _hcl_map(values: Mapping[str, Any], where: str) -> str:
    return "{ " + ", ".join(f"{json.dumps(key)} = {_hcl_string(item, f'{where}.{key}')}"
                            for key, item in values.items()) + " }"


def _variables(value: Any, found: dict[str, None]) -> None:
    if isinstance(value, HclExpression):
        for name in re.findall(r"\bvar\.([A-Za-z_][A-Za-z0-9_-]*)", value.text):
            found[name] = None
    elif isinstance(value, Mapping):
        for item in value.values():
            _variables(item, found)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _variables(item, found)


_RESOURCE_TYPES = {"Role": "kubernetes_role", "ClusterRole": "kubernetes_cluster_role",
                   "RoleBinding": "kubernetes_role_binding",
                   "ClusterRoleBinding": "kubernetes_cluster_role_binding",
                   "ServiceAccount": "kubernetes_service_account"}
_RULE_FIELDS = (("apiGroups", "api_groups"), ("nonResourceURLs", "non_resource_urls"),
                ("resources", "resources"), ("resourceNames", "resource_names"), ("verbs", "verbs"))

Body = dict[str, Any]
"""A Terraform resource body: nested blocks are lists of dicts, maps are dicts, as in a plan."""


def _metadata(manifest: Manifest, where: str, *, namespaced: bool) -> Body:
    metadata = manifest.get("metadata") or {}
    body: Body = {"name": metadata.get("name")}
    if namespaced:
        if metadata.get("namespace") is None:
            raise InvalidArgument(f"{where}: write a namespace for Terraform (the provider would put "
                                  "it in 'default')")
        body["namespace"] = metadata["namespace"]
    if metadata.get("labels"):
        body["labels"] = dict(metadata["labels"])
    return body


def _rules(manifest: Manifest, where: str, *, role: bool) -> list[Body]:
    found = []
    for index, rule in enumerate(manifest.get("rules") or []):
        if role and rule.get("nonResourceURLs"):
            raise InvalidArgument(f"{where}.rules[{index}]: kubernetes_role has no non_resource_urls "
                                  "(namespaced Roles cannot grant non-resource URLs)")
        found.append({attribute: list(rule[key]) for key, attribute in _RULE_FIELDS if rule.get(key)})
    return found


def _aggregation(manifest: Manifest) -> list[Body]:
    aggregation = manifest.get("aggregationRule")
    if aggregation is None:
        return []
    selectors = []
    for selector in aggregation.get("clusterRoleSelectors") or []:
        body: Body = {}
        if selector.get("matchLabels"):
            body["match_labels"] = dict(selector["matchLabels"])
        expressions = []
        for requirement in selector.get("matchExpressions") or []:
            expression: Body = {"key": requirement["key"], "operator": requirement["operator"]}
            if requirement.get("values"):
                expression["values"] = list(requirement["values"])
            expressions.append(expression)
        if expressions:
            body["match_expressions"] = expressions
        selectors.append(body)
    return [{"cluster_role_selectors": selectors}]


def _binding(manifest: Manifest, where: str, *, namespaced: bool) -> Body:
    ref = manifest.get("roleRef") or {}
    body: Body = {"role_ref": [{"api_group": ref.get("apiGroup", "rbac.authorization.k8s.io"),
                                "kind": ref.get("kind"), "name": ref.get("name")}]}
    binding_namespace = (manifest.get("metadata") or {}).get("namespace") if namespaced else None
    subjects = []
    for index, subject in enumerate(manifest.get("subjects") or []):
        entry: Body = {"kind": subject.get("kind"), "name": subject.get("name")}
        namespace = subject.get("namespace")
        if subject.get("kind") == "ServiceAccount" and not namespace:
            namespace = binding_namespace
            if namespace is None:
                raise InvalidArgument(f"{where}.subjects[{index}]: a ServiceAccount subject of a "
                                      "ClusterRoleBinding needs a namespace")
        if namespace:
            entry["namespace"] = namespace
        if subject.get("apiGroup"):
            entry["api_group"] = subject["apiGroup"]
        subjects.append(entry)
    body["subject"] = subjects
    return body


def terraform_resources(manifests: Sequence[Manifest]) -> list[tuple[str, str, Body]]:
    """``(resource type, label, body)`` of the Terraform kubernetes provider for each manifest."""
    found: list[tuple[str, str, Body]] = []
    counts: dict[str, int] = {}
    for index, manifest in enumerate(manifests):
        kind = manifest.get("kind")
        where = f"manifests[{index}] ({kind})"
        resource_type = _RESOURCE_TYPES.get(str(kind))
        if resource_type is None:
            raise InvalidArgument(f"{where}: cannot write kind {kind!r} for Terraform; kinds written: "
                                  + ", ".join(_RESOURCE_TYPES))
        label = f"{resource_type.removeprefix('kubernetes_')}_{counts.get(resource_type, 0)}"
        counts[resource_type] = counts.get(resource_type, 0) + 1
        namespaced = kind in ("Role", "RoleBinding", "ServiceAccount")
        body: Body = {"metadata": [_metadata(manifest, where, namespaced=namespaced)]}
        if kind in ("Role", "ClusterRole"):
            body["rule"] = _rules(manifest, where, role=kind == "Role")
        if kind == "ClusterRole" and "aggregationRule" in manifest:
            body["aggregation_rule"] = _aggregation(manifest)
        if kind in ("RoleBinding", "ClusterRoleBinding"):
            body.update(_binding(manifest, where, namespaced=namespaced))
        found.append((resource_type, label, body))
    return found


def _hcl_value(value: Any, where: str) -> str:
    if isinstance(value, Mapping):
        return _hcl_map(value, where)
    if isinstance(value, list):
        return _hcl_list(value, where)
    return _hcl_string(value, where)


def _hcl_body(lines: list[str], body: Body, depth: int, where: str) -> None:
    indent = "  " * depth
    for key, value in body.items():
        if isinstance(value, list) and value and all(isinstance(item, Mapping) for item in value):
            for item in value:
                lines.append(f"{indent}{key} {{")
                _hcl_body(lines, item, depth + 1, f"{where}.{key}")
                lines.append(f"{indent}}}")
        elif isinstance(value, list) and not value and key in ("rule", "subject", "match_expressions"):
            continue  # no blocks
        else:
            lines.append(f"{indent}{key} = {_hcl_value(value, f'{where}.{key}')}")


def manifests_to_hcl(manifests: Sequence[Manifest]) -> str:
    """Terraform HCL for the manifests (RBAC objects and ServiceAccounts only)."""
    lines: list[str] = []
    variables: dict[str, None] = {}
    _variables(list(manifests), variables)
    for name in variables:
        lines += [f"variable {json.dumps(name)} {{", "  type = string", "}", ""]
    for resource_type, label, body in terraform_resources(manifests):
        lines.append(f"resource {json.dumps(resource_type)} {json.dumps(label)} {{")
        _hcl_body(lines, body, 1, f"{resource_type}.{label}")
        lines += ["}", ""]
    return "\n".join(lines)


def manifests_to_plan(manifests: Sequence[Manifest]) -> dict[str, Any]:
    """A ``terraform show -json`` plan whose planned values are the manifests' resources."""
    plain = _plain(list(manifests), "manifests")
    resources = [{"address": f"{resource_type}.{label}", "mode": "managed", "type": resource_type,
                  "name": label, "provider_name": "registry.terraform.io/hashicorp/kubernetes",
                  "schema_version": 1, "values": body, "sensitive_values": {}}
                 for resource_type, label, body in terraform_resources(plain)]
    return {"format_version": "1.2", "terraform_version": "1.9.8",
            "planned_values": {"root_module": {"resources": resources}}}


# --------------------------------------------------------------------------- writing and loading


def write_manifests(manifests: Sequence[Manifest], directory: str | os.PathLike[str], *,
                    format: Format = "yaml") -> list[Path]:
    """Write the manifests into ``directory`` in one representation; returns the files written."""
    if format not in FORMATS:
        raise InvalidArgument(f"format must be one of {', '.join(map(repr, FORMATS))}, not {format!r}")
    if isinstance(manifests, Mapping) or not isinstance(manifests, Sequence):
        raise InvalidArgument(f"manifests must be a list of manifest dicts, not {manifests!r}")
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    if format == "hcl":
        path = folder / "main.tf"
        path.write_text(manifests_to_hcl(manifests), encoding="utf-8")
        return [path]
    if format == "plan":
        path = folder / "plan.json"
        path.write_text(json.dumps(manifests_to_plan(manifests), indent=2) + "\n", encoding="utf-8")
        return [path]
    plain = _plain(list(manifests), "manifests")
    if format == "yaml":
        path = folder / "manifests.yaml"
        path.write_text(yaml.safe_dump_all(plain, sort_keys=False) if plain else "", encoding="utf-8")
        return [path]
    if format == "list":
        path = folder / "list.yaml"
        document = {"apiVersion": "v1", "kind": "List", "items": plain}
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        return [path]
    written = []
    for index, manifest in enumerate(plain):
        path = folder / f"{_file_stem(index, manifest)}.json"
        path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written


@contextlib.contextmanager
def _private_cache(folder: Path) -> Iterator[None]:
    """Point the Terraform parse and result caches at ``folder`` for the duration."""
    from ...sources.cache.store import CACHE_ENV

    before = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = str(folder)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(CACHE_ENV, None)
        else:
            os.environ[CACHE_ENV] = before


def load_manifests(manifests: Sequence[Manifest], *, format: Format = "yaml",
                   cluster_defaults: bool = False, variables: Mapping[str, object] | None = None,
                   default_namespace: str = "default") -> Model:
    """Write the manifests to a temporary directory in ``format`` and ``load()`` them.

    ``cluster_defaults`` is False by default here, so that only the drawn objects
    decide. HCL is loaded with a throwaway parse cache, so drawn examples never fill
    the user's cache directory.
    """
    from ...sources.loading import load

    with tempfile.TemporaryDirectory(prefix="pfperms-") as temporary:
        folder = Path(temporary, "objects")
        write_manifests(manifests, folder, format=format)
        if format == "hcl":
            with _private_cache(Path(temporary, "cache")):
                return load(folder, cluster_defaults=cluster_defaults, variables=variables,
                            default_namespace=default_namespace, repo_root=temporary)
        return load(folder, cluster_defaults=cluster_defaults, variables=variables,
                    default_namespace=default_namespace)
