"""Documents and their ingest jobs in the staff console (issue 13; docs/editors.md, "Documents and jobs").

API: `POST /api/v1/staff/documents` (multipart, one or many files + metadata, or a URL list with the
fetched pages it names: 202 with the job id), `PATCH /api/v1/staff/documents/{id}` (metadata, 202),
`GET /api/v1/staff/jobs/{id}`, `GET /api/v1/staff/documents`, `GET /api/v1/staff/documents/{id}`,
`POST /api/v1/staff/documents/{id}/retire` (202), `POST /api/v1/staff/documents/{id}/restore` (202: undo
a retirement still only in the draft). Pages: /staff/documents (list + upload form), /staff/jobs/{id}
(live progress: `job-progress.js` polls the job API), /staff/documents/{id} (with its metadata form),
/staff/documents/{id}/retire (what retiring does, and the form that confirms it).

Editors and supervisors upload, edit and retire; agents read. Requests only stage files and queue a job: the
ingest runs in the background (`bot.documents.runners`). Routes are `def`: files are written to disk.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, ValidationError

from bot.api.deps import RuntimeDep, SettingsDep
from bot.api.editor_audit import note_target
from bot.api.routes_staff_auth import STAFF_API_ERRORS, render
from bot.api.routes_staff_console import no_store
from bot.api.schemas import ErrorBody
from bot.api.staff_deps import ANY_STAFF, StaffAccess
from bot.documents import wording
from bot.documents.desk import DocumentsDesk, Upload
from bot.documents.errors import (
    DocumentsError,
    EditRefusedError,
    UndoRefusedError,
    UnknownDocumentError,
    UnknownJobError,
    UploadRefusedError,
)
from bot.documents.models import (
    DocumentDetail,
    DocumentEntry,
    Job,
    JobAccepted,
    MetadataEdit,
    UploadMetadata,
)
from bot.runtime import Runtime
from bot.staff.auth import StaffPrincipal
from bot.staff.roles import LABELS, Role

router = APIRouter()
EDITORS = StaffAccess(Role.EDITOR, Role.SUPERVISOR)
EditorDep = Annotated[StaffPrincipal, Depends(EDITORS)]
SupervisorDep = Annotated[StaffPrincipal, Depends(StaffAccess(Role.SUPERVISOR))]
ReaderDep = Annotated[StaffPrincipal, Depends(ANY_STAFF)]
ERRORS: dict[int | str, dict[str, object]] = {
    **STAFF_API_ERRORS,
    404: {"model": ErrorBody, "description": "No such document or job"},
    409: {"model": ErrorBody, "description": "Undoing a retirement that is not retired or already served"},
    413: {"model": ErrorBody, "description": "The upload is larger than ASKCITY_UPLOAD_MAX_BYTES"},
    422: {
        "model": ErrorBody,
        "description": "No file, invalid metadata, or metadata naming one document on many files",
    },
}
Text = Annotated[str, Form(max_length=2000)]


def _desk(runtime: Runtime) -> DocumentsDesk:
    assert runtime.documents is not None  # built by every runtime (bot/runtime.py)
    return runtime.documents


def _explained(exc: DocumentsError | ValidationError, page: bool = False) -> tuple[int, str, str]:
    """(status, error code, message for staff) of a refused request: the API names fields as it takes
    them, a page (`page`) by the form's labels, every invalid field at once."""
    if isinstance(exc, ValidationError):
        if page:
            said = (_field_error(e["loc"], _plain(e["loc"], e["type"], e["msg"])) for e in exc.errors())
            return 422, "invalid_metadata", " ".join(said)
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "metadata"
        return 422, "invalid_metadata", f"{field}: {str(first['msg']).removeprefix('Value error, ')}"
    if page and isinstance(exc, EditRefusedError) and str(exc).startswith(NOTHING):
        return 422, "nothing_to_change", NOTHING_ON_PAGE
    if isinstance(exc, UnknownJobError):
        return 404, "job_not_found", str(exc)
    if isinstance(exc, UnknownDocumentError):
        return 404, "document_not_found", str(exc)
    if isinstance(exc, UndoRefusedError):
        return 409, "cannot_undo", str(exc)
    if isinstance(exc, EditRefusedError):
        return 422, "nothing_to_change", str(exc)
    return 422, "upload_refused", str(exc)


