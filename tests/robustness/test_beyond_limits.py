"""Input too deep or too large for Python to hold is a typed LoadError naming the file, never
a raw RecursionError, ValueError or OverflowError (issue: hostile repos crash the gate)."""

from __future__ import annotations

from pathlib import Path

import pytest

import pytest_pfperms as pfperms
from pytest_pfperms.errors import LoadError

HUGE = "9" * 5000  # past Python's 4,300-digit int conversion limit


def load_error(path: Path, **kwargs: object) -> str:
    with pytest.raises(LoadError) as caught:
        pfperms.load(path, cache=False, **kwargs)  # type: ignore[arg-type]
    return str(caught.value)


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_a_yaml_integer_of_5000_digits_is_refused_with_its_line(tmp_path: Path) -> None:
    write(tmp_path, "cm.yaml", f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
                               f"data:\n  n: {HUGE}\n")
    message = load_error(tmp_path)
    assert "cm.yaml:6" in message and "4,300 digits" in message


def test_a_json_integer_of_5000_digits_is_refused_naming_the_file(tmp_path: Path) -> None:
    write(tmp_path, "cm.json", '{"apiVersion": "v1", "kind": "ConfigMap", '
                               f'"metadata": {{"name": "x"}}, "data": {{"n": {HUGE}}}}}')
    message = load_error(tmp_path)
    assert "cm.json:1" in message and "4,300 digits" in message


def test_deeply_nested_yaml_is_refused_not_a_recursion_crash(tmp_path: Path) -> None:
    depth = 5000
    write(tmp_path, "deep.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: "
          + "[" * depth + "]" * depth + "\n")
    message = load_error(tmp_path)
    assert "deep.yaml:4" in message and ("nested too deeply" in message or "nesting depth" in message)


def test_a_nul_byte_in_a_manifest_is_refused_with_its_line(tmp_path: Path) -> None:
    write(tmp_path, "bin.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\0y\n")
    message = load_error(tmp_path)
    assert "bin.yaml:4" in message and "NUL byte" in message


def test_a_terraform_number_of_5000_digits_is_refused_naming_the_root(tmp_path: Path) -> None:
    write(tmp_path, "main.tf", f'locals {{\n  n = {HUGE}\n}}\n'
                               'resource "kubernetes_namespace_v1" "ns" {\n'
                               '  metadata { name = "a${local.n}" }\n}\n')
    message = load_error(tmp_path)
    assert "main.tf:2" in message and "4,300 digits" in message


def test_deeply_nested_hcl_is_refused_not_a_recursion_crash(tmp_path: Path) -> None:
    depth = 20_000
    write(tmp_path, "main.tf", "locals {\n  x = " + "[" * depth + "]" * depth + "\n}\n")
    message = load_error(tmp_path)
    assert "main.tf:2" in message and "nested too deeply" in message


def test_an_iam_policy_with_a_5000_digit_number_is_refused_when_asked(tmp_path: Path) -> None:
    document = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", '
                f'"Resource": "*", "Condition": {{"NumericLessThan": {{"s3:max-keys": {HUGE}}}}}}}]}}')
    write(tmp_path, "main.tf", """
resource "aws_iam_role" "r" {
  name               = "r"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow",
    Action = "sts:AssumeRoleWithWebIdentity",
    Principal = { Federated = "arn:aws:iam::111122223333:oidc-provider/oidc.example/id/X" } }] })
}
resource "aws_iam_role_policy" "p" {
  role   = aws_iam_role.r.name
""" + f"  policy = <<EOF\n{document}\nEOF\n}}\n" + """
resource "kubernetes_service_account_v1" "sa" {
  metadata {
    name        = "sa"
    namespace   = "apps"
    annotations = { "eks.amazonaws.com/role-arn" = aws_iam_role.r.arn }
  }
}
""")
    model = pfperms.load(tmp_path, cache=False)
    with pytest.raises(LoadError) as caught:
        model.aws_can(pfperms.ServiceAccount("apps", "sa"), "s3:GetObject", "*")
    assert "main.tf:8" in str(caught.value) and "4,300 digits" in str(caught.value)


