"""A resident on the demo page, in real Chromium, against the real bot over the sample knowledge base."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from bot.ratelimit import RateLimiter
from bot.storage.tables import FeedbackRow
from tests.web_widget.harness import GENEROUS
from tests.web_widget.widget_page import Widget

pytestmark = pytest.mark.browser

QUESTION = "How much is a residential parking permit?"

# Records, inside the widget's shadow root, the order in which its parts appear: the typing indicator, the
# answer being streamed sentence by sentence, and the final answer.
STREAM_PROBE = """
window.__seen = [];
const attach = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (init) {
  const root = attach.call(this, init);
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (node.nodeType !== 1) continue;
        if (node.classList.contains("ac-dots")) window.__seen.push("typing");
        else if (node.classList.contains("ac-msg--streaming")) window.__seen.push("streaming");
        else if (node.matches("article.ac-msg--bot[data-status]")) window.__seen.push("final");
      }
      const streaming = record.target.closest && record.target.closest(".ac-msg--streaming");
      if (streaming) window.__seen.push("sentence");
    }
  }).observe(root, { childList: true, subtree: true });
  return root;
};
"""


def feedback_rows(stack: Any, answer_id: str) -> list[FeedbackRow]:
    with stack.bot.runtime.service.database.session() as s:
        return list(s.scalars(sa.select(FeedbackRow).where(FeedbackRow.answer_id == answer_id)))


def test_resident_gets_a_streamed_cited_answer_gives_feedback_and_finds_it_after_reload(
    stack: Any, open_page: Any
) -> None:
    page, record = open_page("")
    page.add_init_script(STREAM_PROBE)
    page.goto(stack.url)
    widget = Widget(page)
    widget.open()
    expect(widget.input).to_be_focused()

    with page.expect_response(lambda r: r.url.endswith("/api/v1/chat/stream")) as streamed:
        answer = widget.ask(QUESTION)
    assert streamed.value.headers["content-type"].startswith("text/event-stream")
    seen = page.evaluate("window.__seen")
    assert seen.index("typing") < seen.index("streaming") < seen.index("sentence") < seen.index("final")

    # What the widget shows is what the bot answered and recorded.
    answer_id = widget.last_answer_id()
    transcript = stack.bot.runtime.service.database.transcript(answer_id)
    assert transcript is not None and transcript.status == "answered"
    shown = widget.answer_text(answer)
    assert shown == " ".join(transcript.answer.split())
    cited = transcript.citations[0]
    link = answer.locator(".ac-sources a").first
    expect(link).to_contain_text(cited["title"])
    assert link.get_attribute("href") == cited["source_url"]
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert link.get_attribute("target") == "_blank"
    expect(answer.locator(".ac-cite-section").first).to_contain_text(" › ".join(cited["section_path"]))
    expect(answer.locator(".ac-cite-date").first).to_contain_text(cited["effective_date"][:4])

    # The citation link works: it opens the source page (the city's site, served here by the test).
    page.context.route(
        "https://www.millbrook.example/**",
        lambda route: route.fulfill(
            content_type="text/html", body="<!doctype html><title>Millbrook source</title><p>source</p>"
        ),
    )
    with page.expect_popup() as popup_info:
        link.click()
    popup = popup_info.value
    popup.wait_for_load_state()
    assert popup.url == cited["source_url"]
    assert popup.title() == "Millbrook source"
    popup.close()

    # Thumbs down, then up (a change of mind): 204 each, one feedback row with the last verdict; then
    # an optional comment, which goes with the verdict pressed when it is sent (it went with the first)
    with page.expect_response(lambda r: r.url.endswith("/api/v1/feedback")) as sent:
        answer.get_by_role("button", name="No, this answer was not helpful").click()
    assert sent.value.status == 204
    with page.expect_response(lambda r: r.url.endswith("/api/v1/feedback")) as sent:
        answer.get_by_role("button", name="Yes, this answer was helpful").click()
    assert sent.value.status == 204
    expect(answer.locator(".ac-feedback-status")).to_have_text("Thank you for your feedback.")
    expect(answer.get_by_role("button", name="Yes, this answer was helpful")).to_have_attribute(
        "aria-pressed", "true"
    )
    rows = feedback_rows(stack, answer_id)
    assert [(r.helpful, r.comment) for r in rows] == [(True, "")]
    answer.get_by_label("Tell us more (optional)").fill("Clear and quick, thank you")
    answer.get_by_role("button", name="Send comment").click()
    expect(answer.locator(".ac-feedback-status")).to_have_text("Thank you, your comment was sent.")
    # one verdict per answer: the comment updates the row the click made
    assert [(r.helpful, r.comment) for r in feedback_rows(stack, answer_id)] == [
        (True, "Clear and quick, thank you")
    ]

    # The conversation survives a reload (sessionStorage), with the same session on the server.
    session_before = widget.stored()["sessionId"]
    page.reload()
    widget.open()
    expect(page.locator(".ac-msg--user")).to_contain_text(QUESTION)
    restored = widget.answers.last
    assert widget.answer_text(restored) == shown
    expect(restored.get_by_role("button", name="Yes, this answer was helpful")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert widget.stored()["sessionId"] == session_before
    assert not record.errors, record.errors
    assert page.evaluate("window.__cspViolations") == []


def test_talk_to_a_person_gives_the_contact_route(stack: Any, open_page: Any) -> None:
    page, _ = open_page(stack.url)
    widget = Widget(page)
    widget.open()
    page.get_by_role("button", name="Talk to a person").click()
    answer = widget.wait_for_answer(0)
    expect(answer).to_have_attribute("data-status", "handoff")
    expect(answer.locator(".ac-badge")).to_have_text("Contact a person")
    transcript = stack.bot.runtime.service.database.transcript(widget.last_answer_id())
    assert widget.answer_text(answer) == " ".join(transcript.answer.split())
    expect(page.locator(".ac-msg--user")).to_have_text("You said: I want to talk to a person")
    expect(widget.input).to_be_focused()


def test_no_answer_is_said_plainly_and_offers_a_person(stack: Any, open_page: Any) -> None:
    page, _ = open_page(stack.url)
    widget = Widget(page)
    widget.open()
    answer = widget.ask("What is the airspeed velocity of an unladen swallow?")
    expect(answer).to_have_attribute("data-status", "no_answer")
    expect(answer.locator(".ac-badge")).to_have_text("No answer found")
    chip = answer.locator(".ac-chip", has_text="Talk to a person")
    chip.click()
    handoff = widget.wait_for_answer(1)
    expect(handoff).to_have_attribute("data-status", "handoff")
    expect(page.locator(".ac-chip")).to_have_count(0)  # chips belong to the newest answer only
    expect(widget.input).to_be_focused()  # focus never falls back to the page when a chip goes


def test_a_follow_up_chip_asks_its_question(stack: Any, open_page: Any) -> None:
    page, _ = open_page(stack.url)
    widget = Widget(page)
    widget.open()
    answer = widget.ask(QUESTION)
    chip = answer.locator(".ac-chip").first
    text = chip.inner_text()
    chip.click()
    follow = widget.wait_for_answer(1)
    expect(page.locator(".ac-msg--user").last).to_have_text(f"You said: {text}")
    expect(follow).to_have_attribute("data-status", "answered")


def test_an_abusive_message_is_rejected_with_the_bots_reason(stack: Any, open_page: Any) -> None:
    page, _ = open_page(stack.url)
    widget = Widget(page)
    widget.open()
    answer = widget.ask("you idiot, answer me")
    expect(answer).to_have_attribute("data-status", "rejected")
    expect(answer.locator(".ac-badge")).to_have_text("Message not accepted")
    expect(answer.locator(".ac-feedback")).to_have_count(0)


def test_input_length_is_capped_at_the_bots_limit(stack: Any, open_page: Any) -> None:
    page, _ = open_page(stack.url)
    widget = Widget(page)
    widget.open()
    expect(widget.input).to_have_attribute("maxlength", str(stack.bot.settings.max_message_chars))


@pytest.fixture
def strict_rate_limit(stack: Any) -> Iterator[None]:
    """The bot's real limiter with one message per minute per session, for one test."""
    service = stack.bot.runtime.service
    original = service.limiter
    service.limiter = RateLimiter("", "1/minute", GENEROUS)
    yield
    service.limiter = original


