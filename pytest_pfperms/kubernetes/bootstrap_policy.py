"""Default RBAC objects of every Kubernetes cluster (kube-apiserver bootstrap policy).

kube-apiserver creates these ClusterRoles, ClusterRoleBindings, Roles and
RoleBindings at startup and keeps them up to date (annotation
``rbac.authorization.kubernetes.io/autoupdate``). This module has no logic. It
holds two tuples:

* ``BOOTSTRAP_MANIFESTS``: the objects ordinary users and workloads meet
  (``cluster-admin``, ``admin``/``edit``/``view`` and the ``system:aggregate-to-*``
  roles, ``system:basic-user``, ``system:discovery``, ``system:public-info-viewer``,
  ``system:service-account-issuer-discovery``) with their bindings. 16 objects.
* ``SYSTEM_COMPONENT_MANIFESTS``: every other object of the bootstrap policy, for
  system components and for the repositories that bind to them (for example a
  ClusterRoleBinding to ``system:auth-delegator`` or a RoleBinding to the
  kube-system Role ``extension-apiserver-authentication-reader``). 115 objects:

  - 20 ClusterRoles (``system:auth-delegator``, ``system:heapster``, ``system:node``,
    ``system:kube-scheduler``, ``system:kube-controller-manager``,
    ``system:certificates.k8s.io:*``, ``system:monitoring``, ...) and
    7 ClusterRoleBindings, among them ``system:node`` with no subjects (the Node
    authorizer grants the kubelets' access; the binding is kept empty on purpose);
  - the 37 ``system:controller:*`` ClusterRoles of kube-controller-manager and their
    37 ClusterRoleBindings, each to the ServiceAccount of the same name in
    kube-system;
  - 7 Roles and 7 RoleBindings in kube-system and kube-public. These carry
    ``metadata.namespace``. The RoleBinding
    ``system::extension-apiserver-authentication-reader`` is the one binding whose
    name differs from the name of its role.

No (kind, namespace, name) appears twice across the two tuples.

Matches **Kubernetes v1.34** with default feature gates. Source:
``plugin/pkg/auth/authorizer/rbac/bootstrappolicy/`` in ``kubernetes/kubernetes``:
``policy.go`` (``clusterRoles()``, ``clusterRoleBindings()``), ``controller_policy.go``
and ``namespace_policy.go``, and the golden files ``testdata/cluster-roles.yaml``,
``cluster-role-bindings.yaml``, ``controller-roles.yaml``,
``controller-role-bindings.yaml``, ``namespace-roles.yaml`` and
``namespace-role-bindings.yaml``, which the unit tests write with default gates.

Each manifest has the shape ``yaml.safe_load`` gives for the real object (without
``creationTimestamp``). Lists inside each rule are sorted, as the API server stores
them: the Go code builds every rule with ``rbacv1helpers.NewRule(...).RuleOrDie()``,
which sorts them. Rules keep the order of the golden files; in each tuple the
manifests follow the golden files too, file by file.

Objects and rules behind feature gates that are off by default in v1.34 are left
out: ``system:cluster-trust-bundle-discovery`` and the ``clustertrustbundles`` rule
of ``system:node`` (ClusterTrustBundle, beta), the ``podcertificaterequests`` rule of
``system:node`` and ``system:controller:podcertificaterequestcleaner``
(PodCertificateRequest, alpha), ``system:controller:device-taint-eviction-controller``
and the ``devicetaintrules`` rule of ``system:kube-scheduler`` (DRADeviceTaints,
alpha), the ``resourceclaims`` create/delete rule of ``system:kube-scheduler``
(DRAExtendedResource, alpha), ``/flagz`` and ``/statusz`` in ``system:monitoring``
(ComponentFlagz, ComponentStatusz, alpha),
``system:controller:storage-version-garbage-collector`` (StorageVersionAPI, alpha)
and ``system:controller:storage-version-migrator-controller``
(StorageVersionMigrator, alpha). Gated rules that are on by default are marked where
they appear.

Release notes that affect this data:

* ``admin``, ``edit`` and ``view`` are aggregated roles. The aggregation
  controller overwrites their stored ``rules``, so they are stored here as ``[]``
  and the engine computes them from ``aggregationRule``. The chain is
  ``system:aggregate-to-view`` -> ``view`` -> ``edit`` -> ``admin``, because
  ``view`` carries the ``aggregate-to-edit`` label and ``edit`` carries the
  ``aggregate-to-admin`` label.
* v1.22: the write rule for ``endpoints`` was removed from ``system:aggregate-to-edit``
  (CVE-2021-25740). Write on core ``events`` was added in the same release.
  ``view`` still reads ``endpoints`` and ``discovery.k8s.io`` ``endpointslices``.
* about v1.28 (kubernetes#117511, merged mid-2023): ``system:service-account-issuer-discovery``
  also lists the trailing-``/`` forms of both URLs.
* v1.33 (kubernetes#130738) added ``resource.k8s.io`` ``resourceclaims`` and
  ``resourceclaimtemplates`` to edit and view, behind the DynamicResourceAllocation
  feature gate. That gate is on by default from v1.34, so those rules are included
  here, as are the DRA rules of ``system:kube-scheduler`` and ``system:node`` and the
  role ``system:controller:resource-claim-controller``. On v1.31 to v1.33 with
  default gates they are absent.
* v1.35 (kubernetes#133740, not in v1.34): core ``events`` moves out of the two
  rules of edit and view that cover core resources, and a separate rule for
  ``apiGroups: ["", "events.k8s.io"]`` is added to each role. In the same release
  ``system:node`` writes ``events`` in both groups, and the two
  ``system::leader-locking-*`` Roles lose their ``configmaps`` rules. This module
  does not include those changes.
"""

from __future__ import annotations

from typing import Any

_RBAC_GROUP = "rbac.authorization.k8s.io"
_API_VERSION = "rbac.authorization.k8s.io/v1"
_AGGREGATE_TO_ADMIN = "rbac.authorization.k8s.io/aggregate-to-admin"
_AGGREGATE_TO_EDIT = "rbac.authorization.k8s.io/aggregate-to-edit"
_AGGREGATE_TO_VIEW = "rbac.authorization.k8s.io/aggregate-to-view"
_CONTROLLER_PREFIX = "system:controller:"
"""Name prefix of the kube-controller-manager roles (``saRolePrefix`` in controller_policy.go)."""

