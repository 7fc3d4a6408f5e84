"""The computed style of a page's elements, as far as the hidden-text checks of `web.py` need it.

`cascade` reads the page's own `<style>` elements (those for the screen: not `media="print"`) and inline
`style` attributes, and finds each element's winning declarations: `!important`, then inline style, then
`@layer`, then specificity, then order. `computed` resolves `var()` and works out what an element draws
with: its text colour and fill, the background behind its text (the nearest declared background, blended
where translucent; unknown over an image), a background drawn inside the text (`background-clip:text`),
an outline or shadow around the text, its font size in px, and the opacity and scale it has with its
ancestors'. Presentational attributes count: `<font color>`, `<body text>`, `bgcolor` on the body and tables.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ingest.parsers.colours import Rgba, colour, over
from ingest.parsers.css import Key, Rule, Sheet, declaration_list, longhand, selector_keys, specificity
from ingest.parsers.css_conditions import media_applies
from ingest.parsers.css_values import (
    FONT_PX,
    custom_properties,
    factor,
    font_size_px,
    functions,
    length_px,
    significant,
    split,
)

_BGCOLOR = ("body", "table", "thead", "tbody", "tfoot", "tr", "td", "th")  # where `bgcolor` paints
_INHERIT = ("inherit", "unset", "revert", "revert-layer")
_SCALES = ("scale", "scalex", "scaley", "scale3d", "matrix", "matrix3d")
WHITE: Rgba = (255.0, 255.0, 255.0, 1.0)
BLACK: Rgba = (0.0, 0.0, 0.0, 1.0)
TRANSPARENT: Rgba = (0.0, 0.0, 0.0, 0.0)
FAR_PX = 500.0  # a text shadow moved this far does not show the text's shape
Winners = dict[str, tuple[tuple[Any, ...], str]]  # property: (cascade rank, value)


@dataclass(frozen=True, slots=True)
class Style:
    """An element's computed style, as far as the checks need it (what its children inherit and more)."""

    custom: Mapping[str, str]
    colour: Rgba = BLACK
    fill: Rgba | None = None  # -webkit-text-fill-color; None: the colour
    background: Rgba | None = WHITE  # behind its text; None: an image, the text cannot be judged
    clipped: bool = False  # a background is drawn inside the text (`background-clip:text`) ...
    through: Rgba | None = None  # ... of this colour (None: an image)
    outline: Rgba | None = None  # the colour of a text shadow or stroke
    font_px: float = FONT_PX
    font_why: str = ""
    root_px: float = FONT_PX
    scale: float = 1.0
    opacity: float = 1.0
    visibility: str = ""  # "" when visible, else the declaration that hides it


def _keys(element: Any) -> list[Key]:
    own: list[Key] = [("", element.name.lower())]
    if element.get("id"):
        own.append(("#", str(element["id"]).lower()))
    return own + [(".", c.lower()) for c in element.get("class") or ()]


def _cascade(soup: Any, sheet: Sheet) -> dict[int, Winners]:
    """The winning declaration of each property, by element: `!important`, then inline style, then layer,
    then specificity, then order. Rules are filed by the id, class or tag their selector ends with and
    carry what an ancestor must have, so an element is matched only against rules that could match it."""
    compiled: dict[str, Any] = {}
    filed: dict[Key | None, list[tuple[Rule, Any, tuple[int, int, int], frozenset[Key]]]] = {}
    for rule in sheet.rules:
        if rule.selector not in compiled:
            compiled[rule.selector] = None
            with contextlib.suppress(Exception):  # a selector soupsieve cannot read (::before ...) is skipped
                compiled[rule.selector] = soup.css.compile(rule.selector)
        if compiled[rule.selector] is not None:
            last, above = selector_keys(rule.selector)
            filed.setdefault(last, []).append(
                (rule, compiled[rule.selector], specificity(rule.selector), above)
            )
    found: dict[int, Winners] = {}
    inherited: dict[int, frozenset[Key]] = {}  # the keys of each element's ancestors
    for element in soup.find_all(True) if filed else ():
        parent = element.parent
        above_it = inherited.get(id(parent), frozenset()).union(_keys(parent) if parent.name else ())
        keys = _keys(element)
        inherited[id(element)] = above_it
        for rule, matcher, spec, above in (entry for key in [None, *keys] for entry in filed.get(key, ())):
            matched = False
            if above <= above_it:
                with contextlib.suppress(Exception):
                    matched = matcher.match(element)
            if not matched:
                continue
            winners = found.setdefault(id(element), {})
            layer = rule.layer
            for item in rule.declarations:
                rank = (item.important, False, -layer if item.important else layer, spec, rule.order)
                if item.name not in winners or rank >= winners[item.name][0]:
                    winners[item.name] = (rank, item.value)
    for element in soup.find_all(style=True):
        winners = found.setdefault(id(element), {})
        for item in declaration_list(str(element.get("style", ""))):
            inline = (item.important, True)  # beats every rule of the same importance
            if item.name not in winners or inline >= winners[item.name][0][:2]:
                winners[item.name] = (inline, item.value)
    return found


