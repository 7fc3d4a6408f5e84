"""The analytics, gaps, curated-answer and feedback pages in Debian's Chromium (issue 13): keyboard only,
axe-core with no violation on each, no script and no CSP violation; an editor saves a curated answer by
keyboard."""

from __future__ import annotations

from typing import Any

import pytest

from bot.api.app import create_app
from tests.bot.staff.staff_harness import StaffStack
from tests.bot.staff.test_content_console import MARKER, seed_turn
from tests.bot.staff.test_staff_pages_browser import clean, focused, in_chromium, tab_to
from tests.web_widget.harness import ServedApp

pytestmark = pytest.mark.browser
QUESTION = "when does the skate park open in winter"


def test_content_pages_pass_axe_and_work_by_keyboard(stack: StaffStack) -> None:
    seed_turn(stack, "answered", helpful=False, comment="Too vague.")
    seed_turn(stack, "no_answer", helpful=True)
    user = stack.user("editor")
    found: dict[str, list[str]] = {}
    with ServedApp(create_app(stack.settings, stack.runtime)) as served:

        def scenario(page: Any, requests: list[str]) -> None:
            page.goto(f"{served.origin}/staff/login")
            page.fill("#username", user.username)
            page.fill("#password", user.password)
            page.keyboard.press("Enter")
            page.wait_for_url(f"{served.origin}/staff")
            page.goto(f"{served.origin}/staff/analytics?days=41")
            assert page.locator("svg.chart title").count() == 5 and page.locator("table caption").count() == 5
            clean(page, "analytics", found)

            tab_to(page, "days")
            page.keyboard.press("Control+a")
            page.keyboard.type("40")
            page.keyboard.press("Enter")
            page.wait_for_url(f"{served.origin}/staff/analytics?days=40")
            clean(page, "analytics, another period", found)

            page.goto(f"{served.origin}/staff/gaps?days=41")
            assert page.locator("main section h2").count() >= 1  # a group at least: its table too
            clean(page, "gaps", found)

            page.goto(f"{served.origin}/staff/feedback?days=41&verdict=unhelpful")
            assert "Too vague." in page.inner_text("main") and MARKER in page.inner_text("main")
            clean(page, "feedback", found)

            page.goto(f"{served.origin}/staff/curated")
            clean(page, "curated answers", found)
            tab_to(page, "questions", limit=60)
            page.keyboard.press("Tab")
            assert focused(page).startswith("answer")
            page.keyboard.type("Answer without a question.")
            tab_to(page, "button:Save curated answer", limit=10)
            page.keyboard.press("Enter")
            page.wait_for_selector(".error-summary")
            assert page.title().startswith("Error: ")
            clean(page, "curated answers, form with an error", found)

            tab_to(page, "questions", limit=60)
            page.keyboard.type(QUESTION)
            tab_to(page, "cite", limit=5)
            page.keyboard.type("animals-dog-licences")
            tab_to(page, "button:Save curated answer", limit=10)
            page.keyboard.press("Enter")
            page.wait_for_selector("text=Saved.")
            assert QUESTION in page.inner_text("main")
            clean(page, "curated answer", found)

        in_chromium(scenario)
    assert found == {where: [] for where in found}, found
    mine = [a for a in stack.runtime.service.database.curated_answers() if QUESTION in a.questions]
    assert len(mine) == 1 and mine[0].answer == "Answer without a question."
    assert stack.runtime.service.database.retire_curated(mine[0].id)
