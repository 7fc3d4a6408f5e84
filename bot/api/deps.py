"""Annotated dependencies of the bot's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from bot.errors import ServiceNotReadyError
from bot.runtime import Runtime
from bot.service import BotService
from bot.settings import BotSettings, get_settings


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime | None = getattr(request.app.state, "runtime", None)
    if runtime is None:
        raise ServiceNotReadyError("starting")
    return runtime


def get_service(runtime: Annotated[Runtime, Depends(get_runtime)]) -> BotService:
    return runtime.service


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def bearer_token(authorization: Annotated[str | None, Header()] = None) -> str | None:
    if authorization and authorization[:7].lower() == "bearer ":
        token = authorization[7:].strip()
        return token or None
    return None


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
ServiceDep = Annotated[BotService, Depends(get_service)]
SettingsDep = Annotated[BotSettings, Depends(get_settings)]
AddressDep = Annotated[str, Depends(client_address)]
TokenDep = Annotated[str | None, Depends(bearer_token)]
