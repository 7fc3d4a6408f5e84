"""HTML: the page's main content as headings, paragraphs, list items and table rows; what a reader of the
page would not see is dropped and reported.

Hidden: the `hidden` attribute (not `hidden="until-found"`), `aria-hidden="true"`, `type="hidden"`;
declarations from inline `style` and from the page's own `<style>` rules (outside @-rules): `display:none`,
`visibility:hidden`, a font size of 2 pt or less, `opacity:0`, zero height or width with overflow hidden,
a transform or `scale` that shrinks it to nothing (`scale(0)`, `scaleX(0)`, `scale3d(0, 0, 1)`, a matrix
that flattens it; a factor of 0.1 or less), off-screen positioning, transparent text, and text the same
colour as its background (the nearest declared background; white when none). HTML comments are dropped
quietly: they are reported to the checks, which flag them only when a rule finds something in them.
Linked stylesheets are not read.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

from ingest.parsers.parsed import HiddenText, Parsed, built
from ingest.parsers.structure import TextBuilder, clean

_HTML_DROP = ("script", "style", "nav", "header", "footer", "aside", "form", "noscript", "template")
_HTML_BLOCKS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "dt", "dd", "pre", "blockquote", "tr")
_RELEVANT = frozenset(
    ("display", "visibility", "font-size", "opacity", "position", "left", "top", "right", "text-indent",
     "height", "max-height", "width", "max-width", "overflow", "color", "background", "background-color",
     "transform", "scale")
)  # fmt: skip
_LENGTH = re.compile(r"^(-?\d*\.?\d+)\s*(px|pt|em|rem|%|vw|vh|cm|mm|in)?$")
_PX = {"px": 1.0, "pt": 4 / 3, "em": 16.0, "rem": 16.0, "%": 0.16, "vw": 12.8, "vh": 7.2, "cm": 37.8,
       "mm": 3.78, "in": 96.0, None: 1.0}  # fmt: skip
_NAMED = {
    "white": (255, 255, 255), "black": (0, 0, 0), "snow": (255, 250, 250), "ivory": (255, 255, 240),
    "whitesmoke": (245, 245, 245), "ghostwhite": (248, 248, 255), "floralwhite": (255, 250, 240),
    "azure": (240, 255, 255), "mintcream": (245, 255, 250), "seashell": (255, 245, 238),
    "gray": (128, 128, 128), "grey": (128, 128, 128), "silver": (192, 192, 192), "red": (255, 0, 0),
    "green": (0, 128, 0), "blue": (0, 0, 255), "navy": (0, 0, 128), "yellow": (255, 255, 0),
}  # fmt: skip
Colour = tuple[int, int, int]
TRANSPARENT: Colour = (-1, -1, -1)
UNKNOWN: Colour = (-2, -2, -2)  # a background image or gradient: text on it cannot be judged
OFF_SCREEN_PX = -500.0
TINY_PX = 2 * 4 / 3  # 2 pt
TINY_SCALE = 0.1  # 16 px text scaled by 0.1 is 1.6 px: below TINY_PX
_TRANSFORM = re.compile(r"\b(scale|scalex|scaley|scale3d|matrix|matrix3d)\(([^()]*)\)")


def declarations(css: str) -> dict[str, str]:
    """`prop: value; ...` as a dict of lower-cased properties and values without `!important`."""
    out: dict[str, str] = {}
    for part in css.split(";"):
        name, sep, value = part.partition(":")
        if sep:
            out[name.strip().lower()] = value.lower().replace("!important", "").strip()
    return out


def _rules(css: str) -> list[tuple[str, dict[str, str]]]:
    """(selector, declarations) of a stylesheet's top-level rules; @-rules (media, print ...) skipped."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    rules: list[tuple[str, dict[str, str]]] = []
    i = 0
    while i < len(css):
        brace = css.find("{", i)
        if brace < 0:
            break
        selector = css[i:brace].strip()
        depth, j = 1, brace + 1
        while j < len(css) and depth:
            depth += {"{": 1, "}": -1}.get(css[j], 0)
            j += 1
        body = css[brace + 1 : j - 1]
        if selector and not selector.startswith("@") and "{" not in body:
            decls = {k: v for k, v in declarations(body).items() if k in _RELEVANT}
            if decls:
                rules.append((selector, decls))
        i = j
    return rules


def _px(value: str) -> float | None:
    match = _LENGTH.match(value.strip())
    return float(match[1]) * _PX[match[2]] if match else None


