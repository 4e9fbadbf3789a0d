"""The cache of manifest readings: a warm load builds the same model as a cold one without
reading the YAML again; entries are written only into a cache directory an earlier process
used, only for readings JSON holds exactly; anything odd falls back to reading the file."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from corpus_support import CORPUS, PROJECTS, needs_corpus

import pytest_pfperms as pfperms
from pytest_pfperms.sources.cache.store import CacheStore, open_store
from pytest_pfperms.sources.manifests import object_building, reading_cache
from pytest_pfperms.sources.manifests.admission import unchecked

ROLES = textwrap.dedent("""\
    # Source: chart/templates/rbac.yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata: {name: reader, namespace: apps}
    rules:
      - apiGroups: [""]
        resources: [secrets]
        verbs: [get]

      - apiGroups: [apps]
        resources: [deployments]
        verbs: [patch]
    ---
    ---
    # Source: chart/templates/account.yaml
    apiVersion: v1
    kind: ServiceAccount
    metadata: {name: web}
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: {name: reader, namespace: apps}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
    subjects: [{kind: ServiceAccount, name: web, namespace: apps}]
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata: {name: nodes, labels: {"rbac.example.com/aggregate": "true"}}
    rules: [{apiGroups: [""], resources: [nodes], verbs: [list]}]
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: {name: deprecated, namespace: apps}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: nodes}
    subjects: [{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}, {kind: Group, name: devs}]
    """)

LISTED = textwrap.dedent("""\
    apiVersion: v1
    kind: List
    items:
      - apiVersion: v1
        kind: ServiceAccount
        metadata: {name: listed, namespace: apps}
    """)

DATED = textwrap.dedent("""\
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: dated, namespace: apps}
    data: {when: 2024-01-01}
    """)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(reading_cache, "MIN_CACHED_CHARACTERS", 0)
    root = tmp_path / "repo"
    root.mkdir()
    (root / "rbac.yaml").write_text(ROLES)
    (root / "listed.yaml").write_text(LISTED)
    (root / "dated.yaml").write_text(DATED)
    return root


def _kept_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache directory as an earlier process leaves it."""
    directory = tmp_path / "cache"
    (directory / reading_cache.KIND).mkdir(parents=True)
    monkeypatch.setenv("PFPERMS_CACHE_DIR", str(directory))
    monkeypatch.delenv("PFPERMS_NO_CACHE", raising=False)
    return directory


def _snapshot(model: pfperms.Model) -> tuple[object, ...]:
    return (tuple((obj, obj.source, getattr(obj, "rules", None)) for obj in model.objects()),
            tuple(map(str, model.warnings)))


def _entries(cache: Path) -> list[Path]:
    return sorted((cache / reading_cache.KIND).glob("*.entry"))


