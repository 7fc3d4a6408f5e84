"""Curated answers as the editors' console reads and edits them: hit counts, expiry, drafts.

How curated answers are stored (issue 13):

    expiry  `bot_curated_answers.expires_on` (migration 0005; before it, an entry of the `citations`
            array). The answer is served through that day (UTC) and not after:
            `BotDatabase.curated_answers` leaves it out and `curated_stamp` changes with the day, so
            every bot process reloads its curated index.
    hits    derived from the transcripts: turns that served the answer (`curated_id`, recorded with
            each turn since migration 0005; older turns were matched to it by their text once, by that
            migration), one `GROUP BY`. An edited answer keeps its hits; two answers with the same text
            count their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.storage.tables import CuratedDraftRow, CuratedRow, TranscriptRow
from knowledge_base.records import Citation

DraftOutcome = Literal["approved", "dismissed"]


def today() -> date:
    return datetime.now(UTC).date()


def cited_json(citations: Sequence[Citation], versions: Mapping[str, int]) -> list[dict[str, object]]:
    """Stored citations: each Citation's JSON plus "document_version", the version of the document when
    the editor cited it (absent in answers added before it was kept)."""
    return [{**c.model_dump(mode="json"), "document_version": versions.get(c.document_id)} for c in citations]


def read_cited(raw: Sequence[Mapping[str, object]]) -> tuple[tuple[Citation, ...], dict[str, int]]:
    """The citations stored by `cited_json`, and the version each cited document had then."""
    citations = tuple(Citation.model_validate(dict(c)) for c in raw)
    versions = {
        str(c["document_id"]): int(str(c["document_version"]))
        for c in raw
        if c.get("document_version") is not None
    }
    return citations, versions


@dataclass(frozen=True, slots=True)
class CuratedEntry:
    id: int
    questions: tuple[str, ...]
    answer: str
    citations: tuple[Citation, ...]
    cited_versions: Mapping[str, int]
    expires_on: date | None
    updated_at: datetime
    hits: int
    last_hit: datetime | None

    def expired(self, on: date) -> bool:
        return self.expires_on is not None and self.expires_on < on


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _entry(row: CuratedRow, hits: int | None, last: datetime | None) -> CuratedEntry:
    return CuratedEntry(
        row.id,
        tuple(row.questions),
        row.answer,
        *read_cited(row.citations),
        row.expires_on,
        _aware(row.updated_at) or row.updated_at,
        int(hits or 0),
        _aware(last),
    )


class CuratedStore:
    """Curated answers in service (active, expired or not) and agents' drafts (engine of `BotDatabase`)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def _select(self) -> sa.Select[tuple[CuratedRow, int | None, datetime | None]]:
        hits = (
            sa.select(
                TranscriptRow.curated_id.label("curated_id"),
                sa.func.count().label("hits"),
                sa.func.max(TranscriptRow.created_at).label("last_hit"),
            )
            .where(TranscriptRow.curated_id.is_not(None))
            .group_by(TranscriptRow.curated_id)
            .subquery()
        )
        return (
            sa.select(CuratedRow, hits.c.hits, hits.c.last_hit)
            .outerjoin(hits, hits.c.curated_id == CuratedRow.id)
            .where(CuratedRow.active.is_(True))
            .order_by(CuratedRow.id)
        )

    def entries(self) -> list[CuratedEntry]:
        with Session(self.engine) as s:
            return [_entry(row, hits, last) for row, hits, last in s.execute(self._select()).all()]

    def entry(self, curated_id: int) -> CuratedEntry | None:
        with Session(self.engine) as s:
            found = s.execute(self._select().where(CuratedRow.id == curated_id)).first()
            return None if found is None else _entry(*found)

    def create(
        self,
        questions: Sequence[str],
        answer: str,
        citations: Sequence[Citation],
        versions: Mapping[str, int],
        expires_on: date | None,
        from_draft: int | None = None,
    ) -> int | None:
        """The new answer's id; with `from_draft`, in the same transaction the draft is marked approved
        (None, and nothing added, when that draft is not open)."""
        with Session(self.engine) as s, s.begin():
            if from_draft is not None:
                draft = s.get(CuratedDraftRow, from_draft, with_for_update=True)
                if draft is None or draft.status != "draft":
                    return None
                draft.status = "approved"
            row = CuratedRow(
                questions=list(questions),
                answer=answer,
                citations=cited_json(citations, versions),
                expires_on=expires_on,
                active=True,
            )
            s.add(row)
            s.flush()
            return row.id

    def update(
        self,
        curated_id: int,
        questions: Sequence[str],
        answer: str,
        citations: Sequence[Citation],
        versions: Mapping[str, int],
        expires_on: date | None,
    ) -> bool:
        with Session(self.engine) as s, s.begin():
            row = s.get(CuratedRow, curated_id)
            if row is None or not row.active:
                return False
            row.questions = list(questions)
            row.answer = answer
            row.citations, row.expires_on = cited_json(citations, versions), expires_on
            row.updated_at = datetime.now(UTC)
            return True

    def draft_row(self, draft_id: int) -> CuratedDraftRow | None:
        with Session(self.engine) as s:
            row = s.get(CuratedDraftRow, draft_id)
            if row is not None:
                s.expunge(row)
            return row

    def close_draft(self, draft_id: int, outcome: DraftOutcome) -> bool:
        """Mark an open draft approved (a curated answer was made of it) or dismissed."""
        with Session(self.engine) as s, s.begin():
            row = s.get(CuratedDraftRow, draft_id)
            if row is None or row.status != "draft":
                return False
            row.status = outcome
            return True
