"""Fuzzing the Terraform loaders: ``.tf`` (native syntax), ``.tf.json``, ``terraform.tfvars`` and
``*.auto.tfvars``, with mutated valid roots (``terraform_seeds.py``: RBAC, IRSA with
``aws_iam_policy_document`` or ``jsonencode``, Vault policies and auth roles, variables,
``count``, ``for_each``, a Deployment).

Each root loads into a model that then answers RBAC, AWS and Vault questions, or fails with
a LoadError whose problems name the file and line. See ``fuzzing.py``.
"""

from __future__ import annotations

from typing import Any

from fuzzing import HCL_SPECIALS, SPECIALS, check_load, finish, fuzz_settings, mutated, text_mutated, to_json
from hypothesis import given
from hypothesis import strategies as st
from terraform_seeds import attributes_to_hcl, block, documents, to_hcl, to_json_syntax

TERRAFORM_SPECIALS = (*SPECIALS, *HCL_SPECIALS)


def _hcl(tree: Any) -> str:
    return finish(to_hcl(tree), colon=" =")


@st.composite
def hcl_roots(draw: st.DrawFn) -> dict[str, str]:
    """A mutated ``main.tf`` (sometimes split over two files)."""
    tree = draw(mutated(draw(documents()), TERRAFORM_SPECIALS))
    if draw(st.booleans()) and isinstance(tree, list) and len(tree) > 1:
        half = len(tree) // 2
        return {"main.tf": draw(text_mutated(_hcl(tree[:half]))), "more.tf": draw(text_mutated(_hcl(tree[half:])))}
    return {"main.tf": draw(text_mutated(_hcl(tree)))}


@st.composite
def json_roots(draw: st.DrawFn) -> dict[str, str]:
    """A mutated ``main.tf.json`` (mutated as the JSON tree, then as text)."""
    tree = draw(mutated(to_json_syntax(draw(documents())), TERRAFORM_SPECIALS))
    return {"main.tf.json": draw(text_mutated(finish(to_json(tree))))}


VARIABLES = {
    "namespace": ("string", "apps"),
    "names": ("list(string)", ["a", "b"]),
    "labels": ("map(string)", {"team": "web"}),
    "replicas": ("number", 2),
    "settings": ("object({ enabled = bool, verbs = list(string) })", {"enabled": True, "verbs": ["get"]}),
}


def _variables_root() -> list[dict[str, Any]]:
    from fuzzing import Expr

    found = [block("variable", name, type=Expr(kind)) for name, (kind, _) in VARIABLES.items()]
    found += [
        block("resource", "kubernetes_role", "web", count=Expr("var.settings.enabled ? var.replicas : 0"),
              metadata=[{"name": Expr('"web-${count.index}"'), "namespace": Expr("var.namespace"),
                         "labels": Expr("var.labels")}],
              rule=[{"api_groups": [""], "resources": ["pods"], "verbs": Expr("var.settings.verbs")}]),
        block("resource", "kubernetes_service_account", "each", for_each=Expr("toset(var.names)"),
              metadata=[{"name": Expr("each.value"), "namespace": Expr("var.namespace")}]),
    ]
    return found


@st.composite
def tfvars_roots(draw: st.DrawFn) -> dict[str, str]:
    """A valid root whose variables come from a mutated ``terraform.tfvars`` (and sometimes a
    mutated ``x.auto.tfvars`` overriding some of them)."""
    values = {name: value for name, (_, value) in VARIABLES.items()}
    files = {"main.tf": to_hcl(_variables_root()),
             "terraform.tfvars": draw(text_mutated(_hcl_attributes(draw(mutated(values, TERRAFORM_SPECIALS)))))}
    if draw(st.booleans()):
        subset = {key: values[key] for key in draw(st.sets(st.sampled_from(sorted(values)), min_size=1))}
        files["x.auto.tfvars"] = draw(text_mutated(_hcl_attributes(draw(mutated(subset, TERRAFORM_SPECIALS)))))
    return files


def _hcl_attributes(tree: Any) -> str:
    return finish(attributes_to_hcl(tree), colon=" =")


@fuzz_settings(30)
@given(hcl_roots())
def test_fuzzed_terraform_roots_load_or_fail_naming_file_and_line(files: dict[str, str]) -> None:
    check_load(files)


@fuzz_settings(30)
@given(json_roots())
def test_fuzzed_terraform_json_roots_load_or_fail_naming_file_and_line(files: dict[str, str]) -> None:
    check_load(files)


@fuzz_settings(30)
@given(tfvars_roots())
def test_fuzzed_tfvars_load_or_fail_naming_file_and_line(files: dict[str, str]) -> None:
    check_load(files)
