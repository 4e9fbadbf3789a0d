"""Kubernetes objects created by Terraform resources, with the providers' defaults.

Input is the *evaluated* body of one resource block: attribute names mapped to
values (``str``/``int``/``bool``/``None``/``list``/``dict``, a
:class:`~pytest_pfperms.values.Symbol` anywhere); nested blocks are lists of
dicts, even single ones (``metadata`` -> ``[{...}]``); an absent block is absent
or ``[]``. Output is the manifest dict :func:`..kube_objects.build_object` takes.
Symbols are passed through untouched, the same object, wherever they appear.
Attribute values are converted to the schema's type as Terraform core does
before the provider sees them (``to_string``/``to_bool`` of :mod:`.hcl_values`:
``1`` -> ``"1"``, ``"true"`` -> ``True``). An argument the schema does not have in
``metadata`` or an RBAC block (``rule``, ``subject``, ``role_ref``, ``aggregation_rule``
and its selectors) is refused, as ``terraform plan`` refuses it: dropped, it would change
the object (``api_groups`` in a ``role_ref`` would load as the defaulted group).

Provider facts, read in hashicorp/terraform-provider-kubernetes at HEAD
(3a33fb6c, after v3.2.1; the files that matter are unchanged in substance since
v2.35.0, the version Panfactum pins). Paths are in that repository.

Resource types (``kubernetes/provider.go``)
    Every RBAC, service-account and workload type exists with a ``_v1`` twin and
    both map to the same implementation, except: the daemon set is
    ``kubernetes_daemonset`` and ``kubernetes_daemon_set_v1`` (there is **no**
    ``kubernetes_daemon_set``: Terraform rejects it, so :func:`manifest_for`
    returns None for it); ``kubernetes_cron_job`` is the *batch/v1beta1* CronJob
    (``resource_kubernetes_cron_job_v1beta1.go``) while ``kubernetes_cron_job_v1``
    is batch/v1. ``kubernetes_labels`` and ``kubernetes_annotations`` have **no**
    ``_v1`` twin. API versions: RBAC ``rbac.authorization.k8s.io/v1``; Deployment,
    StatefulSet, DaemonSet ``apps/v1``; Job ``batch/v1``; Pod,
    ReplicationController, ServiceAccount ``v1``.

Metadata (``kubernetes/schema_metadata.go``, ``expandMetadata`` in ``structures.go``)
    Namespaced resources have ``namespace`` Optional with Default ``"default"``:
    an omitted (or null) namespace becomes ``"default"``; an explicit ``""`` is
    sent as is. Cluster-scoped types (ClusterRole, ClusterRoleBinding) have no
    namespace attribute at all. Pod-template metadata has no namespace default.
    ``name`` is Optional+Computed; ``generate_name`` is Optional and
    ConflictsWith ``name`` (Terraform refuses both; both are emitted here if
    given and the builder uses ``name``); the API server appends a random
    5-character suffix to ``generateName`` (the builder makes that a Symbol).
    RBAC names are validated as path segments (``schema_rbac.go``).
    ``labels``/``annotations`` are set only when non-empty.

Roles (``resource_kubernetes_role_v1.go``, ``resource_kubernetes_cluster_role_v1.go``, ``structures_rbac.go``)
    ``kubernetes_role`` rules have ``api_groups``, ``resources``, ``verbs``
    (Required) and ``resource_names``, all *sets* (duplicates dropped, order not
    kept; a field is sent only when non-empty) and **no** ``non_resource_urls``.
    ``kubernetes_cluster_role`` rules are *lists* with ``api_groups``,
    ``non_resource_urls``, ``resource_names``, ``resources``, ``verbs``; ``rule``
    is Optional+Computed (omitted -> no rules, which the aggregation controller
    fills when there is an aggregation rule). ``aggregation_rule`` is sent when
    the block is present, even empty (then ``aggregationRule: {}``, which the API
    server rejects: it needs a selector). ``cluster_role_selectors`` entries are
    label selectors (``schema_label_selector.go``, ``structure_label_selector.go``):
    ``match_labels`` map, ``match_expressions`` blocks of ``key``, ``operator``,
    ``values`` (a set); an empty selector block is an empty selector, which
    matches every ClusterRole.

Bindings (``schema_rbac.go``, ``expandRBACSubjects``/``expandRBACRoleRef`` in ``structures_rbac.go``)
    ``subject.namespace`` is Optional with Default ``"default"`` for *every*
    subject kind, so a ServiceAccount subject without a namespace is in
    ``default`` (not the binding's namespace), and User/Group subjects carry
    ``namespace: default`` too (ignored by the authorizer). ``subject.api_group``
    is Optional+Computed with **no** provider default: it is sent empty and the
    API server defaults it by kind (``SetDefaults_Subject`` in Kubernetes'
    ``pkg/apis/rbac/v1/defaults.go``): ``""`` for ServiceAccount,
    ``rbac.authorization.k8s.io`` for User and Group; that server default is
    written into the manifest here. ``role_ref.api_group`` is **Required** (no
    default) and may only be ``rbac.authorization.k8s.io``; ``role_ref.kind``
    only ``Role`` or ``ClusterRole``. If it is missing anyway the server's
    default (the RBAC group) is used.

Service accounts (``resource_kubernetes_service_account_v1.go``)
    ``automount_service_account_token`` is Optional with Default **true** and is
    always sent, so a Terraform-made ServiceAccount has
    ``automountServiceAccountToken: true`` unless set to false.

Pod specs (``schema_pod_spec.go``, ``schema_pod_template.go``, ``expandPodSpec`` in ``structures_pod.go``)
    ``automount_service_account_token`` is Optional with Default **true** in
    ``podSpecFields`` itself, so it is the same for ``kubernetes_pod`` and for
    every workload template (Deployment, StatefulSet, DaemonSet, Job, CronJob,
    ReplicationController) and always sent: every Terraform-made pod spec says
    ``automountServiceAccountToken: true`` explicitly unless set to false, which
    *overrides* ``automountServiceAccountToken: false`` on the service account
    (the pod's setting wins in Kubernetes). Since provider v2.0.0 (commit
    7cc826c9, "Normalize automount_service_account_token"); before that the pod
    spec had no default. The default applies only when the pod spec block
    exists (a Job/StatefulSet/DaemonSet template's ``spec`` block is Optional).
    ``service_account_name`` is Optional+Computed; omitted means the API server
    uses ``default``. There is **no** legacy ``service_account`` attribute in
    the pod spec schema (Terraform rejects it), so it is ignored here. Pod-spec
    paths: ``spec.template.spec`` for Deployment/StatefulSet/DaemonSet/Job/
    ReplicationController, ``spec.job_template.spec.template.spec`` for cron jobs,
    ``spec`` for ``kubernetes_pod``.

kubernetes_labels, kubernetes_annotations (``resource_kubernetes_labels.go``, ``..._annotations.go``)
    Server-side apply of only the given keys to an existing object named by
    ``api_version``, ``kind``, ``metadata { name, namespace }``. ``namespace`` has
    no schema default but, for a namespaced kind, an empty one means
    ``"default"``; for a cluster-scoped kind it is ignored. ``labels`` is
    Required; ``annotations`` and ``template_annotations`` are Optional (at least
    one of them); ``template_annotations`` go to ``spec.template.metadata`` (for
    kind CronJob ``spec.jobTemplate.spec.template.metadata``). There are no
    template labels. ``field_manager`` defaults to ``"Terraform"``, ``force`` to
    false.

kubectl_manifest (alekc/kubectl 2.1.6, the one Panfactum pins; in alekc/terraform-provider-kubectl:
``kubernetes/resource_kubectl_manifest.go``, ``yaml/parser.go``)
    ``yaml_body`` is decoded with a single go-yaml v2 ``Unmarshal`` into one map,
    which reads only the **first** YAML document: later documents are silently
    ignored (the multi-document splitter is used only by the
    ``kubectl_file_documents``/``kubectl_path_documents`` data sources). An empty
    first document makes the plan fail. ``override_namespace``, when non-empty,
    replaces ``metadata.namespace``. A namespaced object without a namespace goes
    to ``"default"`` (pass ``default_namespace="default"`` to the builder).

kubernetes_manifest (``manifest/provider/validate.go``)
    ``manifest`` must hold ``apiVersion``, ``kind`` and ``metadata``, may not hold
    ``status``; a namespaced kind *requires* ``metadata.namespace`` (no default)
    and a cluster-scoped kind may not have one. ``object``, ``wait`` and the other
    attributes do not change the object.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ....errors import nul_line
from ....values import Str, Symbol
from ...hcl.values import ConversionError, to_bool, to_string
from ...manifests.admission import suggestion
from ...manifests.documents import iter_documents
from ...manifests.object_building import CLUSTER_SCOPED_KINDS, RBAC_GROUP

RBAC_V1 = f"{RBAC_GROUP}/v1"
DEFAULT_NAMESPACE = "default"
DEFAULT_FIELD_MANAGER = "Terraform"

_Path = tuple[str | int, ...]
_Manifest = dict[str, Any]


class ResourceBodyError(ValueError):
    """An evaluated resource body the provider would refuse: ``path`` names the attribute."""

    def __init__(self, resource_type: str, path: _Path, message: str):
        where = ".".join(str(step) for step in path)
        super().__init__(f"{resource_type}: {where}: {message}" if where else f"{resource_type}: {message}")
        self.resource_type = resource_type
        self.path = path
        self.message = message


# --------------------------------------------------------------------------- value helpers


class _Reader:
    """Reads one resource body, converting values as Terraform core does for the schema."""

    def __init__(self, resource_type: str):
        self.resource_type = resource_type

    def error(self, path: _Path, message: str) -> ResourceBodyError:
        return ResourceBodyError(self.resource_type, path, message)

    def blocks(self, container: Mapping[str, Any], name: str, path: _Path) -> list[Any] | Symbol:
        """A nested block's instances: a list (``[]`` when absent) or a wholly unknown Symbol."""
        value = container.get(name)
        if value is None:
            return []
        if isinstance(value, Symbol):
            return value
        if isinstance(value, Mapping):
            return [value]
        if isinstance(value, list | tuple):
            return list(value)
        raise self.error((*path, name), "expected a block")

    def block(self, container: Mapping[str, Any], name: str,
              path: _Path) -> Mapping[str, Any] | Symbol | None:
        """A single (MaxItems 1) block: None when absent, ``{}`` when present but empty."""
        found = self.blocks(container, name, path)
        if isinstance(found, Symbol):
            return found
        if not found:
            return None
        return self.instance(found[0], (*path, name, 0))

    def instance(self, value: Any, path: _Path) -> Mapping[str, Any] | Symbol:
        if value is None:
            return {}
        if isinstance(value, Symbol | Mapping):
            return value
        raise self.error(path, "expected a block")

    def arguments(self, block: Mapping[str, Any] | Symbol, known: frozenset[str], path: _Path) -> None:
        """Refuse an argument the provider's schema does not have, as ``terraform plan`` does
        ("An argument named ... is not expected here"), with the closest known name."""
        if isinstance(block, Symbol):
            return
        for key in block:
            if isinstance(key, str) and key not in known:
                raise self.error((*path, key), f"An argument named {key!r} is not expected here "
                                 f"(terraform plan refuses it){suggestion(key, known)}")

    def string(self, value: Any, path: _Path) -> Str | None:
        try:
            return to_string(value)
        except ConversionError as problem:
            raise self.error(path, str(problem)) from None

    def boolean(self, value: Any, path: _Path) -> bool | Symbol | None:
        try:
            return to_bool(value)
        except ConversionError as problem:
            raise self.error(path, str(problem)) from None

    def strings(self, value: Any, path: _Path, *, unique: bool) -> list[Str] | Symbol | None:
        """A list (or, with ``unique``, a set) of strings; null elements become ``""``."""
        if value is None or isinstance(value, Symbol):
            return value
        if isinstance(value, str) or not isinstance(value, list | tuple):
            raise self.error(path, "expected a list of strings")
        result: list[Str] = []
        for index, item in enumerate(value):
            text = self.string(item, (*path, index))
            text = "" if text is None else text
            if unique and any(text == seen for seen in result):
                continue
            result.append(text)
        return result

    def string_map(self, value: Any, path: _Path) -> dict[str, Str] | Symbol | None:
        if value is None or isinstance(value, Symbol):
            return value
        if not isinstance(value, Mapping):
            raise self.error(path, "expected a map of strings")
        result: dict[str, Str] = {}
        for key, item in value.items():
            text = self.string(item, (*path, key))
            if text is not None:
                result[str(key)] = text
        return result


