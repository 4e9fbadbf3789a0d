"""Vault: policy parsing, ACL precedence, KV v2 paths and the Kubernetes auth method.

Every table row is built so that it fails when the rule it names is implemented
wrongly: two rules that match the same request carry different capabilities,
and the request asks for the capability only the correct winner has.
"""

from __future__ import annotations

import pytest

from pytest_pfperms.errors import Indeterminate, InvalidArgument, LoadError
from pytest_pfperms.values import Symbol
from pytest_pfperms.vault.acl import (
    VaultRequest,
    evaluate_vault,
    kv_v2_path,
    vault_capabilities,
)
from pytest_pfperms.vault.kubernetes_auth import (
    VaultKubernetesRole,
    policies_for_role,
    roles_for_service_account,
    vault_decision,
)
from pytest_pfperms.vault.policy_parsing import VaultPolicy, VaultRule, parse_vault_policy


def rules(*pairs: tuple[str, str]) -> str:
    """Policy text with one path block per (pattern, comma-separated capabilities)."""
    blocks = []
    for pattern, caps in pairs:
        listed = ", ".join(f'"{cap.strip()}"' for cap in caps.split(",") if cap.strip())
        blocks.append(f'path "{pattern}" {{\n  capabilities = [{listed}]\n}}\n')
    return "".join(blocks)


# --------------------------------------------------------------------------- parsing


POLICY_TEXT = """\
# the app's own secrets
path "secret/data/app/*" {
  capabilities = ["read", "list"]
}

// legacy form, one line, two keys, trailing comma
path "secret/legacy" { capabilities = ["patch",] policy = "read" }

/* a block comment
   spanning lines */
path "/sys/leases/+/lookup" {
  capabilities = ["update"]
  allowed_parameters = {
    "lease_id" = []
    "TTL"      = ["1h", 30, true]
  }
  denied_parameters   = { "force" = [] }
  required_parameters = ["lease_id"]
  min_wrapping_ttl    = "1m"
  max_wrapping_ttl    = 3600
  comment             = "renewals"
}
"""


def test_parse_keeps_rules_lines_and_extra_keys() -> None:
    policy = parse_vault_policy(POLICY_TEXT, "App", file="vault.tf", line=20)
    assert policy.name == "app"  # Vault lowercases policy names
    assert policy.source == "vault.tf:20"
    first, legacy, leases = policy.rules
    assert (first.path, first.capabilities, first.line, first.source) == (
        "secret/data/app/*", ("read", "list"), 21, "vault.tf:21")
    # legacy `policy = "read"` is appended to the listed capabilities
    assert legacy.capabilities == ("patch", "read", "list")
    assert legacy.legacy_policy == "read"
    assert legacy.line == 26
    assert leases.line == 30  # the /* */ comment's lines are counted
    assert leases.path == "/sys/leases/+/lookup"
    assert leases.allowed_parameters == (("lease_id", ()), ("ttl", ("1h", 30, True)))
    assert leases.denied_parameters == (("force", ()),)
    assert leases.required_parameters == ("lease_id",)
    assert (leases.min_wrapping_ttl, leases.max_wrapping_ttl) == (60, 3600)
    assert leases.comment == "renewals"


@pytest.mark.parametrize(("legacy", "caps", "expected"), [
    ("read", '"update"', ("update", "read", "list")),
    ("write", "", ("create", "read", "update", "delete", "list")),
    ("sudo", "", ("create", "read", "update", "delete", "list", "sudo")),
    ("deny", '"read"', ("deny",)),
])
def test_legacy_policy_key(legacy: str, caps: str, expected: tuple[str, ...]) -> None:
    text = f'path "a" {{\n  capabilities = [{caps}]\n  policy = "{legacy}"\n}}\n'
    assert parse_vault_policy(text, "p").rules[0].capabilities == expected


def test_deny_keeps_only_deny_and_vault_stops_reading_at_it() -> None:
    policy = parse_vault_policy(rules(("a", "read, deny, list"), ("b", "deny, nonsense")), "p")
    assert [rule.capabilities for rule in policy.rules] == [("deny",), ("deny",)]


def test_json_policy_and_declared_name() -> None:
    text = '{"name": "Kv", "path": {"kv/*": {"capabilities": ["read"]}, "kv/x": {"policy": "deny"}}}'
    policy = parse_vault_policy(text)
    assert policy.name == "kv"
    assert [(r.path, r.capabilities) for r in policy.rules] == [
        ("kv/*", ("read",)), ("kv/x", ("deny",))]


def test_duplicate_path_blocks_are_kept_for_merging() -> None:
    policy = parse_vault_policy(rules(("a", "read"), ("a", "update")), "p")
    assert [rule.capabilities for rule in policy.rules] == [("read",), ("update",)]


@pytest.mark.parametrize(("text", "line", "fragment"), [
    ('path "a" {\n  capabilities = "read"\n}', 2, "capabilities must be a list of strings"),
    ('path "a" {\n  capabilities = ["reed"]\n}', 2, 'unknown capability "reed"'),
    ('path "a" {\n  capabilities = ["Read"]\n}', 2, 'did you mean "read"?'),
    ('path "a" {\n  capabilities = ["bogus", "deny"]\n}', 2, 'unknown capability "bogus"'),
    ('\npath {\n  capabilities = []\n}', 2, "path block without a path"),
    ('path "a" = "read"', 1, 'path "a" must be a block'),
    ('path "a" "b" { capabilities = [] }', 1, "more than one label"),
    ('path "a" {}\nrole = "x"', 2, 'unknown top-level key "role"'),
    ('path "a" {\n  capabilites = ["read"]\n}', 2, 'did you mean "capabilities"?'),
    ('path "a" {\n  capabilities = []\n  capabilities = []\n}', 3, '"capabilities" is set twice'),
    ('path "secret/+*" {}', 1, '"+*" is forbidden'),
    ('path "a/{{identity.entity.name" {}', 1, "template braces"),
    ('path "a" {\n  policy = "admin"\n}', 2, 'unknown legacy policy "admin"'),
    ('path "a" {\n  min_wrapping_ttl = "1h"\n  max_wrapping_ttl = "1m"\n}', 3,
     "max_wrapping_ttl cannot be less than min_wrapping_ttl"),
    ('path "a" {\n  max_wrapping_ttl = "soon"\n}', 2, "must be a duration"),
    ('path "a" {\n  capabilities = ["read" "list"]\n}', 2, "expected , or ] in a list"),
    ('path "a" {\n  capabilities = ["read"]\n', 1, "this { is never closed with }"),
    ('path "a" {\n  capabilities = ["read",\n', 2, "this [ is never closed with ]"),
    ('path "a {\n}', 1, "string is not closed"),
    ('/* open\n\npath "a" {}', 1, "never closed"),
    ('path "a" {\n  capabilities = <<EOF\n', 2, "heredoc"),
    ('path "a" {\n  capabilities = [read]\n}', 2, "unquoted value read"),
])
def test_malformed_policy_names_policy_file_line_and_problem(
        text: str, line: int, fragment: str) -> None:
    with pytest.raises(LoadError) as caught:
        parse_vault_policy(text, "app", file="policies/app.hcl")
    error = caught.value
    assert error.file == "policies/app.hcl"
    assert error.line == line
    assert fragment in str(error)
    assert 'policy "app"' in str(error)


