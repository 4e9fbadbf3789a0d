"""What the example platform lets each workload do, proven on every change."""

import pytest_pfperms
from pytest_pfperms import ServiceAccount


def test_example_can_work_with_its_pvcs(pfperms):
    example = pfperms.workload("Deployment/example", namespace="apps")
    assert example.can("get", "persistentvolumeclaims")
    assert example.can("update", "persistentvolumeclaims")
    assert example.can("list", "persistentvolumeclaims")
    assert not example.can("delete", "persistentvolumeclaims")


def test_example_pvc_access_stays_in_its_namespace(pfperms):
    example = pfperms.workload("Deployment/example", namespace="apps")
    assert not example.can("get", "persistentvolumeclaims", namespace="ci")
    assert not example.can("list", "persistentvolumeclaims", namespace=None)  # cluster-wide


def test_example_can_read_its_pods_but_no_secrets(pfperms):
    example = pfperms.workload("Deployment/example", namespace="apps")
    pytest_pfperms.assert_can(example.can("list", "pods"))
    pytest_pfperms.assert_cannot(example.can("get", "secrets"))


def test_nightly_report_runs_as_default_with_no_resource_access(pfperms):
    report = pfperms.workload("CronJob/nightly-report", namespace="apps")
    assert report.service_account == ServiceAccount("apps", "default")
    assert not report.can("list", "pods")


def test_deployer_edits_apps_only(pfperms):
    deployer = ServiceAccount("ci", "deployer")
    assert pfperms.can(deployer, "patch", "deployments.apps", namespace="apps")
    assert pfperms.can(deployer, "impersonate", "serviceaccounts", namespace="apps")  # edit allows it
    assert not pfperms.can(deployer, "patch", "deployments.apps", namespace="monitoring")
    assert not pfperms.can(deployer, "create", "rolebindings.rbac.authorization.k8s.io",
                           namespace="apps")


def test_release_workflow_runs_as_the_deployer(pfperms):
    release = pfperms.workload("WorkflowTemplate/release", namespace="ci")
    assert release.service_account == ServiceAccount("ci", "deployer")
    assert release.can("update", "deployments.apps", namespace="apps")


def test_metrics_reader_is_aggregated_into_view(pfperms):
    # The helm chart labels its ClusterRole aggregate-to-view: anyone bound to
    # "view" (and so "edit" and "admin") can read pod metrics too.
    deployer = ServiceAccount("ci", "deployer")
    assert pfperms.can(deployer, "list", "pods.metrics.k8s.io", namespace="apps")


def test_only_the_scraper_has_a_cluster_role_binding(pfperms):
    bindings = pfperms.objects("ClusterRoleBinding")
    assert [binding.name for binding in bindings] == ["scraper"]


def test_nobody_outside_the_platform_reads_secrets_in_apps(pfperms):
    grants = pfperms.who_can("get", "secrets", namespace="apps")
    # Besides our own bindings, the cluster's defaults let system:masters and some
    # controllers (e.g. kube-system/namespace-controller) read them.
    ours = {grant.subject for grant in grants if not grant.builtin}
    assert ours == {"ServiceAccount ci/deployer"}
    assert "Group system:masters" in {grant.subject for grant in grants if grant.builtin}