def _present(value: Str | None) -> bool:
    """Whether Go would send a string field (omitempty): a Symbol or a non-empty string."""
    return isinstance(value, Symbol) or bool(value)


def _nonempty(value: Any) -> bool:
    """Whether a list/map field is sent: a Symbol, or a non-empty collection."""
    return isinstance(value, Symbol) or bool(value)


# --------------------------------------------------------------------------- metadata


_METADATA_ARGUMENTS = frozenset({"annotations", "generate_name", "generation", "labels", "name",
                                 "namespace", "resource_version", "uid"})
"""``metadata`` of every resource here (``generation``, ``resource_version`` and ``uid`` are
computed: in a plan's values, never in configuration)."""


def _metadata(reader: _Reader, body: Mapping[str, Any], *, namespaced: bool) -> _Manifest | Symbol:
    block = reader.block(body, "metadata", ())
    if block is None:
        return {}
    if isinstance(block, Symbol):
        return block
    path: _Path = ("metadata", 0)
    reader.arguments(block, _METADATA_ARGUMENTS, path)
    metadata: _Manifest = {}
    name = reader.string(block.get("name"), (*path, "name"))
    if _present(name):
        metadata["name"] = name
    generate_name = reader.string(block.get("generate_name"), (*path, "generate_name"))
    if _present(generate_name):
        metadata["generateName"] = generate_name
    if namespaced:
        namespace = reader.string(block.get("namespace"), (*path, "namespace"))
        metadata["namespace"] = DEFAULT_NAMESPACE if namespace is None else namespace
    for attribute in ("labels", "annotations"):
        values = reader.string_map(block.get(attribute), (*path, attribute))
        if _nonempty(values):
            metadata[attribute] = values
    return metadata