def test_every_problem_is_reported_at_once_with_file_lines() -> None:
    text = rules(("a", "reed"), ("b", "read")) + 'path "c" {\n  capabilities = "x"\n}\n'
    with pytest.raises(LoadError) as caught:
        parse_vault_policy(text, "app", file="vault.tf", line=10)
    assert [(p.file, p.line) for p in caught.value.problems] == [("vault.tf", 11), ("vault.tf", 17)]


def test_policy_without_file_is_named_in_the_error() -> None:
    with pytest.raises(LoadError, match=r"^vault policy app:1: "):
        parse_vault_policy('path "a" { capabilities = ["x"] }', "app")


def test_rule_built_directly_is_validated_and_normalised() -> None:
    assert VaultRule("a", ("read", "deny")).capabilities == ("deny",)
    with pytest.raises(LoadError, match='unknown capability "raed"'):
        VaultRule("a", ("raed",), source="vault.tf:3")


# --------------------------------------------------------------------------- ACL precedence


PRECEDENCE = [
    # (why, policy text(s), capability, path, allowed)
    ("exact rule beats a glob", rules(("secret/foo", "read"), ("secret/*", "update")),
     "update", "secret/foo", False),
    ("exact rule decides alone: nothing inherited (surprise 2)",
     rules(("secret/*", "read"), ("secret/data/app", "update")), "read", "secret/data/app", False),
    ("longest prefix wins over a shorter prefix",
     rules(("secret/*", "update"), ("secret/data/*", "read")), "update", "secret/data/x", False),
    ("* is a plain string prefix, not per segment",
     rules(("secret/foo*", "read")), "read", "secret/foobar", True),
    ("* prefix reaches any depth", rules(("secret/foo*", "read")), "read", "secret/foo/bar/baz",
     True),
    ("prefix does not match a shorter path", rules(("secret/foo*", "read")), "read", "secret/fo",
     False),
    ("* not at the end is literal", rules(("secret/a*b", "read")), "read", "secret/axb", False),
    ("* not at the end is literal (exact match)", rules(("secret/a*b", "read")), "read",
     "secret/a*b", True),
    ("+ matches one segment", rules(("secret/+/config", "read")), "read", "secret/app/config",
     True),
    ("+ matches an empty segment", rules(("secret/+/config", "read")), "read", "secret//config",
     True),
    ("+ never matches two segments", rules(("secret/+/config", "read")), "read",
     "secret/a/b/config", False),
    ("+ needs a segment", rules(("secret/+/config", "read")), "read", "secret/config", False),
    ("+ rule without * needs the whole last segment", rules(("secret/+/config", "read")), "read",
     "secret/a/configx", False),
    ("+ rule without * needs the same number of segments", rules(("secret/+", "read")), "read",
     "secret/a/b", False),
    ("+ inside a segment is literal", rules(("secret/a+b", "read")), "read", "secret/axb", False),
    ("+ segment with a trailing * prefix-matches the last segment",
     rules(("secret/+/app*", "read")), "read", "secret/x/apple/y", True),
    ("+ segment with a trailing * still needs the last segment's prefix",
     rules(("secret/+/app*", "read")), "read", "secret/x/ap", False),
    ("+/* needs the segment after +", rules(("secret/+/*", "read")), "read", "secret/a", False),
    ("+/* matches an empty last segment", rules(("secret/+/*", "read")), "read", "secret/a/",
     True),
    ("leading / of a rule is dropped", rules(("/secret/x", "read")), "read", "secret/x", True),
    ("leading / of a request is dropped", rules(("secret/x", "read")), "read", "//secret/x", True),
    # priority 1: the later first wildcard wins, whatever the kind
    ("priority 1: glob starting later beats an earlier + (reference example)",
     rules(("secret/+/bar", "read"), ("secret/foo/*", "update")), "update", "secret/foo/bar",
     True),
    ("priority 1: the earlier + loses (reference example, other capability)",
     rules(("secret/+/bar", "read"), ("secret/foo/*", "update")), "read", "secret/foo/bar", False),
    ("priority 1: + starting later beats an earlier glob",
     rules(("secret/*", "read"), ("secret/a/+", "update")), "update", "secret/a/b", True),
    ("priority 1: secret/* beats secret/+/+/foo/* (reference example)",
     rules(("secret/*", "read"), ("secret/+/+/foo/*", "update")), "read", "secret/a/b/foo/x",
     True),
    # priority 2: at the same position, a rule not ending in * wins
    ("priority 2: secret/+ beats secret/* (reference example)",
     rules(("secret/+", "read"), ("secret/*", "update")), "read", "secret/foo", True),
    ("priority 2: secret/* loses to secret/+", rules(("secret/+", "read"), ("secret/*", "update")),
     "update", "secret/foo", False),
    ("priority 2: between two + rules, the one without * wins",
     rules(("secret/+/x*", "update"), ("secret/+/x", "read")), "update", "secret/a/x", False),
    # priority 3: fewer + segments win
    ("priority 3: fewer + segments win",
     rules(("secret/+/+/c", "read"), ("secret/+/b/c", "update")), "update", "secret/a/b/c", True),
    ("priority 3: more + segments lose",
     rules(("secret/+/+/c", "read"), ("secret/+/b/c", "update")), "read", "secret/a/b/c", False),
    # priority 4: the longer pattern wins
    ("priority 4: longer pattern wins",
     rules(("secret/+/b*", "read"), ("secret/+/bc*", "update")), "update", "secret/a/bcd", True),
    ("priority 4: shorter pattern loses",
     rules(("secret/+/b*", "read"), ("secret/+/bc*", "update")), "read", "secret/a/bcd", False),
    ("priority 4: length decides before the lexicographic order",
     rules(("s/+/a/+/c*", "read"), ("s/+/+/b/cd*", "update")), "update", "s/1/a/b/cde", True),
    ("priority 4: the shorter, lexicographically greater pattern loses",
     rules(("s/+/a/+/c*", "read"), ("s/+/+/b/cd*", "update")), "read", "s/1/a/b/cde", False),
    # priority 5: lexicographically greater pattern wins ("x" > "+")
    ("priority 5: lexicographically greater wins",
     rules(("secret/+/+/y", "update"), ("secret/+/x/+", "read")), "read", "secret/a/x/y", True),
    ("priority 5: lexicographically smaller loses",
     rules(("secret/+/+/y", "update"), ("secret/+/x/+", "read")), "update", "secret/a/x/y", False),
    # deny and merging
    ("deny on the same path in another policy overrides",
     [rules(("secret/*", "read")), rules(("secret/*", "deny"))], "read", "secret/x", False),
    ("deny merges whatever the order",
     [rules(("secret/*", "deny")), rules(("secret/*", "read"))], "read", "secret/x", False),
    ("deny does not spread to a more specific path (surprise 1)",
     [rules(("secret/*", "deny")), rules(("secret/data/*", "read"))], "read", "secret/data/x",
     True),
    ("deny on sys/* loses to sys/seal (reference example)",
     rules(("sys/*", "deny"), ("sys/seal", "sudo, update")), "update+sudo", "sys/seal", True),
    ("exact deny and a same-looking glob are different rules (exact request)",
     rules(("secret/foo", "deny"), ("secret/foo*", "read")), "read", "secret/foo", False),
    ("exact deny and a same-looking glob are different rules (longer request)",
     rules(("secret/foo", "deny"), ("secret/foo*", "read")), "read", "secret/foobar", True),
    ("capabilities of the same path are unioned across policies",
     [rules(("secret/x", "read")), rules(("secret/x", "update"))], "update", "secret/x", True),
    ("capabilities of a repeated block in one policy are unioned",
     rules(("secret/x", "read"), ("secret/x", "update")), "read", "secret/x", True),
    ("/secret/x and secret/x are the same rule",
     [rules(("/secret/x", "read")), rules(("secret/x", "deny"))], "read", "secret/x", False),
    ("an empty capability list still decides",
     rules(("secret/*", "read"), ("secret/data/app", "")), "read", "secret/data/app", False),
    ("no rule at all: denied", rules(("secret/x", "read")), "read", "secret/y", False),
    # sudo
    ("sudo alone", rules(("sys/seal", "update, sudo")), "sudo", "sys/seal", True),
    ("root-protected: both from the deciding rule",
     rules(("sys/*", "sudo, update"), ("sys/seal", "update")), "update+sudo", "sys/seal", False),
    ("root-protected: operation without sudo", rules(("sys/seal", "update")), "update+sudo",
     "sys/seal", False),
    # operations mapped onto capabilities
    ("revoke needs update", rules(("sys/leases/revoke", "update")), "revoke", "sys/leases/revoke",
     True),
    ("renew needs update", rules(("sys/leases/renew", "read")), "renew", "sys/leases/renew", False),
    ("help is always allowed", rules(("secret/x", "deny")), "help", "secret/x", True),
    ("recover", rules(("secret/x", "recover")), "recover", "secret/x", True),
    # list and the trailing slash
    ("LIST falls back to the exact rule without /", rules(("secret/metadata/app", "list")),
     "list", "secret/metadata/app", True),
    ("LIST path gets its / (exact rule with /)", rules(("secret/metadata/app/", "list")), "list",
     "secret/metadata/app", True),
    ("the exact fallback is for LIST only", rules(("secret/metadata/app", "read")), "read",
     "secret/metadata/app/", False),
    ("LIST with a + rule written without / (VAULT-3825)", rules(("+/sys/policies/acl", "list")),
     "list", "team/sys/policies/acl", True),
    ("LIST checks the trimmed path first and picks a broader rule (surprise 4)",
     rules(("secret/*", "read"), ("secret/metadata/app/*", "list")), "list",
     "secret/metadata/app/", False),
    ("LIST on the full path when the trimmed one matches nothing",
     rules(("secret/metadata/app/*", "list")), "list", "secret/metadata/app", True),
]


