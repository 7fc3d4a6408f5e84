"""`askcity eval ...`: measure retrieval, answers and PII detection on labelled data."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from bot.privacy import Redactor
    from evaluation.pii_invariance import InvarianceReport as PiiInvariance
    from evaluation.retrieval import Rewriter
    from knowledge_base.embedder import Embedder

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


RewriteOption = Annotated[
    bool,
    typer.Option(
        "--rewrite",
        help="Make each follow-up standalone with the configured language model first (ASKCITY_LLM_*, "
        "as the answering pipeline does), and retrieve that alone.",
    ),
]


@eval_app.command("retrieval")
def retrieval_command(
    documents: DocumentsOption,
    questions: QuestionsOption,
    history_turns: HistoryOption = None,
    as_json: JsonOption = False,
    workdir: WorkdirOption = None,
    rewrite: RewriteOption = False,
) -> None:
    """Build a throwaway knowledge base from DOCUMENTS and measure retrieval on QUESTIONS."""
    from evaluation.retrieval import run

    measure = functools.partial(run, rewrite=_rewriter()) if rewrite else run
    report = _measure(measure, documents, questions, history_turns, workdir)
    _print(report.public(), as_json, "Retrieval")


def _rewriter() -> Rewriter:
    """The configured model's follow-up rewriting; a clear error when no model is configured."""
    from bot.generation.backends import build_generator
    from bot.generation.errors import GenerationSetupError
    from bot.settings import get_settings
    from evaluation.retrieval import model_rewriter

    try:
        generator = build_generator(get_settings())
    except (GenerationSetupError, ValueError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    if generator is None:
        err.print(
            "[red]error:[/red] --rewrite needs a language model, and none is configured: set "
            "ASKCITY_LLM_BACKEND (docs/generation.md)"
        )
        raise typer.Exit(1)
    return model_rewriter(generator)


SAMPLE = Path(__file__).resolve().parents[1] / "ingest" / "sample_kb"
SampleDocuments = Annotated[
    Path,
    typer.Option(
        "--documents", exists=True, help="Documents of a labelled set (default: the sample city's)."
    ),
]
SampleQuestions = Annotated[
    Path,
    typer.Option("--questions", exists=True, dir_okay=False, help="Its labelled questions (JSONL)."),
]


def _embedder_and_redactor() -> tuple[Embedder, Redactor]:
    from bot.privacy import PiiDetector, Redactor
    from knowledge_base.factory import make_embedder
    from knowledge_base.settings import get_kb_settings

    redactor = Redactor(PiiDetector())
    redactor.warm_up()
    return make_embedder(get_kb_settings()), redactor


def _guarded(run: Callable[[], Report]) -> Report:
    from knowledge_base.errors import KnowledgeBaseError

    try:
        return run()
    except (KnowledgeBaseError, ValueError, KeyError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None


@eval_app.command("calibrate")
def calibrate_command(
    documents: SampleDocuments = SAMPLE / "documents",
    questions: SampleQuestions = SAMPLE / "questions.jsonl",
    near_documents: Annotated[
        Path | None,
        typer.Option(
            "--near-documents", exists=True, dir_okay=False, help="A benchmark's documents (JSONL)."
        ),
    ] = None,
    near_questions: Annotated[
        Path | None,
        typer.Option("--near-questions", exists=True, dir_okay=False, help="Its questions of one domain."),
    ] = None,
    domain: Annotated[str, typer.Option("--domain", help="The domain of those questions.")] = "ssa",
    max_false_refusal: Annotated[
        float, typer.Option(min=0.0, max=0.5, help="Share of answerable probes the gate may refuse.")
    ] = 0.05,
    write: Annotated[bool, typer.Option("--write", help="Write bot/answering/data/gate.en.yml.")] = False,
    workdir: WorkdirOption = None,
    rows: Annotated[
        Path | None,
        typer.Option(
            "--rows", dir_okay=False, help="Keep the collected features here; reuse them if present."
        ),
    ] = None,
) -> None:
    """Fit the confidence gate on the train split of the carry-over probes (and near-topic probes)."""
    from bot.answering.gate import DATA, load_gate_config
    from evaluation.calibrate import NearTopicSet, collect_rows, fit, load_rows, save_rows

    near = None
    if near_documents is not None and near_questions is not None:
        near = NearTopicSet(near_documents, near_questions, domain)
    elif near_documents is not None or near_questions is not None:
        err.print("[red]error:[/red] give both --near-documents and --near-questions")
        raise typer.Exit(1)
    if rows is not None and rows.is_file():
        collected = _guarded(lambda: load_rows(rows))
    else:
        embedder, redactor = _embedder_and_redactor()
        collected = _guarded(lambda: collect_rows(documents, questions, embedder, redactor, near, workdir))
        if rows is not None:
            save_rows(collected, rows)
    result = _guarded(lambda: fit(collected, max_false_refusal))
    sources = [str(questions)] + (
        [f"{near_questions} (domain {domain}, with and without it)"] if near else []
    )
    text = result.to_yaml(", ".join(sources))
    typer.echo(text)
    if write:
        (DATA / "gate.en.yml").write_text(text, encoding="utf-8")
        load_gate_config.cache_clear()
        console.print(f"written to {DATA / 'gate.en.yml'}")


@eval_app.command("carry-over")
def carry_over_command(
    documents: SampleDocuments = SAMPLE / "documents",
    questions: SampleQuestions = SAMPLE / "questions.jsonl",
    as_json: JsonOption = False,
    workdir: WorkdirOption = None,
) -> None:
    """Each answerable question, then (a) an out-of-scope one, (b) another topic, (c) a follow-up,
    (d) another topic and a follow-up on it."""
    from evaluation.carry_over import run
    from evaluation.probes import misses

    embedder, redactor = _embedder_and_redactor()
    figures, results = _guarded(lambda: run(documents, questions, embedder, redactor, workdir))
    out = figures.model_dump()
    out["misses_test"] = {
        kind: misses((r for r in results if r.probe.split == "test"), kind, 5)
        for kind in (
            "out_of_scope",
            "other_topic",
            "follow_up",
            "new_subject_follow_up",
            "out_of_scope_first",
            "answerable_first",
        )
    }
    _print(out, as_json, "Carry-over")


@eval_app.command("near-topic")
def near_topic_command(
    documents: DocumentsOption,
    questions: QuestionsOption,
    domain: Annotated[str, typer.Option("--domain", help="The domain the questions belong to.")] = "ssa",
    as_json: JsonOption = False,
    workdir: WorkdirOption = None,
) -> None:
    """Questions of one domain against the knowledge base with and without that domain's documents."""
    from evaluation.near_topic import run
    from evaluation.probes import misses

    embedder, redactor = _embedder_and_redactor()
    result = _guarded(lambda: run(documents, questions, domain, embedder, redactor, workdir))
    out = {
        "with_domain": result.in_scope.model_dump(),
        "without_domain": result.out_of_scope.model_dump(),
        "misses_test_without_domain": {
            kind: misses((r for r in result.out_results if r.probe.split == "test"), kind, 5)
            for kind in ("first", "after")
        },
    }
    _print(out, as_json, "Near-topic")


@eval_app.command("intent")
def intent_command(
    refit: Annotated[
        bool, typer.Option("--refit", help="Choose the classifier's settings by grouped cross-validation.")
    ] = False,
    write: Annotated[
        bool, typer.Option("--write", help="With --refit: write bot/answering/data/intent.en.yml.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Status questions vs. near-miss policy questions: recall and false triggers on the test split."""
    from bot.answering.intent import write_intent_config
    from evaluation.intent import run

    embedder, _ = _embedder_and_redactor()
    report, config = _guarded(lambda: run(embedder, refit))
    if refit and write:
        path = write_intent_config(config, "Chosen by grouped 5-fold cross-validation on the train split.")
        console.print(f"written to {path}")
    _print(
        report.model_dump() | {"config": config.__dict__ if hasattr(config, "__dict__") else str(config)},
        as_json,
        "Intent",
    )


@eval_app.command("manipulation")
def manipulation_command(
    refit: Annotated[
        bool, typer.Option("--refit", help="Choose the classifier's settings by grouped cross-validation.")
    ] = False,
    write: Annotated[
        bool, typer.Option("--write", help="With --refit: write bot/answering/data/manipulation.en.yml.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Jailbreak and prompt-extraction attempts vs. residents' messages: recall, false triggers (test)."""
    from bot.answering.manipulation import write_manipulation_config
    from evaluation.manipulation import run

    embedder, _ = _embedder_and_redactor()
    report, config = _guarded(lambda: run(embedder, refit))
    if refit and write:
        path = write_manipulation_config(
            config, "Chosen by grouped 5-fold cross-validation on the train split."
        )
        console.print(f"written to {path}")
    _print(report.model_dump() | {"config": str(config)}, as_json, "Manipulation")


@eval_app.command("pii-invariance")
def pii_invariance_command(
    documents: SampleDocuments = SAMPLE / "documents",
    questions: SampleQuestions = SAMPLE / "questions.jsonl",
    as_json: JsonOption = False,
    workdir: WorkdirOption = None,
) -> None:
    """The same questions with personal data around them must get the same answers."""
    from evaluation.answers import bench
    from evaluation.pii_invariance import evaluate, load

    embedder, redactor = _embedder_and_redactor()

    def measure() -> PiiInvariance:
        with bench(documents, workdir, embedder, redactor) as (_, pipeline):
            return evaluate(pipeline, load(questions))

    _print(_guarded(measure).model_dump(), as_json, "PII invariance")


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


@eval_app.command("assist")
def assist_command(
    documents: DocumentsOption,
    questions: QuestionsOption,
    history_turns: HistoryOption = None,
    as_json: JsonOption = False,
    workdir: WorkdirOption = None,
) -> None:
    """The agent console's three suggested replies on QUESTIONS: best-of-three answer F1, gold document
    among the suggestions' citations, latency (a throwaway knowledge base of DOCUMENTS)."""
    from evaluation.assist import run

    report = _measure(run, documents, questions, history_turns, workdir)
    _print(report.model_dump(), as_json, "Suggested replies")


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


@eval_app.command("gaps")
def gaps_command(
    refit: Annotated[
        bool, typer.Option("--refit", help="Choose linkage and distance threshold on the train split.")
    ] = False,
    write: Annotated[
        bool, typer.Option("--write", help="With --refit: write bot/staff/data/gaps.en.yml.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """The content-gap grouping on labelled unanswered questions: adjusted Rand index and purity on the
    test split (evaluation/data/gaps/), with the shipped constants or, with --refit, ones chosen on train."""
    from bot.staff.clustering import write_clustering_config
    from evaluation.gaps import run
    from knowledge_base.embedder import QueryEncoding
    from knowledge_base.factory import make_embedder
    from knowledge_base.settings import get_kb_settings

    embedder = make_embedder(get_kb_settings())
    encoder = embedder.for_queries() if isinstance(embedder, QueryEncoding) else embedder
    report, config = _guarded(lambda: run(encoder.embed, refit))
    if refit and write:
        path = write_clustering_config(config, "Chosen on the train split by `askcity eval gaps --refit`.")
        console.print(f"written to {path}")
    _print(report.model_dump(), as_json, "Content gaps")
