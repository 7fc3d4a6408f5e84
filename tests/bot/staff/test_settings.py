"""The staff sign-in settings refuse what would be unsafe, with a message that names the variable."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from bot.settings import BotSettings

PRODUCTION: dict[str, Any] = {
    "env": "production",
    "redis_url": "redis://127.0.0.1:6379/0",
    "jwt_issuer": "https://login.millbrook.example/realms/city",
    "staff_oidc_client_id": "askcity-staff",
    "staff_public_url": "https://askcity.millbrook.example",
}


def test_a_production_oidc_setup_is_accepted() -> None:
    settings = BotSettings(**PRODUCTION)
    assert settings.staff_sign_in_enabled() and settings.staff_cookie_secure


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"staff_cookie_secure": False}, "ASKCITY_STAFF_COOKIE_SECURE"),
        ({"staff_dev_identity_url": "http://127.0.0.1:8001"}, "ASKCITY_STAFF_DEV_IDENTITY_URL"),
        ({"staff_public_url": ""}, "ASKCITY_STAFF_PUBLIC_URL"),
        ({"staff_public_url": "http://askcity.millbrook.example"}, "ASKCITY_STAFF_PUBLIC_URL"),
        ({"staff_public_url": "https://askcity.millbrook.example/staff"}, "ASKCITY_STAFF_PUBLIC_URL"),
        ({"jwt_issuer": "http://login.millbrook.example/realms/city"}, "ASKCITY_JWT_ISSUER"),
        ({"staff_oidc_scopes": "profile email"}, "ASKCITY_STAFF_OIDC_SCOPES"),
        ({"staff_session_idle_seconds": 7200, "staff_session_max_seconds": 3600}, "IDLE_SECONDS"),
    ],
)
def test_unsafe_staff_settings_are_refused(changes: dict[str, Any], named: str) -> None:
    with pytest.raises(ValidationError, match=named):
        BotSettings(**{**PRODUCTION, **changes})


def test_plain_http_cookies_are_for_a_localhost_bot_outside_production() -> None:
    assert not BotSettings(env="dev", staff_cookie_secure=False).staff_cookie_secure
    local = BotSettings(env="dev", staff_cookie_secure=False, staff_public_url="http://127.0.0.1:8000")
    assert local.staff_public_url
    with pytest.raises(ValidationError, match="localhost"):
        BotSettings(env="dev", staff_cookie_secure=False, staff_public_url="http://askcity.millbrook.example")


def test_without_an_identity_provider_staff_sign_in_is_off() -> None:
    assert not BotSettings(env="dev").staff_sign_in_enabled()
    assert BotSettings(env="dev", jwks_url="https://login.example/certs").staff_sign_in_enabled()
