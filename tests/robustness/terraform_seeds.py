"""Valid Terraform documents as trees the fuzzer mutates, and their writers (HCL and JSON syntax).

A document is a list of blocks, each ``{"type": ..., "labels": [...], "body": {...}}``; in a
body a non-empty list of dicts is a list of nested blocks, anything else an attribute (a
string, number, bool, null, list, object, an :class:`~fuzzing.Expr`, or the two forms
``{"@jsonencode": tree}`` and ``{"@heredoc": text}``). The writers are total: any mutated
tree gives some text (often invalid, on purpose).

The seeds: RBAC objects (:func:`pytest_pfperms.strategies.manifests` through the kubernetes
provider's resources), an IRSA set (OIDC provider, trust document, role, a permissions policy
drawn by :func:`pytest_pfperms.strategies.iam_policies` as ``aws_iam_policy_document``
statements or ``jsonencode``), a Vault set (``vault_policy`` with a drawn policy as a
heredoc, ``vault_policy_document``, a Kubernetes auth role), a Deployment, and variables,
locals, ``count`` and ``for_each``.
"""

from __future__ import annotations

import json
from typing import Any

from fuzzing import Expr
from hypothesis import strategies as st

from pytest_pfperms import strategies
from pytest_pfperms.testing.strategies.writing import terraform_resources

Block = dict[str, Any]
ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE0123"


def block(kind: str, *labels: str, **body: Any) -> Block:
    """One top-level block."""
    return {"type": kind, "labels": list(labels), "body": body}


# ------------------------------------------------------------------------------------- writers


def _string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False).replace("${", "$${").replace("%{", "%%{")


def hcl_value(value: Any) -> str:
    """HCL for an attribute value of any mutated tree."""
    if isinstance(value, Expr):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, dict) and len(value) == 1 and "@jsonencode" in value:
        return f"jsonencode({hcl_value(value['@jsonencode'])})"
    if isinstance(value, dict) and len(value) == 1 and "@heredoc" in value:
        text = value["@heredoc"]
        return f"<<-EOT\n{text if isinstance(text, str) else hcl_value(text)}\nEOT"
    if isinstance(value, list):
        return "[" + ", ".join(hcl_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_string(str(key))} = {hcl_value(item)}" for key, item in value.items()) + " }"
    return _string(str(value))


def _is_blocks(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(item, dict) for item in value)


def _key(key: Any) -> str:
    text = str(key)
    return text if text.replace("_", "a").replace("-", "a").isalnum() and not text[:1].isdigit() \
        else _string(text)


def _body(lines: list[str], body: Any, depth: int) -> None:
    pad = "  " * depth
    if not isinstance(body, dict):
        lines.append(f"{pad}x = {hcl_value(body)}")
        return
    for key, value in body.items():
        if _is_blocks(value) and not (isinstance(value[0], dict) and len(value[0]) == 1
                                      and ("@jsonencode" in value[0] or "@heredoc" in value[0])):
            for item in value:
                lines.append(f"{pad}{_key(key)} {{")
                _body(lines, item, depth + 1)
                lines.append(f"{pad}}}")
        else:
            lines.append(f"{pad}{_key(key)} = {hcl_value(value)}")


def to_hcl(document: Any) -> str:
    """Native-syntax text of a document (list of blocks)."""
    lines: list[str] = []
    for item in document if isinstance(document, list) else [document]:
        if not isinstance(item, dict):
            lines.append(hcl_value(item))
            continue
        labels = item.get("labels", [])
        labels = labels if isinstance(labels, list) else [labels]
        head = " ".join([_key(item.get("type", "resource")), *(_string(str(label)) for label in labels)])
        lines.append(head + " {")
        _body(lines, item.get("body", {}), 1)
        lines += ["}", ""]
    return "\n".join(lines)


def attributes_to_hcl(attributes: Any) -> str:
    """A tfvars file: one attribute per line."""
    lines: list[str] = []
    _body(lines, attributes, 0)
    return "\n".join(lines) + "\n"


def json_value(value: Any) -> Any:
    """The JSON-syntax form of an attribute value (strings are templates there)."""
    if isinstance(value, Expr):
        return "${" + value.text + "}"
    if isinstance(value, str):
        return value.replace("${", "$${").replace("%{", "%%{")
    if isinstance(value, dict) and len(value) == 1 and "@jsonencode" in value:
        return "${jsonencode(" + hcl_value(value["@jsonencode"]) + ")}"
    if isinstance(value, dict) and len(value) == 1 and "@heredoc" in value:
        return json_value(value["@heredoc"])
    if isinstance(value, list):
        return [json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): json_value(item) for key, item in value.items()}
    return value


def to_json_syntax(document: Any) -> Any:
    """The ``.tf.json`` tree of a document: ``{"resource": {type: {name: body}}}`` and so on."""
    result: dict[str, Any] = {}
    for item in document if isinstance(document, list) else [document]:
        if not isinstance(item, dict):
            continue
        kind = str(item.get("type", "resource"))
        labels = item.get("labels", [])
        labels = labels if isinstance(labels, list) else [labels]
        raw = item.get("body", {})
        if kind == "variable" and isinstance(raw, dict) and isinstance(raw.get("type"), Expr):
            raw = {**raw, "type": raw["type"].text}  # a type constraint is written bare in JSON too
        body = json_value(raw)
        if kind == "locals":
            result.setdefault("locals", {}).update(body if isinstance(body, dict) else {"x": body})
            continue
        place = result.setdefault(kind, {})
        for label in labels[:-1]:
            place = place.setdefault(str(label), {})
        place[str(labels[-1]) if labels else "x"] = body
    return result


# --------------------------------------------------------------------------------------- seeds


