"""Bot commands: `askcity run` (the demo), `serve`, `ask`, and the editors' `curated` (`gaps`, `unanswered`
and `feedback` are in `bot.cli_editors`)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from bot.answering.curated import StaleCitation
    from bot.storage.database import BotDatabase
    from bot.switch import KillSwitch
    from knowledge_base.records import Citation
    from knowledge_base.snapshot import DocMeta
    from knowledge_base.store import DocumentSummary

console = Console()
err = Console(stderr=True)
chat_app = typer.Typer(help="Switch the resident chat off and on (all bot processes).", no_args_is_help=True)
curated_app = typer.Typer(help="Editor-pinned answers that win over retrieval.", no_args_is_help=True)
SAMPLE_DOCUMENTS = Path(__file__).resolve().parents[1] / "ingest" / "sample_kb" / "documents"

HostOption = Annotated[str, typer.Option("--host", help="Interface to listen on.")]
PortOption = Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")]


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(1)


def _serve(host: str, port: int, workers: int = 1, announce: str = "") -> None:
    """Serve until stopped; `announce` is printed once the bot answers its health check. With several
    workers, one process serves HTTP and hands each turn to the next free of `workers` turn processes
    (bot/turns.py): every core gets work whatever the clients' connections do."""
    import uvicorn

    from bot.logs import configure_logging

    configure_logging()
    if announce:
        threading.Thread(
            target=_announce_when_up, args=(f"http://{host}:{port}/api/v1/health", announce), daemon=True
        ).start()
    # share the cores between the turn processes instead of each running the model on all of them
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // workers)))
    if workers > 1:
        os.environ["ASKCITY_TURN_PROCESSES"] = str(workers)
    from bot.settings import get_settings

    get_settings.cache_clear()
    proxies = get_settings().trusted_proxies
    uvicorn.run(
        "bot.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        # X-Forwarded-For is believed only from the configured proxies (uvicorn trusts 127.0.0.1 by default)
        proxy_headers=bool(proxies),
        forwarded_allow_ips=",".join(proxies) or None,
    )


def serve_command(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Processes answering turns (one per core); each turn goes to the next free one. "
            "More than 1 needs ASKCITY_REDIS_URL.",
        ),
    ] = 1,
) -> None:
    """Serve the bot alone (for deployments): the API, the widget and the demo page."""
    from bot.settings import get_settings

    if workers > 1 and not get_settings().redis_url:
        raise _fail("several workers share sessions and limits through Redis: set ASKCITY_REDIS_URL")
    console.print(f"askcity bot on [bold]http://{host}:{port}/[/bold] ({workers} worker(s))")
    _serve(host, port, workers)


def _announce_when_up(url: str, message: str, seconds: float = 300) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                console.print(message)
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    err.print(f"[yellow]warning:[/yellow] the bot did not answer {url} within {seconds:.0f} s")


def _loopback_origins(host: str, port: int) -> list[str]:
    """The bot's origins as a browser may name them: 127.0.0.1 and localhost are the same machine."""
    names = {host}
    if host in ("127.0.0.1", "localhost", "::1"):
        names |= {"127.0.0.1", "localhost"}
    return sorted(f"http://{name}:{port}" for name in names)


def _wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> bool:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    return False


def _exit_through_finally(signum: int, _frame: object) -> None:
    """uvicorn shuts down gracefully on SIGTERM and then raises the signal again; with the default
    handler the process would die on the spot, skipping `finally` (and leaving the demo's records
    service running). Exit instead, as a stopped process does (128 + the signal)."""
    raise SystemExit(128 + signum)


