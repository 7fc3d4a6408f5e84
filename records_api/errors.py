"""Errors of the records service.

    RecordsError
    ├── ConfigurationError            start-up refused (bad settings, bad policy, no key source)
    ├── AuthenticationError           401 + WWW-Authenticate: Bearer (bad or expired token)
    │   ├── MissingTokenError         401 + WWW-Authenticate: Bearer (no bearer token at all)
    │   └── InvalidCredentialsError   401 on /dev/token (unknown user or wrong password alike)
    ├── PermissionDeniedError         403 (a role or a staff account that may not do this)
    │   └── RoleNotServedError        403 (a valid token whose role this service does not serve; audited)
    ├── CaseNotFoundError             404 (missing, malformed or another resident's: one answer)
    ├── InvalidRequestError           422 (a body that fails validation, e.g. a too-short reason)
    ├── TooManyAttemptsError          429 + Retry-After (failed lookups over the limit: lock-out)
    ├── ServiceUnavailableError       503 + Retry-After (database, rate-limit storage or JWKS unreachable)
    │   └── KeyMaterialError          stored ciphertext that does not verify under the key
    └── AuditIntegrityError           the audit chain no longer extends its latest signed checkpoint
                                      (raised by the checkpoint writer, never inside a request)

The HTTP mapping lives in one place, `records_api.api.errors`. `public_message` is what a client
may see; the exception text itself may carry internals for the logs and never reaches a response.
"""

from __future__ import annotations


class RecordsError(Exception):
    public_message = "The records service could not handle this request."


class ConfigurationError(RecordsError):
    public_message = "The records service is misconfigured."


class AuthenticationError(RecordsError):
    public_message = "A valid bearer token is required."
    bearer_error: str | None = "invalid_token"


class MissingTokenError(AuthenticationError):
    bearer_error = None


class InvalidCredentialsError(AuthenticationError):
    public_message = "Unknown username or wrong password."
    bearer_error = None


class PermissionDeniedError(RecordsError):
    public_message = "Your account may not do this."


class RoleNotServedError(PermissionDeniedError):
    """A token that verified but carries no role served here (`editor`): `subject` is its `sub`, `role`
    the role it names (`unknown` when it names none or several), for the audit row of the refusal."""

    def __init__(self, message: str, subject: str, role: str) -> None:
        super().__init__(message)
        self.subject = subject
        self.role = role


class CaseNotFoundError(RecordsError):
    public_message = "No case with this reference was found for your account."


class InvalidRequestError(RecordsError):
    public_message = "The request is not valid."

    def __init__(self, public_message: str) -> None:
        super().__init__(public_message)
        self.public_message = public_message


class TooManyAttemptsError(RecordsError):
    public_message = "Too many failed attempts. Try again later."

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"locked for {retry_after_seconds}s")
        self.retry_after_seconds = max(1, retry_after_seconds)


# How long a client is told to wait after a 503: a dependency that went away (PostgreSQL restarting,
# Redis failing over) is usually back within seconds; the service reconnects by itself.
RETRY_AFTER_SECONDS = 5


class ServiceUnavailableError(RecordsError):
    public_message = "The records service is temporarily unavailable."
    retry_after_seconds = RETRY_AFTER_SECONDS


class KeyMaterialError(ServiceUnavailableError):
    """Ciphertext that does not authenticate under the configured key."""


class AuditIntegrityError(RecordsError):
    """The audit chain or the checkpoint file was tampered with: nothing is signed, an alarm is logged."""
