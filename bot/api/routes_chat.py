"""Sessions, chat (JSON and server-sent events) and feedback."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

from fastapi import APIRouter, Response, status
from fastapi.responses import StreamingResponse

from bot.api.deps import AddressDep, RuntimeDep, ServiceDep, SettingsDep, TokenDep, TurnsDep
from bot.api.schemas import (
    ChatRequest,
    ChatResponse,
    ErrorBody,
    FeedbackRequest,
    SentenceOut,
    SessionCreated,
)
from bot.errors import BotError
from bot.events import EventBroker
from bot.events.broker import Event
from bot.metrics import observe_answer
from bot.service import TurnOutcome, answer_channel

router = APIRouter(prefix="/api/v1", tags=["chat"])

ERRORS: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorBody, "description": "Unknown or expired session"},
    413: {"model": ErrorBody, "description": "Message over the length limit"},
    422: {"model": ErrorBody, "description": "Malformed request"},
    429: {"model": ErrorBody, "description": "Rate limited (see Retry-After)"},
    503: {"model": ErrorBody, "description": "Not ready"},
}


@router.post(
    "/sessions",
    status_code=status.HTTP_201_CREATED,
    response_model=SessionCreated,
    responses={429: ERRORS[429], 503: ERRORS[503]},
)
def create_session(service: ServiceDep, settings: SettingsDep, address: AddressDep) -> SessionCreated:
    """Start a conversation. The id is issued by the server; ids chosen by clients are refused."""
    return SessionCreated(session_id=service.new_session(address), expires_in=settings.session_ttl_seconds)


@router.post("/chat", response_model=ChatResponse, responses=ERRORS)
async def chat(body: ChatRequest, turns: TurnsDep, address: AddressDep, token: TokenDep) -> ChatResponse:
    """Answer one message. Send `Authorization: Bearer <token>` for status lookups of your own cases."""
    outcome = await turns.turn(body.session_id, body.message, address, token)
    if not outcome.relayed:
        observe_answer(outcome.answer)
    return ChatResponse.of(outcome.answer, outcome.handoff, outcome.relayed)


def _event(name: str, data: object) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"


@router.post(
    "/chat/stream",
    responses={**ERRORS, 200: {"content": {"text/event-stream": {}}, "description": "Events"}},
)
async def chat_stream(
    body: ChatRequest, turns: TurnsDep, runtime: RuntimeDep, address: AddressDep, token: TokenDep
) -> StreamingResponse:
    """The same turn as server-sent events: `start`, one `sentence` per sentence, then `done` with the
    whole response (status, citations, follow-ups); `done` is what counts.

    When a language model phrases the answer (docs/generation.md) its sentences are sent as each one is
    written and verified, before the turn ends (`start` then carries `{"live": true}` and no answer id
    yet); if too few of them verify, `done` holds the quoted answer instead. Otherwise the finished turn's
    sentences are sent. Errors before the stream starts are plain JSON."""
    stream = uuid.uuid4().hex
    channel = answer_channel(stream)
    events = runtime.events
    turn = asyncio.ensure_future(turns.turn(body.session_id, body.message, address, token, stream))
    first = asyncio.ensure_future(events.wait(channel, None, LIVE_WAIT_SECONDS))
    await _either(turn, first)
    if turn.done() or not first.result():
        first.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await first
        return _replayed(await turn)  # BotErrors are raised here, before any byte is sent
    return StreamingResponse(
        _live(turn, events, channel, first.result()),
        media_type="text/event-stream",
        headers=STREAM_HEADERS,
    )


async def _either(*futures: asyncio.Future[Any]) -> None:
    await asyncio.wait(futures, return_when=asyncio.FIRST_COMPLETED)


LIVE_WAIT_SECONDS = 120.0  # longer than any turn: the turn's own end stops the wait first
STREAM_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


def _finished(outcome: TurnOutcome) -> ChatResponse:
    if not outcome.relayed:
        observe_answer(outcome.answer)
    return ChatResponse.of(outcome.answer, outcome.handoff, outcome.relayed)


def _replayed(outcome: TurnOutcome) -> StreamingResponse:
    response = _finished(outcome)

    def events() -> Iterator[str]:
        yield _event("start", {"answer_id": response.answer_id})
        pieces = response.sentences or (
            [SentenceOut(text=response.text, citation=-1)] if response.text else []
        )
        for index, sentence in enumerate(pieces):
            yield _event("sentence", {"index": index, **sentence.model_dump()})
        yield _event("done", response.model_dump(mode="json"))

    return StreamingResponse(events(), media_type="text/event-stream", headers=STREAM_HEADERS)


async def _live(
    turn: asyncio.Future[TurnOutcome], events: EventBroker, channel: str, arrived: list[Event]
) -> AsyncIterator[str]:
    """Sentences as the turn process publishes them, until the turn ends; then `done`."""
    yield _event("start", {"live": True})
    last: str | None = None
    while True:
        for event in arrived:
            last = event.id
            yield _event("sentence", dict(event.data))
        if turn.done():
            break
        waiting = asyncio.ensure_future(events.wait(channel, last, LIVE_WAIT_SECONDS))
        await _either(turn, waiting)
        if not waiting.done():
            waiting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waiting
            arrived = events.history(channel, last)  # what came with the turn's end
        else:
            arrived = waiting.result()
    try:
        response = _finished(turn.result())
    except BotError as exc:  # after the stream started: said as an event, the widget offers a retry
        yield _event("error", {"error": type(exc).__name__, "message": str(exc)})
        return
    yield _event("done", response.model_dump(mode="json"))


@router.post("/feedback", status_code=status.HTTP_204_NO_CONTENT, responses={404: {"model": ErrorBody}})
def feedback(body: FeedbackRequest, service: ServiceDep) -> Response:
    """Thumbs up or down on an answer, with an optional comment (stored redacted)."""
    service.feedback(body.answer_id, body.helpful, body.comment or "")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
