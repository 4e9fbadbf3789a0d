"""``can-i`` (and ``--list``), ``explain``, ``who-can`` and ``matrix``: questions to the model."""

from __future__ import annotations

import argparse
from typing import Any

from ..kubernetes.authorizer import GrantPath
from ..lockfile.snapshot import rule_line
from ..model.decision import Decision
from ..model.identities import ServiceAccount
from ..model.requests import build_request
from ..query.model import Model, Workload
from . import graphs, inputs
from .exits import EXIT_NO, EXIT_YES, UsageError, of_answer
from .rendering import (
    answer,
    decision_data,
    explanation_text,
    md_escape,
    painted_summary,
    path_data,
    rule_text,
)
from .results import Case, Result
from .terminal import Terminal

MATRIX_RESOURCES = ("pods", "pods/exec", "secrets", "configmaps", "services", "deployments.apps",
                    "jobs.batch", "roles.rbac.authorization.k8s.io",
                    "rolebindings.rbac.authorization.k8s.io", "serviceaccounts/token")
MATRIX_VERBS = ("get", "list", "watch", "create", "update", "patch", "delete")


def _decision(args: argparse.Namespace, model: Model) -> Decision:
    if not args.verb or not args.resource:
        raise UsageError(f"{args.command} needs VERB and RESOURCE (or --list)")
    who = inputs.who(args, model)
    if isinstance(who, Workload) and args.namespace is None:
        return who.can(args.verb, args.resource, name=args.name)   # in its own namespace
    namespace = None if args.namespace in (None, "") else args.namespace
    if isinstance(who, Workload):
        return who.can(args.verb, args.resource, namespace=namespace, name=args.name)
    return model.can(who, args.verb, args.resource, namespace=namespace, name=args.name)


def can_i(args: argparse.Namespace, model: Model) -> Result:
    """``can-i VERB RESOURCE``: yes, no or unknown, and the summary line."""
    if args.list:
        return rules_list(args, model)
    decision = _decision(args, model)
    data = decision_data(decision)

    causes = [symbol.describe() for symbol in decision.explanation().unknowns] \
        if decision.allowed is None else []  # an unknown says what it waits for

    def text(terminal: Terminal) -> str:
        return "\n".join([answer(decision.allowed), painted_summary(decision, terminal),
                          *(["  depends on:"] if causes else []), *(f"    {c}" for c in causes)])

    markdown = f"**{answer(decision.allowed)}**: {md_escape(decision.summary())}\n" + \
        "".join(f"- depends on: {md_escape(cause)}\n" for cause in causes)
    case = Case(decision.summary(), decision.allowed, decision.summary(), decision.explain())
    return Result("can-i", of_answer(decision.allowed), {"decision": data}, text, markdown, [case])


def grant_paths(model: Model, who: object, verb: str, resource: str,
                namespace: str | None) -> list[GrantPath]:
    """The grant paths that allow ``who`` the request: the rules that apply to it and grant it."""
    identity = model.identity(who)  # type: ignore[arg-type]

    def key(p: GrantPath) -> tuple[str, str, str, str]:
        return (p.binding.ref(), p.role.ref(), str(p.rule.rule.source), rule_line(p))

    request = build_request(verb, resource, namespace=namespace, name=None, api_group=None, subresource=None)
    granting = {key(p) for p in model.kubernetes.who_can(request)}
    return [p for p in model.rules_for(identity, namespace=namespace) if key(p) in granting]


