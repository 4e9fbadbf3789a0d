"""The escalations: for each, the requests that open it (its *ways*) and what it gives (its *gains*).

A :class:`Gate` opens when every request of one of its ways is allowed; then its subject
gains every :class:`Gain` of the gate. The gates of a model (``reference/k8s-rbac.md`` §8,
§9 and §11; Kubernetes v1.34):

- **pods**: ``create`` pods, or ``create`` (or ``update``/``patch`` an existing) Deployment,
  ReplicaSet, StatefulSet, DaemonSet, Job, CronJob, ReplicationController (and Argo
  Workflow/CronWorkflow when the model uses Argo) in a namespace -> a pod running as any
  service account of that namespace.
- **running pods**: ``create pods/exec``, ``update``/``patch`` pods (a new image) or
  ``pods/ephemeralcontainers`` on a workload's pods -> the account those pods run as.
  (``pods/exec`` needs ``create`` since v1.31 for WebSocket upgrades too.)
- **token Secrets**: ``get`` (that name), ``list`` or ``watch`` secrets where a
  ``kubernetes.io/service-account-token`` Secret of the sources lives -> its account;
  ``create`` secrets and read one back -> a token Secret for any account of the namespace
  (the token controller fills it in).
- **token requests**: ``create serviceaccounts/token`` named for an account -> that account.
- **impersonation**: ``impersonate`` ``serviceaccounts`` (namespace and name), ``users``
  (name) and, with some user, ``groups`` (name) -> that identity.
- **nodes/proxy**: ``get`` or ``create`` ``nodes/proxy`` -> the kubelet's API, so every
  account any workload runs as.
- **bind**: ``create`` (or ``update``/``patch`` an existing) RoleBinding or
  ClusterRoleBinding and ``bind`` on the role (by name, namespace) -> that role's rules
  for the subject, in the binding's scope.
- **escalate**: ``escalate`` and ``update``/``patch`` on a role bound to an identity the
  subject holds -> any rule in that binding's scope; or ``create`` a role, ``escalate`` and
  ``bind`` it (a name of its choosing) and ``create`` a binding -> any rule in that scope.

Names the subject chooses, and names of pods and nodes, are symbols: a rule limited by
``resourceNames`` may or may not cover them, so such a gate opens only maybe.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass

from ..model.identities import AUTHENTICATED, Identity, ServiceAccount, User
from ..model.objects import AnyRole, ClusterRole, ClusterRoleBinding, RoleBinding, SourceRef
from ..model.requests import Request, ResourceRequest
from ..query.model import Model
from ..values import Str, Symbol
from .inventory import ARGO_RESOURCES, CONTROLLER_RESOURCES, Inventory, inventory

RBAC = "rbac.authorization.k8s.io"
POD_WRITES = ("update", "patch")

CHOSEN_NAME = Symbol(key="a name the subject chooses", reason="the subject names the object it creates")
NODE_NAME = Symbol(key="a node's name", reason="the nodes of a cluster are not in the sources")
IMPERSONATED = "pfperms-impersonated"
"""A user name no binding names: the user of an impersonated group, and the user asked for
when the subject may impersonate any user."""


def request(verb: str, group: str, resource: str, namespace: Str = "", name: Str = "",
            subresource: str = "") -> ResourceRequest:
    """A resource request; namespace ``""`` is cluster scope."""
    return ResourceRequest(verb, group, resource, subresource, namespace, name)


def label(identity: Identity) -> str:
    """A short name for chains: ``ns/name`` for an account, the name for a user."""
    if isinstance(identity, ServiceAccount):
        return f"{identity.namespace}/{identity.name}"
    extra = [group for group in identity.groups if group != AUTHENTICATED]
    return identity.name + (f" (group {', '.join(extra)})" if extra else "")


def where(namespace: Str) -> str:
    """``in prod`` or ``cluster-wide``."""
    return f"in {namespace}" if namespace != "" else "cluster-wide"


@dataclass(frozen=True, slots=True)
class Way:
    """One way through a gate: every request must be allowed; ``words`` say what it does."""

    words: str
    requests: tuple[Request, ...]


@dataclass(frozen=True, slots=True)
class IdentityGain:
    """Acting as another identity: ``words`` like ``runs a pod as prod/payments``."""

    identity: Identity
    words: str
    source: SourceRef | None = None

    @property
    def key(self) -> object:
        """What makes two gains the same."""
        return self.identity


@dataclass(frozen=True, slots=True)
class GrantGain:
    """Rules the subject gives itself in ``scope`` (``""``: cluster-wide): a role's
    (``role``), or any rule at all (``role`` None)."""

    scope: Str
    role: AnyRole | None
    words: str
    binding: RoleBinding | ClusterRoleBinding | None = None
    """For a rewritten role: the existing binding that must apply to an identity the subject holds."""
    origin: SourceRef | None = None
    """Where a grant made outside RBAC comes from (an EKS access policy association)."""

    @property
    def key(self) -> object:
        """What makes two gains the same."""
        role = None if self.role is None else (self.role.kind, self.role.namespace, self.role.name)
        return ("grant", self.scope, role)


Gain = IdentityGain | GrantGain


@dataclass(frozen=True, slots=True)
class Gate:
    """An escalation: its ways (any one opens it) and what it gives."""

    kind: str
    ways: tuple[Way, ...]
    gains: tuple[Gain, ...]
    namespace: Str | None = None
    """The namespace all its ways ask in (None: mixed or cluster scope), for quick skipping."""
    resources: frozenset[str] = frozenset()
    """Resources its ways' first requests name, for quick skipping."""


