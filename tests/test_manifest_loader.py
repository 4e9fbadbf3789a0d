"""Loading rendered manifests: formats, provenance, namespaces, and every kind of bad input."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

import pytest_pfperms as pfperms
from pytest_pfperms.model.objects import (
    ClusterRole,
    Role,
    ServiceAccountObject,
    WorkloadObject,
)
from pytest_pfperms.sources.manifests import documents as manifests


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def load_error(*paths: Path, **kwargs: object) -> pfperms.LoadError:
    with pytest.raises(pfperms.LoadError) as caught:
        pfperms.load(*paths, **kwargs)  # type: ignore[arg-type]
    return caught.value


ROLE = """\
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata: {name: reader, namespace: apps}
    rules:
      - apiGroups: [""]
        resources: ["pods"]
        verbs: ["get"]
    """


# -- formats and provenance -----------------------------------------------------------------------

def test_multi_document_yaml_with_empty_and_comment_documents(tmp_path: Path) -> None:
    path = write(tmp_path, "all.yaml", """\
        # leading comment
        ---
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: a, namespace: apps}
        ---
        # only a comment here
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: b, namespace: apps}
        ...
        """)
    model = pfperms.load(path)
    accounts = model.objects("ServiceAccount")
    assert [(o.name, o.source.line) for o in accounts] == [("a", 4), ("b", 10)]
    assert str(accounts[0].source) == f"{path}:4"


def test_rule_lines_point_at_each_rule(tmp_path: Path) -> None:
    path = write(tmp_path, "role.yaml", """\
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: two}
        rules:
          - apiGroups: [""]
            resources: ["pods"]
            verbs: ["get"]
          - apiGroups: ["apps"]
            resources: ["deployments"]
            verbs: ["list"]
        """)
    role = pfperms.load(path).objects("ClusterRole")[0]
    assert isinstance(role, ClusterRole)
    assert [(rule.index, rule.source.line) for rule in role.rules] == [(0, 5), (1, 8)]


def test_helm_template_source_comments_are_kept(tmp_path: Path) -> None:
    path = write(tmp_path, "rendered.yaml", """\
        ---
        # Source: chart/templates/sa.yaml
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: a, namespace: apps}
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: no-source, namespace: apps}
        ---
        # Source: chart/templates/role.yaml
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {name: r, namespace: apps}
        rules: []
        """)
    model = pfperms.load(path)
    sources = {o.name: o.source for o in model.objects()}
    assert sources["a"].helm_source == "chart/templates/sa.yaml"
    assert sources["no-source"].helm_source is None
    assert sources["r"].helm_source == "chart/templates/role.yaml"
    assert str(sources["r"]) == f"{path}:12 (helm: chart/templates/role.yaml)"


def test_kubectl_list_dump_items_with_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "dump.yaml", """\
        apiVersion: v1
        kind: List
        metadata: {resourceVersion: ""}
        items:
        - apiVersion: v1
          kind: ServiceAccount
          metadata:
            name: a
            namespace: apps
            resourceVersion: "123"
            uid: 0c0e
        - apiVersion: rbac.authorization.k8s.io/v1
          kind: RoleBinding
          metadata: {name: b, namespace: apps}
          subjects: [{kind: ServiceAccount, name: a}]
          roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
        """)
    model = pfperms.load(path)
    assert [(o.kind, o.source.line) for o in model.objects()] == [("ServiceAccount", 5),
                                                                  ("RoleBinding", 12)]
    assert model.can(pfperms.ServiceAccount("apps", "a"), "list", "pods", namespace="apps").allowed


def test_typed_list_kinds_and_json_files(tmp_path: Path) -> None:
    document = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleList", "items": [
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
         "metadata": {"name": "r", "namespace": "apps"},
         "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}]}
    path = tmp_path / "roles.json"
    path.write_text(json.dumps(document, indent=2))
    model = pfperms.load(path)
    (role,) = model.objects("Role")
    assert role.source.line == 5


def test_json_that_yaml_cannot_read_falls_back_to_json(tmp_path: Path) -> None:
    path = tmp_path / "sa.json"
    path.write_text('{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"a","namespace":"x",'
                    '"annotations":{"url":"https:\\/\\/example.com"}}}')
    (account,) = pfperms.load(path).objects()
    assert account.annotations["url"] == "https://example.com"


def test_bad_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  "apiVersion": "v1",\n  "kind": \n}')
    error = load_error(path)
    assert error.file == str(path)
    assert error.line == 4


def test_directories_are_read_recursively_in_order_and_chart_files_skipped(tmp_path: Path) -> None:
    write(tmp_path, "b/sa.yml", "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: b, namespace: x}\n")
    write(tmp_path, "a/sa.yaml", "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a, namespace: x}\n")
    write(tmp_path, "a/Chart.yaml", "apiVersion: v2\nname: chart\nversion: 1.0.0\n")
    write(tmp_path, "a/values.yaml", "replicas: 2\n")
    write(tmp_path, ".git/config.yaml", "not: [valid\n")
    write(tmp_path, "README.md", "# not read\n")
    model = pfperms.load(tmp_path)
    assert [o.name for o in model.objects()] == ["a", "b"]


# -- namespaces and workloads ---------------------------------------------------------------------

def test_objects_without_namespace_land_in_the_default_namespace(tmp_path: Path) -> None:
    path = write(tmp_path, "install.yaml", """\
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: agent}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: agent}
        rules: []
        ---
        apiVersion: example.com/v1
        kind: Widget
        metadata: {name: w}
        """)
    model = pfperms.load(path)
    assert {o.kind: o.namespace for o in model.objects()} == {
        "ServiceAccount": "default", "ClusterRole": None, "Widget": "default"}
    model = pfperms.load(path, default_namespace="agents")
    assert model.objects("ServiceAccount")[0].namespace == "agents"
    model = pfperms.load(path, namespaces={str(path): "per-path"})
    assert model.objects("ServiceAccount")[0].namespace == "per-path"


WORKLOADS = """\
    apiVersion: v1
    kind: Pod
    metadata: {name: pod}
    spec: {serviceAccountName: pod-sa}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: deploy}
    spec: {template: {spec: {serviceAccount: legacy-sa}}}
    ---
    apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: sts}
    spec: {template: {spec: {serviceAccountName: new-sa, serviceAccount: legacy-sa}}}
    ---
    apiVersion: apps/v1
    kind: DaemonSet
    metadata: {name: ds}
    spec: {template: {spec: {}}}
    ---
    apiVersion: apps/v1
    kind: ReplicaSet
    metadata: {name: rs}
    spec: {template: {spec: {serviceAccountName: rs-sa}}}
    ---
    apiVersion: batch/v1
    kind: Job
    metadata: {name: job}
    spec: {template: {spec: {serviceAccountName: job-sa, automountServiceAccountToken: false}}}
    ---
    apiVersion: batch/v1
    kind: CronJob
    metadata: {name: cron}
    spec: {jobTemplate: {spec: {template: {spec: {serviceAccountName: cron-sa}}}}}
    ---
    apiVersion: argoproj.io/v1alpha1
    kind: Workflow
    metadata: {name: wf}
    spec:
      serviceAccountName: wf-sa
      templates:
        - {name: a}
        - {name: b, serviceAccountName: override-sa}
    ---
    apiVersion: argoproj.io/v1alpha1
    kind: WorkflowTemplate
    metadata: {name: wft}
    spec: {templates: []}
    ---
    apiVersion: argoproj.io/v1alpha1
    kind: CronWorkflow
    metadata: {name: cwf}
    spec: {workflowSpec: {serviceAccountName: cwf-sa}}
    """


def test_every_workload_kind_names_its_service_account(tmp_path: Path) -> None:
    model = pfperms.load(write(tmp_path, "w.yaml", WORKLOADS), default_namespace="apps")
    accounts = {f"{w.kind}/{w.name}": w.obj.service_account_name for w in model.workloads()}
    assert accounts == {
        "Pod/pod": "pod-sa", "Deployment/deploy": "legacy-sa", "StatefulSet/sts": "new-sa",
        "DaemonSet/ds": "default", "ReplicaSet/rs": "rs-sa", "Job/job": "job-sa",
        "CronJob/cron": "cron-sa", "Workflow/wf": "wf-sa", "WorkflowTemplate/wft": "default",
        "CronWorkflow/cwf": "cwf-sa"}
    workflow = model.workload("Workflow/wf")
    assert [sa.name for sa in workflow.service_accounts] == ["wf-sa", "override-sa"]
    job = model.workload("Job/job", namespace="apps")
    assert isinstance(job.obj, WorkloadObject) and job.obj.automount_token is False


def test_token_automount_note_from_pod_or_service_account(tmp_path: Path) -> None:
    path = write(tmp_path, "w.yaml", """\
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: quiet, namespace: apps}
        automountServiceAccountToken: false
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: quiet, namespace: apps}
        spec: {template: {spec: {serviceAccountName: quiet}}}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: loud, namespace: apps}
        spec: {template: {spec: {serviceAccountName: quiet, automountServiceAccountToken: true}}}
        """)
    model = pfperms.load(path)
    account = model.objects("ServiceAccount")[0]
    assert isinstance(account, ServiceAccountObject) and account.automount_token is False
    quiet = model.workload("Deployment/quiet").can("get", "/healthz")
    assert quiet.allowed is True
    assert "note: the pods mount no token by default: ServiceAccount apps/quiet sets" in quiet.explain()
    assert "mount no token" not in model.workload("Deployment/loud").can("get", "/healthz").explain()


def test_unknown_kinds_are_kept_as_inert_objects(tmp_path: Path) -> None:
    path = write(tmp_path, "crd.yaml", """\
        apiVersion: cert-manager.io/v1
        kind: Certificate
        metadata: {name: tls, namespace: apps}
        spec: {secretName: tls}
        """)
    (cert,) = pfperms.load(path).objects("Certificate")
    assert cert.body["spec"] == {"secretName": "tls"}


def test_old_rbac_versions_load_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "old.yaml", ROLE.replace("rbac.authorization.k8s.io/v1", "rbac.authorization.k8s.io/v1beta1"))
    model = pfperms.load(path)
    assert isinstance(model.objects("Role")[0], Role)
    (warning,) = model.warnings
    assert str(warning) == (f"{path}:1: Role apps/reader: apiVersion rbac.authorization.k8s.io/v1beta1 "
                            "is deprecated (removed in Kubernetes 1.22); read as rbac.authorization.k8s.io/v1")


def test_objects_the_api_server_would_reject_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "odd.yaml", """\
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {name: odd}
        subjects: [{kind: ServiceAccount, name: nobody}, {kind: user, name: alice}]
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}
        """)
    error = load_error(path)
    assert [str(problem) for problem in error.problems] == [
        f"{path}:5: roleRef.kind: Unsupported value 'Role': supported values: \"ClusterRole\" "
        "(a ClusterRoleBinding can only bind a ClusterRole)",
        f"{path}:4: subjects[0].namespace: Required value: a ServiceAccount subject of a "
        "ClusterRoleBinding needs the service account's namespace",
        f"{path}:4: subjects[1].kind: Unsupported value 'user': supported values: "
        '"ServiceAccount", "User", "Group"; did you mean "User"?',
    ]


# -- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "line", "message"), [
    pytest.param(ROLE.replace('verbs: ["get"]', 'verbs: "get"'), 7,
                 'rules[0].verbs: expected a list of strings, got "get"', id="verbs-string"),
    pytest.param(ROLE.replace('verbs: ["get"]', "verbs: [get, 3]"), 7,
                 "rules[0].verbs[1]: expected a string, got 3", id="verbs-number"),
    pytest.param(ROLE.replace('        verbs: ["get"]\n', ""), 5,
                 "rules[0]: missing required field 'verbs'", id="verbs-missing"),
    pytest.param(ROLE.replace("rules:\n", "rules: 5\n").split("  - ")[0], 4,
                 "rules: expected a list of rules, got 5", id="rules-not-list"),
    pytest.param("apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\n"
                 "metadata: {name: b, namespace: x}\nsubjects: [{name: a}]\n"
                 "roleRef: {kind: Role, name: r}\n", 4,
                 "subjects[0]: missing required field 'kind'", id="subject-kind-missing"),
    pytest.param("apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\n"
                 "metadata: {name: b, namespace: x}\n", 1,
                 "missing required field 'roleRef'", id="roleref-missing"),
    pytest.param("apiVersion: v1\nkind: ServiceAccount\nmetadata: {namespace: x}\n", 3,
                 "metadata: needs a 'name' (or 'generateName')", id="name-missing"),
    pytest.param("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\n"
                 "automountServiceAccountToken: 'no'\n", 4,
                 'automountServiceAccountToken: expected true or false, got "no"', id="automount-string"),
    pytest.param("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n"
                 "spec:\n  template:\n    spec:\n      serviceAccountName: [a]\n", 7,
                 'spec.template.spec.serviceAccountName: expected a string, got ["a"]', id="sa-list"),
    pytest.param("- just\n- a list\n", 1, 'expected a Kubernetes object (a mapping), got ["just", "a list"]', id="top-level-list"),
    pytest.param("kind: ServiceAccount\nmetadata: {name: a}\n", 1, "missing required field 'apiVersion'",
                 id="apiversion-missing"),
    pytest.param("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: a}\n"
                 "aggregationRule:\n  clusterRoleSelectors:\n  - matchExpressions:\n"
                 "    - {key: a, operator: Equals}\n", 7,
                 'aggregationRule.clusterRoleSelectors[0].matchExpressions[0].operator: expected one of In, '
                 'NotIn, Exists, DoesNotExist, got "Equals"', id="selector-operator"),
])
def test_invalid_objects_name_file_line_and_field(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = write(tmp_path, "bad.yaml", text)
    error = load_error(path)
    assert str(error) == f"{path}:{line}: {message}"
    assert error.file == str(path) and error.line == line
    assert isinstance(error, ValueError) and isinstance(error, pfperms.PfpermsError)


def test_yaml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: [a}\n")
    error = load_error(path)
    assert error.line == 3
    assert str(error).startswith(f"{path}:3: YAML syntax error:")
    assert "(column" in str(error)


def test_duplicate_mapping_keys_are_an_error_not_a_silent_overwrite(tmp_path: Path) -> None:
    path = write(tmp_path, "dup.yaml", ROLE + "rules: []\n")
    error = load_error(path)
    assert error.line == 8
    assert "mapping key 'rules' is defined again here (remove one)" in str(error)


def test_yaml_merge_keys_still_work(tmp_path: Path) -> None:
    path = write(tmp_path, "merge.yaml", """\
        apiVersion: v1
        kind: ServiceAccount
        metadata: &meta {name: a, namespace: x}
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          <<: {name: a, namespace: y}
          name: b
        """)
    assert [(o.name, o.namespace) for o in pfperms.load(path).objects()] == [("a", "x"), ("b", "y")]


def test_unsafe_tags_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "evil.yaml", "apiVersion: v1\nkind: !!python/object/apply:os.system ['true']\n")
    error = load_error(path)
    assert error.line == 2 and "YAML syntax error" in str(error)


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    path = write(tmp_path, "bomb.yaml", "\n".join(lines) + "\n")
    error = load_error(path)
    assert "expands to more than 1,000,000 nodes through YAML aliases" in str(error)


def test_duplicate_objects_name_both_places(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", ROLE)
    second = write(tmp_path, "b.yaml", "---\n" + textwrap.dedent(ROLE))
    error = load_error(tmp_path)
    assert str(error) == (f"{second}:2: Role apps/reader is defined twice: first at {first}:1, again here; "
                          "the API server would keep only one (remove or rename one)")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "apiVersion: v1\nkind: ServiceAccount\nmetadata: {}\n")
    write(tmp_path, "b.yaml", "key: [unclosed\n")
    error = load_error(tmp_path)
    assert len(error.problems) == 2
    assert str(error).startswith("2 problems while loading:")


def test_missing_path_non_utf8_and_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert str(load_error(tmp_path / "nope")) == f"{tmp_path / 'nope'}: does not exist"
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"kind: \xff\xfe\n")
    assert "is not UTF-8 text" in str(load_error(binary))
    big = write(tmp_path, "big.yaml", ROLE)
    monkeypatch.setattr("pytest_pfperms.sources.loading.MAX_FILE_BYTES", 10)
    assert "more than the 10-byte limit for a manifest file; split it into smaller files" in str(load_error(big))


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_links_leading_outside_the_directory_are_refused(tmp_path: Path) -> None:
    outside = write(tmp_path, "outside/secret.yaml", ROLE)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "link.yaml").symlink_to(outside)
    assert "is a link to a file outside" in str(load_error(repo))


def test_no_paths_is_an_error() -> None:
    with pytest.raises(pfperms.LoadError, match="needs at least one file or directory"):
        pfperms.load()


def test_cluster_defaults_answer_but_are_never_listed(tmp_path: Path) -> None:
    path = write(tmp_path, "role.yaml", ROLE)
    model = pfperms.load(path)
    assert [o.name for o in model.objects()] == ["reader"]
    assert model.objects("ClusterRole") == []
    assert model.can(pfperms.User("root", ("system:masters",)), "delete", "nodes").allowed is True
    bare = pfperms.load(path, cluster_defaults=False)
    assert bare.can(pfperms.User("root", ("system:masters",)), "delete", "nodes").allowed is False


def test_loader_module_uses_libyaml() -> None:
    assert manifests._Parser.__module__ == "yaml._yaml"


def test_dump_makes_namespaces_explicit_and_refuses_unknowns(tmp_path: Path) -> None:
    path = write(tmp_path, "in/sa.yaml", "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\n")
    model = pfperms.load(path, default_namespace="team")
    text = pfperms.dumps(model)
    assert text.startswith(f"# from {path}:1\napiVersion: v1\nkind: ServiceAccount\n")
    assert "namespace: team" in text
    again = pfperms.load(pfperms.dump(model, tmp_path / "out.yaml"), default_namespace="other")
    assert [(o.namespace, o.name) for o in again.objects()] == [("team", "a")]
    tf = tmp_path / "tf"
    tf.mkdir()
    (tf / "main.tf").write_text('variable "ns" {}\nresource "kubernetes_service_account" "a" {\n'
                                '  metadata {\n    name = "a"\n    namespace = var.ns\n  }\n}\n')
    with pytest.raises(pfperms.InvalidArgument, match=r"known only after apply: var\.ns"):
        pfperms.dumps(pfperms.load(tf, repo_root=tf))


def test_generated_names_read_plainly_and_stay_distinct(tmp_path: Path) -> None:
    path = write(tmp_path, "gen.yaml", """\
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {generateName: reader-, namespace: apps}
        rules: []
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {generateName: reader-, namespace: apps}
        rules: []
        """)
    first, second = pfperms.load(path).objects("Role")
    assert first.ref() == "Role apps/reader-<generated>"
    assert first.name != second.name  # two objects, two generated names
