"""The RBAC authorizer's matching functions, three-valued over symbolic values.

Each function follows kube-apiserver (``rbac.go``'s ``RuleAllows``,
``evaluation_helpers.go`` and ``rule.go``'s ``appliesToUser``); see
``reference/k8s-rbac.md`` sections 4, 5 and 10. Concrete rules are compiled into
:class:`CompiledRule` for the hot path; rules holding symbols use the generic
three-valued functions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..model.identities import (
    AUTHENTICATED,
    SERVICE_ACCOUNT_PREFIX,
    Identity,
    ServiceAccount,
    User,
)
from ..model.objects import LabelSelector, PolicyRule, Subject
from ..model.requests import NonResourceRequest, Request, ResourceRequest
from ..values import (
    PartialList,
    Str,
    Symbol,
    Tri,
    UnknownMap,
    and3,
    eq3,
    is_concrete,
    or3,
    show,
)

UNKNOWN_KIND = "<unknown before apply>"
"""Kind of a subject or roleRef unknown before apply (set by the object builder)."""

SA_GROUP = "system:serviceaccounts"
SA_NAMESPACE_GROUP_PREFIX = "system:serviceaccounts:"


class CompiledRule:
    """A rule with only literal strings, as sets, for fast exact matching."""

    __slots__ = ("all_groups", "all_resources", "all_verbs", "groups", "names", "resources", "rule",
                 "url_exact", "url_prefixes", "verbs")

    def __init__(self, rule: PolicyRule):
        self.rule = rule
        verbs, groups, resources = rule.verbs, rule.api_groups, rule.resources
        assert isinstance(verbs, tuple) and isinstance(groups, tuple)
        assert isinstance(resources, tuple) and isinstance(rule.resource_names, tuple)
        assert isinstance(rule.non_resource_urls, tuple)
        self.verbs = frozenset(verbs)
        self.all_verbs = "*" in self.verbs
        self.groups = frozenset(groups)
        self.all_groups = "*" in self.groups
        self.resources = frozenset(resources)
        self.all_resources = "*" in self.resources
        self.names = frozenset(rule.resource_names)
        urls = [str(url) for url in rule.non_resource_urls]
        self.url_exact = frozenset(urls)
        self.url_prefixes = tuple(url.rstrip("*") for url in urls if url.endswith("*"))

    def allows(self, request: Request) -> Tri:
        """Whether this rule matches the request, exactly as ``RuleAllows`` (unknown only
        when a part of the request is a symbol that the rule may or may not match)."""
        if request.verb.__class__ is not str or (
                isinstance(request, ResourceRequest) and not (
                    request.api_group.__class__ is str and request.resource.__class__ is str
                    and request.subresource.__class__ is str)):
            return rule_allows(self.rule, request)
        if not (self.all_verbs or request.verb in self.verbs):
            return False
        if isinstance(request, NonResourceRequest):
            path = request.path
            return path in self.url_exact or any(path.startswith(p) for p in self.url_prefixes)
        if not (self.all_groups or request.api_group in self.groups):
            return False
        if not self.all_resources:
            if request.subresource:
                combined = f"{request.resource}/{request.subresource}"
                if combined not in self.resources and f"*/{request.subresource}" not in self.resources:
                    return False
            elif request.resource not in self.resources:
                return False
        if not self.names:
            return True
        name = request.name
        if name.__class__ is str:
            return name in self.names
        assert isinstance(name, Symbol)  # a name known only after apply
        return None if any(name.could_be(str(listed)) for listed in self.names) else False


def compile_rule(rule: PolicyRule) -> CompiledRule | None:
    """A CompiledRule when the rule holds no symbol, else None."""
    if all(is_concrete(part) for part in rule.content()):
        return CompiledRule(rule)
    return None


def _star_or_equal(item: Str, value: Str) -> Tri:
    return or3((eq3(item, "*"), eq3(item, value)))


def _partly_known(values: Symbol, matches: Callable[[Str], Tri]) -> Tri:
    """A list unknown before apply: it grants when one of the items it certainly holds
    matches (a :class:`~pytest_pfperms.values.PartialList`); else unknown."""
    if isinstance(values, PartialList):
        found = or3(matches(item) for item in values.known if isinstance(item, (str, Symbol)))
        if found is True:
            return True
    return None


def verb_matches(rule: PolicyRule, verb: Str) -> Tri:
    """Some rule verb is ``*`` or equals the verb (case-sensitive)."""
    if isinstance(rule.verbs, Symbol):
        return _partly_known(rule.verbs, lambda item: _star_or_equal(item, verb))
    return or3(_star_or_equal(item, verb) for item in rule.verbs)


def group_matches(rule: PolicyRule, group: Str) -> Tri:
    """Some rule apiGroup is ``*`` or equals the group (``""`` is the core group)."""
    if isinstance(rule.api_groups, Symbol):
        return _partly_known(rule.api_groups, lambda item: _star_or_equal(item, group))
    return or3(_star_or_equal(item, group) for item in rule.api_groups)


def _symbolic_resource_matches(item: str, request: ResourceRequest) -> Tri:
    """A literal rule resource against a request whose resource or subresource is a symbol."""
    if item == "*":
        return True
    sub = request.subresource
    if isinstance(sub, str):
        if sub and item == f"*/{sub}":
            return True
        if ("/" in item) != bool(sub):
            return False  # "pods" never matches "x/y", nor "pods/log" a request without subresource
        if sub and not item.endswith("/" + sub):
            return False
    return None


def _resource_item_matches(item: Str, request: ResourceRequest) -> Tri:
    if not isinstance(item, Symbol) and (isinstance(request.resource, Symbol)
                                         or isinstance(request.subresource, Symbol)):
        return _symbolic_resource_matches(item, request)
    combined = request.combined
    if isinstance(item, Symbol):
        return None if (item.could_be("*") or item.could_be(combined)
                        or (request.subresource and item.could_be(f"*/{request.subresource}"))) else False
    if item == "*" or item == combined:
        return True
    sub = request.subresource
    return bool(sub) and isinstance(sub, str) and item == f"*/{sub}"


def resource_matches(rule: PolicyRule, request: ResourceRequest) -> Tri:
    """``*``, the exact ``resource[/subresource]``, or ``*/<subresource>``; nothing else."""
    if isinstance(rule.resources, Symbol):
        return _partly_known(rule.resources, lambda item: _resource_item_matches(item, request))
    return or3(_resource_item_matches(item, request) for item in rule.resources)


def names_match(rule: PolicyRule, name: Str) -> Tri:
    """No resourceNames matches any name; otherwise the name must be listed exactly."""
    if isinstance(rule.resource_names, Symbol):
        return None
    if not rule.resource_names:
        return True
    return or3(eq3(item, name) for item in rule.resource_names)


def _url_item_matches(item: Str, path: str) -> Tri:
    if isinstance(item, Symbol):
        return None
    if item == "*" or item == path:
        return True
    return item.endswith("*") and path.startswith(item.rstrip("*"))


def url_matches(rule: PolicyRule, path: str) -> Tri:
    """``*``, the exact path, or a trailing-``*`` prefix (plain string prefix)."""
    if isinstance(rule.non_resource_urls, Symbol):
        return None
    return or3(_url_item_matches(item, path) for item in rule.non_resource_urls)


def rule_allows(rule: PolicyRule, request: Request) -> Tri:
    """Three-valued ``RuleAllows``: all parts must match."""
    if isinstance(request, NonResourceRequest):
        return and3((verb_matches(rule, request.verb), url_matches(rule, request.path)))
    return and3((verb_matches(rule, request.verb), group_matches(rule, request.api_group),
                 resource_matches(rule, request), names_match(rule, request.name)))


def mismatches(rule: PolicyRule, request: Request) -> list[str]:
    """For explanations: each part of the rule that does not (or may not) match, in words."""
    found: list[str] = []

    def check(result: Tri, words: str) -> None:
        if result is False:
            found.append(words)
        elif result is None:
            found.append(words.replace("do not", "may not").replace("does not", "may not"))

    check(verb_matches(rule, request.verb), f"verbs {show(rule.verbs)} do not include {show(request.verb)}")
    if isinstance(request, NonResourceRequest):
        if not rule.non_resource_urls:
            found.append("it has no nonResourceURLs")
        else:
            check(url_matches(rule, request.path),
                  f"nonResourceURLs {show(rule.non_resource_urls)} do not match {request.path}")
        return found
    if not rule.resources and rule.non_resource_urls:
        found.append("it is a nonResourceURLs rule")
        return found
    check(group_matches(rule, request.api_group),
          f"apiGroups {show(rule.api_groups)} do not include {show(request.api_group)}")
    check(resource_matches(rule, request),
          f"resources {show(rule.resources)} do not include {show(request.combined)}")
    check(names_match(rule, request.name),
          f"resourceNames {show(rule.resource_names)} do not include "
          + (show(request.name) if request.name else "the unnamed request (list/create/watch carry no name)"))
    return found


def _username_parts(name: str) -> tuple[str, str] | None:
    if not name.startswith(SERVICE_ACCOUNT_PREFIX):
        return None
    namespace, sep, sa_name = name[len(SERVICE_ACCOUNT_PREFIX):].partition(":")
    if not sep or not namespace or not sa_name or ":" in sa_name:
        return None
    return namespace, sa_name


def _user_subject_applies(name: Str, who: Identity) -> Tri:
    if isinstance(who, User):
        return eq3(name, who.name)
    if isinstance(name, Symbol):
        return None if name.could_be(SERVICE_ACCOUNT_PREFIX + "x:y") else False
    parts = _username_parts(name)
    if parts is None:
        return False
    return and3((eq3(parts[0], who.namespace), eq3(parts[1], who.name)))


def _group_subject_applies(name: Str, who: Identity) -> Tri:
    if isinstance(who, User):
        return or3(eq3(name, group) for group in who.groups)
    if isinstance(name, Symbol):
        return or3((eq3(name, SA_GROUP), eq3(name, AUTHENTICATED),
                    None if name.could_be(SA_NAMESPACE_GROUP_PREFIX + "x") else False))
    if name in (SA_GROUP, AUTHENTICATED):
        return True
    if name.startswith(SA_NAMESPACE_GROUP_PREFIX):
        return eq3(name[len(SA_NAMESPACE_GROUP_PREFIX):], who.namespace)
    return False


def _sa_subject_applies(subject: Subject, binding_namespace: Str, who: Identity) -> Tri:
    namespace = subject.namespace if subject.namespace else binding_namespace
    if namespace == "":
        return False
    if isinstance(who, ServiceAccount):
        return and3((eq3(namespace, who.namespace), eq3(subject.name, who.name)))
    if isinstance(namespace, str) and isinstance(subject.name, str):
        # The authorizer compares the whole user name string, nothing else.
        return who.name == f"{SERVICE_ACCOUNT_PREFIX}{namespace}:{subject.name}"
    parts = _username_parts(who.name)
    if parts is None:
        return False
    return and3((eq3(namespace, parts[0]), eq3(subject.name, parts[1])))


def subject_applies(subject: Subject, binding_namespace: Str, who: Identity) -> Tri:
    """``appliesToUser`` for one subject; ``binding_namespace`` is ``""`` for a ClusterRoleBinding."""
    if subject.kind == "User":
        return _user_subject_applies(subject.name, who)
    if subject.kind == "Group":
        return _group_subject_applies(subject.name, who)
    if subject.kind == "ServiceAccount":
        return _sa_subject_applies(subject, binding_namespace, who)
    if subject.kind == UNKNOWN_KIND:
        return None  # a subject unknown before apply may be anyone
    return False


def selector_matches(selector: LabelSelector, labels: Mapping[str, Str]) -> Tri:
    """A label selector against labels: matchLabels and matchExpressions all hold."""
    if isinstance(labels, UnknownMap):
        return True if not selector.match_labels and not selector.match_expressions else None
    results: list[Tri] = []
    for key, value in selector.match_labels:
        results.append(eq3(labels[key], value) if key in labels else False)
    for requirement in selector.match_expressions:
        present = requirement.key in labels
        if requirement.operator == "Exists":
            results.append(present)
        elif requirement.operator == "DoesNotExist":
            results.append(not present)
        else:
            inside: Tri = False
            if present:
                inside = or3(eq3(labels[requirement.key], value) for value in requirement.values)
            if requirement.operator == "In":
                results.append(inside)
            else:  # NotIn: absent, or present with a value not listed
                results.append(None if inside is None else not inside)
    return and3(results)
