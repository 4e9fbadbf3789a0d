"""A Terraform module directory read into its declarations: variables, locals, resources,
data sources, module calls and outputs, each with the file it is written in.

Every ``*.tf`` and ``*.tf.json`` file of one directory (not its subdirectories) forms
one module, as Terraform reads it. Files go through the parse cache.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import LoadError, Problem
from ...limits import LimitExceeded, active_limits, current_budget
from ..files import MAX_TERRAFORM_BYTES, InputRefused, read_input
from ..hcl.parse_cache import cached_parse
from ..hcl.syntax_tree import Attribute, Block, HclFile
from .evaluation_cache import Recorder


@dataclass(frozen=True, slots=True)
class Declared:
    """A block (or, for locals, an attribute) and the file it is declared in."""

    node: Block | Attribute
    file: HclFile

    @property
    def where(self) -> str:
        """``path:line`` of the declaration."""
        return f"{self.file.path}:{self.node.line}"


@dataclass
class ModuleConfig:
    """The declarations of one module directory."""

    directory: Path
    display: str
    files: list[HclFile] = field(default_factory=list)
    variables: dict[str, Declared] = field(default_factory=dict)
    locals: dict[str, Declared] = field(default_factory=dict)
    resources: dict[tuple[str, str], Declared] = field(default_factory=dict)
    data: dict[tuple[str, str], Declared] = field(default_factory=dict)
    modules: dict[str, Declared] = field(default_factory=dict)
    outputs: dict[str, Declared] = field(default_factory=dict)


def is_override_file(name: str) -> bool:
    """``override.tf``, ``*_override.tf`` (and ``.tf.json``): Terraform merges them last."""
    stem = name.removesuffix(".json").removesuffix(".tf")
    return stem == "override" or stem.endswith("_override")


def terraform_files(directory: Path, recorder: Recorder | None = None) -> list[Path]:
    """The ``*.tf`` and ``*.tf.json`` files of one directory: the primary files sorted, then
    the override files sorted (the order Terraform reads them in)."""
    primary: list[Path] = []
    overrides: list[Path] = []
    names = recorder.listing(directory) if recorder is not None else sorted(os.listdir(directory))
    for entry in names:
        if not entry.endswith((".tf", ".tf.json")):
            continue
        path = directory / entry
        if not path.is_dir():  # FIFOs, devices and broken links are refused by the input gate
            (overrides if is_override_file(entry) else primary).append(path)
    return primary + overrides


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def read_module(directory: Path, problems: list[Problem], recorder: Recorder | None = None,
                *, bound: Path | None = None) -> ModuleConfig:
    """Parse every Terraform file of a directory; problems are appended, never raised.

    Files are read through the input gate (:mod:`pytest_pfperms.sources.files`) under
    ``bound`` (the repository; default: the directory itself)."""
    config = ModuleConfig(directory, _display(directory))
    limit_to = bound if bound is not None else directory.resolve()
    for path in terraform_files(directory, recorder):
        display = _display(path)
        try:
            data = read_input(path, bound=limit_to, limit=MAX_TERRAFORM_BYTES, what="Terraform file")
            budget = current_budget()
            budget.terraform_left -= len(data)
            if budget.terraform_left < 0:
                problems.extend(LimitExceeded.at(display, "the Terraform this load reads", "terraform_bytes",
                                                 active_limits().terraform_bytes - budget.terraform_left
                                                 ).problems)
                continue
            if recorder is not None:
                recorder.file(path, data)
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            problems.append(Problem(display, None, f"is not UTF-8 text ({error.reason}); save it as UTF-8"))
            continue
        except InputRefused as error:
            problems.append(Problem(display, None, str(error)))
            continue
        try:
            parsed = cached_parse(display, text)
        except LoadError as error:
            problems.extend(error.problems)
            continue
        config.files.append(parsed)
        if is_override_file(path.name):
            _override(config, parsed, problems)
        else:
            _declare(config, parsed, problems)
    return config


def _override(config: ModuleConfig, parsed: HclFile, problems: list[Problem]) -> None:
    """Merge an override file, as Terraform does: each ``locals`` value replaces the one of
    the same name. Other blocks would merge argument by argument into the block they name,
    mixing two files in one block; that is refused, naming both, rather than guessed."""
    for block in parsed.body.blocks:
        if block.type == "locals":
            for attribute in block.body.attributes.values():
                if attribute.name not in config.locals:
                    problems.append(Problem(parsed.path, attribute.line, f"local.{attribute.name} "
                                            "overrides a local value no primary file declares "
                                            "(Terraform refuses this)"))
                    continue
                config.locals[attribute.name] = Declared(attribute, parsed)
            continue
        target = _overridden(config, block)
        where = f" (declared at {target.where})" if target is not None else ""
        name = " ".join([block.type, *(f'"{label}"' for label in block.labels)])
        if target is None and block.type in ("resource", "data", "module", "output", "variable"):
            problems.append(Problem(parsed.path, block.line, f"{name} overrides a block no primary "
                                    "file declares (Terraform refuses this)"))
        elif block.type in ("resource", "data", "module", "output", "variable"):
            problems.append(Problem(parsed.path, block.line, f"{name} overrides the block{where}; "
                                    "Terraform merges override files into the blocks they name, "
                                    "which pytest-pfperms does not model: merge the override into "
                                    "that file, or load the plan (terraform show -json)"))


def _overridden(config: ModuleConfig, block: Block) -> Declared | None:
    labels = block.labels
    if block.type in ("resource", "data") and len(labels) == 2:
        table = config.resources if block.type == "resource" else config.data
        return table.get((labels[0], labels[1]))
    tables = {"module": config.modules, "output": config.outputs, "variable": config.variables}
    if block.type in tables and len(labels) == 1:
        return tables[block.type].get(labels[0])
    return None


def _declare(config: ModuleConfig, parsed: HclFile, problems: list[Problem]) -> None:
    def duplicate(kind: str, name: str, first: Declared, block: Block | Attribute) -> None:
        problems.append(Problem(parsed.path, block.line, f"{kind} {name} is declared twice: first at "
                                f"{first.where}, again here (Terraform refuses this)"))

    for block in parsed.body.blocks:
        labels = block.labels
        if block.type == "variable" and len(labels) == 1:
            target: dict[str, Declared] = config.variables
            if labels[0] in target:
                duplicate("variable", labels[0], target[labels[0]], block)
            target[labels[0]] = Declared(block, parsed)
        elif block.type == "locals":
            for attribute in block.body.attributes.values():
                if attribute.name in config.locals:
                    duplicate("local", attribute.name, config.locals[attribute.name], attribute)
                config.locals[attribute.name] = Declared(attribute, parsed)
        elif block.type in ("resource", "data") and len(labels) == 2:
            table = config.resources if block.type == "resource" else config.data
            key = (labels[0], labels[1])
            if key in table:
                prefix = "data." if block.type == "data" else ""
                duplicate(block.type, f"{prefix}{labels[0]}.{labels[1]}", table[key], block)
            table[key] = Declared(block, parsed)
        elif block.type == "module" and len(labels) == 1:
            if labels[0] in config.modules:
                duplicate("module", labels[0], config.modules[labels[0]], block)
            config.modules[labels[0]] = Declared(block, parsed)
        elif block.type == "output" and len(labels) == 1:
            if labels[0] in config.outputs:
                duplicate("output", labels[0], config.outputs[labels[0]], block)
            config.outputs[labels[0]] = Declared(block, parsed)
        elif block.type in ("variable", "resource", "data", "module", "output"):
            problems.append(Problem(parsed.path, block.line, f"a {block.type} block needs "
                                    f"{2 if block.type in ('resource', 'data') else 1} label(s), "
                                    f"got {len(labels)}"))
