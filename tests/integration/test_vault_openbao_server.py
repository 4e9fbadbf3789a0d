"""The Vault engine with ``flavor="openbao"`` against a real OpenBao server, the oracle.

Hypothesis draws worlds: one to three policies of up to four rules over a small
alphabet of paths under a KV version 1 mount (exact paths, trailing ``/``,
``*`` globs inside and after a segment, ``+`` segments, rules above the mount),
with any of OpenBao's capabilities, and a few concrete paths to ask about. Each
world's policies are written to the server (``sys/policies/acl``), a token is
made with exactly those policies, and for every path:

- ``sys/capabilities`` for the token must equal :func:`vault_capabilities`;
- GET, LIST, SCAN, DELETE, PUT (create on a new key, update on one of the keys
  written at the start) and PATCH with the token must be refused (403) exactly
  when :func:`evaluate_vault` says CANNOT. (PUT and PATCH on a path ending in
  ``/`` are left out: the server refuses every such write, 400, before it
  asks the ACL.)

Every policy the server accepts must parse, and every one it refuses must not
(``test_policy_parser_accepts_what_openbao_accepts``). The number of worlds is
``$PFPERMS_OPENBAO_WORLDS`` (default 400); the counts show in the terminal
summary. A disagreement is adjudicated against OpenBao's ``vault/policy/acl.go``
and pinned in ``tests/test_vault.py``.
"""

from __future__ import annotations

import itertools
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openbao_support import OpenBao

from pytest_pfperms import strategies as pst
from pytest_pfperms.errors import LoadError
from pytest_pfperms.vault.acl import (
    compile_acl,
    decide,
    evaluate_vault,
    parse_request,
    vault_capabilities,
)
from pytest_pfperms.vault.policy_parsing import CAPABILITIES, OPENBAO_CAPABILITIES, parse_vault_policy

WORLDS = int(os.environ.get("PFPERMS_OPENBAO_WORLDS", "400"))
SEGMENTS = ("a", "b", "ab")


def _patterns() -> tuple[str, ...]:
    """Rule paths: every 1- and 2-segment path over SEGMENTS and ``+`` under ``kv/``, each bare,
    with a trailing ``/``, ``*`` or ``/*``; some 3-segment ones; and rules above the mount."""
    found: list[str] = []
    for depth in (1, 2):
        for parts in itertools.product((*SEGMENTS, "+"), repeat=depth):
            base = "kv/" + "/".join(parts)
            for ending in ("", "/", "*", "/*"):
                path = base + ending
                if "+*" not in path:
                    found.append(path)
    found += ["kv/a/b/ab", "kv/a/+/b", "kv/+/+/a", "kv/a/b/*", "kv/+/b/a*", "kv/a/+/+/",
              "kv/*", "kv/", "kv", "kv*", "k*", "*", "+/a", "+/a/*", "+/+", "+/+/b/"]
    return tuple(dict.fromkeys(found))


PATTERNS = _patterns()
QUERIES = tuple(path + slash for depth in (1, 2, 3, 4)
                for path in ("kv/" + "/".join(parts)
                             for parts in itertools.product(SEGMENTS, repeat=depth))
                for slash in ("", "/"))
EXISTING = ("kv/b", "kv/a/ab", "kv/ab/a/b")  # written at the start: PUT there is an update
LEGACY = st.builds('path "{}" {{ policy = "{}" }}\n'.format, st.sampled_from(PATTERNS),
                   st.sampled_from(("deny", "read", "write", "sudo")))
POLICY = st.tuples(pst.vault_policies(paths=PATTERNS, max_rules=5, flavor="openbao"),
                   st.lists(LEGACY, max_size=1)).map(lambda parts: parts[0] + "".join(parts[1]))


def _rule(path: str, capabilities: list[str]) -> str:
    return f'path "{path}" {{ capabilities = [{", ".join(map(repr, capabilities))}] }}\n'.replace(
        "'", '"')


