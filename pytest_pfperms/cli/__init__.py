"""``pfperms``: the permission model from the shell, kubectl-shaped.

    pfperms can-i VERB RESOURCE (--as USER [--as-group G]... | --workload Kind/name) [-n NS] -f PATH...
    pfperms can-i --list --as ... -n NS -f PATH...
    pfperms explain VERB RESOURCE --as ... -f PATH...
    pfperms who-can VERB RESOURCE [-n NS | -A] [--fail-if-any] -f PATH...
    pfperms matrix -n NS -f PATH...
    pfperms reach (--as ... | --workload ...) -f PATH...
    pfperms check [--policies DIR]... [--builtin IDS] -f PATH...
    pfperms objects [--kind KIND] -f PATH...
    pfperms lock [--check] -f PATH...
    pfperms diff BASE HEAD [--fail-on grow] -f PATH...
    pfperms report -o report.html -f PATH...
    pfperms cache clear

One module per command family (``asking``, ``reaching``, ``checking``, ``listing``), the shared
renderers (``rendering``, ``formats``: text, json, yaml, markdown, junit, sarif), the output's
``terminal`` and the ``exits``. A face: imports the engines, ``query``, ``escalation``,
``policies`` and the sources; nothing imports it.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import traceback
from collections.abc import Callable, Sequence

from ..errors import LoadError, PfpermsError
from ..query.model import Model
from . import asking, checking, diffing, inputs, listing, locking, reaching, reporting
from .arguments import parser
from .exits import (
    EXIT_INTERNAL,
    EXIT_LOAD_ERROR,
    EXIT_NO,
    EXIT_UNKNOWN,
    EXIT_USAGE,
    EXIT_YES,
    UsageError,
)
from .formats import MACHINE, render
from .results import Result
from .terminal import Terminal

EXIT_ERROR = EXIT_LOAD_ERROR
"""The old name of :data:`EXIT_LOAD_ERROR`."""

COMMANDS: dict[str, Callable[[argparse.Namespace, Model], Result]] = {
    "can-i": asking.can_i, "explain": asking.explain, "who-can": asking.who_can, "matrix": asking.matrix,
    "reach": reaching.reach, "check": checking.check, "objects": listing.objects, "lock": locking.lock,
    "report": reporting.report,
}


def _in_ci() -> bool:
    return bool(os.environ.get("CI")) or not sys.stderr.isatty()


def _load(args: argparse.Namespace) -> Model:
    """The model, with a progress line on a terminal when loading takes over a second."""
    shown = threading.Event()

    def progress() -> None:
        shown.set()
        sys.stderr.write(f"pfperms: loading {len(args.files or [])} path(s) "
                         "(parsing files, evaluating modules)...\r")
        sys.stderr.flush()

    timer = None if _in_ci() else threading.Timer(1.0, progress)
    if timer is not None:
        timer.daemon = True
        timer.start()
    try:
        return inputs.model(args)
    finally:
        if timer is not None:
            timer.cancel()
            if shown.is_set():
                sys.stderr.write(" " * 78 + "\r")


def _run(args: argparse.Namespace, terminal: Terminal) -> int:
    if args.output == "sarif" and args.command != "check":   # before a load that could fail or take long
        raise UsageError(f"-o sarif reports findings; use it with check, not {args.command}")
    if args.command == "cache":
        result = listing.cache(args)
    elif args.command == "diff":
        result = diffing.diff(args)
        for warning in result.warnings:
            terminal.warn(warning)
    else:
        model = _load(args)
        warnings = [str(w) for w in model.warnings] + model.problems()
        for warning in warnings:
            terminal.warn(warning)
        result = COMMANDS[args.command](args, model)
        result.warnings = warnings
    terminal.write(render(result, args.output, terminal), plain=args.output not in MACHINE)
    return result.status


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (see ``pfperms --help``)."""
    terminal = Terminal()
    try:
        try:
            args = parser().parse_args(argv)
        except SystemExit as done:   # --help and --version
            return EXIT_YES if done.code in (0, None) else EXIT_USAGE
        terminal = Terminal(args.color)
        return _run(args, terminal)
    except UsageError as error:
        terminal.warn_plain(f"usage error: {error}")
        return EXIT_USAGE
    except LoadError as error:
        terminal.warn_plain(f"cannot load: {error}")
        return EXIT_LOAD_ERROR
    except PfpermsError as error:   # a wrong name, a refused resource: the question is wrong
        terminal.warn_plain(str(error))
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_YES
    except KeyboardInterrupt:
        return 130
    except Exception:
        terminal.warn_plain("internal error (a bug in pfperms; please report it with this traceback):\n"
                            + traceback.format_exc())
        return EXIT_INTERNAL


__all__ = ["EXIT_ERROR", "EXIT_INTERNAL", "EXIT_LOAD_ERROR", "EXIT_NO", "EXIT_UNKNOWN", "EXIT_USAGE",
           "EXIT_YES", "main"]
