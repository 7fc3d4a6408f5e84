"""Every staff route, read from the app's route table, with every kind of caller.

A new route under `/staff` or `/api/v1/staff` is walked here without editing this file: its expected
answers follow from the access it declares (`StaffAccess(roles...)` or `PUBLIC`, see
`bot/api/staff_deps.py`). A route that needs path parameters must get sample values in `SAMPLE_PARAMS`.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.api.staff_deps import PUBLIC, StaffAccess, StaffRoute, route_access, staff_routes
from bot.staff import csrf
from bot.staff.roles import STAFF_ROLES, Role
from bot.staff.sessions import Tokens
from tests.bot.staff.staff_harness import ORIGIN, StaffStack, session_cookie, sign_in

# Sample path parameters: a ticket and a case that do not exist (a served route then answers 404 or 503,
# which is "served": the guard let the caller through).
SAMPLE_PARAMS: dict[str, str] = {
    "ticket_id": "0" * 32,
    "reference": "MB-0000-0000-0000-0",
    "job_id": "0" * 32,
    "document_id": "no-such-document",
    "curated_id": "0",
    "draft_id": "0",
    "name": "v999999",  # a knowledge-base version that is not kept: 404
}
TOKEN_IDENTITIES = ["resident", "agent", "editor", "supervisor", "expired", "wrong_audience", "tampered"]
SESSION_ROLES = ["resident", "agent", "editor", "supervisor"]


@dataclass(frozen=True)
class Cell:
    method: str
    path: str
    identity: str  # "anonymous", a role, or a broken token
    transport: str  # "none", "bearer" or "session"


def _concrete(path: str) -> str:
    names = re.findall(r"{([^}:]+)(?::[^}]*)?}", path)
    missing = [name for name in names if name not in SAMPLE_PARAMS]
    assert not missing, f"add sample values for {missing} of {path} to SAMPLE_PARAMS"
    return re.sub(r"{([^}:]+)(?::[^}]*)?}", lambda m: SAMPLE_PARAMS[m.group(1)], path)


def _routes(stack: StaffStack) -> list[tuple[str, StaffRoute]]:
    return [(method, route) for route in staff_routes(stack.app) for method in sorted(route.methods or ())]


def _browser(stack: StaffStack, identity: str) -> TestClient:
    """A browser with a session for `identity`: signed in for real, or (a resident, who cannot sign in)
    a session put in the store directly, to show the guard does not rely on the login's refusal."""
    client = stack.client()
    if identity == "resident":
        auth = stack.runtime.staff
        assert auth is not None
        session_id, _ = auth.sessions.start(
            "dev-resident-001", Role.RESIDENT, None, "password", Tokens("t", 2**40)
        )
        client.cookies.set("__Host-askcity-staff", session_id)
        return client
    user = stack.user(identity)
    assert sign_in(client, user.username, user.password).status_code == 303
    return client


def _send(stack: StaffStack, cell: Cell) -> Any:
    headers: dict[str, str] = {}
    if cell.transport == "bearer":
        client = stack.client()
        headers = stack.bearer(cell.identity)
    elif cell.transport == "session":
        client = _browser(stack, cell.identity)
        if cell.method in csrf.STATE_CHANGING:
            auth = stack.runtime.staff
            assert auth is not None
            session = auth.sessions.load(session_cookie(client))
            assert session is not None
            headers = {csrf.HEADER: session.csrf_token, "Origin": ORIGIN}
    else:
        client = stack.client()
    if cell.method in csrf.STATE_CHANGING:
        headers.setdefault("Origin", ORIGIN)
    return client.request(cell.method, _concrete(cell.path), headers=headers)


def _cells(method: str, route: StaffRoute) -> list[Cell]:
    cells = [Cell(method, route.path, "anonymous", "none")]
    cells += [Cell(method, route.path, identity, "bearer") for identity in TOKEN_IDENTITIES]
    cells += [Cell(method, route.path, role, "session") for role in SESSION_ROLES]
    return cells


def _outcome(response: Any) -> str:
    if response.status_code == 303 and response.headers["location"].startswith("/staff/login?next="):
        return "to login"
    if response.status_code == 401:
        assert response.json()["error"] == "unauthenticated"
        assert response.headers["www-authenticate"].startswith('Bearer realm="askcity-staff"')
        return "401"
    if response.status_code == 403:
        return "403"
    return "served"


def _expected(cell: Cell, access: StaffAccess) -> str:
    signed_out = "401" if cell.path.startswith("/api/") else "to login"
    if cell.identity in ("anonymous", "expired", "wrong_audience", "tampered"):
        return signed_out
    role = Role(cell.identity)
    if role == Role.RESIDENT:  # issue 12: a resident gets 403 on every staff route, whatever it declares
        return "403"
    return "served" if role in access.roles else "403"