@st.composite
def _worlds(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    """Policies and paths; half the time also a ``P/*`` rule over a ``P/<seg>/*`` (or
    ``P/<seg>``) rule and a question about ``P/<seg>``: where Vault's and OpenBao's LIST
    orders part."""
    texts = draw(st.lists(POLICY, min_size=1, max_size=3))
    paths = draw(st.lists(st.sampled_from(QUERIES), min_size=1, max_size=6, unique=True))
    if draw(st.booleans()):
        parent = draw(st.sampled_from(("kv/a", "kv/b", "kv/a/b", "kv/ab", "kv/+")))
        child = draw(st.sampled_from(SEGMENTS))
        tail = draw(st.sampled_from(("/*", "*", "/", "")))
        caps = st.lists(st.sampled_from(OPENBAO_CAPABILITIES), min_size=1, max_size=2, unique=True)
        texts.append(_rule(parent + "/*", draw(caps)) + _rule(f"{parent}/{child}{tail}", draw(caps)))
        question = f"{parent.replace('+', draw(st.sampled_from(SEGMENTS)))}/{child}"
        paths = list(dict.fromkeys([*paths, question]))
    return texts, paths


WORLD = _worlds()
REQUESTS = (("GET", "read"), ("LIST", "list"), ("SCAN", "scan"), ("DELETE", "delete"),
            ("PUT", "put"), ("PATCH", "patch"))


@dataclass
class Tally:
    counts: Counter[str] = field(default_factory=Counter)
    serial: itertools.count[int] = field(default_factory=itertools.count)


def _put_capability(path: str) -> str:
    return "update" if path in EXISTING else "create"


def _vault_order_allows(texts: list[str], path: str) -> bool | None:
    """LIST ``path`` with Vault's order (OpenBao's before 2.6) over the same policies."""
    policies = tuple(parse_vault_policy(text, f"p{index}", flavor="openbao")
                     for index, text in enumerate(texts))
    ask = parse_request("list", path, "openbao")
    return decide(compile_acl(policies, "openbao"), ask, "trimmed-first").allowed


def _disagreements(openbao: OpenBao, texts: list[str], paths: list[str], tally: Tally) -> list[str]:
    """Write the world to the server, ask it, and list every answer that differs."""
    world = next(tally.serial)
    names = [f"world{world}-{index}" for index in range(len(texts))]
    for name, text in zip(names, texts, strict=True):
        written = openbao.write_policy(name, text)
        assert written.status == 204, f"OpenBao refused a policy the engine accepts:\n{text}\n{written}"
    token = openbao.token(names)
    found: list[str] = []
    server_caps = openbao.capabilities(token, paths)
    tally.counts["capabilities_checks"] += len(paths)
    for path in paths:
        ours = vault_capabilities(texts, path, flavor="openbao")
        if ours != server_caps[path]:
            found.append(f"sys/capabilities on {path}: OpenBao {list(server_caps[path])}, "
                         f"engine {list(ours)}")
        for method, capability in REQUESTS:
            if method in ("PUT", "PATCH") and path.endswith("/"):
                continue  # refused (400) before the ACL is asked: no write may end in /
            asked = _put_capability(path) if capability == "put" else capability
            response = openbao.request(method, f"kv/{path.removeprefix('kv/')}", token=token,
                                       body={} if method in ("PUT", "PATCH") else None,
                                       content_type="application/merge-patch+json"
                                       if method == "PATCH" else "application/json")
            tally.counts["real_requests"] += 1
            if method == "DELETE" and path in EXISTING and not response.denied:
                openbao.ok("PUT", path, {"value": "x"})  # put back what the token deleted
            decision = evaluate_vault(texts, asked, path, flavor="openbao")
            if decision.allowed is not (not response.denied):
                found.append(f"{method} {path} ({asked}): OpenBao {response.status}, engine "
                             f"{decision.allowed}\n{decision.explain()}")
            if method == "LIST" and _vault_order_allows(texts, path) is response.denied:
                tally.counts["lists_vault_order_gets_wrong"] += 1
    return found


def test_engine_agrees_with_a_real_openbao(openbao: OpenBao,
                                           record_property: pytest.RecordProperty) -> None:
    for path in EXISTING:
        openbao.ok("PUT", path, {"value": "x"})
    tally = Tally()

    @settings(max_examples=WORLDS, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(world=WORLD)
    def check(world: tuple[list[str], list[str]]) -> None:
        texts, paths = world
        found = _disagreements(openbao, texts, paths, tally)
        assert not found, ("OpenBao and the engine disagree:\n" + "\n\n".join(found)
                           + "\n\npolicies:\n" + "\n---\n".join(texts))
        tally.counts["worlds"] += 1

    check()
    record_property("openbao_version", openbao.version)
    for key in ("worlds", "capabilities_checks", "real_requests", "lists_vault_order_gets_wrong"):
        record_property(f"openbao_{key}", tally.counts[key])
    assert tally.counts["worlds"] >= min(WORLDS, 200)
    if WORLDS >= 200:  # the worlds are rich enough to tell Vault's LIST order from OpenBao's
        assert tally.counts["lists_vault_order_gets_wrong"] > 0


# --------------------------------------------------------------------------- the policy parser


def _hour(offset: int) -> str:
    return (datetime.now(UTC) + timedelta(hours=offset)).strftime("%Y-%m-%dT%H:%M:%SZ")


PARSER_CASES: tuple[tuple[str, str], ...] = (
    ("scan", 'path "kv/a" { capabilities = ["scan", "list"] }'),
    ("patch", 'path "kv/a" { capabilities = ["patch"] }'),
    ("subscribe is Vault's", 'path "kv/a" { capabilities = ["subscribe"] }'),
    ("recover is Vault's", 'path "kv/a" { capabilities = ["recover"] }'),
    ("unknown capability", 'path "kv/a" { capabilities = ["raed"] }'),
    ("deny stops the reading", 'path "kv/a" { capabilities = ["deny", "raed"] }'),
    ("a typo before deny", 'path "kv/a" { capabilities = ["raed", "deny"] }'),
    ("legacy policy", 'path "kv/a" { policy = "write" }'),
    ("unknown legacy policy", 'path "kv/a" { policy = "admin" }'),
    ("+* is forbidden", 'path "kv/+*" { capabilities = ["read"] }'),
    ("unknown key", 'path "kv/a" { capabilities = ["read"]\n  capability = ["read"] }'),
    ("subscribe_event_types is Vault's",
     'path "kv/a" { capabilities = ["read"]\n  subscribe_event_types = ["*"] }'),
    ("pagination_limit", 'path "kv/a" { capabilities = ["list"]\n  pagination_limit = 10 }'),
    ("expiration in RFC 3339",
     f'path "kv/a" {{ capabilities = ["list"]\n  expiration = "{_hour(2)}" }}'),
    ("expiration in epoch seconds", 'path "kv/a" { capabilities = ["list"]\n  expiration = 4102444800 }'),
    ("expiration that is no time", 'path "kv/a" { capabilities = ["list"]\n  expiration = "soon" }'),
    ("keys filter with list",
     'path "kv/a" { capabilities = ["list"]\n  list_scan_response_keys_filter_path = "{{ .path }}{{ .key }}" }'),
    ("keys filter without list",
     'path "kv/a" { capabilities = ["read"]\n  list_scan_response_keys_filter_path = "{{ .path }}{{ .key }}" }'),
    ("keys filter without the key",
     'path "kv/a" { capabilities = ["list"]\n  list_scan_response_keys_filter_path = "{{ .path }}" }'),
    ("wrapping ttls", 'path "kv/a" { capabilities = ["read"]\n  min_wrapping_ttl = "1m"\n  max_wrapping_ttl = "1h" }'),
    ("max below min", 'path "kv/a" { capabilities = ["read"]\n  min_wrapping_ttl = "1h"\n  max_wrapping_ttl = "1m" }'),
    ("parameters", 'path "kv/a" { capabilities = ["update"]\n  allowed_parameters = { "x" = [] }\n'
                   '  denied_parameters = { "y" = ["1"] }\n  required_parameters = ["x"] }'),
    ("unknown top-level key", 'paths "kv/a" { capabilities = ["read"] }'),
    ("JSON", '{"path": {"kv/a": {"capabilities": ["scan"]}}}'),
    # edge cases of OpenBao's HCL 1 reader: types it converts, duplicate keys, extra labels,
    # control groups, filter templates, integer and time formats
    ('edge 0', 'path "kv/a" { capabilities = "read" }'),
    ('edge 1', 'path "kv/a" { capabilities = [] }'),
    ('edge 2', 'path "kv/a" { }'),
    ('edge 3', 'name = "x"\npath "kv/a" { capabilities = ["read"] }'),
    ('edge 4', 'path "kv/a" { capabilities = ["list"]\n pagination_limit = "10" }'),
    ('edge 5', 'path "kv/a" { capabilities = ["list"]\n pagination_limit = -1 }'),
    ('edge 6', 'path "kv/a" { capabilities = ["list"]\n pagination_limit = 1.5 }'),
    ('edge 7', 'path "kv/a" { capabilities = ["list"]\n pagination_limit = "x" }'),
    ('edge 8', 'path "kv/a" { capabilities = ["list"]\n expiration = 1.5 }'),
    ('edge 9', 'path "kv/a" { capabilities = ["list"]\n expiration = true }'),
    ('edge 10', 'path "kv/a" { capabilities = ["list"]\n expiration = "2030-01-01T00:00:00.123Z" }'),
    ('edge 11', 'path "kv/a" { capabilities = ["list"]\n expiration = "2030-01-01T00:00:00+02:00" }'),
    ('edge 12', 'path "kv/a" { capabilities = ["list"]\n expiration = "2030-01-01 00:00:00" }'),
    ('edge 13', 'path "kv/a" { capabilities = ["list"]\n expiration = "2030-01-01t00:00:00z" }'),
    ('edge 14', 'path "kv/a" { capabilities = ["list"]\n expiration = "" }'),
    ('edge 15', 'path "kv/a" { capabilities = ["list"]\n comment = 5 }'),
    ('edge 16', 'path "kv/a" { capabilities = ["list"]\n min_wrapping_ttl = "1x" }'),
    ('edge 17', 'path "kv/a" { capabilities = ["list"]\n allowed_parameters = {"x" = "y"} }'),
    ('edge 18', 'path "kv/a" { capabilities = ["list"]\n required_parameters = "x" }'),
    ('edge 19', 'path "kv/a" { capabilities = ["list"]\n mfa_methods = "m" }'),
    ('edge 20', 'path "kv/a" { capabilities = ["list"]\n list_scan_response_keys_filter_path = "{{ .key }" }'),
    ('edge 21', 'path "kv/a" { capabilities = ["list"]\n list_scan_response_keys_filter_path = "{{.key}}" }'),
    ('edge 22', 'path "kv/a" { capabilities = ["list"]\n list_scan_response_keys_filter_path = "{{ .path }}/{{ .key | upper }}" }'),
    ('edge 23', 'path "kv/a" { capabilities = ["list"]\n list_scan_response_keys_filter_path = 5 }'),
    ('edge 24', 'path "" { capabilities = ["read"] }'),
    ('edge 25', 'path "kv/a" { capabilities = ["read"]\n capabilities = ["list"] }'),
    ('edge 26', 'path "kv/a" { capabilities = ["read"] }\npath "kv/a" { capabilities = ["list"] }'),
    ('edge 27', 'path "kv/a" { capabilities = ["READ"] }'),
    ('edge 28', 'path "kv/a" { capabilities = [" read"] }'),
    ('edge 29', 'path "kv/a" { capabilities = ["root"] }'),
    ('edge 30', 'path "kv/a" { policy = "deny"\n capabilities = ["raed"] }'),
    ('edge 31', 'path "kv/a" { capabilities = ["raed"]\n policy = "deny" }'),
    ('edge 32', 'path "kv/a" { control_group = { ttl = "1h" } \n capabilities = ["read"] }'),
    ('edge 33', 'path "kv/a" { control_group = { bogus = 1 } \n capabilities = ["read"] }'),
    ('edge 34', 'path "kv/{{identity.entity.id}}" { capabilities = ["read"] }'),
    ('edge 35', 'path "kv/{{identity.entity.bogus}}" { capabilities = ["read"] }'),
    ('edge 36', 'path "kv/{{identity.entity.id" { capabilities = ["read"] }'),
    ('edge 37', 'path = { "kv/a" = { capabilities = ["read"] } }'),
    ('edge 38', '{"path": {"kv/a": {"capabilities": "read"}}}'),
    ('edge 39', '{"path": [{"kv/a": {"capabilities": ["read"]}}, {"kv/b": {"capabilities": ["list"]}}]}'),
    ('edge 40', 'path "kv/a" "x" { capabilities = ["read"] }'),
    ('edge 41', 'path "kv/*+" { capabilities = ["read"] }'),
    ('edge 42', 'path "kv/+/*" { capabilities = ["read"] }'),
    ('edge 43', 'path "/kv/+*" { capabilities = ["read"] }'),
    ('edge 44', 'path "kv/a" { capabilities = [5] }'),
    ('edge 45', 'path "kv/a" { capabilities = ["read"], }'),
    ('edge 46', 'path "kv/a" { capabilities = ["read"]\n policy = "deny"\n policy = "write" }'),
    ('edge 47', 'path "kv/a" "x" "y" { capabilities = ["read"] }'),
    ('edge 48', 'path "kv/a" { capabilities = ["list"]\n comment = true }'),
    ('edge 49', 'path "kv/a" { capabilities = ["list"]\n policy = 5 }'),
    ('edge 50', 'path "kv/a" { capabilities = ["list"]\n control_group = { factor "f" { identity { group_names = ["g"]\n approvals = 1 } } } }'),
    ('edge 51', 'path "kv/a" { capabilities = ["list"]\n control_group = { ttl = "1h"\n factor "f" { controlled_capabilities = ["list"] } } }'),
    ('edge 52', 'path "kv/a" { capabilities = ["list"]\n control_group = { ttl = "1h"\n factor "f" { bogus = 1 } } }'),
    ('edge 53', 'path "kv/a" { capabilities = ["list"]\n control_group = { ttl = "1h"\n factor "f" { controlled_capabilities = ["raed"] } } }'),
    ('edge 54', 'path "kv/a" { capabilities = ["list"]\n control_group = { ttl = "xx"\n factor "f" { } } }'),
    ('edge 55', 'path "kv/a" { capabilities = ["list"]\n control_group = { self_auth_allowed = true\n factor "f" { } } }'),
    ('edge 56', 'path "kv/a" { capabilities = ["list"]\n control_group "x" { factor "f" { } } }'),
    ('edge 57', 'path "kv/a" { capabilities = ["list"]\n list_scan_response_keys_filter_path = "{{ .path }}{{ .key | uppercase }}" }'),
    ('edge 58', 'path "kv/a" { capabilities = ["list"]\n list_scan_response_keys_filter_path = "{{ .path }}{{ printf \\"%s\\" .key }}" }'),
    ('edge 59', 'path "kv/a" { capabilities = ["list"]\n list_scan_response_keys_filter_path = "{{ .path }}{{ .bogus }}{{ .key }}" }'),
    ('edge 60', 'path "kv/a" { capabilities = ["list"]\n list_scan_response_keys_filter_path = "{{ .path }}{{ if false }}{{ .key }}{{ end }}" }'),
    ('edge 61', 'path "kv/a" { capabilities = ["list"]\n list_scan_response_keys_filter_path = "x{{- .key -}}" }'),
    ('edge 62', 'path "kv/a" { capabilities = ["list"]\n pagination_limit = true }'),
    ('edge 63', 'path "kv/a" { capabilities = ["list"]\n pagination_limit = "0x10" }'),
    ('edge 64', 'path "kv/a" { capabilities = ["list"]\n pagination_limit = 0x10 }'),
    ('edge 65', 'path "kv/a" { capabilities = ["list"]\n mfa_methods = [] }'),
    ('edge 66', 'path "kv/a" { capabilities = ["list"]\n mfa_methods = [1] }'),
    ('edge 67', 'path "kv/a" { capabilities = ["list"]\n control_group = { ttl = "1h"\n factor "f" { controlled_capabilities = ["list"]\n identity { group_names = ["g"]\n approvals = 1 } } } }'),
    ('edge 68', 'path "kv/a" { capabilities = ["list"]\n control_group = { factor "f" { controlled_capabilities = ["list"]\n identity { group_names = ["g"]\n approvals = 1 } } } }'),
    ('edge 69', 'path "kv/a" { capabilities = ["list"]\n control_group = { factor "f" { controlled_capabilities = ["list"]\n identity { approvals = 1 } } } }'),
    ('edge 70', 'path "kv/a" { capabilities = ["list"]\n control_group = { factor "f" { controlled_capabilities = ["list"]\n identity { group_names = ["g"] } } } }'),
    ('edge 71', 'path "kv/a" { capabilities = ["list"]\n control_group = { factor "f" { controlled_capabilities = ["read"]\n identity { group_names = ["g"]\n approvals = 1 } } } }'),
    ('edge 72', 'path "kv/a" { capabilities = ["list"]\n control_group = { factor "f" { controlled_capabilities = ["list"]\n identity { group_ids = ["g"]\n approvals = 1 } } } }'),
    ('edge 73', 'path "kv/a" { capabilities = ["list"]\n control_group = { factor "f" { controlled_capabilities = ["list"]\n identity { group_names = ["g"]\n approvals = 2\n bogus = 1 } } } }'),
    ('edge 74', 'path "kv/a" { capabilities = ["list"]\n control_group = { }\n }'),
    ('edge 75', 'path "kv/a" { capabilities = ["list"]\n comment = "a"\n comment = "b" }'),
    ('edge 76', 'path "kv/a" { capabilities = ["list"]\n min_wrapping_ttl = "1h"\n min_wrapping_ttl = "1m"\n max_wrapping_ttl = "30m" }'),
    ('edge 77', 'path "kv/a" { capabilities = ["update"]\n allowed_parameters = { "x" = [] }\n allowed_parameters = { "y" = [] } }'),
    ('edge 78', 'path "kv/a" { capabilities = ["update"]\n required_parameters = ["x"]\n required_parameters = ["y"] }'),
    ('edge 79', 'path "kv/a" { capabilities = ["list"]\n pagination_limit = 5\n pagination_limit = "x" }'),
    ('edge 80', 'path "kv/a" { capabilities = ["list"]\n pagination_limit = "010" }'),
    ('edge 81', 'path "kv/a" { capabilities = ["list"]\n pagination_limit = "1_000" }'),
    ('edge 82', 'path "kv/a" { capabilities = ["list"]\n pagination_limit = "+5" }'),
    ('edge 83', 'path "kv/a" { capabilities = ["list"]\n expiration = "+4102444800" }'),
    ('edge 84', 'path "kv/a" { capabilities = ["list"]\n expiration = "-1" }'),
    ('edge 85', 'path "kv/a" { capabilities = ["list"]\n expiration = "2100-01-01T00:00:00Z"\n expiration = "2000-01-01T00:00:00Z" }'),
    ('edge 86', 'path "kv/a" { capabilities = ["list"] }\npath "kv/b" { capabilities = ["read"] }\nname = "x"\nname = "y"'),
)


@pytest.mark.parametrize(("why", "text"), PARSER_CASES, ids=[case[0] for case in PARSER_CASES])
def test_policy_parser_accepts_what_openbao_accepts(openbao: OpenBao, why: str, text: str) -> None:
    server = openbao.write_policy(f"parser-{abs(hash(why))}", text)
    assert server.status in (204, 400), server
    try:
        parse_vault_policy(text, "p", flavor="openbao")
    except LoadError as error:
        assert server.status == 400, f"the engine refuses what OpenBao accepts: {error}"
    else:
        assert server.status == 204, f"the engine accepts what OpenBao refuses: {server.body}"


CAPABILITY_WORDS = tuple(dict.fromkeys((*CAPABILITIES, *OPENBAO_CAPABILITIES, "raed", "root")))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(CAPABILITY_WORDS), min_size=1, max_size=4),
       st.sampled_from(("", "subscribe_event_types", "pagination_limit", "mfa_methods", "expiration")))
