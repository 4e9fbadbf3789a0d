"""What a Kubernetes service account can do in AWS through IAM roles for service accounts (IRSA).

:class:`AwsAccess` reads the AWS IAM resources a load collected (``aws_iam_role``,
``aws_iam_role_policy``, ``aws_iam_policy`` and its attachments, rendered
``aws_iam_policy_document`` data sources, ``aws_iam_openid_connect_provider``) and
the ServiceAccount objects, and answers :meth:`AwsAccess.can` in three steps
(reference ``iam-vault.md`` §1.7):

1. **Annotation.** The service account's ``eks.amazonaws.com/role-arn`` names a role.
   It is linked to the role of the sources whose ARN it is: the same symbol
   (``aws_iam_role.x.arn``), or a literal ARN whose path and name are the role's.
   No annotation: no IRSA credentials. A role that is not in the sources: unknown.
2. **Trust.** The role's trust policy must let the cluster's OIDC provider
   (``Federated`` principal) assume it with ``sts:AssumeRoleWithWebIdentity`` for
   ``<issuer>:sub = system:serviceaccount:<ns>:<name>`` and ``<issuer>:aud`` = the
   ``eks.amazonaws.com/audience`` annotation (default ``sts.amazonaws.com``).
   Annotated but not trusted means no AWS access at all.
3. **Permissions.** The role's identity policies (inline, attached, managed) and
   its permissions boundary decide the request (:func:`~.aws.evaluate_iam`).

Which OIDC provider is the cluster's, and the request context a call is made in
(inside the cluster by default), are defined in :mod:`.aws_cluster`; with several
candidate providers an answer is known only when it is the same for each (pass
``cluster=`` to say which it is). The helpers that read and rewrite policy
documents are in :mod:`.iam_documents`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidArgument
from ..model.decision import Decision, Explanation
from ..model.identities import ServiceAccount
from ..model.objects import CloudResource, KubeObject
from ..values import (
    Str,
    Symbol,
    Tri,
    UnknownMap,
    and3,
    eq3,
    or3,
    show,
    symbols_in,
)
from .aws_auth import canonical_role_arn
from .cluster import (
    CLUSTER_EGRESS,
    CLUSTER_OIDC_ISSUER,
    CLUSTER_OIDC_ISSUER_URL,
    CLUSTER_OIDC_PROVIDER_ARN,
    DEFAULT_CLUSTER,
    IN_CLUSTER,
    IN_CLUSTER_ADDRESS,
    OUTSIDE_CLUSTER,
    AwsRequest,
    ClusterOidc,
    ContextArgument,
    claim_key,
    cluster_from_provider,
    computed_attribute,
    context_overlay,
    context_text,
    identity_context,
    is_cluster_provider,
    outside_cluster,
    put_context_key,
    service_account_subject,
)
from .documents import (
    MAYBE_KEY,
    claim_keys,
    conditional,
    encoded_document,
    federated_principals,
    open_trust_notes,
    provider_principals,
    substitute,
)
from .evaluation import NO_PERMISSION_NEEDED, PolicyDocument, evaluate_iam
from .pod_identity import (
    ASSUME_ACTIONS,
    POD_IDENTITY_SERVICE,
    PodIdentityAssociation,
    pod_identity_associations,
)

ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn"
AUDIENCE_ANNOTATION = "eks.amazonaws.com/audience"
DEFAULT_AUDIENCE = "sts.amazonaws.com"
WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
NODE_ROLE_NOTE = ("without IRSA credentials the pod may still reach the node's instance role "
                  "through the instance metadata service; that is not modelled")

_MANAGED = re.compile(r"arn:aws[a-z-]*:iam::aws:policy/.+")
_ROLE_ARN = re.compile(r"arn:(aws[a-z-]*):iam::(\d{12}|[^:]*):role(/.*)")
_POLICY_ARN = re.compile(r"arn:(aws[a-z-]*):iam::([^:]*):policy(/.*)")
_OIDC_ARN = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}):oidc-provider/.+")


# --------------------------------------------------------------------------- roles and policies


@dataclass
class _Role:
    resource: CloudResource
    name: Str
    path: Str
    arn: Str

    @property
    def address(self) -> str:
        return self.resource.address

    def ref(self) -> str:
        return f"{self.address} ({self.resource.source.path}:{self.resource.source.line})"


def _role(resource: CloudResource) -> _Role:
    values = resource.values
    name = values.get("name")
    if not isinstance(name, (str, Symbol)):
        prefix = values.get("name_prefix")
        pattern = re.escape(prefix) + ".+" if isinstance(prefix, str) else None
        name = computed_attribute(resource, "name", pattern=pattern, group="aws_iam_role name")
    path = values.get("path")
    if not isinstance(path, (str, Symbol)):
        path = "/"
    arn = values.get("arn")
    if not isinstance(arn, (str, Symbol)):
        arn = computed_attribute(resource, "arn")
    return _Role(resource, name, path, arn)


@dataclass
class _Source:
    """One identity policy of a role, or its boundary, before evaluation."""

    document: PolicyDocument
    maybe: list[Symbol] = field(default_factory=list)
    note: str = ""


@dataclass
class _Link:
    role: _Role
    linked: Tri
    why: str
    account: str | None = None


@dataclass
class _Outcome:
    """The answer for one role under one cluster candidate, with its evidence."""

    allowed: Tri
    lines: list[str]
    unknowns: list[Symbol]
    notes: list[str]


class AwsAccess:
    """AWS answers for service accounts, from a load's IAM resources and ServiceAccounts."""

    def __init__(self, resources: Iterable[CloudResource], service_accounts: Iterable[KubeObject] = (),
                 *, cluster: ClusterOidc | Sequence[ClusterOidc] | None = None):
        self.resources = tuple(resources)
        self._accounts: dict[tuple[Str, Str], KubeObject] = {}
        for obj in service_accounts:
            if obj.kind == "ServiceAccount" and obj.namespace is not None:
                self._accounts.setdefault((obj.namespace, obj.name), obj)
        self._patches: dict[tuple[Str, Str], list[CloudResource]] = {}
        by_type: dict[str, list[CloudResource]] = {}
        for resource in self.resources:
            by_type.setdefault(resource.type, []).append(resource)
            if resource.type == "kubernetes_annotations" and resource.values.get("kind") == \
                    "ServiceAccount":
                key = (resource.values.get("namespace"), resource.values.get("name"))
                self._patches.setdefault(key, []).append(resource)  # type: ignore[arg-type]
        self.roles = [_role(r) for r in by_type.get("aws_iam_role", [])]
        self.pod_identities = pod_identity_associations(self.resources)
        self._policies = by_type.get("aws_iam_policy", [])
        self._role_policies = by_type.get("aws_iam_role_policy", [])
        self._role_attachments = by_type.get("aws_iam_role_policy_attachment", [])
        self._attachments = by_type.get("aws_iam_policy_attachment", [])
        self._documents: dict[str, tuple[CloudResource, Any]] = {}
        for data in by_type.get("data.aws_iam_policy_document", []):
            self._documents[f"{data.address}.json"] = (data, None)
            self._documents[f"{data.address}.minified_json"] = (data, None)
        self._texts: dict[str, CloudResource] | None = None
        if cluster is None:
            providers = [r for r in by_type.get("aws_iam_openid_connect_provider", [])
                         if is_cluster_provider(r)]
            self.clusters = [cluster_from_provider(p) for p in providers] or [DEFAULT_CLUSTER]
        elif isinstance(cluster, ClusterOidc):
            self.clusters = [cluster]
        else:
            self.clusters = list(cluster) or [DEFAULT_CLUSTER]

    # -- documents ---------------------------------------------------------------------------

    def rendered(self, key: str) -> tuple[CloudResource, Any] | None:
        """The rendered ``data.aws_iam_policy_document`` a ``<address>.json`` key names."""
        entry = self._documents.get(key)
        if entry is None:
            return None
        data, rendered = entry
        if rendered is None:
            rendered = data.values.get("rendered")
            if rendered is None:  # the loader could not render it (and said why)
                return None
            self._documents[key] = (data, rendered)
        return data, rendered

    def _by_text(self) -> dict[str, CloudResource]:
        """Rendered documents by their JSON text (a policy set to ``data.x.json`` when known)."""
        if self._texts is None:
            self._texts = {}
            for data, _ in self._documents.values():
                for attribute in ("json", "minified_json"):
                    text = data.values.get(attribute)
                    if isinstance(text, str):
                        self._texts.setdefault(text.strip(), data)
        return self._texts

    def document(self, value: object, name: str, resource: CloudResource) -> PolicyDocument:
        """A policy value (JSON text, a decoded dict, or a symbol) as a document with provenance."""
        source = f"{resource.source.path}:{resource.source.line}"
        if isinstance(value, Symbol):
            found = self.rendered(value.key)
            if found is not None:
                data, rendered = found
                return PolicyDocument(rendered, f"{name} = {data.address}",
                                      f"{data.source.path}:{data.source.line}")
            decoded = encoded_document(value)
            return PolicyDocument(value if decoded is None else decoded, name, source)
        if isinstance(value, str):
            same = self._by_text().get(value.strip())
            if same is not None:
                return PolicyDocument(value, f"{name} = {same.address}",
                                      f"{same.source.path}:{same.source.line}")
            return PolicyDocument(value, name, source)
        if isinstance(value, Mapping):
            return PolicyDocument(value, name, source)
        if value is None:
            return PolicyDocument(Symbol(key=f"{name} (not set)", expression=name, source=source,
                                         reason="the policy is not set in the sources"),
                                  name, source)
        raise InvalidArgument(f"{name} ({source}): a policy must be JSON text, not {value!r}")

    def _policy_by_arn(self, arn: Str, what: str, where: CloudResource) -> tuple[PolicyDocument, Tri,
                                                                                    str]:
        """The document behind a policy ARN: (document, whether it is that policy, note)."""
        source = f"{where.source.path}:{where.source.line}"
        if isinstance(arn, str) and _MANAGED.fullmatch(arn):
            unknown = Symbol(key=f"AWS managed policy {arn}", expression=arn, source=source,
                             reason="an AWS managed policy; pytest-pfperms does not ship the "
                                    "content of AWS managed policies, so what it allows is unknown")
            return PolicyDocument(unknown, f"AWS managed policy {arn} ({what})", source), True, \
                f"{arn} is an AWS managed policy: its content is unknown here"
        candidates: list[tuple[CloudResource, Tri]] = []
        for policy in self._policies:
            linked = self._policy_link(arn, policy)
            if linked is not False:
                candidates.append((policy, linked))
        sure = [policy for policy, linked in candidates if linked is True]
        if sure:
            policy = sure[0]
            return self.document(policy.values.get("policy"), policy.address, policy), True, ""
        if len(candidates) == 1:
            policy = candidates[0][0]
            return self.document(policy.values.get("policy"), policy.address, policy), None, \
                f"whether {show(arn)} is {policy.address} is unknown"
        unknown = arn if isinstance(arn, Symbol) else Symbol(
            key=f"policy {arn}", expression=arn, source=source,
            reason="a customer managed policy the sources do not define; its content is unknown")
        return PolicyDocument(unknown, f"policy {show(arn)} ({what})", source), True, \
            f"policy {show(arn)} is not defined in the sources: its content is unknown"

    def _policy_link(self, arn: Str, policy: CloudResource) -> Tri:
        own = policy.values.get("arn")
        if isinstance(arn, Symbol):
            if arn.key == f"{policy.address}.arn" or (isinstance(own, Symbol) and own == arn):
                return True
            other = arn.key.removesuffix(".arn")
            if arn.key.endswith(".arn") and any(p.address == other for p in self._policies):
                return False
            return None if isinstance(own, (str, type(None))) else eq3(arn, own)
        if isinstance(own, str):
            return own == arn
        match = _POLICY_ARN.fullmatch(arn)
        if match is None:
            return False
        name = policy.values.get("name")
        path = policy.values.get("path", "/")
        if not isinstance(path, (str, Symbol)):
            path = "/"
        if isinstance(name, (str, Symbol)):
            return and3([eq3(name, match.group(3).rsplit("/", 1)[1]),
                         eq3(path, match.group(3).rsplit("/", 1)[0] + "/")])
        return None

    def _role_ref(self, ref: object, role: _Role) -> Tri:
        """Whether a role reference (a name, as attachments take it) is ``role``."""
        if isinstance(ref, Symbol):
            if ref.key in (f"{role.address}.name", f"{role.address}.id") or ref == role.name:
                return True
            for other in self.roles:
                if other is not role and ref.key in (f"{other.address}.name", f"{other.address}.id"):
                    return False
            return eq3(ref, role.name)
        if isinstance(ref, str):
            if ref.startswith("arn:"):
                return eq3(role.arn, ref) if isinstance(role.arn, str) else None
            return eq3(ref, role.name)
        return False

    def identity_sources(self, role: _Role) -> tuple[list[_Source], _Source | None]:
        """The role's identity policies and its permissions boundary, each with its provenance."""
        sources: list[_Source] = []
        resource = role.resource
        for index, block in enumerate(_blocks(resource.values.get("inline_policy"))):
            if block.get("policy") in (None, ""):
                continue
            label = block.get("name") or index
            sources.append(_Source(self.document(block["policy"],
                                                 f"{role.address} inline_policy {show(label)}",
                                                 resource)))
        for policy in self._role_policies:
            linked = self._role_ref(policy.values.get("role"), role)
            if linked is False:
                continue
            sources.append(self._maybe(self.document(policy.values.get("policy"), policy.address,
                                                     policy), linked, policy,
                                       f"{policy.address} is attached to {role.address}"))
        managed = resource.values.get("managed_policy_arns")
        if isinstance(managed, Symbol):
            sources.append(_Source(PolicyDocument(managed, f"{role.address} managed_policy_arns",
                                                  f"{resource.source.path}:{resource.source.line}")))
        else:
            for arn in managed or ():
                document, linked, note = self._policy_by_arn(arn, f"{role.address} managed_policy_arns",
                                                             resource)
                sources.append(self._maybe(document, linked, resource, note, note))
        attachments = [(a, a.values.get("role")) for a in self._role_attachments]
        for attachment in self._attachments:
            roles = attachment.values.get("roles")
            if isinstance(roles, Symbol):
                attachments.append((attachment, roles))
            else:
                for ref in roles or ():
                    attachments.append((attachment, ref))
        for attachment, ref in attachments:
            linked = self._role_ref(ref, role)
            if linked is False:
                continue
            policy_arn = attachment.values.get("policy_arn")
            if not isinstance(policy_arn, (str, Symbol)):
                policy_arn = computed_attribute(attachment, "policy_arn")
            document, is_policy, note = self._policy_by_arn(policy_arn, attachment.address,
                                                            attachment)
            sources.append(self._maybe(document, and3([linked, is_policy]), attachment,
                                       f"{attachment.address} attaches it to {role.address}", note))
        boundary = None
        arn = resource.values.get("permissions_boundary")
        if isinstance(arn, (str, Symbol)) and arn != "":
            document, linked, note = self._policy_by_arn(arn, f"{role.address} permissions_boundary",
                                                         resource)
            boundary = _Source(document, note=note)
            if linked is None:
                boundary = _Source(PolicyDocument(Symbol(
                    key=f"{role.address}.permissions_boundary", expression=str(arn),
                    reason=note), f"permissions boundary {show(arn)}", document.source), note=note)
        return sources, boundary

    def _maybe(self, document: PolicyDocument, linked: Tri, resource: CloudResource, what: str,
               note: str = "") -> _Source:
        maybe: list[Symbol] = []
        if linked is None:
            maybe.append(Symbol(key=f"{what}?", expression=what,
                                source=f"{resource.source.path}:{resource.source.line}",
                                reason="whether this policy applies to the role depends on "
                                       "values known only after apply"))
        if resource.condition is not None:
            maybe.append(resource.condition)
        if not maybe:
            return _Source(document, note=note)
        return _Source(conditional(document, maybe[0]), maybe, note)

    # -- service accounts ------------------------------------------------------------------------

    def annotations(self, account: ServiceAccount) -> tuple[Mapping[str, Str] | None, list[str],
                                                             list[Symbol]]:
        """The service account's annotations (None when unknown), where they come from, unknowns."""
        key = (account.namespace, account.name)
        obj = self._accounts.get(key)
        patches = self._patches.get(key, [])
        lines: list[str] = []
        merged: dict[str, Str] = {}
        if obj is not None:
            if isinstance(obj.annotations, UnknownMap):
                return None, [f"{obj.ref()} ({obj.source}) has annotations unknown before apply"], \
                    [obj.annotations.symbol]
            merged.update(obj.annotations)
            lines.append(f"{obj.ref()} ({obj.source})")
        for patch in patches:
            annotations = patch.values.get("annotations")
            if isinstance(annotations, Mapping):
                merged.update(annotations)
                lines.append(f"annotated by {patch.address} ({patch.source.path}:{patch.source.line})")
        if obj is None and not patches:
            if account.name == "default":
                return {}, [f"{account} is not defined in the sources: a namespace's default "
                            "service account has no annotations"], []
            unknown = Symbol(key=f"annotations of {account}", expression=str(account),
                             reason="the ServiceAccount is not defined in the sources, so its "
                                    "annotations are unknown",
                             hint="load the manifests or Terraform that create it")
            return None, [f"{account} is not defined in the sources"], [unknown]
        return merged, lines, []

    def link(self, annotation: Str) -> list[_Link]:
        """Every role of the sources the annotation may name, with why."""
        links: list[_Link] = []
        for role in self.roles:
            if isinstance(annotation, Symbol):
                if annotation == role.arn or annotation.key == f"{role.address}.arn":
                    links.append(_Link(role, True, f"the annotation is {role.address}.arn"))
                    continue
                other = [r for r in self.roles if r is not role and (
                    annotation == r.arn or annotation.key == f"{r.address}.arn")]
                if other:
                    continue
                links.append(_Link(role, None, f"whether {annotation} is the ARN of "
                                   f"{role.address} is unknown"))
                continue
            match = _ROLE_ARN.fullmatch(annotation)
            if match is None:
                continue
            if isinstance(role.arn, str):
                if role.arn == annotation:
                    links.append(_Link(role, True, f"the annotation is {role.address}'s ARN"))
                continue
            full = match.group(3)
            path, _, name = full.rpartition("/")
            linked = and3([eq3(role.name, name), eq3(role.path, path + "/")])
            if linked is False:
                continue
            account = match.group(2)
            role_account = self._role_account(role)
            if role_account is not None and role_account != account:
                continue
            why = (f"the annotation names role {show(role.name)} (path {show(role.path)})"
                   if linked else f"whether {annotation} names {role.address} "
                   f"(name {show(role.name)}) is unknown")
            links.append(_Link(role, linked, why, account))
        return links

    def _role_account(self, role: _Role) -> str | None:
        """The role's account, when its trust policy names the account's OIDC provider literally."""
        try:
            trust = self.document(role.resource.values.get("assume_role_policy"), "", role.resource)
        except InvalidArgument:
            return None
        accounts = {m.group(1) for value in federated_principals(trust.document)
                    if isinstance(value, str) and (m := _OIDC_ARN.fullmatch(value))}
        return accounts.pop() if len(accounts) == 1 else None

    def acts_as(self, account: ServiceAccount, principal: Str, *, ignores_path: bool = False) -> Tri:
        """Whether ``account``'s pods hold the credentials of the IAM role ``principal`` (an
        ARN, or a role's ARN symbol): annotated with it and trusted by it (IRSA), or given it
        by an EKS Pod Identity association whose role trusts EKS. With
        ``ignores_path``, a role ARN of the annotation is compared without its path and case
        (as the aws-auth ConfigMap's authenticator compares it)."""
        annotations, _lines, _unknowns = self.annotations(account)
        annotation = None if annotations is None else annotations.get(ROLE_ARN_ANNOTATION)
        same: Tri = None if annotations is None else False  # unknown annotations, or none
        if isinstance(annotation, (str, Symbol)):
            same = _same_role(annotation, principal, ignores_path)
            if same is None and isinstance(principal, Symbol):
                links = self.link(annotation)
                named = [link.linked for link in links
                         if principal.key in (f"{link.role.address}.arn", str(link.role.arn))]
                principal_roles = [role for role in self.roles
                                   if principal.key in (f"{role.address}.arn", str(role.arn))]
                if named:
                    same = or3(named)
                elif principal_roles and any(link.linked is True for link in links):
                    same = False  # two roles of one account never share an ARN
        request = AwsRequest(NO_PERMISSION_NEEDED, "*", IN_CLUSTER)
        held = [and3([same, self._irsa(account, request, {}, annotations, _lines, _unknowns).allowed])
                if same is not False else False]
        for association in self.pod_identities:  # EKS Pod Identity gives credentials too
            arn = association.role_arn
            gives = None if arn is None else _same_role(arn, principal, ignores_path)
            matches = association.matches(account)
            if gives is False or matches is False:
                continue
            held.append(and3([gives, matches,
                              self._for_pod_identity(account, request, {}, association).allowed]))
        return or3(held)

    # -- the question ------------------------------------------------------------------------

    def can(self, account: ServiceAccount, action: str, resource: Str, *,
            context: ContextArgument = None, subject: object = None,
            notes: Sequence[str] = ()) -> Decision:
        """Whether ``account``'s pods may make the AWS request with their credentials (IRSA's,
        or an EKS Pod Identity association's: either is enough)."""
        if not isinstance(action, str) or ":" not in action.strip(":"):
            raise InvalidArgument(f'action must look like "service:ActionName", not {action!r}')
        if not isinstance(resource, (str, Symbol)) or resource == "":
            raise InvalidArgument(f'resource must be an ARN or "*", not {resource!r}')
        where, overlay = context_overlay(context)
        request = AwsRequest(action, resource, where)
        annotations, sa_lines, sa_unknowns = self.annotations(account)
        outcome = self._decide(account, request, overlay, annotations, sa_lines, sa_unknowns)
        outcome.notes = [*notes, *outcome.notes]

        def explain(_: Decision) -> Explanation:
            return Explanation(tuple(outcome.lines), tuple(symbols_in(tuple(outcome.unknowns))),
                               tuple(dict.fromkeys(outcome.notes)))

        return Decision(outcome.allowed, subject or account, request, explain)

    def _decide(self, account: ServiceAccount, request: AwsRequest, overlay: Mapping[str, object],
                annotations: Mapping[str, Str] | None, sa_lines: list[str],
                sa_unknowns: list[Symbol]) -> _Outcome:
        """IRSA's answer, and each EKS Pod Identity association's that may be the account's:
        the pods hold every such role's credentials, so one that allows is enough."""
        irsa = self._irsa(account, request, overlay, annotations, sa_lines, sa_unknowns)
        outcomes = [irsa]
        for association in self.pod_identities:
            matches = association.matches(account)
            if matches is False:
                continue
            outcome = self._for_pod_identity(account, request, overlay, association)
            if matches is None and outcome.allowed is not False:
                outcome.allowed = None
                outcome.lines.insert(0, f"whether {association.address} is for {account} is unknown")
                outcome.unknowns += symbols_in((association.namespace, association.service_account))
            outcomes.append(outcome)
        if len(outcomes) == 1:
            return irsa
        allowed = or3([outcome.allowed for outcome in outcomes])
        lines = ["with its IRSA credentials:", *["  " + line for line in irsa.lines]]
        for outcome in outcomes[1:]:
            lines += outcome.lines  # a head line, then its evidence indented
        notes = [note for outcome in outcomes for note in outcome.notes
                 if allowed is False or note != NODE_ROLE_NOTE]
        unknowns = [] if allowed is not None else [u for outcome in outcomes for u in outcome.unknowns]
        return _Outcome(allowed, lines, unknowns, notes)

    def _for_pod_identity(self, account: ServiceAccount, request: AwsRequest,
                          overlay: Mapping[str, object], association: PodIdentityAssociation) -> _Outcome:
        """The request with the role an EKS Pod Identity association gives the account's pods."""
        head = f"with the EKS Pod Identity credentials of {association.address} " \
               f"({association.source.path}:{association.source.line}):"
        arn = association.role_arn
        if association.target_role_arn is not None or arn is None:
            why = ("it chains to target_role_arn " + show(association.target_role_arn)
                   + ", which is not modelled") if association.target_role_arn is not None \
                else "its role_arn is unknown"
            unknown = Symbol(key=f"{association.address} credentials", expression=association.address,
                             source=f"{association.source.path}:{association.source.line}",
                             reason=f"{why}: the role may allow anything")
            return _Outcome(None, [head, f"  {why}"], [unknown], [])
        sure = [link for link in self.link(arn) if link.linked is True]
        if not sure:
            unknown = Symbol(key=f"role {arn}", expression=str(arn),
                             reason="a role the sources do not define (or cannot tell apart); its "
                                    "trust and permissions are unknown",
                             hint="load the Terraform that defines the role")
            return _Outcome(None, [head, f"  role {show(arn)}: not known to be one of the sources' "
                                   "roles, so its policies are unknown"], [unknown, *symbols_in((arn,))], [])
        role = sure[0].role
        role_arn: Str = arn if isinstance(arn, str) else role.arn
        trusted, trust_lines, trust_unknowns = self._pod_identity_trust(account, association, role, role_arn)
        lines = [head, f"  -> role {role.ref()}", *["  " + line for line in trust_lines]]
        if trusted is False:
            lines.append("  not trusted: EKS gets no credentials from this role, so none from it")
            return _Outcome(False, lines, [], [])
        context = {**identity_context(role_arn, overlay), **{
            key: value for key, value in association.session_tag_context(account).items()
            if key.lower() not in {str(k).lower() for k in overlay}}}
        permissions = self._permissions(role, role_arn, request, context)
        allowed = and3([trusted, permissions.allowed])
        outcome = _Outcome(allowed, [*lines, *["  " + line for line in permissions.lines]],
                           [] if allowed is not None else [*trust_unknowns, *permissions.unknowns],
                           permissions.notes)
        condition = association.condition or role.resource.condition
        if condition is not None and outcome.allowed is not False:
            outcome.allowed = None
            outcome.lines.append(f"  the association or its role may not exist (depends on {condition})")
            outcome.unknowns.append(condition)
        return outcome

    def _pod_identity_trust(self, account: ServiceAccount, association: PodIdentityAssociation,
                            role: _Role, role_arn: Str) -> tuple[Tri, list[str], list[Symbol]]:
        """Whether the role's trust policy lets EKS assume it for the association."""
        trust_source = self.document(role.resource.values.get("assume_role_policy"),
                                     f"{role.address} assume_role_policy", role.resource)
        actions = ASSUME_ACTIONS if association.session_tags is True else ASSUME_ACTIONS[:1]
        results: list[Tri] = []
        lines: list[str] = []
        unknowns: list[Symbol] = []
        for action in actions:
            trust = evaluate_iam(PolicyDocument(trust_source.document, trust_source.name,
                                                trust_source.source),
                                 action, role_arn, context=association.request_tag_context(account),  # type: ignore[arg-type]
                                 principal={"Service": POD_IDENTITY_SERVICE}, unlisted_keys="unknown")
            evidence = trust.explanation()
            results.append(trust.allowed)
            verdict = {True: "lets", False: "does not let", None: "may let"}[trust.allowed]
            lines.append(f"trust: {role.address} {verdict} {POD_IDENTITY_SERVICE} {action}:")
            lines += ["  " + line for line in evidence.lines]
            unknowns += evidence.unknowns
        if association.session_tags is None:
            results.append(None)
            lines.append("whether EKS tags the session (sts:TagSession) is unknown")
        return and3(results), lines, unknowns

    def _irsa(self, account: ServiceAccount, request: AwsRequest, overlay: Mapping[str, object],
              annotations: Mapping[str, Str] | None, sa_lines: list[str],
              sa_unknowns: list[Symbol]) -> _Outcome:
        if annotations is None:
            return _Outcome(None, [*sa_lines, f"so whether it is annotated {ROLE_ARN_ANNOTATION} "
                                   "is unknown"], sa_unknowns, [])
        annotation = annotations.get(ROLE_ARN_ANNOTATION)
        if annotation is None:
            return _Outcome(False, [*sa_lines, f"it has no {ROLE_ARN_ANNOTATION} annotation: the "
                                    "pods get no IRSA credentials, so no AWS access"], [], [NODE_ROLE_NOTE])
        audience = annotations.get(AUDIENCE_ANNOTATION, DEFAULT_AUDIENCE)
        head = [*sa_lines, f"annotated {ROLE_ARN_ANNOTATION} = {show(annotation)}"]
        if AUDIENCE_ANNOTATION in annotations:
            head.append(f"annotated {AUDIENCE_ANNOTATION} = {show(audience)}")
        if isinstance(annotation, str) and not _ROLE_ARN.fullmatch(annotation):
            return _Outcome(False, [*head, "that is not an IAM role ARN: STS refuses to assume it, "
                                    "so no AWS access"], [], [NODE_ROLE_NOTE])
        links = self.link(annotation)
        sure = [link for link in links if link.linked is True]
        if sure:
            link = sure[0]
            outcome = self._for_role(account, request, overlay, link, audience, annotation)
            outcome.lines = [*head, f"-> role {link.role.ref()}: {link.why}", *outcome.lines]
            if link.account is not None and self._role_account(link.role) is None:
                outcome.notes.append(f"the annotation's account {link.account} is taken to be the "
                                     f"account of {link.role.address} (one AWS account per load)")
            return outcome
        lines = [*head]
        unknowns = [*symbols_in((annotation,))]
        results: list[Tri] = []
        notes: list[str] = []
        for link in links:
            outcome = self._for_role(account, request, overlay, link, audience, annotation)
            results.append(outcome.allowed)
            lines.append(f"-> maybe role {link.role.ref()}: {link.why}")
            lines += ["  " + line for line in outcome.lines]
            unknowns += outcome.unknowns
            notes += outcome.notes
        lines.append(f"no role in the sources is known to have ARN {show(annotation)}: the role "
                     "it names may be defined elsewhere, and then its policies are unknown")
        if isinstance(annotation, str):
            unknowns.append(Symbol(key=f"role {annotation}", expression=annotation,
                                   reason="a role the sources do not define; its trust and "
                                          "permissions are unknown",
                                   hint="load the Terraform that defines the role"))
        return _Outcome(None, lines, unknowns, notes)

    def _for_role(self, account: ServiceAccount, request: AwsRequest, overlay: Mapping[str, object],
                  link: _Link, audience: Str, annotation: Str) -> _Outcome:
        role = link.role
        role_arn: Str = annotation if isinstance(annotation, str) and link.linked else role.arn
        results: list[_Outcome] = []
        for cluster in self.clusters:
            results.append(self._under_cluster(account, request, overlay, role, role_arn, audience,
                                               cluster, link.account))
        values = {r.allowed for r in results}
        if len(results) == 1:
            outcome = results[0]
        else:
            lines: list[str] = [f"the cluster's OIDC provider is one of {len(results)} candidates:"]
            unknowns: list[Symbol] = []
            notes: list[str] = []
            for cluster, result in zip(self.clusters, results, strict=True):
                lines.append(f"if it is {cluster}:")
                lines += ["  " + line for line in result.lines]
                unknowns += result.unknowns
                notes += result.notes
            allowed = values.pop() if len(values) == 1 else None
            if allowed is None:
                unknowns.append(Symbol(key="which OIDC provider is the cluster's",
                                       reason="the load defines several OIDC providers",
                                       hint="pass cluster= to AwsAccess"))
            outcome = _Outcome(allowed, lines, unknowns, notes)
        if role.resource.condition is not None and outcome.allowed is not False:
            outcome.allowed = None
            outcome.lines.append(f"{role.address} may not exist (depends on "
                                 f"{role.resource.condition})")
            outcome.unknowns.append(role.resource.condition)
        return outcome

    def _under_cluster(self, account: ServiceAccount, request: AwsRequest,
                       overlay: Mapping[str, object], role: _Role, role_arn: Str, audience: Str,
                       cluster: ClusterOidc, account_id: str | None) -> _Outcome:
        subject = service_account_subject(account.namespace, account.name)
        trust_source = self.document(role.resource.values.get("assume_role_policy"),
                                     f"{role.address} assume_role_policy", role.resource)
        caller: Str = cluster.provider_arn
        substitutions: dict[str, Str] = {CLUSTER_OIDC_PROVIDER_ARN.key: cluster.provider_arn}
        if isinstance(caller, Symbol) and isinstance(cluster.issuer, str):
            owner = account_id or self._role_account(role)
            if owner is not None:
                literal = f"arn:aws:iam::{owner}:oidc-provider/{cluster.issuer}"
                substitutions[caller.key] = literal
                caller = literal
        for written in provider_principals(trust_source.document, cluster):
            substitutions[written.key] = caller
        if isinstance(cluster.issuer, str):  # a named cluster: what a data source reads of it
            substitutions[CLUSTER_OIDC_ISSUER_URL.key] = f"https://{cluster.issuer}"
        trust_document = substitute(trust_source.document, substitutions)
        trust_context: dict[Str, object] = {}
        for key in (claim_key(cluster.issuer, "sub"), *claim_keys(trust_document, cluster, "sub")):
            put_context_key(trust_context, key, subject)
        for key in (claim_key(cluster.issuer, "aud"), *claim_keys(trust_document, cluster, "aud")):
            put_context_key(trust_context, key, audience)
        trust = evaluate_iam(PolicyDocument(trust_document, trust_source.name, trust_source.source),
                             WEB_IDENTITY, role_arn, context=trust_context,  # type: ignore[arg-type]
                             principal={"Federated": caller})
        evidence = trust.explanation()
        who = _template_text(subject)
        lines: list[str] = []
        unknowns = list(evidence.unknowns)
        notes = [n for n in evidence.notes if not n.startswith("condition keys not in the context")]
        if cluster.client_ids is not None and isinstance(audience, str) and \
                audience not in cluster.client_ids:
            lines.append(f"STS refuses the token: its audience {show(audience)} is not in the "
                         f"client_id_list {show(cluster.client_ids)} of {cluster}, so no AWS access")
            return _Outcome(False, lines, [], notes)
        if trust.allowed is False:
            lines.append(f"trust: {role.address} does not let {who} assume it "
                         f"({WEB_IDENTITY} from {show(caller)}):")
            lines += ["  " + line for line in evidence.lines]
            lines.append("annotated but not trusted: the pods get no AWS credentials from this role, "
                         "so no AWS access")
            return _Outcome(False, lines, [], notes)
        verdict = "lets" if trust.allowed else "may let"
        lines.append(f"trust: {role.address} {verdict} {who} assume it "
                     f"({WEB_IDENTITY} from {show(caller)}, aud {show(audience)}):")
        lines += ["  " + line for line in evidence.lines]
        lines += open_trust_notes(trust_document, cluster)
        permissions = self._permissions(role, role_arn, request, identity_context(role_arn, overlay))
        allowed = and3([trust.allowed, permissions.allowed])
        unknowns = [] if allowed is not None else [*unknowns, *permissions.unknowns]
        return _Outcome(allowed, [*lines, *permissions.lines], unknowns, [*notes, *permissions.notes])

    def _permissions(self, role: _Role, role_arn: Str, request: AwsRequest,
                     context: dict[str, object]) -> _Outcome:
        """What the role's identity policies and boundary decide of the request."""
        lines: list[str] = []
        unknowns: list[Symbol] = []
        notes: list[str] = []
        identity, boundary = self.identity_sources(role)
        documents = [source.document for source in identity]
        decision = evaluate_iam(documents, request.action, request.resource,
                                context=context,  # type: ignore[arg-type]
                                permissions_boundary=None if boundary is None else boundary.document,
                                unlisted_keys="unknown")
        iam = decision.explanation()
        if not identity:
            lines.append(f"permissions: {role.address} has no identity policies in the sources")
        else:
            lines.append(f"permissions of {role.address} ({len(identity)} "
                         f"polic{'y' if len(identity) == 1 else 'ies'}"
                         f"{', with a permissions boundary' if boundary else ''}):")
        lines.append("  request context: " + context_text(context))
        lines += ["  " + line for line in iam.lines]
        unknowns += iam.unknowns
        notes += [n for n in iam.notes if MAYBE_KEY not in n]
        notes += [s.note for s in identity if s.note]
        if boundary is not None and boundary.note:
            notes.append(boundary.note)
        for source in identity:
            unknowns += source.maybe
        return _Outcome(decision.allowed, lines, unknowns, notes)


