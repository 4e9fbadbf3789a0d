"""Terraform plan and state JSON (``terraform show -json``) as a second input.

The fixtures in ``plan_fixtures/`` are written for these tests in the shape Terraform
1.9 prints (pretty-printed, as ``jq .`` would): ``rbac.plan.json`` plans the objects of
``rbac.yaml`` (a count index, a for_each child module, a kubectl_manifest, an
annotations patch and AWS IAM resources); ``rbac.state.json`` is that plan applied;
``unknown_sa.plan.json`` names its service account after a random_id.
"""

from __future__ import annotations

import copy
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

import pytest_pfperms as pfperms
from pytest_pfperms.errors import LoadError
from pytest_pfperms.model.objects import KubeObject
from pytest_pfperms.sources.terraform.plan_json import (
    PLAN_REASON,
    SENSITIVE_REASON,
    is_plan_json,
    load_plan_json,
)
from pytest_pfperms.values import Symbol

FIXTURES = Path(__file__).parent / "plan_fixtures"
PLAN = FIXTURES / "rbac.plan.json"
STATE = FIXTURES / "rbac.state.json"
UNKNOWN_SA = FIXTURES / "unknown_sa.plan.json"
RBAC = "rbac.authorization.k8s.io"


def entry_line(text: str, address: str, after: int = 0) -> int:
    """The line of the ``{`` opening the first entry for ``address`` after line ``after``
    (found by reading the text, independently of the loader)."""
    lines = text.splitlines()
    for number, line in enumerate(lines[after:], start=after + 1):
        if line.strip() == f'"address": {json.dumps(address)},':
            assert lines[number - 2].strip() == "{"
            return number - 1
    raise AssertionError(f"{address} not in the text")


def minimal_plan(resources: list[dict[str, Any]], changes: list[dict[str, Any]] | None = None,
                 **extra: Any) -> dict[str, Any]:
    return {"format_version": "1.2", "terraform_version": "1.9.8",
            "planned_values": {"root_module": {"resources": resources}},
            "resource_changes": changes or [], **extra}


def resource(address: str, type_: str, values: dict[str, Any], mode: str = "managed",
             **extra: Any) -> dict[str, Any]:
    name = address.split("[")[0].rsplit(".", 1)[1]
    return {"address": address, "mode": mode, "type": type_, "name": name,
            "provider_name": "registry.terraform.io/hashicorp/kubernetes", "schema_version": 0,
            "values": values, "sensitive_values": {}, **extra}


def change(address: str, type_: str, after: dict[str, Any], after_unknown: dict[str, Any],
           mode: str = "managed", after_sensitive: Any = None) -> dict[str, Any]:
    name = address.split("[")[0].rsplit(".", 1)[1]
    return {"address": address, "mode": mode, "type": type_, "name": name,
            "change": {"actions": ["create"], "before": None, "after": after,
                       "after_unknown": after_unknown, "before_sensitive": False,
                       "after_sensitive": after_sensitive or {}}}


def write(tmp_path: Path, document: Any, name: str = "plan.json", indent: int | None = 2) -> Path:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document, indent=indent))
    return path


ROLE_VALUES = {"metadata": [{"name": "reader", "namespace": "apps", "annotations": None, "labels": None,
                             "generate_name": None}],
               "rule": [{"api_groups": [""], "resources": ["pods"], "verbs": ["get"], "resource_names": None}]}


# -- recognising the input ---------------------------------------------------------------------

@pytest.mark.parametrize(("document", "expected"), [
    ({"format_version": "1.2", "planned_values": {}}, True),
    ({"format_version": "1.2", "resource_changes": []}, True),
    ({"format_version": "1.0", "values": {"root_module": {}}}, True),
    ({"format_version": "1.0"}, True),  # an empty state
    ({"format_version": "1.0", "terraform_version": "1.9.8"}, True),
    ({"apiVersion": "v1", "kind": "List", "items": []}, False),
    ({"format_version": "1.0", "kind": "Thing", "values": {}}, False),
    ({"planned_values": {}}, False),
    ([{"format_version": "1.2"}], False),
    ("format_version", False),
])
def test_is_plan_json(document: object, expected: bool) -> None:
    assert is_plan_json(document) is expected


# -- the same answers as the same objects in YAML ------------------------------------------------

WHO = ("system:serviceaccount:apps:app", "system:serviceaccount:apps:other",
       "system:serviceaccount:blue:app", "alice")
