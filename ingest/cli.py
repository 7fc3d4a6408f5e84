"""`askcity ingest`, `askcity kb ...` and `askcity search`: the policy editor's commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from ingest.errors import IngestError
from ingest.pipeline import Ingestor, IngestSummary, discover
from knowledge_base.errors import KnowledgeBaseError
from knowledge_base.factory import open_knowledge_base, retrieval_config
from knowledge_base.kb import KnowledgeBase
from knowledge_base.settings import get_kb_settings

console = Console()
err = Console(stderr=True)
kb_app = typer.Typer(help="Inspect and manage the published knowledge base.", no_args_is_help=True)


def _open() -> KnowledgeBase:
    return open_knowledge_base(get_kb_settings())


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    return typer.Exit(1)


def ingest_command(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of documents.")],
    no_publish: Annotated[bool, typer.Option("--no-publish", help="Save without publishing.")] = False,
) -> None:
    """Add or update documents (PDF, DOCX, HTML, Markdown, text, JSONL) and publish a new version."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise _fail(f"not found: {', '.join(missing)}")
    try:
        kb = _open()
        files = sum(1 for _ in discover(paths))
        with Progress(
            TextColumn("[bold]ingesting"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("", total=files)

            def advance(name: str) -> None:
                bar.update(task, advance=1, description=Path(name).name)

            summary = Ingestor(kb).ingest(paths, publish=not no_publish, progress=advance)
    except (KnowledgeBaseError, IngestError) as exc:
        raise _fail(str(exc)) from None
    print_summary(summary)
    if summary.failed and not (summary.added or summary.updated or summary.unchanged):
        raise typer.Exit(1)


def print_summary(summary: IngestSummary) -> None:
    table = Table(title="Ingest summary", show_header=False)
    table.add_row("added", str(len(summary.added)))
    table.add_row("updated", str(len(summary.updated)))
    table.add_row("unchanged", str(len(summary.unchanged)))
    table.add_row("failed", str(len(summary.failed)))
    table.add_row("chunks (new or changed)", str(summary.chunks))
    table.add_row("texts embedded", str(summary.embedded))
    table.add_row("seconds", f"{summary.seconds:.1f}")
    table.add_row("published", summary.published.name if summary.published else "no (nothing changed)")
    console.print(table)
    for failure in summary.failed:
        console.print(
            f"[yellow]failed[/yellow] {escape(failure.source)}: {escape(failure.reason)}", soft_wrap=True
        )


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
    # "version" and "state" are the working set (what the next publish builds); "served" is the version
    # of the document in the version being served, which differs after a rollback.
    table = Table("id", "title", "department", "version", "chunks", "state", "served")
    for d in status.documents:
        table.add_row(
            escape(d.id),
            escape(d.title),
            escape(d.department),
            str(d.version),
            str(d.chunks),
            "retired" if d.retired else "in service",
            str(status.served[d.id]) if d.id in status.served else "no",
        )
    console.print(table)


@kb_app.command("remove")
def remove_command(document_id: Annotated[str, typer.Argument(help="Document id.")]) -> None:
    """Retire a document and publish a version without it."""
    try:
        kb = _open()
        kb.remove(document_id)
        manifest = kb.publish()
    except KnowledgeBaseError as exc:
        raise _fail(str(exc)) from None
    console.print(
        f"Retired {escape(document_id)}; now serving {manifest.name} ({manifest.documents} documents)."
    )


@kb_app.command("rollback")
def rollback_command() -> None:
    """Serve the previous published version again."""
    try:
        manifest = _open().rollback()
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
    settings = get_kb_settings()
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
