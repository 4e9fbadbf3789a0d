"""The command line's grammar (argparse: the standard library's parser covers every flag here,
so the CLI needs no extra dependency)."""

from __future__ import annotations

import argparse
from typing import NoReturn

from .exits import EPILOG, UsageError
from .formats import FORMATS, version


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors exit 4 (usage), never argparse's 2 (our "unknown")."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message}\n{self.format_usage().strip()}")


def _sources(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("what to read")
    group.add_argument("-f", "--filename", dest="files", action="append", metavar="PATH[=NAMESPACE]",
                       help="manifests (file or directory) or a Terraform root; =NAMESPACE places "
                            "namespaced objects without one (any number of -f)")
    group.add_argument("--var", dest="vars", action="append", metavar="NAME=VALUE",
                       help="a Terraform input variable")
    group.add_argument("--var-file", dest="var_files", action="append", metavar="FILE",
                       help="a .tfvars or .tfvars.json file of input variables")
    group.add_argument("--no-cluster-defaults", action="store_true",
                       help="leave out the roles and bindings every cluster has")
    group.add_argument("--default-namespace", default="default",
                       help="where namespaced objects without a namespace land (default: default)")
    group.add_argument("--no-cache", action="store_true", help="touch no cache")
    group.add_argument("--vault-flavor", choices=("vault", "openbao"), default="vault",
                       help="the Vault server the policies are for (default: vault)")
    group.add_argument("--hcl-parser", choices=("tree-sitter", "python-hcl2"), default=None,
                       help="the parser of Terraform's HCL: tree-sitter (default, fast) or python-hcl2 "
                            "(the reference); both build the same syntax tree")
    group.add_argument("--aws-oidc-provider", metavar="ARN_OR_URL", default=None,
                       help="the cluster IRSA questions are about: its IAM OIDC provider's ARN or "
                            "issuer URL (default: the one the sources define)")
    group.add_argument("--rendered", dest="rendered", action="append", metavar="ADDRESS",
                       help="a helm_release (or kustomization) whose rendered output is loaded too "
                            "(* matches any run of characters; any number of --rendered)")


def _output(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", default="text", choices=FORMATS,
                        help="text (default), json (schema: pytest_pfperms/cli/output.schema.json), "
                             "yaml, markdown, sarif (check) or junit")
    parser.add_argument("--color", default="auto", choices=("auto", "always", "never"),
                        help="colour and box drawing: auto (on a terminal, unless NO_COLOR), always, never")


def _subject(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="as_who", metavar="USER",
                        help="a user, or system:serviceaccount:NS:NAME")
    parser.add_argument("--as-group", dest="as_groups", action="append", metavar="GROUP",
                        help="a group of the --as user (any number)")
    parser.add_argument("--workload", metavar="KIND/NAME",
                        help="a workload (Deployment/web) or a Terraform address (module.web); "
                             "it asks as its service account, in its own namespace unless -n")


def _request(parser: argparse.ArgumentParser, *, optional: bool = False) -> None:
    nargs = "?" if optional else None
    parser.add_argument("verb", nargs=nargs, help="get, list, create, ... (kubectl's verbs)")
    parser.add_argument("resource", nargs=nargs,
                        help="pods, pods/log, deployments.apps, deployments.apps/scale, /healthz")
    parser.add_argument("-n", "--namespace", default=None, help="the request's namespace")
    parser.add_argument("--name", default=None, help="the object's name")


def parser() -> Parser:
    """The ``pfperms`` parser."""
    top = Parser(prog="pfperms", description="Ask what infrastructure lets workloads do: Kubernetes RBAC, "
                 "AWS IRSA and Vault, with every answer explained down to file:line.",
                 epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    top.add_argument("--version", action="version", version=f"pfperms {version()}")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        made = commands.add_parser(name, help=help_text, description=help_text, epilog=EPILOG,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
        return made

    can = command("can-i", "may the subject do VERB on RESOURCE? (yes/no/unknown, like kubectl auth can-i)")
    _request(can, optional=True)
    _subject(can)
    can.add_argument("--list", action="store_true", help="every rule that applies in the namespace")
    explain = command("explain", "the full explanation of one answer: grant paths or near misses, file:line")
    _request(explain)
    _subject(explain)
    explain.add_argument("--graph", choices=("dot", "mermaid"), help="print the grant paths as a graph")
    who = command("who-can", "every subject that can (or may) do VERB on RESOURCE")
    who.add_argument("verb")
    who.add_argument("resource")
    who.add_argument("-n", "--namespace", default=None, help="the request's namespace (none: cluster scope)")
    who.add_argument("-A", "--all-namespaces", action="store_true",
                     help="ask in every namespace of the sources")
    who.add_argument("--fail-if-any", action="store_true", help="exit 1 when anybody can")
    matrix = command("matrix", "a namespace's access matrix: subjects x resources x verbs")
    matrix.add_argument("-n", "--namespace", required=True)
    matrix.add_argument("--resources", help="comma-separated resources (default: a common set)")
    matrix.add_argument("--verbs", help="comma-separated verbs "
                        "(default: get,list,watch,create,update,patch,delete)")
    reach = command("reach", "what a subject can effectively do after following escalations")
    reach.add_argument("subject", nargs="?", metavar="SUBJECT",
                       help="who: a user, system:serviceaccount:NS:NAME or a workload Kind/name "
                            "(the same as --as or --workload)")
    _subject(reach)
    reach.add_argument("-n", "--namespace", default=None, help="the workload's namespace")
    check = command("check", "run the policy files and the built-in risk pack (no pytest needed)")
    check.add_argument("--policies", action="append", metavar="DIR",
                       help="a directory (or file) of pfperms/v1 PolicySets (default: ./policies if present)")
    check.add_argument("--builtin", metavar="IDS", help='built-in policies: "recommended" (default), '
                       'comma-separated ids, or "none"')
    check.add_argument("--fail-if-any", action="store_true", help="exit 1 on warned policies too")
    check.add_argument("--baseline", metavar="FILE",
                       help="accept the findings FILE holds; only new ones count")
    check.add_argument("--create-baseline", metavar="FILE", help="write today's findings to FILE and exit 0")
    objects = command("objects", "list what the sources define")
    objects.add_argument("--kind", default=None)
    objects.add_argument("-n", "--namespace", default=None)
    objects.add_argument("--fail-if-any", action="store_true", help="exit 1 when anything is listed")
    lock = command("lock", "write the permissions lockfile (pfperms.lock), or --check it")
    lock.add_argument("--lockfile", metavar="FILE", help="default: pfperms.lock")
    lock.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 on a change")
    diff = command("diff", "whose effective access grew or shrank between BASE and HEAD (directories or "
                   "git revisions of this repository)")
    diff.add_argument("base", metavar="BASE")
    diff.add_argument("head", metavar="HEAD")
    diff.add_argument("--fail-on", choices=("grow", "shrink", "any"), default=None,
                      help="exit 1 when access grew (grow), shrank (shrink) or changed at all (any)")
    for made in (can, explain, who, matrix, reach, check, objects, lock, diff):
        _sources(made)
        _output(made)
    report = command("report", "write a self-contained HTML report: matrices, reach, grant paths, graphs")
    report.add_argument("-o", "--output", dest="report_file", required=True, metavar="FILE",
                        help="the HTML file to write (report.html)")
    report.add_argument("--color", default="auto", choices=("auto", "always", "never"))
    report.set_defaults(output="text")
    _sources(report)
    cache = command("cache", "manage the parse and evaluation caches")
    cache.add_argument("action", choices=["clear"], help="clear: delete every entry and the secret")
    _output(cache)
    return top
