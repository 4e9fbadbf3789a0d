"""The loader admits exactly what kube-apiserver admits (``pkg/apis/rbac/validation``,
``pkg/apis/rbac/v1/defaults.go``) and refuses unknown fields as ``kubectl apply
--validate=strict`` does: each refusal is a LoadError with file:line, the field path and,
where one is close, a did-you-mean.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from test_rbac_semantics import PITFALLS, ROLE_REFS, RULE_TEMPLATE, SCOPE, SUBJECTS
from test_who_can import MANIFESTS

import pytest_pfperms as pfperms
from pytest_pfperms.model.objects import ClusterRoleBinding, RoleBinding

RBAC = "rbac.authorization.k8s.io/v1"


def write(tmp_path: Path, text: str, name: str = "m.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def refused(tmp_path: Path, text: str) -> list[str]:
    path = write(tmp_path, text)
    with pytest.raises(pfperms.LoadError) as caught:
        pfperms.load(path, cluster_defaults=False)
    return [str(problem).removeprefix(f"{path}:") for problem in caught.value.problems]


def role(rule: str, kind: str = "Role") -> str:
    namespace = ", namespace: apps" if kind == "Role" else ""
    return f"apiVersion: {RBAC}\nkind: {kind}\nmetadata: {{name: r{namespace}}}\nrules:\n- {rule}\n"


def binding(subjects: str, ref: str = "{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: r}",
            kind: str = "RoleBinding") -> str:
    namespace = ", namespace: apps" if kind == "RoleBinding" else ""
    return (f"apiVersion: {RBAC}\nkind: {kind}\nmetadata: {{name: b{namespace}}}\n"
            f"subjects: {subjects}\nroleRef: {ref}\n")


# -- policy rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param(role('{apiGroup: [""], resources: [pods], verbs: [get]}'), [
        "5: rules[0].apiGroup: unknown field 'apiGroup': the API server refuses it (kubectl apply "
        '--validate=strict); did you mean "apiGroups"?',
        '5: rules[0].apiGroups: resource rules must supply at least one api group ("" is the core '
        "group) (the field 'apiGroup' is not 'apiGroups')"], id="apiGroup-misspelt"),
    pytest.param(role('{apiGroups: [""], resources: [pods], verbs: []}'), [
        "5: rules[0].verbs: verbs must contain at least one value"], id="verbs-empty"),
    pytest.param(role('{apiGroups: [""], verbs: [get]}'), [
        "5: rules[0].resources: resource rules must supply at least one resource"], id="resources-missing"),
    pytest.param(role("{nonResourceURLs: [/healthz], verbs: [get]}"), [
        "5: rules[0].nonResourceURLs: namespaced rules cannot apply to non-resource URLs (only a "
        "ClusterRole can grant them)"], id="urls-in-a-Role"),
    pytest.param(role('{nonResourceURLs: [/healthz], apiGroups: [""], verbs: [get]}', "ClusterRole"), [
        "5: rules[0].nonResourceURLs: rules cannot apply to both regular resources and non-resource "
        "URLs (split it into two rules)"], id="urls-mixed-with-resources"),
    pytest.param(role('{apiGroups: [""], resources: [pods], verb: [get]}'), [
        "5: rules[0].verb: unknown field 'verb': the API server refuses it (kubectl apply "
        '--validate=strict); did you mean "verbs"?',
        "5: rules[0]: missing required field 'verbs'"], id="verb-misspelt"),
])
def test_rules_the_api_server_refuses(tmp_path: Path, text: str, expected: list[str]) -> None:
    assert refused(tmp_path, text) == expected


def test_valid_rules_load(tmp_path: Path) -> None:
    text = role('{apiGroups: [""], resources: [pods], resourceNames: [x], verbs: [get]}') + "---\n" + \
        role("{nonResourceURLs: [/healthz], verbs: [get]}", "ClusterRole")
    model = pfperms.load(write(tmp_path, text), cluster_defaults=False)
    assert model.can(pfperms.User("u"), "get", "/healthz").allowed is False  # loads; grants via bindings only


# -- aggregation rules and labels (ValidateClusterRole, ValidateLabelSelector, ValidateLabels) ----


def aggregated(selectors: str) -> str:
    return f"apiVersion: {RBAC}\nkind: ClusterRole\nmetadata: {{name: agg}}\naggregationRule: {selectors}\n"


NO_SELECTORS = [
    "4: aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector "
    "required if aggregationRule is non-nil (an empty aggregationRule would strip the role's "
    "rules; remove it or add a selector)"]
VALUES_REQUIRED = [
    "4: aggregationRule.clusterRoleSelectors[0].matchExpressions[0].values: Required value: must "
    "be specified when `operator` is 'In' or 'NotIn'"]


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param(aggregated("{}"), NO_SELECTORS, id="aggregation-without-selectors"),
    pytest.param(aggregated("{clusterRoleSelectors: []}"), NO_SELECTORS, id="aggregation-empty-selectors"),
    pytest.param(aggregated("{clusterRoleSelectors: [{matchExpressions: [{key: tier, operator: In, values: []}]}]}"), VALUES_REQUIRED, id="in-without-values"),
    pytest.param(aggregated("{clusterRoleSelectors: [{matchExpressions: [{key: tier, operator: NotIn}]}]}"), VALUES_REQUIRED, id="notin-without-values"),
    pytest.param(aggregated("{clusterRoleSelectors: [{matchExpressions: [{key: tier, operator: Exists, values: [a]}]}]}"), [
        "4: aggregationRule.clusterRoleSelectors[0].matchExpressions[0].values: Forbidden: may not be "
        "specified when `operator` is 'Exists' or 'DoesNotExist'"], id="exists-with-values"),
    pytest.param(aggregated("{clusterRoleSelectors: [{matchExpressions: [{key: 'a b', operator: In, values: ['-x']}]}]}"), [
        "4: aggregationRule.clusterRoleSelectors[0].matchExpressions[0].key: invalid label key 'a b': "
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
        "with an alphanumeric character",
        "4: aggregationRule.clusterRoleSelectors[0].matchExpressions[0].values[0]: invalid label value "
        "'-x': a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
        "or '.', and must start and end with an alphanumeric character"], id="selector-key-and-value"),
    pytest.param(aggregated("{clusterRoleSelectors: [{matchLabels: {'/agg': 'true'}}]}"), [
        "4: aggregationRule.clusterRoleSelectors[0].matchLabels./agg: invalid label key '/agg': "
        "prefix part must be non-empty"], id="match-labels-key"),
    pytest.param(f"apiVersion: {RBAC}\nkind: ClusterRole\nmetadata:\n  name: r\n  labels: "
                 "{rbac.example.com/aggregate-to-view: 'yes please'}\n", [
        "5: metadata.labels.rbac.example.com/aggregate-to-view: invalid label value 'yes please': a "
        "valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
        "'.', and must start and end with an alphanumeric character"], id="label-value"),
    pytest.param(f"apiVersion: {RBAC}\nkind: ClusterRole\nmetadata:\n  name: r\n  annotations: "
                 "{'Example.com_/note': x}\n", [
        "5: metadata.annotations.Example.com_/note: invalid annotation key 'Example.com_/note': "
        "prefix part must be a DNS-1123 subdomain: lower case letters, digits and '-' or '.', "
        "starting and ending with a letter or digit"], id="annotation-key"),
])
def test_aggregation_rules_and_labels_the_api_server_refuses(tmp_path: Path, text: str,
                                                              expected: list[str]) -> None:
    assert refused(tmp_path, text) == expected


def test_valid_aggregation_rules_and_labels_load(tmp_path: Path) -> None:
    text = (f"apiVersion: {RBAC}\nkind: ClusterRole\nmetadata:\n  name: agg\n  labels: "
            "{app.kubernetes.io/name: x, empty: ''}\n  annotations: {Example.com/Note: free text}\n"
            "aggregationRule:\n  clusterRoleSelectors:\n  - {}\n  - matchLabels: "
            "{rbac.example.com/aggregate-to-agg: 'true'}\n    matchExpressions:\n"
            "    - {key: tier, operator: NotIn, values: [gold]}\n    - {key: tier, operator: Exists}\n"
            "---\n" + aggregated("null").replace("name: agg", "name: plain"))
    roles = pfperms.load(write(tmp_path, text), cluster_defaults=False).objects("ClusterRole")
    assert sorted(role.name for role in roles) == ["agg", "plain"]


def test_terraform_kubernetes_resources_are_admitted_as_the_api_server_admits(tmp_path: Path) -> None:
    """The provider accepts these bodies (its schema has no such rule), the API server refuses
    the objects it sends: a LoadError at the resource's line naming the address and field."""
    (tmp_path / "main.tf").write_text(textwrap.dedent("""\
        resource "kubernetes_cluster_role_v1" "reader" {
          metadata {
            name = "reader"
          }
          rule {
            verbs = ["get"]
          }
        }

        resource "kubernetes_cluster_role_binding_v1" "bind" {
          metadata {
            name = "bind"
          }
          role_ref {
            api_group = "rbac.authorization.k8s.io"
            kind      = "ClusterRole"
            name      = "reader"
          }
          subject {
            kind      = "serviceaccount"
            name      = "app"
            namespace = "apps"
          }
        }

        resource "kubernetes_cluster_role" "agg" {
          metadata {
            name = "agg"
          }
          aggregation_rule {}
        }
        """))
    with pytest.raises(pfperms.LoadError) as caught:
        pfperms.load(tmp_path, cluster_defaults=False, cache=False)
    main = str(tmp_path / "main.tf")
    assert [str(problem).replace(main, "main.tf") for problem in caught.value.problems] == [
        'main.tf:1: rules[0].apiGroups: kubernetes_cluster_role_v1.reader: resource rules must '
        'supply at least one api group ("" is the core group)',
        "main.tf:10: subjects[0].kind: kubernetes_cluster_role_binding_v1.bind: Unsupported value "
        "'serviceaccount': supported values: \"ServiceAccount\", \"User\", \"Group\"; did you mean "
        '"ServiceAccount"?',
        "main.tf:26: aggregationRule.clusterRoleSelectors: kubernetes_cluster_role.agg: Required "
        "value: at least one clusterRoleSelector required if aggregationRule is non-nil (an empty "
        "aggregationRule would strip the role's rules; remove it or add a selector)"]


