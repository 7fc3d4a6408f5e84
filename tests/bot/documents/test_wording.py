"""What the console says of a job: a file's failure without the parser's exception names, and the note of
a finished job (a document that takes effect later is not promised to residents on approval)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.documents.models import FileOutcome, Job, JobFile, JobKind, JobState, UploadMetadata
from bot.documents.wording import file_reason


@pytest.mark.parametrize(
    ("reason", "said"),
    [
        (
            "not a readable PDF (PdfStreamError)",
            "not a readable PDF file: it is damaged, or not really a PDF",
        ),
        ("not a readable PDF (pypdf.errors.PdfReadError)", "not a readable PDF file: it is damaged"),
        ("not a readable DOCX file (BadZipFile)", "not a readable DOCX file: it is damaged"),
        ("damaged or not a valid .docx file (XMLSyntaxError)", "not a readable DOCX file: it is damaged"),
        ("cannot read the file (IsADirectoryError)", "cannot read the file"),
        ("cannot read the file (Permission denied)", "cannot read the file (Permission denied)"),
        ("unsupported file type (none)", "unsupported file type (none)"),
        ("62,914,917 bytes is over the 26,214,400-byte limit", "60 MB is over the 25 MB limit"),
    ],
)
def test_a_failed_file_reads_without_internal_exception_names(reason: str, said: str) -> None:
    shown = file_reason(reason)
    assert shown.startswith(said), shown
    assert not re.search(r"\((\w+\.)*\w*(Error|Exception|ZipFile)\)", shown), shown


def _job(kind: JobKind, files: list[JobFile], published: str | None = None) -> Job:
    now = datetime.now(UTC)
    return Job(
        id="0" * 32, kind=kind, state=JobState.DONE, stage="done", progress=1.0, reason="", attempts=1,
        document_id=None, accept_missing_metadata=False, published_version=published, created_by="Ed",
        created_at=now, started_at=now, finished_at=now, files=files,
    )  # fmt: skip


def _file(document_id: str, effective: date | None, ordinal: int = 0) -> JobFile:
    metadata = UploadMetadata(effective_date=effective)
    return JobFile(
        ordinal=ordinal, filename=f"{document_id}.md", document_id=document_id, size=10, metadata=metadata,
        outcome=FileOutcome.ADDED,
    )  # fmt: skip


def test_a_document_that_takes_effect_later_is_said_to_take_effect_on_its_date() -> None:
    later = date.today() + timedelta(days=40)
    note = _job(JobKind.UPLOAD, [_file("rent-aid", later)]).note
    assert f"rent-aid on {later.isoformat()}" in note and "not served before the date" in note, note
    assert "once a supervisor approves" not in note and "Added to the draft" not in note, note
    # without review the job publishes a version, but not with this document in it
    published = _job(JobKind.UPLOAD, [_file("rent-aid", later)], published="v000009").note
    assert "Published as" not in published and f"on {later.isoformat()}" in published, published


def test_a_document_in_effect_now_beside_one_that_takes_effect_later() -> None:
    later = date.today() + timedelta(days=3)
    note = _job(JobKind.UPLOAD, [_file("pool-hours", date.today()), _file("rent-aid", later, 1)]).note
    assert note.startswith("Added to the draft: residents see it once a supervisor approves the draft.")
    assert f"rent-aid on {later.isoformat()}" in note and "pool-hours on" not in note, note


def test_a_retirement_note_names_the_way_back_and_an_undone_one_says_so() -> None:
    retired = _job(JobKind.RETIRE, []).note
    assert "Retired in the draft" in retired and "Undo retirement" in retired, retired
    restored = _job(JobKind.RESTORE, []).note
    assert restored.startswith("Retirement undone") and "Nothing changed" not in restored, restored
