"""OpenTelemetry traces for both services, optional (`ASKCITY_OTEL_ENABLED=1`, the `otel` extra).

Nothing here runs at import time, and nothing of OpenTelemetry is imported until a service that has
tracing on builds its provider at start-up: with tracing off (the default) the services never import
it. The exporter is OTLP over HTTP, configured by the standard variables (`OTEL_EXPORTER_OTLP_ENDPOINT`,
`OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER` ...);
tests pass an in-memory exporter instead.

Case references are personal data and sit in URL paths (`/v1/cases/{reference}`): span attributes
that would carry a concrete path or URL are rewritten to the route's template (`template_path`), on
the server spans and on the bot's client spans alike.

Each service's own SQL engines and Redis client get a client span per statement or command
(`trace_stores`): the SQL text with its placeholders (bound values are never recorded) and the Redis
command's name (the instrumentation writes every argument as `?`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    import redis
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.trace import Span
    from sqlalchemy.engine import Engine

# attributes of the HTTP semantic conventions (old and stable) that hold a concrete path or URL
PATH_ATTRIBUTES = ("http.target", "url.path")
URL_ATTRIBUTES = ("http.url", "url.full")
QUERY_ATTRIBUTES = ("url.query",)

_CASE = re.compile(r"(/cases/)[^/?#]+")


def template_path(path: str) -> str:
    """A path with the personal parts replaced: `/v1/cases/MB-...` → `/v1/cases/{reference}`."""
    return _CASE.sub(r"\1{reference}", path)


def build_tracer_provider(service_name: str, exporter: SpanExporter | None = None) -> TracerProvider:
    """A provider for one service; spans leave through a batch processor (off the request path).

    `OTEL_SERVICE_NAME` (or `service.name` in `OTEL_RESOURCE_ATTRIBUTES`) overrides `service_name`."""
    from opentelemetry.sdk.resources import SERVICE_NAME, OTELResourceDetector, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    # Resource.create() would let our name win over OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES
    named = OTELResourceDetector().detect().attributes.get(SERVICE_NAME)
    resource = Resource.create() if named else Resource.create({SERVICE_NAME: service_name})
    provider = TracerProvider(resource=resource)
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:  # a test's in-memory exporter: every span at once, nothing left in a batch
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


def _overwrite(span: Span, keys: tuple[str, ...], value: str) -> None:
    present = getattr(span, "attributes", None) or {}
    for key in keys:
        if key in present:
            span.set_attribute(key, value)


def scrub_server_span(span: Span, scope: dict[str, Any]) -> None:
    """`server_request_hook` of the ASGI instrumentation: no concrete path or query on the span."""
    if not span.is_recording():
        return
    path = template_path(str(scope.get("path", "")))
    _overwrite(span, PATH_ATTRIBUTES, path)
    _overwrite(span, URL_ATTRIBUTES, path)
    _overwrite(span, QUERY_ATTRIBUTES, "")


def scrub_client_span(span: Span, request: Any) -> None:
    """`request_hook` of the httpx instrumentation: the URL with its path templated, no query."""
    if not span.is_recording():
        return
    url = request.url  # an httpx.URL
    path = template_path(str(url.path))
    _overwrite(span, URL_ATTRIBUTES, f"{url.scheme}://{url.netloc.decode('ascii')}{path}")
    _overwrite(span, PATH_ATTRIBUTES, path)
    _overwrite(span, QUERY_ATTRIBUTES, "")


def trace_stores(
    provider: trace.TracerProvider,
    engines: Iterable[Engine] = (),
    redis_clients: Iterable[redis.Redis[bytes]] = (),
) -> None:
    """A client span for every statement of these SQLAlchemy engines and every command of these Redis
    clients, in `provider`'s traces.

    Per engine and per client, not process-wide: the instrumentations' `instrument()` would patch
    `create_engine` and the Redis classes for the whole process, for whichever provider came first;
    here each service's (and each test app's) own stores report to its own provider. The statement
    spans carry SQL with placeholders only; Redis spans the command name with its arguments as `?`."""
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.metrics import get_meter

    tracer = provider.get_tracer("opentelemetry.instrumentation.sqlalchemy")
    connections = get_meter("askcity").create_up_down_counter(
        "db.client.connections.usage", unit="connections", description="SQL connections by state"
    )
    for engine in engines:
        EngineTracer(tracer, engine, connections)  # type: ignore[no-untyped-call]
    for client in redis_clients:
        RedisInstrumentor.instrument_client(client, tracer_provider=provider)
