"""The pages /staff/drafts and /staff/versions (issue 13): server-rendered, plain forms (no script), the
same desk and roles as the JSON API (`routes_staff_drafts.py`). A refused action renders the page again
with the reason (403/409/422), nothing changed; a done one redirects back (303) with what happened."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response

from bot.api.deps import RuntimeDep
from bot.api.routes_staff_auth import render
from bot.api.routes_staff_console import no_store
from bot.api.routes_staff_drafts import (
    DIFF_QUESTIONS,
    DeskDep,
    EditorDep,
    ReaderDep,
    SupervisorDep,
    actor,
    draft_view,
    version_list,
)
from bot.editors.compare import SideBySide
from bot.editors.errors import ApprovalRequiredError
from bot.staff.auth import StaffPrincipal
from bot.staff.roles import LABELS, Role
from knowledge_base.errors import DraftStateError, NoDraftError, VersionNotFoundError

router = APIRouter(include_in_schema=False, dependencies=[Depends(no_store)])
DONE = {
    "built": "The draft was built from the working set. Residents do not see it yet.",
    "submitted": "The draft was submitted for review.",
    "sent_back": "The draft was sent back to its editor with your comment.",
    "published": "The draft is published: every bot serves it within a few seconds.",
    "rolled_back": "That version is served again.",
}
Text = Annotated[str, Form(min_length=1, max_length=2000)]
REFUSED = (NoDraftError, DraftStateError, ApprovalRequiredError, VersionNotFoundError)


def _status(exc: Exception) -> int:
    if isinstance(exc, ApprovalRequiredError):
        return 403
    return 404 if isinstance(exc, VersionNotFoundError) else 409


def _refused(request: Request, exc: Exception, back: str = "/staff/drafts") -> Response:
    """A refused action: the reason and a way back, no form (nothing was changed)."""
    label = "Back to drafts" if back == "/staff/drafts" else "Back to versions"
    return render(request, "draft_refused.html", _status(exc), message=str(exc), back=back, back_label=label)


def _context(who: StaffPrincipal) -> dict[str, Any]:
    session = who.session
    return {
        "principal": who,
        "role": LABELS[who.role],
        "supervisor": who.role == Role.SUPERVISOR,
        "editor": who.role in (Role.EDITOR, Role.SUPERVISOR),
        "csrf_token": session.csrf_token if session is not None else "",
    }


def _drafts_page(
    request: Request,
    who: StaffPrincipal,
    desk: DeskDep,
    runtime: RuntimeDep,
    status: int = 200,
    error: str = "",
    asked: SideBySide | None = None,
    done: str = "",
) -> Response:
    view = draft_view(desk, runtime, DIFF_QUESTIONS)
    return render(
        request,
        "drafts.html",
        status,
        view=view,
        asked=asked,
        error=error,
        done=DONE.get(done, ""),
        **_context(who),
    )


def _back(path: str, done: str) -> Response:
    return RedirectResponse(f"{path}?done={done}", status_code=303)


@router.get("/staff/drafts")
def drafts_page(
    request: Request, who: ReaderDep, desk: DeskDep, runtime: RuntimeDep, done: str = ""
) -> Response:
    return _drafts_page(request, who, desk, runtime, done=done)


@router.post("/staff/drafts/build")
def build_page(request: Request, who: EditorDep, desk: DeskDep, runtime: RuntimeDep, note: Text) -> Response:
    desk.build(actor(who))
    return _back("/staff/drafts", "built")


@router.post("/staff/drafts/ask")
def ask_page(
    request: Request,
    who: EditorDep,
    desk: DeskDep,
    runtime: RuntimeDep,
    question: Annotated[str, Form(min_length=1, max_length=1000)],
) -> Response:
    try:
        asked = desk.ask(question)
    except REFUSED as exc:
        return _refused(request, exc)
    return _drafts_page(request, who, desk, runtime, asked=asked)


def _act(
    request: Request, who: StaffPrincipal, desk: DeskDep, runtime: RuntimeDep, done: str, action: Any
) -> Response:
    try:
        action()
    except REFUSED as exc:
        return _refused(request, exc)
    return _back("/staff/drafts", done)


@router.post("/staff/drafts/submit")
def submit_page(request: Request, who: EditorDep, desk: DeskDep, runtime: RuntimeDep, note: Text) -> Response:
    return _act(request, who, desk, runtime, "submitted", lambda: desk.submit(actor(who), note))


@router.post("/staff/drafts/approve")
def approve_page(request: Request, who: SupervisorDep, desk: DeskDep, runtime: RuntimeDep) -> Response:
    return _act(request, who, desk, runtime, "published", lambda: desk.approve(actor(who)))


@router.post("/staff/drafts/send-back")
def send_back_page(
    request: Request, who: SupervisorDep, desk: DeskDep, runtime: RuntimeDep, comment: Text
) -> Response:
    return _act(request, who, desk, runtime, "sent_back", lambda: desk.send_back(actor(who), comment))


@router.post("/staff/drafts/publish")
def publish_page(
    request: Request, who: EditorDep, desk: DeskDep, runtime: RuntimeDep, note: Text
) -> Response:
    return _act(request, who, desk, runtime, "published", lambda: desk.publish(actor(who)))


def _versions_page(
    request: Request, who: StaffPrincipal, desk: DeskDep, status: int = 200, error: str = "", done: str = ""
) -> Response:
    supervisor = who.role == Role.SUPERVISOR
    return render(
        request,
        "versions.html",
        status,
        versions=version_list(desk),
        audit=desk.audit.entries(50) if supervisor else [],
        chain=desk.audit.verify() if supervisor else None,
        error=error,
        done=DONE.get(done, ""),
        **_context(who),
    )


@router.get("/staff/versions")
def versions_page(request: Request, who: ReaderDep, desk: DeskDep, done: str = "") -> Response:
    return _versions_page(request, who, desk, done=done)


VersionName = Annotated[str, PathParam(pattern=r"^v\d{6}$")]


def _rollback_confirm(
    request: Request, who: StaffPrincipal, desk: DeskDep, name: str, status: int = 200, error: str = ""
) -> Response:
    """What serving `name` again changes for residents, and the form (with its required reason) that
    confirms it."""
    try:
        changes = desk.rollback_preview(name)
    except REFUSED as exc:
        return _refused(request, exc, "/staff/versions")
    titles = {d.id: d.title for d in desk.kb.store.summaries()}
    return render(
        request,
        "rollback_confirm.html",
        status,
        version=name,
        current=desk.kb.versions.current(),
        removed=[c for c in changes if c.change == "removed"],
        changed=[c for c in changes if c.change == "changed"],
        added=[c for c in changes if c.change == "added"],
        titles=titles,
        error=error,
        **_context(who),
    )


@router.get("/staff/versions/{name}/rollback")
def rollback_confirm_page(request: Request, who: SupervisorDep, desk: DeskDep, name: VersionName) -> Response:
    return _rollback_confirm(request, who, desk, name)


@router.post("/staff/versions/{name}/rollback")
def rollback_page(
    request: Request,
    who: SupervisorDep,
    desk: DeskDep,
    name: VersionName,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """The confirmation page's form: a reason is required (it goes into the audit row)."""
    if not reason.strip():
        error = "Say why residents should get this version again: the reason is kept in the audit log."
        return _rollback_confirm(request, who, desk, name, 422, error)
    try:
        desk.rollback(actor(who), name, reason.strip())
    except REFUSED as exc:
        return _refused(request, exc, "/staff/versions")
    return _back("/staff/versions", "rolled_back")
