"""The two HCL parsers build the same syntax tree: tree-sitter-hcl (the default) and
python-hcl2 (the reference), held to identical ASTs, line numbers included.

Every HCL fixture of the suite, every HCL snippet the tests embed that the reference
parser reads, generated HCL (blocks, attributes, expressions, templates, heredocs) and
malformed HCL (both refuse it, or both read it the same). Where the two grammars differ
from Terraform, the tree-sitter parser follows Terraform; those cases are listed here.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pytest_pfperms as pfperms
from pytest_pfperms.errors import LoadError
from pytest_pfperms.sources.hcl.ast_diff import first_difference
from pytest_pfperms.sources.hcl.native_syntax import parse_expression, parse_file, parse_template
from pytest_pfperms.sources.hcl.parser_choice import HclParser, active_hcl_parser, using_hcl_parser
from pytest_pfperms.sources.hcl.syntax_tree import Expr, HclFile, Literal, Template, Unary, source_text

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
HCL_SUFFIXES = (".tf", ".hcl", ".tfvars", ".tf.json")  # JSON syntax: its strings are templates


def parsed(parser: HclParser, path: str, text: str) -> HclFile | str:
    """The tree, or ``"LoadError: ..."``; any other exception is a bug and propagates."""
    with using_hcl_parser(parser):
        try:
            return parse_file(path, text)
        except LoadError as error:
            return f"LoadError: {error}"


def assert_same(path: str, text: str) -> HclFile | str:
    reference = parsed("python-hcl2", path, text)
    fast = parsed("tree-sitter", path, text)
    if isinstance(reference, str) or isinstance(fast, str):
        assert isinstance(reference, str) and isinstance(fast, str), (
            f"{path}: python-hcl2 gave {str(reference)[:200]}\ntree-sitter gave {str(fast)[:200]}")
        return reference
    difference = first_difference(reference, fast)
    assert difference is None, f"{path}: the parsers differ at {difference}"
    return reference


# --------------------------------------------------------------------------- the suite's HCL


def hcl_fixture_files() -> list[Path]:
    found = [p for base in (TESTS, ROOT / "examples") for p in sorted(base.rglob("*"))
             if p.is_file() and p.name.endswith(HCL_SUFFIXES)]
    return found


def test_the_suite_has_hcl_fixtures() -> None:
    assert len(hcl_fixture_files()) >= 5


@pytest.mark.parametrize("path", hcl_fixture_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_hcl_fixture_parses_to_the_same_tree(path: Path) -> None:
    assert_same(str(path), path.read_text(encoding="utf-8"))


def embedded_snippets() -> Iterator[tuple[str, str]]:
    """String constants of the tests that look like HCL (an ``=`` or a block), by file:line."""
    for source in sorted(TESTS.rglob("*.py")):
        if source.name == Path(__file__).name:
            continue
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = textwrap.dedent(node.value)
                # "${~ x ~}" in quoted strings: only tree-sitter reads it, on purpose (tested below)
                if ("=" in text or "{" in text) and "\n" in text.strip() and len(text) < 20_000 \
                        and '"${~' not in text:
                    yield f"{source.relative_to(ROOT)}:{node.lineno}", text


def test_hcl_embedded_in_the_tests_parses_to_the_same_tree() -> None:
    compared = read = 0
    for where, text in embedded_snippets():
        result = assert_same(where + ".tf", text)
        compared += 1
        read += not isinstance(result, str)
    assert read >= 100, f"only {read} of {compared} snippets were HCL"


# --------------------------------------------------------------------------- generated HCL

NAMES = st.sampled_from(["a", "b_1", "x-y", "count", "each", "var", "local", "module", "name", "in", "if"])
PLAIN = st.text(alphabet="abc XYZ-_.:/$%", max_size=8)
ESCAPES = st.sampled_from(["\\n", "\\t", '\\"', "\\\\", "\\u00e9", "$${x}", "%%{y}", "$", "%"])


def layout(draw: st.DrawFn) -> str:
    return draw(st.sampled_from(["", " ", "\n", "\n  ", " # c\n", " /* c */ "]))


@st.composite
def expressions(draw: st.DrawFn, depth: int = 3) -> str:
    leaves = st.one_of(
        st.integers(0, 10**6).map(str),
        st.sampled_from(["1.5", "0.25", "1e3", "2.5e-3", "true", "false", "null"]),
        st.builds(lambda n, m: f"{n}.{m}", st.sampled_from(["var", "local", "each"]), NAMES),
        NAMES.filter(lambda n: n not in ("in", "if")),
        quoted(depth=0),
    )
    if depth <= 0:
        return draw(leaves)
    sub = expressions(depth=depth - 1)
    kind = draw(st.sampled_from(["leaf", "leaf", "binary", "unary", "cond", "tuple", "object", "call",
                                 "index", "attr", "splat", "parens", "for", "template", "legacy"]))
    if kind == "leaf":
        return draw(leaves)
    if kind == "binary":
        op = draw(st.sampled_from(["||", "&&", "==", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%"]))
        return f"{draw(sub)} {op}{draw(st.sampled_from([' ', chr(10) + ' ']))}{draw(sub)}"
    if kind == "unary":
        return draw(st.sampled_from(["-", "!"])) + draw(st.sampled_from(["x", "var.a", "(a)", "f(1)"]))
    if kind == "cond":
        return f"{draw(sub)} ? {draw(sub)} : {draw(sub)}"
    if kind == "tuple":
        items = draw(st.lists(sub, max_size=3))
        sep = draw(st.sampled_from([", ", ",\n"]))
        trail = draw(st.sampled_from(["", ","])) if items else ""
        return "[" + draw(st.sampled_from(["", "\n"])) + sep.join(items) + trail + "]"
    if kind == "object":
        keys = draw(st.lists(st.one_of(NAMES, st.just('"q k"'), st.just("(var.k)")), max_size=3))
        items = [f"{k} {draw(st.sampled_from(['=', ':']))} {draw(sub)}" for k in keys]
        sep = draw(st.sampled_from([", ", "\n", ",\n"]))
        return "{" + ("\n" if sep == "\n" and items else "") + sep.join(items) + ("\n" if items else "") + "}"
    if kind == "call":
        args = draw(st.lists(sub, max_size=3))
        name = draw(st.sampled_from(["f", "merge", "provider::p::fn"]))
        expand = "..." if args and draw(st.booleans()) else ""
        return f"{name}({', '.join(args)}{expand})"
    if kind == "index":
        return f"{draw(st.sampled_from(['x', 'var.a', 'f(1)', '[1]']))}[{draw(sub)}]"
    if kind == "attr":
        return f"{draw(st.sampled_from(['x', 'var.a', 'f(1)', '(a)']))}.{draw(NAMES)}"
    if kind == "legacy":
        return f"{draw(st.sampled_from(['x', 'var.a']))}.{draw(st.integers(0, 9))}.{draw(NAMES)}"
    if kind == "splat":
        tail = draw(st.sampled_from(["", ".b", ".b.c", ".b[0]", "[0]", ".b[0].c"]))
        return f"{draw(st.sampled_from(['x', 'var.a']))}{draw(st.sampled_from(['[*]', '.*']))}{tail}"
    if kind == "parens":
        return f"({draw(sub)})"
    if kind == "for":
        intro = draw(st.sampled_from(["for v in xs :", "for k, v in m :"]))
        cond = draw(st.sampled_from(["", " if v != null"]))
        if draw(st.booleans()):
            return f"[{intro} {draw(sub)}{cond}]"
        group = draw(st.sampled_from(["", "..."]))
        return f"{{{intro} k => {draw(sub)}{group}{cond}}}"
    return draw(quoted(depth=depth - 1))


@st.composite
def quoted(draw: st.DrawFn, depth: int) -> str:
    """A quoted template: text, escapes, interpolations and (balanced) directives."""
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["text", "escape", "interp", "if", "for"] if depth > 0 else
                                    ["text", "escape"]))
        if kind == "text":
            parts.append(draw(PLAIN).replace("${", "$ {").replace("%{", "% {"))
        elif kind == "escape":
            parts.append(draw(ESCAPES))
        elif kind == "interp":
            parts.append("${" + draw(expressions(depth=depth - 1)) + "}")
        else:
            left, right = draw(st.sampled_from(["", "~"])), draw(st.sampled_from(["", "~"]))
            inner = draw(PLAIN).replace("${", "").replace("%{", "").replace("$", "").replace("%", "")
            if kind == "if":
                other = "%{ else }z" if draw(st.booleans()) else ""
                parts.append(f"%{{{left} if var.c {right}}}{inner}{other}%{{ endif {right}}}")
            else:
                parts.append(f"%{{{left} for v in var.xs {right}}}{inner}${{v}}%{{{left} endfor }}")
    text = "".join(parts)
    # a "$" or "%" just before a directive or interpolation would escape it: keep them apart
    return '"' + text.replace("$${", "$ ${").replace("%%{", "% %{").replace("$$ {", "$ {") + '"'


@st.composite
def heredocs(draw: st.DrawFn) -> str:
    indent = draw(st.sampled_from(["", "  "]))
    marker = draw(st.sampled_from(["EOT", "EOF", "END_OF_TEXT"]))
    lines = draw(st.lists(st.sampled_from(["plain", "${var.x}", "a: ${local.y[0]}", "%{ if c }yes%{ endif }",
                                           "  indented", "", "$${kept}", "%{ for v in l ~}${v}%{ endfor ~}"]),
                          max_size=4))
    dash = "-" if indent else draw(st.sampled_from(["", "-"]))
    body = "".join(f"{indent}{line}\n" for line in lines)
    return f"<<{dash}{marker}\n{body}{indent}{marker}"


@st.composite
def bodies(draw: st.DrawFn, depth: int = 2) -> str:
    lines: list[str] = []
    used: set[str] = set()
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["attr", "attr", "heredoc", "block", "comment"] if depth > 0 else
                                    ["attr", "heredoc", "comment"]))
        if kind == "comment":
            lines.append(draw(st.sampled_from(["# note", "// note", "/* a\n   b */"])))
            continue
        if kind == "block":
            labels = draw(st.lists(st.sampled_from(['"x"', '"a-b"', "lbl", '"$${esc}"']), max_size=2))
            inner = draw(bodies(depth=depth - 1))
            head = " ".join([draw(NAMES), *labels])
            if not inner.strip() and draw(st.booleans()):
                lines.append(head + " {}")
            else:
                lines.append(head + " {\n" + textwrap.indent(inner, "  ") + "}")
            continue
        name = draw(NAMES.filter(lambda n: n not in used))
        used.add(name)
        value = draw(heredocs()) if kind == "heredoc" else draw(expressions())
        lines.append(f"{name} = {value}")
    return "".join(line + "\n" for line in lines)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies())
def test_generated_hcl_parses_to_the_same_tree(text: str) -> None:
    assert_same("gen.tf", text)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies(), st.data())
def test_malformed_hcl_is_refused_by_both_or_read_the_same(text: str, data: st.DataObject) -> None:
    """A character cut or doubled anywhere: both parsers refuse it, or read the same tree."""
    if not text:
        return
    at = data.draw(st.integers(0, len(text) - 1))
    broken = text[:at] + text[at + 1:] if data.draw(st.booleans()) else text[:at] + text[at] + text[at:]
    reference = parsed("python-hcl2", "bad.tf", broken)
    fast = parsed("tree-sitter", "bad.tf", broken)
    if isinstance(fast, str) and not isinstance(reference, str):
        # where the grammars differ, tree-sitter follows Terraform: these it refuses on purpose
        assert any(reason in fast for reason in TERRAFORM_REFUSES), fast
        return
    if isinstance(reference, str) and not isinstance(fast, str):
        assert any(shape in broken for shape in TERRAFORM_ACCEPTS), (broken, reference)
        return
    if not isinstance(reference, str) and not isinstance(fast, str):
        assert first_difference(reference, fast) is None


TERRAFORM_REFUSES = ("cannot span lines", "Missing newline after", "Missing attribute separator")
TERRAFORM_ACCEPTS = ("${~", "~}", "!!", "!-", "-!", "--", "- -", "! !")


@settings(max_examples=120, deadline=None)
@given(expressions())
def test_generated_expressions_and_templates_parse_the_same(text: str) -> None:
    results = []
    for parser in ("python-hcl2", "tree-sitter"):
        with using_hcl_parser(parser):
            try:
                results.append(parse_expression(text, "e.tf", 7))
            except LoadError as error:
                results.append(f"LoadError: {error}")
            try:
                results.append(parse_template("t ${" + text + "} %{ if a }b%{ endif }", "t.tpl", 3))
            except LoadError as error:
                results.append(f"LoadError: {error}")
    assert results[0] == results[2] and results[1] == results[3], first_difference(results[:2], results[2:])


# --------------------------------------------------------------------------- where they differ


def fast(text: str) -> HclFile:
    with using_hcl_parser("tree-sitter"):
        return parse_file("t.tf", text)


def reference(text: str) -> HclFile:
    with using_hcl_parser("python-hcl2"):
        return parse_file("t.tf", text)


def value(text: str) -> Expr:
    return fast(f"a = {text}\n").body.attributes["a"].expr


def test_strip_markers_in_a_quoted_interpolation_parse_with_tree_sitter() -> None:
    """``"${~ x ~}"``: Terraform reads it, python-hcl2's grammar does not."""
    node = value('"a  ${~ var.x ~}  b"')
    assert isinstance(node, Template) and node.parts[0] == "a" and node.parts[2] == "b"
    with pytest.raises(LoadError, match="unexpected '~'"):
        reference('a = "${~ x ~}"\n')


