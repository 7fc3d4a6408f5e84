"""Suggested replies for agents and the console's knowledge-base search, on the sample knowledge base."""

from __future__ import annotations

import pytest

from bot.staff.assist import Assistant, Said, reciprocal_rank_fusion
from knowledge_base.records import Turn
from tests.bot.staff.staff_harness import StaffStack


@pytest.fixture(scope="module")
def assistant(stack: StaffStack) -> Assistant:
    assert stack.runtime.assistant is not None
    return stack.runtime.assistant


@pytest.mark.parametrize(
    "question",
    [
        "How much does a residential parking permit cost?",
        "How do I get a dog licence?",
        "When is recycling collected?",
        "How do I appeal a parking ticket?",
    ],
)
def test_three_different_suggestions_with_citations(assistant: Assistant, question: str) -> None:
    """Three suggestions, no sentence in two of them; at most two from one passage (a second reading)."""
    found = assistant.suggest([Said("resident", question)])
    assert len(found.suggestions) == 3
    passages = [(s.citations[0].document_id, s.citations[0].start) for s in found.suggestions]
    assert len(set(passages)) >= 2
    sentences = [sentence.text for s in found.suggestions for sentence in s.sentences]
    assert len(sentences) == len(set(sentences))
    for s in found.suggestions:
        assert s.source == "passage" and 0.0 <= s.confidence <= 1.0
        assert s.citations[0].title and s.citations[0].effective_date is not None
        for sentence in s.sentences:  # every sentence is quoted from its cited passage
            assert sentence.text in s.citations[sentence.citation].quote
    assert found.suggestions[0].confidence >= 0.5  # the sample documents answer these


def test_the_conversation_decides_what_a_follow_up_is_about(assistant: Assistant) -> None:
    found = assistant.suggest(
        [
            Said("resident", "I want to get a licence for my dog."),
            Said("agent", "Happy to help with that."),
            Said("resident", "How much does it cost?"),
        ]
    )
    assert found.question == "How much does it cost?"
    assert "dog" in found.suggestions[0].citations[0].document_id


@pytest.mark.parametrize("then", ["I want to talk to a person", "yes", "ok thanks"])
def test_a_message_that_asks_nothing_gives_way_to_the_question_before_it(
    assistant: Assistant, then: str
) -> None:
    """Right after a claim the latest resident message is the request for a person: the agent gets
    suggestions for the question the resident asked."""
    asked = "How do I appeal a parking ticket?"
    alone = assistant.suggest([Said("resident", asked)])
    found = assistant.suggest(
        [Said("resident", asked), Said("agent", "I can't answer that, sorry."), Said("resident", then)]
    )
    assert found.question == asked
    assert found.suggestions[0].citations[0].document_id == alone.suggestions[0].citations[0].document_id


def test_personal_data_in_the_conversation_is_redacted_before_anything_reads_it(assistant: Assistant) -> None:
    found = assistant.suggest([Said("resident", "I'm jane@example.com, how do I renew my parking permit?")])
    assert "jane@example.com" not in found.question and "[EMAIL]" in found.question
    assert found.suggestions


def test_a_curated_answer_comes_first(stack: StaffStack, assistant: Assistant) -> None:
    database = stack.runtime.service.database
    curated = database.add_curated(
        ["Can I bring my own compost bin to the depot?"], "Yes, Monday to Saturday, free of charge.", []
    )
    try:
        stack.runtime.curated.refresh()
        found = assistant.suggest([Said("resident", "Can I bring my own compost bin to the depot?")])
        assert found.suggestions[0].source == "curated"
        assert found.suggestions[0].text == "Yes, Monday to Saturday, free of charge."
        assert len(found.suggestions) == 3
    finally:
        database.retire_curated(curated)
        stack.runtime.curated.refresh()


def test_nothing_to_answer_gives_no_suggestion(assistant: Assistant) -> None:
    assert assistant.suggest([Said("agent", "Hello, how can I help?")]).suggestions == ()
    assert assistant.suggest([Said("resident", "???")]).suggestions == ()


