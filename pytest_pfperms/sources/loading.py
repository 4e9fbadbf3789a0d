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

from .. import escalation  # noqa: F401  (installs Model.reach on every model loaded here)
from ..aws.cluster import ClusterOidc, cluster_from_argument
from ..errors import LoadError, Problem, beyond_limits, limit_line, nul_line
from ..limits import DEFAULT_LIMITS, Limits, using_limits
from ..model.objects import CloudResource, KubeObject
from ..query.model import Model
from ..values import Str
from ..vault.policy_parsing import VaultFlavor, validate_flavor
from .cache.store import CacheStore, open_store, using_store
from .cluster_defaults import bootstrap_objects
from .collector import collector_paused
from .deep_calls import with_deep_stack
from .discovery import discover
from .files import InputRefused, inside, read_text_input, real_path
from .hcl.parser_choice import HclParser, using_hcl_parser, validate_hcl_parser
from .manifests.documents import (
    MAX_FILE_BYTES,
    ManifestResult,
    load_json_text,
)
from .manifests.reading_cache import read_manifests


def _read(path: Path, display: str, bound: Path, problems: list[Problem]) -> str | None:
    try:
        return read_text_input(path, bound=bound, limit=MAX_FILE_BYTES, what="manifest file")
    except InputRefused as error:
        problems.append(Problem(display, None, str(error)))
    return None


def _load_file(path: Path, display: str, bound: Path, default_namespace: Str, problems: list[Problem],
               resources: list[CloudResource]) -> ManifestResult | None:
    text = _read(path, display, bound, problems)
    if text is None:
        return None
    return _load_text(path, text, display, default_namespace, problems, resources)


def _load_text(path: Path, text: str, display: str, default_namespace: Str, problems: list[Problem],
               resources: list[CloudResource]) -> ManifestResult | None:
    line = nul_line(text)
    if line is not None:
        problems.append(Problem(display, line, "holds a NUL byte, which YAML and JSON do not allow "
                                "(is it a binary file?)"))
        return None
    try:
        return _parse_file(path, text, display, default_namespace, problems, resources)
    except (RecursionError, ValueError, OverflowError) as error:
        limit = beyond_limits(error, display, limit_line(text, error))
        if limit is None:
            raise
        problems.extend(limit.problems)
        return None


