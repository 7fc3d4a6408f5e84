"""The widget by keyboard alone: no mouse or pointer event ever reaches the page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web_widget.widget_page import Widget

pytestmark = pytest.mark.browser

OUTLINE = "el => { const s = getComputedStyle(el); return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"


def tab_until(page: Any, widget: Widget, target: str, key: str = "Tab", limit: int = 40) -> list[str]:
    """Press `key` until the focused element's description starts with `target`; the descriptions seen."""
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        seen.append(widget.focused())
        if seen[-1].startswith(target):
            return seen
    raise AssertionError(f"{target!r} never got focus; focus went {seen}")


def test_keyboard_only_resident_flow_with_a_sensible_focus_order(stack: Any, open_page: Any) -> None:
    page, _ = open_page(stack.url)
    widget = Widget(page)

    # The launcher comes after the page's own links, and shows where focus is.
    path = tab_until(page, widget, "ac-launcher")
    assert path[0].startswith("skip-link")
    assert widget.focused() == "ac-launcher:Ask Millbrook"
    style, width = widget.launcher.evaluate(OUTLINE)
    assert style != "none" and width >= 2

    # Enter opens the dialog and puts focus in the question field.
    page.keyboard.press("Enter")
    expect(widget.panel).to_be_visible()
    expect(page.get_by_role("dialog", name="Ask Millbrook")).to_be_visible()
    assert widget.focused() == "ac-input"
    page.keyboard.type("How much is a residential parking permit?")
    page.keyboard.press("Enter")
    widget.wait_for_answer(0)
    assert widget.focused() == "ac-input"

    # Forward from the question field: send, then the tools.
    forward = [page.keyboard.press("Tab") or widget.focused() for _ in range(3)]
    assert forward == ["ac-send:Send", "ac-tool:Talk to a person", "ac-tool:Clear conversation"]

    # Backward from the field, through the answer, up to the close button: the reading order.
    widget.input.focus()
    backward = tab_until(page, widget, "ac-close", key="Shift+Tab")
    follow_ups = [m for m in widget.stored()["messages"] if m["role"] == "bot"][-1]["follow_ups"]
    expected = [
        "ac-close:Close chat",
        "ac-log:Conversation",
        "ac-link:Residential Parking Permits (opens in a new tab)",
        "summary:Quoted passage",
        *[f"ac-chip:{text[:60]}" for text in follow_ups],
        "ac-thumb:Yes, this answer was helpful",
        "ac-thumb:No, this answer was not helpful",
    ]
    assert list(reversed(backward)) == expected

    # Feedback by keyboard: Space on the thumb.
    tab_until(page, widget, "ac-thumb:Yes")
    page.keyboard.press("Space")
    expect(page.locator(".ac-feedback-status")).to_have_text("Thank you for your feedback.")

    # Escape closes the dialog and returns focus to the launcher; Enter reopens it.
    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    assert widget.focused() == "ac-launcher:Ask Millbrook"
    page.keyboard.press("Enter")
    assert widget.focused() == "ac-input"
    page.keyboard.press("Escape")
    assert widget.focused() == "ac-launcher:Ask Millbrook"

    assert page.evaluate("window.__pointerEvents") == 0
