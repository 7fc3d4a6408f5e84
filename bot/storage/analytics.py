"""What the analytics page counts, as SQL aggregates over the transcripts and feedback (issue 13).

Python receives one row per day, per status or per document, and two latency figures, never the
transcripts themselves. A turn is one resident message and the bot's reply (a row of `bot_transcripts`).

    per_day        turns per calendar day (UTC)
    statuses       turns per answer status
    feedback       verdicts on the period's answers: helpful, unhelpful
    conversations  distinct conversations, and those with at least one handoff turn
    top_documents  answers citing each document (an answer citing a document twice counts once)
    latency        median and 95th percentile of the turn's total time (`timings_ms.total`)

Percentiles are PostgreSQL's `percentile_cont`; elsewhere (SQLite) the same continuous percentile from
the two ranked values around it, each fetched with `ORDER BY ... LIMIT 1 OFFSET k`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from bot.storage.tables import FeedbackRow, TranscriptRow


@dataclass(frozen=True, slots=True)
class DayCount:
    day: date
    turns: int


@dataclass(frozen=True, slots=True)
class CitedDocument:
    document_id: str
    title: str
    answers: int


@dataclass(frozen=True, slots=True)
class Verdicts:
    helpful: int
    unhelpful: int


@dataclass(frozen=True, slots=True)
class Conversations:
    total: int
    handed_off: int


@dataclass(frozen=True, slots=True)
class Latency:
    """Milliseconds; None when no turn of the period recorded its time."""

    measured: int
    median_ms: float | None
    p95_ms: float | None


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])  # SQLite returns "YYYY-MM-DD"


class AnalyticsQueries:
    """Read-only aggregates over `[since, until)` (engine from `BotDatabase.engine`)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    @staticmethod
    def _in(since: datetime, until: datetime) -> sa.ColumnElement[bool]:
        return sa.and_(TranscriptRow.created_at >= since, TranscriptRow.created_at < until)

    def per_day(self, since: datetime, until: datetime) -> list[DayCount]:
        day = sa.func.date(TranscriptRow.created_at)
        query = sa.select(day, sa.func.count()).where(self._in(since, until)).group_by(day).order_by(day)
        with self.engine.connect() as conn:
            return [DayCount(_as_date(d), int(n)) for d, n in conn.execute(query).all()]

    def statuses(self, since: datetime, until: datetime) -> dict[str, int]:
        count = sa.func.count()
        query = (
            sa.select(TranscriptRow.status, count)
            .where(self._in(since, until))
            .group_by(TranscriptRow.status)
            .order_by(sa.desc(count), TranscriptRow.status)
        )
        with self.engine.connect() as conn:
            return {status: int(n) for status, n in conn.execute(query).all()}

    def verdicts(self, since: datetime, until: datetime) -> Verdicts:
        """Verdicts on the answers given in the period (whenever the resident clicked)."""
        query = (
            sa.select(
                sa.func.count().filter(FeedbackRow.helpful.is_(True)),
                sa.func.count().filter(FeedbackRow.helpful.is_(False)),
            )
            .select_from(FeedbackRow)
            .join(TranscriptRow, TranscriptRow.answer_id == FeedbackRow.answer_id)
            .where(self._in(since, until))
        )
        with self.engine.connect() as conn:
            helpful, unhelpful = conn.execute(query).one()
        return Verdicts(int(helpful), int(unhelpful))

    def conversations(self, since: datetime, until: datetime) -> Conversations:
        handed_off = sa.func.count(
            sa.distinct(sa.case((TranscriptRow.status == "handoff", TranscriptRow.session_ref)))
        )
        query = sa.select(sa.func.count(sa.distinct(TranscriptRow.session_ref)), handed_off).where(
            self._in(since, until)
        )
        with self.engine.connect() as conn:
            total, off = conn.execute(query).one()
        return Conversations(int(total), int(off))

    def top_documents(self, since: datetime, until: datetime, limit: int = 10) -> list[CitedDocument]:
        """The documents the period's answers cite most: the citations' JSON array is unnested in SQL
        (`json_array_elements` on PostgreSQL, `json_each` on SQLite)."""
        document: sa.ColumnElement[object]
        title: sa.ColumnElement[object]
        if self.engine.dialect.name == "postgresql":
            element = sa.func.json_array_elements(TranscriptRow.citations).table_valued("value").lateral("c")
            document = element.c.value.op("->>")("document_id")
            title = element.c.value.op("->>")("title")
        else:
            element = sa.func.json_each(TranscriptRow.citations).table_valued("value").alias("c")
            document = sa.func.json_extract(element.c.value, "$.document_id")
            title = sa.func.json_extract(element.c.value, "$.title")
        answers = sa.func.count(sa.distinct(TranscriptRow.answer_id))
        query = (
            sa.select(document.label("document_id"), sa.func.max(title), answers)
            .select_from(TranscriptRow)
            .join(element, sa.true())
            .where(self._in(since, until), TranscriptRow.private.is_(False))
            .group_by(document)
            .order_by(sa.desc(answers), document)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [
                CitedDocument(str(doc), str(name or doc), int(n))
                for doc, name, n in conn.execute(query).all()
                if doc is not None
            ]

    def latency(self, since: datetime, until: datetime) -> Latency:
        total = TranscriptRow.timings_ms["total"].as_float()
        where = sa.and_(self._in(since, until), total.is_not(None))
        with self.engine.connect() as conn:
            measured = int(conn.execute(sa.select(sa.func.count()).where(where)).scalar_one())
            if measured == 0:
                return Latency(0, None, None)
            if self.engine.dialect.name == "postgresql":
                median, p95 = conn.execute(
                    sa.select(
                        sa.func.percentile_cont(0.5).within_group(total),
                        sa.func.percentile_cont(0.95).within_group(total),
                    ).where(where)
                ).one()
                return Latency(measured, float(median), float(p95))

            def ranked(k: int) -> float:
                query = sa.select(total).where(where).order_by(total).limit(1).offset(k)
                return float(conn.execute(query).scalar_one())

            def percentile(p: float) -> float:
                rank = p * (measured - 1)  # percentile_cont: interpolate between the ranks around it
                low, high = math.floor(rank), math.ceil(rank)
                below = ranked(low)
                return below if high == low else below + (ranked(high) - below) * (rank - low)

            return Latency(measured, percentile(0.5), percentile(0.95))