def _statement_block(statement: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"effect": statement.get("Effect", "Allow")}
    for key, attribute in (("Action", "actions"), ("NotAction", "not_actions"), ("Resource", "resources"),
                           ("NotResource", "not_resources")):
        if key in statement:
            value = statement[key]
            body[attribute] = value if isinstance(value, list) else [value]
    conditions = []
    for test, keys in (statement.get("Condition") or {}).items():
        for variable, values in keys.items():
            conditions.append({"test": test, "variable": variable,
                               "values": values if isinstance(values, list) else [values]})
    if conditions:
        body["condition"] = conditions
    return body


def rbac(manifests: list[dict[str, Any]]) -> list[Block]:
    """The kubernetes provider's resources for RBAC objects."""
    return [block("resource", kind, label, **body) for kind, label, body in terraform_resources(manifests)]


def irsa(policy: dict[str, Any], as_document: bool) -> list[Block]:
    """An IRSA set: OIDC provider, trust, role, a permissions policy, the annotated account."""
    trust = block("data", "aws_iam_policy_document", "trust", statement=[{
        "actions": ["sts:AssumeRoleWithWebIdentity"],
        "principals": [{"type": "Federated", "identifiers": [Expr("aws_iam_openid_connect_provider.eks.arn")]}],
        "condition": [{"test": "StringEquals", "variable": Expr('"${local.oidc}:sub"'),
                       "values": ["system:serviceaccount:apps:reader"]},
                      {"test": "StringEquals", "variable": Expr('"${local.oidc}:aud"'),
                       "values": ["sts.amazonaws.com"]}]}])
    found = [
        block("resource", "aws_iam_openid_connect_provider", "eks", url=f"https://{ISSUER}",
              client_id_list=["sts.amazonaws.com"], thumbprint_list=[]),
        block("locals", oidc=Expr('replace(aws_iam_openid_connect_provider.eks.url, "https://", "")')),
        trust,
        block("resource", "aws_iam_role", "reader", name="reader",
              assume_role_policy=Expr("data.aws_iam_policy_document.trust.json")),
        block("resource", "kubernetes_service_account", "reader",
              metadata=[{"name": "reader", "namespace": "apps",
                         "annotations": {"eks.amazonaws.com/role-arn": Expr("aws_iam_role.reader.arn")}}]),
    ]
    if as_document:
        statements = [_statement_block(statement) for statement in policy["Statement"]]
        found += [block("data", "aws_iam_policy_document", "read", statement=statements),
                  block("resource", "aws_iam_role_policy", "read", name="read", role=Expr("aws_iam_role.reader.id"),
                        policy=Expr("data.aws_iam_policy_document.read.json"))]
    else:
        found += [block("resource", "aws_iam_policy", "read", name="read", policy={"@jsonencode": policy}),
                  block("resource", "aws_iam_role_policy_attachment", "read", role=Expr("aws_iam_role.reader.name"),
                        policy_arn=Expr("aws_iam_policy.read.arn"))]
    return found


def vault(policy_text: str) -> list[Block]:
    """A Vault set: a policy as a heredoc, a policy document, a Kubernetes auth role."""
    return [
        block("resource", "vault_policy", "web", name="web", policy={"@heredoc": policy_text}),
        block("data", "vault_policy_document", "team", rule=[
            {"path": "secret/data/team/+/config", "capabilities": ["read"], "description": "configs"},
            {"path": "secret/data/team/shared", "capabilities": ["update", "deny"]}]),
        block("resource", "vault_policy", "team", name="team", policy=Expr("data.vault_policy_document.team.hcl")),
        block("resource", "vault_kubernetes_auth_backend_role", "web", role_name="web",
              bound_service_account_names=["reader", "web-*"], bound_service_account_namespaces=["apps"],
              token_policies=["web", "team"], token_ttl=3600),
    ]


def workloads() -> list[Block]:
    """Variables, locals, ``count``, ``for_each`` and a Deployment."""
    return [
        block("variable", "namespace", type=Expr("string"), default="apps"),
        block("variable", "replicas", type=Expr("number"), default=2),
        block("locals", names=["a", "b"], labels={"team": "web"}),
        block("resource", "kubernetes_service_account", "many", for_each=Expr("toset(local.names)"),
              metadata=[{"name": Expr('"sa-${each.key}"'), "namespace": Expr("var.namespace"),
                         "labels": Expr("local.labels")}]),
        block("resource", "kubernetes_role", "counted", count=Expr("var.replicas"),
              metadata=[{"name": Expr('"counted-${count.index}"'), "namespace": "apps"}],
              rule=[{"api_groups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]),
        block("resource", "kubernetes_deployment", "web",
              metadata=[{"name": "web", "namespace": Expr("var.namespace")}],
              spec=[{"replicas": Expr("var.replicas"), "template": [{
                  "metadata": [{"labels": {"app": "web"}}],
                  "spec": [{"service_account_name": "reader",
                            "container": [{"name": "app", "image": "app:1"}]}]}]}]),
        block("output", "role", value=Expr("kubernetes_role.counted[0].metadata[0].name")),
    ]


@st.composite
def documents(draw: st.DrawFn) -> list[Block]:
    """A valid Terraform document drawing on every seed family (at least one)."""
    parts: list[Block] = []
    families = draw(st.sets(st.sampled_from(("rbac", "irsa", "vault", "workloads")), min_size=1))
    if "rbac" in families:
        objects = draw(strategies.manifests(max_roles=2, max_cluster_roles=2, max_bindings=2,
                                            service_accounts=True))
        parts += rbac(objects)
    if "irsa" in families:
        parts += irsa(draw(strategies.iam_policies(max_statements=2)), draw(st.booleans()))
    if "vault" in families:
        parts += vault(draw(strategies.vault_policies(max_rules=2)))
    if "workloads" in families:
        parts += workloads()
    return parts
