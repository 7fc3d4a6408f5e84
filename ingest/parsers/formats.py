"""One parser per file format. Each returns `Parsed`: title, text, and the headings that give it structure."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.errors import CorruptFileError, EmptyDocumentError, EncryptedFileError
from ingest.parsers.structure import TextBuilder, clean, detect_headings, looks_like_heading
from knowledge_base.records import Heading


@dataclass(frozen=True, slots=True)
class Parsed:
    title: str
    text: str
    headings: tuple[Heading, ...]
    extra: dict[str, str] | None = None  # metadata carried by the format itself (JSONL fields)


def _built(builder: TextBuilder, title: str) -> Parsed:
    if not builder.text.strip():
        raise EmptyDocumentError("no text found in the document")
    if not title and builder.headings:
        title = builder.headings[0].title
    return Parsed(title=title, text=builder.text, headings=tuple(builder.headings))


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CorruptFileError("text is neither UTF-8 nor Windows-1252")


def parse_text(data: bytes) -> Parsed:
    text = _decode(data).replace("\r\n", "\n")
    if "\x00" in text:
        raise CorruptFileError("binary content in a text file")
    if not text.strip():
        raise EmptyDocumentError("the file is empty")
    headings = tuple(detect_headings(text))
    title = headings[0].title if headings and headings[0].level == 1 else ""
    return Parsed(title=title, text=text, headings=headings)


def parse_markdown(data: bytes) -> Parsed:
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(_decode(data))
    builder = TextBuilder()
    level = 0
    row: list[str] | None = None  # cells of the table row being read: a row is one "a | b | c" line
    bullet = ""  # marker of the list item being read, kept like the HTML and DOCX parsers keep it
    for token in tokens:
        if token.type == "heading_open":
            level = int(token.tag[1])
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close" and row is not None:
            builder.paragraph(" | ".join(row))
            row = None
        elif token.type == "list_item_open":
            bullet = f"{token.info}{token.markup} " if token.info else "- "
        elif token.type == "list_item_close":
            bullet = ""
        elif token.type == "inline":
            words = []
            for child in token.children or []:
                if child.type in ("text", "code_inline"):
                    words.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    words.append("\n" if child.type == "hardbreak" else " ")
            text = "".join(words)
            if level:
                builder.heading(level, text)
            elif row is not None:
                row.append(" ".join(text.split()))
            else:
                builder.paragraph(bullet + text if text.strip() else text)
                bullet = ""
        elif token.type == "heading_close":
            level = 0
        elif token.type in ("fence", "code_block"):
            builder.paragraph(token.content)
    title = builder.headings[0].title if builder.headings and builder.headings[0].level == 1 else ""
    return _built(builder, title)


_DIGITS = re.compile(r"\d+")
_BULLETS = ("- ", "• ", "* ", "– ")
_HTML_DROP = ("script", "style", "nav", "header", "footer", "aside", "form", "noscript", "template")
_HTML_BLOCKS = (
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "li",
    "dt",
    "dd",
    "pre",
    "blockquote",
    "tr",
)


def _inline_text(element: Any) -> str:
    """Text as a browser shows it: inline tags (links, emphasis) add no spaces; whitespace runs are one."""
    return " ".join(element.get_text().split())


def parse_html(data: bytes) -> Parsed:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "html.parser")
    title = clean(soup.title.get_text(" ")) if soup.title else ""
    for tag in soup.find_all(_HTML_DROP):
        tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    for br in root.find_all("br"):
        br.replace_with("\n")
    builder = TextBuilder()
    for element in root.find_all(_HTML_BLOCKS):
        if element.find_parent(_HTML_BLOCKS):
            continue  # nested blocks are read with their outermost block
        name = element.name or ""
        if name == "tr":
            text = " | ".join(_inline_text(c) for c in element.find_all(["th", "td"]))
        else:
            text = _inline_text(element)
        if name.startswith("h") and name[1:].isdigit():
            builder.heading(int(name[1:]), text)
        else:
            builder.paragraph(("- " if name == "li" else "") + text)
    h1 = next((h.title for h in builder.headings if h.level == 1), "")
    return _built(builder, h1 or title)


def parse_docx(data: bytes) -> Parsed:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise CorruptFileError(f"not a readable DOCX file ({type(exc).__name__})") from exc
    builder = TextBuilder()
    for paragraph in document.paragraphs:
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        if style == "Title":
            builder.heading(1, paragraph.text)
        elif style.startswith("Heading") and style[-1:].isdigit():
            builder.heading(int(style.split()[-1]) + 1, paragraph.text)
        elif style.startswith("List"):
            builder.paragraph("- " + paragraph.text if paragraph.text.strip() else "")
        else:
            builder.paragraph(paragraph.text)
    for table in document.tables:
        for row in table.rows:
            builder.paragraph(" | ".join(cell.text.strip() for cell in row.cells))
    title = document.core_properties.title or ""
    return _built(builder, title)


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
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise EncryptedFileError("the PDF is password-protected")
        pages = [page.extract_text() or "" for page in reader.pages]
    except EncryptedFileError:
        raise
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
    return _built(builder, title)


def parse_jsonl(data: bytes) -> Iterator[Parsed | CorruptFileError]:
    """The benchmark format: one document per line (id, title, text, domain?, url?). Text kept verbatim."""
    for number, line in enumerate(_decode(data).split("\n"), start=1):  # not splitlines: U+2028 is text
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            doc_id, text = str(row["id"]), str(row["text"])
        except (ValueError, KeyError, TypeError) as exc:
            yield CorruptFileError(f"line {number}: not a document object ({type(exc).__name__})")
            continue
        if not isinstance(row.get("id"), str | int) or not doc_id.strip():
            yield CorruptFileError(f"line {number}: the document has no usable id")
            continue
        if not text.strip():
            yield CorruptFileError(f"line {number}: document {doc_id!r} has no text")
            continue
        yield Parsed(
            title=str(row.get("title") or ""),
            text=text,
            headings=tuple(detect_headings(text)),
            extra={
                "id": doc_id,
                "domain": str(row.get("domain") or ""),
                "source_uri": str(row.get("url") or ""),
            },
        )


SINGLE_PARSERS = {
    ".txt": parse_text,
    ".text": parse_text,
    ".md": parse_markdown,
    ".markdown": parse_markdown,
    ".html": parse_html,
    ".htm": parse_html,
    ".docx": parse_docx,
    ".pdf": parse_pdf,
}
SUPPORTED = (*SINGLE_PARSERS, ".jsonl")


def suffix(path: Path) -> str:
    return path.suffix.lower()
