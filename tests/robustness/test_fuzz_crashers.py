"""Every crasher the loader fuzzing (``test_fuzz_*.py``) found, minimised by hand and kept.

Each was an exception other than a PfpermsError (or a problem without its file or line);
each test pins the typed error (or the model) the input now gives.
"""

from __future__ import annotations

from fuzzing import problems_of


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
