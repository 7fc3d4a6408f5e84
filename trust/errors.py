"""Errors of the shared trust code.

    TrustError
    ├── ServiceKeyError           a service key that is not URL-safe base64 of >= 32 bytes (also a ValueError)
    ├── ServiceSignatureError     a signed client address that does not verify; `reason` is a short code
    ├── KeyFileError              a checkpoint key file that is missing, unreadable or not Ed25519
    ├── CheckpointError           a checkpoint line that does not parse or whose signature does not verify
    ├── TokenError                a bearer or ID token refused (`trust.tokens`); the text is for logs only
    │   ├── InvalidTokenError     malformed, forged, expired, wrong issuer/audience/nonce, unknown kid (401)
    │   └── TokenRoleError        verifies, but holds no single role the service serves (403); carries the
    │                             token's `subject` and the one askcity `role` it names, if any
    └── KeySetUnavailableError    the issuer's JWKS cannot be fetched (503)

Messages name what is wrong, never a secret.
"""

from __future__ import annotations


class TrustError(Exception):
    pass


class ServiceKeyError(TrustError, ValueError):
    pass


class ServiceSignatureError(TrustError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class KeyFileError(TrustError):
    pass


class CheckpointError(TrustError):
    pass


class TokenError(TrustError):
    pass


class InvalidTokenError(TokenError):
    pass


class TokenRoleError(TokenError):
    """A token that verified but holds no role the service serves. `subject` (the token's `sub`) and
    `role` (the one askcity role the claim names, e.g. `editor`; None when it names none or several) are
    set when the token itself verified, so the refusal can be audited."""

    def __init__(self, message: str, subject: str | None = None, role: str | None = None) -> None:
        super().__init__(message)
        self.subject = subject
        self.role = role


class KeySetUnavailableError(TrustError):
    pass
