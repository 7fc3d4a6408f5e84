"""Request size limits (pure ASGI): headers over the limit get 431, bodies over it 413 before the app
reads them, whether the body declares its length or arrives chunked."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from trust.request_limits import BodyLimit, RequestLimitsMiddleware

READ: list[int] = []


async def echo(request: Request) -> JSONResponse:
    body = await request.body()
    READ.append(len(body))
    return JSONResponse({"bytes": len(body)})


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = Starlette(
        routes=[Route("/small", echo, methods=["POST"]), Route("/upload", echo, methods=["POST"])]
    )
    limited = RequestLimitsMiddleware(
        app, default_body_bytes=1024, body_limits=[BodyLimit("/upload", 8192)], max_header_bytes=2048
    )
    READ.clear()
    with TestClient(limited) as test_client:  # type: ignore[arg-type]
        yield test_client


def chunks(total: int, size: int = 512) -> Iterator[bytes]:
    for start in range(0, total, size):
        yield b"x" * min(size, total - start)


def test_bodies_within_the_limit_reach_the_app(client: TestClient) -> None:
    assert client.post("/small", content=b"x" * 1024).json() == {"bytes": 1024}
    assert client.post("/small", content=chunks(1000)).json() == {"bytes": 1000}  # chunked, replayed
    assert client.post("/upload", content=b"x" * 8000).json() == {"bytes": 8000}  # a path's own limit


@pytest.mark.parametrize("body", [b"x" * 1025, "chunked"])
def test_a_body_over_the_limit_is_refused_before_the_app_reads_it(client: TestClient, body: object) -> None:
    content = chunks(100_000) if body == "chunked" else body
    response = client.post("/small", content=content)  # type: ignore[arg-type]
    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large"
    assert READ == []


def test_oversized_headers_are_refused(client: TestClient) -> None:
    response = client.post("/small", content=b"{}", headers={"X-Padding": "a" * 4096})
    assert response.status_code == 431
    assert response.json()["error"] == "headers_too_large"


def test_a_content_length_that_is_not_a_number_is_a_clear_400(client: TestClient) -> None:
    response = client.post("/small", content=b"{}", headers={"Content-Length": "lots"})
    assert response.status_code == 400
