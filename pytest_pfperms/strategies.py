"""Hypothesis strategies for permission models: draw RBAC objects, IAM and Vault policies, requests.

Use them in your own property tests, over drawn objects or over your real repo::

    from hypothesis import given
    from pytest_pfperms import strategies

    @given(strategies.manifests(), strategies.subjects(), strategies.requests())
    def test_my_linter_agrees(objects, who, request): ...

    MODEL = pytest_pfperms.load("k8s/")

    @given(strategies.subjects(model=MODEL), strategies.requests(model=MODEL))
    def test_no_cross_namespace_secret_reads(who, request):
        decision = MODEL.decide(who, request)
        ...

Every strategy takes keyword arguments only, checks them when it is called (an
``InvalidArgument`` names what is wrong and what to pass), and shrinks towards
small readable examples: one verb, one resource, names like ``ns0``, ``sa0`` and
``role0``. Manifests are plain dicts as ``kubectl`` reads them;
:func:`write_manifests` and :func:`load_manifests` turn a drawn set into files in
any representation (YAML, JSON, a ``List``, Terraform HCL, a plan) and into a Model.
Requests are :class:`~pytest_pfperms.model.requests.ResourceRequest` or
:class:`~pytest_pfperms.model.requests.NonResourceRequest`; ask the model with
``model.decide(who, request)``.

For invariants over a whole repo, checked exhaustively when the space is small,
see :func:`pytest_pfperms.forall`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st

from .errors import InvalidArgument
from .model.identities import Identity
from .model.requests import Request
from .testing.question_space import vocabulary
from .testing.strategies import pools, validation
from .testing.strategies import rbac as _rbac
from .testing.strategies.cloud import IamQuery, IamSpec, VaultQuery
from .testing.strategies.cloud import iam_policies as _iam_policies
from .testing.strategies.cloud import iam_requests as _iam_requests
from .testing.strategies.cloud import vault_policies as _vault_policies
from .testing.strategies.cloud import vault_requests as _vault_requests
from .testing.strategies.writing import (
    FORMATS,
    Format,
    HclExpression,
    Manifest,
    load_manifests,
    write_manifests,
)
from .values import Str
from .vault.policy_parsing import VaultFlavor, capabilities_of, validate_flavor

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from .query.model import Model

__all__ = [
    "FORMATS",
    "HclExpression",
    "IamQuery",
    "Manifest",
    "VaultQuery",
    "bindings",
    "cluster_roles",
    "iam_policies",
    "iam_requests",
    "load_manifests",
    "manifests",
    "requests",
    "roles",
    "rules",
    "subjects",
    "vault_policies",
    "vault_requests",
    "write_manifests",
]

_SUBJECT_KINDS = ("ServiceAccount", "User")
_BINDING_KINDS = ("RoleBinding", "ClusterRoleBinding")


def _rule_spec(verbs: Sequence[str] | None, resources: Sequence[str] | None,
               resource_names: Sequence[str] | None, non_resource_urls: Sequence[str] | None,
               wildcards: bool, max_verbs: int, max_resources: int) -> _rbac.RuleSpec:
    return _rbac.RuleSpec(
        verbs=validation.pool(verbs, "verbs", pools.VERBS),
        resources=(validation.resources(resources, "resources") if resources is not None
                   else validation.resources(pools.RESOURCES, "resources")),
        resource_names=validation.pool(resource_names, "resource_names", pools.RESOURCE_NAMES,
                                       allow_empty=True),
        urls=(validation.urls(non_resource_urls, "non_resource_urls")
              if non_resource_urls is not None else ()),
        wildcards=validation.boolean(wildcards, "wildcards"),
        max_verbs=validation.integer(max_verbs, "max_verbs", minimum=1, maximum=20),
        max_resources=validation.integer(max_resources, "max_resources", minimum=1, maximum=20),
    )


def rules(
    *,
    verbs: Sequence[str] | None = None,
    resources: Sequence[str] | None = None,
    resource_names: Sequence[str] | None = None,
    non_resource_urls: Sequence[str] | None = None,
    wildcards: bool = True,
    max_verbs: int = 3,
    max_resources: int = 2,
) -> SearchStrategy[Manifest]:
    """RBAC rules as manifest dicts: ``{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}``.

    ``verbs``, ``resources`` (spelled as ``can()`` takes them: ``"pods"``,
    ``"deployments.apps/scale"``) and ``resource_names`` are the pools drawn from
    (defaults: the standard verbs, a few core and apps resources, ``obj0``/``obj1``;
    ``resource_names=[]`` draws none). ``non_resource_urls``: a pool of URLs
    (``"/healthz"``, ``"/logs/*"``, ``"*"``); when given, one rule in four is a
    ``nonResourceURLs`` rule (valid in ClusterRoles only). ``wildcards`` adds ``"*"``
    verbs, groups and resources and ``*/subresource``. Rules are valid: resourceNames
    only with a single resource, never resources and URLs together.
    """
    spec = _rule_spec(verbs, resources, resource_names, non_resource_urls, wildcards, max_verbs,
                      max_resources)
    return _rbac.rules(spec)


def _rules_argument(value: object) -> SearchStrategy[Manifest] | None:
    return None if value is None else validation.strategy(value, "rules")


def roles(
    *,
    namespaces: Sequence[str] | None = None,
    names: Sequence[str] | None = None,
    rules: SearchStrategy[Manifest] | None = None,
    min_rules: int = 1,
    max_rules: int = 3,
) -> SearchStrategy[Manifest]:
    """Role manifests: a name from ``names`` (default ``role0``..``role2``) in a namespace from
    ``namespaces`` (default ``ns0``..``ns2``), with rules drawn from ``rules`` (default
    :func:`rules` without URLs; a Role cannot grant non-resource URLs)."""
    rule_strategy = _rules_argument(rules)
    low, high = validation.size_range(min_rules, max_rules, "rules")
    namespace_pool = validation.pool(namespaces, "namespaces", pools.NAMESPACES)
    name_pool = validation.pool(names, "names", pools.ROLE_NAMES)
    if rule_strategy is None:
        rule_strategy = _rbac.resource_rules(_rule_spec(None, None, None, None, True, 3, 2))
    return _rbac.roles(name_pool, namespace_pool, rule_strategy, low, high)


def cluster_roles(
    *,
    aggregating: bool | None = False,
    names: Sequence[str] | None = None,
    labels: Mapping[str, Sequence[str]] | None = None,
    rules: SearchStrategy[Manifest] | None = None,
    min_rules: int = 1,
    max_rules: int = 3,
) -> SearchStrategy[Manifest]:
    """ClusterRole manifests.

    ``aggregating=False`` draws roles with rules (resource and non-resource);
    ``True`` draws roles with an ``aggregationRule`` of one or two label selectors
    (``matchLabels`` and ``matchExpressions`` over ``labels``; an empty selector
    selects every ClusterRole) and, sometimes, stale rules the aggregation controller
    replaces; ``None`` draws either (one in four aggregated). Every role gets labels
    from ``labels`` (default ``{"agg0": ["true", "false"], "agg1": ["true"]}``), so that
    aggregated roles have something to select. Names come from ``names`` (default
    ``clusterrole0``..``clusterrole2``).
    """
    if aggregating is not None:
        validation.boolean(aggregating, "aggregating")
    rule_strategy = _rules_argument(rules)
    low, high = validation.size_range(min_rules, max_rules, "rules")
    name_pool = validation.pool(names, "names", pools.CLUSTER_ROLE_NAMES)
    label_pool = validation.labels(labels, "labels") if labels is not None else pools.LABELS
    if rule_strategy is None:
        rule_strategy = _rbac.rules(_rule_spec(None, None, None, pools.RULE_URLS, True, 3, 2))
    return _rbac.cluster_roles(name_pool, label_pool, rule_strategy, low, high, aggregating)


def _subject_spec(kinds: Sequence[str], namespaces: Sequence[str] | None,
                  service_accounts: Sequence[str] | None, users: Sequence[str] | None,
                  groups: Sequence[str] | None) -> _rbac.SubjectSpec:
    return _rbac.SubjectSpec(
        kinds=validation.subset(kinds, "kinds", _SUBJECT_KINDS),
        namespaces=validation.pool(namespaces, "namespaces", pools.NAMESPACES),
        service_accounts=validation.pool(service_accounts, "service_accounts", pools.SERVICE_ACCOUNTS),
        users=validation.pool(users, "users", pools.USERS),
        groups=validation.pool(groups, "groups", pools.GROUPS, allow_empty=True),
    )


def subjects(
    *,
    kinds: Sequence[str] = _SUBJECT_KINDS,
    namespaces: Sequence[str] | None = None,
    service_accounts: Sequence[str] | None = None,
    users: Sequence[str] | None = None,
    groups: Sequence[str] | None = None,
    model: Model | None = None,
    outsiders: bool = True,
) -> SearchStrategy[Identity]:
    """Who asks: :class:`~pytest_pfperms.ServiceAccount` and :class:`~pytest_pfperms.User` identities.

    ``kinds``: ``"ServiceAccount"`` and/or ``"User"`` (shrinks towards the first).
    Without a model, service accounts are drawn from ``namespaces`` x
    ``service_accounts`` (default ``ns0``..``ns2`` x ``sa0``, ``sa1``, ``default``) and
    users from ``users`` (``user0``, ``user1``), each with up to two of ``groups``
    (``group0``, ``group1``). With ``model=``, the subjects the model's sources
    mention (see :func:`pytest_pfperms.forall`), plus outsiders unless
    ``outsiders=False``; the pools must then be left out.
    """
    spec = _subject_spec(kinds, namespaces, service_accounts, users, groups)
    validation.boolean(outsiders, "outsiders")
    if model is None:
        return _rbac.subjects(spec)
    validation.model(model)
    if any(value is not None for value in (namespaces, service_accounts, users, groups)):
        raise InvalidArgument("subjects(model=...) draws the model's own subjects; leave out "
                              "namespaces=, service_accounts=, users= and groups= (or filter the "
                              "strategy with .filter(...))")
    wanted = {"ServiceAccount": "ServiceAccount", "User": "User"}
    found = [who for who in vocabulary(model, outsiders=outsiders).subjects
             if type(who).__name__ in {wanted[kind] for kind in spec.kinds}]
    if not found:
        raise InvalidArgument(f"the model mentions no subject of kinds {list(spec.kinds)}")
    return st.sampled_from(found)


def bindings(
    *,
    kinds: Sequence[str] = _BINDING_KINDS,
    names: Sequence[str] | None = None,
    namespaces: Sequence[str] | None = None,
    roles: Sequence[str] | None = None,
    cluster_roles: Sequence[str] | None = None,
    subjects: SearchStrategy[Identity] | None = None,
    groups: Sequence[str] | None = None,
    max_subjects: int = 3,
) -> SearchStrategy[Manifest]:
    """RoleBinding and ClusterRoleBinding manifests (``kinds``, shrinking towards the first).

    A RoleBinding is in one of ``namespaces`` and refers to a Role named in ``roles``
    (default ``role0``..``role2``) or a ClusterRole named in ``cluster_roles``
    (``clusterrole0``..``clusterrole2``); a ClusterRoleBinding to a ClusterRole. Its
    1..``max_subjects`` subjects name identities drawn from ``subjects`` (default
    :func:`subjects`) or, one time in four, a group: one of ``groups``,
    ``system:authenticated``, ``system:serviceaccounts`` or
    ``system:serviceaccounts:<namespace>``. A RoleBinding's ServiceAccount subject in
    its own namespace sometimes leaves the namespace out, as Kubernetes allows.
    Names come from ``names`` (default ``binding0``..``binding2`` for RoleBindings and
    ``clusterbinding0``..``clusterbinding2`` for ClusterRoleBindings), so bindings drawn
    one by one may share names; draw :func:`manifests` for a valid set.
    """
    kind_list = validation.subset(kinds, "kinds", _BINDING_KINDS)
    namespace_pool = validation.pool(namespaces, "namespaces", pools.NAMESPACES)
    role_pool = validation.pool(roles, "roles", pools.ROLE_NAMES)
    cluster_pool = validation.pool(cluster_roles, "cluster_roles", pools.CLUSTER_ROLE_NAMES)
    identity_strategy = (validation.strategy(subjects, "subjects") if subjects is not None
                         else _rbac.subjects(_subject_spec(_SUBJECT_KINDS, namespace_pool, None, None, None)))
    group_pool = validation.pool(groups, "groups", pools.GROUPS, allow_empty=True)
    name_pool = validation.pool(names, "names", ()) if names is not None else None
    spec = _rbac.BindingSpec(kind_list, name_pool, namespace_pool, role_pool, cluster_pool, group_pool,
                             validation.integer(max_subjects, "max_subjects", minimum=1, maximum=20))
    return _rbac.bindings(spec, identity_strategy)


def requests(
    *,
    model: Model | None = None,
    verbs: Sequence[str] | None = None,
    resources: Sequence[str] | None = None,
    namespaces: Sequence[str | None] | None = None,
    names: Sequence[str] | None = None,
    non_resource_urls: Sequence[str] | None = None,
    cluster_scoped: bool = True,
    outsiders: bool = True,
) -> SearchStrategy[Request]:
    """What is asked: ``ResourceRequest`` and ``NonResourceRequest`` (ask with ``model.decide``).

    Without a model: ``verbs`` (default the standard eight), ``resources``
    (default a few core and apps resources, including ``pods/log`` and the
    cluster-scoped ``nodes``), ``namespaces`` (``ns0``..``ns2``; plus cluster scope
    unless ``cluster_scoped=False``), ``names`` (default ``obj0``, ``obj1``; every
    request may also name none) and ``non_resource_urls`` (default ``/healthz``,
    ``/metrics``, ``/logs/app``, ``/version``; ``[]`` for none); one request in five is
    a non-resource one. Giving ``resources`` leaves out non-resource requests unless
    ``non_resource_urls`` is given too.

    With ``model=``: the verbs, resources, namespaces, resource names and URLs the
    model's sources mention, plus outsiders unless ``outsiders=False`` (see
    :func:`pytest_pfperms.forall`); any pool given replaces the model's.
    """
    validation.boolean(cluster_scoped, "cluster_scoped")
    validation.boolean(outsiders, "outsiders")
    namespace_pool: tuple[Str | None, ...]
    if namespaces is not None:
        namespace_pool = tuple(dict.fromkeys(_namespaces(namespaces)))
    if model is not None:
        validation.model(model)
        words = vocabulary(model, outsiders=outsiders)
        verb_pool = validation.pool(verbs, "verbs", words.verbs)
        resource_pool = (validation.resources(resources, "resources") if resources is not None
                         else words.resources)
        if namespaces is None:
            namespace_pool = words.namespaces
        name_pool = ("", *validation.strings(names, "names")) if names is not None else words.names
        urls = (validation.urls(non_resource_urls, "non_resource_urls") if non_resource_urls is not None
                else words.urls if resources is None else ())
        url_verbs = verb_pool if verbs is not None else words.url_verbs
    else:
        verb_pool = validation.pool(verbs, "verbs", pools.VERBS)
        resource_pool = validation.resources(resources if resources is not None else pools.RESOURCES,
                                             "resources")
        if namespaces is None:
            namespace_pool = pools.NAMESPACES
        name_pool = ("", *validation.pool(names, "names", pools.RESOURCE_NAMES))
        urls = (validation.urls(non_resource_urls, "non_resource_urls") if non_resource_urls is not None
                else pools.REQUEST_URLS if resources is None else ())
        url_verbs = verb_pool if verbs is not None else pools.URL_VERBS
    if not cluster_scoped:
        namespace_pool = tuple(ns for ns in namespace_pool if ns is not None)
    elif None not in namespace_pool:
        namespace_pool = (*namespace_pool, None)
    if not namespace_pool:
        raise InvalidArgument("no namespace to draw from: give namespaces=[...] or cluster_scoped=True")
    urls = tuple(url for url in urls if url != "*")
    if not resource_pool and not urls:
        raise InvalidArgument("nothing to ask: the resources and non_resource_urls pools are both empty")
    return _rbac.requests(_rbac.RequestSpec(verb_pool, resource_pool, namespace_pool,
                                            tuple(dict.fromkeys(name_pool)), urls, url_verbs))


def _namespaces(values: Sequence[str | None]) -> tuple[str | None, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise InvalidArgument(f"namespaces must be a list of namespace names, not {values!r}")
    for value in values:
        if value is not None and (not isinstance(value, str) or not value):
            raise InvalidArgument(f"namespaces must hold namespace names (or None for cluster "
                                  f"scope), not {value!r}")
    if not values:
        raise InvalidArgument("namespaces is empty: give at least one, or leave it out")
    return tuple(values)


def manifests(
    *,
    namespaces: Sequence[str] | None = None,
    max_roles: int = 3,
    max_cluster_roles: int = 3,
    max_bindings: int = 4,
    max_rules: int = 2,
    max_subjects: int = 2,
    aggregation: bool = True,
    non_resource_urls: bool = True,
    service_accounts: bool = True,
    subjects: SearchStrategy[Identity] | None = None,
    verbs: Sequence[str] | None = None,
    resources: Sequence[str] | None = None,
    groups: Sequence[str] | None = None,
    labels: Mapping[str, Sequence[str]] | None = None,
    existing_cluster_roles: Sequence[str] = (),
) -> SearchStrategy[list[Manifest]]:
    """A whole valid set of RBAC objects, as a list of manifest dicts (shrinks towards ``[]``).

    Up to ``max_roles`` Roles (``role0``, ``role1``, ... in ``namespaces``), up to
    ``max_cluster_roles`` ClusterRoles (``clusterrole0``, ...; one in four aggregated
    when ``aggregation``; URL rules when ``non_resource_urls``), up to
    ``max_bindings`` RoleBindings and ClusterRoleBindings referring to those roles
    (or, sometimes, to a role named ``missing`` that does not exist), with subjects
    drawn from ``subjects`` (default :func:`subjects` over the same namespaces) and
    groups, and, when ``service_accounts``, a ServiceAccount object for every service
    account a binding names. Names never clash. ``verbs``, ``resources``, ``groups``
    and ``labels`` (of ClusterRoles, and what aggregation selects) replace the default
    pools. ``existing_cluster_roles`` names ClusterRoles defined elsewhere that bindings
    may refer to too, such as the cluster's ``view``, ``edit`` and ``admin`` (label
    roles ``rbac.authorization.k8s.io/aggregate-to-view: "true"`` to extend those).
    Write the set out with :func:`write_manifests` or load it with :func:`load_manifests`.
    """
    namespace_pool = validation.pool(namespaces, "namespaces", pools.NAMESPACES)
    rule_spec = _rule_spec(verbs, resources, None,
                           pools.RULE_URLS if validation.boolean(non_resource_urls, "non_resource_urls")
                           else None, True, 3, 2)
    identity_strategy = (validation.strategy(subjects, "subjects") if subjects is not None
                         else _rbac.subjects(_subject_spec(_SUBJECT_KINDS, namespace_pool, None, None, None)))
    spec = _rbac.ManifestSpec(
        namespaces=namespace_pool,
        rules=rule_spec,
        labels=validation.labels(labels, "labels") if labels is not None else pools.LABELS,
        existing_cluster_roles=validation.strings(existing_cluster_roles, "existing_cluster_roles",
                                                  allow_empty=True),
        groups=validation.pool(groups, "groups", pools.GROUPS, allow_empty=True),
        max_roles=validation.integer(max_roles, "max_roles", minimum=0, maximum=50),
        max_cluster_roles=validation.integer(max_cluster_roles, "max_cluster_roles", minimum=0, maximum=50),
        max_bindings=validation.integer(max_bindings, "max_bindings", minimum=0, maximum=50),
        max_rules=validation.integer(max_rules, "max_rules", minimum=1, maximum=20),
        max_subjects=validation.integer(max_subjects, "max_subjects", minimum=1, maximum=20),
        aggregation=validation.boolean(aggregation, "aggregation"),
        service_accounts=validation.boolean(service_accounts, "service_accounts"),
    )
    return _rbac.manifests(spec, identity_strategy)


# --------------------------------------------------------------------------- AWS IAM and Vault


def iam_policies(
    *,
    actions: Sequence[str] | None = None,
    resources: Sequence[str] | None = None,
    effects: Sequence[str] = ("Allow", "Deny"),
    context: Mapping[str, Sequence[str]] | None = None,
    not_elements: bool = True,
    max_statements: int = 3,
) -> SearchStrategy[dict[str, Any]]:
    """IAM identity policy documents (``{"Version": "2012-10-17", "Statement": [...]}``).

    Each statement has an ``Effect`` from ``effects``, one or two ``actions`` (default:
    a few S3 and SQS actions and patterns such as ``s3:Get*``, ``s3:?utObject``,
    ``*``), one or two ``resources`` (ARNs and patterns such as
    ``arn:aws:s3:::bucket0/*``), one time in six ``NotAction``/``NotResource`` instead
    (when ``not_elements``), and one time in four a ``StringEquals``,
    ``StringNotEquals`` or ``StringLike`` condition on a key of ``context`` (default
    ``{"aws:PrincipalTag/team": ["a", "b"]}``; ``{}`` for none). Evaluate with
    :func:`pytest_pfperms.evaluate_iam` or :meth:`IamQuery.evaluate`.
    """
    effect_list = validation.subset(effects, "effects", ("Allow", "Deny"))
    spec = IamSpec(
        actions=(validation.strings(actions, "actions") if actions is not None
                 else (*pools.IAM_ACTIONS, *pools.IAM_ACTION_PATTERNS)),
        resources=(validation.strings(resources, "resources") if resources is not None
                   else (*pools.IAM_RESOURCES, *pools.IAM_RESOURCE_PATTERNS)),
        effects=effect_list,
        context=_context(context),
        not_elements=validation.boolean(not_elements, "not_elements"),
        max_statements=validation.integer(max_statements, "max_statements", minimum=1, maximum=50),
    )
    for action in spec.actions:
        if ":" not in action and action != "*":
            raise InvalidArgument(f'actions: {action!r} is not "service:ActionName" (or "*")')
    return _iam_policies(spec)


def _context(value: Mapping[str, Sequence[str]] | None) -> dict[str, tuple[str, ...]]:
    if value is None:
        return dict(pools.IAM_CONTEXT)
    if isinstance(value, Mapping) and not value:
        return {}
    return validation.labels(value, "context")


def iam_requests(
    *,
    actions: Sequence[str] | None = None,
    resources: Sequence[str] | None = None,
    context: Mapping[str, Sequence[str]] | None = None,
) -> SearchStrategy[IamQuery]:
    """IAM requests (:class:`IamQuery`): a concrete ``action`` on a concrete ``resource`` ARN, with
    each key of ``context`` either absent or set to one of its values. Defaults match
    :func:`iam_policies`' pools, without the patterns."""
    action_pool = validation.pool(actions, "actions", pools.IAM_ACTIONS)
    for action in action_pool:
        if ":" not in action.strip(":"):
            raise InvalidArgument(f'actions: {action!r} is not "service:ActionName"')
    resource_pool = validation.pool(resources, "resources", pools.IAM_RESOURCES)
    return _iam_requests(action_pool, resource_pool, _context(context))


def vault_policies(
    *,
    paths: Sequence[str] | None = None,
    capabilities: Sequence[str] | None = None,
    max_rules: int = 3,
    flavor: VaultFlavor = "vault",
) -> SearchStrategy[str]:
    """Vault ACL policies as HCL text: 1..``max_rules`` ``path`` blocks, each with one to three
    ``capabilities`` (default all but ``subscribe``/``recover``, ``deny`` included, and ``scan``
    for ``flavor="openbao"``) on a path from ``paths`` (default exact paths, ``*`` globs, a
    ``+`` segment wildcard, ``sys/*``). ``capabilities`` must be ones the ``flavor``'s server
    accepts. Evaluate with :func:`pytest_pfperms.evaluate_vault` or :meth:`VaultQuery.evaluate`."""
    flavor = validate_flavor(flavor)
    path_pool = validation.pool(paths, "paths", pools.VAULT_PATHS)
    for path in path_pool:
        if "+*" in path:
            raise InvalidArgument(f"paths: {path!r} holds '+*', which Vault refuses")
    default_pool = pools.VAULT_CAPABILITIES + (("scan",) if flavor == "openbao" else ())
    capability_pool = (validation.subset(capabilities, "capabilities", capabilities_of(flavor))
                       if capabilities is not None else default_pool)
    return _vault_policies(path_pool, capability_pool,
                           validation.integer(max_rules, "max_rules", minimum=1, maximum=50))


def vault_requests(
    *,
    operations: Sequence[str] | None = None,
    paths: Sequence[str] | None = None,
    flavor: VaultFlavor = "vault",
) -> SearchStrategy[VaultQuery]:
    """Vault requests (:class:`VaultQuery`): an operation (``read``, ``list``, ``update+sudo``, ...)
    from ``operations`` (each one the ``flavor``'s server knows) on an API path from ``paths``."""
    flavor = validate_flavor(flavor)
    operation_pool = validation.pool(operations, "operations", pools.VAULT_OPERATIONS)
    from .vault.acl import parse_request

    for operation in operation_pool:
        parse_request(operation, "x", flavor)  # raises InvalidArgument listing the operations
    path_pool = validation.pool(paths, "paths", pools.VAULT_REQUEST_PATHS)
    return _vault_requests(operation_pool, path_pool)


_ = (FORMATS, Format)  # re-exported names
