"""``pfperms``: ask the permission model questions from the shell.

    pfperms can PATH... --as WHO VERB RESOURCE [-n NAMESPACE] [--name NAME]
    pfperms who-can PATH... VERB RESOURCE [-n NAMESPACE]
    pfperms objects PATH... [--kind KIND]
    pfperms cache clear

WHO is ``system:serviceaccount:NS:NAME``, a user name, or a workload as ``Kind/name``
or a Terraform address (``module.x``); a workload asks in its own namespace unless
``-n`` names another. Exit status: 0 when the answer
is yes, 1 when no, 2 when unknown (it depends on values known only after apply),
3 on bad input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .errors import PfpermsError
from .query.model import Model, Who, Workload
from .sources.cache.store import clear_cache
from .sources.loading import load

EXIT_YES, EXIT_NO, EXIT_UNKNOWN, EXIT_ERROR = 0, 1, 2, 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pfperms", description="Ask what infrastructure lets workloads do.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("paths", nargs="+", metavar="PATH", help="manifests or Terraform directories")
    common.add_argument("--var", action="append", default=[], metavar="NAME=VALUE",
                        help="a Terraform input variable")
    common.add_argument("--no-cluster-defaults", action="store_true",
                        help="leave out the roles and bindings every cluster has")
    common.add_argument("--default-namespace", default="default",
                        help="where namespaced objects without a namespace land")
    commands = parser.add_subparsers(dest="command", required=True)
    can = commands.add_parser("can", parents=[common], help="may WHO do VERB on RESOURCE?")
    can.add_argument("--as", dest="who", required=True, help="who asks (see above)")
    can.add_argument("verb")
    can.add_argument("resource", help="pods, pods/log, deployments.apps, /healthz, ...")
    can.add_argument("-n", "--namespace", default=None, help="the request's namespace")
    can.add_argument("--name", default=None, help="the object's name")
    who_can = commands.add_parser("who-can", parents=[common], help="who may do VERB on RESOURCE?")
    who_can.add_argument("verb")
    who_can.add_argument("resource")
    who_can.add_argument("-n", "--namespace", default=None)
    objects = commands.add_parser("objects", parents=[common], help="list what the sources define")
    objects.add_argument("--kind", default=None)
    cache = commands.add_parser("cache", help="manage the parse and evaluation caches")
    cache.add_argument("action", choices=["clear"], help="clear: delete every entry and the secret")
    for command in (can, who_can, objects):
        command.add_argument("--no-cache", action="store_true", help="touch no cache")
    return parser


def _model(args: argparse.Namespace) -> Model:
    variables: dict[str, object] = {}
    for entry in args.var:
        name, sep, value = entry.partition("=")
        if not sep:
            raise SystemExit(f"pfperms: --var takes NAME=VALUE, got {entry!r}")
        variables[name] = value
    return load(*args.paths, variables=variables, cluster_defaults=not args.no_cluster_defaults,
                default_namespace=args.default_namespace, cache=not args.no_cache)


def _who(model: Model, text: str) -> Who:
    if text.startswith("module.") or ("/" in text and not text.startswith("system:")):
        return model.workload(text)
    return text


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "cache":
        print(f"pfperms: cleared the cache in {clear_cache()}")
        return EXIT_YES
    try:
        model = _model(args)
        if args.command == "objects":
            for obj in model.objects(args.kind):
                print(f"{obj.ref()}  {obj.source}")
            return EXIT_YES
        if args.command == "who-can":
            for grant in model.who_can(args.verb, args.resource, namespace=args.namespace):
                print(f"{grant}  ({grant.path.binding.source})")
            return EXIT_YES
        who = _who(model, args.who)
        if isinstance(who, Workload) and args.namespace is None:
            decision = who.can(args.verb, args.resource, name=args.name)  # its own namespace
        else:
            decision = model.can(who, args.verb, args.resource, namespace=args.namespace, name=args.name)
        print(decision.explain())
    except PfpermsError as error:
        print(f"pfperms: {error}", file=sys.stderr)
        return EXIT_ERROR
    return {True: EXIT_YES, False: EXIT_NO, None: EXIT_UNKNOWN}[decision.allowed]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
