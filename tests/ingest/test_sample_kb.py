"""Integrity of the sample knowledge base in ingest/sample_kb/ (the fictional City of Millbrook).

The demo, the test suite and `askcity eval` all read this set, so a broken sidecar, a misquoted gold
span or a PDF that no longer matches its source must fail here rather than show up as a puzzling
retrieval figure. These checks deliberately avoid `ingest.parsers`: they read the files with the
standard library, pypdf and python-docx, so they hold whatever the parsers do.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import docx
import pytest
from pypdf import PdfReader
from pypdf.generic import Destination

SAMPLE_KB = Path(__file__).resolve().parents[2] / "ingest" / "sample_kb"
DOCUMENTS = SAMPLE_KB / "documents"
SOURCES = SAMPLE_KB / "sources"
QUESTIONS = SAMPLE_KB / "questions.jsonl"

FORMATS = (".md", ".html", ".txt", ".pdf", ".docx")
BINARY_FORMATS = (".pdf", ".docx")
SIDECAR_FIELDS = (
    "id",
    "title",
    "department",
    "contact",
    "effective_date",
    "language",
    "domain",
    "source_uri",
)
MIN_KINDS = {"single": 50, "follow_up": 12, "out_of_scope": 15}
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
PHONE = re.compile(r"(?<![\d-])\d{3}-\d{4}(?![\d-])")
FICTIONAL_PHONE = re.compile(r"555-01\d\d")
EMAIL = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
URL_HOST = re.compile(r"https?://([^/\s\"'<>]+)")


@dataclass(frozen=True)
class SampleDocument:
    path: Path
    meta: dict[str, Any]

    @property
    def doc_id(self) -> str:
        return str(self.meta["id"])


class _HtmlText(HTMLParser):
    """Text of a page: tags dropped, block boundaries kept as spaces, scripts and styles skipped."""

    BLOCKS = frozenset(
        {"address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "footer"}
        | {"form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol"}
        | {"p", "section", "table", "td", "th", "title", "tr", "ul"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skipping -= 1
        elif tag in self.BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def normalise(text: str) -> str:
    return " ".join(text.split())


def html_text(markup: str) -> str:
    parser = _HtmlText()
    parser.feed(markup)
    parser.close()
    return normalise("".join(parser.parts))


def source_of(path: Path) -> Path:
    return SOURCES / f"{path.stem}.md"


@cache
def sample_documents() -> tuple[SampleDocument, ...]:
    found = []
    for path in sorted(DOCUMENTS.iterdir()):
        if path.suffix in FORMATS:
            sidecar = path.with_name(path.name + ".meta.json")
            meta = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.exists() else {}
            found.append(SampleDocument(path, meta))
    return tuple(found)


@cache
def body_text(doc_id: str) -> str:
    """What gold spans quote: the file, the page without its tags, or a binary's source text."""
    [document] = [d for d in sample_documents() if d.doc_id == doc_id]
    if document.path.suffix in BINARY_FORMATS:
        return source_of(document.path).read_text(encoding="utf-8")
    text = document.path.read_text(encoding="utf-8")
    return html_text(text) if document.path.suffix == ".html" else text


@cache
def questions() -> tuple[dict[str, Any], ...]:
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    return tuple(json.loads(line) for line in lines if line.strip())


def source_blocks(source: Path) -> list[tuple[int, str]]:
    """(heading level or 0, text) of each block of a source, as build_binary_docs.py reads it."""
    blocks: list[tuple[int, str]] = []
    continues_paragraph = False
    for raw in source.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        heading = re.fullmatch(r"(#{1,3}) (.+)", line)
        if heading:
            blocks.append((len(heading[1]), heading[2].strip()))
        elif continues_paragraph and line:
            blocks[-1] = (0, f"{blocks[-1][1]} {line}")
            continue
        elif line:
            blocks.append((0, line))
            continues_paragraph = not line.startswith("- ")
            continue
        continues_paragraph = False
    return blocks


def docx_paragraph(level: int, text: str) -> tuple[str, str]:
    """The (style name, text) that build_binary_docs.py writes for one source block."""
    if level:
        return {1: "Title", 2: "Heading 1", 3: "Heading 2"}[level], text
    if text.startswith("- "):
        return "List Bullet", text.removeprefix("- ")
    return "Normal", text


def pdf_outline(entries: list[Any], level: int = 0) -> list[tuple[int, str]]:
    flat: list[tuple[int, str]] = []
    for entry in entries:
        if isinstance(entry, list):
            flat.extend(pdf_outline(entry, level + 1))
        else:
            assert isinstance(entry, Destination)
            flat.append((level, str(entry.title)))
    return flat


DOC_IDS = [d.path.name for d in sample_documents()]
BINARY_DOCS = [d for d in sample_documents() if d.path.suffix in BINARY_FORMATS]


def test_every_document_has_a_sidecar_and_every_sidecar_a_document() -> None:
    documents = {d.path.name for d in sample_documents()}
    sidecars = {p.name.removesuffix(".meta.json") for p in DOCUMENTS.glob("*.meta.json")}
    assert sidecars == documents
    assert not [p.name for p in DOCUMENTS.iterdir() if p.suffix not in (*FORMATS, ".json")]


