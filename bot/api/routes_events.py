"""The resident's side of a handoff: the session's live event stream, and where the handoff stands.

`GET /api/v1/sessions/{id}/events` streams the session's events (server-sent events): `queue` (place
and estimated wait), `agent_joined`, `message` (an agent's reply), `transferred`, `resolved`,
`abandoned`, `left`. Reconnect with `Last-Event-ID` (the header, or the `last_event_id` query
parameter for clients that cannot set headers) to get what was missed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query
from pydantic import BaseModel
from sse_starlette import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from bot.api.deps import RuntimeDep, SettingsDep
from bot.api.schemas import ErrorBody, HandoffOut
from bot.api.sse import event_stream
from bot.errors import SessionNotFoundError
from bot.events import Event
from bot.runtime import Runtime
from bot.staff.tickets import session_channel
from bot.storage.database import session_ref

router = APIRouter(prefix="/api/v1", tags=["chat"])

EVENT_ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "A Last-Event-ID that is not an event id"},
    404: {"model": ErrorBody, "description": "Unknown or expired session"},
    503: {"model": ErrorBody, "description": "The event store is unavailable"},
}


class HandoffState(BaseModel):
    handoff: HandoffOut | None


def _backlog(runtime: Runtime, session_id: str, start: str | None) -> list[Event]:
    runtime.service.sessions.history(session_id)  # SessionNotFoundError; also keeps the session alive
    return runtime.events.history(session_channel(session_ref(session_id)), start)


@router.get(
    "/sessions/{session_id}/events",
    responses={**EVENT_ERRORS, 200: {"content": {"text/event-stream": {}}, "description": "Events"}},
)
async def session_events(
    session_id: str,
    runtime: RuntimeDep,
    settings: SettingsDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=48)] = None,
    after: Annotated[str | None, Query(alias="last_event_id", max_length=48)] = None,
) -> EventSourceResponse:
    """The session's live events: what happens to its handoff and the agent's messages."""
    start = last_event_id or after or None
    backlog = await run_in_threadpool(_backlog, runtime, session_id, start)

    async def still_wanted() -> bool:
        try:
            await run_in_threadpool(runtime.service.sessions.history, session_id)
        except SessionNotFoundError:
            return False
        return True

    return event_stream(
        runtime.events,
        session_channel(session_ref(session_id)),
        start,
        backlog,
        settings.events_heartbeat_seconds,
        settings.events_stream_seconds,
        still_wanted,
    )


@router.get("/sessions/{session_id}/handoff", response_model=HandoffState, responses=EVENT_ERRORS)
def handoff_state(session_id: str, runtime: RuntimeDep) -> HandoffState:
    """Where the session's latest request for a person stands (null when there was none)."""
    runtime.service.sessions.history(session_id)
    desk = runtime.desk
    ticket = desk.store.latest_for_session(session_ref(session_id)) if desk is not None else None
    if desk is None or ticket is None:
        return HandoffState(handoff=None)
    return HandoffState(handoff=HandoffOut.of(desk.view(ticket)))


@router.delete("/sessions/{session_id}/handoff", response_model=HandoffState, responses=EVENT_ERRORS)
def leave_queue(session_id: str, runtime: RuntimeDep) -> HandoffState:
    """Leave the queue (or end the chat with the person): the assistant answers again."""
    runtime.service.sessions.history(session_id)
    desk = runtime.desk
    view = desk.leave(session_ref(session_id)) if desk is not None else None
    return HandoffState(handoff=HandoffOut.of(view) if view is not None else None)
