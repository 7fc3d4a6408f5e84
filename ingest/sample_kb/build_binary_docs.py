"""Build the PDF and DOCX documents of the sample knowledge base from their Markdown sources.

    .venv/bin/python ingest/sample_kb/build_binary_docs.py

Each `sources/<id>.md` becomes `documents/<id>.pdf` or `documents/<id>.docx`: the format is the one
whose sidecar (`documents/<id>.pdf.meta.json` or `.docx.meta.json`) exists; that sidecar gives the
title, department and effective date written into the file's metadata.

The sources use a small subset of Markdown, one block a line:

    # Title            -> PDF outline level 0, DOCX "Title" style
    ## Section         -> PDF outline level 1, DOCX "Heading 1"
    ### Subsection     -> PDF outline level 2, DOCX "Heading 2"
    - item             -> a bullet ("- item" in PDF text, DOCX "List Bullet")
    any other line     -> a paragraph (consecutive lines are joined with a space)

Output is deterministic: dates in the metadata come from the sidecar's `effective_date` and DOCX zip
entries carry that same fixed timestamp, so rebuilding unchanged sources gives the same bytes (with
the same fpdf2 and python-docx versions).
"""

from __future__ import annotations

import io
import json
import logging
import sys
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

import docx
from fpdf import FPDF
from fpdf.enums import XPos, YPos

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources"
DOCUMENTS = HERE / "documents"
AUTHOR = "City of Millbrook"
PRODUCER = "askcity sample knowledge base (ingest/sample_kb/build_binary_docs.py)"

BlockKind = Literal["title", "heading", "subheading", "bullet", "paragraph"]
_PREFIXES: tuple[tuple[str, BlockKind], ...] = (
    ("### ", "subheading"),
    ("## ", "heading"),
    ("# ", "title"),
    ("- ", "bullet"),
)
# Outline level in the PDF for each heading kind.
OUTLINE_LEVELS: dict[BlockKind, int] = {"title": 0, "heading": 1, "subheading": 2}
DOCX_STYLES: dict[BlockKind, str] = {
    "title": "Title",
    "heading": "Heading 1",
    "subheading": "Heading 2",
    "bullet": "List Bullet",
    "paragraph": "Normal",
}


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str


@dataclass(frozen=True)
class SourceDocument:
    doc_id: str
    target: Path
    title: str
    department: str
    effective: date
    blocks: tuple[Block, ...]


def parse_source(text: str) -> tuple[Block, ...]:
    """Split a source into blocks; see the module docstring for the grammar."""
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Block("paragraph", " ".join(paragraph)))
            paragraph.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
            continue
        for prefix, kind in _PREFIXES:
            if line.startswith(prefix):
                flush()
                blocks.append(Block(kind, line.removeprefix(prefix).strip()))
                break
        else:
            paragraph.append(line)
    flush()
    if not blocks or blocks[0].kind != "title":
        raise ValueError("a source must start with a '# Title' line")
    return tuple(blocks)


def load_sources() -> list[SourceDocument]:
    documents: list[SourceDocument] = []
    for source in sorted(SOURCES.glob("*.md")):
        doc_id = source.stem
        sidecars = [DOCUMENTS / f"{doc_id}.{ext}.meta.json" for ext in ("pdf", "docx")]
        existing = [path for path in sidecars if path.exists()]
        if len(existing) != 1:
            raise ValueError(f"{source.name}: expected exactly one .pdf or .docx sidecar for {doc_id}")
        meta = json.loads(existing[0].read_text(encoding="utf-8"))
        documents.append(
            SourceDocument(
                doc_id=doc_id,
                target=existing[0].with_name(existing[0].name.removesuffix(".meta.json")),
                title=meta["title"],
                department=meta["department"],
                effective=date.fromisoformat(meta["effective_date"]),
                blocks=parse_source(source.read_text(encoding="utf-8")),
            )
        )
    return documents


class _CityPdf(FPDF):
    """A4 pages with a one-line footer, as the city's printed pages have."""

    def __init__(self, footer_text: str) -> None:
        super().__init__(format="A4")
        self._footer_text = footer_text

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("helvetica", size=8)
        self.cell(0, 5, f"{self._footer_text} | Page {self.page_no()} of {{nb}}", align="C")


def render_pdf(document: SourceDocument) -> bytes:
    pdf = _CityPdf(footer_text=f"{AUTHOR} | {document.title}")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(auto=True, margin=22)
    pdf.set_title(document.title)
    pdf.set_author(AUTHOR)
    pdf.set_subject(document.department)
    pdf.set_creator(PRODUCER)
    pdf.set_producer(PRODUCER)
    pdf.set_lang("en")
    pdf.set_creation_date(datetime.combine(document.effective, datetime.min.time(), tzinfo=UTC))
    pdf.add_page()
    sizes: dict[BlockKind, int] = {"title": 18, "heading": 14, "subheading": 12}
    for block in document.blocks:
        if block.kind in OUTLINE_LEVELS:
            # Keep a heading with the text that follows it.
            if pdf.get_y() > pdf.page_break_trigger - 30:
                pdf.add_page()
            pdf.ln(3)
            pdf.start_section(block.text, level=OUTLINE_LEVELS[block.kind])
            pdf.set_font("helvetica", "B", sizes[block.kind])
            pdf.multi_cell(0, 8, block.text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(1)
        elif block.kind == "bullet":
            pdf.set_font("helvetica", size=11)
            pdf.set_x(pdf.l_margin + 4)
            pdf.cell(5, 6, "-")
            pdf.multi_cell(0, 6, block.text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        else:
            pdf.set_font("helvetica", size=11)
            pdf.multi_cell(0, 6, block.text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(2)
    return bytes(pdf.output())


def render_docx(document: SourceDocument) -> bytes:
    word = docx.Document()
    when = datetime.combine(document.effective, datetime.min.time())
    props = word.core_properties
    props.title = document.title
    props.author = AUTHOR
    props.subject = document.department
    props.last_modified_by = AUTHOR
    props.language = "en"
    props.revision = 1
    props.created = when
    props.modified = when
    props.last_printed = when
    word.sections[0].footer.paragraphs[0].text = f"{AUTHOR} | {document.department}"
    for block in document.blocks:
        word.add_paragraph(block.text, style=DOCX_STYLES[block.kind])
    buffer = io.BytesIO()
    word.save(buffer)
    return _with_fixed_timestamps(buffer.getvalue(), document.effective)


def _with_fixed_timestamps(archive: bytes, when: date) -> bytes:
    """Rewrite a zip so every entry has the same timestamp (python-docx stamps them with now)."""
    stamp = (when.year, when.month, when.day, 0, 0, 0)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(archive)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(entry.filename))
    return out.getvalue()


def build(document: SourceDocument) -> bytes:
    if document.target.suffix == ".pdf":
        return render_pdf(document)
    return render_docx(document)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    log = logging.getLogger("build_binary_docs")
    for document in load_sources():
        content = build(document)
        if document.target.exists() and document.target.read_bytes() == content:
            log.info("unchanged %s", document.target.relative_to(HERE))
            continue
        document.target.write_bytes(content)
        log.info("wrote     %s (%d bytes)", document.target.relative_to(HERE), len(content))
    return 0


if __name__ == "__main__":
    sys.exit(main())
