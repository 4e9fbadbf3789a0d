"""Every file under a loaded directory is loaded, or listed with the reason it is not; links
never lead the loader outside; special files never hang it (issue: input silently dropped)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import pytest_pfperms as pfperms
from pytest_pfperms.errors import LoadError

ROLE_BINDING = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ci-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: deployer, namespace: ci}]
"""

SECRET_TEXT = "root:x:0:0:secret-shape-of-a-file-outside:/root:/bin/bash\n"


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def deployer_is_admin(model: pfperms.Model) -> bool:
    return bool(model.can(pfperms.ServiceAccount("ci", "deployer"), "delete", "secrets", namespace="x"))


def load_error(*paths: Path, **kwargs: object) -> str:
    with pytest.raises(LoadError) as caught:
        pfperms.load(*paths, cache=False, **kwargs)  # type: ignore[arg-type]
    return str(caught.value)


# -- a Terraform file beside manifests ------------------------------------------------------------

def test_an_empty_tf_file_beside_manifests_keeps_the_manifests(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo, "k8s/binding.yaml", ROLE_BINDING)
    write(repo, "k8s/zz.tf", "")
    model = pfperms.load(repo / "k8s", repo_root=repo, cache=False)
    assert deployer_is_admin(model)


def test_a_directory_named_like_a_tf_file_is_walked_not_taken_for_terraform(tmp_path: Path) -> None:
    write(tmp_path, "k8s/binding.yaml", ROLE_BINDING)
    (tmp_path / "k8s" / "x.tf").mkdir()
    write(tmp_path, "k8s/x.tf/more.yaml", ROLE_BINDING.replace("ci-admin", "ci-admin-2"))
    model = pfperms.load(tmp_path / "k8s", cache=False)
    assert {o.name for o in model.objects("ClusterRoleBinding")} == {"ci-admin", "ci-admin-2"}


def test_yaml_read_by_the_configuration_is_its_input_not_a_second_manifest(tmp_path: Path) -> None:
    write(tmp_path, "infra/binding.yaml", ROLE_BINDING)
    write(tmp_path, "infra/main.tf", 'resource "kubernetes_manifest" "b" {\n'
                                     '  manifest = yamldecode(file("${path.module}/binding.yaml"))\n}\n')
    model = pfperms.load(tmp_path / "infra", repo_root=tmp_path, cache=False)
    (binding,) = model.objects("ClusterRoleBinding")
    assert binding.source.path.endswith("main.tf")  # made by Terraform, not read twice
    assert deployer_is_admin(model)


def test_a_manifest_the_configuration_does_not_read_is_loaded(tmp_path: Path) -> None:
    write(tmp_path, "infra/main.tf", 'locals { unused = 1 }\n')
    write(tmp_path, "infra/extra/binding.yaml", ROLE_BINDING)
    model = pfperms.load(tmp_path / "infra", repo_root=tmp_path, cache=False)
    assert deployer_is_admin(model)


def test_yaml_beside_terraform_that_holds_no_objects_is_listed_as_not_read(tmp_path: Path) -> None:
    write(tmp_path, "infra/main.tf", 'locals { unused = 1 }\n')
    write(tmp_path, "infra/settings.yaml", "replicas: 2\n")
    model = pfperms.load(tmp_path / "infra", repo_root=tmp_path, cache=False)
    (warning,) = [w for w in model.warnings if "settings.yaml" in w.file]
    assert "the configuration does not read it, and it holds no Kubernetes objects" in warning.message


