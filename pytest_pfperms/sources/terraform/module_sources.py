"""Where a module call's code comes from: a local directory, a ``terraform init`` copy,
a built-in Panfactum profile, or nowhere (its outputs are then unknown and reported)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from ...errors import LoadError
from ...values import Symbol
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

if TYPE_CHECKING:
    from .module_graph import Instance, ModuleInstance

META_ARGUMENTS = frozenset({"count", "for_each", "depends_on", "provider", "providers", "lifecycle",
                            "source", "version", "connection", "provisioner"})
"""Arguments of resource and module blocks that are Terraform's own, not inputs."""


def read_installed_modules(root_dir: Path, recorder: Recorder | None = None) -> dict[str, Path]:
    """``.terraform/modules/modules.json`` (written by ``terraform init``): module key -> directory."""
    manifest = root_dir / ".terraform" / "modules" / "modules.json"
    try:
        raw = manifest.read_bytes()
    except OSError:
        if recorder is not None:
            recorder.file(manifest, None)
        return {}
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
        """Every output the profile knows."""
        return dict(self.result.outputs)




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


def make_child(parent: ModuleInstance, declared: Declared, instance: Instance,
               mode: str) -> ModuleInstance | ProfiledModule:
    """Resolve a module call's source: local directory, ``terraform init`` copy, profile, or unknown."""
    block = declared.node
    assert isinstance(block, Block)
    ctx = parent.ctx
    name = block.labels[0]
    source = module_source_text(block)
    call_scope = parent.instance_scope(instance, mode)
    key_path = f"{parent.key_path}.{name}" if parent.key_path else name
    if source is None:
        raise LoadError.single(declared.file.path, block.line, f'module "{name}" has no source')
    directory: Path | None = None
    if source.startswith(("./", "../")):
        directory = (parent.config.directory / source).resolve()
        if not directory.is_relative_to(ctx.repo_root):
            raise LoadError.single(declared.file.path, block.line,
                                   f'module "{name}": source {source} is outside the repository '
                                   f"{ctx.repo_root}; pytest-pfperms reads nothing outside it")
        if not directory.is_dir():
            ctx.recorder.listings[str(directory)] = None
            raise LoadError.single(declared.file.path, block.line,
                                   f'module "{name}": source directory {source} does not exist')
    elif key_path in ctx.installed and ctx.installed[key_path].is_dir():
        directory = ctx.installed[key_path]
        if not directory.is_relative_to(ctx.repo_root):
            directory = None
    if directory is not None:
        from .module_graph import ModuleInstance

        config = ctx.config(directory)
        return ModuleInstance(ctx, config, instance.address, parent=parent, call=declared,
                              call_scope=call_scope, key_path=key_path,
                              condition=instance.condition or parent.condition)
    inputs = {}
    for argument_name, attribute in block.body.attributes.items():
        if argument_name in META_ARGUMENTS:
            continue
        try:
            inputs[argument_name] = parent.eval(attribute.expr, declared, call_scope)
        except LoadError as error:
            ctx.problems.extend(error.problems)
    module_name = module_name_from_source(source)
    where = f"{declared.file.path}:{block.line}"
    if module_name is not None:
        result = PROFILES[module_name](ModuleCall(instance.address, inputs, where))
        ctx.profiled.append((instance.condition or parent.condition, instance.address, result, where))
        for note in result.notes:
            ctx.warn(where, note)
        node = ProfiledModule(instance.address, result, where)
        node.instance = instance  # type: ignore[attr-defined]
        return node
    reason = (f"module {instance.address} (source {source}) is not on disk; run terraform init "
              "(its .terraform/modules directory is read) to evaluate it")
    ctx.warn(where, reason)
    return ProfiledModule(instance.address, ProfileResult(), where, reason)


