"""Which messages take back a request for a person (`bot.staff.desk.withdraws`, the `handoff_withdraw`
patterns of `bot/answering/data/routes.en.yml`): only those that ask nothing else."""

from __future__ import annotations

import pytest

from bot.answering.replies import load_routes
from bot.staff.desk import withdraws

ROUTES = load_routes()


@pytest.mark.parametrize(
    "message",
    [
        "nevermind",
        "never mind",
        "Never mind!",
        "nvm",
        "cancel",
        "Cancel.",
        "cancel that",
        "cancel that please",
        "please cancel",
        "sorry, cancel that",
        "Cancel my request for a person",
        "can you cancel the request",
        "no longer need help",
        "I no longer need help",
        "I don't need a person anymore",
        "I don’t need a person any more",  # a typographic apostrophe
        "i dont need help anymore",
        "I do not need to talk to anyone now",
        "forget it",
        "forget about it, thanks",
        "never mind I found it",
        "nevermind, thanks",
        "never mind, thank you so much",
        "Actually never mind, I found it. Thanks!",
        "never mind, I figured it out",
        "never mind, it's fine",
        "never mind, I'm good now",
        "thanks anyway, never mind",
        "I found it, never mind",
        "I changed my mind",
        "ok I've changed my mind, bye",
    ],
)
def test_a_message_that_only_takes_the_request_back_withdraws_it(message: str) -> None:
    assert withdraws(ROUTES, message)


@pytest.mark.parametrize(
    "message",
    [
        "never mind, how much is a dog licence?",  # asks something too: relayed as before
        "never mind the fee, when is garbage collected?",
        "forget it, what does a parking permit cost",
        "cancel my parking permit",  # what the resident may want a person's help with
        "cancel my request",
        "cancel it",
        "how do I cancel?",
        "I want to cancel my booking",
        "I don't need a permit",
        "I found it",  # nothing taken back
        "thanks",
        "ok",
        "I need a person",
        "mind the gap",
    ],
)
def test_a_message_that_asks_or_says_something_else_does_not(message: str) -> None:
    assert not withdraws(ROUTES, message)
