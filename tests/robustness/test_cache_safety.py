"""The caches never execute or trust what they read (issue 11, "code execution through the cache").

A repository under test is written by anyone who can open a pull request; a cache entry
planted in it, a forged entry in the user's cache, or a cache path that points into the
repository must never run code, hide an object, hang or exhaust memory.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import pytest_pfperms as pfperms
from pytest_pfperms.sources.cache.codec import Codec, CodecError
from pytest_pfperms.sources.cache.store import CacheStore, open_store
from pytest_pfperms.sources.hcl.parse_cache import cache_key
from pytest_pfperms.sources.manifests import reading_cache
from pytest_pfperms.sources.terraform.evaluation_cache import _result_codec, result_key

ADMIN_BINDING = """
resource "kubernetes_cluster_role_binding" "admin" {
  metadata { name = "ci-admin" }
  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "ClusterRole"
    name      = "cluster-admin"
  }
  subject {
    kind      = "ServiceAccount"
    name      = "deployer"
    namespace = "ci"
  }
}
"""


class _Payload:
    """Unpickling this creates a file: the proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (os.system, (f"touch {self.marker}",))


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "infra").mkdir(parents=True)
    (repo / "infra" / "main.tf").write_text(ADMIN_BINDING)
    return repo


def _deployer_is_admin(model: pfperms.Model) -> bool:
    return bool(model.can("system:serviceaccount:ci:deployer", "delete", "nodes"))


@pytest.fixture()
def user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "user-cache"
    monkeypatch.setenv("PFPERMS_CACHE_DIR", str(directory))
    monkeypatch.delenv("PFPERMS_NO_CACHE", raising=False)
    return directory


def test_a_pickle_committed_in_the_repo_never_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _repo(tmp_path)
    marker = tmp_path / "code-ran"
    text = (repo / "infra" / "main.tf").read_text()
    planted = repo / ".pfperms-cache" / "ast"
    planted.mkdir(parents=True)
    for name in (f"{cache_key('infra/main.tf', text)}.pickle", f"{cache_key('infra/main.tf', text)}.entry"):
        (planted / name).write_bytes(pickle.dumps(_Payload(marker)))
    monkeypatch.chdir(repo)
    monkeypatch.setenv("PFPERMS_CACHE_DIR", ".pfperms-cache")  # relative: refused
    model = pfperms.load("infra", repo_root=repo)
    assert not marker.exists()
    assert _deployer_is_admin(model)
    assert any("relative path" in warning.message for warning in model.warnings)


def test_a_cache_dir_inside_the_repo_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _repo(tmp_path)
    monkeypatch.setenv("PFPERMS_CACHE_DIR", str(repo / ".cache"))
    model = pfperms.load(repo / "infra", repo_root=repo)
    assert _deployer_is_admin(model)
    assert not (repo / ".cache").exists()
    assert any("inside the loaded repository" in warning.message for warning in model.warnings)


def test_a_forged_result_entry_cannot_hide_a_binding(tmp_path: Path, user_cache: Path) -> None:
    repo = _repo(tmp_path)
    key = result_key(repo / "infra", repo, {})
    forger = CacheStore(user_cache, b"f" * 64)  # a different secret than the user's
    empty_result = Codec().dumps({"recorder": None, "result": ["#T", [], [], [], []]})
    forger.write("results", key, empty_result)
    assert _deployer_is_admin(pfperms.load(repo / "infra", repo_root=repo))


