"""DOCX: paragraphs by style (title, headings, lists), then tables; runs a reader cannot see are dropped.

Hidden runs: marked hidden (`w:vanish`, `w:specVanish`), 2 pt or smaller, or white on no coloured
background (highlight, run, paragraph or cell shading, a page colour). Properties come from the run, its
character style and the paragraph style, with their base styles.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

from ingest.errors import CorruptFileError
from ingest.parsers.archive import ArchiveLimits, check_archive
from ingest.parsers.parsed import HiddenText, Parsed, built
from ingest.parsers.structure import TextBuilder

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TINY_POINTS = 2.0
_WHITE_THEMES = ("BACKGROUND_1", "LIGHT_1")


def _chain(style: Any) -> Iterator[Any]:
    """A style and its base styles (at most 10: a cycle in a damaged file must end)."""
    for _ in range(10):
        if style is None:
            return
        yield style
        style = getattr(style, "base_style", None)


def _fill(element: Any, path: str) -> str:
    """The fill colour of a shading element (`w:shd`) under `element`, '' when none or automatic."""
    if element is None:
        return ""
    shd = element.find(path)
    fill = (shd.get(f"{_W}fill") or "") if shd is not None else ""
    return "" if fill.lower() in ("", "auto") else fill.upper()


def _is_white(hex_colour: str) -> bool:
    try:
        channels = [int(hex_colour[i : i + 2], 16) for i in (0, 2, 4)]
    except ValueError:
        return False
    return len(hex_colour) == 6 and min(channels) >= 0xF0


class _Visibility:
    """Decides, run by run, whether a reader would see it."""

    def __init__(self, document: Any) -> None:
        background = document.element.find(f"{_W}background")
        page = (background.get(f"{_W}color") or "") if background is not None else ""
        self.coloured_page = bool(page) and page.lower() != "auto" and not _is_white(page)
        self._styles: dict[tuple[str, str | None], list[Any]] = {}  # style lookups are slow: once each

    def _style_fonts(self, kind: str, style_id: str | None, style: Callable[[], Any]) -> list[Any]:
        key = (kind, style_id)
        if key not in self._styles:
            self._styles[key] = [s.font for s in _chain(style())]
        return self._styles[key]

    def why_hidden(self, run: Any, paragraph: Any, cell_fill: str) -> str:
        fonts = [
            run.font,
            *self._style_fonts("run", run._r.style, lambda: run.style),
            *self._style_fonts("paragraph", paragraph._p.style, lambda: paragraph.style),
        ]

        def first(get: Callable[[Any], Any]) -> Any:
            for font in fonts:
                value = get(font)
                if value is not None:
                    return value
            return None

        rpr = run._r.rPr
        if first(lambda f: f.hidden) or (rpr is not None and rpr.find(f"{_W}specVanish") is not None):
            return "w:vanish"
        size = first(lambda f: f.size)
        if size is not None and size.pt <= TINY_POINTS:
            return f"tiny text ({size.pt:g} pt)"
        if self._white(first) and not self._coloured_background(run, paragraph, first, cell_fill):
            return "white text on a white page"
        return ""

    @staticmethod
    def _white(first: Callable[[Callable[[Any], Any]], Any]) -> bool:
        rgb = first(lambda f: f.color.rgb if f.color.type is not None else None)
        if rgb is not None:
            return _is_white(str(rgb))
        theme = first(lambda f: f.color.theme_color if f.color.type is not None else None)
        return theme is not None and getattr(theme, "name", "") in _WHITE_THEMES

    def _coloured_background(
        self, run: Any, paragraph: Any, first: Callable[[Callable[[Any], Any]], Any], cell_fill: str
    ) -> bool:
        highlight = first(lambda f: f.highlight_color)
        if highlight is not None and getattr(highlight, "name", "") not in ("WHITE", "AUTO", "NONE"):
            return True
        fills = [_fill(run._r.rPr, f"{_W}shd"), _fill(paragraph._p.pPr, f"{_W}shd"), cell_fill]
        return self.coloured_page or any(f and not _is_white(f) for f in fills)


def _visible_text(paragraph: Any, seen: _Visibility, hidden: list[HiddenText], cell_fill: str = "") -> str:
    """The paragraph's text as python-docx reads it (runs and hyperlink runs), without hidden runs."""
    from docx.text.run import Run

    shown: list[str] = []
    dropped: dict[str, list[str]] = {}
    for r in paragraph._p.xpath("w:r | w:hyperlink/w:r"):
        run = Run(r, paragraph)
        text = r.text
        why = seen.why_hidden(run, paragraph, cell_fill) if text.strip() else ""
        if why:
            dropped.setdefault(why, []).append(text)
        else:
            shown.append(text)
    hidden.extend(HiddenText(why, "".join(parts)) for why, parts in dropped.items())
    return "".join(shown)


def parse_docx(data: bytes, limits: ArchiveLimits | None = None) -> Parsed:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    check_archive(data, limits or ArchiveLimits())
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise CorruptFileError(f"not a readable DOCX file ({type(exc).__name__})") from exc
    seen = _Visibility(document)
    hidden: list[HiddenText] = []
    builder = TextBuilder()
    for paragraph in document.paragraphs:
        text = _visible_text(paragraph, seen, hidden)
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        if style == "Title":
            builder.heading(1, text)
        elif style.startswith("Heading") and style[-1:].isdigit():
            builder.heading(int(style.split()[-1]) + 1, text)
        elif style.startswith("List"):
            builder.paragraph("- " + text if text.strip() else "")
        else:
            builder.paragraph(text)
    for table in document.tables:
        for number, row in enumerate(table.rows):
            cells = []
            for cell in row.cells:
                fill = _fill(cell._tc.tcPr, f"{_W}shd")
                cells.append("\n".join(_visible_text(p, seen, hidden, fill) for p in cell.paragraphs).strip())
            builder.table_row(cells, header=number == 0)  # a Word table's first row is its header
    title = document.core_properties.title or ""
    return built(builder, title, tuple(hidden))
