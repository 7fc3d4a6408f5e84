"""OpenID Connect sign-in (production's path) against a local issuer over real HTTP: PKCE, state, nonce, the
browser binding, refresh, sign-out at the issuer, and every way a callback can be wrong."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from bot.api.app import create_app
from bot.runtime import Runtime, build_staff_auth
from bot.staff.auth import StaffAuth
from bot.staff.errors import IdentityProviderError
from bot.staff.oidc import OidcClient, code_challenge
from tests.bot.staff.oidc_provider import CLIENT_ID, OidcProvider
from tests.bot.staff.staff_harness import BASE_URL, ORIGIN, hidden_fields, session_cookie
from tests.bot.staff.test_sessions import ManualClock
from tests.bot.staff.test_sign_in import cookies_set
from tests.web_widget.harness import bot_settings


@dataclasses.dataclass
class OidcStack:
    provider: OidcProvider
    auth: StaffAuth
    client_factory: Any

    def client(self) -> TestClient:
        return self.client_factory()  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def oidc(
    staff_runtime: Runtime, staff_kb_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OidcStack]:
    with OidcProvider() as provider:
        settings = bot_settings(
            staff_kb_dir,
            tmp_path_factory.mktemp("oidc-bot"),
            jwt_issuer=provider.issuer,
            staff_oidc_client_id=CLIENT_ID,
        )
        auth = build_staff_auth(settings, None)
        assert auth is not None and auth.oidc is not None and auth.dev_login is None
        app = create_app(settings, dataclasses.replace(staff_runtime, staff=auth))
        clients: list[TestClient] = []

        def new_client() -> TestClient:
            client = TestClient(app, base_url=BASE_URL, follow_redirects=False)
            clients.append(client)
            return client

        with TestClient(app, base_url=BASE_URL):
            yield OidcStack(provider, auth, new_client)
        for client in clients:
            client.close()
        auth.close()


def start(client: TestClient, next_path: str = "") -> str:
    """Click "Sign in with your city account": the issuer's authorization URL."""
    response = client.get("/staff/login/oidc", params={"next": next_path} if next_path else None)
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def at_issuer(authorize_url: str) -> str:
    """The browser at the issuer (already signed in there): where it is sent back to."""
    response = httpx.get(authorize_url, follow_redirects=False)
    assert response.status_code == 302, response.text
    return str(response.headers["location"])


def sign_in(client: TestClient, next_path: str = "") -> Any:
    return client.get(at_issuer(start(client, next_path)))


def test_the_whole_flow_signs_in_with_pkce_state_and_nonce(oidc: OidcStack) -> None:
    client = oidc.client()
    authorize = start(client, "/staff")
    params = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
    assert authorize.startswith(f"{oidc.provider.issuer}/authorize?")
    assert params["response_type"] == "code" and params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == f"{BASE_URL}/staff/auth/callback"
    assert params["scope"] == "openid profile" and params["code_challenge_method"] == "S256"
    assert len(params["state"]) == len(params["nonce"]) == 43 and params["state"] != params["nonce"]
    callback = client.get(at_issuer(authorize))
    assert callback.status_code == 200
    assert '<meta http-equiv="refresh" content="0; url=/staff">' in callback.text
    exchange = oidc.provider.token_requests[-1]
    assert code_challenge(exchange["code_verifier"]) == params["code_challenge"]
    assert exchange["code_verifier"] not in authorize and "client_secret" not in exchange
    page = client.get("/staff")
    assert page.status_code == 200 and "Olivia Agent" in page.text and "<dd>Agent</dd>" in page.text
    me = client.get("/api/v1/staff/me").json()
    assert (me["subject"], me["name"], me["authenticated_by"]) == ("oidc-agent-1", "Olivia Agent", "session")


def test_the_cookies_are_lax_for_the_round_trip_and_strict_after(oidc: OidcStack) -> None:
    client = oidc.client()
    started = client.get("/staff/login/oidc")
    binding = cookies_set(started)["__Host-askcity-staff-oidc"]["__Host-askcity-staff-oidc"]
    assert binding["samesite"] == "lax" and binding["httponly"] and binding["secure"]
    assert binding["max-age"] == "600" and binding["path"] == "/"
    callback = client.get(at_issuer(str(started.headers["location"])))
    jar = cookies_set(callback)
    assert jar["__Host-askcity-staff"]["__Host-askcity-staff"]["samesite"] == "strict"
    assert jar["__Host-askcity-staff-oidc"]["__Host-askcity-staff-oidc"]["max-age"] == "0"


def test_a_callback_works_once(oidc: OidcStack) -> None:
    client = oidc.client()
    callback_url = at_issuer(start(client))
    assert client.get(callback_url).status_code == 200
    first = session_cookie(client)
    again = client.get(callback_url)
    assert again.status_code == 401 and "expired or was already used" in again.text
    assert session_cookie(client) == first


def test_a_callback_in_another_browser_is_refused(oidc: OidcStack) -> None:
    """Login CSRF: an attacker's own callback URL, opened in a victim's browser, signs nobody in."""
    attacker = oidc.client()
    callback_url = at_issuer(start(attacker))
    victim = oidc.client()
    response = victim.get(callback_url)
    assert response.status_code == 401 and session_cookie(victim) is None


