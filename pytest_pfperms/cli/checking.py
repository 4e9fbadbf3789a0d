"""``check``: the policy files and the built-in risk pack, without pytest."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..errors import InvalidArgument, LoadError, Problem
from ..policies import Outcome, evaluate, is_policy_file, policy_set, read, render
from ..policies.builtin import RECOMMENDED, Builtin, selected
from ..policies.evaluation import FAILED, WARNED, Finding
from ..policies.format import Exemption, Policy
from ..query.model import Model
from .exits import EXIT_NO, EXIT_YES, UsageError
from .rendering import md_escape
from .results import Case, Issue, Result, where
from .terminal import Terminal

LEVELS = {"deny": "error", "warn": "warning"}


def _policy_files(directories: list[str]) -> list[Path]:
    files: list[Path] = []
    for name in directories:
        directory = Path(name)
        if directory.is_file():
            files.append(directory)
            continue
        if not directory.is_dir():
            raise UsageError(f"--policies {name}: no such directory")
        files += sorted(p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()
                        and not any(part.startswith(".") for part in p.relative_to(directory).parts)
                        and is_policy_file(p))
    return files


def _chosen(args: argparse.Namespace) -> list[Builtin]:
    names = args.builtin.split(",") if args.builtin else [RECOMMENDED]
    if names == ["none"]:
        return []
    try:
        return selected(names)
    except InvalidArgument as error:
        raise UsageError(f"--builtin: {error}") from None


def _finding_issue(policy: Policy, finding: Finding) -> Issue:
    file, line = where(finding.lines)
    if file is None and not policy.builtin:
        file, line = policy.source.path, policy.source.line or None
    level = LEVELS.get(policy.severity, "error")
    return Issue(policy.id, policy.description or policy.id, level, f"{finding.subject}: {finding.summary}",
                 file, line, policy.fix or policy.why)


def policies(args: argparse.Namespace) -> list[tuple[Policy, tuple[Exemption, ...], Builtin | None]]:
    """Every policy to run: the files' (with ids unique), then the chosen built-ins with the
    exceptions the files key by their ids."""
    directories = args.policies if args.policies is not None else (["policies"] if Path("policies").is_dir()
                                                                     else [])
    chosen = _chosen(args)
    known = {builtin.id for builtin in chosen}
    found: list[tuple[Policy, tuple[Exemption, ...], Builtin | None]] = []
    keyed: dict[str, list[Exemption]] = {}
    seen: dict[str, str] = {}
    for path in _policy_files(directories):
        policy_file = policy_set(read(path, str(path)))
        for policy in policy_file.policies:
            first = seen.setdefault(policy.id, str(policy.source))
            if first != str(policy.source):
                raise LoadError([Problem(str(path), policy.source.line or None,
                                         f"policy id {policy.id!r} is already used at {first}")])
            found.append((policy, (), None))
        for key, exemptions in policy_file.exceptions.items():
            if key not in known:
                raise LoadError([Problem(str(path), None, f"exceptions for {key}: {key} is no built-in "
                                         "policy turned on (--builtin)")])
            keyed.setdefault(key, []).extend(exemptions)
    found += [(b.policy(), tuple(keyed.get(b.id, ())), b) for b in chosen]
    return found


def check(args: argparse.Namespace, model: Model) -> Result:
    """``check``: run every policy; exit 1 on a failed policy (or any finding with --fail-if-any)."""
    outcomes: list[Outcome] = []
    for policy, extra, builtin in policies(args):
        outcomes.append(evaluate(policy, model, extra_exceptions=extra,
                                 evaluator=builtin.run if builtin else None))
    issues = [_finding_issue(o.policy, f) for o in outcomes for f in o.findings]
    failed = [o for o in outcomes if o.status == FAILED]
    warned = [o for o in outcomes if o.status == WARNED]
    bad = bool(failed) or (args.fail_if_any and bool(warned))
    status = EXIT_NO if bad else EXIT_YES
    data: list[dict[str, Any]] = [{
        "id": o.policy.id, "status": o.status, "severity": o.policy.severity, "builtin": o.policy.builtin,
        "source": str(o.policy.source), "checked": o.checked, "errors": list(o.errors),
        "findings": [{"subject": f.subject, "kind": f.kind, "name": str(f.name),
                      "namespace": None if f.namespace is None else str(f.namespace),
                      "expected": f.expected, "allowed": f.allowed, "summary": f.summary,
                      "lines": list(f.lines)} for f in o.findings],
        "excepted": len(o.excepted)} for o in outcomes]
    counts = {name: sum(1 for o in outcomes if o.status == name)
              for name in ("passed", "failed", "warned", "excepted")}
    summary = ", ".join(f"{n} {name}" for name, n in counts.items())

    def text(terminal: Terminal) -> str:
        parts = [render(o) for o in outcomes if o.status in (FAILED, WARNED)]
        mark = terminal.paint("FAILED", "CANNOT") if failed else terminal.paint("ok", "CAN")
        parts.append(f"pfperms check: {len(outcomes)} policies: {summary} ({mark})")
        return "\n\n".join(parts)

    rows = [f"| {md_escape(o.policy.id)} | {o.status} | {len(o.findings)} | "
            f"{md_escape(o.policy.description)} |" for o in outcomes]
    markdown = "\n".join([f"pfperms check: {summary}", "", "| policy | status | findings | description |",
                          "|---|---|---|---|", *rows]) + "\n"
    cases = [Case(o.policy.id, o.status != FAILED, f"{o.policy.id} {o.status}",
                  render(o) if o.status in (FAILED, WARNED) else "") for o in outcomes]
    return Result("check", status, {"policies": data, "counts": counts}, text, markdown, cases, issues)
