"""Staff authentication for routes: a bearer token or the session cookie, CSRF, and the roles a route serves.

Every route under `/staff` and `/api/v1/staff` declares its access with one dependency, which is also
its guard: `StaffAccess(roles...)` (sign-in and one of the roles required; CSRF checked on
state-changing requests) or `PUBLIC` (the login page and its callback). `check_staff_routes_guarded`
refuses to build an app with a staff route that declares neither, and the route-table test reads the
same declarations.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

import fastapi.routing
from fastapi import Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bot.api.deps import RuntimeDep, SettingsDep
from bot.settings import BotSettings
from bot.staff import csrf
from bot.staff.auth import StaffAuth, StaffPrincipal
from bot.staff.errors import StaffSignInDisabledError
from bot.staff.roles import STAFF_ROLES, Role

PAGES = "/staff"
API = "/api/v1/staff"
SESSION_COOKIE = "askcity-staff"
LOGIN_COOKIE = "askcity-staff-login"
OIDC_COOKIE = "askcity-staff-oidc"

_bearer = HTTPBearer(auto_error=False, description="An RS256 JWT from the city's issuer, with a staff role")


def is_staff_path(path: str) -> bool:
    return any(path == prefix or path.startswith(f"{prefix}/") for prefix in (PAGES, API))


def cookie_name(settings: BotSettings, base: str) -> str:
    """`__Host-` names need Secure, Path=/ and no Domain: no subdomain can set or shadow them."""
    return f"__Host-{base}" if settings.staff_cookie_secure else base


def public_origin(request: Request, settings: BotSettings) -> str:
    if settings.staff_public_url:
        return settings.staff_public_url.rstrip("/")
    return str(request.base_url).rstrip("/")


def expected_origins(request: Request, settings: BotSettings) -> set[str]:
    origin = csrf.origin_of(public_origin(request, settings))
    return {origin} if origin else set()


def get_staff_auth(runtime: RuntimeDep) -> StaffAuth:
    if runtime.staff is None:
        raise StaffSignInDisabledError("no identity provider configured")
    return runtime.staff


StaffAuthDep = Annotated[StaffAuth, Depends(get_staff_auth)]


def authenticate(
    request: Request,
    auth: StaffAuthDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> StaffPrincipal:
    """Sync on purpose: JWKS fetches and Redis calls block, so FastAPI runs this in its threadpool."""
    if credentials is not None:
        return auth.from_bearer(credentials.credentials)
    return auth.from_session(request.cookies.get(cookie_name(settings, SESSION_COOKIE)))


async def csrf_checked(
    request: Request,
    principal: Annotated[StaffPrincipal, Depends(authenticate)],
    settings: SettingsDep,
) -> StaffPrincipal:
    """A state-changing request on a session must carry its CSRF token and come from our origin."""
    if principal.session is None or request.method.upper() not in csrf.STATE_CHANGING:
        return principal
    given = request.headers.get(csrf.HEADER)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if given is None and kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
        value = (await request.form()).get(csrf.FIELD)
        given = value if isinstance(value, str) else None
    csrf.check(
        request.method,
        principal.session.csrf_token,
        given,
        request.headers.get("origin"),
        request.headers.get("referer"),
        expected_origins(request, settings),
    )
    return principal


class StaffAccess:
    """A staff route's guard and its declaration: signed in, with one of `roles`."""

    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    async def __call__(
        self, request: Request, principal: Annotated[StaffPrincipal, Depends(csrf_checked)]
    ) -> StaffPrincipal:
        StaffAuth.authorize(principal, self.roles)
        request.state.staff_principal = principal  # for the editors' audit log (bot/api/editor_audit.py)
        return principal

    def __repr__(self) -> str:
        return f"StaffAccess({', '.join(sorted(self.roles))})"


class PublicStaffRoute:
    """Declares a staff route that needs no sign-in (the login page, the OIDC callback)."""

    async def __call__(self) -> None:
        return None


ANY_STAFF = StaffAccess(*sorted(STAFF_ROLES))
PUBLIC = PublicStaffRoute()
AnyStaffDep = Annotated[StaffPrincipal, Depends(ANY_STAFF)]


def _calls(dependant: Dependant) -> Iterator[object]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _calls(dependency)


@dataclass(frozen=True)
class StaffRoute:
    """A route of the app as it is served: its full path, its methods and its dependencies."""

    path: str
    methods: frozenset[str]
    dependant: Dependant


def _served_routes(app: FastAPI) -> Iterator[StaffRoute]:
    # FastAPI >= 0.16x keeps included routers as branches; `iter_route_contexts` flattens them.
    iterate = getattr(fastapi.routing, "iter_route_contexts", None)
    contexts: Iterable[Any] = iterate(app.routes) if iterate is not None else app.routes
    for route in contexts:
        dependant = getattr(route, "dependant", None)
        path, methods = getattr(route, "path", None), getattr(route, "methods", None)
        if isinstance(dependant, Dependant) and isinstance(path, str) and methods:
            yield StaffRoute(path, frozenset(methods), dependant)


def route_access(route: StaffRoute) -> StaffAccess | PublicStaffRoute | None:
    """What a route declares: its StaffAccess, PUBLIC, or None (an unguarded route)."""
    for call in _calls(route.dependant):
        if isinstance(call, StaffAccess | PublicStaffRoute):
            return call
    return None


def staff_routes(app: FastAPI) -> list[StaffRoute]:
    return [route for route in _served_routes(app) if is_staff_path(route.path)]


def check_staff_routes_guarded(app: FastAPI) -> None:
    unguarded = [f"{sorted(r.methods)} {r.path}" for r in staff_routes(app) if route_access(r) is None]
    if unguarded:
        raise RuntimeError(f"staff routes without StaffAccess or PUBLIC: {', '.join(unguarded)}")
