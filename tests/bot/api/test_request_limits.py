"""The bot refuses oversized requests before reading them (issue 11 §5: six 100 MB chat bodies were read
and answered; 1 MB headers were accepted)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.api.app import create_app
from bot.runtime import Runtime
from tests.bot.conftest import make_settings


@pytest.fixture(scope="module")
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(Path("unused"), "sqlite://"), runtime)) as test_client:
        yield test_client


def test_a_100_mb_chat_body_is_refused_unread(client: TestClient) -> None:
    def body() -> Iterator[bytes]:
        for _ in range(100 * 16):
            yield b"a" * 65536  # 100 MB in 64 KB chunks, no Content-Length

    response = client.post("/api/v1/chat", content=body(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_declared_oversized_body_is_refused_by_its_length(client: TestClient) -> None:
    response = client.post("/api/v1/feedback", content=b"x" * (64 * 1024 + 1))
    assert response.status_code == 413


def test_one_megabyte_of_headers_is_refused(client: TestClient) -> None:
    response = client.get("/api/v1/health", headers={"X-Big": "b" * (1024 * 1024)})
    assert response.status_code == 431


def test_ordinary_requests_still_work(client: TestClient) -> None:
    session = client.post("/api/v1/sessions").json()["session_id"]
    reply = client.post(
        "/api/v1/chat", json={"session_id": session, "message": "How do I get a library card?"}
    )
    assert reply.status_code == 200 and reply.json()["status"] == "answered"