VERBS = ("get", "list", "watch", "update", "delete", "create")
RESOURCES = (("pods", None), ("pods", "log"), ("persistentvolumeclaims", None), ("configmaps", None),
             ("secrets", None), ("deployments", None))
NAMESPACES = ("apps", "blue", "green", "other", None)


@pytest.mark.parametrize("source", [PLAN, STATE], ids=["plan", "state"])
def test_plan_gives_the_same_answers_as_the_objects_in_yaml(source: Path) -> None:
    planned = pfperms.load(source)
    written = pfperms.load(FIXTURES / "rbac.yaml")
    assert sorted(o.ref() for o in planned.objects()) == sorted(o.ref() for o in written.objects())
    for who in WHO:
        for verb in VERBS:
            for resource_name, subresource in RESOURCES:
                for namespace in NAMESPACES:
                    ask = {"namespace": namespace, "subresource": subresource}
                    expected = written.can(who, verb, resource_name, **ask).allowed
                    assert planned.can(who, verb, resource_name, **ask).allowed is expected, \
                        (who, verb, resource_name, subresource, namespace)
    for resource_name, namespace in (("pods", "blue"), ("persistentvolumeclaims", "apps"),
                                     ("configmaps", "apps"), ("secrets", "apps")):
        assert sorted((g.subject, g.allowed) for g in planned.who_can("get", resource_name, namespace=namespace)) \
            == sorted((g.subject, g.allowed) for g in written.who_can("get", resource_name, namespace=namespace))
    app = planned.workload("Deployment/app", namespace="apps")
    assert app.can("update", "persistentvolumeclaims").allowed is True
    assert app.can("get", "configmaps", name="app-config").allowed is True
    assert app.can("update", "configmaps", name="app-config").allowed is False
    assert app.can("get", "secrets").allowed is False  # the view ClusterRole leaves secrets out
    assert app.can("list", "pods", namespace="blue").allowed is True  # through the module's binding
    assert app.can("delete", "persistentvolumeclaims").allowed is False
    assert planned.objects("ClusterRoleBinding") == []


def _signature(obj: KubeObject) -> tuple[Any, ...]:
    """What an object means for permissions, without provenance (set fields sorted)."""
    parts: list[Any] = [obj.kind, obj.api_version, obj.name, obj.namespace]
    for rule in getattr(obj, "rules", ()):
        parts.append(tuple(tuple(sorted(part)) for part in rule.content()))  # type: ignore[arg-type]
    parts += [getattr(obj, name, None) for name in ("subjects", "role_ref", "automount_token",
                                                    "service_account_name")]
    return tuple(parts)


