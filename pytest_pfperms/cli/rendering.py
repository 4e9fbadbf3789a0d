"""Shared renderers: decisions and grant paths as JSON data, text and Markdown."""

from __future__ import annotations

from typing import Any

from ..kubernetes.authorizer import GrantPath
from ..model.decision import Decision
from ..values import StrList, Tri
from .terminal import Terminal

ANSWERS = {True: "yes", False: "no", None: "unknown"}


def answer(allowed: Tri) -> str:
    """``yes``, ``no`` or ``unknown``."""
    return ANSWERS[allowed]


def decision_data(decision: Decision) -> dict[str, Any]:
    """A decision as the JSON schema's ``decision``."""
    evidence = decision.explanation()
    return {"subject": str(decision.subject), "request": decision.request.describe(),
            "allowed": decision.allowed, "answer": answer(decision.allowed), "verdict": decision.verdict,
            "summary": decision.summary(), "explanation": list(evidence.lines),
            "unknowns": [str(symbol) for symbol in evidence.unknowns], "notes": list(evidence.notes)}


def painted_summary(decision: Decision, terminal: Terminal) -> str:
    """The summary line with its verdict in colour."""
    verdict = decision.verdict
    return decision.summary().replace(f" {verdict} ", f" {terminal.paint(verdict)} ", 1)


def explanation_text(decision: Decision, terminal: Terminal) -> str:
    """The full tree, with the verdict in colour."""
    text = decision.explain()
    _, _, rest = text.partition("\n")
    return painted_summary(decision, terminal) + ("\n" + rest if rest else "")


def path_data(path: GrantPath) -> dict[str, Any]:
    """One grant path as JSON data: binding -> role -> rule, with where each is defined."""
    rule = path.rule.rule
    return {"subject": str(path.subject), "binding": path.binding.ref(),
            "binding_source": str(path.binding.source), "role": path.role.ref(),
            "role_source": str(path.role.source), "rule_index": rule.index,
            "rule_source": str(rule.source), "allowed": path.allowed,
            "verbs": _strings(rule.verbs), "api_groups": _strings(rule.api_groups),
            "resources": _strings(rule.resources), "resource_names": _strings(rule.resource_names),
            "non_resource_urls": _strings(rule.non_resource_urls)}


def _strings(values: StrList) -> list[str]:
    """A rule's list as strings; a list unknown as a whole is its one symbol."""
    if isinstance(values, tuple):
        return [str(value) for value in values]
    return [str(values)]


def rule_text(data: dict[str, Any]) -> str:
    """A rule as one line, like the explanations show it."""
    if data["non_resource_urls"]:
        what = f"nonResourceURLs {data['non_resource_urls']}"
    else:
        what = f"apiGroups {data['api_groups']} resources {data['resources']}"
        if data["resource_names"]:
            what += f" resourceNames {data['resource_names']}"
    return f"{what} verbs {data['verbs']}".replace("'", '"')


def md_escape(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")