def _gate(kind: str, ways: Iterable[Way], gains: Iterable[Gain], namespace: Str | None) -> Gate | None:
    ways, gains = tuple(ways), tuple(gains)
    if not ways or not gains:
        return None
    first = {str(way.requests[0].resource) for way in ways if isinstance(way.requests[0], ResourceRequest)}
    return Gate(kind, ways, gains, namespace, frozenset(first))


def _pod_gates(found: Inventory, namespace: Str) -> Iterable[Gate | None]:
    accounts = found.accounts[namespace]
    gains = [IdentityGain(account, f"runs as {label(account)}", source)
             for account, source in accounts.items()]
    ways = [Way(f"create pods {where(namespace)}", (request("create", "", "pods", namespace),))]
    controllers = list(CONTROLLER_RESOURCES.items())
    if found.argo:
        controllers += list(ARGO_RESOURCES.items())
    for _kind, (group, resource) in controllers:
        ways.append(Way(f"create {resource} {where(namespace)}",
                        (request("create", group, resource, namespace),)))
    for kind, (group, resource) in controllers:
        for workload in found.workloads.get((namespace, kind), ()):
            for verb in POD_WRITES:
                ways.append(Way(f"{verb} {kind} {namespace}/{workload.name} (its pod template)",
                                (request(verb, group, resource, namespace, workload.name),)))
    yield _gate("pods", ways, gains, namespace)
    by_pods: dict[tuple[str, str], list[IdentityGain]] = {}
    for running in found.running.get(namespace, ()):
        by_pods.setdefault((str(running.pod_name), running.workload.ref()), []).append(IdentityGain(
            running.account, f"runs code in a pod of {running.workload.ref()}, as "
                             f"{label(running.account)}", running.workload.source))
    for running in found.running.get(namespace, ()):
        key = (str(running.pod_name), running.workload.ref())
        if key not in by_pods:
            continue
        pod = running.pod_name
        what = f"pods of {running.workload.ref()}"
        yield _gate("running pods", [
            Way(f"create pods/exec on {what}", (request("create", "", "pods", namespace, pod, "exec"),)),
            *(Way(f"{verb} {what} (a new image)", (request(verb, "", "pods", namespace, pod),))
              for verb in POD_WRITES),
            *(Way(f"{verb} pods/ephemeralcontainers on {what}",
                  (request(verb, "", "pods", namespace, pod, "ephemeralcontainers"),))
              for verb in POD_WRITES),
        ], by_pods.pop(key), namespace)


