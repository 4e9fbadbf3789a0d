"""What a loaded directory holds: manifest files, Terraform root modules, and every file
that is not read, with the reason.

The rule is that nothing is dropped without a word. Every file under a loaded directory
is read as a manifest, belongs to a Terraform module, or is listed (a warning) with the
reason it is not read; a link that leads outside the directory, or a loop, is a problem.

- A directory holding ``*.tf``/``*.tf.json`` files (not directories) is a Terraform module. The
  top-most one is a root; the directories below it are walked on, so that YAML files the
  configuration does not read are still loaded as manifests, and a nested directory of
  ``.tf`` files that the root does not call as a module is a root of its own (the caller
  decides that after evaluating, see :class:`Discovery`).
- ``kubectl apply -f DIR -R`` applies every ``.yaml``/``.yml``/``.json`` file; so do we.
  In a Helm chart (a directory with ``Chart.yaml``) the chart's own files
  (``Chart.yaml``, ``Chart.lock``, ``values*.yaml``, ``values.schema.json``) are listed as
  not read: render the chart with ``helm template``. A ``values.yaml`` with no
  ``Chart.yaml`` beside it is a manifest like any other file, as kubectl sees it. Inside a
  Terraform module, a chart's templates are listed as not read too (a ``helm_release``
  installs them; a binding to a role it may create answers unknown).
- Directory links are followed when they stay inside the directory (each real
  directory is read once); hidden directories (``.name``) are listed as not read, except
  the tools' own (:data:`TOOL_DIRECTORIES`: ``.git``, ``.terraform``, whose ``modules.json``
  Terraform roots read, ``.github``, ``.venv``, caches ...), which are no input at all.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem
from .files import InputRefused, inside, real_path

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
"""What ``kubectl apply -f DIR`` reads."""

TERRAFORM_SUFFIXES = (".tf", ".tf.json")
"""Terraform configuration files."""

TFVARS_SUFFIXES = (".tfvars", ".tfvars.json")
"""Terraform variable files (read by the root module they sit in)."""

HELM_CHART_FILES = frozenset({"Chart.yaml", "Chart.lock", "values.yaml", "values.yml",
                              "values.schema.json"})
"""Files of a Helm chart that are not Kubernetes objects."""

KUSTOMIZATION_FILES = frozenset({"kustomization.yaml", "kustomization.yml", "Kustomization"})
"""A directory holding one of these is a kustomize directory: its YAML files are patches and
bases that ``kustomize build`` combines, not the objects the cluster gets."""

TOOL_DIRECTORIES = frozenset({".git", ".hg", ".svn", ".terraform", ".terragrunt-cache", ".github",
                              ".gitlab", ".venv", ".tox", ".nox", ".pytest_cache", ".mypy_cache",
                              ".ruff_cache", ".hypothesis", ".idea", ".vscode", ".pfperms-cache"})
"""Hidden directories of tools (version control, CI, editors, Python, caches), never read as
input and not reported; any other hidden directory is listed as not read."""


@dataclass
class Discovery:
    """The files found under one loaded directory.

    ``manifests`` are read as manifests. ``terraform_dirs`` are every directory of
    Terraform files, top-most first; ``terraform_manifests`` maps each of them to the
    manifest-like files below it (up to the next Terraform directory), which the
    caller loads as manifests unless the configuration read them itself.
    """

    manifests: list[Path] = field(default_factory=list)
    terraform_dirs: list[Path] = field(default_factory=list)
    terraform_manifests: dict[Path, list[Path]] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    excluded: tuple[Path, ...] = ()

    def is_excluded(self, path: Path) -> bool:
        """Whether ``path`` is, or is under, a path the caller excluded (``!path``)."""
        if not self.excluded:
            return False
        resolved = path.resolve()
        return any(resolved.is_relative_to(gone) for gone in self.excluded)


def _is_file(entry: os.DirEntry[str]) -> bool:
    """Not a directory: a regular file, or a FIFO, device or broken link that the input gate
    refuses with a reason (never skipped without a word)."""
    try:
        return not entry.is_dir()
    except OSError:
        return True


def discover(root: Path, display: str, excluded: tuple[Path, ...] = ()) -> Discovery:
    """Walk ``root`` (a directory); ``display`` is how messages name it. Paths under
    ``excluded`` (resolved) are not read, as the caller asked."""
    found = Discovery(excluded=excluded)
    bound = real_path(root)
    _walk(root, bound, bound, display, {bound}, None, found)
    return found


def _walk(directory: Path, real_directory: Path, bound: Path, display: str, visited: set[Path],
          terraform_dir: Path | None, found: Discovery, in_chart: bool = False) -> None:
    """``real_directory`` is ``directory`` with links resolved (kept as the walk descends, so
    a tree thousands deep is not resolved from the root at every level); ``in_chart``: below
    a directory holding ``Chart.yaml``."""
    try:
        entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    except OSError as error:
        found.problems.append(Problem(str(directory), None, f"cannot be listed: {error.strerror or error}"))
        return
    if any(entry.name.endswith(TERRAFORM_SUFFIXES) and _is_file(entry) for entry in entries):
        terraform_dir = directory
        found.terraform_dirs.append(directory)
        found.terraform_manifests.setdefault(directory, [])
    chart = any(entry.name == "Chart.yaml" and _is_file(entry) for entry in entries)
    in_chart = in_chart or chart
    kustomize = any(entry.name in KUSTOMIZATION_FILES and _is_file(entry) for entry in entries)
    for entry in entries:
        path = Path(entry.path)
        if found.is_excluded(path):
            continue
        if entry.is_symlink() and not _link_allowed(path, bound, display, found):
            continue
        try:
            is_directory = entry.is_dir()
        except OSError:
            is_directory = False
        if is_directory:
            real = None if entry.is_symlink() else real_directory / entry.name
            _directory(path, real, entry.name, bound, display, visited, terraform_dir, found, in_chart)
        elif entry.name.endswith(MANIFEST_SUFFIXES) and not entry.name.endswith(TERRAFORM_SUFFIXES):
            _manifest(path, entry.name, chart, kustomize, terraform_dir, found, in_chart)
        elif entry.is_symlink() and not path.exists():
            found.warnings.append(Problem(str(path), None, "is a broken link; not read"))


def _link_allowed(path: Path, bound: Path, display: str, found: Discovery) -> bool:
    try:
        real = real_path(path)
    except InputRefused as error:
        found.problems.append(Problem(str(path), None, str(error)))
        return False
    if inside(real, bound):
        return True
    if not path.exists():
        return True  # a broken link: reported by the caller
    what = "a directory" if path.is_dir() else "a file"
    found.problems.append(Problem(str(path), None, f"is a link to {what} outside {display}; refusing "
                                  "to read it (copy it in instead)"))
    return False


def _directory(path: Path, known_real: Path | None, name: str, bound: Path, display: str,
               visited: set[Path], terraform_dir: Path | None, found: Discovery,
               in_chart: bool = False) -> None:
    if name in TOOL_DIRECTORIES:
        return
    if name.startswith("."):
        held = _input_file_in(path)
        if held is None:
            found.warnings.append(Problem(str(path), None, "is a hidden directory: not read (it "
                                          "holds no manifests or Terraform)"))
        else:
            found.problems.append(Problem(str(path), None, f"is a hidden directory holding input "
                                          f"({held.relative_to(path)}): not read, so a test could "
                                          "pass without it; move it out, or leave the directory out "
                                          "on purpose with !path"))
        return
    real = known_real if known_real is not None else real_path(path)
    if real in visited:
        found.warnings.append(Problem(str(path), None, f"is a link to {real}, which is read "
                                      "already (or a loop); not read twice"))
        return
    visited.add(real)
    _walk(path, real, bound, display, visited, terraform_dir, found, in_chart)


_SCAN_LIMIT = 10_000
"""Entries looked at inside a hidden directory to tell whether it holds input."""


def _input_file_in(directory: Path) -> Path | None:
    """A manifest-like or Terraform file under ``directory`` (links not followed), if any."""
    seen = 0
    for current, subdirectories, names in os.walk(directory):
        subdirectories.sort()
        for name in sorted(names):
            seen += 1
            if name.endswith(MANIFEST_SUFFIXES + TERRAFORM_SUFFIXES):
                return Path(current) / name
        if seen > _SCAN_LIMIT:
            return Path(current)  # too big to tell: taken as holding input
    return None


def _manifest(path: Path, name: str, chart: bool, kustomize: bool, terraform_dir: Path | None,
              found: Discovery, in_chart: bool = False) -> None:
    if kustomize:
        message = ("is in a kustomize directory (beside a kustomization file): patches and bases, "
                   "not the objects the cluster gets; not read")
        if terraform_dir is not None:  # a helm_release post-renderer's input: what it installs is unknown
            found.warnings.append(Problem(str(path), None, f"{message} (the Terraform beside it "
                                          "applies it at apply time)"))
        else:
            found.problems.append(Problem(str(path), None, f"{message}, so a test could pass without "
                                          "it: render it with kubectl kustomize and load the output, "
                                          "or leave the directory out on purpose with !path"))
        return
    values_file = name.startswith("values") and name.endswith((".yaml", ".yml"))
    if chart and (name in HELM_CHART_FILES or values_file):
        found.warnings.append(Problem(str(path), None, "is a Helm chart file, not a Kubernetes "
                                      "object: not read (render the chart with helm template and "
                                      "load its output)"))
        return
    if name.endswith(TFVARS_SUFFIXES):
        return  # a variables file (.tfvars.json) of a Terraform root, read by the root
    if in_chart and terraform_dir is not None:  # a local chart the Terraform installs
        found.warnings.append(Problem(str(path), None, "is in a Helm chart inside a Terraform "
                                      "module (installed by a helm_release): a template, not the "
                                      "objects the cluster gets; not read (what the release "
                                      "installs is unknown until rendered with helm template)"))
        return
    if terraform_dir is not None:
        found.terraform_manifests[terraform_dir].append(path)
        return
    found.manifests.append(path)