def cascade(soup: Any) -> tuple[dict[int, Winners], dict[str, str]]:
    """Each element's winning declarations (by `id()`), and the initial values of custom properties."""
    sheet = Sheet()
    for style in soup.find_all("style"):
        kind = str(style.get("type") or "text/css").strip().lower()
        if kind == "text/css" and media_applies(str(style.get("media") or "")):
            sheet.read("".join(str(part) for part in style.contents))
    return _cascade(soup, sheet), sheet.initial


def _colour_value(value: str | None, current: Rgba, inherited: Rgba | None) -> Rgba | None:
    if value is None or value in _INHERIT:
        return inherited
    if value == "currentcolor":
        return current
    return colour(value) or inherited


def _background(element: Any, decls: dict[str, str], style: Style, behind: Rgba | None) -> Style:
    """`style` with the background its text is drawn on (and the one drawn inside its text)."""
    value = decls.get("background-color")
    if value is None and element.name in _BGCOLOR:
        value = str(element.get("bgcolor") or "").strip().lower() or None
    own: Rgba | None = TRANSPARENT  # None: an image or a colour not read here; the text cannot be judged
    if decls.get("background-image", "none") not in ("none", "initial", *_INHERIT):
        own = None
    elif value is not None and value not in ("initial", *_INHERIT):
        own = _colour_value(value, style.colour, None)
    if own == TRANSPARENT:
        return replace(style, background=behind)
    if "text" in decls.get("background-clip", "").split():
        return replace(style, background=behind, clipped=True, through=own)
    if own is None or own[3] >= 0.999:
        return replace(style, background=own, clipped=False)
    return replace(style, background=over(own, behind) if behind else None, clipped=False)


def _outline(shadow: str, current: Rgba) -> Rgba | None:
    """The colour of a `text-shadow` that shows the text's shape (None for `none` or one moved far off)."""
    first = split(split(shadow, ",")[0])
    offsets = [length_px(part) for part in first]
    if shadow in ("none", "initial") or any(o is not None and abs(o) >= FAR_PX for o in offsets):
        return None
    return next((c for c in map(colour, first) if c is not None), current)


def scale_axes(decls: Mapping[str, str]) -> list[tuple[str, float]]:
    """How much the element's `zoom`, `transform` and `scale` shrink it, as (declaration, factor) for each
    axis they scale (the smallest of two where they scale both alike)."""
    axes: list[tuple[str, float]] = []
    zoom = factor(decls.get("zoom", ""))
    if zoom is not None and zoom > 0:  # browsers read `zoom: 0` as `zoom: 1`
        axes.append((f"zoom:{decls['zoom']}", zoom))
    for function in functions(decls.get("transform", ""), _SCALES):
        name = function.lower_name
        values = [factor(a) for a in split(function.arguments, " ,")]
        numbers = [v for v in values if v is not None]
        if None in values or not numbers:
            continue
        why = f"transform:{decls['transform']}"
        if name in ("scale", "scale3d"):
            axes.append((why, min(abs(v) for v in numbers[:2])))
        elif name in ("scalex", "scaley"):
            axes.append((why, abs(numbers[0])))
        elif len(numbers) >= 6:  # matrix(a, b, c, d, e, f), matrix3d: the x-y part
            a, b, c, d = numbers[:4] if name == "matrix" else (numbers[0], numbers[1], numbers[4], numbers[5])
            axes.append((why, abs(a * d - b * c) ** 0.5))  # the square root of the area factor
    scale = [abs(f) for f in map(factor, split(decls.get("scale", ""))[:2]) if f is not None]
    if scale:
        axes.append((f"scale:{decls['scale']}", min(scale)))
    return axes


