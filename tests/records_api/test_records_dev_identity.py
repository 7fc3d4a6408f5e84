"""The dev identity provider: argon2 logins, RS256 tokens with a published JWKS, browser CORS."""

from __future__ import annotations

import stat
import time
from collections.abc import Callable
from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from records_harness import Harness, Person, make_settings

from records_api.admin import add_dev_user
from records_api.api.app import create_app
from records_api.dev_identity import KEY_FILE
from records_api.enums import Role

PASSWORD = "correct-horse-battery-staple"


def _account(h: Harness, person: Person, username: str = "alice") -> None:
    assert h.runtime.dev_identity is not None
    digest = h.runtime.dev_identity.hash_password(PASSWORD)
    with h.runtime.database.sessions.begin() as session:
        add_dev_user(session, username, digest, Role.RESIDENT, person.subject)


def test_a_json_or_form_login_yields_a_token_the_service_accepts(lite: Harness) -> None:
    person = lite.add_person(cases=2)
    _account(lite, person)
    for kwargs in (
        {"json": {"username": "alice", "password": PASSWORD}},
        {"data": {"username": "alice", "password": PASSWORD}},
    ):
        issued = lite.client.post("/dev/token", **kwargs)  # type: ignore[arg-type]
        assert issued.status_code == 200
        body = issued.json()
        assert (body["token_type"], body["role"]) == ("bearer", "resident")
        mine = lite.client.get("/v1/me/cases", headers=lite.bearer(body["access_token"]))
        assert sorted(c["reference"] for c in mine.json()["cases"]) == sorted(person.references)