def _head(api_version: str, kind: str, metadata: _Manifest | Symbol) -> _Manifest:
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata}


# --------------------------------------------------------------------------- RBAC

_ROLE_RULE_FIELDS = (("api_groups", "apiGroups"), ("resources", "resources"),
                     ("resource_names", "resourceNames"), ("verbs", "verbs"))
_CLUSTER_ROLE_RULE_FIELDS = (("api_groups", "apiGroups"), ("non_resource_urls", "nonResourceURLs"),
                             ("resource_names", "resourceNames"), ("resources", "resources"),
                             ("verbs", "verbs"))


def _rules(reader: _Reader, body: Mapping[str, Any], *, sets: bool) -> list[Any] | Symbol:
    raw = reader.blocks(body, "rule", ())
    if isinstance(raw, Symbol):
        return raw
    fields = _ROLE_RULE_FIELDS if sets else _CLUSTER_ROLE_RULE_FIELDS
    rules: list[Any] = []
    for index, item in enumerate(raw):
        path: _Path = ("rule", index)
        block = reader.instance(item, path)
        if isinstance(block, Symbol):
            rules.append(block)
            continue
        reader.arguments(block, frozenset(attribute for attribute, _ in fields), path)
        rule: _Manifest = {}
        for attribute, key in fields:
            values = reader.strings(block.get(attribute), (*path, attribute), unique=sets)
            if _nonempty(values):
                rule[key] = values
        rules.append(rule)
    return rules


