"""OpenTelemetry for the bot's app, built at start-up only when `ASKCITY_OTEL_ENABLED=1`.

A server span per HTTP request (the FastAPI instrumentation), a span per answering step
(`bot.tracing`), and a client span for each records call, whose `traceparent` header carries the
trace into the records service (the httpx instrumentation on the records client only), and a client
span for each SQL statement and Redis command of the runtime's own stores. Paths and URLs on spans are
templated (`trust.tracing`), SQL keeps its placeholders and Redis only its command names: no case
reference reaches the trace store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI

from bot import tracing
from bot.settings import BotSettings
from trust.tracing import build_tracer_provider, scrub_server_span

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

    from bot.runtime import Runtime


def instrument_app(app: FastAPI, settings: BotSettings, exporter: SpanExporter | None) -> TracerProvider:
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    provider = build_tracer_provider(settings.otel_service_name, exporter)
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        server_request_hook=scrub_server_span,
        exclude_spans=["receive", "send"],  # one span per request, not one per ASGI message
    )
    return provider


def start(provider: TracerProvider, runtime: Runtime) -> None:
    """Step spans on; records calls, SQL statements and Redis commands traced (`Runtime.start_tracing`)."""
    runtime.start_tracing(provider)


def stop(provider: TracerProvider) -> None:
    tracing.disable()
    provider.shutdown()  # exports what is still batched
