"""The built-in Kubernetes policies, PF-K8S-001 ... PF-K8S-014: engine questions over the sources."""

from __future__ import annotations

import weakref
from collections.abc import Callable

from ...explain.kubernetes import render_path
from ...kubernetes.authorizer import GrantPath
from ...kubernetes.rule_matching import rule_allows
from ...model.identities import ANONYMOUS, AUTHENTICATED, UNAUTHENTICATED, ServiceAccount
from ...model.objects import BUILTIN_SOURCE, ClusterRoleBinding, RoleBinding, ServiceAccountObject, Subject
from ...model.requests import ResourceRequest
from ...query.model import Model
from ..evaluation import Finding, decision_finding
from .probing import (
    ANY_GROUP,
    ANY_RESOURCE,
    ANY_VERB,
    Probe,
    bound_in,
    flagged,
    rule_names,
    scan,
    subjects,
)
from .registry import Builtin, register

RBAC = "rbac.authorization.k8s.io"
WRITES = ("create", "update", "patch", "delete")
Result = tuple[list[Finding], int]


def _wildcards(model: Model) -> Result:
    """Rules of the sources' bindings whose verbs, resources or apiGroups are ``*``, asked of the engine
    with a verb, resource or group no rule names."""
    engine = model.kubernetes
    found: list[Finding] = []
    checked = 0
    for subject in subjects(model):
        seen: set[tuple[object, ...]] = set()
        for scope in ["", *bound_in(model, subject.identity)]:
            for path in engine.rules_for(subject.identity, scope):
                if path.binding.source is BUILTIN_SOURCE or (
                    scope != "" and not isinstance(path.binding, RoleBinding)
                ):
                    continue
                rule = path.rule.rule
                verbs, groups, resources = rule.verbs, rule.api_groups, rule.resources
                if not (
                    isinstance(verbs, tuple) and isinstance(groups, tuple) and isinstance(resources, tuple)
                ):
                    continue
                wild = [r for r in resources
                        if isinstance(r, str) and (r == "*" or (r.startswith("*/") and r != "*/*"))]
                if not resources or ("*" not in verbs and "*" not in groups and not wild):
                    continue
                verb = ANY_VERB if "*" in verbs else str(next(v for v in verbs if isinstance(v, str)))
                group = (
                    ANY_GROUP if "*" in groups else str(next((g for g in groups if isinstance(g, str)), ""))
                )
                if wild:
                    resource, _, sub = (
                        (ANY_RESOURCE, "", wild[0][2:]) if wild[0] != "*" else (ANY_RESOURCE, "", "")
                    )
                else:
                    first = str(next(r for r in resources if isinstance(r, str)))
                    resource, _, sub = first.partition("/")
                key = (scope, verb, group, resource, sub)
                if key in seen:
                    continue
                seen.add(key)
                checked += 1
                decision = flagged(
                    model, subject.identity, ResourceRequest(verb, group, resource, sub, scope, "")
                )
                if decision is not None:
                    found.append(decision_finding(subject, decision, "cannot"))
    return found, checked


def _full_access_bindings(model: Model) -> Result:
    """Bindings of the sources whose role allows every verb on every resource of every group."""
    engine = model.kubernetes
    found: list[Finding] = []
    checked = 0
    for binding in model.objects():
        if not isinstance(binding, (RoleBinding, ClusterRoleBinding)):
            continue
        scope = (
            binding.namespace if isinstance(binding, RoleBinding) and binding.namespace is not None else ""
        )
        probe = ResourceRequest(ANY_VERB, ANY_GROUP, ANY_RESOURCE, "", scope, "")
        for role, _certain in engine.resolve(binding).roles:
            checked += 1
            for effective in engine.effective_rules(role):
                if rule_allows(effective.rule, probe) is True:
                    subject = binding.subjects[0] if binding.subjects else Subject("User", "<none>")
                    where = "cluster-wide" if scope == "" else f"in namespace {scope}"
                    lines = render_path(GrantPath(binding, subject, role, effective, True))
                    lines.append("subjects: " + (", ".join(str(s) for s in binding.subjects) or "none"))
                    found.append(
                        Finding(
                            binding.ref(),
                            binding.kind,
                            binding.name,
                            binding.namespace,
                            "cannot",
                            True,
                            f"grants every verb on every resource {where} ({role.ref()})",
                            tuple(lines),
                        )
                    )
                    break
    return found, checked


BROAD_GROUPS = {
    UNAUTHENTICATED: "everyone, signed in or not",
    AUTHENTICATED: "every signed-in user and account",
    "system:serviceaccounts": "every service account of every namespace",
}


