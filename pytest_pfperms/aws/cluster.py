"""The EKS cluster an IRSA question is asked about: its OIDC identity and the request context.

**The cluster.** Which OIDC provider is the cluster's is rarely written down next to
the roles. The cluster's provider is an ``aws_iam_openid_connect_provider`` of the
load whose URL is an EKS issuer (``oidc.eks.…``) or unknown before apply; when there
is none it is the symbol ``cluster.oidc_provider_arn`` with issuer
``cluster.oidc_issuer`` (the same symbols the Panfactum profiles use, since
``kube_sa_auth_aws`` reads them from the cluster the service account lives in).
:class:`ClusterOidc` is one such provider. A service account's token has the ``sub``
claim :func:`service_account_subject`; trust policies test claims with the condition
keys :func:`claim_key` spells.

**The request context.** An :class:`AwsRequest` says where a call is made from. By
default a call is made by the pod from inside the cluster: ``aws:SourceIp`` and
``aws:VpcSourceIp`` are :data:`IN_CLUSTER_ADDRESS`, an address unknown but known to
lie inside :data:`CLUSTER_EGRESS` (the cluster's subnet CIDRs and NAT public IPs,
the networks Panfactum's IP-restriction policy allows); ``aws:ViaAWSService`` is
``false``; ``aws:PrincipalArn`` is the role's ARN. An IP condition on a literal CIDR
is unknown for that address (the pod's address is not known), so it is never
guessed. ``context=OUTSIDE_CLUSTER`` (or :func:`outside_cluster`) puts the call
outside the cluster's networks, with no VPC endpoint. A ``context=`` mapping is laid
over the in-cluster default: when it names any network key (``aws:SourceIp``,
``aws:VpcSourceIp``, ``aws:SourceVpc``, ``aws:SourceVpce``) none of the default
network keys is kept, and a key mapped to ``None`` is removed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..errors import InvalidArgument
from ..model.objects import CloudResource
from ..values import Str, Symbol, join_pieces, show
from .context import NetworkAddress

NETWORK_KEYS = frozenset({"aws:sourceip", "aws:vpcsourceip", "aws:sourcevpc", "aws:sourcevpce"})

CLUSTER_OIDC_PROVIDER_ARN = Symbol(
    key="cluster.oidc_provider_arn",
    expression="arn:aws:iam::<account>:oidc-provider/<cluster OIDC issuer>",
    reason="the ARN of the IAM OIDC provider of the EKS cluster the service accounts run in; "
           "the sources do not define it",
    hint="load the Terraform that defines the cluster's aws_iam_openid_connect_provider, or "
         "pass cluster=ClusterOidc(...) to AwsAccess",
)
CLUSTER_OIDC_ISSUER = Symbol(
    key="cluster.oidc_issuer",
    expression="<cluster OIDC issuer URL without https://>",
    reason="the OIDC issuer of the EKS cluster the service accounts run in (host and path, "
           "without https://); known only from the cluster",
    hint=CLUSTER_OIDC_PROVIDER_ARN.hint,
)
CLUSTER_OIDC_ISSUER_URL = Symbol(
    key="cluster.oidc_issuer_url",
    expression="<cluster OIDC issuer URL>",
    reason="the OIDC issuer URL of the EKS cluster (data aws_eks_cluster ... identity[0].oidc[0]"
           ".issuer); known only from the cluster",
    hint=CLUSTER_OIDC_PROVIDER_ARN.hint,
    pattern="https://.+", never_null=True,
)
"""What a ``data "aws_eks_cluster"`` reads as ``identity[0].oidc[0].issuer``: the same
cluster the profiles and an unnamed cluster stand for."""

ISSUER_URL_SPELLINGS = (f'trimprefix({CLUSTER_OIDC_ISSUER_URL.key}, "https://")',
                        f'replace({CLUSTER_OIDC_ISSUER_URL.key}, "https://", "")')
"""The issuer (host and path) written from that URL, as Panfactum's kube_sa_auth_aws does."""