def test_terraform_argument_misspelt_is_refused_as_terraform_plan_refuses_it(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(textwrap.dedent("""\
        resource "kubernetes_role_v1" "r" {
          metadata {
            name      = "r"
            namespace = "apps"
          }
          rule {
            api_group = [""]
            resources = ["pods"]
            verbs     = ["get"]
          }
        }
        """))
    with pytest.raises(pfperms.LoadError) as caught:
        pfperms.load(tmp_path, cluster_defaults=False, cache=False)
    (problem,) = caught.value.problems
    assert str(problem).replace(str(tmp_path / "main.tf"), "main.tf") == (
        "main.tf:1: kubernetes_role_v1.r: kubernetes_role_v1: rule.0.api_group: An argument named "
        "'api_group' is not expected here (terraform plan refuses it); did you mean \"api_groups\"?")


# -- role references and subjects -----------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param(binding("[{kind: Group, name: g}]", "{apiGroup: rbac.authorization.k8s.io/v1, kind: Role, name: r}"),
                 ["5: roleRef.apiGroup: Unsupported value 'rbac.authorization.k8s.io/v1': supported values: "
                  '"rbac.authorization.k8s.io"; did you mean "rbac.authorization.k8s.io"?'], id="roleRef-apiGroup"),
    pytest.param(binding("[{kind: Group, name: g}]", "{kind: clusterrole, name: r}"),
                 ["5: roleRef.kind: Unsupported value 'clusterrole': supported values: \"Role\", "
                  '"ClusterRole"; did you mean "ClusterRole"?'], id="roleRef-kind-case"),
    pytest.param(binding("[{kind: Group, name: g}]", "{kind: Role, name: r}", kind="ClusterRoleBinding"),
                 ["5: roleRef.kind: Unsupported value 'Role': supported values: \"ClusterRole\" (a "
                  "ClusterRoleBinding can only bind a ClusterRole)"], id="crb-to-role"),
    pytest.param(binding("[{kind: Group, name: g}]", '{kind: Role, name: ""}'),
                 ["5: roleRef.name: Required value: the name of the role to bind"], id="roleRef-name"),
    pytest.param(binding("[{kind: Group, name: g}]", "{kind: Role, name: a/b}"),
                 ["5: roleRef.name: invalid name 'a/b': may not contain '/'"], id="roleRef-name-slash"),
    pytest.param(binding("[{kind: Group, name: g}]", "{kind: Role, name: r, namespace: x}"),
                 ["5: roleRef.namespace: unknown field 'namespace': the API server refuses it "
                  "(kubectl apply --validate=strict)"], id="roleRef-unknown-field"),
    pytest.param(binding("[{kind: serviceaccount, name: app, namespace: apps}]"),
                 ["4: subjects[0].kind: Unsupported value 'serviceaccount': supported values: "
                  '"ServiceAccount", "User", "Group"; did you mean "ServiceAccount"?'], id="subject-kind-case"),
    pytest.param(binding("[{kind: Robot, name: r2}]"),
                 ["4: subjects[0].kind: Unsupported value 'Robot': supported values: "
                  '"ServiceAccount", "User", "Group"'], id="subject-kind-unknown"),
    pytest.param(binding('[{kind: User, name: ""}]'),
                 ["4: subjects[0].name: Required value: the subject's name"], id="subject-name-empty"),
    pytest.param(binding("[{kind: ServiceAccount, name: App_1, namespace: apps}]"),
                 ["4: subjects[0].name: invalid service account name 'App_1': must be a DNS-1123 "
                  "subdomain: lower case letters, digits and '-' or '.', starting and ending with a "
                  "letter or digit"], id="subject-sa-name"),
    pytest.param(binding("[{kind: ServiceAccount, name: app, apiGroup: rbac.authorization.k8s.io}]"),
                 ["4: subjects[0].apiGroup: Unsupported value 'rbac.authorization.k8s.io': supported "
                  'values: "" (a ServiceAccount subject takes no apiGroup; remove it)'], id="subject-sa-apiGroup"),
    pytest.param(binding("[{kind: ServiceAccount, name: app}]", kind="ClusterRoleBinding"),
                 ["4: subjects[0].namespace: Required value: a ServiceAccount subject of a "
                  "ClusterRoleBinding needs the service account's namespace"], id="crb-sa-namespace"),
    pytest.param(binding("[{kind: User, name: u, apiGroup: example.com}]"),
                 ["4: subjects[0].apiGroup: Unsupported value 'example.com': supported values: "
                  '"rbac.authorization.k8s.io"'], id="subject-user-apiGroup"),
    pytest.param(binding("[{kind: Group, name: g, apiGroup: rbac.authorization.k8s.io/v1}]"),
                 ["4: subjects[0].apiGroup: Unsupported value 'rbac.authorization.k8s.io/v1': supported "
                  'values: "rbac.authorization.k8s.io"; did you mean "rbac.authorization.k8s.io"?'],
                 id="subject-group-apiGroup"),
    pytest.param(binding("[{kind: User, nmae: u}]"),
                 ["4: subjects[0].nmae: unknown field 'nmae': the API server refuses it (kubectl "
                  'apply --validate=strict); did you mean "name"?',
                  "4: subjects[0]: missing required field 'name'"], id="subject-field-misspelt"),
])
def test_bindings_the_api_server_refuses(tmp_path: Path, text: str, expected: list[str]) -> None:
    assert refused(tmp_path, text) == expected