def test_drawn_capability_lists_are_accepted_as_openbao_does(
        openbao: OpenBao, capabilities: list[str], key: str) -> None:
    values = {"subscribe_event_types": '["*"]', "pagination_limit": "5",
              "mfa_methods": '["m"]', "expiration": '"2100-01-01T00:00:00Z"'}
    listed = ", ".join(f'"{cap}"' for cap in capabilities)
    text = f'path "kv/x" {{\n  capabilities = [{listed}]\n' + (
        f"  {key} = {values[key]}\n" if key else "") + "}\n"
    server = openbao.write_policy("drawn", text)
    try:
        parse_vault_policy(text, "drawn", flavor="openbao")
        ours = 204
    except LoadError:
        ours = 400
    assert ours == server.status, (text, server)


# --------------------------------------------------------------------------- pinned worlds


def _world(openbao: OpenBao, name: str, text: str) -> str:
    assert openbao.write_policy(name, text).status == 204
    return openbao.token([name])


def test_the_advisory_case_list_deny_under_a_list_grant(openbao: OpenBao) -> None:
    """GHSA-xp3c-3jw3-4vcr: OpenBao >= 2.6 denies; Vault's order would allow."""
    text = 'path "kv/a/*" { capabilities = ["list"] }\npath "kv/a/b/*" { capabilities = ["deny"] }\n'
    token = _world(openbao, "advisory", text)
    assert openbao.request("LIST", "kv/a/b", token=token).status == 403
    assert evaluate_vault(text, "list", "kv/a/b", flavor="openbao").allowed is False
    assert evaluate_vault(text, "list", "kv/a/b", flavor="vault").allowed is True
    assert openbao.capabilities(token, ["kv/a/b/", "kv/a/b"]) == {
        "kv/a/b/": vault_capabilities(text, "kv/a/b/", flavor="openbao"),
        "kv/a/b": vault_capabilities(text, "kv/a/b", flavor="openbao"),
    } == {"kv/a/b/": ("deny",), "kv/a/b": ("list",)}


