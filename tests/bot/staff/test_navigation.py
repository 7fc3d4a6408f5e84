"""Every staff page a signed-in person sees carries one menu with every page their role may open (and no
other): an agent on the documents page still reaches the queue; an editor is never offered the queue."""

from __future__ import annotations

import re

import pytest

from tests.bot.staff.staff_harness import StaffStack

CONSOLE = ["/staff/queue", "/staff/assist"]
CONTENT = ["/staff/documents", "/staff/curated", "/staff/drafts", "/staff/versions"]
EDITING = ["/staff/gaps", "/staff/analytics", "/staff/feedback"]
MENU = {
    "agent": CONSOLE + CONTENT,
    "editor": CONTENT + EDITING,
    "supervisor": [*CONSOLE, "/staff/overview", *CONTENT, *EDITING],
}


def _menu(html: str) -> list[str]:
    navs = re.findall(r'<nav class="console-nav[^"]*" aria-label="Staff console">(.*?)</nav>', html, re.S)
    assert len(navs) == 1, "one menu a page"
    return re.findall(r'<a href="([^"]+)"', navs[0])


@pytest.mark.parametrize("role", sorted(MENU))
def test_every_page_of_a_role_shows_every_link_the_role_may_use(stack: StaffStack, role: str) -> None:
    client = stack.client()
    for page in [*MENU[role], "/staff"]:
        response = client.get(page, headers=stack.bearer(role))
        if response.status_code == 503:  # a page of a feature this stack runs without
            continue
        assert response.status_code == 200, (page, response.status_code)
        links = _menu(response.text)
        assert sorted(links) == sorted([*MENU[role], "/staff"]), (page, links)
        assert f'href="{page}" aria-current="page"' in response.text or page == "/staff", page