@pytest.mark.parametrize("document", sample_documents(), ids=DOC_IDS)
def test_sidecar_has_every_field_with_a_valid_value(document: SampleDocument) -> None:
    meta = document.meta
    assert set(SIDECAR_FIELDS) <= set(meta)
    assert all(isinstance(meta[f], str) and meta[f].strip() for f in SIDECAR_FIELDS)
    assert SLUG.fullmatch(meta["id"]) and meta["id"] == document.path.stem
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", meta["effective_date"])
    date.fromisoformat(meta["effective_date"])
    assert meta["language"] == "en"
    assert SLUG.fullmatch(meta["domain"])
    assert meta["source_uri"].startswith("https://www.millbrook.example/")
    assert FICTIONAL_PHONE.search(meta["contact"])


def test_document_ids_are_unique() -> None:
    ids = Counter(d.doc_id for d in sample_documents())
    assert [doc_id for doc_id, n in ids.items() if n > 1] == []


def test_set_has_20_documents_and_every_format_at_least_4_times() -> None:
    formats = Counter(d.path.suffix for d in sample_documents())
    assert len(sample_documents()) >= 20
    assert {f: formats[f] for f in FORMATS if formats[f] < 4} == {}


@pytest.mark.parametrize("document", sample_documents(), ids=DOC_IDS)
def test_document_is_fictional_and_of_policy_page_length(document: SampleDocument) -> None:
    assert 300 <= len(body_text(document.doc_id).split()) <= 1200
    written = source_of(document.path) if document.path.suffix in BINARY_FORMATS else document.path
    everything = written.read_text(encoding="utf-8") + json.dumps(document.meta, ensure_ascii=False)
    assert [p for p in PHONE.findall(everything) if not FICTIONAL_PHONE.fullmatch(p)] == []
    assert set(EMAIL.findall(everything)) <= {"millbrook.example"}
    assert set(URL_HOST.findall(everything)) <= {"www.millbrook.example"}


@pytest.mark.parametrize("document", BINARY_DOCS, ids=[d.path.name for d in BINARY_DOCS])
def test_binary_document_has_a_source(document: SampleDocument) -> None:
    assert source_of(document.path).exists()
    assert body_text(document.doc_id).startswith(f"# {document.meta['title']}\n")


@pytest.mark.parametrize(
    "document",
    [d for d in BINARY_DOCS if d.path.suffix == ".pdf"],
    ids=[d.path.name for d in BINARY_DOCS if d.path.suffix == ".pdf"],
)
def test_pdf_text_and_outline_match_its_source(document: SampleDocument) -> None:
    reader = PdfReader(document.path)
    footer = re.compile(r"^City of Millbrook \| .* \| Page \d+ of \d+$", re.MULTILINE)
    text = normalise(" ".join(footer.sub("", page.extract_text()) for page in reader.pages))
    blocks = source_blocks(source_of(document.path))
    missing = [t for _, t in blocks if normalise(t.removeprefix("- ")) not in text]
    assert missing == []
    headings = [(level - 1, t) for level, t in blocks if level]
    assert pdf_outline(reader.outline) == headings


@pytest.mark.parametrize(
    "document",
    [d for d in BINARY_DOCS if d.path.suffix == ".docx"],
    ids=[d.path.name for d in BINARY_DOCS if d.path.suffix == ".docx"],
)
def test_docx_paragraphs_and_heading_styles_match_its_source(document: SampleDocument) -> None:
    expected = [docx_paragraph(level, t) for level, t in source_blocks(source_of(document.path))]
    word = docx.Document(str(document.path))
    assert [(p.style.name, p.text) for p in word.paragraphs] == expected


def test_questions_have_the_benchmark_format_and_unique_ids() -> None:
    assert len(questions()) >= 60
    for q in questions():
        assert isinstance(q["id"], str) and isinstance(q["question"], str) and q["question"]
        assert q["kind"] in MIN_KINDS
        assert all(t["role"] in ("user", "agent") and t["text"] for t in q["history"])
        assert isinstance(q["gold_doc_ids"], list) and isinstance(q["gold_answer"], str)
        assert all(set(s) == {"doc_id", "text"} for s in q["gold_spans"])
    ids = Counter(q["id"] for q in questions())
    assert [qid for qid, n in ids.items() if n > 1] == []


def test_each_kind_of_question_reaches_its_minimum_count() -> None:
    kinds = Counter(q["kind"] for q in questions())
    assert {k: kinds[k] for k, minimum in MIN_KINDS.items() if kinds[k] < minimum} == {}


@pytest.mark.parametrize("question", questions(), ids=[q["id"] for q in questions()])
def test_question_gold_matches_its_kind_and_spans_are_verbatim(question: dict[str, Any]) -> None:
    known = {d.doc_id for d in sample_documents()}
    if question["kind"] == "out_of_scope":
        assert question["gold_doc_ids"] == question["gold_spans"] == []
        assert question["gold_answer"] == ""
        return
    assert question["gold_doc_ids"] and set(question["gold_doc_ids"]) <= known
    assert question["gold_answer"].strip()
    assert {s["doc_id"] for s in question["gold_spans"]} == set(question["gold_doc_ids"])
    for span in question["gold_spans"]:
        assert span["text"].strip() and span["text"] in body_text(span["doc_id"]), span
    if question["kind"] == "follow_up":
        assert question["history"] and question["history"][-1]["role"] == "agent"
    else:
        assert question["history"] == []


def test_every_document_answers_at_least_one_question() -> None:
    answered = {doc_id for q in questions() for doc_id in q["gold_doc_ids"]}
    assert {d.doc_id for d in sample_documents()} - answered == set()
