"""Why an IAM decision came out as it did, as text lines.

For an allow: the allowing statement(s) and, with a permissions boundary, the
boundary statement that lets it through. For an explicit deny: the denying
statement(s). For an implicit deny: the nearest Allow statements and why each
did not apply. For an unknown answer: the statements that may apply and the
symbols they depend on. Built only when someone asks (``decision.explain()``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..model.decision import Explanation
from ..values import (
    Symbol,
    Tri,
    and3,
    show,
    symbols_in,
)
from .conditions import (
    Family,
    clause_symbols,
    evaluate_clause,
    explain_clause,
)
from .context import Presence
from .patterns import Unresolved, resolve, template_text
from .policy_reading import ParsedPolicy, Statement
from .statement_matching import (
    CHECKS,
    IamRequest,
    effect_text,
    is_account_entry,
    is_deny,
    items_text,
    principal_entry_matches,
    resource_results,
)

MAX_NEAREST = 3
SCOPE_NOTE = ("not evaluated here: SCPs, RCPs, session policies and resource-based policies "
              "(a bucket or key policy can also grant or deny)")


@dataclass(slots=True)
class _Check:
    statement: Statement
    boundary: bool
    results: dict[str, Tri] = field(default_factory=dict)
    applies: Tri = None
    deny: Tri = None

    @property
    def nearness(self) -> tuple[int, int]:
        """How far the statement got: elements passed before the first miss, then in all."""
        values = list(self.results.values())
        leading = values.index(False) if False in values else len(values)
        return leading, sum({True: 2, None: 1, False: 0}[value] for value in values)


def _check(statement: Statement, request: IamRequest, boundary: bool) -> _Check:
    check = _Check(statement, boundary, deny=is_deny(statement))
    if statement.placeholder is None:
        check.results = {name: element(statement, request) for name, element in CHECKS}
        check.applies = and3(check.results.values())
    return check


def explain_iam(identity: Sequence[ParsedPolicy], boundary: Sequence[ParsedPolicy] | None,
                request: IamRequest, allowed: Tri) -> Explanation:
    """The evidence behind ``allowed`` for ``request``."""
    checks = [_check(st, request, False) for policy in identity for st in policy.statements]
    if boundary is not None:
        checks += [_check(st, request, True) for policy in boundary for st in policy.statements]
    denies = [c for c in checks if c.deny is True and c.applies is True]
    allows = [c for c in checks if not c.boundary and c.deny is False and c.applies is True]
    bounds = [c for c in checks if c.boundary and c.deny is False and c.applies is True]
    lines: list[str] = []
    unknown: list[_Check] = []
    if allowed is True:
        lines += [f"allowed by {c.statement.where()}" for c in allows]
        lines += [f"within the permissions boundary: {c.statement.where()}" for c in bounds]
    elif allowed is False and denies:
        for c in denies:
            lines.append(f"explicitly denied by {c.statement.where()}")
            if not isinstance(c.statement.conditions, Symbol):
                lines += [f"  when {explain_clause(clause, request.context)}"
                          for clause in c.statement.conditions]
        lines += [f"(an explicit deny overrides the allow in {c.statement.where()})"
                  for c in allows[:1]]
    elif allowed is False:
        lines += _implicit_deny(checks, allows, boundary is not None, request)
    else:
        lines += [f"allowed by {c.statement.where()}" for c in allows]
        if boundary is not None:
            lines += [f"within the permissions boundary: {c.statement.where()}" for c in bounds]
        unknown = [c for c in checks if _uncertain(c) and (
            c.deny is not False                       # a possible deny
            or (not c.boundary and not allows)        # a possible allow that is needed
            or (c.boundary and not bounds))]
        for c in unknown:
            lines.append(f"{c.statement.where()} ({effect_text(c.statement)}) may apply: "
                         f"{_reasons(c, request, None)}")
    symbols = symbols_in(tuple(sym for c in unknown for sym in _symbols(c, request)))
    return Explanation(tuple(lines), tuple(symbols), tuple(_notes(checks, request)))


def _uncertain(check: _Check) -> bool:
    """Whether the statement may or may not apply, or applies with an unknown effect."""
    return check.applies is None or (check.applies is True and check.deny is None)


def _implicit_deny(checks: list[_Check], allows: list[_Check], has_boundary: bool,
                   request: IamRequest) -> list[str]:
    if allows and has_boundary:
        lines = [f"implicitly denied: {allows[0].statement.where()} allows it, "
                 "but the permissions boundary does not"]
        candidates = [c for c in checks if c.boundary and c.deny is False]
        what = "boundary statements"
    else:
        lines = ["implicitly denied: no statement allows it"]
        candidates = [c for c in checks if not c.boundary and c.deny is False]
        what = "statements"
    if not candidates:
        lines[0] += f" (there are no Allow {what})"
        return lines
    nearest = sorted(candidates, key=lambda c: c.nearness, reverse=True)[:MAX_NEAREST]
    lines.append(f"nearest Allow {what}:")
    lines += [f"  {c.statement.where()}: {_reasons(c, request, False)}" for c in nearest]
    return lines


def _reasons(check: _Check, request: IamRequest, wanted: Tri) -> str:
    if check.statement.placeholder is not None:
        return f"the whole statement is {check.statement.placeholder}"
    parts = [_reason(name, check.statement, request, wanted)
             for name, value in check.results.items() if value is wanted]
    if isinstance(check.statement.effect, Symbol):
        parts.append(f"its Effect is {check.statement.effect}")
    return "; ".join(part for part in parts if part) or "it applies"


def _reason(name: str, statement: Statement, request: IamRequest, wanted: Tri) -> str:
    verdict = "is unknown" if wanted is None else ""
    if name == "action":
        element = "NotAction" if statement.not_action else "Action"
        listed = f"{element} {items_text(statement.actions)}"
        if verdict:
            return f"{listed} against {request.action} {verdict}"
        if statement.not_action:
            return f"{listed} excludes {request.action}"
        return f"action {request.action} is not in {listed}"
    if name == "resource":
        return _resource_reason(statement, request, verdict)
    if name == "principal":
        return _principal_reason(statement, request, verdict)
    return _condition_reason(statement, request, wanted)


def _resource_reason(statement: Statement, request: IamRequest, verdict: str) -> str:
    assert statement.resources is not None
    element = "NotResource" if statement.not_resource else "Resource"
    listed = "[" + ", ".join(show(template_text(t)) for t in statement.resources) + "]"
    unresolved = [r.describe() for r in resource_results(statement, request)
                  if isinstance(r, Unresolved)]
    tail = "".join(f" ({item})" for item in unresolved)
    if verdict:
        return f"{element} {listed} against {request.resource} {verdict}{tail}"
    if statement.not_resource:
        return f"{element} {listed} excludes {request.resource}{tail}"
    return f"resource {request.resource} is not in {element} {listed}{tail}"


def _principal_reason(statement: Statement, request: IamRequest, verdict: str) -> str:
    element = "NotPrincipal" if statement.not_principal else "Principal"
    principals = statement.principals
    listed = str(principals) if isinstance(principals, Symbol) else \
        "[" + ", ".join(str(entry) for entry in principals or ()) + "]"
    if verdict:
        return f"{element} {listed} against {request.caller} {verdict}"
    if statement.not_principal:
        return f"{element} {listed} names {request.caller}"
    return f"{request.caller} is not in {element} {listed}"


def _condition_reason(statement: Statement, request: IamRequest, wanted: Tri) -> str:
    if isinstance(statement.conditions, Symbol):
        return f"Condition {statement.conditions} is unknown"
    word = "unknown" if wanted is None else "failed"
    return "; ".join(f"condition {word}: {explain_clause(clause, request.context)}"
                     for clause in statement.conditions
                     if evaluate_clause(clause, request.context) is wanted)


def _symbols(check: _Check, request: IamRequest) -> list[Symbol]:
    statement = check.statement
    if statement.placeholder is not None:
        return [statement.placeholder]
    found: list[object] = [statement.effect]
    results = check.results
    if results.get("action") is None:
        found += [*statement.actions, request.action]
    if results.get("resource") is None and statement.resources is not None:
        for template in statement.resources:
            found += list(template)
            resolved = resolve(template, request.context)
            if not isinstance(resolved, Unresolved):
                found += list(resolved)
        found.append(request.resource)
    if results.get("principal") is None and request.caller is not None:
        found += [statement.principals, request.caller.value]
        if not isinstance(statement.principals, Symbol):
            found += [entry.value for entry in statement.principals or ()]
    if results.get("condition") is None:
        if isinstance(statement.conditions, Symbol):
            found.append(statement.conditions)
        else:
            for clause in statement.conditions:
                if evaluate_clause(clause, request.context) is None:
                    found += clause_symbols(clause, request.context)
    return symbols_in(tuple(item for item in found if isinstance(item, Symbol)))


def _notes(checks: list[_Check], request: IamRequest) -> list[str]:
    notes: list[str] = []
    absent: dict[str, None] = {}
    for check in checks:
        results = check.results
        if results.get("action") is False or results.get("resource") is False:
            continue
        if isinstance(check.statement.conditions, Symbol):
            continue
        for clause in check.statement.conditions:
            if clause.operator.base.family is Family.NULL or isinstance(clause.key, Symbol):
                continue
            if request.context.lookup(clause.key).presence is Presence.MISSING:
                absent.setdefault(clause.key, None)
    if absent:
        notes.append("condition keys not in the context, so treated as absent: "
                     + ", ".join(absent) + " (pass context= to give them values)")
    if request.caller is not None:
        for check in checks:
            principals = check.statement.principals
            if check.applies is not True or isinstance(principals, Symbol) or not principals:
                continue
            if any(is_account_entry(entry) and principal_entry_matches(entry, request.caller)
                   for entry in principals) and not check.statement.not_principal:
                notes.append(f"{check.statement.where()} names the caller's whole account: "
                             "the caller's own identity policies must also allow it")
    else:
        notes.append(SCOPE_NOTE)
    return notes
