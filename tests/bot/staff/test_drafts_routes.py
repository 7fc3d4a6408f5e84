"""Drafts, review and publishing over the API (issue 13), on a private copy of the sample knowledge base
with the real model: a draft is not served until approved; an editor asks it beside the published
version; the recent questions whose answers would change are listed; roles; rollback; the audit log."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.api.app import create_app
from bot.runtime import Runtime, build_runtime
from ingest.pipeline import Ingestor
from records_api.dev_identity import load_or_create_private_key
from tests.bot.staff.staff_harness import BASE_URL, StaffStack
from tests.bot.staff.test_gaps import add_turn
from tests.web_widget.harness import RecordsService, bot_settings

HENS_Q = "can i keep hens in my backyard"
HENS = (
    "Residents may keep up to four hens in a backyard coop. A hen permit is free; apply to Animal "
    "Services before the hens arrive. Roosters are not allowed in residential areas."
)


@pytest.fixture(scope="module")
def own(
    sample_kb_dir: Path, tmp_path_factory: pytest.TempPathFactory, dev_identity: RecordsService
) -> Iterator[StaffStack]:
    """A stack with its own knowledge base (this module publishes and rolls back)."""
    data = tmp_path_factory.mktemp("drafts-kb") / "data"
    shutil.copytree(sample_kb_dir, data)
    settings = bot_settings(
        data, tmp_path_factory.mktemp("drafts-bot"), staff_dev_identity_url=dev_identity.url
    )
    runtime = build_runtime(settings)
    app = create_app(settings, runtime)
    try:
        with TestClient(app, base_url=BASE_URL):
            yield StaffStack(
                app=app,
                runtime=runtime,
                settings=settings,
                records=dev_identity,
                users=dev_identity.demo_users(),
                key=load_or_create_private_key(Path(dev_identity.env["ASKCITY_DATA_DIR"])),
            )
    finally:
        runtime.close()


def _save_hens_page(runtime: Runtime, folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    (folder / "animals-backyard-hens.md").write_text(f"# Backyard hens\n\n{HENS}\n", encoding="utf-8")
    meta = {
        "department": "Animal Services",
        "contact": "call 311",
        "source_uri": "https://www.millbrook.example/hens",
    }
    (folder / "animals-backyard-hens.md.meta.json").write_text(json.dumps(meta), encoding="utf-8")
    summary = Ingestor(runtime.kb).ingest([folder], publish=False)
    assert not summary.failed and summary.published is None


def _served_answer(runtime: Runtime, question: str) -> tuple[str, set[str]]:
    answer = runtime.service.pipeline.run(question)
    return str(answer.status), {c.document_id for c in answer.citations}


def _wait_served(runtime: Runtime, version: str) -> None:
    deadline = time.monotonic() + 10
    while runtime.retriever.snapshot.name != version:
        assert time.monotonic() < deadline, f"bot still serves {runtime.retriever.snapshot.name}"
        time.sleep(0.2)


def test_draft_review_and_publish_over_the_api(own: StaffStack, tmp_path: Path) -> None:
    api, runtime = own.client(), own.runtime
    editor, supervisor, agent = (own.bearer(r) for r in ("editor", "supervisor", "agent"))
    # the copied sample knowledge base may carry entries of other modules' editors (curated answers)
    start = max(
        (e["seq"] for e in api.get("/api/v1/staff/audit", headers=supervisor).json()["entries"]), default=0
    )
    assert api.post("/api/v1/staff/drafts/submit", json={"note": "x"}, headers=editor).status_code == 409
    add_turn(runtime.service.database, HENS_Q)
    published = runtime.kb.versions.current()
    _save_hens_page(runtime, tmp_path / "new")

    assert api.post("/api/v1/staff/drafts", json={"note": "hens"}, headers=agent).status_code == 403
    built = api.post("/api/v1/staff/drafts", json={"note": "hens page"}, headers=editor)
    assert built.status_code == 201, built.text
    draft = built.json()["version"]
    assert runtime.kb.versions.current() == published  # residents never see a draft
    assert "animals-backyard-hens" not in _served_answer(runtime, HENS_Q)[1]

    view = api.get("/api/v1/staff/drafts", headers=agent)  # agents read
    assert view.status_code == 200, view.text
    body = view.json()
    assert body["draft"]["state"] == "open" and body["published"] == published
    assert {
        "document_id": "animals-backyard-hens",
        "change": "added",
        "published_version": None,
        "draft_version": 1,
    } in body["documents"]
    changed = {c["question"]: c for c in body["answer_changes"]}
    assert HENS_Q in changed and changed[HENS_Q]["source"] == "resident"
    assert "animals-backyard-hens" in {c["document_id"] for c in changed[HENS_Q]["draft"]["citations"]}

    pair = api.post("/api/v1/staff/drafts/ask", json={"question": HENS_Q}, headers=editor)
    assert pair.status_code == 200, pair.text
    sides = pair.json()
    assert (
        sides["changed"] and sides["draft"]["version"] == draft and sides["published"]["version"] == published
    )
    assert sides["draft"]["status"] == "answered"
    assert "animals-backyard-hens" not in {c["document_id"] for c in sides["published"]["citations"]}
    assert api.post("/api/v1/staff/drafts/ask", json={"question": HENS_Q}, headers=agent).status_code == 403

    refused = api.post("/api/v1/staff/drafts/publish", json={"note": "quick"}, headers=editor)
    assert refused.status_code == 403 and refused.json()["error"] == "approval_required"
    assert api.post("/api/v1/staff/drafts/approve", headers=editor).status_code == 403
    assert api.post("/api/v1/staff/drafts/approve", headers=supervisor).status_code == 409  # not submitted
    assert (
        api.post("/api/v1/staff/drafts/submit", json={"note": "hens page"}, headers=editor).status_code == 200
    )
    back = api.post("/api/v1/staff/drafts/send-back", json={"comment": "name the fee"}, headers=supervisor)
    assert (
        back.status_code == 200
        and back.json()["state"] == "sent_back"
        and back.json()["comment"] == "name the fee"
    )
    assert (
        api.post("/api/v1/staff/drafts/submit", json={"note": "fee named"}, headers=editor).status_code == 200
    )
    approved = api.post("/api/v1/staff/drafts/approve", headers=supervisor)
    assert approved.status_code == 200 and approved.json()["version"] == draft
    _wait_served(runtime, draft)
    assert "animals-backyard-hens" in _served_answer(runtime, HENS_Q)[1]

    assert api.post(f"/api/v1/staff/versions/{published}/rollback", headers=editor).status_code == 403
    rolled = api.post(f"/api/v1/staff/versions/{published}/rollback", headers=supervisor)
    assert rolled.status_code == 200, rolled.text
    _wait_served(runtime, published)
    assert "animals-backyard-hens" not in _served_answer(runtime, HENS_Q)[1]
    kept = api.get("/api/v1/staff/versions", headers=agent).json()
    assert kept["current"] == published and draft in [v["version"] for v in kept["versions"]]

    assert api.get("/api/v1/staff/audit", headers=editor).status_code == 403
    log = api.get("/api/v1/staff/audit", headers=supervisor).json()
    mine = [e for e in log["entries"] if e["seq"] > start]
    assert log["intact"] and [e["action"] for e in mine] == [
        "rollback",
        "approve",
        "submit",
        "send_back",
        "submit",
        "build_draft",
    ]
    assert mine[-1]["role"] == "editor" and mine[0]["role"] == "supervisor"


def test_an_editor_publishes_directly_where_no_approval_is_needed(own: StaffStack, tmp_path: Path) -> None:
    api, editor = own.client(), own.bearer("editor")
    assert api.post("/api/v1/staff/drafts", json={"note": "again"}, headers=editor).status_code == 201
    desk = own.app.state.draft_desk
    desk.requires_approval = False  # ASKCITY_PUBLISH_REQUIRES_APPROVAL=0 (the CLI test sets the variable)
    try:
        done = api.post("/api/v1/staff/drafts/publish", json={"note": "small city"}, headers=editor)
    finally:
        desk.requires_approval = True
    assert done.status_code == 200, done.text
    assert own.runtime.kb.versions.current() == done.json()["version"]


def test_a_draft_built_before_another_version_was_served_is_not_published(own: StaffStack) -> None:
    """A direct publish (`askcity kb remove`, `kb confirm`, a rollback) while a draft is open may take
    down a document the draft still holds: approving the draft would bring it back. It must be rebuilt."""
    api, editor, supervisor = own.client(), own.bearer("editor"), own.bearer("supervisor")
    runtime = own.runtime
    built = api.post("/api/v1/staff/drafts", json={"note": "routine"}, headers=editor)
    assert built.status_code == 201, built.text
    direct = runtime.kb.publish()  # what `askcity kb remove` / `kb confirm` do
    submitted = api.post("/api/v1/staff/drafts/submit", json={"note": "routine"}, headers=editor)
    assert submitted.status_code == 200
    refused = api.post("/api/v1/staff/drafts/approve", headers=supervisor)
    assert refused.status_code == 409 and "rebuild the draft" in refused.json()["message"]
    assert runtime.kb.versions.current() == direct.name
    own.app.state.draft_desk.requires_approval = False
    try:
        stale = api.post("/api/v1/staff/drafts/publish", json={"note": "now"}, headers=editor)
        assert stale.status_code == 409 and runtime.kb.versions.current() == direct.name
        rebuilt = api.post("/api/v1/staff/drafts", json={"note": "rebuilt"}, headers=editor)
        assert rebuilt.status_code == 201, rebuilt.text
        done = api.post("/api/v1/staff/drafts/publish", json={"note": "now"}, headers=editor)
    finally:
        own.app.state.draft_desk.requires_approval = True
    assert done.status_code == 200 and runtime.kb.versions.current() == done.json()["version"]


def test_the_open_drafts_build_is_never_served_by_a_rollback(own: StaffStack) -> None:
    """The versions page listed the open draft's build with "Serve": residents got unreviewed text."""
    api, editor, supervisor = own.client(), own.bearer("editor"), own.bearer("supervisor")
    built = api.post("/api/v1/staff/drafts", json={"note": "unreviewed"}, headers=editor)
    assert built.status_code == 201, built.text
    draft = built.json()["version"]
    served = own.runtime.kb.versions.current()
    refused = api.post(f"/api/v1/staff/versions/{draft}/rollback", headers=supervisor)
    assert refused.status_code == 409 and "approves the draft" in refused.json()["message"]
    assert own.runtime.kb.versions.current() == served
    page = api.get("/staff/versions", headers=supervisor)
    assert f"Serve {draft}" not in page.text and "The open draft" in page.text
    # reviewed, it is published the one way there is (and no draft stays open for the next tests)
    assert api.post("/api/v1/staff/drafts/submit", json={"note": "ok"}, headers=editor).status_code == 200
    assert api.post("/api/v1/staff/drafts/approve", headers=supervisor).status_code == 200
    assert own.runtime.kb.versions.current() == draft


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("post", "/api/v1/staff/drafts/ask", {"question": ""}, 422),
        ("post", "/api/v1/staff/drafts/ask", {"question": "x" * 1001}, 422),
        ("post", "/api/v1/staff/drafts/send-back", {}, 422),
        ("post", "/api/v1/staff/drafts/send-back", {"comment": "   "}, 422),
        ("post", "/api/v1/staff/drafts", {"note": " \n "}, 422),
        ("post", "/api/v1/staff/drafts", {"note": ""}, 422),
        ("post", "/api/v1/staff/versions/latest/rollback", None, 422),
        ("post", "/api/v1/staff/versions/v999999/rollback", None, 404),
        ("post", "/api/v1/staff/drafts/approve", None, 409),
        ("get", "/api/v1/staff/drafts?questions=500", None, 422),
    ],
)
def test_bad_requests_get_a_clear_4xx(
    own: StaffStack, method: str, path: str, body: dict[str, str] | None, status: int
) -> None:
    before = own.runtime.kb.versions.current()
    response = own.client().request(method, path, json=body, headers=own.bearer("supervisor"))
    assert response.status_code == status, response.text
    assert "Traceback" not in response.text and response.json()["message"]
    assert own.runtime.kb.versions.current() == before


