"""The tamper-evident audit trail: hash-chained rows appended in the caller's transaction.

Row n stores `prev_hash` (row n-1's hash; 64 zeros for row 1) and
`row_hash = SHA-256(canonical(row n) || prev_hash)`, where `canonical` is the sorted, compact JSON
of every column except `id` and the two hashes. Appends lock the single `audit_head` row
(`SELECT ... FOR UPDATE` on PostgreSQL; SQLite transactions already begin IMMEDIATE), so two
concurrent appends cannot both extend the same head: the chain cannot fork.

`verify_chain` walks the rows in `seq` order and names the first row that breaks: an edited row
fails its own hash; a deletion, insertion or reordering breaks `seq` or `prev_hash` at the first
row after the damage. The head row catches rows removed from the end; `expected_head` (a hash
recorded elsewhere, e.g. printed by an earlier `askcity audit verify`) must be the hash of some
row, which catches a rewrite of the whole chain by someone able to recompute SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from records_api.enums import AuditAction, AuditOutcome
from records_api.models import AuditAlert, AuditEvent, AuditHead, utcnow

GENESIS_HASH = "0" * 64
HEAD_ID = 1

log = structlog.get_logger("records_api.audit")


@dataclass(frozen=True)
class AuditEntry:
    actor_subject: str
    actor_role: str
    action: AuditAction
    outcome: AuditOutcome
    client_address: str
    purpose: str
    case_reference: str | None = None
    resident_id: int | None = None
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class BadRow:
    seq: int | None
    row_id: int | None
    reason: str


@dataclass(frozen=True)
class ChainReport:
    rows: int
    head_hash: str
    first_bad: BadRow | None

    @property
    def intact(self) -> bool:
        return self.first_bad is None


def printable(text: str, limit: int | None = None) -> str:
    """Control characters (NUL included) become `?`: audit columns hold text, never raw bytes."""
    clean = "".join("?" if unicodedata.category(ch) == "Cc" else ch for ch in text)
    return clean if limit is None else clean[:limit]


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_content(row: AuditEvent) -> bytes:
    content = {
        "seq": row.seq,
        "occurred_at": _timestamp(row.occurred_at),
        "actor_subject": row.actor_subject,
        "actor_role": row.actor_role,
        "action": row.action,
        "case_reference": row.case_reference,
        "resident_id": row.resident_id,
        "fields": row.fields,
        "purpose": row.purpose,
        "outcome": row.outcome,
        "client_address": row.client_address,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def row_digest(row: AuditEvent, prev_hash: str) -> str:
    return hashlib.sha256(canonical_content(row) + prev_hash.encode("ascii")).hexdigest()


class AuditLog:
    """Appends audit rows and flags staff who read too many distinct residents in a window."""

    def __init__(
        self,
        anomaly_threshold: int,
        anomaly_window: timedelta,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.anomaly_threshold = anomaly_threshold
        self.anomaly_window = anomaly_window
        self._clock = clock

    def append(self, session: Session, entry: AuditEntry) -> AuditEvent:
        head = session.execute(
            select(AuditHead)
            .where(AuditHead.id == HEAD_ID)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one()
        row = AuditEvent(
            seq=head.seq + 1,
            occurred_at=self._clock(),
            actor_subject=printable(entry.actor_subject, 255),
            actor_role=printable(entry.actor_role, 16),
            action=entry.action.value,
            case_reference=printable(entry.case_reference, 40) if entry.case_reference else None,
            resident_id=entry.resident_id,
            fields=json.dumps(sorted(entry.fields), separators=(",", ":")),
            purpose=printable(entry.purpose, 2000),
            outcome=entry.outcome.value,
            client_address=printable(entry.client_address, 64),
            prev_hash=head.row_hash,
        )
        row.row_hash = row_digest(row, head.row_hash)
        head.seq, head.row_hash = row.seq, row.row_hash
        session.add(row)
        session.flush()
        return row

    def record_staff_read(self, session: Session, entry: AuditEntry) -> AuditAlert | None:
        """Raise (once per window) an alert when too many residents were read."""
        now = self._clock()
        since = now - self.anomaly_window
        distinct = session.scalar(
            select(func.count(func.distinct(AuditEvent.resident_id))).where(
                AuditEvent.actor_subject == entry.actor_subject,
                AuditEvent.outcome == AuditOutcome.ALLOWED.value,
                AuditEvent.occurred_at >= since,
                AuditEvent.resident_id.is_not(None),
            )
        )
        if not distinct or distinct <= self.anomaly_threshold:
            return None
        already = session.scalar(
            select(AuditAlert.id)
            .where(AuditAlert.actor_subject == entry.actor_subject, AuditAlert.raised_at >= since)
            .limit(1)
        )
        if already is not None:
            return None
        window = int(self.anomaly_window.total_seconds())
        event = self.append(
            session,
            AuditEntry(
                actor_subject=entry.actor_subject,
                actor_role=entry.actor_role,
                action=AuditAction.ANOMALY,
                outcome=AuditOutcome.FLAGGED,
                client_address=entry.client_address,
                purpose=f"read {distinct} distinct residents within {window}s "
                f"(threshold {self.anomaly_threshold})",
            ),
        )
        alert = AuditAlert(
            raised_at=now,
            actor_subject=entry.actor_subject,
            actor_role=entry.actor_role,
            distinct_residents=distinct,
            threshold=self.anomaly_threshold,
            window_seconds=window,
            audit_seq=event.seq,
        )
        session.add(alert)
        session.flush()
        log.warning(
            "records.audit.anomaly",
            actor=entry.actor_subject,
            role=entry.actor_role,
            distinct_residents=distinct,
            threshold=self.anomaly_threshold,
            window_seconds=window,
            audit_seq=event.seq,
        )
        return alert


def _walk(rows: Iterable[AuditEvent], anchor: str | None) -> tuple[int, str, bool, BadRow | None]:
    prev_hash, count, anchored = GENESIS_HASH, 0, anchor in (None, GENESIS_HASH)
    for expected_seq, row in enumerate(rows, start=1):
        count = expected_seq
        if row.seq != expected_seq:
            reason = f"expected sequence number {expected_seq}, found {row.seq}"
            return count, prev_hash, anchored, BadRow(row.seq, row.id, reason)
        if row.prev_hash != prev_hash:
            reason = "does not follow the row before it (a row was deleted, inserted or moved)"
            return count, prev_hash, anchored, BadRow(row.seq, row.id, reason)
        if row_digest(row, prev_hash) != row.row_hash:
            return (
                count,
                prev_hash,
                anchored,
                BadRow(row.seq, row.id, "content does not match its hash"),
            )
        prev_hash = row.row_hash
        anchored = anchored or prev_hash == anchor
    return count, prev_hash, anchored, None


def verify_chain(session: Session, expected_head: str | None = None) -> ChainReport:
    """Walk the whole chain; the report names the first bad row, if any."""
    rows = session.scalars(
        select(AuditEvent)
        .order_by(AuditEvent.seq, AuditEvent.id)
        .execution_options(yield_per=500, populate_existing=True)
    )
    count, last_hash, anchored, bad = _walk(rows, expected_head)
    if bad is not None:
        return ChainReport(rows=count, head_hash=last_hash, first_bad=bad)
    head = session.get(AuditHead, HEAD_ID, populate_existing=True)
    if head is None or head.seq != count or head.row_hash != last_hash:
        reason = "the chain head does not match the last row (rows removed from the end?)"
        return ChainReport(count, last_hash, BadRow(head.seq if head else None, None, reason))
    if not anchored:
        reason = "no row carries the expected head hash (the chain was rewritten?)"
        return ChainReport(count, last_hash, BadRow(count, None, reason))
    return ChainReport(rows=count, head_hash=last_hash, first_bad=None)