NOTHING = "Nothing to change"
NOTHING_ON_PAGE = (
    "These are the values saved now. Change a field, or, for a document held for missing metadata, tick "
    f"“{wording.ACCEPT_BOX}”."
)


PLAIN = {  # pydantic's words for a form's mistakes, as the page says them
    "date_from_datetime_parsing": "give a date as YYYY-MM-DD",
    "date_parsing": "give a date as YYYY-MM-DD",
    "date_from_datetime_inexact": "give a date as YYYY-MM-DD",
    "string_pattern_mismatch": "use letters, digits, dots, dashes and underscores only",
    "string_too_short": "give a value",
    "string_too_long": "is too long",
    "extra_forbidden": "is not a field of this form",
}


def _plain(loc: tuple[int | str, ...], kind: str, message: str) -> str:
    if loc == ("language",) and kind == "string_pattern_mismatch":
        return "use letters and dashes only (en, es, pt-BR)"
    return PLAIN.get(kind, message)


def _field_error(loc: tuple[int | str, ...], message: str) -> str:
    """`source_url: source_uri must be an http(s) address` → `Source URL must be an http(s) address.`"""
    field = ".".join(str(p) for p in loc)
    text = message.removeprefix("Value error, ")
    for name in ("source_uri", "source_url", field):
        if name and text.startswith(f"{name} "):
            text = text[len(name) + 1 :]
            return f"{wording.label(field) if field else 'Metadata'} {text}."
    return f"{wording.label(field) if field else 'Metadata'}: {text[:1].lower()}{text[1:]}."


def _error(exc: DocumentsError | ValidationError) -> JSONResponse:
    status, code, message = _explained(exc)
    return JSONResponse({"error": code, "message": message}, status, {"Cache-Control": "no-store"})


def _metadata(
    document_id: str, title: str, department: str, contact: str, source_url: str,
    effective_date: str, review_by: str, language: str,
) -> UploadMetadata:  # fmt: skip
    """The form's fields as one validated value (an empty field is "not given")."""
    given: dict[str, Any] = {
        "document_id": document_id.strip() or None,
        "title": title.strip() or None,
        "department": department,
        "contact": contact,
        "source_url": source_url,
        "effective_date": effective_date.strip() or None,
        "review_by": review_by.strip() or None,
        "language": language.strip() or "en",
    }
    return UploadMetadata.model_validate(given)


def _uploads(files: list[UploadFile]) -> list[Upload]:
    return [Upload(f.filename or "upload", f.file) for f in files if f.filename or f.size]


URL_LIST_HELP = (
    "A URL list of fetched pages: one line per page, its public http(s) address, a tab (or spaces), "
    "then the saved file's path in the folder; the pages are the files of this upload"
)
URL_LIST_MAX_BYTES = 1024 * 1024


def _queue(
    runtime: Runtime,
    who: StaffPrincipal,
    files: list[UploadFile],
    url_list: UploadFile | None,
    metadata: UploadMetadata,
    accept_missing_metadata: bool,
) -> Job:
    """One upload: the files, or the pages a URL list names among them."""
    desk, uploads = _desk(runtime), _uploads(files)
    if url_list is None or not (url_list.filename or url_list.size):
        return desk.upload(uploads, metadata, accept_missing_metadata, who.subject, who.display_name)
    listed = url_list.file.read(URL_LIST_MAX_BYTES + 1)
    if len(listed) > URL_LIST_MAX_BYTES:
        raise UploadRefusedError(f"The URL list is larger than {URL_LIST_MAX_BYTES:,} bytes.")
    return desk.upload_pages(
        listed, uploads, metadata, accept_missing_metadata, who.subject, who.display_name
    )


def _note_upload(request: Request, job_id: str, files: list[UploadFile]) -> None:
    names = ", ".join(f.filename or "upload" for f in files if f.filename or f.size)
    note_target(request, job_id, files=names[:500])


UPLOAD_FIELDS = """files, document_id, title, department, contact, source_url, effective_date (YYYY-MM-DD),
review_by (YYYY-MM-DD), language, accept_missing_metadata"""


