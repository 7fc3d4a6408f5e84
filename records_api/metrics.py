"""The records service's Prometheus metrics, the HTTP middleware that feeds them, and request ids.

    askcity_records_request_duration_seconds{route, method, status}  histogram, by route template
    askcity_records_audit_rows_total{action, outcome}                 audit rows committed to the chain
    askcity_records_requests_total{action, outcome}                   the requests those rows stand for
                                                                      (a coalesced lock-out row counts
                                                                      its `repeat_count`): reads by outcome;
                                                                      outcome="denied_rate_limited" are
                                                                      requests refused during a lock-out
    askcity_records_audit_checkpoint_age_seconds                      age of the latest signed checkpoint
    askcity_records_audit_checkpoint_seq                              the audit row it anchors

Audit rows are counted when their transaction commits (SQLAlchemy session events on the service's own
sessionmaker), so a rolled-back read counts nothing. The checkpoint figures are read from the checkpoint
file at scrape time (its signature is `askcity audit verify`'s business, not the scrape's). Labels
never hold case references, subjects or addresses. With several worker processes set
`PROMETHEUS_MULTIPROC_DIR` (see docs/observability.md).
"""

from __future__ import annotations

import os
import re
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from sqlalchemy import event

from records_api.models import AuditEvent
from trust.checkpoint_store import CheckpointFile
from trust.errors import CheckpointError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from prometheus_client.metrics_core import Metric
    from sqlalchemy.orm import Session, sessionmaker
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger("records_api.metrics")

REQUEST_ID_HEADER = "x-request-id"
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_ROUTE = "<unmatched>"
_PENDING = "askcity_metrics_audit_rows"

REQUEST_SECONDS = Histogram(
    "askcity_records_request_duration_seconds",
    "Time from request to the end of the response, by route template, method and status.",
    ("route", "method", "status"),
)
AUDIT_ROWS = Counter(
    "askcity_records_audit_rows", "Audit rows committed, by action and outcome.", ("action", "outcome")
)
AUDITED_REQUESTS = Counter(
    "askcity_records_requests",
    "Requests recorded in the audit trail, by action and outcome (a coalesced lock-out row counts "
    "every refusal it stands for).",
    ("action", "outcome"),
)


def observe_audit(sessions: sessionmaker[Session]) -> None:
    """Count the audit rows that sessions of `sessions` commit."""
    event.listen(sessions, "after_flush", _collect_audit_rows)
    event.listen(sessions, "after_commit", _count_audit_rows)
    event.listen(sessions, "after_rollback", _forget_audit_rows)


def _collect_audit_rows(session: Session, _context: Any) -> None:
    rows = [(r.action, r.outcome, r.repeat_count or 1) for r in session.new if isinstance(r, AuditEvent)]
    if rows:
        session.info.setdefault(_PENDING, []).extend(rows)


def _count_audit_rows(session: Session) -> None:
    for action, outcome, repeat in session.info.pop(_PENDING, ()):
        AUDIT_ROWS.labels(action, outcome).inc()
        AUDITED_REQUESTS.labels(action, outcome).inc(repeat)


def _forget_audit_rows(session: Session) -> None:
    session.info.pop(_PENDING, None)


class CheckpointCollector(Collector):
    """The age and sequence number of the latest checkpoint in the file (absent when there is none)."""

    def __init__(self, path: Path) -> None:
        self._file = CheckpointFile(path)

    def collect(self) -> Iterator[Metric]:
        age = GaugeMetricFamily(
            "askcity_records_audit_checkpoint_age_seconds",
            "Seconds since the latest signed audit checkpoint was written.",
        )
        seq = GaugeMetricFamily(
            "askcity_records_audit_checkpoint_seq", "The audit sequence number the latest checkpoint anchors."
        )
        try:
            latest = self._file.last()
        except CheckpointError as exc:
            log.warning("records.metrics.checkpoint_unreadable", reason=str(exc))
            latest = None
        if latest is not None:
            age.add_metric((), max(0.0, (datetime.now(UTC) - latest.at).total_seconds()))
            seq.add_metric((), float(latest.seq))
        yield age
        yield seq


def render(*collectors: Collector) -> tuple[bytes, str]:
    """The exposition text: this process's metrics (every worker's in multiprocess mode), then
    `collectors` (values read at scrape time)."""
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
    """The matched route's template (`/v1/cases/{reference}`): a case reference never becomes a label."""
    path: object = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) and path else UNMATCHED_ROUTE


class ObservabilityMiddleware:
    """Pure ASGI, outermost: a request id per request (the caller's `X-Request-ID` if well formed),
    bound to structlog's context and returned in the response, and the request's time in
    `askcity_records_request_duration_seconds`."""

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
            method = scope.get("method", "GET")
            method = method if method in _METHODS else "OTHER"
            REQUEST_SECONDS.labels(route_template(scope), method, str(status)).observe(
                time.perf_counter() - started
            )
