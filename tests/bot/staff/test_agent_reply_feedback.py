"""A resident rates an agent's reply as they rate the bot's answers: the reply reaches the widget with
an answer id that `POST /api/v1/feedback` takes; a message relayed to the person (no answer) carries no
id to rate. Over real HTTP against the real bot, the reply read from the session's live events."""

from __future__ import annotations

import httpx

from bot.staff.tickets import MessageRole
from tests.bot.staff.console_harness import Resident, read_stream
from tests.bot.staff.staff_harness import StaffStack
from tests.bot.staff.test_handoff_api import PARKING, agent, desk_of, ticket_of
from tests.web_widget.harness import ServedApp


def rate(served: ServedApp, answer_id: str, helpful: bool, comment: str | None = None) -> httpx.Response:
    body: dict[str, object] = {"answer_id": answer_id, "helpful": helpful}
    if comment is not None:
        body["comment"] = comment
    return httpx.post(f"{served.origin}/api/v1/feedback", json=body, timeout=30)


def test_the_resident_rates_the_agents_reply_and_the_verdict_is_kept_on_it(
    stack: StaffStack, served: ServedApp, resident: Resident
) -> None:
    resident.say(PARKING)
    resident.say("I want to talk to a person")
    ticket = ticket_of(stack, resident)
    alex = agent(stack, served, subject="agent-rated")
    assert alex.post(f"/api/v1/staff/tickets/{ticket}/claim").status_code == 200
    relayed = resident.say("how do I pay for it?")
    assert relayed["relayed"] is True and relayed["answer_id"] == ""  # nothing answered: nothing to rate
    sent = alex.post(
        f"/api/v1/staff/tickets/{ticket}/messages", json={"text": "Online, at the permits page."}
    )
    assert sent.status_code == 201

    stream = read_stream(resident.events_url, until=lambda s: "message" in s.kinds())
    reply = next(e for e in stream.events if e.event == "message")
    answer_id = reply.data["answer_id"]
    assert isinstance(answer_id, str) and answer_id

    assert rate(served, answer_id, False).status_code == 204
    assert (
        rate(served, answer_id, False, "I wanted to pay by phone, call me at 555-123-4567").status_code == 204
    )
    assert rate(served, answer_id, False).status_code == 204  # the same thumb again keeps the comment
    kept = [m for m in desk_of(stack).store.messages(ticket) if m.role == MessageRole.AGENT][-1]
    assert (kept.helpful, kept.comment) == (False, "I wanted to pay by phone, call me at [PHONE]")
    assert rate(served, answer_id, True).status_code == 204  # a changed verdict drops the old comment
    kept = [m for m in desk_of(stack).store.messages(ticket) if m.role == MessageRole.AGENT][-1]
    assert (kept.helpful, kept.comment) == (True, "")


def test_ids_that_name_no_agents_reply_are_still_refused(
    stack: StaffStack, served: ServedApp, resident: Resident
) -> None:
    resident.say("I want to talk to a person")
    ticket = ticket_of(stack, resident)
    first = desk_of(stack).store.messages(ticket)[0]  # the resident's own message, not an agent's reply
    for answer_id in (f"{ticket}-{first.seq}", f"{ticket}-999", "0" * 32 + "-1", "not-an-id"):
        refused = rate(served, answer_id, True)
        assert (refused.status_code, refused.json()["error"]) == (404, "answer_not_found"), answer_id
