"""What editors read of the transcripts: the questions the bot did not serve well, and residents' feedback.

Every count is a SQL aggregate (`GROUP BY` question, reason and day): Python receives one row per
distinct question a day, never the transcripts themselves. A status lookup (`intent = 'status'`) is a
resident's own case, not a content gap, so it is never selected here, whatever its status; neither are
private replies.

Reasons, in the order a turn is given one: `unhelpful` (a resident marked the answer unhelpful), then
its status `no_answer`, `clarification` or `handoff`, then `handoff` when the resident's next message
asked for a person ("talk to a person" after an answer that did not help). An answer followed by a
request for a person is no gap when the resident marked it helpful, or when the request names a subject
of its own ("thanks; talk to a person about fences": that request is the gap, counted itself).
A message that asks nothing
(`RoutePatterns.asks_nothing`: a request for a person that names nothing else, "I want to talk to a
person", the widget's button; a "yes", a greeting, a thanks, whatever status it got) says nothing about
what is missing: it is never listed ("talk to a person about fences" is).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, aliased

from bot.answering.replies import load_routes
from bot.storage.tables import FeedbackRow, TranscriptRow

Reason = Literal["no_answer", "clarification", "handoff", "unhelpful"]
GAP_STATUSES = ("no_answer", "clarification", "handoff")


@dataclass(frozen=True, slots=True)
class AskedDay:
    """How often one redacted question was asked on one day, for one reason."""

    question: str
    reason: Reason
    day: date
    times: int
    last_asked: datetime


@dataclass(frozen=True, slots=True)
class WeakAnswer:
    """One redacted question the gate answered with a low confidence in the period: how often, how weakly."""

    question: str
    times: int
    lowest: float  # the lowest confidence it was answered with
    last_asked: datetime


@dataclass(frozen=True, slots=True)
class RatedDown:
    """A question and an answer a resident marked unhelpful (to tell whether the answer has changed)."""

    question: str
    answer: str


@dataclass(frozen=True, slots=True)
class FeedbackEntry:
    answer_id: str
    helpful: bool
    comment: str  # redacted when it was stored
    question: str  # redacted
    status: str
    given_at: datetime


@dataclass(frozen=True, slots=True)
class FeedbackSummary:
    helpful: int
    unhelpful: int
    with_comment: int


def _unhelpful() -> sa.ColumnElement[bool]:
    return sa.exists().where(FeedbackRow.answer_id == TranscriptRow.answer_id, FeedbackRow.helpful.is_(False))


def _helpful() -> sa.ColumnElement[bool]:
    return sa.exists().where(FeedbackRow.answer_id == TranscriptRow.answer_id, FeedbackRow.helpful.is_(True))


def _followed_by_handoff(bare_requests: list[str]) -> sa.ColumnElement[bool]:
    """A question the resident asked for a person after, with no other question in between (small talk
    such as "thanks" may come between), by a request that names nothing else (`bare_requests`), and
    whose answer the resident did not mark helpful."""
    after, between = aliased(TranscriptRow), aliased(TranscriptRow)
    nothing_between = ~sa.exists().where(
        between.session_ref == TranscriptRow.session_ref,
        between.intent == "question",
        between.created_at > TranscriptRow.created_at,
        between.created_at < after.created_at,
    ).correlate(TranscriptRow, after)
    request = (
        sa.exists()
        .where(
            after.session_ref == TranscriptRow.session_ref,
            after.intent == "handoff",
            after.question.in_(bare_requests),
            after.created_at > TranscriptRow.created_at,
            nothing_between,
        )
        .correlate(TranscriptRow)
    )
    return sa.and_(TranscriptRow.intent == "question", ~_helpful(), request)


def _day(column: InstrumentedAttribute[datetime]) -> sa.ColumnElement[object]:
    """The calendar day of a timestamp: `date()` is a function of both SQLite and PostgreSQL."""
    return sa.func.date(column)


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])  # SQLite returns "YYYY-MM-DD"


def _aware(value: datetime) -> datetime:
    """SQLite gives back naive timestamps; they were stored in UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class GapQueries:
    """Read-only queries over the bot's transcripts and feedback (engine from `BotDatabase.engine`)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def _bare_requests(self, since: datetime) -> list[str]:
        """The distinct requests for a person since `since` that name nothing else ("I want to talk to a
        person", the widget's button): only these put the question before them down as not served."""
        query = (
            sa.select(TranscriptRow.question)
            .distinct()
            .where(TranscriptRow.created_at >= since, TranscriptRow.intent == "handoff")
        )
        with self.engine.connect() as conn:
            texts = conn.execute(query).scalars().all()
        routes = load_routes()
        return [t for t in texts if routes.asks_nothing(t)]

    def asked(self, since: datetime, until: datetime, limit: int = 20_000) -> list[AskedDay]:
        """Gap questions of the period, one row per question, reason and day, most asked first."""
        unhelpful, handed_off = _unhelpful(), _followed_by_handoff(self._bare_requests(since))
        reason = sa.case(
            (unhelpful, "unhelpful"),
            (TranscriptRow.status.in_(GAP_STATUSES), TranscriptRow.status),
            else_="handoff",
        ).label("reason")
        day = _day(TranscriptRow.created_at).label("day")
        times = sa.func.count().label("times")
        query = (
            sa.select(TranscriptRow.question, reason, day, times, sa.func.max(TranscriptRow.created_at))
            .where(
                TranscriptRow.created_at >= since,
                TranscriptRow.created_at < until,
                TranscriptRow.intent != "status",
                TranscriptRow.private.is_(False),
                TranscriptRow.question != "",
                sa.or_(TranscriptRow.status.in_(GAP_STATUSES), unhelpful, handed_off),
            )
            .group_by(TranscriptRow.question, reason, day)
            .order_by(sa.desc(times), TranscriptRow.question)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        routes = load_routes()
        return [
            AskedDay(question, reason, _as_date(d), int(n), _aware(last))
            for question, reason, d, n, last in rows
            # a message that asks nothing ("yes", "thanks", "I want to talk to a person") is no missing
            # content, whatever it got: the question that led to a handoff is counted
            # (`_followed_by_handoff`), and a "yes" after an answer was no question at all
            if not routes.asks_nothing(question)
        ]

    def _weak(self, since: datetime, until: datetime, below: float) -> tuple[sa.ColumnElement[bool], ...]:
        return (
            TranscriptRow.created_at >= since,
            TranscriptRow.created_at < until,
            TranscriptRow.status == "answered",
            TranscriptRow.intent == "question",
            TranscriptRow.private.is_(False),
            TranscriptRow.question != "",
            TranscriptRow.confidence < below,
        )

    def weak_answers(
        self, since: datetime, until: datetime, below: float, limit: int = 2000
    ) -> list[WeakAnswer]:
        """Answered questions of the period whose confidence was under `below` (the gate passed them, but
        only just), one row per question, most asked first."""
        times = sa.func.count().label("times")
        query = (
            sa.select(
                TranscriptRow.question,
                times,
                sa.func.min(TranscriptRow.confidence),
                sa.func.max(TranscriptRow.created_at),
            )
            .where(*self._weak(since, until, below))
            .group_by(TranscriptRow.question)
            .order_by(sa.desc(times), TranscriptRow.question)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        routes = load_routes()
        return [
            WeakAnswer(question, int(n), float(lowest), _aware(last))
            for question, n, lowest, last in rows
            if not routes.asks_nothing(question)
        ]

    def weak_citations(
        self, since: datetime, until: datetime, below: float, questions: list[str]
    ) -> dict[str, dict[str, int]]:
        """For each of these questions, the documents its weak answers cited and how many answers cited
        each (the citations' JSON array unnested in SQL, as `bot.storage.analytics` does)."""
        if not questions:
            return {}
        document: sa.ColumnElement[object]
        if self.engine.dialect.name == "postgresql":
            element = sa.func.json_array_elements(TranscriptRow.citations).table_valued("value").lateral("c")
            document = element.c.value.op("->>")("document_id")
        else:
            element = sa.func.json_each(TranscriptRow.citations).table_valued("value").alias("c")
            document = sa.func.json_extract(element.c.value, "$.document_id")
        answers = sa.func.count(sa.distinct(TranscriptRow.answer_id))
        query = (
            sa.select(TranscriptRow.question, document, answers)
            .select_from(TranscriptRow)
            .join(element, sa.true())
            .where(*self._weak(since, until, below), TranscriptRow.question.in_(questions))
            .group_by(TranscriptRow.question, document)
        )
        found: dict[str, dict[str, int]] = {}
        with self.engine.connect() as conn:
            for question, doc, n in conn.execute(query).all():
                if doc is not None:
                    found.setdefault(question, {})[str(doc)] = int(n)
        return found

    def rated_down(self, since: datetime, until: datetime, questions: list[str]) -> list[RatedDown]:
        """The distinct answers residents marked unhelpful for these questions in the period."""
        if not questions:
            return []
        query = (
            sa.select(TranscriptRow.question, TranscriptRow.answer)
            .distinct()
            .where(
                TranscriptRow.created_at >= since,
                TranscriptRow.created_at < until,
                TranscriptRow.question.in_(questions),
                _unhelpful(),
            )
        )
        with self.engine.connect() as conn:
            return [RatedDown(q, a) for q, a in conn.execute(query).all()]

    def feedback(
        self, since: datetime, until: datetime, helpful: bool | None = None, limit: int = 200
    ) -> list[FeedbackEntry]:
        """Residents' verdicts given in the period, newest first (comments were redacted when stored)."""
        query = (
            sa.select(
                FeedbackRow.answer_id,
                FeedbackRow.helpful,
                FeedbackRow.comment,
                TranscriptRow.question,
                TranscriptRow.status,
                FeedbackRow.created_at,
            )
            .join(TranscriptRow, TranscriptRow.answer_id == FeedbackRow.answer_id)
            .where(FeedbackRow.created_at >= since, FeedbackRow.created_at < until)
            .order_by(FeedbackRow.created_at.desc(), FeedbackRow.id.desc())
            .limit(limit)
        )
        if helpful is not None:
            query = query.where(FeedbackRow.helpful.is_(helpful))
        with self.engine.connect() as conn:
            return [
                FeedbackEntry(answer_id, helpful, comment, question, status, _aware(given_at))
                for answer_id, helpful, comment, question, status, given_at in conn.execute(query).all()
            ]

    def feedback_summary(self, since: datetime, until: datetime) -> FeedbackSummary:
        query = sa.select(
            sa.func.count().filter(FeedbackRow.helpful.is_(True)),
            sa.func.count().filter(FeedbackRow.helpful.is_(False)),
            sa.func.count().filter(FeedbackRow.comment != ""),
        ).where(FeedbackRow.created_at >= since, FeedbackRow.created_at < until)
        with self.engine.connect() as conn:
            helpful, unhelpful, commented = conn.execute(query).one()
        return FeedbackSummary(int(helpful), int(unhelpful), int(commented))
