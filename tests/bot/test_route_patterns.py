"""The routing patterns (`bot/answering/data/routes.en.yml`) on their own: which messages ask for a
person, which are small talk, and the near misses that are questions (no model needed)."""

from __future__ import annotations

import pytest

from bot.answering.replies import load_routes

ROUTES = load_routes()


@pytest.mark.parametrize(
    "message",
    [
        "get me an agent",
        "this bot is useless, get me an agent",
        "I need a human",
        "i want a real person",
        "operator please",
        "agent",
        "a person please",
        "i dont want a bot",
        "I don't want to talk to a robot",
        "can someone call me back",
        "please have someone call me",
        "call me back please",
        "can i talk to someone",
        "connect me with customer service",
        "can I speak to someone about my water bill",
        "I'd like to speak to someone about my residential parking permit",
        "is there someone I can talk to about rental assistance",
        "human please, water leak",
        "operator please, it's about my birth certificate",
        "can i talk to someone in the water billing department",
        "can i talk to someone in billing",
        "could I speak with somebody from the permits office?",
        "i want to speak to the person handling my complaint",
        "let me talk to the officer who is dealing with my case",
    ],
)
def test_a_request_for_a_person_is_a_handoff(message: str) -> None:
    assert ROUTES.matches("handoff", message)


@pytest.mark.parametrize(
    "message",
    [
        "do I need an agent to sell my house?",
        "do i need a lawyer or an agent for a permit appeal",
        "how do I report a robot lawn mower noise?",
        "will the office call me back about my permit?",
        "can i call back later to pay?",
        "is there a person I can pay my fine to at city hall?",
        "I need a person to witness my statutory declaration",
        "I dont want a bot answer, just tell me the dog licence fee",
        "is there a number to talk to someone about my bill?",
        "can I chat with staff at the front desk about membership?",
        "who is the person handling building permits?",
    ],
)
def test_a_question_that_mentions_agents_or_calls_is_not_a_handoff(message: str) -> None:
    assert not ROUTES.matches("handoff", message)


@pytest.mark.parametrize(
    "message",
    [
        "thanks",
        "thanks youre very helpful",
        "ok thank you bye",
        "thank you so much for your help!",
        "great thanks, that helps",
        "thanks, have a nice day",
        "bye",
        "ok bye",
        "bye for now",
        "ok",
        "got it",
        "alright!",
    ],
)
def test_thanks_and_goodbyes_are_small_talk(message: str) -> None:
    assert ROUTES.matches("thanks", message)


@pytest.mark.parametrize(
    "message",
    [
        "thanks, and how much is the fee?",
        "thank you, when is garbage day?",
        "thanks but what about my dog licence",
    ],
)
def test_thanks_with_a_question_is_a_question(message: str) -> None:
    assert not ROUTES.matches("thanks", message)


@pytest.mark.parametrize("message", ["bye", "ok thanks bye", "thanks, have a nice day", "see you"])
def test_a_goodbye_is_told_goodbye(message: str) -> None:
    assert ROUTES.matches("goodbye", message)


@pytest.mark.parametrize("message", ["ok", "got it", "I see."])
def test_an_acknowledgement_is_not_thanked_back(message: str) -> None:
    assert ROUTES.matches("acknowledgement", message) and not ROUTES.matches("goodbye", message)


@pytest.mark.parametrize(
    "message", ["ok so how much is it", "i see the fee, when is it due?", "right turn on red"]
)
def test_an_acknowledgement_with_a_question_is_a_question(message: str) -> None:
    assert not ROUTES.matches("thanks", message)


@pytest.mark.parametrize("message", ["thanks", "thanks youre very helpful", "great thanks, that helps"])
def test_a_thanks_without_a_goodbye_is_asked_whether_there_is_more(message: str) -> None:
    assert not ROUTES.matches("goodbye", message)


@pytest.mark.parametrize(
    ("message", "named"),
    [
        ("could I speak with someone in parking services", "parking services"),
        ("can i talk to someone in the water billing department", "water billing department"),
    ],
)
def test_a_request_for_someone_in_a_department_leaves_the_department_whole(message: str, named: str) -> None:
    """The department's words decide the queue ("arking services" went to the contact centre)."""
    assert named in ROUTES.rest("handoff", message)


@pytest.mark.parametrize(
    ("question", "case_type"),
    [
        ("what about the permit one", "permit"),
        ("is my parking permit approved", "parking"),
        ("any news on my vendor permit", "licence"),
        ("has my building permit been approved", "permit"),
    ],
)
def test_the_kind_of_case_a_question_names(question: str, case_type: str) -> None:
    from bot.answering.records import asked_type, load_case_types

    found = asked_type(question, load_case_types())
    assert found is not None and found.name == case_type
