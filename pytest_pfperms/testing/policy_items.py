"""Policy files and built-in policies as pytest items.

- A YAML file in a policy directory (``pfperms_policy_dirs``, default ``policies``) whose
  ``apiVersion`` is ``pfperms/v1`` is a :class:`PolicyFile`; each policy in it one
  :class:`PolicyItem`, node id ``policies/<file>.yaml::<policy-id>``. Other YAML is never
  collected. A schema error fails collection, naming file, line and field.
- When the whole suite runs (no arguments, the ini's ``testpaths``, or the rootdir), policy
  directories pytest did not walk (e.g. outside ``testpaths``, or outside the rootdir as
  ``../../policies``) are collected too, and so are the built-in policies
  (``pfperms_builtin_policies``) under the node ``pfperms-builtin``.
- Each item loads the model once per process (as the ``pfperms`` fixture does); when it did
  not load, every policy fails with the load error (fail closed). A ``warn`` policy with
  offenders, and an exception that matches nothing, are pytest warnings
  (:class:`PolicyWarning`); the terminal summary gets one line of counts.
- A policy with ``split: N`` is N items, ``<policy-id>[1/N]`` ... ``[N/N]``, each checking one
  part (see ``policies.evaluation``). Each reports its status and the exceptions it did not
  use; the controller (the process that prints the summary, under xdist too) counts the policy
  once and warns of an exception that no part used, once every part has run.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SUMMARY_KEY = "pfperms_policy"
PART_KEY = "pfperms_policy_part"
_COUNTS_KEY = pytest.StashKey[dict[str, int]]()
_PARTS_KEY = pytest.StashKey[dict[str, dict[int, dict[str, Any]]]]()
_FILES_KEY = pytest.StashKey[set[Path]]()
_IDS_KEY = pytest.StashKey[dict[str, str]]()
BUILTIN_NODE = "pfperms-builtin"
STATUSES = ("passed", "failed", "warned", "excepted")


class PolicyWarning(UserWarning):
    """A ``warn`` policy found offenders, or an exception of a policy matches nothing."""


class PolicyFailure(Exception):
    """A policy failed; the message is its report."""


def addoption(group: Any, parser: pytest.Parser) -> None:
    """The policy options and their ini twins."""
    group.addoption("--pfperms-policy-dir", action="append", dest="pfperms_policy_dir", default=None,
                    metavar="DIR", help="directory of policy files, relative to rootdir (repeatable; "
                                        "default: policies)")
    group.addoption("--pfperms-builtin-policies", dest="pfperms_builtin_policies", default=None,
                    metavar="IDS", help='built-in policies to run: "recommended" or ids, comma-separated')
    group.addoption("--pfperms-exceptions-file", dest="pfperms_exceptions_file", default=None,
                    metavar="FILE", help="a PolicySet file of exceptions to built-in policies")
    parser.addini("pfperms_policy_dirs", "directories of policy files (pfperms/v1 PolicySets)",
                  type="linelist", default=["policies"])
    parser.addini("pfperms_builtin_policies", 'built-in policies: "recommended" or ids', type="args",
                  default=[])
    parser.addini("pfperms_exceptions_file", "a PolicySet file of exceptions to built-in policies",
                  default="")


class Settings:
    """The policy options, resolved against the rootdir."""

    def __init__(self, config: pytest.Config):
        self.root = Path(str(config.rootpath)).resolve()
        dirs = config.getoption("pfperms_policy_dir") or config.getini("pfperms_policy_dirs")
        self.dirs = [(self.root / str(d)).resolve() for d in dirs]
        raw = config.getoption("pfperms_builtin_policies")
        names = raw.split(",") if raw else [str(n) for n in config.getini("pfperms_builtin_policies")]
        chosen = [name.strip() for item in names for name in item.split(",") if name.strip()]
        self.builtin_ids: list[str] = []
        """The built-in policies turned on, checked now; the pack (and the engines it asks) is
        imported only when :attr:`builtins` is first read, which collecting their items does
        (so never in a pytest-xdist controller, which collects nothing)."""
        if chosen:
            from ..errors import InvalidArgument
            from ..policies.builtin.ids import chosen_ids

            try:
                self.builtin_ids = chosen_ids(chosen)
            except InvalidArgument as error:
                raise pytest.UsageError(f"pfperms_builtin_policies: {error}") from None
        self._builtins: list[Any] | None = None
        exceptions = (config.getoption("pfperms_exceptions_file")
                      or str(config.getini("pfperms_exceptions_file")))
        self.exceptions_file = (self.root / exceptions).resolve() if exceptions else None
        if self.exceptions_file is not None and not self.exceptions_file.is_file():
            raise pytest.UsageError(f"pfperms_exceptions_file {exceptions}: no such file")

    @property
    def builtins(self) -> list[Any]:
        """The :class:`~pytest_pfperms.policies.builtin.Builtin` of each id turned on."""
        if self._builtins is None:
            from ..policies.builtin import selected

            self._builtins = selected(self.builtin_ids) if self.builtin_ids else []
        return self._builtins

    def policy_dir_of(self, path: Path) -> Path | None:
        """The configured policy directory a file is in, if any."""
        resolved = path.resolve()
        for directory in self.dirs:
            if resolved.is_relative_to(directory):
                return directory
        return None

    def shown(self, path: Path) -> str:
        """A policy file's name in node ids and messages: relative to the rootdir, or to the parent
        of its policy directory when that is outside the rootdir."""
        resolved = path.resolve()
        if resolved.is_relative_to(self.root):
            return resolved.relative_to(self.root).as_posix()
        directory = self.policy_dir_of(resolved)
        if directory is None:
            return resolved.as_posix()
        return resolved.relative_to(directory.parent).as_posix()


_SETTINGS_KEY = pytest.StashKey[Settings]()


def configure(config: pytest.Config) -> None:
    """Check the options early (a bad one is a usage error) and start the counts."""
    config.stash[_SETTINGS_KEY] = Settings(config)
    config.stash[_COUNTS_KEY] = dict.fromkeys(STATUSES, 0)
    config.stash[_PARTS_KEY] = {}
    config.stash[_FILES_KEY] = set()
    config.stash[_IDS_KEY] = {}
    if not config.pluginmanager.has_plugin(_COUNTER):
        config.pluginmanager.register(_Counter(config), _COUNTER)


_COUNTER = "pfperms-policy-counter"


class _Counter:
    """Counts policy outcomes from every report (xdist workers' too) for the summary line."""

    def __init__(self, config: pytest.Config):
        self.config = config

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Count one report."""
        log_report(report, self.config)


def _load_model(config: pytest.Config) -> Any:
    from .plugin import _load

    return _load(config)


# --------------------------------------------------------------------------- nodes


class PolicyItem(pytest.Item):
    """One policy: evaluated over the session's model when it runs."""

    def __init__(self, *, policy: Any, extra_exceptions: tuple[Any, ...] = (), check: Any = None,
                 part: tuple[int, int] = (0, 1), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.policy = policy
        self.extra_exceptions = extra_exceptions
        self.check = check
        self.part = part
        """``(index, count)``: which part of a split policy this item checks."""

    def runtest(self) -> None:
        from ..policies.evaluation import evaluate
        from ..policies.rendering import render, stale_lines

        model = _load_model(self.config)
        if isinstance(model, Exception):
            self._report("failed")
            label = (f"built-in policy {self.policy.id}" if self.policy.builtin
                     else f"policy {self.policy.id} ({self.policy.source})")
            raise PolicyFailure(f"{label} cannot pass: pytest-pfperms could not load the model, so nothing "
                                f"was checked:\n{model}")
        outcome = evaluate(self.policy, model, extra_exceptions=self.extra_exceptions, evaluator=self.check,
                           part=self.part)
        status = outcome.status
        if self.part[1] == 1:
            self._report(status)
            for line in stale_lines(outcome):
                self._warn(line)
        else:  # an exception unused here may be used by another part: the controller decides
            positions = {id(e): i for i, e in enumerate((*self.policy.exceptions, *self.extra_exceptions))}
            stale = None if outcome.errors else [
                [positions[id(exemption)], line]
                for exemption, line in zip(outcome.stale, stale_lines(outcome), strict=True)]
            self._report(status, stale)
        if status == "failed":
            raise PolicyFailure(render(outcome))
        if status == "warned":
            self._warn(render(outcome))

    def _report(self, status: str, stale: list[list[Any]] | None = None) -> None:
        """Hand this item's status (and, for a part, the exceptions it left unused) to the
        summary, through the report (so xdist carries it to the controller)."""
        if self.part[1] == 1:
            self.user_properties.append((SUMMARY_KEY, status))
            return
        path, line = self._where()
        self.user_properties.append((PART_KEY, {
            "policy": self.policy.id, "index": self.part[0], "count": self.part[1], "status": status,
            "stale": stale, "path": path, "line": line}))

    def _where(self) -> tuple[str, int]:
        """The policy's file as pytest shows it (relative to where it was started), and its line."""
        here = Path(str(self.config.invocation_params.dir))
        shown = os.path.relpath(self.path, here) if self.path.is_relative_to(here) else str(self.path)
        return shown, self.policy.source.line

    def _warn(self, text: str) -> None:
        """A PolicyWarning located at the policy's line (pytest shows that line of the file)."""
        shown, line = self._where()
        if line:
            warnings.warn_explicit(PolicyWarning(text), PolicyWarning, shown, line)
        else:
            warnings.warn(PolicyWarning(text), stacklevel=2)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str | Any:
        """The policy's report, not a traceback."""
        if isinstance(excinfo.value, PolicyFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path | str, int | None, str]:
        """Where the policy is written."""
        line = self.policy.source.line
        share = f" [{self.part[0] + 1}/{self.part[1]}]" if self.part[1] > 1 else ""
        return self.path, (line - 1 if line else None), f"policy {self.policy.id}{share}"


class PolicyFile(pytest.File):
    """A policy file: one item per policy."""

    def collect(self) -> Iterator[PolicyItem]:
        from ..errors import LoadError
        from ..policies.format import policy_set
        from ..policies.reading import read

        settings = self.config.stash[_SETTINGS_KEY]
        shown = settings.shown(self.path)
        try:
            policies = policy_set(read(self.path, shown))
        except LoadError as error:
            raise self.CollectError(f"pfperms policy file {shown} is invalid:\n{error}") from None
        ids = self.config.stash[_IDS_KEY]
        for policy in policies.policies:
            first = ids.setdefault(policy.id, str(policy.source))
            if first != str(policy.source):
                raise self.CollectError(f"{policy.source}: policy id {policy.id!r} is already used at "
                                        f"{first}; ids are unique in a run")
            if policy.split == 1:
                yield PolicyItem.from_parent(self, name=policy.id, policy=policy)
                continue
            for index in range(policy.split):
                yield PolicyItem.from_parent(self, name=f"{policy.id}[{index + 1}/{policy.split}]",
                                             policy=policy, part=(index, policy.split))


class BuiltinPolicies(pytest.Collector):
    """The built-in policies chosen by ``pfperms_builtin_policies``, with the exceptions keyed by
    their ids in every policy file and in ``pfperms_exceptions_file``."""

    def collect(self) -> Iterator[PolicyItem]:
        from ..errors import LoadError
        from ..policies.format import policy_set
        from ..policies.reading import is_policy_file, read

        settings = self.config.stash[_SETTINGS_KEY]
        files = [path for directory in settings.dirs for path in _yaml_files(directory)
                 if is_policy_file(path)]
        if settings.exceptions_file is not None:
            files.append(settings.exceptions_file)
        keyed: dict[str, list[Any]] = {}
        known = set(settings.builtin_ids)
        for path in files:
            try:
                policies = policy_set(read(path, settings.shown(path)))
            except LoadError as error:
                raise self.CollectError(f"pfperms policy file {settings.shown(path)} is invalid:\n"
                                        f"{error}") from None
            for key, exemptions in policies.exceptions.items():
                if key not in known:
                    from ..policies.builtin.ids import BUILTIN_IDS

                    what = "is not turned on (pfperms_builtin_policies)" if key in BUILTIN_IDS else \
                        "is no built-in policy"
                    raise self.CollectError(f"{settings.shown(path)}: exceptions for {key}: {key} {what}")
                keyed.setdefault(key, []).extend(exemptions)
        for builtin in settings.builtins:
            yield PolicyItem.from_parent(self, name=builtin.id, policy=builtin.policy(),
                                         extra_exceptions=tuple(keyed.get(builtin.id, ())),
                                         check=builtin.run)


def builtins_on(config: pytest.Config) -> bool:
    """Whether ``pfperms_builtin_policies`` turns on any built-in policy in this run."""
    settings = config.stash.get(_SETTINGS_KEY, None)
    return settings is not None and bool(settings.builtin_ids)


def _yaml_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()
                  and not any(part.startswith(".") for part in p.relative_to(directory).parts))


# --------------------------------------------------------------------------- hooks


def collect_file(file_path: Path, parent: pytest.Collector) -> PolicyFile | None:
    """``pytest_collect_file``: a pfperms/v1 YAML file in a policy directory."""
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    settings = parent.config.stash.get(_SETTINGS_KEY, None)
    if settings is None or settings.policy_dir_of(file_path) is None:
        return None
    from ..policies.reading import is_policy_file

    if not is_policy_file(file_path):
        return None
    parent.config.stash[_FILES_KEY].add(file_path.resolve())
    file: PolicyFile = PolicyFile.from_parent(parent, path=file_path)
    return file


def _whole_run(config: pytest.Config) -> bool:
    """Whether this run is the whole suite: no arguments, the ini's testpaths, or the rootdir (or above)."""
    root = Path(str(config.rootpath)).resolve()
    args = [str(arg).split("::")[0] for arg in config.args]
    if not args:
        return True
    resolved = {(Path(str(config.invocation_params.dir)) / arg).resolve() for arg in args}
    if any(root.is_relative_to(path) for path in resolved):
        return True
    testpaths = [str(p) for p in config.getini("testpaths")]
    return bool(testpaths) and resolved == {(root / p).resolve() for p in testpaths}


def modify_items(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Add the policy directories pytest did not walk, and the built-ins, to a whole run."""
    if not _whole_run(config):
        return
    settings = config.stash[_SETTINGS_KEY]
    collected = config.stash[_FILES_KEY]
    for directory in settings.dirs:
        for path in _yaml_files(directory):
            from ..policies.reading import is_policy_file

            if path.resolve() in collected or not is_policy_file(path):
                continue
            collected.add(path.resolve())
            node = PolicyFile.from_parent(session, path=path, nodeid=settings.shown(path))
            items.extend(session.genitems(node))
    if settings.builtin_ids:
        builtins = BuiltinPolicies.from_parent(session, name=BUILTIN_NODE, nodeid=BUILTIN_NODE)
        items.extend(session.genitems(builtins))


def log_report(report: pytest.TestReport, config: pytest.Config) -> None:
    """Count policy outcomes, and keep what each part of a split policy found (reports from xdist
    workers carry them in ``user_properties``)."""
    if report.when != "call":
        return
    counts = config.stash.get(_COUNTS_KEY, None)
    if counts is None:
        return
    for key, value in report.user_properties:
        if key == SUMMARY_KEY and value in counts:
            counts[value] += 1
        elif key == PART_KEY and isinstance(value, dict) and value.get("status") in counts:
            config.stash[_PARTS_KEY].setdefault(str(value["policy"]), {})[int(value["index"])] = value


_WORST_FIRST = ("failed", "warned", "excepted", "passed")


def settle_parts(config: pytest.Config) -> None:
    """Once per run, in the controller: count each split policy once (its worst part's status), and
    warn of each exception that no part used, when every part ran (under ``-k`` some may not)."""
    counts = config.stash.get(_COUNTS_KEY, None)
    parts = config.stash.get(_PARTS_KEY, {})
    if counts is None or hasattr(config, "workerinput"):  # an xdist worker: its controller settles
        return
    for reports in parts.values():
        statuses = {report["status"] for report in reports.values()}
        counts[next(status for status in _WORST_FIRST if status in statuses)] += 1
        first = next(iter(reports.values()))
        complete = set(reports) == set(range(int(first["count"])))
        if not complete or any(report["stale"] is None for report in reports.values()):
            continue
        unused = set.intersection(*({position for position, _ in report["stale"]}
                                    for report in reports.values()))
        for position, text in first["stale"]:
            if position in unused:
                warnings.warn_explicit(PolicyWarning(text), PolicyWarning, str(first["path"]),
                                       int(first["line"]) or 1)
    parts.clear()


def summary_line(config: pytest.Config) -> str | None:
    """``pfperms: 12 policies passed, 2 failed, 1 warned, 3 excepted``, or None when none ran."""
    counts = config.stash.get(_COUNTS_KEY, None)
    if not counts or not any(counts.values()):
        return None
    passed = counts["passed"]
    return (f"pfperms: {passed} polic{'y' if passed == 1 else 'ies'} passed, {counts['failed']} failed, "
            f"{counts['warned']} warned, {counts['excepted']} excepted")


__all__ = ["PolicyFile", "PolicyItem", "PolicyWarning", "addoption", "builtins_on", "collect_file",
           "configure", "log_report", "modify_items", "settle_parts", "summary_line"]
