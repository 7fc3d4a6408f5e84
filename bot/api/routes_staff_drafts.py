"""Drafts, review and publishing (issue 13), JSON API: the open draft with its changed documents and the
answers that would change, asking it beside the published version, submit / approve / send back /
publish, the kept versions and rollback, and the editors' audit log.

Roles: every staff role reads (agents read only); editors build, ask, submit and (where no approval is
needed) publish; supervisors also approve, send back, roll back and read the audit log. The work
(building a version, the model, pipeline runs) blocks, so the routes are `def` (threadpool).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from bot.api.deps import RuntimeDep, SettingsDep
from bot.api.routes_staff_auth import STAFF_API_ERRORS
from bot.api.routes_staff_console import no_store
from bot.api.schemas import ErrorBody
from bot.api.staff_deps import StaffAccess
from bot.editors.audit import AuditRecord, EditorAuditLog
from bot.editors.compare import SideBySide, recent_questions
from bot.editors.desk import Actor, DocumentChange, DraftDesk, NotInDraft, ReviewNote, StaleDocument
from bot.editors.pipelines import version_pipelines
from bot.runtime import Runtime
from bot.staff.auth import StaffPrincipal
from bot.staff.roles import Role
from knowledge_base.snapshot import Manifest

router = APIRouter(tags=["staff"], dependencies=[Depends(no_store)])
READERS = StaffAccess(Role.AGENT, Role.EDITOR, Role.SUPERVISOR)
EDITORS = StaffAccess(Role.EDITOR, Role.SUPERVISOR)
SUPERVISORS = StaffAccess(Role.SUPERVISOR)
ReaderDep = Annotated[StaffPrincipal, Depends(READERS)]
EditorDep = Annotated[StaffPrincipal, Depends(EDITORS)]
SupervisorDep = Annotated[StaffPrincipal, Depends(SUPERVISORS)]
DIFF_QUESTIONS = 20
ERRORS: dict[int | str, dict[str, object]] = {
    **STAFF_API_ERRORS,
    404: {"model": ErrorBody, "description": "No kept version of that name"},
    409: {"model": ErrorBody, "description": "No open draft, or its state does not allow the action"},
    422: {"model": ErrorBody, "description": "A missing or invalid field"},
}


class DraftOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    version: str
    base_version: str
    state: str
    created_by: str
    submitted_by: str
    decided_by: str
    comment: str


class DraftView(BaseModel):
    draft: DraftOut | None
    published: str | None
    requires_approval: bool
    documents: list[DocumentChange] = []
    not_in_draft: list[NotInDraft] = []  # saved since the draft was built (a confirmed document): rebuild
    review_notes: list[ReviewNote] = []  # every submission note and send-back comment, oldest first
    answer_changes: list[SideBySide] = []
    questions_compared: int = 0
    stale: list[StaleDocument] = []
    not_yet_effective: list[tuple[str, date]] = []


# text a person must write: spaces alone are no note, comment or question (422)
Written = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Note(BaseModel):
    note: Written = Field(max_length=2000, description="What changed, for the reviewer and the log.")


class Comment(BaseModel):
    comment: Written = Field(max_length=2000, description="What the editor should change.")


class RollbackReason(BaseModel):
    reason: Written = Field(max_length=2000, description="Why residents get this version again, for the log.")


class Ask(BaseModel):
    question: Written = Field(max_length=1000)


class Served(BaseModel):
    version: str
    created_at: str
    documents: int
    chunks: int

    @classmethod
    def of(cls, manifest: Manifest) -> Served:
        return cls(
            version=manifest.name,
            created_at=manifest.created_at,
            documents=manifest.documents,
            chunks=manifest.chunks,
        )


class VersionList(BaseModel):
    current: str | None
    versions: list[Served]
    drafts: list[DraftOut]


class AuditLog(BaseModel):
    intact: bool
    rows: int
    head_hash: str
    problem: str
    entries: list[AuditRecord]


def get_desk(request: Request, runtime: RuntimeDep, settings: SettingsDep) -> DraftDesk:
    """One desk per app, built on first use (its version pipelines load lazily)."""
    desk: DraftDesk | None = getattr(request.app.state, "draft_desk", None)
    if desk is None or desk.kb is not runtime.kb:
        desk = DraftDesk(
            runtime.kb,
            EditorAuditLog(runtime.kb.store),
            version_pipelines(runtime, settings),
            settings.publish_requires_approval,
        )
        request.app.state.draft_desk = desk
    return desk


DeskDep = Annotated[DraftDesk, Depends(get_desk)]


def actor(who: StaffPrincipal) -> Actor:
    return Actor(who.subject, who.role.value)


def curated_citing(runtime: Runtime) -> dict[str, tuple[int, ...]]:
    citing: dict[str, list[int]] = {}
    for answer in runtime.service.database.curated_answers():
        for citation in answer.citations:
            citing.setdefault(citation.document_id, []).append(answer.id)
    return {k: tuple(v) for k, v in citing.items()}


def questions_to_compare(runtime: Runtime, limit: int) -> list[tuple[str, str]]:
    asked = [(q, "resident") for q in recent_questions(runtime.service.database.engine, limit)]
    curated = [
        (q, f"curated:{a.id}") for a in runtime.service.database.curated_answers() for q in a.questions
    ]
    return asked + curated


def draft_view(desk: DraftDesk, runtime: RuntimeDep, questions: int) -> DraftView:
    draft = desk.draft()
    view = DraftView(
        draft=DraftOut.model_validate(draft) if draft else None,
        published=desk.kb.versions.current(),
        requires_approval=desk.requires_approval,
        stale=desk.stale(date.today(), curated_citing(runtime)),
        not_yet_effective=desk.kb.deferred(),
    )
    if draft is None:
        return view
    compared = questions_to_compare(runtime, questions)
    view.documents = desk.document_changes(draft)
    view.not_in_draft = desk.not_in_draft(draft)
    view.review_notes = desk.review_notes(draft)
    view.answer_changes = desk.answer_changes(compared)
    view.questions_compared = len({q for q, _ in compared})
    return view


@router.get("/api/v1/staff/drafts", response_model=DraftView, responses=ERRORS)
def current_draft(
    who: ReaderDep,
    desk: DeskDep,
    runtime: RuntimeDep,
    questions: Annotated[int, Query(ge=0, le=200, description="Recent resident questions re-run")] = 20,
) -> DraftView:
    """The open draft: documents changed against the published version, and the recent resident questions
    and curated-answer variants whose answers would change; stale and not-yet-effective documents."""
    return draft_view(desk, runtime, questions)


@router.post("/api/v1/staff/drafts", response_model=DraftOut, status_code=201, responses=ERRORS)
def build_draft(who: EditorDep, desk: DeskDep, body: Note) -> DraftOut:
    """Build the draft from the working set (what ingest saved): not served until it is published."""
    return DraftOut.model_validate(desk.build(actor(who)))


@router.post("/api/v1/staff/drafts/ask", response_model=SideBySide, responses=ERRORS)
def ask_draft(who: EditorDep, desk: DeskDep, body: Ask) -> SideBySide:
    """The same question asked of the draft and of the published version."""
    return desk.ask(body.question)


@router.post("/api/v1/staff/drafts/submit", response_model=DraftOut, responses=ERRORS)
def submit_draft(who: EditorDep, desk: DeskDep, body: Note) -> DraftOut:
    return DraftOut.model_validate(desk.submit(actor(who), body.note))


@router.post("/api/v1/staff/drafts/approve", response_model=Served, responses=ERRORS)
def approve_draft(who: SupervisorDep, desk: DeskDep) -> Served:
    """Approve the submitted draft and publish it (the CURRENT pointer moves; bots serve it within ~1 s)."""
    return Served.of(desk.approve(actor(who)))


@router.post("/api/v1/staff/drafts/send-back", response_model=DraftOut, responses=ERRORS)
def send_back_draft(who: SupervisorDep, desk: DeskDep, body: Comment) -> DraftOut:
    return DraftOut.model_validate(desk.send_back(actor(who), body.comment))


@router.post("/api/v1/staff/drafts/publish", response_model=Served, responses=ERRORS)
def publish_draft(who: EditorDep, desk: DeskDep, body: Note) -> Served:
    """Publish without review: supervisors, and editors where ASKCITY_PUBLISH_REQUIRES_APPROVAL=0 (403)."""
    return Served.of(desk.publish(actor(who)))


def version_list(desk: DraftDesk) -> VersionList:
    root = desk.kb.versions.versions_dir
    return VersionList(
        current=desk.kb.versions.current(),
        versions=[Served.of(Manifest.read(root / n)) for n in reversed(desk.kb.versions.names())],
        drafts=[DraftOut.model_validate(d) for d in desk.kb.drafts.history()],
    )


@router.get("/api/v1/staff/versions", response_model=VersionList, responses=ERRORS)
def versions(who: ReaderDep, desk: DeskDep) -> VersionList:
    """The kept versions, newest first, the one served, and recent drafts."""
    return version_list(desk)


VersionName = Annotated[str, Path(pattern=r"^v\d{6}$", description="A kept version, e.g. v000007")]


@router.post("/api/v1/staff/versions/{name}/rollback", response_model=Served, responses=ERRORS)
def rollback(
    who: SupervisorDep, desk: DeskDep, name: VersionName, body: RollbackReason | None = None
) -> Served:
    """Serve a kept version again (any of them: older or newer than the one served). The reason, if
    given (the console requires one), is kept in the audit row."""
    return Served.of(desk.rollback(actor(who), name, body.reason if body else ""))


@router.get("/api/v1/staff/audit", response_model=AuditLog, responses=ERRORS)
def audit(
    who: SupervisorDep,
    desk: DeskDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuditLog:
    """The editors' audit log, newest first, and whether its hash chain is intact."""
    check = desk.audit.verify()
    problem = check.reason if check.first_bad_seq is None else f"seq {check.first_bad_seq}: {check.reason}"
    return AuditLog(
        intact=check.intact,
        rows=check.rows,
        head_hash=check.head_hash,
        problem=problem,
        entries=desk.audit.entries(limit),
    )
