"""End to end in Debian's Chromium, two browsers: a resident in the widget asks for a person; an agent signs
in, claims, inserts a suggestion, edits it and sends it; the resident sees it (also after a reload, once);
the agent resolves; the bot answers again. axe-core on every console page (0 violations), keyboard
operable, no CSP violation; resident-supplied XSS payloads shown in the console never run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from bot.api.app import create_app
from bot.storage.database import session_ref
from tests.bot.staff.staff_harness import StaffStack, in_own_thread
from tests.bot.staff.test_staff_pages_browser import violations
from tests.web_widget.harness import CHROMIUM, CHROMIUM_ARGS, ServedApp, bot_settings
from tests.web_widget.xss_corpus import body_payloads

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"

PROBES = """
window.__xss = undefined;
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
}, true);
"""
SESSION_ID = """() => {
  const key = Object.keys(sessionStorage).find((k) => k.startsWith("askcity:"));
  return key ? JSON.parse(sessionStorage.getItem(key)).sessionId : null;
}"""
WIDGET = "#askcity-widget"
TRANSCRIPT_TAGS = "() => [...new Set([...document.querySelectorAll('#transcript *')].map((e) => e.tagName))]"


@pytest.fixture(scope="module")
def served(stack: StaffStack, staff_kb_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    settings = bot_settings(
        staff_kb_dir, tmp_path_factory.mktemp("console-browser"), staff_dev_identity_url=stack.records.url
    )
    with ServedApp(create_app(settings, stack.runtime)) as app:
        yield app


class Browser:
    """A Chromium with one context per person, recording what every page did."""

    def __init__(self, playwright: Any) -> None:
        self.chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []

    def page(self, width: int = 1280, **options: Any) -> Any:
        context = self.chromium.new_context(viewport={"width": width, "height": 900}, **options)
        context.add_init_script(PROBES)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("request", lambda request: self.requests.append(request.url))

        def on_dialog(dialog: Any) -> None:
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        return page


def sign_in(page: Any, served: ServedApp, stack: StaffStack, role: str, target: str) -> None:
    user = stack.user(role)
    page.goto(f"{served.origin}{target}")
    page.fill("#username", user.username)
    page.fill("#password", user.password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{served.origin}{target}")


def ticket_of_a_new_resident(client: httpx.Client, stack: StaffStack) -> Any:
    """A resident who asks for a person through the API: their waiting ticket."""
    desk = stack.runtime.desk
    assert desk is not None
    session_id = client.post("/api/v1/sessions").json()["session_id"]
    client.post("/api/v1/chat", json={"session_id": session_id, "message": "talk to a person"})
    ticket = desk.store.open_for_session(session_ref(session_id))
    assert ticket is not None
    return ticket


def claimed_by_an_agent(browser: Any, served: ServedApp, stack: StaffStack, ticket_id: str) -> Any:
    """An agent's page: signed in, the ticket claimed, its conversation open."""
    agent = browser.page()
    sign_in(agent, served, stack, "agent", "/staff/queue")
    agent.locator(f'form[action="/staff/tickets/{ticket_id}/claim"] button').click()
    agent.wait_for_url(f"{served.origin}/staff/tickets/{ticket_id}")
    return agent


def clean(page: Any, where: str, found: dict[str, list[str]]) -> None:
    found[where] = violations(page)
    assert page.evaluate("window.__cspViolations") == [], where


