"""What is asked: Kubernetes request attributes, built from the forms users write."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..errors import InvalidArgument
from ..values import Str, show

CORE_RESOURCES = frozenset({
    "bindings", "componentstatuses", "configmaps", "endpoints", "events", "limitranges",
    "namespaces", "nodes", "persistentvolumeclaims", "persistentvolumes", "pods",
    "podtemplates", "replicationcontrollers", "resourcequotas", "secrets",
    "serviceaccounts", "services", "*",
})
"""Resources of the core API group (``""``): a bare name from this set needs no group."""

BUILTIN_GROUPS = {
    "deployments": "apps", "statefulsets": "apps", "daemonsets": "apps", "replicasets": "apps",
    "controllerrevisions": "apps",
    "jobs": "batch", "cronjobs": "batch",
    "horizontalpodautoscalers": "autoscaling",
    "ingresses": "networking.k8s.io", "networkpolicies": "networking.k8s.io",
    "ingressclasses": "networking.k8s.io",
    "poddisruptionbudgets": "policy",
    "roles": "rbac.authorization.k8s.io", "rolebindings": "rbac.authorization.k8s.io",
    "clusterroles": "rbac.authorization.k8s.io",
    "clusterrolebindings": "rbac.authorization.k8s.io",
    "leases": "coordination.k8s.io", "endpointslices": "discovery.k8s.io",
    "storageclasses": "storage.k8s.io", "csidrivers": "storage.k8s.io",
    "csinodes": "storage.k8s.io", "volumeattachments": "storage.k8s.io",
    "certificatesigningrequests": "certificates.k8s.io",
    "customresourcedefinitions": "apiextensions.k8s.io",
    "priorityclasses": "scheduling.k8s.io",
    "runtimeclasses": "node.k8s.io",
    "validatingwebhookconfigurations": "admissionregistration.k8s.io",
    "mutatingwebhookconfigurations": "admissionregistration.k8s.io",
    "tokenreviews": "authentication.k8s.io", "selfsubjectreviews": "authentication.k8s.io",
    "subjectaccessreviews": "authorization.k8s.io",
    "selfsubjectaccessreviews": "authorization.k8s.io",
    "selfsubjectrulesreviews": "authorization.k8s.io",
    "localsubjectaccessreviews": "authorization.k8s.io",
    "apiservices": "apiregistration.k8s.io",
}
"""Built-in resources outside the core group: a bare name resolves to its real group."""


@dataclass(frozen=True, slots=True)
class ResourceRequest:
    """Attributes of a resource request; ``namespace`` is ``""`` for a cluster-scoped one."""

    verb: Str
    api_group: Str
    resource: Str
    subresource: Str
    namespace: Str
    name: Str

    @property
    def combined(self) -> str:
        """``resource`` or ``resource/subresource``, as rules name them."""
        return f"{self.resource}/{self.subresource}" if self.subresource else str(self.resource)

    def describe(self) -> str:
        """Like ``update persistentvolumeclaims "data" in namespace apps``."""
        what = self.combined
        if self.api_group:
            resource, _, sub = what.partition("/")
            what = f"{resource}.{self.api_group}" + (f"/{sub}" if sub else "")
        text = f"{self.verb} {what}"
        if self.name:
            text += f" {show(self.name)}"
        return text + (f" in namespace {self.namespace}" if self.namespace else " cluster-wide")


@dataclass(frozen=True, slots=True)
class NonResourceRequest:
    """A request for a non-resource URL such as ``/healthz`` (verb is the lower-case method)."""

    verb: str
    path: str

    def describe(self) -> str:
        """Like ``get /healthz``."""
        return f"{self.verb} {self.path}"


Request = ResourceRequest | NonResourceRequest


@lru_cache(maxsize=4096)
def split_resource(resource: str) -> tuple[str, str | None, str]:
    """``deployments.apps/scale`` -> (``deployments``, ``apps``, ``scale``); group None if unnamed."""
    base, _, subresource = resource.partition("/")
    name, dot, group = base.partition(".")
    return name, (group if dot else None), subresource


_BUILT: dict[tuple[str, str, str | None, str | None, str | None, str | None], Request] = {}
"""Requests built from plain strings (requests are immutable, so one object serves every
question asking the same thing; ``forall`` asks each request of every identity)."""


def build_request(
    verb: Str,
    resource: str,
    *,
    namespace: Str | None,
    name: Str | None,
    api_group: Str | None,
    subresource: Str | None,
) -> Request:
    """Turn the user's words into request attributes; explicit api_group/subresource win."""
    if (verb.__class__ is str and resource.__class__ is str
            and (namespace is None or namespace.__class__ is str)
            and (name is None or name.__class__ is str)
            and (api_group is None or api_group.__class__ is str)
            and (subresource is None or subresource.__class__ is str)):
        key = (verb, resource, namespace, name, api_group, subresource)
        found = _BUILT.get(key)
        if found is None:
            found = _build_request(verb, resource, namespace, name, api_group, subresource)
            if len(_BUILT) > 100_000:
                _BUILT.clear()
            _BUILT[key] = found
        return found
    return _build_request(verb, resource, namespace, name, api_group, subresource)


def _build_request(verb: Str, resource: str, namespace: Str | None, name: Str | None,
                   api_group: Str | None, subresource: Str | None) -> Request:
    if not isinstance(resource, str) or not resource:
        raise InvalidArgument(f"resource must be a non-empty string such as 'pods', got {resource!r}")
    if resource.startswith("/"):
        if api_group is not None or subresource is not None or name is not None:
            raise InvalidArgument(
                f"{resource!r} is a non-resource URL: it takes no api_group, subresource or name")
        if not isinstance(verb, str):
            raise InvalidArgument("a non-resource request needs a literal verb")
        return NonResourceRequest(verb, resource)
    base, parsed_group, parsed_sub = split_resource(resource)
    group: Str
    if api_group is not None:
        group = api_group
    elif parsed_group is not None:
        group = parsed_group
    else:
        if base in BUILTIN_GROUPS:
            group = BUILTIN_GROUPS[base]
        elif base in CORE_RESOURCES:
            group = ""
        else:
            raise InvalidArgument(
                f"resource {resource!r} is not a core resource: name its API group, as in "
                f"'{base}.example.com' or api_group='example.com' (api_group='' for the core group)")
    sub: Str = subresource if subresource is not None else parsed_sub
    return ResourceRequest(verb, group, base, sub, namespace or "", name or "")
