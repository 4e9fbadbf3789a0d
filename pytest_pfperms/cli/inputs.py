"""The model a command asks: ``-f PATH[=NAMESPACE]`` (any number), ``--var``, ``--var-file``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..aws.cluster import cluster_from_argument
from ..errors import InvalidArgument, LoadError, Problem
from ..query.model import Model, Who, Workload
from ..query.questions import check_username
from ..sources.loading import load
from ..sources.terraform.model_building import read_tfvars
from ..values import Str
from .exits import UsageError


def paths(args: argparse.Namespace) -> tuple[list[str], dict[str, str]]:
    """The paths to read and the namespace given to each (``PATH=NAMESPACE``)."""
    found: list[str] = []
    namespaces: dict[str, str] = {}
    for entry in args.files or []:
        path, sep, namespace = entry.partition("=")
        if sep and not namespace:
            raise UsageError(f"-f {entry}: name the namespace after '=' (PATH=NAMESPACE)")
        if not path:
            raise UsageError(f"-f {entry!r}: no path")
        found.append(path)
        if sep:
            namespaces[path] = namespace
    if not found:
        raise UsageError("say what to read: -f PATH (manifests or a Terraform directory), as often as needed")
    return found, namespaces


def variables(args: argparse.Namespace) -> dict[str, object]:
    """Terraform input variables: every ``--var-file`` in order, then every ``--var``."""
    values: dict[str, object] = {}
    problems: list[Problem] = []
    for name in args.var_files or []:
        path = Path(name)
        if not path.is_file():
            raise UsageError(f"--var-file {name}: no such file")
        if name.endswith(".json"):
            try:
                loaded: Any = json.loads(path.read_text(encoding="utf-8"))
            except (ValueError, OSError) as error:
                raise LoadError.single(name, None, f"is not a JSON variables file: {error}") from None
            if not isinstance(loaded, dict):
                raise LoadError.single(name, None, "must hold one JSON object of variables")
            values.update(loaded)
        else:
            values.update(read_tfvars(path, name, problems))
    if problems:
        raise LoadError(problems)
    for entry in args.vars or []:
        name, sep, value = entry.partition("=")
        if not sep or not name:
            raise UsageError(f"--var takes NAME=VALUE, got {entry!r}")
        values[name] = value
    return values


def model(args: argparse.Namespace) -> Model:
    """Load the model the arguments describe (raises LoadError, UsageError)."""
    found, namespaces = paths(args)
    provider = getattr(args, "aws_oidc_provider", None)
    if provider is not None:
        try:
            cluster_from_argument(provider, where="--aws-oidc-provider")
        except InvalidArgument as error:
            raise UsageError(str(error)) from None
    return load(*found, variables=variables(args), cluster_defaults=not args.no_cluster_defaults,
                default_namespace=args.default_namespace, namespaces=namespaces,
                cache=not args.no_cache, vault_flavor=getattr(args, "vault_flavor", "vault"),
                aws_oidc_provider=provider, rendered=getattr(args, "rendered", None) or (),
                hcl_parser=getattr(args, "hcl_parser", None))


def who(args: argparse.Namespace, model: Model) -> Who:
    """The subject of ``--as`` (with ``--as-group``) or ``--workload``, or of ``reach SUBJECT``."""
    given_as = getattr(args, "as_who", None)
    workload = getattr(args, "workload", None)
    positional = getattr(args, "subject", None)
    if positional:
        if given_as or workload:
            raise UsageError("give SUBJECT, --as or --workload, not more than one")
        if "/" in positional and ":" not in positional:
            workload = positional   # Deployment/web
        else:
            given_as = positional
    groups = tuple(getattr(args, "as_groups", None) or ())
    if given_as and workload:
        raise UsageError("give --as or --workload, not both")
    if workload:
        if groups:
            raise UsageError("--as-group goes with --as USER, not with --workload")
        return find_workload(model, workload, getattr(args, "namespace", None))
    if not given_as:
        raise UsageError("say who asks: --as USER, --as system:serviceaccount:NS:NAME "
                         "or --workload Kind/name")
    check_username(given_as, cli=True)  # a look-alike of system:serviceaccount: is a typo, not a User
    if given_as.startswith("system:serviceaccount:"):
        if groups:
            raise UsageError("a service account's groups are fixed; --as-group goes with --as USER")
        return model.identity(given_as)
    from ..model.identities import User

    # impersonation (kubectl --as) adds the group every authenticated request carries
    extra = ("system:unauthenticated",) if given_as == "system:anonymous" else ("system:authenticated",)
    return User(given_as, groups=tuple(dict.fromkeys((*groups, *extra))))


def find_workload(model: Model, ref: str, namespace: Str | None) -> Workload:
    """``Kind/name`` or a Terraform address; in ``namespace`` when it has one there."""
    from ..errors import NotFoundError

    if namespace is not None:
        try:
            return model.workload(ref, namespace=namespace)
        except NotFoundError:
            pass   # asked about another namespace: find it by name alone
    return model.workload(ref)
