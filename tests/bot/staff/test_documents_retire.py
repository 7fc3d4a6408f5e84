"""Retiring a document under review (ASKCITY_PUBLISH_REQUIRES_APPROVAL): the console asks first, says the
document is still served until the draft is approved, and lets an editor undo the retirement while it is
only in the draft (audited); once approved it cannot be undone that way. Also what a job page says of a
document that takes effect later, and of a damaged file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from knowledge_base.snapshot import served_documents
from tests.bot.staff.documents_harness import SIDECAR_FIELDS, documents_stack, wait_for_job
from tests.bot.staff.staff_harness import StaffStack, hidden_fields
from tests.web_widget.harness import RecordsService

KEPT = "parking-residential-permits"  # retired, then the retirement undone
GONE = "library-cards"  # retired, and the retirement approved


@pytest.fixture(scope="module")
def reviewed(
    sample_kb_dir: Path, tmp_path_factory: pytest.TempPathFactory, dev_identity: RecordsService
) -> Iterator[StaffStack]:
    with documents_stack(
        sample_kb_dir,
        tmp_path_factory.mktemp("documents-retire"),
        dev_identity,
        publish_requires_approval=True,
    ) as stack:
        yield stack


def _job_id(location: str) -> str:
    assert location.startswith("/staff/jobs/"), location
    return location.rsplit("/", 1)[-1]


def _served(stack: StaffStack) -> dict[str, int]:
    return served_documents(stack.runtime.kb.versions.current_path())


def _audit(stack: StaffStack) -> list[tuple[str, str]]:
    entries = stack.client().get("/api/v1/staff/audit", headers=stack.bearer("supervisor")).json()
    return [(e["action"], e["target"]) for e in entries["entries"]]


def test_retiring_asks_first_says_it_is_still_served_and_can_be_undone_while_only_in_the_draft(
    reviewed: StaffStack,
) -> None:
    api, editor = reviewed.client(), reviewed.bearer("editor")
    kb = reviewed.runtime.kb
    page = api.get(f"/staff/documents/{KEPT}", headers=editor).text
    assert f'action="/staff/documents/{KEPT}/retire"' not in page, "one click must not retire it"
    assert f'href="/staff/documents/{KEPT}/retire"' in page

    confirm = api.get(f"/staff/documents/{KEPT}/retire", headers=editor)
    assert confirm.status_code == 200, confirm.text
    assert f'action="/staff/documents/{KEPT}/retire"' in confirm.text and "csrf_token" in hidden_fields(
        confirm.text
    )
    assert "Residents go on being served it until a supervisor approves the draft" in confirm.text
    state = kb.store.state(KEPT)
    assert state is not None and not state.retired, "showing the question retires nothing"

    retired = api.post(f"/staff/documents/{KEPT}/retire", headers=editor)  # the confirmation's form
    assert retired.status_code == 303, retired.text
    job = wait_for_job(reviewed, _job_id(retired.headers["location"]))
    assert job["state"] == "done" and job["published_version"] is None, job
    assert KEPT in _served(reviewed), "residents are still served it"

    page = api.get(f"/staff/documents/{KEPT}", headers=editor).text
    assert "retired in the draft — still served until the draft is approved" in page, page
    assert f'action="/staff/documents/{KEPT}/restore"' in page and "Undo retirement" in page
    listed = api.get("/api/v1/staff/documents", headers=reviewed.bearer("agent")).json()
    entry = next(d for d in listed if d["id"] == KEPT)
    assert entry["retired"] and entry["served_version"] is not None
    assert entry["state"] == "retired in the draft — still served until the draft is approved"
    changes = api.get("/api/v1/staff/drafts?questions=0", headers=editor).json()["documents"]
    assert {"document_id": KEPT, "change": "removed"} in [
        {"document_id": c["document_id"], "change": c["change"]} for c in changes
    ]

    undone = api.post(f"/staff/documents/{KEPT}/restore", headers=editor)
    assert undone.status_code == 303, undone.text
    job = wait_for_job(reviewed, _job_id(undone.headers["location"]))
    assert job["state"] == "done" and job["kind"] == "restore", job
    assert job["note"].startswith("Retirement undone"), job["note"]
    state = kb.store.state(KEPT)
    assert state is not None and not state.retired
    changes = api.get("/api/v1/staff/drafts?questions=0", headers=editor).json()["documents"]
    assert KEPT not in [c["document_id"] for c in changes], "the draft holds it again"
    page = api.get(f"/staff/documents/{KEPT}", headers=editor).text
    assert "Undo retirement" not in page and "<dd>in service</dd>" in page

    assert ("undo_retire", KEPT) in _audit(reviewed) and ("retire", KEPT) in _audit(reviewed)
    again = api.post(f"/api/v1/staff/documents/{KEPT}/restore", headers=editor)
    assert again.status_code == 409 and again.json()["error"] == "cannot_undo", again.text


def test_once_the_retirement_is_approved_it_is_not_undone_but_uploaded_again(reviewed: StaffStack) -> None:
    api, editor, supervisor = reviewed.client(), reviewed.bearer("editor"), reviewed.bearer("supervisor")
    retired = api.post(f"/api/v1/staff/documents/{GONE}/retire", headers=editor)
    assert wait_for_job(reviewed, retired.json()["job_id"])["state"] == "done"
    assert api.post("/api/v1/staff/drafts/submit", json={"note": "cards"}, headers=editor).status_code == 200
    assert api.post("/api/v1/staff/drafts/approve", headers=supervisor).status_code == 200
    assert GONE not in _served(reviewed)
    page = api.get(f"/staff/documents/{GONE}", headers=editor).text
    assert "<dd>retired</dd>" in page and "Undo retirement" not in page
    refused = api.post(f"/api/v1/staff/documents/{GONE}/restore", headers=editor)
    assert refused.status_code == 409 and "upload the file again" in refused.json()["message"]
    assert api.get(f"/staff/documents/{GONE}/retire", headers=editor).status_code == 404
    assert (
        api.post(f"/api/v1/staff/documents/{GONE}/restore", headers=reviewed.bearer("agent")).status_code
        == 403
    )


def test_a_job_says_a_document_that_takes_effect_later_is_served_from_its_date(reviewed: StaffStack) -> None:
    later = date.today() + timedelta(days=30)
    upload = reviewed.client().post(
        "/api/v1/staff/documents",
        files=[("files", ("ferry-timetable.md", b"# Ferry timetable\n\nThe ferry leaves every hour.\n"))],
        data={**SIDECAR_FIELDS, "effective_date": later.isoformat()},
        headers=reviewed.bearer("editor"),
    )
    assert upload.status_code == 202, upload.text
    job = wait_for_job(reviewed, upload.json()["job_id"])
    assert [f["outcome"] for f in job["files"]] == ["added"], job
    assert f"ferry-timetable on {later.isoformat()}" in job["note"], job["note"]
    assert "once a supervisor approves" not in job["note"], job["note"]
    page = reviewed.client().get(f"/staff/jobs/{job['id']}", headers=reviewed.bearer("editor")).text
    assert "Taking effect later (not served before the date)" in page


def test_a_damaged_pdf_is_refused_without_the_parsers_exception_name(reviewed: StaffStack) -> None:
    upload = reviewed.client().post(
        "/api/v1/staff/documents",
        files=[("files", ("permit-form.pdf", b"%PDF-1.7\nthis is not a pdf"))],
        headers=reviewed.bearer("editor"),
    )
    job = wait_for_job(reviewed, upload.json()["job_id"])
    (file,) = job["files"]
    assert file["outcome"] == "failed" and file["reason"].startswith("not a readable PDF file"), file
    assert "Error)" not in file["reason"] and "(Pdf" not in file["reason"], file
