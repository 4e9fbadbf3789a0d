"""The README's policy documentation against the code: its example PolicySet is valid, every key
of the published JSON Schema is documented, and the built-in table says what each built-in
says (id, title, severity, why, fix)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pytest_pfperms.policies.builtin import BUILTINS, selected
from pytest_pfperms.policies.format import policy_set
from pytest_pfperms.policies.reading import read, schema, validate

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.index("\n## ", start + 1)
    return README[start:end]


def keys(node: Any) -> Iterator[str]:
    """Every property name anywhere in a JSON Schema."""
    if isinstance(node, dict):
        for name, value in node.items():
            if name in ("properties", "patternProperties") and isinstance(value, dict):
                yield from (key for key in value if name == "properties")
                for sub in value.values():
                    yield from keys(sub)
            else:
                yield from keys(value)
    elif isinstance(node, list):
        for item in node:
            yield from keys(item)


def test_the_readme_example_policy_set_is_valid(tmp_path: Path) -> None:
    text = section("Policy files")
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "example.yaml"
    path.write_text(example, encoding="utf-8")
    document = read(path, "example.yaml")
    assert validate(document) == []
    parsed = policy_set(document)
    assert [p.id for p in parsed.policies] == ["example-manages-its-pvcs", "no-cluster-role-bindings",
                                               "only-payments-reads-payments-secrets"]


def test_every_schema_key_is_documented() -> None:
    text = section("Policy files")
    prose = re.sub(r"```.*?```", "", text, flags=re.S)  # the table and the prose, not the examples
    spans = re.findall(r"`([^`]+)`", prose)
    documented = {word for span in spans for word in re.findall(r"[A-Za-z]+", span)}
    missing = sorted(set(keys(schema())) - documented)
    assert missing == []


def test_the_built_in_table_matches_the_code() -> None:
    text = section("The built-in risk pack")
    rows = {cells[0].strip("`"): cells for cells in
            ([c.strip() for c in line.strip("|").split("|")] for line in text.splitlines()
             if line.startswith("| `PF-"))}
    every = selected(["recommended"])
    assert sorted(rows) == sorted(BUILTINS)
    for builtin in every:
        assert rows[builtin.id][1:] == [builtin.title, builtin.severity, builtin.why, builtin.fix], builtin.id