def test_defaulted_fields_are_admitted(tmp_path: Path) -> None:
    """defaults.go: an empty roleRef.apiGroup becomes rbac.authorization.k8s.io; a User or Group
    subject's empty apiGroup too; a ServiceAccount subject's stays empty. All admitted."""
    text = binding("[{kind: User, name: u}, {kind: Group, name: g, apiGroup: ''}, "
                   "{kind: ServiceAccount, name: app}]", "{kind: ClusterRole, name: r}")
    (made,) = pfperms.load(write(tmp_path, text), cluster_defaults=False).objects("RoleBinding")
    assert isinstance(made, RoleBinding)
    assert made.role_ref.api_group == "rbac.authorization.k8s.io"


# -- names, namespaces, other kinds ---------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param(f"apiVersion: {RBAC}\nkind: ClusterRole\nmetadata: {{name: ..}}\n",
                 ["3: metadata.name: invalid name '..': may not be '..'"], id="role-name-dotdot"),
    pytest.param(binding("[{kind: Group, name: g}]").replace("name: b,", "name: b%20,"),
                 ["3: metadata.name: invalid name 'b%20': may not contain '%'"], id="binding-name-percent"),
    pytest.param("apiVersion: v1\nkind: Namespace\nmetadata: {name: team.apps}\n",
                 ["3: metadata.name: invalid name 'team.apps': must be a DNS-1123 label: lower case "
                  "letters, digits and '-', starting and ending with a letter or digit"], id="namespace-name"),
    pytest.param(f"apiVersion: {RBAC}\nkind: Role\nmetadata: {{name: r, namespace: Apps}}\n",
                 ["3: metadata.namespace: invalid namespace 'Apps': must be a DNS-1123 label: lower "
                  "case letters, digits and '-', starting and ending with a letter or digit"], id="namespace-case"),
    pytest.param("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: my_app, namespace: apps}\n",
                 ["3: metadata.name: invalid name 'my_app': must be a DNS-1123 subdomain: lower case "
                  "letters, digits and '-' or '.', starting and ending with a letter or digit"], id="sa-name"),
    pytest.param("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: app, namespace: apps}\n"
                 "automountServiceAccountTokens: false\n",
                 ["4: automountServiceAccountTokens: unknown field 'automountServiceAccountTokens': the "
                  "API server refuses it (kubectl apply --validate=strict); did you mean "
                  '"automountServiceAccountToken"?'], id="sa-field-misspelt"),
    pytest.param("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: app, namespace: apps, lables: {a: b}}\n",
                 ["3: metadata.lables: unknown field 'lables': the API server refuses it (kubectl apply "
                  '--validate=strict); did you mean "labels"?'], id="metadata-field-misspelt"),
    pytest.param("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: app, namespace: apps}\n"
                 "secrets: [{name: t, namspace: apps}]\nimagePullSecrets: [{nmae: registry}]\n",
                 ["4: secrets[0].namspace: unknown field 'namspace': the API server refuses it (kubectl "
                  'apply --validate=strict); did you mean "namespace"?',
                  "5: imagePullSecrets[0].nmae: unknown field 'nmae': the API server refuses it (kubectl "
                  'apply --validate=strict); did you mean "name"?'], id="sa-references"),
    pytest.param("apiVersion: v1\nkind: Namespace\nmetadata: {name: apps}\nspec: {finaliser: [x]}\n",
                 ["4: spec.finaliser: unknown field 'finaliser': the API server refuses it (kubectl "
                  'apply --validate=strict); did you mean "finalizers"?'], id="namespace-spec"),
    pytest.param(f"apiVersion: {RBAC}\nkind: ClusterRole\nmetadata: {{name: r}}\nRules: []\n",
                 ["4: Rules: unknown field 'Rules': the API server refuses it (kubectl apply "
                  '--validate=strict); did you mean "rules"?'], id="top-level-case"),
])
def test_names_and_fields_the_api_server_refuses(tmp_path: Path, text: str, expected: list[str]) -> None:
    assert refused(tmp_path, text) == expected


