"""What a Kubernetes service account can do in Vault through the Kubernetes auth method.

:class:`VaultAccess` reads the Vault resources a load collected: ``vault_policy``
(its ``policy`` text from a heredoc, ``file()`` or ``data.vault_policy_document.x.hcl``),
``data.vault_policy_document`` (for rule line numbers) and
``vault_kubernetes_auth_backend_role``. :meth:`VaultAccess.can` answers with
:func:`~.vault_auth.vault_decision`: the union over every role the service account
may log in with (names and namespaces are globs, names may be symbols), each role's
token carrying ``token_policies`` plus ``default`` unless ``token_no_default_policy``.
A policy a role names but the sources do not define grants nothing, and the
explanation says so. ``flavor`` (``"vault"``, the default, or ``"openbao"``) is the
server the policies are written to: it decides which capabilities and keys a
policy may hold and the LIST order (see :mod:`.vault`); it is the
``vault_flavor`` of :class:`~pytest_pfperms.query.model.Model`.

Where the sources leave a role's outcome open, the answer is unknown rather than a
guess: a policy whose text is known only after apply (a ``vault_policy_document``
with symbolic paths), a role whose ``token_policies`` or ``token_no_default_policy``
is unknown, a role or policy that may not exist (``count`` on an unknown value).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import LoadError
from ..model.decision import Decision, Explanation
from ..model.identities import ServiceAccount
from ..model.objects import CloudResource, KubeObject
from ..values import (
    Str,
    StrList,
    Symbol,
    Tri,
    or3,
    show,
)
from .acl import parse_request
from .jwt_auth import VaultJwtRole
from .kubernetes_auth import (
    VaultKubernetesRole,
    VaultLogin,
    roles_for_service_account,
    vault_decision,
)
from .policy_parsing import (
    VaultFlavor,
    VaultPolicy,
    parse_vault_policy,
    validate_flavor,
)

__all__ = ["VaultAccess"]


def _name(value: object) -> str:
    """A policy or role name as a string; a symbol by its key, so that every use of it gives
    the same string (a template symbol as its template text, ``apps-${random_id.x.hex}``)."""
    if isinstance(value, Symbol):
        key = value.key
        return key[1:-1] if len(key) > 1 and key[0] == key[-1] == '"' else f"${{{key}}}"
    return value if isinstance(value, str) else ""


def _string(value: str | Symbol | bool | int | float) -> str | Symbol:
    """A set-of-strings item as Terraform converts it: bools as true/false, numbers without
    a trailing ``.0``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, (str, Symbol)) else str(value)


def _takes_tokens(resource: CloudResource) -> bool:
    """Whether a JWT auth role logs in with a token: ``role_type = "jwt"`` (maybe, when
    unknown); the default, ``"oidc"``, is a browser flow and takes none."""
    role_type = resource.values.get("role_type")
    return role_type == "jwt" or isinstance(role_type, Symbol)


def _split(value: object) -> tuple[Str, ...]:
    """A ``bound_claims`` value: one value or several, comma-separated (as the provider sends it)."""
    if isinstance(value, Symbol):
        return (value,)
    if isinstance(value, (list, tuple)):
        return tuple(item for item in value if isinstance(item, (str, Symbol)))
    return tuple(part.strip() for part in str(value).split(","))


def _where(resource: CloudResource) -> str:
    return f"{resource.source.path}:{resource.source.line}"


@dataclass
class _Role:
    """A Kubernetes auth role and what keeps its outcome open, if anything: ``tokens_open``
    when the policy set of its tokens is unknown, ``may_not_exist`` when it may not exist."""

    role: VaultKubernetesRole
    resource: CloudResource
    open: list[str] = field(default_factory=list)
    unknowns: list[Symbol] = field(default_factory=list)
    tokens_open: bool = False
    may_not_exist: bool = False


