"""An outcome as text, like a failed permission assertion: the violated policy, every offender
grouped by subject (requests with the same evidence on one line), each with its grant path as
a tree with file:line per step, then how to fix it."""

from __future__ import annotations

from collections.abc import Iterable

from .evaluation import EXCEPTED, Finding, Outcome

EXPECTED = {"can": "expected: can", "cannot": "expected: cannot",
            "only": "expected: only the policy's subjects", "forbidden": "expected: no such object"}


def _join(summaries: list[str]) -> str:
    """``CAN get secrets in namespace x`` + ``CAN list ...`` -> ``CAN get, list secrets in namespace x``."""
    if len(summaries) == 1:
        return summaries[0]
    parts = [summary.split(" ", 2) for summary in summaries]
    if all(len(p) == 3 for p in parts) and len({(p[0], p[2]) for p in parts}) == 1:
        verbs = ", ".join(dict.fromkeys(p[1] for p in parts))
        return f"{parts[0][0]} {verbs} {parts[0][2]}"
    return "; ".join(summaries)


def _grouped(findings: Iterable[Finding]) -> dict[str, list[tuple[list[Finding], tuple[str, ...]]]]:
    by_subject: dict[str, dict[tuple[object, ...], list[Finding]]] = {}
    for finding in findings:
        key = (finding.allowed, finding.expected, finding.lines, finding.unknowns)
        by_subject.setdefault(finding.subject, {}).setdefault(key, []).append(finding)
    return {subject: [(items, items[0].lines) for items in groups.values()]
            for subject, groups in by_subject.items()}


def offender_lines(findings: list[Finding], indent: str = "") -> list[str]:
    """Every offender, grouped by subject."""
    lines: list[str] = []
    for subject, groups in _grouped(findings).items():
        lines.append(f"{indent}{subject}")
        for items, evidence in groups:
            first = items[0]
            summary = first.summary if first.expected == "forbidden" else _join([f.summary for f in items])
            tail = " (unknown: it depends on values not known here)" if first.unknown else ""
            lines.append(f"{indent}  {summary}{tail} ({EXPECTED[first.expected]})")
            lines += [f"{indent}    {line}" for line in evidence]
            if first.unknowns:
                lines.append(f"{indent}    depends on:")
                lines += [f"{indent}      {text}" for text in first.unknowns]
    return lines


def _fixes(outcome: Outcome) -> list[str]:
    findings = outcome.findings
    kinds = {finding.expected for finding in findings}
    lines = [outcome.policy.fix] if outcome.policy.fix and findings else []
    if outcome.policy.fix:
        pass
    elif any(f.chain and f.allowed is True for f in findings if f.expected != "can"):
        lines.append("break one hop of each chain: narrow the rule or remove the binding a hop names "
                     "(file:line above)")
    elif kinds & {"cannot", "only"} and any(not f.unknown for f in findings if f.expected != "can"):
        lines.append("narrow the rule or remove the binding each grant path names (file:line above)")
    if "forbidden" in kinds and not outcome.policy.fix:
        lines.append("remove or change the objects named above")
    if "can" in kinds and any(f.allowed is False for f in findings if f.expected == "can"):
        lines.append("grant what is expected (a Role or ClusterRole and a binding), or correct the policy")
    if any(f.unknown for f in findings):
        lines.append("supply the values named under 'depends on' (--pfperms-var NAME=VALUE, pfperms "
                     "--var NAME=VALUE, or a tfvars file), or set `unknown: pass` on the policy (unsafe: an "
                     "unknown answer then passes)")
    if outcome.expired:
        lines.append("renew an expired exception (a new expires date, with its reason) or fix what it "
                     "covered")
    if findings and outcome.policy.builtin:
        first = findings[0]
        lines.append("or, if this is intended, accept it in a PolicySet (or pfperms_exceptions_file):")
        lines.append(f'    exceptions: {{{outcome.policy.id}: [{{match: {{subject: "{first.subject}"}}, '
                     'reason: "why (ticket)", expires: YYYY-MM-DD}]}')
    elif findings:
        first = findings[0]
        lines.append("or, if this is intended, accept it with an exception on the policy:")
        lines.append(f'    exceptions: [{{match: {{subject: "{first.subject}"}}, reason: "why (ticket)", '
                     'expires: YYYY-MM-DD}]')
    return lines


def render(outcome: Outcome) -> str:
    """The report of a failed (or warned) policy."""
    policy = outcome.policy
    kind = "built-in policy" if policy.builtin else "policy"
    where = "" if policy.builtin else f" ({policy.source})"
    index, count = outcome.part
    share = f" part {index + 1}/{count}" if count > 1 else ""
    lines = [f"{kind} {policy.id}{where} [{policy.severity}]{share}"
             + (f": {policy.description}" if policy.description else "")]
    if policy.why:
        lines.append(f"  why it matters: {policy.why}")
    for error in outcome.errors:
        lines.append(f"  cannot be checked: {error}")
    if outcome.errors:
        return "\n".join(lines)
    for exemption in outcome.expired:
        expires = exemption.expires.isoformat() if exemption.expires else ""
        lines.append(f"  an exception expired on {expires}: {exemption.describe()}; it no longer accepts "
                     "anything")
    subjects = {finding.subject for finding in outcome.findings}
    if outcome.findings:
        lines.append(f"  violated by {len(subjects)} subject{'s' if len(subjects) != 1 else ''} "
                     f"({len(outcome.findings)} finding{'s' if len(outcome.findings) != 1 else ''}):")
        lines += offender_lines(outcome.findings, "  ")
    if outcome.excepted:
        lines.append(f"  accepted by exceptions: {len(outcome.excepted)} finding"
                     f"{'s' if len(outcome.excepted) != 1 else ''} "
                     f"({', '.join(sorted({f.subject for f, _ in outcome.excepted}))})")
    fixes = _fixes(outcome)
    if fixes:
        lines.append("  to fix: " + fixes[0])
        lines += [f"          {line}" for line in fixes[1:]]
    return "\n".join(lines)


def summary(outcome: Outcome) -> str:
    """One line for a passing policy (``-v`` shows it)."""
    if outcome.status == EXCEPTED:
        return f"{outcome.policy.id}: {len(outcome.excepted)} findings accepted by exceptions"
    return f"{outcome.policy.id}: {outcome.checked} questions, no offender"


def stale_lines(outcome: Outcome) -> list[str]:
    """A line per exception that matched nothing."""
    return [f"policy {outcome.policy.id}: stale {exemption.describe()}: it matches nothing; remove it"
            for exemption in outcome.stale]


__all__ = ["offender_lines", "render", "stale_lines", "summary"]