@pytest.mark.parametrize(("why", "texts", "capability", "path", "allowed"), PRECEDENCE,
                         ids=[row[0] for row in PRECEDENCE])
def test_acl_precedence(why: str, texts: str | list[str], capability: str, path: str,
                        allowed: bool) -> None:
    decision = evaluate_vault(texts, capability, path)
    assert decision.allowed is allowed, decision.explain()


def test_deny_aware_list_rule_closes_the_list_deny_bypass() -> None:
    texts = rules(("kv/metadata/*", "list"), ("kv/metadata/private/*", "deny"))
    classic = evaluate_vault(texts, "list", "kv/metadata/private")
    fixed = evaluate_vault(texts, "list", "kv/metadata/private", list_rule="deny-aware")
    assert (classic.allowed, fixed.allowed) == (True, False)
    assert any("Vault versions differ on this LIST" in note
               for note in classic.explanation().notes)


def test_deny_aware_list_rule_prefers_the_most_specific_list_grant() -> None:
    texts = rules(("secret/*", "read"), ("secret/metadata/app/*", "list"))
    decision = evaluate_vault(texts, "list", "secret/metadata/app", list_rule="deny-aware")
    assert decision.allowed is True


def test_root_policy_grants_everything_and_drops_the_others() -> None:
    decision = evaluate_vault([VaultPolicy("root"), rules(("secret/*", "deny"))], "delete",
                              "secret/x")
    assert decision.allowed is True
    assert str(decision.subject) == "Vault token with policies [root]"
    assert decision.explanation().lines == ("the root policy grants everything",)


def test_templated_rule_that_may_match_makes_the_answer_unknown() -> None:
    text = rules(("secret/data/{{identity.entity.name}}/*", "read"), ("secret/data/shared", "read"))
    maybe = evaluate_vault(text, "read", "secret/data/team-a/db")
    assert maybe.allowed is None
    with pytest.raises(Indeterminate, match=r"identity\.entity\.name"):
        bool(maybe)
    # a path the template cannot reach keeps a definite answer
    assert evaluate_vault(text, "read", "kv/data/team-a/db").allowed is False


def test_request_and_subject_wording() -> None:
    decision = evaluate_vault([rules(("a", "read")), 'name = "Ops"\n' + rules(("b", "read"))],
                              "list", "/secret/metadata/app")
    assert decision.request == VaultRequest("list", "secret/metadata/app/")
    assert decision.request.describe() == "list on secret/metadata/app/"
    assert str(decision.subject) == "Vault token with policies [inline-1, ops]"


@pytest.mark.parametrize("capability", ["deny", "write", "read+list", ""])
def test_invalid_capability_is_rejected(capability: str) -> None:
    with pytest.raises(InvalidArgument):
        evaluate_vault(rules(("a", "read")), capability, "a")


# --------------------------------------------------------------------------- explanations


def test_explanation_of_an_allow_cites_the_winning_rule() -> None:
    policy = parse_vault_policy(rules(("secret/data/app/*", "read, list")), "app", file="app.hcl")
    decision = evaluate_vault(policy, "read", "secret/data/app/config")
    assert decision.explain() == (
        "Vault token with policies [app] CAN read on secret/data/app/config\n"
        '  granted by path "secret/data/app/*" [read, list] in policy app (app.hcl:1)')


