"""Built-in profiles of Panfactum modules: what each really creates, for when its code is not on disk.

A Panfactum module referenced by a remote source (``github.com/Panfactum/stack.git//
packages/infrastructure/kube_deployment?ref=...``, or a templated source such as
``"${var.pf_module_source}kube_deployment${var.pf_module_ref}"``) is described here
from ``reference/panfactum-modules.md``: the Kubernetes objects it creates, as manifests
holding symbols for what is random at apply time, and its outputs. When ``terraform
init`` has put the real code under ``.terraform/modules``, that code is evaluated
instead and these profiles are not used.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...values import Str, Symbol, join_pieces

RBAC = "rbac.authorization.k8s.io/v1"
HEX16 = "[0-9a-f]{16}"

CONTROLLER_KINDS = {
    "kube_deployment": ("Deployment", "apps/v1", "deployment_id"),
    "kube_stateful_set": ("StatefulSet", "apps/v1", "sts_id"),
    "kube_daemon_set": ("DaemonSet", "apps/v1", "daemon_set_id"),
    "kube_cron_job": ("CronJob", "batch/v1", "cron_job_id"),
    "kube_job": ("Job", "batch/v1", "cron_job_id"),
}
"""Controller modules: the workload kind each creates and the name of its random_id."""


@dataclass
class ProfileResult:
    """What a profiled module call creates: manifests (with their address inside the module),
    its outputs, and notes on what the profile leaves out.

    ``resources`` are its AWS IAM and Vault resources as ``(address inside the module, type,
    evaluated values)``, the type as :class:`~pytest_pfperms.model.objects.CloudResource` names it
    (``data.aws_iam_policy_document`` for a data source); ``patches`` are its
    ``kubernetes_annotations`` bodies, merged into the objects they target.
    """

    manifests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    resources: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    patches: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def add(self, other: ProfileResult) -> None:
        """Take in a nested module's manifests, resources, patches and notes (not its outputs)."""
        self.manifests += other.manifests
        self.notes += other.notes
        self.resources += other.resources
        self.patches += other.patches


@dataclass(frozen=True)
class ModuleCall:
    """One module call being profiled: its address, evaluated inputs and where it is written."""

    address: str
    inputs: Mapping[str, Any]
    source: str

    def input(self, name: str, default: Any = None, *, required: bool = False) -> Any:
        """An input's value; a missing required input is a symbol saying so."""
        if name in self.inputs:
            return self.inputs[name]
        if required:
            return Symbol(key=f"{self.address}.var.{name}", expression=f"{self.address}: {name}",
                          source=self.source, reason=f"required input {name!r} is not set in the module call",
                          hint=f"set {name} in {self.address}")
        return default


_SOURCE_NAME = re.compile(r"(?:^|[/:.}])([a-z][a-z0-9_]*?)(?:\$\{|\?|//|$)")


def module_name_from_source(source: str) -> str | None:
    """The Panfactum module a source names, whatever its prefix, or None.

    ``github.com/Panfactum/stack.git//packages/infrastructure/kube_deployment?ref=x``,
    ``"${var.pf_module_source}kube_deployment${var.pf_module_ref}"`` (the template text)
    and registry-style ``panfactum/kube_deployment/aws`` all give ``kube_deployment``.
    """
    text = source.strip().strip('"')
    if text.startswith(("./", "../")):
        return None
    candidates = re.findall(r"[a-z][a-z0-9_]*", re.sub(r"\$\{[^}]*\}", " ", text.split("?", 1)[0]))
    for candidate in reversed(candidates):
        if candidate in PROFILES:
            return str(candidate)
    return None


def _random_name(call: ModuleCall, resource: str, prefix: Str = "", *, what: str) -> Symbol:
    """The symbol for a ``random_id`` hex value created inside a module."""
    pattern = (".+" if isinstance(prefix, Symbol) else re.escape(prefix)) + HEX16
    return Symbol(
        key=f"{call.address}.random_id.{resource}.hex",
        expression=f"{call.address}.{what}",
        source=call.source,
        reason=f"a random name the Panfactum module generates at apply (random_id.{resource}.hex)",
        pattern=pattern,
        distinct_group="random_id",
    )


