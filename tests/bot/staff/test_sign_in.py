"""Signing in with the dev identity provider (the demo's path), the session cookie, sign-out, timeouts, and
what the pages say when something goes wrong."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from http.cookies import SimpleCookie

import pytest

from bot.runtime import build_staff_auth
from bot.staff.sessions import StaffSessions
from tests.bot.staff.staff_harness import ORIGIN, StaffStack, hidden_fields, session_cookie, sign_in
from tests.bot.staff.test_sessions import ManualClock

STAFF = ["agent", "editor", "supervisor"]
CSP = re.compile(
    r"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
)


def cookies_set(response: object) -> dict[str, SimpleCookie]:
    found: dict[str, SimpleCookie] = {}
    for header in response.headers.get_list("set-cookie"):  # type: ignore[attr-defined]
        cookie = SimpleCookie()
        cookie.load(header)
        found.update({name: cookie for name in cookie})
    return found


@pytest.mark.parametrize("role", STAFF)
def test_each_staff_role_signs_in_and_sees_who_it_is(stack: StaffStack, role: str) -> None:
    client = stack.client()
    user = stack.user(role)
    response = sign_in(client, user.username, user.password)
    assert (response.status_code, response.headers["location"]) == (303, "/staff")
    page = client.get("/staff")
    assert page.status_code == 200
    assert f"dev-{role}-1" in page.text and f"<dd>{role.capitalize()}</dd>" in page.text
    me = client.get("/api/v1/staff/me").json()
    assert (me["subject"], me["role"], me["authenticated_by"]) == (f"dev-{role}-1", role, "session")


def test_the_session_cookie_is_an_opaque_host_only_strict_httponly_secure_id(stack: StaffStack) -> None:
    client = stack.client()
    user = stack.user("agent")
    response = sign_in(client, user.username, user.password)
    jar = cookies_set(response)
    cookie = jar["__Host-askcity-staff"]["__Host-askcity-staff"]
    assert (
        cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "strict" and cookie["path"] == "/"
    )
    assert not cookie["domain"] and not cookie["max-age"] and not cookie["expires"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", cookie.value) and "." not in cookie.value  # not a JWT
    assert (
        jar["__Host-askcity-staff-login"]["__Host-askcity-staff-login"]["max-age"] == "0"
    )  # login token gone


def test_signing_in_twice_gives_a_new_session_id_and_a_planted_id_is_never_adopted(stack: StaffStack) -> None:
    client = stack.client()
    planted = "A" * 43
    client.cookies.set("__Host-askcity-staff", planted, domain="testserver.local")
    user = stack.user("editor")
    sign_in(client, user.username, user.password)
    first = session_cookie(client)
    assert first not in (None, planted)
    client.cookies.clear()
    sign_in(client, user.username, user.password)
    assert session_cookie(client) not in (None, first)


@pytest.mark.parametrize(
    ("username", "password", "status", "message"),
    [
        ("agent", "wrong-password", 401, "The user name or the password is not right."),
        ("nobody-at-all", "wrong-password", 401, "The user name or the password is not right."),
        ("", "", 422, "Enter your user name."),
        ("agent", "   ", 422, "Enter your password."),
        ("a" * 65, "x", 401, "The user name or the password is not right."),
    ],
)
def test_a_failed_sign_in_says_what_to_do_and_starts_no_session(
    stack: StaffStack, username: str, password: str, status: int, message: str
) -> None:
    client = stack.client()
    response = sign_in(client, username, password)
    assert response.status_code == status
    assert message in response.text and "There is a problem" in response.text
    assert "Traceback" not in response.text and "wrong-password" not in response.text
    assert "__Host-askcity-staff" not in cookies_set(response)
    assert hidden_fields(response.text)["csrf_token"]  # the form can be sent again at once


def test_a_resident_cannot_sign_in_as_staff(stack: StaffStack) -> None:
    resident = next(u for u in stack.users if u.role == "resident")
    client = stack.client()
    response = sign_in(client, resident.username, resident.password)
    assert response.status_code == 403
    assert "not a staff account" in response.text
    assert session_cookie(client) is None


def test_a_user_name_is_shown_back_escaped(stack: StaffStack) -> None:
    response = sign_in(stack.client(), '<script>alert("x")</script>', "nope")
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in response.text


@pytest.mark.parametrize(
    ("origin", "use_token"),
    [(ORIGIN, False), ("https://evil.example", True), ("null", True), (None, True)],
)
def test_the_login_form_refuses_forged_posts(stack: StaffStack, origin: str | None, use_token: bool) -> None:
    client = stack.client()
    fields = hidden_fields(client.get("/staff/login").text)
    user = stack.user("agent")
    form = {**fields, "username": user.username, "password": user.password}
    if not use_token:
        form["csrf_token"] = "A" * 43
    response = client.post("/staff/login", data=form, headers={"Origin": origin} if origin else {})
    assert response.status_code == 403 and "This form had expired" in response.text
    assert session_cookie(client) is None


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/staff",
        "/staff/../api",
        "/staffx",
        "/staff/login",
        "\\\\evil",
        "/staff?next=//evil.example",
        "/staff/assist?q=<script>",
    ],
)
def test_after_sign_in_the_browser_only_goes_to_a_staff_page(stack: StaffStack, target: str) -> None:
    user = stack.user("agent")
    response = sign_in(stack.client(), user.username, user.password, next_path=target)
    assert response.headers["location"] == "/staff"


def test_an_anonymous_page_request_goes_to_the_login_page_and_comes_back(stack: StaffStack) -> None:
    client = stack.client()
    response = client.get("/staff")
    assert (response.status_code, response.headers["location"]) == (303, "/staff/login?next=/staff")
    user = stack.user("supervisor")
    assert sign_in(client, user.username, user.password, next_path="/staff").headers["location"] == "/staff"
    assert client.get("/staff/login").headers["location"] == "/staff"  # signed in already


def test_sign_in_returns_to_the_page_with_its_query_and_a_signed_out_form_goes_home(
    stack: StaffStack,
) -> None:
    client = stack.client()
    asked = client.get("/staff/assist?q=dog+licence")
    assert asked.headers["location"] == "/staff/login?next=/staff/assist%3Fq%3Ddog%2Blicence"
    user = stack.user("agent")
    back = sign_in(client, user.username, user.password, next_path="/staff/assist?q=dog+licence")
    assert back.headers["location"] == "/staff/assist?q=dog+licence"
    posted = stack.client().post("/staff/logout", headers={"Origin": ORIGIN})
    assert posted.headers["location"] == "/staff/login?next=/staff"


def test_signing_out_ends_the_session_on_the_server(stack: StaffStack) -> None:
    client = stack.client()
    user = stack.user("agent")
    sign_in(client, user.username, user.password)
    old = session_cookie(client)
    token = hidden_fields(client.get("/staff").text)["csrf_token"]
    response = client.post("/staff/logout", data={"csrf_token": token}, headers={"Origin": ORIGIN})
    assert (response.status_code, response.headers["location"]) == (303, "/staff/login?signed_out=1")
    assert "You have signed out." in client.get("/staff/login?signed_out=1").text
    replay = stack.client()
    replay.cookies.set("__Host-askcity-staff", str(old))
    assert replay.get("/api/v1/staff/me").status_code == 401
    assert replay.get("/staff").headers["location"] == "/staff/login?next=/staff"
    auth = stack.runtime.staff
    assert auth is not None and auth.sessions.load(old) is None


@pytest.fixture
def clock(stack: StaffStack) -> Iterator[ManualClock]:
    """The shared runtime's sessions on a clock the test moves (restored afterwards)."""
    auth = stack.runtime.staff
    assert auth is not None
    manual, real = ManualClock(time.time()), auth.sessions.clock
    auth.sessions.clock = manual
    yield manual
    auth.sessions.clock = real