def test_explanation_of_a_denial_names_the_losers_and_why() -> None:
    base = parse_vault_policy(rules(("secret/+/bar", "read"), ("secret/*", "read")), "base",
                              file="base.hcl")
    app = parse_vault_policy(rules(("secret/foo/*", "update")), "app", file="app.hcl")
    decision = evaluate_vault([base, app], "read", "secret/foo/bar")
    assert decision.explain() == (
        "Vault token with policies [base, app] CANNOT read on secret/foo/bar\n"
        '  decided by path "secret/foo/*" [update] in policy app (app.hcl:1), which does not '
        "grant read\n"
        '    lost: path "secret/+/bar" [read] in policy base (base.hcl:1): lower priority: its '
        'first wildcard comes after "secret/" (7 characters), the deciding rule\'s after '
        '"secret/foo/" (11); the later wildcard wins\n'
        '    lost: path "secret/*" [read] in policy base (base.hcl:4): only the longest matching '
        '* rule takes part, here "secret/foo/*"')


def test_explanation_of_a_merged_deny() -> None:
    a = parse_vault_policy(rules(("secret/*", "read")), "a", file="a.hcl")
    b = parse_vault_policy(rules(("/secret/*", "deny")), "b", file="b.hcl")
    lines = evaluate_vault([a, b], "read", "secret/x").explanation().lines
    assert lines == (
        'denied by path "secret/*" [deny], merged from 2 rules (deny on the same path overrides '
        "the others): deny",
        '  policy a: path "secret/*" [read] (a.hcl:1)',
        '  policy b: path "/secret/*" [deny] (b.hcl:1)',
    )


def test_explanation_of_exact_and_list_losers() -> None:
    lines = evaluate_vault(rules(("secret/*", "read"), ("secret/data/app", "update")), "read",
                           "secret/data/app").explanation().lines
    assert lines[-1] == ('  lost: path "secret/*" [read] in policy inline-1 (line 1): an exact '
                         "rule for the path beats every wildcard rule")
    lines = evaluate_vault(rules(("secret/*", "read"), ("secret/metadata/app/*", "list")), "list",
                           "secret/metadata/app").explanation().lines
    assert lines[-1] == ('  lost: path "secret/metadata/app/*" [list] in policy inline-1 '
                         "(line 4): LIST checks secret/metadata/app (without the trailing /) "
                         "first, and a rule matched there")


@pytest.mark.parametrize(("texts", "path", "reason"), [
    (rules(("s/+/x*", "update"), ("s/+/x", "read")), "s/a/x",
     "it ends in *, the deciding rule does not"),
    (rules(("s/+/+/c", "update"), ("s/+/b/c", "read")), "s/a/b/c",
     "it has 2 + segments, the deciding rule 1 (fewer wins)"),
    (rules(("s/+/b*", "update"), ("s/+/bc*", "read")), "s/a/bcd",
     "it is shorter (5 characters against 6; longer wins)"),
    (rules(("s/+/+/y", "update"), ("s/+/x/+", "read")), "s/a/x/y",
     "Vault breaks the tie by the greater pattern"),
    (rules(("s/*", "update"), ("s/a/*", "read")), "s/a/b",
     'only the longest matching * rule takes part, here "s/a/*"'),
])
def test_each_precedence_rule_is_named_in_the_explanation(texts: str, path: str,
                                                          reason: str) -> None:
    decision = evaluate_vault(texts, "update", path)
    assert decision.allowed is False
    assert reason in decision.explain()


def test_explanation_when_nothing_matches_shows_near_misses_and_kv_v1_hint() -> None:
    text = rules(("secret/app/*", "read"), ("kv/data/other", "read"))
    lines = evaluate_vault(text, "read", "secret/data/app/db").explanation().lines
    assert lines[0] == "no rule matches secret/data/app/db; Vault denies by default"
    assert lines[1].startswith('near miss: path "secret/app/*" [read] in policy inline-1')
    assert lines[-1] == ('path "secret/app/*" [read] in policy inline-1 (line 1) matches the KV '
                         "v1-style path secret/app/db, but KV v2 checks secret/data/...; write "
                         "the rule on secret/data/")


# --------------------------------------------------------------------------- KV version 2


@pytest.mark.parametrize(("operation", "path", "expected"), [
    ("read", "app/config", ("read", "secret/data/app/config")),
    ("get", "/app/config", ("read", "secret/data/app/config")),
    ("create", "app/config", ("create", "secret/data/app/config")),
    ("update", "app/config", ("update", "secret/data/app/config")),
    ("patch", "app/config", ("patch", "secret/data/app/config")),
    ("delete", "app/config", ("delete", "secret/data/app/config")),
    ("list", "app", ("list", "secret/metadata/app/")),
    ("list", "", ("list", "secret/metadata/")),
    ("delete-versions", "app/config", ("update", "secret/delete/app/config")),
    ("undelete", "app/config", ("update", "secret/undelete/app/config")),
    ("destroy", "app/config", ("update", "secret/destroy/app/config")),
    ("metadata-read", "app/config", ("read", "secret/metadata/app/config")),
    ("metadata-delete", "app/config", ("delete", "secret/metadata/app/config")),
])
def test_kv_v2_path(operation: str, path: str, expected: tuple[str, str]) -> None:
    assert kv_v2_path("secret/", operation, path) == expected


def test_kv_v2_put_is_ambiguous() -> None:
    with pytest.raises(InvalidArgument, match="create or update"):
        kv_v2_path("secret", "put", "app")


def test_kv_v2_data_is_not_covered_by_a_v1_style_rule() -> None:
    v1_style = rules(("secret/app/*", "read, list"))
    v2_style = rules(("secret/data/app/*", "read"), ("secret/metadata/app/*", "list"))
    assert evaluate_vault(v1_style, *kv_v2_path("secret", "read", "app/db")).allowed is False
    assert evaluate_vault(v2_style, *kv_v2_path("secret", "read", "app/db")).allowed is True
    assert evaluate_vault(v2_style, *kv_v2_path("secret", "list", "app")).allowed is True
    assert evaluate_vault(v2_style, *kv_v2_path("secret", "destroy", "app/db")).allowed is False


# --------------------------------------------------------------------------- Kubernetes auth roles


def role(name: str, names: tuple[str | Symbol, ...] | Symbol,
         namespaces: tuple[str | Symbol, ...] | Symbol = ("*",), policies: tuple[str, ...] = (),
         **extra: object) -> VaultKubernetesRole:
    return VaultKubernetesRole(name, names, namespaces, policies, source=f"vault.tf:{len(name)}",
                               **extra)  # type: ignore[arg-type]


GLOBS = [
    # (bound names, name, admitted)
    (("vault-*",), "vault-", True),
    (("vault-*",), "vault-auth", True),
    (("team-*-app",), "team-app", False),
    (("team-*-app",), "team-x-app", True),
    (("*-app",), "web-app", True),
    (("*-app",), "web-api", False),
    (("a*b*c",), "aXbYc", True),
    (("a*b*c",), "acb", False),
    (("App",), "app", False),  # case-sensitive
    (("web", "api"), "api", True),
    (("*",), "anything", True),
    (("web?",), "webs", False),  # no ? wildcard
]