@router.post(
    "/api/v1/staff/documents",
    status_code=202,
    response_model=JobAccepted,
    responses=ERRORS,
    dependencies=[Depends(no_store)],
    tags=["staff"],
)
def upload_documents(
    request: Request,
    who: EditorDep,
    runtime: RuntimeDep,
    files: Annotated[list[UploadFile], File(description="PDF, DOCX, HTML, Markdown or text files")] = [],  # noqa: B006
    document_id: Text = "",
    title: Text = "",
    department: Text = "",
    contact: Text = "",
    source_url: Text = "",
    effective_date: Text = "",
    review_by: Text = "",
    language: Text = "",
    accept_missing_metadata: Annotated[bool, Form()] = False,
    url_list: Annotated[UploadFile | None, File(description=URL_LIST_HELP)] = None,
) -> JobAccepted | JSONResponse:
    """Queue an ingest job for the files; a `document_id` (or a file named like a document's file)
    replaces that document. With a `url_list`, the files are the fetched pages it names. Follow the
    job at the returned url."""
    try:
        metadata = _metadata(
            document_id, title, department, contact, source_url, effective_date, review_by, language
        )
        job = _queue(runtime, who, files, url_list, metadata, accept_missing_metadata)
    except (DocumentsError, ValidationError) as exc:
        return _error(exc)
    _note_upload(request, job.id, files)
    return JobAccepted(job_id=job.id, state=job.state, url=f"/api/v1/staff/jobs/{job.id}")


@router.get(
    "/api/v1/staff/jobs/{job_id}",
    response_model=Job,
    responses=ERRORS,
    dependencies=[Depends(no_store)],
    tags=["staff"],
)
def get_job(who: ReaderDep, runtime: RuntimeDep, job_id: str) -> Job | JSONResponse:
    """The job's state, progress (0 to 1) and each file's outcome with its reason."""
    try:
        return _desk(runtime).job(job_id)
    except DocumentsError as exc:
        return _error(exc)


@router.get(
    "/api/v1/staff/documents",
    response_model=list[DocumentEntry],
    responses=ERRORS,
    dependencies=[Depends(no_store)],
    tags=["staff"],
)
def list_documents(who: ReaderDep, runtime: RuntimeDep) -> list[DocumentEntry]:
    """Every document with its versions and the version residents are served."""
    return _desk(runtime).documents()


@router.get(
    "/api/v1/staff/documents/{document_id}",
    response_model=DocumentDetail,
    responses=ERRORS,
    dependencies=[Depends(no_store)],
    tags=["staff"],
)
def get_document(who: ReaderDep, runtime: RuntimeDep, document_id: str) -> DocumentDetail | JSONResponse:
    """One document: its versions, its chunks with their section paths, its latest uploads."""
    try:
        return _desk(runtime).document(document_id)
    except DocumentsError as exc:
        return _error(exc)


@router.post(
    "/api/v1/staff/documents/{document_id}/retire",
    status_code=202,
    response_model=JobAccepted,
    responses=ERRORS,
    dependencies=[Depends(no_store)],
    tags=["staff"],
)
def retire_document(who: EditorDep, runtime: RuntimeDep, document_id: str) -> JobAccepted | JSONResponse:
    """Queue a job that retires the document and publishes a version without it."""
    try:
        job = _desk(runtime).retire(document_id, who.subject, who.display_name)
    except DocumentsError as exc:
        return _error(exc)
    return JobAccepted(job_id=job.id, state=job.state, url=f"/api/v1/staff/jobs/{job.id}")


@router.post(
    "/api/v1/staff/documents/{document_id}/restore",
    status_code=202,
    response_model=JobAccepted,
    responses=ERRORS,
    dependencies=[Depends(no_store)],
    tags=["staff"],
)
def restore_document(who: EditorDep, runtime: RuntimeDep, document_id: str) -> JobAccepted | JSONResponse:
    """Undo a retirement residents do not have yet (still served: the draft without it is not
    approved): a job brings the document back and rebuilds the draft with it. 409 once the retirement is
    served (upload the file again) or when it is not retired."""
    try:
        job = _desk(runtime).restore(document_id, who.subject, who.display_name)
    except DocumentsError as exc:
        return _error(exc)
    return JobAccepted(job_id=job.id, state=job.state, url=f"/api/v1/staff/jobs/{job.id}")


class Confirmed(BaseModel):
    document_id: str
    message: str


CONFIRMED = (
    "Confirmed after review: it joins the next draft (rebuild it on /staff/drafts), then residents see it "
    "once approved."
)