def test_a_warm_load_builds_the_cold_model_without_reading_yaml(
        repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = _kept_cache(tmp_path, monkeypatch)
    reference = _snapshot(pfperms.load(repo, cache=False))
    first = pfperms.load(repo)
    assert _snapshot(first) == reference
    assert len(_entries(cache)) == 1, "the List and the date are read every time, the rest is kept"

    read = []
    original = reading_cache.load_manifest_text
    monkeypatch.setattr(reading_cache, "load_manifest_text",
                        lambda text, *args, **kwargs: read.append(text) or original(text, *args, **kwargs))
    warm = pfperms.load(repo)
    assert _snapshot(warm) == reference
    assert sorted(read) == sorted([LISTED, DATED])
    role = warm.objects("Role")[0]
    assert [rule.source.line for rule in role.rules] == [6, 10]  # rule lines survive the cache
    account = warm.objects("ServiceAccount", namespace="default")[0]
    assert (account.source.line, account.source.helm_source) == (16, "chart/templates/account.yaml")
    assert warm.can(pfperms.ServiceAccount("apps", "web"), "get", "secrets", namespace="apps").allowed is True


def test_a_new_cache_directory_gets_no_entries_until_a_later_process(
        repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "fresh-cache"
    monkeypatch.setenv("PFPERMS_CACHE_DIR", str(cache))
    pfperms.load(repo)
    pfperms.load(repo)
    assert (cache / reading_cache.KIND).is_dir(), "left for the next process"
    assert _entries(cache) == [], "a cache no earlier process kept is not written"


def test_a_changed_file_is_read_again(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = _kept_cache(tmp_path, monkeypatch)
    who = pfperms.ServiceAccount("apps", "web")
    assert pfperms.load(repo).can(who, "get", "secrets", namespace="apps").allowed is True
    (repo / "rbac.yaml").write_text(ROLES.replace("verbs: [get]", "verbs: [list]"))
    model = pfperms.load(repo)
    assert model.can(who, "get", "secrets", namespace="apps").allowed is False
    assert model.can(who, "list", "secrets", namespace="apps").allowed is True
    assert len(_entries(cache)) == 2


def _forge(cache: Path, repo: Path, payload: bytes) -> tuple[CacheStore, str]:
    """Replace the entry of rbac.yaml (the one file kept) by ``payload``, signed as the store
    signs: the entry a bug could have written."""
    pfperms.load(repo)
    (entry,) = _entries(cache)
    store, refused = open_store([repo])
    assert store is not None and refused is None and store.directory == cache
    store.write(reading_cache.KIND, entry.stem, payload)
    assert store.read(reading_cache.KIND, entry.stem) == payload
    return store, entry.stem


@pytest.mark.parametrize("payload", [
    b"not json",
    b'{"a": 1}',
    b'[["value", "one", 2, null]]',
    json.dumps([[{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                  "metadata": {"name": "x", "namespace": "apps"}}, 1, 2, None]]).encode(),
])
def test_an_odd_or_unbuildable_entry_falls_back_to_reading_the_file(
        repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, payload: bytes) -> None:
    cache = _kept_cache(tmp_path, monkeypatch)
    reference = _snapshot(pfperms.load(repo, cache=False))
    store, key = _forge(cache, repo, payload)
    assert _snapshot(pfperms.load(repo)) == reference
    assert store.read(reading_cache.KIND, key) not in (None, payload), "read again, and kept again"


def test_a_problem_file_is_never_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading_cache, "MIN_CACHED_CHARACTERS", 0)
    cache = _kept_cache(tmp_path, monkeypatch)
    root = tmp_path / "broken"
    root.mkdir()
    (root / "binding.yaml").write_text(ROLES + "---\nkind: RoleBinding\napiVersion: rbac.authorization.k8s.io/v1\n"
                                       "metadata: {name: no-role-ref, namespace: apps}\n")
    for _ in range(2):
        with pytest.raises(pfperms.LoadError) as raised:
            pfperms.load(root)
        assert "binding.yaml:" in str(raised.value)
    assert _entries(cache) == []



def test_a_kept_reading_is_not_checked_for_admission_again(
        repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _kept_cache(tmp_path, monkeypatch)
    reference = _snapshot(pfperms.load(repo))  # writes the entry of rbac.yaml
    checked: list[str] = []
    original = object_building.admission_problems
    monkeypatch.setattr(object_building, "admission_problems", lambda document, **kwargs: (
        checked.append(document["metadata"]["name"]) or original(document, **kwargs)))
    assert _snapshot(pfperms.load(repo)) == reference
    assert sorted(checked) == ["dated", "listed"], "only the files read again are checked again"


REFUSED = textwrap.dedent("""\
    apiVersion: v1
    kind: ServiceAccount
    metadata: {name: Web, namespace: apps}
    """)


def test_a_reading_kept_without_admission_vouches_for_nothing_with_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading_cache, "MIN_CACHED_CHARACTERS", 0)
    cache = _kept_cache(tmp_path, monkeypatch)
    root = tmp_path / "refused"
    root.mkdir()
    (root / "account.yaml").write_text(REFUSED)
    with unchecked():  # the API server would refuse the name (not a DNS subdomain); a test may load it
        pfperms.load(root)
        assert len(_entries(cache)) == 1
        assert [account.name for account in pfperms.load(root).objects("ServiceAccount")] == ["Web"]
    with pytest.raises(pfperms.LoadError) as raised:
        pfperms.load(root)
    assert "account.yaml:3" in str(raised.value) and "invalid name 'Web'" in str(raised.value)


@needs_corpus
@pytest.mark.parametrize("project", PROJECTS)
def test_real_manifests_load_the_same_from_the_cache(project: str, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading_cache, "MIN_CACHED_CHARACTERS", 0)  # small files too
    cache = _kept_cache(tmp_path, monkeypatch)
    reference = _snapshot(pfperms.load(CORPUS / project, allow_partial=True, cache=False))
    assert _snapshot(pfperms.load(CORPUS / project, allow_partial=True)) == reference
    assert _entries(cache), "nothing of the project was kept"
    assert _snapshot(pfperms.load(CORPUS / project, allow_partial=True)) == reference
