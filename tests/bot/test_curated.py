"""Curated answers: editor-pinned variants win over retrieval; the index follows the stored set."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answering.curated import CuratedAnswer, CuratedIndex, servable, stale_citations
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


# ---- citations that no longer match the published knowledge base ---------------------------------------
def _answer(cited: dict[str, int | None], answer_id: int = 1, question: str = "q") -> CuratedAnswer:
    return CuratedAnswer(
        answer_id,
        (question,),
        "a",
        tuple(Citation(document_id=d, title=d) for d in cited),
        {d: v for d, v in cited.items() if v is not None},
    )


@pytest.mark.parametrize(
    ("cited", "published", "stale", "serve"),
    [
        ({"a": 1}, {"a": 1}, [], True),
        ({}, {}, [], True),
        ({"a": 1}, {}, [("a", "unpublished", 1, None)], False),
        ({"a": 1}, {"a": 2}, [("a", "changed", 1, 2)], True),
        ({"a": None}, {"a": 3}, [], True),  # added before versions were kept: only retirement is known
        ({"a": None}, {}, [("a", "unpublished", None, None)], False),
        ({"a": 1, "b": 1}, {"a": 2}, [("a", "changed", 1, 2), ("b", "unpublished", 1, None)], False),
    ],
)
def test_stale_citations_and_servable(
    cited: dict[str, int | None],
    published: dict[str, int],
    stale: list[tuple[str, str, int | None, int | None]],
    serve: bool,
) -> None:
    answer = _answer(cited)
    assert [
        (s.document_id, s.problem, s.cited_version, s.published_version)
        for s in stale_citations(answer, published)
    ] == stale
    assert servable(answer, published) is serve


def test_a_curated_answer_citing_an_unpublished_document_gives_way_to_the_next_one(embedder) -> None:  # type: ignore[no-untyped-def]
    answers = [
        _answer({"retired-doc": 1}, 1, "When is the library open on Sundays?"),
        _answer({"library-cards": 1}, 2, "Is the library open on Sunday?"),
    ]
    index = CuratedIndex(lambda: answers, lambda: "1", embedder, threshold=0.5)
    index.refresh()
    [vector] = embedder.embed(["When is the library open on Sundays?"])
    assert index.match(vector).curated_id == 1  # type: ignore[union-attr]
    assert index.match(vector, {"library-cards": 1}).curated_id == 2  # type: ignore[union-attr]
    assert index.match(vector, {}) is None
