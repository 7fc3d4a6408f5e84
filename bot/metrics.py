"""The bot's Prometheus metrics, the HTTP middleware that feeds them, and the request id of each request.

    askcity_bot_request_duration_seconds{route, method, status}   histogram, by route template
    askcity_bot_rate_limited_total{route}                          429s answered
    askcity_bot_answers_total{status, intent}                      every turn's closed status
    askcity_bot_answer_step_seconds{step}                          histogram per pipeline step (+ "total")
    askcity_bot_gate_decisions_total{decision}                     answered / clarification / no_answer
    askcity_bot_status_lookups_total{outcome}                      status lookups; "unavailable" and
                                                                   "error" are records-call failures
    askcity_bot_knowledge_base_info{version, digest}               the version this process serves
    askcity_bot_knowledge_base_refused_info{version}               a published version it refused

Labels hold route templates (`/api/v1/chat`), never raw paths, and nothing a resident wrote. Several
worker processes (`askcity serve --workers N`) share their figures when `PROMETHEUS_MULTIPROC_DIR` names
an empty directory before the server starts (prometheus-client's multiprocess mode; docs/observability.md).
"""

from __future__ import annotations

import os
import re
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.answering.statuses import AnswerStatus

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from prometheus_client.metrics_core import Metric
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from bot.answering.turn import Answer

REQUEST_ID_HEADER = "x-request-id"
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_ROUTE = "<unmatched>"
GATE_STEP = "gate"
STATUS_INTENT = "status"

_STEP_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

REQUEST_SECONDS = Histogram(
    "askcity_bot_request_duration_seconds",
    "Time from request to the end of the response, by route template, method and status.",
    ("route", "method", "status"),
)
RATE_LIMITED = Counter(
    "askcity_bot_rate_limited", "Requests answered 429 (message limits per session and address).", ("route",)
)
ANSWERS = Counter("askcity_bot_answers", "Turns answered, by status and routed intent.", ("status", "intent"))
STEP_SECONDS = Histogram(
    "askcity_bot_answer_step_seconds",
    "Time of each answering step of a turn (retrieve, compose, gate, ...; 'total' is the whole turn).",
    ("step",),
    buckets=_STEP_BUCKETS,
)
GATE_DECISIONS = Counter(
    "askcity_bot_gate_decisions",
    "What the confidence gate decided for the turns that reached it; no_answer is a refusal.",
    ("decision",),
)
STATUS_LOOKUPS = Counter(
    "askcity_bot_status_lookups",
    "Status questions by outcome: answered, needs_login, no_answer (no such case, throttled), "
    "unavailable (the records service failed or timed out) and error (the step itself failed).",
    ("outcome",),
)


def observe_answer(answer: Answer) -> None:
    """Count one turn. Reads only the answer's closed fields (status, intent, steps, timings)."""
    status = answer.status.value
    ANSWERS.labels(status, answer.intent).inc()
    for step, milliseconds in answer.timings_ms.items():
        STEP_SECONDS.labels(step).observe(milliseconds / 1000)
    if GATE_STEP in answer.steps and answer.failed_step is None:
        GATE_DECISIONS.labels(status).inc()
    if answer.intent == STATUS_INTENT:
        STATUS_LOOKUPS.labels(_lookup_outcome(answer)).inc()


def _lookup_outcome(answer: Answer) -> str:
    if answer.failed_step is not None:
        return "error"
    if answer.status is AnswerStatus.HANDOFF:  # "can't check right now, ask a person": the call failed
        return "unavailable"
    return answer.status.value


@dataclass(frozen=True, slots=True)
class KnowledgeBaseState:
    """What a process serves: the version's name and content address, and a published version it refused."""

    version: str | None
    digest: str | None
    refused: str | None


class KnowledgeBaseCollector(Collector):
    """`askcity_bot_knowledge_base_info{version, digest}` = 1 for the version this process serves (none:
    absent; `digest` is "" for a version written before content addresses), and
    `askcity_bot_knowledge_base_refused_info{version}` = 1 while the published version failed its checks
    here (the old one is still served)."""

    def __init__(self, state: Callable[[], KnowledgeBaseState]) -> None:
        self._state = state

    def collect(self) -> Iterator[Metric]:
        state = self._state()
        served = GaugeMetricFamily(
            "askcity_bot_knowledge_base_info",
            "The published knowledge base version this process serves, and its content address.",
            labels=("version", "digest"),
        )
        if state.version is not None:
            served.add_metric((state.version, state.digest or ""), 1.0)
        yield served
        refused = GaugeMetricFamily(
            "askcity_bot_knowledge_base_refused_info",
            "A published knowledge base version this process refused to serve (it failed its checks).",
            labels=("version",),
        )
        if state.refused is not None:
            refused.add_metric((state.refused,), 1.0)
        yield refused


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
    """The path template of the matched route (`/api/v1/chat`, `/widget`), never the raw path."""
    path: object = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) and path else UNMATCHED_ROUTE


class ObservabilityMiddleware:
    """Pure ASGI, outermost: gives each request an id (the caller's `X-Request-ID` if well formed),
    binds it to structlog's context for every log line of the request, returns it in the response,
    and times the request into `askcity_bot_request_duration_seconds`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

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
            REQUEST_SECONDS.labels(route, method, str(status)).observe(time.perf_counter() - started)
            if status == 429:
                RATE_LIMITED.labels(route).inc()
