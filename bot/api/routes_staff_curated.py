"""Curated answers in the staff console (issue 13): `/api/v1/staff/curated...` and `/staff/curated...`.

Agents read (they save drafts from the agent console); editors and supervisors create, edit, expire and
finish agents' drafts. The pages are plain forms (no script); a form that cannot be saved comes back with
what to fix and the text as typed (422). Blocking database work: `def` routes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import ValidationError

from bot.api.deps import RuntimeDep, SettingsDep
from bot.api.editor_audit import note_target
from bot.api.routes_staff_auth import STAFF_API_ERRORS, render
from bot.api.routes_staff_console import no_store
from bot.api.schemas import ErrorBody
from bot.api.staff_deps import ANY_STAFF, StaffAccess
from bot.runtime import Runtime
from bot.staff.auth import StaffPrincipal
from bot.staff.curated_console import CuratedConsole, CuratedInput, CuratedInputError, CuratedView
from bot.staff.roles import LABELS, Role
from bot.storage.curated import CuratedStore
from bot.storage.database import CuratedDraft
from ingest.screening import Screener

router = APIRouter()
EDITORS = StaffAccess(Role.EDITOR, Role.SUPERVISOR)
EditorDep = Annotated[StaffPrincipal, Depends(EDITORS)]
ReaderDep = Annotated[StaffPrincipal, Depends(ANY_STAFF)]
ERRORS: dict[int | str, dict[str, object]] = {
    **STAFF_API_ERRORS,
    404: {"model": ErrorBody, "description": "No such curated answer in service, or no such open draft"},
    422: {
        "model": ErrorBody,
        "description": "What to fix: a missing question or answer, an unknown document",
    },
}


@dataclass(frozen=True, slots=True)
class CuratedList:
    answers: list[CuratedView]  # in service: active (served, expired, or flagged), oldest first
    drafts: list[CuratedDraft]  # agents' drafts waiting for an editor, newest first


def curated_console(runtime: RuntimeDep, settings: SettingsDep) -> CuratedConsole:
    """The console over the served documents, with the ingest content checks for the city's domains."""
    return CuratedConsole(
        CuratedStore(runtime.service.database.engine),
        lambda: runtime.retriever.snapshot.documents,
        Screener(settings.city_domains).scan,
    )


ConsoleDep = Annotated[CuratedConsole, Depends(curated_console)]


def _error(status: int, error: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"error": error, "message": message}, status_code=status, headers={"Cache-Control": "no-store"}
    )


def _not_found() -> JSONResponse:
    return _error(404, "curated_not_found", "There is no curated answer in service with that id.")


# ---- API --------------------------------------------------------------------------------------------
@router.get(
    "/api/v1/staff/curated",
    response_model=CuratedList,
    responses=ERRORS,
    dependencies=[Depends(no_store)],
    tags=["staff"],
)
def list_curated(who: ReaderDep, runtime: RuntimeDep, console: ConsoleDep) -> CuratedList:
    """Curated answers in service with hit counts and warnings, and agents' open drafts."""
    return CuratedList(console.views(), runtime.service.database.curated_drafts())


@router.post(
    "/api/v1/staff/curated", status_code=201, response_model=CuratedView, responses=ERRORS, tags=["staff"]
)
def create_curated(
    request: Request, who: EditorDep, console: ConsoleDep, body: CuratedInput
) -> CuratedView | JSONResponse:
    try:
        curated_id = console.create(body)
    except CuratedInputError as exc:
        return _error(422, "invalid_curated_answer", exc.message)
    if curated_id is not None:
        note_target(request, str(curated_id))
    view = console.view(curated_id) if curated_id is not None else None
    return view if view is not None else _not_found()


@router.get(
    "/api/v1/staff/curated/{curated_id}",
    response_model=CuratedView,
    responses=ERRORS,
    dependencies=[Depends(no_store)],
    tags=["staff"],
)
def get_curated(who: ReaderDep, console: ConsoleDep, curated_id: int) -> CuratedView | JSONResponse:
    view = console.view(curated_id)
    return view if view is not None else _not_found()


@router.put(
    "/api/v1/staff/curated/{curated_id}", response_model=CuratedView, responses=ERRORS, tags=["staff"]
)
def update_curated(
    request: Request, who: EditorDep, console: ConsoleDep, curated_id: int, body: CuratedInput
) -> CuratedView | JSONResponse:
    """Replace the question variants, answer, citations (at the published versions) and expiry."""
    try:
        updated = console.update(curated_id, body)
    except CuratedInputError as exc:
        return _error(422, "invalid_curated_answer", exc.message)
    if updated is None:
        return _not_found()
    request.state.editor_audit_detail = updated.changes  # old → new, for the editors' audit log
    view = console.view(curated_id)
    return view if view is not None else _not_found()