def _broad_subjects(model: Model) -> Result:
    """Bindings of the sources to system:anonymous, system:unauthenticated, system:authenticated or
    system:serviceaccounts that grant any rule."""
    engine = model.kubernetes
    found: list[Finding] = []
    checked = 0
    for binding in model.objects():
        if not isinstance(binding, (RoleBinding, ClusterRoleBinding)):
            continue
        for subject in binding.subjects:
            checked += 1
            broad = (subject.kind == "Group" and subject.name in BROAD_GROUPS) or (
                subject.kind == "User" and subject.name == ANONYMOUS
            )
            if not broad:
                continue
            for role, _certain in engine.resolve(binding).roles:
                rules = engine.effective_rules(role)
                if not rules:
                    continue
                who = BROAD_GROUPS.get(str(subject.name), "anyone who is not signed in")
                lines = render_path(GrantPath(binding, subject, role, rules[0], True))
                if len(rules) > 1:
                    lines.append(
                        f"   (and {len(rules) - 1} more rule{'s' if len(rules) > 2 else ''} of {role.ref()})"
                    )
                found.append(
                    Finding(
                        str(subject),
                        binding.kind,
                        binding.name,
                        binding.namespace,
                        "cannot",
                        True,
                        f"is granted {role.ref()} by {binding.ref()}: that is {who}",
                        tuple(lines),
                    )
                )
    return found, checked


def _probes(verbs: tuple[str, ...], group: str, resource: str, sub: str = "") -> list[Probe]:
    return [Probe(verb, group, resource, sub) for verb in verbs]


def _secrets(model: Model) -> Result:
    return scan(model, _probes(("get", "list", "watch"), "", "secrets"), scope="cluster")


def _bind_escalate(model: Model) -> Result:
    return scan(
        model,
        [
            Probe(verb, RBAC, resource)
            for verb in ("bind", "escalate")
            for resource in ("roles", "clusterroles")
        ],
    )


def _impersonate(model: Model) -> Result:
    cluster, count = scan(
        model,
        [
            Probe("impersonate", "", "users"),
            Probe("impersonate", "", "groups"),
            Probe("impersonate", "authentication.k8s.io", "uids"),
            Probe("impersonate", "authentication.k8s.io", "userextras", "scopes"),
        ],
        scope="cluster",
    )
    namespaced, more = scan(model, [Probe("impersonate", "", "serviceaccounts")])
    return cluster + namespaced, count + more


def _tokens(model: Model) -> Result:
    return scan(model, [Probe("create", "", "serviceaccounts", "token")])


def _exec(model: Model) -> Result:
    return scan(
        model,
        [
            Probe("create", "", "pods", "exec"),
            Probe("create", "", "pods", "attach"),
            *_probes(("update", "patch"), "", "pods", "ephemeralcontainers"),
        ],
    )


def _nodes_proxy(model: Model) -> Result:
    return scan(model, _probes(("get", "create"), "", "nodes", "proxy"), scope="cluster")


WEBHOOK_RESOURCES = (
    "validatingwebhookconfigurations",
    "mutatingwebhookconfigurations",
    "validatingadmissionpolicies",
    "validatingadmissionpolicybindings",
    "mutatingadmissionpolicies",
    "mutatingadmissionpolicybindings",
)


def _webhooks(model: Model) -> Result:
    return scan(
        model,
        [
            Probe(verb, "admissionregistration.k8s.io", resource)
            for resource in WEBHOOK_RESOURCES
            for verb in WRITES
        ],
        scope="cluster",
    )


SIGNERS = (
    "kubernetes.io/kube-apiserver-client",
    "kubernetes.io/kube-apiserver-client-kubelet",
    "kubernetes.io/kubelet-serving",
    "kubernetes.io/legacy-unknown",
    "kubernetes.io/*",
)


def _csr(model: Model) -> Result:
    """Approving (update certificatesigningrequests/approval and approve a signer) or signing (update
    certificatesigningrequests/status and sign a signer); a signer is asked by name and as
    ``<domain>/*``, as the API server asks it."""
    found: list[Finding] = []
    checked = 0
    csr = "certificates.k8s.io"
    for subject in subjects(model):
        for verb, sub in (("approve", "approval"), ("sign", "status")):
            names = list(dict.fromkeys([*rule_names(model, Probe(verb, csr, "signers")), *SIGNERS]))
            checked += 1 + len(names)
            first = flagged(
                model,
                subject.identity,
                ResourceRequest("update", csr, "certificatesigningrequests", sub, "", ""),
            )
            if first is None:
                continue
            for name in names:
                signer = flagged(model, subject.identity, ResourceRequest(verb, csr, "signers", "", "", name))
                if signer is not None:
                    found += [
                        decision_finding(subject, first, "cannot"),
                        decision_finding(subject, signer, "cannot"),
                    ]
                    break
    return found, checked


