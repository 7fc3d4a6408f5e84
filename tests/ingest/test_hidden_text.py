"""Hidden text is never indexed: the parsers drop what a reader of the file would not see and report it.

Each hidden variant is paired with what a reader does see (white text on a dark background, a print-only
rule, `hidden="until-found"`), which must stay in the text.
"""

from __future__ import annotations

import pytest

from ingest.errors import CorruptFileError
from ingest.parsers.formats import parse_docx, parse_html, parse_jsonl, parse_markdown, parse_pdf, parse_text
from tests.ingest.hostile import SECRET, VISIBLE, cp1252_garbage, docx_with_hidden_runs, pdf_with_hidden_text

PAGE = "<html><head><title>Permits</title>{style}</head><body><main><h1>Parking Permits</h1><p>{visible}</p>{extra}<p>Permits cost $60 a year.</p></main></body></html>"  # noqa: E501


def page(extra: str, style: str = "") -> bytes:
    return PAGE.format(style=style, visible=VISIBLE, extra=extra).encode()


HIDDEN_HTML = {
    "hidden-attribute": ("<p hidden>{s}</p>", "", "hidden attribute"),
    "aria-hidden": ('<div aria-hidden="true"><p>{s}</p></div>', "", 'aria-hidden="true"'),
    "type-hidden": ('<span type="hidden">{s}</span>', "", 'type="hidden"'),
    "display-none": ('<p style="display: none">{s}</p>', "", "display:none"),
    "display-none-important": ('<p style="color:red;DISPLAY:NONE !important">{s}</p>', "", "display:none"),
    "visibility-hidden": ('<p style="visibility:hidden">{s}</p>', "", "visibility:hidden"),
    "font-size-0": ('<p style="font-size:0">{s}</p>', "", "font-size:0"),
    "font-size-1px": ('<p style="font-size: 1px">{s}</p>', "", "font-size:1px"),
    "opacity-0": ('<p style="opacity:0.0">{s}</p>', "", "opacity:0.0"),
    "off-screen": ('<p style="position:absolute;left:-9999px">{s}</p>', "", "positioned off-screen"),
    "text-indent": ('<p style="text-indent:-10000px">{s}</p>', "", "positioned off-screen"),
    "zero-height": (
        '<div style="height:0;overflow:hidden"><p>{s}</p></div>',
        "",
        "height:0 with overflow:hidden",
    ),
    "white-on-default-white": ('<p style="color:#fff">{s}</p>', "", "text the same colour as its background"),
    "white-on-white-body": (
        '<p><span style="color: rgb(255, 255, 255)">{s}</span></p>',
        "<style>body { background: #FFFFFF }</style>",
        "text the same colour as its background",
    ),
    "transparent": ('<p style="color:transparent">{s}</p>', "", "transparent text"),
    "class-rule": ('<p class="x">{s}</p>', "<style>/* c */ .x { display:none }</style>", "display:none"),
    "id-rule": ('<p id="y">{s}</p>', "<style>#y{visibility:hidden}</style>", "visibility:hidden"),
    "legacy-font-colour": (
        '<p><font color="white">{s}</font></p>',
        "",
        "text the same colour as its background",
    ),
    "scale-0": ('<p style="transform:scale(0)">{s}</p>', "", "transform:scale(0)"),
    "scale-0-0": ('<p style="transform: scale(0, 0)">{s}</p>', "", "transform:scale(0, 0)"),
    "scale-x-0-rule": (
        '<p class="x">{s}</p>',
        "<style>.x { transform: scaleX(0) }</style>",
        "transform:scalex(0)",
    ),
    "scale-y-0-parent": ('<div style="transform:scaleY(0)"><p>{s}</p></div>', "", "transform:scaley(0)"),
    "scale-among-transforms": (
        '<p style="transform: rotate(3deg) scale(0.01)">{s}</p>',
        "",
        "transform:rotate(3deg) scale(0.01)",
    ),
    "scale3d-0": ('<p style="transform:scale3d(0, 0, 1)">{s}</p>', "", "transform:scale3d(0, 0, 1)"),
    "flat-matrix": (
        '<p style="transform:matrix(1, 0, 0, 0, 0, 0)">{s}</p>',
        "",
        "transform:matrix(1, 0, 0, 0, 0, 0)",
    ),
    "scale-property": ('<p style="scale: 0">{s}</p>', "", "scale:0"),
}
SEEN_HTML = {
    "white-on-dark": ('<p style="background:#1f3864;color:#fff">{s}</p>', ""),
    "white-on-dark-parent": ('<div style="background-color: navy"><p style="color:white">{s}</p></div>', ""),
    "white-on-an-image": ('<p style="background:url(bg.png);color:#fff">{s}</p>', ""),
    "print-only-rule": ('<p class="x">{s}</p>', "<style>@media print { .x { display:none } }</style>"),
    "until-found": ('<div hidden="until-found"><p>{s}</p></div>', ""),
    "hover-rule": ('<p class="x">{s}</p>', "<style>.x:hover { display: none }</style>"),
    "scaled-up-and-turned": ('<p style="transform:scale(1.5) rotate(2deg)">{s}</p>', ""),
    "mirrored": ('<p style="transform:scaleX(-1)">{s}</p>', ""),
    "moved-by-zero": ('<p style="transform:translateX(0)">{s}</p>', ""),
    "hover-scale": ('<p class="x">{s}</p>', "<style>.x:hover { transform: scale(0) }</style>"),
}


