"""Dependencies of the routes, as `Annotated` aliases.

The client address of a request is the peer's, or the one a configured proxy put in
`X-Forwarded-For` (`ProxyHeadersMiddleware`, see `api/app.py`). For an authenticated request, a
service with a key (the bot) may attest the resident's own address with a signed header
(`trust.service_identity`); a signature that does not verify is ignored and logged, never an error.

Each route names the audited action it serves (`ListerDep`, `ReaderDep`, the unmask guard), so a token
that verifies but carries a role this service does not serve (`editor`) is refused with a 403 *and*
an audit row, like every other denial.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qs

import structlog
from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError

from records_api.api.schemas import CredentialsIn, UnmaskIn
from records_api.cases import CaseDesk
from records_api.dev_identity import DevIdentityProvider
from records_api.enums import AuditAction
from records_api.errors import (
    InvalidRequestError,
    MissingTokenError,
    RoleNotServedError,
    ServiceUnavailableError,
)
from records_api.runtime import Runtime
from records_api.tokens import Principal
from trust.errors import ServiceSignatureError
from trust.service_identity import (
    CLIENT_ADDRESS_HEADER,
    HEADERS,
    SERVICE_HEADER,
    SIGNATURE_HEADER,
    AttestedAddress,
)

log = structlog.get_logger("records_api.api")

MAX_LOGIN_BODY = 4096
# A known service whose signature fails is misconfigured or attacked: worth a warning.
LOUD_SIGNATURE_FAILURES = frozenset({"bad_signature", "expired"})

_bearer = HTTPBearer(auto_error=False, description="An RS256 JWT from the configured issuer")


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime | None = getattr(request.app.state, "runtime", None)
    if runtime is None:
        raise ServiceUnavailableError("runtime not started")
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


ClientAddressDep = Annotated[str, Depends(client_address)]


def attested_address(runtime: Runtime, request: Request, peer: str, token: str) -> AttestedAddress | None:
    """The resident's address as signed by a known service, or None (then the peer's is used)."""
    headers = request.headers
    if not any(name in headers for name in HEADERS):
        return None
    service = headers.get(SERVICE_HEADER)
    try:
        if runtime.service_signatures is None:
            raise ServiceSignatureError("no_service_keys")
        return runtime.service_signatures.verify(
            service=service,
            signature=headers.get(SIGNATURE_HEADER),
            client_address=headers.get(CLIENT_ADDRESS_HEADER),
            bearer_token=token,
        )
    except ServiceSignatureError as exc:
        emit = log.warning if exc.reason in LOUD_SIGNATURE_FAILURES else log.info
        emit("records.service_signature.ignored", reason=exc.reason, service=(service or "")[:64], peer=peer)
        return None


class PrincipalFor:
    """The caller of a route that does `action`: a 401 without a valid token; a 403, audited as
    `action`, for a valid token of a role this service does not serve."""

    def __init__(self, action: AuditAction) -> None:
        self.action = action

    def __call__(
        self,
        request: Request,
        runtime: RuntimeDep,
        address: ClientAddressDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        """Sync on purpose: fetching an issuer's JWKS blocks, so this runs in the threadpool."""
        if credentials is None:
            raise MissingTokenError("no bearer token")
        token = credentials.credentials
        try:
            claims = runtime.verifier.verify(token)
        except RoleNotServedError as exc:
            attested = attested_address(runtime, request, address, token)
            runtime.desk.deny_role_not_served(
                exc.subject,
                exc.role,
                attested.client_address if attested else address,
                attested.service if attested else None,
                self.action,
                request.path_params.get("reference"),
            )
            raise
        attested = attested_address(runtime, request, address, token)
        if attested is None:
            return Principal(subject=claims.subject, role=claims.role, client_address=address)
        return Principal(claims.subject, claims.role, attested.client_address, via_service=attested.service)


ListerDep = Annotated[Principal, Depends(PrincipalFor(AuditAction.LIST_CASES))]
ReaderDep = Annotated[Principal, Depends(PrincipalFor(AuditAction.READ_CASE))]
UnmaskerDep = Annotated[Principal, Depends(PrincipalFor(AuditAction.UNMASK_CASE))]


def get_desk(runtime: RuntimeDep) -> CaseDesk:
    return runtime.desk


DeskDep = Annotated[CaseDesk, Depends(get_desk)]


def get_unmasking_supervisor(reference: str, who: UnmaskerDep, desk: DeskDep) -> Principal:
    """Unmask's guard: an active supervisor, else a 401 or an audited 403, whatever the body."""
    desk.authorise_unmask(who, reference)
    return who


UnmaskingSupervisorDep = Annotated[Principal, Depends(get_unmasking_supervisor)]


def _is_json(request: Request) -> bool:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


async def unmask_body(request: Request, _: UnmaskingSupervisorDep) -> UnmaskIn:
    """The unmask request's body, read once the caller may unmask. FastAPI decodes a declared JSON body
    before any dependency runs (a malformed one would be a 422 ahead of the 403), so the route documents
    its body with `UNMASK_BODY` and this reads it."""
    errors: list[Any]
    if not _is_json(request):
        errors = [{"type": "content_type", "loc": ("body",), "msg": "Send JSON", "input": None}]
        raise RequestValidationError(errors)
    try:
        return UnmaskIn.model_validate_json(await request.body())
    except ValidationError as exc:
        errors = [{**error, "loc": ("body", *error["loc"])} for error in exc.errors(include_url=False)]
        raise RequestValidationError(errors) from exc


UnmaskBodyDep = Annotated[UnmaskIn, Depends(unmask_body)]


def get_dev_identity(runtime: RuntimeDep) -> DevIdentityProvider:
    if runtime.dev_identity is None:
        raise ServiceUnavailableError("dev identity provider is off")
    return runtime.dev_identity


DevIdentityDep = Annotated[DevIdentityProvider, Depends(get_dev_identity)]


async def login_credentials(request: Request) -> CredentialsIn:
    """Username and password from a JSON body or a form (`application/x-www-form-urlencoded`)."""
    body = await request.body()
    if len(body) > MAX_LOGIN_BODY:
        raise InvalidRequestError("The request is too large.")
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if kind == "application/json":
            return CredentialsIn.model_validate_json(body)
        if kind == "application/x-www-form-urlencoded":
            form = parse_qs(body.decode("utf-8"), max_num_fields=10, strict_parsing=False)
            return CredentialsIn(
                username=form.get("username", [""])[0], password=form.get("password", [""])[0]
            )
    except (ValidationError, UnicodeDecodeError, ValueError) as exc:
        raise InvalidRequestError("Send a username and a password.") from exc
    raise InvalidRequestError("Send the username and password as JSON or as form data.")


CredentialsDep = Annotated[CredentialsIn, Depends(login_credentials)]
