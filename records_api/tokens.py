"""Bearer-token verification: RS256 JWTs against an issuer's JWKS.

Only RS256 is accepted, whatever the token's header claims (so no `alg: none`, no HS256 signed with
the public key, no algorithm switching); the key is chosen by `kid` from the configured key set only
(`jku`, `jwk` and `x5u` headers are ignored); `exp`, `iat`, `iss`, `aud` and `sub` are required, and
`nbf` is checked whenever present, all with a small leeway. Every failure is the same
AuthenticationError: the reason goes to the logs, never to the client.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import jwt
from jwt import PyJWK, PyJWKClient, PyJWKSet

from records_api.enums import Role
from records_api.errors import AuthenticationError, PermissionDeniedError, ServiceUnavailableError

ALGORITHM = "RS256"
REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "sub")


@dataclass(frozen=True)
class Principal:
    """Who asks, and from where: `client_address` is the address lock-outs and audit rows use;
    `via_service` names the service that attested it (None: the peer or a trusted proxy's)."""

    subject: str
    role: Role
    client_address: str
    via_service: str | None = None


@dataclass(frozen=True)
class VerifiedClaims:
    subject: str
    role: Role


class KeySource(Protocol):
    def signing_key(self, kid: str) -> PyJWK: ...


class StaticKeySource:
    """A key set held in memory (the dev identity provider's own keys)."""

    def __init__(self, jwks: Mapping[str, Any]) -> None:
        self._keys = {key.key_id: key for key in PyJWKSet.from_dict(dict(jwks)).keys if key.key_id}

    def signing_key(self, kid: str) -> PyJWK:
        key = self._keys.get(kid)
        if key is None:
            raise AuthenticationError(f"unknown kid {kid[:40]!r}")
        return key


class JwksUrlKeySource:
    """An issuer's published JWKS, fetched with a timeout, cached, refreshed on an unknown kid
    at most once per cooldown period (so random kids cannot make us hammer the issuer)."""

    def __init__(self, url: str, timeout_seconds: float, cache_seconds: int) -> None:
        self._client = PyJWKClient(
            url,
            cache_jwk_set=True,
            lifespan=cache_seconds,
            timeout=timeout_seconds,
            cooldown_duration=30,
        )

    def signing_key(self, kid: str) -> PyJWK:
        try:
            return self._client.get_signing_key(kid)
        except jwt.PyJWKClientConnectionError as exc:
            raise ServiceUnavailableError("the issuer's JWKS is unreachable") from exc
        except jwt.PyJWKClientError as exc:
            raise AuthenticationError(f"no signing key for kid {kid[:40]!r}") from exc


def _claim(claims: Mapping[str, Any], path: str) -> Any:
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def role_from_claim(value: Any) -> Role:
    """A role from a string claim, or from a list holding exactly one known role."""
    known = {r.value for r in Role}
    candidates = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    roles = {c for c in candidates if isinstance(c, str) and c in known}
    if len(roles) != 1:
        raise PermissionDeniedError("token carries no single known role")
    return Role(roles.pop())


class TokenVerifier:
    def __init__(
        self,
        keys: KeySource,
        issuer: str,
        audience: str,
        leeway_seconds: int = 30,
        role_claim: str = "role",
    ) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_seconds
        self._role_claim = role_claim

    def verify(self, token: str) -> VerifiedClaims:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise AuthenticationError("malformed token") from exc
        if header.get("alg") != ALGORITHM:
            raise AuthenticationError(f"algorithm {str(header.get('alg'))[:20]!r} refused")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid or len(kid) > 200:
            raise AuthenticationError("token has no usable kid")
        key = self._keys.signing_key(kid)
        if key.key_type != "RSA" or (key.algorithm_name not in (ALGORITHM, None)):
            raise AuthenticationError("key is not an RS256 key")
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": list(REQUIRED_CLAIMS), "verify_signature": True},
            )
        except jwt.PyJWTError as exc:
            raise AuthenticationError(f"token refused: {type(exc).__name__}") from exc
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject.isprintable() or not 0 < len(subject) <= 255:
            raise AuthenticationError("token has no usable subject")
        return VerifiedClaims(subject=subject, role=role_from_claim(_claim(claims, self._role_claim)))