def _secret_gates(found: Inventory, namespace: Str) -> Iterable[Gate | None]:
    for secret in found.token_secrets.get(namespace, ()):
        yield _gate("token secret", [
            Way(f"get secret {namespace}/{secret.name}",
                (request("get", "", "secrets", namespace, secret.name),)),
            Way(f"list secrets {where(namespace)}", (request("list", "", "secrets", namespace),)),
            Way(f"watch secrets {where(namespace)}", (request("watch", "", "secrets", namespace),)),
        ], [IdentityGain(secret.account, f"reads the token of {label(secret.account)} from Secret "
                                         f"{namespace}/{secret.name}", secret.source)], namespace)
    create = request("create", "", "secrets", namespace)
    yield _gate("token secret", [
        Way(f"create secrets {where(namespace)} and get it back",
            (create, request("get", "", "secrets", namespace, CHOSEN_NAME))),
        Way(f"create secrets {where(namespace)} and list them", (create, request("list", "", "secrets",
                                                                                 namespace))),
        Way(f"create secrets {where(namespace)} and watch them", (create, request("watch", "", "secrets",
                                                                                  namespace))),
    ], [IdentityGain(account, f"has the token controller fill a token Secret for {label(account)}",
                     source) for account, source in found.accounts[namespace].items()], namespace)
    for account, source in found.accounts[namespace].items():
        yield _gate("token request", [
            Way(f"create serviceaccounts/token for {label(account)}",
                (request("create", "", "serviceaccounts", namespace, account.name, "token"),)),
        ], [IdentityGain(account, f"gets a token of {label(account)}", source)], namespace)
        yield _gate("impersonation", [
            Way(f"impersonate serviceaccount {label(account)}",
                (request("impersonate", "", "serviceaccounts", namespace, account.name),)),
        ], [IdentityGain(account, f"acts as {label(account)}", source)], namespace)


def _bind_gates(found: Inventory, namespace: Str) -> Iterable[Gate | None]:
    create = request("create", RBAC, "rolebindings", namespace)
    existing = [b for b in found.bindings if isinstance(b, RoleBinding) and b.namespace == namespace]
    roles: list[AnyRole] = [*found.cluster_roles, *found.roles.get(namespace, ())]
    for role in roles:
        resource = "clusterroles" if isinstance(role, ClusterRole) else "roles"
        bind = request("bind", RBAC, resource, namespace, role.name)
        ways = [Way(f"create rolebindings {where(namespace)} and bind {role.ref()}", (create, bind))]
        for binding in existing:
            if binding.role_ref.name == role.name and binding.role_ref.kind == role.kind:
                ways += [Way(f"{verb} RoleBinding {namespace}/{binding.name} (add itself) and bind "
                             f"{role.ref()}", (request(verb, RBAC, "rolebindings", namespace, binding.name),
                                               bind))
                         for verb in POD_WRITES]
        yield _gate("bind", ways, [GrantGain(namespace, role, f"binds itself to {role.ref()} "
                                                               f"{where(namespace)}")], namespace)
    yield _gate("escalate", [Way(
        f"create roles {where(namespace)}, escalate and bind one, and create rolebindings",
        (request("create", RBAC, "roles", namespace),
         request("escalate", RBAC, "roles", namespace, CHOSEN_NAME),
         request("bind", RBAC, "roles", namespace, CHOSEN_NAME), create))],
        [GrantGain(namespace, None, f"creates a Role with any rule {where(namespace)} and binds itself "
                                    "to it")], namespace)


