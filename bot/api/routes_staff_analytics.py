"""Analytics and residents' feedback for editors and supervisors (issue 13).

`GET /api/v1/staff/analytics?days=N[&format=csv]` and the page `/staff/analytics` (charts drawn as SVG
on the server, each with its data table); `GET /api/v1/staff/feedback?days=N[&verdict=...]` and the page
`/staff/feedback`. Agents get 403: both read every resident's (redacted) questions. The queries block,
so the routes are `def` and run in the threadpool.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import PlainTextResponse

from bot.api.deps import RuntimeDep
from bot.api.routes_staff_auth import STAFF_API_ERRORS, render
from bot.api.routes_staff_console import no_store
from bot.api.schemas import ErrorBody
from bot.api.staff_deps import StaffAccess
from bot.runtime import Runtime
from bot.staff.analytics import AnalyticsReport, analytics_report, to_csv
from bot.staff.auth import StaffPrincipal
from bot.staff.charts import report_charts
from bot.staff.gaps import MAX_DAYS, Period
from bot.staff.roles import LABELS, Role
from bot.storage.analytics import AnalyticsQueries
from bot.storage.gaps import FeedbackEntry, FeedbackSummary, GapQueries

router = APIRouter()
EDITORS = StaffAccess(Role.EDITOR, Role.SUPERVISOR)
EditorDep = Annotated[StaffPrincipal, Depends(EDITORS)]
Days = Annotated[int, Query(ge=1, le=MAX_DAYS, description="The period: the last N days.")]
Verdict = Literal["all", "helpful", "unhelpful"]
ERRORS: dict[int | str, dict[str, object]] = {
    **STAFF_API_ERRORS,
    422: {"model": ErrorBody, "description": "`days` outside 1..3650, or an unknown format or verdict"},
}
FEEDBACK_LIMIT = 500


@dataclass(frozen=True, slots=True)
class FeedbackList:
    """Verdicts given in the period, newest first (at most 500), and the period's totals."""

    days: int
    summary: FeedbackSummary
    entries: list[FeedbackEntry]


def _analytics(runtime: Runtime, days: int) -> AnalyticsReport:
    return analytics_report(AnalyticsQueries(runtime.service.database.engine), Period.last(days))


def _feedback(runtime: Runtime, days: int, verdict: Verdict) -> FeedbackList:
    period = Period.last(days)
    queries = GapQueries(runtime.service.database.engine)
    helpful = None if verdict == "all" else verdict == "helpful"
    return FeedbackList(
        days,
        queries.feedback_summary(period.since, period.until),
        queries.feedback(period.since, period.until, helpful, FEEDBACK_LIMIT),
    )


def _page(who: StaffPrincipal) -> dict[str, Any]:
    return {"principal": who, "role": LABELS[who.role], "supervisor": who.role == Role.SUPERVISOR}


def _days(request: Request, raw: str) -> int | Response:
    """The page's period, or a page saying what to choose (a form field: never a JSON error)."""
    days = int(raw) if raw.strip().isdigit() else 0
    if 1 <= days <= MAX_DAYS:
        return days
    return render(
        request, "problem.html", 422, title="Choose a period", message="The period is 1 to 3650 days."
    )


@router.get(
    "/api/v1/staff/analytics",
    response_model=AnalyticsReport,
    responses={**ERRORS, 200: {"content": {"text/csv": {}}}},
    dependencies=[Depends(no_store)],
    tags=["staff"],
)
def analytics(
    who: EditorDep,
    runtime: RuntimeDep,
    days: Days = 30,
    format: Annotated[Literal["json", "csv"], Query(description="`csv`: one figure a row.")] = "json",
) -> AnalyticsReport | Response:
    """Questions per day, status mix, helpful and handoff rates, top documents cited, median and 95th
    percentile answer time, over the last `days` days."""
    report = _analytics(runtime, days)
    if format == "csv":
        return PlainTextResponse(
            to_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="askcity-analytics-{days}d.csv"'},
        )
    return report


@router.get("/staff/analytics", include_in_schema=False, dependencies=[Depends(no_store)])
def analytics_page(request: Request, who: EditorDep, runtime: RuntimeDep, days: str = "30") -> Response:
    period = _days(request, days)
    if isinstance(period, Response):
        return period
    report = _analytics(runtime, period)
    return render(
        request,
        "analytics.html",
        report=report,
        charts=report_charts(report),
        days=period,
        **_page(who),
    )


@router.get(
    "/api/v1/staff/feedback",
    response_model=FeedbackList,
    responses=ERRORS,
    dependencies=[Depends(no_store)],
    tags=["staff"],
)
def feedback(who: EditorDep, runtime: RuntimeDep, days: Days = 30, verdict: Verdict = "all") -> FeedbackList:
    """Residents' verdicts on answers, with their (redacted) comments and questions, newest first."""
    return _feedback(runtime, days, verdict)


@router.get("/staff/feedback", include_in_schema=False, dependencies=[Depends(no_store)])
def feedback_page(
    request: Request, who: EditorDep, runtime: RuntimeDep, days: str = "30", verdict: str = "all"
) -> Response:
    period = _days(request, days)
    if isinstance(period, Response):
        return period
    chosen: Verdict = verdict if verdict in ("helpful", "unhelpful") else "all"  # type: ignore[assignment]
    listing = _feedback(runtime, period, chosen)
    return render(
        request,
        "feedback.html",
        listing=listing,
        days=period,
        verdict=chosen,
        **_page(who),
    )
