"""Analytics for editors and supervisors (issue 13): what residents asked and how the bot did, over a period.

    AnalyticsQueries (SQL aggregates) → AnalyticsReport (API, CSV) → charts (accessible SVG on the page)

Every figure comes from an aggregate query (`bot.storage.analytics`); days without turns are filled in
with zeros here. Rates are None when there is nothing to divide by (no verdict, no conversation).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.staff.gaps import Period
from bot.storage.analytics import AnalyticsQueries, CitedDocument, DayCount, Latency


@dataclass(frozen=True, slots=True)
class StatusShare:
    status: str
    turns: int
    share: float  # of all turns in the period


@dataclass(frozen=True, slots=True)
class AnalyticsReport:
    since: datetime
    until: datetime
    days: int
    turns: int
    per_day: list[DayCount]  # every day of the period, oldest first
    statuses: list[StatusShare]  # most frequent first
    helpful: int
    unhelpful: int
    helpful_rate: float | None  # helpful / (helpful + unhelpful)
    conversations: int
    handed_off: int  # conversations with at least one handoff turn
    handoff_rate: float | None  # handed_off / conversations
    top_documents: list[CitedDocument]
    latency: Latency


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _every_day(counts: list[DayCount], first: date, last: date) -> list[DayCount]:
    seen = {c.day: c.turns for c in counts}
    return [
        DayCount(first + timedelta(days=n), seen.get(first + timedelta(days=n), 0))
        for n in range((last - first).days + 1)
    ]


def analytics_report(queries: AnalyticsQueries, period: Period, top: int = 10) -> AnalyticsReport:
    since, until = period.since, period.until
    statuses = queries.statuses(since, until)
    turns = sum(statuses.values())
    verdicts = queries.verdicts(since, until)
    conversations = queries.conversations(since, until)
    return AnalyticsReport(
        since=since,
        until=until,
        days=period.days,
        turns=turns,
        per_day=_every_day(queries.per_day(since, until), since.date(), until.date()),
        statuses=[StatusShare(s, n, round(n / turns, 4)) for s, n in statuses.items()],
        helpful=verdicts.helpful,
        unhelpful=verdicts.unhelpful,
        helpful_rate=_ratio(verdicts.helpful, verdicts.helpful + verdicts.unhelpful),
        conversations=conversations.total,
        handed_off=conversations.handed_off,
        handoff_rate=_ratio(conversations.handed_off, conversations.total),
        top_documents=queries.top_documents(since, until, top),
        latency=queries.latency(since, until),
    )


CSV_COLUMNS = ("metric", "key", "label", "value")


def _cell(text: str) -> str:
    """Spreadsheets run a cell that starts with = + - @ as a formula: such cells start with a quote."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _figure(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def to_csv(report: AnalyticsReport) -> str:
    """Long format, one figure a row: `metric,key,label,value` (an empty value: nothing to measure)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerow(["period", "since", "", report.since.isoformat()])
    writer.writerow(["period", "until", "", report.until.isoformat()])
    writer.writerow(["turns", "", "", report.turns])
    for d in report.per_day:
        writer.writerow(["turns_per_day", d.day.isoformat(), "", d.turns])
    for s in report.statuses:
        writer.writerow(["status", s.status, "", s.turns])
    writer.writerow(["feedback", "helpful", "", report.helpful])
    writer.writerow(["feedback", "unhelpful", "", report.unhelpful])
    writer.writerow(["helpful_rate", "", "", _figure(report.helpful_rate)])
    writer.writerow(["conversations", "", "", report.conversations])
    writer.writerow(["conversations", "handed_off", "", report.handed_off])
    writer.writerow(["handoff_rate", "", "", _figure(report.handoff_rate)])
    for doc in report.top_documents:
        writer.writerow(["document_cited", _cell(doc.document_id), _cell(doc.title), doc.answers])
    writer.writerow(["latency_ms", "measured_turns", "", report.latency.measured])
    writer.writerow(["latency_ms", "median", "", _figure(report.latency.median_ms)])
    writer.writerow(["latency_ms", "p95", "", _figure(report.latency.p95_ms)])
    return out.getvalue()