@pytest.mark.parametrize(("names", "name", "admitted"), GLOBS)
def test_role_name_globs(names: tuple[str, ...], name: str, admitted: bool) -> None:
    found = roles_for_service_account([role("r", names)], "apps", name)
    assert bool(found) is admitted
    if admitted:
        assert found[0][1] is True


@pytest.mark.parametrize(("namespaces", "namespace", "admitted"), [
    (("apps",), "apps", True),
    (("apps",), "apps-2", False),
    (("team-*",), "team-a", True),
    (("*-prod",), "db-prod", True),
    (("*-prod",), "prod", False),
    (("*",), "kube-system", True),
    (("a", "b"), "b", True),
])
def test_role_namespace_globs(namespaces: tuple[str, ...], namespace: str,
                              admitted: bool) -> None:
    assert bool(roles_for_service_account([role("r", ("*",), namespaces)], namespace,
                                          "sa")) is admitted


def test_both_names_and_namespaces_may_be_star() -> None:
    assert roles_for_service_account([role("any", ("*",), ("*",))], "x", "y")[0][1] is True


SELECTOR = "matchLabels:\n  team: a\nmatchExpressions:\n  - {key: tier, operator: NotIn, values: [db]}"


@pytest.mark.parametrize(("namespaces", "selector", "labels", "expected"), [
    ((), SELECTOR, {"team": "a"}, True),
    ((), SELECTOR, {"team": "a", "tier": "db"}, False),
    ((), SELECTOR, {"team": "b"}, False),
    ((), SELECTOR, None, None),  # labels not given: unknown, never a guess
    (("apps",), SELECTOR, None, True),  # the namespace list already admits it
    ((), '{"matchExpressions": [{"key": "team", "operator": "Exists"}]}', {"team": ""}, True),
    ((), '{"matchExpressions": [{"key": "team", "operator": "DoesNotExist"}]}', {"team": "x"},
     False),
    ((), '{"matchExpressions": [{"key": "t", "operator": "In", "values": ["x", "y"]}]}',
     {"t": "y"}, True),
    ((), "{}", {}, True),  # an empty selector selects everything
])
def test_namespace_selector(namespaces: tuple[str, ...], selector: str,
                            labels: dict[str, str] | None, expected: bool | None) -> None:
    r = role("sel", ("*",), namespaces, bound_service_account_namespace_selector=selector)
    found = roles_for_service_account([r], "apps", "sa", namespace_labels=labels)
    assert (found[0][1] if found else False) is expected


SA_NAME = Symbol("module.app.service_account_name", source="main.tf:3", distinct_group="sa:apps")
OTHER_SA = Symbol("module.db.service_account_name", distinct_group="sa:apps")
HEX = Symbol("random_id.suffix.hex", pattern="[0-9a-f]{16}")


@pytest.mark.parametrize(("names", "name", "expected"), [
    (("web",), SA_NAME, None),  # a symbol against a literal: unknown
    (("*",), SA_NAME, True),  # against * it matches
    ((SA_NAME,), SA_NAME, True),  # the same symbol matches
    ((OTHER_SA,), SA_NAME, False),  # two service accounts of one namespace differ
    (("web-*",), SA_NAME, None),  # a glob against a symbol: unknown
    (("web",), HEX, False),  # "web" can never be 16 hex digits
    (("0123456789abcdef",), HEX, None),
    ((SA_NAME,), "web", None),  # a symbolic bound name against a literal
])
def test_symbols_in_role_matching(names: tuple[str | Symbol, ...], name: str | Symbol,
                                  expected: bool | None) -> None:
    found = roles_for_service_account([role("r", names)], "apps", name)
    assert (found[0][1] if found else False) is expected


def test_symbolic_namespace_and_wholly_unknown_lists() -> None:
    ns = Symbol("var.namespace")
    assert roles_for_service_account([role("r", ("*",), ("apps",))], ns, "sa")[0][1] is None
    assert roles_for_service_account([role("r", ("*",), ("*",))], ns, "sa")[0][1] is True
    assert roles_for_service_account([role("r", Symbol("var.names"))], "apps", "sa")[0][1] is None


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"names": ()}, '"bound_service_account_names" can not be empty'),
    ({"names": ("*", "web")}, 'can not mix "*" with values'),
    ({"namespaces": ("*", "apps")}, 'can not mix "*" with values'),
    ({"namespaces": ()}, "can not be empty when no bound_service_account_namespace_selector"),
    ({"namespaces": (), "bound_service_account_namespace_selector": "matchLabels: [1"},
     "not YAML or JSON"),
    ({"namespaces": (), "bound_service_account_namespace_selector":
        '{"matchExpressions": [{"key": "a", "operator": "Near"}]}'}, "unknown operator"),
])
def test_invalid_role_raises_load_error_at_its_source(kwargs: dict[str, object],
                                                      fragment: str) -> None:
    names = kwargs.pop("names", ("web",))
    namespaces = kwargs.pop("namespaces", ("apps",))
    with pytest.raises(LoadError) as caught:
        VaultKubernetesRole("web", names, namespaces, ("app",), source="vault.tf:42",  # type: ignore[arg-type]
                            **kwargs)  # type: ignore[arg-type]
    assert (caught.value.file, caught.value.line) == ("vault.tf", 42)
    assert fragment in str(caught.value)


@pytest.mark.parametrize(("policies", "no_default", "expected"), [
    (("app",), False, ("app", "default")),
    (("app",), True, ("app",)),
    (("default", "app"), True, ("default", "app")),
    ((" App ", "app", ""), False, ("app", "default")),
    (("app", "root"), False, ("root",)),
])
def test_policies_for_role(policies: tuple[str, ...], no_default: bool,
                           expected: tuple[str, ...]) -> None:
    r = role("r", ("*",), policies=policies, token_no_default_policy=no_default)
    assert policies_for_role(r) == expected


# --------------------------------------------------------------------------- vault_decision


APP_POLICY = parse_vault_policy(rules(("secret/data/app/*", "read")), "app", file="vault.tf",
                                line=50)
OPS_POLICY = parse_vault_policy(rules(("secret/data/*", "read, update")), "ops", file="vault.tf",
                                line=60)
POLICIES = {"app": APP_POLICY, "ops": OPS_POLICY}


def test_union_over_roles_one_grant_is_enough() -> None:
    roles = [role("reader", ("web",), ("apps",), ("app",)),
             role("writer", ("web",), ("apps",), ("ops",))]
    assert vault_decision(roles, POLICIES, "apps", "web", "update", "secret/data/app/x").allowed
    assert not vault_decision(roles, POLICIES, "apps", "web", "delete", "secret/data/app/x")


