"""Streaming a generated answer through `/api/v1/chat/stream`: each sentence reaches the resident as
soon as the model has written it and it has verified, before the model has finished; `done` holds the
answer that counts."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.api.app import create_app
from bot.runtime import Runtime
from tests.bot.conftest import make_settings
from tests.bot.generation.scripted import Script, first_sentence
from tests.bot.generation.test_generate_step import QUESTION, with_model


@pytest.fixture(scope="module")
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(Path("unused"), "sqlite://"), runtime)) as test_client:
        yield test_client


def streamed(
    client: TestClient, runtime: Runtime, script: Script
) -> tuple[list[tuple[str, dict, float]], float]:
    """The events with the time each arrived, and when the model sent its last word."""
    pipeline, model, _ = with_model(runtime, script)
    model.word_seconds = 0.03
    served = runtime.service.pipeline
    runtime.service.pipeline = pipeline
    try:
        session = client.post("/api/v1/sessions").json()["session_id"]
        events: list[tuple[str, dict, float]] = []
        with client.stream(
            "POST", "/api/v1/chat/stream", json={"session_id": session, "message": QUESTION}
        ) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            name = ""
            for line in response.iter_lines():
                if line.startswith("event: "):
                    name = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    events.append((name, json.loads(line.removeprefix("data: ")), time.monotonic()))
    finally:
        runtime.service.pipeline = served
    return events, model.finished_at


def three_sentences(passages: dict[int, str]) -> str:
    words = " ".join(passages[1].split()).split(" ")
    return (
        f"{first_sentence(passages[1])} [1] {first_sentence(passages[2])} [2] "
        + " ".join(words[:40])
        + " [1]"
    )


def test_verified_sentences_arrive_before_the_model_has_finished(
    client: TestClient, runtime: Runtime
) -> None:
    events, finished = streamed(client, runtime, three_sentences)
    names = [name for name, _, _ in events]
    assert names[0] == "start" and events[0][1] == {"live": True}
    assert names[-1] == "done" and set(names[1:-1]) <= {"sentence"}
    done = events[-1][1]
    assert done["composer"] == "generative"
    sentences = [(data, at) for name, data, at in events if name == "sentence"]
    assert [s["text"] for s, _ in sentences] == [s["text"] for s in done["sentences"]]
    assert [s["citation"] for s, _ in sentences] == [s["citation"] for s in done["sentences"]]
    assert sentences[0][1] < finished  # shown while the model was still writing


def test_when_too_little_verifies_done_holds_the_quoted_answer(client: TestClient, runtime: Runtime) -> None:
    events, _ = streamed(
        client,
        runtime,
        lambda p: (
            f"{first_sentence(p[1])} [1] Permits cost $1 on Sundays [1]. "
            "The Mayor signs each one [2]. Ok [1]."
        ),
    )
    done = events[-1][1]
    assert events[-1][0] == "done" and done["composer"] == "extractive"
    shown = [data["text"] for name, data, _ in events if name == "sentence"]
    assert all("$1 on Sundays" not in text and "Mayor" not in text for text in shown)


def test_an_extractive_turn_streams_as_before(client: TestClient) -> None:
    session = client.post("/api/v1/sessions").json()["session_id"]
    response = client.post("/api/v1/chat/stream", json={"session_id": session, "message": QUESTION})
    blocks = [block.split("\n") for block in response.text.strip().split("\n\n")]
    start = json.loads(blocks[0][1].removeprefix("data: "))
    done = json.loads(blocks[-1][1].removeprefix("data: "))
    assert start == {"answer_id": done["answer_id"]} and done["composer"] == "extractive"