def _parse_file(path: Path, text: str, display: str, default_namespace: Str, problems: list[Problem],
                resources: list[CloudResource]) -> ManifestResult | None:
    if path.suffix == ".json":
        plan = _load_plan(text, display, problems, resources)
        return plan if plan is not None else load_json_text(text, display, default_namespace)
    return read_manifests(text, display, default_namespace)


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
         vault_flavor: VaultFlavor = "vault", allow_partial: bool = False,
         exclude: Sequence[str | os.PathLike[str]] = (), aws_oidc_provider: str | None = None,
         limits: Limits | None = None, rendered: Sequence[str] = (),
         hcl_parser: HclParser | None = None, share: tuple[int, int] | None = None) -> Model:
    """Load files and directories into a Model.

    ``default_namespace`` is where namespaced objects without a namespace land (as
    ``kubectl apply -n`` would place them); ``namespaces`` overrides it per path
    (keys as given in ``paths``). ``cluster_defaults`` adds the roles and bindings
    every cluster has; they answer questions but are never listed by ``objects()``.
    A directory holding ``*.tf`` files is a Terraform root module, evaluated with
    ``variables`` (plus its ``terraform.tfvars``, ``*.auto.tfvars`` and ``TF_VAR_*``);
    ``repo_root`` (default: the git work tree holding each path, else the path itself; see
    :func:`repository_of`) bounds what ``file()`` and local
    module sources may read. A ``.json`` file holding ``terraform show -json`` output (a
    plan or a state) is read as Terraform's planned values. ``cache=False`` reads and
    evaluates everything afresh, touching no cache (:mod:`pytest_pfperms.sources.cache`).
    ``vault_flavor`` is the server the Vault resources are for, ``"vault"`` or
    ``"openbao"`` (see :func:`~pytest_pfperms.vault.acl.evaluate_vault`). Raises LoadError
    listing every problem found; with ``allow_partial=True`` the problems become warnings
    instead and the model holds what did load (unsafe for a gate: say so where you use it).
    ``exclude`` names files and directories under ``paths`` that are not read (nor any
    Terraform root below them). ``aws_oidc_provider`` names the cluster IRSA questions are
    about (its IAM OIDC provider's ARN, or its issuer URL) when the sources do not define it.

    ``rendered`` names the ``helm_release`` (and other installer) addresses whose output is
    loaded too (``*`` matches any run of characters): the roles they create are then in the
    sources; any other installer may create roles pfperms does not see, so bindings to roles
    the sources do not define, and aggregated ClusterRoles, answer unknown naming it.

    Every other file under a directory is loaded or listed in ``Model.warnings`` with the
    reason (:mod:`pytest_pfperms.sources.discovery`). ``limits`` bounds the work a load may do
    (:class:`~pytest_pfperms.limits.Limits`; past one, a LoadError naming the file and line).
    ``hcl_parser`` reads HCL with ``"tree-sitter"`` (the default) or ``"python-hcl2"`` (the
    reference parser; both build the same syntax tree, see
    :mod:`pytest_pfperms.sources.hcl.parser_choice`).

    ``share=(index, count)`` says this process is one of ``count`` loading the same paths at
    the same time with one cache (pytest-xdist workers on one machine): it first evaluates
    every ``count``-th Terraform root from ``index`` (storing each in the cache), then loads
    as usual, taking those roots as evaluated and the others' from the cache when they are
    there. The model is the same with or without it; without a cache it does nothing. (The
    share's evaluation has a work budget of its own, as roots read from the cache cost none.)
    """
    if not paths:
        raise LoadError.single("<arguments>", None, "load() needs at least one file or directory")
    cluster = cluster_from_argument(aws_oidc_provider, where="aws_oidc_provider") \
        if aws_oidc_provider is not None else None
    vault_flavor = validate_flavor(vault_flavor)
    if hcl_parser is not None:
        try:
            hcl_parser = validate_hcl_parser(hcl_parser)
        except ValueError as error:
            raise LoadError.single("<arguments>", None, str(error)) from None
    repo_root = Path(repo_root).resolve() if repo_root is not None else None
    problems: list[Problem] = []
    warnings: list[Problem] = []
    store: CacheStore | None = None
    if cache:
        roots = [repo_root or repository_of(Path(paths[0])), *(Path(given) for given in paths)]
        store, refused = open_store([root if root.is_dir() else root.parent for root in roots])
        if refused is not None:
            warnings.append(Problem("<cache>", None, refused))
    excluded = tuple(Path(p).resolve() for p in exclude)
    with using_store(store), using_limits(limits or DEFAULT_LIMITS), using_hcl_parser(hcl_parser), \
            collector_paused():
        evaluated: dict[str, _Evaluated] = {}
        if share is not None and share[1] > 1 and store is not None:
            with using_limits(limits or DEFAULT_LIMITS):  # a work budget of its own, as cached roots
                evaluated = with_deep_stack(lambda: _evaluate_share(paths, share, variables, repo_root,
                                                                    excluded))
        return with_deep_stack(lambda: _load(  # one thread with a deep stack for it all
            paths, variables, cluster_defaults, default_namespace, namespaces, repo_root, vault_flavor,
            allow_partial, problems, warnings, excluded, cluster, tuple(rendered), evaluated))


