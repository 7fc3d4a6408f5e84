"""Settings of the records service: one class, prefix `ASKCITY_`, validated at start-up.

Secrets (`ASKCITY_RECORDS_ENCRYPTION_KEY`, `ASKCITY_RECORDS_HMAC_KEY`: 32 bytes, URL-safe base64)
default to published dev values that are refused unless `ASKCITY_ENV=dev`. Generate real ones with
`python -c "import secrets; print(secrets.token_urlsafe(32))"`.
"""

from __future__ import annotations

import base64
import binascii
import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from limits import parse
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Published on purpose: good enough for a laptop demo, refused everywhere else.
DEV_ENCRYPTION_KEY = "ZGV2LW9ubHktYXNrY2l0eS1yZWNvcmRzLWZpZWxka2U"
DEV_HMAC_KEY = "ZGV2LW9ubHktYXNrY2l0eS1yZWNvcmRzLWhtYWMta2U"

Environment = Literal["dev", "test", "production"]


def decode_key(value: str) -> bytes:
    """A 32-byte key from unpadded or padded URL-safe base64."""
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("must be URL-safe base64") from exc
    if len(raw) != 32:
        raise ValueError("must decode to exactly 32 bytes")
    return raw


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
    jwks_timeout_seconds: float = Field(default=3.0, gt=0, le=30)
    jwks_cache_seconds: int = Field(default=300, gt=0)

    dev_identity: bool = False
    dev_token_ttl_seconds: int = Field(default=3600, gt=0, le=86400)
    records_cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)

    redis_url: str | None = None
    records_redis_prefix: str = "askcity:records"
    records_failed_lookups_per_user: str = "10/minute"
    records_failed_lookups_per_address: str = "30/minute"
    records_lockout_seconds: int = Field(default=900, gt=0)

    records_anomaly_distinct_residents: int = Field(default=25, gt=0)
    records_anomaly_window_seconds: int = Field(default=3600, gt=0)
    records_unmask_reason_min_length: int = Field(default=20, ge=10, le=500)

    @field_validator("records_cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
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
        if self.records_encryption_key == self.records_hmac_key:
            raise ValueError("the encryption key and the HMAC key must differ")
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


@lru_cache
def get_settings() -> Settings:
    return Settings()