def run_command(host: HostOption = "127.0.0.1", port: PortOption = 8000) -> None:
    """The demo: ingest the sample city documents if needed, start the records service (seeded, with
    the dev identity provider) on the next port, and serve the bot with its demo page."""
    from bot.settings import get_settings
    from ingest.cli import print_summary
    from ingest.pipeline import Ingestor
    from knowledge_base.errors import KnowledgeBaseError
    from knowledge_base.factory import open_knowledge_base

    records_port = port + 1
    bot_origin = f"http://{host}:{port}"
    records_url = f"http://{host}:{records_port}"
    os.environ.setdefault("ASKCITY_RECORDS_API_URL", records_url)
    os.environ.setdefault("ASKCITY_LOGIN_URL", f"{records_url}/dev/token")
    os.environ.setdefault("ASKCITY_STAFF_DEV_IDENTITY_URL", records_url)  # staff sign-in at /staff/login
    get_settings.cache_clear()
    settings = get_settings()
    console.print("Preparing the sample knowledge base…")
    try:
        kb = open_knowledge_base(settings)
        print_summary(Ingestor(kb).ingest([SAMPLE_DOCUMENTS]))
        kb.close()
    except KnowledgeBaseError as exc:
        raise _fail(str(exc)) from None

    env = {
        **os.environ,
        "ASKCITY_ENV": "dev",
        "ASKCITY_DEV_IDENTITY": "1",
        "ASKCITY_RECORDS_CORS_ORIGINS": json.dumps(_loopback_origins(host, port)),
    }
    records = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        [
            sys.executable,
            "-m",
            "records_api",
            "--host",
            host,
            "--port",
            str(records_port),
            "--seed-demo",
            "50",
        ],
        env=env,
    )
    previous = signal.signal(signal.SIGTERM, _exit_through_finally)  # `docker stop`, systemd, `kill`
    try:
        if not _wait_for(f"{records_url}/v1/health", records):
            err.print("[yellow]warning:[/yellow] the records service did not start; status lookups are off.")
        else:
            executable = Path(sys.argv[0]) if Path(sys.argv[0]).name == "askcity" else Path("askcity")
            console.print(
                f"Records service on {records_url}. Demo logins (residents with their cases; agent, "
                f"editor and supervisor for {bot_origin}/staff):\n"
                f"  ASKCITY_ENV=dev ASKCITY_DEV_IDENTITY=1 {executable} records demo-users",
                soft_wrap=True,
            )
        _serve(
            host,
            port,
            announce=f"\n[bold green]askcity is running:[/bold green] open [bold]{bot_origin}/[/bold]\n",
        )
    finally:
        signal.signal(signal.SIGTERM, previous)
        records.terminate()
        try:
            records.wait(timeout=10)
        except subprocess.TimeoutExpired:
            records.kill()


def ask_command(question: Annotated[str, typer.Argument(help="A resident's question.")]) -> None:
    """Answer one question in the terminal, with citations."""
    from bot.runtime import build_runtime
    from bot.settings import get_settings
    from knowledge_base.errors import KnowledgeBaseError

    try:
        runtime = build_runtime(get_settings())
    except KnowledgeBaseError as exc:
        raise _fail(str(exc)) from None
    try:
        service = runtime.service
        answer = service.chat(service.new_session(), question, "cli")
    except KnowledgeBaseError as exc:
        raise _fail(str(exc)) from None
    finally:
        runtime.close()
    console.print(f"[bold]{answer.status.value}[/bold] (confidence {answer.confidence:.2f})\n")
    console.print(answer.text)
    for number, c in enumerate(answer.citations, 1):
        section = " › ".join(c.section_path)
        when = f", effective {c.effective_date}" if c.effective_date else ""
        console.print(
            f"  [{number}] {c.title}{' — ' + section if section else ''}{when}\n      {c.source_url}"
        )
    for follow_up in answer.follow_ups:
        console.print(f"  → {follow_up}")


def _database() -> BotDatabase:
    from bot.settings import get_settings
    from bot.storage.database import BotDatabase

    database = BotDatabase(get_settings().bot_database())
    database.migrate()
    return database


def _screened(answer: str) -> str:
    """The answer, when the content checks find nothing in it (the console's rule); else a CLI failure."""
    from bot.settings import get_settings
    from bot.staff.curated_console import CuratedInputError, screen_answer
    from ingest.screening import Screener

    try:
        screen_answer(answer, Screener(get_settings().city_domains).scan)
    except CuratedInputError as exc:
        raise _fail(exc.message) from None
    return answer


def _all_published() -> dict[str, DocMeta]:
    """The documents of the version residents are served (CLI failure when there is none)."""
    from bot.settings import get_settings
    from knowledge_base.errors import KnowledgeBaseError
    from knowledge_base.factory import open_knowledge_base

    try:
        kb = open_knowledge_base(get_settings())
        try:
            return {d.id: d for d in kb.retriever().snapshot.documents}
        finally:
            kb.close()
    except KnowledgeBaseError as exc:
        raise _fail(str(exc)) from None


