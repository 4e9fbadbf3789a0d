"""Invariants of the Vault ACL evaluator (``reference/iam-vault.md`` section 2), over drawn policies.

Vault merges rules per exact path string (deny on the same string wins, otherwise
capabilities are unioned) and then lets exactly one rule decide a request, with
nothing inherited from less specific rules. So adding a policy can take a
capability away in two ways only: a ``deny`` on the path string that decides, or a
new path string that matches the request and now decides it (surprise 2 in the
reference: ``secret/*`` [update] plus ``secret/data/app0`` [read] denies update on
``secret/data/app0``). Adding capabilities on path strings already present never
removes anything.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from pytest_pfperms import evaluate_vault
from pytest_pfperms import strategies as pst
from pytest_pfperms.strategies import VaultQuery

POLICIES = st.lists(pst.vault_policies(), min_size=1, max_size=3)
REQUESTS = st.lists(pst.vault_requests(), min_size=1, max_size=10)
ALL_BUT_DENY = ["create", "read", "update", "patch", "delete", "list", "sudo"]
_BLOCK = re.compile(r'path "([^"]*)" \{\n  capabilities = \[([^\]]*)\]\n\}\n')


def _rules(policy: str) -> list[tuple[str, list[str]]]:
    """The (path, capabilities) blocks of a drawn policy."""
    return [(path, [cap.strip().strip('"') for cap in caps.split(",")])
            for path, caps in _BLOCK.findall(policy)]


def _policy(rules: list[tuple[str, list[str]]]) -> str:
    return "\n".join(f'path "{path}" {{\n  capabilities = [{", ".join(map(json.dumps, caps))}]\n}}\n'
                     for path, caps in rules)


def _decides_alone(path: str, request: VaultQuery) -> bool | None:
    """Whether a rule on ``path`` is the one chosen for the request when it is the only rule."""
    return request.evaluate(_policy([(path, ALL_BUT_DENY)])).allowed


def test_the_rules_of_a_drawn_policy_round_trip() -> None:
    text = _policy([("secret/data/*", ["read", "list"]), ("sys/seal", ["deny"])])
    assert _rules(text) == [("secret/data/*", ["read", "list"]), ("sys/seal", ["deny"])]
    assert evaluate_vault(text, "read", "secret/data/app0").allowed is True


def test_a_more_specific_rule_takes_a_capability_away() -> None:
    """Vault has no inheritance: the documented exception to "adding never removes"."""
    broad = _policy([("secret/*", ["update"])])
    assert evaluate_vault(broad, "update", "secret/data/app0").allowed is True
    decision = evaluate_vault([broad, _policy([("secret/data/app0", ["read"])])], "update",
                              "secret/data/app0")
    assert decision.allowed is False, decision.explain()


@given(POLICIES, pst.vault_policies(), REQUESTS)
def test_adding_a_policy_removes_a_capability_only_by_a_deny_or_a_new_deciding_path(
        policies: list[str], added: str, requests: list[VaultQuery]) -> None:
    known = {path for policy in policies for path, _caps in _rules(policy)}
    for request in requests:
        if request.evaluate(policies).allowed is not True:
            continue
        after = request.evaluate([*policies, added])
        if after.allowed is True:
            continue
        reasons = [(path, caps) for path, caps in _rules(added) if _decides_alone(path, request)
                   and ("deny" in caps or path not in known)]
        assert reasons, (f"{request}: adding\n{added}took it away with no deny on its path and no new "
                         f"rule for it:\n{after.explain()}")


@given(POLICIES, st.data(), REQUESTS)
def test_more_capabilities_on_known_paths_never_remove_one(
        policies: list[str], data: st.DataObject, requests: list[VaultQuery]) -> None:
    known = sorted({path for policy in policies for path, _caps in _rules(policy)})
    added = data.draw(pst.vault_policies(paths=known, capabilities=ALL_BUT_DENY), label="added")
    for request in requests:
        if request.evaluate(policies).allowed is True:
            decision = request.evaluate([*policies, added])
            assert decision.allowed is True, f"{request}: adding\n{added}removed it:\n{decision.explain()}"


@given(POLICIES, REQUESTS)
def test_a_deny_on_the_path_checked_always_denies(policies: list[str], requests: list[VaultQuery]) -> None:
    for request in requests:
        checked = request.evaluate(policies).request.path  # as the ACL sees it (LIST ends in /)
        decision = request.evaluate([*policies, _policy([(checked, ["deny"])])])
        assert decision.allowed is False, decision.explain()


@given(POLICIES.flatmap(lambda policies: st.tuples(
    st.just(policies),
    st.permutations(policies).flatmap(lambda shuffled: st.tuples(
        *(st.permutations(_rules(policy)) for policy in shuffled)).map(
        lambda found: [_policy(list(rules)) for rules in found])))),
       REQUESTS)
def test_policy_and_rule_order_never_matter(pair: tuple[list[str], list[str]],
                                            requests: list[VaultQuery]) -> None:
    original, shuffled = pair
    for request in requests:
        before, after = request.evaluate(original), request.evaluate(shuffled)
        assert before.allowed is after.allowed, f"{request}:\n{before.explain()}\n{after.explain()}"


@given(POLICIES, REQUESTS)
def test_a_policy_given_twice_changes_nothing(policies: list[str], requests: list[VaultQuery]) -> None:
    for request in requests:
        once, twice = request.evaluate(policies), request.evaluate([*policies, *policies])
        assert once.allowed is twice.allowed, f"{request}:\n{once.explain()}\n{twice.explain()}"


@given(POLICIES, REQUESTS)
def test_the_list_rule_matters_only_for_list(policies: list[str], requests: list[VaultQuery]) -> None:
    for request in requests:
        if request.capability == "list":
            continue
        first = request.evaluate(policies, list_rule="trimmed-first")
        aware = request.evaluate(policies, list_rule="deny-aware")
        assert first.allowed is aware.allowed, f"{request}:\n{first.explain()}\n{aware.explain()}"


# ---------------------------------------------------------------------------------------------
# Against a naive reading of the reference (section 2.3 merging, 2.4 choosing the rule)
# ---------------------------------------------------------------------------------------------

SEGMENT_PATHS = ["secret/data/app0", "secret/data/*", "secret/data/app0*", "secret/+/app0", "secret/*",
                 "secret/+/+", "secret/+/app*", "+/data/app0", "secret/data/", "secret/metadata/app0",
                 "secret/data/app0/*", "secret/+/app0/*", "sys/seal", "sys/*"]
SEGMENT_REQUESTS = ["secret/data/app0", "secret/data/app1", "secret/data/app0/x", "secret/metadata/app0",
                    "secret/data", "secret/app0", "sys/seal", "secret/data/app00"]
OPERATION_CAPABILITIES = {"read": ("read",), "list": ("list",), "create": ("create",), "update": ("update",),
                          "patch": ("patch",), "delete": ("delete",), "update+sudo": ("update", "sudo")}


def _reference_tables(policies: list[str]) -> dict[str, dict[str, set[str]]]:
    tables: dict[str, dict[str, set[str]]] = {"exact": {}, "prefix": {}, "segment": {}}
    for policy in policies:
        for path, caps in _rules(policy):
            path = path.removeprefix("/")
            if path == "+" or "/+" in path or path.startswith("+/"):
                kind, key = "segment", path
            elif path.endswith("*"):
                kind, key = "prefix", path[:-1]
            else:
                kind, key = "exact", path
            merged = tables[kind].setdefault(key, set())
            if "deny" in merged or "deny" in caps:
                merged.clear()
                merged.add("deny")
            else:
                merged.update(caps)
    return tables


def _candidates(tables: dict[str, dict[str, set[str]]], path: str) -> list[tuple[tuple[Any, ...], set[str]]]:
    """(priority, capabilities) of the longest matching prefix rule and every matching segment rule."""
    found = []
    prefixes = [key for key in tables["prefix"] if path.startswith(key)]
    if prefixes:
        key = max(prefixes, key=len)
        found.append(((len(key.encode()), 0, 0, len(key.encode()), key.encode()), tables["prefix"][key]))
    parts = path.split("/")
    for key, caps in tables["segment"].items():
        glob = key.endswith("*")
        pattern = key[:-1] if glob else key
        pattern_parts = pattern.split("/")
        if len(parts) < len(pattern_parts) or (not glob and len(parts) != len(pattern_parts)):
            continue
        last = len(pattern_parts) - 1
        if all(part == "+" or part == parts[i] or (glob and i == last and parts[i].startswith(part))
               for i, part in enumerate(pattern_parts)):
            priority = (len(key[:key.index("+")].encode()), 0 if glob else 1, -pattern_parts.count("+"),
                        len(pattern.encode()), pattern.encode())
            found.append((priority, caps))
    return found


def _reference_allows(policies: list[str], request: VaultQuery) -> bool:
    tables = _reference_tables(policies)
    operation = request.capability.partition("+")[0]
    path = request.path.removeprefix("/")
    if operation == "list" and not path.endswith("/"):
        path += "/"
    chosen = tables["exact"].get(path)
    if chosen is None and operation == "list":
        chosen = tables["exact"].get(path.removesuffix("/"))
    if chosen is None:
        pool = _candidates(tables, path[:-1]) if operation == "list" and path.endswith("/") else []
        pool = pool or _candidates(tables, path)
        chosen = max(pool, key=lambda candidate: candidate[0])[1] if pool else None
    if chosen is None or "deny" in chosen:
        return False
    return all(cap in chosen for cap in OPERATION_CAPABILITIES[request.capability])


@given(st.lists(pst.vault_policies(paths=SEGMENT_PATHS), min_size=1, max_size=3),
       st.lists(pst.vault_requests(paths=SEGMENT_REQUESTS), min_size=1, max_size=10))
def test_decisions_follow_a_naive_reading_of_the_reference(policies: list[str],
                                                           requests: list[VaultQuery]) -> None:
    for request in requests:
        decision = request.evaluate(policies)
        assert decision.allowed is _reference_allows(policies, request), f"{request}:\n{decision.explain()}"
