"""What pfperms computes for data sources whose result it knows how to render."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ...values import Symbol


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
    for rule in rules:
        if not isinstance(rule, Mapping):
            continue
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
