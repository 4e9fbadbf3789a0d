"""The permission model users query: objects from every source, and the engines over them."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Any

from ..aws.cluster import ClusterOidc
from ..aws.irsa import AwsAccess, decide_many
from ..errors import InvalidArgument, NotFoundError, Problem
from ..explain.kubernetes import explain_rbac
from ..kubernetes.authorizer import GrantPath, KubernetesEngine
from ..linear_match import compile_linear
from ..model.decision import Decision, Explanation
from ..model.identities import (
    Group,
    Identity,
    ServiceAccount,
    User,
    parse_username,
)
from ..model.objects import (
    BUILTIN_SOURCE,
    UNMODELLED_CREATOR_TYPES,
    CloudResource,
    KubeObject,
    ServiceAccountObject,
    WorkloadObject,
)
from ..model.requests import Request, build_request
from ..values import (
    Str,
    Symbol,
    Tri,
    choices_made,
    or3,
)
from ..vault.access import VaultAccess
from ..vault.policy_parsing import VaultFlavor, validate_flavor
from .cases import holds_choice, settle, substitute
from .questions import (
    ALWAYS_THERE,
    KUBERNETES_VERBS,
    check_kind,
    check_username,
    check_verb,
    namespace_note,
)


@dataclass(frozen=True, slots=True)
class SubjectGrant:
    """One answer of ``who_can``: a subject, whether it can (True) or may (None), and how."""

    subject: str
    allowed: Tri
    path: GrantPath

    @property
    def builtin(self) -> bool:
        """True when the grant comes from the cluster's default (bootstrap) bindings."""
        return self.path.binding.source is BUILTIN_SOURCE

    def __str__(self) -> str:
        prefix = "" if self.allowed is True else "(maybe) "
        return f"{prefix}{self.subject} via {self.path.binding.ref()} -> {self.path.role.ref()}"

    def __repr__(self) -> str:
        return f"<SubjectGrant {self}>"


ReachFunction = Callable[..., Any]
_REACH: list[ReachFunction] = []


def register_reach(function: ReachFunction) -> None:
    """Install the escalation search behind :meth:`Model.reach` and :meth:`Workload.reach`.

    :mod:`pytest_pfperms.escalation` calls this when it is imported (the package imports it),
    so the arrow of imports keeps running one way: escalation imports query, never back.
    """
    _REACH[:] = [function]


def _reach(model: Model, who: object, **options: int) -> Any:
    if not _REACH:  # pragma: no cover - the package's __init__ imports the escalation room
        raise RuntimeError("the escalation search is not installed: import pytest_pfperms")
    return _REACH[0](model, who, **options)


