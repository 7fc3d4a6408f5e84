"""Errors of staff sign-in. The API maps them to HTTP in `bot/api/routes_staff_auth.py`.

    StaffError
    ├── NotSignedInError            no credentials, a token that does not verify, or a session that ended:
    │                               401 (API) or the login page (pages)
    ├── ForbiddenRoleError          signed in, with a role this route does not serve: 403
    ├── CsrfError                   a state-changing request without the session's CSRF token, or from
    │                               another origin: 403
    ├── SignInError                 the sign-in failed (wrong password, a refused or expired login);
    │   │                           `public_message` is shown on the login page, `status` is the HTTP status
    │   ├── NotStaffError           the identity provider vouched for someone who is not staff: 403
    │   └── TooManySignInsError     the identity provider throttles sign-ins: 429 + Retry-After
    ├── IdentityProviderError       the identity provider or its JWKS is unreachable or answers nonsense: 503
    └── StaffSignInDisabledError    no identity provider is configured: 503

Exception texts are for the logs; they may name a reason, never a token or a password.
"""

from __future__ import annotations


class StaffError(Exception):
    pass


class NotSignedInError(StaffError):
    def __init__(self, reason: str, *, token_sent: bool = False, stale_session: bool = False) -> None:
        super().__init__(reason)
        self.token_sent = token_sent
        self.stale_session = stale_session


class ForbiddenRoleError(StaffError):
    pass


class CsrfError(StaffError):
    pass


class SignInError(StaffError):
    status = 401

    def __init__(self, public_message: str, reason: str = "") -> None:
        super().__init__(reason or public_message)
        self.public_message = public_message


class NotStaffError(SignInError):
    status = 403


class TooManySignInsError(SignInError):
    status = 429

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, -(-retry_after // 60))
        super().__init__(
            f"Too many failed sign-ins. Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
            f"identity provider throttled sign-ins for {retry_after} s",
        )
        self.retry_after = max(1, retry_after)


class IdentityProviderError(StaffError):
    pass


class StaffSignInDisabledError(StaffError):
    pass


# ---- The call-centre desk (issue 12). Mapped to HTTP in `bot/api/routes_staff_console.py`. ----------------
#
#     DeskError
#     ├── TicketNotFoundError         no such ticket: 404
#     ├── TicketConflictError         claimed by someone else, held by another agent, already closed: 409
#     ├── UnknownDepartmentError      a transfer to a department the knowledge base does not name: 422
#     ├── StaffMessageTooLongError    an agent's reply over `staff_message_max_chars`: 413
#     └── CaseLookupError             the records service on an agent's behalf; `status` is the HTTP status
#                                     (403 refused, 404 no such case, 422 weak reason, 429, 503)


class DeskError(Exception):
    pass


class TicketNotFoundError(DeskError):
    pass


class TicketConflictError(DeskError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class UnknownDepartmentError(DeskError):
    pass


class StaffMessageTooLongError(DeskError):
    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"reply of {length} characters is over the {limit}-character limit")
        self.length = length
        self.limit = limit


class EmptyStaffMessageError(DeskError):
    """A reply with nothing a resident would see (spaces, zero-width characters)."""


class CaseLookupError(DeskError):
    def __init__(self, status: int, code: str, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after
