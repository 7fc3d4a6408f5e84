"""Bearer-token verification shared by the records service and the bot: RS256 JWTs against an issuer's JWKS.

Only RS256 is accepted, whatever the token's header claims (so no `alg: none`, no HS256 signed with
the public key, no algorithm switching); the key is chosen by `kid` from the configured key set only
(`jku`, `jwk` and `x5u` headers are ignored); `exp`, `iat`, `iss`, `aud` and `sub` are required, and
`nbf` is checked whenever present, all with a small leeway. A verifier given `max_lifetime_seconds`
also refuses a token that was issued for longer than that (`exp - iat`) or that expires further than
that from now (a token minted with `exp` far in the future is a key that never expires).

`Role` is every role an askcity token may carry. Each service passes the roles it serves
(`TokenVerifier(roles=...)`): a token whose role claim holds no single one of them is a
`TokenRoleError` (the records service serves no `editor`; the bot serves them all and decides per
route); it names the token's subject and the role it does carry, so the refusal can be audited.
Every other failure is an `InvalidTokenError` whose text is for the logs, never for a client; an
unreachable JWKS is a `KeySetUnavailableError`.

`verify_id_token` checks an OpenID Connect ID token with the same rules, for another audience (the
client id), plus its `nonce`; it needs no role.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

import jwt
from jwt import PyJWK, PyJWKClient, PyJWKSet

from trust.errors import InvalidTokenError, KeySetUnavailableError, TokenRoleError

ALGORITHM = "RS256"
REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "sub")
MAX_NAME_CHARS = 200
# An access token issued for longer than this (`exp - iat`), or expiring further than this from now, is
# refused by both services by default: a stolen token must not work for days (an identity provider's
# are minutes to hours).
DEFAULT_MAX_LIFETIME_SECONDS = 12 * 3600


class Role(StrEnum):
    """Every role an askcity token may carry; a service serves a subset."""

    RESIDENT = "resident"
    AGENT = "agent"
    EDITOR = "editor"
    SUPERVISOR = "supervisor"


@dataclass(frozen=True)
class VerifiedClaims:
    """What a verified access token says. `name` is for display only (`name` or `preferred_username`)."""

    subject: str
    role: Role
    expires_at: int = 0
    name: str | None = None


@dataclass(frozen=True)
class IdentityClaims:
    """What a verified OpenID Connect ID token says."""

    subject: str
    expires_at: int
    name: str | None = None


class KeySource(Protocol):
    def signing_key(self, kid: str) -> PyJWK: ...


class StaticKeySource:
    """A key set held in memory (the dev identity provider's own keys)."""

    def __init__(self, jwks: Mapping[str, Any]) -> None:
        self._keys = {key.key_id: key for key in PyJWKSet.from_dict(dict(jwks)).keys if key.key_id}

    def signing_key(self, kid: str) -> PyJWK:
        key = self._keys.get(kid)
        if key is None:
            raise InvalidTokenError(f"unknown kid {kid[:40]!r}")
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
            raise KeySetUnavailableError("the issuer's JWKS is unreachable") from exc
        except jwt.PyJWKClientError as exc:
            raise InvalidTokenError(f"no signing key for kid {kid[:40]!r}") from exc


def claim_at(claims: Mapping[str, Any], path: str) -> Any:
    """The claim at a dotted path (`realm_access.roles`), or None."""
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def role_from_claim(value: Any, roles: Collection[Role] = tuple(Role)) -> Role:
    """A role from a string claim, or from a list holding exactly one of `roles`."""
    served = {r.value for r in roles}
    candidates = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    found = {c for c in candidates if isinstance(c, str) and c in served}
    if len(found) != 1:
        raise TokenRoleError("token carries no single role this service serves")
    return Role(found.pop())


def _named_role(value: Any) -> str | None:
    """The one askcity role a role claim names (`editor`), or None when it names none or several."""
    try:
        return role_from_claim(value).value
    except TokenRoleError:
        return None


def _display_name(claims: Mapping[str, Any]) -> str | None:
    for member in ("name", "preferred_username"):
        value = claims.get(member)
        if isinstance(value, str) and value.strip() and value.isprintable():
            return value.strip()[:MAX_NAME_CHARS]
    return None


class TokenVerifier:
    def __init__(
        self,
        keys: KeySource,
        issuer: str,
        audience: str,
        leeway_seconds: int = 30,
        role_claim: str = "role",
        roles: Collection[Role] = tuple(Role),
        max_lifetime_seconds: int | None = None,
    ) -> None:
        if max_lifetime_seconds is not None and max_lifetime_seconds <= 0:
            raise ValueError("max_lifetime_seconds must be positive")
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_seconds
        self._role_claim = role_claim
        self._roles = tuple(roles)
        self._max_lifetime = max_lifetime_seconds

    def verify(self, token: str) -> VerifiedClaims:
        """An access token: signature, issuer, our audience, times, subject and one served role."""
        claims = self._decode(token, self._audience)
        claimed = claim_at(claims, self._role_claim)
        try:
            role = role_from_claim(claimed, self._roles)
        except TokenRoleError as exc:
            raise TokenRoleError(str(exc), subject=claims["sub"], role=_named_role(claimed)) from None
        return VerifiedClaims(
            subject=claims["sub"],
            role=role,
            expires_at=int(claims["exp"]),
            name=_display_name(claims),
        )

    def verify_id_token(self, token: str, *, audience: str, nonce: str) -> IdentityClaims:
        """An OpenID Connect ID token for client `audience`, bound to the login by `nonce`."""
        claims = self._decode(token, audience)
        given = claims.get("nonce")
        if not isinstance(given, str) or not hmac.compare_digest(given.encode(), nonce.encode()):
            raise InvalidTokenError("ID token nonce does not match the login")
        return IdentityClaims(
            subject=claims["sub"], expires_at=int(claims["exp"]), name=_display_name(claims)
        )

    def _decode(self, token: str, audience: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidTokenError("malformed token") from exc
        if header.get("alg") != ALGORITHM:
            raise InvalidTokenError(f"algorithm {str(header.get('alg'))[:20]!r} refused")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid or len(kid) > 200:
            raise InvalidTokenError("token has no usable kid")
        key = self._keys.signing_key(kid)
        if key.key_type != "RSA" or (key.algorithm_name not in (ALGORITHM, None)):
            raise InvalidTokenError("key is not an RS256 key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[ALGORITHM],
                audience=audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": list(REQUIRED_CLAIMS), "verify_signature": True},
            )
        except jwt.PyJWTError as exc:
            raise InvalidTokenError(f"token refused: {type(exc).__name__}") from exc
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject.isprintable() or not 0 < len(subject) <= 255:
            raise InvalidTokenError("token has no usable subject")
        if not isinstance(claims.get("exp"), int | float):
            raise InvalidTokenError("token has no usable exp")
        self._check_lifetime(claims)
        return claims

    def _check_lifetime(self, claims: Mapping[str, Any]) -> None:
        """At most `max_lifetime_seconds` from `iat` to `exp`, and from now to `exp` (with the leeway)."""
        if self._max_lifetime is None:
            return
        issued, expires = claims.get("iat"), claims["exp"]
        if not isinstance(issued, int | float):
            raise InvalidTokenError("token has no usable iat")
        if expires - issued > self._max_lifetime:
            raise InvalidTokenError(f"token lifetime over the maximum of {self._max_lifetime}s")
        if expires - time.time() > self._max_lifetime + self._leeway:
            raise InvalidTokenError(f"token expires more than {self._max_lifetime}s from now")