def test_resident_and_agent_end_to_end(stack: StaffStack, served: ServedApp) -> None:
    found: dict[str, list[str]] = {}
    desk = stack.runtime.desk
    assert desk is not None

    def scenario() -> None:
        from playwright.sync_api import expect, sync_playwright

        with sync_playwright() as playwright:
            browser = Browser(playwright)
            try:
                resident = browser.page()
                resident.goto(served.origin + "/")
                resident.locator(f"{WIDGET} .ac-launcher").click()
                widget_input = resident.locator(f"{WIDGET} .ac-input")
                widget_input.fill("How much does a residential parking permit cost?")
                widget_input.press("Enter")
                expect(resident.locator(f"{WIDGET} article[data-status=answered]")).to_have_count(1)
                resident.locator(f"{WIDGET} .ac-tool", has_text="Talk to a person").click()
                handoff = resident.locator(f"{WIDGET} .ac-handoff")
                expect(handoff).to_contain_text("in the queue")
                expect(handoff).to_contain_text("the wait is")
                session_id = resident.evaluate(SESSION_ID)
                ticket = desk.store.open_for_session(session_ref(session_id))
                assert ticket is not None and "Parking" in ticket.department

                agent = browser.page()
                sign_in(agent, served, stack, "agent", "/staff/queue")
                expect(agent.locator("#waiting-rows")).to_contain_text(ticket.department)
                clean(agent, "queue", found)
                claim = agent.locator(f'form[action="/staff/tickets/{ticket.id}/claim"] button')
                claim.focus()
                agent.keyboard.press("Enter")  # keyboard only
                agent.wait_for_url(f"{served.origin}/staff/tickets/{ticket.id}")
                expect(resident.locator(f"{WIDGET} .ac-handoff")).to_contain_text("You are now chatting with")
                expect(agent.locator("#suggestions > li")).to_have_count(3)
                clean(agent, "conversation", found)

                # the resident reloads the page: the widget resumes its stream where it was
                resident.reload()
                resident.locator(f"{WIDGET} .ac-launcher").click()
                expect(resident.locator(f"{WIDGET} .ac-handoff")).to_contain_text("You are now chatting with")

                agent.locator("#suggestions > li").first.get_by_role("button", name="Insert").click()
                reply = agent.locator("#reply-text")
                inserted = reply.input_value()
                assert inserted and inserted == agent.locator("#suggestions .card-text").first.inner_text()
                reply.press("End")
                reply.type(" Anything else I can help with?")
                agent.get_by_role("button", name="Send").click()
                sent = f"{inserted} Anything else I can help with?"
                expect(agent.locator("#reply-status")).to_have_text("Sent.")
                reply.fill("   \n  ")  # only spaces: said next to the reply box, not "Sent." again
                agent.get_by_role("button", name="Send").click()
                expect(agent.locator("#reply-status")).to_have_text(
                    "The reply is empty: write something to send."
                )
                bubbles = resident.locator(f"{WIDGET} .ac-msg--agent")
                expect(bubbles).to_have_count(1)
                expect(bubbles.first).to_contain_text("Anything else I can help with?")
                shown = " ".join(bubbles.first.locator(".ac-text").inner_text().split())
                assert shown.replace(" (opens in a new tab)", "") == " ".join(sent.split())  # as written
                expect(agent.locator("#transcript li[data-role=agent]")).to_have_count(1)
                agent.get_by_role("button", name="Save this reply as a curated answer").click()
                expect(agent.locator("#draft-slot [role=status]")).to_contain_text("Saved as draft")

                # the resident writes; the agent sees it live, redacted
                widget_input.fill("Thanks! My email is jane.doe@example.com")
                widget_input.press("Enter")
                expect(agent.locator("#transcript li[data-role=resident]").last).to_contain_text(
                    "My email is [EMAIL]"
                )
                # the answer and the handoff's reply; the bot stayed silent since
                assert resident.locator(f"{WIDGET} article.ac-msg--bot").count() == 2

                agent.select_option("#resolve-outcome", "answered")
                agent.get_by_role("button", name="Resolve").click()
                agent.wait_for_url(f"{served.origin}/staff/queue")
                expect(resident.locator(f"{WIDGET} .ac-log")).to_contain_text("has ended this chat")
                expect(resident.locator(f"{WIDGET} .ac-handoff")).to_have_text("")
                widget_input.fill("When is garbage collected?")
                widget_input.press("Enter")
                expect(resident.locator(f"{WIDGET} article[data-status=answered]")).to_have_count(2)

                agent.goto(f"{served.origin}/staff/assist")
                agent.fill("#ask-text", "How do I appeal a parking ticket?")
                agent.get_by_role("button", name="Suggest answers").click()
                expect(agent.locator("#suggestions > li")).to_have_count(3)
                agent.fill("#search-text", "noise at night")
                agent.keyboard.press("Enter")
                expect(agent.locator("#search-results > li").first).to_be_visible()
                agent.fill("#search-text", "   ")  # only spaces: said, and the old results go
                agent.keyboard.press("Enter")
                expect(agent.locator("#search-status")).to_contain_text("the search is empty")
                expect(agent.locator("#search-results > li")).to_have_count(0)
                clean(agent, "phone calls", found)
                ARTIFACTS.mkdir(exist_ok=True)
                agent.screenshot(path=ARTIFACTS / "console-phone-calls-1280px.png", full_page=True)

                supervisor = browser.page(width=320)
                sign_in(supervisor, served, stack, "supervisor", "/staff/overview")
                expect(supervisor.locator("#overview")).to_contain_text("Longest wait")
                assert supervisor.evaluate("document.documentElement.scrollWidth <= innerWidth")
                clean(supervisor, "overview at 320 px", found)
                supervisor.goto(f"{served.origin}/staff/queue")
                clean(supervisor, "queue at 320 px", found)
                supervisor.screenshot(path=ARTIFACTS / "console-queue-320px.png", full_page=True)

                served_host = urlsplit(served.origin).netloc
                assert {urlsplit(u).netloc for u in browser.requests if u.startswith("http")} == {served_host}
                assert browser.errors == [] and browser.dialogs == []
            finally:
                browser.chromium.close()

    in_own_thread(scenario, timeout=300)
    assert found == {where: [] for where in found}, json.dumps(found, indent=1)


