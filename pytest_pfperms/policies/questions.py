"""The questions a policy entry asks of one subject, and the engines' decisions.

A Kubernetes entry expands to verbs x resources (x apiGroups x subresources) x namespaces x
names, or verbs x nonResourceURLs; an AWS entry to actions x resources; a Vault entry to
capabilities x paths. ``transitive: true`` asks the subject's :class:`Reach` instead.
AWS and Vault are asked of service accounts and workloads only (users and groups log in
to neither through the cluster).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidArgument
from ..model.decision import Decision
from ..model.requests import Request, build_request
from ..query.model import Model, Workload
from ..values import Str
from .format import EVERY, OWN, Ask, AwsAsk, KubeAsk, VaultAsk
from .subjects import PolicyError, Subject

OUTSIDER = "pfperms-outsider"
"""The namespace ``"*"`` adds to those the model mentions: one nobody wrote."""


def model_namespaces(model: Model) -> list[Str]:
    """Every namespace the sources mention, then the outsider."""
    found: dict[Str, None] = {}
    for obj in model.objects():
        if obj.kind == "Namespace":
            found[obj.name] = None
        if obj.namespace is not None:
            found[obj.namespace] = None
    found[OUTSIDER] = None
    return list(found)


@dataclass(frozen=True, slots=True)
class KubeQuestion:
    """One Kubernetes request, in the words ``can()`` takes."""

    verb: str
    resource: str
    namespace: Str | None
    name: str | None = None
    api_group: str | None = None
    subresource: str | None = None

    def request(self) -> Request:
        """The request attributes."""
        return build_request(self.verb, self.resource, namespace=self.namespace, name=self.name,
                             api_group=self.api_group, subresource=self.subresource)


def kube_questions(kube: KubeAsk, own: Str | None, label: str, model: Model, line: int,
                   default: str = OWN) -> Iterator[KubeQuestion]:
    """Every request of a Kubernetes entry, for a subject whose namespace is ``own``."""
    namespaces: list[Str | None] = []
    for item in kube.namespaces:
        item = default if item == OWN else item
        if item == OWN:
            if own is None:
                raise PolicyError(f"{label} has no namespace of its own (line {line}): give namespaces "
                                  '(a list, "*" for every namespace, or null for cluster scope)')
            namespaces.append(own)
        elif item == EVERY:
            namespaces += model_namespaces(model)
        else:
            namespaces.append(item)
    for verb in kube.verbs:
        for url in kube.urls:
            yield KubeQuestion(verb, url, None)
        for resource in kube.resources:
            for group in kube.api_groups or (None,):
                for sub in kube.subresources or (None,):
                    for namespace in dict.fromkeys(namespaces):
                        for name in kube.names or (None,):
                            yield KubeQuestion(verb, resource, namespace, name, group, sub)


def _reach(subject: Subject, model: Model, reaches: dict[str, Any]) -> Any:
    if subject.label not in reaches:
        reaches[subject.label] = model.reach(subject.who)
    return reaches[subject.label]


def decisions(ask: Ask, subject: Subject, model: Model, reaches: dict[str, Any],
              default: str = OWN) -> list[Decision]:
    """The decisions for every request of ``ask``, asked of ``subject``."""
    what = ask.what
    who = subject.who
    target: Any = _reach(subject, model, reaches) if ask.transitive else None
    found: list[Decision] = []
    try:
        if isinstance(what, KubeAsk):
            for question in kube_questions(what, subject.own_namespace, subject.label, model, ask.line,
                                           default):
                if question.resource.startswith("/"):
                    asker = target if target is not None else (who if isinstance(who, Workload) else None)
                    found.append(asker.can(question.verb, question.resource, namespace=None) if asker
                                 else model.can(who, question.verb, question.resource))
                    continue
                asking = target if target is not None else (who if isinstance(who, Workload) else None)
                if asking is not None:
                    found.append(asking.can(question.verb, question.resource, namespace=question.namespace,
                                            name=question.name, api_group=question.api_group,
                                            subresource=question.subresource))
                else:
                    found.append(model.can(who, question.verb, question.resource,
                                           namespace=question.namespace, name=question.name,
                                           api_group=question.api_group, subresource=question.subresource))
        elif not subject.accounts:
            return []
        elif isinstance(what, AwsAsk):
            asker = target if target is not None else (who if isinstance(who, Workload) else None)
            for action in what.actions:
                for resource in what.resources:
                    found.append(asker.aws_can(action, resource, context=what.context) if asker is not None
                                 else model.aws_can(who, action, resource, context=what.context))
        elif isinstance(what, VaultAsk):
            asker = target if target is not None else (who if isinstance(who, Workload) else None)
            for capability in what.capabilities:
                for path in what.paths:
                    found.append(asker.vault_can(capability, path) if asker is not None
                                 else model.vault_can(who, capability, path))
    except InvalidArgument as error:
        raise PolicyError(f"line {ask.line}: {error}") from None
    return found


__all__ = ["OUTSIDER", "KubeQuestion", "decisions", "kube_questions", "model_namespaces"]