def test_rate_limited_turn_says_how_long_to_wait(stack: Any, open_page: Any, strict_rate_limit: None) -> None:
    page, _ = open_page(stack.url)
    widget = Widget(page)
    widget.open()
    widget.ask(QUESTION)
    widget.input.fill("And for a second car?")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/chat/stream")) as limited:
        widget.input.press("Enter")
    assert limited.value.status == 429
    seconds = int(limited.value.headers["retry-after"])
    expect(widget.alert).to_contain_text(f"Please wait {seconds} seconds")
    expect(widget.alert.get_by_role("button", name="Try again")).to_be_disabled()
    expect(widget.answers).to_have_count(1)


def test_network_loss_shows_a_retry_that_resends_the_question(stack: Any, open_page: Any) -> None:
    page, _ = open_page(stack.url)
    widget = Widget(page)
    widget.open()
    page.context.set_offline(True)
    widget.input.fill(QUESTION)
    widget.input.press("Enter")
    expect(widget.alert).to_contain_text("The connection to the assistant was lost")
    expect(widget.answers).to_have_count(0)
    page.context.set_offline(False)
    widget.alert.get_by_role("button", name="Try again").click()
    answer = widget.wait_for_answer(0)
    expect(answer).to_have_attribute("data-status", "answered")
    expect(page.locator(".ac-msg--user")).to_have_count(1)  # resent, not asked twice
    expect(widget.alert).to_be_empty()


