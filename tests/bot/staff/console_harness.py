"""Pieces of the call-centre tests: a resident talking to the bot over HTTP, and a reader of
server-sent-event streams that stops when it has what it waited for."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass(frozen=True)
class Sse:
    id: str
    event: str
    data: dict[str, Any]


@dataclass
class Stream:
    """What one event stream delivered: events, and comment lines (heartbeats)."""

    events: list[Sse] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    status: int = 0
    error: str = ""

    def kinds(self) -> list[str]:
        return [e.event for e in self.events]


def parse(lines: list[str], stream: Stream) -> None:
    block: dict[str, str] = {}
    data: list[str] = []
    for line in lines:
        if line == "":
            if data:
                stream.events.append(
                    Sse(block.get("id", ""), block.get("event", "message"), json.loads("\n".join(data)))
                )
            block, data = {}, []
        elif line.startswith(":"):
            stream.comments.append(line[1:].strip())
        else:
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "data":
                data.append(value)
            else:
                block[name] = value


def read_stream(
    url: str,
    until: Callable[[Stream], bool],
    headers: dict[str, str] | None = None,
    timeout: float = 60,
) -> Stream:
    """Read `url` as an event stream until `until(stream)` holds (or the server ends it)."""
    stream = Stream()

    def run() -> None:
        try:
            with (
                httpx.Client(timeout=httpx.Timeout(timeout, connect=10)) as client,
                client.stream("GET", url, headers=headers or {}) as response,
            ):
                stream.status = response.status_code
                if response.status_code != 200:
                    response.read()
                    stream.error = response.text
                    return
                pending: list[str] = []
                for line in response.iter_lines():
                    pending.append(line)
                    if line == "":
                        parse(pending, stream)
                        pending = []
                        if until(stream):
                            return
                parse([*pending, ""], stream)
        except Exception as exc:  # reported by the test's assertions
            stream.error = repr(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise AssertionError(f"{url}: the stream did not deliver what was expected: {stream.kinds()}")
    return stream


class Resident:
    """A resident's browser as the widget drives the API."""

    def __init__(self, base_url: str, token: str | None = None, session_id: str | None = None) -> None:
        """A new session, or `session_id` (the same conversation through another bot process)."""
        self.client = httpx.Client(base_url=base_url, timeout=60)
        self.token = token
        if session_id is None:
            created = self.client.post("/api/v1/sessions")
            assert created.status_code == 201, created.text
            session_id = str(created.json()["session_id"])
        self.session_id = session_id

    def say(self, message: str) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = self.client.post(
            "/api/v1/chat", json={"session_id": self.session_id, "message": message}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    @property
    def events_url(self) -> str:
        return f"{str(self.client.base_url).rstrip('/')}/api/v1/sessions/{self.session_id}/events"

    def close(self) -> None:
        self.client.close()
