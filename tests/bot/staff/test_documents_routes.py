"""Documents in the console with the in-process runner (a thread of the bot): upload one good and one
corrupt file, replace, retire, roles, clear 4xx for bad requests; nothing served changes for a bad file."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bot.staff.documents_harness import GOOD_MARKDOWN, SIDECAR_FIELDS, documents_stack, wait_for_job
from tests.bot.staff.staff_harness import StaffStack
from tests.web_widget.harness import RecordsService


@pytest.fixture(scope="module")
def docs(
    sample_kb_dir: Path, tmp_path_factory: pytest.TempPathFactory, dev_identity: RecordsService
) -> Iterator[StaffStack]:
    with documents_stack(sample_kb_dir, tmp_path_factory.mktemp("documents"), dev_identity) as stack:
        yield stack


def _served(stack: StaffStack) -> str | None:
    return stack.runtime.kb.versions.current()


def _upload(stack: StaffStack, files: list[tuple[str, bytes]], role: str = "editor", **fields: str) -> object:
    return stack.client().post(
        "/api/v1/staff/documents",
        files=[("files", (name, content)) for name, content in files],
        data=fields,
        headers=stack.bearer(role),
    )


def test_a_good_and_a_corrupt_file_the_good_one_is_served_the_job_says_why_for_the_other(
    docs: StaffStack,
) -> None:
    before = _served(docs)
    response = _upload(
        docs,
        [("beekeeping.md", GOOD_MARKDOWN), ("permit-form.pdf", b"%PDF-1.7\nthis is not a pdf")],
        **SIDECAR_FIELDS,
    )
    assert response.status_code == 202, response.text  # type: ignore[attr-defined]
    job = wait_for_job(docs, response.json()["job_id"])  # type: ignore[attr-defined]
    assert job["state"] == "done" and job["progress"] == 1.0
    outcomes = {f["filename"]: (f["outcome"], f["reason"]) for f in job["files"]}
    assert outcomes["beekeeping.md"] == ("added", "")
    assert outcomes["permit-form.pdf"][0] == "failed" and outcomes["permit-form.pdf"][1]
    assert job["published_version"] and job["published_version"] != before
    assert _served(docs) == job["published_version"]
    listed = docs.client().get("/api/v1/staff/documents", headers=docs.bearer("agent")).json()
    bees = next(d for d in listed if d["id"] == "beekeeping")
    assert bees["served_version"] == 1 and bees["department"] == "Parks Department"
    assert not any(d["id"] == "permit-form" for d in listed)
    detail = docs.client().get("/api/v1/staff/documents/beekeeping", headers=docs.bearer("agent")).json()
    assert ["How to register"] in [c["section_path"] for c in detail["chunk_list"]]
    deadline = time.monotonic() + 10  # every bot process reloads the published version by itself
    while docs.runtime.retriever.snapshot.name != job["published_version"] and time.monotonic() < deadline:
        time.sleep(0.2)
    found = docs.runtime.retriever.retrieve("how do I register a beehive")
    assert found and found[0].document_id == "beekeeping"


def test_only_corrupt_files_the_job_fails_and_nothing_served_changes(docs: StaffStack) -> None:
    before = _served(docs)
    response = _upload(docs, [("empty.txt", b""), ("locked.docx", b"PK\x03\x04 broken zip")])
    job = wait_for_job(docs, response.json()["job_id"])  # type: ignore[attr-defined]
    assert job["state"] == "failed" and "no file" in job["reason"]
    assert all(f["outcome"] == "failed" and f["reason"] for f in job["files"])
    assert _served(docs) == before


def test_uploading_the_same_document_id_replaces_it_and_retire_removes_it(docs: StaffStack) -> None:
    first = _upload(docs, [("notes.md", b"# Pool hours\n\nThe pool opens at 7 am.\n")],
                    document_id="pool-hours", **SIDECAR_FIELDS)  # fmt: skip
    assert wait_for_job(docs, first.json()["job_id"])["state"] == "done"  # type: ignore[attr-defined]
    second = _upload(docs, [("other-name.md", b"# Pool hours\n\nThe pool opens at 6 am.\n")],
                     document_id="pool-hours", review_by="2027-01-31", **SIDECAR_FIELDS)  # fmt: skip
    job = wait_for_job(docs, second.json()["job_id"])  # type: ignore[attr-defined]
    assert [f["outcome"] for f in job["files"]] == ["updated"]
    detail = docs.client().get("/api/v1/staff/documents/pool-hours", headers=docs.bearer("editor")).json()
    assert detail["served_version"] == 2 and detail["review_by"] == "2027-01-31"
    assert "6 am" in detail["chunk_list"][0]["text"]
    assert [v["document_version"] for v in detail["versions"]][:2] == [2, 1]
    retire = docs.client().post(
        "/api/v1/staff/documents/pool-hours/retire", headers=docs.bearer("supervisor")
    )
    assert retire.status_code == 202
    assert wait_for_job(docs, retire.json()["job_id"])["state"] == "done"
    listed = docs.client().get("/api/v1/staff/documents", headers=docs.bearer("agent")).json()
    pool = next(d for d in listed if d["id"] == "pool-hours")
    assert pool["retired"] and pool["served_version"] is None


def test_a_new_file_for_a_page_keeps_its_saved_metadata_and_a_future_date_is_refused(
    docs: StaffStack,
) -> None:
    first = _upload(docs, [("garden.md", b"# Garden plots\n\nA plot costs $40 a season.\n")],
                    document_id="garden-plots", **SIDECAR_FIELDS)  # fmt: skip
    assert wait_for_job(docs, first.json()["job_id"])["state"] == "done"  # type: ignore[attr-defined]
    # the editor leaves every metadata field empty: the page is replaced, not held for missing metadata
    second = _upload(docs, [("garden.md", b"# Garden plots\n\nA plot costs $45 a season.\n")],
                     document_id="garden-plots")  # fmt: skip
    job = wait_for_job(docs, second.json()["job_id"])  # type: ignore[attr-defined]
    assert [f["outcome"] for f in job["files"]] == ["updated"], job
    detail = docs.client().get("/api/v1/staff/documents/garden-plots", headers=docs.bearer("editor")).json()
    assert detail["department"] == SIDECAR_FIELDS["department"] and detail["served_version"] == 2
    assert detail["source_url"] == SIDECAR_FIELDS["source_url"]
    # a version that takes effect later would leave residents with nothing until then: refused, kept
    later = _upload(docs, [("garden.md", b"# Garden plots\n\nA plot costs $50 a season.\n")],
                    document_id="garden-plots", effective_date="2099-01-01")  # fmt: skip
    assert later.status_code == 422 and "2099-01-01" in later.json()["message"]  # type: ignore[attr-defined]
    by_name = _upload(docs, [("garden-plots.md", b"# Garden plots\n\nA plot costs $50.\n")],
                      effective_date="2099-01-01")  # fmt: skip
    assert by_name.status_code == 422  # type: ignore[attr-defined]  # the file's name picks the document
    edit = docs.client().patch(
        "/api/v1/staff/documents/garden-plots",
        json={"effective_date": "2099-01-01"},
        headers=docs.bearer("editor"),
    )
    assert edit.status_code == 422 and "in service" in edit.json()["message"]
    still = docs.client().get("/api/v1/staff/documents/garden-plots", headers=docs.bearer("editor")).json()
    assert still["served_version"] == 2 and "$45" in still["chunk_list"][0]["text"]


def test_a_refused_upload_form_comes_back_with_what_was_typed(docs: StaffStack) -> None:
    page = docs.client().post(
        "/staff/documents",
        files=[("files", ("a.md", b"# A")), ("files", ("b.md", b"# B"))],
        data={"title": "One title", "department": "Parks <Dept>", "contact": "555-0100"},
        headers=docs.bearer("editor"),
    )
    assert page.status_code == 422 and 'role="alert"' in page.text and "on its own" in page.text
    assert 'value="Parks &lt;Dept&gt;"' in page.text and 'value="555-0100"' in page.text  # kept, escaped
    assert '<form method="post" action="/staff/documents"' in page.text
    edit = docs.client().post(
        "/staff/documents/beekeeping",
        data={"title": "Bees", "department": "Apiary Office", "source_url": "javascript:alert(1)"},
        headers=docs.bearer("editor"),
    )
    assert edit.status_code == 422 and 'role="alert"' in edit.text and "Nothing was changed" in edit.text
    assert 'value="Apiary Office"' in edit.text and 'value="javascript:alert(1)"' in edit.text


def test_missing_metadata_holds_the_document_unless_the_editor_accepts_it(docs: StaffStack) -> None:
    before = _served(docs)
    held = _upload(docs, [("skate-park.md", b"# Skate park\n\nThe skate park is open daily until dusk.\n")])
    job = wait_for_job(docs, held.json()["job_id"])  # type: ignore[attr-defined]
    assert job["files"][0]["outcome"] == "held" and "source URL" in job["files"][0]["reason"]
    assert _served(docs) == before
    accepted = _upload(
        docs, [("skate-park.md", b"# Skate park\n\nThe skate park is open daily until dusk.\n")],
        accept_missing_metadata="true",
    )  # fmt: skip
    job = wait_for_job(docs, accepted.json()["job_id"])  # type: ignore[attr-defined]
    assert job["state"] == "done" and job["published_version"]


def test_ticking_publish_without_metadata_alone_releases_a_document_held_for_it(docs: StaffStack) -> None:
    held = _upload(docs, [("bike-racks.md", b"# Bike racks\n\nBike racks stand at every library.\n")])
    job = wait_for_job(docs, held.json()["job_id"])  # type: ignore[attr-defined]
    assert job["files"][0]["outcome"] == "held"
    client = docs.client()
    job_page = client.get(f"/staff/jobs/{job['id']}", headers=docs.bearer("editor")).text
    assert "Added to the draft" not in job_page and "Held for review" in job_page
    page = client.get("/staff/documents/bike-racks", headers=docs.bearer("editor")).text
    assert "no source URL, department or contact" in page
    assert "sidecar" not in page and "sidecar" not in job_page and "source_uri" not in job_page
    form = {"title": "Bike racks", "department": "", "contact": "", "source_url": "", "language": "en"}
    unticked = client.post("/staff/documents/bike-racks", data=form, headers=docs.bearer("editor"))
    assert unticked.status_code == 422 and "Nothing to change" not in unticked.text
    ticked = client.post(
        "/staff/documents/bike-racks", data={**form, "accept_missing_metadata": "true"},
        headers=docs.bearer("editor"),
    )  # fmt: skip
    assert ticked.status_code == 303, ticked.text
    released = wait_for_job(docs, ticked.headers["location"].rsplit("/", 1)[1])
    assert released["state"] == "done" and released["files"][0]["outcome"] == "updated", released
    assert released["published_version"] and "Published as" in released["note"]
    detail = client.get("/api/v1/staff/documents/bike-racks", headers=docs.bearer("editor")).json()
    assert detail["review"] != "held" and detail["served_version"] == 1


def test_a_supervisor_releases_a_held_document_from_its_page(docs: StaffStack) -> None:
    held = _upload(docs, [("kiosk.md", b"# Kiosk\n\nThe kiosk sells bus passes.\n")], document_id="kiosk")
    job = wait_for_job(docs, held.json()["job_id"])  # type: ignore[attr-defined]
    assert job["files"][0]["outcome"] == "held"
    client = docs.client()
    page = client.get("/staff/documents/kiosk", headers=docs.bearer("supervisor"))
    assert "/staff/documents/kiosk/confirm" in page.text
    editor_page = client.get("/staff/documents/kiosk", headers=docs.bearer("editor"))
    assert "/staff/documents/kiosk/confirm" not in editor_page.text  # a supervisor's decision
    assert (
        client.post("/api/v1/staff/documents/kiosk/confirm", headers=docs.bearer("editor")).status_code == 403
    )
    released = client.post("/staff/documents/kiosk/confirm", headers=docs.bearer("supervisor"))
    assert released.status_code == 303 and released.headers["location"].endswith("confirmed=1")
    state = docs.runtime.kb.store.state("kiosk")
    assert state is not None and not state.retired
    detail = client.get("/api/v1/staff/documents/kiosk", headers=docs.bearer("editor")).json()
    assert detail["review"] != "held"
    again = client.post("/api/v1/staff/documents/kiosk/confirm", headers=docs.bearer("supervisor"))
    assert again.status_code == 422 and "not held" in again.json()["message"]
    audit = client.get("/api/v1/staff/audit", headers=docs.bearer("supervisor")).json()["entries"]
    assert any(e["action"] == "confirm" and e["target"] == "kiosk" for e in audit)


@pytest.mark.parametrize("role", ["agent", "resident"])
def test_agents_may_not_upload_or_retire(docs: StaffStack, role: str) -> None:
    assert _upload(docs, [("x.md", GOOD_MARKDOWN)], role=role).status_code == 403  # type: ignore[attr-defined]
    retire = docs.client().post("/api/v1/staff/documents/beekeeping/retire", headers=docs.bearer(role))
    assert retire.status_code == 403


@pytest.mark.parametrize(
    ("files", "fields", "status", "error"),
    [
        ([], {}, 422, "upload_refused"),
        ([("a.md", b"# A"), ("b.md", b"# B")], {"title": "One title"}, 422, "upload_refused"),
        ([("a.md", b"# A")], {"source_url": "file:///home/editor/a.md"}, 422, "invalid_metadata"),
        ([("a.md", b"# A")], {"effective_date": "next week"}, 422, "invalid_metadata"),
        ([("a.md", b"# A")], {"document_id": "../../etc/passwd"}, 422, "invalid_metadata"),
        ([("a.md", b"# A")], {"document_id": ".."}, 422, "invalid_metadata"),
        ([("a.md", b"# A")], {"document_id": "..."}, 422, "invalid_metadata"),
    ],
)
def test_a_bad_upload_gets_a_clear_4xx_and_queues_nothing(
    docs: StaffStack, files: list[tuple[str, bytes]], fields: dict[str, str], status: int, error: str
) -> None:
    jobs = len(docs.runtime.documents.store.recent(1000))  # type: ignore[union-attr]
    response = _upload(docs, files, **fields)
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.json()["error"] == error and "Traceback" not in response.text  # type: ignore[attr-defined]
    assert len(docs.runtime.documents.store.recent(1000)) == jobs  # type: ignore[union-attr]


def test_an_upload_over_the_size_limit_is_refused_unread(
    sample_kb_dir: Path, tmp_path_factory: pytest.TempPathFactory, dev_identity: RecordsService
) -> None:
    with documents_stack(
        sample_kb_dir, tmp_path_factory.mktemp("small"), dev_identity, upload_max_bytes=4096
    ) as stack:
        response = _upload(stack, [("big.txt", b"x" * 10_000)])
        assert response.status_code == 413  # type: ignore[attr-defined]
        assert response.json()["error"] == "body_too_large"  # type: ignore[attr-defined]
        # the console's form, posted by a browser: back to the documents page, which says why (no JSON)
        client = stack.client()
        form = client.post(
            "/staff/documents",
            files=[("files", ("big.txt", b"x" * 10_000))],
            headers={**stack.bearer("editor"), "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
        )
        assert form.status_code == 303 and form.headers["location"].startswith("/staff/documents?too_large=")
        page = client.get(form.headers["location"], headers=stack.bearer("editor"))
        assert page.headers["content-type"].startswith("text/html") and 'role="alert"' in page.text
        assert "too large: at most 4 KB" in page.text and "body_too_large" not in page.text


def test_unknown_job_and_document_are_404(docs: StaffStack) -> None:
    client = docs.client()
    assert client.get("/api/v1/staff/jobs/" + "0" * 32, headers=docs.bearer("agent")).status_code == 404
    assert client.get("/api/v1/staff/jobs/not-an-id", headers=docs.bearer("agent")).status_code == 404
    missing = client.get("/api/v1/staff/documents/no-such-doc", headers=docs.bearer("agent"))
    assert missing.status_code == 404 and missing.json()["error"] == "document_not_found"
    retire = client.post("/api/v1/staff/documents/no-such-doc/retire", headers=docs.bearer("editor"))
    assert retire.status_code == 404
