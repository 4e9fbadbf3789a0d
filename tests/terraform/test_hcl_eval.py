"""Evaluating expressions: the scope protocol, Terraform semantics, symbols, errors, files."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pytest

from pytest_pfperms.errors import LoadError
from pytest_pfperms.sources.hcl.evaluation import (
    ChildScope,
    DictScope,
    Evaluator,
    GetAttr,
    GetIndex,
    TraversalStep,
    evaluate,
)
from pytest_pfperms.sources.hcl.evaluation_errors import (
    EvalError,
    FileAccessError,
    ScopeError,
    UndeclaredReference,
)
from pytest_pfperms.sources.hcl.file_sandbox import FileSandbox
from pytest_pfperms.sources.hcl.native_syntax import parse_expression, parse_hcl
from pytest_pfperms.sources.hcl.syntax_tree import Reference, references
from pytest_pfperms.sources.hcl.values import TfSet, Value, equals
from pytest_pfperms.values import Symbol, eq3

FIXTURES = Path(__file__).parent / "hcl_fixtures"

NAME = Symbol("var.name", reason="no value was given", source="vars.tf:3", hint="pass variables=")
HEX_A = Symbol("random_id.a.hex", pattern="[0-9a-f]{16}", distinct_group="random_id")
HEX_B = Symbol("random_id.b.hex", pattern="[0-9a-f]{16}", distinct_group="random_id")
SA = Symbol("module.app.service_account_name")


def scope(**extra: Value) -> DictScope:
    values: dict[str, Value] = {
        "var": {
            "name": NAME,
            "ns": "apps",
            "list": ["a", "b", NAME],
            "m": {"b": 1, "a": 2},
            "enabled": True,
            "nothing": None,
            "objs": [{"n": "x"}, {"n": "y"}],
        },
        "random_id": {"a": {"hex": HEX_A}, "b": {"hex": HEX_B}},
        "module": {"app": {"service_account_name": SA}},
        "local": {"prefix": "pf"},
    }
    values.update(extra)
    return DictScope(values)


def ev(text: str, **extra: Value) -> Value:
    return evaluate(parse_expression(text, "main.tf", 12), scope(**extra), path="main.tf")


def err(text: str, **extra: Value) -> LoadError:
    with pytest.raises(LoadError) as caught:
        ev(text, **extra)
    return caught.value


# --------------------------------------------------------------------------- the scope protocol


class Recorder:
    """A scope that records what it is asked and resolves module outputs itself."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[TraversalStep, ...]]] = []

    def resolve(self, root: str, steps: tuple[TraversalStep, ...], node: Reference) -> tuple[Value, int]:
        self.calls.append((root, steps))
        if root == "each":
            return {"key": "amd64", "value": 1}, 0
        if root == "module":
            assert isinstance(steps[0], GetAttr) and isinstance(steps[1], GetIndex)
            key = steps[1].key
            return Symbol(f'module.{steps[0].name}["{key}"].{steps[2]}'), 3
        if root == "var":
            return {"x": {"y": [10, 20]}}, 0
        raise ScopeError(f'Reference to undeclared resource "{root}"')


def test_scope_gets_evaluated_steps_and_may_consume_them() -> None:
    recorder = Recorder()
    value = evaluate(
        parse_expression("module.buildkit[each.key].service_account_name"), recorder, path="m.tf"
    )
    assert recorder.calls[0] == ("each", (GetAttr("key"),))
    root, steps = recorder.calls[1]
    assert root == "module" and steps[0] == GetAttr("buildkit") and steps[1].key == "amd64"  # type: ignore[union-attr]
    assert isinstance(value, Symbol)
    # the evaluator applies the steps the scope left over
    assert evaluate(parse_expression("var.x.y[1]"), recorder) == 20


