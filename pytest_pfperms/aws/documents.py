"""Reading and rewriting IAM policy documents as the sources hold them.

A policy from Terraform is a decoded object, JSON text, or a symbol (a
``jsonencode({...})`` of values known only after apply: :func:`encoded_document`).
The helpers here look inside such documents (their statements, ``Federated``
principals, OIDC claim condition keys) and rewrite them (:func:`substitute` a
cluster candidate's values, make every statement :func:`conditional` on a policy
that may not apply), for :mod:`.irsa`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from ..values import EncodedDocument, Str, Symbol, Tri
from .cluster import CLUSTER_OIDC_ISSUER, ClusterOidc
from .evaluation import PolicyDocument

MAYBE_KEY = "pfperms:PolicyMayNotApply"
"""The condition key of the clause added to a policy that may not apply to the role."""

_CLAIM_SYMBOL = re.compile(r'"\$\{(.*)\}:(sub|aud)"', re.DOTALL)
_PROVIDER_SYMBOL = re.compile(r'"arn:aws[a-z-]*:iam::(\$\{[^{}]*\}|[0-9]{12}):oidc-provider/\$\{.*\}"',
                              re.DOTALL)


def encoded_document(symbol: Symbol) -> Mapping[str, Any] | None:
    """The object a ``jsonencode({...})`` holding values known only after apply encodes.

    The loader hands such a call's text over as an :class:`EncodedDocument`, whose
    ``document`` holds the object with its symbols in place; None for any other symbol.
    """
    if isinstance(symbol, EncodedDocument) and symbol.encoding == "json" \
            and isinstance(symbol.document, Mapping):  # IAM reads JSON only
        return symbol.document
    return None


def json_object(document: object) -> Mapping[str, Any] | None:
    """The document as an object: itself when it is one, decoded when it is JSON text of one;
    None otherwise (a symbol, text that is not JSON, JSON that is not an object)."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError:
            return None
    return document if isinstance(document, Mapping) else None


def statements_of(document: Mapping[str, Any]) -> list[object]:
    """The document's ``Statement`` as a list (a single statement, or None, as a list of one)."""
    statements = document.get("Statement")
    return list(statements) if isinstance(statements, (list, tuple)) else [statements]


def federated_principals(document: object) -> list[object]:
    """Every ``Principal.Federated`` value of a document (decoded or JSON text)."""
    found: list[object] = []
    content = json_object(document)
    if content is None:
        return found
    for statement in statements_of(content):
        if not isinstance(statement, Mapping):
            continue
        principal = statement.get("Principal")
        if isinstance(principal, Mapping):
            value = principal.get("Federated")
            found += list(value) if isinstance(value, (list, tuple)) else [value]
    return found


def substitute(document: object, substitutions: Mapping[str, Str]) -> Any:
    """The document with symbols the cluster candidate resolves replaced by their values."""
    if isinstance(document, Symbol):
        return substitutions.get(document.key, document)
    if isinstance(document, Mapping):
        return {substitute(k, substitutions): substitute(v, substitutions)
                for k, v in document.items()}
    if isinstance(document, (list, tuple)):
        return [substitute(item, substitutions) for item in document]
    return document


def issuer_spellings(cluster: ClusterOidc) -> set[str]:
    """The symbol keys that denote the cluster's issuer (host and path) in a document."""
    spellings = {*cluster.spellings, CLUSTER_OIDC_ISSUER.key}
    if isinstance(cluster.issuer, Symbol):
        spellings.add(cluster.issuer.key)
    return spellings


def _statements(document: object) -> Iterator[Mapping[str, Any]]:
    """The statements of a decoded (or encoded) policy document that are objects."""
    content = json_object(document)
    if content is None:
        return
    for statement in statements_of(content):
        if isinstance(statement, Mapping):
            yield statement


def claim_keys(document: object, cluster: ClusterOidc, claim: str) -> list[Str]:
    """The condition keys of a trust document that are certainly ``<cluster issuer>:<claim>``."""
    keys: list[Str] = []
    for statement in _statements(document):
        condition = statement.get("Condition")
        if not isinstance(condition, Mapping):
            continue
        for block in condition.values():
            if isinstance(block, Mapping):
                keys += [key for key in block if is_claim_key(key, cluster, claim) is True]
    return keys


def provider_principals(document: object, cluster: ClusterOidc) -> list[Symbol]:
    """The Federated principals of a trust document written as the cluster issuer's provider
    in some account (``arn:aws:iam::${data.aws_caller_identity.x.account_id}:oidc-provider/
    ${<issuer>}``). A web-identity trust can only name a provider of the role's own account,
    so each is the cluster's provider."""
    spellings = issuer_spellings(cluster)
    found: list[Symbol] = []
    for statement in _statements(document):
        principal = statement.get("Principal")
        federated = principal.get("Federated") if isinstance(principal, Mapping) else None
        for value in federated if isinstance(federated, list) else [federated]:
            if isinstance(value, Symbol) and _PROVIDER_SYMBOL.fullmatch(value.key) and any(
                    value.key.endswith(f":oidc-provider/${{{spelling}}}\"") for spelling in spellings):
                found.append(value)
    return found


def is_claim_key(key: object, cluster: ClusterOidc, claim: str) -> Tri:
    """Whether a condition key is ``<cluster issuer>:<claim>`` (None when that is unknown)."""
    if isinstance(key, str):
        head, sep, tail = key.rpartition(":")
        if not sep or tail.lower() != claim:
            return False
        if isinstance(cluster.issuer, str):
            return head.lower() == cluster.issuer.lower()
        return None
    if isinstance(key, Symbol):
        match = _CLAIM_SYMBOL.fullmatch(key.key)
        if match is None or match.group(2) != claim:
            return None
        return True if match.group(1) in issuer_spellings(cluster) else None
    return False


def open_trust_notes(document: object, cluster: ClusterOidc) -> list[str]:
    """A note when an allowing web-identity statement has no ``:sub`` condition.

    ``document`` is a decoded trust document; for anything else (JSON text
    included) there are no notes.
    """
    notes: list[str] = []
    if not isinstance(document, Mapping):
        return notes
    for index, statement in enumerate(statements_of(document)):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        condition = statement.get("Condition")
        keys = [key for block in (condition or {}).values() if isinstance(block, Mapping)
                for key in block] if isinstance(condition, Mapping) else []
        if not any(is_claim_key(key, cluster, "sub") is not False for key in keys):
            notes.append(f"  note: Statement[{index}] has no :sub condition, so it admits every "
                         "service account of the cluster")
    return notes


def conditional(document: PolicyDocument, maybe: Symbol) -> PolicyDocument:
    """The document with every statement made to depend on ``maybe`` (it may not apply)."""
    content = json_object(document.document)
    if content is None:
        return document
    changed: list[object] = []
    for statement in statements_of(content):
        if not isinstance(statement, Mapping):
            changed.append(statement)
            continue
        condition = dict(statement.get("Condition") or {})
        null = dict(condition.get("Null") or {})
        null[MAYBE_KEY] = maybe
        condition["Null"] = null
        changed.append({**statement, "Condition": condition})
    return PolicyDocument({**content, "Statement": changed}, document.name, document.source)


__all__ = [
    "MAYBE_KEY",
    "claim_keys",
    "conditional",
    "encoded_document",
    "federated_principals",
    "is_claim_key",
    "json_object",
    "open_trust_notes",
    "statements_of",
    "substitute",
]