# Verb sets from policy.go, in the sorted order the API server stores them.
_READ = ("get", "list", "watch")
_WRITE = ("create", "delete", "deletecollection", "patch", "update")
_READ_WRITE = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


def _rule(
    api_groups: tuple[str, ...],
    resources: tuple[str, ...],
    verbs: tuple[str, ...],
    *,
    names: tuple[str, ...] = (),
) -> dict[str, Any]:
    rule: dict[str, Any] = {"apiGroups": list(api_groups), "resources": list(resources), "verbs": list(verbs)}
    if names:
        rule["resourceNames"] = list(names)
    return rule


def _url_rule(urls: tuple[str, ...], verbs: tuple[str, ...]) -> dict[str, Any]:
    return {"nonResourceURLs": list(urls), "verbs": list(verbs)}


def _events_rule() -> dict[str, Any]:
    """``eventsRule()`` of controller_policy.go: write events in the core and events.k8s.io groups."""
    return _rule(("", "events.k8s.io"), ("events",), ("create", "patch", "update"))


def _metadata(name: str, *, namespace: str | None = None, **extra_labels: str) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    metadata["labels"] = {"kubernetes.io/bootstrapping": "rbac-defaults", **extra_labels}
    metadata["annotations"] = {"rbac.authorization.kubernetes.io/autoupdate": "true"}
    return metadata


def _cluster_role(
    name: str,
    rules: list[dict[str, Any]],
    *,
    labels: dict[str, str] | None = None,
    aggregate_label: str | None = None,
) -> dict[str, Any]:
    manifest: dict[str, Any] = {
        "apiVersion": _API_VERSION,
        "kind": "ClusterRole",
        "metadata": _metadata(name, **(labels or {})),
        "rules": rules,
    }
    if aggregate_label is not None:
        manifest["aggregationRule"] = {
            "clusterRoleSelectors": [{"matchLabels": {aggregate_label: "true"}}]
        }
    return manifest


def _controller_role(controller: str, rules: list[dict[str, Any]]) -> dict[str, Any]:
    """ClusterRole ``system:controller:<controller>``."""
    return _cluster_role(_CONTROLLER_PREFIX + controller, rules)


def _role(namespace: str, name: str, rules: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "apiVersion": _API_VERSION,
        "kind": "Role",
        "metadata": _metadata(name, namespace=namespace),
        "rules": rules,
    }


def _group(name: str) -> dict[str, Any]:
    return {"apiGroup": _RBAC_GROUP, "kind": "Group", "name": name}


def _user(name: str) -> dict[str, Any]:
    return {"apiGroup": _RBAC_GROUP, "kind": "User", "name": name}


def _service_account(name: str, namespace: str = "kube-system") -> dict[str, Any]:
    return {"kind": "ServiceAccount", "name": name, "namespace": namespace}


def _binding(
    kind: str,
    name: str,
    subjects: list[dict[str, Any]],
    *,
    role_kind: str,
    role_name: str,
    namespace: str | None = None,
) -> dict[str, Any]:
    manifest: dict[str, Any] = {
        "apiVersion": _API_VERSION,
        "kind": kind,
        "metadata": _metadata(name, namespace=namespace),
        "roleRef": {"apiGroup": _RBAC_GROUP, "kind": role_kind, "name": role_name},
    }
    # A binding with no subjects has no ``subjects`` key at all, as the API server returns it.
    if subjects:
        manifest["subjects"] = subjects
    return manifest


def _cluster_binding(name: str, subjects: list[dict[str, Any]]) -> dict[str, Any]:
    """ClusterRoleBinding named after the ClusterRole it grants."""
    return _binding("ClusterRoleBinding", name, subjects, role_kind="ClusterRole", role_name=name)


def _cluster_role_binding(name: str, groups: tuple[str, ...]) -> dict[str, Any]:
    """ClusterRoleBinding of a ClusterRole to groups."""
    return _cluster_binding(name, [_group(g) for g in groups])


def _controller_binding(controller: str) -> dict[str, Any]:
    """``system:controller:<controller>`` to the ServiceAccount ``<controller>`` in kube-system."""
    return _cluster_binding(_CONTROLLER_PREFIX + controller, [_service_account(controller)])


def _role_binding(
    namespace: str, name: str, subjects: list[dict[str, Any]], *, role: str | None = None
) -> dict[str, Any]:
    """RoleBinding to the Role of the same namespace named ``role`` (default: ``name``)."""
    return _binding(
        "RoleBinding",
        name,
        subjects,
        role_kind="Role",
        role_name=name if role is None else role,
        namespace=namespace,
    )


