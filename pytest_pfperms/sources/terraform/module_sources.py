"""Where a module call's code comes from: a local directory, a ``terraform init`` copy,
a built-in Panfactum profile, or nowhere (its outputs are then unknown and reported)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ...errors import LoadError
from ...values import Symbol
from ..files import MAX_MODULES_JSON_BYTES, InputRefused, read_input
from ..hcl.syntax_tree import (
    Block,
    Literal,
    Template,
    source_text,
)
from ..hcl.values import Value
from .configuration import Declared
from .evaluation_cache import Recorder
from .panfactum_profiles import (
    PROFILES,
    ModuleCall,
    ProfileResult,
    module_name_from_source,
)

META_ARGUMENTS = frozenset({"count", "for_each", "depends_on", "provider", "providers", "lifecycle",
                            "source", "version", "connection", "provisioner"})
"""Arguments of resource and module blocks that are Terraform's own, not inputs."""


def read_installed_modules(root_dir: Path, recorder: Recorder | None = None, *,
                           bound: Path | None = None) -> dict[str, Path]:
    """``.terraform/modules/modules.json`` (written by ``terraform init``): module key -> directory.

    Read through the input gate under ``bound`` (the repository); a manifest that is refused
    (a link out of the repository, not a regular file, too large) is a LoadError."""
    manifest = root_dir / ".terraform" / "modules" / "modules.json"
    if not os.path.lexists(manifest):
        if recorder is not None:
            recorder.file(manifest, None)
        return {}
    try:
        raw = read_input(manifest, bound=bound or root_dir.resolve(), limit=MAX_MODULES_JSON_BYTES,
                         what="modules.json")
    except InputRefused as error:
        raise LoadError.single(str(manifest), None, str(error)) from error
    if recorder is not None:
        recorder.file(manifest, raw)
    try:
        data = json.loads(raw.decode("utf-8"))
    except ValueError:
        return {}
    found: dict[str, Path] = {}
    for entry in data.get("Modules", []) if isinstance(data, dict) else []:
        if isinstance(entry, dict) and isinstance(entry.get("Key"), str) \
                and isinstance(entry.get("Dir"), str):
            found[entry["Key"]] = (root_dir / entry["Dir"]).resolve()
    return found


class ProfiledModule:
    """A Panfactum module call answered by its built-in profile, or an unavailable module."""

    def __init__(self, address: str, result: ProfileResult, where: str, reason: str | None = None):
        self.address = address
        self.result = result
        self.where = where
        self.reason = reason

    def output(self, name: str) -> Value:
        """An output of the profile, or a symbol saying why it is unknown."""
        if name in self.result.outputs:
            return self.result.outputs[name]  # type: ignore[no-any-return]
        return Symbol(key=f"{self.address}.{name}", expression=f"{self.address}.{name}", source=self.where,
                      reason=self.reason or "an output the built-in profile does not model",
                      hint="run terraform init so that the module's code is on disk")

    def all_outputs(self) -> dict[str, Value]:
        """The outputs as one object (``module.x`` used whole, or each instance in a ``for``):
        those the profile knows, and any other as :meth:`output` gives it (the code is not
        here to say which outputs exist)."""
        return _Outputs(self, self.result.outputs)


class _Outputs(dict[str, Value]):
    """The outputs of a module whose code pfperms does not read: any name is one."""

    def __init__(self, module: ProfiledModule, known: dict[str, Value]):
        super().__init__(known)
        self.module = module

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str)

    def __missing__(self, key: str) -> Value:
        return self.module.output(key)




def module_source_text(block: Block) -> str | None:
    """The text of a module call's ``source`` (templates kept as written)."""
    attribute = block.body.attributes.get("source")
    if attribute is None:
        return None
    expr = attribute.expr
    if isinstance(expr, Literal) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, Template):
        return "".join(part if isinstance(part, str) else "${" + source_text(part) + "}"  # type: ignore[arg-type]
                       for part in expr.parts)
    return source_text(expr)


def module_directory(declared: Declared, source: str, key_path: str, *, parent_directory: Path,
                     repo_root: Path, installed: dict[str, Path],
                     listings: dict[str, tuple[str, ...] | None]) -> Path | None:
    """The directory of a module call's code: a local ``./``/``../`` source, or the copy
    ``terraform init`` installed under ``key_path``; None when the code is not on disk.

    A local source outside the repository, or one that does not exist, is a LoadError.
    """
    block = declared.node
    assert isinstance(block, Block)
    name = block.labels[0]
    if source.startswith(("./", "../")):
        directory = (parent_directory / source).resolve()
        if not directory.is_relative_to(repo_root):
            raise LoadError.single(declared.file.path, block.line,
                                   f'module "{name}": source {source} is outside the repository '
                                   f"{repo_root}; pytest-pfperms reads nothing outside it (when it is part "
                                   "of the same repository, load with repo_root= or from a git work tree)")
        if not directory.is_dir():
            listings[str(directory)] = None
            raise LoadError.single(declared.file.path, block.line,
                                   f'module "{name}": source directory {source} does not exist')
        return directory
    if key_path in installed and installed[key_path].is_dir():
        directory = installed[key_path]
        return directory if directory.is_relative_to(repo_root) else None
    return None


def profiled_module(address: str, source: str, inputs: dict[str, Value],
                    where: str) -> ProfiledModule:
    """A module call whose code is not on disk: its Panfactum profile when there is one
    (``result.notes`` say what it leaves out), else a module whose outputs are unknown."""
    module_name = module_name_from_source(source)
    if module_name is not None:
        return ProfiledModule(address, PROFILES[module_name](ModuleCall(address, inputs, where)), where)
    reason = (f"module {address} (source {source}) is not on disk; run terraform init "
              "(its .terraform/modules directory is read) to evaluate it")
    return ProfiledModule(address, ProfileResult(), where, reason)
