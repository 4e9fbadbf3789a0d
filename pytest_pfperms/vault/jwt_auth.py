"""Vault's JWT auth method logging in with Kubernetes service account tokens.

A ``vault_jwt_auth_backend_role`` whose backend trusts the cluster's service account
issuer (its OIDC discovery URL or keys) admits a pod by the claims of the token it
presents: ``bound_subject`` must equal ``sub`` (``system:serviceaccount:<ns>:<name>``),
every ``bound_claims`` entry must hold (a key starting with ``/`` is a JSON pointer into
the claims, ``/kubernetes.io/namespace``; any other key is a top-level claim; a list of
values matches any one; ``bound_claims_type = "glob"`` makes them globs), and the token's
``aud`` must be one of ``bound_audiences``.

What the sources cannot say is left unknown, never guessed: whether the backend trusts
this cluster's issuer, and which audience the pod's token carries (a projected token's
``audience`` is set in the pod spec). So a JWT role never certainly admits an account; it
either certainly does not (its subject or claims name someone else) or may, and then
what its policies grant is a "maybe", never a "cannot".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..model.identities import ServiceAccount
from ..values import Str, Symbol, Tri, and3, eq3, or3, show
from .kubernetes_auth import glob3

_UNKNOWN_CLAIM = object()
"""A claim every service account token has, whose value the sources do not show (a uid)."""


@dataclass(frozen=True, slots=True)
class VaultJwtRole:
    """A JWT auth role as it binds Kubernetes service account tokens."""

    name: str
    backend: str
    bound_subject: Str | None
    bound_claims: Mapping[str, tuple[Str, ...]] | Symbol
    glob_claims: Tri
    bound_audiences: tuple[Str, ...] | Symbol
    source: str

    @property
    def label(self) -> str:
        """``<backend>/<name>``: the auth mount and the role name."""
        return f"{self.backend}/{self.name}"

    def __str__(self) -> str:
        return f"JWT role {self.label}" + (f" ({self.source})" if self.source else "")

    def admits(self, account: ServiceAccount) -> tuple[Tri, list[str]]:
        """Whether a token of ``account`` may log in with the role, and what is unknown."""
        subject: Str = f"system:serviceaccount:{account.namespace}:{account.name}" \
            if isinstance(account.namespace, str) and isinstance(account.name, str) else \
            Symbol(key=f"sub of {account}", reason="the account's name is unknown")
        claims = _token_claims(account, subject)
        results: list[Tri] = []
        why: list[str] = []
        if self.bound_subject is not None:
            same = eq3(self.bound_subject, subject)
            results.append(same)
            if same is False:
                return False, [f"bound_subject {show(self.bound_subject)} is not {show(subject)}"]
        if isinstance(self.bound_claims, Symbol):
            results.append(None)
            why.append(f"its bound_claims are unknown ({self.bound_claims})")
        else:
            for key, values in self.bound_claims.items():
                held = _claim(claims, key)
                if held is None:
                    return False, [f"the token has no claim {key!r}"]
                if held is _UNKNOWN_CLAIM:
                    results.append(None)
                    why.append(f"claim {key!r} is not known from the sources")
                    continue
                if not isinstance(held, (str, Symbol)):
                    return False, [f"claim {key!r} is an object, not a string"]
                matched = or3(self._value_matches(value, held) for value in values)
                if matched is False:
                    return False, [f"claim {key!r} is {show(held)}, not one of {show(list(values))}"]
                results.append(matched)
        results.append(None)
        why.append(f"whether the pod's token carries an audience of bound_audiences "
                   f"{show(self.bound_audiences)} (set in its pod spec) and whether the backend "
                   "trusts this cluster's service account issuer are not known from the sources")
        return and3(results), why

    def _value_matches(self, pattern: Str, value: Str) -> Tri:
        if self.glob_claims is False or not isinstance(pattern, str) or "*" not in pattern:
            return eq3(pattern, value)
        return None if self.glob_claims is None else glob3(pattern, value)


def _token_claims(account: ServiceAccount, subject: Str) -> dict[str, object]:
    """The claims of a projected service account token, as far as the sources know them."""
    return {"sub": subject, "iss": _UNKNOWN_CLAIM, "aud": _UNKNOWN_CLAIM, "exp": _UNKNOWN_CLAIM,
            "iat": _UNKNOWN_CLAIM, "nbf": _UNKNOWN_CLAIM, "jti": _UNKNOWN_CLAIM,
            "kubernetes.io": {"namespace": account.namespace,
                              "serviceaccount": {"name": account.name, "uid": _UNKNOWN_CLAIM},
                              "pod": _UNKNOWN_CLAIM, "node": _UNKNOWN_CLAIM}}


def _claim(claims: Mapping[str, object], key: str) -> object:
    """A claim by Vault's rule: a JSON pointer when the key starts with ``/``; None: absent."""
    if not key.startswith("/"):
        return claims.get(key)
    value: object = claims
    for part in key[1:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if value is _UNKNOWN_CLAIM:
            return _UNKNOWN_CLAIM
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


__all__ = ["VaultJwtRole"]
