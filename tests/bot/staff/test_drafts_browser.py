"""The drafts flow in Debian's Chromium, keyboard only, axe-core on every console page: an editor builds
a draft and asks it a question beside the published version, then submits it; a supervisor approves it
and the widget answers from it; the supervisor serves the earlier version again and it no longer does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.api.app import create_app
from tests.bot.staff.staff_harness import StaffStack
from tests.bot.staff.test_drafts_routes import HENS_Q, _save_hens_page, _wait_served, own  # noqa: F401
from tests.bot.staff.test_staff_pages_browser import _chromium, clean, focused, in_chromium  # noqa: F401
from tests.web_widget.harness import ServedApp
from tests.web_widget.widget_page import Widget

pytestmark = pytest.mark.browser


def tab_to(page: Any, target: str, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page).startswith(target):
            return
    raise AssertionError(f"{target!r} never got focus")


def sign_in(page: Any, origin: str, username: str, password: str, next_path: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{origin}/staff/login?next={next_path}")
    tab_to(page, "username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{origin}{next_path}")


def widget_answer(page: Any, origin: str, question: str) -> str:
    page.goto(origin + "/")
    widget = Widget(page)
    widget.open()
    return Widget.answer_text(widget.ask(question))


def test_editor_drafts_and_submits_supervisor_approves_then_rolls_back(
    own: StaffStack,  # noqa: F811
    tmp_path: Path,
) -> None:
    runtime = own.runtime
    published = runtime.kb.versions.current()
    assert published is not None
    _save_hens_page(runtime, tmp_path / "new")
    editor, supervisor = own.user("editor"), own.user("supervisor")
    found: dict[str, list[str]] = {}
    with ServedApp(create_app(own.settings, runtime)) as served:
        origin = served.origin

        def scenario(page: Any, requests: list[str]) -> None:
            sign_in(page, origin, editor.username, editor.password, "/staff/drafts")
            clean(page, "drafts, none open", found)
            tab_to(page, "build-note")
            page.keyboard.type("backyard hens page")
            page.keyboard.press("Enter")
            page.wait_for_url(f"{origin}/staff/drafts?done=built")
            assert "animals-backyard-hens" in page.inner_text("main")
            clean(page, "draft built", found)

            tab_to(page, "question")
            page.keyboard.type(HENS_Q)
            page.keyboard.press("Enter")
            page.wait_for_selector("#asked-caption")
            assert "the answer would change" in page.inner_text("#asked-caption")
            clean(page, "asked side by side", found)
            tab_to(page, "submit-note")
            page.keyboard.type("new page on backyard hens")
            page.keyboard.press("Tab")
            page.keyboard.press("Enter")
            page.wait_for_url(f"{origin}/staff/drafts?done=submitted")
            clean(page, "submitted", found)

            sign_in(page, origin, supervisor.username, supervisor.password, "/staff/drafts")
            clean(page, "supervisor's review", found)
            tab_to(page, "button:Approve and publish")
            page.keyboard.press("Enter")
            page.wait_for_url(f"{origin}/staff/drafts?done=published")
            draft = runtime.kb.versions.current()
            assert draft != published
            _wait_served(runtime, str(draft))
            assert "four hens" in widget_answer(page, origin, HENS_Q)

            page.goto(f"{origin}/staff/versions")
            clean(page, "versions and audit", found)
            tab_to(page, f"button:Serve {published}")
            page.keyboard.press("Enter")
            page.wait_for_url(f"{origin}/staff/versions?done=rolled_back")
            clean(page, "rolled back", found)
            _wait_served(runtime, str(published))
            assert "four hens" not in widget_answer(page, origin, HENS_Q)

        in_chromium(scenario)
    assert found == {where: [] for where in found}, found
