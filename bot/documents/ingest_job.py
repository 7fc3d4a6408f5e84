"""What an ingest job does, wherever it runs (a thread of the bot or an `askcity worker` process).

`ingest_upload` is the ONE place the console's uploads (files, or the pages of a URL list) reach the
ingest pipeline (`Ingestor`); a metadata edit goes through the same pipeline's `restate` (`_edit`); both
publish, or build the draft under review, through `released`. A job that is killed at any point leaves the
served version as it was: the pipeline saves a batch in one transaction and publishing flips the
CURRENT pointer atomically (ADR 2, ADR 6); the job row is then found stale and run again or failed.
"""

from __future__ import annotations

import functools
import json
import logging
import shutil
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.answering.pipeline import Pipeline
from bot.documents.models import UPLOAD_TYPES, FileOutcome, Job, JobKind, JobState, UploadMetadata
from bot.documents.parts import EmbedParts
from bot.documents.wording import file_reason, finding_text
from bot.editors.audit import EditorAuditLog
from bot.editors.desk import Actor, DraftDesk
from bot.storage.jobs import JobStore
from ingest.errors import IngestError
from ingest.metadata import SIDECAR_SUFFIX
from ingest.pipeline import Ingestor, IngestSummary, Step
from knowledge_base.errors import DocumentNotFoundError, KnowledgeBaseError, SupersededError
from knowledge_base.kb import KnowledgeBase
from knowledge_base.snapshot import Manifest, served_documents

log = logging.getLogger(__name__)

# share of the progress bar each stage of the pipeline fills (parsing and embedding take the time)
_STAGES = {"parse": (0.0, 0.35), "check": (0.35, 0.4), "chunk": (0.4, 0.45), "embed": (0.45, 0.85)}
_STAGES |= {"save": (0.85, 0.9), "publish": (0.9, 1.0)}
_UNEXPECTED = "an unexpected error stopped the job (the worker's log has the details); nothing was published"


@dataclass
class JobContext:
    """What running a job needs, as plain values (built from settings by the bot or `askcity worker`)."""

    kb: KnowledgeBase
    store: JobStore
    make_ingestor: Callable[[KnowledgeBase], Ingestor]
    uploads: Path  # <data dir>/uploads: one folder per job (shared by every worker of the city)
    worker: str  # this process, as the job row shows it
    heartbeat_seconds: float = 5.0
    # ASKCITY_PUBLISH_REQUIRES_APPROVAL: a job's changes go into the open draft for a supervisor to
    # approve (bot/editors), instead of being published
    review: bool = False
    # `askcity worker`: a big upload's embedding is shared with the queue's other workers (parts.py)
    parts: EmbedParts | None = None

    def release(self, job: Job) -> Manifest | None:
        """Make the saved changes visible: publish them (the version), or, under review, build the
        open draft from them (logged in the editors' chain; nothing served changes: None).

        Only while the job still runs this attempt: a worker thought dead, whose job another worker
        claimed again, keeps nothing it built (`SupersededError`, asked just before the switch)."""

        def still_held() -> bool:
            return self.store.holds(job.id, job.attempts)

        if not self.review:
            return self.kb.publish(still_held=still_held)

        def no_pipelines(name: str) -> Pipeline:
            raise RuntimeError(f"a job never asks version {name} questions")

        DraftDesk(self.kb, EditorAuditLog(self.kb.store), no_pipelines).build(
            Actor(job.created_by, "editor"), still_held=still_held
        )
        return None


@dataclass(frozen=True, slots=True)
class UploadResult:
    summary: IngestSummary
    published: Manifest | None


def staged_file(uploads: Path, job_id: str, ordinal: int, filename: str) -> Path:
    return uploads / job_id / f"{ordinal:03d}" / filename


def write_sidecar(file: Path, document_id: str, metadata: UploadMetadata) -> None:
    """The editor's metadata in the ingest format (`ingest.metadata.Sidecar`); empty fields left out."""
    fields = {
        "id": document_id,
        "title": metadata.title,
        "department": metadata.department,
        "contact": metadata.contact,
        "source_uri": metadata.source_url,
        "effective_date": metadata.effective_date.isoformat() if metadata.effective_date else None,
        "language": metadata.language,
    }
    sidecar = file.with_name(file.name + SIDECAR_SUFFIX)
    sidecar.write_text(json.dumps({k: v for k, v in fields.items() if v}), encoding="utf-8")


def ingest_upload(
    kb: KnowledgeBase,
    ingestor: Ingestor,
    files: Sequence[Path],
    accept_missing_metadata: bool,
    progress: Callable[[Step], None],
    release: Callable[[], Manifest | None] | None = None,
) -> UploadResult:
    """Ingest the files and publish what changed. The only call of the pipeline for the console.

    Publishing also happens when nothing changed in this run but one of the files' documents is saved
    and not served: a previous attempt of the same job was killed between the save and the publish."""
    summary = ingestor.ingest(
        files, publish=False, progress=progress, accept_missing_metadata=accept_missing_metadata
    )
    return released(kb, summary, progress, release)


