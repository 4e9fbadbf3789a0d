"""Evaluating a policy over a model: every offender, then exceptions, then an outcome.

``can``: each request must be allowed for every subject; ``cannot``: denied. An unknown
answer (apply-time values) is an offender too, unless the policy says ``unknown: pass``.
``forbid``: no object of the sources may match. ``only``: nobody outside its subjects may
(RBAC: every binding subject ``who_can`` names, the cluster's bootstrap bindings aside;
``transitive``, AWS and Vault: every subject the sources mention).

Exceptions then accept the offenders they match; one whose ``expires`` date has passed
accepts nothing and fails the policy; one that matches nothing is stale (a warning).

A policy split into parts (``split: N``) is evaluated one part at a time: part ``index`` of
``count`` asks about every ``count``-th subject (sorted by label), every ``count``-th
question of ``only`` and every ``count``-th object of ``forbid``, so the parts cover the
policy once between them; staleness of an exception is then decided over all parts.
"""

from __future__ import annotations

import datetime
import fnmatch
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..escalation import Transitively
from ..explain.kubernetes import render_path
from ..model.decision import Decision
from ..model.objects import (
    BUILTIN_SOURCE,
    AnyRole,
    ClusterRole,
    ClusterRoleBinding,
    KubeObject,
    Role,
    RoleBinding,
)
from ..model.objects import Subject as BindingSubject
from ..query.model import Model
from ..values import Str, Tri
from .format import EVERY, Ask, Exemption, KubeAsk, Matcher, Policy
from .questions import decisions, kube_questions
from .subjects import PolicyError, Subject, population, resolve

Status = str
PASSED, FAILED, WARNED, EXCEPTED = "passed", "failed", "warned", "excepted"

Part = tuple[int, int]
"""``(index, count)``: the part of a split policy to evaluate; ``(0, 1)`` is the whole policy."""
WHOLE: Part = (0, 1)
_T = TypeVar("_T")


def _share(items: Sequence[_T], part: Part) -> Sequence[_T]:
    """Every ``count``-th item from ``index``: the parts of a sequence are disjoint and cover it."""
    index, count = part
    return items if count == 1 else items[index::count]


def _share_subjects(subjects: list[Subject], part: Part) -> Sequence[Subject]:
    """A part's subjects: sorted by label first, so every process cuts the same parts (the
    whole policy keeps the order written)."""
    return subjects if part == WHOLE else _share(sorted(subjects, key=_label), part)


def _label(subject: Subject) -> str:
    return subject.label


@dataclass(frozen=True, slots=True)
class Finding:
    """One offender: a subject and the decision that breaks the policy, or a matching object.

    ``kind``, ``name`` and ``namespace`` are what exceptions match, with ``subject`` (the label).
    """

    subject: str
    kind: str
    name: Str
    namespace: Str | None
    expected: str
    allowed: Tri
    summary: str
    lines: tuple[str, ...]
    unknowns: tuple[str, ...] = ()
    chain: bool = False
    """True when the answer is a subject's reach (a chain of escalations)."""

    @property
    def unknown(self) -> bool:
        """Whether the answer depends on values unknown before apply."""
        return self.allowed is None

    def attributes(self) -> dict[str, str]:
        """What an exception's ``match`` compares."""
        return {"subject": self.subject, "kind": self.kind, "name": str(self.name),
                "namespace": "" if self.namespace is None else str(self.namespace)}


@dataclass(slots=True)
class Outcome:
    """What one policy found over one model."""

    policy: Policy
    findings: list[Finding] = field(default_factory=list)
    excepted: list[tuple[Finding, Exemption]] = field(default_factory=list)
    passed_unknowns: list[Finding] = field(default_factory=list)
    stale: list[Exemption] = field(default_factory=list)
    expired: list[Exemption] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    checked: int = 0
    part: Part = WHOLE
    """Which part of a split policy this is the outcome of."""

    @property
    def status(self) -> Status:
        """``passed``, ``failed``, ``warned`` (a warn policy with offenders) or ``excepted``
        (offenders, every one accepted by an exception)."""
        if self.errors:
            return FAILED
        if self.findings or self.expired:
            return WARNED if self.policy.severity == "warn" else FAILED
        if self.excepted:
            return EXCEPTED
        return PASSED


def decision_finding(subject: Subject, decision: Decision, expected: str) -> Finding:
    """A finding from a decision about a policy subject."""
    return _from_decision(subject.label, subject.kind, subject.name, subject.namespace, decision, expected)


