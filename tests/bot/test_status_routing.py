"""Status questions through the whole pipeline, without a records service: someone else's case, and
the general answer added to a status question the classifier is not sure of."""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest

from bot.answering.pipeline import Pipeline
from bot.answering.statuses import AnswerStatus
from bot.runtime import Runtime
from knowledge_base.records import Turn


@pytest.mark.parametrize(
    "question",
    [
        "can you check my husband's permit",  # the classifier alone scored it a question about the rules
        "where is my daughter's parking permit",
        "is my mother's benefit approved yet",
        "what is the status of my neighbour Tom's complaint",
    ],
)
def test_someone_elses_case_is_told_only_ones_own_are_shown_logged_in_or_not(
    runtime: Runtime, question: str
) -> None:
    """Not logged in, the login prompt would promise what logging in cannot give: his permit."""
    pipeline = runtime.service.pipeline
    answer = pipeline.run(question)
    assert (answer.intent, answer.status, answer.citations) == ("status", AnswerStatus.NO_ANSWER, ())
    contact = pipeline.route.default_contact
    assert answer.text.startswith(pipeline.replies.get("records_only_yours", contact=contact))
    assert pipeline.replies.get("records_made_for_them_login") in answer.text


@pytest.mark.parametrize(
    "question",
    ["how do I renew my son's parking permit?", "how much is my daughter's parking permit"],
)
def test_a_question_about_the_rules_for_someone_elses_case_is_answered(
    runtime: Runtime, question: str
) -> None:
    answer = runtime.service.pipeline.run(question)
    assert (answer.intent, answer.status) == ("question", AnswerStatus.ANSWERED), answer.text
    assert answer.citations[0].document_id == "parking-residential-permits"


@pytest.fixture(scope="module")
def never_sure(runtime: Runtime) -> Pipeline:
    """The pipeline with a status classifier that is never sure: every status question is answered
    with what the documents say in general, where they answer it (the classifier itself unchanged)."""
    pipeline = runtime.service.pipeline
    intents = copy.copy(pipeline.route.intents)
    intents.config = replace(intents.config, sure=1.01)
    return replace(pipeline, route=replace(pipeline.route, intents=intents))


def test_the_general_answer_to_a_status_question_is_never_the_conversations_page(
    runtime: Runtime, never_sure: Pipeline
) -> None:
    """After a question about toilet leaks, "I'd like to check on my application" was followed by how
    to check for a toilet leak: the conversation carried that page through the gate."""
    first = "my toilet keeps running, is that a leak?"
    before = runtime.service.pipeline.run(first)
    assert before.citations and before.citations[0].document_id == "utilities-water-bills-leaks"
    history = [Turn("user", first), Turn("agent", before.text)]
    login = never_sure.replies.get("needs_login")
    for message in ("I'd like to check on my application", "i want to check my application"):
        for conversation in (history, []):
            answer = never_sure.run(message, conversation)
            assert (answer.intent, answer.status) == ("status", AnswerStatus.NEEDS_LOGIN), message
            assert (answer.text, answer.citations) == (login, ()), message
    # a status question that names a subject still gets the documents' answer, from its own page
    plowed = never_sure.run("is my street getting plowed today?", history)
    assert plowed.status == AnswerStatus.NEEDS_LOGIN and plowed.text.startswith(
        never_sure.replies.get("needs_login_general")
    )
    assert [c.document_id for c in plowed.citations] == ["streets-snow-removal"]