def test_role_binding_unknown_only_turns_a_deny_into_unknown() -> None:
    roles = [role("certain", ("web",), ("apps",), ("app",)),
             role("maybe", (OTHER_SA, "api"), ("apps",), ("ops",))]
    # a definite grant through a definite role: allowed despite the unknown role
    assert vault_decision(roles, POLICIES, "apps", "web", "read", "secret/data/app/x").allowed
    # only the unknown role grants update: unknown
    maybe = vault_decision(roles, POLICIES, "apps", SA_NAME, "update", "secret/data/app/x")
    assert maybe.allowed is None
    assert SA_NAME in maybe.explanation().unknowns
    # nobody grants delete: a definite denial even with the unknown role
    assert vault_decision(roles, POLICIES, "apps", SA_NAME, "delete",
                          "secret/data/app/x").allowed is False


def test_undefined_policy_grants_nothing_and_is_reported() -> None:
    roles = [role("web", ("web",), ("apps",), ("app", "legacy-admin"))]
    decision = vault_decision(roles, POLICIES, "apps", "web", "read", "secret/data/app/x")
    assert decision.allowed is True
    assert ('policy "legacy-admin" (named by role kubernetes/web (vault.tf:3)) is not defined in '
            "the sources; it grants nothing here") in decision.explanation().notes


def test_undefined_default_policy_decides_nothing_outside_its_area() -> None:
    roles = [role("web", ("web",), ("apps",), ("app",))]
    secret = vault_decision(roles, POLICIES, "apps", "web", "read", "secret/data/other")
    assert secret.allowed is False
    token = vault_decision(roles, POLICIES, "apps", "web", "read", "auth/token/lookup-self")
    assert token.allowed is None
    assert [s.key for s in token.explanation().unknowns] == ["vault policy default"]
    defined: dict[str, VaultPolicy | str] = {
        **POLICIES, "Default": rules(("auth/token/lookup-self", "read"))}
    assert vault_decision(roles, defined, "apps", "web", "read",
                          "auth/token/lookup-self").allowed is True
    no_default = [role("web", ("web",), ("apps",), ("app",), token_no_default_policy=True)]
    assert vault_decision(no_default, POLICIES, "apps", "web", "read",
                          "auth/token/lookup-self").allowed is False


def test_role_with_root_policy_cannot_log_in() -> None:
    roles = [role("admin", ("web",), ("apps",), ("root",))]
    decision = vault_decision(roles, POLICIES, "apps", "web", "read", "secret/data/app/x")
    assert decision.allowed is False
    assert "login fails: auth methods cannot create root tokens" in decision.explain()


def test_no_role_admits_the_service_account() -> None:
    roles = [role("web", ("web",), ("apps",), ("app",))]
    decision = vault_decision(roles, POLICIES, "other", "web", "read", "secret/data/app/x")
    assert decision.allowed is False
    assert decision.explanation().lines == (
        "no Vault Kubernetes auth role admits other/web",
        "role kubernetes/web (vault.tf:3) does not admit other/web: namespace not authorized: "
        '"other" matches none of bound_service_account_namespaces ["apps"]',
    )


def test_vault_decision_explanation_names_role_policy_and_rule() -> None:
    roles = [role("web", ("web-*",), ("apps",), ("app",))]
    decision = vault_decision(roles, POLICIES, "apps", "web-1", "read", "secret/data/app/db")
    assert decision.explain() == (
        "ServiceAccount apps/web-1 via Vault Kubernetes auth CAN read on secret/data/app/db\n"
        "  role kubernetes/web (vault.tf:3) admits apps/web-1; token policies [app, default]\n"
        '    granted by path "secret/data/app/*" [read] in policy app (vault.tf:50)\n'
        '  note: policy "default" is not defined in the sources; Vault\'s built-in default policy '
        "has no rule in this path area, so it grants nothing here")


def test_unknown_selector_labels_are_a_named_unknown() -> None:
    r = role("sel", ("*",), (), ("app",), bound_service_account_namespace_selector="{}")
    decision = vault_decision([r], POLICIES, "apps", "web", "read", "secret/data/app/x")
    assert decision.allowed is None
    assert [s.key for s in decision.explanation().unknowns] == ["labels of namespace apps"]
    labelled = vault_decision([r], POLICIES, "apps", "web", "read", "secret/data/app/x",
                              namespace_labels={})
    assert labelled.allowed is True


def test_policy_text_in_policies_by_name_is_parsed_under_its_lowercased_name() -> None:
    roles = [role("web", ("web",), ("apps",), ("KV",))]
    decision = vault_decision(roles, {"Kv": rules(("kv/*", "read"))}, "apps", "web", "read",
                              "kv/x")
    assert decision.allowed is True


# --------------------------------------------------------------------------- OpenBao (flavor="openbao")

# Each row: rules, request, Vault's answer, OpenBao >= 2.6's answer. Checked against a real
# OpenBao 2.7.2 (tests/integration/test_vault_openbao_server.py), and against
# vault/policy/acl.go of OpenBao 2.6 (AllowOperation) and vault/acl.go of Vault.
FLAVOR_ORDER = [
    ("GHSA-xp3c-3jw3-4vcr: the deny under P/ decides LIST P/ in OpenBao",
     rules(("kv/a/*", "list"), ("kv/a/b/*", "deny")), "list", "kv/a/b", True, False),
    ("the other way round: a list grant under P/ beats the broader deny in OpenBao",
     rules(("kv/a/*", "deny"), ("kv/a/b/*", "list")), "list", "kv/a/b", False, True),
    ("surprise 4 of Vault is gone in OpenBao",
     rules(("secret/*", "read"), ("secret/metadata/app/*", "list")), "list",
     "secret/metadata/app", False, True),
    ("a segment rule on P/ decides in OpenBao",
     rules(("kv/*", "list"), ("kv/+/", "deny")), "list", "kv/a", True, False),
    ("both fall back to the trimmed path when nothing matches P/ (VAULT-3825)",
     rules(("+/sys/policies/acl", "list")), "list", "team/sys/policies/acl", True, True),
    ("both take the exact rule without the / before any wildcard",
     rules(("kv/a", "list"), ("kv/a/*", "deny")), "list", "kv/a", True, True),
    ("both take the exact rule with the / first",
     rules(("kv/a/", "deny"), ("kv/a", "list")), "list", "kv/a", False, False),
    ("a read never tries the trimmed path", rules(("kv/a", "read")), "read", "kv/a/", False, False),
]


@pytest.mark.parametrize(("why", "texts", "capability", "path", "vault", "openbao"), FLAVOR_ORDER,
                         ids=[row[0] for row in FLAVOR_ORDER])
def test_list_order_per_flavour(why: str, texts: str, capability: str, path: str, vault: bool,
                                openbao: bool) -> None:
    assert evaluate_vault(texts, capability, path).allowed is vault
    assert evaluate_vault(texts, capability, path, flavor="vault").allowed is vault
    decision = evaluate_vault(texts, capability, path, flavor="openbao")
    assert decision.allowed is openbao, decision.explain()


