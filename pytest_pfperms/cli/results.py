"""What a command produces, before it is rendered: the JSON data (the published schema,
``output.schema.json``), the text, and the cases and findings JUnit and SARIF report."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from .terminal import Terminal

SCHEMA_ID = "pfperms/cli/v1"
"""The ``schema`` key of every JSON document; bumped only on an incompatible change."""

_WHERE = re.compile(r"(?P<file>[\w./-]+\.(?:ya?ml|json|tf|tfvars|hcl)):(?P<line>\d+)")


@dataclass(frozen=True, slots=True)
class Case:
    """One JUnit test case: ``ok`` False fails it, None marks it skipped (unknown)."""

    name: str
    ok: bool | None
    message: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Issue:
    """One SARIF result: a rule id (the built-in pack's, or a policy's), a level, where."""

    rule: str
    title: str
    level: str
    message: str
    file: str | None
    line: int | None
    help: str = ""
    fingerprint: str = ""


@dataclass(slots=True)
class Result:
    """One command's outcome: its exit status and every way to show it."""

    command: str
    status: int
    data: dict[str, Any]
    text: Callable[[Terminal], str]
    markdown: str
    cases: list[Case] = field(default_factory=list)
    issues: list[Issue] | None = None
    """None when the command has nothing SARIF could report."""
    warnings: list[str] = field(default_factory=list)

    def document(self) -> dict[str, Any]:
        """The JSON document (see ``output.schema.json``)."""
        return {"schema": SCHEMA_ID, "command": self.command, "exit_code": self.status,
                "warnings": list(self.warnings), **self.data}


def where(lines: tuple[str, ...] | list[str]) -> tuple[str | None, int | None]:
    """The first ``file:line`` named in rendered explanation lines (skipping built-in ones)."""
    for line in lines:
        found = _WHERE.search(line)
        if found:
            return found["file"], int(found["line"])
    return None, None


@cache
def output_schema() -> dict[str, Any]:
    """The JSON Schema of ``-o json`` (and ``-o yaml``) output."""
    text = resources.files(__package__).joinpath("output.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
