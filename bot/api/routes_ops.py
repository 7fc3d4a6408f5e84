"""Health, readiness, metrics and the widget's configuration."""

from __future__ import annotations

import contextlib

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from bot.api.deps import SettingsDep
from bot.api.schemas import Health, Readiness, WidgetConfig
from bot.metrics import KnowledgeBaseCollector, KnowledgeBaseState, render
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
    kb = _knowledge_base(runtime)
    database = runtime.service.database.ping()
    sessions = runtime.service.sessions.ping()
    turns = getattr(request.app.state, "turns", None)  # the turn processes, when there are any
    # Redis down is reported (`sessions`: false) but does not take the bot out of service: sessions
    # and limits degrade to this process (bot/sessions, bot/ratelimit) instead of failing. A published
    # version this replica refused (`knowledge_base_refused`) does not either: the one it serves is whole.
    ok = kb.version is not None and database and turns is not None and turns.ready()
    body = Readiness(
        ready=ok,
        knowledge_base=kb.version,
        knowledge_base_digest=kb.digest,
        knowledge_base_refused=kb.refused,
        database=database,
        sessions=sessions,
    )
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


def _knowledge_base(runtime: Runtime | None) -> KnowledgeBaseState:
    """The version this process serves (loading the first one if none is yet), its content address, and
    a published version it refused."""
    if runtime is None:
        return KnowledgeBaseState(None, None, None)
    retriever = runtime.retriever
    with contextlib.suppress(KnowledgeBaseError):  # refused or none published: reported below
        retriever.snapshot  # noqa: B018 - loads the first version; looks for a newer one in the background
    served = retriever.served
    refusal = retriever.refusal
    return KnowledgeBaseState(
        served.name if served is not None else None,
        (served.manifest.digest or None) if served is not None else None,
        refusal.version if refusal is not None else None,
    )


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Prometheus metrics (every worker's, in multiprocess mode). Not for the public: the proxy hides it."""
    runtime: Runtime | None = getattr(request.app.state, "runtime", None)
    body, media_type = render(KnowledgeBaseCollector(lambda: _knowledge_base(runtime)))
    return Response(body, media_type=media_type)