def test_scan_is_openbaos_and_takes_the_list_order() -> None:
    texts = rules(("kv/a/*", "scan"), ("kv/a/b/*", "deny"), ("+/c", "scan"))
    assert evaluate_vault(texts, "scan", "kv/a/b", flavor="openbao").allowed is False
    assert evaluate_vault(texts, "scan", "kv/a/x", flavor="openbao").allowed is True
    # SCAN gets its / and, with nothing on kv/c/, falls back to kv/c (step 4)
    decision = evaluate_vault(texts, "scan", "kv/c", flavor="openbao")
    assert decision.allowed is True
    assert decision.request == VaultRequest("scan", "kv/c/")
    assert "OpenBao >= 2.6 SCAN order:" in decision.explain()
    with pytest.raises(InvalidArgument, match='"scan": it is a capability of OpenBao only'):
        evaluate_vault(rules(("kv/*", "list")), "scan", "kv/a")
    with pytest.raises(InvalidArgument, match='"recover": it is a capability of Vault only'):
        evaluate_vault(rules(("kv/*", "list")), "recover", "kv/a", flavor="openbao")


def test_explanation_names_the_order_and_the_step_that_decided() -> None:
    texts = rules(("kv/a/*", "list"), ("kv/a/b/*", "deny"))
    bao = evaluate_vault(texts, "list", "kv/a/b", flavor="openbao").explanation()
    assert bao.lines[0] == 'denied by path "kv/a/b/*" [deny] in policy inline-1 (line 4): deny'
    assert bao.lines[1] == ("  OpenBao >= 2.6 LIST order: exact rule on kv/a/b/, exact rule on "
                            "kv/a/b, wildcard rules on kv/a/b/, then wildcard rules on kv/a/b; "
                            "decided by wildcard rules on kv/a/b/")
    assert bao.lines[2] == ('  lost: path "kv/a/*" [list] in policy inline-1 (line 1): OpenBao '
                            ">= 2.6 checks kv/a/b/ (with the trailing /) first, and a rule matched "
                            "there; kv/a/b is tried only when none does")
    assert bao.notes == ('Vault and OpenBao before 2.6 order this LIST differently: there it is '
                         'allowed by path "kv/a/*" [list] in policy inline-1 (line 1)',)
    vault = evaluate_vault(texts, "list", "kv/a/b").explanation()
    assert vault.lines[1].startswith("  Vault LIST order: exact rule on kv/a/b/, exact rule on "
                                     "kv/a/b, wildcard rules on kv/a/b, then wildcard rules on "
                                     "kv/a/b/; decided by wildcard rules on kv/a/b")
    assert ('OpenBao >= 2.6 (flavor="openbao") orders this LIST differently: there it is denied '
            'by path "kv/a/b/*" [deny] in policy inline-1 (line 4)') in vault.notes


def test_the_order_line_is_only_for_list_and_scan() -> None:
    decision = evaluate_vault(rules(("kv/*", "read")), "read", "kv/a", flavor="openbao")
    assert not any("order:" in line for line in decision.explanation().lines)
    nothing = evaluate_vault(rules(("kv/x", "read")), "list", "kv/a", flavor="openbao")
    assert nothing.explanation().lines[:2] == (
        "no rule matches kv/a/; OpenBao denies by default",
        "  OpenBao >= 2.6 LIST order: exact rule on kv/a/, exact rule on kv/a, wildcard rules on "
        "kv/a/, then wildcard rules on kv/a; decided by no step: no rule matches")


def test_flavour_and_list_rule_are_checked() -> None:
    with pytest.raises(InvalidArgument, match='did you mean "openbao"'):
        evaluate_vault(rules(("kv/*", "list")), "list", "kv/a", flavor="openboa")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="has one order of its own"):
        evaluate_vault(rules(("kv/*", "list")), "list", "kv/a", flavor="openbao",
                       list_rule="deny-aware")
    with pytest.raises(InvalidArgument, match="unknown list_rule"):
        evaluate_vault(rules(("kv/*", "list")), "list", "kv/a", list_rule="full-first")  # type: ignore[arg-type]


# sys/capabilities: the selection as a LIST on the path as given. Values read from OpenBao 2.7.2.
CAPABILITIES_ROWS = [
    (rules(("kv/a/*", "list, read"), ("kv/a/b/*", "deny")), "kv/a/b/", ("list", "read"), ("deny",)),
    (rules(("kv/a/*", "list, read"), ("kv/a/b/*", "deny")), "kv/a/b", ("list", "read"),
     ("list", "read")),
    (rules(("kv/a", "read")), "kv/a/", ("read",), ("read",)),  # the exact rule without the /
    (rules(("kv/a", "update, sudo, create")), "kv/a", ("create", "sudo", "update"),
     ("create", "sudo", "update")),
    (rules(("kv/a", "scan")), "kv/a", None, ("scan",)),
    (rules(("kv/x", "read")), "kv/a", ("deny",), ("deny",)),
    (rules(("kv/*", "deny")), "kv/a", ("deny",), ("deny",)),
    ([VaultPolicy("root")], "kv/a", ("root",), ("root",)),
]


@pytest.mark.parametrize(("texts", "path", "vault", "openbao"), CAPABILITIES_ROWS)
def test_vault_capabilities_is_what_sys_capabilities_says(texts: str | list[VaultPolicy], path: str,
                                                          vault: tuple[str, ...] | None,
                                                          openbao: tuple[str, ...]) -> None:
    assert vault_capabilities(texts, path, flavor="openbao") == openbao
    if vault is None:
        with pytest.raises(LoadError, match='"scan" is a capability of OpenBao'):
            vault_capabilities(texts, path)
    else:
        assert vault_capabilities(texts, path) == vault


def test_vault_capabilities_with_a_templated_rule_is_unknown() -> None:
    with pytest.raises(Indeterminate, match=r"identity\.entity\.name"):
        vault_capabilities(rules(("kv/{{identity.entity.name}}", "read")), "kv/a")