@pytest.mark.parametrize(("markup", "style", "how"), HIDDEN_HTML.values(), ids=HIDDEN_HTML.keys())
def test_when_html_hides_text_then_it_is_dropped_and_reported(markup: str, style: str, how: str) -> None:
    parsed = parse_html(page(markup.format(s=SECRET), style))
    assert SECRET not in parsed.text and "SSN" not in parsed.text
    assert VISIBLE in parsed.text and "Permits cost $60 a year." in parsed.text
    assert [(h.how, h.text) for h in parsed.hidden] == [(how, SECRET)]


@pytest.mark.parametrize(("markup", "style"), SEEN_HTML.values(), ids=SEEN_HTML.keys())
def test_when_html_text_is_visible_to_a_reader_then_it_is_kept(markup: str, style: str) -> None:
    parsed = parse_html(page(markup.format(s=SECRET), style))
    assert SECRET in parsed.text and parsed.hidden == ()


def test_html_comments_are_dropped_and_reported_as_routine() -> None:
    parsed = parse_html(page(f"<!-- {SECRET} --><p>Open Monday to Friday.</p>"))
    assert SECRET not in parsed.text and "Open Monday to Friday." in parsed.text
    assert [(h.how, h.text.strip(), h.suspicious) for h in parsed.hidden] == [("HTML comment", SECRET, False)]


@pytest.mark.parametrize(
    ("markup", "how"),
    [
        ('<span style="display:none">{s}</span>', "display:none"),
        ("<div hidden>\n\n{s}\n\n</div>", "hidden attribute"),
        ('<span style="transform:scale(0)">{s}</span>', "transform:scale(0)"),
    ],
    ids=["inline-span", "html-block", "scale-0-span"],
)
def test_when_markdown_hides_text_with_html_then_it_is_dropped_and_reported(markup: str, how: str) -> None:
    """Markdown is published as HTML: raw HTML in it hides text exactly as on a web page."""
    source = f"# Parking Permits\n\n{VISIBLE}\n\n{markup.format(s=SECRET)}\n\n- Permits cost $60 a year.\n"
    parsed = parse_markdown(source.encode())
    assert SECRET not in parsed.text and VISIBLE in parsed.text
    assert "- Permits cost $60 a year." in parsed.text
    assert parsed.title == "Parking Permits"
    assert [(h.how, h.text) for h in parsed.hidden] == [(how, SECRET)]


def test_hidden_text_outside_the_main_content_is_not_reported() -> None:
    hidden_in_nav = f'<nav><span style="display:none">{SECRET}</span></nav>'
    markup = f"<html><body>{hidden_in_nav}<main><p>{VISIBLE}</p></main></body></html>"
    parsed = parse_html(markup.encode())
    assert parsed.text == VISIBLE and parsed.hidden == ()


