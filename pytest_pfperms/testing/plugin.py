"""The pytest plugin: options, the session-scoped ``pfperms`` fixture and failure reports.

Failing permission assertions show their explanation: the plugin records the
decisions a test asks ``bool()`` of, and when the test fails it adds the last
one's explanation (grant path or near misses with file:line) as a report
section. Nothing here needs assertion rewriting of our modules.
"""

from __future__ import annotations

import sys
from collections.abc import Generator
from pathlib import Path
from typing import Any, Literal

import pytest

from . import lock_item, policy_items

GROUP = "pfperms"
_MODEL_KEY = pytest.StashKey[Any]()
_RECORD_KEY = pytest.StashKey[list[Any]]()
_SETTINGS_KEY = pytest.StashKey["_Settings"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the pfperms options, each with an ini twin."""
    group = parser.getgroup(GROUP, "pytest-pfperms: permission models of infrastructure repos")
    group.addoption("--pfperms-path", action="append", dest="pfperms_path", default=None,
                    metavar="PATH[=NAMESPACE]",
                    help="file or directory to load, relative to rootdir (repeatable); "
                         "=NAMESPACE sets where its objects without a namespace land")
    group.addoption("--pfperms-var", action="append", dest="pfperms_var", default=None,
                    metavar="NAME=VALUE", help="set a Terraform input variable (repeatable)")
    group.addoption("--pfperms-var-file", action="append", dest="pfperms_var_file", default=None,
                    metavar="FILE", help="read Terraform input variables from a file (repeatable)")
    group.addoption("--pfperms-no-cluster-defaults", action="store_true",
                    dest="pfperms_no_cluster_defaults", default=None,
                    help="leave out the roles and bindings every cluster has")
    group.addoption("--pfperms-vault-flavor", dest="pfperms_vault_flavor", default=None,
                    choices=["vault", "openbao"],
                    help="the Vault server the policies are for: vault (default) or openbao (>= 2.6)")
    group.addoption("--pfperms-aws-oidc-provider", dest="pfperms_aws_oidc_provider", default=None,
                    metavar="ARN_OR_URL",
                    help="the cluster IRSA questions are about: its IAM OIDC provider's ARN or its "
                         "issuer URL (default: the one the sources define)")
    group.addoption("--pfperms-no-cache", action="store_true", dest="pfperms_no_cache", default=None,
                    help="read and evaluate everything afresh, touching no cache")
    group.addoption("--pfperms-default-namespace", dest="pfperms_default_namespace", default=None,
                    metavar="NAMESPACE",
                    help="where namespaced objects without a namespace land (default: default)")
    parser.addini("pfperms_paths", "files or directories to load (PATH[=NAMESPACE] per line)",
                  type="linelist", default=[])
    parser.addini("pfperms_vars", "Terraform input variables, NAME=VALUE per line",
                  type="linelist", default=[])
    parser.addini("pfperms_var_files", "files of Terraform input variables", type="linelist",
                  default=[])
    parser.addini("pfperms_cluster_defaults", "include the roles and bindings every cluster has",
                  type="bool", default=True)
    parser.addini("pfperms_default_namespace", "where namespaced objects without a namespace land",
                  default="default")
    parser.addini("pfperms_vault_flavor", "the Vault server the policies are for: vault or openbao",
                  default="vault")
    parser.addini("pfperms_aws_oidc_provider", "the cluster IRSA questions are about: its IAM OIDC "
                  "provider's ARN or its issuer URL", default="")
    parser.addini("pfperms_rendered", "helm_release (or kustomization) addresses whose rendered "
                  "output is loaded too, one per line (* matches any run of characters)",
                  type="linelist", default=[])
    parser.addini("pfperms_hcl_parser", "the parser of Terraform's HCL: tree-sitter (fast) or "
                  "python-hcl2 (the reference); both build the same syntax tree", default="tree-sitter")
    parser.addini("pfperms_limits", "raise the bounds on the work one load may do, e.g. "
                  "'instances=50000 elements=2000000' (see pytest_pfperms.Limits)", default="")
    parser.addini("pfperms_cache", "use the parse and evaluation caches (outside the repository)",
                  type="bool", default=True)
    group.addoption("--pfperms-allow-partial", action="store_true", dest="pfperms_allow_partial",
                    default=None, help="UNSAFE for a gate: when some input fails to load, test what did "
                    "load and list the failures as warnings (default: every test fails)")
    parser.addini("pfperms_allow_partial", "UNSAFE: test a partial model when some input fails to load",
                  type="bool", default=False)
    policy_items.addoption(group, parser)
    lock_item.addoption(group, parser)


class _Settings:
    """The options, resolved: what to load and how."""

    def __init__(self, config: pytest.Config):
        root = Path(str(config.rootpath)).resolve()
        self.root = root
        raw_paths = config.getoption("pfperms_path") or config.getini("pfperms_paths")
        self.paths: list[str] = []
        self.excluded: list[str] = []
        self.namespaces: dict[str, str] = {}
        for entry in raw_paths:
            if str(entry).strip().startswith("!"):   # "!path": leave it out of the paths above
                self.excluded.append(self._inside_root(str(entry).strip()[1:].strip(), "--pfperms-path"))
                continue
            path_text, sep, namespace = str(entry).partition("=")
            path = self._inside_root(path_text.strip(), "--pfperms-path")
            self.paths.append(path)
            if sep:
                self.namespaces[path] = namespace.strip()
        self.variables: dict[str, object] = {}
        for path_text in config.getoption("pfperms_var_file") or config.getini("pfperms_var_files"):
            self.variables.update(self._var_file(self._inside_root(str(path_text), "--pfperms-var-file")))
        for entry in config.getoption("pfperms_var") or config.getini("pfperms_vars"):
            name, sep, value = str(entry).partition("=")
            if not sep or not name.strip():
                raise pytest.UsageError(f"--pfperms-var takes NAME=VALUE, got {entry!r}")
            self.variables[name.strip()] = value
        no_defaults = config.getoption("pfperms_no_cluster_defaults")
        self.cluster_defaults = (not no_defaults) if no_defaults else bool(
            config.getini("pfperms_cluster_defaults"))
        self.cache = not config.getoption("pfperms_no_cache") and bool(config.getini("pfperms_cache"))
        self.allow_partial = bool(config.getoption("pfperms_allow_partial")
                                  or config.getini("pfperms_allow_partial"))
        flavor = str(config.getoption("pfperms_vault_flavor") or config.getini("pfperms_vault_flavor"))
        if flavor not in ("vault", "openbao"):
            raise pytest.UsageError(f"pfperms_vault_flavor must be vault or openbao, not {flavor!r}")
        self.vault_flavor: Literal["vault", "openbao"] = "vault" if flavor == "vault" else "openbao"
        hcl_parser = str(config.getini("pfperms_hcl_parser")).strip()
        if hcl_parser not in ("tree-sitter", "python-hcl2"):
            raise pytest.UsageError("pfperms_hcl_parser must be tree-sitter or python-hcl2, "
                                    f"not {hcl_parser!r}")
        self.hcl_parser: Literal["tree-sitter", "python-hcl2"] = \
            "tree-sitter" if hcl_parser == "tree-sitter" else "python-hcl2"
        self.default_namespace = (config.getoption("pfperms_default_namespace")
                                  or str(config.getini("pfperms_default_namespace")))
        from ..limits import Limits

        try:
            self.limits = Limits.parse(str(config.getini("pfperms_limits")))
        except ValueError as error:
            raise pytest.UsageError(str(error)) from None
        self.rendered: tuple[str, ...] = tuple(str(entry) for entry in config.getini("pfperms_rendered"))
        self.aws_oidc_provider: str | None = (config.getoption("pfperms_aws_oidc_provider")
                                              or str(config.getini("pfperms_aws_oidc_provider")) or None)
        if self.aws_oidc_provider is not None:
            from ..aws.cluster import cluster_from_argument
            from ..errors import InvalidArgument

            try:
                cluster_from_argument(self.aws_oidc_provider)
            except InvalidArgument as error:
                raise pytest.UsageError(str(error)) from None

    def _inside_root(self, text: str, option: str) -> str:
        path = (self.root / text).resolve()
        if not path.is_relative_to(self.root):
            raise pytest.UsageError(f"{option} {text!r} is outside the rootdir {self.root}; "
                                    "pytest-pfperms reads nothing outside the repository")
        return str(path)

    @staticmethod
    def _var_file(path: str) -> dict[str, object]:
        from ..errors import LoadError
        from ..sources.loading import read_var_file

        if not Path(path).is_file():
            raise pytest.UsageError(f"--pfperms-var-file {path}: no such file")
        try:
            return read_var_file(path)
        except LoadError as error:
            raise pytest.UsageError(f"--pfperms-var-file: {error}") from None


def pytest_configure(config: pytest.Config) -> None:
    """Check the options early, so that a bad one is a usage error before any test runs."""
    config.stash[_SETTINGS_KEY] = _Settings(config)
    policy_items.configure(config)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Policy files: pfperms/v1 YAML in a policy directory (see :mod:`.policy_items`)."""
    return policy_items.collect_file(file_path, parent)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    """Add policy directories pytest did not walk and the built-in policies to a whole run
    (first, so that ``-k`` and deselection apply to them too)."""
    policy_items.modify_items(session, config, items)
    lock_item.modify_items(session, config, items)



def _load(config: pytest.Config) -> Any:
    """Load the model once per process; remember a LoadError to report it to every test."""
    if _MODEL_KEY in config.stash:
        return config.stash[_MODEL_KEY]
    from ..errors import PfpermsError
    from ..sources.loading import load

    settings = config.stash[_SETTINGS_KEY]
    result: Any
    if not settings.paths:
        result = RuntimeError("pytest-pfperms has nothing to load: set pfperms_paths in your pytest "
                              "configuration or pass --pfperms-path PATH")
    else:
        try:
            result = load(*settings.paths, variables=settings.variables,
                          cluster_defaults=settings.cluster_defaults,
                          default_namespace=settings.default_namespace,
                          namespaces=settings.namespaces, repo_root=settings.root,
                          cache=settings.cache, vault_flavor=settings.vault_flavor,
                          allow_partial=settings.allow_partial, exclude=settings.excluded,
                          aws_oidc_provider=settings.aws_oidc_provider, limits=settings.limits,
                          rendered=settings.rendered, hcl_parser=settings.hcl_parser,
                          share=_worker_share(config))
        except PfpermsError as error:
            result = error
    config.stash[_MODEL_KEY] = result
    return result


def _worker_share(config: pytest.Config) -> tuple[int, int] | None:
    """``(index, count)`` of an xdist worker among several (``gw3`` of 4 is ``(3, 4)``), so the
    workers split the cold evaluation of the Terraform roots between them; None otherwise."""
    given = getattr(config, "workerinput", None)
    if not isinstance(given, dict):
        return None
    worker, count = str(given.get("workerid", "")), given.get("workercount")
    if not (worker.startswith("gw") and worker[2:].isdigit() and isinstance(count, int)):
        return None
    index = int(worker[2:])
    return (index, count) if count > 1 and index < count else None


@pytest.fixture(scope="session")
def pfperms(pytestconfig: pytest.Config) -> Any:
    """The permission model of the configured paths, loaded once per session."""
    model = _load(pytestconfig)
    if isinstance(model, Exception):
        pytest.fail(f"pytest-pfperms could not load the model:\n{model}", pytrace=False)
    return model


_LOADED_KEY = pytest.StashKey[dict[str, Any]]()


@pytest.fixture(scope="session")
def pfperms_load(pytestconfig: pytest.Config) -> Any:
    """A factory for more models in one session (several clusters or environments):
    ``pfperms_load("clusters/prod", variables={...}, namespaces={...})`` takes
    :func:`pytest_pfperms.load`'s arguments, paths relative to the rootdir (``"!path"``
    excludes), and returns the same model for the same arguments."""
    import json

    from ..sources.loading import load

    settings = pytestconfig.stash[_SETTINGS_KEY]
    loaded = pytestconfig.stash.setdefault(_LOADED_KEY, {})

    def factory(*paths: str, **options: Any) -> Any:
        __tracebackhide__ = True
        if not paths:
            raise TypeError("pfperms_load needs at least one path")
        given = [p for p in paths if not str(p).startswith("!")]
        excluded = [settings._inside_root(str(p)[1:], "pfperms_load") for p in paths
                    if str(p).startswith("!")]
        resolved = [settings._inside_root(str(p), "pfperms_load") for p in given]
        namespaces = {settings._inside_root(str(k), "pfperms_load"): v
                      for k, v in (options.pop("namespaces", None) or {}).items()}
        options.setdefault("repo_root", settings.root)
        options.setdefault("cache", settings.cache)
        options.setdefault("vault_flavor", settings.vault_flavor)
        options.setdefault("aws_oidc_provider", settings.aws_oidc_provider)
        options.setdefault("limits", settings.limits)
        options.setdefault("rendered", settings.rendered)
        options.setdefault("hcl_parser", settings.hcl_parser)
        key = json.dumps([resolved, excluded, namespaces, options], sort_keys=True, default=repr)
        if key not in loaded:
            loaded[key] = load(*resolved, namespaces=namespaces, exclude=excluded, **options)
        _seen_models(pytestconfig).append(loaded[key])
        return loaded[key]

    return factory


_SEEN_KEY = pytest.StashKey[list[Any]]()


def _seen_models(config: pytest.Config) -> list[Any]:
    return config.stash.setdefault(_SEEN_KEY, [])


def _warning_lines(config: pytest.Config) -> list[str]:
    """The warnings of every model this process loaded (the fixture's, then pfperms_load's)."""
    models = [config.stash.get(_MODEL_KEY, None), *_seen_models(config)]
    lines: list[str] = []
    for model in models:
        if model is None or isinstance(model, Exception):
            continue
        lines += [str(problem) for problem in model.warnings] + model.problems()
    return list(dict.fromkeys(lines))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """Record the decisions a test asks bool() of, for its failure report."""
    from ..model.decision import start_recording, stop_recording

    recorded = start_recording()
    item.stash[_RECORD_KEY] = recorded
    try:
        yield
    finally:
        stop_recording(recorded)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[Any, Any, None]:
    """On a failed test that checked permissions, add the last decision's explanation."""
    outcome = yield
    report = outcome.get_result()
    if call.when != "call" or not report.failed:
        return
    recorded = item.stash.get(_RECORD_KEY, None)
    if not recorded:
        return
    decision = recorded[-1]
    if call.excinfo is not None and call.excinfo.errisinstance(AssertionError) \
            and decision.allowed is not None:
        expected = "cannot" if decision.allowed else "can"
        text = decision.explain() + f"\n  (expected: {expected})"
    else:
        text = decision.explain()
    # part of the failure itself: JUnit XML, xdist workers' reports and the terminal show it
    longrepr = report.longrepr
    if hasattr(longrepr, "addsection"):
        longrepr.addsection(SECTION, text)
    elif isinstance(longrepr, str):
        report.longrepr = f"{longrepr}\n{SECTION}\n{text}"
    else:
        report.sections.append((SECTION, text))


SECTION = "pfperms: the last permission checked"


def pytest_assertrepr_compare(config: pytest.Config, op: str, left: object, right: object
                              ) -> list[str] | None:
    """Explain decisions compared with ``==`` (e.g. ``assert wl.can(...).allowed == True``)."""
    from ..model.decision import Decision

    for side in (left, right):
        if isinstance(side, Decision):
            return [f"{side.summary()}", *side.explain().splitlines()[1:]]
    return None


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    """Say what pfperms will load."""
    settings = config.stash.get(_SETTINGS_KEY, None)
    if settings is None or not settings.paths:
        return None
    shown = ", ".join(str(Path(p).relative_to(settings.root)) for p in settings.paths)
    return [f"pfperms: {shown}" + ("" if settings.cluster_defaults else " (no cluster defaults)")]


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Show what loaded with warnings (deprecated APIs, objects that grant nothing) and the policy counts."""
    policy_items.settle_parts(config)
    line = policy_items.summary_line(config)
    if line:
        terminalreporter.write_line(line, bold=True)
    lines = list(dict.fromkeys([*_warning_lines(config), *config.stash.get(_WORKER_WARNINGS_KEY, [])]))
    if lines:
        terminalreporter.section("pfperms warnings")
        for line in lines:
            terminalreporter.write_line(line)


_WORKER_WARNINGS_KEY = pytest.StashKey[list[str]]()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """An xdist worker hands its models' warnings to the controller. Then, the session's
    fixtures torn down, what the session built is frozen, so that no full collection from
    here on (during the terminal summary's imports, pytest's own at its end) walks it
    (``sources/collector.py``)."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["pfperms_warnings"] = _warning_lines(session.config)
    collector = sys.modules.get("pytest_pfperms.sources.collector")  # not imported: nothing loaded
    if collector is not None:
        collector.freeze_survivors()


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any | None:
    """With the built-in pack on, xdist's default ``load`` keeps the built-in checks on one
    worker (see :mod:`.xdist_scheduling`)."""
    if not policy_items.builtins_on(config):
        return None
    from .xdist_scheduling import builtins_together

    return builtins_together(config, log)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """The controller gathers the warnings of every xdist worker."""
    lines = getattr(node, "workeroutput", {}).get("pfperms_warnings", [])
    gathered = node.config.stash.setdefault(_WORKER_WARNINGS_KEY, [])
    gathered.extend(line for line in lines if line not in gathered)
