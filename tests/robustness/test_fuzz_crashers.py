"""Every crasher the loader fuzzing (``test_fuzz_*.py``) found, minimised by hand and kept.

Each was an exception other than a PfpermsError (or a problem without its file or line);
each test pins the typed error (or the model) the input now gives.
"""

from __future__ import annotations

import pytest
from fuzzing import problems_of, written

import pytest_pfperms as pfperms
from pytest_pfperms import ServiceAccount
from pytest_pfperms.policies.reading import is_policy_file, read


def test_a_manifest_whose_kind_is_a_mapping_is_a_load_error_not_a_type_error() -> None:
    found = problems_of({"a.json": '{"apiVersion": "v1", "kind": {"x": "ServiceAccount"},\n'
                                   ' "metadata": {"name": "sa0", "namespace": "ns0"}}'})
    assert [(p.file.endswith("a.json"), p.line, p.field) for p in found] == [(True, 1, "kind")]
    assert "expected a string" in found[0].message


def _role(body: str) -> dict[str, str]:
    return {"main.tf": 'variable "x" {\n  default = 1\n}\n\nresource "kubernetes_role" "r" {\n' + body + "\n}\n"}


def test_a_kubernetes_resource_body_the_provider_refuses_is_a_load_error_naming_the_resource() -> None:
    cases = {'metadata = ["x"]': "metadata.0: expected a block",
             'metadata {\n  name = "r"\n  namespace = "a"\n}\nrule = [1]': "rule.0: expected a block",
             'metadata {\n  name = "r"\n  namespace = "a"\n  annotations = "x"\n}':
                 "metadata.0.annotations: expected a map of strings"}
    for body, message in cases.items():
        found = problems_of(_role(body))
        assert [(p.file.endswith("main.tf"), p.line) for p in found] == [(True, 5)], body
        assert found[0].message == f"kubernetes_role.r: kubernetes_role: {message}"


def test_a_tfvars_integer_of_5000_digits_is_refused_naming_the_tfvars_file_and_line() -> None:
    found = problems_of({"main.tf": 'variable "x" {}\n', "terraform.tfvars": f"x = 1\ny = {'9' * 5000}\n"})
    assert [(p.file.endswith("terraform.tfvars"), p.line) for p in found] == [(True, 2)]
    assert "4,300 digits" in found[0].message


def test_an_infinite_count_is_a_load_error_naming_the_resource_not_an_overflow() -> None:
    for count in ("pow(10, 400)", "-pow(10, 400)", "9" * 400):
        found = problems_of({"main.tf": f'resource "kubernetes_role" "r" {{\n  count = {count}\n}}\n'})
        assert [(p.file.endswith("main.tf"), p.line) for p in found] == [(True, 1)], count
        assert "count must be a whole number >= 0, got " in found[0].message or \
            "past pfperms' limit of 10,000 (instances)" in found[0].message


PLAN_HEAD = '{\n  "format_version": "1.2",\n  "planned_values": {\n    "root_module": {\n      "resources": [\n'
ROLE = ('        {"address": "kubernetes_role.r", "mode": "managed", "type": "kubernetes_role", "name": "r",\n'
        '         "values": {"metadata": [{"name": "r", "namespace": "a"}]}}')
PLAN_TAIL = "\n      ]\n    }\n  }%s\n}\n"


def test_a_pretty_printed_plan_naming_a_key_twice_is_refused_with_the_line_of_the_second() -> None:
    text = PLAN_HEAD + ROLE + PLAN_TAIL % ',\n  "planned_values": {}'
    found = problems_of({"plan.json": text})
    assert [(p.file.endswith("plan.json"), p.line) for p in found] == [(True, 11)]
    assert "'planned_values' is given twice" in found[0].message


def test_a_plan_resource_that_is_no_object_is_refused_with_the_line_of_its_list() -> None:
    found = problems_of({"plan.json": PLAN_HEAD + "        7" + PLAN_TAIL % ""})
    assert [(p.line, p.message) for p in found] == [(5, "expected a resource object, not a number")]


def test_plan_references_that_are_no_list_are_ignored_not_a_type_error() -> None:
    text = (PLAN_HEAD + ROLE + '\n      ]\n    }\n  },\n  "resource_changes": [{"address": "kubernetes_role.r", '
            '"mode": "managed", "type": "kubernetes_role", "name": "r", "change": {"actions": ["create"], '
            '"after": {"metadata": [{"namespace": "a"}]}, "after_unknown": {"metadata": [{"name": true}]}}}],\n'
            '  "configuration": {"root_module": {"resources": [{"address": "kubernetes_role.r", '
            '"expressions": {"metadata": [{"name": {"references": 1.5}}]}}]}}\n}\n')
    assert problems_of({"plan.json": text}) == []