CLUSTER_EGRESS = Symbol(
    key="cluster.egress_networks",
    expression="cluster subnet CIDRs + NAT public IPs",
    reason="the networks the cluster's pods reach AWS from (the cluster subnets' CIDR blocks "
           "and their panfactum.com/public-ip NAT addresses), known only from AWS at apply",
)
IN_CLUSTER_ADDRESS = NetworkAddress(
    key="cluster.pod_source_address",
    expression="the source address of a call from a pod",
    reason="a call from a pod comes from inside cluster.egress_networks; which address "
           "exactly is not known",
    hint='pass context={"aws:SourceIp": "<address>"} to ask about one address',
    inside=(CLUSTER_EGRESS.key,),
)
OUTSIDE_ADDRESS = NetworkAddress(
    key="outside.source_address",
    expression="a source address outside the cluster",
    reason="a call from outside the cluster's networks (cluster.egress_networks); which "
           "address exactly is not known",
    hint="pass outside_cluster(address) to compare one address with literal CIDRs",
    outside=(CLUSTER_EGRESS.key,),
)

IN_CLUSTER = "in-cluster"
"""``context=IN_CLUSTER``: a call made by the pod from inside the cluster (the default)."""
OUTSIDE_CLUSTER = "outside-cluster"
"""``context=OUTSIDE_CLUSTER``: the same credentials used from outside the cluster's networks."""

ContextArgument = Mapping[str, object] | str | None
"""What ``context=`` takes: None or ``IN_CLUSTER``, ``OUTSIDE_CLUSTER``, or condition keys."""


def outside_cluster(address: str | None = None) -> dict[str, object]:
    """A context for a call from outside the cluster's networks (no VPC endpoint).

    ``address``, when given, is the caller's literal address, compared with
    literal CIDRs in IP conditions (it is still taken to be outside the cluster's
    networks).
    """
    source: object = OUTSIDE_ADDRESS
    if address is not None:
        source = NetworkAddress(key=f"outside.source_address {address}", expression=address,
                                reason=OUTSIDE_ADDRESS.reason, address=address,
                                outside=OUTSIDE_ADDRESS.outside)
    return {"aws:SourceIp": source, "aws:VpcSourceIp": None, "aws:SourceVpc": None,
            "aws:SourceVpce": None, "aws:ViaAWSService": "false"}


def service_account_subject(namespace: Str, name: Str) -> Str:
    """``system:serviceaccount:<ns>:<name>`` (a symbol when either part is one)."""
    return _join(("system:serviceaccount:", namespace, ":", name), "service account subject")


def claim_key(issuer: Str, claim: str) -> Str:
    """The condition key ``<issuer>:<claim>`` (``sub`` or ``aud``)."""
    return _join((issuer, f":{claim}"), f"OIDC {claim} condition key")


def _join(parts: Sequence[Str], what: str) -> Str:
    return join_pieces(parts, expression=what, source="")


def computed_attribute(resource: CloudResource, attribute: str, *, pattern: str | None = None,
                       group: str | None = None) -> Symbol:
    """``<address>.<attribute>`` of a resource, a symbol known only after apply."""
    key = f"{resource.address}.{attribute}"
    return Symbol(key=key, expression=key, source=f"{resource.source.path}:{resource.source.line}",
                  reason="a computed attribute, known only after terraform apply",
                  pattern=pattern, distinct_group=group)


# --------------------------------------------------------------------------- the cluster


@dataclass(frozen=True)
class ClusterOidc:
    """The cluster's IAM OIDC provider: its ARN, its issuer (host/path, no ``https://``),
    the audiences it accepts (``client_id_list``, None when unknown) and where it is defined.

    ``spellings`` are the symbol keys that denote the issuer inside symbolic
    condition keys (``replace(<url>, "https://", "")`` and the like).
    """

    provider_arn: Str
    issuer: Str
    client_ids: tuple[str, ...] | None = None
    source: str = ""
    spellings: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = f" ({self.source})" if self.source else ""
        return f"OIDC provider {show(self.provider_arn)}{where}"


DEFAULT_CLUSTER = ClusterOidc(CLUSTER_OIDC_PROVIDER_ARN, CLUSTER_OIDC_ISSUER,
                              spellings=ISSUER_URL_SPELLINGS)


