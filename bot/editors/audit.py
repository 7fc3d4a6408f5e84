"""The editors' audit log: every editor or supervisor action, hash-chained with `trust.audit_chain` (the
chain code the records service uses; never a copy), in the knowledge base's database (`kb_editor_audit`).

A row's hash is `SHA-256(canonical JSON of seq, at, actor, role, action, target, detail || prev_hash)`.
Appends lock the single head row (`SELECT ... FOR UPDATE` on PostgreSQL; SQLite serialises writers), so
two appends cannot extend the same head. `verify` walks the rows in `seq` order and names the first that
breaks (an edited row fails its own hash, a deleted or inserted one breaks `seq` or `prev_hash`); the head
row catches rows removed from the end.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge_base.sql import Database
from knowledge_base.tables import EditorAuditHeadRow, EditorAuditRow
from trust.audit_chain import GENESIS_HASH, ChainLink, chain_hash, timestamp_text, walk_chain
from trust.chain_head import lock_head, retry_conflicts

HEAD_ID = 1
Action = Literal[
    "upload",
    "edit_metadata",
    "retire",
    "undo_retire",
    "confirm",
    "build_draft",
    "submit",
    "approve",
    "send_back",
    "publish",
    "rollback",
    "curated_add",
    "curated_update",
    "curated_expire",
    "curated_dismiss",
    "curated_draft",
]


@dataclass(frozen=True, slots=True)
class EditorAction:
    actor: str  # the staff subject (or "cli:<user>" from the command line)
    role: str
    action: Action
    target: str = ""  # a version, document id or curated-answer id
    detail: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class AuditRecord:
    seq: int
    at: datetime
    actor: str
    role: str
    action: str
    target: str
    detail: dict[str, str]
    row_hash: str


@dataclass(frozen=True, slots=True)
class ChainCheck:
    rows: int
    head_hash: str
    first_bad_seq: int | None
    reason: str

    @property
    def intact(self) -> bool:
        return self.first_bad_seq is None and not self.reason


def _utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes: they were written in UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _content(row: EditorAuditRow) -> dict[str, Any]:
    return {
        "seq": row.seq,
        "at": timestamp_text(_utc(row.at)),
        "actor": row.actor,
        "role": row.role,
        "action": row.action,
        "target": row.target,
        "detail": dict(row.detail),
    }


def _record(row: EditorAuditRow) -> AuditRecord:
    return AuditRecord(
        row.seq, _utc(row.at), row.actor, row.role, row.action, row.target, dict(row.detail), row.row_hash
    )


class EditorAuditLog:
    def __init__(self, database: Database) -> None:
        self._db = database

    def append(self, entry: EditorAction, tries: int = 4) -> AuditRecord:
        """One row at the chain's head, which is locked for the transaction (several editors, jobs and
        the command line append at once: `trust.chain_head`); again on a conflict, at most `tries`
        times. Raises the last database error."""

        def once() -> AuditRecord:
            with self._db.session() as s:
                return _record(self._append(s, entry))

        return retry_conflicts(once, tries=tries, what="an editors' audit append")

    def _append(self, s: Session, entry: EditorAction) -> EditorAuditRow:
        head = lock_head(s, EditorAuditHeadRow, HEAD_ID, seq=0, head_hash=GENESIS_HASH)
        row = EditorAuditRow(
            seq=head.seq + 1,
            # microseconds are kept by the canonical text; the database keeps them too
            at=datetime.now(UTC),
            actor=entry.actor[:256],
            role=entry.role[:32],
            action=entry.action,
            target=entry.target[:512],
            detail={str(k): str(v)[:2000] for k, v in (entry.detail or {}).items()},
            prev_hash=head.head_hash,
            row_hash="",
        )
        row.row_hash = chain_hash(_content(row), row.prev_hash)
        s.add(row)
        head.seq, head.head_hash = row.seq, row.row_hash
        s.flush()
        return row

    def entries(self, limit: int = 100, action: str | None = None) -> list[AuditRecord]:
        """The newest rows first."""
        with self._db.session() as s:
            query = select(EditorAuditRow).order_by(EditorAuditRow.seq.desc()).limit(limit)
            if action:
                query = query.where(EditorAuditRow.action == action)
            return [_record(r) for r in s.scalars(query)]

    def since(self, at: datetime, actions: tuple[str, ...]) -> list[AuditRecord]:
        """The rows of these actions appended at or after `at`, oldest first."""
        with self._db.session() as s:
            query = (
                select(EditorAuditRow)
                .where(EditorAuditRow.action.in_(actions), EditorAuditRow.at >= at)
                .order_by(EditorAuditRow.seq)
            )
            return [_record(r) for r in s.scalars(query)]

    def verify(self) -> ChainCheck:
        with self._db.session() as s:
            rows = s.scalars(select(EditorAuditRow).order_by(EditorAuditRow.seq)).all()
            head = s.get(EditorAuditHeadRow, HEAD_ID)
            links = (ChainLink(r.seq, r.prev_hash, r.row_hash, _content(r), r.id) for r in rows)
            walk = walk_chain(links)
        if walk.first_bad is not None:
            return ChainCheck(len(rows), walk.head_hash, walk.first_bad.seq, walk.first_bad.reason)
        head_seq, head_hash = (head.seq, head.head_hash) if head else (0, GENESIS_HASH)
        if (head_seq, head_hash) != (walk.last_seq, walk.head_hash):
            reason = f"the head says {head_seq} rows but the chain ends at {walk.last_seq} (rows removed)"
            return ChainCheck(len(rows), walk.head_hash, None, reason)
        return ChainCheck(len(rows), walk.head_hash, None, "")
