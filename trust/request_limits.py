"""Request size limits as pure ASGI middleware, shared by the bot and the records service.

A request is refused before any route parses it when its headers together exceed `max_header_bytes`
(431) or its body exceeds the limit for its path (413): a declared `Content-Length` is checked
first, and a body sent without one (chunked) is counted as it arrives and cut off at the limit, so
a 100 MB body is never held in memory. Bodies are `{"error", "message"}` JSON like every other
error of both services.

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
    """Bodies of requests whose path starts with `prefix` may hold at most `max_bytes`."""

    prefix: str
    max_bytes: int


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
        for limit in self.body_limits:
            if path.startswith(limit.prefix):
                return limit.max_bytes
        return self.default_body_bytes

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
        limit = self.body_limit(str(scope.get("path", "")))
        declared = next((value for name, value in headers if name.lower() == b"content-length"), None)
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                await _refuse(send, 400, "invalid_request", "The Content-Length header is not a number.")
                return
            if size > limit:
                await _refuse(
                    send, 413, "body_too_large", f"The request body is larger than {limit:,} bytes."
                )
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
            if received > limit:
                await _refuse(
                    send, 413, "body_too_large", f"The request body is larger than {limit:,} bytes."
                )
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