# --------------------------------------------------------------------------- helpers


def _same_role(arn: Str, principal: Str, ignores_path: bool) -> Tri:
    """Whether two role ARNs are the same role (without path and case, when asked)."""
    if ignores_path and isinstance(arn, str) and isinstance(principal, str):
        return canonical_role_arn(arn) == principal.lower()
    return eq3(arn, principal)


def _template_text(value: Str) -> str:
    """A string for messages; a template symbol as its template (``a:${random_id.x.hex}``)."""
    if isinstance(value, Symbol):
        key = value.key
        return key[1:-1] if len(key) > 1 and key[0] == key[-1] == '"' else str(value)
    return value


def _blocks(value: object) -> list[Mapping[str, Any]]:
    if isinstance(value, list):
        return [item for item in value if isinstance(item, Mapping)]
    return []


def decide_many(decisions: Sequence[Decision], subject: object,
                combine: Callable[[Iterable[Tri]], Tri]) -> Decision:
    """One decision over several (a workload's several service accounts)."""
    request = decisions[0].request

    def explain(_: Decision) -> Explanation:
        lines: list[str] = []
        unknowns: list[Symbol] = []
        notes: list[str] = []
        for decision in decisions:
            lines.append(decision.summary())
            evidence = decision.explanation()
            lines += ["  " + line for line in evidence.lines]
            unknowns += evidence.unknowns
            notes += evidence.notes
        return Explanation(tuple(lines), tuple(dict.fromkeys(unknowns)), tuple(dict.fromkeys(notes)))

    return Decision(combine(d.allowed for d in decisions), subject, request, explain)


__all__ = [
    "CLUSTER_EGRESS",
    "CLUSTER_OIDC_ISSUER",
    "CLUSTER_OIDC_PROVIDER_ARN",
    "DEFAULT_CLUSTER",
    "IN_CLUSTER",
    "IN_CLUSTER_ADDRESS",
    "OUTSIDE_CLUSTER",
    "AwsAccess",
    "AwsRequest",
    "ClusterOidc",
    "claim_key",
    "encoded_document",
    "outside_cluster",
    "service_account_subject",
]
