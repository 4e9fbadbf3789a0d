"""Structure-aware fuzzing support: valid documents, structural mutations, and the property.

The fuzz tests (``test_fuzz_*.py``) draw a VALID document (RBAC objects, Terraform with
``kubernetes_*``/``aws_iam_*``/``vault_*`` resources, a plan, a Vault or IAM policy, a
PolicySet), mutate it structurally (:func:`mutated`: drop, duplicate or rename a key,
swap a value for another type or for a piece of the document found elsewhere, wrap or
unwrap it, put a huge integer, deep nesting, odd unicode or a NUL in it), write it out,
then mutate the text (:func:`text_mutated`: truncate it, flip, insert or delete a
character or a token, duplicate, drop or swap lines). The property (:func:`check_load`,
:func:`check_problems`): every input ends in a model or a decision, or a
:class:`~pytest_pfperms.errors.PfpermsError`; never another exception; and every
LoadError problem names the file, with a line when the file is text with lines.

Profiles: the suite's default is short (``FUZZ``: a few dozen examples per test,
derandomized, so CI draws the same examples every run); ``PFPERMS_FUZZ=long`` runs
``PFPERMS_FUZZ_EXAMPLES`` (default 3,000) fresh examples per test, for local runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st

import pytest_pfperms as pfperms
from pytest_pfperms import PfpermsError, ServiceAccount, User
from pytest_pfperms.errors import LoadError, Problem

# ----------------------------------------------------------------------------------- profiles

LONG = os.environ.get("PFPERMS_FUZZ", "") == "long"
LONG_EXAMPLES = int(os.environ.get("PFPERMS_FUZZ_EXAMPLES", "3000"))


def fuzz_settings(ci_examples: int) -> settings:
    """Settings for one fuzz test: ``ci_examples`` derandomized examples by default, the long
    profile's count from a fresh seed with ``PFPERMS_FUZZ=long``."""
    checks = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
              HealthCheck.large_base_example]
    if LONG:
        return settings(max_examples=LONG_EXAMPLES, deadline=None, derandomize=False,
                        suppress_health_check=checks, print_blob=True)
    return settings(max_examples=ci_examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=checks, print_blob=True)


# ---------------------------------------------------------------------------- raw expressions


@dataclass(frozen=True, slots=True)
class Expr:
    """A raw HCL expression (``var.namespace``, ``jsonencode({...})``) standing for a value."""

    text: str


BIG = "@@BIG@@"
"""Stands for an integer of 5,000 digits (past Python's 4,300-digit conversion limit)."""
DEEP_LIST = "@@DEEPLIST@@"
"""Stands for lists nested 3,000 deep."""
DEEP_MAP = "@@DEEPMAP@@"
"""Stands for objects nested 3,000 deep."""
_DUP = re.compile(r"@@DUP[0-9]+@@")
_PLACEHOLDER = re.compile(r"""["']?(@@BIG@@|@@DEEPLIST@@|@@DEEPMAP@@)["']?""")
_DEEP = 3000


def _expand(match: re.Match[str], colon: str) -> str:
    which = match.group(1)
    if which == BIG:
        return "9" * 5000
    if which == DEEP_LIST:
        return "[" * _DEEP + "1" + "]" * _DEEP
    return '{"a"' + colon + " " + ('{"a"' + colon + " ") * (_DEEP - 1) + "1" + "}" * _DEEP


def finish(text: str, *, colon: str = ":") -> str:
    """The text with its placeholders replaced: duplicated keys lose their ``@@DUPn@@``
    suffix (so they are written twice), the big and deep markers become their values."""
    text = _DUP.sub("", text)
    return _PLACEHOLDER.sub(lambda match: _expand(match, colon), text)


ODD_STRINGS = ("", " ", "a\x00b", "\u202e\u0301\u00fc\u2603\U0001d518", "\ufeff", "\u2028x", "*", "&a",
               "${var.nope}", "%{ if true }x%{ endif }", "x" * 300, "-", "system:serviceaccount:",
               "system:serviceaccount:a:b:c", "arn:aws:iam::", "a/../../etc", "::", "\\", '"', "\t\r\n")
"""Strings that have broken parsers and matchers somewhere."""

SPECIALS: tuple[Any, ...] = (None, True, False, 0, -1, 1.5, -0.0, 1e308, 2 ** 63, -(2 ** 63) - 1, [], {},
                             BIG, DEEP_LIST, DEEP_MAP, *ODD_STRINGS)