BOOTSTRAP_MANIFESTS: tuple[dict[str, Any], ...] = (
    # ---------------------------------------------------------------- ClusterRoles
    _cluster_role("admin", [], aggregate_label=_AGGREGATE_TO_ADMIN),
    _cluster_role(
        "cluster-admin",
        [
            _rule(("*",), ("*",), ("*",)),
            _url_rule(("*",), ("*",)),
        ],
    ),
    _cluster_role(
        "edit",
        [],
        labels={_AGGREGATE_TO_ADMIN: "true"},
        aggregate_label=_AGGREGATE_TO_EDIT,
    ),
    _cluster_role(
        "system:aggregate-to-admin",
        [
            _rule(("authorization.k8s.io",), ("localsubjectaccessreviews",), ("create",)),
            _rule((_RBAC_GROUP,), ("rolebindings", "roles"), _READ_WRITE),
        ],
        labels={_AGGREGATE_TO_ADMIN: "true"},
    ),
    _cluster_role(
        "system:aggregate-to-edit",
        [
            # read on the escalating resources
            _rule(
                ("",),
                (
                    "pods/attach",
                    "pods/exec",
                    "pods/portforward",
                    "pods/proxy",
                    "secrets",
                    "services/proxy",
                ),
                _READ,
            ),
            _rule(("",), ("serviceaccounts",), ("impersonate",)),
            _rule(
                ("",),
                ("pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"),
                _WRITE,
            ),
            _rule(("",), ("pods/eviction",), ("create",)),
            _rule(
                ("",),
                (
                    "configmaps",
                    "events",
                    "persistentvolumeclaims",
                    "replicationcontrollers",
                    "replicationcontrollers/scale",
                    "secrets",
                    "serviceaccounts",
                    "services",
                    "services/proxy",
                ),
                _WRITE,
            ),
            _rule(("",), ("serviceaccounts/token",), ("create",)),
            _rule(
                ("apps",),
                (
                    "daemonsets",
                    "deployments",
                    "deployments/rollback",
                    "deployments/scale",
                    "replicasets",
                    "replicasets/scale",
                    "statefulsets",
                    "statefulsets/scale",
                ),
                _WRITE,
            ),
            _rule(("autoscaling",), ("horizontalpodautoscalers",), _WRITE),
            _rule(("batch",), ("cronjobs", "jobs"), _WRITE),
            _rule(
                ("extensions",),
                (
                    "daemonsets",
                    "deployments",
                    "deployments/rollback",
                    "deployments/scale",
                    "ingresses",
                    "networkpolicies",
                    "replicasets",
                    "replicasets/scale",
                    "replicationcontrollers/scale",
                ),
                _WRITE,
            ),
            _rule(("policy",), ("poddisruptionbudgets",), _WRITE),
            _rule(("networking.k8s.io",), ("ingresses", "networkpolicies"), _WRITE),
            _rule(("coordination.k8s.io",), ("leases",), _READ_WRITE),
            # DynamicResourceAllocation, on by default since v1.34
            _rule(("resource.k8s.io",), ("resourceclaims", "resourceclaimtemplates"), _WRITE),
        ],
        labels={_AGGREGATE_TO_EDIT: "true"},
    ),
    _cluster_role(
        "system:aggregate-to-view",
        [
            _rule(
                ("",),
                (
                    "configmaps",
                    "endpoints",
                    "persistentvolumeclaims",
                    "persistentvolumeclaims/status",
                    "pods",
                    "replicationcontrollers",
                    "replicationcontrollers/scale",
                    "serviceaccounts",
                    "services",
                    "services/status",
                ),
                _READ,
            ),
            _rule(
                ("",),
                (
                    "bindings",
                    "events",
                    "limitranges",
                    "namespaces/status",
                    "pods/log",
                    "pods/status",
                    "replicationcontrollers/status",
                    "resourcequotas",
                    "resourcequotas/status",
                ),
                _READ,
            ),
            _rule(("",), ("namespaces",), _READ),
            _rule(("discovery.k8s.io",), ("endpointslices",), _READ),
            _rule(
                ("apps",),
                (
                    "controllerrevisions",
                    "daemonsets",
                    "daemonsets/status",
                    "deployments",
                    "deployments/scale",
                    "deployments/status",
                    "replicasets",
                    "replicasets/scale",
                    "replicasets/status",
                    "statefulsets",
                    "statefulsets/scale",
                    "statefulsets/status",
                ),
                _READ,
            ),
            _rule(
                ("autoscaling",),
                ("horizontalpodautoscalers", "horizontalpodautoscalers/status"),
                _READ,
            ),
            _rule(("batch",), ("cronjobs", "cronjobs/status", "jobs", "jobs/status"), _READ),
            _rule(
                ("extensions",),
                (
                    "daemonsets",
                    "daemonsets/status",
                    "deployments",
                    "deployments/scale",
                    "deployments/status",
                    "ingresses",
                    "ingresses/status",
                    "networkpolicies",
                    "replicasets",
                    "replicasets/scale",
                    "replicasets/status",
                    "replicationcontrollers/scale",
                ),
                _READ,
            ),
            _rule(
                ("policy",),
                ("poddisruptionbudgets", "poddisruptionbudgets/status"),
                _READ,
            ),
            _rule(
                ("networking.k8s.io",),
                ("ingresses", "ingresses/status", "networkpolicies"),
                _READ,
            ),
            # DynamicResourceAllocation, on by default since v1.34
            _rule(
                ("resource.k8s.io",),
                ("resourceclaims", "resourceclaims/status", "resourceclaimtemplates"),
                _READ,
            ),
        ],
        labels={_AGGREGATE_TO_VIEW: "true"},
    ),
    _cluster_role(
        "system:basic-user",
        [
            _rule(
                ("authorization.k8s.io",),
                ("selfsubjectaccessreviews", "selfsubjectrulesreviews"),
                ("create",),
            ),
            _rule(("authentication.k8s.io",), ("selfsubjectreviews",), ("create",)),
        ],
    ),
    _cluster_role(
        "system:discovery",
        [
            _url_rule(
                (
                    "/api",
                    "/api/*",
                    "/apis",
                    "/apis/*",
                    "/healthz",
                    "/livez",
                    "/openapi",
                    "/openapi/*",
                    "/readyz",
                    "/version",
                    "/version/",
                ),
                ("get",),
            ),
        ],
    ),
    _cluster_role(
        "system:public-info-viewer",
        [_url_rule(("/healthz", "/livez", "/readyz", "/version", "/version/"), ("get",))],
    ),
    _cluster_role(
        "system:service-account-issuer-discovery",
        [
            _url_rule(
                (
                    "/.well-known/openid-configuration",
                    "/.well-known/openid-configuration/",
                    "/openid/v1/jwks",
                    "/openid/v1/jwks/",
                ),
                ("get",),
            ),
        ],
    ),
    _cluster_role(
        "view",
        [],
        labels={_AGGREGATE_TO_EDIT: "true"},
        aggregate_label=_AGGREGATE_TO_VIEW,
    ),
    # --------------------------------------------------------- ClusterRoleBindings
    _cluster_role_binding("cluster-admin", ("system:masters",)),
    _cluster_role_binding("system:basic-user", ("system:authenticated",)),
    _cluster_role_binding("system:discovery", ("system:authenticated",)),
    _cluster_role_binding(
        "system:public-info-viewer", ("system:authenticated", "system:unauthenticated")
    ),
    _cluster_role_binding("system:service-account-issuer-discovery", ("system:serviceaccounts",)),
)


