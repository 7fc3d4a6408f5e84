"""Domain errors to HTTP, in one place. Bodies are `{"error": code, "message": text}` and never
carry internals: no exception text, no stack trace, no echo of the input."""

from __future__ import annotations

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from records_api.errors import (
    RETRY_AFTER_SECONDS,
    AuthenticationError,
    CaseNotFoundError,
    ConfigurationError,
    InvalidRequestError,
    PermissionDeniedError,
    RecordsError,
    ServiceUnavailableError,
    TooManyAttemptsError,
)

log = structlog.get_logger("records_api.api")

REALM = 'Bearer realm="askcity-records"'

STATUS: tuple[tuple[type[RecordsError], int, str], ...] = (
    (AuthenticationError, 401, "unauthenticated"),
    (PermissionDeniedError, 403, "forbidden"),
    (CaseNotFoundError, 404, "not_found"),
    (InvalidRequestError, 422, "invalid_request"),
    (TooManyAttemptsError, 429, "too_many_attempts"),
    (ServiceUnavailableError, 503, "unavailable"),
    (ConfigurationError, 503, "unavailable"),
)

HTTP_CODES = {
    400: ("bad_request", "The request could not be read."),
    401: ("unauthenticated", AuthenticationError.public_message),
    403: ("forbidden", PermissionDeniedError.public_message),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "This method is not allowed here."),
    413: ("too_large", "The request is too large."),
    415: ("unsupported_media_type", "Send JSON or form data."),
}


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


def _route(request: Request) -> str:
    """The route's template ("/v1/me/cases/{reference}"), never the path itself: a case reference in
    the path does not reach the log."""
    route = request.scope.get("route")
    return str(getattr(route, "path", "")) or "(no route)"


def _records_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RecordsError)
    status, code = 500, "internal_error"
    for kind, kind_status, kind_code in STATUS:
        if isinstance(exc, kind):
            status, code = kind_status, kind_code
            break
    headers: dict[str, str] = {}
    if isinstance(exc, AuthenticationError):
        challenge = f'{REALM}, error="{exc.bearer_error}"' if exc.bearer_error else REALM
        headers["WWW-Authenticate"] = challenge
        log.info("records.auth.refused", path=_route(request), reason=str(exc))
    elif isinstance(exc, TooManyAttemptsError):
        headers["Retry-After"] = str(exc.retry_after_seconds)
    elif status >= 500:
        log.error("records.unavailable", path=_route(request), error=repr(exc))
    if status == 503:  # a dependency away for now: say when to come back
        headers["Retry-After"] = str(getattr(exc, "retry_after_seconds", RETRY_AFTER_SECONDS))
    return error_response(status, code, exc.public_message, headers or None)


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    where = sorted({".".join(str(p) for p in err.get("loc", ())) for err in exc.errors()})
    message = "The request is not valid" + (f" (check: {', '.join(where)[:200]})." if where else ".")
    return error_response(422, "invalid_request", message)


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, message = HTTP_CODES.get(exc.status_code, ("error", "The request failed."))
    return error_response(exc.status_code, code, message, dict(exc.headers or {}) or None)


def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """The database is down or restarting: refused for now (the pool reconnects by itself)."""
    log.error("records.database_error", path=_route(request), error=type(exc).__name__)
    retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return error_response(503, "unavailable", ServiceUnavailableError.public_message, retry)


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("records.unexpected_error", path=_route(request))
    return error_response(500, "internal_error", RecordsError.public_message)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RecordsError, _records_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(SQLAlchemyError, _database_error)
    app.add_exception_handler(Exception, _unexpected)
