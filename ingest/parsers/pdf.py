"""PDF: text by page without running headers and footers; headings from bookmarks or from line shape.

Text a reader cannot see is found by walking each page's content stream with the graphics state:
invisible render modes (3, 7), a white fill on a page where nothing coloured was painted before it, or an
effective size of 2 pt or less. Such text is cut from the stream before extraction and reported.
Text inside form XObjects is extracted but not inspected (a known gap).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from ingest.errors import CorruptFileError, EncryptedFileError, OversizedFileError
from ingest.parsers.parsed import HiddenText, Parsed, built
from ingest.parsers.structure import TextBuilder, looks_like_heading

_DIGITS = re.compile(r"\d+")
_BULLETS = ("- ", "• ", "* ", "– ")
TINY_POINTS = 2.0
_SHOW = (b"Tj", b"TJ", b"'", b'"')
_FILLS = (b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*")
Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _times(m: Matrix, n: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s, e * p + f * r + t, e * q + f * s + u)


def _numbers(operands: Sequence[Any]) -> list[float]:
    out = []
    for value in operands:
        try:
            out.append(float(value))
        except (TypeError, ValueError):
            continue
    return out


@dataclass(frozen=True, slots=True)
class _State:
    ctm: Matrix = _IDENTITY
    fill_white: bool = False
    render: int = 0
    size: float = 12.0


def _white(values: list[float]) -> bool:
    if len(values) == 1:
        return values[0] >= 0.99  # gray
    if len(values) == 3:
        return min(values) >= 0.99  # RGB
    if len(values) == 4:
        return max(values) <= 0.01  # CMYK
    return False


def _classify(operations: list[tuple[Any, bytes]]) -> list[str]:
    """For each operation: why it shows text a reader cannot see ('' for everything else)."""
    state = _State()
    stack: list[_State] = []
    text_matrix: Matrix = _IDENTITY
    painted = False  # something coloured was painted: white text may sit on it
    why: list[str] = []
    for operands, operator in operations:
        reason = ""
        if operator == b"q":
            stack.append(state)
        elif operator == b"Q":
            state = stack.pop() if stack else _State()
        elif operator == b"cm" and len(nums := _numbers(operands)) == 6:
            state = replace(
                state, ctm=_times((nums[0], nums[1], nums[2], nums[3], nums[4], nums[5]), state.ctm)
            )
        elif operator == b"BT":
            text_matrix = _IDENTITY
        elif operator == b"Tm" and len(nums := _numbers(operands)) == 6:
            text_matrix = (nums[0], nums[1], nums[2], nums[3], nums[4], nums[5])
        elif operator == b"Tf" and (nums := _numbers(operands[1:2])):
            state = replace(state, size=nums[0])
        elif operator == b"Tr" and (nums := _numbers(operands[:1])):
            state = replace(state, render=int(nums[0]))
        elif operator in (b"g", b"rg", b"k", b"sc", b"scn"):
            state = replace(state, fill_white=_white(_numbers(operands)))
        elif operator == b"cs":
            state = replace(state, fill_white=False)
        elif operator in _FILLS:
            painted = painted or not state.fill_white
        elif operator in (b"Do", b"BI", b"sh"):
            painted = True
        elif operator in _SHOW:
            a, b, c, d, _, _ = _times(text_matrix, state.ctm)
            size = abs(state.size) * math.sqrt(abs(a * d - b * c))
            if state.render in (3, 7):
                reason = f"invisible text (render mode {state.render})"
            elif size <= TINY_POINTS:
                reason = f"tiny text ({size:.1f} pt)"
            elif state.fill_white and state.render in (0, 2, 4, 6) and not painted:
                reason = "white text on a white page"
        why.append(reason)
    return why


def _without(operations: list[tuple[Any, bytes]], drop: list[bool]) -> list[tuple[Any, bytes]]:
    """The operations with some text-showing ones removed (keeping the line moves of ' and ").

    Only text-showing operations are ever removed: the font, size and position operations stay, so the
    text that is kept is still decoded with its own font.
    """
    kept: list[tuple[Any, bytes]] = []
    for (operands, operator), dropped in zip(operations, drop, strict=True):
        if not dropped or operator not in _SHOW:
            kept.append((operands, operator))
        elif operator == b"'":
            kept.append(([], b"T*"))
        elif operator == b'"' and len(operands) >= 2:
            kept.extend([([operands[0]], b"Tw"), ([operands[1]], b"Tc"), ([], b"T*")])
    return kept


def _page_text(page: Any, reader: Any, hidden: list[HiddenText]) -> str:
    """The page's visible text; hidden text goes to `hidden`, one entry per reason."""
    from pypdf.generic import ContentStream, NameObject, is_null_or_none

    contents = page.get("/Contents")
    if is_null_or_none(contents):
        return str(page.extract_text() or "")
    # Strings are parsed as raw bytes, as `extract_text` parses them itself: the fonts' encodings and
    # ToUnicode maps decode them. `page.get_contents()` would guess a text encoding instead (a string
    # starting with a zero byte becomes UTF-16), and extraction takes such strings as decoded already:
    # the glyph codes of subset fonts (as Chromium writes them) came out as shifted garbage.
    stream = ContentStream(contents, reader, "bytes")
    operations = list(stream.operations)
    why = _classify(operations)
    page[NameObject("/Contents")] = stream  # parsed once: extraction reuses it
    if not any(why):
        return str(page.extract_text() or "")
    for reason in dict.fromkeys(w for w in why if w):
        only = ContentStream(None, reader)
        only.operations = _without(operations, [w != reason for w in why])
        page[NameObject("/Contents")] = only
        text = " ".join(str(page.extract_text() or "").split())
        if text:
            hidden.append(HiddenText(reason, text))
    visible = ContentStream(None, reader)
    visible.operations = _without(operations, [bool(w) for w in why])
    page[NameObject("/Contents")] = visible
    return str(page.extract_text() or "")


def _outline_titles(reader: object) -> dict[str, int]:
    """Titles of the PDF's bookmarks with their depth (1 = top)."""
    found: dict[str, int] = {}

    def walk(items: list[object], depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                title = " ".join(str(getattr(item, "title", "") or "").split())
                if title:
                    found.setdefault(title, depth)

    try:
        walk(list(getattr(reader, "outline", []) or []), 1)
    except Exception:
        return {}
    return found


def _page_lines(pages: list[str]) -> list[str]:
    """All lines of all pages, without running headers/footers (lines repeated on most pages)."""
    split = [[" ".join(line.split()) for line in page.splitlines()] for page in pages]
    if len(split) >= 2:
        seen: dict[str, int] = {}
        for lines in split:
            for key in {_DIGITS.sub("#", line) for line in lines if line}:
                seen[key] = seen.get(key, 0) + 1
        threshold = max(2, (len(split) + 1) // 2)
        split = [[ln for ln in lines if seen.get(_DIGITS.sub("#", ln), 0) < threshold] for lines in split]
    return [line for lines in split for line in lines]


def parse_pdf(data: bytes) -> Parsed:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, LimitReachedError, PdfReadError

    hidden: list[HiddenText] = []
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise EncryptedFileError("the PDF is password-protected")
        pages = [_page_text(page, reader, hidden) for page in reader.pages]
    except EncryptedFileError:
        raise
    except LimitReachedError as exc:
        raise OversizedFileError("the PDF is too large or complex to read safely (a pypdf limit)") from exc
    except FileNotDecryptedError as exc:
        raise EncryptedFileError("the PDF is password-protected") from exc
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise CorruptFileError(f"not a readable PDF ({type(exc).__name__})") from exc
    outline = _outline_titles(reader)
    lines = _page_lines(pages)
    widths = sorted(len(line) for line in lines if line)
    full_width = widths[int(len(widths) * 0.9)] if widths else 80
    builder = TextBuilder()
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            builder.paragraph(" ".join(paragraph))
            paragraph.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            flush()
            continue
        # an outline title may wrap over several lines
        joined, j = line, i
        while joined not in outline and j < len(lines) and any(t.startswith(joined + " ") for t in outline):
            joined, j = f"{joined} {lines[j]}", j + 1
        level = outline.get(joined)
        if (
            level is None
            and not outline
            and not paragraph
            and looks_like_heading(line, lines[i : i + 1][0] if i < len(lines) else None)
        ):
            level, joined, j = 2, line, i
        if level is not None:
            flush()
            builder.heading(level, joined)
            i = j
            continue
        if line.startswith(_BULLETS):
            flush()
        paragraph.append(line)
        # a short last line ends a paragraph that ends a sentence, and any list item
        ends_sentence = line.endswith((".", "?", "!", ":"))
        if (ends_sentence or paragraph[0].startswith(_BULLETS)) and len(line) < 0.85 * full_width:
            flush()
    flush()
    title = ""
    if reader.metadata is not None and reader.metadata.title:
        title = str(reader.metadata.title)
    return built(builder, title, tuple(hidden))