def explain(args: argparse.Namespace, model: Model) -> Result:
    """``explain VERB RESOURCE``: the full tree with file:line (``--graph dot|mermaid``: the
    grant paths as a graph)."""
    decision = _decision(args, model)
    if args.graph:
        who = inputs.who(args, model)
        namespace = args.namespace
        if namespace is None and isinstance(who, Workload):
            namespace = str(who.namespace)
        found = graphs.edges(str(decision.subject), grant_paths(model, who, args.verb, args.resource,
                                                                namespace or None))
        drawn = graphs.dot(found) if args.graph == "dot" else graphs.mermaid(found)
        return Result("explain", of_answer(decision.allowed), {"decision": decision_data(decision)},
                      lambda _t: drawn, f"```{'dot' if args.graph == 'dot' else 'mermaid'}\n{drawn}\n```\n")
    body = decision.explain()
    markdown = f"**{answer(decision.allowed)}**: {md_escape(decision.summary())}\n\n```text\n{body}\n```\n"
    case = Case(decision.summary(), decision.allowed, decision.summary(), body)
    return Result("explain", of_answer(decision.allowed), {"decision": decision_data(decision)},
                  lambda terminal: explanation_text(decision, terminal), markdown, [case])


def rules_list(args: argparse.Namespace, model: Model) -> Result:
    """``can-i --list``: every rule that applies in the namespace, with its grant path."""
    who = inputs.who(args, model)
    namespace = args.namespace
    if namespace is None and isinstance(who, Workload):
        namespace = who.namespace
    paths = [path_data(path) for path in model.rules_for(who, namespace=namespace or None)]
    where = f"namespace {namespace}" if namespace else "cluster scope"

    def text(terminal: Terminal) -> str:
        if not paths:
            return f"no rule applies in {where}"
        lines = [f"{len(paths)} rules apply in {where}:"]
        for path in paths:
            maybe = "" if path["allowed"] is True else " (maybe)"
            lines.append(f"{rule_text(path)}{maybe}")
            lines.append(f"  └─ {path['role']} via {path['binding']}  {path['binding_source']}")
        return "\n".join(lines)

    rows = [f"| {md_escape(rule_text(p))} | {md_escape(p['role'])} | {md_escape(p['binding'])} | "
            f"{md_escape(p['binding_source'])} |" for p in paths]
    markdown = "\n".join([f"Rules in {where}:", "", "| rule | role | binding | defined at |",
                          "|---|---|---|---|", *rows]) + "\n"
    cases = [Case(rule_text(p), True, p["binding"]) for p in paths]
    return Result("can-i", EXIT_YES, {"namespace": namespace, "rules": paths}, text, markdown, cases)


def _namespaces(model: Model) -> list[str]:
    names = {str(obj.namespace) for obj in model.objects() if obj.namespace}
    names |= {str(obj.name) for obj in model.objects("Namespace")}
    return sorted(names)


def who_can(args: argparse.Namespace, model: Model) -> Result:
    """``who-can VERB RESOURCE [-n NS | -A]``: every subject that can (or may)."""
    if args.all_namespaces and args.namespace is not None:
        raise UsageError("give -n NAMESPACE or -A, not both")
    targets: list[str | None] = list(_namespaces(model)) if args.all_namespaces else [args.namespace]
    grants: list[dict[str, Any]] = []
    for namespace in targets:
        for grant in model.who_can(args.verb, args.resource, namespace=namespace):
            grants.append({"namespace": namespace, "subject": grant.subject, "allowed": grant.allowed,
                           "builtin": grant.builtin, **{k: v for k, v in path_data(grant.path).items()
                                                        if k not in ("subject", "allowed")}})
    status = EXIT_NO if args.fail_if_any and grants else EXIT_YES

    def text(terminal: Terminal) -> str:
        if not grants:
            return "nobody"
        lines = []
        for grant in grants:
            maybe = "(maybe) " if grant["allowed"] is not True else ""
            where = f"[{grant['namespace']}] " if args.all_namespaces else ""
            lines.append(f"{where}{maybe}{grant['subject']} via {grant['binding']} -> {grant['role']}"
                         f"  ({grant['binding_source']})")
        return "\n".join(lines)

    rows = [f"| {md_escape(str(g['namespace'] or '(cluster)'))} | {md_escape(g['subject'])} | "
            f"{answer(g['allowed'])} | {md_escape(g['binding'])} -> {md_escape(g['role'])} | "
            f"{md_escape(g['binding_source'])} |" for g in grants]
    markdown = "\n".join([f"Who can {args.verb} {args.resource}:", "",
                          "| namespace | subject | can | via | defined at |", "|---|---|---|---|---|",
                          *rows]) + "\n"
    cases = [Case(f"{g['subject']} {args.verb} {args.resource}", not args.fail_if_any,
                  f"{g['subject']} via {g['binding']}") for g in grants]
    return Result("who-can", status, {"verb": args.verb, "resource": args.resource,
                                      "namespaces": targets, "grants": grants}, text, markdown, cases)