def _load(paths: tuple[str | os.PathLike[str], ...], variables: Mapping[str, object] | None,
          cluster_defaults: bool, default_namespace: str, namespaces: Mapping[str, str] | None,
          repo_root: Path | None, vault_flavor: VaultFlavor, allow_partial: bool,
          problems: list[Problem], warnings: list[Problem], excluded: tuple[Path, ...] = (),
          cluster: ClusterOidc | None = None, rendered: tuple[str, ...] = (),
          evaluated: Mapping[str, _Evaluated] | None = None) -> Model:
    objects: list[KubeObject] = []
    resources: list[CloudResource] = []
    for given in paths:
        root = Path(given)
        repository = repo_root or repository_of(root)
        namespace = (namespaces or {}).get(str(given), default_namespace)
        if not os.path.lexists(root):
            problems.append(Problem(str(given), None, "does not exist"))
            continue
        if any(root.resolve().is_relative_to(gone) for gone in excluded):
            continue
        if not root.is_dir():
            bound = repository if inside(real_path(root.absolute().parent), repository) else \
                real_path(root.absolute().parent)
            _add(_load_file(root, _display(root), bound, namespace, problems, resources),
                 objects, warnings, problems)
            continue
        found = discover(root, str(given), excluded)
        problems += found.problems
        warnings += found.warnings
        bound = real_path(root)
        read: set[str] = set()
        for directory in found.terraform_dirs:
            key = str(real_path(directory))
            if key not in read:
                if evaluated and key in evaluated:  # this process's share, evaluated just before
                    made, cloud, used, found_problems, found_warnings = evaluated[key]
                    problems += found_problems
                    warnings += found_warnings
                else:
                    made, cloud, used = _load_terraform(directory, repository, variables or {},
                                                        problems, warnings)
                objects += made
                resources += cloud
                read |= used
            for path in found.terraform_manifests[directory]:
                if str(real_path(path)) in read:
                    continue  # an input of the Terraform configuration (file(), templatefile(), ...)
                _add(_beside_terraform(path, directory, bound, namespace, problems, resources),
                     objects, warnings, problems)
        for path in found.manifests:
            _add(_load_file(path, _display(path), bound, namespace, problems, resources),
                 objects, warnings, problems)
    problems += _duplicates(objects)
    if problems and allow_partial:
        warnings += [Problem(p.file, p.line, f"{p.message} (partial load allowed: this input is "
                             "left out of the model)", p.field) for p in problems]
        problems = []
    if problems:
        raise LoadError(problems)
    defaults = bootstrap_objects() if cluster_defaults else []
    return Model(objects, defaults=defaults, warnings=warnings, resources=resources,
                 vault_flavor=vault_flavor, aws_cluster=cluster, rendered=rendered)


_Evaluated = tuple[list[KubeObject], list[CloudResource], set[str], list[Problem], list[Problem]]
"""One root's objects, resources, inputs read, problems and warnings."""


def _evaluate_share(paths: tuple[str | os.PathLike[str], ...], share: tuple[int, int],
                    variables: Mapping[str, object] | None, repo_root: Path | None,
                    excluded: tuple[Path, ...]) -> dict[str, _Evaluated]:
    """Evaluate this process's share of the Terraform roots under ``paths``, which stores them in
    the cache for the other processes; returns them by real path, for the load that follows.

    The share is every ``count``-th root from ``index`` in the order the load takes them, each
    with the directories inside it (most likely its modules), less those an earlier root of
    the share read as a module (the load would not take them as roots either)."""
    index, count = share
    groups: list[list[tuple[Path, Path]]] = []  # a root directory, then those inside it
    for given in paths:
        root = Path(given)
        if not root.is_dir() or any(root.resolve().is_relative_to(gone) for gone in excluded):
            continue
        repository = repo_root or repository_of(root)
        for directory in discover(root, str(given), excluded).terraform_dirs:
            if groups and directory.is_relative_to(groups[-1][0][0]):
                groups[-1].append((directory, repository))  # most likely its modules
            else:
                groups.append([(directory, repository)])
    evaluated: dict[str, _Evaluated] = {}
    read: set[str] = set()
    for directory, repository in [pair for group in groups[index::count] for pair in group]:
        key = str(real_path(directory))
        if key in read or key in evaluated:
            continue  # a module of a root before it: the load will not take it as a root either
        problems: list[Problem] = []
        warnings: list[Problem] = []
        try:
            made, cloud, used = _load_terraform(directory, repository, variables or {}, problems, warnings)
        except Exception:  # the load evaluates it again, and reports what it raises
            continue
        evaluated[key] = (made, cloud, used, problems, warnings)
        read |= used
    return evaluated