def _published_documents(doc_ids: list[str]) -> dict[str, DocMeta]:
    """The published documents of these ids (CLI failure for one that is not published)."""
    documents = _all_published()
    for doc_id in doc_ids:
        if doc_id not in documents:
            raise _fail(f"no published document with id {doc_id!r} (see `askcity kb status`)")
    return {doc_id: documents[doc_id] for doc_id in doc_ids}


def _citations(documents: dict[str, DocMeta]) -> tuple[list[Citation], dict[str, int]]:
    """Citations of whole documents, and the version of each that the editor cited."""
    from knowledge_base.records import Citation, public_url

    citations = [
        Citation(
            document_id=d.id,
            title=d.title,
            source_url=public_url(d.source_uri),
            effective_date=d.effective_date,
        )
        for d in documents.values()
    ]
    return citations, {d.id: d.version for d in documents.values()}


@curated_app.command("add")
def curated_add(
    question: Annotated[list[str], typer.Option("--question", "-q", help="A question variant (repeat).")],
    answer: Annotated[str, typer.Option("--answer", "-a", help="The fixed answer.")],
    cite: Annotated[list[str], typer.Option("--cite", help="Document id to cite (repeatable).")] = [],  # noqa: B006
) -> None:
    """Pin an answer to one or more question variants. The version of each cited document is kept:
    `askcity curated list` flags the answer when one is retired or replaced."""
    from pydantic import ValidationError

    from bot.settings import get_settings
    from bot.staff.curated_console import CuratedConsole, CuratedInput, CuratedInputError
    from bot.storage.curated import CuratedStore
    from ingest.screening import Screener

    variants = [q.strip() for q in question if q.strip()]
    if not variants or not answer.strip():
        raise _fail("give at least one --question and a non-empty --answer")
    try:
        data = CuratedInput(questions=variants, answer=answer, cite=cite)
    except ValidationError as exc:
        raise _fail(str(exc.errors()[0]["msg"]).removeprefix("Value error, ")) from None
    published = list(_all_published().values()) if cite else []
    curated = CuratedConsole(
        CuratedStore(_database().engine), lambda: published, Screener(get_settings().city_domains).scan
    )
    try:  # the console's rules: published documents, the content checks, one answer per question
        curated_id = curated.create(data)
    except CuratedInputError as exc:
        raise _fail(exc.message) from None
    console.print(f"Curated answer {curated_id} added for {len(data.questions)} question variant(s).")


@curated_app.command("update")
def curated_update(
    curated_id: Annotated[int, typer.Argument(help="Curated answer id.")],
    cite: Annotated[
        list[str],
        typer.Option("--cite", help="Document id to cite instead (repeatable); default: the same ones."),
    ] = [],  # noqa: B006
    answer: Annotated[str | None, typer.Option("--answer", "-a", help="A new answer text.")] = None,
) -> None:
    """After checking a flagged curated answer: cite the documents as they are published now (the same
    ones, or those given with --cite), and optionally replace the answer text."""
    if answer is not None and not answer.strip():
        raise _fail("the --answer is empty")
    if answer is not None:
        _screened(answer.strip())
    database = _database()
    current = next((a for a in database.curated_answers() if a.id == curated_id), None)
    if current is None:
        raise _fail(f"no curated answer {curated_id} in service")
    doc_ids = list(dict.fromkeys(cite or [c.document_id for c in current.citations]))
    citations, versions = _citations(_published_documents(doc_ids)) if doc_ids else ([], {})
    database.update_curated(curated_id, citations, versions, answer.strip() if answer else None)
    cites = ", ".join(f"{d} (version {v})" for d, v in versions.items()) or "no documents"
    console.print(f"Curated answer {curated_id} updated: cites {cites}.", soft_wrap=True)