class Workload:
    """A workload in the model (Deployment, CronJob, Argo Workflow, ...), bound to the model."""

    __slots__ = ("model", "obj")

    def __init__(self, model: Model, obj: WorkloadObject):
        self.model = model
        self.obj = obj

    @property
    def kind(self) -> str:
        """The workload's kind, e.g. ``Deployment``."""
        return self.obj.kind

    @property
    def name(self) -> Str:
        """The workload's name."""
        return self.obj.name

    @property
    def namespace(self) -> Str:
        """The namespace its pods run in."""
        assert self.obj.namespace is not None
        return self.obj.namespace

    @property
    def service_account(self) -> ServiceAccount:
        """The service account its pods run as (``default`` when the pod spec names none)."""
        return ServiceAccount(self.namespace, self.obj.service_account_name)

    @property
    def service_accounts(self) -> tuple[ServiceAccount, ...]:
        """Every account its pods may run as (Argo templates can override the workflow's)."""
        names = (self.obj.service_account_name, *self.obj.extra_service_accounts)
        return tuple(ServiceAccount(self.namespace, name) for name in names)

    def token_note(self) -> str | None:
        """Why the pods may hold no API token, if automount is off for them."""
        mounted = self.obj.automount_token
        where = f"{self.obj.ref()} ({self.obj.source})"
        if mounted is None:
            account = self.model.service_account_object(self.service_account)
            if isinstance(account, ServiceAccountObject) and account.automount_token is False:
                return (f"the pods mount no token by default: {account.ref()} sets "
                        f"automountServiceAccountToken: false ({account.source})")
            return None
        if mounted is False:
            return (f"the pods mount no token: {where} sets automountServiceAccountToken: false; "
                    "the grants exist but the pods cannot use them without a projected token")
        return None

    def can(self, verb: str, resource: str, *, namespace: Str | None = "",
            name: str | None = None, api_group: str | None = None,
            subresource: str | None = None) -> Decision:
        """Whether this workload's pods may make the request; in its own namespace by default.

        Pass ``namespace=None`` for a cluster-scoped request, or another namespace.
        """
        target = self.namespace if namespace == "" else namespace
        self.model.check_question(verb, target)
        note = self.token_note()
        accounts = self.service_accounts
        if len(accounts) == 1:
            return self.model.can(accounts[0], verb, resource, namespace=target, name=name,
                                  api_group=api_group, subresource=subresource,
                                  _notes=(note,) if note else (), _subject=self)
        decisions = [self.model.can(account, verb, resource, namespace=target, name=name,
                                    api_group=api_group, subresource=subresource)
                     for account in accounts]
        request = decisions[0].request

        def explain(_decision: Decision) -> Explanation:
            lines: list[str] = []
            unknowns: list[Symbol] = []
            for decision in decisions:
                lines.append(decision.summary())
                evidence = decision.explanation()
                lines += ["  " + line for line in evidence.lines]
                unknowns += evidence.unknowns
            return Explanation(tuple(lines), tuple(dict.fromkeys(unknowns)),
                               (note,) if note else ())

        return Decision(or3(d.allowed for d in decisions), self, request, explain)

    def aws_can(self, action: str, resource: Str, *,
                context: Mapping[str, object] | str | None = None) -> Decision:
        """Whether this workload's pods may make the AWS request with their IRSA credentials.

        ``context``: condition keys laid over the default (a call from inside the
        cluster; see :mod:`pytest_pfperms.aws.irsa`), or ``"outside-cluster"``.
        """
        access = self.model.aws_access
        decisions = [access.can(account, action, resource, context=context, subject=self)
                     for account in self.service_accounts]
        return decisions[0] if len(decisions) == 1 else decide_many(decisions, self, or3)

    def vault_can(self, capability: str, path: str) -> Decision:
        """Whether this workload's pods, logging in to Vault with their service account, may do it."""
        access = self.model.vault_access
        note = self.token_note()
        decisions = [access.can(account, capability, path, subject=self,
                                notes=(note,) if note else ())
                     for account in self.service_accounts]
        return decisions[0] if len(decisions) == 1 else decide_many(decisions, self, or3)

    def reach(self, **options: int) -> Any:
        """Everything its pods can effectively do after following escalations: a
        :class:`pytest_pfperms.escalation.Reach` (``can``, ``aws_can``, ``vault_can`` with
        proof chains). ``max_depth`` and ``max_actors`` bound the search."""
        return _reach(self.model, self, **options)

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"

    def __repr__(self) -> str:
        return f"<Workload {self} at {self.obj.source}>"


Who = User | Group | ServiceAccount | Workload | str

_ANY = object()
"""In ``Model._object_index`` keys: any kind or any namespace (None is a cluster-scoped
object's namespace)."""


MAX_CASE_MODELS = 256
"""Models one model rebuilds with choices replaced (:meth:`Model.with_values`), at most."""


def _unrendered_creators(resources: Sequence[CloudResource], rendered: Sequence[str],
                         ) -> tuple[list[CloudResource], list[Problem]]:
    """The resources that may create objects pfperms does not see (``helm_release``, ...), less
    those ``rendered`` names (addresses, ``*`` for any run of characters) as loaded from their
    rendered output; and a warning for each entry that names none of them."""
    installers = [r for r in resources if r.type in UNMODELLED_CREATOR_TYPES]
    patterns = [(entry, compile_linear(".*".join(re.escape(part) for part in entry.split("*"))))
                for entry in rendered]
    used: set[str] = set()
    creators = []
    for resource in installers:
        hits = [entry for entry, pattern in patterns if pattern.fullmatch(resource.address)]
        used.update(hits)
        if not hits:
            creators.append(resource)
    unused = [Problem("<pfperms_rendered>", None,
                      f"{entry!r} names no helm_release, kustomization or manifest unknown before "
                      "apply in the sources (their addresses look like module.x.helm_release.y)")
              for entry, _ in patterns if entry not in used]
    return creators, unused


