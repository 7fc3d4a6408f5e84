"""Contract of each answering step: the typed value it takes, the typed value it returns, nothing mutated.

Every step runs on the real components of the sample runtime (model, FAISS, presidio). The values are
frozen: a step cannot change what an earlier step produced, and the raw message exists only in
`TurnRequest`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import replace

import pytest

from bot.answering.pipeline import Pipeline
from bot.answering.search_text import search_text
from bot.answering.statuses import AnswerStatus
from bot.answering.turn import (
    Draft,
    Hits,
    RedactedMessage,
    Reply,
    Routed,
    TurnRequest,
    VerifiedDraft,
)
from bot.runtime import Runtime
from knowledge_base.records import Citation, Turn
from knowledge_base.retriever import Query

EMAIL = "jane.roe@example.org"


@pytest.fixture(scope="module")
def pipeline(runtime: Runtime) -> Pipeline:
    return runtime.service.pipeline


def test_redact_is_the_only_step_that_reads_the_raw_message(pipeline: Pipeline) -> None:
    request = TurnRequest(f"My email is {EMAIL}. When is recycling picked up?")
    redacted = pipeline.redact(request)
    assert isinstance(redacted, RedactedMessage)
    assert EMAIL not in redacted.text and "[EMAIL]" in redacted.text
    assert "[EMAIL]" not in redacted.search_text and "recycling" in redacted.search_text
    assert redacted.pii_found == ("EMAIL_ADDRESS",)
    fields = {f.name for f in dataclasses.fields(RedactedMessage)}
    assert "message" not in fields  # no later value can carry the raw text along


def test_validate_passes_a_message_on_or_refuses_it(pipeline: Pipeline) -> None:
    ok = pipeline.redact(TurnRequest("How do I get a library card?"))
    assert pipeline.validate(ok) is ok
    empty = pipeline.validate(pipeline.redact(TurnRequest(" \u200b ?! ")))
    assert isinstance(empty, Reply) and empty.status == AnswerStatus.REJECTED


def test_a_too_long_message_is_redacted_before_it_is_refused(pipeline: Pipeline) -> None:
    answer = pipeline.run(f"write to {EMAIL} " + "please " * 400)
    assert answer.status == AnswerStatus.REJECTED
    assert EMAIL not in answer.redacted_question and "[EMAIL]" in answer.redacted_question
    assert answer.steps[0] == "redact"


def test_encode_route_retrieve_compose_verify_gate_chain_their_types(pipeline: Pipeline) -> None:
    message = pipeline.redact(TurnRequest("How much does a residential parking permit cost?"))
    query = pipeline.encode(message, ())
    assert isinstance(query, Query)
    routed = pipeline.route(message, query)
    assert isinstance(routed, Routed) and routed.intent == "question"
    hits = pipeline.retrieve(query, ())
    assert isinstance(hits, Hits) and hits.chunks and hits.question_best > 0
    draft = pipeline.compose(hits)
    assert isinstance(draft, Draft) and draft.sentences
    verified = pipeline.verify(draft)
    assert isinstance(verified, VerifiedDraft)
    reply = pipeline.gate(verified)
    assert isinstance(reply, Reply) and reply.status == AnswerStatus.ANSWERED
    with pytest.raises(dataclasses.FrozenInstanceError):
        draft.sentences = ()  # type: ignore[misc]


def test_verify_drops_a_sentence_its_citation_does_not_support(pipeline: Pipeline) -> None:
    message = pipeline.redact(TurnRequest("How do I get a library card?"))
    draft = pipeline.compose(pipeline.retrieve(pipeline.encode(message, ()), ()))
    forged = replace(draft.sentences[0], text="Library cards cost $500 and need a blood test.")
    verified = pipeline.verify(replace(draft, sentences=(forged, *draft.sentences[1:])))
    assert forged not in verified.sentences and verified.dropped == 1


def test_route_recognises_small_talk_handoff_and_case_references(pipeline: Pipeline) -> None:
    def intent(text: str) -> str:
        message = pipeline.redact(TurnRequest(text))
        return pipeline.route(message, pipeline.encode(message, ())).intent

    assert intent("hello") == "greeting"
    assert intent("hello?") == intent("hi, how are you doing today?") == "greeting"
    assert intent("how are you going to use my data?") == "question"
    assert intent("thanks!") == "thanks"
    assert intent("can I talk to a real person") == "handoff"
    for asked in ("Can I talk to someone?", "I need to speak with someone", "connect me to an agent"):
        assert intent(asked) == "handoff", asked
    for asked in (
        "who do I talk to about a noise complaint?",
        "Do I need to talk to anyone before removing a tree?",
        "Is there a number to talk to someone about my water bill?",
        "Can I chat with staff at the front desk about membership?",
        "Can I speak with anyone on weekends about snow removal?",
    ):
        assert intent(asked) != "handoff", asked
    assert intent("status of MB-7K2P-9QXD-4R8T-Z") == "status"
    assert intent("has my building permit been approved yet?") == "status"
    assert intent("how long does a building permit take?") == "question"


def test_a_follow_up_naming_a_kind_of_case_after_a_status_question_is_one(pipeline: Pipeline) -> None:
    """ "what about the parking one?" after "any updates on my applications?" asks about the resident's
    parking case; after a question about the rules, or as "and how much is a parking permit?", such a
    follow-up stays a question."""

    def intent(text: str, before: str) -> str:
        history = (Turn("user", before), Turn("agent", ""))
        message = pipeline.redact(TurnRequest(text, history))
        return pipeline.route(message, pipeline.encode(message, history), history).intent

    for follow_up in ("what about the parking one", "and the complaint?", "whats the waste one about"):
        assert intent(follow_up, "any updates on my applications?") == "status", follow_up
    for follow_up in ("whats the waste one about", "what about the benefit"):
        assert intent(follow_up, "How do I get a library card?") == "question", follow_up
    # naming nothing at all, it can only be about the cases just discussed (an exploratory run)
    for follow_up in ("and the other one?", "the second one?", "the last one"):
        assert intent(follow_up, "any news on my benefit?") == "status", follow_up
        assert intent(follow_up, "How do I get a library card?") == "question", follow_up
    assert intent("and how much is a parking permit?", "is my parking permit approved?") == "question"
    assert intent("when will the payment come", "any updates on my applications?") == "question"


def test_redaction_reads_a_message_after_the_residents_one_before(pipeline: Pipeline) -> None:
    """ "and ends 1111 1111" after "My card number starts 4111 1111": the card's second half."""
    history = (Turn("user", "My card number starts [CARD]"), Turn("agent", ""))
    answer = pipeline.run("and ends 1111 1111", history)
    assert "1111" not in answer.redacted_question and "[CARD]" in answer.redacted_question
    assert "1111 1111" in pipeline.run("and ends 1111 1111").redacted_question  # alone: any eight digits


