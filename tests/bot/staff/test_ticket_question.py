"""What the resident asks, as agents see it: the queue's preview and a single ticket carry the same
question, and a sentence that only gives personal data ("my phone is [PHONE]") never stands in for it.
Over real HTTP against the real bot (sample knowledge base)."""

from __future__ import annotations

import pytest

from bot.answering.replies import load_routes
from bot.staff.desk import asked
from tests.bot.staff.console_harness import Resident
from tests.bot.staff.staff_harness import StaffStack
from tests.bot.staff.test_handoff_api import PARKING, agent, ticket_of
from tests.web_widget.harness import ServedApp


def test_the_queue_shows_the_question_not_the_phone_number_given_after_it(
    stack: StaffStack, served: ServedApp, resident: Resident
) -> None:
    assert resident.say(PARKING)["status"] == "answered"
    resident.say("my phone is 555-123-4567")
    assert resident.say("I want to talk to a person")["status"] == "handoff"
    ticket = ticket_of(stack, resident)
    listed = agent(stack, served).get("/api/v1/staff/tickets").json()["tickets"]
    assert next(t for t in listed if t["id"] == ticket)["question"] == PARKING


def test_a_single_ticket_carries_the_question_the_queue_shows_before_and_after_a_claim_and_transfer(
    stack: StaffStack, served: ServedApp, resident: Resident
) -> None:
    resident.say(PARKING)
    resident.say("I want to talk to a person")
    ticket = ticket_of(stack, resident)
    alex = agent(stack, served, subject="agent-question")
    assert alex.get(f"/api/v1/staff/tickets/{ticket}").json()["ticket"]["question"] == PARKING
    claimed = alex.post(f"/api/v1/staff/tickets/{ticket}/claim")
    assert claimed.status_code == 200 and claimed.json()["question"] == PARKING
    departments = [d["name"] for d in alex.get("/api/v1/staff/departments").json()]
    other = next(d for d in departments if d != claimed.json()["department"])
    moved = alex.post(f"/api/v1/staff/tickets/{ticket}/transfer", json={"department": other})
    assert moved.status_code == 200 and moved.json()["question"] == PARKING
    assert alex.get(f"/api/v1/staff/tickets/{ticket}").json()["ticket"]["question"] == PARKING
    closed = agent(stack, served, "supervisor").post(
        f"/api/v1/staff/tickets/{ticket}/resolve", json={"outcome": "not_resolved"}
    )
    assert closed.status_code == 200 and closed.json()["question"] == PARKING


def test_a_request_for_a_person_with_no_question_before_it_is_what_the_ticket_shows(
    stack: StaffStack, served: ServedApp, resident: Resident
) -> None:
    resident.say("I want to talk to a person")
    ticket = ticket_of(stack, resident)
    detail = agent(stack, served).get(f"/api/v1/staff/tickets/{ticket}").json()
    assert detail["ticket"]["question"] == "I want to talk to a person"


@pytest.mark.parametrize(
    ("texts", "shown"),
    [
        ([PARKING, "my phone is [PHONE]", "I want to talk to a person"], PARKING),
        (["How much is a permit? My phone is [PHONE].", "yes"], "How much is a permit?"),
        (["I'm [NAME]. Where do I pay a parking ticket"], "Where do I pay a parking ticket"),
        (["My email is [EMAIL], how long will this take?"], "My email is [EMAIL], how long will this take?"),
        ([PARKING, "Can you call me back on [PHONE]?"], "Can you call me back on [PHONE]?"),
        (["my phone is [PHONE]", "I want to talk to a person"], "I want to talk to a person"),
        (["my phone is [PHONE]"], "my phone is [PHONE]"),  # nothing else: what there is
        ([], ""),
    ],
)
def test_what_a_resident_asks_leaves_out_sentences_that_only_give_personal_data(
    texts: list[str], shown: str
) -> None:
    assert asked(load_routes(), texts) == shown
