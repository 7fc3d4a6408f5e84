"""The shipped sample documents, parsed once, and what a reader sees in them, read without `ingest.parsers`.

The expectations come from the files themselves (Markdown markup, the HTML's `<main>`, the Markdown
sources the PDF and DOCX files were built from), so a parser test compares two independent readings.
"""

from __future__ import annotations

import html
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from ingest.parsers.formats import SINGLE_PARSERS, Parsed, suffix
from knowledge_base.records import Document

SAMPLE_KB = Path(__file__).resolve().parents[2] / "ingest" / "sample_kb"
DOCUMENTS = SAMPLE_KB / "documents"
SOURCES = SAMPLE_KB / "sources"
FORMATS = (".md", ".html", ".txt", ".pdf", ".docx")
_MD_HEADING = re.compile(r"^(#{1,6}) (.+)$")
_TERMINAL = (".", ":", ";", "?", "!", ",")


def sample_files(*suffixes: str) -> list[Path]:
    wanted = suffixes or FORMATS
    return sorted(p for p in DOCUMENTS.iterdir() if p.suffix in wanted)


def meta(path: Path) -> dict[str, Any]:
    return json.loads(path.with_name(path.name + ".meta.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@cache
def parsed(path: Path) -> Parsed:
    return SINGLE_PARSERS[suffix(path)](path.read_bytes())


def as_document(path: Path) -> Document:
    result = parsed(path)
    return Document(id=path.stem, title=meta(path)["title"], text=result.text, headings=result.headings)


def normalise(text: str) -> str:
    return " ".join(text.split())


# ---- what a reader sees: (level, title) of the headings and the body blocks, in order ----------------
def _markdown_blocks(markdown: str) -> list[tuple[int, str]]:
    """(heading level or 0, text) of each block: a heading, a paragraph, one list item, one table row."""
    blocks: list[tuple[int, str]] = []
    for raw in re.split(r"\n\s*\n", markdown):
        lines = [line.strip() for line in raw.strip().splitlines() if line.strip()]
        if not lines:
            continue
        heading = _MD_HEADING.match(lines[0])
        if heading and len(lines) == 1:
            blocks.append((len(heading[1]), heading[2].strip()))
        elif lines[0].startswith("|"):
            rows = [line for line in lines if not re.fullmatch(r"[|\-: ]+", line)]
            cells = [" | ".join(c.strip() for c in row.strip("|").split("|")) for row in rows]
            # the header row leads into the others, which read as list items
            blocks.extend((0, line if i == 0 else f"- {line}") for i, line in enumerate(cells))
        elif lines[0].startswith("- "):
            blocks.extend((0, line) for line in lines)
        else:
            blocks.append((0, " ".join(lines)))
    return blocks


def _html_blocks(markup: str) -> list[tuple[int, str]]:
    main = re.search(r"<main\b.*?</main>", markup, re.S)
    assert main, "every sample page keeps its content in <main>"
    blocks = []
    for tag, inner in re.findall(r"<(h[1-6]|p|li)\b[^>]*>(.*?)</\1>", main[0], re.S):
        text = normalise(html.unescape(re.sub(r"<[^>]+>", "", inner)))
        if tag.startswith("h"):
            blocks.append((int(tag[1]), text))
        else:
            blocks.append((0, f"- {text}" if tag == "li" else text))
    return blocks


def _text_blocks(text: str) -> list[tuple[int, str]]:
    """Plain text: a block of one short line that does not end like a sentence is a heading."""
    blocks = []
    for raw in re.split(r"\n\s*\n", text.strip()):
        lines = raw.strip().splitlines()
        line = lines[0].strip()
        if len(lines) == 1 and not line.endswith(_TERMINAL) and not line.startswith("- "):
            blocks.append((1 if not blocks else 2, line))
        elif line.startswith("- "):
            blocks.extend((0, item.strip()) for item in lines)
        else:
            blocks.append((0, normalise(raw)))
    return blocks


@cache
def reader_blocks(path: Path) -> tuple[tuple[int, str], ...]:
    if path.suffix in (".pdf", ".docx"):
        return tuple(_markdown_blocks((SOURCES / f"{path.stem}.md").read_text(encoding="utf-8")))
    content = path.read_text(encoding="utf-8")
    if path.suffix == ".md":
        return tuple(_markdown_blocks(content))
    if path.suffix == ".html":
        return tuple(_html_blocks(content))
    return tuple(_text_blocks(content))


def reader_headings(path: Path) -> list[tuple[int, str]]:
    return [(level, text) for level, text in reader_blocks(path) if level]


def reader_body(path: Path) -> list[str]:
    return [text for level, text in reader_blocks(path) if not level]