BESIDE_JSON = {
    "dashboard": '{"title": "Pods", "panels": [{"id": 1, "targets": [{"expr": "up"}]}]}',
    "list": '[1, 2, {"a": null}]',
    "string": '"just text"',
    "null": "null",
    "empty": "",
    "duplicate keys": '{"a": 1, "a": 2}',
    "bad json": '{"title": "Pods",',
    "api version only": '{"apiVersion": "v1", "data": {}}',
    "an object": '{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", '
                 '"metadata": {"name": "ci-admin"}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", '
                 '"kind": "ClusterRole", "name": "cluster-admin"}, '
                 '"subjects": [{"kind": "ServiceAccount", "name": "deployer", "namespace": "ci"}]}',
    "escaped keys": '{"\\u0061piVersion": "rbac.authorization.k8s.io/v1", "\\u006bind": "ClusterRoleBinding", '
                    '"metadata": {"name": "ci-admin"}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", '
                    '"\\u006bind": "ClusterRole", "name": "cluster-admin"}, '
                    '"subjects": [{"\\u006bind": "ServiceAccount", "name": "deployer", "namespace": "ci"}]}',
    "escaped list": '{"\\u006bind": "List", "items": []}',
    "deep": "[" * 5_000 + "]" * 5_000,
    "a plan": '{"format_version": "1.2", "terraform_version": "1.9.0", "planned_values": {}}',
}


def _beside_outcome(tmp_path: Path, text: str) -> tuple[object, ...]:
    try:
        model = pfperms.load(tmp_path / "infra", repo_root=tmp_path, cache=False)
    except LoadError as error:
        return ("error", str(error))
    return (sorted(f"{o.kind}/{o.name}" for o in model.objects()),
            sorted((w.file, w.line, w.message) for w in model.warnings if "panel.json" in w.file))


@pytest.mark.parametrize("case", sorted(BESIDE_JSON))
def test_json_beside_terraform_is_read_as_the_manifest_reader_reads_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    """A .json file in a module directory that cannot hold objects is listed as not read
    without the line-keeping reader (json.loads is many times faster on dashboards): every
    outcome, warnings, objects and errors, is the one the full reader gives."""
    import pytest_pfperms.sources.loading as loading
    write(tmp_path, "infra/main.tf", 'locals { unused = 1 }\n')
    write(tmp_path, "infra/panel.json", BESIDE_JSON[case])
    taken: list[bool] = []
    original = loading._plain_json
    monkeypatch.setattr(loading, "_plain_json", lambda text: taken.append(original(text)) or taken[-1])
    fast = _beside_outcome(tmp_path, BESIDE_JSON[case])
    assert taken == [case in {"dashboard", "list", "string", "duplicate keys", "api version only", "deep"}]  # the fast path, or not
    monkeypatch.setattr(loading, "_plain_json", lambda text: False)
    assert fast == _beside_outcome(tmp_path, BESIDE_JSON[case])
    if case == "dashboard":
        assert fast[1] and "holds no Kubernetes objects" in str(fast[1])
    if case == "escaped keys":  # the binding is loaded: a fast "not read" would make cannot pass
        assert "ClusterRoleBinding/ci-admin" in fast[0]


def test_a_nested_root_nobody_calls_is_a_root_and_a_called_module_is_not(tmp_path: Path) -> None:
    module = ('variable "name" { type = string }\n'
              'resource "kubernetes_service_account" "this" {\n'
              '  metadata {\n    name = var.name\n    namespace = "ci"\n  }\n}\n')
    write(tmp_path, "infra/modules/account/main.tf", module)
    write(tmp_path, "infra/main.tf", 'module "deployer" {\n  source = "./modules/account"\n'
                                     '  name = "deployer"\n}\n')
    write(tmp_path, "infra/envs/prod/main.tf", 'resource "kubernetes_service_account" "p" {\n'
                                                '  metadata {\n    name = "prod-runner"\n'
                                                '    namespace = "prod"\n  }\n}\n')
    model = pfperms.load(tmp_path / "infra", repo_root=tmp_path, cache=False)
    names = sorted(str(o.name) for o in model.objects("ServiceAccount"))
    assert names == ["deployer", "prod-runner"]  # the module is not evaluated again as a root


# -- Helm chart files and kubectl's view of a directory -------------------------------------------

