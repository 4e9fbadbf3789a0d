"""The built-in Vault policies, PF-VAULT-001 ... PF-VAULT-003: Kubernetes-auth questions asked of
every service account the sources mention (``Model.vault_can``: roles, policies, precedence)."""

from __future__ import annotations

import weakref

from ...model.decision import Decision
from ...model.identities import ServiceAccount
from ...query.model import Model
from ...vault.acl import evaluate_vault, path_inside
from ..evaluation import Finding, decision_finding
from .probing import subjects
from .registry import Builtin, register

ANY_PATH = "pfperms-probe-mount/pfperms/probe"
"""A path no policy names: only ``path "*"`` (or ``+``/``*`` patterns as wide) covers it."""
CAPABILITIES = ("create", "read", "update", "delete", "list")
SYS_PATHS = (
    "sys/policies/acl/pfperms-probe",
    "sys/policy/pfperms-probe",
    "sys/auth/pfperms-probe",
    "sys/mounts/pfperms-probe",
    "sys/audit/pfperms-probe",
    "sys/seal",
    "sys/pfperms-probe",
)
DEFAULT_POLICY_KEY = "vault policy default"
"""The symbol of Vault's built-in default policy when the sources do not define it."""
Result = tuple[list[Finding], int]
_PATHS: weakref.WeakKeyDictionary[Model, list[str]] = weakref.WeakKeyDictionary()


def concrete_paths(model: Model) -> list[str]:
    """A path inside each rule of the model's Vault policies (``*`` and ``+`` filled in)."""
    cached = _PATHS.get(model)
    if cached is None:
        found: dict[str, None] = {}
        for policy in model.vault_access.policies.values():
            for rule in policy.rules:
                found[path_inside(rule.path)] = None
        cached = list(found)
        _PATHS[model] = cached
    return cached


def _ask(model: Model, requests: list[tuple[str, str]]) -> Result:
    found: list[Finding] = []
    checked = 0
    if not model.vault_access.roles:
        return found, checked
    for subject in subjects(model):
        if not isinstance(subject.who, ServiceAccount):
            continue
        for capability, path in requests:
            checked += 1
            decision = model.vault_can(subject.who, capability, path)
            if decision.allowed is None and _only_the_default_policy(decision) and \
                    not _sources_grant(model, subject.who, capability, path):
                continue  # the sources grant it not; only Vault's own default policy (not written here) might
            if decision.allowed is not False:
                found.append(decision_finding(subject, decision, "cannot"))
                break
    return found, checked


def _only_the_default_policy(decision: Decision) -> bool:
    """Whether an unknown answer hangs on Vault's built-in default policy alone."""
    unknowns = decision.explanation().unknowns
    return bool(unknowns) and all(symbol.key == DEFAULT_POLICY_KEY for symbol in unknowns)


def _sources_grant(model: Model, account: ServiceAccount, capability: str, path: str) -> bool:
    """Whether the policies the sources write, on a role the account may log in with, grant it."""
    access = model.vault_access
    for role, _may in access.roles_for(account):
        names = [name.strip().lower() for name in role.token_policies]
        policies = [access.policies[name] for name in names if name in access.policies]
        if policies and evaluate_vault(policies, capability, path).allowed is True:
            return True
    return False


def _any_path(model: Model) -> Result:
    return _ask(model, [(capability, ANY_PATH) for capability in CAPABILITIES])


def _sudo(model: Model) -> Result:
    return _ask(model, [("sudo", path) for path in [*concrete_paths(model), *SYS_PATHS]])


def _sys_writes(model: Model) -> Result:
    paths = [p for p in concrete_paths(model) if p.startswith("sys/")] + list(SYS_PATHS)
    return _ask(
        model,
        [
            (capability, path)
            for path in dict.fromkeys(paths)
            for capability in ("create", "update", "delete")
        ],
    )


VAULT = [
    register(builtin)
    for builtin in (
        Builtin(
            "PF-VAULT-001",
            'Vault policies on path "*"',
            'path "*" covers every secret engine, auth method and sys/ endpoint: the token is close to root.',
            "Write one path block per secret path the workload reads.",
            _any_path,
        ),
        Builtin(
            "PF-VAULT-002",
            "Vault sudo capability",
            "sudo opens root-protected endpoints (sys/raw, sys/rotate, revoking others' leases and tokens).",
            "Remove sudo from workload policies; keep it for operators.",
            _sudo,
        ),
        Builtin(
            "PF-VAULT-003",
            "Vault sys/ writes",
            "Writing under sys/ changes policies, auth methods, mounts and audit devices: a workload could "
            "grant itself anything or turn audit off.",
            "Give workloads read on their own secret paths only; manage sys/ from Terraform.",
            _sys_writes,
        ),
    )
]


only_the_default_policy = _only_the_default_policy
"""Public name of the test: an unknown Vault answer that hangs on the built-in default policy alone."""