def test_a_vault_role_whose_names_are_no_set_of_strings_is_a_load_error_naming_it() -> None:
    for names, shown in (('"reader"', "the string 'reader'"), ("5", "a number or a bool"),
                         ('[["x"]]', "a list holding a value that is no string")):
        text = ('resource "vault_kubernetes_auth_backend_role" "web" {\n  role_name = "web"\n'
                f'  bound_service_account_names = {names}\n  token_policies = ["web"]\n}}\n')
        with written({"main.tf": text}) as (root, _):
            model = pfperms.load(root, cache=False, repo_root=root)
            with pytest.raises(pfperms.LoadError) as raised:
                model.vault_can(ServiceAccount("apps", "reader"), "read", "x")
        assert raised.value.line == 1 and raised.value.file.endswith("main.tf")
        assert f"bound_service_account_names must be a set of strings, not {shown}" in str(raised.value)


def test_vault_role_names_that_are_numbers_or_bools_convert_as_terraform_converts_them() -> None:
    text = ('resource "vault_policy" "p" {\n  name = "7"\n  policy = "path \\"x\\" { capabilities = [\\"read\\"] }"\n}\n'
            'resource "vault_kubernetes_auth_backend_role" "web" {\n  role_name = "web"\n'
            '  bound_service_account_names = [true, 1]\n  bound_service_account_namespaces = ["*"]\n'
            '  token_policies = [7]\n}\n')
    with written({"main.tf": text}) as (root, _):
        model = pfperms.load(root, cache=False, repo_root=root)
        assert model.vault_can(ServiceAccount("apps", "true"), "read", "x").allowed is True
        assert model.vault_can(ServiceAccount("apps", "1"), "read", "x").allowed is True
        assert model.vault_can(ServiceAccount("apps", "t"), "read", "x").allowed is False


def test_a_vault_policy_string_with_a_broken_unicode_escape_is_a_syntax_error_not_a_value_error() -> None:
    for escape in ("\\u!", "\\U99999999", "\\x"):
        with pytest.raises(pfperms.LoadError, match=r"invalid escape sequence \\[uUx]"):
            pfperms.evaluate_vault(f'path "a{escape}" {{\n  capabilities = ["read"]\n}}\n', "read", "a")
    assert pfperms.evaluate_vault('path "a\\u0041" {\n  capabilities = ["read"]\n}\n', "read", "aA").allowed


def _policy_problem(text: str) -> tuple[int | None, str]:
    with written({"policies/p.yaml": text}) as (_, files):
        assert is_policy_file(files["policies/p.yaml"])
        with pytest.raises(pfperms.LoadError) as raised:
            read(files["policies/p.yaml"])
    assert raised.value.file.endswith("p.yaml")
    return raised.value.line, str(raised.value)


HEAD = "apiVersion: pfperms/v1\nkind: PolicySet\n"


def test_a_policy_file_too_deep_or_too_large_for_python_is_a_load_error_with_its_line() -> None:
    line, message = _policy_problem(HEAD + f"metadata:\n  name: {'[' * 3000}{']' * 3000}\npolicies: []\n")
    assert (line, "nested too deeply" in message) == (4, True)
    line, message = _policy_problem(HEAD + f"metadata:\n  name: {'9' * 5000}\npolicies: []\n")
    assert (line, "4,300 digits" in message) == (4, True)


def test_a_policy_file_with_a_nul_or_a_bad_binary_value_names_its_line() -> None:
    line, message = _policy_problem(HEAD + "metadata:\n  name: a\0b\npolicies: []\n")
    assert (line, "which YAML does not allow" in message) == (4, True)
    line, message = _policy_problem(HEAD + "metadata:\n  name: !!binary abc\npolicies: []\n")
    assert (line, "failed to decode base64" in message) == (4, True)


def test_a_policy_file_whose_policies_are_no_list_is_a_schema_problem_not_a_type_error() -> None:
    line, message = _policy_problem(HEAD + "metadata:\n  name: a\npolicies: -1\n")
    assert line == 5 and "policies" in message


@pytest.mark.parametrize("capabilities", ["true", '["read", null]'])
def test_a_vault_policy_document_rule_terraform_refuses_is_a_load_error_at_the_data_source(
        capabilities: str) -> None:
    # found by the long profile: `capabilities = true` was a TypeError while rendering, and a
    # null item a policy error naming the rendered text instead of main.tf
    found = problems_of({"main.tf": 'data "vault_policy_document" "team" {\n  rule {\n'
                                    '    path = "secret/data/team/shared"\n'
                                    f'    capabilities = {capabilities}\n  }}\n}}\n'
                                    'resource "vault_policy" "team" {\n  name = "team"\n'
                                    '  policy = data.vault_policy_document.team.hcl\n}\n'})
    assert [(p.file.endswith("main.tf"), p.line) for p in found] == [(True, 1)]
    assert "capabilities must be a set of strings" in found[0].message


def test_a_vault_role_the_server_refuses_names_its_file_and_line() -> None:
    text = ('\n\nresource "vault_kubernetes_auth_backend_role" "web" {\n  role_name = "web"\n'
            '  bound_service_account_names = []\n  bound_service_account_namespaces = ["apps"]\n}\n')
    with written({"main.tf": text}) as (root, _):
        model = pfperms.load(root, cache=False, repo_root=root)
        with pytest.raises(pfperms.LoadError) as raised:
            model.vault_can(ServiceAccount("apps", "reader"), "read", "x")
    assert raised.value.file.endswith("main.tf") and raised.value.line == 3
