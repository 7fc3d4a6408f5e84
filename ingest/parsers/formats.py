"""One parser per file format. Each returns `Parsed`: title, text, the headings that give it structure, and
the text a reader of the file would not see (dropped from the text, reported to the ingest checks).

Text formats (plain text, Markdown, JSONL) are here; HTML, DOCX and PDF have a module each.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

from ingest.errors import CorruptFileError, EmptyDocumentError
from ingest.parsers.parsed import HiddenText, Parsed, built, check_readable, decode
from ingest.parsers.pdf import parse_pdf
from ingest.parsers.structure import TextBuilder, detect_headings
from ingest.parsers.web import parse_html
from ingest.parsers.word import parse_docx

__all__ = [
    "SINGLE_PARSERS",
    "SUPPORTED",
    "HiddenText",
    "Parsed",
    "parse_docx",
    "parse_html",
    "parse_jsonl",
    "parse_markdown",
    "parse_pdf",
    "parse_text",
    "suffix",
]


def parse_text(data: bytes) -> Parsed:
    text = decode(data).replace("\r\n", "\n")
    if not text.strip():
        raise EmptyDocumentError("the file is empty")
    headings = tuple(detect_headings(text))
    title = headings[0].title if headings and headings[0].level == 1 else ""
    return Parsed(title=title, text=text, headings=headings)


def parse_markdown(data: bytes) -> Parsed:
    """Markdown's own structure (headings, lists, tables). Markdown holding raw HTML is read as the page
    it renders to (`parse_html`), so HTML that hides text (`<span style="display:none">`, comments)
    is dropped and reported the same way in both formats."""
    from markdown_it import MarkdownIt

    markdown = MarkdownIt("commonmark").enable("table")
    source = decode(data)
    tokens = markdown.parse(source)
    if any(t.type == "html_block" or any(c.type == "html_inline" for c in t.children or []) for t in tokens):
        return parse_html(markdown.render(source).encode("utf-8"))
    builder = TextBuilder()
    level = 0
    row: list[str] | None = None  # cells of the table row being read: a row is one "a | b | c" line
    header = False  # the row being read is in the table's head
    bullet = ""  # marker of the list item being read, kept like the HTML and DOCX parsers keep it
    for token in tokens:
        if token.type == "heading_open":
            level = int(token.tag[1])
        elif token.type == "tr_open":
            row = []
        elif token.type in ("thead_open", "thead_close"):
            header = token.type == "thead_open"
        elif token.type == "tr_close" and row is not None:
            builder.table_row(row, header)
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
    return built(builder, title)


def parse_jsonl(data: bytes) -> Iterator[Parsed | CorruptFileError]:
    """The benchmark format: one document per line (id, title, text, domain?, url?). Text kept verbatim."""
    for number, line in enumerate(decode(data).split("\n"), start=1):  # not splitlines: U+2028 is text
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            yield CorruptFileError(f"line {number}: not a document object ({type(exc).__name__})")
            continue
        if not isinstance(row, dict):
            yield CorruptFileError(f"line {number}: not a document object ({type(row).__name__})")
            continue
        raw_id = row.get("id")
        if isinstance(raw_id, bool) or not isinstance(raw_id, str | int) or not str(raw_id).strip():
            yield CorruptFileError(f"line {number}: the document has no usable id")
            continue
        doc_id = str(raw_id)
        text = row.get("text")
        if not isinstance(text, str):
            kind = "null" if text is None else type(text).__name__
            missing = "no text" if "text" not in row else f"text that is {kind}, not a string"
            yield CorruptFileError(f"line {number}: document {doc_id[:80]!r} has {missing}")
            continue
        if not text.strip():
            yield CorruptFileError(f"line {number}: document {doc_id[:80]!r} has no text")
            continue
        fields = {k: row.get(k) for k in ("title", "domain", "url")}
        wrong = [k for k, v in fields.items() if v is not None and not isinstance(v, str)]
        if wrong:
            yield CorruptFileError(f"line {number}: document {doc_id[:80]!r}: {wrong[0]} is not a string")
            continue
        try:
            check_readable(text)
        except CorruptFileError as exc:
            yield CorruptFileError(f"line {number}: document {doc_id[:80]!r} has {exc}")
            continue
        yield Parsed(
            title=fields["title"] or "",
            text=text,
            headings=tuple(detect_headings(text)),
            extra={"id": doc_id, "domain": fields["domain"] or "", "source_uri": fields["url"] or ""},
        )


SINGLE_PARSERS: dict[str, Callable[[bytes], Parsed]] = {
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
