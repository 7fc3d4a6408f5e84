"""Policy editors' commands (issue 13): `askcity gaps`, `askcity unanswered` and `askcity feedback`.

Everything they print was redacted before it was stored. `gaps` and `unanswered` ask each question again
of the knowledge base as it is served now (they load the model and the published index, like `ask`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from bot.staff.gaps import GapFinder, GapReport

console = Console()
err = Console(stderr=True)

DaysOption = Annotated[
    int, typer.Option("--days", min=1, max=3650, help="Look back this many days (1 to 3650).")
]
_BARS = " ▁▂▃▄▅▆▇█"


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(1)


@contextmanager
def _finder() -> Iterator[GapFinder]:
    """The gap finder over the served bot: its database, pipeline, encoder and published documents."""
    from bot.runtime import build_runtime
    from bot.settings import get_settings
    from bot.staff.clustering import load_clustering_config
    from bot.staff.gaps import gap_finder
    from bot.storage.gaps import GapQueries
    from knowledge_base.errors import KnowledgeBaseError

    try:
        runtime = build_runtime(get_settings())
    except KnowledgeBaseError as exc:
        raise _fail(str(exc)) from None
    try:
        yield gap_finder(
            GapQueries(runtime.service.database.engine),
            runtime.service.pipeline,
            runtime.retriever,
            load_clustering_config(),
        )
    except KnowledgeBaseError as exc:
        raise _fail(str(exc)) from None
    finally:
        runtime.close()


def sparkline(counts: list[int]) -> str:
    top = max(counts, default=0)
    if top == 0:
        return "·" * len(counts)
    return "".join(_BARS[0 if c == 0 else max(1, round(8 * c / top))] for c in counts)


def _print_report(report: GapReport) -> None:
    if not report.groups:
        console.print("No unanswered questions in that period.")
        return
    console.print(
        f"{report.total} gap turns in {len(report.groups)} groups, "
        f"{report.since:%Y-%m-%d} to {report.until:%Y-%m-%d} (trend per {report.bucket}, oldest first)\n"
    )
    for g in report.groups:
        state = "[green]answered now[/green]" if g.state == "answered_now" else "[yellow]gap[/yellow]"
        console.print(
            f"[bold]{g.number}. {escape(', '.join(g.label) or '(no distinctive terms)')}[/bold]  "
            f"{g.count} asked, {g.questions} distinct — {state} "
            f"({g.answered_now}/{g.rechecked} re-checked answered now)"
        )
        console.print(f"   trend {sparkline([p.count for p in g.trend])}  ", end="")
        console.print(escape(", ".join(f"{k} {v}" for k, v in g.reasons.items())))
        for e in g.examples:
            console.print(f"   “{escape(e.question)}” ×{e.times}")
        if g.answered_by:
            console.print(f"   answered now from: {escape(', '.join(g.answered_by))} (check it answers them)")
        if g.closest_documents:
            closest = ", ".join(f"{d.document_id} ({d.score:.2f})" for d in g.closest_documents)
            console.print(f"   closest documents: {escape(closest)}")
        console.print()


def gaps_command(
    days: DaysOption = 30,
    csv_file: Annotated[
        Path | None,
        typer.Option("--csv", dir_okay=False, help="Write the groups as CSV to this file ('-': stdout)."),
    ] = None,
) -> None:
    """Content gaps: unanswered, unclear, handed-off and unhelpful questions grouped by meaning, with
    count, trend, redacted examples and the closest documents; groups now answered are listed last."""
    from bot.staff.gaps import Period, to_csv

    period = Period.last(days)
    with _finder() as finder:
        report = finder.report(period)
    if csv_file is None:
        _print_report(report)
    elif str(csv_file) == "-":
        typer.echo(to_csv(report), nl=False)
    else:
        try:
            csv_file.write_text(to_csv(report), encoding="utf-8")
        except OSError as exc:
            raise _fail(f"cannot write {csv_file}: {exc.strerror}") from None
        console.print(f"{len(report.groups)} groups written to {escape(str(csv_file))}")


def unanswered_command(days: DaysOption = 30) -> None:
    """What residents asked that the documents did not serve (no answer, a clarifying question, a
    handoff, or an answer marked unhelpful), most asked first; never status lookups. Each question is
    asked again of the served knowledge base: those it now answers are marked."""
    from bot.staff.gaps import Period

    with _finder() as finder:
        rows = finder.unanswered(Period.last(days))
    if not rows:
        console.print("No unanswered questions in that period.")
        return
    table = Table("times", "last asked", "why", "question (redacted)")
    for row in rows:
        question = escape(row.question)
        if row.answered_by is not None:
            cited = ", ".join(row.answered_by.documents) or "a curated answer"
            question += f"\n[green]answered now[/green] ({escape(cited)})"
        table.add_row(
            str(row.times),
            row.last_asked.strftime("%Y-%m-%d"),
            escape(", ".join(f"{k} {v}" for k, v in row.reasons.items())),
            question,
        )
    console.print(table)


def feedback_command(
    days: DaysOption = 30,
    unhelpful: Annotated[bool, typer.Option("--unhelpful", help="Only answers marked unhelpful.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=5000, help="At most this many rows.")] = 200,
) -> None:
    """Residents' feedback on answers (thumbs and redacted comments), newest first, with a summary."""
    from datetime import UTC, datetime, timedelta

    from bot.settings import get_settings
    from bot.storage.database import BotDatabase
    from bot.storage.gaps import GapQueries

    database = BotDatabase(get_settings().bot_database())
    try:
        database.migrate()
        queries = GapQueries(database.engine)
        until = datetime.now(UTC)
        since = until - timedelta(days=days)
        summary = queries.feedback_summary(since, until)
        rows = queries.feedback(since, until, helpful=False if unhelpful else None, limit=limit)
    finally:
        database.close()
    console.print(
        f"{summary.helpful} helpful, {summary.unhelpful} unhelpful, {summary.with_comment} with a comment "
        f"in the last {days} day(s)."
    )
    if not rows:
        return
    table = Table("given", "verdict", "status", "question (redacted)", "comment (redacted)")
    for r in rows:
        table.add_row(
            r.given_at.strftime("%Y-%m-%d %H:%M"),
            "helpful" if r.helpful else "unhelpful",
            r.status,
            escape(r.question),
            escape(r.comment),
        )
    console.print(table)
