"""``report -o report.html``: one self-contained page (no network, no external assets): per
namespace the access matrix, each workload's reach across Kubernetes, AWS and Vault with
click-to-expand grant paths (file:line), escalation chains and an inline SVG of its grant paths."""

from __future__ import annotations

import argparse
import html
from pathlib import Path

from ..lockfile import snapshot
from ..lockfile.comparison import SYSTEMS
from ..lockfile.snapshot import Entry
from ..model.objects import BUILTIN_SOURCE
from ..query.model import Model, Workload
from . import graphs
from .asking import MATRIX_RESOURCES, MATRIX_VERBS, matrix_rows
from .exits import EXIT_YES
from .formats import version
from .results import Result

STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#1d2733}
h1{font-size:1.5em}h2{border-bottom:2px solid #4a6fa5;padding-bottom:.2em}
table.matrix{border-collapse:collapse;font-size:.85em;margin-bottom:1em}
table.matrix td,table.matrix th{border:1px solid #ccd;padding:2px 6px;text-align:center}
table.matrix td.subject,table.matrix td.resource{text-align:left;font-family:monospace}
td.yes{background:#d8f0d8}td.unknown{background:#fff1c2}
article.workload{border:1px solid #ccd;border-radius:6px;padding:.5em 1em;margin:1em 0}
details.grant summary{cursor:pointer;font-family:monospace;font-size:.9em}
details.grant .path{margin:.3em 0 .6em 1.5em;font-family:monospace;font-size:.85em;color:#33475b}
.system{font-weight:bold;color:#4a6fa5}.maybe{color:#a06000}
ul.chains{font-family:monospace;font-size:.85em}
"""


def _e(text: object) -> str:
    return html.escape(str(text))


def _matrix(model: Model, namespace: str) -> str:
    resources, verbs = list(MATRIX_RESOURCES), list(MATRIX_VERBS)
    rows = matrix_rows(model, namespace, resources, verbs)
    if not rows:
        return "<p>No service accounts or workloads.</p>"
    head = "".join(f"<th>{_e(v)}</th>" for v in verbs)
    body = []
    for row in rows:
        for index, resource in enumerate(resources):
            cells = "".join(
                {True: '<td class="yes">✓</td>', False: "<td></td>", None: '<td class="unknown">?</td>'}[
                    row["access"][resource][v]] for v in verbs)
            subject = (f'<td class="subject" rowspan="{len(resources)}">{_e(row["subject"])}</td>'
                       if index == 0 else "")
            body.append(f'<tr>{subject}<td class="resource">{_e(resource)}</td>{cells}</tr>')
    return (f'<table class="matrix"><thead><tr><th>subject</th><th>resource</th>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def _grant(entry: Entry) -> str:
    maybe = '' if entry.certain else ' <span class="maybe">(unknown before apply)</span>'
    return (f'<details class="grant" data-system="{entry.system}"><summary><span class="system">'
            f'{SYSTEMS[entry.system]}</span> {_e(entry.scope)}: {_e(entry.grant)}{maybe}</summary>'
            f'<div class="path">granted by {_e(entry.cause or "(no cause recorded)")}</div></details>')


def _workload(model: Model, workload: Workload, entries: list[Entry]) -> str:
    account = str(workload.service_account)
    mine = [entry for entry in entries if entry.subject == account]
    anchor = f"{workload.kind}-{workload.namespace}-{workload.name}"
    parts = [f'<article class="workload" id="{_e(anchor)}">',
             f"<h3>{_e(workload.kind)} {_e(workload.namespace)}/{_e(workload.name)}</h3>",
             f"<p>runs as {_e(account)}; defined at {_e(workload.obj.source)}</p>"]
    parts += [_grant(entry) for entry in mine] or ["<p>No grants from the sources.</p>"]
    try:
        chains = model.reach(workload).chains()
    except Exception:  # pragma: no cover - reach is best effort in a report
        chains = []
    if chains:
        parts.append("<h4>Escalations</h4><ul class=\"chains\">"
                     + "".join(f"<li>{_e(chain)}</li>" for chain in chains) + "</ul>")
    paths = model.rules_for(workload.service_account, namespace=workload.namespace)
    found = graphs.edges(account, [p for p in paths if p.binding.source is not BUILTIN_SOURCE])
    if found:
        parts.append("<h4>Grant paths</h4>" + graphs.svg(found))
    parts.append("</article>")
    return "".join(parts)


def page(model: Model) -> str:
    """The report as one HTML document."""
    entries = snapshot(model).entries
    workloads = model.workloads()
    namespaces = sorted({str(w.namespace) for w in workloads}
                        | {str(o.namespace) for o in model.objects("ServiceAccount")})
    sections = []
    for namespace in namespaces:
        mine = [w for w in workloads if str(w.namespace) == namespace]
        sections.append(f'<section class="namespace" data-namespace="{_e(namespace)}">'
                        f"<h2>namespace {_e(namespace)}</h2><h3>Access matrix</h3>{_matrix(model, namespace)}"
                        + "".join(_workload(model, w, entries) for w in mine) + "</section>")
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; img-src data:\"><title>pfperms report</title>"
            f"<style>{STYLE}</style></head><body><h1>pfperms report</h1>"
            f"<p>pfperms {_e(version())}: {len(workloads)} workloads in {len(namespaces)} namespaces. "
            "Click a grant to see what grants it.</p>" + "".join(sections) + "</body></html>\n")


def report(args: argparse.Namespace, model: Model) -> Result:
    """``report -o FILE``: write the HTML report."""
    target = Path(args.report_file)
    target.write_text(page(model), encoding="utf-8")
    said = f"pfperms: wrote {target}"
    return Result("report", EXIT_YES, {"report": str(target)}, lambda _t: said, said + "\n")
