"""``objects`` (what the sources define) and ``cache clear``."""

from __future__ import annotations

import argparse

from ..query.model import Model
from ..sources.cache.store import clear_cache
from .exits import EXIT_NO, EXIT_YES
from .rendering import md_escape
from .results import Case, Result
from .terminal import Terminal


def objects(args: argparse.Namespace, model: Model) -> Result:
    """``objects [--kind KIND] [-n NS]``: every object the sources define, with file:line."""
    found = model.objects(args.kind, namespace=args.namespace) if args.namespace else model.objects(args.kind)
    rows: list[dict[str, str | None]] = [
        {"kind": obj.kind, "namespace": None if obj.namespace is None else str(obj.namespace),
         "name": str(obj.name), "ref": obj.ref(), "source": str(obj.source)} for obj in found]
    status = EXIT_NO if args.fail_if_any and rows else EXIT_YES

    def text(terminal: Terminal) -> str:
        return "\n".join(f"{row['ref']}  {row['source']}" for row in rows) or "no objects"

    table = [f"| {md_escape(str(r['ref']))} | {md_escape(str(r['source']))} |" for r in rows]
    markdown = "\n".join(["| object | defined at |", "|---|---|", *table]) + "\n"
    cases = [Case(str(row["ref"]), not args.fail_if_any, str(row["source"])) for row in rows]
    return Result("objects", status, {"objects": rows}, text, markdown, cases)


def cache(args: argparse.Namespace) -> Result:
    """``cache clear``: delete every cache entry and the cache's secret."""
    where = str(clear_cache())
    return Result("cache", EXIT_YES, {"cleared": where}, lambda _t: f"pfperms: cleared the cache in {where}",
                  f"cleared the cache in `{where}`\n")
