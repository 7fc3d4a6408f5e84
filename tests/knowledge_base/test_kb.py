"""KnowledgeBase: incremental saves, publish, remove, rollback — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

from knowledge_base.errors import DocumentNotFoundError, ModelMismatchError, RollbackError
from knowledge_base.kb import KnowledgeBase
from knowledge_base.records import Chunk, Document
from knowledge_base.snapshot import Snapshot

KEY = "chunking-v1"


def doc(doc_id: str, *paragraphs: str, title: str = "", **meta: object) -> tuple[Document, list[Chunk]]:
    text = "\n\n".join(paragraphs)
    document = Document(id=doc_id, title=title or doc_id.title(), text=text, **meta)  # type: ignore[arg-type]
    chunks, offset = [], 0
    for ordinal, p in enumerate(paragraphs):
        start = text.index(p, offset)
        chunks.append(
            Chunk(
                doc_id,
                ordinal,
                ("Section",),
                p,
                start,
                start + len(p),
                len(p.split()),
                f"{document.title}\n{p}",
            )
        )
        offset = start + len(p)
    return document, chunks


PARKING = doc(
    "parking",
    "A residential parking permit costs $60 per year for the first car.",
    "Apply online with proof of address and the vehicle registration.",
    department="Parking Services",
    effective_date=date(2026, 1, 1),
)
LIBRARY = doc("library", "Library cards are free for every resident of the city.", department="Library")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def kb(request: pytest.FixtureRequest, make_kb) -> KnowledgeBase:  # type: ignore[no-untyped-def]
    if request.param == "postgres":
        return make_kb(request.getfixturevalue("postgres_url"))  # type: ignore[no-any-return]
    return make_kb()  # type: ignore[no-any-return]


def test_when_document_unchanged_then_nothing_is_reembedded(kb: KnowledgeBase, embedder) -> None:  # type: ignore[no-untyped-def]
    first = kb.save(*PARKING, KEY)
    assert first.outcome == "added" and first.embedded > 0
    calls = embedder.calls
    again = kb.save(*PARKING, KEY)
    assert again.outcome == "unchanged"
    assert again.embedded == 0
    assert embedder.calls == calls


def test_when_one_paragraph_changes_then_only_its_texts_are_embedded(kb: KnowledgeBase, embedder) -> None:  # type: ignore[no-untyped-def]
    kb.save(*PARKING, KEY)
    changed = doc(
        "parking",
        "A residential parking permit costs $75 per year for the first car.",
        "Apply online with proof of address and the vehicle registration.",
        department="Parking Services",
        effective_date=date(2026, 1, 1),
    )
    before = embedder.texts
    result = kb.save(*changed, KEY)
    assert result.outcome == "updated"
    # the changed chunk and its one sentence; the untouched paragraph is served from the cache
    assert result.embedded == 2
    assert embedder.texts - before == 2
    assert kb.store.state("parking").version == 2  # type: ignore[union-attr]


def test_publish_then_retrieve_finds_the_right_document(kb: KnowledgeBase) -> None:
    kb.save(*PARKING, KEY)
    kb.save(*LIBRARY, KEY)
    manifest = kb.publish()
    assert (manifest.documents, manifest.chunks) == (2, 3)
    hits = kb.retriever().retrieve("how much is a parking permit?", k=2)
    assert hits[0].document_id == "parking"
    assert hits[0].text == PARKING[0].text[hits[0].start : hits[0].end]
    assert hits[0].department == "Parking Services"
    assert hits[0].effective_date == date(2026, 1, 1)


def test_removed_document_leaves_the_index_at_next_publish(kb: KnowledgeBase) -> None:
    kb.save(*PARKING, KEY)
    kb.save(*LIBRARY, KEY)
    kb.publish()
    kb.remove("library")
    manifest = kb.publish()
    assert manifest.documents == 1
    hits = kb.retriever().retrieve("library card", k=5)
    assert {h.document_id for h in hits} == {"parking"}
    with pytest.raises(DocumentNotFoundError):
        kb.remove("library")
    with pytest.raises(DocumentNotFoundError):
        kb.remove("no-such-document")


def test_a_retired_document_can_be_brought_back_before_the_next_publish(kb: KnowledgeBase) -> None:
    kb.save(*PARKING, KEY)
    kb.save(*LIBRARY, KEY)
    kb.publish()
    kb.remove("library")
    assert kb.store.unretire("library") is True
    assert kb.store.unretire("library") is False  # not retired (any more)
    assert kb.store.unretire("no-such-document") is None
    assert kb.publish().documents == 2


def test_rollback_serves_the_previous_version(kb: KnowledgeBase) -> None:
    kb.save(*PARKING, KEY)
    first = kb.publish()
    kb.save(*LIBRARY, KEY)
    second = kb.publish()
    assert kb.versions.current() == second.name
    back = kb.rollback()
    assert back.name == first.name
    assert kb.versions.current() == first.name
    with pytest.raises(RollbackError):
        kb.rollback()


def test_only_the_last_n_versions_are_kept(make_kb) -> None:  # type: ignore[no-untyped-def]
    kb = make_kb(keep=2)
    kb.save(*PARKING, KEY)
    names = [kb.publish().name for _ in range(4)]
    assert kb.versions.names() == names[-2:]
    assert kb.status().current.name == names[-1]  # type: ignore[union-attr]


def test_opening_an_index_with_another_model_is_a_clear_error(kb: KnowledgeBase) -> None:
    kb.save(*PARKING, KEY)
    manifest = kb.publish()
    with pytest.raises(ModelMismatchError, match="built with embedding model"):
        Snapshot.load(kb.versions.versions_dir / manifest.name, "sentence-transformers/other-model")


def test_status_lists_documents_and_versions(kb: KnowledgeBase) -> None:
    kb.save(*PARKING, KEY)
    kb.publish()
    kb.remove("parking")
    status = kb.status()
    assert [(d.id, d.retired, d.chunks) for d in status.documents] == [("parking", True, 2)]
    assert status.current is not None and status.versions == [status.current.name]
