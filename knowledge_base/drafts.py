"""Drafts: a version built from the working set that residents are not served until it is published.

A draft is an ordinary immutable version directory (`versions.py`) that CURRENT does not point to yet,
plus one `kb_drafts` row with its review state. At most one draft is open at a time; rebuilding it
(more changes) replaces its version and sends it back to "open".

    open ──submit──▶ submitted ──approve──▶ published
                      │    ▲
            send back ▼    │ submit (after changes, or as it is)
                     sent_back
    open / sent_back ──publish──▶ published   (only where publishing needs no approval)

Publishing moves the CURRENT pointer to the draft's version (one atomic rename); the bot's retrievers
load it at their next reload check. The draft's version stays kept for rollback like any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, cast

from sqlalchemy import select

from knowledge_base.errors import DraftStateError, NoDraftError
from knowledge_base.sql import Database
from knowledge_base.tables import DraftRow
from knowledge_base.versions import VersionStore

DraftState = Literal["open", "submitted", "sent_back", "published"]
OPEN_STATES: tuple[DraftState, ...] = ("open", "submitted", "sent_back")


@dataclass(frozen=True, slots=True)
class Draft:
    id: int
    version: str
    base_version: str  # the version served when the draft was built ("" when none was)
    state: DraftState
    created_by: str
    created_at: datetime
    updated_at: datetime
    submitted_by: str
    decided_by: str
    comment: str  # the supervisor's comment when sent back


def _draft(row: DraftRow) -> Draft:
    return Draft(
        row.id,
        row.version,
        row.base_version,
        cast(DraftState, row.state),
        row.created_by,
        row.created_at,
        row.updated_at,
        row.submitted_by,
        row.decided_by,
        row.comment,
    )


class PinnedVersions(VersionStore):
    """A version store whose "current" version is one fixed version: a retriever over a draft."""

    def __init__(self, root: Path, name: str) -> None:
        super().__init__(root)
        self.name = name

    def current(self) -> str | None:
        return self.name if (self.versions_dir / self.name).is_dir() else None


class DraftStore:
    """The review state of drafts, in the knowledge base's metadata database."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def open_draft(self) -> Draft | None:
        with self._db.session() as s:
            row = s.scalars(
                select(DraftRow).where(DraftRow.state.in_(OPEN_STATES)).order_by(DraftRow.id.desc())
            ).first()
            return _draft(row) if row else None

    def history(self, limit: int = 20) -> list[Draft]:
        with self._db.session() as s:
            rows = s.scalars(select(DraftRow).order_by(DraftRow.id.desc()).limit(limit))
            return [_draft(r) for r in rows]

    def record_build(self, version: str, base_version: str, by: str) -> Draft:
        """The open draft now holds `version` (a new draft when none is open); back to "open"."""
        now = datetime.now(UTC)
        with self._db.session() as s:
            row = s.scalars(select(DraftRow).where(DraftRow.state.in_(OPEN_STATES)).with_for_update()).first()
            if row is None:
                row = DraftRow(created_by=by, created_at=now, submitted_by="", decided_by="", comment="")
                s.add(row)
            row.version, row.base_version, row.state, row.updated_at = version, base_version, "open", now
            s.flush()
            return _draft(row)

    def move(
        self, allowed: Sequence[DraftState], state: DraftState, by: str, comment: str | None = None
    ) -> Draft:
        """Move the open draft from one of `allowed` states to `state`; NoDraftError / DraftStateError."""
        with self._db.session() as s:
            row = s.scalars(select(DraftRow).where(DraftRow.state.in_(OPEN_STATES)).with_for_update()).first()
            if row is None:
                raise NoDraftError("There is no open draft. Build one from the working set first.")
            if row.state not in allowed:
                raise DraftStateError(f"The draft is {_label(row.state)}; it cannot be {_verb(state)} now.")
            if state == "submitted":
                row.submitted_by = by
                row.comment = comment if comment is not None else ""
            else:
                row.decided_by = by
                if comment is not None:
                    row.comment = comment
            row.state, row.updated_at = state, datetime.now(UTC)
            s.flush()
            return _draft(row)


def _label(state: str) -> str:
    return {
        "open": "open (not submitted)",
        "submitted": "submitted for review",
        "sent_back": "sent back to its editor",
    }.get(state, state)


def _verb(state: DraftState) -> str:
    return {"sent_back": "sent back"}.get(state, state)
