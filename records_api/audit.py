"""The tamper-evident audit trail: hash-chained rows appended in the caller's transaction.

Row n stores `prev_hash` (row n-1's hash; 64 zeros for row 1) and
`row_hash = SHA-256(canonical(row n) || prev_hash)` (`trust.audit_chain`), where `canonical` is the
sorted, compact JSON of every column except `id` and the two hashes; `via_service` and
`repeat_count` (added later) enter it only when they are not NULL and 1, so older rows keep their
hashes. A row is never updated once hashed. Appends lock the single `audit_head` row
(`SELECT ... FOR UPDATE` on PostgreSQL; SQLite transactions already begin IMMEDIATE), so two
concurrent appends cannot both extend the same head: the chain cannot fork.

`verify_chain` walks the rows in `seq` order and names the first row that breaks: an edited row
fails its own hash; a deletion, insertion or reordering breaks `seq` or `prev_hash` at the first
row after the damage. The head row catches rows removed from the end. A signed checkpoint
(`audit_anchor.py`) must still hold: the row at its `seq` carries its hash and the chain is at least
that long, which catches a rewrite, a truncation or a reset of the whole chain by someone able to
write the database. `expected_head` (a hash recorded elsewhere) must be the hash of some row.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from records_api.enums import AuditAction, AuditOutcome
from records_api.models import AuditAlert, AuditEvent, AuditHead, utcnow
from trust.audit_chain import (
    ChainLink,
    ChainWalk,
    Checkpoint,
    chain_hash,
    timestamp_text,
    walk_chain,
)

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
    via_service: str | None = None
    repeat_count: int = 1


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
    checkpoint: Checkpoint | None = None

    @property
    def intact(self) -> bool:
        return self.first_bad is None


def printable(text: str, limit: int | None = None) -> str:
    """Control characters (NUL included) become `?`: audit columns hold text, never raw bytes."""
    clean = "".join("?" if unicodedata.category(ch) == "Cc" else ch for ch in text)
    return clean if limit is None else clean[:limit]


def row_content(row: AuditEvent) -> dict[str, Any]:
    content: dict[str, Any] = {
        "seq": row.seq,
        "occurred_at": timestamp_text(row.occurred_at),
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
    if row.via_service is not None:
        content["via_service"] = row.via_service
    if row.repeat_count not in (None, 1):
        content["repeat_count"] = row.repeat_count
    return content


def row_digest(row: AuditEvent, prev_hash: str) -> str:
    return chain_hash(row_content(row), prev_hash)


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
            via_service=printable(entry.via_service, 64) if entry.via_service else None,
            repeat_count=max(1, entry.repeat_count),
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
                via_service=entry.via_service,
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


def _links(session: Session, after_seq: int, upto_seq: int | None) -> Iterator[ChainLink]:
    query = select(AuditEvent).where(AuditEvent.seq > after_seq)
    if upto_seq is not None:
        query = query.where(AuditEvent.seq <= upto_seq)
    rows = session.scalars(
        query.order_by(AuditEvent.seq, AuditEvent.id).execution_options(yield_per=500, populate_existing=True)
    )
    for row in rows:
        yield ChainLink(row.seq, row.prev_hash, row.row_hash, row_content(row), row.id)


def walk_since(session: Session, after_seq: int, after_hash: str, upto_seq: int) -> ChainWalk:
    """Check the rows after a known-good position (a checkpoint) up to `upto_seq`."""
    return walk_chain(_links(session, after_seq, upto_seq), start_seq=after_seq, start_hash=after_hash)


def verify_chain(
    session: Session, expected_head: str | None = None, checkpoint: Checkpoint | None = None
) -> ChainReport:
    """Walk the whole chain; the report names the first bad row, if any.

    `checkpoint` must already have been checked against its signature."""
    pins = {checkpoint.seq: checkpoint.head_hash} if checkpoint is not None else {}
    walk = walk_chain(_links(session, 0, None), pins=pins, anchor=expected_head)
    count, last_hash = walk.last_seq, walk.head_hash

    def broken(seq: int | None, row_id: int | None, reason: str) -> ChainReport:
        return ChainReport(count, last_hash, BadRow(seq, row_id, reason), checkpoint)

    if walk.first_bad is not None:
        bad = walk.first_bad
        return broken(bad.seq, bad.row_id, bad.reason)
    head = session.get(AuditHead, HEAD_ID, populate_existing=True)
    if head is None or head.seq != count or head.row_hash != last_hash:
        reason = "the chain head does not match the last row (rows removed from the end?)"
        return broken(head.seq if head else None, None, reason)
    if checkpoint is not None and count < checkpoint.seq:
        reason = (
            f"the chain ends at seq {count}, but a checkpoint signed at {timestamp_text(checkpoint.at)} "
            f"recorded it at seq {checkpoint.seq} (rows were deleted or the table emptied)"
        )
        return broken(checkpoint.seq, None, reason)
    if not walk.anchor_seen:
        return broken(count, None, "no row carries the expected head hash (the chain was rewritten?)")
    return ChainReport(rows=count, head_hash=last_hash, first_bad=None, checkpoint=checkpoint)