def test_cluster_scoped_namespace_and_generate_name_are_admitted(tmp_path: Path) -> None:
    # the API server drops metadata.namespace of a cluster-scoped object (BeforeCreate)
    text = (f"apiVersion: {RBAC}\nkind: ClusterRole\nmetadata: {{name: r, namespace: ignored}}\n---\n"
            "apiVersion: v1\nkind: ServiceAccount\nmetadata: {generateName: build-, namespace: ci}\n")
    assert len(pfperms.load(write(tmp_path, text), cluster_defaults=False).objects()) == 2


def test_kinds_outside_the_checked_ones_keep_their_fields(tmp_path: Path) -> None:
    text = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: a}\nanything: 1\n"
    (widget,) = pfperms.load(write(tmp_path, text), cluster_defaults=False).objects("Widget")
    assert widget.body["anything"] == 1


def test_every_problem_of_a_file_is_listed_with_its_line(tmp_path: Path) -> None:
    text = role('{apiGroups: [""], resources: [pods], verbs: []}') + "---\n" + \
        binding("[{kind: user, name: u}]")
    assert refused(tmp_path, text) == [
        "5: rules[0].verbs: verbs must contain at least one value",
        "10: subjects[0].kind: Unsupported value 'user': supported values: \"ServiceAccount\", "
        '"User", "Group"; did you mean "User"?']


