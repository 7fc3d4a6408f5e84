"""Health, readiness, metrics and the widget's configuration."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from bot.api.deps import SettingsDep
from bot.api.schemas import Health, Readiness, WidgetConfig
from bot.metrics import KnowledgeBaseCollector, render
from bot.runtime import Runtime
from knowledge_base.errors import KnowledgeBaseError

router = APIRouter(prefix="/api/v1", tags=["operations"])


@router.get("/health", response_model=Health)
def health() -> Health:
    """The process is up."""
    return Health()


@router.get("/ready", response_model=Readiness, responses={503: {"model": Readiness}})
def ready(request: Request) -> JSONResponse:
    """Ready to answer: a knowledge base version is loaded and the database answers; `sessions` says
    whether Redis answers (without it, conversations are kept per process)."""
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is None:
        body = Readiness(ready=False, knowledge_base=None, database=False, sessions=False)
        return JSONResponse(body.model_dump(), status_code=503)
    version = _served_version(runtime)
    database = runtime.service.database.ping()
    sessions = runtime.service.sessions.ping()
    turns = getattr(request.app.state, "turns", None)  # the turn processes, when there are any
    # Redis down is reported (`sessions`: false) but does not take the bot out of service: sessions
    # and limits degrade to this process (bot/sessions, bot/ratelimit) instead of failing
    ok = version is not None and database and turns is not None and turns.ready()
    body = Readiness(ready=ok, knowledge_base=version, database=database, sessions=sessions)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)


@router.get("/config", response_model=WidgetConfig)
def widget_config(settings: SettingsDep) -> WidgetConfig:
    """What the chat widget needs to know about this deployment."""
    return WidgetConfig(
        city=settings.city_name,
        login_url=settings.login_url,
        max_message_chars=settings.max_message_chars,
        allowed_link_hosts=settings.allowed_link_hosts,
    )


def _served_version(runtime: Runtime | None) -> str | None:
    if runtime is None:
        return None
    try:
        return runtime.retriever.snapshot.name
    except KnowledgeBaseError:
        return None


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Prometheus metrics (every worker's, in multiprocess mode). Not for the public: the proxy hides it."""
    runtime: Runtime | None = getattr(request.app.state, "runtime", None)
    body, media_type = render(KnowledgeBaseCollector(lambda: _served_version(runtime)))
    return Response(body, media_type=media_type)