WORKLOADS = (
    ("", "pods"),
    ("apps", "deployments"),
    ("apps", "daemonsets"),
    ("apps", "statefulsets"),
    ("apps", "replicasets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
    ("", "replicationcontrollers"),
)


def _kube_system(model: Model) -> Result:
    return scan(
        model,
        [
            Probe(verb, group, resource)
            for group, resource in WORKLOADS
            for verb in ("create", "update", "patch")
        ],
        scope="fixed",
        fixed=["kube-system"],
    )


def _default_accounts(model: Model) -> Result:
    """Every rule the sources' bindings give a namespace's ``default`` service account."""
    engine = model.kubernetes
    found: list[Finding] = []
    checked = 0
    for subject in subjects(model):
        account = subject.identity
        if not isinstance(account, ServiceAccount) or account.name != "default":
            continue
        namespace = account.namespace
        paths = [p for p in engine.rules_for(account, "") if p.binding.source is not BUILTIN_SOURCE]
        paths += [  # a RoleBinding of another namespace applies only where bound_in says it may
            p
            for scope in dict.fromkeys([namespace, *bound_in(model, account)])
            for p in engine.rules_for(account, scope)
            if isinstance(p.binding, RoleBinding) and p.binding.source is not BUILTIN_SOURCE
        ]
        checked += 1
        for path in paths:
            where = (
                "cluster-wide"
                if isinstance(path.binding, ClusterRoleBinding)
                else f"in namespace {path.binding.namespace}"
            )
            found.append(
                Finding(
                    str(account),
                    "ServiceAccount",
                    "default",
                    namespace,
                    "cannot",
                    path.allowed,
                    f"is granted {path.rule.rule.describe()} {where}",
                    tuple(render_path(path)),
                )
            )
    return found, checked


_RISKY: weakref.WeakKeyDictionary[Model, dict[str, list[str]]] = weakref.WeakKeyDictionary()


def _risky_accounts(model: Model) -> dict[str, list[str]]:
    """Service account label -> the built-ins (other than this one) it is a finding of."""
    cached = _RISKY.get(model)
    if cached is not None:
        return cached
    risky: dict[str, list[str]] = {}
    checks: list[tuple[str, Callable[[Model], Result]]] = [
        (b.id, b.run) for b in KUBERNETES if b.id not in ("PF-K8S-013", "PF-K8S-014")
    ]
    for policy_id, check in checks:
        findings = check(model)[0]
        labels = [f.subject for f in findings if f.kind == "ServiceAccount"]
        if policy_id in ("PF-K8S-002", "PF-K8S-003"):
            named = {(f.kind, f.name, f.namespace) for f in findings}
            for binding in model.objects():
                if (
                    isinstance(binding, (RoleBinding, ClusterRoleBinding))
                    and (binding.kind, binding.name, binding.namespace) in named
                ):
                    labels += [
                        f"ServiceAccount {s.namespace or binding.namespace}/{s.name}"
                        for s in binding.subjects
                        if s.kind == "ServiceAccount"
                    ]
        for label in labels:
            risky.setdefault(label, [])
            if policy_id not in risky[label]:
                risky[label].append(policy_id)
    _RISKY[model] = risky
    return risky


def _automount(model: Model) -> Result:
    """Service accounts with a risky permission (another PF-K8S finding) whose token is mounted by
    default (automountServiceAccountToken not set to false on the ServiceAccount)."""
    found: list[Finding] = []
    risky = _risky_accounts(model)
    for subject in subjects(model):
        if subject.kind != "ServiceAccount" or subject.label not in risky:
            continue
        account = subject.identity
        assert isinstance(account, ServiceAccount)
        obj = model.service_account_object(account)
        if isinstance(obj, ServiceAccountObject) and obj.automount_token is False:
            continue
        where = (
            f"{obj.ref()} ({obj.source}) does not set automountServiceAccountToken: false"
            if obj is not None
            else f"{account} is not defined in the sources, so its token is mounted by default"
        )
        found.append(
            Finding(
                subject.label,
                "ServiceAccount",
                account.name,
                account.namespace,
                "cannot",
                True,
                "mounts its API token in every pod by default, and it has: "
                + ", ".join(risky[subject.label]),
                (where,),
            )
        )
    return found, len(risky)


KUBERNETES = [
    register(builtin)
    for builtin in (
        Builtin(
            "PF-K8S-001",
            "Wildcard verbs, resources or apiGroups",
            'A "*" grants every verb, resource or API group there is, including ones added later by CRDs '
            "and new releases; nobody can review what it allows.",
            "List the verbs, resources and apiGroups the workload needs.",
            _wildcards,
        ),
        Builtin(
            "PF-K8S-002",
            "Bindings to cluster-admin (or a role as strong)",
            "Full access to everything: one stolen token of a subject is the whole cluster "
            "(in a RoleBinding, the whole namespace).",
            "Bind a role with only the rules needed; keep cluster-admin for break-glass users.",
            _full_access_bindings,
        ),
        Builtin(
            "PF-K8S-003",
            "Grants to system:anonymous, system:unauthenticated, system:authenticated or "
            "system:serviceaccounts",
            "These subjects are everyone (or every account in every namespace): any pod, any signed-in user, "
            "sometimes anyone on the network gets the role.",
            "Bind the role to the specific users, groups or service accounts that need it.",
            _broad_subjects,
        ),
        Builtin(
            "PF-K8S-004",
            "Reading secrets cluster-wide",
            "get/list/watch on secrets through a ClusterRoleBinding reads every Secret of every namespace: "
            "database passwords, TLS keys and service-account tokens (so every account's permissions).",
            "Grant secret access per namespace with a RoleBinding, and by resourceNames where possible.",
            _secrets,
        ),
        Builtin(
            "PF-K8S-005",
            "bind or escalate on roles",
            "bind lets a subject grant any role it may bind to anyone (itself included); escalate lets it "
            "write rules it does not hold. Either is a path to cluster-admin.",
            "Remove bind/escalate, or limit them with resourceNames to roles that are harmless to hand out.",
            _bind_escalate,
        ),
        Builtin(
            "PF-K8S-006",
            "impersonate",
            "Impersonating users, groups (system:masters) or service accounts acts with their permissions; "
            "the built-in edit role has impersonate on serviceaccounts.",
            "Remove impersonate; if needed, limit it with resourceNames to specific identities.",
            _impersonate,
        ),
        Builtin(
            "PF-K8S-007",
            "create serviceaccounts/token",
            "Requesting a token for a service account is acting as it, with all of its permissions "
            "(and its AWS and Vault access).",
            "Remove it, or limit it with resourceNames to the one account meant.",
            _tokens,
        ),
        Builtin(
            "PF-K8S-008",
            "pods/exec, pods/attach, pods/ephemeralcontainers",
            "Running commands in (or attaching a container to) a running pod reads its mounted secrets and "
            "acts as its service account.",
            "Grant exec only to humans who debug, in the namespaces they own, never to workloads.",
            _exec,
        ),
        Builtin(
            "PF-K8S-009",
            "nodes/proxy",
            "The kubelet API behind nodes/proxy runs commands in any pod on the node, past admission and "
            "audit: every service account whose pods run there.",
            "Remove nodes/proxy; read metrics through the metrics API (metrics.k8s.io) instead.",
            _nodes_proxy,
        ),
        Builtin(
            "PF-K8S-010",
            "Writing admission webhook configurations and policies",
            "Whoever controls a mutating or validating webhook (or admission policy) sees and can rewrite "
            "every object written to the cluster, or switch the guardrails off.",
            "Leave these writes to the cluster's installer; operators need only get/list.",
            _webhooks,
        ),
        Builtin(
            "PF-K8S-011",
            "Approving or signing certificate signing requests",
            "Approval plus a signer (kubernetes.io/kube-apiserver-client) mints client certificates for any "
            "user, e.g. one in system:masters.",
            "Keep CSR approval with the controller manager; limit signers by resourceNames.",
            _csr,
        ),
        Builtin(
            "PF-K8S-012",
            "Creating or patching workloads in kube-system",
            "A pod in kube-system can run as the control plane's controller accounts (namespace-controller, "
            "clusterrole-aggregation-controller, ...), which hold cluster-wide power.",
            "Deploy into your own namespaces; keep kube-system to the cluster's installer.",
            _kube_system,
        ),
        Builtin(
            "PF-K8S-013",
            "Permissions of default service accounts",
            "Every pod that names no service account runs as its namespace's default account: rules given "
            "to it reach every such pod, now and later.",
            "Create a service account per workload and bind the rules to it; leave default without rules.",
            _default_accounts,
        ),
        Builtin(
            "PF-K8S-014",
            "automountServiceAccountToken left on for risky accounts",
            "An account with any of PF-K8S-001..012 whose token is mounted in every pod hands that power to "
            "whoever gets code running in one of its pods.",
            "Set automountServiceAccountToken: false on the ServiceAccount and mount a projected token only "
            "in the pods that call the API.",
            _automount,
        ),
    )
]
