"""``load(..., share=(index, count))``: processes loading the same repository at once (xdist
workers) split the cold evaluation of its Terraform roots. Each first evaluates its share
(storing it in the cache), then loads the rest as usual, from the cache when another process
stored it; the model is the one a load without a cache builds."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import pytest_pfperms as pfperms
from pytest_pfperms.sources.terraform import model_building

pytest_plugins = ["pytester"]

MODULE = textwrap.dedent("""\
    variable "name" { type = string }
    variable "namespace" { type = string }

    resource "kubernetes_service_account" "this" {
      metadata {
        name      = var.name
        namespace = var.namespace
      }
    }

    resource "kubernetes_role_binding" "this" {
      metadata {
        name      = "${var.name}-edit"
        namespace = var.namespace
      }
      role_ref {
        api_group = "rbac.authorization.k8s.io"
        kind      = "ClusterRole"
        name      = "edit"
      }
      subject {
        kind      = "ServiceAccount"
        name      = kubernetes_service_account.this.metadata[0].name
        namespace = var.namespace
      }
    }
    """)


def _root(namespace: str) -> str:
    return textwrap.dedent(f"""\
        variable "suffix" {{ type = string }}

        module "app" {{
          source    = "../../zz-modules/app"
          name      = "app-${{var.suffix}}"
          namespace = "{namespace}"
        }}
        """)


ROOTS = ("alpha", "bravo", "charlie", "delta", "echo")


def write_repo(root: Path) -> Path:
    """Five roots calling one module (which sorts last, so every root's share reaches it after
    a root that calls it); each root's suffix is set by its tfvars, but echo's is unset (a
    symbol) and delta's main.tf does not parse (a problem the load reports)."""
    (root / "zz-modules" / "app").mkdir(parents=True)
    (root / "zz-modules" / "app" / "main.tf").write_text(MODULE)
    for name in ROOTS:
        directory = root / "environments" / name
        directory.mkdir(parents=True)
        (directory / "main.tf").write_text(_root(name) + ("resource {\n" if name == "delta" else ""))
        if name != "echo":
            (directory / "terraform.tfvars").write_text(f'suffix = "{name[0]}"\n')
    return root


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The repository of :func:`write_repo`, with a cache of its own beside it."""
    monkeypatch.setenv("PFPERMS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PFPERMS_NO_CACHE", raising=False)
    return write_repo(tmp_path / "repo")


def _snapshot(model: pfperms.Model) -> tuple[object, ...]:
    return (tuple((obj, obj.source) for obj in model.objects()), tuple(map(str, model.warnings)),
            tuple(model.resources))


def _record(monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    """The roots each load evaluates, in order, and those it evaluated cold (stored)."""
    asked: list[str] = []
    stored: list[str] = []
    load_root, store = model_building.load_terraform_root, model_building.store_result
    current: list[str] = []

    def loading(directory: Path, *args: object) -> object:
        asked.append(directory.name)
        current[:] = [directory.name]
        return load_root(directory, *args)  # type: ignore[arg-type]

    def storing(*args: object) -> None:
        stored.append(current[0])
        store(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(model_building, "load_terraform_root", loading)
    monkeypatch.setattr(model_building, "store_result", storing)
    return asked, stored


def test_a_share_evaluates_its_roots_first_and_the_load_takes_them(
        repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reference = _snapshot(pfperms.load(repo, allow_partial=True, cache=False))
    asked, stored = _record(monkeypatch)
    model = pfperms.load(repo, allow_partial=True, share=(1, 2))
    assert asked == ["bravo", "delta", "alpha", "charlie", "echo"], \
        "its share first (not the module bravo calls), then the other roots, each once"
    assert stored == asked, "none was in the cache"
    assert _snapshot(model) == reference
    assert any("environments/delta/main.tf:" in str(warning) for warning in model.warnings)
    assert sorted(str(account.name) for account in model.objects("ServiceAccount")) == \
        ['${"app-${var.suffix}"}', "app-a", "app-b", "app-c"]


def test_another_share_reads_what_the_first_stored(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The second worker of two, after the first: nothing is evaluated again."""
    reference = _snapshot(pfperms.load(repo, allow_partial=True, cache=False))
    first = pfperms.load(repo, allow_partial=True, share=(0, 2))
    _asked, stored = _record(monkeypatch)
    second = pfperms.load(repo, allow_partial=True, share=(1, 2))
    assert stored == []
    assert _snapshot(first) == _snapshot(second) == reference


def test_without_a_cache_a_share_does_nothing_more(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asked, _stored = _record(monkeypatch)
    model = pfperms.load(repo, allow_partial=True, share=(0, 3), cache=False)
    assert asked == list(ROOTS)
    assert _snapshot(model) == _snapshot(pfperms.load(repo, allow_partial=True, cache=False))


def test_a_failed_load_fails_the_same_with_a_share(repo: Path) -> None:
    with pytest.raises(pfperms.LoadError) as plain:
        pfperms.load(repo, cache=False)
    with pytest.raises(pfperms.LoadError) as shared:
        pfperms.load(repo, share=(0, 2))
    assert str(shared.value) == str(plain.value)
    assert "environments/delta/main.tf:" in str(shared.value)


def test_xdist_workers_load_with_their_share(pytester: pytest.Pytester, tmp_path_factory: pytest.TempPathFactory,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Under ``-n 3`` each worker loads with ``(index, 3)``; the model is the same in each."""
    write_repo(pytester.path / "repo")
    monkeypatch.setenv("PFPERMS_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    pytester.makeini("[pytest]\npfperms_paths = repo\npfperms_allow_partial = true\n")
    pytester.makepyfile(test_share="""
        import os
        import pytest
        from pytest_pfperms.testing import plugin

        @pytest.mark.parametrize("n", range(6))
        def test_share(pfperms, pytestconfig, n):
            worker = os.environ["PYTEST_XDIST_WORKER"]
            assert plugin._worker_share(pytestconfig) == (int(worker[2:]), 3)
            assert len(pfperms.objects("ServiceAccount")) == 4
    """)
    result = pytester.runpytest_subprocess("-n", "3", "-p", "no:cacheprovider")
    assert "6 passed" in result.stdout.str(), result.stdout.str()


def test_a_share_takes_a_root_with_the_modules_inside_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Roots holding their own modules (``one/modules/app``): the directories inside a root go
    with it, so a share never evaluates another share's modules as roots."""
    repo = tmp_path / "repo"
    for name in ("one", "two", "three"):
        (repo / name / "modules" / "app").mkdir(parents=True)
        (repo / name / "modules" / "app" / "main.tf").write_text(MODULE)
        (repo / name / "main.tf").write_text(
            f'module "app" {{\n  source    = "./modules/app"\n  name      = "app"\n  namespace = "{name}"\n}}\n')
    monkeypatch.setenv("PFPERMS_CACHE_DIR", str(tmp_path / "cache"))
    reference = _snapshot(pfperms.load(repo, cache=False))
    asked, _stored = _record(monkeypatch)
    model = pfperms.load(repo, share=(1, 2))
    assert asked == ["three", "one", "two"], "the share is three (whose module it reads), then the rest"
    assert _snapshot(model) == reference