def _label_selector(reader: _Reader, block: Mapping[str, Any], path: _Path) -> _Manifest:
    reader.arguments(block, frozenset({"match_labels", "match_expressions"}), path)
    selector: _Manifest = {}
    labels = reader.string_map(block.get("match_labels"), (*path, "match_labels"))
    if _nonempty(labels):
        selector["matchLabels"] = labels
    expressions = reader.blocks(block, "match_expressions", path)
    if isinstance(expressions, Symbol):
        selector["matchExpressions"] = expressions
    elif expressions:
        requirements: list[Any] = []
        for index, item in enumerate(expressions):
            where: _Path = (*path, "match_expressions", index)
            requirement = reader.instance(item, where)
            if isinstance(requirement, Symbol):
                requirements.append(requirement)
                continue
            reader.arguments(requirement, frozenset({"key", "operator", "values"}), where)
            key = reader.string(requirement.get("key"), (*where, "key"))
            operator = reader.string(requirement.get("operator"), (*where, "operator"))
            built: _Manifest = {"key": "" if key is None else key,
                                "operator": "" if operator is None else operator}
            values = reader.strings(requirement.get("values"), (*where, "values"), unique=True)
            if _nonempty(values):
                built["values"] = values
            requirements.append(built)
        selector["matchExpressions"] = requirements
    return selector


def _aggregation_rule(reader: _Reader, body: Mapping[str, Any]) -> _Manifest | Symbol | None:
    block = reader.block(body, "aggregation_rule", ())
    if block is None or isinstance(block, Symbol):
        return block
    reader.arguments(block, frozenset({"cluster_role_selectors"}), ("aggregation_rule", 0))
    raw = reader.blocks(block, "cluster_role_selectors", ("aggregation_rule", 0))
    if isinstance(raw, Symbol):
        return {"clusterRoleSelectors": raw}
    if not raw:
        return {}
    selectors: list[Any] = []
    for index, item in enumerate(raw):
        path: _Path = ("aggregation_rule", 0, "cluster_role_selectors", index)
        selector = reader.instance(item, path)
        selectors.append(selector if isinstance(selector, Symbol)
                         else _label_selector(reader, selector, path))
    return {"clusterRoleSelectors": selectors}


_SUBJECT_API_GROUP_DEFAULTS = {"ServiceAccount": "", "User": RBAC_GROUP, "Group": RBAC_GROUP}
"""The API server's default ``apiGroup`` per subject kind (Kubernetes ``SetDefaults_Subject``)."""


