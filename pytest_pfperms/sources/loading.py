"""``pfperms.load``: read files and directories into one Model.

Dispatches each file to the loader for its format, gathers every problem
(loading goes on so one run shows them all), refuses duplicates, and adds the
cluster's default roles when asked.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..errors import LoadError, Problem
from ..model.objects import CloudResource, KubeObject
from ..query.model import Model
from ..values import Str
from ..vault.policy_parsing import VaultFlavor, validate_flavor
from .cache.store import CacheStore, open_store, using_store
from .cluster_defaults import bootstrap_objects
from .manifests.documents import (
    MAX_FILE_BYTES,
    ManifestResult,
    load_json_text,
    load_manifest_text,
)

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
SKIPPED_NAMES = ("Chart.yaml", "Chart.lock", "values.yaml", "values.yml")
"""Helm chart files that sit beside templates but are not Kubernetes objects."""


def _is_terraform_dir(directory: Path) -> bool:
    try:
        return any(name.endswith((".tf", ".tf.json")) for name in os.listdir(directory))
    except OSError:
        return False


def _files(root: Path, problems: list[Problem]) -> tuple[list[Path], list[Path]]:
    """Manifest files and Terraform root module directories under a directory, sorted.

    A directory holding ``*.tf`` files is a Terraform root module: it is evaluated as a
    whole, and nothing below it is read as manifests (its YAML files are Terraform's
    inputs). Links leading outside the directory are refused.
    """
    found: list[Path] = []
    roots: list[Path] = []
    resolved_root = root.resolve()
    for directory, subdirectories, names in os.walk(root, followlinks=False):
        if _is_terraform_dir(Path(directory)):
            roots.append(Path(directory))
            subdirectories[:] = []
            continue
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
        for name in sorted(names):
            if not name.endswith(MANIFEST_SUFFIXES) or name in SKIPPED_NAMES:
                continue
            path = Path(directory, name)
            if path.is_symlink() and not path.resolve().is_relative_to(resolved_root):
                problems.append(Problem(str(path), None, "is a link to a file outside "
                                        f"{root}; refusing to read it (copy the file in instead)"))
                continue
            found.append(path)
    return found, roots


def _read(path: Path, display: str, problems: list[Problem]) -> str | None:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            problems.append(Problem(display, None, f"is {size:,} bytes, more than the "
                                    f"{MAX_FILE_BYTES:,}-byte limit; split it into smaller files"))
            return None
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        problems.append(Problem(display, None, f"is not UTF-8 text ({error.reason} at byte "
                                f"{error.start}); save it as UTF-8"))
    except OSError as error:
        problems.append(Problem(display, None, f"cannot be read: {error.strerror or error}"))
    return None


def _load_file(path: Path, display: str, default_namespace: Str, problems: list[Problem],
               resources: list[CloudResource]) -> ManifestResult | None:
    text = _read(path, display, problems)
    if text is None:
        return None
    if path.suffix == ".json":
        plan = _load_plan(text, display, problems, resources)
        return plan if plan is not None else load_json_text(text, display, default_namespace)
    return load_manifest_text(text, display, default_namespace)


def _load_plan(text: str, display: str, problems: list[Problem], resources: list[CloudResource]
               ) -> ManifestResult | None:
    """``terraform show -json`` output (a plan or a state); None for any other JSON."""
    if '"format_version"' not in text:
        return None
    from .terraform.plan_json import is_plan_json, load_plan_json

    try:
        if not is_plan_json(json.loads(text)):
            return None
    except (ValueError, RecursionError):
        return None  # the manifest loader reports it
    try:
        plan = load_plan_json(text, display)
    except LoadError as error:
        problems.extend(error.problems)
        return ManifestResult()
    resources += plan.resources
    return ManifestResult(plan.objects, plan.warnings, plan.problems)


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def load(*paths: str | os.PathLike[str], variables: Mapping[str, object] | None = None,
         cluster_defaults: bool = True, default_namespace: str = "default",
         namespaces: Mapping[str, str] | None = None,
         repo_root: str | os.PathLike[str] | None = None, cache: bool = True,
         vault_flavor: VaultFlavor = "vault",
         exclude: Sequence[str | os.PathLike[str]] = ()) -> Model:
    """Load files and directories into a Model.

    ``default_namespace`` is where namespaced objects without a namespace land (as
    ``kubectl apply -n`` would place them); ``namespaces`` overrides it per path
    (keys as given in ``paths``). ``cluster_defaults`` adds the roles and bindings
    every cluster has; they answer questions but are never listed by ``objects()``.
    A directory holding ``*.tf`` files is a Terraform root module, evaluated with
    ``variables`` (plus its ``terraform.tfvars``, ``*.auto.tfvars`` and ``TF_VAR_*``);
    ``repo_root`` (default: the current directory) bounds what ``file()`` and local
    module sources may read. A ``.json`` file holding ``terraform show -json`` output (a
    plan or a state) is read as Terraform's planned values. ``cache=False`` reads and
    evaluates everything afresh, touching no cache (:mod:`pytest_pfperms.sources.cache`).
    ``vault_flavor`` is the server the Vault resources are for, ``"vault"`` or
    ``"openbao"`` (see :func:`~pytest_pfperms.vault.acl.evaluate_vault`). Raises LoadError
    listing every problem found. ``exclude`` names files and directories under ``paths``
    that are not read (nor any Terraform root below them).
    """
    if not paths:
        raise LoadError.single("<arguments>", None, "load() needs at least one file or directory")
    vault_flavor = validate_flavor(vault_flavor)
    repo_root = Path(repo_root).resolve() if repo_root is not None else None
    problems: list[Problem] = []
    warnings: list[Problem] = []
    store: CacheStore | None = None
    if cache:
        roots = [repo_root or Path.cwd(), *(Path(given) for given in paths)]
        store, refused = open_store([root if root.is_dir() else root.parent for root in roots])
        if refused is not None:
            warnings.append(Problem("<cache>", None, refused))
    with using_store(store):
        return _load(paths, variables, cluster_defaults, default_namespace, namespaces, repo_root,
                     vault_flavor, problems, warnings, tuple(Path(p).resolve() for p in exclude))


def _load(paths: tuple[str | os.PathLike[str], ...], variables: Mapping[str, object] | None,
          cluster_defaults: bool, default_namespace: str, namespaces: Mapping[str, str] | None,
          repo_root: Path | None, vault_flavor: VaultFlavor, problems: list[Problem],
          warnings: list[Problem], excluded: tuple[Path, ...] = ()) -> Model:
    def kept(path: Path) -> bool:
        resolved = path.resolve()
        return not any(resolved.is_relative_to(gone) for gone in excluded)

    objects: list[KubeObject] = []
    resources: list[CloudResource] = []
    for given in paths:
        root = Path(given)
        namespace = (namespaces or {}).get(str(given), default_namespace)
        if not root.exists():
            problems.append(Problem(str(given), None, "does not exist"))
            continue
        if not kept(root):
            continue
        roots: list[Path] = []
        if root.is_dir():
            files, roots = _files(root, problems)
            files, roots = [f for f in files if kept(f)], [r for r in roots if kept(r)]
        else:
            files = [root]
        for directory in roots:
            found, cloud = _load_terraform(directory, repo_root or Path.cwd(), variables or {},
                                           problems, warnings)
            objects += found
            resources += cloud
        for path in files:
            result = _load_file(path, _display(path), namespace, problems, resources)
            if result is None:
                continue
            objects += result.objects
            warnings += result.warnings
            problems += result.problems
    problems += _duplicates(objects)
    if problems:
        raise LoadError(problems)
    defaults = bootstrap_objects() if cluster_defaults else []
    return Model(objects, defaults=defaults, warnings=warnings, resources=resources,
                 vault_flavor=vault_flavor)


def read_var_file(path: str) -> dict[str, object]:
    """Variables from a ``.tfvars`` or ``.tfvars.json`` file; LoadError on bad input."""
    from .terraform.model_building import read_tfvars

    problems: list[Problem] = []
    values = read_tfvars(Path(path), _display(Path(path)), problems)
    if problems:
        raise LoadError(problems)
    return values


def _load_terraform(directory: Path, repo_root: Path, variables: Mapping[str, object],
                    problems: list[Problem], warnings: list[Problem]
                    ) -> tuple[list[KubeObject], list[CloudResource]]:
    from .terraform.model_building import load_terraform_root

    root = repo_root.resolve()
    if not directory.resolve().is_relative_to(root):
        root = directory.resolve()
    return load_terraform_root(directory, root, variables, problems, warnings)


def _duplicates(objects: list[KubeObject]) -> list[Problem]:
    """Two objects with the same group, kind, namespace and name: the API server keeps one."""
    seen: dict[tuple[object, ...], KubeObject] = {}
    found: list[Problem] = []
    for obj in objects:
        if obj.name == "":
            continue
        group = obj.api_version.rpartition("/")[0]
        key = (group, obj.kind, obj.namespace, obj.name)
        first = seen.get(key)
        if first is None:
            seen[key] = obj
            continue
        found.append(Problem(obj.source.path, obj.source.line,
                             f"{obj.ref()} is defined twice: first at {first.source}, again here; "
                             "the API server would keep only one (remove or rename one)"))
    return found