def test_a_vault_ttl_beyond_go_duration_is_not_a_crash(tmp_path: Path) -> None:
    policy = 'path "secret/*" {\n  capabilities = ["read"]\n  max_wrapping_ttl = "' + HUGE[:40] + 's"\n}\n'
    write(tmp_path, "main.tf", 'resource "vault_policy" "p" {\n  name = "p"\n'
                               f"  policy = <<EOF\n{policy}EOF\n}}\n")
    model = pfperms.load(tmp_path, cache=False)
    with pytest.raises(LoadError) as caught:  # Vault refuses the policy: Go's Duration overflows
        model.vault_can(pfperms.ServiceAccount("apps", "sa"), "read", "secret/x")
    assert "main.tf:" in str(caught.value) and "max_wrapping_ttl must be a duration" in str(caught.value)


def test_a_module_calling_itself_is_a_cycle_error_naming_the_call(tmp_path: Path) -> None:
    write(tmp_path, "main.tf", 'module "me" {\n  source = "./"\n}\n')
    message = load_error(tmp_path)
    assert "main.tf:1" in message and "cycle" in message


def test_two_modules_calling_each_other_is_a_cycle_error(tmp_path: Path) -> None:
    write(tmp_path, "root/main.tf", 'module "a" {\n  source = "../a"\n}\n')
    write(tmp_path, "a/main.tf", 'module "b" {\n  source = "../b"\n}\n')
    write(tmp_path, "b/main.tf", 'module "a" {\n  source = "../a"\n}\n')
    message = load_error(tmp_path / "root", repo_root=tmp_path)
    assert "b/main.tf:1" in message and "cycle" in message


def test_a_long_but_acyclic_chain_of_modules_loads(tmp_path: Path) -> None:
    depth = 60
    for level in range(depth):
        write(tmp_path, f"m{level}/main.tf", f'module "next" {{\n  source = "../m{level + 1}"\n}}\n')
    write(tmp_path, f"m{depth}/main.tf", 'resource "kubernetes_namespace_v1" "ns" {\n'
                                         '  metadata { name = "deep" }\n}\n')
    model = pfperms.load(tmp_path / "m0", repo_root=tmp_path, cache=False)
    assert [o.name for o in model.objects("Namespace")] == ["deep"]


def test_a_chain_of_locals_terraform_follows_is_followed(tmp_path: Path) -> None:
    """Terraform follows a local referring to a local ... 1,000 deep: so does the loader."""
    depth = 1000
    chain = "\n".join(f"  l{i} = local.l{i + 1}" for i in range(depth))
    write(tmp_path, "main.tf", f'locals {{\n{chain}\n  l{depth} = "deep"\n}}\n'
                               'resource "kubernetes_namespace_v1" "ns" {\n'
                               '  metadata { name = local.l0 }\n}\n')
    model = pfperms.load(tmp_path, cache=False)
    assert [o.name for o in model.objects("Namespace")] == ["deep"]


def test_nested_expressions_terraform_parses_are_parsed(tmp_path: Path) -> None:
    depth = 300
    write(tmp_path, "main.tf", "locals {\n  x = " + "[" * depth + '"deep"' + "]" * depth + "\n}\n"
                               'resource "kubernetes_namespace_v1" "ns" {\n'
                               f'  metadata {{ name = local.x{"[0]" * depth} }}\n}}\n')
    model = pfperms.load(tmp_path, cache=False)
    assert [o.name for o in model.objects("Namespace")] == ["deep"]


