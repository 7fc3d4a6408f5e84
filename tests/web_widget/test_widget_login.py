"""needs_login: the resident logs in through the records service's dev identity provider, in the panel,
and the question is resumed with the token; the token never reaches storage."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web_widget.widget_page import Widget

pytestmark = pytest.mark.browser

STORAGE = (
    "() => JSON.stringify([Object.entries(sessionStorage), Object.entries(localStorage), document.cookie])"
)


def test_needs_login_then_login_resumes_the_question_with_the_masked_status(
    stack: Any, open_page: Any
) -> None:
    resident = stack.resident()
    page, record = open_page(stack.url)
    widget = Widget(page)
    widget.open()

    answer = widget.ask("What is the status of my application?")
    expect(answer).to_have_attribute("data-status", "needs_login")
    expect(answer.locator(".ac-badge")).to_have_text("Login needed")
    expect(answer.locator(".ac-feedback")).to_have_count(0)
    answer.get_by_role("button", name="Log in").click()
    username = page.get_by_label("Username")
    expect(username).to_be_focused()

    # A wrong password is refused by the identity provider and said so; nothing is resumed.
    username.fill(resident.username)
    page.get_by_label("Password").fill("not-the-password")
    page.locator(".ac-login").get_by_role("button", name="Log in").click()
    expect(page.locator(".ac-login-error")).to_have_text("Unknown username or wrong password.")
    expect(page.get_by_label("Password")).to_have_value("")
    expect(widget.answers).to_have_count(1)

    page.get_by_label("Password").fill(resident.password)
    with page.expect_response(stack.records.login_url) as login:
        page.locator(".ac-login").get_by_role("button", name="Log in").click()
    assert login.value.status == 200
    token = login.value.json()["access_token"]
    status = widget.wait_for_answer(1)
    expect(status).to_have_attribute("data-status", "answered")
    text = status.locator(".ac-text").inner_text()
    assert any(reference in text for reference in resident.case_references), text
    expect(page.locator(".ac-login")).to_have_count(0)
    expect(page.locator(".ac-msg--user")).to_have_count(1)  # resumed, not asked again
    expect(widget.input).to_be_focused()

    # The token stays in memory: not in sessionStorage, localStorage or cookies; nor is the private answer.
    stored = page.evaluate(STORAGE)
    assert token not in stored
    assert not any(reference in stored for reference in resident.case_references)
    assert stack.records.login_url in record.requests

    # After a reload the answer about the resident's case is gone, with a note saying why.
    page.reload()
    widget.open()
    expect(page.locator(".ac-msg--note").last).to_contain_text("It is not kept when you change page")
    expect(page.get_by_role("button", name="Log out")).to_be_hidden()


def test_log_out_forgets_the_token(stack: Any, open_page: Any) -> None:
    resident = stack.resident()
    page, _ = open_page(stack.url)
    widget = Widget(page)
    widget.open()
    widget.ask("Where is my application?").get_by_role("button", name="Log in").click()
    page.get_by_label("Username").fill(resident.username)
    page.get_by_label("Password").fill(resident.password)
    page.get_by_label("Password").press("Enter")
    expect(widget.wait_for_answer(1)).to_have_attribute("data-status", "answered")
    page.get_by_role("button", name="Log out").click()
    expect(page.locator(".ac-msg--note").last).to_have_text("You are logged out.")
    again = widget.ask("What is the status of my application?")
    expect(again).to_have_attribute("data-status", "needs_login")
