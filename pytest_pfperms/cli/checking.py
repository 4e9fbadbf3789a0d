"""``check``: the policy files and the built-in risk pack, without pytest."""

from __future__ import annotations

import argparse
import json
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
                 file, line, policy.fix or policy.why, fingerprint(policy, finding))


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


BASELINE_VERSION = 1


def fingerprint(policy: Policy, finding: Finding) -> str:
    """What identifies a finding across runs: the policy, the subject and what it can do
    (never a line number, which moves with unrelated edits)."""
    return f"{policy.id}|{finding.subject}|{finding.summary}"


def read_baseline(path: str) -> set[str]:
    """The fingerprints a baseline file accepts."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise LoadError([Problem(path, None, f"cannot be read as a pfperms baseline: {error}")]) from None
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION \
            or not isinstance(data.get("findings"), list):
        raise LoadError([Problem(path, None, "is not a pfperms baseline (version: 1, findings: [...])")])
    return {str(entry.get("fingerprint")) for entry in data["findings"] if isinstance(entry, dict)}


def write_baseline(path: str, outcomes: list[Outcome]) -> int:
    """Accept today's findings: write every one's fingerprint; returns how many."""
    findings = sorted({fingerprint(o.policy, f): {"fingerprint": fingerprint(o.policy, f),
                                                   "policy": o.policy.id, "subject": f.subject,
                                                   "summary": f.summary}
                       for o in outcomes for f in o.findings}.items())
    Path(path).write_text(json.dumps({"version": BASELINE_VERSION, "findings": [v for _, v in findings]},
                                     indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return len(findings)


def _apply_baseline(outcomes: list[Outcome], accepted: set[str]) -> tuple[list[Outcome], int]:
    """The outcomes with baseline findings moved out of ``findings``; and how many moved."""
    moved = 0
    kept: list[Outcome] = []
    for outcome in outcomes:
        fresh = [f for f in outcome.findings if fingerprint(outcome.policy, f) not in accepted]
        moved += len(outcome.findings) - len(fresh)
        outcome.findings = fresh
        kept.append(outcome)
    return kept, moved


def check(args: argparse.Namespace, model: Model) -> Result:
    """``check``: run every policy; exit 1 on a failed policy (or any finding with --fail-if-any);
    with ``--baseline``, only findings the baseline does not hold count."""
    outcomes: list[Outcome] = []
    for policy, extra, builtin in policies(args):
        outcomes.append(evaluate(policy, model, extra_exceptions=extra,
                                 evaluator=builtin.run if builtin else None))
    if args.create_baseline:
        count = write_baseline(args.create_baseline, outcomes)
        said = f"pfperms: wrote {args.create_baseline} ({count} findings accepted)"
        return Result("check", EXIT_YES, {"policies": [], "counts": {"passed": 0, "failed": 0, "warned": 0,
                                                                     "excepted": 0}, "baselined": count},
                      lambda _t: said, said + "\n", issues=[])
    baselined = 0
    if args.baseline:
        outcomes, baselined = _apply_baseline(outcomes, read_baseline(args.baseline))
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
        also = f"; {baselined} findings in the baseline" if args.baseline else ""
        parts.append(f"pfperms check: {len(outcomes)} policies: {summary}{also} ({mark})")
        return "\n\n".join(parts)

    rows = [f"| {md_escape(o.policy.id)} | {o.status} | {len(o.findings)} | "
            f"{md_escape(o.policy.description)} |" for o in outcomes]
    markdown = "\n".join([f"pfperms check: {summary}", "", "| policy | status | findings | description |",
                          "|---|---|---|---|", *rows]) + "\n"
    cases = [Case(o.policy.id, o.status != FAILED, f"{o.policy.id} {o.status}",
                  render(o) if o.status in (FAILED, WARNED) else "") for o in outcomes]
    return Result("check", status, {"policies": data, "counts": counts, "baselined": baselined}, text,
                  markdown, cases, issues)
