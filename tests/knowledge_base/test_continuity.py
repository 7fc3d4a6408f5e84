"""How a follow-up leans on the conversation (`knowledge_base.continuity`)."""

from __future__ import annotations

import pytest

from knowledge_base.continuity import continuity, follow_up_form, load_cues, points_back, starts_anew
from knowledge_base.text import terms

HISTORY = terms("How much is a residential parking permit?")


@pytest.mark.parametrize(
    ("question", "form"),
    [
        ("what about for seniors?", "qualifier"),
        ("and for kids?", "qualifier"),
        ("and in winter?", "qualifier"),
        ("what about a dog licence?", "names"),
        ("and a marriage licence?", "names"),
        ("and the old tv?", "names"),
        ("and how much is it?", "asks_kind"),  # asks for an amount of the last subject
        ("how quickly", "asks_kind"),
        ("how long does it take?", "asks_kind"),
        ("when is it?", "asks_kind"),
        ("how soon will I hear back", "asks_kind"),
        ("how long does a building permit take?", "other"),  # names its subject
        ("how much can they give me", "other"),
        ("what about a second permit?", "other"),  # "permit" was in the conversation, "second" is generic
        ("and tree removal permits?", "names"),  # another kind of permit
        ("ok what about a visitor pass", "names"),
        ("how long before i hear back", "asks_kind"),
        ("how long until i get a decision?", "asks_kind"),
        ("do i qualify if i moved here last year", "asks_kind"),  # whether one qualifies for it
        ("would i still be eligible", "asks_kind"),
        ("do i qualify for a dog licence discount", "other"),  # names what
        ("what if I lose?", "other"),
        ("How do I get a library card?", "other"),
    ],
)
def test_a_follow_up_narrows_the_question_names_something_or_neither(question: str, form: str) -> None:
    assert follow_up_form(question, terms(question), HISTORY, load_cues()) == form


def test_without_a_conversation_nothing_is_a_follow_up() -> None:
    question = "what about for seniors?"
    assert follow_up_form(question, terms(question), [], load_cues()) == "other"
    assert continuity(question, terms(question), [], load_cues()).score == 0.0


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("i'll be away that day", True),  # "that day": the conversation's
        ("can he get a ride there?", True),
        ("how quickly", True),  # names nothing
        ("is there a fee for a shed?", False),  # "is there" points at nothing
        ("what about a dog licence?", False),  # names a new thing
        ("How do I get a library card?", False),
    ],
)
def test_a_follow_up_points_back_with_a_pronoun_unless_it_names_something_new(
    question: str, expected: bool
) -> None:
    assert points_back(question, terms(question), HISTORY, load_cues()) is expected
    assert (
        points_back(question, terms(question), [], load_cues()) is False
    )  # no conversation: nothing to point at


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("ok now something else - how do i pay my property tax", True),
        ("different question: is it free to park on sundays?", True),
        ("on another note, where do I vote", True),
        ("unrelated but how do i vote", True),
        ("I have another question about recycling", True),
        ("is there something else I need to bring?", False),  # asks about the same thing
        ("anything else?", False),
        ("the other thing I need is a visitor pass", False),
        ("what about a second permit?", False),
    ],
)
def test_a_message_that_says_it_is_about_something_else_starts_anew(message: str, expected: bool) -> None:
    assert starts_anew(message, load_cues()) is expected
