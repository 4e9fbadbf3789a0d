"""Terraform kubernetes_* resource bodies -> Kubernetes manifests, with the providers' defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import pytest_pfperms as pfperms
from pytest_pfperms.errors import LoadError
from pytest_pfperms.model.objects import (
    ClusterRole,
    ClusterRoleBinding,
    Role,
    RoleBinding,
    ServiceAccountObject,
    SourceRef,
    WorkloadObject,
)
from pytest_pfperms.sources.hcl.values import TfSet
from pytest_pfperms.sources.manifests.object_building import InvalidObject, build_object
from pytest_pfperms.sources.terraform.providers.kubernetes import (
    METADATA_PATCH_TYPES,
    RESOURCE_TYPES,
    MetadataPatch,
    ResourceBodyError,
    ignored_kubectl_documents,
    kubectl_manifest_objects,
    kubernetes_manifest_object,
    manifest_for,
    metadata_patch,
)
from pytest_pfperms.values import Symbol

RBAC = "rbac.authorization.k8s.io"
SA_NAME = Symbol("module.app.service_account_name", distinct_group="name:ServiceAccount")
NAMESPACE = Symbol("var.namespace")


def build(manifest: dict[str, Any] | None) -> Any:
    assert manifest is not None
    return build_object(manifest, SourceRef("main.tf", 1, address="x.y"), "ignored-default").obj


def meta(**fields: Any) -> list[dict[str, Any]]:
    return [fields]


def pod_spec_body(resource_type: str, pod_spec: dict[str, Any]) -> dict[str, Any]:
    """A body whose pod spec block (at the resource type's path) is ``pod_spec``."""
    if resource_type.startswith("kubernetes_pod"):
        return {"metadata": meta(name="w"), "spec": [pod_spec]}
    if resource_type.startswith("kubernetes_cron_job"):
        return {"metadata": meta(name="w"), "spec": [{"schedule": "* * * * *", "job_template": [
            {"metadata": [], "spec": [{"template": [{"metadata": [], "spec": [pod_spec]}]}]}]}]}
    return {"metadata": meta(name="w"), "spec": [{"template": [{"metadata": [], "spec": [pod_spec]}]}]}


def pod_spec_of(manifest: dict[str, Any]) -> dict[str, Any]:
    spec = manifest["spec"]
    if manifest["kind"] == "Pod":
        return spec  # type: ignore[no-any-return]
    if manifest["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"]  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- resource types

RBAC_TYPES = {
    "kubernetes_role": "Role",
    "kubernetes_cluster_role": "ClusterRole",
    "kubernetes_role_binding": "RoleBinding",
    "kubernetes_cluster_role_binding": "ClusterRoleBinding",
}
WORKLOAD_TYPES = {
    "kubernetes_deployment": ("apps/v1", "Deployment"),
    "kubernetes_deployment_v1": ("apps/v1", "Deployment"),
    "kubernetes_stateful_set": ("apps/v1", "StatefulSet"),
    "kubernetes_stateful_set_v1": ("apps/v1", "StatefulSet"),
    "kubernetes_daemonset": ("apps/v1", "DaemonSet"),
    "kubernetes_daemon_set_v1": ("apps/v1", "DaemonSet"),
    "kubernetes_job": ("batch/v1", "Job"),
    "kubernetes_job_v1": ("batch/v1", "Job"),
    "kubernetes_cron_job": ("batch/v1beta1", "CronJob"),
    "kubernetes_cron_job_v1": ("batch/v1", "CronJob"),
    "kubernetes_pod": ("v1", "Pod"),
    "kubernetes_pod_v1": ("v1", "Pod"),
    "kubernetes_replication_controller": ("v1", "ReplicationController"),
    "kubernetes_replication_controller_v1": ("v1", "ReplicationController"),
}


def test_resource_types_are_exactly_the_providers() -> None:
    expected = {*RBAC_TYPES, *(f"{name}_v1" for name in RBAC_TYPES), *WORKLOAD_TYPES,
                "kubernetes_service_account", "kubernetes_service_account_v1",
                "kubernetes_namespace", "kubernetes_namespace_v1", "kubernetes_secret", "kubernetes_secret_v1",
                "kubernetes_config_map", "kubernetes_config_map_v1", "kubernetes_config_map_v1_data"}
    assert expected == RESOURCE_TYPES
    assert {"kubernetes_labels", "kubernetes_annotations"} == METADATA_PATCH_TYPES


@pytest.mark.parametrize("resource_type", [
    "kubernetes_daemon_set",  # not a provider type: only kubernetes_daemonset and kubernetes_daemon_set_v1
    "kubernetes_labels", "kubernetes_annotations", "kubernetes_manifest", "kubectl_manifest", "kubernetes_default_service_account", "helm_release",
])
def test_other_types_give_none(resource_type: str) -> None:
    assert manifest_for(resource_type, {"metadata": meta(name="x")}) is None


@pytest.mark.parametrize("resource_type", sorted(RBAC_TYPES) + [f"{name}_v1" for name in sorted(RBAC_TYPES)])
def test_rbac_types_and_twins(resource_type: str) -> None:
    body = {"metadata": meta(name="x", namespace="apps"),
            "rule": [{"api_groups": [""], "resources": ["pods"], "verbs": ["get"]}],
            "subject": [{"kind": "User", "name": "alice"}],
            "role_ref": [{"api_group": RBAC, "kind": "ClusterRole", "name": "view"}]}
    manifest = manifest_for(resource_type, body)
    assert manifest is not None
    kind = RBAC_TYPES[resource_type.removesuffix("_v1")]
    assert manifest["apiVersion"] == f"{RBAC}/v1"
    assert manifest["kind"] == kind
    assert manifest["metadata"]["name"] == "x"
    assert ("namespace" in manifest["metadata"]) == (not kind.startswith("Cluster"))
    assert manifest == manifest_for(resource_type.removesuffix("_v1"), body)
    obj = build(manifest)
    assert type(obj).__name__ == kind


@pytest.mark.parametrize("resource_type", sorted(WORKLOAD_TYPES))
def test_workload_types_and_twins(resource_type: str) -> None:
    manifest = manifest_for(resource_type, pod_spec_body(resource_type, {"service_account_name": "runner"}))
    assert manifest is not None
    assert (manifest["apiVersion"], manifest["kind"]) == WORKLOAD_TYPES[resource_type]
    assert manifest["metadata"] == {"name": "w", "namespace": "default"}
    assert pod_spec_of(manifest) == {"serviceAccountName": "runner", "automountServiceAccountToken": True}
    obj = build(manifest)
    assert isinstance(obj, WorkloadObject)
    assert (obj.namespace, obj.service_account_name, obj.automount_token) == ("default", "runner", True)


@pytest.mark.parametrize("resource_type", ["kubernetes_service_account", "kubernetes_service_account_v1"])
def test_service_account_and_twin(resource_type: str) -> None:
    manifest = manifest_for(resource_type, {"metadata": meta(name="app", namespace="apps")})
    assert manifest == {"apiVersion": "v1", "kind": "ServiceAccount",
                        "metadata": {"name": "app", "namespace": "apps"},
                        "automountServiceAccountToken": True}
    obj = build(manifest)
    assert isinstance(obj, ServiceAccountObject)
    assert obj.automount_token is True


# --------------------------------------------------------------------------- metadata


def test_namespace_defaults_to_default_when_omitted_or_null() -> None:
    for block in ({"name": "r"}, {"name": "r", "namespace": None}):
        manifest = manifest_for("kubernetes_role", {"metadata": [block], "rule": []})
        assert manifest is not None
        assert manifest["metadata"] == {"name": "r", "namespace": "default"}


def test_explicit_empty_namespace_is_sent_as_is() -> None:
    manifest = manifest_for("kubernetes_service_account", {"metadata": meta(name="a", namespace="")})
    assert manifest is not None
    assert manifest["metadata"]["namespace"] == ""


def test_cluster_scoped_types_have_no_namespace() -> None:
    manifest = manifest_for("kubernetes_cluster_role", {"metadata": meta(name="c", namespace="apps")})
    assert manifest is not None
    assert manifest["metadata"] == {"name": "c"}


def test_generate_name() -> None:
    body = {"metadata": meta(generate_name="pod-reader-", namespace=NAMESPACE),
            "rule": [{"api_groups": [""], "resources": ["pods"], "verbs": ["list", "get"]}]}
    manifest = manifest_for("kubernetes_role", body)
    assert manifest is not None
    assert manifest["metadata"] == {"generateName": "pod-reader-", "namespace": NAMESPACE}
    role = build(manifest)
    assert isinstance(role, Role)
    assert isinstance(role.name, Symbol)
    assert role.name.could_be("pod-reader-x7k2p") and not role.name.could_be("other")
    assert role.namespace is NAMESPACE


def test_name_and_generate_name_both_emitted() -> None:
    manifest = manifest_for("kubernetes_cluster_role_binding",
                            {"metadata": meta(name="n", generate_name="g-")})
    assert manifest is not None
    assert manifest["metadata"] == {"name": "n", "generateName": "g-"}


def test_empty_name_is_not_sent() -> None:
    manifest = manifest_for("kubernetes_cluster_role", {"metadata": meta(name="", generate_name="g-")})
    assert manifest is not None
    assert manifest["metadata"] == {"generateName": "g-"}


def test_labels_and_annotations_only_when_non_empty_and_converted_to_strings() -> None:
    body = {"metadata": meta(name="a", labels={}, annotations={"n": 1, "b": True, "gone": None})}
    manifest = manifest_for("kubernetes_service_account", body)
    assert manifest is not None
    assert manifest["metadata"] == {"name": "a", "namespace": "default",
                                    "annotations": {"n": "1", "b": "true"}}


def test_missing_metadata_block() -> None:
    assert manifest_for("kubernetes_cluster_role", {}) == {
        "apiVersion": f"{RBAC}/v1", "kind": "ClusterRole", "metadata": {}, "rules": []}
    assert manifest_for("kubernetes_role", {"metadata": []}) == {
        "apiVersion": f"{RBAC}/v1", "kind": "Role", "metadata": {}, "rules": []}


def test_single_block_given_as_a_dict_is_accepted() -> None:
    manifest = manifest_for("kubernetes_service_account", {"metadata": {"name": "a"}})
    assert manifest is not None
    assert manifest["metadata"] == {"name": "a", "namespace": "default"}


# --------------------------------------------------------------------------- roles


def test_role_rules_are_sets_without_non_resource_urls() -> None:
    body = {"metadata": meta(name="r", namespace="apps"), "rule": [
        {"api_groups": ["", ""], "resources": ["pods", "pods/log", "pods"], "verbs": ["get", "get"],
         "resource_names": []},
        {"api_groups": TfSet(["apps"]), "resources": TfSet(["deployments"]), "verbs": ["*"],
         "resource_names": ["web", None]},
    ]}
    manifest = manifest_for("kubernetes_role", body)
    assert manifest is not None
    assert manifest["rules"] == [
        {"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get"]},
        {"apiGroups": ["apps"], "resources": ["deployments"], "resourceNames": ["web", ""], "verbs": ["*"]},
    ]
    role = build(manifest)
    assert isinstance(role, Role)
    assert role.rules[1].resource_names == ("web", "")
    # the kubernetes_role rule schema has no non_resource_urls: terraform plan refuses it
    body["rule"][0]["non_resource_urls"] = ["/metrics"]
    with pytest.raises(ResourceBodyError, match=r"rule\.0\.non_resource_urls: An argument named "
                       r"'non_resource_urls' is not expected here"):
        manifest_for("kubernetes_role", body)


