"""The built-in AWS policies, PF-AWS-001 ... PF-AWS-004: IRSA questions asked of every service
account the sources mention (``Model.aws_can``: annotation, trust and permissions, exactly)."""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterator, Mapping

from ...aws.documents import json_object
from ...model.identities import ServiceAccount
from ...query.model import Model
from ...values import EncodedDocument
from ..evaluation import Finding, decision_finding
from .probing import subjects
from .registry import Builtin, register

ANY_ACTION = "pfpermsprobe:AnyAction"
"""An action no policy names: only ``*`` (or ``*``-like patterns) allow it."""
_ACTION = re.compile(r"[a-z0-9-]+:[A-Za-z0-9*?]+")
Result = tuple[list[Finding], int]
_LITERALS: weakref.WeakKeyDictionary[Model, tuple[list[str], list[str]]] = weakref.WeakKeyDictionary()


def _strings(value: object, depth: int = 0) -> Iterator[str]:
    """Every string in a resource's values, looking inside policy JSON text and inside a
    ``jsonencode`` whose value holds unknowns (where the actions and ARNs are)."""
    if depth > 64:
        return
    if isinstance(value, EncodedDocument):
        yield from _strings(value.document, depth + 1)
    elif isinstance(value, str):
        decoded = json_object(value) if value.lstrip().startswith("{") else None
        if decoded is not None:
            yield from _strings(decoded, depth + 1)
        else:
            yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item, depth + 1)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item, depth + 1)


def literals(model: Model) -> tuple[list[str], list[str]]:
    """Every action and every ARN (or ``*``) written in the model's IAM resources: the probes."""
    cached = _LITERALS.get(model)
    if cached is None:
        actions: dict[str, None] = {}
        arns: dict[str, None] = {"*": None}
        for resource in model.resources:
            if not resource.type.startswith(("aws_iam", "data.aws_iam")):
                continue
            for text in _strings(dict(resource.values)):
                if text.startswith("arn:"):
                    arns[text] = None
                elif _ACTION.fullmatch(text):
                    actions[text] = None
        cached = (list(actions), list(arns))
        _LITERALS[model] = cached
    return cached


def _ask(model: Model, requests: list[tuple[str, str]]) -> Result:
    found: list[Finding] = []
    checked = 0
    if not model.resources:
        return found, checked
    for subject in subjects(model):
        if not isinstance(subject.who, ServiceAccount):
            continue
        for action, resource in requests:
            checked += 1
            decision = model.aws_can(subject.who, action, resource)
            if decision.allowed is not False:
                found.append(decision_finding(subject, decision, "cannot"))
                break
    return found, checked


def _any_action(model: Model) -> Result:
    return _ask(model, [(ANY_ACTION, arn) for arn in literals(model)[1]])


def _any_resource(model: Model) -> Result:
    return _ask(
        model, [(action, "*") for action in literals(model)[0] if action != "sts:AssumeRoleWithWebIdentity"]
    )


def _pass_role(model: Model) -> Result:
    return _ask(model, [("iam:PassRole", "*")])


def _assume_role(model: Model) -> Result:
    return _ask(model, [("sts:AssumeRole", "*")])


AWS = [
    register(builtin)
    for builtin in (
        Builtin(
            "PF-AWS-001",
            'AWS grants of every action ("*")',
            'Action "*" is every API of every service (IAM included), on the resources the statement names.',
            "List the actions the workload calls (or a service's read-only set).",
            _any_action,
        ),
        Builtin(
            "PF-AWS-002",
            'AWS grants on every resource ("*")',
            'Resource "*" is every bucket, queue, key and role of the account, now and later.',
            'Name the ARNs (or an ARN pattern of the workload\'s own prefix); keep "*" for actions that '
            "take no resource (e.g. ec2:Describe*) and except those.",
            _any_resource,
            severity="warn",
        ),
        Builtin(
            "PF-AWS-003",
            "iam:PassRole on every role",
            "Passing any role to a service (EC2, Lambda, ECS) is running code with that role: the strongest "
            "role of the account.",
            "Limit iam:PassRole to the ARNs of the roles meant, with an iam:PassedToService condition.",
            _pass_role,
        ),
        Builtin(
            "PF-AWS-004",
            "sts:AssumeRole on every role",
            "Assuming any role whose trust policy lets the account in is acting as it.",
            "Name the role ARNs the workload assumes.",
            _assume_role,
        ),
    )
]
