"""The one place errors become HTTP responses. Bodies are `{"error", "message"}`; never a traceback."""

from __future__ import annotations

import logging

import redis
import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.api.routes_staff_auth import render
from bot.editors.errors import ApprovalRequiredError
from bot.errors import (
    AnswerNotFoundError,
    ChatDisabledError,
    MessageTooLongError,
    RateLimitedError,
    ServiceNotReadyError,
    SessionNotFoundError,
)
from bot.events.errors import InvalidEventIdError
from bot.staff.errors import (
    CaseLookupError,
    DeskError,
    EmptyStaffMessageError,
    StaffMessageTooLongError,
    TicketConflictError,
    TicketNotFoundError,
    UnknownDepartmentError,
)
from knowledge_base.errors import (
    DraftStateError,
    KnowledgeBaseError,
    NoDraftError,
    NoPublishedVersionError,
    VersionNotFoundError,
)

log = logging.getLogger(__name__)


def _body(status: int, error: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": error, "message": message}, status_code=status, headers=headers)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        if err.get("type") == "json_invalid":
            return "The request body is not valid JSON."
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "Invalid request — " + "; ".join(parts)


def install(app: FastAPI) -> None:
    @app.exception_handler(SessionNotFoundError)
    async def _session(_: Request, __: SessionNotFoundError) -> JSONResponse:
        return _body(
            404,
            "session_not_found",
            "This conversation has expired or does not exist. Start a new one with POST /api/v1/sessions.",
        )

    @app.exception_handler(MessageTooLongError)
    async def _too_long(_: Request, exc: MessageTooLongError) -> JSONResponse:
        return _body(
            413,
            "message_too_long",
            f"Your message is {exc.length:,} characters long; the limit is {exc.limit:,}. "
            "Please ask one question at a time.",
        )

    @app.exception_handler(RateLimitedError)
    async def _limited(_: Request, exc: RateLimitedError) -> JSONResponse:
        return _body(
            429,
            "rate_limited",
            f"Too many messages. Please wait {exc.retry_after} seconds and try again.",
            {"Retry-After": str(exc.retry_after)},
        )

    @app.exception_handler(AnswerNotFoundError)
    async def _answer(_: Request, __: AnswerNotFoundError) -> JSONResponse:
        return _body(404, "answer_not_found", "There is no answer with that id.")

    @app.exception_handler(ChatDisabledError)
    async def _disabled(_: Request, exc: ChatDisabledError) -> JSONResponse:
        return _body(503, "chat_disabled", exc.message, {"Retry-After": "300"})

    @app.exception_handler(NoPublishedVersionError)
    async def _no_knowledge_base(_: Request, __: Exception) -> JSONResponse:
        return _body(
            503,
            "not_ready",
            "The assistant is not ready yet (no knowledge base published). Please try again later.",
            {"Retry-After": "30"},
        )

    @app.exception_handler(ServiceNotReadyError)
    async def _not_ready(_: Request, __: Exception) -> JSONResponse:
        return _body(
            503,
            "not_ready",
            "The assistant is starting or restarting. Please send your message again in a moment.",
            {"Retry-After": "5"},
        )

    @app.exception_handler(NoDraftError)
    @app.exception_handler(DraftStateError)
    async def _draft_state(_: Request, exc: Exception) -> JSONResponse:
        return _body(409, "draft_conflict", str(exc))  # written for editors (knowledge_base/drafts.py)

    @app.exception_handler(VersionNotFoundError)
    async def _no_version(_: Request, exc: Exception) -> JSONResponse:
        return _body(404, "version_not_found", str(exc))

    @app.exception_handler(ApprovalRequiredError)
    async def _approval(_: Request, exc: Exception) -> JSONResponse:
        return _body(403, "approval_required", str(exc))

    @app.exception_handler(KnowledgeBaseError)
    async def _kb(_: Request, exc: KnowledgeBaseError) -> JSONResponse:
        log.error("knowledge base error: %s", exc)
        return _body(503, "not_ready", "The assistant cannot answer right now. Please try again later.")

    @app.exception_handler(redis.RedisError)
    @app.exception_handler(sa.exc.OperationalError)
    async def _store(_: Request, exc: Exception) -> JSONResponse:
        log.error("session or transcript store unavailable: %s", type(exc).__name__)
        return _body(
            503,
            "temporarily_unavailable",
            "The assistant is briefly unavailable. Please try again in a minute.",
            {"Retry-After": "30"},
        )

    @app.exception_handler(InvalidEventIdError)
    async def _event_id(_: Request, __: InvalidEventIdError) -> JSONResponse:
        return _body(
            400,
            "invalid_last_event_id",
            "Last-Event-ID must be the id of an event this stream sent (digits-digits). "
            "Reconnect without it to get every kept event.",
        )

    @app.exception_handler(DeskError)
    async def _desk(_: Request, exc: DeskError) -> JSONResponse:
        return desk_error(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith("/staff/"):  # a staff page's form: a page, not JSON
            fields = sorted({str(e.get("loc", ("", "?"))[-1]) for e in exc.errors()})
            return render(
                request,
                "problem.html",
                422,
                title="Something is missing",
                message=f"The form was sent without a valid {', '.join(fields)}. Go back, check it and "
                "send it again.",
            )
        return _body(422, "invalid_request", _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        messages = {404: "Not found.", 405: "Method not allowed."}
        return _body(
            exc.status_code,
            "http_error",
            messages.get(exc.status_code, str(exc.detail)),
            dict(exc.headers or {}),
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return _body(500, "internal_error", "Something went wrong on our side. Please try again.")


def desk_error(exc: DeskError) -> JSONResponse:
    """The call-centre desk's errors (tickets, replies, cases on a staff member's behalf)."""
    no_store = {"Cache-Control": "no-store"}
    if isinstance(exc, TicketNotFoundError):
        return _body(404, "ticket_not_found", "There is no ticket with that id.", no_store)
    if isinstance(exc, TicketConflictError):
        return _body(409, exc.code, exc.message, no_store)
    if isinstance(exc, UnknownDepartmentError):
        return _body(
            422, "unknown_department", "There is no queue of that name: see /api/v1/staff/departments."
        )
    if isinstance(exc, StaffMessageTooLongError):
        return _body(
            413,
            "message_too_long",
            f"The message is {exc.length:,} characters long; the limit is {exc.limit:,}.",
            no_store,
        )
    if isinstance(exc, EmptyStaffMessageError):
        return _body(422, "empty_message", "The reply is empty: write something to send.", no_store)
    if isinstance(exc, CaseLookupError):
        headers = dict(no_store)
        if exc.retry_after:
            headers["Retry-After"] = str(exc.retry_after)
        return _body(exc.status, exc.code, exc.message, headers)
    log.error("unexpected desk error: %s", type(exc).__name__)
    return _body(500, "internal_error", "Something went wrong on our side. Please try again.")
