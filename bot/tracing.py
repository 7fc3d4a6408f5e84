"""Spans of the bot's own steps when OpenTelemetry tracing is on (`ASKCITY_OTEL_ENABLED=1`).

The answering pipeline asks `step(name)` for a context around each step; with tracing off (the
default) that is a `nullcontext` and OpenTelemetry is never imported. `bot.api.tracing` turns it on
at start-up (`enable`) with the service's tracer provider and off at shutdown.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer, TracerProvider

_tracer: Tracer | None = None


def enable(provider: TracerProvider) -> None:
    global _tracer
    _tracer = provider.get_tracer("askcity.bot")


def disable() -> None:
    global _tracer
    _tracer = None


def step(name: str) -> AbstractContextManager[object]:
    """A span `answering.<name>` (a child of the request's span), or nothing when tracing is off."""
    tracer = _tracer
    if tracer is None:
        return nullcontext()
    return tracer.start_as_current_span(f"answering.{name}")