class VaultAccess:
    """Vault answers for service accounts, from a load's Vault resources."""

    def __init__(self, resources: Iterable[CloudResource],
                 namespaces: Iterable[KubeObject] = (), *, flavor: VaultFlavor = "vault") -> None:
        self.flavor = validate_flavor(flavor)
        self.resources = tuple(resources)
        self._labels: dict[Str, dict[str, str]] = {}
        for obj in namespaces:
            if obj.kind == "Namespace" and all(isinstance(v, str) for v in obj.labels.values()):
                self._labels[obj.name] = {k: str(v) for k, v in obj.labels.items()}
        documents = [r for r in self.resources if r.type == "data.vault_policy_document"]
        self.policies: dict[str, VaultPolicy] = {}
        self.unknown_policies: dict[str, tuple[CloudResource, Symbol]] = {}
        for resource in self.resources:
            if resource.type == "vault_policy":
                self._add_policy(resource, documents)
        self.roles = [self._role(r) for r in self.resources
                      if r.type == "vault_kubernetes_auth_backend_role"]
        self._stand_ins: dict[tuple[str, ServiceAccount], _Role] = {}
        self.jwt_roles = [(self._jwt_role(r), r) for r in self.resources
                          if r.type == "vault_jwt_auth_backend_role" and _takes_tokens(r)]

    # -- reading -----------------------------------------------------------------------------

    def _add_policy(self, resource: CloudResource, documents: Sequence[CloudResource]) -> None:
        name = _name(resource.values.get("name")).strip().lower()
        text = resource.values.get("policy")
        if not name:
            return
        if resource.condition is not None:
            self.unknown_policies[name] = (resource, resource.condition)
            return
        if not isinstance(text, str):
            symbol = text if isinstance(text, Symbol) else Symbol(
                key=f"{resource.address}.policy", reason="the policy text is not set")
            self.unknown_policies[name] = (resource, symbol)
            return
        self.policies[name] = _parse(text, name, resource, documents, self.flavor)

    def _role(self, resource: CloudResource, binds: tuple[Str, Str] | None = None) -> _Role:
        """A Kubernetes auth role; with ``binds`` (an account's name and namespace), a JWT
        role's stand-in admitting just that account, so its policies evaluate the same way."""
        values = resource.values
        opened: list[str] = []
        unknowns: list[Symbol] = []

        def str_list(key: str) -> StrList:
            value = values.get(key)
            if value is None:
                return ()
            if isinstance(value, Symbol):
                return value
            if not isinstance(value, (list, tuple)) or not all(
                    isinstance(item, (str, Symbol, bool, int, float)) for item in value):
                shown = "a list holding a value that is no string" if isinstance(value, (list, tuple)) \
                    else f"the string {value[:40]!r}" if isinstance(value, str) \
                    else "an object" if isinstance(value, dict) else "a number or a bool"
                raise LoadError.single(resource.source.path, resource.source.line or None,
                                       f"{resource.address}: {key} must be a set of strings, not {shown}",
                                       key)
            return tuple(_string(item) for item in value)

        policies_value = str_list("token_policies" if values.get("token_policies") is not None
                                  else "policies")
        policies: tuple[str, ...] = ()
        if isinstance(policies_value, Symbol):
            opened.append(f"its token_policies are unknown ({policies_value})")
            unknowns.append(policies_value)
        elif policies_value is not None:
            policies = tuple(_name(p) for p in policies_value if _name(p))
        no_default = values.get("token_no_default_policy")
        if isinstance(no_default, Symbol):
            opened.append(f"whether its token carries the default policy is unknown ({no_default})")
            unknowns.append(no_default)
            no_default = False
        if resource.condition is not None:
            opened.append(f"it may not exist ({resource.condition})")
            unknowns.append(resource.condition)
        audience = values.get("audience")
        selector = values.get("bound_service_account_namespace_selector")
        role = VaultKubernetesRole(
            name=_name(values.get("role_name")) or resource.address,
            bound_service_account_names=str_list("bound_service_account_names") if binds is None
            else (binds[0],),
            bound_service_account_namespaces=str_list("bound_service_account_namespaces")
            if binds is None else (binds[1],),
            token_policies=policies,
            token_no_default_policy=bool(no_default),
            source=str(resource.source),
            audience=_name(audience) or None,
            bound_service_account_namespace_selector=selector if isinstance(selector, str) else "",
            backend=_name(values.get("backend")) or ("kubernetes" if binds is None else "jwt"),
        )
        return _Role(role, resource, opened, unknowns,
                     tokens_open=isinstance(policies_value, Symbol) or isinstance(
                         values.get("token_no_default_policy"), Symbol),
                     may_not_exist=resource.condition is not None)

    def _stand_in(self, resource: CloudResource, account: ServiceAccount) -> _Role:
        """A JWT role's Kubernetes-auth stand-in for one account (made once per account)."""
        key = (resource.address, account)
        found = self._stand_ins.get(key)
        if found is None:
            found = self._stand_ins[key] = self._role(resource, (account.name, account.namespace))
        return found

    def _jwt_role(self, resource: CloudResource) -> VaultJwtRole:
        """A JWT auth role as it binds Kubernetes service account tokens."""
        values = resource.values
        claims_value = values.get("bound_claims")
        claims: dict[str, tuple[Str, ...]] | Symbol
        if isinstance(claims_value, Symbol):
            claims = claims_value
        elif isinstance(claims_value, dict):  # the provider splits each value at commas
            claims = {str(key): _split(value) for key, value in claims_value.items()}
        else:
            claims = {}
        kind = values.get("bound_claims_type")
        audiences = values.get("bound_audiences")
        subject = values.get("bound_subject")
        return VaultJwtRole(
            name=_name(values.get("role_name")) or resource.address,
            backend=_name(values.get("backend")) or "jwt",
            bound_subject=subject if isinstance(subject, (str, Symbol)) and subject != "" else None,
            bound_claims=claims,
            glob_claims=None if isinstance(kind, Symbol) else kind == "glob",
            bound_audiences=audiences if isinstance(audiences, Symbol) else tuple(
                _string(a) for a in audiences or () if isinstance(a, (str, Symbol))),
            source=str(resource.source))

    # -- the question ------------------------------------------------------------------------

    def can(self, account: ServiceAccount, capability: str, path: str, *,
            subject: object = None, notes: Sequence[str] = ()) -> Decision:
        """Whether ``account``, logging in through Kubernetes auth, may do ``capability`` on ``path``."""
        labels = self._labels.get(account.namespace) if isinstance(account.namespace, str) else None
        settled = [r for r in self.roles if not r.open and not self._unknown_policies(r)]
        unsettled = [r for r in self.roles if r.open or self._unknown_policies(r)]
        decision = vault_decision([r.role for r in settled], self.policies, account.namespace,
                                  account.name, capability, path, namespace_labels=labels,
                                  flavor=self.flavor)
        extra: list[tuple[str, Tri, list[str], list[Symbol]]] = []
        candidates: list[tuple[str, _Role, list[str]]] = []
        for entry in unsettled:
            if roles_for_service_account([entry.role], account.namespace, account.name,
                                         namespace_labels=labels):
                candidates.append((str(entry.role), entry, []))
        for jwt, resource in self.jwt_roles:
            admitted, why = jwt.admits(account)
            if admitted is not False:
                candidates.append((str(jwt), self._stand_in(resource, account), why))
        for label, entry, why in candidates:
            own = vault_decision([entry.role], self.policies, account.namespace, account.name,
                                 capability, path, namespace_labels=labels, flavor=self.flavor)
            unknown_policies = self._unknown_policies(entry)
            reasons = [*why, *entry.open]
            symbols = [*entry.unknowns]
            if why:  # a JWT role: it may admit the account, never certainly
                symbols.append(Symbol(key=f"{label} admits {account}", source=entry.role.source,
                                      reason="; ".join(why)))
            for name, (resource, symbol) in unknown_policies.items():
                reasons.append(f'policy "{name}" ({resource.address}, {_where(resource)}) is '
                               f"known only after apply ({symbol})")
                symbols.append(symbol)
            if own.allowed is False and not unknown_policies and not entry.tokens_open:
                continue  # it may not exist, but even if it does it grants nothing
            extra.append((label, None, reasons, symbols))
        allowed = or3([decision.allowed, *(value for _, value, _, _ in extra)])
        ask = parse_request(capability, path, self.flavor)
        login = VaultLogin(account.namespace, account.name)

        def explain(_: Decision) -> Explanation:
            evidence = decision.explanation()
            lines = list(evidence.lines) if settled or not (self.roles or extra) else []
            unknowns = list(evidence.unknowns)
            if not self.roles and not extra:
                lines = ["no Vault Kubernetes auth roles are defined in the sources" + (
                    "" if not self.jwt_roles else ", and no JWT auth role may admit it and grant it")]
            elif not settled and not extra:
                lines = [f"no Vault Kubernetes auth role admits {show(account.namespace)}/"
                         f"{show(account.name)} and grants it"]
            for label, _value, reasons, symbols in extra:
                lines.append(f"{label} may admit {show(account.namespace)}/{show(account.name)} "
                             f"and grant it: " + "; ".join(reasons))
                unknowns += symbols
            return Explanation(tuple(lines), tuple({s.key: s for s in unknowns}.values()),
                               tuple(dict.fromkeys([*notes, *evidence.notes])))

        return Decision(allowed, subject or login, ask.request, explain)

    def _unknown_policies(self, entry: _Role) -> dict[str, tuple[CloudResource, Symbol]]:
        names = [n.strip().lower() for n in entry.role.token_policies]
        if not entry.role.token_no_default_policy:
            names.append("default")
        return {n: self.unknown_policies[n] for n in names if n in self.unknown_policies}

    def roles_for(self, account: ServiceAccount) -> list[tuple[VaultKubernetesRole, Tri]]:
        """The roles ``account`` may log in with (True, or None when unknown)."""
        labels = self._labels.get(account.namespace) if isinstance(account.namespace, str) else None
        return roles_for_service_account([r.role for r in self.roles], account.namespace,
                                         account.name, namespace_labels=labels)