def test_plan_objects_are_what_the_hcl_mapping_makes(tmp_path: Path) -> None:
    """The root module of rbac.plan.json written as HCL: each object is the same."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / "main.tf").write_text(textwrap.dedent("""\
        variable "namespace" {
          type = string
        }
        resource "kubernetes_cluster_role" "pod_reader" {
          count = 1
          metadata { name = "pod-reader" }
          rule {
            api_groups = [""]
            resources  = ["pods"]
            verbs      = ["get", "list", "watch"]
          }
          rule {
            api_groups = [""]
            resources  = ["pods/log"]
            verbs      = ["get"]
          }
        }
        resource "kubernetes_role" "pvc" {
          metadata {
            name      = "pvc"
            namespace = var.namespace
          }
          rule {
            api_groups = [""]
            resources  = ["persistentvolumeclaims"]
            verbs      = ["get", "update", "list"]
          }
          rule {
            api_groups     = [""]
            resources      = ["configmaps"]
            resource_names = ["app-config"]
            verbs          = ["get"]
          }
        }
        resource "kubernetes_service_account" "app" {
          metadata {
            name      = "app"
            namespace = var.namespace
          }
        }
        resource "kubernetes_role_binding" "app" {
          metadata {
            name      = "app-pvc"
            namespace = var.namespace
          }
          role_ref {
            api_group = "rbac.authorization.k8s.io"
            kind      = "Role"
            name      = kubernetes_role.pvc.metadata[0].name
          }
          subject {
            kind      = "ServiceAccount"
            name      = kubernetes_service_account.app.metadata[0].name
            namespace = var.namespace
          }
        }
        resource "kubernetes_deployment" "app" {
          metadata {
            name      = "app"
            namespace = var.namespace
          }
          spec {
            replicas = 2
            selector { match_labels = { app = "app" } }
            template {
              metadata { labels = { app = "app" } }
              spec {
                service_account_name = kubernetes_service_account.app.metadata[0].name
                container {
                  name  = "app"
                  image = "registry.example/app:1.4.2"
                }
              }
            }
          }
        }
        """))
    from_hcl = pfperms.load(root, variables={"namespace": "apps"}, repo_root=root)
    from_plan = pfperms.load(PLAN)
    by_address = {o.source.address: o for o in from_plan.objects()}
    assert len(from_hcl.objects()) == 5
    for obj in from_hcl.objects():
        assert _signature(by_address[obj.source.address]) == _signature(obj), obj.source.address


# -- unknown values ------------------------------------------------------------------------------

def test_unknown_service_account_name_makes_binding_answers_unknown() -> None:
    model = pfperms.load(UNKNOWN_SA)
    account = model.objects("ServiceAccount")[0]
    assert isinstance(account.name, Symbol)
    assert account.name.key == "kubernetes_service_account.runner.metadata[0].name"
    assert account.name.reason.startswith(PLAN_REASON)
    assert "its configuration refers to random_id.runner.hex" in account.name.reason

    runner = model.workload("Deployment/runner", namespace="ci")
    decision = runner.can("get", "pods")
    assert decision.allowed is None
    with pytest.raises(pfperms.Indeterminate) as caught:
        bool(decision)
    message = str(caught.value)
    assert "kubernetes_role_binding.runner.subject[0].name: known only after apply (from the plan); " \
           "its configuration refers to kubernetes_service_account.runner.metadata[0].name, at " in message
    assert "unknown_sa.plan.json:80" in message
    assert "apply, then load `terraform show -json` of the state to see it" in message
    # What does not depend on the name stays definite.
    assert runner.can("delete", "pods").allowed is False
    assert runner.can("get", "secrets").allowed is False
    assert model.can("system:serviceaccount:ci:builder", "get", "pods", namespace="ci").allowed is None
    assert model.can("system:serviceaccount:other:builder", "get", "pods", namespace="ci").allowed is False
    assert model.can("system:serviceaccount:ci:builder", "get", "pods", namespace="other").allowed is False


def test_unknown_value_the_configuration_does_not_set_takes_the_provider_default() -> None:
    """service_account_name is Optional+Computed: unset in the configuration, the plan shows it
    unknown, and the API server will use "default", as the HCL mapping assumes."""
    model = pfperms.load(UNKNOWN_SA)
    plain = model.workload("Deployment/plain", namespace="ci")
    assert plain.service_account.name == "default"
    subject = model.objects("RoleBinding")[0].subjects[0]  # type: ignore[attr-defined]
    assert subject.api_group is None  # unset api_group: as from HCL or YAML, not a symbol


def test_without_configuration_every_unknown_is_a_symbol() -> None:
    document = json.loads(UNKNOWN_SA.read_text())
    del document["configuration"]
    result = load_plan_json(json.dumps(document, indent=2), "plan.json")
    plain = next(o for o in result.objects if o.name == "plain")
    name = plain.service_account_name  # type: ignore[attr-defined]
    assert isinstance(name, Symbol)
    assert name.key == "kubernetes_deployment.plain.spec[0].template[0].spec[0].service_account_name"
    assert name.reason == PLAN_REASON


def test_unknown_annotation_value_from_a_patch_names_where_it_comes_from() -> None:
    model = pfperms.load(PLAN)
    account = model.objects("ServiceAccount")[0]
    value = account.annotations["eks.amazonaws.com/role-arn"]
    assert isinstance(value, Symbol)
    assert value.key == 'kubernetes_annotations.app_irsa.annotations["eks.amazonaws.com/role-arn"]'
    assert value.reason == f"{PLAN_REASON}; its configuration refers to aws_iam_role.app.arn"
    state_account = pfperms.load(STATE).objects("ServiceAccount")[0]
    assert state_account.annotations == {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/app-apps"}


def test_sensitive_values_hidden_in_the_json_are_symbols(tmp_path: Path) -> None:
    account_values = {"metadata": [{"name": None, "namespace": "apps"}], "automount_service_account_token": True}
    body_values = {"yaml_body": None, "override_namespace": None}
    document = minimal_plan([
        resource("kubernetes_service_account.hidden", "kubernetes_service_account", account_values,
                 sensitive_values={"metadata": [{"name": True}]}),
        resource("kubectl_manifest.secret_role", "kubectl_manifest", body_values,
                 sensitive_values={"yaml_body": True}),
    ])
    text = json.dumps(document, indent=2)
    result = load_plan_json(text, "plan.json")
    [account] = result.objects
    assert isinstance(account.name, Symbol)
    assert account.name.key == "kubernetes_service_account.hidden.metadata[0].name"
    assert account.name.reason == SENSITIVE_REASON
    [warning] = result.warnings
    assert warning.line == entry_line(text, "kubectl_manifest.secret_role")
    assert warning.message == ("kubectl_manifest.secret_role: the object it creates is unknown before "
                               "apply (kubectl_manifest.secret_role.yaml_body)")
    # A sensitive value that is shown is simply known.
    document["planned_values"]["root_module"]["resources"][0]["values"]["metadata"][0]["name"] = "shown"
    result = load_plan_json(json.dumps(document), "plan.json")
    assert result.objects[0].name == "shown"


def test_kubectl_manifest_override_namespace_applies(tmp_path: Path) -> None:
    body = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: bot\n  namespace: first\n"
    document = minimal_plan([resource("kubectl_manifest.bot", "kubectl_manifest",
                                      {"yaml_body": body, "override_namespace": "second"})])
    [account] = load_plan_json(json.dumps(document, indent=2), "plan.json").objects
    assert (account.kind, account.namespace, account.name) == ("ServiceAccount", "second", "bot")


# -- provenance ----------------------------------------------------------------------------------

def test_provenance_lines_point_at_the_resource_entry() -> None:
    text = PLAN.read_text()
    model = pfperms.load(PLAN)
    role = model.objects("Role")[0]
    line = entry_line(text, "kubernetes_role.pvc")
    assert (role.source.path, role.source.line, role.source.address) == (str(PLAN.relative_to(Path.cwd()))
                                                                         if PLAN.is_relative_to(Path.cwd())
                                                                         else str(PLAN), line,
                                                                         "kubernetes_role.pvc")
    lines = text.splitlines()
    rules_start = next(n for n in range(line, len(lines)) if lines[n].strip() == '"rule": [')
    assert [rule.source.line for rule in role.rules] == [rules_start + 2, rules_start + 16]
    assert lines[rules_start + 1].strip() == "{"
    binding = next(o for o in model.objects("RoleBinding", namespace="blue"))
    address = 'module.team["blue"].kubernetes_role_binding.pod_reader'
    assert binding.source.address == address
    assert binding.source.line == entry_line(text, address)
    reader = model.objects("ClusterRole")[0]
    assert (reader.source.address, reader.source.line) == (
        "kubernetes_cluster_role.pod_reader[0]", entry_line(text, "kubernetes_cluster_role.pod_reader[0]"))
    view = next(o for o in model.objects("RoleBinding") if o.name == "app-view")
    assert view.source.address == "kubectl_manifest.app_view"
    # A data source read during planning is in prior_state, after the planned values.
    prior = text.index('"prior_state"')
    document = next(r for r in model.resources if r.type == "data.aws_iam_policy_document")
    assert document.source.line == entry_line(text, "data.aws_iam_policy_document.app",
                                               after=text.count("\n", 0, prior))
    assert "(kubernetes_role.pvc)" in str(role.source)


def test_one_line_json_cites_line_1(tmp_path: Path) -> None:
    path = write(tmp_path, json.loads(PLAN.read_text()), indent=None)
    model = pfperms.load(path)
    assert {o.source.line for o in model.objects()} == {1}
    assert {rule.source.line for rule in model.objects("Role")[0].rules} == {1}


def test_keys_with_escapes_still_get_their_lines(tmp_path: Path) -> None:
    # escaped keys before the role (in a Secret: the label keys of an RBAC object must be
    # qualified names, which these are not, so a Role holding them is refused)
    labels = {"a\"b": "x", "caf\u00e9": "y"}
    secret = {"metadata": [{"name": "s", "namespace": "apps", "labels": labels}], "type": "Opaque"}
    document = minimal_plan([resource("kubernetes_secret.s", "kubernetes_secret", secret),
                             resource("kubernetes_role.reader", "kubernetes_role", ROLE_VALUES)])
    text = json.dumps(document, indent=2)
    objects = {o.kind: o for o in load_plan_json(text, "plan.json").objects}
    assert objects["Role"].source.line == entry_line(text, "kubernetes_role.reader")
    assert objects["Secret"].source.line == entry_line(text, "kubernetes_secret.s")
    assert objects["Secret"].labels == labels


def test_plan_with_only_resource_changes_uses_after(tmp_path: Path) -> None:
    after = dict(ROLE_VALUES)
    document = {"format_version": "1.2", "resource_changes": [
        change("kubernetes_role.reader", "kubernetes_role", after, {"id": True}),
        change("kubernetes_role.gone", "kubernetes_role", None, {}),  # type: ignore[arg-type]
    ]}
    document["resource_changes"][1]["change"]["actions"] = ["delete"]
    text = json.dumps(document, indent=2)
    [role] = load_plan_json(text, "plan.json").objects
    assert (role.name, role.source.line) == ("reader", entry_line(text, "kubernetes_role.reader"))


# -- AWS IAM and Vault resources -----------------------------------------------------------------

def test_cloud_resources_and_rendered_policy_documents() -> None:
    resources = {r.address: r for r in pfperms.load(PLAN).resources}
    assert set(resources) == {"aws_iam_role.app", "aws_iam_role_policy.app", "data.aws_iam_policy_document.app"}
    policy = resources["data.aws_iam_policy_document.app"]
    assert policy.type == "data.aws_iam_policy_document"
    assert policy.values["rendered"] == {"Version": "2012-10-17", "Statement": [{
        "Sid": "ReadAssets", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
        "Resource": ["arn:aws:s3:::app-assets/*", "arn:aws:s3:::app-assets"]}]}
    arn = resources["aws_iam_role.app"].values["arn"]
    assert isinstance(arn, Symbol) and arn.key == "aws_iam_role.app.arn"
    role = resources["aws_iam_role_policy.app"].values["role"]
    assert isinstance(role, Symbol) and "refers to aws_iam_role.app.id" in role.reason
    state = {r.address: r for r in pfperms.load(STATE).resources}
    assert state["aws_iam_role.app"].values["arn"] == "arn:aws:iam::123456789012:role/app-apps"


def test_policy_document_read_at_apply_is_rendered_from_its_arguments() -> None:
    statement = {"sid": "", "effect": "Allow", "actions": ["s3:GetObject"], "resources": [None],
                 "not_actions": [], "not_resources": [], "principals": [], "not_principals": [],
                 "condition": []}
    values = {"statement": [statement], "version": "2012-10-17", "override_json": None,
              "source_json": None, "override_policy_documents": None, "source_policy_documents": None,
              "policy_id": None}
    address = "data.aws_iam_policy_document.bucket"
    document = minimal_plan(
        [resource(address, "aws_iam_policy_document", values, mode="data")],
        [change(address, "aws_iam_policy_document", values,
                {"id": True, "json": True, "minified_json": True,
                 "statement": [{"resources": [True]}]}, mode="data")])
    [policy] = load_plan_json(json.dumps(document, indent=2), "plan.json").resources
    assert isinstance(policy.values["json"], Symbol)
    assert policy.values["json"].key == f"{address}.json"
    [rendered] = policy.values["rendered"]["Statement"]
    assert rendered["Action"] == "s3:GetObject"
    assert isinstance(rendered["Resource"], Symbol)
    assert rendered["Resource"].key == f"{address}.statement[0].resources[0]"


# -- bad input -----------------------------------------------------------------------------------

def test_bad_json_names_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(LoadError) as caught:
        load_plan_json('{\n  "format_version": "1.2",\n  "planned_values": {\n    "root_module": {,\n', "p.json")
    assert (caught.value.file, caught.value.line) == ("p.json", 4)
    assert "JSON syntax error" in str(caught.value)


@pytest.mark.parametrize(("mutate", "field", "message"), [
    (lambda d: d["planned_values"]["root_module"].__setitem__("resources", {}),
     "planned_values.root_module.resources", "expected a list, not an object"),
    (lambda d: d["planned_values"]["root_module"]["resources"][0].pop("type"),
     "planned_values.root_module.resources[0].type", "a resource needs a string 'type', and has none"),
    (lambda d: d["planned_values"]["root_module"]["resources"][0].__setitem__("mode", "resource"),
     "planned_values.root_module.resources[0].mode", "mode must be managed or data, not 'resource'"),
    (lambda d: d["planned_values"]["root_module"]["resources"][0].__setitem__("values", []),
     "planned_values.root_module.resources[0].values", "expected an object, not a list"),
    (lambda d: d["planned_values"].__setitem__("root_module", "x"),
     "planned_values.root_module", "expected an object, not a string"),
    (lambda d: d["resource_changes"][0].__setitem__("change", None),
     "resource_changes[0].change", "expected an object describing the change"),
    (lambda d: d["planned_values"]["root_module"].__setitem__("child_modules", [{"resources": 3}]),
     "planned_values.root_module.child_modules[0].resources", "expected a list, not a number"),
])
def test_wrong_shape_names_file_line_and_field(mutate: Any, field: str, message: str) -> None:
    document = minimal_plan([resource("kubernetes_role.reader", "kubernetes_role", copy.deepcopy(ROLE_VALUES))],
                            [change("kubernetes_role.reader", "kubernetes_role", ROLE_VALUES, {"id": True})])
    mutate(document)
    text = json.dumps(document, indent=2)
    with pytest.raises(LoadError) as caught:
        load_plan_json(text, "plan.json")
    problem = caught.value.problems[0]
    assert (problem.file, problem.field, problem.message) == ("plan.json", field, message)
    assert problem.line is not None and problem.line > 1
    key = field.rsplit(".", 1)[-1].split("[")[0]
    assert f'"{key}"' in text.splitlines()[problem.line - 1] or text.splitlines()[problem.line - 1].strip() == "{"


def test_unsupported_format_version(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match=r"format_version '2.0' is not supported") as caught:
        load_plan_json(json.dumps({"format_version": "2.0", "planned_values": {}}, indent=2), "plan.json")
    assert caught.value.line == 2


def test_load_reports_plan_problems_with_the_file(tmp_path: Path) -> None:
    bad_shape = write(tmp_path, {"format_version": "1.2", "planned_values": {"root_module": []}}, "a.json")
    bad_value = write(tmp_path, minimal_plan([resource("kubectl_manifest.x", "kubectl_manifest",
                                                       {"yaml_body": "kind: [unclosed\n"})]), "b.json")
    with pytest.raises(LoadError) as caught:
        pfperms.load(bad_shape, bad_value)
    problems = caught.value.problems
    assert [(Path(p.file).name, p.line) for p in problems] == [("a.json", 4), ("b.json", 7)]
    assert problems[0].message == "expected an object, not a list"
    assert problems[1].message.startswith("kubectl_manifest.x: yaml_body: invalid YAML at line 2")


def test_empty_state_and_plain_json_manifests(tmp_path: Path) -> None:
    assert pfperms.load(write(tmp_path, {"format_version": "1.0"}, "state.json")).objects() == []
    manifest = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "a", "namespace": "x"}}
    assert [o.name for o in pfperms.load(write(tmp_path, manifest, "sa.json")).objects()] == ["a"]


def test_a_helm_release_in_a_plan_makes_bindings_to_undefined_roles_unknown(tmp_path: Path) -> None:
    binding = resource("kubernetes_role_binding_v1.operator", "kubernetes_role_binding_v1", {
        "metadata": [{"name": "operator", "namespace": "ops", "annotations": None, "labels": None,
                      "generate_name": None}],
        "role_ref": [{"api_group": RBAC, "kind": "ClusterRole", "name": "operator-manager"}],
        "subject": [{"api_group": "", "kind": "ServiceAccount", "name": "operator", "namespace": "ops"}]})
    release = resource("helm_release.operator", "helm_release",
                       {"name": "operator", "namespace": "ops", "chart": "operator",
                        "repository": "https://charts.example.com", "version": "1.2.3"},
                       provider_name="registry.terraform.io/hashicorp/helm")
    path = tmp_path / "with.plan.json"
    path.write_text(json.dumps(minimal_plan([binding, release]), indent=2))
    model = pfperms.load(path)
    decision = model.can(pfperms.ServiceAccount("ops", "operator"), "delete", "secrets", namespace="ops")
    assert decision.allowed is None and "helm_release.operator" in decision.explain()
    path.write_text(json.dumps(minimal_plan([binding]), indent=2))
    model = pfperms.load(path, cache=False)
    assert model.can(pfperms.ServiceAccount("ops", "operator"), "delete", "secrets",
                     namespace="ops").allowed is False


# -- IRSA from a plan: what is unknown, and what only looks unknown ------------------------------

ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/C1"
PROVIDER_ARN = f"arn:aws:iam::111122223333:oidc-provider/{ISSUER}"


def _irsa_plan(*extra: tuple[dict[str, Any], dict[str, Any]]) -> dict[str, Any]:
    """A plan of an IRSA role for apps/app that may read objects of bucket b, as
    ``terraform plan`` writes it: the role's managed_policy_arns and inline_policy unset in the
    configuration, hence unknown in the plan."""
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
        "Principal": {"Federated": PROVIDER_ARN},
        "Condition": {"StringEquals": {f"{ISSUER}:sub": "system:serviceaccount:apps:app",
                                       f"{ISSUER}:aud": "sts.amazonaws.com"}}}]}
    reads = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                     "Resource": "arn:aws:s3:::b/*"}]}
    role = {"name": "app", "assume_role_policy": json.dumps(trust), "path": "/",
            "permissions_boundary": None}
    policy = {"name": "read", "role": "app", "policy": json.dumps(reads)}
    account = {"metadata": [{"name": "app", "namespace": "apps", "annotations": {
        "eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/app"}}]}
    pairs = [
        (resource("aws_iam_openid_connect_provider.eks", "aws_iam_openid_connect_provider",
                  {"url": f"https://{ISSUER}", "client_id_list": ["sts.amazonaws.com"], "arn": PROVIDER_ARN}),
         None),
        (resource("aws_iam_role.app", "aws_iam_role", role),
         change("aws_iam_role.app", "aws_iam_role", role,
                {"arn": True, "id": True, "managed_policy_arns": True, "inline_policy": True})),
        (resource("aws_iam_role_policy.app", "aws_iam_role_policy", policy),
         change("aws_iam_role_policy.app", "aws_iam_role_policy", policy, {"id": True})),
        (resource("kubernetes_service_account_v1.app", "kubernetes_service_account_v1", account), None),
        *extra]
    configuration = {"root_module": {"resources": [
        {"address": "aws_iam_role.app", "mode": "managed", "type": "aws_iam_role", "name": "app",
         "expressions": {"name": {"constant_value": "app"},
                         "assume_role_policy": {"references": ["data.aws_iam_policy_document.trust"]}}},
        {"address": "aws_iam_role_policy.app", "mode": "managed", "type": "aws_iam_role_policy",
         "name": "app", "expressions": {"name": {"constant_value": "read"},
                                        "role": {"constant_value": "app"}}}]}}
    return minimal_plan([r for r, _ in pairs], [c for _, c in pairs if c is not None],
                        configuration=configuration)


def _reads(model: pfperms.Model, action: str) -> bool | None:
    return model.aws_can(pfperms.ServiceAccount("apps", "app"), action, "arn:aws:s3:::b/x").allowed


def test_managed_policy_arns_left_unset_holds_only_the_attachments_the_plan_shows(tmp_path: Path) -> None:
    model = pfperms.load(write(tmp_path, _irsa_plan()), cache=False)
    assert _reads(model, "s3:GetObject") is True
    assert _reads(model, "s3:DeleteObject") is False
    # set in the configuration, the same unknown value may hold any policy, a Deny included
    document = _irsa_plan()
    document["configuration"]["root_module"]["resources"][0]["expressions"]["managed_policy_arns"] = {
        "references": ["var.policies"]}
    model = pfperms.load(write(tmp_path, document), cache=False)
    assert _reads(model, "s3:GetObject") is None
    assert _reads(model, "s3:DeleteObject") is None


def test_a_wholly_unknown_attachment_makes_the_answer_unknown_naming_it(tmp_path: Path) -> None:
    address = "aws_iam_role_policy_attachment.extra"
    unknown = (resource(address, "aws_iam_role_policy_attachment", {}),
               change(address, "aws_iam_role_policy_attachment", {}, True))  # type: ignore[arg-type]
    model = pfperms.load(write(tmp_path, _irsa_plan(unknown)), cache=False)
    decision = model.aws_can(pfperms.ServiceAccount("apps", "app"), "s3:DeleteObject", "arn:aws:s3:::b/x")
    assert decision.allowed is None  # it may attach anything to the role: never "cannot"
    assert f"{address}.policy_arn" in decision.explain()
    assert not model.warnings
