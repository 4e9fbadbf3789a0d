"""The Kubernetes RBAC authorizer over the model's objects.

Decision order as kube-apiserver (``reference/k8s-rbac.md`` section 2): every
ClusterRoleBinding, then, for a namespaced request only, every RoleBinding in
the request's namespace; the first rule that matches allows; no opinion means
forbidden. Bindings whose role is missing grant nothing and are reported.

Answers are three-valued over symbolic values: one certain grant path allows,
and only a path that depends on a symbol can turn a denial into "unknown".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..model.identities import Identity, ServiceAccount, User
from ..model.objects import (
    AnyRole,
    Binding,
    CloudResource,
    ClusterRole,
    ClusterRoleBinding,
    KubeObject,
    PolicyRule,
    Role,
    RoleBinding,
    SourceRef,
    Subject,
)
from ..model.requests import NonResourceRequest, Request, ResourceRequest
from ..values import (
    Str,
    Symbol,
    Tri,
    UnknownMap,
    and3,
    eq3,
    symbols_in,
)
from .aggregation import EffectiveRule, aggregate
from .rule_matching import (
    UNKNOWN_KIND,
    CompiledRule,
    compile_rule,
    rule_allows,
    subject_applies,
)

IndexKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class GrantPath:
    """One way a request is granted: binding -> role -> rule, and how certain it is."""

    binding: Binding
    subject: Subject
    role: AnyRole
    rule: EffectiveRule
    allowed: Tri
    unknowns: tuple[Symbol, ...] = ()

    def __repr__(self) -> str:
        return (f"<GrantPath {self.binding.ref()} -> {self.role.ref()} rule {self.rule.rule.index}"
                f" ({self.rule.rule.source}) allowed={self.allowed}>")


@dataclass(frozen=True, slots=True)
class RoleResolution:
    """What a binding's roleRef resolves to: the roles it may name, or why none."""

    roles: tuple[tuple[AnyRole, Tri], ...]
    error: str | None = None


@dataclass(slots=True)
class _Candidate:
    """A binding that applies (or may apply) to one identity in one namespace."""

    binding: Binding
    subject: Subject
    base: Tri
    rules: list[tuple[AnyRole, EffectiveRule, CompiledRule | None, Tri]] = field(default_factory=list)
    unknowns: tuple[Symbol, ...] = ()


_PlanEntry = tuple[CompiledRule | None, PolicyRule, Tri]


class _Plan:
    """Every rule that applies to one identity in one namespace, indexed by the resources it names.

    A resource request only needs the rules naming its ``resource[/subresource]``,
    ``*/<subresource>`` or ``*``; rules holding symbols are always checked.
    """

    __slots__ = ("by_resource", "symbolic", "url_rules")

    def __init__(self, entries: Iterable[_PlanEntry]):
        self.by_resource: dict[str, list[_PlanEntry]] = defaultdict(list)
        self.symbolic: list[_PlanEntry] = []
        self.url_rules: list[_PlanEntry] = []
        for entry in entries:
            compiled, rule, _certain = entry
            if rule.non_resource_urls:
                self.url_rules.append(entry)
            if compiled is None:
                self.symbolic.append(entry)
                continue
            assert isinstance(rule.resources, tuple)
            for resource in dict.fromkeys(rule.resources):
                self.by_resource[str(resource)].append(entry)
        self.by_resource.default_factory = None

    def decide(self, request: ResourceRequest) -> Tri:
        """Whether one of these rules allows a resource request."""
        index = self.by_resource
        if request.resource.__class__ is not str or request.subresource.__class__ is not str:
            # a resource known only after apply may be any of them: check every rule
            every = {id(entry): entry for entries in index.values() for entry in entries}
            return _first_allow([*every.values(), *self.symbolic], request)
        result: Tri = False
        sub = request.subresource
        keys = (f"{request.resource}/{sub}", f"*/{sub}", "*") if sub else (request.resource, "*")
        for key in keys:
            entries = index.get(key)
            if entries:
                found = _first_allow(entries, request)
                if found is True:
                    return True
                if found is None:
                    result = None
        if self.symbolic:
            found = _first_allow(self.symbolic, request)
            if found is True:
                return True
            if found is None:
                result = None
        return result

    def decide_url(self, request: NonResourceRequest) -> Tri:
        """Whether one of these rules allows a non-resource request."""
        return _first_allow(self.url_rules, request)


def _candidate_entries(candidates: Iterable[_Candidate]) -> list[_PlanEntry]:
    """The plan entries of candidates' rules, in order."""
    return [(compiled, effective.rule, certain) for candidate in candidates
            for _role, effective, compiled, certain in candidate.rules]


def _first_allow(entries: Iterable[_PlanEntry], request: Request) -> Tri:
    result: Tri = False
    for compiled, rule, certain in entries:
        matched: Tri = compiled.allows(request) if compiled is not None else rule_allows(rule, request)
        if matched is False:
            continue
        if matched is True and certain is True:
            return True
        result = None
    return result