def _from_decision(label: str, kind: str, name: Str, namespace: Str | None, decision: Decision,
                   expected: str) -> Finding:
    evidence = decision.explanation()
    lines = [line for line in evidence.lines if not line.startswith("to fix:")]
    lines += [f"note: {note}" for note in evidence.notes]
    return Finding(label, kind, name, namespace, expected, decision.allowed,
                   f"{decision.verdict} {decision.request.describe()}", tuple(lines),
                   tuple(symbol.describe() for symbol in evidence.unknowns),
                   isinstance(decision.subject, Transitively))


def _offends(expected: str, allowed: Tri) -> bool:
    return allowed is not True if expected == "can" else allowed is not False


def _glob(pattern: str | None, value: object) -> bool:
    return pattern is None or (value is not None and fnmatch.fnmatchcase(str(value), pattern))


# --------------------------------------------------------------------------- forbid


def _rule_matches(wanted: Mapping[str, tuple[str, ...]], role: AnyRole) -> list[int]:
    keys = {"verbs": "verbs", "resources": "resources", "apiGroups": "api_groups",
            "resourceNames": "resource_names", "nonResourceURLs": "non_resource_urls"}
    found = []
    for position, rule in enumerate(role.rules):
        if all(isinstance(getattr(rule, keys[key]), tuple) and set(items) <= set(getattr(rule, keys[key]))
               for key, items in wanted.items()):
            found.append(position)
    return found


def matches(matcher: Matcher, obj: KubeObject) -> list[str] | None:
    """Why ``obj`` matches (lines citing its file:line), or None when it does not."""
    if not (_glob(matcher.kind, obj.kind) and _glob(matcher.name, obj.name)):
        return None
    if matcher.namespace is not None and (obj.namespace is None
                                          or not _glob(matcher.namespace, obj.namespace)):
        return None
    if any(obj.labels.get(key) != value for key, value in matcher.labels):
        return None
    lines = [f"{obj.ref()}  {obj.source}"]
    if matcher.role_ref is not None:
        if not isinstance(obj, (RoleBinding, ClusterRoleBinding)):
            return None
        kind, name = matcher.role_ref
        if not (_glob(kind, obj.role_ref.kind) and _glob(name, obj.role_ref.name)):
            return None
        lines.append(f"  roleRef {obj.role_ref.kind} {obj.role_ref.name}")
    if matcher.subject is not None:
        if not isinstance(obj, (RoleBinding, ClusterRoleBinding)):
            return None
        kind, name, namespace = matcher.subject
        hits = [s for s in obj.subjects if _glob(kind, s.kind) and _glob(name, s.name)
                and (namespace is None or _glob(namespace, s.namespace or obj.namespace))]
        if not hits:
            return None
        lines += [f"  subject {hit}" for hit in hits]
    if matcher.rule is not None:
        if not isinstance(obj, (Role, ClusterRole)):
            return None
        hits_at = _rule_matches(matcher.rule, obj)
        if not hits_at:
            return None
        lines += [f"  rule {obj.rules[i].index}: {obj.rules[i].describe()}  {obj.rules[i].source}"
                  for i in hits_at]
    return lines


def _forbid(policy: Policy, model: Model, part: Part) -> list[Finding]:
    found = []
    objects = _share(model.objects(), part) if policy.forbid else ()
    for matcher in policy.forbid:
        for obj in objects:
            why = matches(matcher, obj)
            if why is not None:
                found.append(Finding(obj.ref(), obj.kind, obj.name, obj.namespace, "forbidden", True,
                                     f"matches forbid entry at line {matcher.line}", tuple(why)))
    return found


# --------------------------------------------------------------------------- only


def _covered(subject: BindingSubject, allowed: list[Subject]) -> bool:
    for who in allowed:
        if subject.kind == "ServiceAccount" and any(
                account.namespace == subject.namespace and account.name == subject.name
                for account in who.accounts):
            return True
        if subject.kind == "User" and who.kind == "User" and who.name == subject.name:
            return True
        if subject.kind == "Group" and who.kind == "Group" and who.name == subject.name:
            return True
    return False


