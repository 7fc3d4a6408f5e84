"""Bearer tokens of the records service: the shared verifier (`trust.tokens`) with the records
service's roles and errors.

The rules live in `trust.tokens` (RS256 only, `kid` from the configured key set only, required
claims); this module only says which roles the records service serves (`SERVED_ROLES`: not `editor`)
and turns the shared errors into the records service's, so the HTTP mapping stays in
`records_api.api.errors`: an invalid token (also one issued for longer than
`ASKCITY_JWT_MAX_LIFETIME_SECONDS`) is a 401, a role it does not serve a 403 (`RoleNotServedError`,
which names the token's subject and role so the refusal is audited), an unreachable JWKS a 503. The
reason goes to the logs, never to the client.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from records_api.enums import SERVED_ROLES, Role
from records_api.errors import (
    AuthenticationError,
    PermissionDeniedError,
    RoleNotServedError,
    ServiceUnavailableError,
)
from trust import tokens as shared
from trust.errors import InvalidTokenError, KeySetUnavailableError, TokenRoleError
from trust.tokens import (
    ALGORITHM,
    REQUIRED_CLAIMS,
    JwksUrlKeySource,
    KeySource,
    StaticKeySource,
    VerifiedClaims,
)

__all__ = [
    "ALGORITHM",
    "REQUIRED_CLAIMS",
    "JwksUrlKeySource",
    "KeySource",
    "Principal",
    "StaticKeySource",
    "TokenVerifier",
    "VerifiedClaims",
    "role_from_claim",
]

# What an audit row names as the role of a token whose role claim names no askcity role, or several.
UNKNOWN_ROLE = "unknown"


@dataclass(frozen=True)
class Principal:
    """Who asks, and from where: `client_address` is the address lock-outs and audit rows use;
    `via_service` names the service that attested it (None: the peer or a trusted proxy's)."""

    subject: str
    role: Role
    client_address: str
    via_service: str | None = None


def role_from_claim(value: Any) -> Role:
    """A role the records service serves, from a string claim or a list holding exactly one."""
    try:
        return shared.role_from_claim(value, SERVED_ROLES)
    except TokenRoleError as exc:
        raise PermissionDeniedError(str(exc)) from exc


class TokenVerifier(shared.TokenVerifier):
    def __init__(
        self,
        keys: KeySource,
        issuer: str,
        audience: str,
        leeway_seconds: int = 30,
        role_claim: str = "role",
        max_lifetime_seconds: int | None = None,
    ) -> None:
        super().__init__(
            keys,
            issuer,
            audience,
            leeway_seconds,
            role_claim,
            roles=SERVED_ROLES,
            max_lifetime_seconds=max_lifetime_seconds,
        )

    def verify(self, token: str) -> VerifiedClaims:
        try:
            return super().verify(token)
        except InvalidTokenError as exc:
            raise AuthenticationError(str(exc)) from exc
        except TokenRoleError as exc:
            if exc.subject is None:
                raise PermissionDeniedError(str(exc)) from exc
            raise RoleNotServedError(str(exc), exc.subject, exc.role or UNKNOWN_ROLE) from exc
        except KeySetUnavailableError as exc:
            raise ServiceUnavailableError(str(exc)) from exc
