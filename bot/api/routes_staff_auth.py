"""Staff sign-in pages and API: `/staff/login` (dev password form, OIDC), the OIDC callback, `/staff`
(who is signed in), sign-out, `GET /api/v1/staff/me` and `DELETE /api/v1/staff/session`.

Pages are server-rendered (Jinja2, `web_widget/staff/templates`) with no script at all, one stylesheet
(`/staff/static/staff.css`) and a strict CSP. Staff errors become HTTP here (`install_staff`): the API
answers JSON, pages redirect to the login page or show a plain page; never a token, never a traceback.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Form, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from bot.api.deps import SettingsDep, settings_of
from bot.api.schemas import ErrorBody
from bot.api.staff_deps import (
    LOGIN_COOKIE,
    OIDC_COOKIE,
    PUBLIC,
    SESSION_COOKIE,
    AnyStaffDep,
    check_staff_routes_guarded,
    cookie_name,
    expected_origins,
    public_origin,
)
from bot.settings import BotSettings
from bot.staff import csrf
from bot.staff.auth import HOME, StaffAuth, StaffPrincipal, safe_return_to
from bot.staff.errors import (
    CsrfError,
    ForbiddenRoleError,
    IdentityProviderError,
    NotSignedInError,
    SignInError,
    StaffError,
    StaffSignInDisabledError,
    TooManySignInsError,
)
from bot.staff.roles import LABELS, STAFF_ROLES
from bot.staff.sessions import new_opaque_id, valid_opaque_id
from trust.case_references import mask_references

log = logging.getLogger(__name__)
STAFF_DIR = Path(__file__).resolve().parents[2] / "web_widget" / "staff"
templates = Jinja2Templates(directory=STAFF_DIR / "templates")
router = APIRouter(tags=["staff"])

UNAVAILABLE = "The sign-in service is not answering. Please try again in a minute."
DISABLED = "Staff sign-in is not set up on this server."
IDP_ERRORS = {"access_denied": "Sign-in was cancelled or refused at the identity provider."}


class StaffMe(BaseModel):
    subject: str
    role: str = Field(description="agent, editor or supervisor")
    name: str | None = Field(description="Display name from the token, when it has one")
    authenticated_by: str = Field(description="`bearer` (Authorization header) or `session` (cookie)")
    session_ends_at: datetime | None = Field(description="When the session ends if unused (sessions only)")


def _settings(request: Request) -> BotSettings:
    """The app's settings outside a dependency (error handlers)."""
    return settings_of(request)


def _auth(request: Request) -> StaffAuth | None:
    runtime = getattr(request.app.state, "runtime", None)
    return getattr(runtime, "staff", None)


def _page_headers(response: Response, auth: StaffAuth | None) -> Response:
    form_action = " ".join(["'self'", *(auth.form_action_origins() if auth else [])])
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        f"form-action {form_action}; base-uri 'none'; frame-ancestors 'none'"
    )
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "same-origin"  # Origin on our own form posts, nothing to others
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    return response


