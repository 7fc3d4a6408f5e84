"""`askcity ingest`, `askcity kb ...` and `askcity search`: the policy editor's commands."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from ingest.errors import IngestError
from ingest.metadata import sidecar_path
from ingest.pipeline import Failure, Ingestor, IngestSummary, ParseLimits, Step
from ingest.url_list import Located, locate, read_url_list
from knowledge_base.errors import KnowledgeBaseError
from knowledge_base.factory import open_knowledge_base, retrieval_config
from knowledge_base.kb import KnowledgeBase, Status
from knowledge_base.review import Finding
from knowledge_base.settings import KnowledgeBaseSettings, get_kb_settings

console = Console()
err = Console(stderr=True)
kb_app = typer.Typer(help="Inspect and manage the published knowledge base.", no_args_is_help=True)
_STAGES = {
    "parse": "reading",
    "check": "checking",
    "chunk": "chunking",
    "embed": "embedding",
    "save": "saving",
    "publish": "publishing",
}
_STATES = {"held": "held for review", "confirmed": "in service (confirmed)", "ok": "in service"}
_TABLE_ROOM = 60  # columns the other fields of `kb status` need beside the ids to stay readable


def _settings() -> KnowledgeBaseSettings:
    try:
        return get_kb_settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "ASKCITY_" + ".".join(str(p) for p in first["loc"]).upper()
        message = str(first["msg"]).removeprefix("Value error, ")
        raise _fail(f"invalid setting {name}: {message}") from None


def _open() -> KnowledgeBase:
    return open_knowledge_base(_settings())


def make_ingestor(kb: KnowledgeBase, settings: KnowledgeBaseSettings) -> Ingestor:
    """The settings as plain values for the pipeline; an editor's documents need their metadata."""
    mb = 1024 * 1024
    limits = ParseLimits(
        max_file_bytes=int(settings.ingest_max_file_mb * mb),
        max_document_chars=settings.ingest_max_document_chars,
        max_unpacked_bytes=int(settings.ingest_max_unpacked_mb * mb),
        max_unpack_ratio=settings.ingest_max_unpack_ratio,
        timeout_seconds=settings.ingest_parse_timeout_seconds,
        memory_mb=settings.ingest_parser_memory_mb,
        processes=settings.ingest_parser_processes,
    )
    return Ingestor(kb, limits=limits, city_domains=settings.city_domains, require_metadata=True)


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    return typer.Exit(1)


def _finding_line(finding: Finding) -> str:
    snippet = f': "{escape(finding.snippet)}"' if finding.snippet else ""
    return f"    {escape(finding.reason)}{snippet}"


@dataclass(frozen=True, slots=True)
class ActionLog:
    """Where the commands that change the knowledge base record what they did (the editors' audit log;
    `askcity_cli` puts one on the Typer context: this package knows no service)."""

    record: Callable[[KnowledgeBase, str, str, dict[str, str]], None]  # kb, action, target, detail


def _record(ctx: typer.Context, kb: KnowledgeBase, action: str, target: str, detail: dict[str, str]) -> None:
    log = ctx.find_object(ActionLog)
    if log is None:
        return
    try:
        log.record(kb, action, target, {k: v for k, v in detail.items() if v})
    except SQLAlchemyError as exc:  # the change happened: say loudly that its audit row did not
        err.print(
            f"[red]error:[/red] the editors' audit log could not record {action} ({type(exc).__name__})"
        )


def _record_ingest(ctx: typer.Context, kb: KnowledgeBase, summary: IngestSummary, what: str) -> None:
    changed = summary.added or summary.updated or summary.accepted or summary.published
    if not changed:
        return
    published = summary.published.name if summary.published else ""
    _record(
        ctx,
        kb,
        "publish" if published else "upload",
        published or "working set",
        {
            "command": what,
            "added": ", ".join(summary.added),
            "updated": ", ".join(summary.updated),
            "confirmed": ", ".join(summary.accepted),
            "held": ", ".join(h.document_id for h in summary.held),
            "failed": str(len(summary.failed)) if summary.failed else "",
        },
    )


def _url_list_pages(url_list: Path, paths: list[Path]) -> tuple[list[Located], list[Failure]]:
    """The pages of a URL list in its folder (the one folder given, or the list's own folder)."""
    if len(paths) > 1 or (paths and not paths[0].is_dir()):
        raise _fail("with --url-list, give at most one FOLDER: the folder the pages were fetched into")
    folder = paths[0] if paths else url_list.parent
    try:
        text = url_list.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(f"cannot read the URL list {url_list}: {exc}") from None
    pages, problems = read_url_list(text)
    located, missing = locate(pages, folder)
    failures = [Failure(f"{url_list}:{p.line}", p.reason) for p in (*problems, *missing)]
    return located, sorted(failures, key=lambda f: int(f.source.rsplit(":", 1)[1]))