def opacities(decls: Mapping[str, str]) -> list[tuple[str, float]]:
    """The element's own opacity as (declaration, factor): `opacity` and `filter: opacity()`."""
    found: list[tuple[str, float]] = []
    value = factor(decls["opacity"]) if "opacity" in decls else None
    if value is not None:
        found.append((f"opacity:{decls['opacity']}", min(max(value, 0.0), 1.0)))
    filtered = 1.0
    for function in functions(decls.get("filter", ""), ("opacity",)):
        amount = factor(function.arguments) if significant(function.arguments) else 1.0
        filtered *= min(max(amount if amount is not None else 1.0, 0.0), 1.0)
    if filtered < 1.0:
        found.append((f"filter:{decls['filter']}", filtered))
    return found


def computed(element: Any, winners: Winners, parent: Style) -> tuple[dict[str, str], Style]:
    """The element's declarations with `var()` resolved, and its computed style."""
    if not winners and element.name not in ("font", "body", "html", *_BGCOLOR):
        return {}, parent  # nothing of its own: it draws as its parent does
    own_custom = {name: value for name, (_, value) in winners.items() if name.startswith("--")}
    custom = custom_properties(own_custom, parent.custom) if own_custom else parent.custom
    decls: dict[str, str] = {}
    for name, (_, raw) in winners.items():
        value = None if name.startswith("--") else longhand(name, raw, custom.get)
        if value is not None:
            decls[name] = value.strip()
    if element.name == "font" and "color" not in decls and element.get("color"):
        decls["color"] = str(element["color"]).strip().lower()
    if element.name == "body" and "color" not in decls and element.get("text"):
        decls["color"] = str(element["text"]).strip().lower()
    text_colour = decls.get("color")
    own_colour = (
        BLACK if text_colour == "initial" else _colour_value(text_colour, parent.colour, parent.colour)
    )
    style = replace(parent, custom=custom, colour=own_colour or parent.colour)
    fill = decls.get("-webkit-text-fill-color")
    if fill is not None and fill not in _INHERIT:
        style = replace(
            style, fill=None if fill in ("currentcolor", "initial") else colour(fill) or parent.fill
        )
    style = _background(element, decls, style, parent.background)
    shadow = decls.get("text-shadow")
    if shadow is not None and shadow not in _INHERIT:
        style = replace(style, outline=_outline(shadow, style.colour))
    stroke = length_px(decls.get("-webkit-text-stroke-width", "x"))
    if stroke is not None:
        stroke_colour = _colour_value(decls.get("-webkit-text-stroke-color"), style.colour, style.colour)
        style = replace(style, outline=stroke_colour if stroke > 0 else None)
    size = decls.get("font-size")
    px = font_size_px(size, parent.font_px, parent.root_px) if size and size not in _INHERIT else None
    if px is not None:
        style = replace(style, font_px=px, font_why=f"font-size:{size}")
    if element.name == "html":
        style = replace(style, root_px=style.font_px)
    visibility = decls.get("visibility")
    if visibility in ("hidden", "collapse"):
        style = replace(style, visibility=f"visibility:{visibility}")
    elif visibility in ("visible", "initial"):
        style = replace(style, visibility="")
    return decls, replace(
        style,
        scale=math.prod(f for _, f in scale_axes(decls)) * parent.scale,
        opacity=math.prod(f for _, f in opacities(decls)) * parent.opacity,
    )