# --------------------------------------------------------------------------- policy text and lines


def _parse(text: str, name: str, resource: CloudResource,
           documents: Sequence[CloudResource], flavor: VaultFlavor) -> VaultPolicy:
    """Parse a policy's text, citing the file lines its rules were written on when they can
    be found: the ``rule`` blocks of the ``data.vault_policy_document`` that rendered it, or
    the heredoc in the resource's own file; else lines of the text itself."""
    for document in documents:
        if document.values.get("hcl") == text:
            policy = parse_vault_policy(text, name, source=_where(resource), flavor=flavor)
            lines = _rule_block_lines(document)
            if lines is not None and len(lines) == len(policy.rules):
                path = document.source.path
                rules = tuple(dataclasses.replace(rule, line=line, source=f"{path}:{line}")
                              for rule, line in zip(policy.rules, lines, strict=True))
                return dataclasses.replace(policy, rules=rules)
            return policy
    file, start = resource.source.path, _heredoc_line(resource, text)
    if start is None:
        file, start = _read_from(resource, text) or (file, None)
    try:
        if start is not None:
            return parse_vault_policy(text, name, file=file, line=start, source=_where(resource),
                                      flavor=flavor)
        return parse_vault_policy(text, name, source=_where(resource), flavor=flavor)
    except LoadError as error:
        if start is not None:
            raise
        raise LoadError([dataclasses.replace(problem, file=resource.source.path,
                                             field=f"{resource.address} policy, line {problem.line}",
                                             line=resource.source.line)
                         for problem in error.problems]) from None