@pytest.mark.parametrize(
    ("how", "reason"),
    [
        ("vanish", "w:vanish"),
        ("tiny", "tiny text (1 pt)"),
        ("white", "white text on a white page"),
    ],
)
def test_when_a_docx_run_is_hidden_then_it_is_dropped_and_reported(how: str, reason: str) -> None:
    parsed = parse_docx(docx_with_hidden_runs(how))
    assert SECRET not in parsed.text and VISIBLE in parsed.text
    assert [(h.how, h.text) for h in parsed.hidden] == [(reason, SECRET)]


def test_white_docx_text_on_a_dark_shading_is_kept() -> None:
    parsed = parse_docx(docx_with_hidden_runs("white-on-shading"))
    assert f"{VISIBLE} {SECRET}" in parsed.text and parsed.hidden == ()


@pytest.mark.parametrize(
    ("how", "reason"),
    [
        ("invisible", "invisible text (render mode 3)"),
        ("tiny", "tiny text (1.0 pt)"),
        ("white", "white text on a white page"),
    ],
)
def test_when_pdf_text_is_invisible_then_it_is_dropped_and_reported(how: str, reason: str) -> None:
    parsed = parse_pdf(pdf_with_hidden_text(how))
    assert "SSN" not in parsed.text and VISIBLE in parsed.text and "Permits cost $60 a year." in parsed.text
    assert [(h.how, h.text) for h in parsed.hidden] == [(reason, SECRET)]


def test_white_pdf_text_on_a_dark_box_is_kept() -> None:
    parsed = parse_pdf(pdf_with_hidden_text("white-on-box"))
    assert SECRET in parsed.text and parsed.hidden == ()


# ---- text that is not text -------------------------------------------------------------------------------
@pytest.mark.parametrize("parse", [parse_text, parse_markdown], ids=["txt", "md"])
def test_when_bytes_only_happen_to_decode_as_cp1252_then_they_are_refused(parse) -> None:  # type: ignore[no-untyped-def]
    data = cp1252_garbage()
    data.decode("cp1252")  # it does decode: the old parsers took it as a document
    with pytest.raises(
        CorruptFileError, match=r"^not readable text: 1\d% of its 20,000 characters are control"
    ):
        parse(data)


@pytest.mark.parametrize("parse", [parse_text, parse_markdown], ids=["txt", "md"])
def test_when_text_is_utf16_without_a_bom_then_the_reason_says_so(parse) -> None:  # type: ignore[no-untyped-def]
    data = "Café opening hours: Monday to Friday.\n".encode("utf-16-le")
    with pytest.raises(CorruptFileError, match="UTF-16 without a byte-order mark: save it as UTF-8"):
        parse(data)


def test_utf16_with_a_bom_is_read() -> None:
    parsed = parse_text("Café opening hours\n\nMonday to Friday.\n".encode("utf-16"))
    assert parsed.text.startswith("Café opening hours")


def test_a_few_stray_control_characters_do_not_refuse_a_document() -> None:
    text = "Permits\n\n" + "Residents renew permits online. " * 20 + "\x07\x1b"
    assert parse_text(text.encode()).text.endswith("\x07\x1b")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"id": "a", "text": null}', r"^line 1: document 'a' has text that is null, not a string$"),
        ('{"id": "a"}', r"^line 1: document 'a' has no text$"),
        ('{"id": "a", "text": 42}', r"^line 1: document 'a' has text that is int, not a string$"),
        ('{"id": "a", "text": ["x"]}', r"^line 1: document 'a' has text that is list, not a string$"),
        ('{"id": true, "text": "x"}', r"^line 1: the document has no usable id$"),
        ('{"id": "a", "text": "x", "title": null, "url": 7}', r"^line 1: document 'a': url is not a string$"),
        ('["a", "b"]', r"^line 1: not a document object \(list\)$"),
    ],
)
def test_when_a_jsonl_line_has_no_usable_text_then_that_line_fails_with_a_reason(
    line: str, reason: str
) -> None:
    import re

    items = list(parse_jsonl(f'{line}\n{{"id": "b", "text": "Bench permits are free."}}\n'.encode()))
    assert isinstance(items[0], CorruptFileError) and re.search(reason, str(items[0])), str(items[0])
    assert not isinstance(items[1], CorruptFileError) and items[1].text == "Bench permits are free."
