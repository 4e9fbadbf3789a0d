"""Fuzzing Vault policy HCL (and Vault's JSON policies): ``evaluate_vault`` and
``vault_capabilities`` on mutated valid policies, for Vault and OpenBao, and the same
policies read by a ``vault_policy`` from a file (``file("policies/web.hcl")``) of a Terraform
root, asked through Kubernetes auth.

A policy is a tree ``{"path": {pattern: {capabilities, allowed_parameters, ...}}}`` drawn
over :func:`pytest_pfperms.strategies.vault_policies`' pools plus parameter constraints,
wrapping TTLs, templated paths and segment wildcards, written as HCL or JSON, mutated as a
tree and then as text. See ``fuzzing.py``.
"""

from __future__ import annotations

import contextlib
from typing import Any

from fuzzing import Expr, check_load, finish, fuzz_settings, mutated, text_mutated, to_json
from hypothesis import event, given
from hypothesis import strategies as st
from terraform_seeds import block, hcl_value, to_hcl, vault

import pytest_pfperms as pfperms
from pytest_pfperms import PfpermsError
from pytest_pfperms.vault.acl import vault_capabilities

PATTERNS = ("secret/data/web/*", "secret/data/web/admin", "secret/data/+/config", "sys/*", "auth/token/create",
            "secret/data/{{identity.entity.name}}/*", "secret/metadata/web/", "+/+/x*", "*", "")
CAPABILITIES = ("create", "read", "update", "patch", "delete", "list", "sudo", "deny", "subscribe", "scan",
                "recover")
EXTRAS: dict[str, Any] = {
    "allowed_parameters": {"ttl": ["1h", "2h"], "*": []},
    "denied_parameters": {"policies": ["root"]},
    "required_parameters": ["name"],
    "min_wrapping_ttl": "1m",
    "max_wrapping_ttl": "90d",
}
REQUESTS = (("read", "secret/data/web/x"), ("list", "secret/metadata/web/"), ("update+sudo", "sys/mounts"),
            ("create", "auth/token/create"), ("delete", "secret/data/a/config"), ("renew", "x"), ("help", ""))


@st.composite
def policies(draw: st.DrawFn) -> dict[str, Any]:
    """A valid Vault policy tree."""
    rules: dict[str, Any] = {}
    for pattern in draw(st.lists(st.sampled_from(PATTERNS[:-1]), min_size=1, max_size=4, unique=True)):
        body: dict[str, Any] = {"capabilities": draw(st.lists(st.sampled_from(CAPABILITIES[:8]), min_size=1,
                                                                max_size=3, unique=True))}
        for key in draw(st.sets(st.sampled_from(sorted(EXTRAS)), max_size=2)):
            body[key] = EXTRAS[key]
        rules[pattern] = body
    return {"path": rules}


def to_vault_hcl(tree: Any) -> str:
    """HCL of a (mutated) policy tree: ``path "p" { key = value }`` blocks."""
    lines: list[str] = []
    items = tree.items() if isinstance(tree, dict) else [("x", tree)]
    for kind, rules in items:
        if not isinstance(rules, dict):
            lines.append(f"{kind} = {hcl_value(rules)}")
            continue
        for pattern, body in rules.items():
            lines.append(f"{kind} {hcl_value(str(pattern))} {{")
            for key, value in (body.items() if isinstance(body, dict) else [("x", body)]):
                if isinstance(value, dict) and key.endswith("_parameters"):
                    lines.append(f"  {key} = {{")
                    lines += [f"    {hcl_value(str(name))} = {hcl_value(item)}" for name, item in value.items()]
                    lines.append("  }")
                else:
                    lines.append(f"  {key} = {hcl_value(value)}")
            lines += ["}", ""]
    return "\n".join(lines)


@st.composite
def policy_texts(draw: st.DrawFn) -> str:
    """A mutated policy as HCL or JSON text."""
    tree = draw(mutated(draw(policies()), max_mutations=5))
    text = to_json(tree) if draw(st.integers(0, 3)) == 0 else finish(to_vault_hcl(tree), colon=" =")
    return draw(text_mutated(finish(text)))


@st.composite
def vault_cases(draw: st.DrawFn) -> dict[str, Any]:
    """Policies and a request."""
    operation, path = draw(st.sampled_from(REQUESTS))
    return {"policies": draw(st.lists(policy_texts(), min_size=1, max_size=2)), "operation": operation,
            "path": path, "flavor": draw(st.sampled_from(("vault", "openbao")))}


def check_evaluation(case: dict[str, Any]) -> None:
    """A decision with an explanation, capabilities, or a PfpermsError."""
    try:
        decision = pfperms.evaluate_vault(case["policies"], case["operation"], case["path"], flavor=case["flavor"])
        decision.explain()
        event(f"decision {decision.allowed}")
    except PfpermsError as error:
        event(type(error).__name__)
    with contextlib.suppress(PfpermsError):
        vault_capabilities(case["policies"], case["path"], flavor=case["flavor"])


@st.composite
def terraform_cases(draw: st.DrawFn) -> dict[str, str]:
    """A root whose ``vault_policy`` reads a mutated policy file."""
    blocks = vault("path \"x\" {\n  capabilities = [\"read\"]\n}\n")
    blocks[0] = block("resource", "vault_policy", "web", name="web",
                      policy=Expr('file("${path.module}/policies/web.hcl")'))
    blocks.append(block("resource", "kubernetes_service_account", "reader",
                        metadata=[{"name": "reader", "namespace": "apps"}]))
    return {"main.tf": to_hcl(blocks), "policies/web.hcl": draw(policy_texts())}


@fuzz_settings(80)
@given(vault_cases())
def test_fuzzed_vault_policies_evaluate_or_fail_with_a_pfperms_error(case: dict[str, Any]) -> None:
    check_evaluation(case)


@fuzz_settings(25)
@given(terraform_cases())
def test_fuzzed_vault_policy_files_load_and_answer_or_fail_naming_file_and_line(files: dict[str, str]) -> None:
    check_load(files)
