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
from ..hcl.parse_cache import cached_parse
from ..hcl.syntax_tree import Attribute, Block, HclFile
from .evaluation_cache import Recorder

MAX_TF_FILE_BYTES = 8 * 1024 * 1024
"""Terraform files larger than this are refused."""


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


def terraform_files(directory: Path, recorder: Recorder | None = None) -> list[Path]:
    """The ``*.tf`` and ``*.tf.json`` files of one directory, sorted (overrides excluded)."""
    found = []
    names = recorder.listing(directory) if recorder is not None else sorted(os.listdir(directory))
    for entry in names:
        if not entry.endswith((".tf", ".tf.json")):
            continue
        stem = entry.removesuffix(".json").removesuffix(".tf")
        if stem == "override" or stem.endswith("_override"):
            continue  # override files merge into others; not modelled (reported by the caller)
        path = directory / entry
        if path.is_file():
            found.append(path)
    return found


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def read_module(directory: Path, problems: list[Problem], recorder: Recorder | None = None) -> ModuleConfig:
    """Parse every Terraform file of a directory; problems are appended, never raised."""
    config = ModuleConfig(directory, _display(directory))
    for path in terraform_files(directory, recorder):
        display = _display(path)
        try:
            size = path.stat().st_size
            if size > MAX_TF_FILE_BYTES:
                problems.append(Problem(display, None, f"is {size:,} bytes, more than the "
                                        f"{MAX_TF_FILE_BYTES:,}-byte limit for Terraform files"))
                continue
            data = path.read_bytes()
            if recorder is not None:
                recorder.file(path, data)
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            problems.append(Problem(display, None, f"is not UTF-8 text ({error.reason}); save it as UTF-8"))
            continue
        except OSError as error:
            problems.append(Problem(display, None, f"cannot be read: {error.strerror or error}"))
            continue
        try:
            parsed = cached_parse(display, text)
        except LoadError as error:
            problems.extend(error.problems)
            continue
        config.files.append(parsed)
        _declare(config, parsed, problems)
    return config


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
