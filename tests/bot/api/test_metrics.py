"""The bot's /api/v1/metrics on the real runtime: requests by route template, answers, steps, the gate,
rate limits, status lookups; request ids; several worker processes adding up."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import structlog
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from bot.answering.factory import build_pipeline
from bot.api.app import create_app
from bot.metrics import ObservabilityMiddleware
from bot.ratelimit import RateLimiter
from bot.records_client import HttpRecordsClient
from bot.runtime import Runtime, answering_config
from tests.bot.conftest import make_settings

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: TestClient) -> Samples:
    response = client.get("/api/v1/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def client(runtime: Runtime) -> Iterator[TestClient]:
    settings = make_settings(Path("unused"), "sqlite://")
    with TestClient(create_app(settings, runtime)) as test_client:
        yield test_client


def new_session(client: TestClient) -> str:
    return str(client.post("/api/v1/sessions").json()["session_id"])


def test_a_turn_counts_its_status_intent_steps_and_the_gates_decision(client: TestClient) -> None:
    before = scrape(client)
    body = client.post(
        "/api/v1/chat", json={"session_id": new_session(client), "message": "How do I get a library card?"}
    ).json()
    after = scrape(client)
    status = body["status"]
    assert value(after, "askcity_bot_answers_total", status=status, intent="question") == (
        value(before, "askcity_bot_answers_total", status=status, intent="question") + 1
    )
    for step in ("retrieve", "compose", "gate", "total"):
        name = "askcity_bot_answer_step_seconds_count"
        assert value(after, name, step=step) == value(before, name, step=step) + 1, step
    decisions = "askcity_bot_gate_decisions_total"
    assert value(after, decisions, decision=status) == value(before, decisions, decision=status) + 1


def test_a_question_the_documents_do_not_answer_is_a_gate_refusal(client: TestClient) -> None:
    before = scrape(client)
    body = client.post(
        "/api/v1/chat",
        json={"session_id": new_session(client), "message": "What is the airspeed of an unladen swallow?"},
    ).json()
    after = scrape(client)
    assert body["status"] == "no_answer"
    name = "askcity_bot_gate_decisions_total"
    assert value(after, name, decision="no_answer") == value(before, name, decision="no_answer") + 1


def test_requests_are_timed_by_route_template_and_status_never_by_raw_path(client: TestClient) -> None:
    before = scrape(client)
    client.post("/api/v1/feedback", json={"answer_id": "a1b2c3d4e5f6", "helpful": True})
    client.get("/api/v1/cases/MB-3MJ1-V7NB-PE6D-Y")  # no such route: a path that holds a reference
    after = scrape(client)
    count = "askcity_bot_request_duration_seconds_count"
    feedback = {"route": "/api/v1/feedback", "method": "POST", "status": "404"}
    assert value(after, count, **feedback) == value(before, count, **feedback) + 1
    unmatched = {"route": "<unmatched>", "method": "GET", "status": "404"}
    assert value(after, count, **unmatched) == value(before, count, **unmatched) + 1
    assert not any("MB-3MJ1" in label for _, labels in after for _, label in labels)


def test_rate_limited_messages_are_counted(runtime: Runtime, redis_url: str, redis_prefix: str) -> None:
    limited = replace(
        runtime,
        service=replace(
            runtime.service, limiter=RateLimiter(redis_url, "2/minute", "100/minute", redis_prefix)
        ),
    )
    settings = make_settings(Path("unused"), "sqlite://")
    with TestClient(create_app(settings, limited)) as client:
        session = new_session(client)
        before = scrape(client)
        statuses = [
            client.post("/api/v1/chat", json={"session_id": session, "message": "hello"}).status_code
            for _ in range(3)
        ]
        after = scrape(client)
    assert statuses.count(429) == 1
    name = "askcity_bot_rate_limited_total"
    assert value(after, name, route="/api/v1/chat") == value(before, name, route="/api/v1/chat") + 1


def test_a_records_service_that_does_not_answer_counts_as_an_unavailable_lookup(runtime: Runtime) -> None:
    settings = make_settings(Path("unused"), "sqlite://")
    records = HttpRecordsClient(f"http://127.0.0.1:{free_port()}", timeout=1.0)  # nothing listens there
    pipeline = build_pipeline(
        answering_config(settings), runtime.service.redactor, runtime.retriever, runtime.curated, records
    )
    with_records = replace(runtime, service=replace(runtime.service, pipeline=pipeline), records=records)
    try:
        with TestClient(create_app(settings, with_records)) as client:
            before = scrape(client)
            body = client.post(
                "/api/v1/chat",
                json={
                    "session_id": new_session(client),
                    "message": "What is the status of MB-3MJ1-V7NB-PE6D-Y?",
                },
                headers={"Authorization": "Bearer some.resident.token"},
            ).json()
            after = scrape(client)
    finally:
        records.close()
    assert body["status"] == "handoff"
    name = "askcity_bot_status_lookups_total"
    assert value(after, name, outcome="unavailable") == value(before, name, outcome="unavailable") + 1
    answers = "askcity_bot_answers_total"
    assert value(after, answers, status="handoff", intent="status") == (
        value(before, answers, status="handoff", intent="status") + 1
    )


def test_the_served_knowledge_base_version_and_its_content_address_are_exposed(client: TestClient) -> None:
    ready = client.get("/api/v1/ready").json()
    version, digest = ready["knowledge_base"], ready["knowledge_base_digest"]
    assert digest.startswith("sha256:") and ready["knowledge_base_refused"] is None
    samples = scrape(client)
    assert value(samples, "askcity_bot_knowledge_base_info", version=version, digest=digest) == 1
    assert not [key for key in samples if key[0] == "askcity_bot_knowledge_base_refused_info"]


# ---- request ids ----------------------------------------------------------------------------------
def test_a_well_formed_request_id_is_kept_and_any_other_is_replaced(client: TestClient) -> None:
    kept = client.get("/api/v1/health", headers={"X-Request-ID": "edge-4f2a9c1d"})
    assert kept.headers["x-request-id"] == "edge-4f2a9c1d"
    for sent in ("short", "has spaces in it", "x" * 65, "évian-1234567", "id-1234\r\nX-Admin: 1"):
        raw = [(b"x-request-id", sent.encode())]  # the bytes a client may send
        replaced = client.get("/api/v1/health", headers=raw).headers["x-request-id"]
        assert replaced != sent and len(replaced) == 32
    first, second = (client.get("/api/v1/health").headers["x-request-id"] for _ in range(2))
    assert first != second


def test_every_log_line_of_a_request_carries_its_id() -> None:
    """Bound to structlog's context around the request, also inside a threadpool route."""
    from fastapi import FastAPI

    app = FastAPI()
    log = structlog.get_logger("test")

    @app.get("/work")
    def work() -> dict[str, str]:  # a def route: runs in the threadpool
        log.info("working")
        return {}

    app.add_middleware(ObservabilityMiddleware)
    with structlog.testing.capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        response = TestClient(app).get("/work", headers={"X-Request-ID": "req-0123456789"})
    assert response.headers["x-request-id"] == "req-0123456789"
    assert [entry.get("request_id") for entry in logs if entry["event"] == "working"] == ["req-0123456789"]
    assert structlog.contextvars.get_contextvars().get("request_id") is None  # unbound afterwards


# ---- several worker processes ----------------------------------------------------------------------
WORKER = textwrap.dedent(
    """
    import sys
    from bot import metrics
    for _ in range(int(sys.argv[1])):
        metrics.ANSWERS.labels("answered", "question").inc()
        metrics.STEP_SECONDS.labels("retrieve").observe(0.002)
    body, _ = metrics.render()
    sys.stdout.write(body.decode())
    """
)


def test_worker_processes_add_up_in_multiprocess_mode(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}

    def run(turns: int) -> str:
        done = subprocess.run(
            [sys.executable, "-c", WORKER, str(turns)], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    run(3)
    run(4)
    exposed = run(0)  # a third process serves the scrape
    samples = {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(exposed)
        for s in family.samples
    }
    assert value(samples, "askcity_bot_answers_total", status="answered", intent="question") == 7
    assert value(samples, "askcity_bot_answer_step_seconds_count", step="retrieve") == 7