def test_scope_errors_become_load_errors_with_file_and_line() -> None:
    with pytest.raises(UndeclaredReference) as caught:
        evaluate(parse_expression("aws_iam_role.x.arn", "main.tf", 7), Recorder(), path="main.tf")
    assert str(caught.value) == 'main.tf:7: Reference to undeclared resource "aws_iam_role"'


def test_child_scope_binds_names_over_a_parent() -> None:
    inner = ChildScope(scope(), {"rule": {"key": "pods", "value": {"verbs": ["get"]}}})
    assert evaluate(parse_expression("rule.value.verbs"), inner) == ["get"]
    assert evaluate(parse_expression("var.ns"), inner) == "apps"
    with pytest.raises(UndeclaredReference, match='unknown name "nope"'):
        evaluate(parse_expression("nope.x"), inner)


# --------------------------------------------------------------------------- Terraform semantics


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 + 2", 3),
        ("0.1 + 0.2", 0.3),
        ("0.10 * 1.5", 0.15),
        ("10 / 4", 2.5),
        ("10 / 2", 5),
        ("-7 % 3", -1),
        ("7 % 0", 7),
        ('"3" + 1', 4),
        ("1 == 1.0", True),
        ('1 == "1"', False),
        ("[1, 2] == [1, 2]", True),
        ("{a = 1} == {a = 1}", True),
        ("null == null", True),
        ("!true || false", False),
        ('"true" && true', True),
        ('"${1.0}-${true}-${2.50}"', "1-true-2.5"),
        ('"${var.list}"', ["a", "b", NAME]),
        ('true ? 1 : "a"', "1"),
        ("var.enabled ? var.ns : null", "apps"),
        ("var.objs[*].n", ["x", "y"]),
        ("var.objs.*.n", ["x", "y"]),
        ("var.nothing[*]", []),
        ("var.ns[*]", ["apps"]),
        ("var.list[0]", "a"),
        ('var.m["a"]', 2),
        ("var.m.a", 2),
        ('[for k, v in var.m : "${k}=${v}"]', ["a=2", "b=1"]),
        ('[for i, v in ["x", "y"] : i]', [0, 1]),
        ('[for v in toset(["b", "a"]) : v]', ["a", "b"]),
        ("{for k, v in var.m : v => k}", {"1": "b", "2": "a"}),
        ('{for s in ["a", "bb", "cc"] : length(s) => s...}', {"1": ["a"], "2": ["bb", "cc"]}),
        ("[for x in [1, 2, 3] : x * 2 if x != 2]", [2, 6]),
        ('"%{ for x in ["a", "b"] }${x},%{ endfor }"', "a,b,"),
        ('"%{ if var.enabled }on%{ else }off%{ endif }"', "on"),
        ("{b = 1, a = 2}", {"a": 2, "b": 1}),
        ('{(var.ns) = 1, "x.y" = 2}', {"apps": 1, "x.y": 2}),
        ("concat([[1], [2, 3]]...)", [1, 2, 3]),
        ('"${var.nothing}"', None),
        ("min([3, 1]...)", 1),
    ],
)
def test_terraform_semantics(text: str, value: Value) -> None:
    assert ev(text) == value


def test_numbers_are_never_one_point_zero() -> None:
    assert ev("1.0") == 1 and isinstance(ev("1.0"), int)
    assert ev('"${4 / 2}"') == 2  # a lone interpolation is the value itself
    assert ev('"${4 / 2}x"') == "2x"
    assert ev('"${1e3} ${0.5e1}"') == "1000 5"


def test_object_keys_are_sorted_like_terraform() -> None:
    assert list(ev("{z = 1, a = 2, m = 3}")) == ["a", "m", "z"]  # type: ignore[arg-type]