@router.post(
    "/api/v1/staff/documents/{document_id}/confirm",
    response_model=Confirmed,
    responses=ERRORS,
    dependencies=[Depends(no_store)],
    tags=["staff"],
)
def confirm_document(who: SupervisorDep, runtime: RuntimeDep, document_id: str) -> Confirmed | JSONResponse:
    """Supervisors: release a document held for review (its findings read and judged harmless)."""
    try:
        _desk(runtime).confirm(document_id)
    except DocumentsError as exc:
        return _error(exc)
    return Confirmed(document_id=document_id, message=CONFIRMED)


@router.patch(
    "/api/v1/staff/documents/{document_id}",
    status_code=202,
    response_model=JobAccepted,
    responses=ERRORS,
    dependencies=[Depends(no_store)],
    tags=["staff"],
)
def edit_document(
    request: Request, who: EditorDep, runtime: RuntimeDep, document_id: str, edit: MetadataEdit
) -> JobAccepted | JSONResponse:
    """Change a document's metadata without uploading it again (the fields given; the others stay):
    a job saves it again into the working set, then the draft (or publishes it where no approval is
    needed), as an upload does."""
    try:
        job = _edit(request, runtime, who, document_id, edit)
    except DocumentsError as exc:
        return _error(exc)
    return JobAccepted(job_id=job.id, state=job.state, url=f"/api/v1/staff/jobs/{job.id}")


def _edit(
    request: Request, runtime: Runtime, who: StaffPrincipal, document_id: str, edit: MetadataEdit
) -> Job:
    job, changes = _desk(runtime).edit_metadata(document_id, edit, who.subject, who.display_name)
    request.state.editor_audit_detail = changes  # what changed, for the editors' audit log
    return job


# ---- pages -----------------------------------------------------------------------------------------
def _page(who: StaffPrincipal) -> dict[str, Any]:
    session = who.session
    return {
        "principal": who,
        "role": LABELS[who.role],
        "editor": who.role in (Role.EDITOR, Role.SUPERVISOR),
        "supervisor": who.role == Role.SUPERVISOR,
        "csrf_token": session.csrf_token if session is not None else "",
    }


def _problem(request: Request, exc: DocumentsError | ValidationError) -> Response:
    status, _, message = _explained(exc, page=True)
    return render(request, "problem.html", status, title="That did not work", message=message)


def _documents(
    request: Request, who: StaffPrincipal, runtime: Runtime, status: int = 200, **form: Any
) -> Response:
    desk = _desk(runtime)
    return render(
        request,
        "documents.html",
        status,
        documents=desk.documents(),
        jobs=desk.store.recent(10),
        today=date.today().isoformat(),
        **form,
        **_page(who),
    )


@router.get("/staff/documents", include_in_schema=False)
def documents_page(
    request: Request, who: ReaderDep, runtime: RuntimeDep, settings: SettingsDep, too_large: str = ""
) -> Response:
    """`too_large`: the upload form was refused unread for its size (`trust.request_limits` sends the
    browser back here)."""
    if too_large:
        limit = wording.megabytes(settings.upload_max_bytes)
        error = f"It is too large: at most {limit} for all its files together. Upload fewer files at a time."
        return _documents(request, who, runtime, error=error)
    return _documents(request, who, runtime)


@router.post("/staff/documents", include_in_schema=False)
def upload_page(
    request: Request,
    who: EditorDep,
    runtime: RuntimeDep,
    files: Annotated[list[UploadFile], File()] = [],  # noqa: B006
    document_id: Text = "",
    title: Text = "",
    department: Text = "",
    contact: Text = "",
    source_url: Text = "",
    effective_date: Text = "",
    review_by: Text = "",
    language: Text = "",
    accept_missing_metadata: Annotated[bool, Form()] = False,
    url_list: Annotated[UploadFile | None, File()] = None,
) -> Response:
    try:
        metadata = _metadata(
            document_id, title, department, contact, source_url, effective_date, review_by, language
        )
        job = _queue(runtime, who, files, url_list, metadata, accept_missing_metadata)
    except (DocumentsError, ValidationError) as exc:
        # the form again, with what was typed and why it was refused (files cannot be refilled)
        status, _, message = _explained(exc, page=True)
        typed = {
            "document_id": document_id, "title": title, "department": department, "contact": contact,
            "source_url": source_url, "effective_date": effective_date, "review_by": review_by,
            "language": language, "accept_missing_metadata": accept_missing_metadata,
        }  # fmt: skip
        return _documents(request, who, runtime, status, error=message, values=typed)
    _note_upload(request, job.id, files)
    return RedirectResponse(f"/staff/jobs/{job.id}", status_code=303)


