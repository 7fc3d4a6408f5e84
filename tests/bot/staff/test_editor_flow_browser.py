"""Issue 13's editor flow end to end in Debian's Chromium, keyboard only, axe-core on every console page:
an editor signs in and uploads a DOCX (made with python-docx) → follows the job's live progress to Done
(the embedded job runner the app starts, job state in PostgreSQL) → rebuilds the draft and asks it a
question beside the published version (the draft answers from the new document, the published version
does not) → submits it for review; a supervisor signs in and approves it → the resident widget answers
from the new document and cites it; the supervisor serves the earlier version again, confirming it with
a reason → the widget no longer does, and the document's page says why; the supervisor retires a page
(asked first), reads that it is still served until the draft is approved, and undoes it. Then `askcity
audit verify --chain editors` (a real CLI process) passes, and fails once one row of the editors' chain
has been edited. Sessions, staff sign-ins and limits live in Redis, transcripts and
jobs in PostgreSQL; the knowledge base (and with it the editors' chain) is a copy of the sample one, in
SQLite, so that its vectors need not be embedded again.
"""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest

from bot.api.app import create_app
from tests.bot.staff.documents_harness import documents_stack
from tests.bot.staff.staff_harness import StaffStack
from tests.bot.staff.test_drafts_routes import HENS_Q, _wait_served
from tests.bot.staff.test_staff_pages_browser import (  # noqa: F401
    _chromium,
    clean,
    focused,
    in_chromium,
    violations,
)
from tests.web_widget.harness import RecordsService, ServedApp
from tests.web_widget.widget_page import Widget

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.postgres]
ROOT = Path(__file__).resolve().parents[3]
DOCUMENT = "backyard-hens"
TITLE = "Backyard hens"
RETIRED = "parking-residential-permits"  # retired, then the retirement undone
ROLLBACK_REASON = "the hens page named the wrong fee"


@pytest.fixture(scope="module")
def flow(
    sample_kb_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
    dev_identity: RecordsService,
    redis_module: tuple[str, str],
    postgres_url_module: str,
) -> Iterator[StaffStack]:
    url, prefix = redis_module
    with documents_stack(
        sample_kb_dir,
        tmp_path_factory.mktemp("editor-flow"),
        dev_identity,
        publish_requires_approval=True,
        redis_url=url,
        redis_prefix=prefix,
        bot_database_url=postgres_url_module,
        jobs_backend="thread",
    ) as stack:
        yield stack


def _hens_docx(path: Path) -> Path:
    document = docx.Document()
    document.add_heading(TITLE, level=1)
    document.add_heading("How many hens you may keep", level=2)
    document.add_paragraph(
        "Residents may keep up to four hens in a backyard coop. "
        "Roosters are not allowed in residential areas."
    )
    document.add_heading("The hen permit", level=2)
    document.add_paragraph("A hen permit is free; apply to Animal Services before the hens arrive.")
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def tab_to(page: Any, target: str, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page).startswith(target):
            return
    raise AssertionError(f"{target!r} never got focus")