class Model:
    """Everything loaded, ready to answer questions. Immutable; build it with ``pfperms.load``."""

    def __init__(self, objects: Sequence[KubeObject], *, defaults: Sequence[KubeObject] = (),
                 warnings: Sequence[Problem] = (), resources: Sequence[CloudResource] = (),
                 vault_flavor: VaultFlavor = "vault", aws_cluster: ClusterOidc | None = None,
                 rendered: Sequence[str] = ()):
        self._objects = tuple(objects)
        self.vault_flavor: VaultFlavor = validate_flavor(vault_flavor)
        """The Vault server the Vault resources are for: ``"vault"`` or ``"openbao"``."""
        self.aws_cluster = aws_cluster
        """The cluster IRSA questions are about, when given (``load(aws_oidc_provider=)``);
        else the sources' OIDC provider(s), else a symbol."""
        self.resources: tuple[CloudResource, ...] = tuple(resources)
        """AWS IAM and Vault resources from Terraform, for the AWS and Vault engines."""
        self._defaults = tuple(defaults)
        self._rendered = tuple(rendered)
        self._given_warnings = tuple(warnings)
        self._cases: dict[tuple[tuple[str, str], ...], Model] = {}
        self._case_models = 0
        creators, unused = _unrendered_creators(self.resources, rendered)
        self.warnings: tuple[Problem, ...] = (*warnings, *unused)
        self.kubernetes = KubernetesEngine((*self._defaults, *self._objects), creators=creators)
        self._workloads = [obj for obj in self._objects if isinstance(obj, WorkloadObject)]
        self._service_accounts = {(obj.namespace, obj.name): obj for obj in self._objects
                                  if obj.kind == "ServiceAccount"}
        self._namespace_notes: dict[str, tuple[str, ...]] = {}
        self._asked: dict[tuple[str, str, str | None], tuple[Request, tuple[str, ...]]] = {}
        """Plain (verb, resource, namespace) questions: the checked request and its notes."""

    # -- listing ---------------------------------------------------------------------------

    def objects(self, kind: str | None = None, *, namespace: Str | None = None) -> list[KubeObject]:
        """Objects the sources define (never the cluster defaults), optionally by kind/namespace.

        A kind that is neither built in nor in the model is an InvalidArgument (kinds are
        case-sensitive: ``"ClusterRoleBinding"``, not ``"clusterrolebinding"``)."""
        if kind is not None:
            check_kind(kind, self._kinds)
        if kind is None and namespace is None:
            return list(self._objects)
        return list(self._object_index.get((_ANY if kind is None else kind,
                                             _ANY if namespace is None else namespace), ()))

    @cached_property
    def _object_index(self) -> dict[tuple[object, object], list[KubeObject]]:
        """The objects by (kind, namespace), (kind, any) and (any, namespace), in order."""
        index: dict[tuple[object, object], list[KubeObject]] = {}
        for obj in self._objects:
            for key in ((obj.kind, _ANY), (_ANY, obj.namespace), (obj.kind, obj.namespace)):
                index.setdefault(key, []).append(obj)
        return index

    @cached_property
    def _workload_index(self) -> dict[tuple[str, Str], list[WorkloadObject]]:
        """The workloads by (kind, name), in order."""
        index: dict[tuple[str, Str], list[WorkloadObject]] = {}
        for obj in self._workloads:
            index.setdefault((obj.kind, obj.name), []).append(obj)
        return index

    def service_account_object(self, account: ServiceAccount) -> KubeObject | None:
        """The ServiceAccount object behind an identity, if the sources define it."""
        return self._service_accounts.get((account.namespace, account.name))

    def workloads(self) -> list[Workload]:
        """Every workload in the sources."""
        return [Workload(self, obj) for obj in self._workloads]

    def workload(self, ref: str, namespace: Str | None = None) -> Workload:
        """Find a workload by ``Kind/name`` (optionally in a namespace).

        A Terraform address (``module.web``) names the workload that resource or module
        creates; for a module that creates a service account but no workload it is the
        workload running as that account, else a stand-in of kind ``ServiceAccount``.
        Raises NotFoundError with close matches when there is none, and when the
        name is ambiguous across namespaces.
        """
        if "/" not in ref and "." in ref:
            return self._workload_at_address(ref, namespace)
        kind, sep, name = ref.partition("/")
        if not sep or not kind or not name:
            raise InvalidArgument(f"name a workload as 'Kind/name' (e.g. 'Deployment/web') or by its "
                                  f"Terraform address (e.g. 'module.web'), not {ref!r}")
        found = [obj for obj in self._workload_index.get((kind, name), ())
                 if namespace is None or obj.namespace == namespace]
        if len(found) == 1:
            return Workload(self, found[0])
        if len(found) > 1:
            places = ", ".join(f"{obj.namespace} ({obj.source})" for obj in found)
            raise NotFoundError(f"workload {ref!r} exists in several namespaces: {places}; "
                                "pass namespace=...")
        where = f" in namespace {namespace}" if namespace is not None else ""
        known = sorted({f"{obj.kind}/{obj.name}" for obj in self._workloads
                        if namespace is None or obj.namespace == namespace})
        close = difflib.get_close_matches(ref, known, n=3, cutoff=0.6)
        message = f"no workload {ref!r}{where}"
        if close:
            message += "; did you mean " + " or ".join(repr(c) for c in close) + "?"
        elif namespace is not None:
            elsewhere = sorted({str(obj.namespace) for obj in self._workloads
                                if obj.kind == kind and obj.name == name})
            if elsewhere:
                message += f"; it exists in namespace {', '.join(elsewhere)}"
        if not close and not self._workloads:
            message += "; the model has no workloads at all"
        raise NotFoundError(message)

    def _workload_at_address(self, address: str, namespace: Str | None) -> Workload:
        """The workload a Terraform resource or module call creates (directly, not in nested modules)."""
        found = []
        for obj in self._workloads:
            at = obj.source.address
            if at is None or (namespace is not None and obj.namespace != namespace):
                continue
            if at == address or (at.startswith(address + ".") and "module." not in at[len(address) + 1:]):
                found.append(obj)
        if len(found) == 1:
            return Workload(self, found[0])
        if found:
            listed = ", ".join(f"{obj.ref()} ({obj.source})" for obj in found)
            raise NotFoundError(f"{address} creates several workloads: {listed}; name one as 'Kind/name'")
        account = self._account_of_module(address, namespace)
        if account is not None:
            return account
        known = sorted({obj.source.address for obj in self._workloads if obj.source.address})
        close = difflib.get_close_matches(address, known, n=3, cutoff=0.6)
        message = f"no workload created by {address}"
        if close:
            message += "; did you mean " + " or ".join(repr(c) for c in close) + "?"
        raise NotFoundError(message)

    def _account_of_module(self, address: str, namespace: Str | None) -> Workload | None:
        """A module that creates one service account and no workload (Panfactum ``wf_spec``,
        ``kube_sa_auth_workflow``): the one workload that runs as the account (its
        WorkflowTemplate), else a stand-in of kind ServiceAccount that asks as the account."""
        accounts = [obj for obj in self._objects
                    if obj.kind == "ServiceAccount" and obj.source.address is not None
                    and obj.source.address.startswith(address + ".")
                    and "module." not in obj.source.address[len(address) + 1:]
                    and (namespace is None or obj.namespace == namespace)]
        if len(accounts) != 1:
            return None
        account = accounts[0]
        users = [obj for obj in self._workloads if obj.namespace == account.namespace
                 and account.name in (obj.service_account_name, *obj.extra_service_accounts)]
        if len(users) == 1:
            return Workload(self, users[0])
        return Workload(self, WorkloadObject(
            "ServiceAccount", "v1", account.name, account.namespace, account.source,
            service_account_name=account.name))

    # -- checking questions ----------------------------------------------------------------

    @cached_property
    def _kinds(self) -> frozenset[str]:
        return frozenset(obj.kind for obj in (*self._defaults, *self._objects))

    @cached_property
    def _rule_verbs(self) -> frozenset[str]:
        """Every literal verb a rule of the model names (custom verbs are real verbs)."""
        verbs: set[str] = set()
        for obj in (*self._defaults, *self._objects):
            for rule in getattr(obj, "rules", ()) or ():
                if isinstance(rule.verbs, tuple):
                    verbs.update(verb for verb in rule.verbs if isinstance(verb, str))
        return frozenset(verbs)

    @cached_property
    def known_namespaces(self) -> frozenset[str]:
        """Every namespace the sources mention: objects', Namespace objects', binding
        subjects', and the ones every cluster has."""
        found = set(ALWAYS_THERE)
        for obj in (*self._defaults, *self._objects):
            if isinstance(obj.namespace, str):
                found.add(obj.namespace)
            if obj.kind == "Namespace" and isinstance(obj.name, str):
                found.add(obj.name)
            for subject in getattr(obj, "subjects", ()) or ():
                if isinstance(subject.namespace, str):
                    found.add(subject.namespace)
        return frozenset(found)

    def check_question(self, verb: Str, namespace: Str | None) -> tuple[str, ...]:
        """Refuse a mistyped verb or namespace (InvalidArgument with a did-you-mean); the
        notes the decision carries (a namespace the sources never mention)."""
        if verb.__class__ is not str or verb not in KUBERNETES_VERBS:
            check_verb(verb, self._rule_verbs)  # the model's own verbs are read only for others
        if not isinstance(namespace, str) or not namespace:
            return ()
        notes = self._namespace_notes.get(namespace)
        if notes is None:  # asked once per namespace: forall asks thousands of questions
            if namespace in ALWAYS_THERE or namespace in self.kubernetes.bindings_by_namespace:
                notes = ()  # mentioned (a RoleBinding is in it): no need to gather every namespace
            else:
                note = namespace_note(namespace, self.known_namespaces)
                notes = (note,) if note else ()
            self._namespace_notes[namespace] = notes
        return notes

    # -- questions -------------------------------------------------------------------------

    def identity(self, who: Who) -> Identity:
        """The identity a question is about: users as given, workloads as their service account,
        a Group as a member with that group alone. A user name string that looks like a
        service account's but is malformed (``system:serviceacount:ci:x``) is an InvalidArgument."""
        if isinstance(who, (User, ServiceAccount)):
            return who
        if isinstance(who, Group):
            return who.member()
        if isinstance(who, Workload):
            return who.service_account
        if isinstance(who, str):
            check_username(who)
            return parse_username(who)
        raise InvalidArgument(f"who must be a User, Group, ServiceAccount, Workload or user name, "
                              f"got {who!r}")

    def can(self, who: Who, verb: str, resource: str, *, namespace: Str | None = None,
            name: str | None = None, api_group: str | None = None,
            subresource: str | None = None, _notes: tuple[str, ...] = (),
            _subject: object = None) -> Decision:
        """Whether ``who`` may make the request; ``namespace=None`` asks at cluster scope."""
        if who.__class__ is ServiceAccount or who.__class__ is User:
            identity: Identity = who
        elif isinstance(who, Workload):
            return who.can(verb, resource, namespace=namespace, name=name, api_group=api_group,
                           subresource=subresource)
        else:
            identity = self.identity(who)
        plain = (name is None and api_group is None and subresource is None and verb.__class__ is str
                 and resource.__class__ is str and (namespace is None or namespace.__class__ is str))
        asked = self._asked.get((verb, resource, namespace)) if plain else None  # type: ignore[arg-type]
        if asked is None:
            notes = self.check_question(verb, namespace)  # once per verb and namespace: cached
            request = build_request(verb, resource, namespace=namespace, name=name,
                                    api_group=api_group, subresource=subresource)
            if plain:  # forall and policies ask the same few requests of every identity
                if len(self._asked) > 100_000:
                    self._asked.clear()
                self._asked[(verb, resource, namespace)] = (request, notes)  # type: ignore[index]
        else:
            request, notes = asked
        engine = self.kubernetes
        all_notes = (*_notes, *notes)
        explainer = (partial(explain_rbac, engine, identity, request, notes=all_notes) if all_notes
                     else partial(explain_rbac, engine, identity, request))
        decision = Decision(engine.allowed(identity, request), _subject or identity, request, explainer)
        if decision.allowed is None and self.holds_choices:
            return settle(self, decision, lambda case: case.can(
                identity, verb, resource, namespace=namespace, name=name, api_group=api_group,
                subresource=subresource, _notes=_notes, _subject=_subject))
        return decision

    def decide(self, identity: Identity, request: Request, *, notes: tuple[str, ...] = (),
               subject: object = None) -> Decision:
        """The RBAC decision for already built request attributes."""
        engine = self.kubernetes
        return Decision(engine.allowed(identity, request), subject or identity, request,
                        partial(explain_rbac, engine, identity, request, notes=notes))

    def answers(self, identity: Identity, requests: Sequence[Request],
                shared: dict[Any, Tri] | None = None) -> list[Tri]:
        """``[decide(identity, request).allowed for request in requests]`` without the Decisions:
        for loops over many cases that build one only where the answer is not the one they want.
        ``shared``: a dict kept over calls with the same ``requests``, so identities that share
        their rules share the work (``KubernetesEngine.answers``)."""
        return self.kubernetes.answers(identity, requests, shared)

    def who_can(self, verb: str, resource: str, *, namespace: Str | None = None,
                name: str | None = None, api_group: str | None = None,
                subresource: str | None = None) -> list[SubjectGrant]:
        """Every subject that can (or, depending on unknowns, may) make the request."""
        self.check_question(verb, namespace)
        request = build_request(verb, resource, namespace=namespace, name=name,
                                api_group=api_group, subresource=subresource)
        grants = []
        for path in self.kubernetes.who_can(request):
            grants.append(SubjectGrant(str(path.subject), path.allowed, path))
        return grants

    @cached_property
    def aws_access(self) -> AwsAccess:
        """The AWS (IRSA) engine over this model's IAM resources, built on first use."""
        return AwsAccess(self.resources, self.objects("ServiceAccount"), cluster=self.aws_cluster)

    @cached_property
    def vault_access(self) -> VaultAccess:
        """The Vault engine over this model's Vault resources, built on first use."""
        return VaultAccess(self.resources, self.objects("Namespace"), flavor=self.vault_flavor)

    def _service_account(self, who: Who, system: str) -> ServiceAccount:
        identity = self.identity(who)
        if not isinstance(identity, ServiceAccount):
            raise InvalidArgument(f"{system} access here is a service account's (a workload or "
                                  f'"system:serviceaccount:<ns>:<name>"), not {identity}')
        return identity

    def aws_can(self, who: Who, action: str, resource: Str, *,
                context: Mapping[str, object] | str | None = None) -> Decision:
        """Whether ``who`` (a workload or service account) may make the AWS request through IRSA.

        ``action``: ``service:ActionName``; ``resource``: the ARN (or ``"*"``).
        ``context``: condition keys over the default in-cluster context, or
        ``"outside-cluster"`` (see :mod:`pytest_pfperms.aws.irsa`).
        """
        if isinstance(who, Workload):
            return who.aws_can(action, resource, context=context)
        account = self._service_account(who, "AWS")
        decision = self.aws_access.can(account, action, resource, context=context)
        if decision.allowed is None and self.holds_choices:
            return settle(self, decision, lambda case: case.aws_can(account, action, resource,
                                                                    context=context))
        return decision

    def vault_can(self, who: Who, capability: str, path: str) -> Decision:
        """Whether ``who`` (a workload or service account), logging in through Vault's
        Kubernetes auth method, may do ``capability`` on the API ``path``."""
        if isinstance(who, Workload):
            return who.vault_can(capability, path)
        account = self._service_account(who, "Vault")
        decision = self.vault_access.can(account, capability, path)
        if decision.allowed is None and self.holds_choices:
            return settle(self, decision, lambda case: case.vault_can(account, capability, path))
        return decision

    def reach(self, who: Who, **options: int) -> Any:
        """Everything ``who`` can effectively do after following escalations (pods it can run,
        tokens it can read or request, identities it can impersonate, roles it can bind or
        rewrite, the kubelet): a :class:`pytest_pfperms.escalation.Reach` whose ``can``,
        ``aws_can`` and ``vault_can`` explain the chain. ``max_depth`` and ``max_actors``
        bound the search."""
        return _reach(self, who, **options)

    def with_objects(self, objects: Sequence[KubeObject]) -> Model:
        """This model with ``objects`` added, each replacing the object of the same kind,
        namespace and name if there is one (a "what if" model)."""
        replaced = {(obj.kind, obj.namespace, obj.name) for obj in objects}
        kept = [obj for obj in self._objects if (obj.kind, obj.namespace, obj.name) not in replaced]
        defaults = [obj for obj in self._defaults if (obj.kind, obj.namespace, obj.name) not in replaced]
        return self._rebuilt([*kept, *objects], defaults, self.resources)

    def _rebuilt(self, objects: Sequence[KubeObject], defaults: Sequence[KubeObject],
                 resources: Sequence[CloudResource]) -> Model:
        return Model(objects, defaults=defaults, warnings=self._given_warnings, resources=resources,
                     vault_flavor=self.vault_flavor, aws_cluster=self.aws_cluster,
                     rendered=self._rendered)

    @cached_property
    def holds_choices(self) -> bool:
        """Whether any object or resource holds a :class:`~pytest_pfperms.values.Choice` (a
        string that is one of a few, which one unknown before apply)."""
        if not choices_made():  # none in this process: no walk over every object
            return False
        return holds_choice((self._objects, self.resources))

    def with_values(self, mapping: Mapping[str, str]) -> Model | None:
        """This model with the symbols ``mapping`` names (by key) replaced by its strings: one
        case of what apply may make (cached per mapping); None once this model has built
        :data:`MAX_CASE_MODELS` of them (a repository with many choices cannot make every
        question rebuild the model)."""
        key = tuple(sorted(mapping.items()))
        found = self._cases.get(key)
        if found is None:
            if self._case_models >= MAX_CASE_MODELS:
                return None
            self._case_models += 1
            if len(self._cases) >= 64:
                self._cases.clear()
            found = self._rebuilt(substitute(list(self._objects), mapping), self._defaults,
                                  substitute(list(self.resources), mapping))
            self._cases[key] = found
        return found

    def rules_for(self, who: Who, namespace: Str | None = None) -> list[GrantPath]:
        """Every rule that applies to ``who`` in ``namespace`` (None: cluster scope only); a
        namespace a typo away from a known one is an InvalidArgument, as in ``can``."""
        self.check_question("get", namespace)
        return self.kubernetes.rules_for(self.identity(who), namespace or "")

    def problems(self) -> list[str]:
        """Bindings whose role is missing, bindings of service accounts the sources do not
        define, and other things that grant nothing but look meant to."""
        found = [f"{error} ({binding.source})" for binding, error in self.kubernetes.resolution_errors()
                 if binding.source is not BUILTIN_SOURCE]
        return found + self._dangling_service_accounts()

    def _dangling_service_accounts(self) -> list[str]:
        """Service account subjects no ServiceAccount of the sources defines (every namespace's
        ``default`` account exists anyway): often an install loaded without its namespace."""
        if not self._service_accounts:
            return []  # the sources define no accounts at all: they live elsewhere
        found = []
        namespaces_of: dict[object, list[str]] = {}  # account name -> the namespaces defining it
        for account_namespace, account_name in self._service_accounts:
            namespaces_of.setdefault(account_name, []).append(str(account_namespace))
        for binding in self.kubernetes.all_bindings():
            if binding.source is BUILTIN_SOURCE:
                continue
            for subject in binding.subjects:
                namespace = subject.namespace or (binding.namespace if binding.kind == "RoleBinding"
                                                  else None)
                if (subject.kind != "ServiceAccount" or not isinstance(namespace, str)
                        or not isinstance(subject.name, str) or subject.name == "default"
                        or (namespace, subject.name) in self._service_accounts):
                    continue
                elsewhere = sorted(namespaces_of.get(subject.name, ()))
                hint = (f"; the sources define it in namespace {', '.join(elsewhere)} (was an install "
                        "loaded without its namespace, e.g. kubectl apply -n?)" if elsewhere else "")
                found.append(f"{binding.ref()} binds ServiceAccount {namespace}/{subject.name}, which "
                             f"the sources do not define{hint} ({binding.source})")
        return list(dict.fromkeys(found))

    def __repr__(self) -> str:
        return f"<Model with {len(self._objects)} objects, {len(self._workloads)} workloads>"

