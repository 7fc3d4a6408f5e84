"""Settings of the bot service (prefix ASKCITY_), validated at start-up."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator

from knowledge_base.settings import KnowledgeBaseSettings
from trust.errors import ServiceKeyError
from trust.service_identity import DEV_SERVICE_KEY, DEV_SERVICE_NAME, check_service_name, decode_service_key
from trust.tokens import DEFAULT_MAX_LIFETIME_SECONDS


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
    max_body_bytes: int = Field(
        default=64 * 1024, ge=1024, description="Request bodies above this are refused (413) unread."
    )
    max_header_bytes: int = Field(default=16 * 1024, ge=1024, description="Request headers above this: 431.")
    rate_limit_session: str = "30/minute"
    rate_limit_address: str = "120/minute"
    rate_limit_new_sessions: str = Field(
        default="60/minute", description="New conversations one client address may open (429 beyond)."
    )
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
    otel_enabled: bool = Field(
        default=False,
        description="OpenTelemetry traces (the `otel` extra; OTLP set by the standard OTEL_* variables).",
    )
    otel_service_name: str = Field(default="askcity-bot", description="Unless OTEL_SERVICE_NAME is set.")
    turn_processes: int = Field(
        default=0,
        ge=0,
        le=256,
        description="Processes that answer turns, each turn going to the next free one (one per core; "
        "`askcity serve --workers N` sets it). 0: turns run in the serving process. Needs Redis.",
    )
    curated_threshold: float = Field(default=0.86, gt=0, le=1)
    publish_requires_approval: bool = Field(default=True, description="0: editors publish drafts directly.")
    answer_threshold: float | None = Field(default=None, description="Override the calibrated gate.")
    # Generative answers (docs/generation.md, ADR 15): off by default; the extractive answer is the fallback.
    llm_backend: Literal["none", "openai", "transformers"] = Field(
        default="none",
        description="none | openai (an OpenAI-compatible endpoint) | transformers (a local model).",
    )
    llm_base_url: str = Field(default="", description="OpenAI-compatible endpoint, e.g. http://vllm:8000/v1.")
    llm_model: str = Field(default="", description="Model name at that endpoint.")
    llm_api_key: SecretStr = Field(default=SecretStr(""), description="Bearer key of that endpoint, if any.")
    llm_model_dir: Path | None = Field(
        default=None,
        description="transformers: a local model directory (`askcity llm prepare` makes the demo's).",
    )
    llm_timeout_seconds: float = Field(default=20.0, gt=0, le=120, description="Then the extractive answer.")
    llm_max_tokens: int = Field(
        default=200, ge=16, le=2000, description="Most tokens one answer may generate."
    )
    llm_temperature: float = Field(default=0.0, ge=0, le=2)
    llm_max_sentences: int = Field(default=4, ge=1, le=10)
    llm_passages: int = Field(default=3, ge=1, le=8, description="Passages given to the model.")
    llm_rewrite: bool = Field(
        default=True,
        description="A follow-up is rewritten by the model into a standalone question for retrieval "
        "(one more model call per follow-up); false: the retriever's conversation handling alone.",
    )
    llm_min_supported: float = Field(
        default=0.5, gt=0, le=1, description="Share of generated sentences that must verify, else fall back."
    )
    llm_max_concurrency: int = Field(default=1, ge=1, le=64, description="Calls at once per process.")
    llm_queue_seconds: float = Field(
        default=2.0, ge=0, le=60, description="Wait for a free call, then fall back."
    )
    llm_tokens_per_session: str = Field(default="20000/hour", description="Token budget of one conversation.")
    llm_tokens_overall: str = Field(default="2000000/day", description="Token budget of the whole service.")

    def bot_database(self) -> str:
        return self.bot_database_url or f"sqlite:///{self.data_dir / 'bot.sqlite3'}"

    @model_validator(mode="after")
    def _production_needs_shared_state(self) -> BotSettings:
        if self.turn_processes > 0 and not self.redis_url:
            raise ValueError(
                "ASKCITY_TURN_PROCESSES needs ASKCITY_REDIS_URL: the turn processes share sessions, "
                "limits and live events through Redis."
            )
        if self.env == "production" and not self.redis_url:
            raise ValueError(
                "ASKCITY_REDIS_URL is required when ASKCITY_ENV=production: sessions and rate limits "
                "must be shared by every bot process."
            )
        if self.jobs_backend == "rq" and not self.redis_url:
            raise ValueError("ASKCITY_JOBS_BACKEND=rq needs ASKCITY_REDIS_URL: the job queue lives in Redis.")
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

    # ---- Staff sign-in (issues 12 and 13; docs/staff.md, ADR 10) ---------------------------------------
    # Staff present the bearer tokens the records service accepts, so the token settings are the records
    # service's own variables, with its defaults: ASKCITY_JWT_ISSUER, ASKCITY_JWT_AUDIENCE, ASKCITY_JWKS_URL,
    # ASKCITY_JWT_ROLE_CLAIM, ASKCITY_JWT_LEEWAY_SECONDS, ASKCITY_JWT_MAX_LIFETIME_SECONDS,
    # ASKCITY_JWKS_TIMEOUT_SECONDS, _CACHE_SECONDS.
    jwt_issuer: str = Field(
        default="askcity-dev-identity",
        description="Required `iss` of staff tokens; with OIDC, also the issuer whose discovery is read.",
    )
    jwt_audience: str = Field(default="askcity-records", description="Required `aud` of staff access tokens.")
    jwks_url: str = Field(
        default="",
        description="The issuer's JWKS; empty: from OIDC discovery, or the dev identity provider's.",
    )
    jwt_role_claim: str = Field(default="role", description="Claim holding the role; dotted paths allowed.")
    jwt_leeway_seconds: int = Field(default=30, ge=0, le=300)
    jwt_max_lifetime_seconds: int = Field(
        default=DEFAULT_MAX_LIFETIME_SECONDS,
        ge=60,
        le=86400,
        description="A staff token issued for longer (exp - iat), or expiring further from now, is refused.",
    )
    jwks_timeout_seconds: float = Field(default=3.0, gt=0, le=30)
    jwks_cache_seconds: int = Field(default=300, gt=0)
    staff_dev_identity_url: str = Field(
        default="",
        description="Dev/test only: base URL of the records service's dev identity provider "
        "(`askcity run` sets it); staff then sign in with a demo user name and password.",
    )
    staff_oidc_client_id: str = Field(
        default="",
        description="The bot's client id at the issuer (ASKCITY_JWT_ISSUER); turns OIDC sign-in on.",
    )
    staff_oidc_client_secret: SecretStr = Field(
        default=SecretStr(""), description="For a confidential client; empty for a public client (PKCE only)."
    )
    staff_oidc_scopes: str = Field(default="openid profile", description="Scopes asked for, space-separated.")
    staff_public_url: str = Field(
        default="",
        description="The bot's public origin (https://askcity.example.org): the OIDC redirect URI and the "
        "origin state-changing staff requests must come from; empty: taken from each request (dev).",
    )
    staff_session_idle_seconds: int = Field(default=1800, ge=60, le=86_400)
    staff_session_max_seconds: int = Field(default=28_800, ge=300, le=604_800)
    staff_cookie_secure: bool = Field(
        default=True, description="Secure cookies; may be off only outside production (http://localhost)."
    )
    staff_identity_timeout_seconds: float = Field(default=5.0, gt=0, le=30)

    @model_validator(mode="after")
    def _staff_sign_in_is_safe(self) -> BotSettings:
        from urllib.parse import urlsplit

        production = self.env == "production"
        if self.staff_session_idle_seconds > self.staff_session_max_seconds:
            raise ValueError(
                "ASKCITY_STAFF_SESSION_IDLE_SECONDS must not exceed ASKCITY_STAFF_SESSION_MAX_SECONDS"
            )
        if production and not self.staff_cookie_secure:
            raise ValueError("ASKCITY_STAFF_COOKIE_SECURE=0 is for http://localhost in dev, never production")
        public = urlsplit(self.staff_public_url) if self.staff_public_url else None
        if public is not None and (
            public.scheme not in ("http", "https") or not public.netloc or public.path.strip("/")
        ):
            raise ValueError("ASKCITY_STAFF_PUBLIC_URL must be an origin such as https://askcity.example.org")
        if (
            public is not None
            and not self.staff_cookie_secure
            and public.hostname not in ("localhost", "127.0.0.1", "::1")
        ):
            raise ValueError("ASKCITY_STAFF_COOKIE_SECURE=0 is only for an http://localhost bot")
        if production and self.staff_dev_identity_url:
            raise ValueError("ASKCITY_STAFF_DEV_IDENTITY_URL is the demo's password login: not in production")
        if self.staff_oidc_client_id:
            if "openid" not in self.staff_oidc_scopes.split():
                raise ValueError("ASKCITY_STAFF_OIDC_SCOPES must include openid")
            issuer = urlsplit(self.jwt_issuer)
            if production and (issuer.scheme != "https" or public is None or public.scheme != "https"):
                raise ValueError(
                    "OIDC sign-in in production needs https ASKCITY_JWT_ISSUER and ASKCITY_STAFF_PUBLIC_URL"
                )
            if issuer.scheme not in ("http", "https") or not issuer.netloc:
                raise ValueError(
                    "with ASKCITY_STAFF_OIDC_CLIENT_ID, ASKCITY_JWT_ISSUER must be the issuer's URL"
                )
        return self

    def staff_sign_in_enabled(self) -> bool:
        return bool(self.staff_oidc_client_id or self.staff_dev_identity_url or self.jwks_url)

    # ---- Call-centre handoff, live events and the agent console (issue 12; docs/call_center.md, ADR 11) --
    # A resident who asks for a person gets a ticket in a department's queue; agents claim tickets in the
    # staff console and answer over a server-sent-events stream per session. Opening hours and capacity
    # decide whether a ticket is opened at all; a waiting ticket is abandoned after `handoff_abandon_seconds`.
    handoff_enabled: bool = Field(default=True, description="Offer live handoff to a person at all.")
    handoff_hours: str = Field(
        default="mon-sun 00:00-24:00",
        description="When agents answer: `mon-fri 08:00-18:00; sat 09:00-12:00` (days, then HH:MM-HH:MM).",
    )
    handoff_timezone: str = Field(default="UTC", description="IANA time zone of `handoff_hours`.")
    handoff_queue_capacity: int = Field(
        default=50,
        ge=1,
        le=10_000,
        description="Waiting tickets at most; beyond, residents get the contact route.",
    )
    handoff_max_open_per_address: int = Field(
        default=5,
        ge=0,
        le=10_000,
        description="Tickets one client address may open within `handoff_abandon_seconds` (so at most "
        "this many of its tickets wait at once); beyond, the resident is told their requests are waiting. "
        "0: no cap.",
    )
    handoff_abandon_seconds: int = Field(
        default=900, ge=30, le=86_400, description="A ticket nobody claims within this is abandoned."
    )
    handoff_handle_seconds: int = Field(
        default=300,
        ge=10,
        le=7200,
        description="Assumed handling time for wait estimates before any is measured.",
    )
    handoff_sweep_seconds: float = Field(
        default=15.0, gt=0, le=600, description="How often abandonment is checked."
    )
    handoff_general_department: str = Field(
        default="Contact centre", description="The queue of conversations no document's department claims."
    )
    staff_message_max_chars: int = Field(
        default=2000, ge=50, le=10_000, description="Agents' replies (413 above)."
    )
    events_heartbeat_seconds: float = Field(default=15.0, gt=0, le=120, description="SSE comment heartbeats.")
    events_stream_seconds: float = Field(
        default=300.0,
        ge=5,
        le=3600,
        description="An event stream ends after this; clients resume with Last-Event-ID.",
    )
    events_buffer: int = Field(
        default=500, ge=10, le=100_000, description="Events kept per channel for resume."
    )
    assist_suggestions: int = Field(default=3, ge=1, le=5, description="Suggested replies per request.")
    assist_second_reading: float = Field(
        default=0.9,
        ge=0.0,
        le=1.0,
        description="A document whose best passage scores under this share of the best passage's gives "
        "way to a second excerpt of the lead document's passage (docs/call_center.md); 0 keeps every "
        "suggestion from a different passage.",
    )
    # ---- documents uploaded in the console: ingest jobs (docs/editors.md, ADR 13) ----
    jobs_backend: Literal["thread", "rq"] = Field(
        default="thread",
        description="Where ingest jobs run: a thread of the bot (no Redis needed), or `rq`: a queue in "
        "ASKCITY_REDIS_URL that `askcity worker` processes take jobs from.",
    )
    jobs_queue: str = Field(
        default="askcity-ingest", min_length=1, max_length=100, description="The RQ queue's name."
    )
    jobs_stale_seconds: float = Field(
        default=60.0, ge=2, le=3600, description="A running job not heard of for this long lost its worker."
    )
    jobs_max_attempts: int = Field(
        default=2, ge=1, le=10, description="Runs of a job whose worker stopped before it is failed."
    )
    jobs_embed_part_texts: int = Field(
        default=1000,
        ge=0,
        description="An upload with more texts to embed than this is embedded in parts of this many, which "
        "every `askcity worker` of the queue takes a share of (0: one worker embeds it all).",
    )
    upload_max_bytes: int = Field(
        default=100 * 1024 * 1024,
        ge=1024,
        description="An upload request (all its files) above this is refused (413) unread; each file is "
        "also held to ASKCITY_INGEST_MAX_FILE_MB by the ingest checks.",
    )

    @model_validator(mode="after")
    def _handoff_settings_are_valid(self) -> BotSettings:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        from bot.staff.hours import parse_hours

        try:
            ZoneInfo(self.handoff_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"ASKCITY_HANDOFF_TIMEZONE: unknown time zone {self.handoff_timezone!r}"
            ) from None
        try:
            parse_hours(self.handoff_hours)
        except ValueError as exc:
            raise ValueError(f"ASKCITY_HANDOFF_HOURS: {exc}") from None
        return self

    @model_validator(mode="after")
    def _llm_settings_are_complete(self) -> BotSettings:
        from limits import parse

        if self.llm_backend == "openai" and not (self.llm_base_url and self.llm_model):
            raise ValueError("ASKCITY_LLM_BACKEND=openai needs ASKCITY_LLM_BASE_URL and ASKCITY_LLM_MODEL")
        if self.llm_backend == "transformers" and not (
            self.llm_model_dir is not None and (self.llm_model_dir / "config.json").is_file()
        ):
            raise ValueError(
                "ASKCITY_LLM_BACKEND=transformers needs ASKCITY_LLM_MODEL_DIR: a model directory with "
                "config.json (`askcity llm prepare` makes the demo's)"
            )
        for name in ("llm_tokens_per_session", "llm_tokens_overall"):
            try:
                parse(getattr(self, name))
            except ValueError:
                raise ValueError(
                    f"ASKCITY_{name.upper()}: {getattr(self, name)!r} is not a budget like '20000/hour'"
                ) from None
        return self


@lru_cache
def get_settings() -> BotSettings:
    return BotSettings()
