"""HTML: the page's main content as headings, paragraphs, list items and table rows; what a reader of the
page would not see is dropped and reported.

Styles come from inline `style` and the page's own `<style>` elements as a desktop browser applies them
(`web_style.py`, `css.py`: rules inside `@media screen`, `@supports`, `@layer`, nested rules; comments and
escapes inside declarations; `var()`; the cascade with `!important`, layers and specificity). Linked
stylesheets are not read.

Hidden with everything inside it: the `hidden` attribute (not `hidden="until-found"`), `aria-hidden="true"`,
`type="hidden"`, a closed `<dialog>`, `display:none`, `content-visibility:hidden`, opacity of 0.05 or less
(`opacity`, `filter:opacity()`, multiplied down the tree), a box 4 px or less high or wide with its overflow
hidden, `zoom`, `transform` or `scale` that shrink it to a tenth or less along an axis (`scale(0)`, a matrix
that flattens it), and a box moved 500 px or more off the top or left of the page or right or down
(`left`/`top`/`right`/`bottom` of a positioned box, `margin-left`/`margin-top`, `text-indent`, `translate`).
Hidden text, where a child may undo it: `visibility:hidden`, text 2 pt or smaller (font size, relative
sizes, zoom and scale multiplied), transparent text (`color`, `-webkit-text-fill-color`) and text the colour
of its background (the nearest declared background, white when none; not over an image, not text that
shows a background through itself with `background-clip:text`, not outlined or shadowed text).
HTML comments are dropped quietly: they are reported to the checks, which flag them only when a rule finds
something in them. Hidden fragments next to each other are reported as one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ingest.parsers.colours import alike, over
from ingest.parsers.css_values import functions, length_px, split
from ingest.parsers.parsed import HiddenText, Parsed, built
from ingest.parsers.structure import TextBuilder, clean
from ingest.parsers.web_style import Style, Winners, cascade, computed, opacities, scale_axes

_HTML_DROP = ("script", "style", "nav", "header", "footer", "aside", "form", "noscript", "template")
_HTML_BLOCKS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "dt", "dd", "pre", "blockquote", "tr")
INVISIBLE_OPACITY = 0.05
OFF_SCREEN_PX = -500.0
TINY_PX = 2 * 4 / 3  # 2 pt
TINY_BOX_PX = 4.0  # a box this high (or wide) with its overflow hidden shows no line of text
TINY_SCALE = 0.1  # 16 px text scaled by 0.1 is 1.6 px: below TINY_PX
_TRANSLATES = ("translate", "translatex", "translatey", "translate3d", "matrix", "matrix3d")


def _off_screen(decls: dict[str, str], style: Style) -> bool:
    def px(name: str) -> float:
        found = length_px(decls.get(name, "x"), style.font_px, style.root_px)
        return found or 0.0

    dx = dy = 0.0
    for function in functions(decls.get("transform", ""), _TRANSLATES):
        name = function.lower_name
        values = [length_px(a, style.font_px, style.root_px) or 0.0 for a in split(function.arguments, " ,")]
        if name in ("translate", "translate3d", "translatex"):
            dx += values[0] if values else 0.0
            dy += values[1] if len(values) > 1 and name != "translatex" else 0.0
        elif name == "translatey":
            dy += values[0] if values else 0.0
        elif len(values) >= (6 if name == "matrix" else 16):
            dx, dy = dx + values[4 if name == "matrix" else 12], dy + values[5 if name == "matrix" else 13]
    moved = [length_px(v, style.font_px, style.root_px) or 0.0 for v in split(decls.get("translate", ""))]
    dx, dy = dx + (moved[0] if moved else 0.0), dy + (moved[1] if len(moved) > 1 else 0.0)
    positioned = decls.get("position") in ("absolute", "fixed", "relative")
    x = (px("left") if positioned else 0.0) + px("margin-left") + dx
    y = (px("top") if positioned else 0.0) + px("margin-top") + dy
    away = [x, y, px("text-indent")] + ([px("right"), px("bottom")] if positioned else [])
    return min(away) <= OFF_SCREEN_PX


def _why_hidden(element: Any, decls: dict[str, str], style: Style) -> str:
    """Why the element and everything inside it is hidden ("" when it is not)."""
    hidden = element.get("hidden")
    if hidden is not None and str(hidden).lower() != "until-found":
        return "hidden attribute"
    if str(element.get("aria-hidden", "")).lower() == "true":
        return 'aria-hidden="true"'
    if str(element.get("type", "")).lower() == "hidden":
        return 'type="hidden"'
    if element.name == "dialog" and not element.has_attr("open") and "display" not in decls:
        return "closed <dialog>"
    if decls.get("display") == "none":
        return "display:none"
    if decls.get("content-visibility") == "hidden":
        return "content-visibility:hidden"
    if style.opacity <= INVISIBLE_OPACITY:
        own = next((why for why, f in opacities(decls) if f <= INVISIBLE_OPACITY), "")
        return own or f"opacity {style.opacity:.2g} (its own times its ancestors')"
    for props, overflow in ((("height", "max-height"), "overflow-y"), (("width", "max-width"), "overflow-x")):
        if decls.get(overflow) in ("hidden", "clip"):
            for prop in props:
                size = length_px(decls.get(prop, "x"), style.font_px, style.root_px)
                if size is not None and size <= TINY_BOX_PX:
                    return f"{prop}:{decls[prop]} with overflow:hidden"
    shrunk = next((why for why, f in scale_axes(decls) if f <= TINY_SCALE), "")
    if shrunk:
        return shrunk
    if _off_screen(decls, style):
        return "positioned off-screen"
    return ""


def _why_text_hidden(style: Style) -> str:
    """Why text drawn with `style` cannot be seen ("" when it can)."""
    if style.visibility:
        return style.visibility
    if style.font_px * style.scale <= TINY_PX:
        return (
            style.font_why if style.font_px <= TINY_PX else f"text {style.font_px * style.scale:.1f} px high"
        )
    ink = style.fill or style.colour
    if style.background is None or (style.clipped and style.through is None):
        return ""
    if style.clipped and style.through is not None:  # the background drawn inside the text shows through it
        ink = over(ink, over(style.through, style.background))
    if style.outline is not None and not alike(over(style.outline, style.background), style.background):
        return ""
    if not alike(over(ink, style.background), style.background):
        return ""
    return "transparent text" if ink[3] <= INVISIBLE_OPACITY else "text the same colour as its background"


class _Found:
    """Hidden text in page order; fragments with no visible text between them are one finding."""

    def __init__(self) -> None:
        self.items: list[HiddenText] = []
        self.open = False

    def add(self, how: str, text: str) -> None:
        if not text:
            return
        last = self.items[-1] if self.items and self.open else None
        if last is not None and last.suspicious:
            hows = last.how if how in last.how.split(", ") else f"{last.how}, {how}"
            self.items[-1] = HiddenText(hows, f"{last.text} {text}")
        else:
            self.items.append(HiddenText(how, text))
        self.open = True


def _drop_hidden(root: Any, winners: dict[int, Winners], initial: Mapping[str, str]) -> list[HiddenText]:
    """Remove what a reader would not see below `root`; return it."""
    from bs4 import Comment, Tag
    from bs4.element import NavigableString

    comments: list[HiddenText] = []
    for comment in root.find_all(string=lambda s: isinstance(s, Comment)):
        if comment.strip():
            comments.append(HiddenText("HTML comment", str(comment), suspicious=False))
        comment.extract()
    style = Style(custom=dict(initial))
    for ancestor in reversed([p for p in root.parents if isinstance(p, Tag) and p.name != "[document]"]):
        style = computed(ancestor, winners.get(id(ancestor), {}), style)[1]
    found = _Found()
    stack: list[tuple[Any, Style]] = [(root, style)]
    while stack:
        node, parent = stack.pop()
        if isinstance(node, NavigableString):
            if node.strip():
                why = _why_text_hidden(parent)
                if why:
                    found.add(why, " ".join(node.split()))
                    node.extract()
                else:
                    found.open = False
            continue
        decls, style = computed(node, winners.get(id(node), {}), parent)
        why = _why_hidden(node, decls, style) if node is not root else ""
        if why:
            found.add(why, " ".join(node.get_text(" ").split()))
            node.decompose()
            continue
        stack += [(child, style) for child in reversed(list(node.children)) if isinstance(child, (Tag, str))]
    return comments + found.items


def _inline_text(element: Any) -> str:
    """Text as a browser shows it: inline tags (links, emphasis) add no spaces; whitespace runs are one."""
    return " ".join(element.get_text().split())


def parse_html(data: bytes) -> Parsed:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "html.parser")
    title = clean(soup.title.get_text(" ")) if soup.title else ""
    winners, initial = cascade(soup)
    for tag in soup.find_all(_HTML_DROP):
        tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    hidden = _drop_hidden(root, winners, initial)
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