def _subjects(reader: _Reader, body: Mapping[str, Any]) -> list[Any] | Symbol:
    raw = reader.blocks(body, "subject", ())
    if isinstance(raw, Symbol):
        return raw
    subjects: list[Any] = []
    for index, item in enumerate(raw):
        path: _Path = ("subject", index)
        block = reader.instance(item, path)
        if isinstance(block, Symbol):
            subjects.append(block)
            continue
        reader.arguments(block, frozenset({"api_group", "kind", "name", "namespace"}), path)
        subject: _Manifest = {}
        kind = reader.string(block.get("kind"), (*path, "kind"))
        if kind is not None:
            subject["kind"] = kind
        api_group = reader.string(block.get("api_group"), (*path, "api_group"))
        if not _present(api_group) and isinstance(kind, str):
            api_group = _SUBJECT_API_GROUP_DEFAULTS.get(kind)
        if _present(api_group):
            subject["apiGroup"] = api_group
        name = reader.string(block.get("name"), (*path, "name"))
        if name is not None:
            subject["name"] = name
        namespace = reader.string(block.get("namespace"), (*path, "namespace"))
        namespace = DEFAULT_NAMESPACE if namespace is None else namespace
        if _present(namespace):
            subject["namespace"] = namespace
        subjects.append(subject)
    return subjects


def _role_ref(reader: _Reader, body: Mapping[str, Any]) -> _Manifest | Symbol:
    block = reader.block(body, "role_ref", ())
    if block is None:
        return {}
    if isinstance(block, Symbol):
        return block
    path: _Path = ("role_ref", 0)
    reader.arguments(block, frozenset({"api_group", "kind", "name"}), path)
    api_group = reader.string(block.get("api_group"), (*path, "api_group"))
    ref: _Manifest = {"apiGroup": api_group if _present(api_group) else RBAC_GROUP}
    for attribute in ("kind", "name"):
        value = reader.string(block.get(attribute), (*path, attribute))
        if value is not None:
            ref[attribute] = value
    return ref


def _role(reader: _Reader, body: Mapping[str, Any]) -> _Manifest:
    manifest = _head(RBAC_V1, "Role", _metadata(reader, body, namespaced=True))
    manifest["rules"] = _rules(reader, body, sets=True)
    return manifest


def _cluster_role(reader: _Reader, body: Mapping[str, Any]) -> _Manifest:
    manifest = _head(RBAC_V1, "ClusterRole", _metadata(reader, body, namespaced=False))
    manifest["rules"] = _rules(reader, body, sets=False)
    aggregation = _aggregation_rule(reader, body)
    if aggregation is not None:
        manifest["aggregationRule"] = aggregation
    return manifest


def _binding(kind: str, namespaced: bool) -> Callable[[_Reader, Mapping[str, Any]], _Manifest]:
    def build(reader: _Reader, body: Mapping[str, Any]) -> _Manifest:
        manifest = _head(RBAC_V1, kind, _metadata(reader, body, namespaced=namespaced))
        manifest["subjects"] = _subjects(reader, body)
        manifest["roleRef"] = _role_ref(reader, body)
        return manifest
    return build


def _namespace(reader: _Reader, body: Mapping[str, Any]) -> _Manifest:
    return _head("v1", "Namespace", _metadata(reader, body, namespaced=False))


def _service_account(reader: _Reader, body: Mapping[str, Any]) -> _Manifest:
    manifest = _head("v1", "ServiceAccount", _metadata(reader, body, namespaced=True))
    automount = reader.boolean(body.get("automount_service_account_token"),
                               ("automount_service_account_token",))
    manifest["automountServiceAccountToken"] = True if automount is None else automount
    return manifest


def _secret(reader: _Reader, body: Mapping[str, Any]) -> _Manifest:
    """A Secret: its metadata and type (a ``kubernetes.io/service-account-token`` Secret holds
    the token of the account its annotation names); its data is never read."""
    manifest = _head("v1", "Secret", _metadata(reader, body, namespaced=True))
    kind = reader.string(body.get("type"), ("type",))
    manifest["type"] = kind if _present(kind) else "Opaque"
    return manifest


AWS_AUTH_KEYS = ("mapRoles", "mapUsers", "mapAccounts")
"""The keys of the aws-auth ConfigMap that map IAM identities to Kubernetes users and groups;
the only ConfigMap data the model keeps (:mod:`pytest_pfperms.aws.aws_auth` reads them)."""