@router.delete("/api/v1/staff/curated/{curated_id}", status_code=204, responses=ERRORS, tags=["staff"])
def expire_curated(who: EditorDep, runtime: RuntimeDep, curated_id: int) -> Response:
    """Expire now: the answer is no longer served (and leaves the list)."""
    if not runtime.service.database.retire_curated(curated_id):
        return _not_found()
    return Response(status_code=204)


@router.post(
    "/api/v1/staff/curated/drafts/{draft_id}/approve",
    status_code=201,
    response_model=CuratedView,
    responses=ERRORS,
    tags=["staff"],
)
def approve_draft(
    request: Request, who: EditorDep, console: ConsoleDep, draft_id: int, body: CuratedInput
) -> CuratedView | JSONResponse:
    """Make a curated answer of an agent's draft, as the editor finished it; the draft is closed."""
    try:
        curated_id = console.create(body, from_draft=draft_id)
    except CuratedInputError as exc:
        return _error(422, "invalid_curated_answer", exc.message)
    if curated_id is None:
        return _error(404, "draft_not_found", "There is no open draft with that id.")
    note_target(request, str(curated_id), draft=str(draft_id))
    view = console.view(curated_id)
    return view if view is not None else _not_found()


# ---- pages ------------------------------------------------------------------------------------------
def _page(who: StaffPrincipal) -> dict[str, Any]:
    session = who.session
    return {
        "principal": who,
        "role": LABELS[who.role],
        "supervisor": who.role == Role.SUPERVISOR,
        "editor": who.role in (Role.EDITOR, Role.SUPERVISOR),
        "csrf_token": session.csrf_token if session is not None else "",
    }


@dataclass(frozen=True, slots=True)
class FormValues:
    """A curated-answer form as typed (shown again when it cannot be saved)."""

    questions: str = ""
    answer: str = ""
    cite: str = ""
    expires_on: str = ""


def _values(view: CuratedView | None = None, draft: CuratedDraft | None = None) -> FormValues:
    if view is not None:
        e = view.entry
        return FormValues(
            "\n".join(e.questions),
            e.answer,
            "\n".join(c.document_id for c in e.citations),
            e.expires_on.isoformat() if e.expires_on else "",
        )
    if draft is not None:
        return FormValues(draft.question, draft.answer, "\n".join(c.document_id for c in draft.citations))
    return FormValues()


FORM_MESSAGES = {
    "questions": "Give at least one question, one a line (at most 20, each up to 1000 characters).",
    "answer": "Write the answer (at most 4000 characters).",
    "cite": "Cite at most 10 documents.",
}


def _parse(values: FormValues) -> CuratedInput:
    """The form as a `CuratedInput`, or CuratedInputError naming every field to fix."""
    problems: list[CuratedInputError] = []
    expires: date | None = None
    if values.expires_on.strip():
        try:
            expires = date.fromisoformat(values.expires_on.strip())
        except ValueError:
            message = "Give the expiry date as a date, for example 2027-03-31."
            problems.append(CuratedInputError("expires_on", message))
    try:
        parsed = CuratedInput(
            questions=values.questions.splitlines(),
            answer=values.answer,
            cite=[c for c in re.split(r"[\s,]+", values.cite) if c],
            expires_on=expires,
        )
    except ValidationError as exc:
        fields = dict.fromkeys(str(e["loc"][0]) if e["loc"] else "questions" for e in exc.errors())
        invalid = [CuratedInputError(f, FORM_MESSAGES.get(f, "Check the form.")) for f in fields]
        raise CuratedInputError.of(invalid + problems) from None
    if problems:
        raise CuratedInputError.of(problems)
    return parsed


FormField = Annotated[str, Form(max_length=20_000)]
# Browsers send every field of the form, empty or not (FastAPI reads an empty one as missing): the hidden
# `form` field tells a submitted form, shown again with what to fix, from a request without one (422 JSON).
Submitted = Annotated[Literal["curated-answer"], Form(alias="form")]


@router.get("/staff/curated", include_in_schema=False, dependencies=[Depends(no_store)])
def curated_page(request: Request, who: ReaderDep, runtime: RuntimeDep, console: ConsoleDep) -> Response:
    return _list_page(request, who, runtime, console)


def _list_page(
    request: Request,
    who: StaffPrincipal,
    runtime: Runtime,
    console: CuratedConsole,
    values: FormValues | None = None,
    error: CuratedInputError | None = None,
) -> Response:
    drafts = runtime.service.database.curated_drafts() if who.role != Role.AGENT else []
    return render(
        request,
        "curated.html",
        422 if error else 200,
        views=console.views(),
        drafts=drafts,
        values=values or FormValues(),
        error=error,
        **_page(who),
    )


