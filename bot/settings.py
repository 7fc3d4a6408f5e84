"""Settings of the bot service (prefix ASKCITY_), validated at start-up."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr, model_validator

from knowledge_base.settings import KnowledgeBaseSettings
from trust.errors import ServiceKeyError
from trust.service_identity import DEV_SERVICE_KEY, DEV_SERVICE_NAME, check_service_name, decode_service_key


class BotSettings(KnowledgeBaseSettings):
    env: Literal["dev", "test", "production"] = "dev"
    city_name: str = "Millbrook"
    city_url: str = "https://www.millbrook.example"
    default_contact: str = (
        "the Millbrook contact centre: call 311 (Monday to Friday, 8:00 to 18:00) "
        "or write to contact@millbrook.example"
    )
    bot_database_url: str = Field(default="", description="Transcripts, feedback, curated answers.")
    redis_url: str = Field(default="", description="Sessions and rate limits; in-process when empty.")
    redis_prefix: str = "askcity:"
    session_ttl_seconds: int = Field(default=1800, ge=60)
    max_message_chars: int = Field(default=1000, ge=50, le=10_000)
    rate_limit_session: str = "30/minute"
    rate_limit_address: str = "120/minute"
    records_api_url: str = Field(
        default="", description="Records service base URL; status lookups off when empty."
    )
    records_timeout_seconds: float = Field(default=3.0, gt=0, le=30)
    records_service_name: str = Field(
        default=DEV_SERVICE_NAME, description="The bot's name in the records service's service keys."
    )
    records_service_key: SecretStr = Field(
        default=SecretStr(""),
        description="Shared secret that signs the resident's address on records calls (URL-safe base64, "
        "32+ bytes); the published dev key is used when empty in dev, refused in production.",
    )
    records_lookups_per_resident: str = Field(
        default="20/minute", description="Status lookups one resident (one login) may make through the bot."
    )
    records_lookups_per_address: str = Field(
        default="40/minute", description="Status lookups from one client address through the bot."
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses of reverse proxies whose X-Forwarded-For is believed (none by default).",
    )
    log_hash_key: SecretStr = Field(
        default=SecretStr(""),
        description="Key of the hash that stands for case references in logs (random per process if empty).",
    )
    login_url: str = Field(default="", description="Where residents log in (the dev IdP in the demo).")
    allowed_link_hosts: list[str] = Field(default_factory=lambda: ["www.millbrook.example"])
    cors_origins: list[str] = Field(default_factory=list)
    curated_threshold: float = Field(default=0.86, gt=0, le=1)
    answer_threshold: float | None = Field(default=None, description="Override the calibrated gate.")

    def bot_database(self) -> str:
        return self.bot_database_url or f"sqlite:///{self.data_dir / 'bot.sqlite3'}"

    @model_validator(mode="after")
    def _production_needs_shared_state(self) -> BotSettings:
        if self.env == "production" and not self.redis_url:
            raise ValueError(
                "ASKCITY_REDIS_URL is required when ASKCITY_ENV=production: sessions and rate limits "
                "must be shared by every bot process."
            )
        key = self.records_service_key.get_secret_value()
        if key:
            try:
                decode_service_key(key)
                check_service_name(self.records_service_name)
            except ServiceKeyError as exc:
                raise ValueError(f"ASKCITY_RECORDS_SERVICE_KEY / _NAME: {exc}") from None
        if self.env == "production" and key == DEV_SERVICE_KEY:
            raise ValueError(
                "ASKCITY_RECORDS_SERVICE_KEY is the published dev key: set a secret of your own."
            )
        if "*" in self.trusted_proxies:
            raise ValueError(
                "ASKCITY_TRUSTED_PROXIES must name proxies; '*' would let anyone choose an address."
            )
        return self

    def records_signing_key(self) -> bytes | None:
        """The key that signs resident addresses to the records service (dev: the published one)."""
        key = self.records_service_key.get_secret_value()
        if key:
            return decode_service_key(key)
        return decode_service_key(DEV_SERVICE_KEY) if self.env == "dev" else None


@lru_cache
def get_settings() -> BotSettings:
    return BotSettings()