@pytest.mark.parametrize("world", [
    pytest.param(RULE_TEMPLATE.format(rules='- {apiGroups: [""], resources: [pods], verbs: []}'), id="rules"),
    pytest.param(SCOPE, id="scope"), pytest.param(ROLE_REFS, id="role-refs"),
    pytest.param(SUBJECTS, id="subjects"), pytest.param(PITFALLS, id="pitfalls"),
    pytest.param(MANIFESTS, id="who-can"),
])
def test_the_authorizer_worlds_with_refused_objects_are_refused_by_load(tmp_path: Path, world: str) -> None:
    """The semantics tables that keep objects the API server refuses (to pin how the authorizer
    treats them) load them with ``admitted=False``; a plain load refuses each of these worlds."""
    with pytest.raises(pfperms.LoadError):
        pfperms.load(write(tmp_path, world), cluster_defaults=False)


def test_terraform_built_binding_is_checked_too() -> None:
    from pytest_pfperms.model.objects import SourceRef
    from pytest_pfperms.sources.manifests.object_building import InvalidObject, build_object

    document = {"apiVersion": RBAC, "kind": "ClusterRoleBinding", "metadata": {"name": "b"},
                "subjects": [{"kind": "ServiceAccount", "name": "app", "namespace": "apps"}],
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "r"}}
    built = build_object(document, SourceRef("main.tf", 1), "default")
    assert isinstance(built.obj, ClusterRoleBinding)
    with pytest.raises(InvalidObject, match="supported values"):
        build_object({**document, "roleRef": {**document["roleRef"], "kind": "Role"}},
                     SourceRef("main.tf", 1), "default")