def _config_map(reader: _Reader, body: Mapping[str, Any]) -> _Manifest:
    """A ConfigMap (or the data ``kubernetes_config_map_v1_data`` writes into one): its metadata
    and the aws-auth keys of its data (other data grants nothing and is not kept)."""
    manifest = _head("v1", "ConfigMap", _metadata(reader, body, namespaced=True))
    data = reader.string_map(body.get("data"), ("data",))
    if isinstance(data, Symbol):
        manifest["data"] = data  # unknown before apply: it may hold any mapping
    elif data:
        kept = {key: value for key, value in data.items() if key in AWS_AUTH_KEYS}
        if kept:
            manifest["data"] = kept
    return manifest


# --------------------------------------------------------------------------- workloads

_TEMPLATE_PATH = ("spec", "template", "spec")
_CRON_PATH = ("spec", "job_template", "spec", "template", "spec")
_CAMEL = {"job_template": "jobTemplate"}


def _workload(api_version: str, kind: str,
              path: tuple[str, ...]) -> Callable[[_Reader, Mapping[str, Any]], _Manifest]:
    """A workload manifest: metadata plus the pod spec's service account fields at ``path``."""

    def build(reader: _Reader, body: Mapping[str, Any]) -> _Manifest:
        manifest = _head(api_version, kind, _metadata(reader, body, namespaced=True))
        container: Mapping[str, Any] = body
        target: _Manifest = manifest
        walked: _Path = ()
        for step in path:
            block = reader.block(container, step, walked)
            if block is None:
                return manifest  # no pod spec block: nothing set, no defaults applied
            key = _CAMEL.get(step, step)
            if isinstance(block, Symbol):
                target[key] = block
                return manifest
            target[key] = {}
            target = target[key]
            container = block
            walked = (*walked, step, 0)
        account = reader.string(container.get("service_account_name"), (*walked, "service_account_name"))
        if _present(account):
            target["serviceAccountName"] = account
        automount = reader.boolean(container.get("automount_service_account_token"),
                                   (*walked, "automount_service_account_token"))
        target["automountServiceAccountToken"] = True if automount is None else automount
        return manifest

    return build


_Builder = Callable[[_Reader, Mapping[str, Any]], _Manifest]

_ROLE_BINDING = _binding("RoleBinding", namespaced=True)
_CLUSTER_ROLE_BINDING = _binding("ClusterRoleBinding", namespaced=False)
_DEPLOYMENT = _workload("apps/v1", "Deployment", _TEMPLATE_PATH)
_STATEFUL_SET = _workload("apps/v1", "StatefulSet", _TEMPLATE_PATH)
_DAEMON_SET = _workload("apps/v1", "DaemonSet", _TEMPLATE_PATH)
_JOB = _workload("batch/v1", "Job", _TEMPLATE_PATH)
_POD = _workload("v1", "Pod", ("spec",))
_REPLICATION_CONTROLLER = _workload("v1", "ReplicationController", _TEMPLATE_PATH)

_BUILDERS: dict[str, _Builder] = {
    "kubernetes_role": _role,
    "kubernetes_role_v1": _role,
    "kubernetes_cluster_role": _cluster_role,
    "kubernetes_cluster_role_v1": _cluster_role,
    "kubernetes_role_binding": _ROLE_BINDING,
    "kubernetes_role_binding_v1": _ROLE_BINDING,
    "kubernetes_cluster_role_binding": _CLUSTER_ROLE_BINDING,
    "kubernetes_cluster_role_binding_v1": _CLUSTER_ROLE_BINDING,
    "kubernetes_namespace": _namespace,
    "kubernetes_namespace_v1": _namespace,
    "kubernetes_service_account": _service_account,
    "kubernetes_service_account_v1": _service_account,
    "kubernetes_secret": _secret,
    "kubernetes_secret_v1": _secret,
    "kubernetes_config_map": _config_map,
    "kubernetes_config_map_v1": _config_map,
    "kubernetes_config_map_v1_data": _config_map,  # force-writes keys of an existing ConfigMap
    "kubernetes_deployment": _DEPLOYMENT,
    "kubernetes_deployment_v1": _DEPLOYMENT,
    "kubernetes_stateful_set": _STATEFUL_SET,
    "kubernetes_stateful_set_v1": _STATEFUL_SET,
    "kubernetes_daemonset": _DAEMON_SET,  # the provider has no "kubernetes_daemon_set"
    "kubernetes_daemon_set_v1": _DAEMON_SET,
    "kubernetes_job": _JOB,
    "kubernetes_job_v1": _JOB,
    "kubernetes_cron_job": _workload("batch/v1beta1", "CronJob", _CRON_PATH),
    "kubernetes_cron_job_v1": _workload("batch/v1", "CronJob", _CRON_PATH),
    "kubernetes_pod": _POD,
    "kubernetes_pod_v1": _POD,
    "kubernetes_replication_controller": _REPLICATION_CONTROLLER,
    "kubernetes_replication_controller_v1": _REPLICATION_CONTROLLER,
}