def test_resident_supplied_xss_never_runs_in_the_console(stack: StaffStack, served: ServedApp) -> None:
    """Every payload of the widget's XSS corpus, sent by a resident, shown to an agent live and after a
    reload, with the console's CSP bypassed (its own rendering is what is tested)."""
    desk = stack.runtime.desk
    assert desk is not None
    payloads = [p.text for p in body_payloads()]
    with httpx.Client(base_url=served.origin, timeout=60) as client:
        session_id = client.post("/api/v1/sessions").json()["session_id"]
        client.post("/api/v1/chat", json={"session_id": session_id, "message": "talk to a person"})
        ticket = desk.store.open_for_session(session_ref(session_id))
        assert ticket is not None

        def scenario() -> None:
            from playwright.sync_api import expect, sync_playwright

            with sync_playwright() as playwright:
                browser = Browser(playwright)
                try:
                    agent = browser.page(bypass_csp=True)
                    agent.route(
                        "**/*",
                        lambda route: (
                            route.continue_()
                            if urlsplit(route.request.url).hostname == "127.0.0.1"
                            else route.abort()
                        ),
                    )
                    sign_in(agent, served, stack, "agent", "/staff/queue")
                    agent.goto(f"{served.origin}/staff/tickets/{ticket.id}")
                    for text in payloads:  # arrive live, over the ticket's event stream
                        sent = client.post("/api/v1/chat", json={"session_id": session_id, "message": text})
                        assert sent.json()["relayed"] is True
                    rows = agent.locator("#transcript li[data-role=resident]")
                    expect(rows).to_have_count(len(payloads) + 1, timeout=60_000)
                    live = rows.all_inner_texts()
                    agent.reload()  # and rendered by the server
                    expect(rows).to_have_count(len(payloads) + 1)
                    stored = [m.text for m in desk.store.messages(ticket.id) if m.role.value == "resident"]
                    for text in stored[1:]:
                        assert any(text in shown for shown in live)
                    assert agent.evaluate("window.__xss") is None
                    foreign = [u for u in browser.requests if urlsplit(u).hostname not in ("127.0.0.1", None)]
                    assert foreign == [] and browser.dialogs == []
                    tags = agent.evaluate(TRANSCRIPT_TAGS)
                    assert set(tags) <= {"LI", "SPAN"}, tags
                finally:
                    browser.chromium.close()

        in_own_thread(scenario, timeout=300)
    assert json.dumps(payloads)  # the corpus was not empty
    assert len(payloads) > 200


def test_a_reply_typed_when_the_staff_session_ends_is_back_after_signing_in(
    stack: StaffStack, served: ServedApp
) -> None:
    typed = "Thanks for waiting: the permit costs $60 a year."
    with httpx.Client(base_url=served.origin, timeout=60) as client:
        ticket = ticket_of_a_new_resident(client, stack)

        def scenario() -> None:
            from playwright.sync_api import expect, sync_playwright

            with sync_playwright() as playwright:
                browser = Browser(playwright)
                try:
                    agent = claimed_by_an_agent(browser, served, stack, ticket.id)
                    agent.locator("#reply-text").fill(typed)
                    agent.context.clear_cookies()  # the staff session ends (idle timeout, sign-out elsewhere)
                    agent.get_by_role("button", name="Send").click()
                    agent.wait_for_url("**/staff/login?next=*")
                    user = stack.user("agent")
                    agent.fill("#username", user.username)
                    agent.fill("#password", user.password)
                    agent.keyboard.press("Enter")
                    agent.wait_for_url(f"{served.origin}/staff/tickets/{ticket.id}")
                    expect(agent.locator("#reply-text")).to_have_value(typed)
                    agent.reload()  # put back once, then forgotten
                    expect(agent.locator("#reply-text")).to_have_value("")
                    assert browser.errors == []
                finally:
                    browser.chromium.close()

        in_own_thread(scenario, timeout=300)


def test_a_ticket_page_left_open_says_so_when_the_ticket_is_transferred_elsewhere(
    stack: StaffStack, served: ServedApp
) -> None:
    from bot.staff.desk import Agent

    desk = stack.runtime.desk
    assert desk is not None
    with httpx.Client(base_url=served.origin, timeout=60) as client:
        ticket = ticket_of_a_new_resident(client, stack)
        other = next(d.name for d in desk.directory.all() if d.name != ticket.department)

        def scenario() -> None:
            from playwright.sync_api import expect, sync_playwright

            with sync_playwright() as playwright:
                browser = Browser(playwright)
                try:
                    agent = claimed_by_an_agent(browser, served, stack, ticket.id)
                    send = agent.get_by_role("button", name="Send")
                    expect(send).to_be_enabled()
                    desk.transfer(ticket.id, other, Agent("supervisor-x", "Sam Supervisor", True))
                    expect(agent.locator("#console-alert")).to_contain_text("Reload the page", timeout=20_000)
                    expect(send).to_be_disabled()
                    expect(agent.get_by_role("button", name="Resolve")).to_be_disabled()
                    expect(agent.locator("#search-form button")).to_be_enabled()  # look-ups stay usable
                finally:
                    browser.chromium.close()

        in_own_thread(scenario, timeout=300)