def _subject_key(subject: Subject, binding_namespace: Str) -> IndexKey | None:
    """The exact index key a concrete subject matches, or None if it matches nobody."""
    if subject.kind == "User" and isinstance(subject.name, str):
        return ("u", subject.name)
    if subject.kind == "Group" and isinstance(subject.name, str):
        return ("g", subject.name)
    if subject.kind == "ServiceAccount":
        namespace = subject.namespace if subject.namespace else binding_namespace
        if namespace == "":
            return None
        return ("u", f"system:serviceaccount:{namespace}:{subject.name}")
    return None


def _is_symbolic_subject(subject: Subject) -> bool:
    """A subject whose match depends on values unknown before apply: its name or namespace, or
    its kind (a subject of unknown kind may be anyone, whatever its literal name)."""
    return (subject.kind == UNKNOWN_KIND or isinstance(subject.name, Symbol)
            or isinstance(subject.namespace, Symbol))


def identity_keys(who: Identity) -> tuple[IndexKey, ...] | None:
    """Index keys of a concrete identity (its user name and groups); None when symbolic."""
    if isinstance(who, User):
        return (("u", who.name), *(("g", group) for group in who.groups))
    if isinstance(who.namespace, Symbol) or isinstance(who.name, Symbol):
        return None
    return (("u", who.username), *(("g", group) for group in who.groups))


def exact_keys(who: Identity) -> tuple[IndexKey, ...] | None:
    """The identity's index keys when they decide exactly which concrete subjects apply to it.

    Holds for every user, and for a service account whose namespace and name are literal,
    non-empty and free of ``:`` (otherwise ``system:serviceaccount:a:b:c`` could be read two
    ways, and the authorizer's reading differs from a string comparison); None otherwise."""
    if isinstance(who, User):
        return identity_keys(who)
    namespace, name = who.namespace, who.name
    if (namespace.__class__ is str and name.__class__ is str and namespace and name
            and ":" not in namespace and ":" not in name):
        return identity_keys(who)
    return None


class _BindingIndex:
    """Bindings of one scope (all ClusterRoleBindings, or the RoleBindings of one namespace)."""

    __slots__ = ("all", "by_key", "entries", "uncertain")

    def __init__(self) -> None:
        self.all: list[Binding] = []
        self.by_key: dict[IndexKey, list[tuple[Binding, Subject]]] = defaultdict(list)
        self.uncertain: list[Binding] = []
        self.entries: dict[IndexKey, list[_PlanEntry]] = {}
        """Per subject key, the rules its bindings grant (built on first use)."""

    def add(self, binding: Binding) -> None:
        self.all.append(binding)
        namespace: Str = binding.namespace if binding.namespace is not None else ""
        symbolic = False
        for subject in binding.subjects:
            if _is_symbolic_subject(subject) or (
                    subject.kind == "ServiceAccount" and not subject.namespace
                    and isinstance(namespace, Symbol)):
                symbolic = True
                continue
            key = _subject_key(subject, namespace)
            if key is not None:
                self.by_key[key].append((binding, subject))
        if symbolic:
            self.uncertain.append(binding)


_Combination = tuple[frozenset[IndexKey], int, frozenset[IndexKey]]


class _IdentityPart:
    """What the engine keeps per identity: its subject keys (None when they cannot describe it
    exactly, so it is planned through the candidate path only), the keys ClusterRoleBindings
    name, its candidates among the symbolic ClusterRoleBindings, its cluster-scope plan, and
    its plan per namespace asked about."""

    __slots__ = ("bound_in", "by_namespace", "cluster_hits", "cluster_plan", "cluster_residual",
                 "keys")

    def __init__(self, keys: frozenset[IndexKey] | None, cluster_hits: frozenset[IndexKey],
                 cluster_residual: list[_Candidate], cluster_plan: _Plan,
                 bound_in: frozenset[str] | None = None):
        self.keys = keys
        self.cluster_hits = cluster_hits
        self.cluster_residual = cluster_residual
        self.cluster_plan = cluster_plan
        self.by_namespace: dict[Str, _Plan] = {}
        self.bound_in = bound_in
        """The namespaces where a RoleBinding names one of its keys or has a symbolic subject;
        in any other namespace its plan is ``cluster_plan`` (None: no such shortcut, as when
        some RoleBinding's namespace is a symbol or the keys do not describe it exactly)."""


_EMPTY_PLAN = _Plan(())


def _any_rules(source: SourceRef, *, cluster: bool) -> tuple[PolicyRule, ...]:
    """The rules of a role an unseen resource may create: anything (URLs too in a ClusterRole)."""
    rules: tuple[PolicyRule, ...] = (PolicyRule(("*",), ("*",), ("*",), (), (), 0, source),)
    if cluster:
        rules += (PolicyRule(("*",), (), (), (), ("*",), 1, source),)
    return rules