SYSTEM_COMPONENT_MANIFESTS: tuple[dict[str, Any], ...] = (
    # -------------------------------------------- ClusterRoles (cluster-roles.yaml)
    _cluster_role(
        "system:auth-delegator",
        [
            _rule(("authentication.k8s.io",), ("tokenreviews",), ("create",)),
            _rule(("authorization.k8s.io",), ("subjectaccessreviews",), ("create",)),
        ],
    ),
    _cluster_role(
        "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
        [
            _rule(("certificates.k8s.io",), ("certificatesigningrequests/nodeclient",), ("create",)),
        ],
    ),
    _cluster_role(
        "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
        [
            _rule(("certificates.k8s.io",), ("certificatesigningrequests/selfnodeclient",), ("create",)),
        ],
    ),
    _cluster_role(
        "system:certificates.k8s.io:kube-apiserver-client-approver",
        [
            _rule(
                ("certificates.k8s.io",),
                ("signers",),
                ("approve",),
                names=("kubernetes.io/kube-apiserver-client",),
            ),
        ],
    ),
    _cluster_role(
        "system:certificates.k8s.io:kube-apiserver-client-kubelet-approver",
        [
            _rule(
                ("certificates.k8s.io",),
                ("signers",),
                ("approve",),
                names=("kubernetes.io/kube-apiserver-client-kubelet",),
            ),
        ],
    ),
    _cluster_role(
        "system:certificates.k8s.io:kubelet-serving-approver",
        [
            _rule(
                ("certificates.k8s.io",), ("signers",), ("approve",), names=("kubernetes.io/kubelet-serving",)
            ),
        ],
    ),
    _cluster_role(
        "system:certificates.k8s.io:legacy-unknown-approver",
        [
            _rule(
                ("certificates.k8s.io",), ("signers",), ("approve",), names=("kubernetes.io/legacy-unknown",)
            ),
        ],
    ),
    _cluster_role(
        "system:heapster",
        [
            _rule(("",), ("events", "namespaces", "nodes", "pods"), _READ),
            _rule(("extensions",), ("deployments",), _READ),
        ],
    ),
    _cluster_role(
        "system:kube-aggregator",
        [
            _rule(("",), ("endpoints", "services"), _READ),
        ],
    ),
    _cluster_role(
        "system:kube-controller-manager",
        [
            _events_rule(),
            _rule(("coordination.k8s.io",), ("leases",), ("create",)),
            _rule(
                ("coordination.k8s.io",), ("leases",), ("get", "update"), names=("kube-controller-manager",)
            ),
            _rule(("",), ("secrets", "serviceaccounts"), ("create",)),
            _rule(("",), ("secrets",), ("delete",)),
            _rule(("",), ("configmaps", "namespaces", "secrets", "serviceaccounts"), ("get",)),
            _rule(("",), ("secrets", "serviceaccounts"), ("update",)),
            _rule(("authentication.k8s.io",), ("tokenreviews",), ("create",)),
            _rule(("authorization.k8s.io",), ("subjectaccessreviews",), ("create",)),
            _rule(("*",), ("*",), ("list", "watch")),
            _rule(("",), ("serviceaccounts/token",), ("create",)),
        ],
    ),
    _cluster_role(
        "system:kube-dns",
        [
            _rule(("",), ("endpoints", "services"), ("list", "watch")),
        ],
    ),
    _cluster_role(
        "system:kube-scheduler",
        [
            _events_rule(),
            _rule(("coordination.k8s.io",), ("leases",), ("create",)),
            _rule(
                ("coordination.k8s.io",),
                ("leases",),
                ("get", "list", "update", "watch"),
                names=("kube-scheduler",),
            ),
            _rule(("coordination.k8s.io",), ("leasecandidates",), _READ_WRITE),
            _rule(("",), ("nodes",), _READ),
            _rule(("",), ("pods",), ("delete", "get", "list", "watch")),
            _rule(("",), ("bindings", "pods/binding"), ("create",)),
            _rule(("",), ("pods/status",), ("patch", "update")),
            _rule(("",), ("replicationcontrollers", "services"), _READ),
            _rule(("apps", "extensions"), ("replicasets",), _READ),
            _rule(("apps",), ("statefulsets",), _READ),
            _rule(("policy",), ("poddisruptionbudgets",), _READ),
            _rule(("",), ("persistentvolumeclaims", "persistentvolumes"), _READ),
            _rule(("authentication.k8s.io",), ("tokenreviews",), ("create",)),
            _rule(("authorization.k8s.io",), ("subjectaccessreviews",), ("create",)),
            _rule(("storage.k8s.io",), ("csinodes",), _READ),
            _rule(("storage.k8s.io",), ("volumeattachments",), _READ),
            _rule(("",), ("namespaces",), _READ),
            _rule(("storage.k8s.io",), ("csidrivers",), _READ),
            _rule(("storage.k8s.io",), ("csistoragecapacities",), _READ),
            # DynamicResourceAllocation, on by default since v1.34: this rule and the next four
            _rule(("resource.k8s.io",), ("deviceclasses",), _READ),
            _rule(("resource.k8s.io",), ("resourceclaims",), ("get", "list", "patch", "update", "watch")),
            _rule(
                ("resource.k8s.io",), ("resourceclaims/status",), ("get", "list", "patch", "update", "watch")
            ),
            _rule(("",), ("pods/finalizers",), ("update",)),
            _rule(("resource.k8s.io",), ("resourceslices",), _READ),
        ],
    ),
    _cluster_role(
        "system:kubelet-api-admin",
        [
            _rule(("",), ("nodes",), _READ),
            _rule(("",), ("nodes",), ("proxy",)),
            _rule(("",), ("nodes/log", "nodes/metrics", "nodes/proxy", "nodes/stats"), ("*",)),
            # KubeletFineGrainedAuthz, on by default since v1.33
            _rule(("",), ("nodes/configz", "nodes/healthz", "nodes/pods"), ("*",)),
        ],
    ),
    _cluster_role(
        "system:monitoring",
        [
            _url_rule(
                (
                    "/healthz",
                    "/healthz/*",
                    "/livez",
                    "/livez/*",
                    "/metrics",
                    "/metrics/slis",
                    "/readyz",
                    "/readyz/*",
                ),
                ("get",),
            ),
            _rule(("",), ("nodes/metrics",), ("get",)),
        ],
    ),
    _cluster_role(
        "system:node",
        [
            _rule(("authentication.k8s.io",), ("tokenreviews",), ("create",)),
            _rule(
                ("authorization.k8s.io",), ("localsubjectaccessreviews", "subjectaccessreviews"), ("create",)
            ),
            _rule(("",), ("services",), _READ),
            _rule(("",), ("nodes",), ("create", "get", "list", "watch")),
            _rule(("",), ("nodes/status",), ("patch", "update")),
            _rule(("",), ("nodes",), ("patch", "update")),
            # core events only (v1.35 adds events.k8s.io)
            _rule(("",), ("events",), ("create", "patch", "update")),
            _rule(("",), ("pods",), _READ),
            _rule(("",), ("pods",), ("create", "delete")),
            _rule(("",), ("pods/status",), ("patch", "update")),
            _rule(("",), ("pods/eviction",), ("create",)),
            _rule(("",), ("configmaps", "secrets"), _READ),
            _rule(("",), ("persistentvolumeclaims", "persistentvolumes"), ("get",)),
            _rule(("",), ("endpoints",), ("get",)),
            _rule(
                ("certificates.k8s.io",), ("certificatesigningrequests",), ("create", "get", "list", "watch")
            ),
            _rule(("coordination.k8s.io",), ("leases",), ("create", "delete", "get", "patch", "update")),
            _rule(("storage.k8s.io",), ("volumeattachments",), ("get",)),
            _rule(("",), ("serviceaccounts/token",), ("create",)),
            _rule(("",), ("persistentvolumeclaims/status",), ("get", "patch", "update")),
            _rule(("storage.k8s.io",), ("csidrivers",), _READ),
            _rule(("storage.k8s.io",), ("csinodes",), ("create", "delete", "get", "patch", "update")),
            _rule(("node.k8s.io",), ("runtimeclasses",), _READ),
            # DynamicResourceAllocation, on by default since v1.34: this rule and the next
            _rule(("resource.k8s.io",), ("resourceclaims",), ("get",)),
            _rule(("resource.k8s.io",), ("resourceslices",), ("deletecollection",)),
            # KubeletServiceAccountTokenForCredentialProviders, on by default since v1.34
            _rule(("",), ("serviceaccounts",), ("get",)),
        ],
    ),
    _cluster_role(
        "system:node-bootstrapper",
        [
            _rule(
                ("certificates.k8s.io",), ("certificatesigningrequests",), ("create", "get", "list", "watch")
            ),
        ],
    ),
    _cluster_role(
        "system:node-problem-detector",
        [
            _rule(("",), ("nodes",), ("get",)),
            _rule(("",), ("nodes/status",), ("patch",)),
            _events_rule(),
        ],
    ),
    _cluster_role(
        "system:node-proxier",
        [
            _rule(("",), ("endpoints", "services"), ("list", "watch")),
            _rule(("",), ("nodes",), _READ),
            _events_rule(),
            # MultiCIDRServiceAllocator, GA since v1.33
            _rule(("networking.k8s.io",), ("servicecidrs",), ("list", "watch")),
            _rule(("discovery.k8s.io",), ("endpointslices",), ("list", "watch")),
        ],
    ),
    _cluster_role(
        "system:persistent-volume-provisioner",
        [
            _rule(("",), ("persistentvolumes",), ("create", "delete", "get", "list", "watch")),
            _rule(("",), ("persistentvolumeclaims",), ("get", "list", "update", "watch")),
            _rule(("storage.k8s.io",), ("storageclasses",), _READ),
            _rule(("",), ("events",), ("watch",)),
            _events_rule(),
        ],
    ),
    _cluster_role(
        "system:volume-scheduler",
        [
            _rule(("",), ("persistentvolumes",), ("get", "list", "patch", "update", "watch")),
            _rule(("storage.k8s.io",), ("storageclasses",), _READ),
            _rule(("",), ("persistentvolumeclaims",), ("get", "list", "patch", "update", "watch")),
        ],
    ),
    # ----------------------------- ClusterRoleBindings (cluster-role-bindings.yaml)
    _cluster_binding("system:kube-controller-manager", [_user("system:kube-controller-manager")]),
    _cluster_binding("system:kube-dns", [_service_account("kube-dns")]),
    _cluster_binding("system:kube-scheduler", [_user("system:kube-scheduler")]),
    _cluster_binding("system:monitoring", [_group("system:monitoring")]),
    _cluster_binding("system:node", []),
    _cluster_binding("system:node-proxier", [_user("system:kube-proxy")]),
    _cluster_binding("system:volume-scheduler", [_user("system:kube-scheduler")]),
    # ----------------- kube-controller-manager ClusterRoles (controller-roles.yaml)
    _controller_role(
        "attachdetach-controller",
        [
            _rule(("",), ("persistentvolumeclaims", "persistentvolumes"), ("list", "watch")),
            _rule(("",), ("nodes",), _READ),
            _rule(("",), ("nodes/status",), ("patch", "update")),
            _rule(("",), ("pods",), ("list", "watch")),
            _events_rule(),
            _rule(("storage.k8s.io",), ("volumeattachments",), ("create", "delete", "get", "list", "watch")),
            _rule(("storage.k8s.io",), ("csidrivers",), _READ),
            _rule(("storage.k8s.io",), ("csinodes",), _READ),
        ],
    ),
    _controller_role(
        "certificate-controller",
        [
            _rule(
                ("certificates.k8s.io",), ("certificatesigningrequests",), ("delete", "get", "list", "watch")
            ),
            _rule(
                ("certificates.k8s.io",),
                ("certificatesigningrequests/approval", "certificatesigningrequests/status"),
                ("update",),
            ),
            _rule(
                ("certificates.k8s.io",),
                ("signers",),
                ("approve",),
                names=("kubernetes.io/kube-apiserver-client-kubelet",),
            ),
            _rule(
                ("certificates.k8s.io",),
                ("signers",),
                ("sign",),
                names=(
                    "kubernetes.io/kube-apiserver-client",
                    "kubernetes.io/kube-apiserver-client-kubelet",
                    "kubernetes.io/kubelet-serving",
                    "kubernetes.io/legacy-unknown",
                ),
            ),
            _rule(("authorization.k8s.io",), ("subjectaccessreviews",), ("create",)),
            _events_rule(),
        ],
    ),
    _controller_role(
        "clusterrole-aggregation-controller",
        [
            _rule(
                ("rbac.authorization.k8s.io",),
                ("clusterroles",),
                ("escalate", "get", "list", "patch", "update", "watch"),
            ),
        ],
    ),
    _controller_role(
        "cronjob-controller",
        [
            _rule(("batch",), ("cronjobs",), ("get", "list", "update", "watch")),
            _rule(("batch",), ("jobs",), ("create", "delete", "get", "list", "patch", "update", "watch")),
            _rule(("batch",), ("cronjobs/status",), ("update",)),
            _rule(("batch",), ("cronjobs/finalizers",), ("update",)),
            _rule(("",), ("pods",), ("delete", "list", "watch")),
            _events_rule(),
        ],
    ),
    _controller_role(
        "daemon-set-controller",
        [
            _rule(("apps", "extensions"), ("daemonsets",), _READ),
            _rule(("apps", "extensions"), ("daemonsets/status",), ("update",)),
            _rule(("apps", "extensions"), ("daemonsets/finalizers",), ("update",)),
            _rule(("",), ("nodes",), ("list", "watch")),
            _rule(("",), ("pods",), ("create", "delete", "list", "patch", "watch")),
            _rule(("",), ("pods/binding",), ("create",)),
            _rule(
                ("apps",),
                ("controllerrevisions",),
                ("create", "delete", "get", "list", "patch", "update", "watch"),
            ),
            _events_rule(),
        ],
    ),
    _controller_role(
        "deployment-controller",
        [
            _rule(("apps", "extensions"), ("deployments",), ("get", "list", "update", "watch")),
            _rule(("apps", "extensions"), ("deployments/status",), ("update",)),
            _rule(("apps", "extensions"), ("deployments/finalizers",), ("update",)),
            _rule(
                ("apps", "extensions"),
                ("replicasets",),
                ("create", "delete", "get", "list", "patch", "update", "watch"),
            ),
            _rule(("",), ("pods",), ("get", "list", "update", "watch")),
            _events_rule(),
        ],
    ),
    _controller_role(
        "disruption-controller",
        [
            _rule(("apps", "extensions"), ("deployments",), _READ),
            _rule(("apps", "extensions"), ("replicasets",), _READ),
            _rule(("",), ("replicationcontrollers",), _READ),
            _rule(("policy",), ("poddisruptionbudgets",), _READ),
            _rule(("apps",), ("statefulsets",), _READ),
            _rule(("policy",), ("poddisruptionbudgets/status",), ("update",)),
            _rule(("",), ("pods/status",), ("patch", "update")),
            _rule(("*",), ("*/scale",), ("get",)),
            _events_rule(),
        ],
    ),
    _controller_role(
        "endpoint-controller",
        [
            _rule(("",), ("pods", "services"), _READ),
            _rule(("",), ("endpoints",), ("create", "delete", "get", "list", "update", "watch")),
            _rule(("",), ("endpoints/restricted",), ("create",)),
            _events_rule(),
        ],
    ),
    _controller_role(
        "endpointslice-controller",
        [
            _rule(("",), ("nodes", "pods", "services"), _READ),
            _rule(("",), ("services/finalizers",), ("update",)),
            _rule(
                ("discovery.k8s.io",),
                ("endpointslices",),
                ("create", "delete", "get", "list", "update", "watch"),
            ),
            _events_rule(),
        ],
    ),
    _controller_role(
        "endpointslicemirroring-controller",
        [
            _rule(("",), ("endpoints", "services"), _READ),
            _rule(("",), ("services/finalizers",), ("update",)),
            _rule(("",), ("endpoints/finalizers",), ("update",)),
            _rule(
                ("discovery.k8s.io",),
                ("endpointslices",),
                ("create", "delete", "get", "list", "update", "watch"),
            ),
            _events_rule(),
        ],
    ),
    _controller_role(
        "ephemeral-volume-controller",
        [
            _rule(("",), ("pods",), _READ),
            _rule(("",), ("pods/finalizers",), ("update",)),
            _rule(("",), ("persistentvolumeclaims",), ("create", "get", "list", "watch")),
            _events_rule(),
        ],
    ),
    _controller_role(
        "expand-controller",
        [
            _rule(("",), ("persistentvolumes",), ("get", "list", "patch", "update", "watch")),
            _rule(("",), ("persistentvolumeclaims/status",), ("patch", "update")),
            _rule(("",), ("persistentvolumeclaims",), _READ),
            _events_rule(),
            # in-tree Portworx volume plugin
            _rule(("",), ("services",), ("get",)),
        ],
    ),
    _controller_role(
        "generic-garbage-collector",
        [
            _rule(("*",), ("*",), ("delete", "get", "list", "patch", "update", "watch")),
            _events_rule(),
        ],
    ),
    _controller_role(
        "horizontal-pod-autoscaler",
        [
            _rule(("autoscaling",), ("horizontalpodautoscalers",), _READ),
            _rule(("autoscaling",), ("horizontalpodautoscalers/status",), ("update",)),
            _rule(("*",), ("*/scale",), ("get", "update")),
            _rule(("",), ("pods",), ("list", "watch")),
            _rule(("metrics.k8s.io",), ("pods",), ("list", "watch")),
            _rule(("custom.metrics.k8s.io",), ("*",), _READ),
            _rule(("external.metrics.k8s.io",), ("*",), _READ),
            _events_rule(),
        ],
    ),
    _controller_role(
        "job-controller",
        [
            _rule(("batch",), ("jobs",), ("get", "list", "patch", "update", "watch")),
            _rule(("batch",), ("jobs/status",), ("update",)),
            _rule(("batch",), ("jobs/finalizers",), ("update",)),
            _rule(("",), ("pods",), ("create", "delete", "list", "patch", "watch")),
            _events_rule(),
        ],
    ),
    _controller_role(
        "legacy-service-account-token-cleaner",
        [
            _rule(
                ("",),
                ("configmaps",),
                ("get",),
                names=("kube-apiserver-legacy-service-account-token-tracking",),
            ),
            _rule(("",), ("secrets",), ("delete", "patch")),
        ],
    ),
    _controller_role(
        "namespace-controller",
        [
            _rule(("",), ("namespaces",), ("delete", "get", "list", "watch")),
            _rule(("",), ("namespaces/finalize", "namespaces/status"), ("update",)),
            _rule(("*",), ("*",), ("delete", "deletecollection", "get", "list", "watch")),
        ],
    ),
    _controller_role(
        "node-controller",
        [
            _rule(("",), ("nodes",), ("delete", "get", "list", "patch", "update", "watch")),
            _rule(("",), ("nodes/status",), ("patch", "update")),
            _rule(("",), ("pods/status",), ("patch", "update")),
            _rule(("",), ("pods",), ("delete", "get", "list", "watch")),
            _events_rule(),
        ],
    ),
    _controller_role(
        "persistent-volume-binder",
        [
            _rule(("",), ("persistentvolumes",), ("create", "delete", "get", "list", "update", "watch")),
            _rule(("",), ("persistentvolumes/status",), ("update",)),
            _rule(("",), ("persistentvolumeclaims",), ("get", "list", "update", "watch")),
            _rule(("",), ("persistentvolumeclaims/status",), ("update",)),
            _rule(("",), ("pods",), ("create", "delete", "get", "list", "watch")),
            _rule(("storage.k8s.io",), ("storageclasses",), _READ),
            _rule(("",), ("nodes",), ("list", "watch")),
            _events_rule(),
            _rule(("",), ("events",), ("watch",)),
            # in-tree Portworx volume plugin
            _rule(("",), ("services",), ("get",)),
        ],
    ),
    _controller_role(
        "pod-garbage-collector",
        [
            _rule(("",), ("pods",), ("delete", "list", "watch")),
            _rule(("",), ("nodes",), _READ),
            _rule(("",), ("pods/status",), ("patch",)),
        ],
    ),
    _controller_role(
        "pv-protection-controller",
        [
            _rule(("",), ("persistentvolumes",), ("get", "list", "update", "watch")),
            _events_rule(),
        ],
    ),
    _controller_role(
        "pvc-protection-controller",
        [
            _rule(("",), ("persistentvolumeclaims",), ("get", "list", "update", "watch")),
            _rule(("",), ("pods",), _READ),
            _events_rule(),
        ],
    ),
    _controller_role(
        "replicaset-controller",
        [
            _rule(("apps", "extensions"), ("replicasets",), ("get", "list", "update", "watch")),
            _rule(("apps", "extensions"), ("replicasets/status",), ("update",)),
            _rule(("apps", "extensions"), ("replicasets/finalizers",), ("update",)),
            _rule(("",), ("pods",), ("create", "delete", "list", "patch", "watch")),
            _events_rule(),
        ],
    ),
    _controller_role(
        "replication-controller",
        [
            _rule(("",), ("replicationcontrollers",), ("get", "list", "update", "watch")),
            _rule(("",), ("replicationcontrollers/status",), ("update",)),
            _rule(("",), ("replicationcontrollers/finalizers",), ("update",)),
            _rule(("",), ("pods",), ("create", "delete", "list", "patch", "watch")),
            _events_rule(),
        ],
    ),
    # DynamicResourceAllocation, on by default since v1.34
    _controller_role(
        "resource-claim-controller",
        [
            _rule(("",), ("pods",), _READ),
            _rule(("",), ("pods/finalizers",), ("update",)),
            _rule(("resource.k8s.io",), ("resourceclaims",), ("create", "delete", "get", "list", "watch")),
            _rule(("resource.k8s.io",), ("resourceclaims", "resourceclaims/status"), ("patch", "update")),
            _rule(("",), ("pods/status",), ("patch", "update")),
            _events_rule(),
        ],
    ),
    _controller_role(
        "resourcequota-controller",
        [
            _rule(("*",), ("*",), ("list", "watch")),
            _rule(("",), ("resourcequotas/status",), ("update",)),
            _events_rule(),
        ],
    ),
    _controller_role(
        "root-ca-cert-publisher",
        [
            _rule(("",), ("configmaps",), ("create", "update")),
            _events_rule(),
        ],
    ),
    _controller_role(
        "route-controller",
        [
            _rule(("",), ("nodes",), ("list", "watch")),
            _rule(("",), ("nodes/status",), ("patch",)),
            _events_rule(),
        ],
    ),
    # SELinuxChangePolicy, on by default since v1.33
    _controller_role(
        "selinux-warning-controller",
        [
            _events_rule(),
            _rule(("",), ("persistentvolumes",), _READ),
            _rule(("",), ("persistentvolumeclaims",), _READ),
            _rule(("",), ("pods",), _READ),
            _rule(("storage.k8s.io",), ("csidrivers",), _READ),
        ],
    ),
    _controller_role(
        "service-account-controller",
        [
            _rule(("",), ("serviceaccounts",), ("create",)),
            _events_rule(),
        ],
    ),
    # MultiCIDRServiceAllocator, GA since v1.33
    _controller_role(
        "service-cidrs-controller",
        [
            _rule(("networking.k8s.io",), ("servicecidrs",), ("get", "list", "patch", "update", "watch")),
            _rule(("networking.k8s.io",), ("servicecidrs/finalizers",), ("patch", "update")),
            _rule(("networking.k8s.io",), ("servicecidrs/status",), ("patch", "update")),
            _rule(("networking.k8s.io",), ("ipaddresses",), _READ),
            _events_rule(),
        ],
    ),
    _controller_role(
        "service-controller",
        [
            _rule(("",), ("services",), _READ),
            _rule(("",), ("services/status",), ("patch", "update")),
            _rule(("",), ("nodes",), ("list", "watch")),
            _events_rule(),
        ],
    ),
    _controller_role(
        "statefulset-controller",
        [
            _rule(("",), ("pods",), ("list", "watch")),
            _rule(("apps",), ("statefulsets",), _READ),
            _rule(("apps",), ("statefulsets/status",), ("update",)),
            _rule(("apps",), ("statefulsets/finalizers",), ("update",)),
            _rule(("",), ("pods",), ("create", "delete", "get", "patch", "update")),
            _rule(
                ("apps",),
                ("controllerrevisions",),
                ("create", "delete", "get", "list", "patch", "update", "watch"),
            ),
            _rule(("",), ("persistentvolumeclaims",), ("create", "get", "list", "watch")),
            _events_rule(),
            # StatefulSetAutoDeletePVC, GA since v1.32: this rule and the next
            _rule(("",), ("persistentvolumeclaims",), ("delete", "update")),
            _rule(("",), ("pods/finalizers",), ("update",)),
        ],
    ),
    _controller_role(
        "ttl-after-finished-controller",
        [
            _rule(("batch",), ("jobs",), ("delete", "get", "list", "watch")),
            _events_rule(),
        ],
    ),
    _controller_role(
        "ttl-controller",
        [
            _rule(("",), ("nodes",), ("list", "patch", "update", "watch")),
            _events_rule(),
        ],
    ),
    _controller_role(
        "validatingadmissionpolicy-status-controller",
        [
            _rule(("admissionregistration.k8s.io",), ("validatingadmissionpolicies",), _READ),
            _rule(
                ("admissionregistration.k8s.io",),
                ("validatingadmissionpolicies/status",),
                ("get", "patch", "update"),
            ),
            _events_rule(),
        ],
    ),
    # VolumeAttributesClass, GA since v1.34
    _controller_role(
        "volumeattributesclass-protection-controller",
        [
            _rule(("",), ("persistentvolumeclaims",), _READ),
            _rule(("",), ("persistentvolumes",), _READ),
            _rule(("storage.k8s.io",), ("volumeattributesclasses",), ("get", "list", "update", "watch")),
            _events_rule(),
        ],
    ),
    # --------------- controller ClusterRoleBindings (controller-role-bindings.yaml)
    _controller_binding("attachdetach-controller"),
    _controller_binding("certificate-controller"),
    _controller_binding("clusterrole-aggregation-controller"),
    _controller_binding("cronjob-controller"),
    _controller_binding("daemon-set-controller"),
    _controller_binding("deployment-controller"),
    _controller_binding("disruption-controller"),
    _controller_binding("endpoint-controller"),
    _controller_binding("endpointslice-controller"),
    _controller_binding("endpointslicemirroring-controller"),
    _controller_binding("ephemeral-volume-controller"),
    _controller_binding("expand-controller"),
    _controller_binding("generic-garbage-collector"),
    _controller_binding("horizontal-pod-autoscaler"),
    _controller_binding("job-controller"),
    _controller_binding("legacy-service-account-token-cleaner"),
    _controller_binding("namespace-controller"),
    _controller_binding("node-controller"),
    _controller_binding("persistent-volume-binder"),
    _controller_binding("pod-garbage-collector"),
    _controller_binding("pv-protection-controller"),
    _controller_binding("pvc-protection-controller"),
    _controller_binding("replicaset-controller"),
    _controller_binding("replication-controller"),
    _controller_binding("resource-claim-controller"),
    _controller_binding("resourcequota-controller"),
    _controller_binding("root-ca-cert-publisher"),
    _controller_binding("route-controller"),
    _controller_binding("selinux-warning-controller"),
    _controller_binding("service-account-controller"),
    _controller_binding("service-cidrs-controller"),
    _controller_binding("service-controller"),
    _controller_binding("statefulset-controller"),
    _controller_binding("ttl-after-finished-controller"),
    _controller_binding("ttl-controller"),
    _controller_binding("validatingadmissionpolicy-status-controller"),
    _controller_binding("volumeattributesclass-protection-controller"),
    # ------------------------------------------------- Roles (namespace-roles.yaml)
    _role(
        "kube-public",
        "system:controller:bootstrap-signer",
        [
            _rule(("",), ("configmaps",), _READ),
            _rule(("",), ("configmaps",), ("update",), names=("cluster-info",)),
            _events_rule(),
        ],
    ),
    _role(
        "kube-system",
        "extension-apiserver-authentication-reader",
        [
            _rule(("",), ("configmaps",), _READ, names=("extension-apiserver-authentication",)),
        ],
    ),
    _role(
        "kube-system",
        "system::leader-locking-kube-controller-manager",
        [
            # configmap locks (dropped in v1.35)
            _rule(("",), ("configmaps",), ("watch",)),
            _rule(("",), ("configmaps",), ("get", "update"), names=("kube-controller-manager",)),
            _rule(("coordination.k8s.io",), ("leases",), ("create", "get", "list", "update", "watch")),
            _rule(
                ("coordination.k8s.io",), ("leasecandidates",), ("create", "get", "list", "update", "watch")
            ),
        ],
    ),
    _role(
        "kube-system",
        "system::leader-locking-kube-scheduler",
        [
            # configmap locks (dropped in v1.35)
            _rule(("",), ("configmaps",), ("watch",)),
            _rule(("",), ("configmaps",), ("get", "update"), names=("kube-scheduler",)),
            _rule(("coordination.k8s.io",), ("leases",), ("create", "get", "list", "update", "watch")),
            _rule(
                ("coordination.k8s.io",), ("leasecandidates",), ("create", "get", "list", "update", "watch")
            ),
        ],
    ),
    _role(
        "kube-system",
        "system:controller:bootstrap-signer",
        [
            _rule(("",), ("secrets",), _READ),
        ],
    ),
    _role(
        "kube-system",
        "system:controller:cloud-provider",
        [
            _rule(("",), ("configmaps",), ("create", "get", "list", "watch")),
        ],
    ),
    _role(
        "kube-system",
        "system:controller:token-cleaner",
        [
            _rule(("",), ("secrets",), ("delete", "get", "list", "watch")),
            _events_rule(),
        ],
    ),
    # ---------------------------------- RoleBindings (namespace-role-bindings.yaml)
    _role_binding(
        "kube-public", "system:controller:bootstrap-signer", [_service_account("bootstrap-signer")]
    ),
    _role_binding(
        "kube-system",
        "system::extension-apiserver-authentication-reader",
        [_user("system:kube-controller-manager"), _user("system:kube-scheduler")],
        role="extension-apiserver-authentication-reader",
    ),
    _role_binding(
        "kube-system",
        "system::leader-locking-kube-controller-manager",
        [
            _user("system:kube-controller-manager"),
            _service_account("kube-controller-manager"),
            _service_account("leader-election-controller"),
        ],
    ),
    _role_binding(
        "kube-system",
        "system::leader-locking-kube-scheduler",
        [_user("system:kube-scheduler"), _service_account("kube-scheduler")],
    ),
    _role_binding(
        "kube-system", "system:controller:bootstrap-signer", [_service_account("bootstrap-signer")]
    ),
    _role_binding("kube-system", "system:controller:cloud-provider", [_service_account("cloud-provider")]),
    _role_binding("kube-system", "system:controller:token-cleaner", [_service_account("token-cleaner")]),
)
