"""One anonymous client cannot fill the call centre's queue: 48 new sessions from one address each asking
for a person get a handful of tickets, the rest a polite reply, and a resident elsewhere still gets a
place in the queue. The real runtime over HTTP (TestClient), PostgreSQL tickets, Redis limits and events."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.api.app import create_app
from bot.runtime import Runtime, build_runtime
from bot.settings import BotSettings
from tests.bot.conftest import make_settings

ASK = "I want to talk to a person"


@pytest.fixture
def flooded(
    sample_kb_dir: Path, postgres_url: str, redis_url: str, redis_prefix: str
) -> Iterator[tuple[TestClient, Runtime]]:
    settings = make_settings(
        sample_kb_dir,
        postgres_url,
        redis_url=redis_url,
        redis_prefix=redis_prefix,
        rate_limit_new_sessions="1000/minute",  # the flood comes in below the other limits
    )
    built = build_runtime(settings)
    try:
        with TestClient(create_app(settings, built), client=("198.51.100.7", 40000)) as client:
            yield client, built
    finally:
        built.close()


def ask_for_a_person(client: TestClient) -> dict[str, object]:
    created = client.post("/api/v1/sessions")
    assert created.status_code == 201, created.text
    answer = client.post("/api/v1/chat", json={"session_id": created.json()["session_id"], "message": ASK})
    assert answer.status_code == 200, answer.text  # never an error: a reply the resident can read
    body: dict[str, object] = answer.json()
    return body


@pytest.mark.redis
@pytest.mark.postgres
def test_one_address_cannot_fill_the_queue(flooded: tuple[TestClient, Runtime]) -> None:
    client, runtime = flooded
    desk = runtime.desk
    assert desk is not None
    cap = BotSettings.model_fields["handoff_max_open_per_address"].default
    assert 0 < cap <= desk.policy.capacity // 10  # the default: well below the queue's capacity

    answers = [ask_for_a_person(client) for _ in range(48)]
    states = [a["handoff"]["state"] for a in answers]  # type: ignore[index]
    assert states[:cap] == ["waiting"] * cap
    assert Counter(states[cap:]) == {"full": 48 - cap}
    refused = answers[-1]
    assert "already waiting" in str(refused["text"]) and "contact" in str(refused["text"])
    assert "queue is full" not in str(refused["text"])
    assert desk.store.waiting_count() == cap

    # a resident at another address (a genuine one) still gets a place in the queue
    elsewhere = TestClient(client.app, client=("203.0.113.20", 40001))
    genuine = ask_for_a_person(elsewhere)
    assert genuine["handoff"]["state"] == "waiting"  # type: ignore[index]
    assert genuine["handoff"]["position"] == cap + 1  # type: ignore[index]
    assert desk.store.waiting_count() == cap + 1