def _stale_reason(stale: StaleCitation, documents: dict[str, DocumentSummary]) -> str:
    summary = documents.get(stale.document_id)
    if stale.problem == "changed":
        return (
            f"{stale.document_id} was replaced (cited version {stale.cited_version}, "
            f"published version {stale.published_version}): check the answer still holds"
        )
    if summary is not None and summary.retired:
        return f"{stale.document_id} was retired"
    if summary is not None and summary.review == "held":
        return f"{stale.document_id} is held for review"
    return f"{stale.document_id} is not in the published knowledge base"


@curated_app.command("list")
def curated_list() -> None:
    """List curated answers in service, with a warning for each that cites a document no longer
    published as it was cited (retired: not served to residents until fixed; replaced: check it)."""
    from bot.answering.curated import stale_citations
    from bot.settings import get_settings
    from knowledge_base.errors import KnowledgeBaseError
    from knowledge_base.factory import open_knowledge_base

    answers = _database().curated_answers()
    if not answers:
        console.print("No curated answers in service.")
        return
    try:
        kb = open_knowledge_base(get_settings())
        status = kb.status()
        kb.close()
    except KnowledgeBaseError as exc:
        raise _fail(str(exc)) from None
    documents = {d.id: d for d in status.documents}
    table = Table("id", "questions", "answer", "cites", "check")
    warnings: list[str] = []
    for a in answers:
        stale = stale_citations(a, status.served)
        unpublished = [s for s in stale if s.problem == "unpublished"]
        check = "NOT SERVED" if unpublished else "check" if stale else "ok"
        table.add_row(
            str(a.id),
            escape("\n".join(a.questions)),
            escape(a.answer),
            escape(", ".join(c.document_id for c in a.citations)),
            check,
        )
        if stale:
            head = (
                "[red]not served to residents[/red] until an editor fixes it"
                if unpublished
                else "[yellow]served, but needs checking[/yellow]"
            )
            reasons = "; ".join(escape(_stale_reason(s, documents)) for s in stale)
            warnings.append(
                f"[bold]warning:[/bold] curated answer {a.id} is {head}: {reasons}. "
                f"Run `askcity curated update {a.id}` (with --cite DOC to cite other documents) "
                f"or `askcity curated remove {a.id}`."
            )
    console.print(table)
    for line in warnings:
        console.print(line, soft_wrap=True)


@curated_app.command("remove")
def curated_remove(curated_id: Annotated[int, typer.Argument(help="Curated answer id.")]) -> None:
    """Retire a curated answer."""
    if not _database().retire_curated(curated_id):
        raise _fail(f"no curated answer {curated_id} in service")
    console.print(f"Curated answer {curated_id} retired.")


@curated_app.command("drafts")
def curated_drafts(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines instead of a table.")] = False,
) -> None:
    """Curated-answer drafts agents saved from the console, newest first, for an editor to approve
    (`askcity curated add` with the edited text publishes one)."""
    drafts = _database().curated_drafts()
    if as_json:
        for d in drafts:
            row = {
                "id": d.id,
                "question": d.question,
                "answer": d.answer,
                "cites": [c.document_id for c in d.citations],
                "ticket_id": d.ticket_id,
                "author": d.author_name or d.author_subject,
                "created_at": d.created_at.isoformat(),
            }
            typer.echo(json.dumps(row, ensure_ascii=False))
        return
    if not drafts:
        console.print("No drafts waiting.")
        return
    table = Table("id", "question (redacted)", "answer (redacted)", "cites", "by", "saved")
    for d in drafts:
        table.add_row(
            str(d.id),
            d.question,
            d.answer,
            ", ".join(c.document_id for c in d.citations),
            d.author_name or d.author_subject,
            d.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(table)


def _switch() -> KillSwitch:
    from bot.settings import get_settings
    from bot.switch import KillSwitch

    return KillSwitch(get_settings().data_dir / "chat.disabled")


@chat_app.command("off")
def chat_off(
    message: Annotated[str, typer.Option("--message", "-m", help="What residents see instead.")] = "",
) -> None:
    """Switch the chat off: new sessions and messages get 503 with MESSAGE, within a second."""
    _switch().turn_off(message)
    console.print("Chat switched OFF. `askcity chat on` switches it back on.")


@chat_app.command("on")
def chat_on() -> None:
    """Switch the chat back on."""
    _switch().turn_on()
    console.print("Chat switched ON.")