def ingest_command(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or folders of documents (with --url-list: the folder of the pages)."),
    ] = None,
    no_publish: Annotated[bool, typer.Option("--no-publish", help="Save without publishing.")] = False,
    allow_missing_metadata: Annotated[
        bool,
        typer.Option(
            "--allow-missing-metadata",
            help="Publish documents that lack source_uri, department or contact (still warned about).",
        ),
    ] = False,
    url_list: Annotated[
        Path | None,
        typer.Option(
            "--url-list",
            help="A list of fetched pages, one a line: URL<TAB>path of the saved file in FOLDER.",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Add or update documents (PDF, DOCX, HTML, Markdown, text, JSONL) and publish a new version.

    Metadata: each file may have a sidecar next to it, named after it plus `.meta.json`
    (`permits.pdf` -> `permits.pdf.meta.json`), a JSON object with the fields id, title, department,
    contact, effective_date (YYYY-MM-DD), language, domain and source_uri (the document's public
    http(s) address, which citations link to). Example:

        {"title": "Parking permits", "department": "Transportation", "contact": "311",
        "source_uri": "https://www.millbrook.example/parking", "effective_date": "2026-01-01"}

    A document without source_uri, department or contact is listed with the missing fields and held
    for review: add the sidecar and ingest again, confirm at the prompt (in a terminal), pass
    --allow-missing-metadata, or run `askcity kb confirm ID`. Its citations then have no link. See
    docs/ingest.md.

    Documents the ingest checks flag (planted instructions, requests for personal data or payment
    outside the city's domains, hidden text, foreign source links) are saved but held for review:
    `askcity kb status` lists them and `askcity kb confirm ID` publishes one after review.

    Pages the city already fetched into a folder: --url-list LIST [FOLDER] (FOLDER defaults to the
    list's folder). LIST is a UTF-8 text file, one page a line: its public http(s) address, a tab
    (or spaces), then the saved file's path relative to FOLDER; blank lines and lines starting with
    # are skipped:

        https://www.millbrook.example/parking/permits	parking/permits.html

    Each page is ingested with that address as its source_uri, an id made from the address
    (millbrook-example-parking-permits) and the page's own title; a sidecar next to a page may add
    department and contact. A line with a bad address or naming a missing file is reported with its
    line number; the other lines go through.

    Changes are recorded in the editors' audit log as cli:<login name> (`askcity audit verify
    --chain editors`)."""
    paths = paths or []
    if url_list is None and not paths:
        raise _fail("give files or folders to ingest, or --url-list LIST [FOLDER]")
    missing = [str(p) for p in (*paths, *([url_list] if url_list else [])) if not p.exists()]
    if missing:
        raise _fail(f"not found: {', '.join(missing)}")
    pages, bad_lines = _url_list_pages(url_list, paths) if url_list else ([], [])
    settings = _settings()
    try:
        kb = _open()
        with Progress(
            TextColumn("[bold]{task.fields[stage]}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("", total=None, stage="reading")

            def advance(step: Step) -> None:
                bar.update(
                    task,
                    completed=step.done,
                    total=step.total or None,
                    stage=_STAGES[step.stage],
                    description=escape(Path(step.item).name) if step.item else "",
                )

            summary = make_ingestor(kb, settings).ingest(
                [] if url_list else paths,
                publish=not no_publish,
                progress=advance,
                accept_missing_metadata=allow_missing_metadata,
                pages=pages,
            )
        summary.failed[:0] = bad_lines
        _record_ingest(ctx, kb, summary, "askcity ingest" + (" --no-publish" if no_publish else ""))
        print_summary(summary)
        if not no_publish and _accept_at_prompt(summary):
            accepted = _accept_missing_metadata(kb, summary)
            _record_ingest(ctx, kb, accepted, "askcity ingest (confirmed at the prompt)")
            print_summary(accepted)
    except (KnowledgeBaseError, IngestError) as exc:
        raise _fail(str(exc)) from None
    if summary.failed and not (summary.added or summary.updated or summary.unchanged):
        raise typer.Exit(1)


def _interactive() -> bool:
    return sys.stdin.isatty()


def _accept_at_prompt(summary: IngestSummary) -> bool:
    """In a terminal, ask whether the documents held only for missing metadata may be published."""
    waiting = [h for h in summary.held if h.only_metadata]
    if not waiting or not _interactive():
        return False
    return typer.confirm(
        f"Publish the {len(waiting)} document(s) held only for missing metadata anyway? "
        "(their citations will have no link)",
        default=False,
    )


def _accept_missing_metadata(kb: KnowledgeBase, summary: IngestSummary) -> IngestSummary:
    accepted = IngestSummary(held=[h for h in summary.held if not h.only_metadata])
    for held in summary.held:
        if held.only_metadata:
            kb.confirm(held.document_id)
            accepted.accepted.append(held.document_id)
    accepted.published = kb.publish()
    return accepted


def _copy_warnings(summary: IngestSummary) -> None:
    """One line per saved document whose text another document in service already has."""
    for doc_id, other in summary.copies.items():
        console.print(
            f"[yellow]warning:[/yellow] {escape(doc_id)} has the same text as {escape(other)}, which is in "
            "service: retire one of them (`askcity kb remove ID`), or replace that document instead",
            soft_wrap=True,
        )


def _metadata_warnings(summary: IngestSummary) -> None:
    """One line per file whose documents lack metadata residents need, with the fields missing."""
    by_file: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for item in summary.incomplete:
        by_file.setdefault((item.source, item.missing), []).append(item.document_id)
    held = {h.document_id for h in summary.held}
    for (source, missing), ids in by_file.items():
        sidecar = sidecar_path(Path(source))
        where = f"its sidecar {sidecar.name} lacks" if sidecar.is_file() else f"no {sidecar.name}: missing"
        count = f" ({len(ids)} documents)" if len(ids) > 1 else ""
        outcome = (
            "held for review: add the fields, or confirm "
            "(`--allow-missing-metadata`, `askcity kb confirm ID`)"
            if held.intersection(ids)
            else "published without them: its citations have no link"
        )
        console.print(
            f"[yellow]warning:[/yellow] {escape(source)}{count}: {where} {', '.join(missing)}; {outcome}",
            soft_wrap=True,
        )


def print_summary(summary: IngestSummary) -> None:
    table = Table(title="Ingest summary", show_header=False)
    table.add_row("added", str(len(summary.added)))
    table.add_row("updated", str(len(summary.updated)))
    table.add_row("unchanged", str(len(summary.unchanged)))
    table.add_row("failed", str(len(summary.failed)))
    table.add_row("held for review", str(len(summary.held)))
    if summary.accepted:
        table.add_row("published without metadata (confirmed)", str(len(summary.accepted)))
    table.add_row("chunks (new or changed)", str(summary.chunks))
    table.add_row("texts embedded", str(summary.embedded))
    table.add_row("seconds", f"{summary.seconds:.1f}")
    table.add_row("published", summary.published.name if summary.published else "no (nothing changed)")
    console.print(table)
    _metadata_warnings(summary)
    _copy_warnings(summary)
    for failure in summary.failed:
        console.print(
            f"[yellow]failed[/yellow] {escape(failure.source)}: {escape(failure.reason)}", soft_wrap=True
        )
    for held in summary.held:
        console.print(
            f"[red]held[/red] {escape(held.document_id)} ({escape(held.source)}): not published until an "
            f"editor runs `askcity kb confirm {escape(held.document_id)}` or fixes the file",
            soft_wrap=True,
        )
        for finding in held.findings:
            console.print(_finding_line(finding), soft_wrap=True)


@kb_app.command("status")
def status_command() -> None:
    """The version being served, kept versions and the documents in the working set."""
    try:
        status = _open().status()
    except KnowledgeBaseError as exc:
        raise _fail(str(exc)) from None
    if status.current is None:
        console.print("No version published yet. Run `askcity ingest PATH`.")
    else:
        m = status.current
        console.print(
            f"Serving [bold]{m.name}[/bold] (published {m.created_at}): {m.documents} documents, "
            f"{m.chunks} chunks, {m.sentences} sentences, model {m.model} ({m.dimension} dims)"
        )
    console.print(f"Kept versions: {', '.join(status.versions) or 'none'}")
    _print_documents(status)
    held = [d for d in status.documents if d.review == "held" and not d.retired]
    if held:
        console.print(
            f"[red]Held for review[/red] ({len(held)}): left out of every published version until an editor "
            "checks the file and runs `askcity kb confirm ID`, or fixes it and ingests it again.",
            soft_wrap=True,
        )
    for d in held:
        console.print(f"  {escape(d.id)}", soft_wrap=True)
        for finding in d.findings:
            console.print(_finding_line(finding), soft_wrap=True)


def _print_documents(status: Status) -> None:
    """The working set, ids always whole (editors copy them into `kb confirm` and `kb remove`): a table
    when the ids leave room for the other columns, else one document per line."""
    # "version" and "state" are the working set (what the next publish builds); "served" is the version
    # of the document in the version being served, which differs after a rollback.
    rows = [
        (
            d.id,
            d.title,
            d.department,
            str(d.version),
            str(d.chunks),
            "retired" if d.retired else _STATES[d.review],
            str(status.served[d.id]) if d.id in status.served else "no",
        )
        for d in status.documents
    ]
    longest = max((len(row[0]) for row in rows), default=2)
    if longest + _TABLE_ROOM <= console.width:
        table = Table("id", "title", "department", "version", "chunks", "state", "served")
        table.columns[0].no_wrap = True
        table.columns[0].min_width = longest
        for row in rows:
            table.add_row(*(escape(cell) for cell in row))
        console.print(table)
        return
    for doc_id, title, department, version, chunks, state, served in rows:
        console.print(escape(doc_id), soft_wrap=True)
        details = f"{title} · {department or 'no department'} · version {version} · {chunks} chunks"
        console.print(f"    {escape(details)} · {state} · served: {served}", soft_wrap=True)


@kb_app.command("confirm")
def confirm_command(
    ctx: typer.Context, document_id: Annotated[str, typer.Argument(help="Document id.")]
) -> None:
    """Confirm a held document after review (this version of it) and publish a version with it."""
    try:
        kb = _open()
        kb.confirm(document_id)
        manifest = kb.publish()
        _record(
            ctx, kb, "confirm", document_id, {"command": "askcity kb confirm", "published": manifest.name}
        )
    except KnowledgeBaseError as exc:
        raise _fail(str(exc)) from None
    console.print(
        f"Confirmed {escape(document_id)} after review; now serving {manifest.name} "
        f"({manifest.documents} documents). A changed version of it is checked again.",
        soft_wrap=True,
    )


@kb_app.command("remove")
def remove_command(
    ctx: typer.Context, document_id: Annotated[str, typer.Argument(help="Document id.")]
) -> None:
    """Retire a document and publish a version without it."""
    try:
        kb = _open()
        kb.remove(document_id)
        manifest = kb.publish()
        _record(ctx, kb, "retire", document_id, {"command": "askcity kb remove", "published": manifest.name})
    except KnowledgeBaseError as exc:
        raise _fail(str(exc)) from None
    console.print(
        f"Retired {escape(document_id)}; now serving {manifest.name} ({manifest.documents} documents)."
    )


@kb_app.command("rollback")
def rollback_command(ctx: typer.Context) -> None:
    """Serve the previous published version again."""
    try:
        kb = _open()
        previous = kb.versions.current() or ""
        manifest = kb.rollback()
        _record(ctx, kb, "rollback", manifest.name, {"command": "askcity kb rollback", "previous": previous})
    except KnowledgeBaseError as exc:
        raise _fail(str(exc)) from None
    console.print(f"Rolled back: now serving {manifest.name} ({manifest.documents} documents).")
    console.print(
        "The working set is unchanged: the next ingest or remove publishes from it. "
        "`askcity kb status` shows both."
    )


def search_command(
    question: Annotated[str, typer.Argument(help="A resident's question.")],
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="How many chunks.")] = 5,
    department: Annotated[str | None, typer.Option(help="Only this department.")] = None,
    domain: Annotated[str | None, typer.Option(help="Only this domain.")] = None,
) -> None:
    """Show the ranked chunks the retriever finds for a question."""
    from knowledge_base.records import Filters

    if not question.strip():
        raise _fail("the question is empty")
    settings = _settings()
    try:
        retriever = open_knowledge_base(settings).retriever(retrieval_config(settings))
        hits = retriever.retrieve(question, k=k, filters=Filters(department=department, domain=domain))
    except KnowledgeBaseError as exc:
        raise _fail(str(exc)) from None
    if not hits:
        console.print("No matching chunks.")
    table = Table("#", "score", "title", "section", "text")
    for rank, hit in enumerate(hits, 1):
        snippet = " ".join(hit.text.split())
        table.add_row(
            str(rank),
            f"{hit.score:.3f}",
            escape(hit.title),
            escape(" › ".join(hit.section_path)),
            escape(snippet[:160] + ("…" if len(snippet) > 160 else "")),
        )
    console.print(table)
