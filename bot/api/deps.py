"""Annotated dependencies of the bot's routes.

They are `async def` on purpose: FastAPI runs a plain `def` dependency on a worker thread, and a
thread hop per dependency per request cost a busy bot more than the dependencies themselves. The app's
settings live on `app.state` (not in `dependency_overrides`: any override makes FastAPI rebuild every
route's dependency tree on every request)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from bot.errors import ServiceNotReadyError
from bot.runtime import Runtime
from bot.service import BotService
from bot.settings import BotSettings
from bot.turns import Turns


async def app_settings(request: Request) -> BotSettings:
    """The settings the app was created with."""
    return settings_of(request)


def settings_of(request: Request) -> BotSettings:
    settings: BotSettings = request.app.state.settings
    return settings


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime | None = getattr(request.app.state, "runtime", None)
    if runtime is None:
        raise ServiceNotReadyError("starting")
    return runtime


async def get_service(runtime: Annotated[Runtime, Depends(get_runtime)]) -> BotService:
    return runtime.service


async def get_turns(request: Request) -> Turns:
    turns: Turns | None = getattr(request.app.state, "turns", None)
    if turns is None or not turns.ready():
        raise ServiceNotReadyError("starting")
    return turns


async def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def bearer_token(authorization: Annotated[str | None, Header()] = None) -> str | None:
    if authorization and authorization[:7].lower() == "bearer ":
        token = authorization[7:].strip()
        return token or None
    return None


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
ServiceDep = Annotated[BotService, Depends(get_service)]
TurnsDep = Annotated[Turns, Depends(get_turns)]
SettingsDep = Annotated[BotSettings, Depends(app_settings)]
AddressDep = Annotated[str, Depends(client_address)]
TokenDep = Annotated[str | None, Depends(bearer_token)]