def test_an_idle_session_ends_and_the_stale_cookie_is_cleared(stack: StaffStack, clock: ManualClock) -> None:
    client = stack.client()
    user = stack.user("editor")
    sign_in(client, user.username, user.password)
    clock.advance(stack.settings.staff_session_idle_seconds - 5)
    assert client.get("/staff").status_code == 200  # used: the idle timer starts again
    clock.advance(stack.settings.staff_session_idle_seconds - 5)
    assert client.get("/api/v1/staff/me").status_code == 200
    clock.advance(stack.settings.staff_session_idle_seconds + 1)
    response = client.get("/staff")
    assert response.headers["location"] == "/staff/login?next=/staff"
    assert cookies_set(response)["__Host-askcity-staff"]["__Host-askcity-staff"]["max-age"] == "0"


def test_a_session_ends_when_its_dev_token_runs_out(stack: StaffStack, clock: ManualClock) -> None:
    """The dev identity provider gives no refresh token: the session lasts as long as the token."""
    client = stack.client()
    user = stack.user("agent")
    sign_in(client, user.username, user.password)
    for _ in range(5):  # 3600 s of the dev token in steps shorter than the idle timeout
        clock.advance(700)
        assert client.get("/api/v1/staff/me").status_code == 200
    clock.advance(700)
    assert client.get("/api/v1/staff/me").status_code == 401