"""Values any mutation may put anywhere (the markers become huge or deep values in the text)."""

HCL_SPECIALS: tuple[Any, ...] = (
    Expr("var.undeclared"), Expr("local.missing"), Expr("1 +"), Expr("null"), Expr("pow(10, 400)"),
    Expr('format("%099999999d", 1)'), Expr("[for i in range(2000) : i]"), Expr("1/0"),
    Expr('jsonencode({"a" = [1, 2]})'), Expr('jsondecode("[1,")'), Expr("data.aws_iam_policy_document.nope.json"),
    Expr("tolist(5)"), Expr("{ a = 1 }[\"b\"]"), Expr("self.x"), Expr("each.key"), Expr("count.index"),
    Expr('regex("(a*)*$", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab")'),
    Expr('"${"'), Expr('<<EOT\nunterminated'), Expr("a.b.c.d[0][\"x\"].y"), Expr("9" * 400),
    Expr('file("/etc/passwd")'), Expr('templatefile("nope.tpl", {})'), Expr("try(var.x, 1)"),
    Expr("upper(1, 2, 3)"), Expr('setproduct(range(100), range(100), range(100))'))
"""Raw HCL expressions any Terraform mutation may put in place of a value."""


# ----------------------------------------------------------------------------------- mutations

PathKey = str | int
TreePath = tuple[PathKey, ...]


def paths(tree: Any, prefix: TreePath = ()) -> Iterator[TreePath]:
    """Every path in a tree of dicts and lists, the root first."""
    yield prefix
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from paths(value, (*prefix, index))


def get(tree: Any, path: TreePath) -> Any:
    """The subtree at ``path``."""
    for step in path:
        tree = tree[step]
    return tree


def replaced(tree: Any, path: TreePath, change: Callable[[Any], Any]) -> Any:
    """A copy of ``tree`` with ``change`` applied to the subtree at ``path`` (in the parent for
    the operations below that need it: the change gets the parent and the last step)."""
    if not path:
        return change(tree)
    head, rest = path[0], path[1:]
    if isinstance(tree, dict):
        return {key: (replaced(value, rest, change) if key == head else value) for key, value in tree.items()}
    copy = list(tree)
    copy[int(head)] = replaced(copy[int(head)], rest, change)
    return copy


def _rename(key: str, draw: st.DrawFn, keys: Sequence[str]) -> str:
    choice = draw(st.sampled_from(("other", "case", "suffix", "empty", "odd")))
    if choice == "other" and keys:
        return draw(st.sampled_from(keys))
    if choice == "case":
        return key.swapcase()
    if choice == "suffix":
        return key + draw(st.sampled_from(("s", "_", "x", " ", ".", "0")))
    if choice == "empty":
        return ""
    return draw(st.sampled_from(ODD_STRINGS))


_counter = iter(range(1, 1 << 62))


def _mutate_container(parent: Any, step: PathKey, op: str, draw: st.DrawFn, keys: Sequence[str]) -> Any:
    """Apply ``op`` ("drop", "duplicate", "rename") to item ``step`` of ``parent``."""
    if isinstance(parent, dict):
        items = list(parent.items())
        index = next(i for i, (key, _) in enumerate(items) if key == step)
        key, value = items[index]
        if op == "drop":
            del items[index]
        elif op == "duplicate":
            items.insert(index + 1, (f"{key}@@DUP{next(_counter)}@@", value))
        else:
            new = _rename(str(key), draw, keys)
            if new in parent:
                new = f"{new}@@DUP{next(_counter)}@@"
            items[index] = (new, value)
        return dict(items)
    copy = list(parent)
    position = int(step)
    if op == "drop":
        del copy[position]
    elif op == "duplicate":
        copy.insert(position, copy[position])
    else:
        copy[position], copy[-1] = copy[-1], copy[position]
    return copy


def _mutate_value(value: Any, op: str, draw: st.DrawFn, specials: Sequence[Any], pieces: Sequence[Any]) -> Any:
    if op == "special":
        return draw(st.sampled_from(specials))
    if op == "piece" and pieces:
        return draw(st.sampled_from(pieces))
    if op == "wrap":
        return [value] if draw(st.booleans()) else {"x": value}
    if op == "unwrap":
        if isinstance(value, list) and value:
            return value[0]
        if isinstance(value, dict) and value:
            return next(iter(value.values()))
        return value
    if op == "string" and isinstance(value, str):
        where = draw(st.integers(0, len(value)))
        return value[:where] + draw(st.sampled_from(ODD_STRINGS)) + value[where:]
    if op == "number":
        return draw(st.sampled_from((0, -1, 10 ** 18, 2 ** 64, 0.5, float("inf"), BIG)))
    return draw(st.sampled_from(specials))