def _cluster_gates(found: Inventory) -> Iterable[Gate | None]:
    create = request("create", RBAC, "clusterrolebindings")
    existing = [b for b in found.bindings if isinstance(b, ClusterRoleBinding)]
    for role in found.cluster_roles:
        bind = request("bind", RBAC, "clusterroles", "", role.name)
        ways = [Way(f"create clusterrolebindings and bind {role.ref()}", (create, bind))]
        for binding in existing:
            if binding.role_ref.name == role.name:
                ways += [Way(f"{verb} ClusterRoleBinding {binding.name} (add itself) and bind {role.ref()}",
                             (request(verb, RBAC, "clusterrolebindings", "", binding.name), bind))
                         for verb in POD_WRITES]
        yield _gate("bind", ways, [GrantGain("", role, f"binds itself to {role.ref()} cluster-wide")], "")
    yield _gate("escalate", [Way(
        "create clusterroles, escalate and bind one, and create clusterrolebindings",
        (request("create", RBAC, "clusterroles"), request("escalate", RBAC, "clusterroles", "", CHOSEN_NAME),
         request("bind", RBAC, "clusterroles", "", CHOSEN_NAME), create))],
        [GrantGain("", None, "creates a ClusterRole with any rule and binds itself to it")], "")
    every_running = [IdentityGain(running.account, f"runs code, through the kubelet, in a pod of "
                                                   f"{running.workload.ref()} as {label(running.account)}",
                                  running.workload.source)
                     for namespace in found.namespaces for running in found.running.get(namespace, ())]
    yield _gate("nodes/proxy", [
        Way(f"{verb} nodes/proxy", (request(verb, "", "nodes", "", NODE_NAME, "proxy"),))
        for verb in ("get", "create")], every_running, "")
    for user, source in found.users.items():
        yield _gate("impersonation", [Way(f"impersonate user {user}",
                                          (request("impersonate", "", "users", "", user),))],
                    [IdentityGain(User(user, (AUTHENTICATED,)), f"acts as user {user}", source)], "")
    for group, source in found.groups.items():
        if group == AUTHENTICATED:
            continue
        # Impersonating a group needs some impersonated user too; the user's own rights come
        # through its own gate, so the group's identity carries a user name no binding names.
        yield _gate("impersonation", [
            Way(f"impersonate user {user} and group {group}",
                (request("impersonate", "", "users", "", user),
                 request("impersonate", "", "groups", "", group)))
            for user in [*found.users, IMPERSONATED]],
            [IdentityGain(User(IMPERSONATED, (group, AUTHENTICATED)), f"acts as a user in group {group}",
                          source)], "")


def _rewrite_gates(found: Inventory) -> Iterable[Gate | None]:
    """Rewriting a role that is bound to someone: ``escalate`` and ``update``/``patch`` on it."""
    for binding in found.bindings:
        kind, name = binding.role_ref.kind, binding.role_ref.name
        scope: Str = binding.namespace if isinstance(binding, RoleBinding) and binding.namespace else ""
        role_namespace: Str = scope if kind == "Role" else ""
        resource = "roles" if kind == "Role" else "clusterroles"
        if kind not in ("Role", "ClusterRole"):
            continue
        escalate = request("escalate", RBAC, resource, role_namespace, name)
        ways = [Way(f"{verb} and escalate {kind} {name}",
                    (request(verb, RBAC, resource, role_namespace, name), escalate)) for verb in POD_WRITES]
        yield _gate("escalate", ways, [GrantGain(scope, None, f"rewrites {kind} {name} with any rule; "
                                                              f"{binding.ref()} grants it {where(scope)}",
                                                 binding)], role_namespace)


def _gates(model: Model) -> tuple[Gate, ...]:
    found = inventory(model)
    gates: list[Gate | None] = []
    for namespace in found.namespaces:
        gates += _pod_gates(found, namespace)
        gates += _secret_gates(found, namespace)
        gates += _bind_gates(found, namespace)
    gates += _cluster_gates(found)
    gates += _rewrite_gates(found)
    return tuple(gate for gate in gates if gate is not None)


_CACHE: weakref.WeakKeyDictionary[Model, tuple[Gate, ...]] = weakref.WeakKeyDictionary()


def gates(model: Model) -> tuple[Gate, ...]:
    """Every escalation of ``model``, computed once."""
    found = _CACHE.get(model)
    if found is None:
        found = _gates(model)
        _CACHE[model] = found
    return found


__all__ = ["Gain", "Gate", "GrantGain", "IdentityGain", "Way", "gates", "label", "request"]
