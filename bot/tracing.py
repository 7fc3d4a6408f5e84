"""Spans of the bot's own steps when OpenTelemetry tracing is on (`ASKCITY_OTEL_ENABLED=1`).

The answering pipeline asks `step(name)` for a context around each step; with tracing off (the
default) that is a `nullcontext` and OpenTelemetry is never imported. `start` turns it on at start-up
(from `bot.api.tracing` in the serving process, from `bot.turns` in each turn process) with the
process's tracer provider, and instruments the records client so its requests carry the trace.

A turn handed to a turn process (`ASKCITY_TURN_PROCESSES`) carries the trace context with it:
`carrier()` in the serving process, `continued(carrier)` around the turn in the pool process.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TYPE_CHECKING

from trust.tracing import scrub_client_span, trace_stores

if TYPE_CHECKING:
    import httpx
    import redis
    from opentelemetry.trace import Tracer, TracerProvider
    from sqlalchemy.engine import Engine

_tracer: Tracer | None = None


def start(
    provider: TracerProvider,
    records_http: httpx.Client | None,
    engines: Sequence[Engine] = (),
    redis_clients: Sequence[redis.Redis[bytes]] = (),
) -> None:
    """Step spans on; the records client's requests traced, carrying `traceparent`; a span for each
    statement and command of the process's own databases and Redis (`trust.tracing.trace_stores`)."""
    global _tracer
    _tracer = provider.get_tracer("askcity.bot")
    trace_stores(provider, engines, redis_clients)
    if records_http is not None:
        from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

        HTTPXClientInstrumentor.instrument_client(
            records_http, tracer_provider=provider, request_hook=scrub_client_span
        )


def disable() -> None:
    global _tracer
    _tracer = None


def step(name: str) -> AbstractContextManager[object]:
    """A span `answering.<name>` (a child of the request's span), or nothing when tracing is off."""
    tracer = _tracer
    if tracer is None:
        return nullcontext()
    return tracer.start_as_current_span(f"answering.{name}")


def carrier() -> dict[str, str]:
    """The current trace context as W3C headers, to hand to another process ({} when off)."""
    if _tracer is None:
        return {}
    from opentelemetry.propagate import inject

    headers: dict[str, str] = {}
    inject(headers)
    return headers


@contextmanager
def continued(headers: Mapping[str, str]) -> Iterator[None]:
    """Run the block inside the trace that `headers` (from `carrier()`) name, when tracing is on."""
    if _tracer is None or not headers:
        yield
        return
    from opentelemetry import context
    from opentelemetry.propagate import extract

    token = context.attach(extract(dict(headers)))
    try:
        yield
    finally:
        context.detach(token)
