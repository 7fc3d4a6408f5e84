"""Settings of the bot service (prefix ASKCITY_), validated at start-up."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator

from knowledge_base.settings import KnowledgeBaseSettings


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
        return self


@lru_cache
def get_settings() -> BotSettings:
    return BotSettings()
