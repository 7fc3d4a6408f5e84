"""Dependencies of the routes, as `Annotated` aliases."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError

from records_api.api.schemas import CredentialsIn
from records_api.cases import CaseDesk
from records_api.dev_identity import DevIdentityProvider
from records_api.errors import InvalidRequestError, MissingTokenError, ServiceUnavailableError
from records_api.runtime import Runtime
from records_api.tokens import Principal

MAX_LOGIN_BODY = 4096

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


def get_principal(
    runtime: RuntimeDep,
    address: ClientAddressDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Sync on purpose: fetching an issuer's JWKS blocks, so this runs in the threadpool."""
    if credentials is None:
        raise MissingTokenError("no bearer token")
    claims = runtime.verifier.verify(credentials.credentials)
    return Principal(subject=claims.subject, role=claims.role, client_address=address)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_desk(runtime: RuntimeDep) -> CaseDesk:
    return runtime.desk


DeskDep = Annotated[CaseDesk, Depends(get_desk)]


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