# Policy text each server's parser refuses (vault/policy.go, OpenBao's vault/policy/policy.go),
# each a LoadError at the line to change. OpenBao's answers checked against a real server.
FLAVOR_PARSING = [
    ('path "kv/a" {\n  capabilities = ["scan"]\n}', 2, "Vault", 'unknown capability "scan"'),
    ('path "kv/a" {\n  capabilities = ["recover"]\n}', 2, "OpenBao",
     'unknown capability "recover" (OpenBao knows'),
    ('path "kv/a" {\n  capabilities = ["read", "subscribe"]\n}', 2, "OpenBao",
     '"subscribe" is a capability of Vault, which OpenBao rejects'),
    ('path "kv/a" {\n  capabilities = ["read"]\n  subscribe_event_types = ["*"]\n}', 3, "OpenBao",
     '"subscribe_event_types" is a key of Vault, which OpenBao rejects'),
    ('path "kv/a" {\n  capabilities = ["list"]\n  pagination_limit = 10\n}', 3, "Vault",
     '"pagination_limit" is a key of OpenBao, which Vault rejects'),
    ('path "kv/a" {\n  capabilities = ["list"]\n  expiration = "2030-01-01T00:00:00Z"\n}', 3, "Vault",
     'unknown key "expiration"'),
    ('path "kv/a" {\n  capabilities = ["read"]\n  list_scan_response_keys_filter_path = "{{ .key }}"\n}',
     3, "OpenBao", "needs to be used on a path with the list capability"),
    ('path "kv/a" {\n  capabilities = ["list"]\n  list_scan_response_keys_filter_path = "{{ .path }}"\n}',
     3, "OpenBao", "resulted in same path for two different keys"),
    ('path "kv/a" {\n  capabilities = ["list"]\n'
     '  list_scan_response_keys_filter_path = "{{ .key | upper }}"\n}',
     3, "OpenBao", 'function "upper" not defined'),
    ('path "kv/a" {\n  capabilities = ["list"]\n  expiration = "2030-01-01t00:00:00z"\n}', 3,
     "OpenBao", "expiration must be an RFC 3339 time"),
    ('path "kv/a" {\n  capabilities = ["list"]\n  pagination_limit = 1.5\n}', 3, "OpenBao",
     "pagination_limit must be a whole number"),
    ('path "kv/a" {\n  capabilities = ["list"]\n  mfa_methods = "m"\n}', 3, "OpenBao",
     "mfa_methods must be a list of strings"),
    ('path "kv/a" {\n  capabilities = ["list"]\n  control_group = {\n    ttl = "1h"\n  }\n}', 3,
     "OpenBao", "requires at least one factor but had none"),
    ('path "kv/a" {\n  capabilities = ["list"]\n  control_group = {\n'
     '    factor "f" {\n      controlled_capabilities = ["list"]\n    }\n  }\n}', 4, "OpenBao",
     "factor 1: missing approving groups"),
    ('path "kv/a" {\n  capabilities = ["read"]\n  capabilities = ["list"]\n}', 3, "Vault",
     '"capabilities" is set twice'),
]


@pytest.mark.parametrize(("text", "line", "refused_by", "message"), FLAVOR_PARSING)
def test_each_flavour_refuses_what_its_parser_refuses(text: str, line: int, refused_by: str,
                                                     message: str) -> None:
    refusing, accepting = ("vault", "openbao") if refused_by == "Vault" else ("openbao", "vault")
    with pytest.raises(LoadError) as caught:
        parse_vault_policy(text, "p", file="policies/p.hcl", line=10, flavor=refusing)
    problem = caught.value.problems[0]
    assert (problem.file, problem.line) == ("policies/p.hcl", line + 9)
    assert message in problem.message
    if refused_by == "Vault" and "set twice" not in message:
        parse_vault_policy(text, "p", flavor=accepting)  # the other server takes it


def test_openbao_reads_repeated_keys_and_extra_labels_as_its_hcl_reader_does() -> None:
    repeated = parse_vault_policy('path "kv/a" {\n  capabilities = ["read"]\n  capabilities = ["list"]\n'
                                  '  policy = "deny"\n  policy = "write"\n}', flavor="openbao")
    assert repeated.rules[0].capabilities == ("read", "list", "create", "update", "delete")
    labelled = parse_vault_policy('path "kv/a" "ignored" { capabilities = ["read"] }',
                                  flavor="openbao")
    assert [rule.path for rule in labelled.rules] == ["kv/a"]
    with pytest.raises(LoadError, match="more than one label"):
        parse_vault_policy('path "kv/a" "ignored" { capabilities = ["read"] }')
    numbers = parse_vault_policy('path "kv/a" {\n  capabilities = ["list"]\n  comment = 5\n'
                                 '  pagination_limit = "0x10"\n  expiration = "+4102444800"\n}',
                                 flavor="openbao")
    assert (numbers.rules[0].comment, numbers.rules[0].expires_at) == ("5", 4102444800.0)


def test_a_policy_built_for_one_flavour_is_checked_against_the_other() -> None:
    policy = parse_vault_policy('path "kv/a" {\n  capabilities = ["scan"]\n}', "bao",
                                file="bao.hcl", flavor="openbao")
    assert evaluate_vault(policy, "scan", "kv/a", flavor="openbao").allowed is True
    with pytest.raises(LoadError, match=r'bao\.hcl:1: .*"scan" is a capability of OpenBao'):
        evaluate_vault(policy, "list", "kv/a")
    with pytest.raises(LoadError, match=r'unknown capability "scan"'):
        vault_decision([VaultKubernetesRole("r", ("sa",), ("ns",), ("bao",))], {"bao": policy},
                       "ns", "sa", "list", "kv/a")


def test_expired_openbao_rules_take_no_part_and_are_named() -> None:
    text = ('path "kv/a" {\n  capabilities = ["read"]\n  expiration = "2000-01-01T00:00:00Z"\n}\n'
            'path "kv/b" {\n  capabilities = ["read"]\n  expiration = "2999-01-01T00:00:00Z"\n}\n')
    gone = evaluate_vault(text, "read", "kv/a", flavor="openbao")
    assert gone.allowed is False
    assert gone.explanation().notes == (
        'path "kv/a" [read] in policy inline-1 (line 1) expired at 2000-01-01T00:00:00Z: '
        "OpenBao ignores it",)
    kept = evaluate_vault(text, "read", "kv/b", flavor="openbao")
    assert kept.allowed is True
    assert "expires at 2999-01-01T00:00:00Z" in kept.explanation().notes[0]
    assert vault_capabilities(text, "kv/a", flavor="openbao") == ("deny",)


def test_a_write_to_a_path_ending_in_a_slash_is_noted() -> None:
    """Both servers refuse it (400) before the ACL: found by the OpenBao oracle."""
    decision = evaluate_vault(rules(("kv/*", "create")), "create", "kv/a/", flavor="openbao")
    assert decision.allowed is True  # the ACL's answer
    assert any("refuses every write to a path ending in /" in note
               for note in decision.explanation().notes)
    plain = evaluate_vault(rules(("kv/*", "create")), "create", "kv/a")
    assert not any("ending in /" in note for note in plain.explanation().notes)


def test_control_group_is_an_assignable_policy_name_in_openbao_only() -> None:
    role = VaultKubernetesRole("r", ("sa",), ("ns",), ("control-group",))
    policies = {"control-group": rules(("kv/*", "read"))}
    assert vault_decision([role], policies, "ns", "sa", "read", "kv/a").allowed is False
    assert vault_decision([role], policies, "ns", "sa", "read", "kv/a",
                          flavor="openbao").allowed is True