def released(
    kb: KnowledgeBase,
    summary: IngestSummary,
    progress: Callable[[Step], None],
    release: Callable[[], Manifest | None] | None = None,
) -> UploadResult:
    """Publish (or, under review, build the draft from) what the ingest saved, when it changed what
    residents would be served."""
    held = {h.document_id for h in summary.held}  # saved, not served: publishing would change nothing
    changed = [d for d in (*summary.added, *summary.updated) if d not in held]
    ids = [d for d in (*changed, *summary.unchanged) if d not in held]
    if changed or summary.accepted or _saved_not_served(kb, ids):
        progress(Step("publish", 0, 1))
        return UploadResult(summary, release() if release is not None else kb.publish())
    return UploadResult(summary, None)


def _saved_not_served(kb: KnowledgeBase, document_ids: Sequence[str]) -> bool:
    if not document_ids:
        return False
    current = kb.versions.current()
    served = served_documents(kb.versions.versions_dir / current) if current else {}
    states = kb.store.states(document_ids)
    return any(s.version != served.get(d) for d, s in states.items() if not s.retired)


class _Heartbeat:
    """Touches the job row while the job runs, so a dead worker's job is told from a slow one."""

    def __init__(self, store: JobStore, job: Job, every: float) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, args=(store, job, every), daemon=True)

    def _beat(self, store: JobStore, job: Job, every: float) -> None:
        while not self._stop.wait(every):
            try:
                store.heartbeat(job.id, job.attempts)
            except Exception:  # the database is briefly away: the next beat tries again
                log.warning("job heartbeat failed", exc_info=True)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def run_job(context: JobContext, job_id: str) -> Job | None:
    """Claim the job and run it to done or failed; None when it is not queued (claimed elsewhere)."""
    job = context.store.start(job_id, context.worker)
    if job is None:
        return None
    with _Heartbeat(context.store, job, context.heartbeat_seconds):
        try:
            if job.kind == JobKind.RETIRE:
                _retire(context, job)
            elif job.kind == JobKind.RESTORE:
                _restore(context, job)
            elif job.kind == JobKind.EDIT:
                _edit(context, job)
            else:
                _upload(context, job)
        except SupersededError:  # this worker was thought dead: the job's new attempt does the work
            log.warning(
                "ingest job %s: attempt %s was taken over by another worker; left to it", job_id, job.attempts
            )
        except Exception:
            log.exception("ingest job %s failed", job_id)
            context.store.finish(job_id, job.attempts, JobState.FAILED, _UNEXPECTED)
    finished = context.store.get(job_id)
    if finished is not None and finished.finished:
        shutil.rmtree(context.uploads / job_id, ignore_errors=True)
    return finished


def _retire(context: JobContext, job: Job) -> None:
    assert job.document_id is not None
    context.store.progress(job.id, job.attempts, "save", 0.1)
    try:
        context.kb.remove(job.document_id)
    except DocumentNotFoundError:
        context.store.finish(
            job.id, job.attempts, JobState.FAILED, f"no document in service with id {job.document_id!r}"
        )
        return
    context.store.progress(job.id, job.attempts, "publish", 0.5)
    manifest = context.release(job)
    context.store.finish(
        job.id, job.attempts, JobState.DONE, published_version=manifest.name if manifest else None
    )


def _restore(context: JobContext, job: Job) -> None:
    """Undo a retirement that is only in the draft: the document joins the working set again and the
    draft is rebuilt with it (its vectors are embedded again if the retirement's build dropped them).
    Run again after a kill, it finds the document back already and only rebuilds."""
    assert job.document_id is not None
    context.store.progress(job.id, job.attempts, "save", 0.1)
    if context.kb.store.unretire(job.document_id) is None:
        context.store.finish(
            job.id, job.attempts, JobState.FAILED, f"no document with id {job.document_id!r}"
        )
        return
    context.store.progress(job.id, job.attempts, "publish", 0.5)
    manifest = context.release(job)
    context.store.finish(
        job.id, job.attempts, JobState.DONE, published_version=manifest.name if manifest else None
    )