def test_values_yaml_without_a_chart_is_a_manifest_as_kubectl_applies_it(tmp_path: Path) -> None:
    write(tmp_path, "k8s/values.yaml", ROLE_BINDING)
    assert deployer_is_admin(pfperms.load(tmp_path / "k8s", cache=False))


def test_chart_files_beside_chart_yaml_are_listed_as_not_read(tmp_path: Path) -> None:
    write(tmp_path, "chart/Chart.yaml", "apiVersion: v2\nname: c\nversion: 1.0.0\n")
    write(tmp_path, "chart/values.yaml", "replicas: 2\n")
    write(tmp_path, "chart/values-prod.yaml", "replicas: 3\n")
    model = pfperms.load(tmp_path / "chart", cache=False)
    listed = sorted(Path(w.file).name for w in model.warnings if "Helm chart file" in w.message)
    assert listed == ["Chart.yaml", "values-prod.yaml", "values.yaml"]


def test_lists_inside_lists_are_flattened_as_kubectl_does(tmp_path: Path) -> None:
    inner = "\n".join("      " + line for line in ROLE_BINDING.splitlines())
    write(tmp_path, "nested.yaml", f"apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n"
                                   f"  kind: List\n  items:\n  -\n{inner}\n")
    model = pfperms.load(tmp_path / "nested.yaml", cache=False)
    assert deployer_is_admin(model)


def test_a_hidden_directory_holding_input_fails_the_load_unless_left_out(tmp_path: Path) -> None:
    """A test must not pass because the binding that breaks it sits in ``.stash/``."""
    write(tmp_path, "k8s/.stash/binding.yaml", ROLE_BINDING)
    write(tmp_path, "k8s/.git/config.yaml", "not: [yaml\n")
    write(tmp_path, "k8s/.notes/readme.txt", "nothing to load here\n")
    message = load_error(tmp_path / "k8s")
    assert ".stash: is a hidden directory holding input (binding.yaml)" in message
    assert ".git" not in message and ".notes" not in message
    model = pfperms.load(tmp_path / "k8s", cache=False, exclude=[tmp_path / "k8s" / ".stash"])
    assert [Path(w.file).name for w in model.warnings] == [".notes"]
    assert "holds no manifests or Terraform" in model.warnings[0].message


# -- links ----------------------------------------------------------------------------------------

def test_directory_links_inside_are_followed_once_and_loops_do_not_hang(tmp_path: Path) -> None:
    write(tmp_path, "k8s/shared/binding.yaml", ROLE_BINDING)
    (tmp_path / "k8s" / "also").symlink_to(tmp_path / "k8s" / "shared")
    (tmp_path / "k8s" / "shared" / "loop").symlink_to(tmp_path / "k8s")
    model = pfperms.load(tmp_path / "k8s", cache=False)
    assert len(model.objects("ClusterRoleBinding")) == 1
    assert sum("read already (or a loop)" in w.message for w in model.warnings) == 2


def test_a_directory_link_out_of_the_loaded_directory_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "elsewhere/binding.yaml", ROLE_BINDING)
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "out").symlink_to(tmp_path / "elsewhere")
    assert "is a link to a directory outside" in load_error(tmp_path / "k8s")


@pytest.mark.parametrize("name", ["main.tf", "terraform.tfvars", "prod.auto.tfvars",
                                  ".terraform/modules/modules.json"])
def test_terraform_inputs_linked_out_of_the_repository_are_refused_unread(tmp_path: Path, name: str
                                                                           ) -> None:
    outside = write(tmp_path, "outside/passwd", SECRET_TEXT)
    repo = tmp_path / "repo"
    write(repo, "infra/versions.tf", "terraform {}\n")
    link = repo / "infra" / name
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(outside)
    message = load_error(repo / "infra", repo_root=repo)
    assert f"{name}: is a link to a file outside {repo}" in message
    assert "secret-shape" not in message and "root:x" not in message


