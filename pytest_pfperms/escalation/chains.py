"""Who the subject can act as, and how it got there: actors, and the hops of their proof chains.

An :class:`Actor` is an identity the subject can act as (itself, an account whose pod it
can run, a user it can impersonate, ...) or the subject itself holding a binding it can
create (a *grant*). Each carries its chain: the hops that got there, each hop the requests
one earlier actor made (every one allowed, with the decision that shows why) and what they
gave. Rendering is here too: the one-line chain and the hop-by-hop proof with file:line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..explain.kubernetes import explain_rbac
from ..kubernetes.authorizer import KubernetesEngine
from ..model.decision import Decision, Explanation
from ..model.identities import Identity, ServiceAccount
from ..model.objects import KubeObject
from ..model.requests import Request
from ..query.model import Model
from ..values import Tri
from .gates import Gain, GrantGain, Way, label


@dataclass(frozen=True, slots=True, eq=False)
class Hop:
    """One step of a chain: ``actor`` made ``way``'s requests (``decisions``) and got ``gain``."""

    actor: Actor
    way: Way
    decisions: tuple[Decision, ...]
    gain: Gain
    allowed: Tri

    def words(self) -> str:
        """``create pods in prod -> runs as prod/payments``."""
        return f"{self.way.words} -> {self.gain.words}"


@dataclass(eq=False, slots=True)
class Actor:
    """An identity the subject can act as, or the subject holding a grant it gave itself.

    ``engine`` answers its Kubernetes requests: the model's, or for a grant one over the
    role and binding it would create (``objects``, as :meth:`Model.with_objects` takes them).
    ``certain`` is None when some hop on the way is only maybe allowed.
    """

    identity: Identity
    name: str
    engine: KubernetesEngine
    model: Model
    certain: Tri = True
    chain: tuple[Hop, ...] = ()
    grant: GrantGain | None = None
    objects: tuple[KubeObject, ...] = field(default=())

    @property
    def account(self) -> ServiceAccount | None:
        """The service account it acts as (for AWS and Vault), if it is one and no grant."""
        if self.grant is None and isinstance(self.identity, ServiceAccount):
            return self.identity
        return None

    def allowed(self, request: Request) -> Tri:
        """The RBAC answer alone."""
        return self.engine.allowed(self.identity, request)

    def decide(self, request: Request) -> Decision:
        """The RBAC decision, with its explanation."""
        if self.engine is self.model.kubernetes:
            return self.model.decide(self.identity, request)
        engine, identity = self.engine, self.identity

        def explain(decision: Decision) -> Explanation:
            return explain_rbac(engine, identity, request, decision)

        return Decision(engine.allowed(identity, request), identity, request, explain)

    def chain_text(self, final: str | None = None) -> str:
        """``ci/deployer -> create pods in prod -> runs as prod/payments[ -> final]``."""
        parts = [self.chain[0].actor.name if self.chain else self.name]
        parts += [hop.words() for hop in self.chain]
        if final:
            parts.append(final)
        return " -> ".join(parts)

    def __repr__(self) -> str:
        return f"<Actor {self.chain_text()}{'' if self.certain else ' (maybe)'}>"


def _decision_lines(decision: Decision, indent: str) -> list[str]:
    lines = [indent + decision.summary()]
    evidence = decision.explanation()
    lines += [f"{indent}  {line}" for line in evidence.lines if not line.startswith("to fix:")]
    if decision.allowed is None and evidence.unknowns:
        lines.append(f"{indent}  depends on:")
        lines += [f"{indent}    {symbol.describe()}" for symbol in evidence.unknowns]
    return lines


def hop_lines(actor: Actor) -> list[str]:
    """Each hop of the actor's chain: the requests with their grant paths, then what they gave."""
    lines: list[str] = []
    for number, hop in enumerate(actor.chain, 1):
        lines.append(f"{number}. {hop.actor.name}: {hop.way.words}")
        for decision in hop.decisions:
            lines += _decision_lines(decision, "     ")
        source = getattr(hop.gain, "source", None)
        at = f"  ({source})" if source is not None and source.path and not source.path.startswith("<") \
            else ""
        lines.append(f"     so it {hop.gain.words}{at}")
    return lines


def final_lines(decision: Decision, number: int) -> list[str]:
    """The last step: the decision the chain ends in, with its evidence."""
    return [f"{number}. the request", *_decision_lines(decision, "     ")]


def identity_name(identity: Identity) -> str:
    """The chain name of an identity."""
    return label(identity)


def distinct(actors: Sequence[Actor]) -> list[Actor]:
    """Actors in order, each once."""
    seen: set[int] = set()
    result = []
    for actor in actors:
        if id(actor) not in seen:
            seen.add(id(actor))
            result.append(actor)
    return result
