"""The answering pipeline end to end on the sample knowledge base: every status path."""

from __future__ import annotations

import re

import pytest

from bot.answering.composer import load_answer_types
from bot.answering.statuses import AnswerStatus
from bot.runtime import Runtime
from knowledge_base.records import Turn


def ask(runtime: Runtime, message: str, history: list[Turn] | None = None, token: str | None = None):  # type: ignore[no-untyped-def]
    return runtime.service.pipeline.run(message, history or [], token)


@pytest.mark.parametrize(
    ("message", "status"),
    [
        ("How much does a residential parking permit cost?", AnswerStatus.ANSWERED),
        ("What is the capital of France?", AnswerStatus.NO_ANSWER),
        ("I'd like to talk to a real person please", AnswerStatus.HANDOFF),
        ("where is my permit application?", AnswerStatus.NEEDS_LOGIN),
        ("   \u200b\u200b  ", AnswerStatus.REJECTED),
        ("you are a fucking idiot", AnswerStatus.REJECTED),
        ("hello", AnswerStatus.ANSWERED),
    ],
)
def test_each_route_ends_with_its_status(runtime: Runtime, message: str, status: AnswerStatus) -> None:
    answer = ask(runtime, message)
    assert answer.status == status
    assert answer.text.strip()


def test_answer_sentences_are_verbatim_quotes_of_their_citations(runtime: Runtime) -> None:
    answer = ask(runtime, "When are property tax instalments due?")
    assert answer.status == AnswerStatus.ANSWERED
    assert answer.citations and answer.sentences
    for sentence in answer.sentences:
        citation = answer.citations[sentence.citation]
        assert sentence.text in citation.quote
        assert citation.document_id == "tax-property-tax"
        assert citation.source_url.startswith("https://www.millbrook.example/")
        assert citation.effective_date is not None and citation.section_path


def test_a_follow_up_that_only_asks_how_fast_is_never_answered_from_another_page(runtime: Runtime) -> None:
    """ "how quickly" names nothing: read alone, the summer camp page's "weeks fill up quickly" would
    answer it; it is answered from the conversation's page or refused."""
    for first in ("how do i apply for a tree removal permit", "i got an eviction notice, can the city help?"):
        before = ask(runtime, first)
        assert before.status == AnswerStatus.ANSWERED
        history = [Turn("user", first), Turn("agent", before.text)]
        for follow_up in ("how quickly", "how fast can i get it"):
            answer = ask(runtime, follow_up, history)
            assert {c.document_id for c in answer.citations} <= {before.citations[0].document_id}, follow_up


def test_a_question_about_another_city_is_told_the_documents_answer_for_this_one(runtime: Runtime) -> None:
    for question, place in (
        ("how much is a dog licence in vancouver", "Vancouver"),
        ("when are garbage days in Springfield?", "Springfield"),
        ("what are the bus fares in new york?", "New York"),
        ("what are the fees for dog licences in vancouver", "Vancouver"),
        ("when is garbage day in the town of greendale", "Greendale"),  # not "green": the name itself
    ):
        answer = ask(runtime, question)
        assert (answer.status, answer.intent, answer.citations) == (AnswerStatus.NO_ANSWER, "other_place", ())
        assert place in answer.text and "Millbrook" in answer.text
    for question in (
        "how much is a dog licence in Millbrook?",
        "I live in London, can I get a library card?",  # where the resident is from is no other place
        "how do i book an inspection for my reno",  # "my reno" is no Reno
    ):
        assert ask(runtime, question).status == AnswerStatus.ANSWERED, question


def test_a_first_message_that_only_asks_how_fast_asks_what_it_is_about(runtime: Runtime) -> None:
    for message in ("how quickly?", "how long does it take?", "when is it"):
        answer = ask(runtime, message)
        assert (answer.status, answer.citations) == (AnswerStatus.NO_ANSWER, ()), message
        assert "what your question is about" in answer.text


def test_a_follow_up_that_points_back_is_never_answered_from_another_page(runtime: Runtime) -> None:
    """ "I'll be away that day" means the election day: read alone, the garbage page's "collection day"
    would answer it."""
    first = "when is the next city election"
    before = ask(runtime, first)
    assert before.citations and before.citations[0].document_id == "elections-voter-registration"
    answer = ask(runtime, "i'll be away that day", [Turn("user", first), Turn("agent", before.text)])
    assert {c.document_id for c in answer.citations} <= {"elections-voter-registration"}


