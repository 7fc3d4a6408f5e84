"""The widget's files on their own (no browser): size budget, no dangerous DOM or code APIs, and a demo page
that runs under the bot's strict Content-Security-Policy (no inline script or style, no inline handlers)."""

from __future__ import annotations

import gzip
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "web_widget" / "static"
CONSOLE = Path(__file__).resolve().parents[2] / "web_widget" / "staff" / "static" / "console.js"
GZIP_BUDGET = 25 * 1024

# Sinks that parse or run strings, and inline handlers/styles (CSP would block them, and they are unsafe).
BANNED = {
    "innerHTML": r"\binnerHTML\b",
    "outerHTML": r"\bouterHTML\b",
    "insertAdjacentHTML": r"\binsertAdjacentHTML\b",
    "document.write": r"\bdocument\.write",
    "eval": r"\beval\s*\(",
    "new Function": r"\bnew\s+Function\b",
    "string timers": r"\bset(Timeout|Interval)\s*\(\s*[\"'`]",
    "createContextualFragment": r"createContextualFragment",
    "DOMParser": r"\bDOMParser\b",
    "inline handler attribute": r"setAttribute\(\s*[\"']on",
    "handler property": r"\.on[a-z]+\s*=[^=]",
    "style attribute": r"setAttribute\(\s*[\"']style|\.style\.cssText|\.style\s*=[^=]",
    "javascript: URL": r"javascript:",
}


def code_of(path: Path) -> str:
    """The source without its comments (block comments and whole-line `//` comments)."""
    text = re.sub(r"/\*.*?\*/", "", path.read_text(encoding="utf-8"), flags=re.S)
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("//"))


def test_widget_fits_the_size_budget_gzipped() -> None:
    size = len(gzip.compress((STATIC / "widget.js").read_bytes(), compresslevel=9))
    assert size <= GZIP_BUDGET, f"widget.js is {size} bytes gzipped; the budget is {GZIP_BUDGET}"


@pytest.mark.parametrize("script", [STATIC / "widget.js", CONSOLE], ids=["widget", "agent-console"])
@pytest.mark.parametrize("name", sorted(BANNED))
def test_widget_uses_no_sink_that_parses_or_runs_strings(name: str, script: Path) -> None:
    """The resident's widget and the agent console's script both show resident-supplied text."""
    hits = [
        f"{number}: {line.strip()}"
        for number, line in enumerate(code_of(script).splitlines(), 1)
        if re.search(BANNED[name], line)
    ]
    assert hits == []


class _Inventory(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.styles = 0
        self.inline: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self.scripts.append(values)
        if tag == "style":
            self.styles += 1
        for name, value in attrs:
            if (
                name == "style"
                or name.startswith("on")
                or (value or "").strip().lower().startswith("javascript:")
            ):
                self.inline.append(f"<{tag} {name}>")


def test_demo_page_has_nothing_inline_and_one_script_tag() -> None:
    page = _Inventory()
    page.feed((STATIC / "demo.html").read_text(encoding="utf-8"))
    assert page.styles == 0
    assert page.inline == []
    assert page.scripts == [{"src": "/widget/widget.js", "data-askcity-city": "Millbrook", "defer": None}]


def test_stylesheet_loads_nothing_from_elsewhere() -> None:
    css = (STATIC / "widget.css").read_text(encoding="utf-8")
    assert "@import" not in css
    assert not re.search(r"url\(\s*[\"']?(https?:)?//", css)
