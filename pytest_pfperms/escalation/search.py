"""The least fixpoint of escalations: every actor a subject reaches, each by a shortest chain.

Breadth first and semi-naive: each round, only the actors found in the last round try the
gates still closed (an actor that holds nothing a gate's first requests name skips it at
once). A gate opened certainly is never tried again; one opened only maybe is tried again
by certain actors. Cycles end there (an identity is reached once; a later, better chain
only upgrades a maybe). The search stops after ``max_depth`` hops or ``max_actors`` actors
and says so (``truncated``), and then a denial is no longer a proof.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from ..aws.aws_auth import aws_auth_entries
from ..aws.eks_access import access_entries
from ..kubernetes.authorizer import KubernetesEngine
from ..model.identities import Identity, ServiceAccount
from ..model.objects import (
    AnyRole,
    ClusterRole,
    ClusterRoleBinding,
    KubeObject,
    PolicyRule,
    Role,
    RoleBinding,
    RoleRef,
    SourceRef,
    Subject,
)
from ..model.requests import NonResourceRequest, ResourceRequest
from ..query.model import Model
from ..values import Str, Symbol, Tri, and3, show
from .chains import Actor, Hop, identity_name
from .gates import Gate, GrantGain, IdentityGain, Way, gates, where

DEFAULT_MAX_DEPTH = 8
"""Hops in the longest chain followed."""

DEFAULT_MAX_ACTORS = 20_000
"""Actors (identities and grants) reached before the search stops."""

ANY_RULE_NAME = "pfperms-any-rule"
PROBE_GROUP = "pfperms-probe.invalid"
"""A group no rule names: only a rule of ``*`` apiGroups, resources and verbs allows a request in it."""
CREATED_NAME = "pfperms-escalation"


@dataclass(slots=True)
class Found:
    """What a search found: the actors (the starts first) and whether it stopped early."""

    actors: list[Actor] = field(default_factory=list)
    truncated: str | None = None


def _every_rule(scope: Str, source: SourceRef) -> AnyRole:
    rules: tuple[PolicyRule, ...] = (PolicyRule(("*",), ("*",), ("*",), (), (), 0, source),)
    if scope == "":
        rules += (PolicyRule(("*",), (), (), (), ("*",), 1, source),)
        return ClusterRole("ClusterRole", "rbac.authorization.k8s.io/v1", ANY_RULE_NAME, None, source,
                           rules=rules)
    return Role("Role", "rbac.authorization.k8s.io/v1", ANY_RULE_NAME, scope, source, rules=rules)


def _subject_of(identity: Identity) -> Subject:
    if isinstance(identity, ServiceAccount):
        return Subject("ServiceAccount", identity.name, identity.namespace)
    return Subject("User", identity.name, None, "rbac.authorization.k8s.io")


def _binding(scope: Str, role: AnyRole, identity: Identity,
             origin: SourceRef | None = None) -> RoleBinding | ClusterRoleBinding:
    ref = RoleRef(role.kind, role.name)
    if scope == "":
        return ClusterRoleBinding("ClusterRoleBinding", "rbac.authorization.k8s.io/v1", CREATED_NAME, None,
                                  origin or SourceRef("<a ClusterRoleBinding the subject can create>", 0),
                                  subjects=(_subject_of(identity),), role_ref=ref)
    return RoleBinding("RoleBinding", "rbac.authorization.k8s.io/v1", CREATED_NAME, scope,
                       origin or SourceRef(f"<a RoleBinding the subject can create in {scope}>", 0),
                       subjects=(_subject_of(identity),), role_ref=ref)


class _Search:
    def __init__(self, model: Model, starts: list[Identity], max_depth: int, max_actors: int):
        self.model = model
        self.engine = model.kubernetes
        self.gates = gates(model)
        self.max_depth = max_depth
        self.max_actors = max_actors
        self.found = Found()
        self.by_key: dict[object, Actor] = {}
        self.opened: dict[int, Tri] = {}
        self.armed: list[tuple[Hop, GrantGain]] = []
        self.armed_entries = 0
        self.armed_actors = 0
        self.resources: dict[tuple[int, Str], frozenset[str] | None] = {}
        self.frontier: list[Actor] = []
        self.index: dict[Str, dict[str, list[int]]] = {}
        self.closed_in: dict[Str, int] = {}
        self.unindexed: list[int] = []
        for position, gate in enumerate(self.gates):
            if gate.namespace is None or not gate.resources:
                self.unindexed.append(position)
                continue
            self.closed_in[gate.namespace] = self.closed_in.get(gate.namespace, 0) + 1
            buckets = self.index.setdefault(gate.namespace, {})
            for resource in gate.resources:
                buckets.setdefault(resource, []).append(position)
        self.omnipotent: set[Str] = set()
        self.tested: dict[Str, int] = {}
        for identity in starts:
            actor = Actor(identity, identity_name(identity), self.engine, model)
            if identity not in self.by_key:
                self.by_key[identity] = actor
                self.found.actors.append(actor)
                self.frontier.append(actor)
        self.start = self.found.actors[0]
        self.access_entries = [*access_entries(model.resources), *aws_auth_entries(
            model.objects("ConfigMap"), self.engine.bound_user_names)]
        for actor in list(self.found.actors):
            self._eks(actor, self.frontier)

    # -- skipping -------------------------------------------------------------------------

    def _named(self, actor: Actor, namespace: Str) -> frozenset[str] | None:
        """The resources the actor's rules in ``namespace`` name (None: any, through ``*`` or a symbol)."""
        if namespace != "" and not actor.engine.scope_bindings(actor.identity, namespace):
            namespace = ""  # no RoleBinding there may apply: its ClusterRoleBindings' rules only
        key = (id(actor), namespace)
        if key in self.resources:
            return self.resources[key]
        names: set[str] = set()
        for path in actor.engine.rules_for(actor.identity, namespace):
            resources = path.rule.rule.resources
            if isinstance(resources, Symbol) or any(isinstance(item, Symbol) for item in resources):
                names.add("*")
                break
            names.update(str(item).partition("/")[0] for item in resources)
        result = None if "*" in names else frozenset(names)
        self.resources[key] = result
        return result

    def _candidates(self, actor: Actor) -> list[int]:
        """The gates the actor may open: those still closed whose first requests name a resource
        its rules name, namespace by namespace (compacting each bucket of opened gates)."""
        found: dict[int, None] = {}
        for namespace, buckets in list(self.index.items()):
            named = self._named(actor, namespace)
            keys = list(buckets) if named is None else [key for key in buckets if key in named]
            for key in keys:
                bucket = [index for index in buckets[key] if self.opened.get(index, False) is not True]
                if bucket:
                    buckets[key] = bucket
                    found.update(dict.fromkeys(bucket))
                else:
                    del buckets[key]
            if not buckets:
                del self.index[namespace]
        found.update(dict.fromkeys(self.unindexed))
        return list(found)

    # -- trying ---------------------------------------------------------------------------

    @staticmethod
    def _try(actor: Actor, gate: Gate) -> tuple[Tri, Way] | None:
        maybe: Way | None = None
        for way in gate.ways:
            result: Tri = True
            for item in way.requests:
                answer = actor.allowed(item)
                if answer is False:
                    result = False
                    break
                if answer is None:
                    result = None
            if result is True:
                return True, way
            if result is None and maybe is None:
                maybe = way
        return (None, maybe) if maybe is not None else None

    def _add(self, key: object, make: Actor, new: list[Actor]) -> None:
        existing = self.by_key.get(key)
        if existing is None:
            if len(self.found.actors) >= self.max_actors:
                self.found.truncated = f"the search stopped at {self.max_actors:,} identities and grants"
                return
            self.by_key[key] = make
            self.found.actors.append(make)
            new.append(make)
            self._eks(make, new)
        elif existing.certain is not True and make.certain is True:
            existing.certain, existing.chain = True, make.chain
            existing.objects, existing.engine = make.objects, make.engine
            new.append(existing)
            self._eks(existing, new)

    def _eks(self, actor: Actor, new: list[Actor]) -> None:
        """An account whose pods hold an IAM role's credentials (IRSA) calls the Kubernetes
        API as the user an EKS access entry maps the role to, with its access policies."""
        account = actor.account
        if account is None or not self.access_entries:
            return
        for entry in self.access_entries:
            holds = self.model.aws_access.acts_as(account, entry.principal, ignores_path=entry.ignores_path)
            if holds is False:
                continue
            certain = and3((actor.certain, holds, entry.certain))
            way = Way(f"calls the Kubernetes API with its pods' IAM role {show(entry.principal)}", ())
            self._gain(Hop(actor, way, (), IdentityGain(
                entry.user, f"is {identity_name(entry.user)} in Kubernetes ({entry.what} "
                f"{entry.address})", entry.source), certain), certain, new)
            for grant in entry.grants:
                role = None if grant.role is None else self.engine.cluster_roles.get(grant.role)
                granted = and3((certain, grant.certain if grant.role is None or role is not None
                                else None))
                gain = GrantGain(grant.scope, role, grant.words, origin=grant.source)
                self._gain(Hop(actor, way, (), gain, granted), granted, new)

    def _gain(self, hop: Hop, certain: Tri, new: list[Actor]) -> None:
        gain = hop.gain
        chain = (*hop.actor.chain, hop)
        if isinstance(gain, IdentityGain):
            self._add(gain.key, Actor(gain.identity, identity_name(gain.identity), self.engine, self.model,
                                      certain, chain), new)
            return
        if gain.binding is not None:
            if not self._covered(gain.scope):
                self.armed.append((hop, gain))
            return
        self._grant(gain, self.start.identity, certain, chain, new)

    def _covered(self, scope: Str) -> bool:
        """Whether a certain actor already may do anything in ``scope`` (a grant adds nothing there)."""
        for where_ in ("", scope):
            if where_ in self.omnipotent:
                return True
            probe = ResourceRequest("pfperms-any-verb", PROBE_GROUP, "probes", "", where_, "")
            start = self.tested.get(where_, 0)
            self.tested[where_] = len(self.found.actors)
            url = NonResourceRequest("pfperms-any-verb", "/pfperms-probe")
            for actor in self.found.actors[start:]:
                if actor.certain is True and actor.allowed(probe) is True and (
                        where_ != "" or actor.allowed(url) is True):
                    self.omnipotent.add(where_)
                    return True
            if scope == "":
                break
        return False

    def _grant(self, gain: GrantGain, identity: Identity, certain: Tri, chain: tuple[Hop, ...],
               new: list[Actor], rewritten: RoleBinding | ClusterRoleBinding | None = None) -> None:
        scope = gain.scope
        if self._covered(scope):
            return
        if gain.role is None:
            source = gain.origin or SourceRef(
                f"<a role with any rule the subject can write {where(scope)}>", 0)
            role = _every_rule(scope, source)
            if rewritten is not None:
                role = dataclasses.replace(role, name=rewritten.role_ref.name, source=source)
                binding = rewritten
                objects: tuple[KubeObject, ...] = (role,)
            else:
                binding = _binding(scope, role, identity, gain.origin)
                objects = (role, binding)
            engine_objects: tuple[KubeObject, ...] = (role, binding)
        else:
            original = gain.role
            role = original
            effective = self.engine.effective_rules(original)
            if isinstance(original, ClusterRole):
                role = dataclasses.replace(original, rules=tuple(e.rule for e in effective), aggregation=None)
            if any(e.certain is not True for e in effective):
                certain = and3((certain, None))
            binding = _binding(scope, role, identity, gain.origin)
            objects = (binding,)
            engine_objects = (role, binding)
        name = f"{identity_name(identity)} with {binding.ref()} -> {role.ref()}"
        actor = Actor(identity, name, KubernetesEngine(engine_objects), self.model, certain, chain, gain,
                      objects)
        self._add(("grant", gain.key, identity), actor, new)

    def _arm(self, new: list[Actor]) -> None:
        """Rewritten roles give their binding's scope to every held identity the binding applies to.

        Semi-naive: entries armed since the last call meet every held identity; older entries
        meet only the identities found (or made certain) since then."""
        fresh = {id(actor) for actor in (*self.found.actors[self.armed_actors:], *new)}
        held = [actor for actor in self.found.actors if actor.grant is None]
        for position, (hop, gain) in enumerate(self.armed):
            binding = gain.binding
            assert binding is not None
            scope = gain.scope
            if self._covered(scope):
                continue
            for actor in held:
                if position < self.armed_entries and id(actor) not in fresh:
                    continue
                applies, _subject = self.engine.applies(binding, actor.identity, scope)
                if applies is False:
                    continue
                certain = and3((hop.allowed, actor.certain, applies))
                key = ("grant", gain.key, actor.identity)
                existing = self.by_key.get(key)
                if existing is not None and (existing.certain is True or certain is not True):
                    continue
                self._grant(gain, actor.identity, certain, (*hop.actor.chain, hop), new, binding)
        self.armed_entries = len(self.armed)
        self.armed_actors = len(self.found.actors)

    def run(self) -> Found:
        depth = 0
        while self.frontier:
            if depth >= self.max_depth:
                self.found.truncated = f"the search stopped after {self.max_depth} hops"
                break
            depth += 1
            new: list[Actor] = []
            for actor in self.frontier:
                for index in self._candidates(actor):
                    gate = self.gates[index]
                    state = self.opened.get(index, False)
                    if state is True or (state is None and actor.certain is not True):
                        continue
                    tried = self._try(actor, gate)
                    if tried is None:
                        continue
                    allowed = and3((actor.certain, tried[0]))
                    if allowed is None and state is None:
                        continue
                    self.opened[index] = allowed
                    if allowed is True and gate.namespace in self.closed_in and gate.resources:
                        self.closed_in[gate.namespace] -= 1
                        if not self.closed_in[gate.namespace]:
                            self.index.pop(gate.namespace, None)  # every gate there is open
                    way = tried[1]
                    decisions = tuple(actor.decide(item) for item in way.requests)
                    for gain in gate.gains:
                        self._gain(Hop(actor, way, decisions, gain, allowed), allowed, new)
            self._arm(new)
            self.frontier = new
        return self.found


def search(model: Model, starts: list[Identity], *, max_depth: int = DEFAULT_MAX_DEPTH,
           max_actors: int = DEFAULT_MAX_ACTORS) -> Found:
    """Every actor ``starts`` reach in ``model``; see the module docstring."""
    return _Search(model, starts, max_depth, max_actors).run()
