"""``reach``: what a subject can effectively do after following escalations, with proof chains.

A :class:`Reach` answers ``can``, ``aws_can`` and ``vault_can`` like the model does, but for
every identity the subject can come to act as (and every grant it can give itself): the
answer is True when one of them can, and its explanation is the chain that gets there,
each hop with the grant paths (file:line) that allow it::

    ServiceAccount ci/deployer (after escalations) CAN read on secret/data/payments/db
      ci/deployer -> create pods in prod -> runs as prod/payments -> Vault read on secret/data/payments/db
      1. ci/deployer: create pods in prod
           ServiceAccount ci/deployer CAN create pods in namespace prod
             RoleBinding prod/deployer (subject ServiceAccount ci/deployer)  k8s/ci.yaml:14
             ...
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from ..aws.cluster import AwsRequest, context_overlay
from ..errors import InvalidArgument
from ..model.decision import Decision, Explanation, Question
from ..model.identities import Identity
from ..model.requests import Request, build_request
from ..query.model import Model, Who, Workload
from ..values import Str, Symbol, Tri, and3, or3
from ..vault.acl import parse_request
from .chains import Actor, final_lines, hop_lines
from .search import DEFAULT_MAX_ACTORS, DEFAULT_MAX_DEPTH, Found, search

MAX_LISTED = 12
"""Reached identities named under a denial."""

_OWN: Any = object()


class Transitively:
    """The subject of a reach decision: prints as ``ServiceAccount ci/deployer (after escalations)``."""

    __slots__ = ("subject",)

    def __init__(self, subject: object):
        self.subject = subject

    def __str__(self) -> str:
        return f"{self.subject} (after escalations)"

    def __repr__(self) -> str:
        return f"<{self}>"


class Reach:
    """Every identity and grant a subject reaches, and the questions over all of them.

    ``actors`` lists them, the subject's own identities first, each with its ``chain``;
    ``truncated`` says why the search stopped early, if it did (then a denial is unknown).
    """

    def __init__(self, model: Model, subject: object, found: Found, own_namespace: Str | None):
        self.model = model
        self.subject = subject
        self.actors: tuple[Actor, ...] = tuple(found.actors)
        self.truncated = found.truncated
        self._own_namespace = own_namespace
        self._label = Transitively(subject)

    # -- what it reaches ------------------------------------------------------------------

    def identities(self) -> list[Identity]:
        """Every identity it can act as (certainly or maybe), itself first."""
        return list(dict.fromkeys(actor.identity for actor in self.actors if actor.grant is None))

    def chains(self) -> list[str]:
        """Every actor's chain as one line, ``(maybe)`` where a hop is only maybe allowed."""
        return [actor.chain_text() + ("" if actor.certain else " (maybe)") for actor in self.actors[1:]]

    def explain(self) -> str:
        """Every actor it reaches, with the proof of each hop."""
        lines = [f"{self.subject} reaches {len(self.actors) - 1} further identities and grants"
                 + (f" ({self.truncated})" if self.truncated else "")]
        for actor in self.actors:
            if not actor.chain:
                continue
            lines.append("  " + actor.chain_text() + ("" if actor.certain else " (maybe)"))
            lines += ["    " + line for line in hop_lines(actor)]
        return "\n".join(lines)

    # -- questions -------------------------------------------------------------------------

    def can(self, verb: str, resource: str, *, namespace: Str | None = _OWN, name: str | None = None,
            api_group: str | None = None, subresource: str | None = None) -> Decision:
        """Whether the subject, after escalations, may make the request.

        The namespace defaults as the subject's own ``can`` does: a workload's namespace,
        else cluster scope.
        """
        target = self._own_namespace if namespace is _OWN else namespace
        return self.decide(build_request(verb, resource, namespace=target, name=name,
                                         api_group=api_group, subresource=subresource))

    def decide(self, request: Request) -> Decision:
        """:meth:`can` for already built request attributes."""
        return self._combine(request, request.describe(), [
            (actor, functools.partial(actor.decide, request)) for actor in self.actors])

    def aws_can(self, action: str, resource: Str, *,
                context: Mapping[str, object] | str | None = None) -> Decision:
        """Whether some service account the subject reaches may make the AWS request (IRSA)."""
        where, _overlay = context_overlay(context)
        access = self.model.aws_access
        pairs: list[tuple[Actor, Callable[[], Decision]]] = []
        for actor in self.actors:
            account = actor.account
            if account is not None:
                pairs.append((actor, functools.partial(access.can, account, action, resource,
                                                       context=context)))
        request = AwsRequest(action, resource, where)
        return self._combine(request, request.describe(), pairs, "AWS")

    def vault_can(self, capability: str, path: str) -> Decision:
        """Whether some service account the subject reaches may do it in Vault (Kubernetes auth)."""
        access = self.model.vault_access
        pairs: list[tuple[Actor, Callable[[], Decision]]] = []
        for actor in self.actors:
            account = actor.account
            if account is not None:
                pairs.append((actor, functools.partial(access.can, account, capability, path)))
        request = parse_request(capability, path).request
        return self._combine(request, f"Vault {capability} {path}", pairs, "Vault")

    # -- combining -------------------------------------------------------------------------

    def _combine(self, request: Question, final: str,
                 pairs: list[tuple[Actor, Callable[[], Decision]]], system: str = "") -> Decision:
        decided: list[tuple[Actor, Decision]] = []
        results: list[Tri] = []
        for actor, decide in pairs:  # the first certain allow (the shortest chain) settles it
            decision = decide()
            decided.append((actor, decision))
            results.append(and3((actor.certain, decision.allowed)))
            if results[-1] is True:
                break
        allowed = or3(results)
        if allowed is False and self.truncated:
            allowed = None

        def explain(_decision: Decision) -> Explanation:
            return self._explanation(allowed, decided, results, final, system)

        return Decision(allowed, self._label, request, explain)

    def _explanation(self, allowed: Tri, decided: list[tuple[Actor, Decision]], results: list[Tri],
                     final: str, system: str) -> Explanation:
        lines: list[str]
        if allowed is True:
            actor, decision = next(pair for pair, result in zip(decided, results, strict=True)
                                   if result is True)
            lines = [actor.chain_text(final), *hop_lines(actor),
                     *final_lines(decision, len(actor.chain) + 1),
                     "to fix: break one hop of the chain (narrow the rule or remove the binding it names)"]
            return Explanation(tuple(lines), (), decision.explanation().notes)
        if allowed is None:
            lines = []
            unknowns: list[Symbol] = []
            for (actor, decision), result in zip(decided, results, strict=True):
                if result is None:
                    lines.append(actor.chain_text(final) + " (maybe)")
                    lines += ["  " + line for line in hop_lines(actor)]
                    lines += ["  " + line for line in final_lines(decision, len(actor.chain) + 1)]
                    unknowns += decision.explanation().unknowns
                    for hop in actor.chain:
                        for step in hop.decisions:
                            if step.allowed is None:
                                unknowns += step.explanation().unknowns
            if self.truncated:
                lines.append(f"note: {self.truncated}; identities beyond it were not followed")
            return Explanation(tuple(lines), tuple({s.key: s for s in unknowns}.values()))
        reached = [actor for actor in self.actors if actor.chain]
        if system and not decided:
            lines = [f"it reaches no service account, so no {system} credentials"]
        elif not reached:
            lines = ["it reaches no further identity or grant (no escalation is open to it)"]
        else:
            lines = [f"neither it nor any of the {len(reached)} identities and grants it reaches can:"]
            lines += ["  " + actor.chain_text() for actor in reached[:MAX_LISTED]]
            if len(reached) > MAX_LISTED:
                lines.append(f"  ... and {len(reached) - MAX_LISTED} more")
        if decided:
            own = decided[0][1]
            lines.append(f"its own answer: {own.summary()}")
            lines += ["  " + line for line in own.explanation().lines]
        return Explanation(tuple(lines))

    def __repr__(self) -> str:
        return f"<Reach of {self.subject}: {len(self.actors)} identities and grants>"


def reach(model: Model, who: Who, *, max_depth: int = DEFAULT_MAX_DEPTH,
          max_actors: int = DEFAULT_MAX_ACTORS) -> Reach:
    """Everything ``who`` (a workload, service account, user or user name) can effectively do
    in ``model`` after following escalations; see :class:`Reach`."""
    if not isinstance(model, Model):
        raise InvalidArgument(f"reach() needs a Model (pfperms.load(...)), not {model!r}")
    if isinstance(who, Workload):
        starts: list[Identity] = list(who.service_accounts)
        own: Str | None = who.namespace
    else:
        starts = [model.identity(who)]
        own = None
    if max_depth < 0 or max_actors < 1:
        raise InvalidArgument("max_depth must be >= 0 and max_actors >= 1")
    return Reach(model, who, search(model, starts, max_depth=max_depth, max_actors=max_actors), own)


__all__ = ["Reach", "Transitively", "reach"]