# -- Helm template syntax -------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "line", "action"), [
    pytest.param("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {{ .Values.name }}\n", 4,
                 "{{ .Values.name }}", id="values"),
    pytest.param('{{- if .Values.rbac.create }}\napiVersion: v1\nkind: ServiceAccount\n', 1,
                 "{{- if .Values.rbac.create }}", id="control"),
    pytest.param('apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: "{{ include \\"x.fullname\\" . }}"\n',
                 4, '{{ include \\"x.fullname\\" . }}', id="include-quoted"),
])
def test_helm_template_syntax_says_render_it_first(tmp_path: Path, text: str, line: int, action: str) -> None:
    assert refused(tmp_path, text) == [
        f"{line}: holds Helm template syntax ({action}): it is a chart template, not a manifest; "
        "render it first with `helm template <release> <chart>` and load the output"]


def test_rendered_braces_that_are_not_helm_load(tmp_path: Path) -> None:
    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: alerts, namespace: mon}\n"
            "data:\n  rule: 'Pod {{ $labels.pod }} is {{ printf \"%.2f\" $value }}'\n"
            "  argo: '{{inputs.parameters.message}}'\n# {{ .Values.in_a_comment }}\n")
    assert pfperms.load(write(tmp_path, text), cluster_defaults=False).objects("ConfigMap")


def test_a_yaml_error_next_to_template_braces_hints_at_helm(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {{ template_name }}\n  x: [\n"
    (problem,) = refused(tmp_path, text)
    assert problem.endswith("; line 4 holds template syntax ({{ }}): if the file is a Helm chart "
                            "template, render it first with `helm template <release> <chart>` and "
                            "load the output")


def test_resource_names_over_several_resources_are_admitted(tmp_path: Path) -> None:
    """kube-apiserver's ValidatePolicyRule has no rule against resourceNames with several
    resources (Panfactum's kube_buildkit grants statefulsets and statefulsets/scale by name)."""
    (tmp_path / "role.yaml").write_text(role(
        '{apiGroups: [apps], resources: [statefulsets, statefulsets/scale], resourceNames: [b-amd64], '
        'verbs: [get, patch]}'))
    model = pfperms.load(tmp_path, cache=False)
    assert [o.name for o in model.objects("Role")] == ["r"]
