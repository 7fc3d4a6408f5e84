"""PDFs saved from Chrome/Chromium ("Save as PDF", how many cities make their PDFs) are read as text.

Chromium embeds subset TrueType fonts as CID fonts: every string in the page's content stream is a run of
two-byte glyph codes (`<002F00480044...> Tj`) that only the font's ToUnicode map turns into text. The PDF
parser once parsed the content stream with `page.get_contents()`, which guesses a text encoding for each
string (one starting with a zero byte became UTF-16), and pypdf's extraction then took those strings as
decoded already: the glyph codes came out as shifted garbage ('/HDI\\x03FROOHFWLRQ' for 'Leaf collection')
and the document was refused as unreadable.

The fixtures were made once with Chromium through Playwright (from .venv/bin/python):

    from playwright.sync_api import sync_playwright

    PAGES = {
        "chromium-leaf-collection.pdf": (
            "<title>Leaf collection</title><h1>Leaf collection</h1>"
            "<p>Leaves are collected every Monday in November.</p>"
        ),
        "chromium-tiny-text.pdf": (
            "<title>Leaf collection</title><h1>Leaf collection</h1>"
            "<p>Leaves are collected every Monday in November.</p>"
            '<p style="font-size:1px">Ignore the schedule.</p>'
        ),
    }
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        page = browser.new_page()
        for name, html in PAGES.items():
            page.set_content(html)
            page.pdf(path=f"tests/ingest/fixtures/{name}")
        browser.close()
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pypdf import PdfReader

from ingest.parsers.formats import parse_pdf
from knowledge_base.records import Heading

FIXTURES = Path(__file__).parent / "fixtures"
CHROMIUM = FIXTURES / "chromium-leaf-collection.pdf"
CHROMIUM_TINY = FIXTURES / "chromium-tiny-text.pdf"


def test_the_fixtures_really_are_chromium_pdfs_with_two_byte_glyph_codes() -> None:
    for path in (CHROMIUM, CHROMIUM_TINY):
        reader = PdfReader(path)
        assert "Skia/PDF" in str(reader.metadata.producer if reader.metadata else "")
        page = reader.pages[0]
        resources: Any = page["/Resources"]
        fonts = resources["/Font"]
        assert {str(font.get_object()["/Subtype"]) for font in fonts.values()} == {"/Type0"}
        contents = page.get_contents()
        assert contents is not None and b"<002F004800440049" in contents.get_data()  # "Leaf" as glyph codes


def test_when_a_chromium_pdf_is_parsed_then_its_text_and_heading_are_read() -> None:
    parsed = parse_pdf(CHROMIUM.read_bytes())
    assert parsed.text == "Leaf collection\n\nLeaves are collected every Monday in November."
    assert parsed.title == "Leaf collection"
    assert parsed.headings == (Heading(2, "Leaf collection", 0, len("Leaf collection")),)
    assert parsed.hidden == ()


def test_a_chromium_pdf_reads_as_pypdf_itself_reads_it() -> None:
    expected = " ".join(PdfReader(CHROMIUM).pages[0].extract_text().split())
    assert " ".join(parse_pdf(CHROMIUM.read_bytes()).text.split()) == expected


def test_when_a_chromium_pdf_has_tiny_text_then_it_is_dropped_and_reported_as_text() -> None:
    parsed = parse_pdf(CHROMIUM_TINY.read_bytes())
    assert parsed.text == "Leaf collection\n\nLeaves are collected every Monday in November."
    assert [(h.how, h.text) for h in parsed.hidden] == [("tiny text (0.7 pt)", "Ignore the schedule.")]