def cluster_from_provider(resource: CloudResource) -> ClusterOidc:
    """The cluster an ``aws_iam_openid_connect_provider`` resource stands for."""
    values = resource.values
    url = values.get("url")
    arn = values.get("arn")
    if not isinstance(arn, (str, Symbol)):
        arn = computed_attribute(resource, "arn")
    spellings: list[str] = []
    issuer: Str
    if isinstance(url, str):
        issuer = url.removeprefix("https://")
    elif isinstance(url, Symbol):
        spellings = [f'replace({url.key}, "https://", "")', f'trimprefix({url.key}, "https://")',
                     url.key]
        issuer = Symbol(key=spellings[0], expression=f"{resource.address}.url without https://",
                        source=url.source, reason=url.reason, hint=url.hint)
    else:
        issuer = computed_attribute(resource, "url")
        spellings = [issuer.key]
    if isinstance(arn, Symbol):
        # the issuer written from the provider's ARN: terraform-aws-modules' trust keys
        # "${replace(provider_arn, "/^(.*provider/)/", "")}:sub" and the split() idiom
        spellings += [f'replace({arn.key}, "/^(.*provider/)/", "")',
                      f'element(split("oidc-provider/", {arn.key}), 1)',
                      f'split("oidc-provider/", {arn.key})[1]']
    clients = values.get("client_id_list")
    client_ids = tuple(clients) if isinstance(clients, (list, tuple)) and all(
        isinstance(c, str) for c in clients) else None
    return ClusterOidc(arn, issuer, client_ids, str(resource.source), tuple(spellings))


_PROVIDER_ARN = re.compile(r"arn:(aws[a-z-]*):iam::([0-9]{12}):oidc-provider/([^\s]+)")
_ISSUER = re.compile(r"(?:https://)?([a-z0-9.-]+\.[a-z]{2,}(?:/[^\s]*)?)")


def cluster_from_argument(text: str, *, where: str = "pfperms_aws_oidc_provider") -> ClusterOidc:
    """The cluster named by an OIDC provider ARN (``arn:aws:iam::111122223333:oidc-provider/
    oidc.eks.us-east-1.amazonaws.com/id/ABC``) or its issuer URL (``https://oidc.eks...``).
    From a URL alone the provider's account is unknown: its ARN is a symbol of that shape."""
    value = text.strip()
    match = _PROVIDER_ARN.fullmatch(value)
    if match is not None:
        issuer = match.group(3).removeprefix("https://")
        return ClusterOidc(value, issuer, None, where, ISSUER_URL_SPELLINGS)
    match = _ISSUER.fullmatch(value)
    if match is None or "/" not in match.group(1):
        raise InvalidArgument(
            f"{where}: {text!r} is neither an IAM OIDC provider ARN (arn:aws:iam::<account>:"
            "oidc-provider/<issuer>) nor an issuer URL (https://oidc.eks.<region>.amazonaws.com/id/<id>)")
    issuer = match.group(1)
    arn = Symbol(key=f"the OIDC provider ARN of {issuer}",
                 expression=f"arn:aws:iam::<account>:oidc-provider/{issuer}",
                 source=where, reason=f"{where} names the issuer {issuer} but not the account of its "
                 "IAM OIDC provider", hint="give the provider's ARN instead of its URL",
                 pattern=r"arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/" + re.escape(issuer),
                 never_null=True)
    return ClusterOidc(arn, issuer, None, where, ISSUER_URL_SPELLINGS)


def is_cluster_provider(resource: CloudResource) -> bool:
    """Whether an ``aws_iam_openid_connect_provider`` may be an EKS cluster's (an EKS issuer
    URL, or one unknown before apply)."""
    url = resource.values.get("url")
    return not isinstance(url, str) or "oidc.eks." in url


# --------------------------------------------------------------------------- the request context


@dataclass(frozen=True, slots=True)
class AwsRequest:
    """An AWS API request made with a workload's IRSA credentials."""

    action: str
    resource: Str
    where: str = IN_CLUSTER

    def describe(self) -> str:
        """``AWS s3:GetObject on arn:aws:s3:::bucket/key``."""
        target = show(self.resource) if isinstance(self.resource, Symbol) else self.resource
        text = f"AWS {self.action} on {target}"
        if self.where != IN_CLUSTER:
            text += f" ({self.where})"
        return text


def put_context_key(context: dict[Str, object], key: Str, value: object) -> None:
    """Add ``key`` to a request context unless it has it (string keys compared case-insensitively)."""
    if isinstance(key, str):
        if any(isinstance(k, str) and k.lower() == key.lower() for k in context):
            return
    elif key in context:
        return
    context[key] = value


