"""Settings of the records service: one class, prefix `ASKCITY_`, validated at start-up.

Secrets (`ASKCITY_RECORDS_ENCRYPTION_KEY`, `ASKCITY_RECORDS_HMAC_KEY`: 32 bytes, URL-safe base64)
default to published dev values that are refused unless `ASKCITY_ENV=dev`. Generate real ones with
`python -c "import secrets; print(secrets.token_urlsafe(32))"`. The same goes for the service keys
(`ASKCITY_RECORDS_SERVICE_KEYS`): with none configured, a dev service trusts the published dev key
of the bot, any other trusts no service.

The audit checkpoint signing key is a file that the database does not hold; outside production a
missing one is generated in the data dir, in production the service refuses to start without
one (`records_api.runtime.check_startup`, not here: verifying needs only the public key).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from limits import parse
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from trust.service_identity import (
    DEFAULT_MAX_AGE_SECONDS,
    DEV_SERVICE_KEY,
    DEV_SERVICE_NAME,
    check_service_name,
    decode_service_key,
)
from trust.tokens import DEFAULT_MAX_LIFETIME_SECONDS

# Published on purpose: good enough for a laptop demo, refused everywhere else.
DEV_ENCRYPTION_KEY = "ZGV2LW9ubHktYXNrY2l0eS1yZWNvcmRzLWZpZWxka2U"
DEV_HMAC_KEY = "ZGV2LW9ubHktYXNrY2l0eS1yZWNvcmRzLWhtYWMta2U"

Environment = Literal["dev", "test", "production"]

AUDIT_SIGNING_KEY_FILE = "records-audit-signing-key.pem"
AUDIT_CHECKPOINT_FILE = "records-audit-checkpoints.jsonl"


def decode_key(value: str) -> bytes:
    """A 32-byte key from unpadded or padded URL-safe base64."""
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("must be URL-safe base64") from exc
    if len(raw) != 32:
        raise ValueError("must decode to exactly 32 bytes")
    return raw


def _split_list(value: object) -> object:
    """A JSON list, or comma-separated text."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASKCITY_", extra="ignore", frozen=True)

    env: Environment = "production"
    data_dir: Path = Path("var")

    records_database_url: str | None = None
    records_auto_migrate: bool = True
    records_encryption_key: str = DEV_ENCRYPTION_KEY
    records_hmac_key: str = DEV_HMAC_KEY

    jwt_issuer: str = "askcity-dev-identity"
    jwt_audience: str = "askcity-records"
    jwks_url: str | None = None
    jwt_role_claim: str = "role"
    jwt_leeway_seconds: int = Field(default=30, ge=0, le=300)
    jwt_max_lifetime_seconds: int = Field(default=DEFAULT_MAX_LIFETIME_SECONDS, ge=60, le=86400)
    jwks_timeout_seconds: float = Field(default=3.0, gt=0, le=30)
    jwks_cache_seconds: int = Field(default=300, gt=0)

    dev_identity: bool = False
    dev_token_ttl_seconds: int = Field(default=3600, gt=0, le=86400)
    records_cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    records_trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    records_service_keys: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict, repr=False)
    records_service_signature_max_age_seconds: int = Field(default=DEFAULT_MAX_AGE_SECONDS, ge=5, le=600)

    redis_url: str | None = None
    records_redis_prefix: str = "askcity:records"
    records_failed_lookups_per_user: str = "10/minute"
    records_failed_lookups_per_address: str = "30/minute"
    records_lockout_seconds: int = Field(default=900, gt=0)

    records_anomaly_distinct_residents: int = Field(default=25, gt=0)
    records_anomaly_window_seconds: int = Field(default=3600, gt=0)
    records_unmask_reason_min_length: int = Field(default=20, ge=10, le=500)

    records_audit_signing_key_file: Path | None = None
    records_audit_verify_key_file: Path | None = None
    records_audit_checkpoint_file: Path | None = None
    records_audit_checkpoint_rows: int = Field(default=1000, gt=0)
    records_audit_checkpoint_seconds: int = Field(default=60, gt=0, le=86400)
    records_audit_refusal_flush_seconds: int = Field(default=60, gt=0, le=3600)

    # OpenTelemetry traces (the `otel` extra); the exporter is set by the standard OTEL_* variables
    otel_enabled: bool = False
    otel_service_name: str = "askcity-records"

    @field_validator("records_cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        return _split_list(value)

    @field_validator("records_trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        return _split_list(value)

    @field_validator("records_trusted_proxies")
    @classmethod
    def _valid_proxies(cls, value: list[str]) -> list[str]:
        for entry in value:
            if entry == "*":
                raise ValueError("'*' would trust X-Forwarded-For from anyone; list the proxies")
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"not an IP address or network: {entry[:60]!r}") from None
        return value

    @field_validator("records_service_keys", mode="before")
    @classmethod
    def _parse_service_keys(cls, value: object) -> object:
        """A JSON object, or `name=key,name=key`."""
        if not isinstance(value, str):
            return value
        text = value.strip()
        if not text:
            return {}
        if text.startswith("{"):
            return json.loads(text)
        pairs = [part.split("=", 1) for part in text.split(",") if part.strip()]
        if any(len(pair) != 2 for pair in pairs):
            raise ValueError("write service keys as a JSON object or as name=key,name=key")
        return {name.strip(): key.strip() for name, key in pairs}

    @field_validator("records_service_keys")
    @classmethod
    def _valid_service_keys(cls, value: dict[str, str]) -> dict[str, str]:
        for name, key in value.items():
            check_service_name(name)
            decode_service_key(key)
        return value

    @field_validator("records_failed_lookups_per_user", "records_failed_lookups_per_address")
    @classmethod
    def _valid_limit(cls, value: str) -> str:
        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"not a rate limit like '10/minute': {value!r}") from exc
        return value

    @field_validator("records_encryption_key", "records_hmac_key")
    @classmethod
    def _valid_key(cls, value: str) -> str:
        decode_key(value)
        return value

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        if self.env != "dev":
            for name, default in (
                ("records_encryption_key", DEV_ENCRYPTION_KEY),
                ("records_hmac_key", DEV_HMAC_KEY),
            ):
                if getattr(self, name) == default:
                    raise ValueError(
                        f"ASKCITY_{name.upper()} is the published dev default; "
                        "set a secret value or ASKCITY_ENV=dev"
                    )
            published = decode_service_key(DEV_SERVICE_KEY)
            if any(decode_service_key(k) == published for k in self.records_service_keys.values()):
                raise ValueError(
                    "ASKCITY_RECORDS_SERVICE_KEYS holds the published dev key; "
                    "set a secret value or ASKCITY_ENV=dev"
                )
        if self.records_encryption_key == self.records_hmac_key:
            raise ValueError("the encryption key and the HMAC key must differ")
        return self

    @model_validator(mode="after")
    def _dev_tokens_within_the_maximum_lifetime(self) -> Settings:
        if self.dev_identity and self.dev_token_ttl_seconds > self.jwt_max_lifetime_seconds:
            raise ValueError(
                "ASKCITY_DEV_TOKEN_TTL_SECONDS is longer than ASKCITY_JWT_MAX_LIFETIME_SECONDS: "
                "the dev identity provider's tokens would be refused"
            )
        return self

    @property
    def database_url(self) -> str:
        if self.records_database_url:
            return self.records_database_url
        return f"sqlite:///{self.data_dir / 'records.sqlite3'}"

    @property
    def encryption_key(self) -> bytes:
        return decode_key(self.records_encryption_key)

    @property
    def hmac_key(self) -> bytes:
        return decode_key(self.records_hmac_key)

    @property
    def service_keys(self) -> dict[str, bytes]:
        """Services that may attest a resident's address; the published dev bot key in dev."""
        configured = self.records_service_keys
        if not configured and self.env == "dev":
            configured = {DEV_SERVICE_NAME: DEV_SERVICE_KEY}
        return {name: decode_service_key(key) for name, key in configured.items()}

    @property
    def audit_checkpoint_file(self) -> Path:
        return self.records_audit_checkpoint_file or self.data_dir / AUDIT_CHECKPOINT_FILE

    @property
    def generated_audit_signing_key_file(self) -> Path:
        """Where a dev or test service keeps the checkpoint key it generated (never in production)."""
        return self.data_dir / AUDIT_SIGNING_KEY_FILE


@lru_cache
def get_settings() -> Settings:
    return Settings()