def sign_in(page: Any, origin: str, username: str, password: str, next_path: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{origin}/staff/login?next={next_path}")
    tab_to(page, "username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{origin}{next_path}")


def widget_answer(page: Any, origin: str, question: str) -> tuple[str, list[str]]:
    """The widget's answer to `question` in a new conversation: its text, and the titles it cites."""
    page.goto(origin + "/")
    widget = Widget(page)
    widget.open()
    answer = widget.ask(question)
    return Widget.answer_text(answer), answer.locator(".ac-cite").all_inner_texts()


def audit_verify(stack: StaffStack) -> subprocess.CompletedProcess[str]:
    """`askcity audit verify --chain editors`, in its own process, on the stack's knowledge base."""
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "ASKCITY_ENV": "test",
        "ASKCITY_DATA_DIR": str(stack.settings.data_dir),
        "ASKCITY_KB_DATABASE_URL": stack.settings.kb_database_url,
    }
    return subprocess.run(
        [sys.executable, "-m", "askcity_cli.main", "audit", "verify", "--chain", "editors"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_upload_draft_review_publish_rollback_and_the_audit_chain(flow: StaffStack, tmp_path: Path) -> None:
    runtime = flow.runtime
    published = runtime.kb.versions.current()
    assert published is not None
    upload = _hens_docx(tmp_path / f"{DOCUMENT}.docx")
    editor, supervisor = flow.user("editor"), flow.user("supervisor")
    found: dict[str, list[str]] = {}
    seen: dict[str, Any] = {}
    with ServedApp(create_app(flow.settings, runtime)) as served:
        origin = served.origin

        def scenario(page: Any, requests: list[str]) -> None:
            # the editor: upload with the keyboard, the job's progress updated in place to Done
            sign_in(page, origin, editor.username, editor.password, "/staff/drafts")
            clean(page, "drafts, none open", found)
            page.goto(f"{origin}/staff/documents")
            clean(page, "documents", found)
            tab_to(page, "files", limit=30)
            page.locator("#files").set_input_files(str(upload))  # the file chooser is the OS's, not ours
            tab_to(page, "department")
            page.keyboard.type("Animal Services")
            page.keyboard.press("Tab")
            assert focused(page).startswith("contact")
            page.keyboard.type("call 311")
            page.keyboard.press("Tab")
            page.keyboard.type("https://www.millbrook.example/hens")
            tab_to(page, "button:Upload", limit=25)
            page.keyboard.press("Enter")
            page.wait_for_url(f"{origin}/staff/jobs/*")
            job_url = page.url
            found["job"] = violations(page)  # the job page has a script: its progress
            page.wait_for_selector("#job[data-finished='true']", state="attached", timeout=60_000)
            assert page.url == job_url  # updated in place by the external script, not reloaded
            seen["state"] = page.inner_text("#job-state")
            seen["value"] = page.locator("#job-progress").evaluate("el => el.value")
            seen["files"] = page.inner_text("#job-files")
            seen["job published"] = page.inner_text("#job-published")
            found["job finished"] = violations(page)
            assert runtime.kb.versions.current() == published, "an upload under review serves nothing new"

            # the draft: rebuilt by the editor, asked beside the published version, submitted
            page.goto(f"{origin}/staff/drafts")
            seen["draft documents"] = page.inner_text("main")
            clean(page, "draft built by the job", found)
            tab_to(page, "build-note")
            page.keyboard.type("backyard hens page")
            page.keyboard.press("Enter")
            page.wait_for_url(f"{origin}/staff/drafts?done=built")
            clean(page, "draft rebuilt", found)
            tab_to(page, "question")
            page.keyboard.type(HENS_Q)
            page.keyboard.press("Enter")
            page.wait_for_selector("#asked-caption")
            seen["caption"] = page.inner_text("#asked-caption")
            cells = page.locator("table:has(#asked-caption) tbody td")
            seen["published cell"], seen["draft cell"] = cells.nth(0).inner_text(), cells.nth(1).inner_text()
            clean(page, "asked side by side", found)
            tab_to(page, "submit-note")
            page.keyboard.type("new page on backyard hens")
            page.keyboard.press("Tab")
            page.keyboard.press("Enter")
            page.wait_for_url(f"{origin}/staff/drafts?done=submitted")
            clean(page, "submitted", found)

            # the supervisor: approve and publish; the widget answers from the new document and cites it
            sign_in(page, origin, supervisor.username, supervisor.password, "/staff/drafts")
            clean(page, "supervisor's review", found)
            tab_to(page, "button:Approve and publish")
            page.keyboard.press("Enter")
            page.wait_for_url(f"{origin}/staff/drafts?done=published")
            draft = runtime.kb.versions.current()
            assert draft != published
            _wait_served(runtime, str(draft))
            seen["widget after approval"] = widget_answer(page, origin, HENS_Q)
            page.goto(f"{origin}/staff/documents")
            seen["listed"] = page.inner_text("table")
            clean(page, "documents after approval", found)
            page.goto(f"{origin}/staff/documents/{DOCUMENT}")
            seen["document"] = page.inner_text("main")
            clean(page, "document", found)

            # roll back: a confirmation page names what changes for residents and asks why; then the
            # earlier version is served again and the widget no longer answers from the new document
            page.goto(f"{origin}/staff/versions")
            clean(page, "versions and audit", found)
            tab_to(page, f"button:Serve {published}")
            page.keyboard.press("Enter")
            page.wait_for_url(f"{origin}/staff/versions/{published}/rollback")
            seen["rollback confirmation"] = page.inner_text("main")
            assert runtime.kb.versions.current() == draft, "nothing is served before it is confirmed"
            clean(page, "rollback confirmation", found)
            tab_to(page, "reason")
            page.keyboard.type(ROLLBACK_REASON)
            tab_to(page, f"button:Yes, serve {published}", limit=5)
            page.keyboard.press("Enter")
            page.wait_for_url(f"{origin}/staff/versions?done=rolled_back")
            clean(page, "rolled back", found)
            _wait_served(runtime, str(published))
            seen["widget after rollback"] = widget_answer(page, origin, HENS_Q)
            page.goto(f"{origin}/staff/documents/{DOCUMENT}")
            seen["document after rollback"] = page.inner_text("main")
            clean(page, "document after rollback", found)

            # retire a page: asked first; then still served until the draft is approved, and undone
            page.goto(f"{origin}/staff/documents/{RETIRED}")
            tab_to(page, "button:Retire this document")
            page.keyboard.press("Enter")
            page.wait_for_url(f"{origin}/staff/documents/{RETIRED}/retire")
            clean(page, "retire confirmation", found)
            tab_to(page, f"button:Yes, retire {RETIRED}")
            page.keyboard.press("Enter")
            page.wait_for_url(f"{origin}/staff/jobs/*")
            page.wait_for_selector("#job[data-finished='true']", state="attached", timeout=60_000)
            seen["retire job"] = page.inner_text("#job-published")
            page.goto(f"{origin}/staff/documents/{RETIRED}")
            seen["retired document"] = page.inner_text("main")
            clean(page, "document retired in the draft", found)
            tab_to(page, "button:Undo retirement")
            page.keyboard.press("Enter")
            page.wait_for_url(f"{origin}/staff/jobs/*")
            page.wait_for_selector("#job[data-finished='true']", state="attached", timeout=60_000)
            seen["undo job"] = page.inner_text("#job-published")

        in_chromium(scenario)

    assert seen["state"] == "Done" and seen["value"] == 100, seen
    assert "added" in seen["files"] and f"{DOCUMENT}.docx" in seen["files"], seen
    assert "Added to the draft" in seen["job published"], seen
    assert DOCUMENT in seen["draft documents"], seen
    assert "the answer would change" in seen["caption"], seen
    assert f"({DOCUMENT})" in seen["draft cell"] and "four hens" in seen["draft cell"], seen
    assert DOCUMENT not in seen["published cell"] and "four hens" not in seen["published cell"], seen
    text, cites = seen["widget after approval"]
    assert "four hens" in text and any(TITLE in c for c in cites), seen
    assert TITLE in seen["listed"] and "version 1" in seen["listed"], seen
    assert "How many hens you may keep" in seen["document"] and "served now" in seen["document"], seen
    text, cites = seen["widget after rollback"]
    assert "four hens" not in text and not any(TITLE in c for c in cites), seen
    assert "No longer served" in seen["rollback confirmation"] and DOCUMENT in seen["rollback confirmation"]
    assert f"not served since the rollback to {published}" in seen["document after rollback"], seen
    assert "Retired in the draft" in seen["retire job"], seen
    assert "retired in the draft — still served until the draft is approved" in seen["retired document"]
    assert seen["undo job"].startswith("Retirement undone"), seen
    assert found == {where: [] for where in found}, found

    # the editors' audit chain: every action of the flow, intact; one row edited, and verify names it
    entries = flow.client().get("/api/v1/staff/audit", headers=flow.bearer("supervisor")).json()["entries"]
    actions = {e["action"] for e in entries}
    assert {"upload", "build_draft", "submit", "approve", "rollback", "retire", "undo_retire"} <= actions
    rollback = next(e for e in entries if e["action"] == "rollback")
    assert rollback["detail"]["reason"] == ROLLBACK_REASON, rollback
    intact = audit_verify(flow)
    assert intact.returncode == 0 and "editors' audit chain intact" in intact.stdout, intact
    approve = next(e["seq"] for e in entries if e["action"] == "approve")
    with sqlite3.connect(flow.settings.data_dir / "kb.sqlite3") as db:
        db.execute("UPDATE kb_editor_audit SET actor = 'someone-else' WHERE seq = ?", (approve,))
    broken = audit_verify(flow)
    assert broken.returncode == 1 and f"BROKEN at seq {approve}" in broken.stdout + broken.stderr, broken
