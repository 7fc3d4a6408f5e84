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
`PROMETHEUS_MULTIPROC_DIR` (see docs/observability.md). Request ids, route labels and the exposition are
the bot's too: `trust.observability`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog
from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import event

from records_api.models import AuditEvent
from trust.checkpoint_store import CheckpointFile
from trust.errors import CheckpointError
from trust.observability import ObservabilityMiddleware as RequestObserver
from trust.observability import render

__all__ = ["CheckpointCollector", "ObservabilityMiddleware", "observe_audit", "render"]

if TYPE_CHECKING:
    from collections.abc import Iterator

    from prometheus_client.metrics_core import Metric
    from sqlalchemy.orm import Session, sessionmaker
    from starlette.types import ASGIApp

log = structlog.get_logger("records_api.metrics")

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


class ObservabilityMiddleware(RequestObserver):
    """Request ids and `askcity_records_request_duration_seconds` (`trust.observability`)."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app, REQUEST_SECONDS)
