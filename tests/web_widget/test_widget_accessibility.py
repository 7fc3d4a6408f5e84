"""WCAG 2.2 AA checks: axe-core on the demo page (panel closed and open with an answer), reflow at 320 px
and 400% zoom, reduced motion, and screenshots at 320 px and 1280 px saved to test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.web_widget.widget_page import Widget

pytestmark = pytest.mark.browser

QUESTION = "How much is a residential parking permit?"
NO_HORIZONTAL_SCROLL = """() => {
  const panel = document.querySelector("#askcity-widget").shadowRoot.querySelector(".ac-panel");
  return [document.documentElement.scrollWidth, innerWidth, panel.scrollWidth, panel.clientWidth];
}"""


def violations(page: Any) -> list[str]:
    """axe-core with every rule it runs by default (WCAG 2.0-2.2 A/AA and best practices)."""
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
    ]


def open_with_answer(page: Any) -> Widget:
    widget = Widget(page)
    widget.open()
    answer = widget.ask(QUESTION)
    answer.locator(".ac-quote summary").first.click()  # the quoted passage open, so axe sees it too
    return widget


@pytest.mark.parametrize("width", [1280, 320])
def test_axe_finds_no_violation_with_the_panel_closed_and_open(
    stack: Any, open_page: Any, width: int
) -> None:
    page, _ = open_page(stack.url, width=width, height=800)
    closed = violations(page)
    assert not closed, "\n".join(closed)
    open_with_answer(page)
    opened = violations(page)
    assert not opened, "\n".join(opened)


def test_reflows_at_320_px_and_at_400_percent_zoom(stack: Any, open_page: Any, artifacts: Path) -> None:
    # 1280 x 1024 at 400% zoom is a 320 x 256 CSS-pixel viewport.
    for width, height, name in [(320, 640, "widget-320px.png"), (320, 256, "widget-400pct-zoom.png")]:
        page, _ = open_page(stack.url, width=width, height=height)
        widget = open_with_answer(page)
        page_width, viewport, panel_scroll, panel_width = page.evaluate(NO_HORIZONTAL_SCROLL)
        assert page_width <= viewport and panel_scroll <= panel_width
        box = widget.panel.bounding_box()
        assert box is not None and box["width"] <= width
        for control in (widget.input, page.get_by_role("button", name="Send"), page.locator(".ac-close")):
            control.scroll_into_view_if_needed()
            expect(control).to_be_in_viewport()
        page.screenshot(path=artifacts / name)


def test_screenshots_at_320_and_1280_px(stack: Any, open_page: Any, artifacts: Path) -> None:
    for width, height in [(1280, 800), (320, 640)]:
        page, _ = open_page(stack.url, width=width, height=height)
        page.screenshot(path=artifacts / f"demo-{width}px-closed.png")
        open_with_answer(page)
        page.screenshot(path=artifacts / f"demo-{width}px-answer.png")
        assert (artifacts / f"demo-{width}px-answer.png").stat().st_size > 10_000


def test_reduced_motion_stops_the_animations(stack: Any, open_page: Any) -> None:
    page, _ = open_page(stack.url, reduced_motion="reduce")
    widget = Widget(page)
    widget.open()
    assert widget.panel.evaluate("el => getComputedStyle(el).animationName") == "none"
    page2, _ = open_page(stack.url)
    Widget(page2).open()
    assert page2.locator(".ac-panel").evaluate("el => getComputedStyle(el).animationName") == "ac-rise"
