"""What the example platform lets each workload do, proven on every change."""

from pathlib import Path

import pytest

import pytest_pfperms
from pytest_pfperms import ServiceAccount


def test_example_can_work_with_its_pvcs(pfperms):
    example = pfperms.workload("Deployment/example", namespace="apps")
    assert example.can("get", "persistentvolumeclaims")
    assert example.can("update", "persistentvolumeclaims")
    assert example.can("list", "persistentvolumeclaims")
    assert not example.can("delete", "persistentvolumeclaims")


def test_the_terraform_module_address_finds_the_same_workload(pfperms):
    by_address = pfperms.workload("module.example_deployment")
    assert by_address.obj is pfperms.workload("Deployment/example", namespace="apps").obj
    # Panfactum names the service account randomly at apply; it is a symbol, not a guess.
    assert by_address.service_account.namespace == "apps"
    assert "random_id" in by_address.service_account.name.reason


def test_example_pvc_access_stays_in_its_namespace(pfperms):
    example = pfperms.workload("Deployment/example", namespace="apps")
    assert not example.can("get", "persistentvolumeclaims", namespace="ci")
    assert not example.can("list", "persistentvolumeclaims", namespace=None)  # cluster-wide


def test_example_can_read_its_pods_but_no_secrets(pfperms):
    example = pfperms.workload("Deployment/example", namespace="apps")
    pytest_pfperms.assert_can(example.can("list", "pods"))  # kube_pod's implicit pod-reader grant
    pytest_pfperms.assert_cannot(example.can("get", "secrets"))


def test_nightly_report_reads_config_maps_only(pfperms):
    report = pfperms.workload("module.nightly_report")
    assert report.kind == "CronJob"
    assert report.can("watch", "configmaps")
    assert not report.can("get", "persistentvolumeclaims")


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


def test_without_a_namespace_cross_namespace_answers_are_unknown():
    # Load the Terraform without `namespace=apps`: answers inside the workload's own
    # namespace stay definite; elsewhere they depend on var.namespace.
    model = pytest_pfperms.load(Path(__file__).parent.parent / "terraform" / "apps")
    example = model.workload("module.example_deployment")
    assert example.can("update", "persistentvolumeclaims")
    decision = example.can("update", "persistentvolumeclaims", namespace="other")
    assert decision.allowed is None
    with pytest.raises(pytest_pfperms.Indeterminate, match=r"var\.namespace"):
        bool(decision)


JOBS = "arn:aws:sqs:us-east-2:111122223333:jobs"


def test_example_sends_to_the_jobs_queue_from_inside_the_cluster_only(pfperms):
    example = pfperms.workload("Deployment/example", namespace="apps")
    assert example.aws_can("sqs:SendMessage", JOBS)
    assert not example.aws_can("sqs:DeleteQueue", JOBS)
    assert not example.aws_can("sqs:SendMessage", JOBS, context="outside-cluster")


def test_other_workloads_have_no_aws_access(pfperms):
    report = pfperms.workload("module.nightly_report")
    assert not report.aws_can("sqs:SendMessage", JOBS)


def test_example_reads_its_vault_secrets_but_not_the_root_token(pfperms):
    example = pfperms.workload("Deployment/example", namespace="apps")
    assert example.vault_can("read", "secret/data/example/db")
    assert not example.vault_can("update", "secret/data/example/db")
    assert not example.vault_can("read", "secret/data/example/root-token")
    assert not pfperms.workload("module.nightly_report").vault_can("read", "secret/data/example/db")