def test_pages_carry_a_strict_policy_and_no_token(stack: StaffStack) -> None:
    client = stack.client()
    user = stack.user("agent")
    login_page = client.get("/staff/login")
    sign_in(client, user.username, user.password)
    auth = stack.runtime.staff
    assert auth is not None
    session = auth.sessions.load(session_cookie(client))
    assert session is not None
    for page in (login_page, client.get("/staff")):
        headers = page.headers
        assert (
            CSP.match(headers["content-security-policy"])
            and "unsafe" not in headers["content-security-policy"]
        )
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert (headers["x-frame-options"], headers["cache-control"]) == ("DENY", "no-store")
        assert (headers["referrer-policy"], headers["x-content-type-options"]) == ("same-origin", "nosniff")
        assert "<script" not in page.text and " style=" not in page.text
        assert session.tokens.access_token not in page.text
        assert 'href="/staff/static/staff.css"' in page.text and "http" not in page.text.split("<body>")[0]


def test_without_its_identity_provider_sign_in_fails_politely(stack: StaffStack) -> None:
    """The dev identity provider is down: the login page says so (503); bearer tokens cannot be checked."""
    down = stack.settings.model_copy(update={"staff_dev_identity_url": "http://127.0.0.1:9"})
    auth = build_staff_auth(down, None)
    assert auth is not None
    real = stack.runtime.staff
    stack.runtime.staff = auth
    try:
        client = stack.client()
        response = sign_in(client, "agent", "whatever")
        assert response.status_code == 503 and "not answering" in response.text
        me = client.get("/api/v1/staff/me", headers=stack.bearer("agent"))
        assert (me.status_code, me.json()["error"]) == (503, "identity_provider_unavailable")
    finally:
        stack.runtime.staff = real
        auth.close()


def test_without_any_identity_provider_the_staff_routes_say_sign_in_is_off(stack: StaffStack) -> None:
    real = stack.runtime.staff
    stack.runtime.staff = None
    try:
        client = stack.client()
        assert client.get("/api/v1/staff/me").json()["error"] == "staff_sign_in_disabled"
        page = client.get("/staff/login")
        assert page.status_code == 503 and "not set up" in page.text
        assert client.get("/staff").status_code == 503
    finally:
        stack.runtime.staff = real


def test_sessions_are_shared_by_bot_processes_through_redis(
    stack: StaffStack, redis_url: str, redis_prefix: str
) -> None:
    """Two runtimes (two bot processes) on one Redis: signed in on one, known to the other."""
    import redis as redis_lib

    client = redis_lib.Redis.from_url(redis_url)
    settings = stack.settings.model_copy(update={"redis_prefix": redis_prefix})
    first, second = build_staff_auth(settings, client), build_staff_auth(settings, client)
    assert first is not None and second is not None
    assert isinstance(first.sessions, StaffSessions)
    real = stack.runtime.staff
    try:
        stack.runtime.staff = first
        browser = stack.client()
        user = stack.user("supervisor")
        sign_in(browser, user.username, user.password)
        stack.runtime.staff = second
        assert browser.get("/api/v1/staff/me").json()["subject"] == "dev-supervisor-1"
    finally:
        stack.runtime.staff = real
        first.close()
        second.close()
        client.close()
