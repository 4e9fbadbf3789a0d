"""What pfperms computes for data sources whose result it knows how to render."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ...errors import LoadError
from ...values import PartialList, Symbol, roots_of, template_affixes


def _hcl_string(value: Any) -> str:
    return json.dumps(value) if isinstance(value, str) else json.dumps(str(value))


def render_vault_policy_document(obj: Mapping[str, Any]) -> str | Symbol:
    """The policy text ``data "vault_policy_document"`` renders from its ``rule`` blocks
    (``path``, ``capabilities``, ``description``, parameters); a symbol when any rule part is
    unknown before apply."""
    rules = obj.get("rule") or []
    if has_symbol(rules) or not isinstance(rules, list):
        return Symbol(key=f"{getattr(obj, 'address', 'vault_policy_document')}.hcl",
                      expression=f"{getattr(obj, 'address', 'vault_policy_document')}.hcl",
                      source=getattr(obj, "where", ""),
                      reason="a Vault policy whose rules hold values known only after apply")
    lines: list[str] = []
    for index, rule in enumerate(rules):
        if not isinstance(rule, Mapping):
            continue
        _check_rule(obj, index, rule)
        if rule.get("description"):
            lines.append(f"# {rule['description']}")
        lines.append(f"path {_hcl_string(rule.get('path', ''))} {{")
        capabilities = ", ".join(_hcl_string(c) for c in rule.get("capabilities") or [])
        lines.append(f"  capabilities = [{capabilities}]")
        for block_name, key in (("allowed_parameter", "allowed_parameters"),
                                ("denied_parameter", "denied_parameters")):
            parameters = rule.get(block_name) or []
            if parameters:
                lines.append(f"  {key} = {{")
                for parameter in parameters:
                    values = ", ".join(_hcl_string(v) for v in parameter.get("value") or [])
                    lines.append(f"    {_hcl_string(parameter.get('key', ''))} = [{values}]")
                lines.append("  }")
        if rule.get("required_parameters"):
            required = ", ".join(_hcl_string(v) for v in rule["required_parameters"])
            lines.append(f"  required_parameters = [{required}]")
        for ttl in ("min_wrapping_ttl", "max_wrapping_ttl"):
            if rule.get(ttl):
                lines.append(f"  {ttl} = {_hcl_string(rule[ttl])}")
        lines.append("}")
        lines.append("")
    return "\n".join(lines)


def _check_rule(obj: Mapping[str, Any], index: int, rule: Mapping[str, Any]) -> None:
    """A rule the provider would refuse at plan: a LoadError at the data source's line."""
    capabilities = rule.get("capabilities")
    problem = None
    if not isinstance(rule.get("path"), str):
        problem = "path must be a string"
    elif capabilities is not None and (not isinstance(capabilities, (list, tuple)) or not all(
            isinstance(item, str) for item in capabilities)):
        problem = "capabilities must be a set of strings"
    if problem is None:
        return
    where = str(getattr(obj, "where", ""))
    path, _, line = where.rpartition(":")
    address = getattr(obj, "address", "vault_policy_document")
    raise LoadError.single(path or where, int(line) if line.isdigit() else None,
                           f"{address}: rule[{index}]: {problem} (Terraform refuses this)")


def has_symbol(value: Any) -> bool:
    """Whether a value holds a symbol anywhere, object keys included (a condition key such
    as ``aws:ResourceTag/kubernetes.io/cluster/${var.cluster_name}`` may be one)."""
    if isinstance(value, Symbol):
        return True
    if isinstance(value, dict):
        return any(isinstance(k, Symbol) or has_symbol(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(has_symbol(v) for v in value)
    return False


CLUSTER_SUBNETS_KEY = "cluster.subnet_ids"
"""The key of the symbol a ``data "aws_subnets"`` filtered by the cluster's tag reads as ``ids``."""


def cluster_tag_filter(filters: Any) -> bool:
    """Whether ``filter`` blocks of ``data "aws_subnets"`` select by the EKS cluster tag
    (``tag-key = kubernetes.io/cluster/<name>``, or ``tag:kubernetes.io/cluster/<name>``),
    which marks the subnets a cluster runs in."""
    if not isinstance(filters, list):
        return False
    for block in filters:
        if not isinstance(block, Mapping):
            continue
        name, values = block.get("name"), block.get("values")
        if _starts_with(name, "tag:kubernetes.io/cluster/"):
            return True
        if name == "tag-key" and isinstance(values, list) and any(
                _starts_with(value, "kubernetes.io/cluster/") for value in values):
            return True
    return False


def _starts_with(value: object, prefix: str) -> bool:
    if isinstance(value, str):
        return value.startswith(prefix)
    if isinstance(value, Symbol):
        start, _ = template_affixes(value)
        return start.startswith(prefix)
    return False


def cluster_subnet_ids(address: str, where: str) -> PartialList:
    """The ``ids`` of the cluster's subnets: unknown, but there is one at least."""
    one = Symbol(key=f"{CLUSTER_SUBNETS_KEY}[*]", expression="a subnet of the cluster", source=where,
                 reason="the id of one of the subnets the EKS cluster runs in, known from AWS at apply")
    return PartialList(key=CLUSTER_SUBNETS_KEY, expression=f"{address}.ids", source=where,
                       reason="the subnets tagged for the EKS cluster (there is one at least), known "
                              "from AWS at apply", never_null=True, known=(one,))


def is_cluster_subnet(subnet_id: Any) -> bool:
    """Whether a subnet id is one of the cluster's (read from :func:`cluster_subnet_ids`)."""
    return isinstance(subnet_id, Symbol) and (
        subnet_id.key.startswith(CLUSTER_SUBNETS_KEY)
        or any(root.key == CLUSTER_SUBNETS_KEY for root in roots_of(subnet_id)))
