"""`askcity eval ...`: measure retrieval, answers and PII detection on labelled data."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, TypeVar

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
    int | None,
    typer.Option("--history-turns", min=0, help="Earlier turns used: N user turns, at most N replies."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print only the JSON figures.")]
WorkdirOption = Annotated[
    Path | None,
    typer.Option(
        "--workdir", file_okay=False, help="Keep the evaluation's knowledge base here between runs."
    ),
]


def _print(figures: Mapping[str, object], as_json: bool, title: str) -> None:
    if as_json:
        typer.echo(json.dumps(figures, indent=2))
        return
    table = Table(title=title, show_header=False)
    for key, value in figures.items():
        table.add_row(key, json.dumps(value) if isinstance(value, dict) else str(value))
    console.print(table)
    typer.echo(json.dumps(figures))


Report = TypeVar("Report")


def _measure(
    run: Callable[..., Report],
    documents: Path,
    questions: Path,
    history_turns: int | None,
    workdir: Path | None,
) -> Report:
    """Run an evaluation with the shipped settings; a bad input file ends with one clear error line."""
    from knowledge_base.errors import KnowledgeBaseError
    from knowledge_base.factory import make_embedder, retrieval_config
    from knowledge_base.settings import get_kb_settings

    settings = get_kb_settings()
    try:
        return run(
            documents,
            questions,
            make_embedder(settings),
            history_turns=history_turns,
            retrieval=retrieval_config(settings),
            workdir=workdir,
        )
    except (KnowledgeBaseError, ValueError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None


@eval_app.command("retrieval")
def retrieval_command(
    documents: DocumentsOption,
    questions: QuestionsOption,
    history_turns: HistoryOption = None,
    as_json: JsonOption = False,
    workdir: WorkdirOption = None,
) -> None:
    """Build a throwaway knowledge base from DOCUMENTS and measure retrieval on QUESTIONS."""
    from evaluation.retrieval import run

    report = _measure(run, documents, questions, history_turns, workdir)
    _print(report.public(), as_json, "Retrieval")


@eval_app.command("calibrate")
def calibrate_command(
    documents: Annotated[
        list[Path], typer.Option("--documents", exists=True, help="Documents of a labelled set (repeatable).")
    ],
    questions: Annotated[
        list[Path],
        typer.Option("--questions", exists=True, dir_okay=False, help="Questions of that set (same order)."),
    ],
    max_false_refusal: Annotated[
        float, typer.Option(min=0.0, max=0.5, help="Share of answerable questions the gate may refuse.")
    ] = 0.05,
    write: Annotated[bool, typer.Option("--write", help="Write bot/answering/data/gate.en.yml.")] = False,
    workdir: WorkdirOption = None,
) -> None:
    """Fit the confidence gate on answerable and out-of-scope questions; print (and optionally write) it."""
    from bot.answering.gate import DATA, load_gate_config
    from evaluation.calibrate import run
    from knowledge_base.errors import KnowledgeBaseError
    from knowledge_base.factory import make_embedder
    from knowledge_base.settings import get_kb_settings

    if len(documents) != len(questions):
        err.print("[red]error:[/red] give one --questions file for each --documents")
        raise typer.Exit(1)
    settings = get_kb_settings()
    embedder = make_embedder(settings)
    try:
        result = run(list(zip(documents, questions, strict=True)), embedder, max_false_refusal, workdir)
    except (KnowledgeBaseError, ValueError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    text = result.to_yaml(", ".join(str(q) for q in questions))
    typer.echo(text)
    if write:
        (DATA / "gate.en.yml").write_text(text, encoding="utf-8")
        load_gate_config.cache_clear()
        console.print(f"written to {DATA / 'gate.en.yml'}")


@eval_app.command("answers")
def answers_command(
    documents: DocumentsOption,
    questions: QuestionsOption,
    history_turns: HistoryOption = None,
    as_json: JsonOption = False,
    workdir: WorkdirOption = None,
) -> None:
    """Run the real answering pipeline on QUESTIONS over a throwaway knowledge base of DOCUMENTS."""
    from evaluation.answers import run

    report = _measure(run, documents, questions, history_turns, workdir)
    _print(report.model_dump(), as_json, "Answers")


@eval_app.command("pii")
def pii_command(
    dataset: Annotated[
        Path | None, typer.Option("--dataset", exists=True, dir_okay=False, help="Labelled sentences.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Per-entity precision and recall of the PII detector on a labelled sentence set."""
    from bot.privacy import DEFAULT_DATASET, DatasetError, PiiDetector, evaluate

    try:
        report = evaluate(PiiDetector(), dataset or DEFAULT_DATASET)
    except DatasetError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        typer.echo(report.to_table())