def test_console_edits_are_in_the_audit_log_and_refusals_are_not(own: StaffStack) -> None:
    api = own.client()
    body = {"questions": ["When is the hen permit office open?"], "answer": "Weekdays 9 to 5.", "cite": []}
    made = api.post("/api/v1/staff/curated", json=body, headers=own.bearer("editor"))
    assert made.status_code == 201, made.text
    curated_id = made.json()["entry"]["id"] if "entry" in made.json() else made.json()["id"]
    assert (
        api.post(
            "/api/v1/staff/curated", json={**body, "answer": ""}, headers=own.bearer("editor")
        ).status_code
        == 422
    )
    gone = api.delete(f"/api/v1/staff/curated/{curated_id}", headers=own.bearer("supervisor"))
    assert gone.status_code == 204
    entries = api.get("/api/v1/staff/audit", headers=own.bearer("supervisor")).json()
    assert entries["intact"]
    latest = [(e["action"], e["role"], e["target"]) for e in entries["entries"][:2]]
    assert latest == [
        ("curated_expire", "supervisor", str(curated_id)),
        ("curated_add", "editor", str(curated_id)),  # the answer it made, though its path names none
    ]


def test_a_refused_page_action_says_why_and_changes_nothing(own: StaffStack) -> None:
    before = own.runtime.kb.versions.current()
    page = own.client().post("/staff/drafts/approve", headers=own.bearer("supervisor"))
    assert page.status_code == 409 and "There is no open draft" in page.text and "<form" not in page.text
    missing = own.client().post("/staff/versions/v999999/rollback", headers=own.bearer("supervisor"))
    assert missing.status_code == 404 and "is not kept" in missing.text
    # a form sent without its field gets a page that says so, not JSON
    empty = own.client().post("/staff/drafts/submit", headers=own.bearer("editor"))
    assert empty.status_code == 422 and empty.headers["content-type"].startswith("text/html")
    assert "Something is missing" in empty.text and "note" in empty.text
    assert own.runtime.kb.versions.current() == before