def test_an_expired_session_is_replaced_without_bothering_the_resident(stack: Any, open_page: Any) -> None:
    page, _ = open_page(stack.url)
    widget = Widget(page)
    widget.open()
    widget.ask(QUESTION)
    first = widget.stored()["sessionId"]
    page.evaluate(
        """() => {
          const key = Object.keys(sessionStorage).find((k) => k.startsWith("askcity:"));
          const data = JSON.parse(sessionStorage.getItem(key));
          data.sessionId = "expired-" + data.sessionId;
          sessionStorage.setItem(key, JSON.stringify(data));
        }"""
    )
    page.reload()
    widget.open()
    answer = widget.ask("Who can get a residential parking permit?")
    expect(answer).to_have_attribute("data-status", "answered")
    assert widget.stored()["sessionId"] not in (first, f"expired-{first}")


def test_clear_conversation_forgets_it_here_and_in_storage(stack: Any, open_page: Any) -> None:
    page, _ = open_page(stack.url)
    widget = Widget(page)
    widget.open()
    widget.ask(QUESTION)
    page.get_by_role("button", name="Clear conversation").click()
    expect(widget.answers).to_have_count(0)
    expect(page.locator(".ac-msg--user")).to_have_count(0)
    assert page.evaluate("Object.keys(sessionStorage).filter((k) => k.startsWith('askcity:'))") == []


def test_inline_mode_mounts_in_the_page_with_the_citys_theme(stack: Any, open_page: Any) -> None:
    """A city page embedding the panel in its own element, with its colour, title and position."""
    csp = page_csp(stack)
    html = (
        '<!doctype html><html lang="en"><head><title>Help</title></head><body><main><h1>Help</h1>'
        '<div id="help"></div></main><script src="/widget/widget.js" data-askcity-mount="#help" '
        'data-askcity-color="#7a1f5c" data-askcity-title="Millbrook help desk" defer></script></body></html>'
    )
    page, record = open_page("")
    page.route(
        f"{stack.url}help",
        lambda route: route.fulfill(
            content_type="text/html", body=html, headers={"Content-Security-Policy": csp}
        ),
    )
    page.goto(f"{stack.url}help")
    widget = Widget(page)
    panel = page.locator("#help .ac-panel")
    expect(panel).to_be_visible()
    expect(panel).to_have_attribute("role", "region")
    expect(page.locator(".ac-launcher")).to_have_count(0)
    expect(page.get_by_role("heading", name="Millbrook help desk")).to_be_visible()
    header = page.locator(".ac-header")
    assert header.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(122, 31, 92)"
    answer = widget.ask(QUESTION)
    expect(answer).to_have_attribute("data-status", "answered")
    widget.input.press("Escape")
    expect(panel).to_be_visible()  # nothing to close in inline mode
    assert not record.errors, record.errors
    assert page.evaluate("window.__cspViolations") == []


def page_csp(stack: Any) -> str:
    import httpx

    return httpx.get(stack.url, timeout=5).headers["content-security-policy"]


def test_launcher_position_and_colours_follow_the_citys_page(stack: Any, open_page: Any) -> None:
    """The city's own stylesheet themes the widget through --askcity-* custom properties."""
    html = (
        '<!doctype html><html lang="en"><head><title>City</title><link rel="stylesheet" href="/city.css">'
        '</head><body><main><h1>City</h1></main><script src="/widget/widget.js" '
        'data-askcity-position="left" defer></script></body></html>'
    )
    css = "#askcity-widget { --askcity-primary: #005a30; --askcity-on-primary: #ffffff; }"
    page, _ = open_page("")
    page.route(f"{stack.url}city", lambda route: route.fulfill(content_type="text/html", body=html))
    page.route(f"{stack.url}city.css", lambda route: route.fulfill(content_type="text/css", body=css))
    page.goto(f"{stack.url}city")
    widget = Widget(page)
    expect(widget.launcher).to_have_text("Ask Millbrook")  # the city's name from /api/v1/config
    box = widget.launcher.bounding_box()
    assert box is not None and box["x"] < 100
    assert widget.launcher.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(0, 90, 48)"


def test_the_browser_stores_the_conversation_as_the_service_keeps_it(stack: Any, open_page: Any) -> None:
    """sessionStorage can be read by any script of the city's page: a card number or an SSN the
    resident typed is kept there masked, as the service stores it, and shown masked after a reload."""
    page, _ = open_page(stack.url)
    widget = Widget(page)
    widget.open()
    widget.ask("my card is 4111 1111 1111 1111 and my ssn 536-22-8726, how do I pay property tax?")
    expect(page.locator(".ac-msg--user")).to_contain_text("4111 1111 1111 1111")  # on screen as typed
    stored = json.dumps(widget.stored())
    assert "4111 1111" not in stored and "536-22-8726" not in stored
    assert "[CARD]" in stored and "[SSN]" in stored
    page.reload()
    widget.open()
    expect(page.locator(".ac-msg--user")).to_contain_text("my card is [CARD] and my ssn [SSN]")