def test_logical_operators_do_not_fail_on_the_unneeded_side() -> None:
    assert ev("var.nothing != null && var.nothing.x == 1") is False
    assert ev("var.nothing == null || var.nothing.x == 1") is True


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "var.list[5]",
            "Invalid index: The given key does not identify an element in this collection value: the given index is greater than or equal to the length of the collection.",
        ),
        ("var.list[-1]", "the given key must be a non-negative whole number"),
        ('var.m["zz"]', 'no key "zz"'),
        ("var.m.zz", 'Unsupported attribute: This object does not have an attribute named "zz".'),
        ("var.nothing.x", "Attempt to get attribute from null value"),
        ("var.nothing[0]", "Attempt to index null value"),
        ('toset(["a"])[0]', "Elements of a set are identified only by their value"),
        ("var.objs.n", "Can't access attributes on a list of objects"),
        ("var.ns.x", "Can't access attributes on a primitive-typed value (string)"),
        ("[for x in var.nothing : x]", "Iteration over null value"),
        ("[for x in 3 : x]", "Iteration over non-iterable value"),
        ('{for x in ["a", "a"] : x => 1}', 'Duplicate object key: Two different items produced the key "a"'),
        ('"x${var.nothing}"', "Invalid template interpolation value: The expression result is null."),
        (
            '"x${var.objs}"',
            "Cannot include the given value in a string template: string required, but have tuple.",
        ),
        ("var.nothing ? 1 : 2", "Null condition"),
        ('"x" ? 1 : 2', "Incorrect condition type"),
        ('1 + "a"', "Invalid operand: Unsuitable value for right operand: a number is required."),
        ("1 + null", "Unsuitable value for right operand: argument must not be null."),
        ("!3", "Invalid operand"),
        ("0 / 0", "can't divide zero by zero"),
        ("concat(1...)", "Invalid expanding argument value"),
    ],
)
def test_errors_name_file_line_and_say_what_terraform_says(text: str, message: str) -> None:
    error = err(text)
    assert isinstance(error, EvalError)
    assert str(error).startswith("main.tf:12: ")
    assert message in str(error)


# --------------------------------------------------------------------------- symbols


def test_symbols_pass_through_and_keep_known_structure() -> None:
    assert ev("var.name") is NAME
    assert ev("length(var.list)") == 3
    assert ev("concat(var.list, [var.ns])") == ["a", "b", NAME, "apps"]
    assert ev("merge({n = var.name}, {a = 1})") == {"a": 1, "n": NAME}
    assert ev("module.app.service_account_name") is SA
    assert ev('contains(var.list, "a")') is True


def test_operations_on_symbols_are_symbols_named_after_the_expression() -> None:
    upper = ev("upper(var.name)")
    assert isinstance(upper, Symbol)
    assert upper.key == "upper(var.name)"
    assert upper.expression == "upper(var.name)"
    assert upper.source == "main.tf:12"
    assert "var.name (no value was given, at vars.tf:3)" in upper.reason
    assert upper.hint == "pass variables="
    assert "main.tf:12" in upper.describe()
    attribute = ev("var.name.x")
    assert isinstance(attribute, Symbol) and attribute.key == "var.name.x"
    assert ev("var.name[0]") == Symbol("var.name[0]")
    assert ev("var.name[*].x") == Symbol("var.name[*].x")
    assert ev("var.name + 1") == Symbol("(var.name + 1)")


def test_template_symbols_have_stable_keys_and_patterns() -> None:
    first = ev('"${var.name}-sa"')
    second = evaluate(parse_expression('"${var.name}-sa"', "other.tf", 40), scope(), path="other.tf")
    assert isinstance(first, Symbol) and first == second
    assert first.key == '"${var.name}-sa"'
    assert first.could_be("anything-sa") and not first.could_be("sa-x")
    assert eq3(first, "y") is False
    # the same string built differently is the same symbol
    assert ev('"${var.name}${"-sa"}"') == first
    assert ev('join("-", [var.name, "sa"])') == first
    assert ev('format("%s-sa", var.name)') == first
    # nested templates flatten
    nested = ev('"${"${var.name}-sa"}-x"')
    assert isinstance(nested, Symbol) and nested.key == '"${var.name}-sa-x"'
    # known parts are substituted
    assert ev('"${local.prefix}-${var.name}"') == Symbol('"pf-${var.name}"')


