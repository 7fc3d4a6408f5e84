"""Serving an earlier version again from /staff/versions: a confirmation page names the documents that
disappear or change for residents and asks for a reason, which the audit row keeps; nothing is served
before it is confirmed; afterwards a document the rollback took away says so on its page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bot.staff.documents_harness import GOOD_MARKDOWN, SIDECAR_FIELDS, documents_stack, wait_for_job
from tests.bot.staff.staff_harness import StaffStack, hidden_fields
from tests.web_widget.harness import RecordsService

BEES = "beekeeping"


@pytest.fixture(scope="module")
def direct(
    sample_kb_dir: Path, tmp_path_factory: pytest.TempPathFactory, dev_identity: RecordsService
) -> Iterator[StaffStack]:
    """Uploads publish at once here (no review), so a new version holds the new document."""
    with documents_stack(sample_kb_dir, tmp_path_factory.mktemp("rollback"), dev_identity) as stack:
        yield stack


def test_a_rollback_is_confirmed_with_a_reason_and_the_document_page_says_what_happened(
    direct: StaffStack,
) -> None:
    api, supervisor, editor = direct.client(), direct.bearer("supervisor"), direct.bearer("editor")
    kb = direct.runtime.kb
    before = kb.versions.current()
    assert before is not None
    upload = api.post(
        "/api/v1/staff/documents", files=[("files", (f"{BEES}.md", GOOD_MARKDOWN))], data=SIDECAR_FIELDS,
        headers=editor,
    )  # fmt: skip
    published = wait_for_job(direct, upload.json()["job_id"])["published_version"]
    assert published and kb.versions.current() == published

    versions = api.get("/staff/versions", headers=supervisor).text
    assert f'action="/staff/versions/{before}/rollback"' not in versions, "one click must not serve it"
    assert f'href="/staff/versions/{before}/rollback"' in versions

    confirm = api.get(f"/staff/versions/{before}/rollback", headers=supervisor)
    assert confirm.status_code == 200, confirm.text
    removed = confirm.text.split('id="removed-caption"', 1)[1].split("</table>", 1)[0]
    assert "No longer served" in removed and f"<code>{BEES}</code>" in removed, removed
    assert "Backyard beekeeping" in removed
    assert 'name="reason"' in confirm.text and "csrf_token" in hidden_fields(confirm.text)
    assert kb.versions.current() == published, "showing what would change serves nothing"

    no_reason = api.post(f"/staff/versions/{before}/rollback", data={"reason": "   "}, headers=supervisor)
    assert no_reason.status_code == 422 and 'aria-invalid="true"' in no_reason.text
    assert "the reason is kept in the audit log" in no_reason.text
    assert kb.versions.current() == published

    reason = "The beekeeping page gave the wrong registration date"
    done = api.post(f"/staff/versions/{before}/rollback", data={"reason": reason}, headers=supervisor)
    assert done.status_code == 303 and done.headers["location"] == "/staff/versions?done=rolled_back"
    assert kb.versions.current() == before
    entries = api.get("/api/v1/staff/audit", headers=supervisor).json()["entries"]
    latest = entries[0]
    assert (latest["action"], latest["target"]) == ("rollback", before), latest
    assert latest["detail"]["reason"] == reason and latest["detail"]["previous"] == published

    page = api.get(f"/staff/documents/{BEES}", headers=editor).text
    assert f"not served since the rollback to {before}" in page and "saved, not served yet" not in page
    listed = api.get("/api/v1/staff/documents", headers=direct.bearer("agent")).json()
    bees = next(d for d in listed if d["id"] == BEES)
    assert bees["withdrawn_by"] == before and bees["served_version"] is None

    # the API takes the reason too (optional there: scripts and `askcity kb rollback-to`)
    back = api.post(
        f"/api/v1/staff/versions/{published}/rollback", json={"reason": "fixed"}, headers=supervisor
    )
    assert back.status_code == 200, back.text
    assert (
        api.get("/api/v1/staff/audit", headers=supervisor).json()["entries"][0]["detail"]["reason"] == "fixed"
    )
    page = api.get(f"/staff/documents/{BEES}", headers=editor).text
    assert "<dd>in service</dd>" in page and "since the rollback" not in page


def test_the_served_version_and_unknown_versions_have_no_confirmation(direct: StaffStack) -> None:
    api, supervisor = direct.client(), direct.bearer("supervisor")
    current = direct.runtime.kb.versions.current()
    same = api.get(f"/staff/versions/{current}/rollback", headers=supervisor)
    assert same.status_code == 409 and "served now" in same.text and "<form" not in same.text
    assert api.get("/staff/versions/v999999/rollback", headers=supervisor).status_code == 404
    assert api.get(f"/staff/versions/{current}/rollback", headers=direct.bearer("editor")).status_code == 403