def _edit(context: JobContext, job: Job) -> None:
    """An editor's metadata edit: the document again with the fields changed, through the pipeline's
    check, chunk, embed and save stages (a new title changes what is embedded), then released."""
    assert job.document_id is not None and job.files
    file = job.files[0]
    given = file.metadata.model_dump(include=file.metadata.model_fields_set)
    changes = {("source_uri" if k == "source_url" else k): given[k] for k in given if k != "review_by"}
    if "review_by" in given and not context.kb.store.set_review_by(job.document_id, given["review_by"]):
        changes = {}  # retired since the edit was asked for: restate says so
    try:
        summary = context.make_ingestor(context.kb).restate(
            job.document_id, changes, publish=False, progress=_progress(context, job),
            accept_missing_metadata=job.accept_missing_metadata,
        )  # fmt: skip
    except (KnowledgeBaseError, IngestError) as exc:
        context.store.finish(job.id, job.attempts, JobState.FAILED, file_reason(str(exc)))
        return
    result = released(context.kb, summary, _progress(context, job), lambda: context.release(job))
    held = [finding_text(f) for h in summary.held for f in h.findings]
    outcome = (
        FileOutcome.HELD if held
        else FileOutcome.UPDATED if summary.updated or summary.accepted or "review_by" in given
        else FileOutcome.UNCHANGED
    )  # fmt: skip
    published = result.published.name if result.published else None
    context.store.finish(
        job.id, job.attempts, JobState.DONE, "", {file.ordinal: (outcome, "; ".join(held))}, published
    )


def _progress(context: JobContext, job: Job) -> Callable[[Step], None]:
    """Moves the job's progress bar (each stage's share of it: `_STAGES`), at most every 2 %."""
    last = [0.0]

    def progress(step: Step) -> None:
        low, high = _STAGES[step.stage]
        value = low + (high - low) * (step.done / step.total if step.total else 0.0)
        if step.done == 0 or value - last[0] >= 0.02:  # a stage begins, or the bar moves visibly
            last[0] = value
            context.store.progress(job.id, job.attempts, step.stage, value)

    return progress


def _upload(context: JobContext, job: Job) -> None:
    outcomes: dict[int, tuple[FileOutcome, str]] = {}
    paths: dict[int, Path] = {}
    for file in job.files:
        path = staged_file(context.uploads, job.id, file.ordinal, file.filename)
        if file.outcome == FileOutcome.FAILED:  # a URL-list line that named no usable page
            continue
        if path.suffix.lower() not in UPLOAD_TYPES:
            kinds = "PDF, DOCX, HTML, Markdown or text"
            outcomes[file.ordinal] = (FileOutcome.FAILED, f"{path.suffix or 'no'} file type: upload {kinds}")
        elif not path.is_file():
            outcomes[file.ordinal] = (
                FileOutcome.FAILED,
                "the uploaded file is missing from the job's folder",
            )
        else:
            paths[file.ordinal] = path
    result = None
    if paths:
        ingestor = context.make_ingestor(context.kb)
        if context.parts is not None:
            ingestor.embed = functools.partial(context.parts.embed, context.kb, job.id, job.attempts)
        result = ingest_upload(
            context.kb,
            ingestor,
            list(paths.values()),
            job.accept_missing_metadata,
            _progress(context, job),
            lambda: context.release(job),
        )
        outcomes |= _file_outcomes(job, paths, result.summary)
        for file in job.files:  # the review-by date an upload names is the document's from now on
            saved = outcomes.get(file.ordinal, (FileOutcome.FAILED, ""))[0] != FileOutcome.FAILED
            if file.metadata.review_by and saved:
                context.kb.store.set_review_by(file.document_id, file.metadata.review_by)
    ingested = [o for o, _ in outcomes.values() if o not in (FileOutcome.FAILED, FileOutcome.PENDING)]
    state = JobState.DONE if ingested else JobState.FAILED
    reason = "" if ingested else "no file of the upload could be ingested (see each file's reason)"
    published = result.published.name if result and result.published else None
    context.store.finish(job.id, job.attempts, state, reason, outcomes, published)


def _copy_note(other: str | None) -> str:
    if other is None:
        return ""
    return (
        f"warning: the same text as document {other}, which is in service; residents get either one, "
        "and once one changes they disagree: retire one of them, or replace that document instead"
    )


def _file_outcomes(
    job: Job, paths: dict[int, Path], summary: IngestSummary
) -> dict[int, tuple[FileOutcome, str]]:
    failed = {f.source: file_reason(f.reason) for f in summary.failed}
    held = {h.document_id: "; ".join(finding_text(f) for f in h.findings) for h in summary.held}
    plain = {d: FileOutcome.ADDED for d in summary.added}
    plain |= {d: FileOutcome.UPDATED for d in summary.updated}
    plain |= {d: FileOutcome.UNCHANGED for d in summary.unchanged}
    out: dict[int, tuple[FileOutcome, str]] = {}
    for file in job.files:
        path = paths.get(file.ordinal)
        if path is None:
            continue
        if str(path) in failed:
            out[file.ordinal] = (FileOutcome.FAILED, failed[str(path)])
        elif file.document_id in held:
            out[file.ordinal] = (FileOutcome.HELD, held[file.document_id])
        elif file.document_id in plain:
            out[file.ordinal] = (plain[file.document_id], _copy_note(summary.copies.get(file.document_id)))
        else:
            out[file.ordinal] = (FileOutcome.FAILED, "the file gave no document")
    return out