@pytest.mark.parametrize(("resource_type", "body", "message"), [
    pytest.param("kubernetes_role_v1", {"metadata": meta(name="r", namespace="a"), "rule": [
        {"api_group": [""], "resources": ["pods"], "verbs": ["get"]}]},
        'rule.0.api_group: An argument named \'api_group\' is not expected here (terraform plan '
        'refuses it); did you mean "api_groups"?', id="rule"),
    pytest.param("kubernetes_cluster_role", {"metadata": meta(name="c"), "rule": [
        {"non_resource_url": ["/metrics"], "verbs": ["get"]}]},
        'rule.0.non_resource_url: An argument named \'non_resource_url\' is not expected here '
        '(terraform plan refuses it); did you mean "non_resource_urls"?', id="cluster-rule"),
    pytest.param("kubernetes_role_binding", {"metadata": meta(name="b", namespace="a"), "role_ref": [
        {"api_groups": RBAC, "kind": "Role", "name": "r"}], "subject": [{"kind": "User", "name": "u"}]},
        'role_ref.0.api_groups: An argument named \'api_groups\' is not expected here (terraform '
        'plan refuses it); did you mean "api_group"?', id="role-ref"),
    pytest.param("kubernetes_cluster_role_binding_v1", {"metadata": meta(name="b"), "role_ref": [
        {"api_group": RBAC, "kind": "ClusterRole", "name": "r"}],
        "subject": [{"kind": "ServiceAccount", "name": "u", "namespaces": "a"}]},
        'subject.0.namespaces: An argument named \'namespaces\' is not expected here (terraform '
        'plan refuses it); did you mean "namespace"?', id="subject"),
    pytest.param("kubernetes_service_account", {"metadata": meta(name="s", lables={"a": "b"})},
        'metadata.0.lables: An argument named \'lables\' is not expected here (terraform plan '
        'refuses it); did you mean "labels"?', id="metadata"),
    pytest.param("kubernetes_cluster_role", {"metadata": meta(name="c"), "aggregation_rule": [
        {"cluster_role_selectors": [{"match_label": {"a": "b"}}]}]},
        'aggregation_rule.0.cluster_role_selectors.0.match_label: An argument named \'match_label\' '
        'is not expected here (terraform plan refuses it); did you mean "match_labels"?', id="selector"),
    pytest.param("kubernetes_cluster_role", {"metadata": meta(name="c"), "aggregation_rule": [
        {"cluster_role_selectors": [{"match_expressions": [{"key": "a", "operator": "In", "value": ["b"]}]}]}]},
        'aggregation_rule.0.cluster_role_selectors.0.match_expressions.0.value: An argument named '
        '\'value\' is not expected here (terraform plan refuses it); did you mean "values"?',
        id="requirement"),
])
def test_an_argument_the_provider_schema_lacks_is_refused_with_a_suggestion(
        resource_type: str, body: dict[str, Any], message: str) -> None:
    """Left unchecked, a misspelt argument would be dropped: ``api_groups`` in a role_ref loads
    as the defaulted group, ``resource_name`` widens a rule to every name."""
    with pytest.raises(ResourceBodyError) as caught:
        manifest_for(resource_type, body)
    assert str(caught.value) == f"{resource_type}: {message}"


