"""Grant paths as graphs: Graphviz DOT, Mermaid and inline SVG (subject -> binding -> role -> rule)."""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass

from ..kubernetes.authorizer import GrantPath
from ..lockfile.snapshot import rule_line


@dataclass(frozen=True, slots=True)
class Edge:
    """One hop of a grant path, with where its target is defined."""

    source: str
    target: str
    where: str = ""


def edges(subject: str, paths: Iterable[GrantPath]) -> list[Edge]:
    """subject -> binding -> role -> rule, for each grant path (deduplicated, in order)."""
    found: dict[tuple[str, str], Edge] = {}
    for path in paths:
        binding = path.binding.ref()
        role = path.role.ref()
        rule = f"rule {path.rule.rule.index}: {rule_line(path)}"
        hops = (Edge(subject, binding, str(path.binding.source)), Edge(binding, role, str(path.role.source)),
                Edge(role, rule, str(path.rule.rule.source)))
        for edge in hops:
            found.setdefault((edge.source, edge.target), edge)
    return list(found.values())


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot(found: list[Edge]) -> str:
    """Graphviz DOT."""
    lines = ["digraph pfperms {", "  rankdir=LR;", "  node [shape=box, fontname=monospace];"]
    for edge in found:
        tooltip = f" [tooltip={_quote(edge.where)}]" if edge.where else ""
        lines.append(f"  {_quote(edge.source)} -> {_quote(edge.target)}{tooltip};")
    return "\n".join([*lines, "}"])


def mermaid(found: list[Edge]) -> str:
    """A Mermaid flowchart."""
    ids: dict[str, str] = {}

    def node(text: str) -> str:
        if text not in ids:
            ids[text] = f"n{len(ids)}"
            label = text.replace('"', "#quot;")
            return f'{ids[text]}["{label}"]'
        return ids[text]

    return "\n".join(["flowchart LR", *(f"  {node(e.source)} --> {node(e.target)}" for e in found)])


def svg(found: list[Edge], width: int = 1100) -> str:
    """An inline SVG: one column per hop depth, arrows between the boxes."""
    depth: dict[str, int] = {}
    for edge in found:
        depth.setdefault(edge.source, 0)
        depth[edge.target] = max(depth.get(edge.target, 0), depth[edge.source] + 1)
    columns: dict[int, list[str]] = {}
    for name, level in depth.items():
        columns.setdefault(level, []).append(name)
    count = max(columns, default=0) + 1
    column_width = width // max(count, 1)
    row_height = 34
    height = max((len(names) for names in columns.values()), default=1) * row_height + 20
    place: dict[str, tuple[int, int]] = {}
    for level, names in columns.items():
        for row, name in enumerate(names):
            place[name] = (level * column_width + 6, row * row_height + 10)
    box_width = column_width - 24
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="graph" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img">',
             '<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="8" refY="4" orient="auto">'
             '<path d="M0,0 L8,4 L0,8 z" fill="#555"/></marker></defs>']
    for edge in found:
        (x1, y1), (x2, y2) = place[edge.source], place[edge.target]
        parts.append(f'<line x1="{x1 + box_width}" y1="{y1 + 12}" x2="{x2}" y2="{y2 + 12}" stroke="#555" '
                     f'marker-end="url(#arrow)"><title>{html.escape(edge.where)}</title></line>')
    for name, (x, y) in place.items():
        shown = name if len(name) <= box_width // 7 else name[: box_width // 7 - 1] + "…"
        parts.append(f'<g class="node"><rect x="{x}" y="{y}" width="{box_width}" height="24" rx="4" '
                     f'fill="#eef3fb" stroke="#4a6fa5"/><text x="{x + 6}" y="{y + 16}" font-size="12" '
                     f'font-family="monospace">{html.escape(shown)}</text><title>{html.escape(name)}</title></g>')
    parts.append("</svg>")
    return "".join(parts)