@router.post("/staff/curated", include_in_schema=False)
def create_curated_page(
    request: Request,
    who: EditorDep,
    runtime: RuntimeDep,
    console: ConsoleDep,
    submitted: Submitted,
    questions: FormField = "",
    answer: FormField = "",
    cite: FormField = "",
    expires_on: FormField = "",
) -> Response:
    values = FormValues(questions, answer, cite, expires_on)
    try:
        curated_id = console.create(_parse(values))
    except CuratedInputError as exc:
        return _list_page(request, who, runtime, console, values, exc)
    note_target(request, str(curated_id))
    return RedirectResponse(f"/staff/curated/{curated_id}?saved=1", status_code=303)


def _problem(request: Request, message: str) -> Response:
    return render(request, "problem.html", 404, title="Not found", message=message)


@router.get("/staff/curated/{curated_id}", include_in_schema=False, dependencies=[Depends(no_store)])
def curated_answer_page(
    request: Request, who: ReaderDep, console: ConsoleDep, curated_id: int, saved: int = 0
) -> Response:
    view = console.view(curated_id)
    if view is None:
        return _problem(request, "There is no curated answer in service with that id.")
    return render(
        request,
        "curated_answer.html",
        view=view,
        values=_values(view),
        error=None,
        saved=bool(saved),
        **_page(who),
    )


@router.post("/staff/curated/{curated_id}", include_in_schema=False)
def update_curated_page(
    request: Request,
    who: EditorDep,
    console: ConsoleDep,
    curated_id: int,
    submitted: Submitted,
    questions: FormField = "",
    answer: FormField = "",
    cite: FormField = "",
    expires_on: FormField = "",
) -> Response:
    view = console.view(curated_id)
    if view is None:
        return _problem(request, "There is no curated answer in service with that id.")
    values = FormValues(questions, answer, cite, expires_on)
    try:
        updated = console.update(curated_id, _parse(values))
    except CuratedInputError as exc:
        return render(
            request,
            "curated_answer.html",
            422,
            view=view,
            values=values,
            error=exc,
            saved=False,
            **_page(who),
        )
    if updated is None:
        return _problem(request, "There is no curated answer in service with that id.")
    request.state.editor_audit_detail = updated.changes  # old → new, for the editors' audit log
    return RedirectResponse(f"/staff/curated/{curated_id}?saved=1", status_code=303)


@router.post("/staff/curated/{curated_id}/expire", include_in_schema=False)
def expire_curated_page(request: Request, who: EditorDep, runtime: RuntimeDep, curated_id: int) -> Response:
    if not runtime.service.database.retire_curated(curated_id):
        return _problem(request, "There is no curated answer in service with that id.")
    return RedirectResponse("/staff/curated?expired=1", status_code=303)


@router.get("/staff/curated/drafts/{draft_id}", include_in_schema=False, dependencies=[Depends(no_store)])
def draft_page(request: Request, who: EditorDep, console: ConsoleDep, draft_id: int) -> Response:
    draft = console.draft(draft_id)
    if draft is None or draft.status != "draft":
        return _problem(request, "There is no open draft with that id.")
    return render(
        request, "curated_draft.html", draft=draft, values=_values(draft=draft), error=None, **_page(who)
    )


@router.post("/staff/curated/drafts/{draft_id}", include_in_schema=False)
def approve_draft_page(
    request: Request,
    who: EditorDep,
    console: ConsoleDep,
    draft_id: int,
    submitted: Submitted,
    questions: FormField = "",
    answer: FormField = "",
    cite: FormField = "",
    expires_on: FormField = "",
) -> Response:
    draft = console.draft(draft_id)
    if draft is None or draft.status != "draft":
        return _problem(request, "There is no open draft with that id.")
    values = FormValues(questions, answer, cite, expires_on)
    try:
        curated_id = console.create(_parse(values), from_draft=draft_id)
    except CuratedInputError as exc:
        return render(request, "curated_draft.html", 422, draft=draft, values=values, error=exc, **_page(who))
    if curated_id is None:
        return _problem(request, "There is no open draft with that id.")
    note_target(request, str(curated_id), draft=str(draft_id))
    return RedirectResponse(f"/staff/curated/{curated_id}?saved=1", status_code=303)


@router.post("/staff/curated/drafts/{draft_id}/dismiss", include_in_schema=False)
def dismiss_draft_page(request: Request, who: EditorDep, console: ConsoleDep, draft_id: int) -> Response:
    if not console.store.close_draft(draft_id, "dismissed"):
        return _problem(request, "There is no open draft with that id.")
    return RedirectResponse("/staff/curated?dismissed=1", status_code=303)