def _only(policy: Policy, model: Model, reaches: dict[str, Any], part: Part) -> tuple[list[Finding], int]:
    assert policy.only is not None
    allowed = resolve(policy.only.subjects, model)
    labels = {subject.label for subject in allowed}
    found: list[Finding] = []
    checked = 0
    for ask in policy.only.can:
        if isinstance(ask.what, KubeAsk) and not ask.transitive:
            questions = list(kube_questions(ask.what, None, "only", model, ask.line, default=EVERY))
            for question in _share(questions, part):
                try:
                    request = question.request()
                except Exception as error:
                    raise PolicyError(f"line {ask.line}: {error}") from None
                checked += 1
                for path in model.kubernetes.who_can(request):
                    if path.binding.source is BUILTIN_SOURCE or _covered(path.subject, allowed):
                        continue
                    verdict = "CAN" if path.allowed is True else "MAY"
                    found.append(Finding(
                        str(path.subject), path.subject.kind, path.subject.name, path.subject.namespace,
                        "only", path.allowed, f"{verdict} {request.describe()}", tuple(render_path(path)),
                        tuple(symbol.describe() for symbol in path.unknowns)))
            continue
        for subject in _share_subjects(population(model), part):
            if subject.label in labels or _covered_workload(subject, allowed):
                continue
            for decision in decisions(ask, subject, model, reaches, default=EVERY):
                checked += 1
                if decision.allowed is not False:
                    found.append(decision_finding(subject, decision, "only"))
    return found, checked


def _covered_workload(subject: Subject, allowed: list[Subject]) -> bool:
    accounts = subject.accounts
    return bool(accounts) and all(any(account in who.accounts for who in allowed) for account in accounts)


# --------------------------------------------------------------------------- the policy


def _except(outcome: Outcome, found: list[Finding], exceptions: tuple[Exemption, ...],
            today: datetime.date) -> None:
    live = [e for e in exceptions if e.expires is None or e.expires >= today]
    outcome.expired = [e for e in exceptions if e.expires is not None and e.expires < today]
    used: set[int] = set()
    for finding in found:
        attributes = finding.attributes()
        for position, exemption in enumerate(live):
            if all(_glob(pattern, attributes.get(key, "")) for key, pattern in exemption.match.items()):
                outcome.excepted.append((finding, exemption))
                used.add(position)
                break
        else:
            outcome.findings.append(finding)
    outcome.stale = [e for position, e in enumerate(live) if position not in used]


Evaluator = Callable[[Model], tuple[list[Finding], int]]
"""A built-in's check: its findings over a model, and how many questions it asked."""


def evaluate(policy: Policy, model: Model, *, today: datetime.date | None = None,
             extra_exceptions: tuple[Exemption, ...] = (), evaluator: Evaluator | None = None,
             part: Part = WHOLE) -> Outcome:
    """Every offender of ``policy`` in ``model``, with exceptions applied (``today``: their expiry).

    ``part``: only that part of a split policy (the module's docstring says which); its
    ``stale`` exceptions are those that matched nothing in this part."""
    index, count = part
    if not 0 <= index < count:
        raise ValueError(f"part {index} of {count} does not exist")
    outcome = Outcome(policy, part=part)
    reaches: dict[str, Any] = {}
    found: list[Finding] = []
    try:
        if evaluator is not None:
            found, outcome.checked = evaluator(model)
        found += _subject_findings(policy, model, reaches, outcome, part)
        found += _forbid(policy, model, part)
        if policy.only is not None:
            only, checked = _only(policy, model, reaches, part)
            found += only
            outcome.checked += checked
    except PolicyError as error:
        outcome.errors.append(str(error))
        return outcome
    if policy.unknown_passes:
        outcome.passed_unknowns = [f for f in found if f.unknown]
        found = [f for f in found if not f.unknown]
    _except(outcome, found, (*policy.exceptions, *extra_exceptions), today or datetime.date.today())
    return outcome


def _subject_findings(policy: Policy, model: Model, reaches: dict[str, Any],
                      outcome: Outcome, part: Part) -> list[Finding]:
    if policy.subjects is None or not (policy.can or policy.cannot):
        return []
    subjects = resolve(policy.subjects, model)
    if not subjects:
        raise PolicyError("no subject matches the policy's subjects in this model, so it would pass "
                          "without checking anything; check the selector (or the loaded paths)")
    found = []
    entries: list[tuple[str, Ask]] = [("can", ask) for ask in policy.can]
    entries += [("cannot", ask) for ask in policy.cannot]
    for subject in _share_subjects(subjects, part):
        for expected, ask in entries:
            for decision in decisions(ask, subject, model, reaches):
                outcome.checked += 1
                if _offends(expected, decision.allowed):
                    found.append(decision_finding(subject, decision, expected))
    return found


__all__ = ["EXCEPTED", "FAILED", "PASSED", "WARNED", "WHOLE", "Finding", "Outcome", "Part",
           "decision_finding", "evaluate", "matches"]
