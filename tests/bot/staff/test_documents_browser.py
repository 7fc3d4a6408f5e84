"""The documents pages in Debian's Chromium: an editor uploads a DOCX (made with python-docx) with the
keyboard, follows the job's live progress bar to "Done", and finds the document listed and served;
axe-core finds nothing on the list, the job page and the document page."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest

from bot.api.app import create_app
from tests.bot.staff.documents_harness import documents_stack
from tests.bot.staff.staff_harness import StaffStack
from tests.bot.staff.test_staff_pages_browser import focused, in_chromium, tab_to, violations
from tests.web_widget.harness import RecordsService, ServedApp

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def docs(
    sample_kb_dir: Path, tmp_path_factory: pytest.TempPathFactory, dev_identity: RecordsService
) -> Iterator[StaffStack]:
    with documents_stack(sample_kb_dir, tmp_path_factory.mktemp("browser-documents"), dev_identity) as stack:
        yield stack


def _docx(path: Path) -> Path:
    document = docx.Document()
    document.add_heading("Bulky waste collection", level=1)
    document.add_heading("How to book", level=2)
    document.add_paragraph(
        "Book a bulky waste collection online or by phone at least five days before the collection day."
    )
    document.add_heading("What it costs", level=2)
    document.add_paragraph("Up to three items cost 25 dollars; each further item costs 8 dollars.")
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def test_an_editor_uploads_a_docx_follows_the_progress_and_finds_it_listed(
    docs: StaffStack, tmp_path: Path
) -> None:
    user = docs.user("editor")
    upload = _docx(tmp_path / "bulky-waste.docx")
    found: dict[str, list[str]] = {}
    seen: dict[str, Any] = {}
    with ServedApp(create_app(docs.settings, docs.runtime)) as served:

        def scenario(page: Any, requests: list[str]) -> None:
            page.goto(f"{served.origin}/staff/login?next=/staff/documents")
            page.fill("#username", user.username)
            page.fill("#password", user.password)
            page.keyboard.press("Enter")
            page.wait_for_url(f"{served.origin}/staff/documents")
            found["documents"] = violations(page)

            tab_to(page, "files", limit=30)
            page.locator("#files").set_input_files(str(upload))  # the file chooser is the OS's, not ours
            tab_to(page, "department")
            page.keyboard.type("Sanitation Department")
            page.keyboard.press("Tab")
            assert focused(page).startswith("contact")
            page.keyboard.type("311 or waste@millbrook.example")
            page.keyboard.press("Tab")
            page.keyboard.type("https://www.millbrook.example/bulky-waste")
            tab_to(page, "button:Upload", limit=25)
            page.keyboard.press("Enter")

            page.wait_for_url(f"{served.origin}/staff/jobs/*")
            job_url = page.url
            seen["first"] = page.inner_text("#job-state")
            found["job"] = violations(page)
            page.wait_for_selector("#job[data-finished='true']", state="attached", timeout=120_000)
            assert page.url == job_url  # updated in place by the external script, not reloaded
            seen["state"] = page.inner_text("#job-state")
            seen["value"] = page.locator("#job-progress").evaluate("el => el.value")
            seen["files"] = page.inner_text("#job-files")
            found["job finished"] = violations(page)

            page.goto(f"{served.origin}/staff/documents")
            seen["listed"] = page.inner_text("table")
            page.goto(f"{served.origin}/staff/documents/bulky-waste")
            seen["chunks"] = page.inner_text("main")
            found["document"] = violations(page)

        in_chromium(scenario)
    assert seen["state"] == "Done", seen
    assert seen["value"] == 100 and "added" in seen["files"] and "bulky-waste.docx" in seen["files"]
    assert "Bulky waste collection" in seen["listed"] and "version 1" in seen["listed"]
    assert "How to book" in seen["chunks"] and "served now" in seen["chunks"]
    assert found == {where: [] for where in found}, found