RESOURCE_TYPES = frozenset(_BUILDERS)
"""Every resource type :func:`manifest_for` understands."""

METADATA_PATCH_TYPES = frozenset({"kubernetes_labels", "kubernetes_annotations"})
"""Resource types that patch an existing object's metadata (neither has a ``_v1`` twin)."""


def manifest_for(resource_type: str, body: Mapping[str, Any]) -> dict[str, Any] | None:
    """The Kubernetes object a ``kubernetes_*`` resource creates, or None for other types.

    RBAC objects and service accounts are complete; workloads carry their
    metadata and the pod spec's ``serviceAccountName`` and
    ``automountServiceAccountToken`` (the fields the permission model reads).
    Raises :class:`ResourceBodyError` (a ValueError) on a value of the wrong type.
    """
    builder = _BUILDERS.get(resource_type)
    if builder is None:
        return None
    return builder(_Reader(resource_type), body)


# --------------------------------------------------------------------------- kubectl_manifest


def _go_key(key: Any) -> str:
    """A map key as the kubectl provider sees it after its YAML -> JSON step (``fmt.Sprint``)."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "<nil>"
    return str(key)


def _string_keys(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {_go_key(key): _string_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_string_keys(item) for item in value]
    return value


def _documents(text: str) -> Iterator[Any]:
    """The YAML documents of ``text``, read lazily by the manifests' strict reader (safe
    constructors, alias bombs and NUL bytes refused); bad YAML raises ValueError."""
    line = nul_line(text)
    if line is not None:
        raise ValueError(f"yaml_body: holds a NUL byte at line {line}, which YAML does not allow")
    return iter_documents(text, "yaml_body")


def _first_object(yaml_body: Any) -> dict[str, Any]:
    if isinstance(yaml_body, Mapping):
        document: Any = yaml_body
    elif isinstance(yaml_body, str):
        document = next(_documents(yaml_body), None)
        if document is None:
            raise ValueError("yaml_body: the first YAML document is empty; the kubectl provider "
                             "fails (\"Object 'Kind' is missing\")")
    else:
        raise ValueError(f"yaml_body: expected YAML text, not {type(yaml_body).__name__}")
    if not isinstance(document, Mapping):
        raise ValueError(f"yaml_body: the first YAML document is a {type(document).__name__}, "
                         "not a mapping (a Kubernetes object)")
    result: dict[str, Any] = _string_keys(document)
    return result


def kubectl_manifest_objects(yaml_body: Any, *,
                             override_namespace: Any = None) -> list[dict[str, Any]] | Symbol:
    """The object a ``kubectl_manifest`` applies: a one-item list, or the Symbol when unknown.

    ``yaml_body`` is YAML text (parsed with the safe loader), a dict when the
    evaluator already has the structure (``yamlencode({...})``), or a Symbol.
    Like the provider, only the **first** YAML document is applied (see
    :func:`ignored_kubectl_documents` for the rest). ``override_namespace``
    (the resource's attribute), when a Symbol or non-empty string, replaces
    ``metadata.namespace``. Bad YAML in the first document raises ValueError
    naming the line.
    """
    if isinstance(yaml_body, Symbol):
        return yaml_body
    obj = _first_object(yaml_body)
    if isinstance(override_namespace, Symbol) or (isinstance(override_namespace, str) and override_namespace):
        metadata = obj.get("metadata")
        obj["metadata"] = {**(metadata if isinstance(metadata, Mapping) else {}),
                           "namespace": override_namespace}
    return [obj]


def ignored_kubectl_documents(yaml_body: Any) -> list[Any]:
    """The non-empty YAML documents after the first in a ``kubectl_manifest`` body: the
    provider ignores them (worth a warning). Bad YAML in them raises ValueError."""
    if not isinstance(yaml_body, str):
        return []
    documents = _documents(yaml_body)
    next(documents, None)
    return [_string_keys(document) for document in documents if document is not None]


# --------------------------------------------------------------------------- kubernetes_manifest


def kubernetes_manifest_object(manifest: Any) -> dict[str, Any] | Symbol:
    """The object a ``kubernetes_manifest`` applies: its ``manifest`` attribute.

    Raises ResourceBodyError when the provider's validation would: not an object, a
    missing ``apiVersion``/``kind``/``metadata``, or a ``status`` key. A
    namespaced kind needs ``metadata.namespace`` (the provider has no default;
    not checked here, as scope needs discovery).
    """
    if isinstance(manifest, Symbol):
        return manifest
    if not isinstance(manifest, Mapping):
        raise ResourceBodyError("kubernetes_manifest", ("manifest",),
                                f"must be an object, not {type(manifest).__name__}")
    missing = [key for key in ("apiVersion", "kind", "metadata") if key not in manifest]
    if missing:
        raise ResourceBodyError("kubernetes_manifest", ("manifest",), f"'{missing[0]}' attribute key "
                                "is missing from manifest configuration")
    if "status" in manifest:
        raise ResourceBodyError("kubernetes_manifest", ("manifest",), "'status' attribute key is not "
                                "allowed in manifest configuration")
    return dict(manifest)


# --------------------------------------------------------------------------- metadata patches


@dataclass(frozen=True)
class MetadataPatch:
    """What a ``kubernetes_labels``/``kubernetes_annotations`` resource merges into an existing object.

    ``namespace`` is None for cluster-scoped kinds (the provider ignores it) and
    ``"default"`` when a namespaced kind's is omitted or empty. ``labels`` is
    set by ``kubernetes_labels``; ``annotations`` and ``template_annotations``
    (merged at :attr:`template_metadata_path`) by ``kubernetes_annotations``.
    Any map may be a Symbol when wholly unknown. Server-side apply: keys not
    named are left alone; ``force`` takes over keys another manager owns.
    """

    resource_type: str
    api_version: Str
    kind: Str
    name: Str
    namespace: Str | None
    labels: dict[str, Str] | Symbol = field(default_factory=dict)
    annotations: dict[str, Str] | Symbol = field(default_factory=dict)
    template_annotations: dict[str, Str] | Symbol = field(default_factory=dict)
    force: bool | Symbol = False
    field_manager: Str = DEFAULT_FIELD_MANAGER

    @property
    def template_metadata_path(self) -> tuple[str, ...]:
        """Where ``template_annotations`` go in the target object."""
        if self.kind == "CronJob":
            return ("spec", "jobTemplate", "spec", "template", "metadata")
        return ("spec", "template", "metadata")


def metadata_patch(resource_type: str, body: Mapping[str, Any]) -> MetadataPatch | None:
    """The metadata patch of a ``kubernetes_labels`` or ``kubernetes_annotations`` resource;
    None for other types. Raises :class:`ResourceBodyError` on a missing required attribute."""
    if resource_type not in METADATA_PATCH_TYPES:
        return None
    reader = _Reader(resource_type)

    def required(value: Str | None, path: _Path) -> Str:
        if value is None:
            raise reader.error(path, "required attribute is missing")
        return value

    api_version = required(reader.string(body.get("api_version"), ("api_version",)), ("api_version",))
    kind = required(reader.string(body.get("kind"), ("kind",)), ("kind",))
    block = reader.block(body, "metadata", ())
    if block is None:
        raise reader.error(("metadata",), "required block is missing")
    if isinstance(block, Symbol):
        raise reader.error(("metadata",), f"the whole block is unknown before apply ({block})")
    name = required(reader.string(block.get("name"), ("metadata", 0, "name")), ("metadata", 0, "name"))
    namespace: Str | None = None
    if kind not in CLUSTER_SCOPED_KINDS:
        given = reader.string(block.get("namespace"), ("metadata", 0, "namespace"))
        namespace = given if _present(given) else DEFAULT_NAMESPACE
    def string_map(attribute: str) -> dict[str, Str] | Symbol:
        value = reader.string_map(body.get(attribute), (attribute,))
        return {} if value is None else value

    labels: dict[str, Str] | Symbol = {}
    annotations: dict[str, Str] | Symbol = {}
    template_annotations: dict[str, Str] | Symbol = {}
    if resource_type == "kubernetes_labels":
        if body.get("labels") is None:
            raise reader.error(("labels",), "required attribute is missing")
        labels = string_map("labels")
    else:
        if body.get("annotations") is None and body.get("template_annotations") is None:
            raise reader.error(("annotations",), 'one of "annotations" or "template_annotations" '
                               "must be set")
        annotations = string_map("annotations")
        template_annotations = string_map("template_annotations")
    force = reader.boolean(body.get("force"), ("force",))
    manager = reader.string(body.get("field_manager"), ("field_manager",))
    return MetadataPatch(
        resource_type=resource_type, api_version=api_version, kind=kind, name=name,
        namespace=namespace, force=False if force is None else force,
        field_manager=DEFAULT_FIELD_MANAGER if manager is None else manager,
        labels=labels, annotations=annotations, template_annotations=template_annotations)
