"""`askcity eval ...`: measure retrieval, answers and PII detection on labelled data."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console()
err = Console(stderr=True)
eval_app = typer.Typer(help="Measure askcity on labelled data.", no_args_is_help=True)

DocumentsOption = Annotated[
    Path,
    typer.Option("--documents", exists=True, help="Documents: a JSONL file (benchmark format) or a folder."),
]
QuestionsOption = Annotated[
    Path, typer.Option("--questions", exists=True, dir_okay=False, help="Labelled questions (JSONL).")
]
HistoryOption = Annotated[
    int | None, typer.Option("--history-turns", min=0, help="Earlier user turns used (default: shipped).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print only the JSON figures.")]


def _print(figures: Mapping[str, object], as_json: bool, title: str) -> None:
    if as_json:
        typer.echo(json.dumps(figures, indent=2))
        return
    table = Table(title=title, show_header=False)
    for key, value in figures.items():
        table.add_row(key, json.dumps(value) if isinstance(value, dict) else str(value))
    console.print(table)
    typer.echo(json.dumps(figures))


@eval_app.command("retrieval")
def retrieval_command(
    documents: DocumentsOption,
    questions: QuestionsOption,
    history_turns: HistoryOption = None,
    as_json: JsonOption = False,
) -> None:
    """Build a throwaway knowledge base from DOCUMENTS and measure retrieval on QUESTIONS."""
    from evaluation.retrieval import run
    from knowledge_base.embedder import SentenceTransformerEmbedder
    from knowledge_base.errors import KnowledgeBaseError
    from knowledge_base.factory import retrieval_config
    from knowledge_base.settings import get_kb_settings

    settings = get_kb_settings()
    try:
        report = run(
            documents,
            questions,
            SentenceTransformerEmbedder(settings.embedding_model, settings.embedding_device),
            history_turns=history_turns,
            retrieval=retrieval_config(settings),
        )
    except (KnowledgeBaseError, ValueError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    _print(report.public(), as_json, "Retrieval")