def test_every_staff_route_declares_its_access(stack: StaffStack) -> None:
    declared = {f"{m} {r.path}": route_access(r) for m, r in _routes(stack)}
    assert declared and all(access is not None for access in declared.values()), declared
    guarded = [path for path, access in declared.items() if isinstance(access, StaffAccess)]
    assert {
        "GET /staff",
        "POST /staff/logout",
        "GET /api/v1/staff/me",
        "DELETE /api/v1/staff/session",
        "PATCH /api/v1/staff/documents/{document_id}",  # metadata edits: editors and supervisors
        "POST /staff/documents/{document_id}",
    } <= set(guarded)
    assert all(Role.RESIDENT not in a.roles for a in declared.values() if isinstance(a, StaffAccess))


def test_every_guarded_route_answers_every_caller_as_its_roles_say(stack: StaffStack) -> None:
    got: dict[Cell, str] = {}
    expected: dict[Cell, str] = {}
    for method, route in _routes(stack):
        access = route_access(route)
        if not isinstance(access, StaffAccess):
            continue
        for cell in _cells(method, route):
            got[cell] = _outcome(_send(stack, cell))
            expected[cell] = _expected(cell, access)
    wrong = {
        f"{c.method} {c.path} {c.identity}/{c.transport}": (got[c], expected[c])
        for c in got
        if got[c] != expected[c]
    }
    assert wrong == {}
    assert len(got) >= 4 * 12


def test_public_routes_refuse_nobody_for_who_they_are(stack: StaffStack) -> None:
    """The login page and its callback need no sign-in: no caller gets a 401, and a 403 (an expired
    login form) is everyone's or no one's. Signed-in staff may be sent on (303) from the login page."""
    for method, route in _routes(stack):
        if route_access(route) is not PUBLIC:
            continue
        statuses = {
            f"{cell.identity}/{cell.transport}": _send(stack, cell).status_code
            for cell in _cells(method, route)
        }
        values = set(statuses.values())
        assert 401 not in values, (method, route.path, statuses)
        assert 403 not in values or values == {403}, (method, route.path, statuses)
        assert {statuses[k] for k in statuses if not k.endswith("/session")} == {statuses["anonymous/none"]}


@pytest.mark.parametrize(
    ("headers", "error"),
    [
        ({"Origin": ORIGIN}, "no token"),
        ({"Origin": ORIGIN, csrf.HEADER: "not-the-token"}, "wrong token"),
        ({"Origin": "https://evil.example", csrf.HEADER: "{token}"}, "another origin"),
        ({"Origin": "null", csrf.HEADER: "{token}"}, "opaque origin"),
        ({csrf.HEADER: "{token}"}, "neither Origin nor Referer"),
        ({"Origin": "https://testserver.evil.example", csrf.HEADER: "{token}"}, "look-alike origin"),
    ],
)
def test_state_changing_routes_refuse_a_session_request_without_token_or_origin(
    stack: StaffStack, headers: dict[str, str], error: str
) -> None:
    for method, route in _routes(stack):
        access = route_access(route)
        if method not in csrf.STATE_CHANGING or not isinstance(access, StaffAccess):
            continue
        role = sorted(access.roles & STAFF_ROLES)[0]
        client = _browser(stack, role.value)
        auth = stack.runtime.staff
        assert auth is not None
        session = auth.sessions.load(session_cookie(client))
        assert session is not None
        sent = {k: v.replace("{token}", session.csrf_token) for k, v in headers.items()}
        response = client.request(method, _concrete(route.path), headers=sent)
        assert response.status_code == 403, (method, route.path, error)
        if route.path.startswith("/api/"):
            assert response.json()["error"] == "csrf_failed"
        assert auth.sessions.load(session_cookie(client)) is not None, "a refused request changed nothing"
        ok = client.request(
            method,
            _concrete(route.path),
            headers={"Referer": f"{ORIGIN}/staff", csrf.HEADER: session.csrf_token},
        )
        # the guard lets it through: what the route then says of the sample (no body, a ticket that does
        # not exist: 404, 422) is the route's own answer, not a refusal of the caller
        assert ok.status_code not in (401, 403), (
            method,
            route.path,
            "the same request with the token and our Referer",
        )
        # (a page may hold a form with its csrf_token field: the refusal's own words are what count)
        assert ok.status_code < 400 or "did not come from a current staff page" not in ok.text, (
            method,
            route.path,
        )


def test_a_staff_token_issued_for_longer_than_the_maximum_lifetime_is_refused(stack: StaffStack) -> None:
    """The records service refuses such a token (a stolen one must not work for days); so does the bot,
    which takes the same staff tokens (ASKCITY_JWT_MAX_LIFETIME_SECONDS, 12 h by default)."""
    client = stack.client()
    now = int(time.time())
    fine = stack.token("supervisor")
    for claims in ({"exp": 10**12}, {"exp": now + 13 * 3600}):
        too_long = stack.token("supervisor", **claims)
        response = client.get("/api/v1/staff/me", headers={"Authorization": f"Bearer {too_long}"})
        assert response.status_code == 401, (claims, response.text)
    assert client.get("/api/v1/staff/me", headers={"Authorization": f"Bearer {fine}"}).status_code == 200
