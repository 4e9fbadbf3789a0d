"""The package's rooms import one way: core <- model <- engines <- explain <- query <- escalation
<- policies <- lockfile, sources <- faces.

Walks every import statement of the package with ``ast`` (those inside functions too) and
fails on an arrow that runs the wrong way, naming the file, the line and the two rooms.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "pytest_pfperms"

CORE = {"values", "errors", "linear_match", "limits"}
ENGINES = {"kubernetes", "aws", "vault"}
SOURCES = {"sources", "sources.loading", "sources.cluster_defaults", "sources.cache", "sources.files", "sources.discovery", "sources.deep_calls", "sources.collector",
           "sources.manifests",
           "sources.hcl", "sources.terraform"}
FACES = {"testing", "cli", "dumping", "strategies", ""}

ALLOWED: dict[str, set[str]] = {
    "values": set(),
    "errors": set(),
    "linear_match": set(),
    "limits": {"errors"},
    "model": CORE,
    **{engine: CORE | {"model"} for engine in ENGINES},
    "explain": CORE | {"model"} | ENGINES,
    "query": CORE | {"model", "explain"} | ENGINES,
    "escalation": CORE | {"model", "explain", "query"} | ENGINES,
    "policies": CORE | {"model", "explain", "query", "escalation"} | ENGINES,
    "lockfile": CORE | {"model", "explain", "query", "escalation", "policies"} | ENGINES,
    "sources.cache": CORE,
    "sources.files": CORE,
    "sources.discovery": CORE | {"sources.files"},
    "sources.deep_calls": set(),
    "sources.collector": set(),
    "sources.hcl": CORE | {"sources.cache", "sources.files"},
    "sources.manifests": CORE | {"model", "sources.cache"} | ENGINES,
    "sources.cluster_defaults": CORE | {"model", "sources.manifests"},
    "sources.terraform": CORE | {"model", "sources.cache", "sources.files", "sources.discovery", "sources.hcl", "sources.manifests"} | ENGINES,
    "sources.loading": CORE | {"model", "query", "escalation"} | ENGINES | SOURCES,
    "sources": set(),
    "testing": CORE | {"model", "explain", "query", "escalation", "policies", "lockfile", "dumping"} | ENGINES
        | SOURCES,
    "dumping": CORE | {"model", "query"},
    "cli": CORE | {"model", "explain", "query", "escalation", "policies", "lockfile"} | ENGINES | SOURCES,
    "strategies": CORE | {"model", "query", "escalation", "testing"} | ENGINES | SOURCES,
    "": CORE | {"model", "explain", "query", "escalation", "policies", "dumping", "testing"} | ENGINES
        | SOURCES,
}
"""For each room, the rooms it may import (besides itself)."""


def room_of(module: str) -> str:
    """The room of a dotted module name under ``pytest_pfperms``."""
    parts = module.split(".")[1:]
    if not parts:
        return ""
    if parts[0] == "sources" and len(parts) > 1:
        return f"sources.{parts[1]}"
    return parts[0]


def module_name(path: Path, package: Path = PACKAGE) -> tuple[str, str]:
    """(module, package) of a file of the package."""
    parts = ["pytest_pfperms", *path.relative_to(package).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
        return ".".join(parts), ".".join(parts)
    return ".".join(parts), ".".join(parts[:-1])


def imports_of(path: Path, root: Path = PACKAGE) -> list[tuple[int, str]]:
    """(line, imported module) for every import of ``pytest_pfperms`` in a file."""
    _, package = module_name(path, root)
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.split(".")[0] == "pytest_pfperms":
                found.extend((node.lineno, f"{target}.{alias.name}") for alias in node.names)
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names
                         if alias.name.split(".")[0] == "pytest_pfperms")
    return found


def wrong_arrows(package: Path = PACKAGE) -> list[str]:
    """Every import that runs against the layering, as ``file:line: room -> room (module)``."""
    wrong = []
    for path in sorted(package.rglob("*.py")):
        source_room = room_of(module_name(path, package)[0])
        for line, target in imports_of(path, package):
            target_room = room_of(target)
            if target_room.startswith("sources.") and target_room not in SOURCES:
                target_room = "sources"  # ``from ..sources import x`` names a module of sources/
            if target_room == source_room or target_room in ALLOWED[source_room]:
                continue
            where = path.relative_to(package.parent)
            wrong.append(f"{where}:{line}: {source_room or '__init__'} -> {target_room} ({target})")
    return wrong


def test_every_room_is_known() -> None:
    rooms = {room_of(module_name(path)[0]) for path in PACKAGE.rglob("*.py")}
    assert rooms <= set(ALLOWED), f"rooms without a layering rule: {sorted(rooms - set(ALLOWED))}"


def test_imports_run_one_way() -> None:
    wrong = wrong_arrows()
    assert not wrong, "imports that run the wrong way:\n" + "\n".join(wrong)


def test_the_check_sees_a_wrong_arrow(tmp_path: Path) -> None:
    """The check is not vacuous: an engine importing the sources is reported by name."""
    fake = tmp_path / "pytest_pfperms"
    (fake / "aws").mkdir(parents=True)
    (fake / "aws" / "bad.py").write_text("def late():\n    from ..sources.hcl import evaluation\n")
    (fake / "aws" / "fine.py").write_text("from ..model import objects\nfrom . import bad\n")
    assert wrong_arrows(fake) == [
        "pytest_pfperms/aws/bad.py:2: aws -> sources.hcl (pytest_pfperms.sources.hcl.evaluation)"
    ]
