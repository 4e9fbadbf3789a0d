"""Walk an evaluated Terraform configuration and turn what it creates into model objects.

Every instance of a Kubernetes resource (``kubernetes_role``, ``kubectl_manifest``, ...)
in every module instance becomes the object the provider would create, with the
resource's file, line and address as provenance; Panfactum profiles add what their
modules create; ``kubernetes_annotations``/``kubernetes_labels`` are merged into the
object they target.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ...errors import LoadError, Problem, beyond_limits, limit_line
from ...model.objects import CloudResource, KubeObject, SourceRef
from ...values import Symbol, UnknownMap
from ..files import MAX_TFVARS_BYTES, InputRefused, read_input
from ..hcl.syntax_tree import Block, Call
from ..manifests.object_building import InvalidObject, build_object
from ..manifests.schemas import field_path
from .configuration import Declared
from .evaluation_cache import (
    Recorder,
    load_result,
    result_key,
    store_result,
)
from .module_graph import (
    Instance,
    ModuleInstance,
    TerraformContext,
    UnknownBlock,
)
from .module_sources import ProfiledModule, read_installed_modules
from .providers.aws_iam_policy_document import render_policy_document
from .providers.kubernetes import (
    RESOURCE_TYPES,
    ResourceBodyError,
    kubectl_manifest_objects,
    kubernetes_manifest_object,
    manifest_for,
    metadata_patch,
)

PROVIDER_NAMESPACE = "default"
"""The kubernetes provider puts objects whose metadata names no namespace in ``default``."""

PATCH_TYPES = frozenset({"kubernetes_annotations", "kubernetes_labels"})

MODELLED_KUBERNETES_TYPES = RESOURCE_TYPES | PATCH_TYPES | {"kubernetes_manifest", "kubectl_manifest"}
"""The Kubernetes resource types whose bodies the model reads (others grant nothing it can
see, a Service or an HPA, and are not evaluated)."""

CLOUD_RESOURCE_PREFIXES = ("aws_iam_", "aws_eks_access_", "aws_eks_pod_identity_", "vault_policy",
                           "vault_kubernetes_auth_backend_role", "vault_jwt_auth_backend_role")
"""Resource types collected for the AWS and Vault engines (and EKS access entries)."""

INSTALLER_ATTRIBUTES = ("name", "namespace", "chart", "repository", "version")
"""What the model keeps of an installer (its values and settings grant nothing it can see)."""

INSTALLERS = {"helm_release": "a Helm chart: helm template renders it",
              "kustomization_resource": "a kustomization: kubectl kustomize renders it"}
"""Resources that install Kubernetes objects pfperms cannot read, with how to render them."""

CLOUD_DATA_TYPES = frozenset({"aws_iam_policy_document", "vault_policy_document"})
"""Data sources collected for the AWS and Vault engines (their rendered result included)."""


def _walk(root: ModuleInstance) -> Iterator[ModuleInstance | ProfiledModule]:
    """Every module instance, depth first, the root first."""
    yield root
    for child, _instance in root.module_instances():
        if isinstance(child, ModuleInstance):
            yield from _walk(child)
        else:
            yield child


def _source(declared: Declared, address: str) -> SourceRef:
    return SourceRef(declared.file.path, declared.node.line, address=address)


def _unknown_blocks_made_uncertain(value: Any) -> Any:
    """A block from a dynamic block over an unknown collection may not exist: make its
    content uncertain by marking its first list field symbolic when all of it is known."""
    if isinstance(value, UnknownBlock):
        content = dict(value)
        for key in ("verbs", "name"):
            if key in content and not isinstance(content[key], Symbol):
                content[key] = value.collection
                break
        return {k: _unknown_blocks_made_uncertain(v) for k, v in content.items()}
    if isinstance(value, dict):
        return {k: _unknown_blocks_made_uncertain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unknown_blocks_made_uncertain(v) for v in value]
    return value


def _rule_lines(block: Block) -> list[int] | None:
    """The line of each ``rule`` block, when they are all static (dynamic ones expand unseen)."""
    rules = [b for b in block.body.blocks if b.type == "rule"]
    if not rules or any(b.type == "dynamic" and b.labels[:1] == ("rule",) for b in block.body.blocks):
        return None
    return [b.line for b in rules]


def is_kubernetes_resource(type_name: str) -> bool:
    """Resource types that create or patch Kubernetes objects."""
    return type_name.startswith(("kubernetes_", "kubectl_"))


def is_cloud_resource(mode: str, type_name: str) -> bool:
    """Whether a resource (``mode`` other than ``"data"``) or data source is collected as a
    :class:`CloudResource` for the AWS and Vault engines."""
    if mode == "data":
        return type_name in CLOUD_DATA_TYPES
    return type_name.startswith(CLOUD_RESOURCE_PREFIXES)


def _merged(existing: Mapping[str, Any], added: Mapping[str, Any] | Symbol) -> dict[str, Any]:
    """Labels or annotations after a server-side apply of ``added``; when the added map is
    wholly unknown, the known keys stay and any others may appear."""
    if isinstance(added, Symbol):
        unknown = UnknownMap(added)
        unknown.update(existing)
        return unknown
    return {**existing, **added}


class ObjectMapper:
    """Turns the evaluated values of resource instances into model objects.

    Shared by HCL evaluation (:class:`TerraformMapper`) and plan JSON
    (:mod:`.plan_json`), so a resource means the same whichever way it was read.
    Problems and warnings go to the lists given.
    """

    def __init__(self, problems: list[Problem], warnings: list[Problem]):
        self.problems = problems
        self.warnings = warnings
        self.objects: list[KubeObject] = []
        self.patches: list[tuple[Any, SourceRef]] = []
        self.resources: list[CloudResource] = []

    def add_manifest(self, manifest: Any, source: SourceRef, condition: Symbol | None,
                     rule_lines: list[int] | None = None) -> None:
        """Build one object; a malformed one is a problem at the resource's line. One whose
        kind (or apiVersion) is unknown before apply may be any object, a binding included:
        kept as a resource that may create roles, like one wholly unknown."""
        if isinstance(manifest, Mapping) and not isinstance(manifest, Symbol):
            kind = next((manifest.get(key) for key in ("kind", "apiVersion")
                         if isinstance(manifest.get(key), Symbol)), None)
            if isinstance(kind, Symbol):
                manifest = kind
        if isinstance(manifest, Symbol):
            self.warnings.append(Problem(
                source.path, source.line,
                f"{source.address}: the object it creates is unknown before apply ({manifest.key})"))
            address = source.address or ""
            type_name = "kubernetes_manifest" if "kubernetes_manifest." in address else "kubectl_manifest"
            self.resources.append(CloudResource(type_name, address, {"manifest": manifest}, source,
                                                condition))
            return
        manifest = _unknown_blocks_made_uncertain(manifest)
        try:
            built = build_object(manifest, source, PROVIDER_NAMESPACE, condition=condition,
                                 rule_lines=rule_lines)
        except InvalidObject as error:
            where = field_path(error.path)
            self.problems.append(Problem(source.path, source.line,
                                         f"{source.address}: {error.message}", where))
            return
        self.objects.append(built.obj)
        for warning in built.warnings:
            self.warnings.append(Problem(source.path, source.line, warning, built.obj.ref()))

    def add_documents(self, documents: list[dict[str, Any]] | Symbol, source: SourceRef,
                      condition: Symbol | None) -> None:
        """The objects a ``kubectl_manifest`` applies (:func:`kubectl_manifest_objects`)."""
        if isinstance(documents, Symbol):
            self.add_manifest(documents, source, condition)
            return
        for document in documents:
            self.add_manifest(document, source, condition)

    def add_resource(self, type_name: str, values: Mapping[str, Any], source: SourceRef,
                     condition: Symbol | None, rule_lines: list[int] | None = None) -> None:
        """Map one evaluated ``kubernetes_*`` resource instance (``kubectl_manifest`` goes
        through :meth:`add_documents`). Raises ValueError on values the provider refuses."""
        if type_name == "kubernetes_manifest":
            self.add_manifest(kubernetes_manifest_object(values.get("manifest")), source, condition)
            return
        base = type_name.removesuffix("_v1")
        if base in PATCH_TYPES:
            patch = metadata_patch(type_name, dict(values))
            if patch is not None:
                self.patches.append((patch, source))
            return
        manifest = manifest_for(type_name, dict(values))
        if manifest is not None:
            self.add_manifest(manifest, source, condition, rule_lines)

    def add_installer(self, type_name: str, address: str, values: Mapping[str, Any],
                      source: SourceRef, condition: Symbol | None) -> None:
        """A ``helm_release`` (or kustomization) whose objects pfperms cannot see: kept, so that
        a binding to a role the sources do not define answers unknown naming it; listed."""
        kept = {key: values[key] for key in INSTALLER_ATTRIBUTES
                if isinstance(values, dict) and dict.__contains__(values, key)}
        self.resources.append(CloudResource(type_name, address, kept, source, condition))
        self.warnings.append(Problem(
            source.path, source.line,
            f"{address} installs objects pfperms does not see ({INSTALLERS[type_name]}): the roles, "
            "bindings and workloads in it are not modelled; a binding to a role not defined in the "
            "sources answers unknown. Render it and load the output for exact answers"))

    def add_cloud(self, mode: str, type_name: str, address: str, values: Mapping[str, Any],
                  source: SourceRef, condition: Symbol | None) -> None:
        """Collect one AWS IAM or Vault resource or data source instance."""
        self.resources.append(CloudResource(f"data.{type_name}" if mode == "data" else type_name,
                                            address, dict(values), source, condition))

    def apply_patches(self) -> None:
        """Merge kubernetes_annotations / kubernetes_labels into their targets."""
        for patch, source in self.patches:
            for index, obj in enumerate(self.objects):
                if obj.kind == patch.kind and obj.name == patch.name and \
                        (obj.namespace is None or obj.namespace == patch.namespace):
                    if patch.annotations:
                        merged = _merged(obj.annotations, patch.annotations)
                        self.objects[index] = dataclasses.replace(obj, annotations=merged)
                    if patch.labels:
                        merged = _merged(obj.labels, patch.labels)
                        self.objects[index] = dataclasses.replace(self.objects[index], labels=merged)
                    break
            else:
                if patch.kind == "ServiceAccount" and isinstance(patch.annotations, dict) \
                        and patch.annotations:
                    # kept for the AWS engine: IRSA reads the role-arn annotation of a service account
                    # defined elsewhere (rendered manifests, a Helm chart)
                    self.resources.append(CloudResource("kubernetes_annotations", str(source.address), {
                        "kind": patch.kind, "name": patch.name, "namespace": patch.namespace,
                        "annotations": dict(patch.annotations)}, source))
                self.warnings.append(Problem(
                    source.path, source.line,
                    f"{source.address} annotates {patch.kind} {patch.namespace}/{patch.name}, "
                    "which this repository does not define (a Helm chart may); the annotation "
                    "is kept for when it is loaded from rendered manifests"))


class TerraformMapper(ObjectMapper):
    """Collects model objects from one root module."""

    def __init__(self, ctx: TerraformContext):
        super().__init__(ctx.problems, ctx.warnings)
        self.ctx = ctx

    def cloud(self, module: ModuleInstance) -> None:
        """Collect the AWS IAM and Vault resources (and their policy documents) of one module."""
        tables = (("resource", module.config.resources), ("data", module.config.data))
        for mode, table in tables:
            for (type_name, name), declared in table.items():
                if not is_cloud_resource(mode, type_name):
                    continue
                label = f"{'data.' if mode == 'data' else ''}{type_name}.{name}"
                try:
                    expansion = module.expansion(mode, declared, module.prefix() + label)
                    for instance in expansion.instances:
                        obj = module.instance_object(mode, type_name, declared, instance, expansion.mode)
                        self.add_cloud(mode, type_name, instance.address, obj,
                                       _source(declared, instance.address),
                                       instance.condition or module.condition)
                except LoadError as error:
                    self.ctx.problems.extend(error.problems)

    def module(self, module: ModuleInstance) -> None:
        """Map every Kubernetes resource of one module instance."""
        self.cloud(module)
        for (type_name, _name), declared in module.config.resources.items():
            installs = type_name in INSTALLERS
            if type_name not in MODELLED_KUBERNETES_TYPES and not installs:
                continue
            label = f"{type_name}.{_name}"
            address = module.prefix() + label
            try:
                expansion = module.expansion("resource", declared, address)
                for instance in expansion.instances:
                    if installs:
                        self.installer(module, type_name, declared, instance, expansion.mode)
                    else:
                        self.instance(module, type_name, declared, instance, expansion.mode)
            except LoadError as error:
                self.ctx.problems.extend(error.problems)

    def installer(self, module: ModuleInstance, type_name: str, declared: Declared,
                  instance: Instance, mode: str) -> None:
        """A ``helm_release`` (or kustomization): the objects it installs are not modelled.
        Kept, so that bindings to roles the sources do not define answer unknown naming it."""
        obj = module.instance_attributes(declared, instance, mode, INSTALLER_ATTRIBUTES)
        self.add_installer(type_name, instance.address, obj, _source(declared, instance.address),
                           instance.condition or module.condition)

    def instance(self, module: ModuleInstance, type_name: str, declared: Declared,
                 instance: Instance, mode: str) -> None:
        """Map one resource instance."""
        source = _source(declared, instance.address)
        condition = instance.condition or module.condition
        block = declared.node
        assert isinstance(block, Block)
        if type_name in ("kubectl_manifest",):
            body_attr = block.body.attributes.get("yaml_body")
            if body_attr is None:
                return
            scope = module.instance_scope(instance, mode)
            expr = body_attr.expr
            if isinstance(expr, Call) and expr.name == "yamlencode" and len(expr.args) == 1:
                value: Any = module.eval(expr.args[0], declared, scope)
            else:
                value = module.eval(expr, declared, scope)
            override = block.body.attributes.get("override_namespace")
            namespace = module.eval(override.expr, declared, scope) if override is not None else None
            try:
                documents = kubectl_manifest_objects(value, override_namespace=namespace)
            except ValueError as error:  # what the kubectl provider refuses
                self.problems.append(Problem(source.path, source.line, f"{instance.address}: {error}"))
                return
            self.add_documents(documents, source, condition)
            return
        obj = module.instance_object("resource", type_name, declared, instance, mode)
        try:
            self.add_resource(type_name, obj, source, condition, _rule_lines(block))
        except ResourceBodyError as error:  # a body the kubernetes provider refuses (as from a plan)
            self.problems.append(Problem(source.path, source.line, f"{instance.address}: {error}"))

    def profiled(self) -> None:
        """Objects that Panfactum module profiles create."""
        for condition, address, result, where in self.ctx.profiled:
            path, _, line = where.rpartition(":")
            for inner_address, manifest in result.manifests:
                self.add_manifest(manifest, SourceRef(path, int(line), address=f"{address}.{inner_address}"),
                                  condition)
            for inner_address, type_name, values in result.resources:
                at = SourceRef(path, int(line), address=f"{address}.{inner_address}")
                if type_name == "data.aws_iam_policy_document" and "rendered" not in values:
                    values = self._rendered_profile_document(values, f"{address}.{inner_address}", at)
                self.resources.append(CloudResource(type_name, f"{address}.{inner_address}", values, at,
                                                    condition))
            for inner_address, body in result.patches:
                at = SourceRef(path, int(line), address=f"{address}.{inner_address}")
                patch = metadata_patch("kubernetes_annotations", body)
                if patch is not None:
                    self.patches.append((patch, at))


    def _rendered_profile_document(self, values: dict[str, Any], address: str,
                                   at: SourceRef) -> dict[str, Any]:
        """A profile's ``aws_iam_policy_document`` with its ``rendered`` policy, the documents it
        merges (``*_policy_documents`` items naming ``<address>.json``) resolved first."""
        documents = {f"{r.address}.{attribute}": r.values["rendered"] for r in self.resources
                     if r.type == "data.aws_iam_policy_document" and "rendered" in r.values
                     for attribute in ("json", "minified_json")}

        def resolved(value: object) -> object:
            if not isinstance(value, list):
                return value
            return [documents.get(item.key, item) if isinstance(item, Symbol) else item for item in value]

        block = {key: resolved(value) if key.endswith("_policy_documents") else value
                 for key, value in values.items() if key not in ("json", "minified_json")}
        try:
            rendered = render_policy_document(block, name=address, source=f"{at.path}:{at.line}")
        except LoadError as error:
            self.problems.extend(error.problems)
            return values
        return {**values, "rendered": rendered}


def load_terraform_root(directory: Path, repo_root: Path, variables: Mapping[str, Any],
                        problems: list[Problem], warnings: list[Problem]
                        ) -> tuple[list[KubeObject], list[CloudResource], set[str]]:
    """Evaluate one root module directory: the Kubernetes objects it creates, its AWS IAM
    and Vault resources, and the real paths of every file and module directory it read
    (so that the loader can tell which files beside it are still to be loaded). A stored
    result is reused while every input it read is unchanged (see :mod:`.evaluation_cache`)."""
    environment = tf_var_environment()
    given_variables = {**environment, **variables}  # the cache key; tfvars files are recorded inputs
    key = result_key(directory, repo_root, given_variables)
    stored = load_result(key)
    if stored is not None:
        objects, resources, found_problems, found_warnings, read = stored
        problems.extend(found_problems)
        warnings.extend(found_warnings)
        return objects, resources, set(read)
    recorder = Recorder()
    local_problems: list[Problem] = []
    # Terraform's order: TF_VAR_*, then tfvars files, then explicit values.
    given = {**environment, **_tfvars_files(directory, local_problems, recorder,
                                                  repo_root.resolve()), **variables}
    ctx = TerraformContext(repo_root=repo_root.resolve(), root_dir=directory.resolve(), variables=given,
                           recorder=recorder)
    ctx.problems.extend(local_problems)
    try:
        ctx.installed = read_installed_modules(directory, recorder, bound=ctx.repo_root)
    except LoadError as error:
        ctx.problems.extend(error.problems)
    config = ctx.config(directory)
    root = ModuleInstance(ctx, config, "")
    mapper = TerraformMapper(ctx)
    for node in _walk(root):
        if isinstance(node, ModuleInstance):
            mapper.module(node)
    mapper.profiled()
    mapper.apply_patches()
    read = sorted({os.path.realpath(path) for path in recorder.files} | {str(d) for d in ctx.configs})
    store_result(key, recorder, (mapper.objects, mapper.resources, ctx.problems, ctx.warnings, read))
    problems.extend(ctx.problems)
    warnings.extend(ctx.warnings)
    return mapper.objects, mapper.resources, set(read)


def read_tfvars(path: Path, display: str, problems: list[Problem],
                recorder: Recorder | None = None, *, bound: Path | None = None) -> dict[str, Any]:
    """The variables a ``.tfvars`` or ``.tfvars.json`` file sets (values must be constant).

    Read through the input gate under ``bound`` (default: the file's own directory)."""
    from ..hcl.evaluation import DictScope, evaluate
    from ..hcl.native_syntax import parse_tfvars

    text = ""
    try:
        data = read_input(path, bound=bound or path.parent.resolve(), limit=MAX_TFVARS_BYTES,
                          what="tfvars file")
        if recorder is not None:
            recorder.file(path, data)
        text = data.decode("utf-8")
        parsed = parse_tfvars(display, text)
    except UnicodeDecodeError as error:
        problems.append(Problem(display, None, f"is not UTF-8 text ({error.reason}); save it as UTF-8"))
        return {}
    except LoadError as error:
        problems.extend(error.problems)
        return {}
    except InputRefused as error:
        problems.append(Problem(display, None, str(error)))
        return {}
    except (RecursionError, ValueError, OverflowError) as error:  # too deep or too large for Python
        limit = beyond_limits(error, display, limit_line(text, error))
        if limit is None:
            raise
        problems.extend(limit.problems)
        return {}
    values: dict[str, Any] = {}
    for name, attribute in parsed.body.attributes.items():
        try:
            values[name] = evaluate(attribute.expr, DictScope({}), path=display)
        except LoadError as error:
            problems.extend(error.problems)
        except (RecursionError, ValueError, OverflowError) as error:
            limit = beyond_limits(error, display, attribute.line)
            if limit is None:
                raise
            problems.extend(limit.problems)
    return values


def _tfvars_files(directory: Path, problems: list[Problem], recorder: Recorder,
                  bound: Path) -> dict[str, Any]:
    """``terraform.tfvars``, ``terraform.tfvars.json``, then ``*.auto.tfvars(.json)`` in
    lexical order, as Terraform reads them for a root module."""
    values: dict[str, Any] = {}
    names = ["terraform.tfvars", "terraform.tfvars.json"]
    listing = recorder.listing(directory)
    names += [n for n in listing if n.endswith((".auto.tfvars", ".auto.tfvars.json"))]
    for name in names:
        path = directory / name
        if name in listing:
            values.update(read_tfvars(path, str(path), problems, recorder, bound=bound))
    return values


def tf_var_environment() -> dict[str, str]:
    """Input variables from ``TF_VAR_name`` environment variables."""
    return {key[len("TF_VAR_"):]: value for key, value in os.environ.items()
            if key.startswith("TF_VAR_") and len(key) > len("TF_VAR_")}
