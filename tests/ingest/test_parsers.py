"""Parsers on the shipped sample documents (all five formats) and on small inline inputs.

Each sample is compared with an independent reading of the same file (see `samples.py`): the title, the
headings in order with their levels, the body blocks in order, and no page furniture.
"""

from __future__ import annotations

import html
import itertools
import json
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from ingest.errors import CorruptFileError, EmptyDocumentError
from ingest.parsers.formats import parse_html, parse_jsonl, parse_markdown, parse_text
from ingest.parsers.structure import detect_headings
from tests.ingest.samples import (
    normalise,
    parsed,
    reader_body,
    reader_headings,
    sample_files,
)

ALL = sample_files()
NAMES = [p.name for p in ALL]


def NAME(path: Path) -> str:
    return path.name


PDF_FOOTER = re.compile(r"City of Millbrook \| .* \| Page \d+ of \d+")


def paragraphs(text: str) -> list[str]:
    return [normalise(p) for p in re.split(r"\n\s*\n", text) if p.strip()]


def body_paragraphs(path: Path) -> list[str]:
    """The parsed text's blocks that are not headings, each list item on its own."""
    result = parsed(path)
    titles = {h.title for h in result.headings}
    blocks = []
    for block in re.split(r"\n\s*\n", result.text):
        if not block.strip() or normalise(block) in titles:
            continue
        lines = block.strip().splitlines()
        if lines[0].startswith("- "):
            blocks.extend(normalise(line) for line in lines)
        else:
            blocks.append(normalise(block))
    return blocks


def test_the_sample_set_has_every_format() -> None:
    assert {p.suffix for p in ALL} == {".md", ".html", ".txt", ".pdf", ".docx"}


@pytest.mark.parametrize("path", ALL, ids=NAMES)
def test_when_a_sample_is_parsed_then_its_title_is_the_title_a_reader_sees(path: Path) -> None:
    first_level, first_title = reader_headings(path)[0]
    assert first_level == 1
    assert parsed(path).title == first_title


@pytest.mark.parametrize("path", ALL, ids=NAMES)
def test_when_a_sample_is_parsed_then_headings_come_in_order_with_their_levels(path: Path) -> None:
    headings = parsed(path).headings
    assert [(h.level, h.title) for h in headings] == reader_headings(path)
    levels = [h.level for h in headings]
    assert levels[0] == 1 and all(b <= a + 1 for a, b in itertools.pairwise(levels))


@pytest.mark.parametrize("path", ALL, ids=NAMES)
def test_when_a_sample_is_parsed_then_each_heading_offset_points_at_its_title(path: Path) -> None:
    result = parsed(path)
    assert all(result.text[h.start : h.end] == h.title for h in result.headings)
    starts = [h.start for h in result.headings]
    assert starts == sorted(set(starts))
    assert all(s == 0 or result.text[s - 1] == "\n" for s in starts), "a heading starts a line"


@pytest.mark.parametrize("path", sample_files(".md", ".html", ".txt", ".docx"), ids=NAME)
def test_when_a_structured_sample_is_parsed_then_its_body_blocks_are_kept_exactly(path: Path) -> None:
    assert body_paragraphs(path) == reader_body(path)


@pytest.mark.parametrize("path", sample_files(".pdf"), ids=NAME)
def test_when_a_pdf_is_parsed_then_its_whole_body_is_kept_in_order(path: Path) -> None:
    text = normalise(parsed(path).text)
    cursor, missing = 0, []
    for block in reader_body(path):
        found = text.find(normalise(block), cursor)
        if found < 0:
            missing.append(block)
        else:
            cursor = found + len(normalise(block))
    assert missing == []


@pytest.mark.parametrize("path", sample_files(".pdf"), ids=NAME)
def test_when_a_pdf_is_parsed_then_its_running_footer_is_dropped(path: Path) -> None:
    raw = " ".join(page.extract_text() for page in PdfReader(path).pages)
    pages = len(PdfReader(path).pages)
    assert len(PDF_FOOTER.findall(raw)) == pages >= 2, "the sample really has a footer on every page"
    text = parsed(path).text
    assert not PDF_FOOTER.search(text)
    assert not re.search(r"Page \d+ of \d+", text)


def page_furniture(markup: str) -> list[str]:
    """Text outside <main> (banner, menus, breadcrumbs, footer, related links) and script bodies,
    leaving out what the content itself also says (the city's name)."""
    main = re.search(r"<main\b.*?</main>", markup, flags=re.S)
    assert main
    content = normalise(html.unescape(re.sub(r"<[^>]+>", " ", main[0])))
    outside = markup.replace(main[0], " ")
    outside = re.sub(r"<head\b.*?</head>", " ", outside, flags=re.S)
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", markup, flags=re.S)
    texts = [normalise(html.unescape(t)) for t in re.split(r"<[^>]+>", outside)]
    found = [t for t in texts + [s.strip() for s in scripts] if len(t.split()) >= 2 or "." in t]
    return [t for t in found if t not in content]