def test_a_quoted_string_may_not_span_lines_as_in_terraform() -> None:
    assert reference('a = "x\ny"\n').body.attributes["a"].expr == Literal("x\ny", 1)
    with pytest.raises(LoadError, match=r"t.tf:1: .*column 5: a quoted string cannot span lines"):
        fast('a = "x\ny"\n')
    assert value('"x\\ny"') == Literal("x\ny", 1)  # the escape, and a newline inside ${ } are fine
    spread = value('"${f(\n1)}"')
    assert isinstance(spread, Template) and source_text(spread) == '"${f(1)}"'
    assert spread == reference('a = "${f(\n1)}"\n').body.attributes["a"].expr


def test_a_block_comment_does_not_end_an_argument_as_in_terraform() -> None:
    assert set(reference("a = 1 /* c */ b = 2\n").body.attributes) == {"a", "b"}
    with pytest.raises(LoadError, match=r"t\.tf:1: Missing newline after argument"):
        fast("a = 1 /* c */ b = 2\n")
    with pytest.raises(LoadError, match=r"t\.tf:2: Missing attribute separator"):
        fast("a = {\n  x = 1 y = 2\n}\n")


def test_repeated_unary_operators_and_unicode_names_parse_as_in_terraform() -> None:
    assert value("!!x") == Unary("!", Unary("!", value("x"), 1), 1)
    assert value("- -1") == Unary("-", Unary("-", Literal(1, 1), 1), 1)
    assert list(fast("größe = 1\n").body.attributes) == ["größe"]
    for text in ("a = !!x\n", "größe = 1\n"):
        with pytest.raises(LoadError):
            reference(text)


