"""Build the bot's components from settings (the composition root; called from the app's lifespan)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import httpx
import redis

from bot import tracing
from bot.answering.curated import CuratedIndex
from bot.answering.factory import AnsweringConfig, build_pipeline
from bot.answering.gate import load_gate_config
from bot.answering.replies import load_replies
from bot.documents.desk import DocumentsDesk
from bot.documents.factory import build_documents
from bot.events import EventBroker, InMemoryEventBroker, RedisEventBroker
from bot.generation.backends import build_generator
from bot.privacy import PiiDetector, Redactor
from bot.ratelimit import RateLimiter
from bot.records_client import HttpRecordsClient
from bot.service import BotService
from bot.sessions import FallbackSessionStore, InMemorySessionStore, RedisSessionStore, SessionStore
from bot.settings import BotSettings
from bot.staff.assist import Assistant
from bot.staff.auth import StaffAuth
from bot.staff.departments import Department, Directory
from bot.staff.desk import HandoffDesk, HandoffPolicy
from bot.staff.dev_login import DevPasswordLogin
from bot.staff.hours import OfficeHours
from bot.staff.oidc import DiscoveredKeySource, OidcClient
from bot.staff.records import StaffRecords
from bot.staff.roles import ACCEPTED_ROLES
from bot.staff.sessions import StaffSessions
from bot.staff.store import InMemoryStaffStore, RedisStaffStore, StaffStore
from bot.storage.database import BotDatabase
from bot.storage.tickets import TicketStore
from bot.switch import KillSwitch
from knowledge_base.errors import KnowledgeBaseError, NoPublishedVersionError
from knowledge_base.factory import open_knowledge_base, retrieval_config
from knowledge_base.kb import KnowledgeBase
from knowledge_base.retriever import Retriever
from knowledge_base.snapshot import DocMeta
from trust.tokens import JwksUrlKeySource, KeySource, TokenVerifier

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    service: BotService
    kb: KnowledgeBase
    retriever: Retriever
    records: HttpRecordsClient | None
    redis: redis.Redis[bytes] | None
    curated: CuratedIndex
    staff: StaffAuth | None = None  # staff sign-in; None when no identity provider is configured
    events: EventBroker = field(default_factory=InMemoryEventBroker)  # live events (SSE)
    desk: HandoffDesk | None = None  # tickets and queues; None when handoff is off
    assistant: Assistant | None = None  # suggested replies and search for agents
    staff_records: StaffRecords | None = None  # the records service on a staff member's behalf
    documents: DocumentsDesk | None = None  # uploads and their ingest jobs (bot/documents)

    def start_tracing(self, provider: TracerProvider) -> None:
        """OpenTelemetry on for this runtime (`bot.tracing`): its answering steps, its records calls,
        its SQL statements (the bot's database and the knowledge base's) and its Redis commands."""
        tracing.start(
            provider,
            self.records.http if self.records is not None else None,
            [self.service.database.engine, self.kb.store.engine],
            [self.redis] if self.redis is not None else [],
        )

    def close(self) -> None:
        if self.documents is not None:
            self.documents.runner.close()
        self.events.close()
        if self.staff_records is not None:
            self.staff_records.close()
        if self.staff is not None:
            self.staff.close()
        if self.records is not None:
            self.records.close()
        if self.redis is not None:
            self.redis.close()
        self.service.database.close()
        self.retriever.close()
        self.kb.close()


def answering_config(settings: BotSettings) -> AnsweringConfig:
    gate = load_gate_config()
    if settings.answer_threshold is not None:
        gate = replace(gate, answer_threshold=settings.answer_threshold)
    return AnsweringConfig(
        city=settings.city_name,
        default_contact=settings.default_contact,
        login_url=settings.login_url,
        max_message_chars=settings.max_message_chars,
        allowed_link_hosts=tuple(settings.allowed_link_hosts),
        gate=gate,
        generation_passages=settings.llm_passages,
        generation_min_supported=settings.llm_min_supported,
    )


def build_runtime(settings: BotSettings) -> Runtime:
    """Load the model, the published index, the PII engine and connect to the stores (blocking)."""
    kb = open_knowledge_base(settings)
    retriever = kb.retriever(retrieval_config(settings), settings.reload_check_seconds)
    redactor = Redactor(PiiDetector())
    redactor.warm_up()
    database = BotDatabase(settings.bot_database())
    database.migrate()
    # short timeouts: a Redis that hangs must degrade sessions (bot/sessions), not hold every turn
    client = (
        redis.Redis.from_url(settings.redis_url, socket_timeout=2.0, socket_connect_timeout=0.5)
        if settings.redis_url
        else None
    )
    sessions: SessionStore = (
        FallbackSessionStore(
            RedisSessionStore(client, settings.redis_prefix, settings.session_ttl_seconds),
            InMemorySessionStore(settings.session_ttl_seconds),
        )
        if client is not None
        else InMemorySessionStore(settings.session_ttl_seconds)
    )
    records = (
        HttpRecordsClient(
            settings.records_api_url,
            settings.records_timeout_seconds,
            service_name=settings.records_service_name,
            service_key=settings.records_signing_key(),
            limiter=RateLimiter(
                settings.redis_url,
                settings.records_lookups_per_resident,
                settings.records_lookups_per_address,
                f"{settings.redis_prefix}records-",
            ),
            log_key=settings.log_hash_key.get_secret_value().encode() or None,
        )
        if settings.records_api_url
        else None
    )
    curated = CuratedIndex(
        database.curated_answers, database.curated_stamp, kb.embedder, settings.curated_threshold
    )
    pipeline = build_pipeline(
        answering_config(settings),
        redactor,
        retriever,
        curated,
        records,
        generator=build_generator(settings),  # a local model loads here (ASKCITY_LLM_BACKEND)
    )
    events: EventBroker = (
        RedisEventBroker(client, settings.redis_prefix, settings.events_buffer, settings.session_ttl_seconds)
        if client is not None
        else InMemoryEventBroker(settings.events_buffer, settings.session_ttl_seconds)
    )
    desk = build_desk(settings, database, events, retriever, redactor) if settings.handoff_enabled else None
    service = BotService(
        pipeline=pipeline,
        sessions=sessions,
        database=database,
        limiter=RateLimiter(
            settings.redis_url,
            settings.rate_limit_session,
            settings.rate_limit_address,
            settings.redis_prefix,
            new_sessions=settings.rate_limit_new_sessions,
            handoffs=(
                f"{settings.handoff_max_open_per_address}/{settings.handoff_abandon_seconds} seconds"
                if settings.handoff_max_open_per_address
                else None
            ),
        ),
        redactor=redactor,
        max_message_chars=settings.max_message_chars,
        switch=KillSwitch(settings.data_dir / "chat.disabled"),
        desk=desk,
        records=records,
        events=events,
    )
    kb.embedder.embed(["warm up"])
    try:
        retriever.refresh()  # load the published version now, not on the first question
    except NoPublishedVersionError:
        log.warning("no knowledge base published yet: /api/v1/ready answers 503 until `askcity ingest`")
    except KnowledgeBaseError:
        pass  # refused (logged): /api/v1/ready says so and answers 503 until a good version is published
    retriever.watch()  # pick up each published version within reload_check_seconds, questions or not
    curated.refresh()
    documents = build_documents(settings, kb, database, client)  # its runner starts with the app
    return Runtime(
        service,
        kb,
        retriever,
        records,
        client,
        curated,
        build_staff_auth(settings, client),
        events=events,
        desk=desk,
        assistant=Assistant(
            pipeline, settings.assist_suggestions, second_reading=settings.assist_second_reading
        ),
        staff_records=(
            StaffRecords(settings.records_api_url, settings.records_timeout_seconds)
            if settings.records_api_url
            else None
        ),
        documents=documents,
    )


def build_desk(
    settings: BotSettings,
    database: BotDatabase,
    events: EventBroker,
    retriever: Retriever,
    redactor: Redactor,
) -> HandoffDesk:
    """The call-centre desk (docs/call_center.md): tickets in the bot's database, departments from the
    published documents, opening hours and capacity from the settings."""

    def documents() -> list[DocMeta]:
        return list(retriever.snapshot.documents)

    return HandoffDesk(
        TicketStore(database.engine),
        events,
        Directory(documents, Department(settings.handoff_general_department, settings.default_contact)),
        HandoffPolicy(
            hours=OfficeHours(settings.handoff_hours, settings.handoff_timezone),
            capacity=settings.handoff_queue_capacity,
            abandon_seconds=settings.handoff_abandon_seconds,
            handle_seconds=settings.handoff_handle_seconds,
            max_message_chars=settings.staff_message_max_chars,
        ),
        load_replies(),
        redactor,
    )


def build_staff_auth(settings: BotSettings, client: redis.Redis[bytes] | None) -> StaffAuth | None:
    """Staff sign-in (docs/staff.md): the shared token verifier, sessions, the dev login and OIDC."""
    if not settings.staff_sign_in_enabled():
        return None
    http = httpx.Client(timeout=settings.staff_identity_timeout_seconds, follow_redirects=False)
    oidc = (
        OidcClient(
            settings.jwt_issuer,
            settings.staff_oidc_client_id,
            settings.staff_oidc_client_secret.get_secret_value(),
            settings.staff_oidc_scopes,
            http,
            allow_http_loopback=settings.env != "production",
        )
        if settings.staff_oidc_client_id
        else None
    )
    dev_login = (
        DevPasswordLogin(settings.staff_dev_identity_url, http) if settings.staff_dev_identity_url else None
    )
    timeout, cache = settings.jwks_timeout_seconds, settings.jwks_cache_seconds
    keys: KeySource
    if settings.jwks_url:
        keys = JwksUrlKeySource(settings.jwks_url, timeout, cache)
    elif oidc is not None:
        keys = DiscoveredKeySource(oidc, timeout, cache)
    else:
        assert dev_login is not None
        keys = JwksUrlKeySource(dev_login.jwks_url, timeout, cache)
    verifier = TokenVerifier(
        keys,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        leeway_seconds=settings.jwt_leeway_seconds,
        role_claim=settings.jwt_role_claim,
        roles=ACCEPTED_ROLES,
        max_lifetime_seconds=settings.jwt_max_lifetime_seconds,
    )
    store: StaffStore = (
        RedisStaffStore(client, settings.redis_prefix) if client is not None else InMemoryStaffStore()
    )
    sessions = StaffSessions(store, settings.staff_session_idle_seconds, settings.staff_session_max_seconds)
    return StaffAuth(verifier, sessions, dev_login, oidc, http)
