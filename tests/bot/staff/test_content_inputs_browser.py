"""Date and number fields of the editors' pages in Debian's Chromium: styled like the text fields (the
same border, font and padding) and at least 44 px tall, the target size a finger or a tremor needs."""

from __future__ import annotations

from typing import Any

import pytest

from bot.api.app import create_app
from tests.bot.staff.staff_harness import StaffStack
from tests.bot.staff.test_console_browser import sign_in
from tests.bot.staff.test_staff_pages_browser import in_chromium
from tests.web_widget.harness import ServedApp

pytestmark = pytest.mark.browser
LOOK = """el => { const s = getComputedStyle(el); const r = el.getBoundingClientRect();
  return {height: r.height, border: s.borderTopWidth + ' ' + s.borderTopStyle + ' ' + s.borderTopColor,
          font: s.fontSize + ' ' + s.fontFamily, padding: s.paddingTop}; }"""


def test_date_and_number_fields_look_like_the_text_fields_and_are_44px_tall(stack: StaffStack) -> None:
    seen: dict[str, dict[str, Any]] = {}
    with ServedApp(create_app(stack.settings, stack.runtime)) as served:

        def scenario(page: Any, requests: list[str]) -> None:
            sign_in(page, served, stack, "editor", "/staff/analytics?days=30")
            seen["days (number)"] = page.eval_on_selector("#days", LOOK)
            page.goto(f"{served.origin}/staff/curated")
            seen["expires_on (date)"] = page.eval_on_selector("#expires_on", LOOK)
            seen["cite (text)"] = page.eval_on_selector("#cite", LOOK)

        in_chromium(scenario)
    text = seen.pop("cite (text)")
    for name, look in seen.items():
        assert look["height"] >= 44, (name, look)
        assert (look["border"], look["font"], look["padding"]) == (
            text["border"],
            text["font"],
            text["padding"],
        ), (
            name,
            look,
            text,
        )
