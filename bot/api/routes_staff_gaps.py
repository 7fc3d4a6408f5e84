"""The content-gap report for editors and supervisors (issue 13): `GET /api/v1/staff/gaps` (JSON or CSV)
and the page `/staff/gaps`, with a form to start a curated answer from a group and a link to start a
document for it (a Markdown skeleton holding the residents' redacted questions); the page also groups
the answers the gate passed only weakly (`GapFinder.weak`).

Agents get 403: the report reads every resident's (redacted) questions. The work (SQL, the model, a
pipeline run per re-checked question) blocks, so the routes are `def` and run in the threadpool.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import PlainTextResponse, RedirectResponse

from bot.answering.gate import load_gate_config
from bot.api.deps import RuntimeDep, SettingsDep
from bot.api.routes_staff_auth import STAFF_API_ERRORS, render
from bot.api.routes_staff_console import no_store
from bot.api.routes_staff_curated import ConsoleDep
from bot.api.schemas import ErrorBody
from bot.api.staff_deps import StaffAccess
from bot.runtime import Runtime
from bot.settings import BotSettings
from bot.staff.auth import StaffPrincipal
from bot.staff.clustering import load_clustering_config
from bot.staff.curated_console import MAX_VARIANTS, draft_questions
from bot.staff.gaps import MAX_DAYS, WEAK_BELOW, GapFinder, GapReport, Period, gap_finder, to_csv
from bot.staff.roles import LABELS, Role
from bot.storage.gaps import GapQueries
from knowledge_base.records import Citation

router = APIRouter()
EDITORS = StaffAccess(Role.EDITOR, Role.SUPERVISOR)
EditorDep = Annotated[StaffPrincipal, Depends(EDITORS)]
Days = Annotated[int, Query(ge=1, le=MAX_DAYS, description="The period: the last N days.")]
ERRORS: dict[int | str, dict[str, object]] = {
    **STAFF_API_ERRORS,
    422: {"model": ErrorBody, "description": "`days` outside 1..3650, or an unknown format"},
}


def _finder(runtime: Runtime) -> GapFinder:
    service = runtime.service
    return gap_finder(
        GapQueries(service.database.engine), service.pipeline, runtime.retriever, load_clustering_config()
    )


def _report(runtime: Runtime, days: int) -> GapReport:
    return _finder(runtime).report(Period.last(days))


def _gate_threshold(settings: BotSettings) -> float:
    """The confidence from which the served gate answers (the calibrated one, or the override)."""
    if settings.answer_threshold is not None:
        return settings.answer_threshold
    return load_gate_config().answer_threshold


@router.get(
    "/api/v1/staff/gaps",
    response_model=GapReport,
    responses={**ERRORS, 200: {"content": {"text/csv": {}}}},
    dependencies=[Depends(no_store)],
    tags=["staff"],
)
def gaps(
    who: EditorDep,
    runtime: RuntimeDep,
    days: Days = 30,
    format: Annotated[Literal["json", "csv"], Query(description="`csv`: one row per group.")] = "json",
) -> GapReport | Response:
    """Questions the documents did not serve, grouped by meaning: count, trend, redacted examples, the
    closest documents, and whether the served knowledge base now answers them."""
    report = _report(runtime, days)
    if format == "csv":
        return PlainTextResponse(
            to_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="askcity-gaps-{days}d.csv"'},
        )
    return report


def _page(who: StaffPrincipal) -> dict[str, Any]:
    session = who.session
    return {
        "principal": who,
        "role": LABELS[who.role],
        "supervisor": who.role == Role.SUPERVISOR,
        "editor": True,
        "csrf_token": session.csrf_token if session is not None else "",
    }


@router.get("/staff/gaps", include_in_schema=False)
def gaps_page(
    request: Request,
    who: EditorDep,
    runtime: RuntimeDep,
    settings: SettingsDep,
    days: int = 30,
    below: float = WEAK_BELOW,
) -> Response:
    """The gap groups, then the answers the gate passed only weakly (confidence under `below`)."""
    if not 1 <= days <= MAX_DAYS:
        return render(
            request, "problem.html", 422, title="Choose a period", message="The period is 1 to 3650 days."
        )
    if not 0 < below <= 1:
        message = "The confidence level is a number above 0, at most 1 (for example 0.5)."
        return render(request, "problem.html", 422, title="Choose a confidence level", message=message)
    finder, period = _finder(runtime), Period.last(days)
    return render(
        request,
        "gaps.html",
        report=finder.report(period),
        weak=finder.weak(period, below),
        gate=_gate_threshold(settings),
        days=days,
        **_page(who),
    )


@router.post("/staff/gaps/curated-draft", include_in_schema=False)
def start_curated_answer(
    request: Request,
    who: EditorDep,
    runtime: RuntimeDep,
    question: Annotated[str, Form(min_length=1, max_length=1000)],
    cite: Annotated[list[str], Form(max_length=10)] = [],  # noqa: B006
    variant: Annotated[list[str], Form(max_length=MAX_VARIANTS)] = [],  # noqa: B006
) -> Response:
    """A curated-answer draft for the group's most asked question and its other phrasings (`variant`:
    one question variant each, repeats and those holding masked personal data left out), citing its
    closest documents; the editor writes the answer (`/staff/curated/drafts/{id}`, or `askcity curated
    drafts` and `add`). The draft keeps its questions one a line, as the curated-answer form takes them."""
    questions = "\n".join(draft_questions([question, *(v[:1000] for v in variant)]))
    documents = {d.id: d for d in runtime.retriever.snapshot.documents}
    citations = [
        Citation(document_id=d.id, title=d.title, source_url=d.source_uri, effective_date=d.effective_date)
        for d in (documents.get(i) for i in cite)
        if d is not None
    ]
    database = runtime.service.database
    started = next(  # a second click or a resent form finds the draft the first one started
        (
            d.id
            for d in database.curated_drafts()
            if d.question == questions
            and not d.answer
            and d.ticket_id is None
            and d.author_subject == who.subject
        ),
        None,
    )
    draft = started or database.add_curated_draft(
        questions, "", citations, None, who.subject, who.display_name
    )
    return RedirectResponse(f"/staff/gaps/curated-draft/{draft}", status_code=303)


@router.get("/staff/gaps/curated-draft/{draft_id}", include_in_schema=False)
def curated_answer_started(request: Request, who: EditorDep, console: ConsoleDep, draft_id: int) -> Response:
    draft = console.draft(draft_id)
    if draft is None or draft.status != "draft":
        return render(
            request, "problem.html", 404, title="Not found", message="There is no open draft with that id."
        )
    questions = draft.question.splitlines()
    return render(request, "gap_started.html", draft=draft.id, questions=questions, **_page(who))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "new-document"


@router.get("/staff/gaps/new-document", include_in_schema=False)
def start_document(
    who: EditorDep,
    label: Annotated[str, Query(max_length=200)] = "",
    q: Annotated[list[str], Query(max_length=10)] = [],  # noqa: B006
) -> Response:
    """A Markdown skeleton for a new service page (the ingest format of `ingest/sample_kb/`), with the
    residents' redacted questions it should answer as a comment to delete."""
    title = label.strip() or "New service page"
    asked = "\n".join(f"- {line.strip()}" for line in q if line.strip()).replace("-->", "- ->")
    body = (
        f"# {title}\n\n"
        f"<!-- Residents asked (redacted); answer each below, then delete this comment:\n{asked}\n-->\n\n"
        "## Who can apply\n\n## How to apply\n\n## Fees\n\n## Contact\n"
    )
    return PlainTextResponse(
        body,
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{_slug(title)}.md"'},
    )
