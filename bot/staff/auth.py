"""`StaffAuth`: who a request comes from (a bearer token or a session), and signing in and out.

A bearer token is verified on every request (`trust.tokens`, the records service's rules). A browser
signs in once (the dev identity provider's password form, or OIDC) and then presents only its session
cookie; the access token it signed in with stays in the session, for calls made on the staff member's
behalf (the records service), and is refreshed through OIDC when it runs out. A session whose token
runs out and cannot be refreshed ends.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Literal

import httpx

from bot.staff.dev_login import DevPasswordLogin
from bot.staff.errors import (
    ForbiddenRoleError,
    IdentityProviderError,
    NotSignedInError,
    NotStaffError,
    SignInError,
    StaffSignInDisabledError,
)
from bot.staff.oidc import EXPIRED_LOGIN, OidcClient, code_challenge, new_code_verifier
from bot.staff.roles import STAFF_ROLES
from bot.staff.sessions import PendingLogin, StaffSession, StaffSessions, Tokens, new_opaque_id
from trust.errors import InvalidTokenError, KeySetUnavailableError, TokenRoleError
from trust.tokens import Role, TokenVerifier, VerifiedClaims

log = logging.getLogger(__name__)

HOME = "/staff"
NOT_STAFF = "This account is not a staff account. Sign in with your staff account."
NOT_COMPLETED = "The sign-in could not be completed. Please start again."
_RETURN_TO = re.compile(r"^/staff(?:/[A-Za-z0-9._~/-]*)?(?:\?[A-Za-z0-9._~%&=+-]*)?$")


def safe_return_to(value: str | None) -> str:
    """A path under /staff (with its query: "/staff/assist?q=dog+licence") to go to after sign-in;
    anything else (another site, the login) is /staff."""
    if not value or len(value) > 200 or not _RETURN_TO.match(value) or "//" in value or "/.." in value:
        return HOME
    if value.startswith(("/staff/login", "/staff/auth", "/staff/static")):
        return HOME
    return value


@dataclass(frozen=True)
class StaffPrincipal:
    subject: str
    role: Role
    name: str | None
    via: Literal["bearer", "session"]
    session_id: str | None = None
    session: StaffSession | None = None

    @property
    def display_name(self) -> str:
        return self.name or self.subject


class StaffAuth:
    def __init__(
        self,
        verifier: TokenVerifier,
        sessions: StaffSessions,
        dev_login: DevPasswordLogin | None = None,
        oidc: OidcClient | None = None,
        http: httpx.Client | None = None,
        refresh_margin_seconds: int = 30,
    ) -> None:
        self.verifier = verifier
        self.sessions = sessions
        self.dev_login = dev_login
        self.oidc = oidc
        self._http = http
        self._margin = refresh_margin_seconds

    def close(self) -> None:
        if self._http is not None:
            self._http.close()

    def _claims(self, access_token: str) -> VerifiedClaims:
        try:
            return self.verifier.verify(access_token)
        except InvalidTokenError as exc:
            log.info("staff.auth.token_refused reason=%s", exc)
            raise NotSignedInError(str(exc), token_sent=True) from exc
        except TokenRoleError as exc:
            raise ForbiddenRoleError(str(exc)) from exc
        except KeySetUnavailableError as exc:
            raise IdentityProviderError(str(exc)) from exc

    def from_bearer(self, token: str) -> StaffPrincipal:
        claims = self._claims(token)
        return StaffPrincipal(claims.subject, claims.role, claims.name, "bearer")

    def from_session(self, session_id: str | None) -> StaffPrincipal:
        session = self.sessions.load(session_id)
        if session is None or session_id is None:
            raise NotSignedInError("no live session", stale_session=session_id is not None)
        if session.tokens.expires_at - self._margin <= self.sessions.clock():
            session = self._renew(session_id, session)
        return StaffPrincipal(session.subject, session.role, session.name, "session", session_id, session)

    def _renew(self, session_id: str, session: StaffSession) -> StaffSession:
        """Refresh the session's access token, or end the session once the token has run out."""
        expired = session.tokens.expires_at <= self.sessions.clock()
        if session.tokens.refresh_token is None or self.oidc is None:
            if expired:
                self.sessions.end(session_id)
                raise NotSignedInError("the sign-in's token ran out", stale_session=True)
            return session
        try:
            fresh = self.oidc.refresh(session.tokens.refresh_token)
            claims = self._claims(fresh.access_token)
        except (SignInError, NotSignedInError, ForbiddenRoleError) as exc:
            self.sessions.end(session_id)
            raise NotSignedInError(f"refresh refused: {exc}", stale_session=True) from exc
        except IdentityProviderError:
            if expired:
                raise
            return session  # still valid for a moment; try again on the next request
        if claims.subject != session.subject or claims.role not in STAFF_ROLES:
            self.sessions.end(session_id)
            raise NotSignedInError(
                "refreshed token names another subject or no staff role", stale_session=True
            )
        tokens = Tokens(
            fresh.access_token,
            claims.expires_at,
            fresh.refresh_token or session.tokens.refresh_token,
            fresh.id_token or session.tokens.id_token,
        )
        renewed = replace(session, role=claims.role, tokens=tokens)
        self.sessions.update(session_id, renewed)
        return renewed

    @staticmethod
    def authorize(principal: StaffPrincipal, roles: Collection[Role]) -> None:
        if principal.role not in roles:
            raise ForbiddenRoleError(f"role {principal.role.value} may not use this route")

    def _start(self, claims: VerifiedClaims, method: str, tokens: Tokens) -> tuple[str, StaffSession]:
        if claims.role not in STAFF_ROLES:
            raise NotStaffError(NOT_STAFF, f"a {claims.role.value} tried to sign in as staff")
        session_id, session = self.sessions.start(claims.subject, claims.role, claims.name, method, tokens)
        log.info("staff.auth.signed_in method=%s role=%s", method, claims.role.value)
        return session_id, session

    def sign_in_with_password(self, username: str, password: str) -> tuple[str, StaffSession]:
        if self.dev_login is None:
            raise StaffSignInDisabledError("no dev identity provider")
        token = self.dev_login.token(username, password)
        try:
            claims = self._claims(token)
        except (NotSignedInError, ForbiddenRoleError) as exc:
            raise SignInError(NOT_COMPLETED, f"dev token refused: {exc}") from exc
        return self._start(claims, "password", Tokens(token, claims.expires_at))

    def begin_oidc(self, return_to: str, redirect_uri: str) -> tuple[str, str]:
        """(the issuer's authorization URL, the secret the browser keeps until the callback)."""
        if self.oidc is None:
            raise StaffSignInDisabledError("no OIDC client")
        state, browser_secret, verifier = new_opaque_id(), new_opaque_id(), new_code_verifier()
        pending = PendingLogin(
            nonce=new_opaque_id(),
            code_verifier=verifier,
            browser_hash=hashlib.sha256(browser_secret.encode()).hexdigest(),
            return_to=safe_return_to(return_to),
            created_at=self.sessions.clock(),
        )
        url = self.oidc.authorization_url(
            redirect_uri=redirect_uri, state=state, nonce=pending.nonce, challenge=code_challenge(verifier)
        )
        self.sessions.hold(state, pending)
        return url, browser_secret

    def finish_oidc(
        self, state: str | None, code: str | None, browser_secret: str | None, redirect_uri: str
    ) -> tuple[str, StaffSession, str]:
        """(session id, session, where to go next) for the issuer's callback."""
        if self.oidc is None:
            raise StaffSignInDisabledError("no OIDC client")
        pending = self.sessions.claim(state)
        if pending is None:
            raise SignInError(EXPIRED_LOGIN, "unknown, used or expired state")
        given = hashlib.sha256((browser_secret or "").encode()).hexdigest()
        if not browser_secret or not hmac.compare_digest(given, pending.browser_hash):
            raise SignInError(EXPIRED_LOGIN, "callback in another browser than the login began in")
        if not code or len(code) > 2048:
            raise SignInError(NOT_COMPLETED, "callback without a usable code")
        tokens = self.oidc.exchange(code=code, code_verifier=pending.code_verifier, redirect_uri=redirect_uri)
        if tokens.id_token is None:
            raise SignInError(NOT_COMPLETED, "token endpoint sent no ID token")
        try:
            identity = self.verifier.verify_id_token(
                tokens.id_token, audience=self.oidc.client_id, nonce=pending.nonce
            )
        except InvalidTokenError as exc:
            raise SignInError(NOT_COMPLETED, f"ID token refused: {exc}") from exc
        except KeySetUnavailableError as exc:
            raise IdentityProviderError(str(exc)) from exc
        try:
            claims = self._claims(tokens.access_token)
        except (NotSignedInError, ForbiddenRoleError) as exc:
            raise SignInError(NOT_COMPLETED, f"access token refused: {exc}") from exc
        if claims.subject != identity.subject:
            raise SignInError(NOT_COMPLETED, "ID token and access token name different subjects")
        claims = replace(claims, name=identity.name or claims.name)
        stored = Tokens(tokens.access_token, claims.expires_at, tokens.refresh_token, tokens.id_token)
        session_id, session = self._start(claims, "oidc", stored)
        return session_id, session, pending.return_to

    def sign_out(self, session_id: str | None, post_logout_redirect_uri: str) -> str | None:
        """End the session; the issuer's logout URL when the session came from OIDC and it has one."""
        session = self.sessions.end(session_id)
        if session is None or session.method != "oidc" or self.oidc is None:
            return None
        return self.oidc.end_session_url(
            id_token_hint=session.tokens.id_token, post_logout_redirect_uri=post_logout_redirect_uri
        )

    def form_action_origins(self) -> list[str]:
        return self.oidc.origins() if self.oidc is not None else []