@pytest.mark.parametrize("path", sample_files(".html"), ids=NAME)
def test_when_a_web_page_is_parsed_then_navigation_footer_banner_and_scripts_are_dropped(path: Path) -> None:
    markup = path.read_text(encoding="utf-8")
    furniture = page_furniture(markup)
    assert len(furniture) >= 5, "the sample page really has furniture around its content"
    text = normalise(parsed(path).text)
    assert [t for t in furniture if t in text] == []


@pytest.mark.parametrize(
    ("name", "boilerplate"),
    [
        ("business-licences.html", "This site uses cookies to remember your preferences."),
        ("business-licences.html", "Skip to main content"),
        ("business-licences.html", "Careers at the City"),
        ("vital-records-death-certificates.html", "window.dataLayer"),
        ("parking-visitor-passes.html", "Related pages"),
    ],
)
def test_when_a_web_page_is_parsed_then_named_boilerplate_is_absent(name: str, boilerplate: str) -> None:
    [path] = [p for p in sample_files(".html") if p.name == name]
    assert boilerplate in path.read_text(encoding="utf-8")
    assert boilerplate not in parsed(path).text


def test_when_a_link_is_followed_by_punctuation_then_no_space_is_inserted() -> None:
    page = b"<p>Register at <a href='/r'>millbrook.example/register</a>; it takes <em>5</em>min.</p>"
    assert parse_html(page).text == "Register at millbrook.example/register; it takes 5min."


@pytest.mark.parametrize(
    ("name", "row"),
    [
        (
            "business-food-truck-vendor-permits.md",
            "- Mobile food vending permit | Food trucks and food trailers | $400 per year",
        ),
        ("utilities-water-bills-leaks.md", "- Water | $2.85 per cubic metre"),
    ],
)
def test_when_markdown_has_a_table_then_each_row_is_one_readable_line(name: str, row: str) -> None:
    """Each row one line, the header as the lead-in of the rows, each row an item under it."""
    [path] = [p for p in sample_files(".md") if p.name == name]
    assert row in paragraphs(parsed(path).text)


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("- first item\n- second item\n", ["- first item", "- second item"]),
        ("* star item\n+ plus item\n", ["- star item", "- plus item"]),
        ("1. apply online\n2. pay the fee\n", ["1. apply online", "2. pay the fee"]),
        ("| Fee | Amount |\n|---|---|\n| Permit | $60 |\n", ["Fee | Amount", "- Permit | $60"]),
        ("Text with `code` and a [link](https://x.example) here.\n", ["Text with code and a link here."]),
    ],
    ids=["dash-list", "star-list", "ordered-list", "table", "inline-markup"],
)
def test_when_markdown_has_lists_tables_or_inline_markup_then_the_text_reads_plainly(
    markdown: str, expected: list[str]
) -> None:
    result = parse_markdown(f"# Title\n\n{markdown}".encode())
    assert paragraphs(result.text) == ["Title", *expected]


@pytest.mark.parametrize("path", sample_files(".docx"), ids=NAME)
def test_when_a_docx_has_list_items_then_they_are_kept_as_items(path: Path) -> None:
    items = [b for b in reader_body(path) if b.startswith("- ")]
    assert items, "the sample has list items"
    assert [b for b in body_paragraphs(path) if b.startswith("- ")] == items


@pytest.mark.parametrize("path", sample_files(".txt"), ids=NAME)
def test_when_plain_text_is_parsed_then_the_text_is_the_file_unchanged(path: Path) -> None:
    assert parsed(path).text == path.read_text(encoding="utf-8")


# ---- plain text and JSONL: headings found in place, text byte for byte ------------------------------
BENCHMARK_ROWS = [
    {
        "id": "ssa#retirement benefits",
        "title": "Retirement Benefits",
        "text": "Retirement Benefits\n\nYou can get benefits at 62.  Full  retirement age is 67.\n\n"
        "How To Apply\n  You can apply online.\n\n   Eligibility\nYou need 40 credits.\t\n\n\n"
        "If You Are Still Working\n\nEarnings above the limit reduce benefits.\n",
        "domain": "ssa",
        "url": "https://www.ssa.example/retirement",
    },
    {
        "id": "dmv-renewal",
        "title": "",
        "text": "Renewing Your Licence\r\nRenew online every eight years.\r\n\r\nFees\r\nThe fee is $25.\r\n",
    },
    {
        "id": "va#caf\u00e9 grants",
        "title": "Caf\u00e9 Grants",
        "text": "Caf\u00e9 grants help veterans \u2014 see below.\n\nWho Qualifies\nAny veteran who "
        "served\u2028on active duty.\n\nPayment Schedule\n\u00a0Grants are paid monthly.",
    },
]


