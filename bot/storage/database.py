"""Engine, migrations and the repositories of the bot's database."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from bot.answering.curated import CuratedAnswer
from bot.answering.turn import Answer
from bot.errors import AnswerNotFoundError
from bot.storage.curated import cited_json, read_cited, today
from bot.storage.tables import CuratedDraftRow, CuratedRow, FeedbackRow, TranscriptRow
from knowledge_base.records import Citation
from knowledge_base.sql import Database
from trust.case_references import mask_references

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def session_ref(session_id: str) -> str:
    """Transcripts link turns of one conversation without storing the session id itself."""
    return hashlib.sha256(session_id.encode()).hexdigest()


PRIVATE_ANSWER = "[status answer given: {count} case(s), not stored]"


def _citation_json(c: Citation) -> dict[str, object]:
    return c.model_dump(mode="json")


def citation_from_json(raw: dict[str, object]) -> Citation:
    return Citation.model_validate(raw)


@dataclass(frozen=True, slots=True)
class TranscriptTurn:
    """One recorded turn of a conversation: the resident's redacted question and what the bot said."""

    question: str
    answer: str
    status: str
    citations: tuple[Citation, ...]
    created_at: datetime
    intent: str = "question"


@dataclass(frozen=True, slots=True)
class CuratedDraft:
    id: int
    question: str
    answer: str
    citations: tuple[Citation, ...]
    ticket_id: str | None
    author_subject: str
    author_name: str
    status: str
    created_at: datetime