def _generated_name(call: ModuleCall, address: str, kind: str, prefix: Str) -> Symbol:
    """The symbol for a name the API server generates from ``generate_name``."""
    pattern = (re.escape(prefix) if isinstance(prefix, str) else ".*") + "[a-z0-9]{5}"
    return Symbol(key=f"{call.address}.{address}.metadata[0].name",
                  expression=f"generate_name = {prefix}", source=call.source,
                  reason="generated by the API server from generate_name", pattern=pattern,
                  distinct_group=f"name:{kind}",
                  label=f"{prefix}<generated>" if isinstance(prefix, str) else "")


def _opaque(call: ModuleCall, output: str) -> Symbol:
    return Symbol(key=f"{call.address}.{output}", expression=f"{call.address}.{output}",
                  source=call.source,
                  reason="an output of a Panfactum module that its built-in profile does not compute",
                  hint="run terraform init so that the module's real code is evaluated")


def _metadata(name: Str, namespace: Str) -> dict[str, Any]:
    return {"name": name, "namespace": namespace}


def _pod_reader(call: ModuleCall, namespace: Str, workload_name: Str, service_account: Str,
                prefix: str = "module.pod_template.") -> list[tuple[str, dict[str, Any]]]:
    """kube_pod's implicit grant: a Role with ``pods`` get/list and its RoleBinding."""
    generated = workload_name + "-" if isinstance(workload_name, str) else workload_name
    role_address = f"{prefix}kubernetes_role.pod_reader[0]"
    role_name = _generated_name(call, role_address, "Role", generated)
    binding_address = f"{prefix}kubernetes_role_binding.pod_reader[0]"
    binding_name = _generated_name(call, binding_address, "RoleBinding", generated)
    return [
        (role_address, {
            "apiVersion": RBAC, "kind": "Role", "metadata": _metadata(role_name, namespace),
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["list", "get"]}]}),
        (binding_address, {
            "apiVersion": RBAC, "kind": "RoleBinding", "metadata": _metadata(binding_name, namespace),
            "subjects": [{"kind": "ServiceAccount", "name": service_account, "namespace": namespace}],
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": role_name}}),
    ]


def _pod_spec_path(kind: str, service_account: Str) -> dict[str, Any]:
    spec = {"serviceAccountName": service_account}
    if kind == "CronJob":
        return {"jobTemplate": {"spec": {"template": {"spec": spec}}}}
    return {"template": {"spec": spec}}


def controller_profile(module: str) -> Callable[[ModuleCall], ProfileResult]:
    """The profile of kube_deployment, kube_stateful_set, kube_daemon_set, kube_cron_job, kube_job."""
    kind, api_version, random_resource = CONTROLLER_KINDS[module]

    def profile(call: ModuleCall) -> ProfileResult:
        name = call.input("name", required=True)
        namespace = call.input("namespace", required=True)
        account = _random_name(call, random_resource, what="service_account_name")
        result = ProfileResult()
        result.manifests.append(("kubernetes_service_account.service_account", {
            "apiVersion": "v1", "kind": "ServiceAccount", "metadata": _metadata(account, namespace)}))
        result.manifests.append((f"kubectl_manifest.{kind.lower()}", {
            "apiVersion": api_version, "kind": kind, "metadata": _metadata(name, namespace),
            "spec": _pod_spec_path(kind, account)}))
        result.manifests += _pod_reader(call, namespace, name, account)
        result.outputs["service_account_name"] = account
        for output in ("labels", "match_labels", "service_name", "headless_service_name"):
            result.outputs[output] = _opaque(call, output)
        if call.input("voluntary_disruption_window_enabled", False) is not False:
            result.notes.append(f"{call.address}: the voluntary disruption window controller "
                                "(two CronJobs with poddisruptionbudgets access) is not modelled")
        return result

    return profile


def kube_pod_profile(call: ModuleCall) -> ProfileResult:
    """kube_pod: no workload of its own, only the pod-reader grant (when enabled)."""
    result = ProfileResult()
    namespace = call.input("namespace", required=True)
    account = call.input("service_account", None)
    if call.input("default_permissions_enabled", True) is not False:
        result.manifests += _pod_reader(call, namespace, call.input("workload_name", required=True),
                                        "default" if account is None else account, prefix="")
    for output in ("pod_template", "match_labels", "labels", "containers", "init_containers"):
        result.outputs[output] = _opaque(call, output)
    return result


def _workflow_perms(call: ModuleCall, account: Str, namespace: Str, prefix: str) -> ProfileResult:
    """kube_sa_auth_workflow: Role with workflowtaskresults create/patch bound to the account."""
    result = ProfileResult()
    role_prefix: Str = account + "-" if isinstance(account, str) else account
    role_name = _random_name(call, f"{prefix}role_id".replace("module.", ""), role_prefix,
                             what=f"{prefix}role name")
    role_name = Symbol(key=f"{call.address}.{prefix}random_id.role_id.hex", expression=role_name.expression,
                       source=call.source, reason=role_name.reason, pattern=role_name.pattern,
                       distinct_group="random_id")
    result.manifests.append((f"{prefix}kubernetes_role.argo_workflow", {
        "apiVersion": RBAC, "kind": "Role", "metadata": _metadata(role_name, namespace),
        "rules": [{"apiGroups": ["argoproj.io"], "resources": ["workflowtaskresults"],
                   "verbs": ["create", "patch"]}]}))
    result.manifests.append((f"{prefix}kubernetes_role_binding.argo_workflow", {
        "apiVersion": RBAC, "kind": "RoleBinding", "metadata": _metadata(role_name, namespace),
        "subjects": [{"kind": "ServiceAccount", "name": account, "namespace": namespace}],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": role_name}}))
    bucket = Symbol(key=f"{call.address}.{prefix}local.bucket", expression=f"{prefix}local.bucket",
                    source=call.source,
                    reason="the Argo artifact bucket, read at apply from ConfigMap "
                           "argo/artifact-repositories")
    document = f"{prefix}data.aws_iam_policy_document.aws_access"
    result.resources.append((document, "data.aws_iam_policy_document", {
        "statement": [{"effect": "Allow", "actions": ["s3:*"], "resources": [
            _join(call, ("arn:aws:s3:::", bucket)), _join(call, ("arn:aws:s3:::", bucket, "/*"))]}],
        "override_policy_documents": [call.input("extra_aws_permissions", "{}")],
    }))
    aws = ModuleCall(call.address, {
        "service_account": account, "service_account_namespace": namespace,
        "iam_policy_json": _computed(call, f"{document}.json"),
        "ip_allow_list": call.input("ip_allow_list", []),
        "annotate_service_account": call.input("annotate_service_account", True),
    }, call.source)
    irsa = _irsa(aws, f"{prefix}module.aws_permissions.")
    result.add(irsa)
    for output in ("role_arn", "role_name", "policy_arn", "service_account_annotations"):
        result.outputs[output] = irsa.outputs[output]
    return result


def kube_sa_auth_workflow_profile(call: ModuleCall) -> ProfileResult:
    """kube_sa_auth_workflow: the Argo task-result grant and the AWS access of the workflow's
    service account (artifact bucket, ``extra_aws_permissions``) through kube_sa_auth_aws."""
    return _workflow_perms(call, call.input("service_account", required=True),
                           call.input("service_account_namespace", required=True), "")


def wf_spec_profile(call: ModuleCall) -> ProfileResult:
    """wf_spec: a workflow service account named ``<name>-<random hex>`` plus kube_sa_auth_workflow."""
    name = call.input("name", required=True)
    namespace = call.input("namespace", required=True)
    account = _random_name(call, "workflow_id", name + "-" if isinstance(name, str) else name,
                           what="service_account_name")
    result = ProfileResult()
    result.manifests.append(("kubernetes_service_account.sa", {
        "apiVersion": "v1", "kind": "ServiceAccount", "metadata": _metadata(account, namespace)}))
    perms = _workflow_perms(call, account, namespace, "module.workflow_perms.")
    result.add(perms)
    result.outputs["service_account_name"] = account
    result.outputs["workflow_spec"] = {"serviceAccountName": account,
                                       "templates": _wf_templates(call, account)}
    result.outputs["name"] = name
    for output in ("match_labels", "labels", "generate_name", "volumes", "volume_mounts",
                   "container_security_context", "env", "tolerations", "affinity", "arguments",
                   "container_defaults", "template_parameters"):
        result.outputs[output] = _opaque(call, output)
    result.outputs["aws_role_name"] = perms.outputs["role_name"]
    result.outputs["aws_role_arn"] = perms.outputs["role_arn"]
    return result


def _wf_templates(call: ModuleCall, account: Str) -> Any:
    """wf_spec's templates as Argo sees them: each of ``var.templates`` with its own
    ``serviceAccountName`` when it sets one, else the workflow's account (wf_spec's
    ``lookup(template, "serviceAccountName", <account>)``). Unknown templates stay a
    symbol, which the workload reads as "may run as accounts not known here"."""
    templates = call.input("templates", [])
    if not isinstance(templates, (list, tuple)) or not all(isinstance(t, Mapping) for t in templates):
        return _opaque(call, "workflow_spec.templates")
    return [{**template, "serviceAccountName": template.get("serviceAccountName", account)}
            for template in templates]


def _join(call: ModuleCall, parts: tuple[Str, ...]) -> Str:
    """String concatenation over possibly symbolic parts (as a template would give)."""
    return join_pieces(parts, expression="".join(str(part) for part in parts), source=call.source)


def _computed(call: ModuleCall, inner: str, *, pattern: str | None = None) -> Symbol:
    """A computed attribute of a resource inside the module (``<address>.<inner>``)."""
    key = f"{call.address}.{inner}"
    return Symbol(key=key, expression=key, source=call.source,
                  reason="a computed attribute, known only after terraform apply", pattern=pattern)


def _name_prefix(call: ModuleCall, account: Str, length: int, suffix: str) -> Str:
    """``"${substr(var.service_account, 0, length)}<suffix>"``."""
    if isinstance(account, str):
        return account[:length] + suffix
    return Symbol(key=f"substr({account.key}, 0, {length}){suffix}", source=call.source,
                  expression=f"substr(service_account, 0, {length}){suffix}", reason=account.reason)


S3_DENY_OUTSIDE_VPC = (
    "s3:AbortMultipartUpload", "s3:AssociateAccessGrantsIdentityCenter",
    "s3:BypassGovernanceRetention", "s3:Create*", "s3:Delete*", "s3:Describe*",
    "s3:DissociateAccessGrantsIdentityCenter", "s3:GetAccess*", "s3:GetAccountPublicAccessBlock",
    "s3:GetAnalyticsConfiguration", "s3:GetBucket*", "s3:GetData*", "s3:GetEncryptionConfiguration",
    "s3:GetIntelligentTieringConfiguration", "s3:GetInventoryConfiguration", "s3:GetInventoryReport",
    "s3:GetJob*", "s3:GetLifecycleConfiguration", "s3:GetMetricsConfiguration", "s3:GetMulti*",
    "s3:GetReplicationConfiguration", "s3:GetStorage*", "s3:Initiate*", "s3:List*",
    "s3:ObjectOwnerOverrideToBucketOwner", "s3:Pause*", "s3:PutAccelerateConfiguration",
    "s3:PutAccess*", "s3:PutAccountPublicAccessBlock", "s3:PutAnalyticsConfiguration",
    "s3:PutBucket*", "s3:PutData*", "s3:PutEncryptionConfiguration",
    "s3:PutIntelligentTieringConfiguration", "s3:PutInventoryConfiguration", "s3:PutJob*",
    "s3:PutLifecycleConfiguration", "s3:PutMetricsConfiguration", "s3:PutMulti*",
    "s3:PutReplicationConfiguration", "s3:PutStorage*", "s3:PutTagging", "s3:PutVersioning",
    "s3:Replicat*", "s3:Restore*", "s3:Submit*", "s3:TagResource", "s3:UntagResource", "s3:Update*",
)
"""The S3 actions kube_sa_auth_aws's IP-restriction policy denies outside the allowed networks
(through a VPC endpoint the check is on ``aws:VpcSourceIp``); object reads and writes
(``s3:GetObject*``, ``s3:PutObject*``) too unless ``allow_public_s3_presigned_urls``."""


def _ip_blocks_document(call: ModuleCall) -> dict[str, Any]:
    """kube_sa_auth_aws's always-attached Deny: no AWS call from outside the allowed networks."""
    from ...aws.irsa import CLUSTER_EGRESS

    allow = call.input("ip_allow_list", [])
    allowed: list[Any] = [*allow] if isinstance(allow, (list, tuple)) else [allow]
    allowed.append(CLUSTER_EGRESS)
    actions: list[Str] = list(S3_DENY_OUTSIDE_VPC)
    presigned = call.input("allow_public_s3_presigned_urls", False)
    for action in ("s3:GetObject*", "s3:PutObject*"):
        if presigned is False:
            actions.append(action)
        elif isinstance(presigned, Symbol):
            actions.append(Symbol(key=f"({presigned.key} ? none : {action})", source=call.source,
                                  expression=f"{action} unless allow_public_s3_presigned_urls",
                                  reason=presigned.reason, hint=presigned.hint))
    outside_aws = {"BoolIfExists": {"aws:ViaAWSService": "false"}}
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "NotAction": "s3:*", "Resource": "*",
         "Condition": {"NotIpAddress": {"aws:SourceIp": allowed}, **outside_aws}},
        {"Effect": "Deny", "Action": actions, "Resource": "*",
         "Condition": {"NotIpAddress": {"aws:VpcSourceIp": allowed}, **outside_aws}},
    ]}


def _irsa(call: ModuleCall, prefix: str = "") -> ProfileResult:
    """kube_sa_auth_aws (at ``prefix`` inside the call): a role trusted by exactly the service
    account through the cluster's OIDC provider, the allow policy as given, the IP-restriction
    Deny, and the role-arn annotation on the service account."""
    from ...aws.irsa import (
        CLUSTER_OIDC_ISSUER,
        CLUSTER_OIDC_PROVIDER_ARN,
        ROLE_ARN_ANNOTATION,
        claim_key,
        service_account_subject,
    )

    account = call.input("service_account", required=True)
    namespace = call.input("service_account_namespace", required=True)
    result = ProfileResult()
    role = f"{prefix}aws_iam_role.service_account"
    policy = f"{prefix}aws_iam_policy.service_account"
    blocks = f"{prefix}aws_iam_policy.ip_blocks"
    trust = f"{prefix}data.aws_iam_policy_document.service_account_assume"
    deny = f"{prefix}data.aws_iam_policy_document.ip_blocks"
    role_arn = _computed(call, f"{role}.arn")
    role_name = _computed(call, f"{role}.name")
    prefix_37 = _name_prefix(call, account, 37, "-")
    result.resources += [
        (trust, "data.aws_iam_policy_document", {
            "rendered": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
                "Principal": {"Federated": CLUSTER_OIDC_PROVIDER_ARN},
                "Condition": {"StringEquals": {
                    claim_key(CLUSTER_OIDC_ISSUER, "sub"): service_account_subject(namespace, account)}},
            }]},
            "json": _computed(call, f"{trust}.json")}),
        (role, "aws_iam_role", {"name_prefix": prefix_37, "max_session_duration": 43200,
                                "assume_role_policy": _computed(call, f"{trust}.json")}),
        (policy, "aws_iam_policy", {"name_prefix": prefix_37,
                                    "policy": call.input("iam_policy_json", required=True)}),
        (f"{prefix}aws_iam_policy_attachment.service_account", "aws_iam_policy_attachment", {
            "name": _computed(call, f"{policy}.name"), "policy_arn": _computed(call, f"{policy}.arn"),
            "roles": [role_name]}),
        (deny, "data.aws_iam_policy_document", {
            "rendered": _ip_blocks_document(call), "json": _computed(call, f"{deny}.json")}),
        (blocks, "aws_iam_policy", {"name_prefix": _name_prefix(call, account, 26, "-ip-blocks-"),
                                    "policy": _computed(call, f"{deny}.json")}),
        (f"{prefix}aws_iam_policy_attachment.ip_blocks", "aws_iam_policy_attachment", {
            "name": _join(call, (_computed(call, f"{policy}.name"), "-ip-blocks")),
            "policy_arn": _computed(call, f"{blocks}.arn"), "roles": [role_name]}),
    ]
    annotate = call.input("annotate_service_account", True)
    if annotate is not False:
        value: Str = role_arn
        if isinstance(annotate, Symbol):
            value = Symbol(key=f"({annotate.key} ? {role_arn.key} : unset)", source=call.source,
                           expression=f"{role_arn.key} if annotate_service_account",
                           reason=annotate.reason, hint=annotate.hint)
        result.patches.append((f"{prefix}kubernetes_annotations.service_account[0]", {
            "api_version": "v1", "kind": "ServiceAccount",
            "metadata": [{"name": account, "namespace": namespace}],
            "annotations": {ROLE_ARN_ANNOTATION: value},
            "field_manager": "terraform-aws", "force": True}))
    result.outputs.update({
        "role_arn": role_arn, "role_name": role_name,
        "policy_arn": _computed(call, f"{policy}.arn"),
        "service_account_annotations": {ROLE_ARN_ANNOTATION: role_arn},
    })
    return result