def context_overlay(context: ContextArgument) -> tuple[str, Mapping[str, object]]:
    """A ``context=`` argument as (where the call is made from, the keys laid over the default)."""
    if context is None or context == IN_CLUSTER:
        return IN_CLUSTER, {}
    if context == OUTSIDE_CLUSTER:
        return OUTSIDE_CLUSTER, outside_cluster()
    if isinstance(context, str):
        raise InvalidArgument(f"context must be a mapping of condition keys, {IN_CLUSTER!r} or "
                              f"{OUTSIDE_CLUSTER!r}, not {context!r}")
    if not isinstance(context, Mapping):
        raise InvalidArgument(f"context must be a mapping of condition keys, not "
                              f"{type(context).__name__}")
    network = any(isinstance(k, str) and k.lower() in NETWORK_KEYS for k in context)
    source = context.get("aws:SourceIp")
    outside = isinstance(source, NetworkAddress) and bool(source.outside)
    label = OUTSIDE_CLUSTER if outside else ("with the given context" if network else IN_CLUSTER)
    return label, context


KNOWN_ABSENT_FROM_POD_CALLS = ("aws:username", "aws:SourceAccount", "aws:SourceArn",
                               "aws:SourceOrgID", "aws:SourceOrgPaths", "aws:CalledVia",
                               "aws:CalledViaFirst", "aws:CalledViaLast")
"""Keys a call made by a pod with its role's credentials never carries."""


def identity_context(role_arn: Str, overlay: Mapping[str, object]) -> dict[str, object]:
    """The request context of a call with the role's credentials: the in-cluster default with
    ``overlay`` laid over it. It is evaluated with unlisted keys unknown (a tag on the resource,
    a parameter of the call, a VPC endpoint on the way: nobody said), so only what is listed
    here, in ``overlay`` or always present decides definitely."""
    context: dict[str, object] = {
        "aws:SourceIp": IN_CLUSTER_ADDRESS,
        "aws:VpcSourceIp": IN_CLUSTER_ADDRESS,
        "aws:ViaAWSService": "false",
        "aws:PrincipalArn": role_arn,
        "aws:PrincipalType": "AssumedRole",
        "aws:PrincipalIsAWSService": "false",
        # known absent from a pod's own call with role-session credentials ([] = absent):
        # only IAM users have a user name; only AWS services calling on a resource's behalf
        # send the Source* keys; CalledVia* only when a service calls onward
        **{key: [] for key in KNOWN_ABSENT_FROM_POD_CALLS},
    }
    if isinstance(role_arn, str) and role_arn.count(":") >= 5:
        context["aws:PrincipalAccount"] = role_arn.split(":")[4]
    if any(isinstance(k, str) and k.lower() in NETWORK_KEYS for k in overlay):
        context = {k: v for k, v in context.items() if k.lower() not in NETWORK_KEYS}
    for key, value in overlay.items():
        for existing in [k for k in context if k.lower() == str(key).lower()]:
            del context[existing]
        context[key] = [] if value is None else value  # None: known to be absent
    return context


def context_text(context: Mapping[str, object]) -> str:
    """The request context for messages."""
    parts = []
    for key, value in context.items():
        if isinstance(value, NetworkAddress):
            where = "inside" if value.inside else "outside"
            shown = value.address or "an address"
            parts.append(f"{key} = {shown} {where} {CLUSTER_EGRESS}")
        elif isinstance(value, list) and not value:
            if key not in KNOWN_ABSENT_FROM_POD_CALLS:
                parts.append(f"{key} absent")
        else:
            parts.append(f"{key} = {show(value)}")
    return ", ".join(parts)


__all__ = [
    "CLUSTER_EGRESS",
    "CLUSTER_OIDC_ISSUER",
    "CLUSTER_OIDC_ISSUER_URL",
    "CLUSTER_OIDC_PROVIDER_ARN",
    "DEFAULT_CLUSTER",
    "IN_CLUSTER",
    "IN_CLUSTER_ADDRESS",
    "ISSUER_URL_SPELLINGS",
    "NETWORK_KEYS",
    "OUTSIDE_ADDRESS",
    "OUTSIDE_CLUSTER",
    "AwsRequest",
    "ClusterOidc",
    "ContextArgument",
    "claim_key",
    "cluster_from_argument",
    "cluster_from_provider",
    "computed_attribute",
    "context_overlay",
    "context_text",
    "identity_context",
    "is_cluster_provider",
    "outside_cluster",
    "put_context_key",
    "service_account_subject",
]