@router.get("/staff/jobs/{job_id}", include_in_schema=False)
def job_page(request: Request, who: ReaderDep, runtime: RuntimeDep, job_id: str) -> Response:
    try:
        job = _desk(runtime).job(job_id)
    except DocumentsError as exc:
        return _problem(request, exc)
    return render(request, "job.html", job=job, **_page(who))


@router.get("/staff/documents/{document_id}", include_in_schema=False)
def document_page(
    request: Request, who: ReaderDep, runtime: RuntimeDep, document_id: str, confirmed: bool = False
) -> Response:
    try:
        document = _desk(runtime).document(document_id)
    except DocumentsError as exc:
        return _problem(request, exc)
    return render(request, "document.html", document=document, confirmed=confirmed, **_page(who))


@router.post("/staff/documents/{document_id}", include_in_schema=False)
def edit_page(
    request: Request,
    who: EditorDep,
    runtime: RuntimeDep,
    document_id: str,
    title: Text = "",
    department: Text = "",
    contact: Text = "",
    source_url: Text = "",
    effective_date: Text = "",
    review_by: Text = "",
    language: Text = "",
    accept_missing_metadata: Annotated[bool, Form()] = False,
) -> Response:
    """The metadata form of a document's page: every field as shown (an emptied date clears it)."""
    try:
        given = {
            "title": title,
            "department": department,
            "contact": contact,
            "source_url": source_url,
            "effective_date": effective_date.strip() or None,
            "review_by": review_by.strip() or None,
            "language": language.strip() or "en",
            "accept_missing_metadata": accept_missing_metadata,
        }
        job = _edit(request, runtime, who, document_id, MetadataEdit.model_validate(given))
    except (DocumentsError, ValidationError) as exc:
        try:  # the page again, with what was typed and why nothing changed
            document = _desk(runtime).document(document_id)
        except DocumentsError:
            return _problem(request, exc)
        status, _, message = _explained(exc, page=True)
        typed = {
            "title": title, "department": department, "contact": contact, "source_url": source_url,
            "effective_date": effective_date, "review_by": review_by, "language": language,
            "accept_missing_metadata": accept_missing_metadata,
        }  # fmt: skip
        return render(
            request, "document.html", status, document=document, error=message, values=typed, **_page(who)
        )
    return RedirectResponse(f"/staff/jobs/{job.id}", status_code=303)


@router.post("/staff/documents/{document_id}/confirm", include_in_schema=False)
def confirm_page(request: Request, who: SupervisorDep, runtime: RuntimeDep, document_id: str) -> Response:
    try:
        _desk(runtime).confirm(document_id)
    except DocumentsError as exc:
        return _problem(request, exc)
    return RedirectResponse(f"/staff/documents/{quote(document_id, safe='')}?confirmed=1", status_code=303)


@router.get("/staff/documents/{document_id}/retire", include_in_schema=False)
def retire_confirm_page(
    request: Request, who: EditorDep, runtime: RuntimeDep, settings: SettingsDep, document_id: str
) -> Response:
    """What retiring the document does, and the form that confirms it (the document page's button
    only leads here: nothing is retired by one click)."""
    try:
        document = _desk(runtime).document(document_id)
    except DocumentsError as exc:
        return _problem(request, exc)
    if document.retired:
        return _problem(request, UnknownDocumentError(f"{document_id!r} is retired already."))
    review = settings.publish_requires_approval
    return render(request, "retire_confirm.html", document=document, review=review, **_page(who))


@router.post("/staff/documents/{document_id}/retire", include_in_schema=False)
def retire_page(request: Request, who: EditorDep, runtime: RuntimeDep, document_id: str) -> Response:
    """The confirmation page's form (GET of the same path)."""
    try:
        job = _desk(runtime).retire(document_id, who.subject, who.display_name)
    except DocumentsError as exc:
        return _problem(request, exc)
    return RedirectResponse(f"/staff/jobs/{job.id}", status_code=303)


@router.post("/staff/documents/{document_id}/restore", include_in_schema=False)
def restore_page(request: Request, who: EditorDep, runtime: RuntimeDep, document_id: str) -> Response:
    try:
        job = _desk(runtime).restore(document_id, who.subject, who.display_name)
    except DocumentsError as exc:
        return _problem(request, exc)
    return RedirectResponse(f"/staff/jobs/{job.id}", status_code=303)