def test_computed_metadata_of_a_plan_is_known() -> None:
    manifest = manifest_for("kubernetes_service_account_v1", {"metadata": meta(
        name="s", namespace="a", uid="1", resource_version="2", generation=3)})
    assert manifest is not None and manifest["metadata"]["name"] == "s"


def test_cluster_role_rules_are_lists_with_non_resource_urls() -> None:
    body = {"metadata": meta(name="c"), "rule": [
        {"non_resource_urls": ["/metrics", "/metrics"], "verbs": ["get"], "api_groups": None},
        {"api_groups": [""], "resources": ["secrets"], "verbs": ["get", "list"], "resource_names": []},
    ]}
    manifest = manifest_for("kubernetes_cluster_role", body)
    assert manifest is not None
    assert manifest["rules"] == [
        {"nonResourceURLs": ["/metrics", "/metrics"], "verbs": ["get"]},
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]},
    ]
    assert "aggregationRule" not in manifest


def test_cluster_role_without_rules() -> None:
    manifest = manifest_for("kubernetes_cluster_role", {"metadata": meta(name="c"), "rule": []})
    assert manifest is not None
    assert manifest["rules"] == []


def test_aggregation_rule() -> None:
    body = {"metadata": meta(name="agg"), "aggregation_rule": [{"cluster_role_selectors": [
        {"match_labels": {"rbac.example.com/aggregate-to-monitoring": "true"}},
        {"match_expressions": [
            {"key": "tier", "operator": "In", "values": ["a", "b", "a"]},
            {"key": "legacy", "operator": "DoesNotExist", "values": []},
        ]},
    ]}]}
    manifest = manifest_for("kubernetes_cluster_role_v1", body)
    assert manifest is not None
    assert manifest["rules"] == []
    assert manifest["aggregationRule"] == {"clusterRoleSelectors": [
        {"matchLabels": {"rbac.example.com/aggregate-to-monitoring": "true"}},
        {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]},
                              {"key": "legacy", "operator": "DoesNotExist"}]},
    ]}
    role = build(manifest)
    assert isinstance(role, ClusterRole)
    assert role.aggregation is not None and len(role.aggregation) == 2
    assert role.aggregation[1].match_expressions[0].values == ("a", "b")