def benchmark_jsonl() -> bytes:
    return "\n".join(json.dumps(row, ensure_ascii=False) for row in BENCHMARK_ROWS).encode()


def test_when_benchmark_jsonl_is_parsed_then_each_text_is_kept_byte_for_byte() -> None:
    documents = list(parse_jsonl(benchmark_jsonl()))
    assert [d.text for d in documents] == [row["text"] for row in BENCHMARK_ROWS]  # type: ignore[union-attr]
    assert [d.extra for d in documents] == [  # type: ignore[union-attr]
        {"id": row["id"], "domain": row.get("domain", ""), "source_uri": row.get("url", "")}
        for row in BENCHMARK_ROWS
    ]


def test_when_jsonl_lines_end_with_crlf_then_the_same_documents_are_read() -> None:
    crlf = benchmark_jsonl().replace(b"\n", b"\r\n") + b"\r\n\r\n"
    assert [d.text for d in parse_jsonl(crlf)] == [row["text"] for row in BENCHMARK_ROWS]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            BENCHMARK_ROWS[0],
            [
                (1, "Retirement Benefits"),
                (2, "How To Apply"),
                (2, "Eligibility"),
                (2, "If You Are Still Working"),
            ],
        ),
        (BENCHMARK_ROWS[1], [(1, "Renewing Your Licence"), (2, "Fees")]),
        (BENCHMARK_ROWS[2], [(2, "Who Qualifies"), (2, "Payment Schedule")]),
    ],
    ids=["blank-lines-and-indents", "crlf", "unicode-and-no-title-line"],
)
def test_when_jsonl_text_has_headings_then_they_are_found_in_place(
    row: dict[str, str], expected: list[tuple[int, str]]
) -> None:
    [document] = [d for d in parse_jsonl(benchmark_jsonl()) if d.extra["id"] == row["id"]]  # type: ignore[union-attr]
    assert [(h.level, h.title) for h in document.headings] == expected  # type: ignore[union-attr]
    assert all(row["text"][h.start : h.end] == h.title for h in document.headings)  # type: ignore[union-attr]


def test_when_plain_text_has_headings_then_offsets_index_the_original_text() -> None:
    text = "Parking Permits\n\nA permit costs $60.\n\n  Visitor Passes\nPasses are free.\n\nNotes:\nnone\n"
    result = parse_text(text.encode())
    assert result.text == text
    assert [(h.level, text[h.start : h.end]) for h in result.headings] == [
        (1, "Parking Permits"),
        (2, "Visitor Passes"),
    ]
    assert result.title == "Parking Permits"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Intro line\n\nThis ends like a sentence.\nMore text.", "ends with a full stop"),
        ("Intro line\n\n- a list item\nmore", "is a list item"),
        ("Intro line\n\nlowercase start\nmore", "starts in lower case"),
        ("Intro line\n\nA Heading Without Body", "has no text after it"),
        ("Intro line\n\n" + " ".join(["Word"] * 13) + "\nmore", "is too long"),
        ("Intro line\nNot After A Blank Line\nmore", "does not follow a blank line"),
    ],
)
def test_when_a_line_is_not_heading_like_then_it_is_not_a_heading(text: str, why: str) -> None:
    assert [h.title for h in detect_headings(text)] == ["Intro line"], why


@pytest.mark.parametrize(
    ("data", "error", "reason"),
    [
        (b"", EmptyDocumentError, "empty"),
        (b"  \n\n\t\n", EmptyDocumentError, "empty"),
        (b"text\x00with a NUL", CorruptFileError, "binary"),
        (b"\x81\x8d\x8f\x90\x9d", CorruptFileError, "neither UTF-8 nor Windows-1252"),
    ],
    ids=["empty", "whitespace", "binary", "undecodable"],
)
def test_when_a_text_file_is_unreadable_then_the_error_says_why(
    data: bytes, error: type[Exception], reason: str
) -> None:
    with pytest.raises(error, match=reason):
        parse_text(data)


def test_when_jsonl_has_a_bad_line_then_that_line_is_an_error_and_the_others_are_documents() -> None:
    lines = [
        json.dumps({"id": "a", "text": "Alpha text."}),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"id": "no-text"}),
        json.dumps({"id": "blank", "text": "   "}),
        json.dumps({"id": None, "text": "No id."}),
        json.dumps({"id": "b", "text": "Beta text."}),
    ]
    items = list(parse_jsonl("\n".join(lines).encode()))
    errors = [str(i) for i in items if isinstance(i, CorruptFileError)]
    assert [i.extra["id"] for i in items if not isinstance(i, CorruptFileError)] == ["a", "b"]  # type: ignore[index]
    assert [e.split(":")[0] for e in errors] == ["line 2", "line 3", "line 4", "line 5", "line 6"]
    assert "has no text" in errors[-2]
    assert "no usable id" in errors[-1]