def _add(result: ManifestResult | None, objects: list[KubeObject], warnings: list[Problem],
         problems: list[Problem]) -> None:
    if result is None:
        return
    objects += result.objects
    warnings += result.warnings
    problems += result.problems


def _beside_terraform(path: Path, directory: Path, bound: Path, namespace: Str,
                      problems: list[Problem], resources: list[CloudResource]) -> ManifestResult | None:
    """A YAML/JSON file under a Terraform module that the configuration did not read: a
    manifest when it holds Kubernetes objects, else listed as not read."""
    display = _display(path)
    local: list[Problem] = []
    text = _read(path, display, bound, local)
    if text is None:
        problems += local
        return None
    if path.suffix == ".json" and _plain_json(text):
        return _not_read(display, directory)  # as the manifest reader would end, but in C
    result = _load_text(path, text, display, namespace, local, resources)
    if local:
        problems += local
        return None
    if result is None or not result.problems or _looks_like_objects(text):
        return result
    return _not_read(display, directory)


def _not_read(display: str, directory: Path) -> ManifestResult:
    return ManifestResult(warnings=[Problem(display, None, f"sits in the Terraform module {directory} "
                                            "but the configuration does not read it, and it holds no "
                                            "Kubernetes objects (no apiVersion and kind): not read")])


def _plain_json(text: str) -> bool:
    """Whether a ``.json`` text is a JSON value that can be neither Kubernetes objects nor
    ``terraform show -json`` output: the manifest reader would refuse it and the file be
    listed as not read. Module directories hold such files (Grafana dashboards, IAM policy
    documents) that ``json.loads`` reads many times faster than the line-keeping YAML reader.

    The text must not spell both apiVersion and kind (else a refusal is a real problem), and
    the value must not be null (an empty document) nor an object with a ``kind`` key, however
    the key is spelt (``"\\u006bind"`` is ``kind`` to both readers)."""
    if _looks_like_objects(text) or '"format_version"' in text or "\0" in text:
        return False
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return False  # the manifest reader says what is wrong, and where
    return value is not None and not (isinstance(value, dict) and "kind" in value)


def _looks_like_objects(text: str) -> bool:
    """Whether a file that failed to load as manifests still names apiVersion and kind (so
    its problems are real, not a non-Kubernetes YAML file)."""
    return "apiVersion" in text and "kind" in text


def read_var_file(path: str) -> dict[str, object]:
    """Variables from a ``.tfvars`` or ``.tfvars.json`` file; LoadError on bad input."""
    from .terraform.model_building import read_tfvars

    problems: list[Problem] = []
    values = read_tfvars(Path(path), _display(Path(path)), problems)
    if problems:
        raise LoadError(problems)
    return values


def repository_of(path: Path) -> Path:
    """The boundary of what loading ``path`` may read when no ``repo_root`` is given: the
    git work tree holding it (its nearest ancestor with a ``.git``), else the path itself
    (a directory, or the directory of a file). Never the current directory as such: a
    repository cannot reach its neighbours by being loaded from their parent."""
    start = path.resolve() if path.is_dir() else path.resolve().parent
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return start


def _load_terraform(directory: Path, repo_root: Path, variables: Mapping[str, object],
                    problems: list[Problem], warnings: list[Problem]
                    ) -> tuple[list[KubeObject], list[CloudResource], set[str]]:
    """One Terraform root; input too deep or too large for Python is a problem naming the
    root (never a raw RecursionError or ValueError)."""
    from .terraform.model_building import load_terraform_root

    root = repo_root.resolve()
    if not directory.resolve().is_relative_to(root):
        root = directory.resolve()
    try:
        return with_deep_stack(lambda: load_terraform_root(directory, root, variables, problems, warnings))
    except (RecursionError, ValueError, OverflowError) as error:
        limit = beyond_limits(error, _display(directory))
        if limit is None:
            raise
        problems.extend(limit.problems)
        return [], [], set()


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