def test_follow_up_is_answered_from_the_conversation(runtime: Runtime) -> None:
    history = [
        Turn("user", "How do I get a dog licence?"),
        Turn("agent", "You can license your dog online or at the Animal Services counter."),
    ]
    answer = ask(runtime, "how much does it cost?", history)
    assert answer.status == AnswerStatus.ANSWERED
    assert answer.citations[0].document_id == "animals-dog-licences"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # a duration, not the fine for not shovelling
        ("how long do i have to shovel my sidewalk after it snows", r"within 24 hours"),
        # a place, not the release fee
        ("my car got towed last night, where do i go to get it back", r"8 Quarry Lane"),
        # the processing time, not the definition of a building permit that matched the words better
        # (with "?" the definition won, without it the time: the bonus for a duration was too small)
        ("how long does a building permit take?", r"\d+ business days"),
        ("how long does a building permit take", r"\d+ business days"),
        ("how long does it take to get a business licence approved", r"within 10 business days"),
    ],
)
def test_the_answer_holds_the_kind_of_thing_the_question_asks_for(
    runtime: Runtime, question: str, expected: str
) -> None:
    answer = ask(runtime, question)
    assert answer.status == AnswerStatus.ANSWERED
    assert re.search(expected, answer.text), answer.text


def test_answer_types_data_compiles_and_tells_question_kinds_apart() -> None:
    kinds = load_answer_types("en")
    assert kinds and all(
        isinstance(k.question, re.Pattern) and isinstance(k.answer, re.Pattern) for k in kinds
    )
    asks = [[bool(k.question.search(text)) for k in kinds] for text in ("how much is it?", "when is it due?")]
    assert asks[0] != asks[1] and any(asks[0]) and any(asks[1])


def test_a_change_of_subject_is_answered_from_the_new_subject(runtime: Runtime) -> None:
    first = ask(runtime, "How do I get a dog licence?")
    history = [Turn("user", "How do I get a dog licence?"), Turn("agent", first.text)]
    answer = ask(runtime, "thanks. which day is my garbage collected?", history)
    assert answer.status == AnswerStatus.ANSWERED
    assert answer.citations[0].document_id == "waste-collection-schedule"


@pytest.mark.parametrize(
    ("question", "document"),
    [
        ("wen is my recyling colected", "waste-collection-schedule"),
        ("how do i get a libary card", "library-cards"),
    ],
)
def test_misspelt_questions_are_answered_as_if_spelt_right(
    runtime: Runtime, question: str, document: str
) -> None:
    answer = ask(runtime, question)
    assert answer.status == AnswerStatus.ANSWERED
    assert answer.citations[0].document_id == document


def test_no_answer_names_a_contact_route(runtime: Runtime) -> None:
    answer = ask(runtime, "Can you recommend a good pizza restaurant downtown?")
    assert answer.status == AnswerStatus.NO_ANSWER
    assert "311" in answer.text or "@millbrook.example" in answer.text
    assert answer.citations == ()


def test_short_question_matching_several_documents_equally_asks_which(runtime: Runtime) -> None:
    answer = ask(runtime, "fees?")
    assert answer.status == AnswerStatus.CLARIFICATION
    assert len(answer.follow_ups) >= 2 and answer.citations == ()
    # the titles offered are the documents retrieval found closest
    hits = runtime.retriever.retrieve("fees?", k=5)
    assert answer.follow_ups[0] == hits[0].title


def test_the_same_short_question_in_a_conversation_is_answered(runtime: Runtime) -> None:
    history = [Turn("user", "I want to book a park pavilion"), Turn("agent", "")]
    answer = ask(runtime, "fees?", history)
    assert answer.status == AnswerStatus.ANSWERED
    assert answer.citations[0].document_id == "parks-facility-bookings"


def test_pii_is_redacted_before_anything_else_sees_it(runtime: Runtime) -> None:
    answer = ask(
        runtime, "My email is ann.lee@example.com and my phone is (555) 014-2233. When is garbage pickup?"
    )
    assert "ann.lee@example.com" not in answer.redacted_question
    assert "014-2233" not in answer.redacted_question
    assert set(answer.pii_found) == {"EMAIL_ADDRESS", "PHONE_NUMBER"}


def test_too_long_message_is_rejected_with_the_limit(runtime: Runtime) -> None:
    answer = ask(runtime, "parking " * 400)
    assert answer.status == AnswerStatus.REJECTED
    assert "1,000" in answer.text


def test_every_step_records_its_timing(runtime: Runtime) -> None:
    answer = ask(runtime, "How do I get a library card?")
    steps = (
        "redact",
        "validate",
        "encode",
        "route",
        "curated",
        "retrieve",
        "compose",
        "verify",
        "gate",
        "links",
    )
    assert answer.steps == steps
    for step in (*steps, "total"):
        assert step in answer.timings_ms
