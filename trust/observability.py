"""Request ids, request timing and the Prometheus exposition, the same for both services.

Each service declares its own metrics (`bot/metrics.py`, `records_api/metrics.py`: their names carry the
service) and hands its request histogram to `ObservabilityMiddleware`; what a request id may look like,
which route label a request gets and how several worker processes share their figures are decided
here, once.

Labels hold route templates (`/v1/cases/{reference}`), never raw paths: a case reference or anything a
resident wrote never becomes a label. With several worker processes, `PROMETHEUS_MULTIPROC_DIR` names an
empty directory before the server starts (prometheus-client's multiprocess mode; docs/observability.md).
"""

from __future__ import annotations

import os
import re
import time
import uuid
from typing import TYPE_CHECKING

import structlog
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from trust.request_limits import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from collections.abc import Callable

    from prometheus_client import Histogram
    from prometheus_client.registry import Collector

REQUEST_ID_HEADER = "x-request-id"
UNMATCHED_ROUTE = "<unmatched>"
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def render(*collectors: Collector) -> tuple[bytes, str]:
    """The exposition text of every metric: this process's, or every worker's in multiprocess mode,
    followed by `collectors` (values read at scrape time)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    if collectors:
        scraped = CollectorRegistry(auto_describe=False)
        for collector in collectors:
            scraped.register(collector)
        body += generate_latest(scraped)
    return body, CONTENT_TYPE_LATEST


def request_id_from(scope: Scope) -> str:
    """The caller's `X-Request-ID` when it is a plain token (8-64 of `A-Za-z0-9._:-`), else a new one."""
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = bytes(value).decode("latin-1")
            if _CLIENT_REQUEST_ID.match(text):
                return text
            break
    return uuid.uuid4().hex


def route_template(scope: Scope) -> str:
    """The path template of the matched route (`/api/v1/chat`, `/v1/cases/{reference}`), never the raw
    path."""
    path: object = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) and path else UNMATCHED_ROUTE


class ObservabilityMiddleware:
    """Pure ASGI, outermost: gives each request an id (the caller's `X-Request-ID` if well formed),
    binds it to structlog's context for every log line of the request, returns it in the response,
    and times the request into `requests` (labels route template, method, status). `finished(route,
    status)` is called after each request, for a service's own counters."""

    def __init__(
        self,
        app: ASGIApp,
        requests: Histogram,
        finished: Callable[[str, int], None] | None = None,
    ) -> None:
        self.app = app
        self.requests = requests
        self.finished = finished

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope)
        status = 500  # an exception that escapes the app becomes a 500 outside this middleware

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [
                    *message.get("headers", ()),
                    (REQUEST_ID_HEADER.encode(), request_id.encode()),
                ]
            await send(message)

        started = time.perf_counter()
        try:
            with structlog.contextvars.bound_contextvars(request_id=request_id):
                await self.app(scope, receive, send_with_id)
        finally:
            route = route_template(scope)
            method = scope.get("method", "GET")
            method = method if method in _METHODS else "OTHER"
            self.requests.labels(route, method, str(status)).observe(time.perf_counter() - started)
            if self.finished is not None:
                self.finished(route, status)
