"""Settings: one class, validated at start-up, refusing published secrets outside dev."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from records_harness import random_key

from records_api.settings import DEV_ENCRYPTION_KEY, DEV_HMAC_KEY, Settings, get_settings
from trust.service_identity import DEV_SERVICE_KEY, DEV_SERVICE_NAME, decode_service_key


@pytest.mark.parametrize("env", ["production", "test"])
def test_published_dev_secrets_are_refused_outside_dev(env: str) -> None:
    with pytest.raises(ValidationError, match="ASKCITY_RECORDS_ENCRYPTION_KEY"):
        Settings(env=env)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="ASKCITY_RECORDS_HMAC_KEY"):
        Settings(env=env, records_encryption_key=random_key())  # type: ignore[arg-type]


def test_dev_runs_on_the_published_secrets() -> None:
    settings = Settings(env="dev")
    assert (settings.records_encryption_key, settings.records_hmac_key) == (
        DEV_ENCRYPTION_KEY,
        DEV_HMAC_KEY,
    )


def test_real_secrets_are_accepted_in_production() -> None:
    settings = Settings(records_encryption_key=random_key(), records_hmac_key=random_key())
    assert settings.env == "production"
    assert len(settings.encryption_key) == len(settings.hmac_key) == 32


@pytest.mark.parametrize(
    "overrides",
    [
        {"records_encryption_key": "too-short"},
        {"records_encryption_key": "!!!not base64!!!"},
        {"records_hmac_key": DEV_ENCRYPTION_KEY},
        {"records_failed_lookups_per_user": "lots"},
        {"records_unmask_reason_min_length": 3},
    ],
)
def test_invalid_values_are_refused_at_start_up(overrides: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Settings(env="dev", **overrides)  # type: ignore[arg-type]


def test_settings_come_from_askcity_environment_variables(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ASKCITY_ENV", "dev")
    monkeypatch.setenv("ASKCITY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ASKCITY_DEV_IDENTITY", "1")
    monkeypatch.setenv("ASKCITY_RECORDS_CORS_ORIGINS", "http://localhost:8000, http://127.0.0.1:8000")
    settings = get_settings()
    assert settings is get_settings()
    assert settings.dev_identity is True
    assert settings.records_cors_origins == ["http://localhost:8000", "http://127.0.0.1:8000"]
    assert settings.database_url == f"sqlite:///{tmp_path / 'records.sqlite3'}"
    get_settings.cache_clear()
    monkeypatch.setenv("ASKCITY_RECORDS_CORS_ORIGINS", '["https://city.example"]')
    monkeypatch.setenv("ASKCITY_RECORDS_DATABASE_URL", "postgresql+psycopg://db/records")
    settings = get_settings()
    assert settings.records_cors_origins == ["https://city.example"]
    assert settings.database_url == "postgresql+psycopg://db/records"


def test_the_service_will_not_start_in_production_on_dev_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from records_api.api.app import create_app

    monkeypatch.setenv("ASKCITY_ENV", "production")
    with pytest.raises(ValidationError):
        create_app()


def test_service_keys_come_as_json_or_name_equals_key(monkeypatch: pytest.MonkeyPatch) -> None:
    one, two = random_key(), random_key()
    monkeypatch.setenv("ASKCITY_ENV", "dev")
    monkeypatch.setenv("ASKCITY_RECORDS_SERVICE_KEYS", f'{{"askcity-bot": "{one}"}}')
    assert get_settings().records_service_keys == {"askcity-bot": one}
    get_settings.cache_clear()
    monkeypatch.setenv("ASKCITY_RECORDS_SERVICE_KEYS", f"askcity-bot={one}, bot-2026={two}")
    assert set(get_settings().service_keys) == {"askcity-bot", "bot-2026"}
    assert "records_service_keys" not in repr(get_settings())


def test_only_a_dev_service_trusts_the_published_bot_key_by_default() -> None:
    assert Settings(env="dev").service_keys == {DEV_SERVICE_NAME: decode_service_key(DEV_SERVICE_KEY)}
    real = Settings(records_encryption_key=random_key(), records_hmac_key=random_key())
    assert real.service_keys == {}
    with pytest.raises(ValidationError, match="ASKCITY_RECORDS_SERVICE_KEYS"):
        Settings(
            records_encryption_key=random_key(),
            records_hmac_key=random_key(),
            records_service_keys={"askcity-bot": DEV_SERVICE_KEY + "="},
        )


@pytest.mark.parametrize(
    "overrides",
    [
        {"records_service_keys": {"askcity-bot": "dG9vLXNob3J0"}},  # 9 bytes
        {"records_service_keys": {"Bad Name": random_key()}},
        {"records_service_keys": "askcity-bot"},
        {"records_trusted_proxies": "*"},
        {"records_trusted_proxies": "10.0.0.1, proxy.example"},
        {"records_service_signature_max_age_seconds": 3600},
        {"jwt_max_lifetime_seconds": 30},
        {"jwt_max_lifetime_seconds": 7 * 86400},
        {"dev_identity": True, "dev_token_ttl_seconds": 86400},  # its tokens would outlive the maximum
    ],
)
def test_invalid_trust_settings_are_refused_at_start_up(overrides: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Settings(env="dev", **overrides)  # type: ignore[arg-type]


def test_trusted_proxies_are_addresses_or_networks() -> None:
    settings = Settings(env="dev", records_trusted_proxies="10.0.0.1, 192.168.0.0/16, ::1")  # type: ignore[arg-type]
    assert settings.records_trusted_proxies == ["10.0.0.1", "192.168.0.0/16", "::1"]
    assert Settings(env="dev").records_trusted_proxies == []
