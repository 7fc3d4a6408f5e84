"""Retriever: hybrid ranking, conversation use, filters, hot reload without failed queries."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from knowledge_base.embedder import SentenceTransformerEmbedder
from knowledge_base.errors import NoPublishedVersionError
from knowledge_base.kb import KnowledgeBase
from knowledge_base.langchain_adapter import AskcityRetriever
from knowledge_base.records import Filters, Turn
from knowledge_base.retriever import Retriever
from knowledge_base.settings import DEFAULT_MODEL
from knowledge_base.versions import VersionStore
from tests.knowledge_base.test_kb import KEY, LIBRARY, PARKING, doc

WASTE = doc(
    "waste",
    "Garbage is collected every Tuesday; recycling every other Friday.",
    "Bulky items such as sofas are picked up by appointment for a $25 fee.",
    department="Public Works",
    domain="waste",
)


@pytest.fixture
def sample_retriever(sample_kb_dir: Path) -> Retriever:
    return Retriever(VersionStore(sample_kb_dir / "kb"), SentenceTransformerEmbedder(DEFAULT_MODEL))


def test_follow_up_uses_the_conversation_to_find_the_document(sample_retriever: Retriever) -> None:
    history = [
        Turn("user", "How do I license my dog?"),
        Turn("agent", "You can license your dog online or at the Animal Services counter."),
    ]
    alone = sample_retriever.retrieve("how much does it cost?", k=1)
    with_history = sample_retriever.retrieve("how much does it cost?", history=history, k=1)
    assert with_history[0].document_id == "animals-dog-licences"
    assert alone[0].document_id != "animals-dog-licences" or alone[0].score < with_history[0].score


def test_a_new_subject_is_not_pulled_back_to_the_earlier_one(sample_retriever: Retriever) -> None:
    history = [
        Turn("user", "How do I get a residential parking permit?"),
        Turn("agent", "Apply online or in person at City Hall, room 104."),
    ]
    question = "which day is my garbage collected?"
    alone = sample_retriever.retrieve(question, k=1)[0]
    after_parking = sample_retriever.retrieve(question, history=history, k=1)[0]
    assert alone.document_id == "waste-collection-schedule"
    assert after_parking.document_id == "waste-collection-schedule"
    for other in ("how do I report a pothole?", "can I get a library card?"):
        assert sample_retriever.retrieve(other, history=history, k=1)[0].document_id != (
            "parking-residential-permits"
        )
    # a follow-up that names no other subject still follows the conversation
    follow_up = sample_retriever.retrieve("what if I'm over 65?", history=history, k=1)[0]
    assert follow_up.document_id == "parking-residential-permits"


def test_hits_carry_citation_fields_and_sentences(sample_retriever: Retriever) -> None:
    hit = sample_retriever.retrieve("When is the first property tax instalment due?", k=1)[0]
    assert hit.document_id == "tax-property-tax"
    assert hit.source_uri.startswith("https://www.millbrook.example/")
    assert hit.section_path and hit.title
    assert hit.sentences and all(
        hit.text[s.start - hit.start : s.end - hit.start] == s.text for s in hit.sentences
    )


def test_filters_restrict_by_department_and_domain(make_kb) -> None:  # type: ignore[no-untyped-def]
    kb: KnowledgeBase = make_kb()
    for item in (PARKING, LIBRARY, WASTE):
        kb.save(*item, KEY)
    kb.publish()
    retriever = kb.retriever()
    assert {h.document_id for h in retriever.retrieve("fee", k=5, filters=Filters(domain="waste"))} == {
        "waste"
    }
    only_library = retriever.retrieve("parking permit", k=5, filters=Filters(department="Library"))
    assert {h.document_id for h in only_library} == {"library"}
    assert retriever.retrieve("anything", k=5, filters=Filters(department="Nobody")) == []


def test_running_retriever_picks_up_a_new_version_without_failing_a_query(make_kb) -> None:  # type: ignore[no-untyped-def]
    kb: KnowledgeBase = make_kb()
    kb.save(*PARKING, KEY)
    kb.publish()
    retriever = kb.retriever(reload_check_seconds=0.0)
    first_name = retriever.snapshot.name
    errors: list[BaseException] = []
    seen: set[str] = set()
    stop = threading.Event()

    def ask() -> None:
        while not stop.is_set():
            try:
                seen.update(h.document_id for h in retriever.retrieve("garbage collection day", k=3))
            except BaseException as exc:
                errors.append(exc)

    worker = threading.Thread(target=ask)
    worker.start()
    try:
        kb.save(*WASTE, KEY)
        kb.publish()
        deadline = time.monotonic() + 30
        while "waste" not in seen and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        worker.join()
    assert errors == []
    assert "waste" in seen
    assert retriever.snapshot.name != first_name


def test_retriever_before_any_publish_says_what_to_do(tmp_path: Path) -> None:
    retriever = Retriever(VersionStore(tmp_path), SentenceTransformerEmbedder(DEFAULT_MODEL))
    with pytest.raises(NoPublishedVersionError, match="askcity ingest"):
        retriever.retrieve("hello")


def test_langchain_adapter_returns_documents_with_citation_metadata(sample_retriever: Retriever) -> None:
    docs = AskcityRetriever(retriever=sample_retriever, k=3).invoke("library card for my child")
    assert len(docs) == 3
    assert docs[0].metadata["document_id"] == "library-cards"
    assert docs[0].page_content and docs[0].metadata["source_uri"]


def test_an_earlier_extractive_reply_reuses_stored_sentence_vectors(sample_retriever: Retriever) -> None:
    hit = sample_retriever.retrieve("How do I get a library card?", k=1)[0]
    reply = " ".join(s.text for s in hit.sentences[:2])
    snap = sample_retriever.snapshot
    vector = snap.quoted_vector(reply)
    assert vector is not None and abs(float((vector**2).sum()) - 1.0) < 1e-4
    # the stored vectors stand in for the model: close to embedding the reply afresh
    fresh = SentenceTransformerEmbedder(DEFAULT_MODEL).embed([reply])[0]
    assert float(vector @ fresh) > 0.8
    assert snap.quoted_vector("A sentence the knowledge base never said.") is None


def test_int8_questions_find_the_same_documents(sample_kb_dir: Path, tmp_path: Path) -> None:
    model = SentenceTransformerEmbedder(
        DEFAULT_MODEL, backend="onnx", cache_dir=tmp_path, query_precision="int8"
    )
    exact = Retriever(VersionStore(sample_kb_dir / "kb"), SentenceTransformerEmbedder(DEFAULT_MODEL))
    fast = Retriever(VersionStore(sample_kb_dir / "kb"), model)
    for question in (
        "how much does a residential parking permit cost?",
        "which day is my garbage collected?",
        "can my child get a library card?",
        "how do I license my dog?",
    ):
        assert fast.retrieve(question, k=1)[0].document_id == exact.retrieve(question, k=1)[0].document_id
    assert len(list(tmp_path.glob("*-int8.onnx"))) == 1


def test_a_turn_asked_again_counts_once_in_the_conversation() -> None:
    """ "how much does it cost?" asked three times after "how do I get a parking permit?" drifted to the
    building-permit fees: repeated turns outweighed the one that named the topic."""
    from knowledge_base.records import Turn
    from knowledge_base.retriever import history_turns

    said = [
        Turn("user", "How do I get a parking permit?"),
        Turn("agent", "Apply online."),
        Turn("user", "how much does it cost?"),
        Turn("agent", "Fees are $60."),
        Turn("user", "how much does it cost?"),
        Turn("agent", "Fees are $60."),
    ]
    assert history_turns(said, 10) == ["How do I get a parking permit?", "how much does it cost?"]
    assert history_turns(said, 1) == ["how much does it cost?"]
    assert history_turns(said, 0) == []