VALUE_OPS = ("special", "piece", "wrap", "unwrap", "string", "number")
CONTAINER_OPS = ("drop", "duplicate", "rename")


@st.composite
def mutated(draw: st.DrawFn, tree: Any, specials: Sequence[Any] = SPECIALS, max_mutations: int = 4) -> Any:
    """``tree`` after zero to ``max_mutations`` structural mutations (zero: the valid document,
    which must load)."""
    count = draw(st.integers(0, max_mutations))
    for _ in range(count):
        every = list(paths(tree))
        path = draw(st.sampled_from(every))
        keys = sorted({str(step) for each in every for step in each if isinstance(step, str)})
        pieces = [get(tree, each) for each in every[1:40]]
        ops = VALUE_OPS + (CONTAINER_OPS if path else ())
        op = draw(st.sampled_from(ops))
        if op in CONTAINER_OPS:
            tree = replaced(tree, path[:-1], lambda parent, op=op, step=path[-1], keys=keys:
                            _mutate_container(parent, step, op, draw, keys))
        else:
            tree = replaced(tree, path, lambda value, op=op, pieces=pieces:
                            _mutate_value(value, op, draw, specials, pieces))
    return tree


TOKENS = ("\x00", "\t", "\ufeff", "\r", "\n", "{", "}", "[", "]", '"', "'", "#", ":", "- ", "&a ", "*a",
          "<<: *a\n", "!!python/object/apply:os.system ", "!!binary ", "!!set ", "---\n", "...\n", "${",
          "%{", "<<EOT\n", "\\", "\u2028", "\ud800", "=", ",", "/*", "*/", "//", "9" * 30, " \\u0000",
          "\x1b", "\x7f", "\u00a0", "@", "`", "|", ">", "?")
"""Characters and tokens text mutations insert: syntax of YAML, JSON and HCL, control
characters, a lone surrogate (the file is then not UTF-8), a BOM."""


@st.composite
def text_mutated(draw: st.DrawFn, text: str, max_mutations: int = 2) -> str:
    """``text`` after zero to ``max_mutations`` textual mutations."""
    for _ in range(draw(st.integers(0, max_mutations))):
        op = draw(st.sampled_from(("truncate", "insert", "delete", "flip", "line-dup", "line-drop",
                                   "line-swap")))
        where = draw(st.integers(0, len(text)))
        if op == "truncate":
            text = text[:where]
        elif op == "insert":
            text = text[:where] + draw(st.sampled_from(TOKENS)) + text[where:]
        elif op == "delete":
            text = text[:where] + text[where + 1:]
        elif op == "flip":
            char = draw(st.characters(codec="utf-8") | st.sampled_from(TOKENS[:20]))
            text = text[:where] + char + text[where + 1:]
        else:
            lines = text.split("\n")
            first = draw(st.integers(0, len(lines) - 1))
            if op == "line-dup":
                lines.insert(first, lines[first])
            elif op == "line-drop":
                del lines[first]
            else:
                second = draw(st.integers(0, len(lines) - 1))
                lines[first], lines[second] = lines[second], lines[first]
            text = "\n".join(lines)
    return text


# --------------------------------------------------------------------------------- serialising


def to_json(value: Any, indent: int = 0, step: int = 2) -> str:
    """JSON text for any mutated tree (non-string keys as strings, floats as Python writes
    them: ``Infinity`` is JSON Python reads but Go does not); one key per line."""
    pad, inner = " " * indent, " " * (indent + step)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{json.dumps(str(key))}: {to_json(item, indent + step, step)}"
                 for key, item in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(inner + to_json(item, indent + step, step) for item in value) + "\n" + pad + "]"
    if isinstance(value, Expr):
        return json.dumps("${" + value.text + "}")
    return json.dumps(value)


def encoded(text: str) -> bytes:
    """The UTF-8 bytes of ``text``; a lone surrogate makes them invalid UTF-8, on purpose."""
    return text.encode("utf-8", "surrogatepass")


# --------------------------------------------------------------------------------- the property

