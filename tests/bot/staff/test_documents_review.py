"""Uploads under review (ASKCITY_PUBLISH_REQUIRES_APPROVAL, the default): an upload job puts its
documents into the open draft, residents are still served the published version, and a supervisor's
approval publishes it; retiring a document and editing its metadata go through the draft the same way.
All are in the editors' audit chain."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge_base.snapshot import served_documents
from tests.bot.staff.documents_harness import GOOD_MARKDOWN, SIDECAR_FIELDS, documents_stack, wait_for_job
from tests.bot.staff.staff_harness import StaffStack
from tests.web_widget.harness import RecordsService


@pytest.fixture(scope="module")
def reviewed(
    sample_kb_dir: Path, tmp_path_factory: pytest.TempPathFactory, dev_identity: RecordsService
) -> Iterator[StaffStack]:
    with documents_stack(
        sample_kb_dir,
        tmp_path_factory.mktemp("documents-review"),
        dev_identity,
        publish_requires_approval=True,
    ) as stack:
        yield stack


def test_an_upload_goes_into_the_draft_and_is_served_once_approved(reviewed: StaffStack) -> None:
    api = reviewed.client()
    editor, supervisor = reviewed.bearer("editor"), reviewed.bearer("supervisor")
    served = reviewed.runtime.kb.versions.current()
    upload = api.post(
        "/api/v1/staff/documents",
        files=[("files", ("beekeeping.md", GOOD_MARKDOWN))],
        data=SIDECAR_FIELDS,
        headers=editor,
    )
    assert upload.status_code == 202, upload.text
    job = wait_for_job(reviewed, upload.json()["job_id"])
    assert job["state"] == "done" and job["published_version"] is None, job
    assert reviewed.runtime.kb.versions.current() == served, "nothing served changes before approval"
    draft = api.get("/api/v1/staff/drafts", headers=editor).json()
    assert draft["draft"] is not None and "beekeeping" in str(draft), draft
    assert api.post("/api/v1/staff/drafts/submit", json={"note": "bees"}, headers=editor).status_code == 200
    approved = api.post("/api/v1/staff/drafts/approve", headers=supervisor)
    assert approved.status_code == 200, approved.text
    assert reviewed.runtime.kb.versions.current() == approved.json()["version"] != served
    actions = [e["action"] for e in api.get("/api/v1/staff/audit", headers=supervisor).json()["entries"]]
    assert "build_draft" in actions and "approve" in actions, actions


def test_under_review_a_metadata_edit_goes_into_the_draft_not_to_residents(reviewed: StaffStack) -> None:
    kb = reviewed.runtime.kb
    served = kb.versions.current()
    assert served is not None
    before = served_documents(kb.versions.versions_dir / served)["parking-residential-permits"]
    response = reviewed.client().patch(
        "/api/v1/staff/documents/parking-residential-permits",
        json={"title": "Parking permits for residents"},
        headers=reviewed.bearer("editor"),
    )
    assert response.status_code == 202, response.text
    job = wait_for_job(reviewed, response.json()["job_id"])
    assert job["state"] == "done" and job["published_version"] is None, job
    assert kb.versions.current() == served, "nothing served changes before approval"
    assert served_documents(kb.versions.versions_dir / served)["parking-residential-permits"] == before
    drafts = reviewed.client().get("/api/v1/staff/drafts", headers=reviewed.bearer("editor")).json()
    changed = {c["document_id"]: c["change"] for c in drafts["documents"]}
    assert changed.get("parking-residential-permits") == "changed", drafts


def test_under_review_a_job_page_says_what_became_of_it_retired_in_the_draft_or_held(
    reviewed: StaffStack,
) -> None:
    api, editor = reviewed.client(), reviewed.bearer("editor")
    retire = api.post("/api/v1/staff/documents/parking-residential-permits/retire", headers=editor)
    job = wait_for_job(reviewed, retire.json()["job_id"])
    assert job["state"] == "done" and job["published_version"] is None, job
    page = api.get(f"/staff/jobs/{job['id']}", headers=editor).text
    assert "Added to the draft" not in page and "Retired in the draft" in page
    held = api.post(
        "/api/v1/staff/documents", files=[("files", ("ferry.md", b"# Ferry\n\nThe ferry leaves hourly.\n"))],
        headers=editor,
    )  # fmt: skip
    job = wait_for_job(reviewed, held.json()["job_id"])
    assert [f["outcome"] for f in job["files"]] == ["held"], job
    page = api.get(f"/staff/jobs/{job['id']}", headers=editor).text
    assert "Added to the draft" not in page and "Held for review" in page and "sidecar" not in page
