"""A resident who changes their verdict on an answer: the new verdict replaces the old one together with
its comment, so the feedback report never shows a verdict beside another verdict's comment (through the
API on the real runtime, read back with the report's own queries)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.api.app import create_app
from bot.runtime import Runtime
from bot.storage.gaps import FeedbackEntry, GapQueries
from tests.bot.conftest import make_settings

COMPLAINT = "The fee is wrong, it is 120 now"


@pytest.fixture(scope="module")
def client(runtime: Runtime) -> Iterator[TestClient]:
    settings = make_settings(Path("unused"), "sqlite://")
    with TestClient(create_app(settings, runtime)) as test_client:
        yield test_client


def _answer(client: TestClient) -> str:
    sid = client.post("/api/v1/sessions").json()["session_id"]
    reply = client.post("/api/v1/chat", json={"session_id": sid, "message": "library card"}).json()
    return str(reply["answer_id"])


def _give(client: TestClient, answer_id: str, helpful: bool, comment: str | None = None) -> None:
    body: dict[str, object] = {"answer_id": answer_id, "helpful": helpful}
    if comment is not None:
        body["comment"] = comment
    assert client.post("/api/v1/feedback", json=body).status_code == 204


def _report(runtime: Runtime, answer_id: str, helpful: bool | None = None) -> list[FeedbackEntry]:
    now = datetime.now(UTC)
    entries = GapQueries(runtime.service.database.engine).feedback(
        now - timedelta(days=1), now + timedelta(minutes=1), helpful
    )
    return [e for e in entries if e.answer_id == answer_id]


def test_a_new_verdict_replaces_the_old_one_with_its_comment(client: TestClient, runtime: Runtime) -> None:
    answer_id = _answer(client)
    _give(client, answer_id, False, COMPLAINT)
    [entry] = _report(runtime, answer_id, helpful=False)
    assert entry.comment == COMPLAINT
    _give(client, answer_id, True)  # no comment: the complaint goes with the verdict it was given with
    [entry] = _report(runtime, answer_id)
    assert entry.helpful is True and entry.comment == ""
    assert _report(runtime, answer_id, helpful=False) == []
    _give(client, answer_id, False, COMPLAINT)  # a new verdict with a comment replaces both
    [entry] = _report(runtime, answer_id)
    assert (entry.helpful, entry.comment) == (False, COMPLAINT)
    # the widget sends the thumb, then the comment: the same thumb again erases nothing...
    _give(client, answer_id, False)
    [entry] = _report(runtime, answer_id)
    assert (entry.helpful, entry.comment) == (False, COMPLAINT)
    # ... and a new comment with it replaces the old
    _give(client, answer_id, False, "Still wrong: 120, not 100")
    [entry] = _report(runtime, answer_id)
    assert entry.comment == "Still wrong: 120, not 100"
