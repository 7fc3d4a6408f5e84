"""Analytics (issue 13): SQL aggregates over seeded transcripts and feedback on real SQLite and PostgreSQL,
exact counts, percentiles equal to numpy's linear percentile, the CSV and the charts drawn from them."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
import sqlalchemy as sa

from bot.staff.analytics import AnalyticsReport, analytics_report, to_csv
from bot.staff.charts import report_charts
from bot.staff.gaps import Period
from bot.storage.analytics import AnalyticsQueries
from bot.storage.database import BotDatabase
from bot.storage.tables import TranscriptRow

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
LATENCIES = [12.5, 40.0, 41.0, 90.0, 100.0, 250.0, 700.0, 1500.0, 33.0, 61.0, 18.0]


def cite(doc: str, title: str) -> dict[str, object]:
    return {"document_id": doc, "title": title, "source_url": "", "effective_date": None}


def turn(
    db: BotDatabase,
    *,
    session: str,
    status: str = "answered",
    days_ago: float = 0.25,
    citations: list[dict[str, object]] | None = None,
    total_ms: float | None = None,
    helpful: bool | None = None,
) -> str:
    answer_id = uuid.uuid4().hex
    with db.engine.begin() as conn:
        conn.execute(
            sa.insert(TranscriptRow),
            {
                "answer_id": answer_id,
                "session_ref": session * 64,
                "created_at": NOW - timedelta(days=days_ago),
                "question": "how do i renew a dog licence",
                "answer": "Renew it online.",
                "status": status,
                "intent": "question",
                "private": False,
                "citations": citations or [],
                "timings_ms": {"retrieve": 3.0, "total": total_ms} if total_ms is not None else {},
            },
        )
    if helpful is not None:
        db.feedback(answer_id, helpful, "")
    return answer_id


def seed(db: BotDatabase) -> None:
    dogs, bins = cite("animals-dog-licences", "Dog licences"), cite("waste-bulky-items", "Bulky items")
    latencies = iter(LATENCIES)
    # six hours before NOW: 5 turns in conversations a and b
    turn(db, session="a", citations=[dogs, dogs], total_ms=next(latencies), helpful=True)  # cited twice: once
    turn(db, session="a", citations=[dogs, bins], total_ms=next(latencies), helpful=False)
    turn(db, session="a", status="handoff", total_ms=next(latencies))
    turn(db, session="b", status="no_answer", total_ms=next(latencies), helpful=False)
    turn(db, session="b", status="curated", citations=[bins], total_ms=next(latencies), helpful=True)
    # two days and six hours before: 4 turns in conversations c and d
    for session, status in (("c", "answered"), ("c", "clarification"), ("d", "answered"), ("d", "handoff")):
        turn(db, session=session, status=status, days_ago=2.25, citations=[dogs], total_ms=next(latencies))
    # five days and six hours before: 2 turns of conversation e, one without a recorded time
    turn(db, session="e", days_ago=5.25, total_ms=next(latencies), helpful=True)
    turn(db, session="e", status="error", days_ago=5.25)
    # outside the 7-day period: never counted
    turn(db, session="f", status="handoff", days_ago=9, citations=[bins], total_ms=99999.0, helpful=False)


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest) -> Iterator[BotDatabase]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    db = BotDatabase(url)
    db.migrate()
    seed(db)
    yield db
    db.close()


def report_of(db: BotDatabase, days: int = 7) -> AnalyticsReport:
    return analytics_report(AnalyticsQueries(db.engine), Period.last(days, NOW))


def test_counts_are_exact_for_the_period(database: BotDatabase) -> None:
    report = report_of(database)
    assert report.turns == 11
    assert len(report.per_day) == 8 and report.per_day[-1].day == NOW.date()
    by_day = {d.day: d.turns for d in report.per_day}
    assert (
        by_day[date(2026, 11, 30)] == 5
        and by_day[date(2026, 11, 28)] == 4
        and by_day[date(2026, 11, 25)] == 2
    )
    assert sum(by_day.values()) == 11 and sorted(by_day.values()).count(0) == 5
    assert {s.status: s.turns for s in report.statuses} == {
        "answered": 5,
        "handoff": 2,
        "no_answer": 1,
        "curated": 1,
        "clarification": 1,
        "error": 1,
    }
    assert report.statuses[0].status == "answered" and report.statuses[0].share == round(5 / 11, 4)
    assert (report.helpful, report.unhelpful, report.helpful_rate) == (3, 2, 0.6)
    assert (report.conversations, report.handed_off, report.handoff_rate) == (5, 2, 0.4)
    assert [(d.document_id, d.title, d.answers) for d in report.top_documents] == [
        ("animals-dog-licences", "Dog licences", 6),
        ("waste-bulky-items", "Bulky items", 2),
    ]


def test_latency_percentiles_match_a_linear_percentile_of_the_timed_turns(database: BotDatabase) -> None:
    latency = report_of(database).latency
    timed = LATENCIES[:10]  # the eleventh turn was recorded without a time; the 12th is out of the period
    assert latency.measured == 10
    assert latency.median_ms == pytest.approx(float(np.percentile(timed, 50)))
    assert latency.p95_ms == pytest.approx(float(np.percentile(timed, 95)))


def test_an_empty_period_has_no_rates_and_no_latency(database: BotDatabase) -> None:
    report = analytics_report(AnalyticsQueries(database.engine), Period.last(1, NOW - timedelta(days=30)))
    assert report.turns == 0 and report.helpful_rate is None and report.handoff_rate is None
    assert report.latency.measured == 0 and report.latency.median_ms is None and report.top_documents == []
    charts = report_charts(report)
    assert all(c.description == "No data in this period." for c in charts if not c.bars)


def test_csv_holds_every_figure_of_the_report(database: BotDatabase) -> None:
    report = report_of(database)
    rows = list(csv.DictReader(io.StringIO(to_csv(report))))
    figures = {(r["metric"], r["key"]): r["value"] for r in rows}
    assert figures[("turns", "")] == "11"
    assert figures[("turns_per_day", "2026-11-30")] == "5"
    assert figures[("status", "handoff")] == "2"
    assert figures[("helpful_rate", "")] == "0.6" and figures[("handoff_rate", "")] == "0.4"
    assert figures[("document_cited", "animals-dog-licences")] == "6"
    assert float(figures[("latency_ms", "median")]) == pytest.approx(report.latency.median_ms or -1)


def test_charts_are_the_report_scaled_to_their_largest_bar(database: BotDatabase) -> None:
    report = report_of(database)
    charts = {c.id: c for c in report_charts(report)}
    questions = charts["chart-questions"]
    assert [b.label for b in questions.bars] == [d.day.isoformat() for d in report.per_day]
    widest = max(b.width for b in questions.bars)
    assert [b.width == widest for b in questions.bars] == [d.turns == 5 for d in report.per_day]
    statuses = charts["chart-statuses"]
    assert statuses.bars[0].label == "answered" and statuses.bars[0].shown == "5 (45.5%)"
    rates = charts["chart-rates"]
    assert [b.shown for b in rates.bars] == ["60.0%", "40.0%"]
    assert rates.bars[0].width == pytest.approx(rates.bars[1].width * 1.5)
    weekly = report_charts(report_of(database, days=60))[0]
    assert weekly.title == "Questions per week" and sum(int(b.shown) for b in weekly.bars) == 12