def test_expired_rules_take_no_part(openbao: OpenBao) -> None:
    text = (f'path "kv/a" {{ capabilities = ["read"]\n  expiration = "{_hour(-1)}" }}\n'
            f'path "kv/b" {{ capabilities = ["read"]\n  expiration = "{_hour(1)}" }}\n')
    token = _world(openbao, "expiry", text)
    server = {path: not openbao.request("GET", path, token=token).denied for path in ("kv/a", "kv/b")}
    ours = {path: evaluate_vault(text, "read", path, flavor="openbao").allowed
            for path in ("kv/a", "kv/b")}
    assert server == ours == {"kv/a": False, "kv/b": True}
    note = evaluate_vault(text, "read", "kv/a", flavor="openbao").explanation().notes
    assert any("expired at" in line for line in note)


MERGES = (
    'path "kv/a" { capabilities = ["read"]\n  capabilities = ["list"] }',
    'path "kv/a" { capabilities = ["read"]\n  policy = "deny"\n  policy = "write" }',
    'path "kv/a" { capabilities = ["list"]\n  expiration = "2100-01-01T00:00:00Z"\n'
    '  expiration = "2000-01-01T00:00:00Z" }',
    'path "kv/a" "ignored" { capabilities = ["read"] }',
    'path "kv/a" { capabilities = ["update"] }\npath "kv/a" { capabilities = ["deny"] }',
    'path "kv/a" { capabilities = ["list"]\n  expiration = "-1" }',
)


@pytest.mark.parametrize("text", MERGES)
def test_what_openbao_keeps_of_repeated_keys_and_labels(openbao: OpenBao, text: str) -> None:
    token = _world(openbao, f"merge-{MERGES.index(text)}", text)
    paths = ["kv/a", "kv/a/", "kv/ignored"]
    assert openbao.capabilities(token, paths) == {
        path: vault_capabilities(text, path, flavor="openbao") for path in paths}
