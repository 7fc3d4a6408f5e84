"""Request size limits as pure ASGI middleware, shared by the bot and the records service.

A request is refused before any route parses it when its headers together exceed `max_header_bytes`
(431) or its body exceeds the limit for its path (413): a declared `Content-Length` is checked
first, and a body sent without one (chunked) is counted as it arrives and cut off at the limit, so
a 100 MB body is never held in memory. Bodies are `{"error", "message"}` JSON like every other
error of both services, except where a limit names a `form_page`: a browser's form post refused there
(it accepts HTML) is sent back to that page (303, `?too_large=<limit in bytes>`), which says why.

No web framework is imported: this is plain ASGI (`scope`, `receive`, `send`).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class BodyLimit:
    """Bodies of requests whose path starts with `prefix` may hold at most `max_bytes`; a browser's form
    post over it is sent to `form_page` (when given) instead of a JSON 413."""

    prefix: str
    max_bytes: int
    form_page: str = ""


async def _refuse(send: Send, status: int, error: str, message: str) -> None:
    body = json.dumps({"error": error, "message": message}).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode("ascii")),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _browser_form(scope: Scope, headers: Sequence[tuple[bytes, bytes]]) -> bool:
    """A form a browser posts to navigate (it accepts HTML), not an API client's request."""
    named = {name.lower(): value.lower() for name, value in headers}
    kind = named.get(b"content-type", b"")
    return (
        scope.get("method") == "POST"
        and kind.startswith((b"multipart/form-data", b"application/x-www-form-urlencoded"))
        and b"text/html" in named.get(b"accept", b"")
    )


async def _send_back(send: Send, page: str, limit: int) -> None:
    location = f"{page}?too_large={limit}".encode("latin-1")
    await send(
        {
            "type": "http.response.start",
            "status": 303,
            "headers": [(b"location", location), (b"content-length", b"0"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": b""})


class RequestLimitsMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        default_body_bytes: int = 64 * 1024,
        body_limits: Sequence[BodyLimit] = (),
        max_header_bytes: int = 16 * 1024,
    ) -> None:
        self.app = app
        self.default_body_bytes = default_body_bytes
        # the longest matching prefix wins
        self.body_limits = sorted(body_limits, key=lambda limit: -len(limit.prefix))
        self.max_header_bytes = max_header_bytes

    def body_limit(self, path: str) -> int:
        return self._limit(path).max_bytes

    def _limit(self, path: str) -> BodyLimit:
        for limit in self.body_limits:
            if path.startswith(limit.prefix):
                return limit
        return BodyLimit("", self.default_body_bytes)

    async def _too_large(self, send: Send, limit: BodyLimit, browser_form: bool) -> None:
        if limit.form_page and browser_form:
            await _send_back(send, limit.form_page, limit.max_bytes)
            return
        message = f"The request body is larger than {limit.max_bytes:,} bytes."
        await _refuse(send, 413, "body_too_large", message)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = list(scope.get("headers") or [])
        if sum(len(name) + len(value) + 4 for name, value in headers) > self.max_header_bytes:
            await _refuse(
                send,
                431,
                "headers_too_large",
                f"The request headers are larger than {self.max_header_bytes:,} bytes.",
            )
            return
        limit = self._limit(str(scope.get("path", "")))
        browser_form = _browser_form(scope, headers)
        declared = next((value for name, value in headers if name.lower() == b"content-length"), None)
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                await _refuse(send, 400, "invalid_request", "The Content-Length header is not a number.")
                return
            if size > limit.max_bytes:
                await self._too_large(send, limit, browser_form)
                return
            await self.app(scope, receive, send)  # the server frames the body by Content-Length
            return
        # no Content-Length (chunked): read at most `limit` bytes here, then replay them to the app
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = bytes(message.get("body", b""))
            received += len(chunk)
            if received > limit.max_bytes:
                await self._too_large(send, limit, browser_form)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(b"".join(chunks), receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the app the body already read, then passes on what the server sends
    next (a disconnect, which a long-lived response listens for)."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