def _matrix_subjects(model: Model, namespace: str) -> list[tuple[str, Any]]:
    subjects: dict[str, Any] = {}
    for obj in model.objects("ServiceAccount", namespace=namespace):
        # the identity itself, not its user name: a symbolic name stays the symbol bindings match
        subjects[f"ServiceAccount {namespace}/{obj.name}"] = ServiceAccount(
            namespace if obj.namespace is None else obj.namespace, obj.name)
    for workload in model.workloads():
        if workload.namespace == namespace:
            subjects[f"{workload.kind}/{workload.name}"] = workload
    # service accounts of other namespaces that the namespace's RoleBindings name: their access here
    for binding in model.objects("RoleBinding", namespace=namespace):
        for subject in getattr(binding, "subjects", ()):
            if subject.kind == "ServiceAccount" and subject.namespace not in (None, namespace):
                subjects.setdefault(f"ServiceAccount {subject.namespace}/{subject.name}",
                                    ServiceAccount(subject.namespace, subject.name))
    return sorted(subjects.items())


def matrix_rows(model: Model, namespace: str, resources: list[str], verbs: list[str]) -> list[dict[str, Any]]:
    """For each service account and workload of the namespace, and each service account its
    RoleBindings name from another namespace: resource -> verb -> answer."""
    rows: list[dict[str, Any]] = []
    for label, who in _matrix_subjects(model, namespace):
        cells: dict[str, dict[str, Any]] = {}
        for resource in resources:
            cells[resource] = {verb: model.can(who, verb, resource, namespace=namespace).allowed
                               for verb in verbs}
        rows.append({"subject": label, "access": cells})
    return rows


def matrix(args: argparse.Namespace, model: Model) -> Result:
    """``matrix -n NS``: subjects x resources x verbs, each cell yes, no or unknown."""
    if not args.namespace:
        raise UsageError("matrix needs -n NAMESPACE")
    namespace = args.namespace
    resources = args.resources.split(",") if args.resources else list(MATRIX_RESOURCES)
    verbs = args.verbs.split(",") if args.verbs else list(MATRIX_VERBS)
    rows = matrix_rows(model, namespace, resources, verbs)

    def mark(value: bool | None, terminal: Terminal) -> str:
        return {True: terminal.paint("Y", "CAN"), False: ".", None: terminal.paint("?", "MAY")}[value]

    def text(terminal: Terminal) -> str:
        if not rows:
            return f"no service accounts or workloads in namespace {namespace}"
        lines = [f"namespace {namespace}: Y can, . cannot, ? unknown; verbs "
                 + " ".join(v[:3] for v in verbs)]
        for row in rows:
            lines.append(row["subject"])
            for resource in resources:
                cells = " ".join(f"{mark(row['access'][resource][v], terminal):>3}" for v in verbs)
                lines.append(f"  {resource:<42} {cells}")
        return "\n".join(lines)

    head = "| subject | resource | " + " | ".join(verbs) + " |"
    table = [head, "|" + "---|" * (len(verbs) + 2)]
    for row in rows:
        for resource in resources:
            marks = " | ".join({True: "✓", False: "", None: "?"}[row["access"][resource][v]] for v in verbs)
            table.append(f"| {md_escape(row['subject'])} | {resource} | {marks} |")
    markdown = f"Access in namespace `{namespace}`:\n\n" + "\n".join(table) + "\n"
    return Result("matrix", EXIT_YES, {"namespace": namespace, "resources": resources, "verbs": verbs,
                                       "rows": rows}, text, markdown)