def test_issued_tokens_carry_the_standard_claims_and_verify_against_the_jwks(lite: Harness) -> None:
    _account(lite, lite.add_person(cases=1))
    token = lite.client.post("/dev/token", json={"username": "alice", "password": PASSWORD})
    access = token.json()["access_token"]
    jwks = lite.client.get("/.well-known/jwks.json").json()
    header = jwt.get_unverified_header(access)
    assert header["alg"] == "RS256"
    assert header["kid"] in {key["kid"] for key in jwks["keys"]}
    key = jwt.PyJWKSet.from_dict(jwks)[header["kid"]]
    claims = jwt.decode(
        access,
        key.key,
        algorithms=["RS256"],
        audience=lite.settings.jwt_audience,
        issuer=lite.settings.jwt_issuer,
    )
    assert {"sub", "role", "iss", "aud", "exp", "nbf", "iat"} <= set(claims)
    assert claims["exp"] - claims["iat"] == token.json()["expires_in"]


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(lite: Harness) -> None:
    _account(lite, lite.add_person(cases=1))
    wrong = lite.client.post("/dev/token", json={"username": "alice", "password": "guess"})
    unknown = lite.client.post("/dev/token", json={"username": "nobody", "password": "guess"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.content == unknown.content
    assert b"guess" not in wrong.content


def test_a_login_without_credentials_is_a_422_never_a_500(lite: Harness) -> None:
    for kwargs in (
        {"content": b"username=alice", "headers": {"Content-Type": "text/plain"}},
        {"content": b"{not json", "headers": {"Content-Type": "application/json"}},
        {"json": {"username": "", "password": ""}},
        {"json": ["alice", PASSWORD]},
        {"content": b"\xff\xfe", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
        {"content": b"x" * 10_000, "headers": {"Content-Type": "application/json"}},
    ):
        response = lite.client.post("/dev/token", **kwargs)  # type: ignore[arg-type]
        assert response.status_code == 422, kwargs
        assert response.json()["error"] == "invalid_request"


def test_repeated_failed_logins_are_locked_out(harness_factory: Callable[..., Harness]) -> None:
    h = harness_factory(records_failed_lookups_per_user="3/minute")
    _account(h, h.add_person(cases=1))
    statuses = [
        h.client.post("/dev/token", json={"username": "alice", "password": f"guess-{n}"}).status_code
        for n in range(5)
    ]
    assert statuses == [401, 401, 401, 429, 429]
    right = h.client.post("/dev/token", json={"username": "alice", "password": PASSWORD})
    assert right.status_code == 429


def test_a_locked_address_refuses_every_login_so_user_names_cannot_be_sprayed(
    harness_factory: Callable[..., Harness],
) -> None:
    h = harness_factory(records_failed_lookups_per_address="3/minute")
    _account(h, h.add_person(cases=1))
    sprayed = [
        h.client.post("/dev/token", json={"username": f"user-{n}", "password": "Winter2026!"}).status_code
        for n in range(6)
    ]
    assert sprayed == [401, 401, 401, 429, 429, 429]
    right = h.client.post("/dev/token", json={"username": "alice", "password": PASSWORD})
    assert right.status_code == 429
    elsewhere = h.client_from("198.51.100.99").post(
        "/dev/token", json={"username": "alice", "password": PASSWORD}
    )
    assert elsewhere.status_code == 200


def test_cors_allows_the_widget_origin_on_the_token_endpoint_only(
    tmp_path: Path, dev_key_pem: Path, sqlite_url: str
) -> None:
    from records_harness import start_harness

    widget = "http://localhost:8000"
    h = start_harness(tmp_path, dev_key_pem, sqlite_url, records_cors_origins=[widget])
    try:

        def preflight(path: str, origin: str) -> str | None:
            response = h.client.options(
                path,
                headers={
                    "Origin": origin,
                    "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "content-type",
                },
            )
            return response.headers.get("access-control-allow-origin")

        assert preflight("/dev/token", widget) == widget
        assert preflight("/dev/token", "https://evil.example") is None
        assert preflight("/v1/me/cases", widget) is None
        login = h.client.post(
            "/dev/token", json={"username": "x", "password": "y"}, headers={"Origin": widget}
        )
        assert login.headers.get("access-control-allow-origin") == widget
    finally:
        h.__exit__(None, None, None)


def test_the_dev_signing_key_persists_so_tokens_survive_a_restart(tmp_path: Path, sqlite_url: str) -> None:
    settings = make_settings(tmp_path / "data", sqlite_url)
    with TestClient(create_app(settings)) as first:
        kid = first.get("/.well-known/jwks.json").json()["keys"][0]["kid"]
        runtime = first.app.state.runtime  # type: ignore[attr-defined]
        token = runtime.dev_identity.issue("someone", Role.RESIDENT).access_token
    key_file = settings.data_dir / KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    with TestClient(create_app(settings)) as second:
        assert second.get("/.well-known/jwks.json").json()["keys"][0]["kid"] == kid
        listing = second.get("/v1/me/cases", headers={"Authorization": f"Bearer {token}"})
        assert listing.status_code == 200


def test_the_dev_providers_tokens_stay_within_the_maximum_lifetime_the_service_accepts(
    harness_factory: Callable[..., Harness],
) -> None:
    h = harness_factory(jwt_max_lifetime_seconds=7200, dev_token_ttl_seconds=7200)
    person = h.add_person(cases=1)
    _account(h, person)
    issued = h.client.post("/dev/token", json={"username": "alice", "password": PASSWORD}).json()
    assert issued["expires_in"] == 7200
    assert h.client.get("/v1/me/cases", headers=h.bearer(issued["access_token"])).status_code == 200
    now = int(time.time())
    longer = h.token(person.subject, Role.RESIDENT, iat=now, nbf=now, exp=now + 7201)
    refused = h.client.get("/v1/me/cases", headers=h.bearer(longer))
    assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
    with pytest.raises(ValidationError, match="ASKCITY_DEV_TOKEN_TTL_SECONDS"):
        make_settings(h.settings.data_dir, h.settings.database_url, dev_token_ttl_seconds=13 * 3600)
