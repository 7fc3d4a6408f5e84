"""Curated answers: editor-pinned variants win over retrieval; the index follows the stored set."""

from __future__ import annotations

from pathlib import Path

from bot.answering.statuses import AnswerStatus
from bot.runtime import build_runtime
from knowledge_base.records import Citation
from tests.bot.conftest import make_settings


def test_curated_answer_wins_for_paraphrases_and_stops_when_retired(
    sample_kb_dir: Path, tmp_path: Path
) -> None:
    runtime = build_runtime(make_settings(sample_kb_dir, f"sqlite:///{tmp_path / 'bot.sqlite3'}"))
    try:
        database = runtime.service.database
        citation = Citation(
            document_id="library-cards",
            title="Library Cards",
            source_url="https://www.millbrook.example/library",
        )
        curated_id = database.add_curated(
            ["Is the library open on Christmas Day?", "library hours on christmas"],
            "All Millbrook libraries are closed on December 25.",
            [citation],
        )
        pipeline = runtime.service.pipeline
        curated = runtime.curated
        curated.refresh()
        answer = pipeline.run("is the library open on christmas day?")
        assert answer.status == AnswerStatus.CURATED
        assert answer.text == "All Millbrook libraries are closed on December 25."
        assert answer.citations[0].document_id == "library-cards"
        unrelated = pipeline.run("How do I get a dog licence?")
        assert unrelated.status == AnswerStatus.ANSWERED
        assert database.retire_curated(curated_id)
        curated.refresh()
        assert pipeline.run("is the library open on christmas day?").status != AnswerStatus.CURATED
    finally:
        runtime.close()
