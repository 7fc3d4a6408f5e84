"""The dev identity provider's routes, mounted only when `ASKCITY_DEV_IDENTITY=1`."""

from __future__ import annotations

from fastapi import APIRouter, Response

from records_api.api.deps import ClientAddressDep, CredentialsDep, DevIdentityDep, RuntimeDep
from records_api.api.schemas import ErrorOut, JwksOut, TokenOut
from records_api.enums import Role
from records_api.errors import InvalidCredentialsError

router = APIRouter(tags=["dev identity"])

TOKEN_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            media: {
                "schema": {
                    "type": "object",
                    "required": ["username", "password"],
                    "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
                }
            }
            for media in ("application/json", "application/x-www-form-urlencoded")
        },
    }
}


@router.post(
    "/dev/token",
    summary="Dev only: exchange a demo username and password for an RS256 access token",
    openapi_extra=TOKEN_BODY,
    responses={
        401: {"model": ErrorOut, "description": "Unknown username or wrong password"},
        422: {"model": ErrorOut, "description": "No username and password in the body"},
        429: {"model": ErrorOut, "description": "Too many failed logins"},
    },
)
def dev_token(
    credentials: CredentialsDep,
    address: ClientAddressDep,
    runtime: RuntimeDep,
    provider: DevIdentityDep,
) -> TokenOut:
    throttle = runtime.login_throttle
    throttle.check(credentials.username, address)
    with runtime.database.sessions() as session:
        try:
            user = provider.authenticate(session, credentials.username, credentials.password)
        except InvalidCredentialsError:
            throttle.record_failure(credentials.username, address)
            raise
    issued = provider.issue(user.subject, Role(user.role))
    return TokenOut(access_token=issued.access_token, expires_in=issued.expires_in, role=issued.role)


@router.get(
    "/.well-known/jwks.json",
    summary="Dev only: the public keys that sign the dev identity provider's tokens",
)
def jwks(provider: DevIdentityDep, response: Response) -> JwksOut:
    response.headers["Cache-Control"] = "public, max-age=300"
    return JwksOut.model_validate(provider.jwks())