def test_literal_parts_rule_out_literal_values() -> None:
    pattern = ev('"x-${var.name}"')
    assert isinstance(pattern, Symbol)
    assert ev('"x-${var.name}" == "y"') is False
    assert isinstance(ev('"x-${var.name}" == "x-y"'), Symbol)
    hexed = ev('"pf-${random_id.a.hex}"')
    assert isinstance(hexed, Symbol)
    assert not hexed.could_be("pf-ZZZ")
    assert hexed.could_be("pf-0123456789abcdef")


def test_distinct_groups_carry_through_templates() -> None:
    a = ev('"${var.name}-${random_id.a.hex}"')
    b = ev('"${var.name}-${random_id.b.hex}"')
    assert isinstance(a, Symbol) and isinstance(b, Symbol)
    assert eq3(a, b) is False
    assert equals(a, b) is False
    other_prefix = ev('"${var.ns}-${random_id.b.hex}"')
    assert isinstance(other_prefix, Symbol)
    assert eq3(a, other_prefix) is None  # "apps" might equal var.name


def test_unknown_conditions() -> None:
    assert ev('var.name == "x" ? "same" : "same"') == "same"
    chosen = ev('var.name == "x" ? "a" : "b"')
    assert isinstance(chosen, Symbol)
    assert chosen.could_be("a") and chosen.could_be("b") and not chosen.could_be("c")
    assert ev('(var.name == "x" ? "a" : "b") == "c"') is False
    assert ev('var.name == "x" && false') is False
    assert ev('var.name == "x" || true') is True
    assert isinstance(ev('var.name == "x" && true'), Symbol)
    assert isinstance(ev('var.name == "x" ? var.nothing.x : 1'), Symbol)  # failing branch: unknown
    template = ev('"%{ if var.name == "x" }a%{ else }b%{ endif }-z"')
    assert isinstance(template, Symbol) and template.could_be("a-z") and not template.could_be("c-z")


def test_for_over_a_symbol_is_a_symbol_keyed_by_its_inputs() -> None:
    unknown = ev('[for x in var.name : "${local.prefix}-${x}"]')
    assert isinstance(unknown, Symbol)
    assert 'local.prefix = "pf"' in unknown.key and "var.name = var.name" in unknown.key
    differently = evaluate(
        parse_expression('[for x in var.name : "${local.prefix}-${x}"]'),
        scope(local={"prefix": "other"}),
    )
    assert differently != unknown
    filtered = ev('[for x in var.list : x if x != "b"]')
    assert isinstance(filtered, Symbol)


def test_try_and_can_are_lazy() -> None:
    assert ev('try(var.m.zz, "default")') == "default"
    assert ev("try(var.m.a, 0)") == 2
    assert ev("can(var.m.zz)") is False
    assert ev("can(var.m.a)") is True
    assert ev("try(module.app.service_account_name, null)") is SA  # passes through
    maybe = ev('try(var.name.field, "d")')
    assert isinstance(maybe, Symbol) and maybe.key.startswith("try(")
    assert isinstance(ev("can(var.name.field)"), Symbol)
    assert ev('try(element([], 0), "e")') == "e"
    with pytest.raises(UndeclaredReference):
        evaluate(parse_expression("try(nope.x, 1)"), scope())
    with pytest.raises(EvalError, match="no expression succeeded"):
        ev("try(var.m.zz, var.m.yy)")


def test_unsupported_functions_yield_symbols_not_errors() -> None:
    value = ev('provider::pf::cidr_contains("10.0.0.0/8", var.ns)')
    assert isinstance(value, Symbol)
    assert value.key == 'provider::pf::cidr_contains("10.0.0.0/8", "apps")'
    assert value.reason == "function provider::pf::cidr_contains() is not supported by pytest-pfperms"
    assert value.source == "main.tf:12"
    assert ev('length([provider::pf::x(), "a"])') == 2  # only what depends on it is unknown