def test_a_symlink_loop_in_place_of_a_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "a.yaml").symlink_to(tmp_path / "k8s" / "b.yaml")
    (tmp_path / "k8s" / "b.yaml").symlink_to(tmp_path / "k8s" / "a.yaml")
    message = load_error(tmp_path / "k8s")
    assert "a.yaml" in message and "b.yaml" in message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("name", ["binding.yaml", "main.tf", "terraform.tfvars"])
def test_a_fifo_in_place_of_an_input_is_refused_without_hanging(tmp_path: Path, name: str) -> None:
    from bounded import run_bounded

    write(tmp_path, "repo/infra/versions.tf" if name != "binding.yaml" else "repo/infra/x.yaml",
          "terraform {}\n" if name != "binding.yaml" else ROLE_BINDING)
    os.mkfifo(tmp_path / "repo" / "infra" / name)
    result = run_bounded(f"""
        import pytest_pfperms as pfperms
        try:
            pfperms.load({str(tmp_path / "repo" / "infra")!r}, repo_root={str(tmp_path / "repo")!r},
                         cache=False)
        except pfperms.LoadError as error:
            print(error)
        """, seconds=60)
    assert "is not a regular file (a FIFO)" in result.stdout, result.stderr


# -- fail closed, or partial on request -----------------------------------------------------------

def test_allow_partial_turns_problems_into_warnings_and_keeps_what_loaded(tmp_path: Path) -> None:
    write(tmp_path, "k8s/good.yaml", ROLE_BINDING)
    write(tmp_path, "k8s/bad.yaml", "kind: [unclosed\n")
    assert "bad.yaml" in load_error(tmp_path / "k8s")
    model = pfperms.load(tmp_path / "k8s", cache=False, allow_partial=True)
    assert deployer_is_admin(model)
    assert any("bad.yaml" in w.file and "partial load allowed" in w.message for w in model.warnings)


# -- override files -------------------------------------------------------------------------------

def test_an_override_file_replaces_a_local_value_as_terraform_merges_it(tmp_path: Path) -> None:
    write(tmp_path, "infra/main.tf", 'locals { namespace = "staging" }\n'
                                     'resource "kubernetes_service_account" "d" {\n'
                                     '  metadata {\n    name = "deployer"\n'
                                     '    namespace = local.namespace\n  }\n}\n')
    write(tmp_path, "infra/prod_override.tf", 'locals { namespace = "prod" }\n')
    model = pfperms.load(tmp_path / "infra", repo_root=tmp_path, cache=False)
    (account,) = model.objects("ServiceAccount")
    assert account.namespace == "prod"


def test_an_override_of_a_resource_is_refused_naming_both_files(tmp_path: Path) -> None:
    write(tmp_path, "infra/main.tf", 'resource "kubernetes_service_account" "d" {\n'
                                     '  metadata {\n    name = "deployer"\n  }\n}\n')
    write(tmp_path, "infra/override.tf", 'resource "kubernetes_service_account" "d" {\n'
                                         '  automount_service_account_token = false\n}\n')
    message = load_error(tmp_path / "infra", repo_root=tmp_path)
    assert "override.tf:1: resource \"kubernetes_service_account\" \"d\" overrides the block " in message
    assert "main.tf:1)" in message and "merge the override into that file" in message


def test_an_override_of_nothing_is_an_error_as_in_terraform(tmp_path: Path) -> None:
    write(tmp_path, "infra/main.tf", 'locals { a = 1 }\n')
    write(tmp_path, "infra/x_override.tf", 'locals { b = 2 }\n')
    assert "local.b overrides a local value no primary file declares" in load_error(
        tmp_path / "infra", repo_root=tmp_path)


