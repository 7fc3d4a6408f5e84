"""Documents the ingest checks flag are saved but held: left out of every published version until an editor
confirms them (that version) or fixes them. Through the real Ingestor, on the hostile corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.pipeline import Ingestor, IngestSummary
from knowledge_base.errors import DocumentNotFoundError, NotHeldError
from knowledge_base.kb import KnowledgeBase
from knowledge_base.snapshot import served_documents
from knowledge_base.tables import DocumentRow
from tests.ingest.conftest import write_document
from tests.ingest.hostile import PHISHING, PLANTED, SECRET, docx_with_hidden_runs, jsonl, pdf_with_hidden_text

BENCHES = (
    "# Memorial Benches\n\nA memorial bench costs $2,400 including installation and ten years of care.\n"
)
REFUNDS = "# Parking Refunds\n\nA parking refund is paid within 30 days of a successful appeal.\n"
HIDDEN_PAGE = (
    "<html><body><main><h1>Parking Refunds</h1><p>A parking refund is paid within 30 days of a successful "
    "appeal.</p>{hidden}</main></body></html>"
)


def served_ids(kb: KnowledgeBase) -> set[str]:
    current = kb.versions.current()
    return set(served_documents(kb.versions.versions_dir / current)) if current else set()


def review(kb: KnowledgeBase) -> dict[str, str]:
    return {d.id: d.review for d in kb.status().documents}


def ingest(kb: KnowledgeBase, folder: Path) -> IngestSummary:
    return Ingestor(kb).ingest([folder])


@pytest.fixture
def kb(make_kb) -> KnowledgeBase:  # type: ignore[no-untyped-def]
    return make_kb()  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("text", "checks"),
    [(PLANTED, {"instructions", "data-request"}), (PHISHING, {"data-request"})],
    ids=["planted-instructions", "phishing"],
)
def test_when_a_document_plants_instructions_or_phishes_then_it_is_held_and_not_published(
    text: str, checks: set[str], kb: KnowledgeBase, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    write_document(docs, "benches.md", BENCHES)
    write_document(docs, "refunds.md", REFUNDS.replace("appeal.", f"appeal. {text}"))

    summary = ingest(kb, docs)

    assert sorted(summary.added) == ["benches", "refunds"] and summary.failed == []
    [held] = summary.held
    assert held.document_id == "refunds" and held.source == str(docs / "refunds.md")
    assert {f.check for f in held.findings} == checks
    assert summary.published is not None and served_ids(kb) == {"benches"}
    assert review(kb) == {"benches": "ok", "refunds": "held"}
    hits = kb.retriever().retrieve("How do I get my parking refund?", k=5)
    assert {h.document_id for h in hits} == {"benches"}, "nothing of the held document is served"


def test_when_an_editor_confirms_then_that_version_is_published_and_a_changed_one_is_held_again(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    write_document(docs, "refunds.md", REFUNDS + f"\n{PLANTED}\n")
    first = ingest(kb, docs)
    assert [h.document_id for h in first.held] == ["refunds"]

    kb.confirm("refunds")
    kb.publish()
    assert served_ids(kb) == {"refunds"} and review(kb) == {"refunds": "confirmed"}

    again = ingest(kb, docs)
    assert again.unchanged == ["refunds"] and again.held == [] and again.published is None

    write_document(docs, "refunds.md", REFUNDS + f"\nRefunds take longer in December.\n\n{PLANTED}\n")
    changed = ingest(kb, docs)
    assert changed.updated == ["refunds"] and [h.document_id for h in changed.held] == ["refunds"]
    assert served_ids(kb) == set(), "the changed version is checked again and held"

    write_document(docs, "refunds.md", REFUNDS)
    fixed = ingest(kb, docs)
    assert fixed.updated == ["refunds"] and fixed.held == []
    assert served_ids(kb) == {"refunds"} and review(kb) == {"refunds": "ok"}


def test_a_confirmation_survives_a_change_of_chunking(kb: KnowledgeBase, tmp_path: Path) -> None:
    from ingest.chunking import ChunkingConfig

    write_document(tmp_path / "docs", "refunds.md", REFUNDS + f"\n{PLANTED}\n")
    ingest(kb, tmp_path / "docs")
    kb.confirm("refunds")
    rechunked = Ingestor(kb, ChunkingConfig(target_tokens=40)).ingest([tmp_path / "docs"])
    assert rechunked.updated == ["refunds"] and rechunked.held == []
    assert served_ids(kb) == {"refunds"}


def test_confirming_an_unknown_or_unheld_document_is_refused(kb: KnowledgeBase, tmp_path: Path) -> None:
    write_document(tmp_path / "docs", "benches.md", BENCHES)
    ingest(kb, tmp_path / "docs")
    with pytest.raises(DocumentNotFoundError, match=r"^No document in service with id 'nope'\.$"):
        kb.confirm("nope")
    with pytest.raises(NotHeldError, match=r"^Document 'benches' is not held for review\.$"):
        kb.confirm("benches")


@pytest.mark.parametrize(
    ("name", "data", "how"),
    [
        (
            "refunds.html",
            HIDDEN_PAGE.format(hidden=f'<p style="display:none">{SECRET}</p>').encode(),
            "display:none",
        ),
        ("refunds.docx", docx_with_hidden_runs("vanish"), "w:vanish"),
        ("refunds.pdf", pdf_with_hidden_text("invisible"), "invisible text (render mode 3)"),
    ],
    ids=["html", "docx", "pdf"],
)
def test_when_a_file_hides_text_then_it_is_not_indexed_and_the_document_is_held(
    name: str, data: bytes, how: str, kb: KnowledgeBase, tmp_path: Path
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / name).write_bytes(data)

    summary = ingest(kb, tmp_path / "docs")

    [held] = summary.held
    assert f"text a reader would not see was dropped: {how}" in [f.reason for f in held.findings]
    [row] = kb.status().documents
    assert row.review == "held"
    with kb.store.session() as session:
        text = session.get(DocumentRow, row.id).text  # type: ignore[union-attr]
    assert "Parking" in text and "SSN" not in text and "evil.example" not in text


def test_when_an_editor_removes_the_hidden_text_then_the_document_is_published(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    page = tmp_path / "docs" / "refunds.html"
    page.parent.mkdir()
    page.write_text(HIDDEN_PAGE.format(hidden=f'<p hidden="">{SECRET}</p>'), encoding="utf-8")
    assert [h.document_id for h in ingest(kb, tmp_path / "docs").held] == ["refunds"]

    page.write_text(HIDDEN_PAGE.format(hidden=""), encoding="utf-8")  # the visible text is the same
    fixed = ingest(kb, tmp_path / "docs")

    assert fixed.updated == ["refunds"] and fixed.held == [] and fixed.embedded == 0
    assert served_ids(kb) == {"refunds"}


def test_when_the_hidden_text_changes_then_a_confirmed_document_is_held_again(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    page = tmp_path / "docs" / "refunds.html"
    page.parent.mkdir()
    page.write_text(
        HIDDEN_PAGE.format(hidden='<p hidden="">Internal note for editors only.</p>'), encoding="utf-8"
    )
    ingest(kb, tmp_path / "docs")
    kb.confirm("refunds")
    page.write_text(HIDDEN_PAGE.format(hidden=f'<p hidden="">{SECRET}</p>'), encoding="utf-8")
    assert [h.document_id for h in ingest(kb, tmp_path / "docs").held] == ["refunds"]


@pytest.mark.parametrize(
    ("uri", "held"),
    [
        ("https://www.millbrook.example/parking/refunds", False),
        ("https://pay.services.millbrook.example/refunds", False),
        ("https://millbrook-refunds.example/claim", True),
        ("https://www.millbrook.example.evil.example/refunds", True),
    ],
)
def test_a_source_link_outside_the_city_holds_the_document(
    uri: str, held: bool, kb: KnowledgeBase, tmp_path: Path
) -> None:
    write_document(tmp_path / "docs", "refunds.md", REFUNDS, source_uri=uri)
    summary = ingest(kb, tmp_path / "docs")
    assert [h.document_id for h in summary.held] == (["refunds"] if held else [])
    if held:
        [finding] = summary.held[0].findings
        assert finding.check == "source-link" and finding.snippet == uri


def test_a_jsonl_url_outside_the_city_holds_only_that_document(kb: KnowledgeBase, tmp_path: Path) -> None:
    rows = (
        {"id": "a", "text": "Bench permits are free.", "url": "https://www.millbrook.example/a"},
        {"id": "b", "text": "Kiosk permits cost $90.", "url": "http://kiosks.evil.example/b"},
    )
    (tmp_path / "docs.jsonl").write_bytes(jsonl(*rows))
    summary = Ingestor(kb).ingest([tmp_path / "docs.jsonl"])
    assert summary.added == ["a", "b"] and [h.document_id for h in summary.held] == ["b"]
    assert served_ids(kb) == {"a"}


def test_the_city_domains_given_to_the_ingestor_decide_what_is_outside(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    write_document(tmp_path / "docs", "refunds.md", REFUNDS, source_uri="https://www.county.example/refunds")
    summary = Ingestor(kb, city_domains=("millbrook.example", "county.example")).ingest([tmp_path / "docs"])
    assert summary.held == [] and served_ids(kb) == {"refunds"}


def test_a_held_document_is_listed_again_by_the_next_ingest_until_it_is_confirmed(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    write_document(tmp_path / "docs", "refunds.md", REFUNDS + f"\n{PLANTED}\n")
    first = ingest(kb, tmp_path / "docs")
    again = ingest(kb, tmp_path / "docs")
    assert again.unchanged == ["refunds"] and [h.document_id for h in again.held] == ["refunds"]
    assert again.held[0].findings == first.held[0].findings and again.published is None
