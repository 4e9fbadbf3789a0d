"""ClusterRole aggregation, as the clusterroleaggregation controller computes it.

For every ClusterRole with an aggregationRule the controller replaces its rules
with the rules of the ClusterRoles its selectors pick (ORed across selectors,
sorted by name, never itself, deduplicated by deep equality). Because a picked
role contributes its current, already aggregated rules, the result is a fixpoint;
we compute the least one, starting aggregated roles from no rules
(``reference/k8s-rbac.md`` section 10).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..model.objects import ClusterRole, PolicyRule
from ..values import Str, Tri, and3
from .rule_matching import selector_matches


@dataclass(frozen=True, slots=True)
class EffectiveRule:
    """A rule as a role really holds it: ``origin`` is the role that lists it (itself, or
    the role it was aggregated from); ``certain`` is None when aggregation depended on a
    symbolic label."""

    rule: PolicyRule
    origin: ClusterRole | None
    certain: Tri = True


def _key(role: ClusterRole) -> str:
    return str(role.name)


def aggregate(cluster_roles: Mapping[Str, ClusterRole]) -> dict[Str, tuple[EffectiveRule, ...]]:
    """The effective rules of every ClusterRole, keyed as ``cluster_roles`` is."""
    current: dict[Str, tuple[EffectiveRule, ...]] = {}
    aggregated: list[tuple[Str, ClusterRole]] = []
    for key, role in cluster_roles.items():
        if role.aggregation is None:
            current[key] = tuple(EffectiveRule(rule, role) for rule in role.rules)
        else:
            current[key] = ()
            aggregated.append((key, role))
    if not aggregated:
        return current
    ordered = sorted(cluster_roles.items(), key=lambda item: _key(item[1]))
    aggregated.sort(key=lambda item: _key(item[1]))
    # which roles each selector picks, in order (labels do not change while rules do)
    picks: dict[int, list[list[tuple[Str, Tri]]]] = {}
    for _name, role in aggregated:
        assert role.aggregation is not None
        picks[id(role)] = [[(other_key, picked) for other_key, other in ordered if other is not role
                            and (picked := selector_matches(selector, other.labels)) is not False]
                           for selector in role.aggregation]
    for _ in range(len(aggregated) + 2):
        changed = False
        for key, role in aggregated:
            new_rules: list[EffectiveRule] = []
            seen: set[tuple[object, ...]] = set()
            for picked_roles in picks[id(role)]:
                for other_key, picked in picked_roles:
                    for effective in current[other_key]:
                        content = effective.rule.content()
                        if content in seen:
                            continue
                        seen.add(content)
                        new_rules.append(EffectiveRule(effective.rule, effective.origin,
                                                       and3((effective.certain, picked))))
            if tuple(new_rules) != current[key]:
                current[key] = tuple(new_rules)
                changed = True
        if not changed:
            break
    return current