def test_evaluator_is_reusable_and_counts_hazards() -> None:
    evaluator = Evaluator("main.tf")
    assert evaluator.evaluate(parse_expression("1 + 1"), scope()) == 2
    evaluator.evaluate(parse_expression("upper(var.name)"), scope())
    assert evaluator.hazards == 1


# --------------------------------------------------------------------------- files


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    module = root / "modules" / "x"
    module.mkdir(parents=True)
    (module / "resources.txt").write_text("pods\nsecrets\n")
    (module / "policy.tftpl").write_text((FIXTURES / "module" / "policy.hcl.tftpl").read_text())
    (module / "sub").mkdir()
    (module / "sub" / "a.yaml").write_text("a: 1\n")
    (module / "sub" / "b.json").write_text("{}")
    (tmp_path / "secret.txt").write_text("top secret")
    os.symlink(tmp_path / "secret.txt", module / "link.txt")
    return root


def run(text: str, repo: Path, **extra: Value) -> Value:
    files = FileSandbox(repo, repo)
    module_scope = scope(path={"module": "modules/x", "root": "."}, **extra)
    return evaluate(
        parse_expression(text, "modules/x/main.tf", 3), module_scope, path="modules/x/main.tf", files=files
    )


def test_file_functions_read_inside_the_repository(repo: Path) -> None:
    assert run('file("${path.module}/resources.txt")', repo) == "pods\nsecrets\n"
    assert run('compact(split("\\n", file("${path.module}/resources.txt")))', repo) == ["pods", "secrets"]
    assert run('fileexists("${path.module}/resources.txt")', repo) is True
    assert run('fileexists("${path.module}/missing.txt")', repo) is False
    assert run('fileset(path.module, "sub/*.{yaml,json}")', repo) == TfSet(["sub/a.yaml", "sub/b.json"])
    assert run('fileset(path.module, "**/*.yaml")', repo) == TfSet(["sub/a.yaml"])
    assert run('filemd5("${path.module}/sub/b.json")', repo) == "99914b932bd37a50b983c5e7c90ae93b"
    with pytest.raises(EvalError, match='Call to function "file" failed: no file exists at'):
        run('file("${path.module}/missing.txt")', repo)


@pytest.mark.parametrize(
    "path",
    [
        "../../../secret.txt",
        "${path.module}/../../../secret.txt",
        "/etc/passwd",
        "~/x",
        "${path.module}/link.txt",
    ],
)
def test_file_sandbox_refuses_paths_outside_the_repository(repo: Path, path: str) -> None:
    with pytest.raises(FileAccessError, match="outside the repository") as caught:
        run(f'file("{path}")', repo)
    assert caught.value.file == "modules/x/main.tf" and caught.value.line == 3
    with pytest.raises(FileAccessError):  # try() does not hide it
        run(f'try(file("{path}"), "")', repo)


def test_fileset_skips_symlinks_that_leave_the_repository(repo: Path) -> None:
    assert "link.txt" not in run('fileset(path.module, "*")', repo)  # type: ignore[operator]


def test_templatefile_renders_with_its_variables(repo: Path) -> None:
    rendered = run(
        'templatefile("${path.module}/policy.tftpl", {paths = ["a/*", "b"], caps = ["read"]})', repo
    )
    assert (
        rendered == 'path "a/*" {\n  capabilities = ["read"]\n}\npath "b" {\n  capabilities = ["read"]\n}\n'
    )
    symbolic = run('templatefile("${path.module}/policy.tftpl", {paths = [var.name], caps = []})', repo)
    assert isinstance(symbolic, Symbol) and symbolic.could_be('path "x" {\n  capabilities = []\n}\n')
    with pytest.raises(EvalError, match='vars map does not contain key "caps"') as caught:
        run('templatefile("${path.module}/policy.tftpl", {paths = ["a"]})', repo)
    assert caught.value.file.endswith("policy.tftpl") and caught.value.line == 3