class KubernetesEngine:
    """Answers RBAC questions over a fixed set of objects (immutable once built)."""

    def __init__(self, objects: Iterable[KubeObject], creators: Sequence[CloudResource] = ()):
        """``creators`` are resources that may create roles the objects do not show (a
        ``helm_release``): a roleRef to a role not defined here may name one of theirs."""
        self.creators = tuple(creators)
        self.roles: dict[tuple[Str, Str], Role] = {}
        self.cluster_roles: dict[Str, ClusterRole] = {}
        self.cluster_bindings = _BindingIndex()
        self.bindings_by_namespace: dict[Str, _BindingIndex] = defaultdict(_BindingIndex)
        self.symbolic_namespace_bindings: list[RoleBinding] = []
        for obj in objects:
            if isinstance(obj, Role):
                assert obj.namespace is not None
                self.roles[(obj.namespace, obj.name)] = obj
            elif isinstance(obj, ClusterRole):
                self.cluster_roles[obj.name] = obj
            elif isinstance(obj, ClusterRoleBinding):
                self.cluster_bindings.add(obj)
            elif isinstance(obj, RoleBinding):
                assert obj.namespace is not None
                self.bindings_by_namespace[obj.namespace].add(obj)
                if isinstance(obj.namespace, Symbol):
                    self.symbolic_namespace_bindings.append(obj)
        self.bindings_by_namespace.default_factory = None
        self.effective_cluster_rules = aggregate(self.cluster_roles)
        if self.creators:
            self._add_aggregation_stand_ins()
        self._compiled: dict[int, CompiledRule | None] = {}
        self._resolutions: dict[int, RoleResolution] = {}
        self._candidates: dict[tuple[Identity, Str | None], list[_Candidate]] = {}
        self._combined_plans: dict[_Combination, _Plan] = {}
        """Plans over the rules of some subject keys: those ClusterRoleBindings name, the scope
        (``id`` of a namespace's index) and those its RoleBindings name."""
        self._identities: dict[object, _IdentityPart] = {}
        """Per identity; a service account is keyed by its two names (cheaper to hash than the
        dataclass, and never equal to a user's key, which is the User)."""
        self._planned = 0
        self._role_matches: dict[tuple[object, ...], dict[int, tuple[EffectiveRule, Tri] | None]] = {}
        self._cluster_grants: dict[tuple[object, ...], list[GrantPath]] = {}
        self._key_namespaces: dict[IndexKey, list[Str]] | None = None
        self._namespace_order = {namespace: position for position, namespace
                                 in enumerate(self.bindings_by_namespace)}
        self._symbolic_namespaces: list[Str] = [namespace for namespace in self.bindings_by_namespace
                                                if isinstance(namespace, Symbol)]
        self._uncertain_namespaces = frozenset(
            namespace for namespace, index in self.bindings_by_namespace.items()
            if index.uncertain and namespace.__class__ is str)

    # -- structure -------------------------------------------------------------------------

    def all_bindings(self) -> list[Binding]:
        """Every ClusterRoleBinding, then every RoleBinding."""
        result: list[Binding] = list(self.cluster_bindings.all)
        for index in self.bindings_by_namespace.values():
            result.extend(index.all)
        return result

    def effective_rules(self, role: AnyRole) -> tuple[EffectiveRule, ...]:
        """A role's rules after aggregation, each with the role that lists it."""
        if isinstance(role, ClusterRole) and role.name in self.effective_cluster_rules:
            return self.effective_cluster_rules[role.name]
        return tuple(EffectiveRule(rule, None) for rule in role.rules)  # or a stand-in

    def resolve(self, binding: Binding) -> RoleResolution:
        """``GetRoleReferenceRules``: the roles a binding's roleRef names (cached)."""
        cached = self._resolutions.get(id(binding))
        if cached is None:
            cached = self._resolve(binding)
            self._resolutions[id(binding)] = cached
        return cached

    def _resolve(self, binding: Binding) -> RoleResolution:
        ref = binding.role_ref
        if ref.kind == "ClusterRole":
            found = self.cluster_roles.get(ref.name)
            if found is not None:
                return RoleResolution(((found, None if found.condition is not None else True),))
            maybe = tuple((role, eq3(name, ref.name)) for name, role in self.cluster_roles.items()
                          if eq3(name, ref.name) is None)
            if maybe:
                return RoleResolution(maybe)
            if self.creators:
                return self._maybe_created(binding)
            return RoleResolution((), f"{binding.ref()} references ClusterRole {ref.name}, "
                                      "which is not defined: it grants nothing")
        if ref.kind == "Role":
            if isinstance(binding, ClusterRoleBinding):
                return RoleResolution((), f"{binding.ref()} references Role {ref.name}: a ClusterRoleBinding "
                                          "can only use a ClusterRole, so it grants nothing")
            assert binding.namespace is not None
            role = self.roles.get((binding.namespace, ref.name))
            if role is not None:
                return RoleResolution(((role, None if role.condition is not None else True),))
            maybe_roles = tuple(
                (role, and3((eq3(namespace, binding.namespace), eq3(name, ref.name))))
                for (namespace, name), role in self.roles.items()
                if and3((eq3(namespace, binding.namespace), eq3(name, ref.name))) is None)
            if maybe_roles:
                return RoleResolution(maybe_roles)
            if self.creators:
                return self._maybe_created(binding)
            return RoleResolution((), f"{binding.ref()} references Role {binding.namespace}/{ref.name}, "
                                      "which is not defined: it grants nothing")
        if ref.kind == UNKNOWN_KIND:
            maybe_any: list[tuple[AnyRole, Tri]] = []
            for name, cluster_role in self.cluster_roles.items():
                if eq3(name, ref.name) is not False:
                    maybe_any.append((cluster_role, None))
            if isinstance(binding, RoleBinding) and binding.namespace is not None:
                binding_namespace = binding.namespace
                for (namespace, name), role in self.roles.items():
                    if and3((eq3(namespace, binding_namespace), eq3(name, ref.name))) is not False:
                        maybe_any.append((role, None))
            if maybe_any:
                return RoleResolution(tuple(maybe_any))
            if self.creators:
                return self._maybe_created(binding)
            return RoleResolution((), f"{binding.ref()} references a role unknown before apply "
                                      "that matches no role here")
        return RoleResolution((), f"{binding.ref()} has roleRef kind {ref.kind!r}; only 'Role' and "
                                  "'ClusterRole' (exact case) are valid, so it grants nothing")

    def _add_aggregation_stand_ins(self) -> None:
        """A resource pfperms cannot see into may create a ClusterRole that an aggregated
        ClusterRole's selectors pick (a chart's ``aggregate-to-edit`` role, say): every
        aggregated role may hold any rule, each true only if that resource creates one."""
        for key, role in self.cluster_roles.items():
            if not role.aggregation:
                continue  # no selector: the controller picks nothing
            extra: list[EffectiveRule] = []
            for creator in self.creators:
                shown = f"a ClusterRole aggregated into {role.name}"
                condition = Symbol(
                    key=f"{creator.address} creates {shown}",
                    expression=f"{creator.address} creates {shown}", source=str(creator.source),
                    reason=f"ClusterRole {role.name} aggregates the ClusterRoles its selectors pick; "
                           f"{creator.address} ({creator.type}) may create one with any rules",
                    hint="render what it installs (helm template, kubectl kustomize) and load the "
                         "output, then name it in pfperms_rendered")
                origin = ClusterRole("ClusterRole", "rbac.authorization.k8s.io/v1",
                                     f"{creator.address} (may be aggregated into {role.name})", None,
                                     creator.source, condition=condition,
                                     rules=_any_rules(creator.source, cluster=True))
                extra += (EffectiveRule(rule, origin, None) for rule in origin.rules)
            self.effective_cluster_rules[key] = (*self.effective_cluster_rules[key], *extra)

    def _maybe_created(self, binding: Binding) -> RoleResolution:
        """A role the sources do not define, which a resource pfperms cannot see into may
        create with any rules: one stand-in per such resource, each true only if it does."""
        ref = binding.role_ref
        kind = "ClusterRole" if ref.kind == "ClusterRole" or isinstance(binding, ClusterRoleBinding) \
            else "Role"
        namespace = binding.namespace if kind == "Role" else None
        stand_ins: list[tuple[AnyRole, Tri]] = []
        for creator in self.creators:
            shown = f"{kind} {ref.name}" if namespace is None else f"{kind} {namespace}/{ref.name}"
            condition = Symbol(
                key=f"{creator.address} creates {shown}", expression=f"{creator.address} creates {shown}",
                source=str(creator.source),
                reason=f"{binding.ref()} references {shown}, which the sources do not define; "
                       f"{creator.address} ({creator.type}) may create it with any rules",
                hint="render what it installs (helm template, kubectl kustomize) and load the "
                     "output, or define the role in the sources")
            rules = _any_rules(creator.source, cluster=kind == "ClusterRole")
            if kind == "ClusterRole":
                stand_ins.append((ClusterRole(kind, "rbac.authorization.k8s.io/v1", ref.name, None,
                                              creator.source, condition=condition, rules=rules), None))
            else:
                stand_ins.append((Role(kind, "rbac.authorization.k8s.io/v1", ref.name, namespace,
                                       creator.source, condition=condition, rules=rules), None))
        return RoleResolution(tuple(stand_ins))

    def resolution_errors(self) -> list[tuple[Binding, str]]:
        """Every binding whose role cannot be found, with the reason."""
        found = []
        for binding in self.all_bindings():
            error = self.resolve(binding).error
            if error:
                found.append((binding, error))
        return found

    # -- deciding --------------------------------------------------------------------------

    def _compiled_rule(self, effective: EffectiveRule) -> CompiledRule | None:
        key = id(effective.rule)
        if key not in self._compiled:
            self._compiled[key] = compile_rule(effective.rule)
        return self._compiled[key]

    def applies(self, binding: Binding, who: Identity, namespace: Str) -> tuple[Tri, Subject | None]:
        """Whether a binding applies to ``who`` for a request in ``namespace``, and by which subject."""
        if isinstance(binding, RoleBinding):
            assert binding.namespace is not None
            scope = eq3(binding.namespace, namespace)
            if scope is False:
                return False, None
            binding_namespace: Str = binding.namespace
        else:
            scope, binding_namespace = True, ""
        best: Tri = False
        chosen: Subject | None = None
        for subject in binding.subjects:
            applies = subject_applies(subject, binding_namespace, who)
            if applies is True:
                best, chosen = True, subject
                break
            if applies is None and best is False:
                best, chosen = None, subject
        return and3((scope, best)), chosen

    @staticmethod
    def _uncertain_symbols(binding: Binding, subject: Subject, who: Identity,
                           namespace: Str | None) -> list[Symbol]:
        """The symbols that make a binding's applying unknown: its namespace against the
        request's, or its subject against the identity, whichever is uncertain."""
        found: list[Symbol] = []
        if isinstance(binding, RoleBinding) and namespace is not None:
            assert binding.namespace is not None
            if eq3(binding.namespace, namespace) is None:
                found += symbols_in((binding.namespace, namespace))
        binding_namespace: Str = binding.namespace if isinstance(binding, RoleBinding) and \
            binding.namespace is not None else ""
        if subject_applies(subject, binding_namespace, who) is None:
            found += symbols_in((subject.name, subject.namespace or binding_namespace))
            if isinstance(who, ServiceAccount):
                found += symbols_in((who.namespace, who.name))
        return found

    def scope_bindings(self, who: Identity, namespace: Str | None) -> list[Binding]:
        """Bindings that might apply: index hits plus everything symbolic.

        ``namespace=None`` asks for ClusterRoleBindings; a namespace for the
        RoleBindings of that namespace (none for ``""``).
        """
        keys = identity_keys(who)
        scopes: list[_BindingIndex] = []
        extra: list[Binding] = []
        if namespace is None:
            scopes.append(self.cluster_bindings)
        elif namespace != "":
            if isinstance(namespace, Symbol):
                keys = None
                extra = [b for index in self.bindings_by_namespace.values() for b in index.all]
            else:
                local = self.bindings_by_namespace.get(namespace)
                if local is not None:
                    scopes.append(local)
                extra = list(self.symbolic_namespace_bindings)
        if keys is None:
            return [b for scope in scopes for b in scope.all] + extra
        seen: set[int] = set()
        result: list[Binding] = []

        def add(binding: Binding) -> None:
            if id(binding) not in seen:
                seen.add(id(binding))
                result.append(binding)

        for scope in scopes:
            for key in keys:
                for binding, _ in scope.by_key.get(key, ()):
                    add(binding)
            for binding in scope.uncertain:
                add(binding)
        for binding in extra:
            add(binding)
        return result

    def candidates(self, who: Identity, namespace: Str) -> list[_Candidate]:
        """Bindings that apply or may apply to ``who`` for a request in ``namespace``, with their rules:
        the ClusterRoleBindings, then the RoleBindings of that namespace."""
        return [*self._scoped_candidates(who, None), *self._scoped_candidates(who, namespace)]

    def _scoped_candidates(self, who: Identity, namespace: Str | None) -> list[_Candidate]:
        if namespace == "":
            return []
        cache_key = (who, namespace)
        cached = self._candidates.get(cache_key)
        if cached is not None:
            return cached
        result = self._residual_candidates(who, namespace, self.scope_bindings(who, namespace))
        # Keep the cache bounded: identities drawn at random must not grow it without end.
        if len(self._candidates) > 50_000:
            self._candidates.clear()
        self._candidates[cache_key] = result
        return result

    def _residual_candidates(self, who: Identity, namespace: Str | None,
                             bindings: Iterable[Binding]) -> list[_Candidate]:
        """The candidates among ``bindings`` (of one scope: ``None`` for ClusterRoleBindings)."""
        result: list[_Candidate] = []
        for binding in bindings:
            applies, subject = self.applies(binding, who, "" if namespace is None else namespace)
            if applies is False or subject is None:
                continue
            if binding.condition is not None:
                applies = and3((applies, None))
            candidate = _Candidate(binding, subject, applies)
            unknowns: list[Symbol] = []
            if binding.condition is not None:
                unknowns.append(binding.condition)
            if applies is None:
                unknowns += self._uncertain_symbols(binding, subject, who, namespace)
            for role, role_certain in self.resolve(binding).roles:
                if role_certain is None:
                    unknowns += symbols_in((binding.role_ref.name, role.name, role.namespace))
                    if role.condition is not None:
                        unknowns.append(role.condition)
                for effective in self.effective_rules(role):
                    candidate.rules.append((role, effective, self._compiled_rule(effective),
                                            and3((applies, role_certain, effective.certain))))
            candidate.unknowns = tuple(dict.fromkeys(unknowns))
            result.append(candidate)
        return result

    def plan(self, who: Identity, namespace: Str) -> _Plan:
        """The rules that apply to ``who`` for a request in ``namespace`` (``""``: cluster scope),
        ClusterRoleBindings and that namespace's RoleBindings, indexed for fast matching (cached)."""
        part = self._part_of(who)
        found = part.by_namespace.get(namespace)
        return found if found is not None else self._namespace_plan(part, who, namespace)

    def _part_of(self, who: Identity) -> _IdentityPart:
        """The identity's cached part (``allowed`` inlines this lookup: it is its hot path)."""
        part = self._identities.get((who.namespace, who.name) if who.__class__ is ServiceAccount else who)
        return part if part is not None else self._identity_part(who)

    def _identity_part(self, who: Identity) -> _IdentityPart:
        """An identity's keys and what the ClusterRoleBindings grant it (cached)."""
        keys = exact_keys(who)
        if keys is None:
            part = _IdentityPart(None, frozenset(), [], _EMPTY_PLAN)
        else:
            cluster = self.cluster_bindings
            hits = frozenset(cluster.by_key.keys() & set(keys))
            residual = self._residual_candidates(who, None, cluster.uncertain)
            if residual:
                plan = _Plan([*self._entries(None, hits, frozenset()), *_candidate_entries(residual)])
            else:
                combination: _Combination = (hits, id(None), frozenset())
                plan = self._combined_plans.get(combination) or _Plan(self._entries(None, hits, frozenset()))
                self._combined_plans[combination] = plan
            bound_in = None
            if not self.symbolic_namespace_bindings:
                table = self._key_namespace_table()
                bound_in = frozenset([namespace for key in keys for namespace in table.get(key, ())
                                      if namespace.__class__ is str]).union(self._uncertain_namespaces)
            part = _IdentityPart(frozenset(keys), hits, residual, plan, bound_in)
        # Keep the caches bounded: identities drawn at random must not grow them without end.
        self._planned += 1
        if self._planned > 200_000:
            self._identities.clear()
            self._planned = 0
        self._identities[(who.namespace, who.name) if who.__class__ is ServiceAccount else who] = part
        return part

    def _namespace_plan(self, part: _IdentityPart, who: Identity, namespace: Str) -> _Plan:
        """An identity's plan for one namespace, from the rules each of its subject keys is
        granted in each scope (stored on ``part``).

        Those rule lists, and a plan over a combination of them, are shared by every identity
        holding the same keys (all service accounts share ``system:authenticated``'s), so an
        identity met for the first time costs a few lookups. Bindings whose subject or
        namespace is symbolic are added per identity, through the candidate path; identities
        the keys cannot describe exactly take the candidate path alone (see ``reference_plan``).
        """
        bound_in = part.bound_in
        if bound_in is not None and namespace.__class__ is str and namespace not in bound_in:
            return part.cluster_plan  # no RoleBinding here may name it: nothing to store
        self._planned += 1
        plan = part.cluster_plan
        keys = part.keys
        if keys is None or namespace.__class__ is not str:
            plan = self.reference_plan(who, namespace)
        elif namespace != "":
            local = self.bindings_by_namespace.get(namespace)
            if local is not None or self.symbolic_namespace_bindings:
                plan = self._local_plan(part, who, namespace, local)
        part.by_namespace[namespace] = plan
        return plan

    def _local_plan(self, part: _IdentityPart, who: Identity, namespace: str,
                    local: _BindingIndex | None) -> _Plan:
        assert part.keys is not None
        symbolic = self.symbolic_namespace_bindings
        hits: frozenset[IndexKey] = frozenset()
        uncertain: list[Binding] = []
        if local is not None:
            if not local.by_key.keys().isdisjoint(part.keys):
                hits = frozenset(local.by_key.keys() & part.keys)
            uncertain = local.uncertain
        if not hits and not uncertain and not symbolic:
            return part.cluster_plan
        residual = [*part.cluster_residual]
        if uncertain or symbolic:
            residual += self._residual_candidates(who, namespace, [*uncertain, *symbolic])
        if not residual:
            combination = (part.cluster_hits, id(local), hits)
            shared = self._combined_plans.get(combination)
            if shared is None:
                shared = _Plan(self._entries(local, part.cluster_hits, hits))
                self._combined_plans[combination] = shared
            return shared
        return _Plan([*self._entries(local, part.cluster_hits, hits), *_candidate_entries(residual)])

    def _entries(self, local: _BindingIndex | None, cluster_hits: frozenset[IndexKey],
                 local_hits: frozenset[IndexKey]) -> list[_PlanEntry]:
        entries: list[_PlanEntry] = []
        for key in sorted(cluster_hits):
            entries += self._key_entries(self.cluster_bindings, key)
        if local is not None:
            for key in sorted(local_hits):
                entries += self._key_entries(local, key)
        return entries

    def _key_entries(self, scope: _BindingIndex, key: IndexKey) -> list[_PlanEntry]:
        """The rules the bindings of one scope grant to one subject key (cached on the scope).

        Such a binding applies for certain (the key matches a concrete subject exactly, in a
        concrete namespace), unless the binding itself may not exist."""
        found = scope.entries.get(key)
        if found is None:
            found = []
            seen: set[int] = set()
            for binding, _subject in scope.by_key[key]:
                if id(binding) in seen:
                    continue
                seen.add(id(binding))
                base: Tri = None if binding.condition is not None else True
                for role, role_certain in self.resolve(binding).roles:
                    for effective in self.effective_rules(role):
                        found.append((self._compiled_rule(effective), effective.rule,
                                      and3((base, role_certain, effective.certain))))
            scope.entries[key] = found
        return found

    def bound_user_names(self) -> set[str]:
        """The user names that bindings name literally (subjects of kind User)."""
        return {subject.name for index in (self.cluster_bindings, *self.bindings_by_namespace.values())
                for binding in index.all for subject in binding.subjects
                if subject.kind == "User" and isinstance(subject.name, str)}

    def binding_namespaces(self, who: Identity) -> list[Str]:
        """The namespaces, in order, whose RoleBindings could grant ``who`` something for
        certain: those naming one of its subject keys, and those whose name is a symbol
        (every namespace when its keys cannot describe it exactly)."""
        keys = exact_keys(who)
        if keys is None:
            return list(self.bindings_by_namespace)
        table = self._key_namespace_table()
        found = {namespace for key in keys for namespace in table.get(key, ())}
        found.update(self._symbolic_namespaces)
        return sorted(found, key=self._namespace_order.__getitem__)

    def _key_namespace_table(self) -> dict[IndexKey, list[Str]]:
        """Per subject key, the namespaces (in order) whose RoleBindings name it (built once)."""
        if self._key_namespaces is None:
            table: dict[IndexKey, list[Str]] = defaultdict(list)
            for namespace, index in self.bindings_by_namespace.items():
                for key in index.by_key:
                    table[key].append(namespace)
            self._key_namespaces = dict(table)
        return self._key_namespaces

    def reference_plan(self, who: Identity, namespace: Str) -> _Plan:
        """The plan built from ``candidates`` alone: every binding that applies, found one by one.

        The slower, simpler path; ``plan`` must always decide as this does (a differential
        property test checks it on generated models)."""
        return _Plan(_candidate_entries(self.candidates(who, namespace)))

    def allowed(self, who: Identity, request: Request) -> Tri:
        """The decision alone: True, False or None; as the authorizer's loop."""
        if request.__class__ is ResourceRequest:
            namespace = request.namespace
            part = self._identities.get((who.namespace, who.name) if who.__class__ is ServiceAccount
                                        else who)
            if part is None:
                part = self._identity_part(who)
            plan = part.by_namespace.get(namespace)
            if plan is None:
                plan = self._namespace_plan(part, who, namespace)
            return plan.decide(request)
        if isinstance(request, NonResourceRequest):
            return self.plan(who, "").decide_url(request)
        return self.plan(who, request.namespace).decide(request)

    def answers(self, who: Identity, requests: Sequence[Request],
                shared: dict[tuple[_Plan, int], Tri] | None = None) -> list[Tri]:
        """``[allowed(who, request) for request in requests]``, the identity looked up once.

        ``shared``: a dict the caller keeps over calls with the same ``requests`` (a loop over
        subjects): identities holding the same subject keys share their plans, so each plan
        decides each request once (keyed by the plan object, which the dict keeps alive, and the
        request's position; at most one entry per case asked)."""
        part = self._part_of(who)
        by_namespace = part.by_namespace
        memo: dict[tuple[_Plan, int], Tri] = {} if shared is None else shared
        found: list[Tri] = []
        for position, request in enumerate(requests):
            if type(request) is not ResourceRequest:
                found.append(self.allowed(who, request))
                continue
            namespace = request.namespace
            plan = by_namespace.get(namespace)
            if plan is None:
                plan = self._namespace_plan(part, who, namespace)
            key = (plan, position)
            try:
                answer = memo[key]
            except KeyError:
                answer = memo[key] = plan.decide(request)
            found.append(answer)
        return found

    def grant_paths(self, who: Identity, request: Request) -> list[GrantPath]:
        """Every path that grants (allowed True) or may grant (None) the request."""
        namespace = "" if isinstance(request, NonResourceRequest) else request.namespace
        paths: list[GrantPath] = []
        for candidate in self.candidates(who, namespace):
            for role, effective, _compiled, certain in candidate.rules:
                matched = rule_allows(effective.rule, request)
                if matched is False:
                    continue
                allowed = and3((matched, certain))
                unknowns = list(candidate.unknowns)
                if matched is None:
                    unknowns += symbols_in(effective.rule.content())
                if effective.certain is None and effective.origin is not None:
                    if effective.origin.condition is not None:
                        unknowns.append(effective.origin.condition)
                    labels = effective.origin.labels
                    unknowns += ([labels.symbol] if isinstance(labels, UnknownMap)
                                 else symbols_in(dict(labels)))
                paths.append(GrantPath(candidate.binding, candidate.subject, role, effective,
                                       allowed, tuple(dict.fromkeys(unknowns))))
        return paths

    def who_can(self, request: Request) -> list[GrantPath]:
        """Every binding subject that can (or may) make the request, with the path that grants it.

        Like the API server's ``AllowedSubjects``: ClusterRoleBindings, then the
        RoleBindings of the request's namespace. ServiceAccount subjects that omit
        their namespace are shown with the binding's namespace filled in.

        What the ClusterRoleBindings grant does not depend on the namespace, so it is kept
        per request (less its namespace), as is which rule of each role matches.
        """
        namespace: Str = "" if isinstance(request, NonResourceRequest) else request.namespace
        key: tuple[object, ...] = ((request.verb, request.path) if isinstance(request, NonResourceRequest)
                                   else (request.verb, request.api_group, request.resource,
                                         request.subresource, request.name))
        if len(self._role_matches) > 10_000:
            self._role_matches.clear()
            self._cluster_grants.clear()
        role_match = self._role_matches.setdefault(key, {})
        cluster = self._cluster_grants.get(key)
        if cluster is None:
            cluster = self._grants([(b, True) for b in self.cluster_bindings.all], request, role_match)
            self._cluster_grants[key] = cluster
        if namespace == "":
            return list(cluster)
        scoped: list[tuple[Binding, Tri]] = []
        if namespace.__class__ is str:
            indexes: list[Str] = [namespace] if namespace in self.bindings_by_namespace else []
            if self._symbolic_namespaces:
                order = self._namespace_order.__getitem__
                indexes = sorted([*indexes, *self._symbolic_namespaces], key=order)
        else:
            indexes = list(self.bindings_by_namespace)
        for index_namespace in indexes:
            in_scope = eq3(index_namespace, namespace)
            if in_scope is not False:
                scoped.extend((b, in_scope) for b in self.bindings_by_namespace[index_namespace].all)
        return [*cluster, *self._grants(scoped, request, role_match)]

    def _grants(self, scoped: list[tuple[Binding, Tri]], request: Request,
                role_match: dict[int, tuple[EffectiveRule, Tri] | None]) -> list[GrantPath]:
        results: list[GrantPath] = []
        for binding, in_scope in scoped:
            for role, role_certain in self.resolve(binding).roles:
                key = id(role)
                if key not in role_match:
                    role_match[key] = self._first_match(role, request)
                match = role_match[key]
                if match is None:
                    continue
                effective, matched = match
                certain = and3((in_scope, role_certain, matched,
                                None if binding.condition is not None else True))
                for subject in binding.subjects:
                    if subject.kind not in ("User", "Group", "ServiceAccount", UNKNOWN_KIND):
                        continue
                    if subject.kind == "ServiceAccount" and not subject.namespace:
                        if isinstance(binding, ClusterRoleBinding):
                            continue  # matches nobody
                        subject = Subject(subject.kind, subject.name, binding.namespace,
                                          subject.api_group)
                    unknowns = symbols_in((binding.namespace, role.name, effective.rule.content()))
                    subject_certain = certain
                    if subject.kind == UNKNOWN_KIND:
                        subject_certain = and3((certain, None))
                        unknowns += symbols_in(subject.name)
                    results.append(GrantPath(binding, subject, role, effective, subject_certain,
                                             tuple(unknowns) if subject_certain is None else ()))
                break
        return results

    def _first_match(self, role: AnyRole, request: Request) -> tuple[EffectiveRule, Tri] | None:
        maybe: tuple[EffectiveRule, Tri] | None = None
        for effective in self.effective_rules(role):
            compiled = self._compiled_rule(effective)
            matched: Tri = compiled.allows(request) if compiled is not None else rule_allows(
                effective.rule, request)
            matched = and3((matched, effective.certain))
            if matched is True:
                return effective, True
            if matched is None and maybe is None:
                maybe = (effective, None)
        return maybe

    def rules_for(self, who: Identity, namespace: Str) -> list[GrantPath]:
        """Every rule that applies to ``who`` for requests in ``namespace`` (``""``: cluster scope)."""
        paths: list[GrantPath] = []
        for candidate in self.candidates(who, namespace):
            for role, effective, _compiled, certain in candidate.rules:
                paths.append(GrantPath(candidate.binding, candidate.subject, role, effective,
                                       certain, candidate.unknowns))
        return paths


__all__ = ["GrantPath", "KubernetesEngine", "RoleResolution"]