def test_the_assist_and_search_api(stack: StaffStack) -> None:
    client = stack.client()
    headers = stack.bearer("agent")
    response = client.post(
        "/api/v1/staff/assist",
        json={"conversation": [{"role": "resident", "text": "How do I book a park shelter?"}]},
        headers=headers,
    )
    assert response.status_code == 200
    body = response.json()
    assert len(body["suggestions"]) == 3
    first = body["suggestions"][0]
    assert {"title", "section_path", "effective_date", "quote"} <= set(first["citations"][0])
    assert 0 <= first["confidence"] <= 1

    search = client.get(
        "/api/v1/staff/search", params={"q": "noise at night"}, headers=stack.bearer("editor")
    )
    assert search.status_code == 200 and search.json()["results"][0]["citation"]["title"]

    too_long = client.post(
        "/api/v1/staff/assist",
        json={"conversation": [{"role": "resident", "text": "x" * 1001}]},
        headers=headers,
    )
    assert (too_long.status_code, too_long.json()["error"]) == (413, "message_too_long")
    long_reply = [  # an agent's reply may be longer than a resident's message (up to its own limit)
        {"role": "resident", "text": "How do I book a park shelter?"},
        {"role": "agent", "text": "Here is everything about bookings. " * 40},
        {"role": "resident", "text": "and how much is it?"},
    ]
    answered = client.post("/api/v1/staff/assist", json={"conversation": long_reply}, headers=headers)
    assert answered.status_code == 200 and answered.json()["suggestions"]
    empty = client.post("/api/v1/staff/assist", json={"conversation": []}, headers=headers)
    assert empty.status_code == 422
    wrong_role = client.post(
        "/api/v1/staff/assist",
        json={"conversation": [{"role": "resident", "text": "hi"}]},
        headers=stack.bearer("editor"),
    )
    assert wrong_role.status_code == 403
    assert client.get("/api/v1/staff/search", params={"q": ""}, headers=headers).status_code == 422


def test_a_weak_next_document_gives_way_to_a_second_reading_of_the_best_passage(assistant: Assistant) -> None:
    """The parking-fees passage answers "how much"; the other documents found are weak (their best
    passage scores well under the best one's), so the second suggestion reads the fees passage again,
    without the sentences already suggested: here the half-year fee after March 1. With the second
    reading off, the three suggestions come from three documents and that sentence is not among them."""
    conversation = [Said("resident", "How much does a residential parking permit cost?")]
    found = assistant.suggest(conversation)
    first, second = found.suggestions[0], found.suggestions[1]
    assert first.citations[0] == second.citations[0]
    assert "$60" in first.text and "half of the annual fee" in second.text
    assert not {s.text for s in first.sentences} & {s.text for s in second.sentences}
    without = Assistant(assistant.pipeline, second_reading=0.0).suggest(conversation)
    assert len({s.citations[0].document_id for s in without.suggestions}) == 3
    assert not any("half of the annual fee" in s.text for s in without.suggestions)


def test_reciprocal_rank_fusion_lifts_what_both_rankings_agree_on() -> None:
    assert reciprocal_rank_fusion([["a", "b", "c"], ["b"]]) == ["b", "a", "c"]
    assert reciprocal_rank_fusion([["a", "b"], []]) == ["a", "b"]
    assert reciprocal_rank_fusion([]) == []


@pytest.mark.parametrize(
    ("reply", "reading"),
    [
        (
            "Day camps for ages 6 to 12 run eight weeks; extended care and specialty camps cost extra.",
            "community-youth-summer-programmes",
        ),
        (
            "Food trucks need a Health Unit inspection and a propane fire inspection "
            "before the vending permit.",
            "business-food-truck-vendor-permits",
        ),
    ],
)
def test_the_agents_own_words_are_searched_for_the_page_they_were_reading(
    assistant: Assistant, reply: str, reading: str
) -> None:
    """The documents come from two searches fused by rank: the conversation's and one with the agent's
    last replies, which come from the page the agent was reading. For a vague "how much does it cost?"
    that page is the one the agent's words find first, and it is among the suggestions; without the
    agent's replies searched (agent_turns 0) no document is found that way."""
    conversation = [Said("resident", "hi"), Said("agent", reply), Said("resident", "how much does it cost?")]
    history = (Turn("user", "hi"), Turn("agent", reply))
    query = assistant.pipeline.encode(assistant._redact("how much does it cost?"), history)
    found = assistant.pipeline.retrieve.retriever.search_detailed(query, k=assistant.candidates)
    assert assistant.plan(found, history).agent_first == reading
    assert Assistant(assistant.pipeline, agent_turns=0).plan(found, history).agent_first == ""
    cited = [s.citations[0].document_id for s in assistant.suggest(conversation).suggestions]
    assert reading in cited