def test_empty_aggregation_rule_block_is_sent_empty() -> None:
    blocks: list[dict[str, Any] | None] = [{}, None, {"cluster_role_selectors": []}]
    for block in blocks:
        manifest = manifest_for("kubernetes_cluster_role", {"metadata": meta(name="c"),
                                                            "aggregation_rule": [block]})
        assert manifest is not None
        assert manifest["aggregationRule"] == {}
        # ValidateClusterRole: a non-nil aggregationRule needs a selector; apply fails
        with pytest.raises(InvalidObject, match="at least one clusterRoleSelector required"):
            build(manifest)


def test_empty_selector_block_matches_everything() -> None:
    manifest = manifest_for("kubernetes_cluster_role", {
        "metadata": meta(name="c"), "aggregation_rule": [{"cluster_role_selectors": [{}]}]})
    assert manifest is not None
    assert manifest["aggregationRule"] == {"clusterRoleSelectors": [{}]}


# --------------------------------------------------------------------------- bindings


def binding_body(*subjects: dict[str, Any], role_ref: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"metadata": meta(name="b", namespace="apps"), "subject": list(subjects),
            "role_ref": [role_ref or {"api_group": RBAC, "kind": "Role", "name": "reader"}]}


def test_subject_namespace_defaults_to_default_for_every_kind() -> None:
    manifest = manifest_for("kubernetes_role_binding", binding_body(
        {"kind": "ServiceAccount", "name": "app"},
        {"kind": "Group", "name": "devs", "namespace": None},
        {"kind": "User", "name": "alice"}))
    assert manifest is not None
    assert manifest["subjects"] == [
        {"kind": "ServiceAccount", "name": "app", "namespace": "default"},
        {"kind": "Group", "apiGroup": RBAC, "name": "devs", "namespace": "default"},
        {"kind": "User", "apiGroup": RBAC, "name": "alice", "namespace": "default"},
    ]
    binding = build(manifest)
    assert isinstance(binding, RoleBinding)
    assert binding.namespace == "apps"
    assert binding.subjects[0].namespace == "default"  # not the binding's namespace


def test_subject_explicit_namespace_and_api_group() -> None:
    manifest = manifest_for("kubernetes_cluster_role_binding", binding_body(
        {"kind": "ServiceAccount", "name": SA_NAME, "namespace": NAMESPACE},
        {"kind": "ServiceAccount", "name": "x", "namespace": ""},
        {"kind": "User", "name": "bob", "api_group": "example.com"},
        {"kind": "ServiceAccount", "name": "y", "api_group": RBAC},
        {"kind": "serviceaccount", "name": "z"},
        {"kind": Symbol("var.kind"), "name": "w"}))
    assert manifest is not None
    assert "namespace" not in manifest["metadata"]
    subjects = manifest["subjects"]
    assert subjects[0] == {"kind": "ServiceAccount", "name": SA_NAME, "namespace": NAMESPACE}
    assert subjects[0]["name"] is SA_NAME and subjects[0]["namespace"] is NAMESPACE
    assert subjects[1] == {"kind": "ServiceAccount", "name": "x"}
    assert subjects[2]["apiGroup"] == "example.com"
    assert subjects[3]["apiGroup"] == RBAC
    assert "apiGroup" not in subjects[4] and "apiGroup" not in subjects[5]
    valid_ref = {**manifest["roleRef"], "kind": "ClusterRole"}
    binding = build({**manifest, "subjects": subjects[:1], "roleRef": valid_ref})
    assert isinstance(binding, ClusterRoleBinding)
    assert binding.subjects[0].name is SA_NAME
    with pytest.raises(InvalidObject) as refused:  # the API server refuses the other four
        build({**manifest, "subjects": subjects[:5], "roleRef": valid_ref})
    assert [path for path, _ in ((refused.value.path, ""), *refused.value.more)] == [
        ["subjects", 1, "namespace"], ["subjects", 2, "apiGroup"], ["subjects", 3, "apiGroup"],
        ["subjects", 4, "kind"]]