@pytest.mark.parametrize(("text", "words"), [
    ("a = 0x1f\n", "invalid number '0x1f'"),
    ("a = b::c\n", "'::' may only appear in a provider function's name"),
    ("a = core::max(1)\n", "provider::NAME::FUNCTION"),
    ('resource "a" "${b}" {}\n', "templates are not allowed in labels"),
    ('a = "%{ for x in y }%{ else }%{ endfor }"\n', "%{ else } directive without its opening"),
])
def test_what_terraform_refuses_tree_sitter_refuses(text: str, words: str) -> None:
    with pytest.raises(LoadError):
        reference(text)
    with pytest.raises(LoadError) as caught:
        fast(text)
    assert "t.tf:1" in str(caught.value) and words in str(caught.value)


def test_numbers_tree_sitter_hcl_cannot_read_go_to_the_reference_parser() -> None:
    """tree-sitter-hcl 1.2 wants a fraction before an exponent: ``1e21`` is read by python-hcl2."""
    text = "a = 1e21\nb = [2E3, 1.5e3]\nc = \"${1e2}\"\n"
    assert fast(text) == reference(text)
    assert fast(text).body.attributes["a"].expr == Literal(10**21, 1)


def test_syntax_errors_keep_the_reference_message() -> None:
    text = 'locals {\n  a = [1\n  2]\n}\n'
    with pytest.raises(LoadError) as slow_error:
        reference(text)
    with pytest.raises(LoadError) as fast_error:
        fast(text)
    assert str(fast_error.value) == str(slow_error.value)
    assert "t.tf:3" in str(fast_error.value) and "expected" in str(fast_error.value)