@pytest.mark.parametrize("change", ["state", "code", "both codes swapped"])
def test_a_tampered_callback_is_refused(oidc: OidcStack, change: str) -> None:
    client = oidc.client()
    mine = urlsplit(at_issuer(start(client)))
    params = {k: v[0] for k, v in parse_qs(mine.query).items()}
    if change == "state":
        params["state"] = "A" * 43
    elif change == "code":
        params["code"] = "made-up-code"
    else:
        other = oidc.client()
        params["code"] = parse_qs(urlsplit(at_issuer(start(other))).query)["code"][0]
    response = client.get("/staff/auth/callback", params=params)
    assert response.status_code == 401 and session_cookie(client) is None
    assert "Traceback" not in response.text


def test_an_id_token_for_another_login_is_refused(oidc: OidcStack) -> None:
    oidc.provider.id_token_nonce = "someone-elses-nonce"
    try:
        client = oidc.client()
        response = sign_in(client)
        assert response.status_code == 401 and "could not be completed" in response.text
        assert session_cookie(client) is None
    finally:
        oidc.provider.id_token_nonce = None


def test_a_refusal_at_the_issuer_is_explained(oidc: OidcStack) -> None:
    oidc.provider.deny_next = True
    response = sign_in(oidc.client())
    assert response.status_code == 401 and "cancelled or refused" in response.text


def test_a_resident_at_the_issuer_is_not_staff(oidc: OidcStack) -> None:
    real = oidc.provider.user
    oidc.provider.user = {"sub": "resident-9", "role": "resident", "name": "Rita Resident"}
    try:
        client = oidc.client()
        response = sign_in(client)
        assert response.status_code == 403 and "not a staff account" in response.text
        assert session_cookie(client) is None
    finally:
        oidc.provider.user = real


@pytest.fixture
def clock(oidc: OidcStack) -> Iterator[ManualClock]:
    manual, real = ManualClock(time.time()), oidc.auth.sessions.clock
    oidc.auth.sessions.clock = manual
    yield manual
    oidc.auth.sessions.clock = real


def test_an_expiring_access_token_is_refreshed_and_a_refused_refresh_ends_the_session(
    oidc: OidcStack, clock: ManualClock
) -> None:
    client = oidc.client()
    sign_in(client)
    before = oidc.auth.sessions.load(session_cookie(client))
    assert before is not None and before.tokens.refresh_token is not None
    clock.advance(oidc.provider.access_ttl)  # the token is about to run out
    oidc.provider.user = {**oidc.provider.user, "role": "supervisor"}  # promoted meanwhile
    try:
        me = client.get("/api/v1/staff/me")
        assert me.status_code == 200 and me.json()["role"] == "supervisor"
        assert oidc.provider.token_requests[-1]["grant_type"] == "refresh_token"
        after = oidc.auth.sessions.load(session_cookie(client))
        assert after is not None and after.tokens.access_token != before.tokens.access_token
        oidc.provider.refresh_tokens.clear()  # the issuer revoked the session
        clock.advance(oidc.provider.access_ttl)
        assert client.get("/api/v1/staff/me").status_code == 401
        assert oidc.auth.sessions.load(session_cookie(client)) is None
    finally:
        oidc.provider.user = {**oidc.provider.user, "role": "agent"}


def test_signing_out_also_signs_out_at_the_issuer(oidc: OidcStack) -> None:
    client = oidc.client()
    sign_in(client)
    session = oidc.auth.sessions.load(session_cookie(client))
    assert session is not None
    token = hidden_fields(client.get("/staff").text)["csrf_token"]
    response = client.post("/staff/logout", data={"csrf_token": token}, headers={"Origin": ORIGIN})
    target = urlsplit(response.headers["location"])
    params = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{oidc.provider.issuer}/logout"
    assert params["id_token_hint"] == session.tokens.id_token
    assert params["post_logout_redirect_uri"] == f"{BASE_URL}/staff/login?signed_out=1"
    assert oidc.auth.sessions.load(session_cookie(client)) is None
    page = client.get("/staff/login")
    assert f"form-action 'self' {oidc.provider.issuer}" in page.headers["content-security-policy"]
    assert "Sign in with your city account" in page.text and 'name="password"' not in page.text


def test_a_confidential_client_authenticates_with_its_secret(
    staff_runtime: Runtime, staff_kb_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with OidcProvider(client_secret="s3cret-of-the-bot") as provider:
        settings = bot_settings(
            staff_kb_dir,
            tmp_path_factory.mktemp("oidc-secret"),
            jwt_issuer=provider.issuer,
            staff_oidc_client_id=CLIENT_ID,
            staff_oidc_client_secret="s3cret-of-the-bot",
        )
        auth = build_staff_auth(settings, None)
        assert auth is not None
        app = create_app(settings, dataclasses.replace(staff_runtime, staff=auth))
        with TestClient(app, base_url=BASE_URL, follow_redirects=False) as client:
            assert sign_in(client).status_code == 200
            assert client.get("/api/v1/staff/me").json()["subject"] == "oidc-agent-1"
        assert "client_secret" not in provider.token_requests[-1]
        auth.close()


def test_a_discovery_document_naming_another_issuer_is_refused(oidc: OidcStack) -> None:
    lookalike = oidc.provider.issuer.replace("localhost", "127.0.0.1")
    with httpx.Client(timeout=3) as http:
        client = OidcClient(lookalike, CLIENT_ID, None, "openid", http, allow_http_loopback=True)
        with pytest.raises(IdentityProviderError, match="another issuer"):
            client.metadata()
        production = OidcClient(
            oidc.provider.issuer, CLIENT_ID, None, "openid", http, allow_http_loopback=False
        )
        with pytest.raises(IdentityProviderError, match="https"):
            production.metadata()