WHOLE_FILE = ("UTF-8", "larger than", "too large", "MiB", "not a regular file", "is a directory",
              "does not exist", "cannot be read")
"""Problems about a file as a whole, which have no line to name."""

SUBJECTS = (ServiceAccount("apps", "reader"), ServiceAccount("ns0", "sa0"), ServiceAccount("ci", "deployer"),
            User("user0", ("group0",)))


def _text_file(path: Path) -> bool:
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return bool(text.strip())


def check_problems(error: LoadError, files: Mapping[str, Path]) -> None:
    """Every problem names one of ``files`` (by the name it was written under) and, when that
    file is text with lines, a line in it."""
    for problem in error.problems:
        assert problem.file, f"a problem names no file: {problem}"
        named = [path for name, path in files.items() if problem.file.endswith(name)]
        assert named, f"a problem names none of the files {sorted(files)}: {problem}"
        if any(word in problem.message for word in WHOLE_FILE):
            continue
        if any(_text_file(path) for path in named):
            assert problem.line is not None, f"a problem in a text file names no line: {problem}"
            assert problem.line >= 1, problem


def _gist(message: str) -> str:
    """The first words of a message, without quoted values: the kind of outcome, for statistics."""
    return " ".join(re.sub(r"'[^']*'|\"[^\"]*\"|[0-9]+", "_", message).split()[:5])


def _decided(ask: Callable[[], Any], files: Mapping[str, Path]) -> None:
    """Ask one question: a decision (and its explanation) or a PfpermsError, nothing else; a
    LoadError (an engine reads its documents on first use) names the file and line."""
    try:
        decision = ask()
        _ = decision.allowed
        decision.explain()
    except LoadError as error:
        check_problems(error, files)
    except PfpermsError:
        pass


def exercise(model: pfperms.Model, files: Mapping[str, Path]) -> None:
    """Ask the model the questions every engine answers lazily (RBAC, AWS, Vault)."""
    model.objects()
    for subject in SUBJECTS:
        _decided(lambda subject=subject: model.can(subject, "get", "pods", namespace="apps"), files)
        _decided(lambda subject=subject: model.can(subject, "create", "secrets", namespace=None), files)
        if isinstance(subject, ServiceAccount):
            _decided(lambda subject=subject: model.aws_can(subject, "s3:GetObject", "arn:aws:s3:::reports/x"),
                     files)
            _decided(lambda subject=subject: model.vault_can(subject, "read", "secret/data/web/x"), files)
    with contextlib.suppress(PfpermsError):
        model.who_can("get", "secrets", namespace="apps")
    for workload in model.workloads()[:3]:
        _decided(lambda workload=workload: workload.can("get", "pods"), files)
        _decided(lambda workload=workload: workload.aws_can("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q"),
                 files)
        _decided(lambda workload=workload: workload.vault_can("read", "secret/data/x"), files)


@contextmanager
def written(files: Mapping[str, str | bytes]) -> Iterator[tuple[Path, dict[str, Path]]]:
    """A fresh directory holding ``files`` (name -> text or bytes); yields it and the paths."""
    with tempfile.TemporaryDirectory(prefix="pfperms-fuzz-") as temporary:
        root = Path(temporary, "repo")
        root.mkdir()
        found: dict[str, Path] = {}
        for name, content in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(encoded(content) if isinstance(content, str) else content)
            found[name] = path
        yield root, found


def check_load(files: Mapping[str, str | bytes], **options: Any) -> pfperms.Model | None:
    """Load ``files`` written into a fresh directory: a model (then asked questions) or a
    PfpermsError (a LoadError's problems checked); the model, or None."""
    with written(files) as (root, paths_written):
        try:
            model = pfperms.load(root, cache=False, repo_root=root, cluster_defaults=False, **options)
        except LoadError as error:
            check_problems(error, paths_written)
            event(f"LoadError: {_gist(error.problems[0].message)}")
            return None
        except PfpermsError as error:
            event(f"{type(error).__name__}")
            return None
        event("model")
        exercise(model, paths_written)
        return model


def problems_of(files: Mapping[str, str | bytes]) -> list[Problem]:
    """The problems loading ``files`` gives (none when it loads): for the regression examples."""
    with written(files) as (root, _):
        try:
            pfperms.load(root, cache=False, repo_root=root, cluster_defaults=False)
        except LoadError as error:
            return list(error.problems)
    return []
