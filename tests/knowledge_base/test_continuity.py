"""How a follow-up leans on the conversation (`knowledge_base.continuity`)."""

from __future__ import annotations

import pytest

from knowledge_base.continuity import continuity, follow_up_form, load_cues, points_back
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
        ("what about a second permit?", "other"),  # "permit" was in the conversation
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
