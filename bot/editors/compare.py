"""Asking the draft and the published version the same question, and listing the answers that would
change: the questions residents asked lately (already redacted when stored) and every curated answer's
question variants, each run through a pipeline over each version."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, func, select

from bot.answering.turn import Answer
from bot.storage.tables import TranscriptRow
from knowledge_base.records import Citation

if TYPE_CHECKING:
    from bot.answering.pipeline import Pipeline


class AnswerView(BaseModel):
    """What a resident would get from one version: status, text and citations."""

    model_config = ConfigDict(frozen=True)

    version: str
    status: str
    text: str
    citations: tuple[Citation, ...] = ()

    @classmethod
    def of(cls, version: str, answer: Answer) -> AnswerView:
        return cls(version=version, status=str(answer.status), text=answer.text, citations=answer.citations)

    def cited(self) -> tuple[str, ...]:
        return tuple(sorted({c.document_id for c in self.citations}))


class SideBySide(BaseModel):
    model_config = ConfigDict(frozen=True)

    question: str  # as redacted before it was asked
    published: AnswerView | None  # None when nothing is published yet
    draft: AnswerView
    changed: bool
    source: str = "asked"  # "asked" (an editor), "resident" (recent question) or "curated:<id>"


def differs(a: AnswerView | None, b: AnswerView) -> bool:
    return a is None or a.status != b.status or a.cited() != b.cited() or a.text != b.text


def side_by_side(
    question: str,
    published: tuple[str, Pipeline] | None,
    draft: tuple[str, Pipeline],
    source: str = "asked",
) -> SideBySide:
    after = draft[1].run(question)
    before = published[1].run(question) if published is not None else None
    old = AnswerView.of(published[0], before) if published is not None and before is not None else None
    new = AnswerView.of(draft[0], after)
    return SideBySide(
        question=after.redacted_question, published=old, draft=new, changed=differs(old, new), source=source
    )


def recent_questions(engine: Engine, limit: int) -> list[str]:
    """The latest distinct questions residents asked (stored redacted), newest first; never status
    lookups or private turns."""
    latest = func.max(TranscriptRow.created_at)
    query = (
        select(TranscriptRow.question, latest)
        .where(TranscriptRow.intent == "question", TranscriptRow.private.is_(False))
        .group_by(TranscriptRow.question)
        .order_by(latest.desc())
        .limit(limit)
    )
    with engine.connect() as conn:
        return [str(q) for q, _ in conn.execute(query) if str(q).strip()]


def answer_changes(
    questions: Sequence[tuple[str, str]],
    published: tuple[str, Pipeline] | None,
    draft: tuple[str, Pipeline],
    progress: Callable[[int], None] | None = None,
) -> list[SideBySide]:
    """Every (question, source) run against both versions; only those whose answer would change."""
    changed = []
    seen: set[str] = set()
    for i, (question, source) in enumerate(questions):
        if question in seen:
            continue
        seen.add(question)
        pair = side_by_side(question, published, draft, source)
        if pair.changed:
            changed.append(pair)
        if progress:
            progress(i + 1)
    return changed