def test_a_kustomize_directory_fails_the_load_unless_left_out(tmp_path: Path) -> None:
    """Patches in a kustomize directory share names (two patches of one Deployment), so
    reading them as objects is wrong, and skipping them could hide a grant: an error saying
    what to do, unless the directory is left out on purpose."""
    patch = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"
             "spec: {template: {spec: {affinity: null}}}\n")
    write(tmp_path, "k8s/binding.yaml", ROLE_BINDING)
    write(tmp_path, "k8s/overlay/kustomization.yaml", "resources: [../base]\npatches: [{path: a.yaml}]\n")
    write(tmp_path, "k8s/overlay/a.yaml", patch)
    write(tmp_path, "k8s/overlay/b.yaml", patch)
    message = load_error(tmp_path / "k8s")
    assert "overlay/a.yaml: is in a kustomize directory" in message and "kubectl kustomize" in message
    model = pfperms.load(tmp_path / "k8s", cache=False, exclude=[tmp_path / "k8s" / "overlay"])
    assert deployer_is_admin(model)


def test_kustomize_files_a_terraform_module_applies_are_listed_not_errors(tmp_path: Path) -> None:
    """Beside Terraform (a helm_release post-renderer's input) they are the configuration's."""
    write(tmp_path, "tf/main.tf", 'resource "kubernetes_namespace_v1" "ns" {\n  metadata { name = "a" }\n}\n')
    write(tmp_path, "tf/kustomize/kustomization.yaml", "resources: [all.yaml]\n")
    write(tmp_path, "tf/kustomize/patch.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    model = pfperms.load(tmp_path / "tf", cache=False)
    listed = sorted(Path(w.file).name for w in model.warnings if "kustomize" in w.message)
    assert listed == ["kustomization.yaml", "patch.yaml"]


def test_a_local_chart_a_terraform_module_installs_is_listed_not_an_error(tmp_path: Path) -> None:
    """Its templates are a helm_release's input (Helm syntax, not objects); outside
    Terraform the same templates fail the load (render them first)."""
    release = ('resource "helm_release" "local" {\n  name  = "local"\n  chart = "./chart"\n}\n')
    template = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n"
    write(tmp_path, "tf/main.tf", release)
    write(tmp_path, "tf/chart/Chart.yaml", "apiVersion: v2\nname: c\nversion: 1.0.0\n")
    write(tmp_path, "tf/chart/templates/cm.yaml", template)
    model = pfperms.load(tmp_path / "tf", cache=False)
    listed = [Path(w.file).name for w in model.warnings if "Helm chart inside a Terraform" in w.message]
    assert listed == ["cm.yaml"]
    write(tmp_path, "plain/chart/Chart.yaml", "apiVersion: v2\nname: c\nversion: 1.0.0\n")
    write(tmp_path, "plain/chart/templates/cm.yaml", template)
    assert "render it first with `helm template" in load_error(tmp_path / "plain")


def test_a_manifest_1200_directories_deep_is_found_in_bounded_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bounded import run_bounded

    (tmp_path / "k8s").mkdir()
    monkeypatch.chdir(tmp_path / "k8s")
    for _ in range(1200):  # relative steps: the whole path is longer than one syscall takes
        os.mkdir("d")
        os.chdir("d")
    Path("binding.yaml").write_text(ROLE_BINDING)
    monkeypatch.chdir(tmp_path)
    try:
        done = run_bounded("""
            import pytest_pfperms as pfperms
            model = pfperms.load("k8s", cache=False)
            print([o.name for o in model.objects("ClusterRoleBinding")])
        """, seconds=30, cwd=str(tmp_path))
    finally:
        _remove_deep_tree(tmp_path / "k8s", 1200)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['ci-admin']"


def _remove_deep_tree(top: Path, depth: int) -> None:
    """Remove ``top/d/d/.../binding.yaml`` bottom-up (shutil.rmtree, and so pytest's clean-up
    of old temporary directories, recurses once per level and would overflow)."""
    here = os.getcwd()
    try:
        os.chdir(top)
        for _ in range(depth):
            os.chdir("d")
        os.remove("binding.yaml")
        for _ in range(depth):
            os.chdir("..")
            os.rmdir("d")
    finally:
        os.chdir(here)