def test_role_ref() -> None:
    manifest = manifest_for("kubernetes_role_binding_v1", binding_body(
        {"kind": "Group", "name": "g"},
        role_ref={"api_group": RBAC, "kind": "ClusterRole", "name": Symbol("kubernetes_cluster_role.x.name")}))
    assert manifest is not None
    assert manifest["roleRef"] == {"apiGroup": RBAC, "kind": "ClusterRole",
                                   "name": Symbol("kubernetes_cluster_role.x.name")}


def test_role_ref_api_group_missing_uses_the_servers_default() -> None:
    manifest = manifest_for("kubernetes_role_binding", binding_body(
        {"kind": "Group", "name": "g"}, role_ref={"kind": "Role", "name": "r"}))
    assert manifest is not None
    assert manifest["roleRef"] == {"apiGroup": RBAC, "kind": "Role", "name": "r"}


def test_kube_pod_pod_reader_pattern() -> None:
    """kube_pod's implicit pod_reader binding: generate_name Role, subject in var.namespace."""
    role = manifest_for("kubernetes_role", {
        "metadata": meta(generate_name="web-", namespace=NAMESPACE),
        "rule": [{"api_groups": [""], "resources": ["pods"], "verbs": ["list", "get"]}]})
    role_name = Symbol("kubernetes_role.pod_reader[0].metadata[0].name")
    binding = manifest_for("kubernetes_role_binding", {
        "metadata": meta(generate_name="web-", namespace=NAMESPACE),
        "subject": [{"kind": "ServiceAccount", "name": SA_NAME, "namespace": NAMESPACE}],
        "role_ref": [{"api_group": RBAC, "kind": "Role", "name": role_name}]})
    assert role is not None and binding is not None
    built = build(binding)
    assert isinstance(built, RoleBinding)
    assert built.role_ref.name is role_name
    assert built.subjects[0].namespace is NAMESPACE


# --------------------------------------------------------------------------- service accounts and pods


@pytest.mark.parametrize(("given", "expected"), [
    (None, True), (True, True), (False, False), ("false", False), ("true", True)])
def test_service_account_automount_default(given: Any, expected: bool) -> None:
    body: dict[str, Any] = {"metadata": meta(name="a")}
    if given is not None:
        body["automount_service_account_token"] = given
    manifest = manifest_for("kubernetes_service_account", body)
    assert manifest is not None
    assert manifest["automountServiceAccountToken"] is expected


@pytest.mark.parametrize("resource_type", sorted(WORKLOAD_TYPES))
def test_pod_spec_automount_defaults_true_for_pods_and_templates(resource_type: str) -> None:
    manifest = manifest_for(resource_type, pod_spec_body(resource_type, {"container": [{"name": "c"}]}))
    assert manifest is not None
    assert pod_spec_of(manifest) == {"automountServiceAccountToken": True}
    obj = build(manifest)
    assert isinstance(obj, WorkloadObject)
    assert (obj.service_account_name, obj.automount_token) == ("default", True)


@pytest.mark.parametrize("resource_type", ["kubernetes_pod", "kubernetes_deployment", "kubernetes_cron_job_v1"])
def test_pod_spec_automount_false_is_kept(resource_type: str) -> None:
    manifest = manifest_for(resource_type, pod_spec_body(
        resource_type, {"automount_service_account_token": False, "service_account_name": ""}))
    assert manifest is not None
    assert pod_spec_of(manifest) == {"automountServiceAccountToken": False}


def test_legacy_service_account_attribute_is_not_in_the_schema() -> None:
    manifest = manifest_for("kubernetes_deployment", pod_spec_body(
        "kubernetes_deployment", {"service_account": "legacy"}))
    assert manifest is not None
    assert pod_spec_of(manifest) == {"automountServiceAccountToken": True}


def test_template_without_pod_spec_block_gets_no_defaults() -> None:
    manifest = manifest_for("kubernetes_job", {"metadata": meta(name="j"), "spec": [{"template": [{}]}]})
    assert manifest is not None
    assert manifest["spec"] == {"template": {}}
    obj = build(manifest)
    assert isinstance(obj, WorkloadObject)
    assert (obj.service_account_name, obj.automount_token) == ("default", None)
    bare = manifest_for("kubernetes_stateful_set", {"metadata": meta(name="s")})
    assert bare == {"apiVersion": "apps/v1", "kind": "StatefulSet",
                    "metadata": {"name": "s", "namespace": "default"}}