def kube_sa_auth_aws_profile(call: ModuleCall) -> ProfileResult:
    """kube_sa_auth_aws: IRSA for one service account."""
    return _irsa(call)


def kube_sa_auth_vault_profile(call: ModuleCall) -> ProfileResult:
    """kube_sa_auth_vault: a policy ``<ns>-<sa>`` holding ``vault_policy_hcl`` and a Kubernetes
    auth role of the same name bound to exactly that service account, with that policy."""
    account = call.input("service_account", required=True)
    namespace = call.input("service_account_namespace", required=True)
    name = _join(call, (namespace, "-", account))
    ttl = call.input("token_ttl_seconds", 60 * 60 * 8)
    result = ProfileResult()
    result.resources += [
        ("vault_policy.policy", "vault_policy", {
            "name": name, "policy": call.input("vault_policy_hcl", required=True)}),
        ("vault_kubernetes_auth_backend_role.role", "vault_kubernetes_auth_backend_role", {
            "role_name": name, "bound_service_account_names": [account],
            "bound_service_account_namespaces": [namespace], "token_policies": [name],
            "audience": call.input("audience", None), "token_ttl": ttl, "token_max_ttl": ttl,
            "token_bound_cidrs": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]}),
    ]
    result.outputs["role_name"] = name
    return result


PROFILES: dict[str, Callable[[ModuleCall], ProfileResult]] = {
    **{name: controller_profile(name) for name in CONTROLLER_KINDS},
    "kube_pod": kube_pod_profile,
    "wf_spec": wf_spec_profile,
    "kube_sa_auth_workflow": kube_sa_auth_workflow_profile,
    "kube_sa_auth_aws": kube_sa_auth_aws_profile,
    "kube_sa_auth_vault": kube_sa_auth_vault_profile,
}
"""Every Panfactum module with a built-in profile, by module name."""
