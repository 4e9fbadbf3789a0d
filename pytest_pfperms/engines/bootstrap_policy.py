"""Default RBAC objects of every Kubernetes cluster (kube-apiserver bootstrap policy).

kube-apiserver creates these ClusterRoles and ClusterRoleBindings at startup and
keeps them up to date (annotation ``rbac.authorization.kubernetes.io/autoupdate``).
This module lists only the ones an offline evaluator needs to answer questions
about ordinary users and workloads. It has no logic. Roles for system components
(kube-scheduler, kube-controller-manager, nodes, the ``system:controller:*``
roles and so on) are deliberately left out.

Matches **Kubernetes v1.34** with default feature gates. Source:
``plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go`` (``clusterRoles()``,
``ClusterRoleBindings()``) and its golden files ``testdata/cluster-roles.yaml``,
``testdata/cluster-roles-featuregates.yaml`` and ``testdata/cluster-role-bindings.yaml``
in ``kubernetes/kubernetes``.

Each manifest has the shape ``yaml.safe_load`` gives for the real object. Lists
inside each rule are sorted, as the API server stores them: ``policy.go``
builds every rule with ``rbacv1helpers.NewRule(...).RuleOrDie()``, which sorts
them. Rules and manifests appear in the same order as in the golden files.

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
  here. On v1.31 to v1.33 with default gates they are absent.
* v1.35 (kubernetes#133740, not in v1.34): core ``events`` moves out of the two
  rules of edit and view that cover core resources, and a separate rule for
  ``apiGroups: ["", "events.k8s.io"]`` is added to each role. This module does not
  include that change.
"""

from __future__ import annotations

from typing import Any

_RBAC_GROUP = "rbac.authorization.k8s.io"
_API_VERSION = "rbac.authorization.k8s.io/v1"
_AGGREGATE_TO_ADMIN = "rbac.authorization.k8s.io/aggregate-to-admin"
_AGGREGATE_TO_EDIT = "rbac.authorization.k8s.io/aggregate-to-edit"
_AGGREGATE_TO_VIEW = "rbac.authorization.k8s.io/aggregate-to-view"

# Verb sets from policy.go, in the sorted order the API server stores them.
_READ = ("get", "list", "watch")
_WRITE = ("create", "delete", "deletecollection", "patch", "update")
_READ_WRITE = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


def _rule(
    api_groups: tuple[str, ...], resources: tuple[str, ...], verbs: tuple[str, ...]
) -> dict[str, Any]:
    return {"apiGroups": list(api_groups), "resources": list(resources), "verbs": list(verbs)}


def _url_rule(urls: tuple[str, ...], verbs: tuple[str, ...]) -> dict[str, Any]:
    return {"nonResourceURLs": list(urls), "verbs": list(verbs)}


def _metadata(name: str, **extra_labels: str) -> dict[str, Any]:
    return {
        "name": name,
        "labels": {"kubernetes.io/bootstrapping": "rbac-defaults", **extra_labels},
        "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"},
    }


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


def _cluster_role_binding(name: str, groups: tuple[str, ...]) -> dict[str, Any]:
    return {
        "apiVersion": _API_VERSION,
        "kind": "ClusterRoleBinding",
        "metadata": _metadata(name),
        "roleRef": {"apiGroup": _RBAC_GROUP, "kind": "ClusterRole", "name": name},
        "subjects": [{"apiGroup": _RBAC_GROUP, "kind": "Group", "name": g} for g in groups],
    }


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