def render(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    settings = _settings(request)
    response = templates.TemplateResponse(
        request, name, {"city": settings.city_name, **context}, status_code=status
    )
    return _page_headers(response, _auth(request))


def _set_cookie(response: Response, settings: BotSettings, base: str, value: str, **options: Any) -> None:
    response.set_cookie(
        cookie_name(settings, base),
        value,
        path="/",
        secure=settings.staff_cookie_secure,
        httponly=True,
        samesite=options.pop("samesite", "strict"),
        **options,
    )


def _clear_cookie(response: Response, settings: BotSettings, base: str) -> None:
    response.delete_cookie(
        cookie_name(settings, base),
        path="/",
        secure=settings.staff_cookie_secure,
        httponly=True,
        samesite="strict",
    )


def login_form(request: Request, settings: BotSettings, status: int = 200, **context: Any) -> Response:
    """The login page with a double-submit token (login CSRF: there is no session yet)."""
    auth = _auth(request)
    token = request.cookies.get(cookie_name(settings, LOGIN_COOKIE))
    if not valid_opaque_id(token) or context.pop("new_token", False):
        token = new_opaque_id()
    values: dict[str, Any] = {"next": HOME, "username": "", "notice": None, "error": None, "field_errors": {}}
    response = render(
        request,
        "login.html",
        status,
        password=auth is not None and auth.dev_login is not None,
        oidc=auth is not None and auth.oidc is not None,
        csrf_token=token,
        **{**values, **context},
    )
    _set_cookie(response, settings, LOGIN_COOKIE, str(token), max_age=3600)
    return response


def _redirect_uri(request: Request, settings: BotSettings) -> str:
    return f"{public_origin(request, settings)}/staff/auth/callback"


@router.get("/staff/login", include_in_schema=False, dependencies=[Depends(PUBLIC)])
def login_page(
    request: Request, settings: SettingsDep, next: str | None = None, signed_out: bool = False
) -> Response:
    auth = _auth(request)
    if auth is not None:
        try:
            signed_in = auth.from_session(request.cookies.get(cookie_name(settings, SESSION_COOKIE)))
        except StaffError:
            signed_in = None
        if signed_in is not None and signed_in.role in STAFF_ROLES:
            return _page_headers(RedirectResponse(safe_return_to(next), 303), auth)
    notice = "You have signed out." if signed_out else None
    error = None if auth is not None else DISABLED
    return login_form(
        request, settings, 503 if error else 200, next=safe_return_to(next), notice=notice, error=error
    )


@router.post("/staff/login", include_in_schema=False, dependencies=[Depends(PUBLIC)])
def login_submit(
    request: Request,
    settings: SettingsDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    return_to: Annotated[str, Form(alias="next")] = "",
) -> Response:
    auth = _auth(request)
    form = {"next": safe_return_to(return_to), "username": username[:64]}
    if auth is None or auth.dev_login is None:
        return login_form(request, settings, 503, error=DISABLED, **form)
    cookie = request.cookies.get(cookie_name(settings, LOGIN_COOKIE))
    try:
        csrf.check_origin(
            request.headers.get("origin"), request.headers.get("referer"), expected_origins(request, settings)
        )
        if not cookie or not csrf.tokens_match(cookie, csrf_token):
            raise CsrfError("login form without its double-submit token")
    except CsrfError as exc:
        log.info("staff.login.csrf_refused reason=%s", exc)
        return login_form(
            request, settings, 403, error="This form had expired. Please try again.", new_token=True, **form
        )
    field_errors = {
        name: f"Enter your {label}."
        for name, label, value in (("username", "user name", username), ("password", "password", password))
        if not value.strip()
    }
    if field_errors:
        return login_form(
            request, settings, 422, error="Please fill in both fields.", field_errors=field_errors, **form
        )
    try:
        session_id, _ = auth.sign_in_with_password(username.strip(), password)
    except SignInError as exc:
        log.info("staff.login.refused reason=%s", exc)
        response = login_form(request, settings, exc.status, error=exc.public_message, **form)
        if isinstance(exc, TooManySignInsError):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except IdentityProviderError as exc:
        log.warning("staff.login.identity_provider_unavailable reason=%s", exc)
        return login_form(request, settings, 503, error=UNAVAILABLE, **form)
    response = _page_headers(RedirectResponse(form["next"], 303), auth)
    _set_cookie(response, settings, SESSION_COOKIE, session_id)
    _clear_cookie(response, settings, LOGIN_COOKIE)
    return response


@router.get("/staff/login/oidc", include_in_schema=False, dependencies=[Depends(PUBLIC)])
def oidc_start(request: Request, settings: SettingsDep, next: str | None = None) -> Response:
    auth = _auth(request)
    if auth is None or auth.oidc is None:
        return login_form(request, settings, 404, error=DISABLED)
    try:
        url, browser_secret = auth.begin_oidc(safe_return_to(next), _redirect_uri(request, settings))
    except IdentityProviderError as exc:
        log.warning("staff.oidc.unavailable reason=%s", exc)
        return login_form(request, settings, 503, error=UNAVAILABLE)
    response = _page_headers(RedirectResponse(url, 303), auth)
    # Lax: the issuer sends the browser back with a cross-site navigation, which Strict cookies miss.
    _set_cookie(response, settings, OIDC_COOKIE, browser_secret, max_age=600, samesite="lax")
    return response


@router.get("/staff/auth/callback", include_in_schema=False, dependencies=[Depends(PUBLIC)])
def oidc_callback(
    request: Request,
    settings: SettingsDep,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> Response:
    auth = _auth(request)
    if auth is None or auth.oidc is None:
        return login_form(request, settings, 404, error=DISABLED)
    if error is not None:
        auth.sessions.claim(state)  # this login is over
        log.info("staff.oidc.issuer_error error=%s", error[:40])
        message = IDP_ERRORS.get(error, "The identity provider did not sign you in. Please try again.")
        return login_form(request, settings, 401, error=message)
    browser_secret = request.cookies.get(cookie_name(settings, OIDC_COOKIE))
    try:
        session_id, _, return_to = auth.finish_oidc(
            state, code, browser_secret, _redirect_uri(request, settings)
        )
    except SignInError as exc:
        log.info("staff.oidc.refused reason=%s", exc)
        return login_form(request, settings, exc.status, error=exc.public_message)
    except IdentityProviderError as exc:
        log.warning("staff.oidc.unavailable reason=%s", exc)
        return login_form(request, settings, 503, error=UNAVAILABLE)
    # The issuer's redirect was a cross-site navigation: the browser would not send our new Strict cookie
    # if we redirected straight on, so this same-site page moves on (meta refresh, and a link).
    response = render(request, "continue.html", return_to=return_to)
    _set_cookie(response, settings, SESSION_COOKIE, session_id)
    _clear_cookie(response, settings, OIDC_COOKIE)
    return response


def _session_view(request: Request, principal: StaffPrincipal) -> dict[str, Any]:
    auth, session = _auth(request), principal.session
    if auth is None or session is None:
        return {}
    latest = auth.sessions.latest_end(session)
    if session.tokens.refresh_token is None:
        latest = min(latest, session.tokens.expires_at)
    return {
        "idle_minutes": auth.sessions.idle_seconds // 60,
        "latest_end": datetime.fromtimestamp(latest, UTC).strftime("%H:%M UTC on %d %B %Y"),
        "csrf_token": session.csrf_token,
    }


@router.get("/staff", include_in_schema=False)
def staff_home(request: Request, principal: AnyStaffDep) -> Response:
    return render(
        request,
        "home.html",
        principal=principal,
        role=LABELS[principal.role],
        **_session_view(request, principal),
    )


@router.post("/staff/logout", include_in_schema=False)
def logout(request: Request, principal: AnyStaffDep, settings: SettingsDep) -> Response:
    auth = _auth(request)
    after = f"{public_origin(request, settings)}/staff/login?signed_out=1"
    target = auth.sign_out(principal.session_id, after) if auth and principal.session_id else None
    response = _page_headers(RedirectResponse(target or "/staff/login?signed_out=1", 303), auth)
    _clear_cookie(response, settings, SESSION_COOKIE)
    return response


STAFF_API_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No, an expired or a forged bearer token, or no live session"},
    403: {
        "model": ErrorBody,
        "description": "Not a staff role, or (sessions) no CSRF token / another origin",
    },
    503: {"model": ErrorBody, "description": "The identity provider is unreachable or not configured"},
}


@router.get("/api/v1/staff/me", response_model=StaffMe, responses=STAFF_API_ERRORS)
def staff_me(request: Request, principal: AnyStaffDep, response: Response) -> StaffMe:
    """Who the bearer token or the session cookie belongs to."""
    response.headers["Cache-Control"] = "no-store"
    auth, session = _auth(request), principal.session
    ends = datetime.fromtimestamp(auth.sessions.ends_at(session), UTC) if auth and session else None
    return StaffMe(
        subject=principal.subject,
        role=principal.role.value,
        name=principal.name,
        authenticated_by=principal.via,
        session_ends_at=ends,
    )


@router.delete("/api/v1/staff/session", status_code=204, responses=STAFF_API_ERRORS)
def end_session(request: Request, principal: AnyStaffDep, settings: SettingsDep) -> Response:
    """Sign out of the browser session (send `X-CSRF-Token`); with a bearer token there is nothing to end."""
    auth = _auth(request)
    if auth is not None and principal.session_id is not None:
        auth.sign_out(principal.session_id, f"{public_origin(request, settings)}/staff/login")
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    _clear_cookie(response, settings, SESSION_COOKIE)
    return response


def _json(status: int, error: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": error, "message": message}, status_code=status, headers=headers)


PROBLEMS: dict[type[StaffError], tuple[int, str, str]] = {
    ForbiddenRoleError: (403, "forbidden", "Your account's role may not use this part of the staff pages."),
    CsrfError: (
        403,
        "csrf_failed",
        "This request did not come from a current staff page. Reload the page "
        "and try again; API clients send X-CSRF-Token or use a bearer token.",
    ),
    IdentityProviderError: (503, "identity_provider_unavailable", UNAVAILABLE),
    StaffSignInDisabledError: (503, "staff_sign_in_disabled", DISABLED),
    SignInError: (401, "unauthenticated", "The sign-in could not be completed."),
}


def _route(request: Request) -> str:
    """The route's template ("/api/v1/staff/cases/{reference}"), never the path itself: a case reference in
    the path does not reach the log (the records service logs its requests the same way)."""
    template = getattr(request.scope.get("route"), "path", None)
    return str(template) if template else mask_references(request.url.path)


def _staff_error(request: Request, exc: Exception) -> Response:
    settings = _settings(request)
    api = request.url.path.startswith("/api/")
    if isinstance(exc, NotSignedInError):
        if api:
            challenge = 'Bearer realm="askcity-staff"' + (', error="invalid_token"' if exc.token_sent else "")
            return _json(
                401,
                "unauthenticated",
                "Sign in as staff: send a bearer token or use /staff/login.",
                {"WWW-Authenticate": challenge, "Cache-Control": "no-store"},
            )
        # back to the page asked for, with its query; a form posted while signed out (logout, claim)
        # cannot be replayed by a redirect, so it goes back to the staff home page
        asked = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        back = safe_return_to(asked) if request.method in ("GET", "HEAD") else HOME
        target = f"/staff/login?next={quote(back, safe='/')}"
        response = _page_headers(RedirectResponse(target, 303), _auth(request))
        if exc.stale_session:
            _clear_cookie(response, settings, SESSION_COOKIE)
        return response
    status, code, message = next(
        (v for kind, v in PROBLEMS.items() if isinstance(exc, kind)), (500, "internal_error", UNAVAILABLE)
    )
    if status >= 500:
        log.warning("staff.unavailable path=%s error=%s", _route(request), exc)
    else:
        log.info("staff.refused path=%s reason=%s", _route(request), exc)
    if api:
        return _json(status, code, message, {"Cache-Control": "no-store"})
    return render(
        request,
        "problem.html",
        status,
        title="Not allowed" if status == 403 else "Unavailable",
        message=message,
    )


def install_staff(app: FastAPI) -> None:
    """Routes, the stylesheet, the error mapping, and the check that every staff route declares its access."""
    app.include_router(router)
    app.mount("/staff/static", StaticFiles(directory=STAFF_DIR / "static"), name="staff-static")
    app.add_exception_handler(StaffError, _staff_error)
    check_staff_routes_guarded(app)
