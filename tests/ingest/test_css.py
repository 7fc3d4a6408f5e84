"""Reading a page's CSS as a desktop browser applies it (`ingest/parsers/css.py`, `css_conditions.py`,
`css_values.py`, `colours.py`): the parts the hidden-text checks stand on. Whole pages are tested in
`test_hidden_text.py`."""

from __future__ import annotations

import pytest

from ingest.parsers.colours import colour
from ingest.parsers.css import RELEVANT, Sheet, specificity
from ingest.parsers.css_conditions import media_applies, supports
from ingest.parsers.css_values import length_px

MEDIA = {
    "": True,
    "all": True,
    "screen": True,
    "SCREEN": True,
    "print": False,
    "speech": False,
    "print, screen": True,
    "not print": True,
    "not screen": False,
    "only screen and (min-width: 600px)": True,
    "screen and (min-width: 40em) and (orientation: landscape)": True,
    "(max-width: 600px)": False,
    "screen and (max-width: 767.98px)": False,
    "(400px <= width <= 1400px)": True,
    "(width < 600px)": False,
    "(prefers-color-scheme: dark)": False,
    "(prefers-color-scheme: light)": True,
    "(prefers-reduced-motion: reduce)": False,
    "(hover: hover) and (pointer: fine)": True,
    "not (hover: none)": True,
    "screen and (-webkit-min-device-pixel-ratio: 0)": True,
    "(min-resolution: 2dppx)": False,
    "(unknown-feature: 1)": False,
}
SUPPORTS = {
    "(display: grid)": True,
    "not (display: grid)": False,
    "(display: nonsense)": False,
    "(display: grid) and (position: sticky)": True,
    "(display: nonsense) or (display: flex)": True,
    "not (bogus-property: 1)": None,
    "selector(:has(a))": None,
}
COLOURS = {
    "white": (255, 255, 255, 1),
    "WhiteSmoke": (245, 245, 245, 1),
    "rebeccapurple": (102, 51, 153, 1),
    "#fff": (255, 255, 255, 1),
    "#ffffff80": (255, 255, 255, 0.5),
    "#fff0": (255, 255, 255, 0),
    "rgb(255, 0, 0)": (255, 0, 0, 1),
    "rgb(100% 100% 100% / 25%)": (255, 255, 255, 0.25),
    "rgba(0,0,0,0)": (0, 0, 0, 0),
    "hsl(0, 0%, 100%)": (255, 255, 255, 1),
    "hsl(120deg 100% 25%)": (0, 128, 0, 1),
    "hsla(0.5turn 100% 50% / .5)": (0, 255, 255, 0.5),
    "hwb(0 100% 0%)": (255, 255, 255, 1),
    "lab(100 0 0)": (255, 255, 255, 1),
    "lch(54.29% 106.84 40.85)": (255, 0, 0, 1),
    "oklab(1 0 0)": (255, 255, 255, 1),
    "oklch(62.8% 0.2577 29.23)": (255, 0, 0, 1),
    "color(srgb 1 1 1)": (255, 255, 255, 1),
    "light-dark(#fff, #000)": (255, 255, 255, 1),
    "transparent": (0, 0, 0, 0),
}


@pytest.mark.parametrize(("query", "applies"), MEDIA.items(), ids=[q or "empty" for q in MEDIA])
def test_media_queries_are_read_for_a_desktop_screen(query: str, applies: bool) -> None:
    assert media_applies(query) is applies


@pytest.mark.parametrize(("condition", "holds"), SUPPORTS.items(), ids=SUPPORTS.keys())
def test_supports_conditions_hold_for_a_browser_that_knows_the_properties(
    condition: str, holds: bool | None
) -> None:
    assert supports(condition, RELEVANT.__contains__) is holds


@pytest.mark.parametrize(("value", "rgba"), COLOURS.items(), ids=COLOURS.keys())
def test_css_colours_are_read_in_every_notation(value: str, rgba: tuple[float, ...]) -> None:
    found = colour(value)
    assert found is not None
    assert all(abs(a - b) <= 1.5 for a, b in zip(found[:3], rgba[:3], strict=True)), found
    assert abs(found[3] - rgba[3]) < 0.01


@pytest.mark.parametrize("value", ["color-mix(in srgb, red, blue)", "#ggg", "rgb(1, 2)", "var(--w)", "bogus"])
def test_colours_not_read_are_unknown(value: str) -> None:
    assert colour(value) is None


@pytest.mark.parametrize(
    ("value", "px"),
    [
        ("-9999px", -9999),
        ("0", 0),
        ("-50em", -800),
        ("-0.5in", -48),
        ("-100vw", -1280),
        ("calc(-100vh - 50px)", -770),
        ("calc(2 * -300px)", -600),
        ("min(-600px, 2px)", -600),
        ("clamp(1px, -900px, 3px)", 1),
        ("auto", None),
        ("-100%", None),
    ],
)
def test_lengths_are_read_in_px(value: str, px: float | None) -> None:
    assert length_px(value) == px


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("p", (0, 0, 1)),
        (".a.b", (0, 2, 0)),
        ("#a .b:hover", (1, 2, 0)),
        (":is(#a, .b) p", (1, 0, 1)),
        (":where(#a) p", (0, 0, 1)),
        ("ul li.x:not(.y)", (0, 2, 2)),
        ("a[href]", (0, 1, 1)),
    ],
)
def test_specificity(selector: str, expected: tuple[int, int, int]) -> None:
    assert specificity(selector) == expected


def test_a_stylesheet_is_read_into_the_rules_a_browser_applies() -> None:
    sheet = Sheet()
    sheet.read(
        "@import url(x.css); @media print { .p { display: none } } @media screen { .s { display: none } }"
        " .a { color: red; .b { display: n\\6f ne } } .c { content: '}'; display: /* x */ none }"
        " .d { content: \\7d; visibility: hidden } @keyframes k { from { opacity: 0 } }"
        " @property --w { syntax: '<color>'; inherits: true; initial-value: white }"
    )
    found = [(r.selector, [(d.name, d.value) for d in r.declarations]) for r in sheet.rules]
    assert found == [
        (".s", [("display", "none")]),
        (".a", [("color", "red")]),
        (":is(.a) .b", [("display", "none")]),
        (".c", [("display", "none")]),
        (".d", [("visibility", "hidden")]),
    ]
    assert sheet.initial == {"--w": "white"}
