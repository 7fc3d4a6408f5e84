"""A resident asks for a person twice in the same chat, in real Chromium, against the real bot (sessions,
staff sign-in and the event log in Redis, tickets in PostgreSQL) and an agent in the real console.

The session's event stream (`GET /api/v1/sessions/{id}/events`) keeps every event of the session, the
first chat's `resolved` included: the widget must resume it from the last event it saw, across the end
of a chat, a new request for a person and a page reload, and never replay the first chat (which would
end the second one at the first chat's `resolved`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bot.staff.desk import Agent
from bot.staff.tickets import Outcome
from bot.storage.database import session_ref
from tests.web_widget.harness import BotServer, DemoUser, RecordsService, bot_settings, bound_socket
from tests.web_widget.widget_page import Widget

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.postgres]

# The widget's log as the resident reads it: (kind of message, its text), in order.
LOG = """(els) => els.map((el) => [
  el.classList.contains("ac-msg--user") ? "you"
    : el.classList.contains("ac-msg--agent") ? "agent"
    : el.classList.contains("ac-msg--note") ? "note"
    : "bot",
  el.querySelector(".ac-text").textContent.replace(/\\s+/g, " ").trim(),
])"""


@dataclass
class CallCentre:
    bot: BotServer
    users: list[DemoUser]

    @property
    def origin(self) -> str:
        return self.bot.origin

    def agent(self) -> DemoUser:
        return next(u for u in self.users if u.role == "agent")


@pytest.fixture(scope="module")
def centre(
    browser: Any,
    sample_kb_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
    redis_module: tuple[str, str],
    postgres_url_module: str,
) -> Iterator[CallCentre]:
    """Depends on `browser` only so that a missing Chromium skips before any service starts."""
    redis_url, prefix = redis_module
    sock = bound_socket()
    origin = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with RecordsService(
        tmp_path_factory.mktemp("handoff-records"), cors_origin=origin, residents=2
    ) as records:
        settings = bot_settings(
            sample_kb_dir,
            tmp_path_factory.mktemp("handoff-bot"),
            redis_url=redis_url,
            redis_prefix=prefix,
            bot_database_url=postgres_url_module,
            staff_dev_identity_url=records.url,
            login_url=records.login_url,
            records_api_url=records.url,
        )
        with BotServer(settings, sock) as bot:
            yield CallCentre(bot, records.demo_users())


def sign_in_agent(page: Page, centre: CallCentre) -> None:
    user = centre.agent()
    page.goto(f"{centre.origin}/staff/queue")
    page.wait_for_url(re.compile(r"/staff/login"))
    page.fill("#username", user.username)
    page.fill("#password", user.password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{centre.origin}/staff/queue")


def open_ticket_id(centre: CallCentre, widget: Widget) -> str:
    desk = centre.bot.runtime.desk
    assert desk is not None
    ticket = desk.store.open_for_session(session_ref(widget.stored()["sessionId"]))
    assert ticket is not None, "the request for a person opened no ticket"
    return ticket.id


def claim(agent: Page, centre: CallCentre, ticket_id: str) -> None:
    agent.goto(f"{centre.origin}/staff/queue")
    agent.locator(f'form[action="/staff/tickets/{ticket_id}/claim"] button').click()
    agent.wait_for_url(f"{centre.origin}/staff/tickets/{ticket_id}")


def send(agent: Page, text: str) -> None:
    agent.fill("#reply-text", text)
    agent.get_by_role("button", name="Send").click()
    expect(agent.locator("#reply-status")).to_have_text("Sent.")


def resolve(agent: Page, centre: CallCentre) -> None:
    agent.select_option("#resolve-outcome", "answered")
    agent.get_by_role("button", name="Resolve").click()
    agent.wait_for_url(f"{centre.origin}/staff/queue")


def shown(page: Page) -> list[tuple[str, str]]:
    """The widget's log (welcome excluded), as (kind, text) pairs."""
    rows = page.locator(".ac-log > .ac-msg").evaluate_all(LOG)
    return [(kind, text) for kind, text in rows if not text.startswith("Hello! Ask me")]


