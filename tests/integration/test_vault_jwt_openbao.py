"""Vault JWT auth roles over Kubernetes service account tokens, against a real OpenBao.

The dev server signs tokens itself: a transit key (RSA, PKCS#1 v1.5 over SHA-256, which is
RS256) signs each token and its public key is the JWT backend's validation key, so no
crypto library is needed. Hypothesis draws roles (``bound_subject``; ``bound_claims`` with
JSON pointers into the ``kubernetes.io`` claims or top-level keys, exact or globs) and
service accounts; each token carries the claims a projected service account token has,
with the audience and issuer the backend wants. The server's login must succeed exactly
when :meth:`VaultJwtRole.admits` does not say False (it says "maybe" at best: the audience
and issuer are not known from Terraform sources, and here they are set to match).
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openbao_support import OpenBao

from pytest_pfperms import ServiceAccount
from pytest_pfperms.vault.jwt_auth import VaultJwtRole

ROLES = int(os.environ.get("PFPERMS_OPENBAO_JWT_WORLDS", "200"))
ISSUER = "https://oidc.example/id/C"
NAMES = ("app", "api", "ap")
NAMESPACES = ("apps", "web")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def signer(openbao: OpenBao) -> OpenBao:
    """The server with a transit signing key and a JWT backend at ``jwt/`` that trusts it."""
    openbao.ok("POST", "sys/mounts/transit-jwt", {"type": "transit"})
    openbao.ok("POST", "transit-jwt/keys/sa", {"type": "rsa-2048"})
    key = openbao.ok("GET", "transit-jwt/keys/sa")["data"]["keys"]["1"]["public_key"]
    openbao.ok("POST", "sys/auth/jwt", {"type": "jwt"})
    openbao.ok("POST", "auth/jwt/config", {"jwt_validation_pubkeys": [key], "bound_issuer": ISSUER})
    return openbao


def token_of(server: OpenBao, account: ServiceAccount) -> str:
    """A token as the kubelet projects it for a pod of ``account`` (audience "vault")."""
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": f"system:serviceaccount:{account.namespace}:{account.name}",
              "aud": ["vault"], "exp": now + 600, "iat": now, "nbf": now,
              "kubernetes.io": {"namespace": account.namespace,
                                "serviceaccount": {"name": account.name, "uid": "0f1e2d3c"},
                                "pod": {"name": "p-1", "uid": "4b5a6978"}}}
    head = _b64url(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
    body = _b64url(json.dumps(claims).encode())
    signing_input = f"{head}.{body}".encode()
    signed = server.ok("POST", "transit-jwt/sign/sa", {
        "input": base64.b64encode(signing_input).decode(), "hash_algorithm": "sha2-256",
        "signature_algorithm": "pkcs1v15"})["data"]["signature"]
    signature = base64.b64decode(signed.split(":", 2)[2])
    return f"{head}.{body}.{_b64url(signature)}"


CLAIM_KEYS = ("/kubernetes.io/namespace", "/kubernetes.io/serviceaccount/name", "sub",
              "kubernetes.io/namespace", "/kubernetes.io/missing")


@st.composite
def roles(draw: st.DrawFn) -> tuple[dict[str, object], VaultJwtRole]:
    """A role as the API takes it, and as the model reads it."""
    subject = draw(st.none() | st.sampled_from(
        [f"system:serviceaccount:{ns}:{n}" for ns in NAMESPACES for n in NAMES] + ["system:serviceaccount:apps:*"]))
    glob = draw(st.booleans())
    values = st.sampled_from([*NAMES, *NAMESPACES, "a*", "*", "ap*", "system:serviceaccount:apps:*",
                              "system:serviceaccount:*:app"])
    claims = draw(st.dictionaries(st.sampled_from(CLAIM_KEYS), st.lists(values, min_size=1, max_size=2),
                                  max_size=2))
    if subject is None and not claims:
        subject = "system:serviceaccount:apps:app"
    body: dict[str, object] = {"role_type": "jwt", "user_claim": "sub", "bound_audiences": ["vault"],
                               "token_policies": ["default"],
                               "bound_claims_type": "glob" if glob else "string"}
    if subject is not None:
        body["bound_subject"] = subject
    if claims:
        body["bound_claims"] = claims
    model = VaultJwtRole(name="r", backend="jwt", bound_subject=subject,
                         bound_claims={key: tuple(value) for key, value in claims.items()},
                         glob_claims=glob, bound_audiences=("vault",), source="")
    return body, model


def test_jwt_roles_admit_what_openbao_admits(signer: OpenBao, record_property: pytest.RecordProperty) -> None:
    tokens = {(ns, n): token_of(signer, ServiceAccount(ns, n)) for ns in NAMESPACES for n in NAMES}
    tally: Counter[str] = Counter()

    @settings(max_examples=ROLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(role=roles())
    def check(role: tuple[dict[str, object], VaultJwtRole]) -> None:
        body, model = role
        signer.ok("DELETE", "auth/jwt/role/r")  # a write to an existing role keeps what it omits
        signer.ok("POST", "auth/jwt/role/r", body)
        for (namespace, name), token in tokens.items():
            login = signer.request("POST", "auth/jwt/login", body={"role": "r", "jwt": token}, token="")
            admitted, why = model.admits(ServiceAccount(namespace, name))
            assert login.status in (200, 400, 403), login
            assert (login.status == 200) == (admitted is not False), (
                f"{namespace}/{name} with {body}: OpenBao {login.status} {login.body}, model {admitted} {why}")
            assert admitted is not True  # audience and issuer are never known from the sources
            tally["logins"] += 1
            tally["admitted"] += login.status == 200
        tally["roles"] += 1

    check()
    for key in ("roles", "logins", "admitted"):
        record_property(f"openbao_jwt_{key}", tally[key])
    assert tally["roles"] >= min(ROLES, 200) and 0 < tally["admitted"] < tally["logins"]


def test_a_role_without_role_type_takes_no_token(signer: OpenBao) -> None:
    # the model leaves such roles out (the default role_type is "oidc", a browser flow): pinned
    signer.ok("POST", "auth/jwt/role/untyped", {"user_claim": "sub", "bound_audiences": ["vault"],
                                                "bound_subject": "system:serviceaccount:apps:app",
                                                "allowed_redirect_uris": ["http://127.0.0.1:8250/callback"]})
    assert signer.ok("GET", "auth/jwt/role/untyped")["data"]["role_type"] == "oidc"
    login = signer.request("POST", "auth/jwt/login", token="",
                           body={"role": "untyped", "jwt": token_of(signer, ServiceAccount("apps", "app"))})
    assert login.status == 400, login
