"""`askcity worker`: run ingest jobs from the RQ queue (docs/editors.md, "Documents and jobs"; ADR 13)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

err = Console(stderr=True)

WORKER_HELP = "\n\n".join(
    [
        "Run ingest jobs: the documents editors upload in the staff console (/staff/documents).",
        "Jobs go on a queue in Redis when the bot runs with ASKCITY_JOBS_BACKEND=rq and ASKCITY_REDIS_URL "
        "set; without them the bot runs jobs in a thread of its own and needs no worker.",
        "Start one worker or several, on this machine or others: every worker needs the bot's settings "
        "(ASKCITY_DATA_DIR shared, ASKCITY_DATABASE_URL, ASKCITY_BOT_DATABASE_URL, ASKCITY_REDIS_URL, "
        "ASKCITY_JOBS_QUEUE). Each loads the embedding model once and runs one job at a time; a published "
        "version reaches every bot process within ASKCITY_RELOAD_CHECK_SECONDS.",
        "A worker killed mid-job changes nothing residents are served: another worker (or this one, "
        "restarted) notices after ASKCITY_JOBS_STALE_SECONDS and runs the job again, up to "
        "ASKCITY_JOBS_MAX_ATTEMPTS runs, then marks it failed with the reason. Ctrl-C or SIGTERM lets the "
        "current job finish first (twice: stop now).",
    ]
)


def worker_command(
    burst: Annotated[
        bool, typer.Option("--burst", help="Run the jobs waiting now, then exit (scripts, tests).")
    ] = False,
    name: Annotated[
        str | None, typer.Option("--name", help="This worker's name in Redis (default: host and pid).")
    ] = None,
) -> None:
    from pydantic import ValidationError
    from redis.exceptions import ConnectionError as RedisConnectionError

    from bot.documents.worker import run_worker
    from bot.settings import get_settings

    get_settings.cache_clear()
    try:
        settings = get_settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        raise _fail(str(first["msg"]).removeprefix("Value error, ")) from None
    if not settings.redis_url:
        raise _fail("set ASKCITY_REDIS_URL (and ASKCITY_JOBS_BACKEND=rq for the bot): the queue is in Redis")
    try:
        run_worker(settings, burst=burst, name=name)
    except RedisConnectionError:
        raise _fail("cannot reach Redis at ASKCITY_REDIS_URL") from None


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    return typer.Exit(1)