def test_entries_that_are_fifos_or_links_to_devices_are_ignored(tmp_path: Path, user_cache: Path) -> None:
    repo = _repo(tmp_path)
    text = (repo / "infra" / "main.tf").read_text()
    (user_cache / "ast").mkdir(parents=True)
    (user_cache / "results").mkdir(parents=True)
    os.mkfifo(user_cache / "ast" / f"{cache_key('main.tf', text)}.entry")  # keys hash content, not path
    (user_cache / "results" / f"{result_key(repo / 'infra', repo, {})}.entry").symlink_to("/dev/zero")
    script = textwrap.dedent(f"""
        import resource, pytest_pfperms as pfperms
        resource.setrlimit(resource.RLIMIT_AS, (2 * 1024 ** 3, 2 * 1024 ** 3))
        model = pfperms.load({str(repo / 'infra')!r}, repo_root={str(repo)!r})
        print(bool(model.can("system:serviceaccount:ci:deployer", "delete", "nodes")))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PFPERMS_CACHE_DIR": str(user_cache)}, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"


def test_a_secret_others_can_read_turns_the_cache_off(user_cache: Path) -> None:
    store, reason = open_store()
    assert store is not None and reason is None
    os.chmod(user_cache / "secret.key", 0o644)
    store, reason = open_store()
    assert store is None and reason is not None and "readable by others" in reason


def test_warm_loads_give_the_same_model_as_cold_ones(tmp_path: Path, user_cache: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "infra" / "sa.tf").write_text(textwrap.dedent("""
        resource "random_id" "suffix" { byte_length = 4 }
        resource "kubernetes_service_account" "app" {
          metadata {
            name      = "app-${random_id.suffix.hex}"
            namespace = "apps"
            labels    = { team = "a" }
          }
        }
    """))
    cold = pfperms.load(repo / "infra", repo_root=repo)
    assert list((user_cache / "results").iterdir()) and list((user_cache / "ast").iterdir())
    warm = pfperms.load(repo / "infra", repo_root=repo)
    uncached = pfperms.load(repo / "infra", repo_root=repo, cache=False)
    assert warm.objects() == cold.objects() == uncached.objects()
    codec = _result_codec()  # every field, symbols' reasons and sources included
    assert codec.dumps(warm.objects()) == codec.dumps(cold.objects()) == codec.dumps(uncached.objects())
    assert _deployer_is_admin(warm)


def test_no_cache_touches_nothing(tmp_path: Path, user_cache: Path) -> None:
    repo = _repo(tmp_path)
    pfperms.load(repo / "infra", repo_root=repo, cache=False)
    assert not user_cache.exists()


def test_the_codec_builds_only_registered_classes() -> None:
    codec = Codec()
    with pytest.raises(CodecError, match="unknown tag"):
        codec.loads(b'["#Path", "/etc/passwd"]')
    with pytest.raises(CodecError, match="cannot cache"):
        codec.dumps(Path("/"))
    value = {"a": (1, [2, "#x"], frozenset({"s"})), "b": None, 3: True}
    assert codec.loads(codec.dumps(value)) == value


_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5) \
    | st.sampled_from(["#T", "#L", "#x", "#", ""]) | st.decimals(allow_nan=False, allow_infinity=False)


@dataclass(frozen=True)
class _Pair:
    left: object
    right: object


def _containers(inner: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return (st.lists(inner, max_size=4) | st.tuples(inner, inner)
            | st.frozensets(st.text(max_size=3), max_size=3)
            | st.dictionaries(st.text(max_size=3) | st.integers(), inner, max_size=3)
            | st.builds(_Pair, inner, inner))


_VALUES = st.recursive(_SCALARS, _containers, max_leaves=20)


@given(_VALUES)
def test_the_codec_gives_back_every_shape_it_takes(value: object) -> None:
    """Lists whose first item looks like a tag, tuples, frozensets, dicts with other keys,
    Decimals and registered classes, nested: decoded equal and of the same types."""
    codec = Codec([_Pair])
    decoded = codec.loads(codec.dumps(value))
    assert decoded == value and _shape(decoded) == _shape(value)


def _shape(value: object) -> object:
    if isinstance(value, (list, tuple)):
        return (type(value), [_shape(item) for item in value])
    if isinstance(value, dict):
        return (dict, sorted((repr(k), _shape(v)) for k, v in value.items()))
    if isinstance(value, _Pair):
        return (_Pair, _shape(value.left), _shape(value.right))
    return type(value)


def test_cache_clear_empties_the_cache(tmp_path: Path, user_cache: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _repo(tmp_path)
    (repo / "manifests.yaml").write_text("apiVersion: v1\nkind: ServiceAccount\n"
                                         "metadata: {name: x, namespace: y}\n")
    (user_cache / "manifests").mkdir(parents=True)  # kept by an earlier process
    monkeypatch.setattr(reading_cache, "MIN_CACHED_CHARACTERS", 0)
    pfperms.load(repo / "infra", repo / "manifests.yaml", repo_root=repo)
    assert list((user_cache / "ast").iterdir()) and list((user_cache / "manifests").iterdir())
    from pytest_pfperms.cli import main

    assert main(["cache", "clear"]) == 0
    assert not (user_cache / "ast").exists() and not (user_cache / "secret.key").exists()
    assert not (user_cache / "manifests").exists()


def test_the_plugin_option_turns_the_cache_off(pytester: pytest.Pytester, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "plugin-cache"
    monkeypatch.setenv("PFPERMS_CACHE_DIR", str(cache))
    pytester.makefile(".tf", main=ADMIN_BINDING)
    pytester.makeini("[pytest]\npfperms_paths = .\n")
    pytester.makepyfile(test_x="""
        def test_admin(pfperms):
            assert pfperms.can("system:serviceaccount:ci:deployer", "delete", "nodes")
    """)
    pytester.runpytest("--pfperms-no-cache").assert_outcomes(passed=1)
    assert not cache.exists()
    pytester.runpytest().assert_outcomes(passed=1)
    assert (cache / "ast").exists()
