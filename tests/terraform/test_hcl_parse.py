"""Parsing HCL, JSON syntax and tfvars into our AST; line numbers; syntax errors; the cache."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from pytest_pfperms.errors import LoadError
from pytest_pfperms.sources.cache.store import CacheStore, cache_dir
from pytest_pfperms.sources.hcl import native_syntax as hcl_parse
from pytest_pfperms.sources.hcl import parse_cache as hcl_cache
from pytest_pfperms.sources.hcl.native_syntax import (
    parse_expression,
    parse_file,
    parse_hcl,
    parse_hcl_json,
    parse_template,
    parse_tfvars,
)
from pytest_pfperms.sources.hcl.parse_cache import (
    cache_key,
    cached_parse,
    load_file,
)
from pytest_pfperms.sources.hcl.syntax_tree import (
    Access,
    AttrStep,
    Binary,
    Block,
    Call,
    Conditional,
    Expr,
    ForExpr,
    HclFile,
    IndexStep,
    Literal,
    ObjectExpr,
    Parens,
    Reference,
    Splat,
    Template,
    TemplateFor,
    TemplateIf,
    TupleExpr,
    Unary,
    references,
    source_text,
)

FIXTURES = Path(__file__).parent / "hcl_fixtures"
RBAC = FIXTURES / "module" / "rbac.tf"


def expr(text: str) -> Expr:
    return parse_expression(text, "t.tf", 1)


def block(parsed: HclFile, *labels: str) -> Block:
    return next(b for b in parsed.body.blocks if b.labels == labels)


@pytest.fixture(scope="module")
def rbac() -> HclFile:
    return parse_hcl(str(RBAC), RBAC.read_text())


# --------------------------------------------------------------------------- structure and lines


def test_blocks_attributes_and_labels(rbac: HclFile) -> None:
    types = [(b.type, b.labels) for b in rbac.body.blocks]
    assert types == [
        ("terraform", ()),
        ("locals", ()),
        ("module", ("example_deployment",)),
        ("resource", ("kubernetes_role", "example")),
        ("resource", ("kubernetes_role_binding", "example")),
        ("resource", ("kubectl_manifest", "config")),
        ("variable", ("namespace",)),
    ]
    role = block(rbac, "kubernetes_role", "example")
    assert [b.type for b in role.body.blocks] == ["metadata", "rule", "dynamic"]
    assert role.body.blocks_of("rule")[0].body.attributes["verbs"].line == 46
    dynamic = role.body.blocks_of("dynamic")[0]
    assert (dynamic.labels, dynamic.line) == (("rule",), 49)
    assert dynamic.body.blocks_of("content")[0].line == 51


def test_every_line_is_the_line_of_its_node(rbac: HclFile) -> None:
    lines = RBAC.read_text().splitlines()
    role = block(rbac, "kubernetes_role", "example")
    assert role.line == 36
    assert lines[role.line - 1].startswith('resource "kubernetes_role" "example"')
    metadata = role.body.blocks[0]
    assert (metadata.line, metadata.body.attributes["name"].line) == (37, 38)
    binding = block(rbac, "kubernetes_role_binding", "example")
    subject = binding.body.blocks_of("subject")[0]
    name = subject.body.attributes["name"]
    assert name.line == 72
    assert isinstance(name.expr, Reference) and name.expr.line == 72
    # a reference inside a heredoc inside yamlencode keeps its own line
    manifest = block(rbac, "kubectl_manifest", "config")
    refs = [r for r in references(manifest.body.attributes["yaml_body"].expr) if r.root == "var"]
    assert [(source_text(r), r.line) for r in refs] == [
        ("var.namespace", 84),
        ("var.namespace", 88),
    ]
    assert "${var.namespace}" in lines[88 - 1]


def test_module_source_template_keeps_its_parts(rbac: HclFile) -> None:
    source = block(rbac, "example_deployment").body.attributes["source"].expr
    assert isinstance(source, Template)
    assert [p if isinstance(p, str) else source_text(p) for p in source.parts] == [  # type: ignore[arg-type]
        "var.pf_module_source",
        "kube_deployment",
        "var.pf_module_ref",
    ]
    assert source_text(source) == '"${var.pf_module_source}kube_deployment${var.pf_module_ref}"'


def test_heredocs_keep_the_final_newline_and_strip_indentation(rbac: HclFile) -> None:
    description = block(rbac, "namespace").body.attributes["description"].expr
    assert description == Literal("The namespace.\n  Indented line.\n", 97)
    manifest = block(rbac, "kubectl_manifest", "config")
    call = manifest.body.attributes["yaml_body"].expr
    assert isinstance(call, Call) and call.name == "yamlencode"
    manifest_object = call.args[0]
    assert isinstance(manifest_object, ObjectExpr)
    data = next(i for i in manifest_object.items if i.key == Literal("data", 86))
    assert isinstance(data.value, ObjectExpr)
    policy = data.value.items[0].value
    assert isinstance(policy, Template)
    assert policy.parts[0] == 'path "secret/'
    assert policy.parts[2] == '/*" {\n  capabilities = ["read"]\n}\n'


def test_heredoc_edge_cases() -> None:
    parsed = parse_hcl(
        "h.tf", "a = <<EOT\nEOT\nb = <<-X\n    one\n\n      two\n    X\nc = <<EOT\n${x}\nEOT\n"
    )
    attrs = parsed.body.attributes
    assert attrs["a"].expr == Literal("", 1)
    assert attrs["b"].expr == Literal("one\n\n  two\n", 3)
    assert isinstance(attrs["c"].expr, Template)
    assert attrs["c"].expr.parts[1] == "\n"
    assert attrs["c"].expr.line == 8
    assert attrs["c"].expr.parts[0].line == 9  # type: ignore[union-attr]


# --------------------------------------------------------------------------- expressions


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        ("var.x", "var.x"),
        ("module.m.out", "module.m.out"),
        ('x.y[0].z["k"]', 'x.y[0].z["k"]'),
        ("a.0.b", "a[0].b"),
        ("x[*].y", "x[*].y"),
        ("x.*.y", "x.*.y"),
        ("module.m[each.key].service_account_name", "module.m[each.key].service_account_name"),
        ("concat(a, b...)", "concat(a, b...)"),
        ("provider::pf::cidr_contains(a)", "provider::pf::cidr_contains(a)"),
        ("a || b && c", "a || b && c"),
        ("(a || b) && c", "(a || b) && c"),
        ("1 + 2 * 3 - 4 / 5 % 6", "1 + 2 * 3 - 4 / 5 % 6"),
        ("!a == -b", "!a == -b"),
        ("a ? b : c ? d : e", "a ? b : c ? d : e"),
        ("(a ? b : c) ? d : e", "(a ? b : c) ? d : e"),
        ('[for k, v in m : "${k}=${v}" if v != null]', '[for k, v in m : "${k}=${v}" if v != null]'),
        ("{for x in l : x.name => x...}", "{for x in l : x.name => x...}"),
        ('{ a = 1, "b.c" = 2, (k) = 3 }', '{ a = 1, "b.c" = 2, (k) = 3 }'),
        ('"x-${y}-%{ if c }t%{ else }f%{ endif }"', '"x-${y}-%{ if c }t%{ else }f%{ endif }"'),
        ("1.0", "1"),
        ("2.5e3", "2500"),
        ("1.5", "1.5"),
        ('"a\\"b\\\\c\\n\\u00e9 $${lit}"', '"a\\"b\\\\c\\né $${lit}"'),
    ],
)
def test_expression_forms_render_back(text: str, rendered: str) -> None:
    assert source_text(expr(text)) == rendered


def test_traversal_shapes() -> None:
    ref = expr('module.m[0].out["k"]')
    assert isinstance(ref, Reference)
    assert ref.root == "module"
    assert ref.steps[0] == AttrStep("m")
    assert isinstance(ref.steps[1], IndexStep) and ref.steps[1].key == Literal(0, 1)
    legacy = expr("a.0")
    assert isinstance(legacy, Reference) and legacy.steps == (IndexStep(Literal(0, 1)),)
    call_access = expr("f(x)[0].y")
    assert isinstance(call_access, Access) and isinstance(call_access.source, Call)
    splat = expr("aws_iam_role.x[*].arn")
    assert isinstance(splat, Splat) and splat.full and splat.steps == (AttrStep("arn"),)
    legacy_splat = expr("a.*.b[0]")  # the index applies to the result of the legacy splat
    assert isinstance(legacy_splat, Access) and isinstance(legacy_splat.source, Splat)


def test_operator_precedence_and_nodes() -> None:
    node = expr("a || b && c == d + e * -f")
    assert isinstance(node, Binary) and node.op == "||"
    right = node.right
    assert isinstance(right, Binary) and right.op == "&&"
    eq = right.right
    assert isinstance(eq, Binary) and eq.op == "=="
    add = eq.right
    assert isinstance(add, Binary) and add.op == "+"
    mul = add.right
    assert isinstance(mul, Binary) and mul.op == "*"
    assert isinstance(mul.right, Unary) and mul.right.op == "-"
    assert isinstance(expr("(a)"), Parens)
    assert isinstance(expr("a ? b : c"), Conditional)


def test_for_expressions() -> None:
    tuple_form = expr("[for i in range(3) : i if i > 0]")
    assert isinstance(tuple_form, ForExpr)
    assert (tuple_form.key_var, tuple_form.value_var, tuple_form.key) == (None, "i", None)
    assert tuple_form.cond is not None
    object_form = expr("{for k, v in m : v => k...}")
    assert isinstance(object_form, ForExpr)
    assert (object_form.key_var, object_form.value_var, object_form.group) == ("k", "v", True)


def test_object_keys_bare_names_are_literal_parenthesised_are_expressions() -> None:
    node = expr('{ name = 1, for = 2, (var.k) = 3, "q" = 4 }')
    assert isinstance(node, ObjectExpr)
    keys = [item.key for item in node.items]
    assert keys[0] == Literal("name", 1)
    assert keys[1] == Literal("for", 1)
    assert isinstance(keys[2], Parens)
    assert keys[3] == Literal("q", 1)


def test_templates_and_directives() -> None:
    node = expr('"%{ for x in xs ~}\\n  ${x}\\n%{~ endfor }%{ if a }y%{ endif }"')
    assert isinstance(node, Template)
    loop, cond = node.parts
    assert isinstance(loop, TemplateFor) and loop.value_var == "x"
    assert isinstance(cond, TemplateIf) and cond.then == ("y",) and cond.else_ == ()
    # the ~ markers stripped the whitespace (newlines included) next to them
    assert [p if isinstance(p, str) else source_text(p) for p in loop.body] == ["x"]  # type: ignore[arg-type]
    heredoc = parse_template("a ${b}\n%{ for k, v in m }${k}%{ endfor }\n$${c} %%{d}", "t", 5)
    assert isinstance(heredoc, Template)
    assert heredoc.parts[0] == "a "
    assert heredoc.parts[2] == "\n"
    assert isinstance(heredoc.parts[3], TemplateFor) and heredoc.parts[3].key_var == "k"
    assert heredoc.parts[3].line == 6
    assert heredoc.parts[4] == "\n${c} %{d}"
    assert parse_template("plain", "t", 1) == Literal("plain", 1)


def test_interpolations_with_nested_strings_and_braces() -> None:
    node = parse_template('x ${join(",", [for k in ks : "${k}}"])} y', "t", 1)
    assert isinstance(node, Template)
    assert source_text(node.parts[1]) == 'join(",", [for k in ks : "${k}}"])'  # type: ignore[arg-type]
    assert node.parts[2] == " y"


def test_references_skip_for_variables() -> None:
    node = expr('[for k, v in var.m : "${k}-${v.name}-${local.prefix}" if v != each.value]')
    assert [source_text(r) for r in references(node)] == ["var.m", "local.prefix", "each.value"]


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("name", "line", "words"),
    [
        ("missing_brace.tf", 6, 'unexpected end of file; expected "}"'),
        ("missing_value.tf", 3, "unexpected '}'; expected an expression"),
        ("duplicate.tf", 3, 'argument "a" was already set at line 2'),
    ],
)
def test_bad_files_raise_load_error_with_file_and_line(name: str, line: int, words: str) -> None:
    path = FIXTURES / "bad" / name
    with pytest.raises(LoadError) as caught:
        parse_hcl(str(path), path.read_text())
    error = caught.value
    assert (error.file, error.line) == (str(path), line)
    assert words in str(error)
    assert str(error).startswith(f"{path}:{line}: ")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('a = "abc', "t.tf:1: invalid HCL syntax: column 6: unexpected end of file; expected the"),
        ("a = @", "t.tf:1: invalid HCL syntax: column 5: unexpected '@'; expected an expression"),
        ("a = 1\n}\n", "t.tf:2: invalid HCL syntax: column 1: unexpected '}'; expected the end of the file"),
        ('a = "x\\q"', "t.tf:1: invalid escape sequence '\\\\q'"),
        ('resource "a" "${b}" {}', "t.tf:1: invalid block label: templates are not allowed in labels"),
        ("a = <<EOT\nabc\n", "heredoc that is never closed"),
        ('a = "x" b = 2', "t.tf:1: Missing newline after argument"),
        ("o = {a = 1 b = 2}", "t.tf:1: Missing attribute separator"),
        ('a = "%{ if x }y"', "t.tf:1: template %{ if } directive has no matching %{ endif }"),
        ('a = "%{ endfor }"', "t.tf:1: template %{ endfor } directive without its opening"),
        ("a = <<EOT\n${oops(\nEOT\n", "t.tf:2: template sequence ${ is never closed with }"),
    ],
)
def test_syntax_errors_in_plain_words(text: str, message: str) -> None:
    with pytest.raises(LoadError) as caught:
        parse_hcl("t.tf", text)
    assert message in str(caught.value)


def test_errors_inside_embedded_expressions_point_at_their_line() -> None:
    with pytest.raises(LoadError) as caught:
        parse_hcl("t.tf", "a = 1\nb = <<EOT\nline\n${1 +}\nEOT\n")
    assert caught.value.line == 4


def test_multiline_binary_expression_and_heredoc_are_not_missing_newlines() -> None:
    parsed = parse_hcl("t.tf", "a = 24 *\n  365\nb = <<EOT\nx\nEOT\nc = {\n  d = 1 + 2\n  e = 3\n}\n")
    assert sorted(parsed.body.attributes) == ["a", "b", "c"]


# --------------------------------------------------------------------------- JSON syntax and tfvars


def test_tf_json_blocks_templates_and_lines() -> None:
    path = FIXTURES / "module" / "main.tf.json"
    parsed = parse_hcl_json(str(path), path.read_text())
    assert parsed.syntax == "json"
    role = parsed.body.blocks[0]
    assert (role.type, role.labels, role.line) == ("resource", ("kubernetes_role", "json_role"), 5)
    name = role.body.blocks_of("metadata")[0].body.attributes["name"]
    assert name.line == 7
    assert isinstance(name.expr, Template) and source_text(name.expr) == '"json-${var.suffix}"'
    rules = role.body.blocks_of("rule")
    assert [r.line for r in rules] == [11, 12]
    assert source_text(rules[1].body.attributes["verbs"].expr) == '["list"]'
    depends = role.body.attributes["depends_on"].expr
    assert isinstance(depends, TupleExpr) and isinstance(depends.items[0], Reference)
    variable = next(b for b in parsed.body.blocks if b.type == "variable")
    assert variable.labels == ("suffix",)
    assert isinstance(variable.body.attributes["type"].expr, Reference)  # expression mode
    local = next(b for b in parsed.body.blocks if b.type == "locals")
    assert local.body.attributes["count"].expr == Literal(3, 22)
    assert local.body.attributes["escaped"].expr == Literal("${not_interpolated}", 23)


def test_tf_json_errors_have_line_and_column() -> None:
    with pytest.raises(LoadError) as caught:
        parse_hcl_json("x.tf.json", '{\n  "locals": {\n    "a": 1,\n  }\n}')
    assert caught.value.line == 4
    assert "invalid JSON: column 3: expected a property name" in str(caught.value)
    with pytest.raises(LoadError, match="must hold a JSON object"):
        parse_hcl_json("x.tf.json", "[]")


def test_tfvars_attributes_only() -> None:
    path = FIXTURES / "module" / "terraform.tfvars"
    parsed = parse_tfvars(str(path), path.read_text())
    assert sorted(parsed.body.attributes) == ["extra_labels", "namespace"]
    assert parsed.body.attributes["namespace"].expr == Literal("apps", 1)
    with pytest.raises(LoadError, match='unexpected block "locals"') as caught:
        parse_tfvars("x.tfvars", "a = 1\nlocals {\n}\n")
    assert caught.value.line == 2
    as_json = parse_tfvars("x.tfvars.json", '{"a": "${not_a_template}", "b": [1, 2.5]}')
    assert as_json.body.attributes["a"].expr == Literal("${not_a_template}", 1)


def test_parse_file_chooses_by_name() -> None:
    assert parse_file("a.tf.json", '{"locals": {"a": 1}}').syntax == "json"
    assert parse_file("a.tfvars", "a = 1").syntax == "hcl"
    assert parse_file("a.tf", "a = 1").body.attributes["a"].expr == Literal(1, 1)


def test_crlf_and_bom() -> None:
    parsed = parse_hcl("w.tf", '\ufefflocals {\r\n  a = "x"\r\n  b = <<EOT\r\nline\r\nEOT\r\n}\r\n')
    attrs = parsed.body.blocks[0].body.attributes
    assert attrs["a"].expr == Literal("x", 2)
    assert attrs["a"].line == 2


# --------------------------------------------------------------------------- the cache


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("PFPERMS_CACHE_DIR", str(directory))
    return directory


def test_cache_dir_honours_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PFPERMS_CACHE_DIR", str(tmp_path / "x"))
    assert cache_dir() == tmp_path / "x"
    monkeypatch.delenv("PFPERMS_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "pytest-pfperms"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir() == Path.home() / ".cache" / "pytest-pfperms"


def test_cache_key_depends_on_content_and_syntax_not_path() -> None:
    assert cache_key("a.tf", "x = 1") == cache_key("b/c.tf", "x = 1")
    assert cache_key("a.tf", "x = 1") != cache_key("a.tf", "x = 2")
    assert cache_key("a.tf", "x = 1") != cache_key("a.tfvars", "x = 1")


def test_cached_parse_reuses_entries(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = RBAC.read_text()
    first = cached_parse("one/rbac.tf", text)
    entries = list((cache / "ast").iterdir())
    assert [e.suffix for e in entries] == [".entry"]

    def boom(path: str, text: str) -> HclFile:
        raise AssertionError("should have come from the cache")

    monkeypatch.setattr(hcl_cache, "parse_file", boom)
    again = cached_parse("one/rbac.tf", text)
    assert again == first
    elsewhere = cached_parse("two/rbac.tf", text)  # same content, other path
    assert elsewhere.path == "two/rbac.tf" and elsewhere.body == first.body


def test_corrupt_entries_are_ignored_and_rewritten(cache: Path) -> None:
    cached_parse("a.tf", "a = 1\n")
    (entry,) = (cache / "ast").iterdir()
    good = entry.read_bytes()
    entry.write_bytes(b"not an entry")
    hcl_cache.forget_parsed()  # a later process: this one keeps what it parsed in memory
    assert cached_parse("a.tf", "a = 1\n").body.attributes["a"].expr == Literal(1, 1)
    assert entry.read_bytes() == good  # rewritten
    entry.write_bytes(good[:-3] + b"999")  # same header and MAC, other payload
    hcl_cache.forget_parsed()
    assert cached_parse("a.tf", "a = 1\n").body.attributes["a"].expr == Literal(1, 1)
    assert entry.read_bytes() == good


def test_a_process_parses_the_same_content_once(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hcl_cache.forget_parsed()
    calls: list[str] = []
    real = hcl_cache.parse_file

    def counting(path: str, text: str) -> HclFile:
        calls.append(path)
        return real(path, text)

    monkeypatch.setattr(hcl_cache, "parse_file", counting)
    first = cached_parse("m/a.tf", "a = 1\n")
    second = cached_parse("other/b.tf", "a = 1\n")
    assert calls == ["m/a.tf"] and second.path == "other/b.tf" and second.body == first.body
    monkeypatch.setattr(hcl_cache, "_read", lambda *_args: pytest.fail("read the store again"))
    assert cached_parse("m/a.tf", "a = 1\n") is first
    assert len(list((cache / "ast").iterdir())) == 1


def test_unwritable_cache_never_fails_a_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    monkeypatch.setenv("PFPERMS_CACHE_DIR", str(blocker))
    assert cached_parse("a.tf", "a = 1\n").body.attributes["a"].line == 1
    readonly = tmp_path / "ro"
    (readonly / "ast").mkdir(parents=True)
    os.chmod(readonly / "ast", 0o500)
    try:
        store = CacheStore(readonly, b"0" * 64)
        assert cached_parse("a.tf", "b = 2\n", store=store).body.attributes["b"].line == 1
    finally:
        os.chmod(readonly / "ast", 0o700)


def test_syntax_errors_are_not_cached(cache: Path) -> None:
    with pytest.raises(LoadError):
        cached_parse("bad.tf", "a = \n")
    assert not (cache / "ast").exists() or not list((cache / "ast").iterdir())


def test_concurrent_writers_leave_one_complete_entry(cache: Path) -> None:
    text = RBAC.read_text()
    results: list[HclFile] = []

    def work() -> None:
        results.append(cached_parse("rbac.tf", text))

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 6 and all(result == results[0] for result in results)
    files = list((cache / "ast").iterdir())
    assert len(files) == 1 and files[0].suffix == ".entry"


def test_load_file_reads_through_the_cache(cache: Path, tmp_path: Path) -> None:
    path = tmp_path / "x.tf"
    path.write_text("a = 1\n")
    assert load_file(path).path == str(path)
    with pytest.raises(LoadError, match="cannot read the file"):
        load_file(tmp_path / "missing.tf")
    latin = tmp_path / "latin.tf"
    latin.write_bytes(b'a = 1\nb = "\xe9"\n')
    with pytest.raises(LoadError, match="not valid UTF-8") as caught:
        load_file(latin)
    assert caught.value.line == 2


def test_parser_module_exports() -> None:
    assert set(hcl_parse.__all__) == {
        "parse_expression",
        "paused_gc",
        "reference_parse_expression",
        "reference_parse_hcl",
        "parse_file",
        "parse_hcl",
        "parse_hcl_json",
        "parse_template",
        "parse_tfvars",
    }


def test_tf_json_dynamic_blocks_and_lifecycle() -> None:
    parsed = parse_hcl_json(
        "x.tf.json",
        '{"resource": {"kubernetes_role": {"r": {\n'
        '  "dynamic": {"rule": {"for_each": "${local.rules}",'
        ' "content": {"verbs": "${rule.value.verbs}"}}},\n'
        '  "rule": {"verbs": ["get"]},\n'
        '  "lifecycle": {"ignore_changes": ["metadata"]}\n'
        "}}}}",
    )
    role = parsed.body.blocks[0]
    dynamic = role.body.blocks_of("dynamic")[0]
    assert (dynamic.labels, dynamic.line) == (("rule",), 2)
    content = dynamic.body.blocks_of("content")[0]
    assert source_text(content.body.attributes["verbs"].expr) == '"${rule.value.verbs}"'
    assert [source_text(b.body.attributes["verbs"].expr) for b in role.body.blocks_of("rule")] == ['["get"]']
    lifecycle = role.body.blocks_of("lifecycle")[0]
    ignore = lifecycle.body.attributes["ignore_changes"].expr
    assert isinstance(ignore, TupleExpr) and isinstance(ignore.items[0], Reference)


def test_nodes_compare_and_hash_by_value() -> None:
    first = parse_hcl("a.tf", 'x "y" {\n  a = [1, "b"]\n}\n').body.blocks[0]
    second = parse_hcl("b.tf", 'x "y" {\n  a = [1, "b"]\n}\n').body.blocks[0]
    assert first == second and hash(first) == hash(second)
    assert len({first, second}) == 1


def test_paused_gc_restores_the_collector() -> None:
    import gc

    assert gc.isenabled()
    with hcl_parse.paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