def events_requests(urls: list[str]) -> list[str]:
    """The widget's requests for the session's event stream, in order."""
    return [u for u in urls if "/api/v1/sessions/" in u and "/events" in u]


def talk_to_a_person(page: Page, widget: Widget) -> None:
    before = widget.answers.count()
    page.locator(".ac-tool", has_text="Talk to a person").click()
    widget.wait_for_answer(before)


def test_a_second_request_for_a_person_gets_a_new_chat_not_a_replay_of_the_first(
    centre: CallCentre, open_page: Any
) -> None:
    resident, record = open_page(centre.origin + "/")
    widget = Widget(resident)
    handoff = resident.locator(".ac-handoff")
    agent_bubbles = resident.locator(".ac-msg--agent")
    notes = resident.locator(".ac-msg--note")
    agent, _ = open_page("")
    sign_in_agent(agent, centre)

    # The first chat: asked for, claimed, one message, resolved.
    widget.open()
    talk_to_a_person(resident, widget)
    expect(handoff).to_contain_text("in the queue")
    first = open_ticket_id(centre, widget)
    claim(agent, centre, first)
    expect(handoff).to_contain_text("You are now chatting with")
    send(agent, "First chat: hello")
    expect(agent_bubbles).to_have_count(1)
    resolve(agent, centre)
    expect(resident.locator(".ac-log")).to_contain_text("has ended this chat")
    expect(handoff).to_have_text("")
    first_chat = shown(resident)

    # The assistant answers again; then the resident asks for a person a second time.
    answer = widget.ask("How much is a dog licence?")
    expect(answer).not_to_have_attribute("data-status", "handoff")
    last_seen = widget.stored()["lastEventId"]
    assert last_seen, "the widget forgot where the session's event stream was"
    requests_before = len(record.requests)
    talk_to_a_person(resident, widget)
    expect(handoff).to_contain_text("in the queue")
    second = open_ticket_id(centre, widget)
    assert second != first
    claim(agent, centre, second)
    expect(handoff).to_contain_text("You are now chatting with")
    send(agent, "Second chat: hello again")
    expect(agent_bubbles).to_have_count(2)
    expect(agent_bubbles.last).to_contain_text("Second chat: hello again")
    # the stream of the second chat was resumed after the first chat's last event
    assert events_requests(record.requests[requests_before:])[0].endswith(f"?last_event_id={last_seen}")

    # The resident writes to the person: it is shown to them and reaches the agent; the bot stays silent.
    answers = widget.answers.count()
    widget.input.fill("Is the licence cheaper for a neutered dog?")
    widget.input.press("Enter")
    expect(agent.locator("#transcript li[data-role=resident]").last).to_contain_text("neutered dog")
    expect(resident.locator(".ac-msg--user").last).to_contain_text("neutered dog")
    assert widget.answers.count() == answers

    # Nothing of the first chat came back: what was shown then is followed by the second chat only.
    log = shown(resident)
    assert log[: len(first_chat)] == first_chat
    second_chat = log[len(first_chat) :]
    assert [kind for kind, _ in second_chat] == ["you", "bot", "you", "bot", "note", "agent", "you"]
    assert second_chat[4][1].startswith("You are now chatting with")
    assert second_chat[5][1] == "Second chat: hello again"
    assert [text for kind, text in log if kind == "agent"] == [
        "First chat: hello",
        "Second chat: hello again",
    ]
    assert sum("has ended this chat" in text for _, text in log) == 1

    # A reload shows the same conversation and resumes the stream after its last event: the second chat
    # goes on (the first chat's `resolved` does not end it), and the agent's next message arrives.
    last_seen = widget.stored()["lastEventId"]
    requests_before = len(record.requests)
    resident.reload()
    widget.open()
    expect(handoff).to_contain_text("You are now chatting with")
    send(agent, "After your reload: still here")
    expect(agent_bubbles).to_have_count(3)
    expect(agent_bubbles.last).to_contain_text("After your reload: still here")
    assert events_requests(record.requests[requests_before:])[0].endswith(f"?last_event_id={last_seen}")
    expect(handoff).to_contain_text("You are now chatting with")
    reloaded = shown(resident)
    # the message relayed to the agent is kept as the service stored it, and shown as typed until reload
    assert [kind for kind, _ in reloaded] == [kind for kind, _ in log] + ["agent"]
    assert sum("has ended this chat" in text for _, text in reloaded) == 1

    # The agent ends the second chat: said once, and the assistant answers again.
    resolve(agent, centre)
    expect(notes.filter(has_text="has ended this chat")).to_have_count(2)
    expect(handoff).to_have_text("")
    answer = widget.ask("When is garbage collected?")
    expect(answer).to_have_attribute("data-status", "answered")
    assert record.errors == [] and record.dialogs == []


