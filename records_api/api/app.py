"""The app factory: `create_app()` builds the FastAPI app; its lifespan builds the runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Response
from starlette.concurrency import run_in_threadpool
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from records_api.api.errors import install_error_handlers
from records_api.api.middleware import PathScopedCORSMiddleware, SecurityHeadersMiddleware
from records_api.api.routes_cases import router as cases_router
from records_api.api.routes_dev import router as dev_router
from records_api.api.schemas import ErrorOut
from records_api.metrics import CheckpointCollector, ObservabilityMiddleware, observe_audit, render
from records_api.runtime import build_runtime
from records_api.settings import Settings, get_settings
from trust.request_limits import RequestLimitsMiddleware
from trust.tracing import build_tracer_provider, scrub_server_span, trace_stores

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

DESCRIPTION = """
The askcity records service: residents' cases behind bearer tokens, with field masking and a
tamper-evident audit trail. Residents see their own cases; agents see any case; supervisors may
unmask one case with a written reason. Personal data is masked by one declarative policy before it
leaves the service. See `docs/records_api.md` for the response shapes.
"""

DEV_PATHS = ("/dev/", "/.well-known/")


# What any route may answer before its own code runs (documented once for the OpenAPI schema).
EVERY_ROUTE: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "Unreadable request (e.g. a body that is not UTF-8)"},
    413: {"model": ErrorOut, "description": "Request body over the size limit"},
    431: {"model": ErrorOut, "description": "Request headers over the size limit"},
}


def create_app(settings: Settings | None = None, span_exporter: SpanExporter | None = None) -> FastAPI:
    """`span_exporter` replaces the OTLP exporter when tracing is on (tests: an in-memory one)."""
    chosen = settings or get_settings()
    traces: TracerProvider | None = None  # set below when ASKCITY_OTEL_ENABLED=1

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = await run_in_threadpool(build_runtime, chosen)
        if traces is not None:  # a span per SQL statement (placeholders only, never the values)
            trace_stores(traces, [runtime.database.engine])
        await run_in_threadpool(runtime.start)
        observe_audit(runtime.database.sessions)
        app.state.runtime = runtime
        try:
            yield
        finally:
            app.state.runtime = None
            await run_in_threadpool(runtime.close)
            if traces is not None:
                traces.shutdown()  # exports what is still batched

    app = FastAPI(
        title="askcity records",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        responses=EVERY_ROUTE,
    )
    install_error_handlers(app)
    app.include_router(cases_router)
    checkpoints = CheckpointCollector(chosen.audit_checkpoint_file)

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        """Prometheus metrics, for the monitoring network (the service is not behind the public proxy)."""
        body, media_type = render(checkpoints)
        return Response(body, media_type=media_type)

    if chosen.dev_identity:
        app.include_router(dev_router)
        if chosen.records_cors_origins:
            app.add_middleware(
                PathScopedCORSMiddleware,
                paths=DEV_PATHS,
                allow_origins=chosen.records_cors_origins,
            )
    app.add_middleware(SecurityHeadersMiddleware)
    # oversized headers and bodies are refused before anything reads them (431 / 413)
    app.add_middleware(RequestLimitsMiddleware, default_body_bytes=16 * 1024, max_header_bytes=16 * 1024)
    if chosen.records_trusted_proxies:
        # Outermost, so every layer sees the client address; uvicorn's own handling is off
        # (`server.run`), so nothing else trusts X-Forwarded-For.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=chosen.records_trusted_proxies)
    app.add_middleware(ObservabilityMiddleware)  # outermost: request ids and latency cover every layer
    if chosen.otel_enabled:
        traces = instrument_app(app, chosen.otel_service_name, span_exporter)
    return app


def instrument_app(app: FastAPI, service_name: str, exporter: SpanExporter | None) -> TracerProvider:
    """A server span per request, continuing the caller's trace (`traceparent`); paths templated, so
    no case reference reaches the trace store (`trust.tracing`)."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    provider = build_tracer_provider(service_name, exporter)
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        server_request_hook=scrub_server_span,
        exclude_spans=["receive", "send"],
    )
    return provider