def test_tree_sitter_is_the_default() -> None:
    assert active_hcl_parser() == "tree-sitter"


# --------------------------------------------------------------------------- bounded


@pytest.mark.parametrize("parser", ["python-hcl2", "tree-sitter"])
def test_deep_nesting_is_the_same_typed_error_with_either_parser(tmp_path: Path, parser: HclParser) -> None:
    depth = 20_000
    (tmp_path / "main.tf").write_text("locals {\n  x = " + "[" * depth + "]" * depth + "\n}\n")
    with pytest.raises(LoadError) as caught:
        pfperms.load(tmp_path, cache=False, hcl_parser=parser)
    assert "main.tf:2" in str(caught.value) and "nested too deeply" in str(caught.value)


@pytest.mark.parametrize("parser", ["python-hcl2", "tree-sitter"])
def test_nesting_terraform_reads_is_read_by_either_parser(tmp_path: Path, parser: HclParser) -> None:
    depth = 300
    (tmp_path / "main.tf").write_text(
        "locals {\n  x = " + "[" * depth + '"deep"' + "]" * depth + "\n}\n"
        'resource "kubernetes_namespace_v1" "ns" {\n'
        f'  metadata {{ name = local.x{"[0]" * depth} }}\n}}\n')
    model = pfperms.load(tmp_path, cache=False, hcl_parser=parser)
    assert [o.name for o in model.objects("Namespace")] == ["deep"]


def test_load_refuses_an_unknown_parser(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("locals {}\n")
    with pytest.raises(LoadError, match="hcl_parser must be one of tree-sitter, python-hcl2"):
        pfperms.load(tmp_path, cache=False, hcl_parser="lark")  # type: ignore[arg-type]


def test_load_reads_with_the_parser_asked_for(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "kubernetes_namespace_v1" "ns" {\n  metadata { name = "${~ "tight" ~}" }\n}\n')
    assert [o.name for o in pfperms.load(tmp_path, cache=False).objects("Namespace")] == ["tight"]
    with pytest.raises(LoadError, match=r"main\.tf:2"):
        pfperms.load(tmp_path, cache=False, hcl_parser="python-hcl2")


def test_the_parse_cache_keys_name_the_parser() -> None:
    from pytest_pfperms.sources.hcl.parse_cache import cache_key, cache_salt

    keys = {}
    for parser in ("python-hcl2", "tree-sitter"):
        with using_hcl_parser(parser):
            keys[parser] = cache_key("main.tf", "a = 1\n")
            assert parser.encode() in cache_salt()
            assert cache_key("other/main.tf", "a = 1\n") == keys[parser]  # content, not path
    assert keys["python-hcl2"] != keys["tree-sitter"]