class BotDatabase(Database):
    def __init__(self, url: str) -> None:
        super().__init__(url, MIGRATIONS)

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            return True
        except sa.exc.SQLAlchemyError:
            return False

    # ---- transcripts and feedback ---------------------------------------------------------------
    def record(self, session_id: str, answer: Answer) -> None:
        """One transcript row per answer: a single INSERT (no ORM unit of work on every turn)."""
        with self.engine.begin() as conn:
            conn.execute(
                sa.insert(TranscriptRow),
                {
                    "answer_id": answer.answer_id,
                    "session_ref": session_ref(session_id),
                    "question": mask_references(answer.redacted_question),
                    "answer": (
                        PRIVATE_ANSWER.format(count=sum(s.list_item for s in answer.sentences) or 1)
                        if answer.private
                        else answer.text
                    ),
                    "status": answer.status.value,
                    "confidence": answer.confidence,
                    "citations": [_citation_json(c) for c in answer.citations],
                    "timings_ms": answer.timings_ms,
                    "pii_types": list(answer.pii_found),
                    "intent": answer.intent,
                    "private": answer.private,
                    "failed_step": answer.failed_step,
                    "curated_id": answer.curated_id,
                },
            )

    def feedback(self, answer_id: str, helpful: bool, comment: str) -> None:
        """One verdict per answer, with its comment. A changed verdict replaces the old one together with
        its comment (no comment clears it: a comment is never shown beside a verdict it was not given
        with). The same verdict again replaces the comment it brings, and keeps the old one when it
        brings none (the widget sends the thumb, then the comment, and a second click on the same thumb
        erases nothing).

        One statement decides (`INSERT ... ON CONFLICT (answer_id) DO UPDATE`, on the unique
        `answer_id`): two first verdicts at the same instant make one row, the later one's."""
        with self.engine.begin() as conn:
            known = conn.execute(
                sa.select(TranscriptRow.answer_id).where(TranscriptRow.answer_id == answer_id)
            ).first()
            if known is None:
                raise AnswerNotFoundError(answer_id)
            dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
            table: sa.Table = FeedbackRow.__table__  # type: ignore[assignment]
            insert = dialect.insert(table).values(
                answer_id=answer_id, helpful=helpful, comment=comment, created_at=datetime.now(UTC)
            )
            given = insert.excluded
            keeps_comment = sa.and_(given.comment == "", table.c.helpful == given.helpful)
            conn.execute(
                insert.on_conflict_do_update(
                    index_elements=[table.c.answer_id],
                    set_={
                        "helpful": given.helpful,
                        "comment": sa.case((keeps_comment, table.c.comment), else_=given.comment),
                        "created_at": given.created_at,
                    },
                )
            )

    def transcript(self, answer_id: str) -> TranscriptRow | None:
        with self.session() as s:
            return s.get(TranscriptRow, answer_id)

    # ---- curated answers --------------------------------------------------------------------
    # stored citations: `bot.storage.curated.cited_json`
    def add_curated(
        self,
        questions: list[str],
        answer: str,
        citations: list[Citation],
        cited_versions: Mapping[str, int] | None = None,
    ) -> int:
        with self.session() as s:
            row = CuratedRow(
                questions=questions, answer=answer, citations=cited_json(citations, cited_versions or {})
            )
            s.add(row)
            s.flush()
            return row.id

    def update_curated(
        self,
        curated_id: int,
        citations: list[Citation],
        cited_versions: Mapping[str, int],
        answer: str | None = None,
    ) -> bool:
        """Cite these documents (at these versions) instead, and replace the answer when one is given."""
        with self.session() as s:
            row = s.get(CuratedRow, curated_id)
            if row is None or not row.active:
                return False
            row.citations = cited_json(citations, cited_versions)
            if answer is not None:
                row.answer = answer
            row.updated_at = datetime.now(UTC)
            return True

    def retire_curated(self, curated_id: int) -> bool:
        with self.session() as s:
            row = s.get(CuratedRow, curated_id)
            if row is None or not row.active:
                return False
            row.active = False
            row.updated_at = datetime.now(UTC)
            return True

    def curated_answers(self) -> list[CuratedAnswer]:
        """The answers to serve: active, not expired (`bot.storage.curated` for the expiry)."""
        on = today()
        with self.session() as s:
            rows = s.scalars(
                sa.select(CuratedRow)
                .where(
                    CuratedRow.active.is_(True),
                    sa.or_(CuratedRow.expires_on.is_(None), CuratedRow.expires_on >= on),
                )
                .order_by(CuratedRow.id)
            ).all()
            return [
                CuratedAnswer(r.id, tuple(r.questions), r.answer, *read_cited(r.citations), r.expires_on)
                for r in rows
            ]

    def curated_stamp(self) -> str:
        """Changes whenever the set of curated answers changes, and each day (an answer may expire)."""
        with self.session() as s:
            count, latest = s.execute(sa.select(sa.func.count(), sa.func.max(CuratedRow.updated_at))).one()
        return f"{count}:{latest}:{today()}"

    # ---- conversations (the handoff reads them) ------------------------------------------------------
    def conversation(self, session_id: str, limit: int = 40) -> list[TranscriptTurn]:
        """The session's recorded turns, oldest first (the last `limit`)."""
        with self.session() as s:
            rows = s.scalars(
                sa.select(TranscriptRow)
                .where(TranscriptRow.session_ref == session_ref(session_id))
                .order_by(TranscriptRow.created_at.desc())
                .limit(limit)
            ).all()
            turns = [
                TranscriptTurn(
                    r.question,
                    r.answer,
                    r.status,
                    tuple(citation_from_json(c) for c in r.citations),
                    r.created_at,
                    r.intent or "question",
                )
                for r in rows
            ]
        return turns[::-1]

    def last_status(self, session_id: str) -> str | None:
        """The status of the session's latest recorded answer."""
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(TranscriptRow.status)
                .where(TranscriptRow.session_ref == session_ref(session_id))
                .order_by(TranscriptRow.created_at.desc())
                .limit(1)
            ).scalar()

    # ---- curated-answer drafts (agents propose, editors approve) ---------------------------------------
    def add_curated_draft(
        self,
        question: str,
        answer: str,
        citations: list[Citation],
        ticket_id: str | None,
        author_subject: str,
        author_name: str,
    ) -> int:
        with self.session() as s:
            row = CuratedDraftRow(
                question=question,
                answer=answer,
                citations=[_citation_json(c) for c in citations],
                ticket_id=ticket_id,
                author_subject=author_subject,
                author_name=author_name,
                status="draft",
            )
            s.add(row)
            s.flush()
            return row.id

    def curated_drafts(self, status: str = "draft", limit: int = 200) -> list[CuratedDraft]:
        with self.session() as s:
            rows = s.scalars(
                sa.select(CuratedDraftRow)
                .where(CuratedDraftRow.status == status)
                .order_by(CuratedDraftRow.created_at.desc())
                .limit(limit)
            ).all()
            return [
                CuratedDraft(
                    r.id,
                    r.question,
                    r.answer,
                    tuple(citation_from_json(c) for c in r.citations),
                    r.ticket_id,
                    r.author_subject,
                    r.author_name,
                    r.status,
                    r.created_at,
                )
                for r in rows
            ]