def _file_lines(path: str) -> list[str] | None:
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None


_TOP_LEVEL = re.compile(r"(resource|data|module|locals|variable|output|provider|terraform)\b")
_FILE_CALL = re.compile(r'file\(\s*"([^"]+)"\s*\)')


def _block_lines(resource: CloudResource) -> list[tuple[int, str]]:
    """The lines of the resource's block: from its line to the next top-level block."""
    lines = _file_lines(resource.source.path) or []
    found: list[tuple[int, str]] = []
    for number in range(resource.source.line, len(lines) + 1):
        text = lines[number - 1]
        if number > resource.source.line and _TOP_LEVEL.match(text):
            break
        found.append((number, text))
    return found


def _heredoc_line(resource: CloudResource, text: str) -> int | None:
    """The file line where the policy text starts, when it is written inline in the resource."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), None)
    if first is None:
        return None
    offset = next(i for i, line in enumerate(text.splitlines()) if line.strip())
    for number, line in _block_lines(resource):
        if line.strip() == first:
            return number - offset
    return None


def _read_from(resource: CloudResource, text: str) -> tuple[str, int] | None:
    """The file a ``policy = file("...")`` read the text from, when it holds exactly that text."""
    directory = Path(resource.source.path).parent
    for _, line in _block_lines(resource):
        for written in _FILE_CALL.findall(line):
            for variable in ("${path.module}", "${path.root}", "${path.cwd}"):
                written = written.replace(variable, str(directory))
            path = directory / written
            try:
                if path.read_text(encoding="utf-8") == text:
                    return str(path), 1
            except (OSError, UnicodeDecodeError):
                continue
    return None


def _rule_block_lines(document: CloudResource) -> list[int] | None:
    """The lines of the ``rule`` blocks of a data source, when they are all static."""
    lines = _file_lines(document.source.path)
    if lines is None:
        return None
    found: list[int] = []
    depth = 0
    for number in range(document.source.line, len(lines) + 1):
        text = lines[number - 1].split("#", 1)[0]
        stripped = text.strip()
        if depth == 1 and stripped.startswith("dynamic"):
            return None
        if depth == 1 and stripped.startswith("rule") and stripped[4:].strip().startswith("{"):
            found.append(number)
        depth += text.count("{") - text.count("}")
        if depth <= 0 and number > document.source.line:
            break
    return found
