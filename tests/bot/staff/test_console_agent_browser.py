"""The agent console in Debian's Chromium, by keyboard where it matters: focus survives suggestions
being redrawn, the reply box counts characters and cuts nothing, an agent's masked reply says so,
Resolve needs an outcome and asks before throwing away an unsent reply, a transfer carries a note
and updates an open ticket page, and phone mode keeps a call's questions as context. axe-core finds
nothing on any page shown; no CSP violation."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from bot.storage.database import session_ref
from tests.bot.staff.staff_harness import StaffStack, in_own_thread
from tests.bot.staff.test_console_browser import Browser, clean, served, sign_in
from tests.web_widget.harness import ServedApp

pytestmark = pytest.mark.browser
__all__ = ["served"]  # the module's app, shared with the console's other browser tests
PARKING = "How much does a residential parking permit cost?"
FOCUSED_LABEL = "() => document.activeElement && document.activeElement.getAttribute('aria-label')"
FOCUSED_ID = "() => document.activeElement && document.activeElement.id"


def waiting_ticket(client: httpx.Client, stack: StaffStack, *said: str) -> tuple[str, Any]:
    """A resident who asks something, then for a person, through the API: (session id, ticket)."""
    assert stack.runtime.desk is not None
    session_id = client.post("/api/v1/sessions").json()["session_id"]
    for text in (*said, "talk to a person"):
        client.post("/api/v1/chat", json={"session_id": session_id, "message": text})
    ticket = stack.runtime.desk.store.open_for_session(session_ref(session_id))
    assert ticket is not None
    return session_id, ticket


def test_a_conversation_by_keyboard_from_the_queue_to_a_confirmed_resolve(
    stack: StaffStack, served: ServedApp
) -> None:
    found: dict[str, list[str]] = {}
    with httpx.Client(base_url=served.origin, timeout=60) as client:
        session_id, ticket = waiting_ticket(client, stack, PARKING)

        def scenario() -> None:
            from playwright.sync_api import expect, sync_playwright

            with sync_playwright() as playwright:
                browser = Browser(playwright)
                try:
                    agent = browser.page()
                    sign_in(agent, served, stack, "agent", "/staff/queue")
                    claim = agent.locator(f'form[action="/staff/tickets/{ticket.id}/claim"]')
                    row = agent.locator("#waiting-rows tr", has=claim)
                    expect(row.locator("td.question")).to_have_text(PARKING)  # not "talk to a person"
                    claim.locator("button").click()
                    agent.wait_for_url(f"{served.origin}/staff/tickets/{ticket.id}")

                    # 1. suggestions redrawn for a new message: focus stays on the same Insert
                    expect(agent.locator("#suggestions > li")).to_have_count(3)
                    agent.get_by_role("button", name="Insert suggestion 2 into your reply").focus()
                    client.post(
                        "/api/v1/chat", json={"session_id": session_id, "message": "And for a second car?"}
                    )
                    expect(agent.locator("#transcript li[data-role=resident]").last).to_contain_text(
                        "second car"
                    )
                    expect(agent.locator("#suggestions-status")).to_contain_text(
                        "Focus stays on Insert suggestion 2.", timeout=30_000
                    )
                    assert agent.evaluate(FOCUSED_LABEL) == "Insert suggestion 2 into your reply"

                    # 3. the count, near the limit and over it; an over-long reply is refused, kept
                    reply = agent.locator("#reply-text")
                    count = agent.locator("#reply-count")
                    reply.fill("x" * 1990)
                    expect(count).to_have_text("You have 10 characters left (the limit is 2,000).")
                    expect(agent.locator("#reply-count-live")).to_have_text(count.inner_text())
                    reply.fill("y" * 2050)
                    expect(count).to_have_text("You have 50 characters too many (the limit is 2,000).")
                    expect(reply).to_have_attribute("aria-invalid", "true")
                    expect(agent.locator("#reply-count-live")).to_have_text(count.inner_text())
                    agent.get_by_role("button", name="Send").click()
                    expect(agent.locator("#reply-status")).to_contain_text(
                        "2,050 characters long; the limit is 2,000."
                    )
                    expect(agent.locator("#reply-status")).to_contain_text("Nothing was sent")
                    assert len(reply.input_value()) == 2050  # nothing cut
                    expect(agent.locator("#transcript li[data-role=agent]")).to_have_count(0)

                    # 4. a reply with personal data: masked in the record, and said so
                    reply.fill("Call the depot on 212-555-0187 today.")
                    agent.get_by_role("button", name="Send").click()
                    mine = agent.locator("#transcript li[data-role=agent]").last
                    expect(mine.locator(".msg-text")).to_have_text("Call the depot on [PHONE] today.")
                    expect(mine.locator(".msg-masked")).to_have_text(
                        "Personal data is masked in the record; the resident received it as you wrote it."
                    )
                    clean(agent, "conversation", found)

                    # 2. Resolve: no outcome chosen, and text in the reply box
                    unsent = "One more thing: the office closes at five."
                    reply.fill(unsent)
                    agent.get_by_role("button", name="Resolve").click()
                    expect(agent.locator("#resolve-error")).to_be_visible()
                    assert agent.evaluate(FOCUSED_ID) == "resolve-outcome"
                    assert agent.url == f"{served.origin}/staff/tickets/{ticket.id}"
                    clean(agent, "conversation, no outcome chosen", found)
                    agent.select_option("#resolve-outcome", "referred")
                    expect(agent.locator("#resolve-error")).to_be_hidden()
                    agent.get_by_role("button", name="Resolve").click()
                    expect(agent.get_by_role("heading", level=1)).to_have_text(
                        "Resolve without sending your reply?"
                    )
                    expect(agent.locator("#unsent-reply")).to_have_text(unsent)
                    clean(agent, "resolve without sending?", found)
                    agent.get_by_role(
                        "link", name="Back to the conversation (your reply is kept there)"
                    ).click()
                    expect(reply).to_have_value(unsent)  # back in the box
                    assert stack.runtime.desk is not None
                    assert stack.runtime.desk.store.get(ticket.id).status.value == "active"
                    agent.select_option("#resolve-outcome", "referred")
                    agent.get_by_role("button", name="Resolve").click()
                    agent.get_by_role("button", name="Resolve without sending").click()
                    agent.wait_for_url(
                        f"{served.origin}/staff/queue"
                    )  # the query is gone: a reload repeats nothing
                    notice = agent.locator("#queue-notice")
                    expect(notice).to_have_text("Ticket resolved: Referred elsewhere.")
                    assert agent.evaluate(FOCUSED_ID) == "queue-notice"
                    clean(agent, "queue after resolving", found)
                    assert browser.errors == [] and browser.dialogs == []
                finally:
                    browser.chromium.close()

        in_own_thread(scenario, timeout=300)
    assert found == {where: [] for where in found}, json.dumps(found, indent=1)


def test_a_transfer_with_a_note_updates_an_open_ticket_page_and_reaches_the_next_agent(
    stack: StaffStack, served: ServedApp
) -> None:
    found: dict[str, list[str]] = {}
    desk = stack.runtime.desk
    assert desk is not None
    with httpx.Client(base_url=served.origin, timeout=60) as client:
        _, ticket = waiting_ticket(client, stack, PARKING)
        target = next(d.name for d in desk.directory.all() if d.name != ticket.department)

        def scenario() -> None:
            from playwright.sync_api import expect, sync_playwright

            with sync_playwright() as playwright:
                browser = Browser(playwright)
                try:
                    agent = browser.page()
                    sign_in(agent, served, stack, "agent", f"/staff/tickets/{ticket.id}")
                    agent.get_by_role("button", name="Claim this conversation").click()
                    watcher = browser.page()  # a supervisor with the same conversation open
                    sign_in(watcher, served, stack, "supervisor", f"/staff/tickets/{ticket.id}")
                    expect(watcher.locator("#ticket-department")).to_have_text(ticket.department)

                    agent.select_option("#transfer-department", target)
                    note = agent.locator("#transfer-note")
                    note.fill("z" * 505)  # over the limit: not sent, the count says by how much
                    expect(agent.locator("#transfer-note-count")).to_have_text(
                        "You have 5 characters too many (the limit is 500)."
                    )
                    agent.get_by_role("button", name="Transfer").click()
                    assert agent.evaluate(FOCUSED_ID) == "transfer-note"
                    note.fill("She paid twice; call her on 212-555-0187 about the refund.")
                    agent.get_by_role("button", name="Transfer").click()
                    agent.wait_for_url(f"{served.origin}/staff/queue")
                    expect(agent.locator("#queue-notice")).to_have_text(f"Ticket transferred to {target}.")

                    expect(watcher.locator("#ticket-department")).to_have_text(target)
                    expect(watcher.locator("#console-alert")).to_contain_text(f"transferred to {target}")
                    expect(watcher.locator("#transcript li[data-role=note]")).to_contain_text(
                        "call her on [PHONE] about the refund"
                    )
                    watcher.reload()
                    handover = watcher.locator("section.handover")
                    expect(handover).to_contain_text("with the transfer")
                    expect(handover).to_contain_text("She paid twice; call her on [PHONE] about the refund.")
                    clean(watcher, "conversation with a transfer note", found)
                    assert browser.errors == [] and browser.dialogs == []
                finally:
                    browser.chromium.close()

        in_own_thread(scenario, timeout=300)
    assert found == {where: [] for where in found}, json.dumps(found, indent=1)


def test_phone_mode_keeps_the_calls_questions_until_a_new_call(stack: StaffStack, served: ServedApp) -> None:
    found: dict[str, list[str]] = {}

    def scenario() -> None:
        from playwright.sync_api import expect, sync_playwright

        with sync_playwright() as playwright:
            browser = Browser(playwright)
            try:
                agent = browser.page()
                asked: list[list[dict[str, str]]] = []
                agent.on(
                    "request",
                    lambda r: (
                        asked.append(r.post_data_json["conversation"])
                        if r.url.endswith("/api/v1/staff/assist")
                        else None
                    ),
                )
                sign_in(agent, served, stack, "agent", "/staff/assist")
                question = agent.locator("#ask-text")
                suggestions = agent.locator("#suggestions > li")
                question.fill("   ")
                question.press("Control+Enter")
                expect(agent.locator("#ask-status")).to_have_text("Type the caller's question: it is empty.")
                assert asked == [] and agent.evaluate(FOCUSED_ID) == "ask-text"

                question.fill(PARKING)
                question.press("Control+Enter")  # Ctrl+Enter asks
                expect(suggestions).to_have_count(3)
                question.fill("   ")  # the old suggestions and status do not stay
                question.press("Control+Enter")
                expect(suggestions).to_have_count(0)
                expect(agent.locator("#suggestions-status")).to_have_text("")
                question.fill("how do I pay for it?")
                agent.get_by_role("button", name="Suggest answers").click()
                expect(agent.locator("#ask-status")).to_have_text(
                    "Asked with 1 earlier question of this call."
                )
                expect(suggestions.first).to_be_visible()
                expect(agent.locator("#call-questions > li")).to_have_text([PARKING, "how do I pay for it?"])
                clean(agent, "phone call with earlier questions", found)

                agent.get_by_role("button", name="New call").click()
                expect(question).to_have_value("")
                expect(suggestions).to_have_count(0)
                expect(agent.locator("#call-section")).to_be_hidden()
                assert agent.evaluate(FOCUSED_ID) == "ask-text"
                question.fill("When is garbage collected?")
                question.press("Control+Enter")
                expect(suggestions.first).to_be_visible()
                said = [[m["text"] for m in conversation] for conversation in asked]
                assert said == [
                    [PARKING],
                    [PARKING, "how do I pay for it?"],
                    ["When is garbage collected?"],
                ]
                assert {m["role"] for conversation in asked for m in conversation} == {"resident"}
                assert browser.errors == [] and browser.dialogs == []
            finally:
                browser.chromium.close()

    in_own_thread(scenario, timeout=300)
    assert found == {where: [] for where in found}, json.dumps(found, indent=1)
