"""The manifest reader's direct node constructor against PyYAML's strict safe constructor.

``documents._construct`` builds plain documents straight from libyaml's nodes and leaves
everything else (other tags, merge keys, keys defined twice, non-string keys, anchors) to
the full constructor. On any document it either declines or gives the full constructor's
value, types included.
"""

from __future__ import annotations

import math
from typing import Any

import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from pytest_pfperms.sources.manifests.documents import _construct, _Loader, _Unusual, read_documents

SCALARS = ("yes", "no", "on", "True", "FALSE", "~", "null", "Null", "", "0x1F", "0o17", "017", "1_000",
           "1e3", "1.5", ".inf", "-.Inf", ".nan", "2020-01-01", "12:30:00", "=", "<<", "0b101", "+12",
           "a: b", "- x", "'quoted'", '"double"', "[1, 2]", "{a: 1}", "!!str 12", "!!int '7'",
           "!custom x", "!!binary aGVsbG8=", "!!set {a, b}", "1" * 20)
"""Plain and tagged scalars whose meaning the resolver decides (or that carry their own tag)."""

KEYS = st.one_of(st.sampled_from(("kind", "name", "1", "true", "null", "<<", "=")),
                 st.text(alphabet="ab: -", min_size=1, max_size=2))

TEXTS = st.recursive(
    st.sampled_from(SCALARS),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
        st.lists(st.tuples(KEYS, inner), max_size=3).map(
            lambda pairs: "{" + ", ".join(f"{key}: {value}" for key, value in pairs) + "}")),
    max_leaves=10)
"""Flow-style YAML documents over those scalars and keys (some invalid, some with duplicates)."""

VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=6)),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=4), inner, max_size=3)),
    max_leaves=12)


def _same(left: Any, right: Any) -> bool:
    """Equal values of equal types all the way down (``1 == True`` is not enough)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return list(left) == list(right) and all(_same(left[key], right[key]) for key in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(_same(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, float) and math.isnan(left):
        return math.isnan(right)
    return bool(left == right)


def _check(text: str) -> None:
    """Each document: the direct constructor declines, or gives what the full one gives; where
    the full constructor refuses a document (a key defined twice), it must have declined."""
    loader = _Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            try:
                fast: Any = _construct(node, loader)
            except _Unusual:
                fast = _Unusual
            try:
                full = loader.construct_document(node)
            except yaml.YAMLError as error:
                assert fast is _Unusual, f"{text!r}: read as {fast!r}, refused by the full constructor: {error}"
                continue
            assert fast is _Unusual or _same(fast, full), f"{text!r}: {fast!r} against {full!r}"
    except yaml.YAMLError:
        pass  # a syntax error: the reader reports it whichever constructor runs
    finally:
        loader.dispose()


@given(TEXTS)
@example("{kind: a, name: {x: 1, x: 2}}")
def test_flow_documents_read_as_the_full_constructor_reads_them(text: str) -> None:
    _check(text)


@given(st.lists(VALUES, min_size=1, max_size=3))
def test_dumped_values_read_back_as_the_full_constructor_reads_them(values: list[Any]) -> None:
    text = yaml.safe_dump_all(values, sort_keys=False)
    _check(text)
    read, problems = read_documents(text, "drawn.yaml")
    assert not problems
    assert _same(read, [value for value in values if value is not None])