def colour(value: str | None) -> Colour | None:
    """RGB of a CSS colour; TRANSPARENT for a fully transparent one; None when unknown."""
    if not value:
        return None
    value = value.strip().lower()
    if value == "transparent":
        return TRANSPARENT
    if value in _NAMED:
        return _NAMED[value]
    if value.startswith("#"):
        digits = value[1:]
        if len(digits) in (3, 4):
            digits = "".join(c * 2 for c in digits)
        try:
            rgb = (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))
        except ValueError:
            return None
        return TRANSPARENT if len(digits) == 8 and digits[6:8] == "00" else rgb
    match = re.match(r"rgba?\(([^)]*)\)", value)
    if match:
        parts = [p for p in re.split(r"[\s,/]+", match[1].strip()) if p]
        try:
            channels = [float(p[:-1]) * 2.55 if p.endswith("%") else float(p) for p in parts[:3]]
            alpha = 1.0
            if len(parts) > 3:
                alpha = float(parts[3].rstrip("%")) / (100 if parts[3].endswith("%") else 1)
        except ValueError:
            return None
        if len(channels) == 3:
            return TRANSPARENT if alpha <= 0.05 else (int(channels[0]), int(channels[1]), int(channels[2]))
    return None


def _background(decls: dict[str, str], element: Any) -> Colour | None:
    """The background an element declares (UNKNOWN for an image or gradient), None when it declares none
    or a transparent one."""
    value = decls.get("background-color") or decls.get("background") or str(element.get("bgcolor") or "")
    if not value:
        return None
    if "url(" in value or "gradient" in value:
        return UNKNOWN
    found = colour(value)
    for token in value.split():
        if found is not None:
            break
        found = colour(token)
    if found == TRANSPARENT:
        return None
    return UNKNOWN if found is None else found


def _same(fg: Colour | None, bg: Colour) -> bool:
    if fg is None or bg == UNKNOWN:
        return False
    return fg == TRANSPARENT or max(abs(x - y) for x, y in zip(fg, bg, strict=True)) <= 16


def _factor(value: str) -> float | None:
    value = value.strip()
    try:
        return float(value[:-1]) / 100 if value.endswith("%") else float(value)
    except ValueError:
        return None


def _scaled_away(decls: dict[str, str]) -> str:
    """The `transform` or `scale` declaration that shrinks the element to nothing along an axis, or ""."""
    axes: list[float | None] = []
    for name, args in _TRANSFORM.findall(decls.get("transform", "")):
        values = [_factor(a) for a in re.split(r"[\s,]+", args.strip()) if a]
        if name in ("scale", "scale3d"):
            axes += values[:2]
        elif name in ("scalex", "scaley"):
            axes += values[:1]
        elif len(values) >= 6 and None not in values:  # matrix(a, b, c, d, e, f), matrix3d: the x-y part
            n = [v for v in values if v is not None]
            a, b, c, d = n[:4] if name == "matrix" else (n[0], n[1], n[4], n[5])
            axes.append(abs(a * d - b * c) ** 0.5)  # the square root of the area factor
    if any(f is not None and abs(f) <= TINY_SCALE for f in axes):
        return f"transform:{decls['transform']}"
    scale = [_factor(v) for v in decls.get("scale", "").split()[:2]]
    if any(f is not None and abs(f) <= TINY_SCALE for f in scale):
        return f"scale:{decls['scale']}"
    return ""


def _why_hidden(element: Any, decls: dict[str, str]) -> str:
    hidden = element.get("hidden")
    if hidden is not None and str(hidden).lower() != "until-found":
        return "hidden attribute"
    if str(element.get("aria-hidden", "")).lower() == "true":
        return 'aria-hidden="true"'
    if str(element.get("type", "")).lower() == "hidden":
        return 'type="hidden"'
    if decls.get("display") == "none":
        return "display:none"
    if decls.get("visibility") in ("hidden", "collapse"):
        return f"visibility:{decls['visibility']}"
    size = _px(decls.get("font-size", "x"))
    if size is not None and size <= TINY_PX:
        return f"font-size:{decls['font-size']}"
    opacity = decls.get("opacity", "1").rstrip("%")
    try:
        if float(opacity) <= 0.05:
            return f"opacity:{decls['opacity']}"
    except ValueError:
        pass
    if decls.get("overflow") in ("hidden", "clip"):
        for prop in ("height", "max-height", "width", "max-width"):
            if _px(decls.get(prop, "x")) == 0:
                return f"{prop}:0 with overflow:hidden"
    scaled = _scaled_away(decls)
    if scaled:
        return scaled
    offsets = [_px(decls.get(p, "x")) for p in ("left", "top", "right", "text-indent")]
    positioned = decls.get("position") in ("absolute", "fixed") or decls.get("text-indent")
    if positioned and any(o is not None and o <= OFF_SCREEN_PX for o in offsets):
        return "positioned off-screen"
    return ""


