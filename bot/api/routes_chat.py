"""Sessions, chat (JSON and server-sent events) and feedback."""

from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi import APIRouter, Response, status
from fastapi.responses import StreamingResponse

from bot.api.deps import AddressDep, ServiceDep, SettingsDep, TokenDep, TurnsDep
from bot.api.schemas import (
    ChatRequest,
    ChatResponse,
    ErrorBody,
    FeedbackRequest,
    SentenceOut,
    SessionCreated,
)
from bot.metrics import observe_answer

router = APIRouter(prefix="/api/v1", tags=["chat"])

ERRORS: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorBody, "description": "Unknown or expired session"},
    413: {"model": ErrorBody, "description": "Message over the length limit"},
    422: {"model": ErrorBody, "description": "Malformed request"},
    429: {"model": ErrorBody, "description": "Rate limited (see Retry-After)"},
    503: {"model": ErrorBody, "description": "Not ready"},
}


@router.post("/sessions", status_code=status.HTTP_201_CREATED, response_model=SessionCreated)
def create_session(service: ServiceDep, settings: SettingsDep) -> SessionCreated:
    """Start a conversation. The id is issued by the server; ids chosen by clients are refused."""
    return SessionCreated(session_id=service.new_session(), expires_in=settings.session_ttl_seconds)


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
    body: ChatRequest, turns: TurnsDep, address: AddressDep, token: TokenDep
) -> StreamingResponse:
    """The same turn as server-sent events: `start`, one `sentence` per sentence, then `done` with the
    whole response (status, citations, follow-ups). Errors before the stream starts are plain JSON."""
    outcome = await turns.turn(body.session_id, body.message, address, token)
    if not outcome.relayed:
        observe_answer(outcome.answer)
    response = ChatResponse.of(outcome.answer, outcome.handoff, outcome.relayed)

    def events() -> Iterator[str]:
        yield _event("start", {"answer_id": response.answer_id})
        pieces = response.sentences or (
            [SentenceOut(text=response.text, citation=-1)] if response.text else []
        )
        for index, sentence in enumerate(pieces):
            yield _event("sentence", {"index": index, **sentence.model_dump()})
        yield _event("done", response.model_dump(mode="json"))

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.post("/feedback", status_code=status.HTTP_204_NO_CONTENT, responses={404: {"model": ErrorBody}})
def feedback(body: FeedbackRequest, service: ServiceDep) -> Response:
    """Thumbs up or down on an answer, with an optional comment (stored redacted)."""
    service.feedback(body.answer_id, body.helpful, body.comment or "")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
