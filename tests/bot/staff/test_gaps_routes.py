"""`GET /api/v1/staff/gaps` and the `/staff/gaps` page: editors and supervisors only, JSON or CSV, clear
4xx for a bad period, a curated-answer draft and a document skeleton started from a group."""

from __future__ import annotations

import csv
import io

import pytest

from bot.staff import csrf
from tests.bot.staff.staff_harness import ORIGIN, StaffStack, session_cookie, sign_in
from tests.bot.staff.test_gaps import add_turn

HENS = "can i keep chickens in my backyard"


@pytest.fixture(scope="module", autouse=True)
def asked(stack: StaffStack) -> None:
    for _ in range(2):
        add_turn(stack.runtime.service.database, HENS)
    add_turn(stack.runtime.service.database, "where is my permit application?", intent="status")


@pytest.mark.parametrize(
    ("role", "status"), [("agent", 403), ("resident", 403), ("editor", 200), ("supervisor", 200)]
)
def test_only_editors_and_supervisors_read_the_gaps(stack: StaffStack, role: str, status: int) -> None:
    response = stack.client().get("/api/v1/staff/gaps?days=7", headers=stack.bearer(role))
    assert response.status_code == status, response.text
    if status == 200:
        body = response.json()
        group = next(g for g in body["groups"] if HENS in [e["question"] for e in g["examples"]])
        assert group["count"] >= 2 and group["state"] == "gap" and group["closest_documents"]
        assert all("permit application" not in e["question"] for g in body["groups"] for e in g["examples"])
        assert response.headers["cache-control"] == "no-store"


def test_csv_export(stack: StaffStack) -> None:
    response = stack.client().get("/api/v1/staff/gaps?days=7&format=csv", headers=stack.bearer("editor"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert any(HENS in r["examples"] for r in rows)


@pytest.mark.parametrize("query", ["days=0", "days=-5", "days=4000", "days=week", "format=xml"])
def test_a_bad_request_gets_a_clear_422(stack: StaffStack, query: str) -> None:
    response = stack.client().get(f"/api/v1/staff/gaps?{query}", headers=stack.bearer("supervisor"))
    assert response.status_code == 422
    assert "Traceback" not in response.text and response.headers["content-type"].startswith(
        "application/json"
    )


def test_the_page_shows_a_table_per_group_and_starts_a_curated_answer(stack: StaffStack) -> None:
    client = stack.client()
    user = stack.user("editor")
    assert sign_in(client, user.username, user.password).status_code == 303
    page = client.get("/staff/gaps?days=7")
    assert page.status_code == 200 and "<table" in page.text and HENS in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script>" not in page.text
    auth = stack.runtime.staff
    assert auth is not None
    session = auth.sessions.load(session_cookie(client))
    assert session is not None
    started = client.post(
        "/staff/gaps/curated-draft",
        data={"question": HENS, "cite": ["animals-dog-licences"], csrf.FIELD: session.csrf_token},
        headers={"Origin": ORIGIN},
    )
    assert started.status_code == 303, started.text  # then a page to reload safely
    drafts = stack.runtime.service.database.curated_drafts()
    assert drafts[0].question == HENS and [c.document_id for c in drafts[0].citations] == [
        "animals-dog-licences"
    ]
    shown = client.get(started.headers["location"])
    assert shown.status_code == 200 and f"/staff/curated/drafts/{drafts[0].id}" in shown.text
    again = client.post(  # a double click starts nothing new
        "/staff/gaps/curated-draft",
        data={"question": HENS, "cite": ["animals-dog-licences"], csrf.FIELD: session.csrf_token},
        headers={"Origin": ORIGIN},
    )
    assert again.headers["location"] == started.headers["location"]
    assert len([d for d in stack.runtime.service.database.curated_drafts() if d.question == HENS]) == 1
    skeleton = client.get("/staff/gaps/new-document", params={"label": "backyard chickens", "q": [HENS]})
    assert skeleton.status_code == 200 and skeleton.text.startswith("# backyard chickens")
    assert HENS in skeleton.text
    assert client.get("/staff/gaps?days=0").status_code == 422