def _styles(soup: Any) -> dict[int, dict[str, str]]:
    """Declarations from the page's <style> rules, by element (in source order; inline style wins later)."""
    found: dict[int, dict[str, str]] = {}
    for style in soup.find_all("style"):
        for selector, decls in _rules("".join(str(part) for part in style.contents)):
            matched = []
            with contextlib.suppress(Exception):  # a selector soupsieve cannot read (:hover ...) is skipped
                matched = soup.select(selector)
            for element in matched:
                found.setdefault(id(element), {}).update(decls)
    return found


def _drop_hidden(root: Any, sheet: dict[int, dict[str, str]]) -> list[HiddenText]:
    """Remove what a reader would not see below `root`; return it."""
    from bs4 import Comment, Tag
    from bs4.element import NavigableString

    hidden: list[HiddenText] = []
    for comment in root.find_all(string=lambda s: isinstance(s, Comment)):
        if comment.strip():
            hidden.append(HiddenText("HTML comment", str(comment), suspicious=False))
        comment.extract()
    # colours inherited from above the root: html, body ...
    text_colour: Colour = (0, 0, 0)
    background: Colour = (255, 255, 255)
    for ancestor in reversed(list(root.parents)):
        if isinstance(ancestor, Tag) and ancestor.name != "[document]":
            decls = {**sheet.get(id(ancestor), {}), **declarations(str(ancestor.get("style", "")))}
            text_colour = colour(decls.get("color") or str(ancestor.get("text") or "")) or text_colour
            own = _background(decls, ancestor)
            background = own if own is not None else background
    stack: list[tuple[Any, Colour, Colour]] = [(root, text_colour, background)]
    while stack:
        element, inherited_colour, inherited_background = stack.pop()
        decls = {**sheet.get(id(element), {}), **declarations(str(element.get("style", "")))}
        why = _why_hidden(element, decls) if element is not root else ""
        if why:
            text = " ".join(element.get_text(" ").split())
            if text:
                hidden.append(HiddenText(why, text))
            element.decompose()
            continue
        fg = colour(decls.get("color") or str(element.get("color") or "")) or inherited_colour
        own = _background(decls, element)
        bg = own if own is not None else inherited_background
        invisible = _same(fg, bg)
        for child in list(element.children):
            if isinstance(child, Tag):
                stack.append((child, fg, bg))
            elif invisible and isinstance(child, NavigableString) and child.strip():
                how = "transparent text" if fg == TRANSPARENT else "text the same colour as its background"
                hidden.append(HiddenText(how, " ".join(child.split())))
                child.extract()
    return hidden


def _inline_text(element: Any) -> str:
    """Text as a browser shows it: inline tags (links, emphasis) add no spaces; whitespace runs are one."""
    return " ".join(element.get_text().split())


def parse_html(data: bytes) -> Parsed:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "html.parser")
    title = clean(soup.title.get_text(" ")) if soup.title else ""
    sheet = _styles(soup)
    for tag in soup.find_all(_HTML_DROP):
        tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    hidden = _drop_hidden(root, sheet)
    for br in root.find_all("br"):
        br.replace_with("\n")
    builder = TextBuilder()
    for element in root.find_all(_HTML_BLOCKS):
        if element.find_parent(_HTML_BLOCKS):
            continue  # nested blocks are read with their outermost block
        name = element.name or ""
        if name == "tr":
            cells = element.find_all(["th", "td"])
            builder.table_row([_inline_text(c) for c in cells], all(c.name == "th" for c in cells))
            continue
        text = _inline_text(element)
        if name.startswith("h") and name[1:].isdigit():
            builder.heading(int(name[1:]), text)
        else:
            builder.paragraph(("- " if name == "li" else "") + text)
    h1 = next((h.title for h in builder.headings if h.level == 1), "")
    return built(builder, h1 or title, tuple(hidden))