def test_workload_symbols_pass_through() -> None:
    automount = Symbol("var.automount")
    manifest = manifest_for("kubernetes_daemon_set_v1", {
        "metadata": meta(name=Symbol("var.name"), namespace=NAMESPACE, labels=Symbol("module.x.labels")),
        "spec": [{"template": [{"spec": [{"service_account_name": SA_NAME,
                                          "automount_service_account_token": automount}]}]}]})
    assert manifest is not None
    assert manifest["metadata"]["labels"] is not None
    assert manifest["metadata"]["labels"] == Symbol("module.x.labels")
    spec = pod_spec_of(manifest)
    assert spec["serviceAccountName"] is SA_NAME
    assert spec["automountServiceAccountToken"] is automount
    unknown_spec = Symbol("dynamic.spec")
    manifest = manifest_for("kubernetes_deployment", {"metadata": meta(name="d"),
                                                      "spec": [{"template": unknown_spec}]})
    assert manifest is not None
    assert manifest["spec"]["template"] is unknown_spec


# --------------------------------------------------------------------------- symbols


def test_symbols_pass_through_untouched_in_rbac_objects() -> None:
    verbs = Symbol("var.verbs")
    rules = Symbol("local.rules")
    subjects = Symbol("local.subjects")
    rule_block = Symbol("local.one_rule")
    labels = Symbol("module.x.labels")
    name = Symbol("random_id.role_id.hex")
    resource = Symbol("var.resource")
    role = manifest_for("kubernetes_role", {
        "metadata": meta(name=name, namespace=NAMESPACE, labels=labels, annotations={"a": name}),
        "rule": [{"api_groups": [""], "resources": [resource, "pods"], "verbs": verbs}, rule_block]})
    assert role is not None
    assert role["metadata"]["name"] is name
    assert role["metadata"]["namespace"] is NAMESPACE
    assert role["metadata"]["labels"] is labels
    assert role["metadata"]["annotations"]["a"] is name
    assert role["rules"][0]["verbs"] is verbs
    assert role["rules"][0]["resources"][0] is resource
    assert role["rules"][1] is rule_block
    whole = manifest_for("kubernetes_cluster_role", {"metadata": meta(name="c"), "rule": rules})
    assert whole is not None and whole["rules"] is rules
    binding = manifest_for("kubernetes_role_binding", {"metadata": meta(name="b"), "subject": subjects,
                                                       "role_ref": Symbol("local.ref")})
    assert binding is not None
    assert binding["subjects"] is subjects
    assert binding["roleRef"] == Symbol("local.ref")
    metadata = Symbol("local.metadata")
    whole_meta = manifest_for("kubernetes_service_account", {"metadata": metadata})
    assert whole_meta is not None and whole_meta["metadata"] is metadata


def test_symbols_in_aggregation_rule() -> None:
    selectors = Symbol("local.selectors")
    labels = Symbol("local.labels")
    manifest = manifest_for("kubernetes_cluster_role", {"metadata": meta(name="c"), "aggregation_rule": [
        {"cluster_role_selectors": selectors}]})
    assert manifest is not None
    assert manifest["aggregationRule"]["clusterRoleSelectors"] is selectors
    manifest = manifest_for("kubernetes_cluster_role", {"metadata": meta(name="c"), "aggregation_rule": [
        {"cluster_role_selectors": [{"match_labels": labels}]}]})
    assert manifest is not None
    assert manifest["aggregationRule"]["clusterRoleSelectors"][0]["matchLabels"] is labels


def test_wrong_types_raise_resource_body_error() -> None:
    with pytest.raises(ResourceBodyError) as caught:
        manifest_for("kubernetes_role", {"metadata": meta(name="r"), "rule": [{"verbs": "get"}]})
    assert caught.value.path == ("rule", 0, "verbs")
    assert "kubernetes_role: rule.0.verbs" in str(caught.value)
    with pytest.raises(ValueError, match="automount_service_account_token"):
        manifest_for("kubernetes_service_account", {"metadata": meta(name="a"),
                                                    "automount_service_account_token": "yes"})
    with pytest.raises(ValueError, match=r"metadata\.0\.name"):
        manifest_for("kubernetes_service_account", {"metadata": meta(name=["a"])})
    with pytest.raises(ValueError, match="expected a block"):
        manifest_for("kubernetes_service_account", {"metadata": "a"})


# --------------------------------------------------------------------------- kubectl_manifest

ROLE_YAML = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: reader
rules:
  - apiGroups: [""]
    resources: [pods]
    verbs: [get]
