"""`/v1`: a resident's own cases, one case by reference, a supervisor's unmask, health."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from records_api.api.deps import (
    DeskDep,
    ListerDep,
    ReaderDep,
    RuntimeDep,
    UnmaskBodyDep,
    UnmaskingSupervisorDep,
)
from records_api.api.schemas import (
    CaseListOut,
    CaseOut,
    ErrorOut,
    HealthOut,
    UnmaskedCaseOut,
    UnmaskIn,
)

router = APIRouter(prefix="/v1")

# The unmask body as FastAPI would document it; `UnmaskBodyDep` reads it after the caller's role is
# checked. Its enum is the `UnmaskCategory` component that the receipt in the answer also uses.
UNMASK_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    key: value
                    for key, value in UnmaskIn.model_json_schema(
                        ref_template="#/components/schemas/{model}"
                    ).items()
                    if key != "$defs"
                }
            }
        },
    }
}


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    text_of = {
        401: "Missing, invalid or expired bearer token",
        403: "The role or staff account may not do this",
        404: "No such case for this account (also: malformed, or another resident's case)",
        422: "Invalid request body",
        429: "Too many failed lookups: locked out for `Retry-After` seconds",
        503: "Database, rate-limit storage or JWKS unavailable: try again after `Retry-After` seconds",
    }
    return {code: {"model": ErrorOut, "description": text_of[code]} for code in codes}


@router.get(
    "/me/cases",
    tags=["cases"],
    summary="The calling resident's own cases, masked",
    responses=_errors(401, 403, 503),
)
def my_cases(who: ListerDep, desk: DeskDep) -> CaseListOut:
    return CaseListOut(cases=[CaseOut.of(view) for view in desk.list_own_cases(who)])


@router.get(
    "/me/cases/{reference}",
    tags=["cases"],
    summary="One of the calling resident's own cases by its public reference, masked",
    responses=_errors(401, 403, 404, 429, 503),
)
def my_case(reference: str, who: ReaderDep, desk: DeskDep) -> CaseOut:
    """Residents only (staff roles get 403, audited): the resident chat's lookup by reference."""
    return CaseOut.of(desk.read_own_case(who, reference))


@router.get(
    "/cases/{reference}",
    tags=["cases"],
    summary="One case by its public reference, masked for the caller's role",
    responses=_errors(401, 403, 404, 429, 503),
)
def get_case(reference: str, who: ReaderDep, desk: DeskDep) -> CaseOut:
    return CaseOut.of(desk.read_case(who, reference))


@router.post(
    "/cases/{reference}/unmask",
    tags=["cases"],
    summary="Supervisor only: one case with raw personal data, audited with the written reason",
    responses=_errors(401, 403, 404, 422, 429, 503),
    openapi_extra=UNMASK_BODY,
)
def unmask_case(
    reference: str, body: UnmaskBodyDep, who: UnmaskingSupervisorDep, desk: DeskDep
) -> UnmaskedCaseOut:
    """Active supervisors only: anyone else gets a 401, or an audited 403, before the body is read."""
    return UnmaskedCaseOut.of(desk.unmask_case(who, reference, body.category, body.reason))


@router.get(
    "/health",
    tags=["health"],
    summary="Liveness of the service, its database and its rate-limit storage",
    responses={503: {"model": HealthOut, "description": "A dependency is down"}},
)
def health(runtime: RuntimeDep, response: Response) -> HealthOut:
    try:
        with runtime.database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        database_ok = True
    except SQLAlchemyError:
        database_ok = False
    limits_ok = runtime.throttle.healthy()
    if not (database_ok and limits_ok):
        response.status_code = 503
    return HealthOut(
        status="ok" if database_ok and limits_ok else "unavailable",
        database="ok" if database_ok else "unavailable",
        rate_limit_storage="redis" if runtime.throttle.backend == "redis" else "memory",
        rate_limit_ok=limits_ok,
    )
