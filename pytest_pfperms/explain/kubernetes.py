"""Render RBAC evidence as text: grant paths for an allow, near misses for a denial.

Evaluation and rendering are separate: the engine finds paths, this module
turns them into a small tree with file:line on every step, then a hint on how
to fix it.
"""

from __future__ import annotations

from ..kubernetes.authorizer import GrantPath, KubernetesEngine
from ..kubernetes.rule_matching import mismatches
from ..model.decision import Decision, Explanation
from ..model.identities import Identity, ServiceAccount
from ..model.objects import ClusterRole, SourceRef
from ..model.requests import NonResourceRequest, Request
from ..values import Symbol

MAX_NEAR_MISSES = 3
MAX_MISMATCHES = 2
SOURCE_COLUMN = 56


def _row(indent: str, label: str, source: SourceRef | None) -> str:
    text = indent + label
    if source is None:
        return text
    return f"{text.ljust(SOURCE_COLUMN)}  {source}" if len(text) < SOURCE_COLUMN else f"{text}  {source}"


def render_path(path: GrantPath) -> list[str]:
    """Binding -> role -> rule, one line each with its source."""
    binding, role, effective = path.binding, path.role, path.rule
    lines = [_row("", f"{binding.ref()} (subject {path.subject})", binding.source)]
    role_label = role.ref()
    if isinstance(role, ClusterRole) and role.aggregation is not None:
        role_label += " (aggregated)"
    lines.append(_row("└─ ", role_label, role.source))
    rule = effective.rule
    rule_label = f"rule {rule.index}: {rule.describe()}"
    if effective.origin is not None and effective.origin is not role:
        rule_label = f"rule {rule.index} of {effective.origin.ref()}: {rule.describe()}"
    lines.append(_row("   └─ ", rule_label, rule.source))
    return lines


def _unknowns(paths: list[GrantPath]) -> tuple[Symbol, ...]:
    found: dict[str, Symbol] = {}
    for path in paths:
        for symbol in path.unknowns:
            found.setdefault(symbol.key, symbol)
    return tuple(found.values())


def _identity_words(who: Identity) -> str:
    if isinstance(who, ServiceAccount):
        return f"user {who.username}, groups {', '.join(who.groups)}"
    groups = ", ".join(who.groups) if who.groups else "no groups"
    return f"user {who.name}, {groups}"


def _elsewhere(engine: KubernetesEngine, who: Identity, request: Request) -> list[str]:
    """RoleBindings in other namespaces that would grant the same request there."""
    if isinstance(request, NonResourceRequest) or not request.namespace:
        return []
    found = []
    for namespace in engine.binding_namespaces(who):
        if namespace == request.namespace:
            continue
        moved = request.__class__(request.verb, request.api_group, request.resource,
                                  request.subresource, namespace, request.name)
        for path in engine.grant_paths(who, moved):
            if path.allowed is True and path.binding.namespace == namespace:
                found.append(f"{path.binding.ref()} grants it in namespace {namespace} only "
                             f"({path.binding.source})")
                break
        if len(found) >= MAX_NEAR_MISSES:
            break
    return found


def explain_rbac(engine: KubernetesEngine, who: Identity, request: Request,
                 decision: Decision, notes: tuple[str, ...] = ()) -> Explanation:
    """The evidence for one RBAC decision."""
    paths = engine.grant_paths(who, request)
    errors = _resolution_notes(engine, who, request)
    if decision.allowed is True:
        certain = [p for p in paths if p.allowed is True]
        lines: list[str] = []
        for path in certain:
            lines += render_path(path)
        lines.append("to fix: narrow the rule or remove the binding named above")
        return Explanation(tuple(lines), (), (*errors, *notes))
    if decision.allowed is None:
        maybe = [p for p in paths if p.allowed is None]
        lines = ["may be granted by:"]
        for path in maybe:
            lines += render_path(path)
        return Explanation(tuple(lines), _unknowns(maybe), (*errors, *notes))
    return Explanation(tuple(_denial_lines(engine, who, request)), (), (*errors, *notes))


def _denial_lines(engine: KubernetesEngine, who: Identity, request: Request) -> list[str]:
    namespace = "" if isinstance(request, NonResourceRequest) else request.namespace
    rules = engine.rules_for(who, namespace)
    lines: list[str] = []
    if not rules:
        scope = "ClusterRoleBinding" if namespace == "" else "ClusterRoleBinding or RoleBinding"
        where = "" if namespace == "" else f" in namespace {namespace}"
        lines.append(f"no {scope}{where} applies to it ({_identity_words(who)})")
    else:
        same_kind = [path for path in rules if _same_kind(path, request)]
        scored = sorted(((mismatches(path.rule.rule, request), position, path)
                         for position, path in enumerate(same_kind)),
                        key=lambda item: (len(item[0]), item[1]))
        scored = [item for item in scored if len(item[0]) <= MAX_MISMATCHES]
        lines.append("no rule grants it; nearest rules:" if scored else
                     f"no rule grants it; none of the {len(rules)} rules that apply to it comes close")
        for reasons, _position, path in scored[:MAX_NEAR_MISSES]:
            lines += render_path(path)
            lines += [f"      ✗ {reason}" for reason in reasons]
    if isinstance(request, NonResourceRequest):
        lines.append("note: non-resource URLs are granted only through ClusterRoleBindings")
    elif request.namespace == "":
        lines.append("note: a cluster-wide request is granted only through ClusterRoleBindings")
    lines += [f"note: {text}" for text in _elsewhere(engine, who, request)]
    return lines


def _same_kind(path: GrantPath, request: Request) -> bool:
    """Whether a rule is about the same kind of thing as the request (resources or URLs)."""
    rule = path.rule.rule
    if isinstance(request, NonResourceRequest):
        return bool(rule.non_resource_urls)
    return bool(rule.resources) or not rule.non_resource_urls


def _resolution_notes(engine: KubernetesEngine, who: Identity, request: Request) -> tuple[str, ...]:
    namespace = "" if isinstance(request, NonResourceRequest) else request.namespace
    notes = []
    for binding in [*engine.scope_bindings(who, None), *engine.scope_bindings(who, namespace)]:
        applies, _ = engine.applies(binding, who, namespace)
        error = engine.resolve(binding).error
        if applies is not False and error:
            notes.append(f"{error} ({binding.source})")
    return tuple(notes)