"""


def test_kubectl_manifest_single_document() -> None:
    objects = kubectl_manifest_objects(ROLE_YAML)
    assert isinstance(objects, list) and len(objects) == 1
    assert objects[0]["metadata"] == {"name": "reader"}
    role = build(objects[0])
    assert isinstance(role, Role)
    assert role.namespace == "ignored-default"  # namespace defaulting is the builder's (pass "default")


def test_kubectl_manifest_applies_only_the_first_document() -> None:
    text = "---\n" + ROLE_YAML + "---\n" + ROLE_YAML.replace("reader", "second") + "---\n\n---\n" + \
        "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: third}\n"
    objects = kubectl_manifest_objects(text)
    assert isinstance(objects, list)
    assert [obj["metadata"]["name"] for obj in objects] == ["reader"]
    ignored = ignored_kubectl_documents(text)
    assert [document["metadata"]["name"] for document in ignored] == ["second", "third"]
    assert ignored_kubectl_documents(ROLE_YAML) == []


def test_kubectl_manifest_structure_and_symbol() -> None:
    body = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": SA_NAME}}
    objects = kubectl_manifest_objects(body)
    assert objects == [body]
    assert isinstance(objects, list) and objects[0] is not body
    assert objects[0]["metadata"]["name"] is SA_NAME
    unknown = Symbol("local.yaml")
    assert kubectl_manifest_objects(unknown) is unknown
    assert ignored_kubectl_documents(unknown) == []


def test_kubectl_manifest_override_namespace() -> None:
    body = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "a", "namespace": "x"}}
    objects = kubectl_manifest_objects(body, override_namespace="y")
    assert isinstance(objects, list)
    assert objects[0]["metadata"] == {"name": "a", "namespace": "y"}
    assert body["metadata"] == {"name": "a", "namespace": "x"}  # input untouched
    objects = kubectl_manifest_objects(ROLE_YAML, override_namespace=NAMESPACE)
    assert isinstance(objects, list)
    assert objects[0]["metadata"]["namespace"] is NAMESPACE
    for nothing in ("", None):
        objects = kubectl_manifest_objects(body, override_namespace=nothing)
        assert isinstance(objects, list)
        assert objects[0]["metadata"]["namespace"] == "x"


def test_kubectl_manifest_bad_yaml_names_the_line() -> None:
    text = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n   bad: indent\n"
    with pytest.raises(ValueError) as caught:
        kubectl_manifest_objects(text)
    message = str(caught.value)
    assert "line 5" in message
    assert "bad: indent" in message


def test_kubectl_manifest_bad_yaml_in_an_ignored_document() -> None:
    text = ROLE_YAML + "---\nkind: [unclosed\n"
    objects = kubectl_manifest_objects(text)
    assert isinstance(objects, list) and objects[0]["kind"] == "Role"
    with pytest.raises(ValueError, match="line"):
        ignored_kubectl_documents(text)


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n---\nkind: Role\n"])
def test_kubectl_manifest_empty_first_document(text: str) -> None:
    with pytest.raises(ValueError, match="empty"):
        kubectl_manifest_objects(text)


def test_kubectl_manifest_rejects_non_mappings_and_unsafe_tags() -> None:
    with pytest.raises(ValueError, match="not a mapping"):
        kubectl_manifest_objects("- a\n- b\n")
    with pytest.raises(ValueError, match="line 1"):
        kubectl_manifest_objects("!!python/object/apply:os.system ['true']\n")
    with pytest.raises(ValueError, match="YAML text"):
        kubectl_manifest_objects(["apiVersion: v1"])


def test_kubectl_manifest_keys_become_strings() -> None:
    objects = kubectl_manifest_objects("kind: ConfigMap\napiVersion: v1\nmetadata: {name: c}\n"
                                       "data:\n  2: two\n  true: yes\n")
    assert isinstance(objects, list)
    assert objects[0]["data"] == {"2": "two", "true": True}


# --------------------------------------------------------------------------- kubernetes_manifest


def test_kubernetes_manifest_object() -> None:
    manifest = {"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster",
                "metadata": {"name": "pg", "namespace": NAMESPACE}, "spec": {"instances": 3}}
    obj = kubernetes_manifest_object(manifest)
    assert obj == manifest
    assert isinstance(obj, dict) and obj["metadata"]["namespace"] is NAMESPACE
    unknown = Symbol("local.manifest")
    assert kubernetes_manifest_object(unknown) is unknown


@pytest.mark.parametrize(("manifest", "message"), [
    ({"kind": "Role", "metadata": {}}, "'apiVersion' attribute key is missing"),
    ({"apiVersion": "v1", "metadata": {}}, "'kind' attribute key is missing"),
    ({"apiVersion": "v1", "kind": "ConfigMap"}, "'metadata' attribute key is missing"),
    ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}, "status": {}}, "'status'"),
    ("apiVersion: v1", "must be an object"),
])
def test_kubernetes_manifest_validation(manifest: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        kubernetes_manifest_object(manifest)


# --------------------------------------------------------------------------- metadata patches


def test_annotations_patch_on_a_service_account() -> None:
    arn = Symbol("aws_iam_role.service_account.arn")
    patch = metadata_patch("kubernetes_annotations", {
        "api_version": "v1", "kind": "ServiceAccount",
        "metadata": meta(name=SA_NAME, namespace=NAMESPACE),
        "annotations": {"eks.amazonaws.com/role-arn": arn},
        "field_manager": "terraform-aws", "force": True})
    assert patch == MetadataPatch(
        resource_type="kubernetes_annotations", api_version="v1", kind="ServiceAccount", name=SA_NAME,
        namespace=NAMESPACE, annotations={"eks.amazonaws.com/role-arn": arn}, force=True,
        field_manager="terraform-aws")
    assert patch is not None
    assert patch.name is SA_NAME and patch.namespace is NAMESPACE
    assert isinstance(patch.annotations, dict)
    assert patch.annotations["eks.amazonaws.com/role-arn"] is arn
    assert patch.labels == {} and patch.template_annotations == {}
    with pytest.raises(AttributeError):
        patch.name = "other"  # type: ignore[misc]


def test_patch_defaults() -> None:
    patch = metadata_patch("kubernetes_labels", {
        "api_version": "apps/v1", "kind": "Deployment", "metadata": meta(name="web"),
        "labels": {"team": "a", "n": 1}})
    assert patch is not None
    assert patch.namespace == "default"
    assert patch.labels == {"team": "a", "n": "1"}
    assert (patch.force, patch.field_manager) == (False, "Terraform")
    assert patch.annotations == {} and patch.template_annotations == {}
    empty = metadata_patch("kubernetes_labels", {
        "api_version": "v1", "kind": "Namespace", "metadata": meta(name="apps", namespace=""),
        "labels": {}})
    assert empty is not None
    assert empty.namespace is None  # cluster-scoped: the provider ignores the namespace
    assert empty.labels == {}


def test_template_annotations() -> None:
    patch = metadata_patch("kubernetes_annotations", {
        "api_version": "batch/v1", "kind": "CronJob", "metadata": meta(name="c", namespace="jobs"),
        "template_annotations": {"a": "b"}})
    assert patch is not None
    assert patch.namespace == "jobs"
    assert patch.annotations == {}
    assert patch.template_annotations == {"a": "b"}
    assert patch.template_metadata_path == ("spec", "jobTemplate", "spec", "template", "metadata")
    deployment = metadata_patch("kubernetes_annotations", {
        "api_version": "apps/v1", "kind": "Deployment", "metadata": meta(name="d"),
        "annotations": {"x": "y"}, "template_annotations": Symbol("local.t")})
    assert deployment is not None
    assert deployment.template_annotations == Symbol("local.t")
    assert deployment.template_metadata_path == ("spec", "template", "metadata")


@pytest.mark.parametrize("resource_type", [
    "kubernetes_labels_v1", "kubernetes_annotations_v1", "kubernetes_role", "kubernetes_manifest"])
def test_patch_other_types_give_none(resource_type: str) -> None:
    assert metadata_patch(resource_type, {"api_version": "v1", "kind": "Pod",
                                          "metadata": meta(name="p"), "labels": {"a": "b"}}) is None


@pytest.mark.parametrize(("resource_type", "body", "message"), [
    ("kubernetes_labels", {"kind": "Pod", "metadata": meta(name="p"), "labels": {}}, "api_version"),
    ("kubernetes_labels", {"api_version": "v1", "metadata": meta(name="p"), "labels": {}}, "kind"),
    ("kubernetes_labels", {"api_version": "v1", "kind": "Pod", "labels": {}}, "metadata"),
    ("kubernetes_labels", {"api_version": "v1", "kind": "Pod", "metadata": meta(), "labels": {}},
     r"metadata\.0\.name"),
    ("kubernetes_labels", {"api_version": "v1", "kind": "Pod", "metadata": meta(name="p")}, "labels"),
    ("kubernetes_annotations", {"api_version": "v1", "kind": "Pod", "metadata": meta(name="p")},
     "template_annotations"),
    ("kubernetes_annotations", {"api_version": "v1", "kind": "Pod", "metadata": Symbol("m"),
                                "annotations": {"a": "b"}}, "unknown before apply"),
])
def test_patch_missing_required(resource_type: str, body: dict[str, Any], message: str) -> None:
    with pytest.raises(ResourceBodyError, match=message):
        metadata_patch(resource_type, body)


def test_a_kubernetes_manifest_the_provider_refuses_is_a_load_error_naming_it(tmp_path: Path) -> None:
    # `manifest = { // ... }` as documentation snippets write it: the provider refuses it
    (tmp_path / "main.tf").write_text('resource "kubernetes_manifest" "test" {\n  manifest = {\n'
                                      '    // ...\n  }\n}\n')
    with pytest.raises(LoadError) as caught:
        pfperms.load(tmp_path, cache=False)
    assert caught.value.file.endswith("main.tf") and caught.value.line == 1
    assert "kubernetes_manifest.test" in str(caught.value) and "'apiVersion'" in str(caught.value)


def test_a_secret_keeps_its_type_and_annotations_never_its_data() -> None:
    manifest = manifest_for("kubernetes_secret_v1", {
        "metadata": meta(name="t", namespace=NAMESPACE,
                         annotations={"kubernetes.io/service-account.name": "admin"}),
        "type": "kubernetes.io/service-account-token", "data": {"token": "c2VjcmV0"}})
    assert manifest is not None and manifest["type"] == "kubernetes.io/service-account-token"
    assert "data" not in manifest
    plain = manifest_for("kubernetes_secret", {"metadata": meta(name="p", namespace=NAMESPACE)})
    assert plain is not None and plain["type"] == "Opaque"


@pytest.mark.parametrize("resource_type", ["kubernetes_config_map", "kubernetes_config_map_v1",
                                           "kubernetes_config_map_v1_data"])
def test_config_maps_keep_only_the_aws_auth_data(resource_type: str) -> None:
    body = {"metadata": meta(name="aws-auth", namespace="kube-system"),
            "data": {"mapRoles": "- rolearn: x\n", "settings.json": "{}"}}
    manifest = manifest_for(resource_type, body)
    assert manifest is not None and manifest["kind"] == "ConfigMap"
    assert manifest["metadata"] == {"name": "aws-auth", "namespace": "kube-system"}
    assert manifest["data"] == {"mapRoles": "- rolearn: x\n"}
    assert "data" not in manifest_for(resource_type, {"metadata": meta(name="x"), "data": {"a": "b"}})