def test_without_a_sandbox_file_functions_are_unknown() -> None:
    value = ev('file("x.txt")')
    assert isinstance(value, Symbol)
    assert "repository root" in value.reason


# --------------------------------------------------------------------------- a Panfactum-style module


class ModuleScope:
    """Just enough of a module graph to evaluate the fixture: locals on demand."""

    def __init__(self, variables: Mapping[str, Value], locals_: Mapping[str, object]) -> None:
        self.variables = dict(variables)
        self.locals_exprs = locals_
        self.locals: dict[str, Value] = {}
        self.evaluator = Evaluator(str(FIXTURES / "module" / "rbac.tf"))

    def resolve(self, root: str, steps: tuple[TraversalStep, ...], node: Reference) -> tuple[Value, int]:
        if root == "var":
            return self.variables, 0
        if root == "local":
            name = steps[0].name  # type: ignore[union-attr]
            if name not in self.locals:
                self.locals[name] = self.evaluator.evaluate(self.locals_exprs[name], self)  # type: ignore[arg-type]
            return self.locals[name], 1
        if root == "module":
            return Symbol(f"module.{steps[0].name}.{steps[1].name}"), 2  # type: ignore[union-attr]
        raise ScopeError(f'Reference to undeclared "{root}"')


def test_panfactum_style_role_with_dynamic_rules() -> None:
    parsed = parse_hcl(str(FIXTURES / "module" / "rbac.tf"), (FIXTURES / "module" / "rbac.tf").read_text())
    locals_block = next(b for b in parsed.body.blocks if b.type == "locals")
    module_scope = ModuleScope(
        {"namespace": "apps", "extra_labels": {"team": "platform"}, "enabled": True},
        {name: attr.expr for name, attr in locals_block.body.attributes.items()},
    )
    evaluator = module_scope.evaluator
    role = next(b for b in parsed.body.blocks if b.labels == ("kubernetes_role", "example"))
    metadata = role.body.blocks_of("metadata")[0].body.attributes
    assert evaluator.evaluate(metadata["name"].expr, module_scope) == "example-pvc"
    assert evaluator.evaluate(metadata["labels"].expr, module_scope) == {
        "panfactum.com/module": "example",
        "team": "platform",
    }
    dynamic = role.body.blocks_of("dynamic")[0]
    rules = evaluator.evaluate(dynamic.body.attributes["for_each"].expr, module_scope)
    assert isinstance(rules, dict) and list(rules) == ["pods", "pvcs"]
    content = dynamic.body.blocks_of("content")[0].body
    verbs = [
        evaluator.evaluate(
            content.attributes["verbs"].expr,
            ChildScope(module_scope, {"rule": {"key": key, "value": value}}),
        )
        for key, value in rules.items()
    ]
    assert verbs == [["get", "list"], ["get", "list", "update"]]
    binding = next(b for b in parsed.body.blocks if b.labels == ("kubernetes_role_binding", "example"))
    subject = binding.body.blocks_of("subject")[0].body.attributes
    assert evaluator.evaluate(subject["name"].expr, module_scope) == Symbol(
        "module.example_deployment.service_account_name"
    )
    assert [source_ref.root for source_ref in references(subject["name"].expr)] == ["module"]
    manifest = next(b for b in parsed.body.blocks if b.labels == ("kubectl_manifest", "config"))
    body = evaluator.evaluate(manifest.body.attributes["yaml_body"].expr, module_scope)
    assert body == (
        '"apiVersion": "v1"\n'
        '"data":\n'
        '  "policy.hcl": |\n'
        '    path "secret/apps/*" {\n'
        '      capabilities = ["read"]\n'
        "    }\n"
        '"kind": "ConfigMap"\n'
        '"metadata":\n'
        '  "name": "example-config"\n'
        '  "namespace": "apps"\n'
    )
    count = evaluator.evaluate(manifest.body.attributes["count"].expr, module_scope)
    assert count == 1