def test_a_kubectl_manifest_alias_bomb_is_refused_not_expanded(tmp_path: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8))
    write(tmp_path, "main.tf", 'resource "kubectl_manifest" "laughs" {\n  yaml_body = <<EOF\n'
                               "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n"
                               + "".join("  " + line + "\n" for line in bomb.splitlines()) + "EOF\n}\n")
    message = load_error(tmp_path)
    assert "main.tf:1" in message and "kubectl_manifest.laughs" in message and "aliases" in message


def test_a_nul_byte_in_a_kubectl_manifest_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "main.tf", 'resource "kubectl_manifest" "x" {\n'
                               '  yaml_body = "apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: a\\u0000b\\n"\n}\n')
    message = load_error(tmp_path)
    assert "main.tf:1" in message and "NUL byte at line 4" in message


def test_a_json_manifest_naming_a_key_twice_is_refused_with_its_line(tmp_path: Path) -> None:
    """kubectl's strict decoding refuses duplicate fields; json.loads would keep the last."""
    write(tmp_path, "sa.json", '{"apiVersion": "v1", "kind": "ServiceAccount",\n'
                               ' "metadata": {"name": "a", "namespace": "x", "name": "b"}}')
    message = load_error(tmp_path)
    assert "sa.json:2" in message and "'name' is defined twice" in message


def test_a_control_character_in_yaml_is_refused_with_its_line(tmp_path: Path) -> None:
    write(tmp_path, "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\x07\n")
    message = load_error(tmp_path)
    assert "cm.yaml:4" in message and "control characters are not allowed" in message


SECRET_VARIABLE = ('variable "n" {\n  type = string\n}\n'
                   'resource "kubernetes_namespace_v1" "ns" {\n  metadata { name = "a-${var.n}" }\n}\n')


def test_a_tfvars_number_of_5000_digits_is_refused_with_the_tfvars_line(tmp_path: Path) -> None:
    write(tmp_path, "main.tf", SECRET_VARIABLE)
    write(tmp_path, "terraform.tfvars", f'# set by CI\nn = {HUGE}\n')
    message = load_error(tmp_path)
    assert "terraform.tfvars:2" in message and "4,300 digits" in message


def test_jsondecode_past_go_s_nesting_limit_fails_at_the_call_as_terraform_does(tmp_path: Path) -> None:
    # Go's encoding/json refuses more than 10,000 levels ("exceeded max depth")
    write(tmp_path, "deep.json", "[" * 10_001 + "]" * 10_001)
    write(tmp_path, "main.tf", 'resource "kubernetes_namespace_v1" "ns" {\n  metadata {\n'
                               '    name = "a-${length(jsondecode(file("${path.module}/deep.json")))}"\n'
                               '  }\n}\n')
    message = load_error(tmp_path)
    assert "main.tf:3" in message and "exceeded max depth" in message
    # 10,000 levels are fine, and a bracket inside a string is not a level
    write(tmp_path, "deep.json", '["' + "[" * 20_000 + '", ' + "[" * 9_999 + "]" * 9_999 + "]")
    model = pfperms.load(tmp_path, cache=False)
    assert [ns.name for ns in model.objects("Namespace")] == ["a-2"]


def test_a_function_result_past_python_s_digit_limit_fails_at_the_call(tmp_path: Path) -> None:
    write(tmp_path, "main.tf", 'locals {\n  n = 1\n}\n'
                               'resource "kubernetes_namespace_v1" "ns" {\n'
                               f'  metadata {{ name = "a-${{parseint("{HUGE}", 10)}}" }}\n}}\n')
    message = load_error(tmp_path)
    assert "main.tf:5" in message and "4,300 digits" in message


def test_a_plan_resource_that_is_not_an_object_is_refused_with_a_line(tmp_path: Path) -> None:
    write(tmp_path, "plan.json", '{"format_version": "1.2",\n "planned_values": {"root_module": {\n'
                                 '   "resources": [null]}}}\n')
    message = load_error(tmp_path)
    assert "plan.json:3" in message and "expected a resource object, not null" in message
