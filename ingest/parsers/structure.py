"""Building a document's plain text from blocks while recording where its headings are."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from knowledge_base.records import Heading

_SPACES = re.compile(r"[ \t\u00a0]+")
_TERMINAL = (".", "?", "!", ":", ";", ",")


def clean(text: str) -> str:
    """Collapse runs of spaces and trim; keeps line breaks."""
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.splitlines()).strip()


@dataclass
class TextBuilder:
    """Append headings and paragraphs; blocks are separated by a blank line."""

    parts: list[str] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    length: int = 0

    def _append(self, text: str) -> tuple[int, int]:
        if self.parts:
            self.parts.append("\n\n")
            self.length += 2
        start = self.length
        self.parts.append(text)
        self.length += len(text)
        return start, self.length

    def heading(self, level: int, text: str) -> None:
        text = " ".join(clean(text).split())
        if text:
            start, end = self._append(text)
            self.headings.append(Heading(level=max(1, min(level, 6)), title=text, start=start, end=end))

    def paragraph(self, text: str) -> None:
        text = clean(text)
        if text:
            self._append(text)

    def table_row(self, cells: list[str], header: bool) -> None:
        """One row of a table as one line, its cells joined by " | ". A header row reads as the lead-in
        of the rows under it, and each other row as a list item ("- Mobile food vending permit | Food
        trucks | $400 per year"), so that an answer shows a row with its header, or the rows whole,
        the way it shows a list (bot/answering/composer.py); run together they read as one sentence."""
        line = " | ".join(" ".join(clean(cell).split()) for cell in cells)
        if line.replace("|", "").strip():
            self.paragraph(line if header else f"- {line}")

    @property
    def text(self) -> str:
        return "".join(self.parts)


def looks_like_heading(line: str, next_line: str | None) -> bool:
    """A short line of its own, not ending like a sentence, followed by text: the plain-text heading rule."""
    stripped = line.strip()
    if not stripped or len(stripped) > 90 or len(stripped.split()) > 12:
        return False
    if stripped.endswith(_TERMINAL) or stripped.startswith(("-", "*", "•", "(")):
        return False
    if not (stripped[0].isupper() or stripped[0].isdigit()):
        return False
    return next_line is not None and bool(next_line.strip())


def detect_headings(text: str) -> list[Heading]:
    """Headings of plain text, found in place: offsets point into `text` unchanged.

    A heading starts after a blank line (or the start), is short and does not end like a sentence, and
    text follows it. The first line of the document is its title (level 1); the others are sections.
    """
    headings: list[Heading] = []
    lines = text.splitlines(keepends=True)
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    following = dict(itertools.pairwise(nonblank))
    offset = 0
    previous_blank = True
    for i, line in enumerate(lines):
        nxt = following.get(i)
        if previous_blank and looks_like_heading(line, lines[nxt] if nxt is not None else None):
            start = offset + len(line) - len(line.lstrip())
            title = line.strip()
            level = 1 if not text[:start].strip() else 2
            headings.append(Heading(level=level, title=title, start=start, end=start + len(title)))
        offset += len(line)
        previous_blank = not line.strip()
    return headings
