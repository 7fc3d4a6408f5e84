"""A citation's link is a public address or nothing, in the chat API's response body and wherever a
citation goes (issue 13: a document
ingested without metadata has the editor's local path as its source, which must never reach a resident,
whatever hosts the answering pipeline's link check allows)."""

from __future__ import annotations

import pytest

from bot.answering.statuses import AnswerStatus
from bot.answering.turn import Answer, AnswerSentence
from bot.api.schemas import ChatResponse
from knowledge_base.records import Citation, public_url


@pytest.mark.parametrize(
    ("source_url", "returned"),
    [
        ("https://www.millbrook.example/pool", "https://www.millbrook.example/pool"),
        ("http://millbrook.example/pool", "http://millbrook.example/pool"),
        ("file:///home/editor/docs/pool.html", ""),
        ("FILE:///C:/Users/editor/pool.html", ""),
        ("/home/editor/docs/pool.html", ""),
        ("C:\\Users\\editor\\pool.html", ""),
        ("docs/pool.html", ""),
        ("https:///no-host", ""),
        ("", ""),
    ],
)
def test_a_citation_link_reaches_the_resident_only_as_a_public_address(
    source_url: str, returned: str
) -> None:
    assert public_url(source_url) == returned
    citation = Citation(document_id="pool", title="Pool Hours", source_url=source_url, quote="Opens at 7.")
    # the citation itself keeps only a public address: the chat API, the staff console's suggestions
    # and search, and stored curated answers all show the same
    assert citation.source_url == returned
    answer = Answer(
        answer_id="a1",
        status=AnswerStatus.ANSWERED,
        text="Opens at 7.",
        sentences=(AnswerSentence("Opens at 7.", 0),),
        citations=(citation,),
        confidence=0.9,
        follow_ups=(),
        timings_ms={},
        redacted_question="when does the pool open?",
    )
    body = ChatResponse.of(answer).model_dump(mode="json")
    assert body["citations"][0]["source_url"] == returned
    assert body["citations"][0]["quote"] == "Opens at 7."  # the rest of the citation is kept
