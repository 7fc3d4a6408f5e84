"""Issue 13, the console's last document features, through the HTTP API (job state in PostgreSQL):

- a URL list of fetched pages uploaded with the pages: each page served with its address as source URL,
  an id made from it and its own title; bad lines failed in the job with their line numbers;
- editing a document's metadata without uploading it again (`PATCH /api/v1/staff/documents/{id}` and
  the form on its page): validated, a job that saves it again and publishes (under review it builds the
  draft: test_documents_review.py), in the editors' audit chain with what changed; `review_by` puts it
  on the stale list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from knowledge_base.snapshot import served_documents
from tests.bot.staff.documents_harness import GOOD_MARKDOWN, SIDECAR_FIELDS, documents_stack, wait_for_job
from tests.bot.staff.staff_harness import ORIGIN, StaffStack, csrf_token, hidden_fields, sign_in
from tests.web_widget.harness import RecordsService

PERMITS = b"""<html><head><title>Residential parking permits</title></head><body>
<h1>Residential parking permits</h1>
<p>Residents of Millbrook apply for a residential parking permit online. A permit costs 40 dollars a year
and is valid in the zone printed on it.</p></body></html>"""
CARDS = b"""<html><head><title>Library cards</title></head><body><h1>Library cards</h1>
<p>Any Millbrook resident may get a free library card at any branch with a proof of address.</p>
</body></html>"""
URL_LIST = (
    b"# fetched by the city on 2026-11-30\n"
    b"https://www.millbrook.example/parking/permits.html\tparking/permits.html\n"
    b"ftp://www.millbrook.example/old\told.html\n"
    b"https://www.millbrook.example/library/cards\tcards.html\n"
    b"https://www.millbrook.example/pools\tpools.html\n"
)
CITY = {"department": "City Services", "contact": "call 311"}


@pytest.fixture(scope="module")
def docs(
    sample_kb_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
    dev_identity: RecordsService,
    postgres_url_module: str,
) -> Iterator[StaffStack]:
    work = tmp_path_factory.mktemp("documents-edit")
    with documents_stack(sample_kb_dir, work, dev_identity, bot_database_url=postgres_url_module) as stack:
        yield stack


def _jobs(stack: StaffStack) -> int:
    return len(stack.runtime.documents.store.recent(1000))  # type: ignore[union-attr]


def _pages(stack: StaffStack, url_list: bytes = URL_LIST, **fields: str) -> Any:
    return stack.client().post(
        "/api/v1/staff/documents",
        files=[
            ("url_list", ("urls.txt", url_list)),
            ("files", ("fetched/parking/permits.html", PERMITS)),  # as a browser sends a folder's file
            ("files", ("cards.html", CARDS)),
            ("files", ("fetched/logo.png", b"\x89PNG not named by the list")),
        ],
        data={**CITY, **fields},
        headers=stack.bearer("editor"),
    )


def _served(stack: StaffStack) -> dict[str, int]:
    kb = stack.runtime.kb
    current = kb.versions.current()
    assert current is not None
    return served_documents(kb.versions.versions_dir / current)


def _document(stack: StaffStack, document_id: str) -> dict[str, Any]:
    response = stack.client().get(f"/api/v1/staff/documents/{document_id}", headers=stack.bearer("agent"))
    assert response.status_code == 200, response.text
    return dict(response.json())


def _audit(stack: StaffStack, action: str) -> list[dict[str, Any]]:
    log = stack.client().get("/api/v1/staff/audit", headers=stack.bearer("supervisor")).json()
    assert log["intact"], log
    return [e for e in log["entries"] if e["action"] == action]


def _edit(stack: StaffStack, document_id: str, body: dict[str, Any], role: str = "editor") -> Any:
    return stack.client().patch(
        f"/api/v1/staff/documents/{document_id}", json=body, headers=stack.bearer(role)
    )


def test_a_url_list_serves_each_page_under_its_address_and_fails_the_bad_lines_alone(
    docs: StaffStack,
) -> None:
    response = _pages(docs)
    assert response.status_code == 202, response.text
    job = wait_for_job(docs, response.json()["job_id"])
    assert job["state"] == "done" and job["published_version"], job
    outcomes = {(f["document_id"], f["outcome"], f["reason"]) for f in job["files"]}
    assert outcomes == {
        ("millbrook-example-parking-permits", "added", ""),
        ("millbrook-example-library-cards", "added", ""),
        ("-", "failed", "line 3: the address must be an http(s) address, not ftp:"),
        ("millbrook-example-pools", "failed", "line 5: no uploaded file pools.html"),
    }, job["files"]
    served = _served(docs)
    assert served["millbrook-example-parking-permits"] == 1 and served["millbrook-example-library-cards"] == 1
    permits = _document(docs, "millbrook-example-parking-permits")
    assert permits["title"] == "Residential parking permits"  # the page's own title
    assert permits["source_url"] == "https://www.millbrook.example/parking/permits.html"
    assert permits["department"] == "City Services" and permits["contact"] == "call 311"
    assert _document(docs, "millbrook-example-library-cards")["source_url"] == (
        "https://www.millbrook.example/library/cards"
    )
    [logged] = [e for e in _audit(docs, "upload") if e["target"] == response.json()["job_id"]]
    assert "permits.html" in logged["detail"]["files"], "the audit row says which job and files"


@pytest.mark.parametrize(
    ("url_list", "fields", "message"),
    [
        (URL_LIST, {"title": "One title"}, "gives each page its address"),
        (URL_LIST, {"source_url": "https://www.millbrook.example/x"}, "gives each page its address"),
        ("\ufffe\x00".encode("utf-16"), {}, "UTF-8"),
    ],
)
def test_a_url_list_with_one_documents_metadata_is_refused_and_queues_nothing(
    docs: StaffStack, url_list: bytes, fields: dict[str, str], message: str
) -> None:
    jobs = _jobs(docs)
    response = _pages(docs, url_list, **fields)
    assert response.status_code == 422 and message in response.json()["message"], response.text
    assert _jobs(docs) == jobs


def test_a_url_list_naming_no_uploaded_page_fails_the_job_and_serves_nothing_new(docs: StaffStack) -> None:
    before = docs.runtime.kb.versions.current()
    listing = b"https://www.millbrook.example/a\ta.html\nnot-an-address b.html\n"
    job = wait_for_job(docs, _pages(docs, listing).json()["job_id"])
    assert job["state"] == "failed" and job["published_version"] is None
    assert sorted(f["reason"] for f in job["files"]) == [
        "line 1: no uploaded file a.html",
        "line 2: the address must be an http(s) address, not a relative address",
    ]
    assert docs.runtime.kb.versions.current() == before


def test_editing_metadata_saves_and_publishes_the_document_again_and_logs_what_changed(
    docs: StaffStack,
) -> None:
    upload = docs.client().post(
        "/api/v1/staff/documents",
        files=[("files", ("beekeeping-edit.md", GOOD_MARKDOWN))],
        data=SIDECAR_FIELDS,
        headers=docs.bearer("editor"),
    )
    assert wait_for_job(docs, upload.json()["job_id"])["state"] == "done"
    title_before = _document(docs, "beekeeping-edit")["title"]
    review_by = (date.today() - timedelta(days=1)).isoformat()
    edit = {
        "title": "Keeping bees in Millbrook",
        "department": "Parks and Recreation",
        "contact": "call 311, ask for Parks",
        "source_url": "https://www.millbrook.example/parks/bees",
        "effective_date": "2026-01-01",
        "review_by": review_by,
        "language": "en",
    }
    response = _edit(docs, "beekeeping-edit", edit)
    assert response.status_code == 202, response.text
    job = wait_for_job(docs, response.json()["job_id"])
    assert job["kind"] == "edit" and job["state"] == "done" and job["published_version"], job
    assert job["files"][0]["outcome"] == "updated"
    assert _served(docs)["beekeeping-edit"] == 2  # a new version of it, served
    detail = _document(docs, "beekeeping-edit")
    assert {k: str(detail[k]) for k in edit} == edit
    hits = docs.runtime.kb.retriever().retrieve("register a beehive", k=3)
    assert any(h.document_id == "beekeeping-edit" and h.title == edit["title"] for h in hits)
    stale = docs.client().get("/api/v1/staff/drafts", headers=docs.bearer("editor")).json()["stale"]
    assert any(s["document_id"] == "beekeeping-edit" and s["review_by"] == review_by for s in stale)

    [logged] = [e for e in _audit(docs, "edit_metadata") if e["target"] == "beekeeping-edit"]
    assert logged["role"] == "editor"
    assert logged["detail"]["title"] == f"{title_before} → Keeping bees in Millbrook"
    assert logged["detail"]["review_by"] == f"(none) → {review_by}"

    only_date = _edit(docs, "beekeeping-edit", {"review_by": None})  # clearing the review-by date
    job = wait_for_job(docs, only_date.json()["job_id"])
    assert job["state"] == "done" and job["published_version"] is None  # nothing served changes
    assert _document(docs, "beekeeping-edit")["review_by"] is None


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"source_url": "file:///home/editor/bees.md"}, 422, "source_url"),
        ({"source_url": "javascript:alert(1)"}, 422, "source_url"),
        ({"effective_date": "next week"}, 422, "effective_date"),
        ({"review_by": "2027-02-30"}, 422, "review_by"),
        ({"title": ""}, 422, "title"),
        ({"title": None}, 422, "title"),
        ({"language": "en; drop"}, 422, "language"),
        ({"owner": "me"}, 422, "owner"),
        ({}, 422, "Nothing to change"),
    ],
)
def test_a_bad_edit_gets_a_422_naming_the_field_and_queues_nothing(
    docs: StaffStack, body: dict[str, Any], status: int, field: str
) -> None:
    jobs = _jobs(docs)
    response = _edit(docs, "parking-residential-permits", body)
    assert response.status_code == status, response.text
    assert field in response.json()["message"] and "Traceback" not in response.text
    assert _jobs(docs) == jobs


def test_an_edit_of_an_unknown_document_is_404_and_agents_may_not_edit(docs: StaffStack) -> None:
    jobs = _jobs(docs)
    missing = _edit(docs, "no-such-document", {"title": "x"})
    assert missing.status_code == 404 and missing.json()["error"] == "document_not_found"
    for role in ("agent", "resident"):
        assert _edit(docs, "parking-residential-permits", {"title": "x"}, role).status_code == 403
    assert _jobs(docs) == jobs


def test_the_documents_page_form_edits_with_the_sessions_csrf_token_only(docs: StaffStack) -> None:
    browser = docs.client()
    editor = docs.user("editor")
    assert sign_in(browser, editor.username, editor.password).status_code == 303
    page = browser.get("/staff/documents/parking-residential-permits")
    form = re.search(r'<form method="post" action="/staff/documents/parking-residential-permits" .*?</form>',
                     page.text, re.S)  # fmt: skip
    assert form is not None, page.text
    fields = hidden_fields(form.group(0))
    values = dict(
        re.findall(r'name="(\w+)" type="(?:text|url|date)"[^>]*?(?:value="([^"]*)")?>', form.group(0))
    )
    assert values["title"] and fields["csrf_token"] == csrf_token(docs, browser)
    forged = browser.post(
        "/staff/documents/parking-residential-permits",
        data={**values, "contact": "forged"},
        headers={"Origin": ORIGIN},
    )
    assert forged.status_code == 403
    sent = browser.post(
        "/staff/documents/parking-residential-permits",
        data={**values, **fields, "contact": "Parking Services, 555-0100"},
        headers={"Origin": ORIGIN},
    )
    assert sent.status_code == 303 and sent.headers["location"].startswith("/staff/jobs/"), sent.text
    job = wait_for_job(docs, sent.headers["location"].rsplit("/", 1)[1])
    assert job["state"] == "done", job
    assert _document(docs, "parking-residential-permits")["contact"] == "Parking Services, 555-0100"
    [logged] = [e for e in _audit(docs, "edit_metadata") if e["target"] == "parking-residential-permits"]
    assert list(logged["detail"]) == ["path", "status", "contact"]  # only what changed
