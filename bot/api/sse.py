"""Server-sent-event streams of a channel (`sse-starlette`): what was missed, then what follows.

A stream first sends the channel's events after the client's `Last-Event-ID` (every kept event when it
has none), then waits for new ones. Comment heartbeats keep proxies from closing an idle stream; after
`lifetime` seconds the stream ends and the client reconnects with its last id, so no connection (and
no proxy's buffer) lives for ever. Each event carries its id, its kind as the event name and JSON data.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from sse_starlette import EventSourceResponse, ServerSentEvent

from bot.events import Event, EventBroker

HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


def _sse(event: Event) -> ServerSentEvent:
    return ServerSentEvent(
        data=json.dumps(dict(event.data), ensure_ascii=False, default=str), event=event.kind, id=event.id
    )


def event_stream(
    broker: EventBroker,
    channel: str,
    start: str | None,
    backlog: Sequence[Event],
    heartbeat: float,
    lifetime: float,
    still_wanted: Callable[[], Awaitable[bool]] | None = None,
    check_every: float = 60.0,
) -> EventSourceResponse:
    """`still_wanted` is asked every `check_every` s (the session still exists, say); False ends it."""

    async def events() -> AsyncIterator[ServerSentEvent]:
        yield ServerSentEvent(retry=2000, comment="askcity events")
        last = start
        for event in backlog:
            yield _sse(event)
            last = event.id
        ends = time.monotonic() + lifetime
        check = time.monotonic() + check_every
        while (left := ends - time.monotonic()) > 0:
            for event in await broker.wait(channel, last, min(heartbeat, left)):
                yield _sse(event)
                last = event.id
            if still_wanted is not None and time.monotonic() >= check:
                check = time.monotonic() + check_every
                if not await still_wanted():
                    return

    return EventSourceResponse(events(), ping=heartbeat, headers=HEADERS)