HANDOFF_ENDED = """() => {
  const key = Object.keys(sessionStorage).find((k) => k.startsWith("askcity:"));
  return Boolean(key) && JSON.parse(sessionStorage.getItem(key)).handoff === null;
}"""


def test_a_request_nobody_has_taken_is_cancelled_from_the_keyboard_and_a_new_one_is_not_ended_by_it(
    centre: CallCentre, open_page: Any
) -> None:
    """While the request waits, **Cancel request** (a real button, after Send and Talk to a person in the
    Tab order) takes it back: the assistant confirms it, and the stream's `withdrawn` event is read, so the
    next request for a person resumes after it and goes on."""
    resident, record = open_page(centre.origin + "/")
    widget = Widget(resident)
    handoff = resident.locator(".ac-handoff")
    cancel = resident.get_by_role("button", name="Cancel request")
    desk = centre.bot.runtime.desk
    assert desk is not None
    confirmation = desk.replies.get("handoff_withdrawn")

    widget.open()
    expect(cancel).to_be_hidden()  # nothing to cancel
    talk_to_a_person(resident, widget)
    expect(handoff).to_contain_text("in the queue")
    first = open_ticket_id(centre, widget)
    expect(cancel).to_be_visible()

    widget.input.focus()
    for _ in range(3):  # Send, Talk to a person, Cancel request
        resident.keyboard.press("Tab")
    expect(cancel).to_be_focused()
    before = widget.answers.count()
    resident.keyboard.press("Enter")
    answer = widget.wait_for_answer(before)
    assert widget.answer_text(answer) == confirmation
    expect(answer).not_to_have_attribute("data-status", "handoff")
    expect(handoff).to_have_text("")
    expect(cancel).to_be_hidden()
    expect(widget.input).to_be_focused()  # not lost with the button that went away
    assert desk.store.get(first).outcome == Outcome.WITHDRAWN
    resident.wait_for_function(HANDOFF_ENDED)  # the `withdrawn` event was read
    withdrawn_id = widget.stored()["lastEventId"]
    assert withdrawn_id

    # A second request resumes the stream after the `withdrawn` event, which does not end it.
    requests_before = len(record.requests)
    talk_to_a_person(resident, widget)
    expect(handoff).to_contain_text("in the queue")
    second = open_ticket_id(centre, widget)
    assert second != first
    assert events_requests(record.requests[requests_before:])[0].endswith(f"?last_event_id={withdrawn_id}")
    desk.claim(second, Agent("agent-after-withdrawal", "Wendy Agent"))
    expect(handoff).to_contain_text("You are now chatting with Wendy Agent")
    expect(cancel).to_be_hidden()  # a person has it: "never mind" is theirs to read
    desk.resolve(second, Outcome.ANSWERED, Agent("agent-after-withdrawal", "Wendy Agent"))
    expect(resident.locator(".ac-log")).to_contain_text("Wendy Agent has ended this chat")

    log = shown(resident)
    assert [kind for kind, _ in log] == ["you", "bot", "you", "bot", "you", "bot", "note", "note"]
    assert log[2] == ("you", "Cancel my request for a person") and log[3] == ("bot", confirmation)
    assert record.errors == [] and record.dialogs == []