def test_a_goodbye_gets_a_goodbye_and_a_thanks_the_offer_of_more(pipeline: Pipeline) -> None:
    assert "Goodbye" in pipeline.run("ok thanks bye").text
    assert "anything else" in pipeline.run("thanks!").text
    ok = pipeline.run("ok", (Turn("user", "How do I get a library card?"), Turn("agent", "Visit a branch.")))
    assert ok.text == "Is there anything else I can help you with?" and not ok.citations


def test_curated_step_returns_none_when_nothing_is_pinned(pipeline: Pipeline) -> None:
    assert pipeline.curated is not None
    message = pipeline.redact(TurnRequest("How do I get a library card?"))
    assert pipeline.curated(pipeline.encode(message, ())) is None


def test_links_step_blanks_links_outside_the_city(pipeline: Pipeline) -> None:
    reply = Reply(
        AnswerStatus.CURATED,
        "Write to refunds@evil.example or see https://evil.example/pay.",
        citations=(Citation(document_id="d", title="t", source_url="javascript:alert(1)"),),
    )
    checked = pipeline.links(reply)
    assert checked.citations[0].source_url == ""
    assert "evil.example" not in checked.text


def test_a_failing_step_becomes_an_error_reply_not_an_exception(pipeline: Pipeline) -> None:
    class Broken:
        name = "retrieve"

        def __call__(self, query: Query, history: tuple[Turn, ...]) -> Hits:
            raise RuntimeError("index file unreadable")

    broken = replace(pipeline, retrieve=Broken())  # type: ignore[arg-type]
    answer = broken.run("How do I get a library card?")
    assert answer.status == AnswerStatus.ERROR
    assert answer.failed_step == "retrieve"
    assert answer.text and "index" not in answer.text


@pytest.mark.parametrize(
    ("redacted", "expected"),
    [
        ("My email is [EMAIL] and my phone is [PHONE]. What day is recycling?", "What day is recycling?"),
        ("when is recycling, call me at [PHONE]", "when is recycling"),
        (
            "can the contractor park on the street all week My IBAN is [IBAN].",
            "can the contractor park on the street all week",
        ),
        (
            "Brandon Drake here, [PHONE]. do i need a licence for a home business?",
            "do i need a licence for a home business?",
        ),
        ("Hi, I'm Jane Roe, email [EMAIL]. when is garbage day", "when is garbage day"),
        ("My email is [EMAIL] and my phone is [PHONE]. by when?", "by when?"),
        ("hello, my SSN is [SSN] if you need it. where can my parents park?", "where can my parents park?"),
        (
            "camp ends at 4, is there after care You can reach me at [PHONE] or [EMAIL].",
            "camp ends at 4, is there after care",
        ),
        ("when is garbage day\nJane Roe\n[EMAIL]\n[PHONE]", "when is garbage day"),
        ("[EMAIL]", ""),
        ("is my card [CARD] charged for the parking permit fee", "charged for the parking permit fee"),
        ("no personal data here", "no personal data here"),
        ("my driver's license is [ID_NUMBER], can I get a parking permit?", "can I get a parking permit?"),
        ("DL# [ID_NUMBER] how do I renew the dog licence", "how do I renew the dog licence"),
        ("my password is [SECRET] and the portal locks me out", "and the portal locks me out"),
        # a few words after the data are the question when nothing else is left to search
        ("my phone is [PHONE] permit status", "permit status"),
        ("my pin is [SECRET] check my permit", "check my permit"),
        ("My SSN is [SSN] if you need it. When is my permit ready?", "When is my permit ready?"),
    ],
)
def test_placeholders_are_never_search_terms(redacted: str, expected: str) -> None:
    placeholders = ("[EMAIL]", "[PHONE]", "[CARD]", "[IBAN]", "[SSN]", "[ID_NUMBER]", "[SECRET]")
    assert search_text(redacted, placeholders) == expected
