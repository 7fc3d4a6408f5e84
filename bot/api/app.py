"""The bot's FastAPI application factory. Everything heavy is built in the lifespan, off the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.api import errors, tracing
from bot.api.editor_audit import EditorAuditMiddleware
from bot.api.pages import router as pages_router
from bot.api.routes_chat import router as chat_router
from bot.api.routes_events import router as events_router
from bot.api.routes_ops import router as ops_router
from bot.api.routes_staff_analytics import router as staff_analytics_router
from bot.api.routes_staff_auth import install_staff
from bot.api.routes_staff_console import router as staff_console_router
from bot.api.routes_staff_curated import router as staff_curated_router
from bot.api.routes_staff_documents import router as staff_documents_router
from bot.api.routes_staff_drafts import router as staff_drafts_router
from bot.api.routes_staff_drafts_pages import router as staff_drafts_pages_router
from bot.api.routes_staff_pages import router as staff_pages_router
from bot.api.schemas import ErrorBody
from bot.metrics import ObservabilityMiddleware
from bot.runtime import Runtime, build_runtime
from bot.settings import BotSettings, get_settings
from bot.turns import for_runtime as turns_for
from trust.request_limits import BodyLimit, RequestLimitsMiddleware

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

log = logging.getLogger(__name__)
WIDGET_DIR = Path(__file__).resolve().parents[2] / "web_widget" / "static"


def content_security_policy(settings: BotSettings) -> str:
    connect = " ".join(["'self'", *sorted({_origin(settings.login_url)} - {""})])
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src {connect}; font-src 'self'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'self'"
    )


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


class SecurityHeadersMiddleware:
    """Headers every response carries unless a route set its own (a plain ASGI middleware: Starlette's
    `BaseHTTPMiddleware` runs each request in an extra task and costs a busy bot measurably)."""

    def __init__(self, app: ASGIApp, csp: str) -> None:
        self.app = app
        self.defaults = (
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "no-referrer"),
            ("Content-Security-Policy", csp),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.defaults:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


# What any route may answer before its own code runs (documented once for the OpenAPI schema).
EVERY_ROUTE: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Unreadable request (e.g. a body that is not UTF-8)"},
    413: {"model": ErrorBody, "description": "Request body over the size limit"},
    431: {"model": ErrorBody, "description": "Request headers over the size limit"},
}


async def _sweep_abandoned(runtime: Runtime, every: float) -> None:
    """Abandon tickets nobody claimed in time (every process runs this; each ticket ends once)."""
    desk = runtime.desk
    if desk is None:
        return
    while True:
        await asyncio.sleep(every)
        try:
            await run_in_threadpool(desk.sweep)
        except Exception:  # the database or Redis is briefly away: try again next round
            log.warning("handoff sweep failed", exc_info=True)


def create_app(
    settings: BotSettings | None = None,
    runtime: Runtime | None = None,
    span_exporter: SpanExporter | None = None,
) -> FastAPI:
    """`runtime` may be given (tests, `askcity run`); otherwise it is built from settings at start-up.
    `span_exporter` replaces the OTLP exporter when tracing is on (tests: an in-memory one)."""
    settings = settings or get_settings()
    traces: TracerProvider | None = None  # set below when ASKCITY_OTEL_ENABLED=1

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = runtime is None
        built = runtime if runtime is not None else await run_in_threadpool(build_runtime, settings)
        turns = turns_for(built, settings)
        try:
            await run_in_threadpool(turns.start)  # the turn processes, when there are any (bot/turns.py)
        except BaseException:
            if owned:
                built.close()
            raise
        app.state.runtime, app.state.turns = built, turns
        if traces is not None:
            tracing.start(traces, built)
        if built.documents is not None:  # ingest jobs run here, never in CLIs or turn processes
            built.documents.runner.start()
        sweeper = asyncio.create_task(_sweep_abandoned(built, settings.handoff_sweep_seconds))
        try:
            yield
        finally:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
            await run_in_threadpool(turns.close)
            if traces is not None:
                tracing.stop(traces)
            if owned:
                built.close()

    app = FastAPI(
        title="askcity bot",
        version="1.0",
        description="Grounded answers from a city's documents, with citations; honest refusals.",
        lifespan=lifespan,
        responses=EVERY_ROUTE,
    )
    app.state.settings = settings  # read by `SettingsDep` (bot/api/deps.py)
    errors.install(app)
    app.include_router(chat_router)
    app.include_router(events_router)
    app.include_router(staff_console_router)
    app.include_router(staff_pages_router)
    app.include_router(staff_documents_router)  # documents and ingest jobs (issue 13)
    app.include_router(staff_analytics_router)  # editors: analytics and feedback (issue 13)
    app.include_router(staff_curated_router)  # curated answers in the console (issue 13)
    app.include_router(staff_drafts_router)  # drafts, review, publishing, editors' audit (issue 13)
    app.include_router(staff_drafts_pages_router)  # /staff/drafts and /staff/versions
    app.include_router(ops_router)
    app.include_router(pages_router)
    install_staff(app)  # staff sign-in (docs/staff.md); checks every staff route declares its access
    if WIDGET_DIR.is_dir():
        app.mount("/widget", StaticFiles(directory=WIDGET_DIR), name="widget")
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Content-Type", "Authorization", "Last-Event-ID"],
            expose_headers=["Retry-After"],
        )
    app.add_middleware(GZipMiddleware, minimum_size=1024)  # text/event-stream is never compressed
    # outermost: oversized headers and bodies are refused before anything reads them
    app.add_middleware(
        RequestLimitsMiddleware,
        default_body_bytes=settings.max_body_bytes,
        body_limits=[  # the console's upload form is sent back to its page, which says why
            BodyLimit("/api/v1/staff/documents", settings.upload_max_bytes),
            BodyLimit("/staff/documents", settings.upload_max_bytes, form_page="/staff/documents"),
        ],
        max_header_bytes=settings.max_header_bytes,
    )
    app.add_middleware(EditorAuditMiddleware)  # editors' actions in the console (issue 13)
    app.add_middleware(SecurityHeadersMiddleware, csp=content_security_policy(settings))
    app.add_middleware(ObservabilityMiddleware)  # outermost: request ids and latency cover every layer
    if settings.otel_enabled:
        traces = tracing.instrument_app(app, settings, span_exporter)
    return app
