"""A page's own stylesheets read into the rules a desktop browser applies, for the hidden-text checks
(`web.py` runs the cascade).

- Comments (also inside a declaration: `display:/**/none`), `<!--` `-->` around a stylesheet and escapes
  (`n\\6f ne`) are read as a browser reads them; an escaped `}` or `;` ends nothing.
- Rules inside @-rules count when a desktop browser applies them: `@media` and `@supports` as
  `css_conditions.py` judges them (an `@supports` condition that cannot be told counts as holding);
  `@layer`, `@container` and `@scope` always. `@property` gives custom properties their initial values;
  `@import`, `@keyframes`, `@font-face`, `@page` and `@starting-style` add no rules. Nested rules
  (`.a { .b { … } }`, `&`) are read, down to `MAX_DEPTH` blocks.
- Only the properties the checks read are kept (`RELEVANT`, custom properties), shorthands as their
  longhands (`margin`, `inset`, `background`, `font`, `overflow` …), logical properties as physical ones.
- A `Rule` carries its layer and order; `specificity` ranks selectors; `selector_keys` says what an element
  and its ancestors must have for a selector to match it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ingest.parsers.colours import colour
from ingest.parsers.css_conditions import media_applies, supports
from ingest.parsers.css_values import FONT_KEYWORDS

UNLAYERED = 1 << 30  # rank of rules outside @layer: they beat every layer
MAX_DEPTH = 100  # blocks nested deeper than this are not read (Python's stack would not take many more)
DEFERRED = "\0"  # a longhand set by a shorthand holding var(): "\0shorthand\0value"
RELEVANT = frozenset(
    ("display", "visibility", "content-visibility", "font-size", "opacity", "filter", "zoom", "position",
     "left", "top", "right", "bottom", "text-indent", "margin-left", "margin-top", "height", "max-height",
     "width", "max-width", "overflow-x", "overflow-y", "color", "-webkit-text-fill-color", "background-color",
     "background-image", "background-clip", "transform", "scale", "translate", "text-shadow",
     "-webkit-text-stroke-width", "-webkit-text-stroke-color")
)  # fmt: skip
_SHORTHANDS: dict[str, tuple[str, ...]] = {
    "background": ("background-color", "background-image", "background-clip"),
    "margin": ("margin-top", "margin-left"), "margin-block": ("margin-top",),
    "margin-inline": ("margin-left",), "inset": ("top", "right", "bottom", "left"),
    "inset-block": ("top", "bottom"), "inset-inline": ("left", "right"),
    "overflow": ("overflow-x", "overflow-y"), "font": ("font-size",),
    "-webkit-text-stroke": ("-webkit-text-stroke-width", "-webkit-text-stroke-color"),
}  # fmt: skip
_ALIASES = {
    "margin-inline-start": "margin-left", "margin-block-start": "margin-top", "inset-inline-start": "left",
    "inset-inline-end": "right", "inset-block-start": "top", "inset-block-end": "bottom",
    "block-size": "height", "max-block-size": "max-height", "inline-size": "width",
    "max-inline-size": "max-width", "-webkit-background-clip": "background-clip", "-webkit-filter": "filter",
    "-webkit-transform": "transform", "-ms-transform": "transform", "overflow-block": "overflow-y",
    "overflow-inline": "overflow-x",
}  # fmt: skip
_COMMENT = re.compile(r"""("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')|/\*.*?(?:\*/|\Z)""", re.S)
_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})[ \t\n\r\f]?|(\n)|(.))", re.S)
_IMPORTANT = re.compile(r"!\s*important\s*$")
_NAME = re.compile(r"--[^\s:;]*|-?[a-z][a-z0-9-]*")


@dataclass(frozen=True, slots=True)
class Declaration:
    name: str
    value: str
    important: bool = False


@dataclass(frozen=True, slots=True)
class Rule:
    selector: str  # one complex selector: a list (`a, b`) becomes a rule each
    declarations: tuple[Declaration, ...]
    layer: int  # rank among the page's @layers; UNLAYERED outside them
    order: int


@dataclass
class Sheet:
    """The rules of a page's stylesheets that a desktop browser applies, in source order."""

    rules: list[Rule] = field(default_factory=list)
    initial: dict[str, str] = field(default_factory=dict)  # custom properties' `@property` initial values
    layers: dict[str, int] = field(default_factory=dict)
    _depth: int = field(default=0, repr=False)

    def read(self, css: str) -> None:
        css = _COMMENT.sub(lambda m: m[1] or "", css).replace("<!--", " ").replace("-->", " ")
        self._read(_items(css), None, "")

    def _layer(self, name: str) -> int:
        return self.layers.setdefault(name, len(self.layers)) if name else UNLAYERED

    def _read(self, items: list[tuple[str, str | None]], parents: list[str] | None, layer: str) -> None:
        if self._depth >= MAX_DEPTH:
            return
        self._depth += 1
        try:
            self._read_items(items, parents, layer)
        finally:
            self._depth -= 1

    def _read_items(self, items: list[tuple[str, str | None]], parents: list[str] | None, layer: str) -> None:
        pending: list[Declaration] = []

        def flush() -> None:
            for selector in (parents or []) if pending else []:
                self.rules.append(Rule(selector, tuple(pending), self._layer(layer), len(self.rules)))
            pending.clear()

        for prelude, block in items:
            if block is None:
                if prelude.lower().startswith("@layer"):  # `@layer a, b;` fixes the layers' order
                    for name in split(prelude[6:], ","):
                        self._layer(f"{layer}.{name.strip()}" if layer else name.strip())
                elif parents is not None and not prelude.startswith("@"):
                    pending.extend(declaration(prelude))
                continue
            flush()
            if prelude.startswith("@"):
                self._at_rule(prelude, block, parents, layer)
            else:
                selectors = [s.strip() for s in split(prelude, ",") if s.strip()]
                self._read(
                    _items(block), [nest(s, parents) for s in selectors] if parents else selectors, layer
                )
        flush()

    def _at_rule(self, prelude: str, block: str, parents: list[str] | None, layer: str) -> None:
        match = re.match(r"@([-\w]+)\s*(.*)", prelude, re.S)
        name, condition = (match[1].lower(), match[2].strip()) if match else ("", "")
        if (
            name == "container"
            or (name == "media" and media_applies(condition))
            or (name == "supports" and supports(condition, _known) is not False)
        ):
            self._read(_items(block), parents, layer)
        elif name == "layer":
            own = condition or f"\0anonymous{len(self.layers)}"
            self._layer(own := f"{layer}.{own}" if layer else own)
            self._read(_items(block), parents, own)
        elif name == "scope":
            root = re.match(r"\(([^()]*)\)", condition)
            roots = [root[1].strip()] if root else parents or [":root"]
            self._read(_items(block), [nest(r, parents) for r in roots] if root and parents else roots, layer)
        elif name == "property" and condition.startswith("--"):
            for part in split(_COMMENT.sub(lambda m: m[1] or "", block), ";"):
                descriptor, _, value = part.partition(":")
                if descriptor.strip().lower() == "initial-value":
                    self.initial[condition.lower()] = " ".join(unescape(value).lower().split())


def unescape(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        if match[1]:
            code = int(match[1], 16)
            return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
        return "" if match[2] else match[3]

    return _ESCAPE.sub(one, text)


def _scan(text: str, on: Callable[[int, str, int], int | None], start: int = 0) -> None:
    """Call `on(index, char, paren_depth)` for each character from `start` outside strings and escapes;
    `on` may return the index to go on from."""
    i, depth, quote = start, 0, ""
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if quote:
            quote = "" if char in (quote, "\n") else quote
        elif char in "\"'":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth = max(depth - 1, 0)
        else:
            jump = on(i, char, depth)
            if jump is not None:
                i = jump
                continue
        i += 1


def split(text: str, separator: str) -> list[str]:
    """`text` cut at each `separator` outside parentheses, brackets and strings."""
    cuts = [-1]
    _scan(text, lambda i, c, depth: cuts.append(i) if c == separator and depth == 0 else None)
    return [text[a + 1 : b] for a, b in zip(cuts, [*cuts[1:], len(text)], strict=True)]


def _closing(text: str, start: int) -> int:
    """The index of the `}` that closes the `{` at `start` (the end of the text when none does)."""
    depth, end = 0, [len(text)]

    def on(i: int, char: str, _: int) -> int | None:
        nonlocal depth
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0 and char == "}":
            end[0] = i
            return len(text)
        return None

    _scan(text, on, start)
    return end[0]


def _items(body: str) -> list[tuple[str, str | None]]:
    """A block's contents: `(prelude, block)` for each rule or @-rule with a block, `(text, None)` for each
    declaration or statement."""
    items: list[tuple[str, str | None]] = []
    start = [0]

    def on(i: int, char: str, depth: int) -> int | None:
        if depth or char not in ";{}":
            return None
        text = body[start[0] : i].strip()
        if char == "{":
            end = _closing(body, i)
            items.append((text, body[i + 1 : end]))
            start[0] = end + 1
            return end + 1
        if char == ";" and text:
            items.append((text, None))
        start[0] = i + 1
        return None

    _scan(body, on)
    if body[start[0] :].strip():
        items.append((body[start[0] :].strip(), None))
    return items


def nest(selector: str, parents: list[str] | None) -> str:
    """A nested rule's selector written out: `&` (or `:scope`) is the parent, else it is a descendant."""
    if not parents:
        return selector
    parent = f":is({', '.join(parents)})"
    selector = selector.replace(":scope", "&")
    return selector.replace("&", parent) if "&" in selector else f"{parent} {selector}"


def expand(name: str, value: str) -> dict[str, str]:
    """The longhands this module reads that the shorthand `name: value` sets."""
    words = [w for w in split(value, " ") if w]
    if name == "background":
        last = split(value, ",")[-1]
        colours = [w for w in split(last, " ") if _looks_like_colour(w)]
        image = any(f in value for f in ("url(", "gradient(", "image(", "image-set(", "element("))
        clip = "text" if "text" in split(last, " ") else "border-box"
        return {"background-color": colours[-1] if colours else "transparent",
                "background-image": value if image else "none", "background-clip": clip}  # fmt: skip
    if name in ("margin", "inset", "margin-block", "margin-inline", "inset-block", "inset-inline"):
        sides = words[:4] or ["0"]
        top, right = sides[0], sides[1] if len(sides) > 1 else sides[0]
        left = sides[3] if len(sides) == 4 else right
        if name in ("inset-block", "inset-inline"):
            return dict(zip(_SHORTHANDS[name], [top, right], strict=True))
        if name in ("margin-block", "margin-inline"):
            return {_SHORTHANDS[name][0]: top}
        return {"margin-top": top, "margin-left": left} if name == "margin" else dict(
            zip(("top", "right", "bottom", "left"), [top, right, sides[2] if len(sides) > 2 else top, left],
                strict=True))  # fmt: skip
    if name == "overflow":
        return {"overflow-x": words[0] if words else "", "overflow-y": words[-1] if words else ""}
    if name == "font":
        for word in words:
            size = word.split("/")[0]
            if size in FONT_KEYWORDS or size in ("smaller", "larger") or size == "0" or (
                re.match(r"[\d.]", size) and re.search(r"[a-z%]$", size)
            ):  # fmt: skip
                return {"font-size": size}
        return {}
    if name == "-webkit-text-stroke":
        width = next((w for w in words if re.match(r"[\d.]|thin|medium|thick", w)), "0")
        stroke = next((w for w in words if w != width), "currentcolor")
        return {"-webkit-text-stroke-width": width, "-webkit-text-stroke-color": stroke}
    return {}


def _looks_like_colour(word: str) -> bool:
    return word == "currentcolor" or colour(word) is not None


def declaration(text: str) -> list[Declaration]:
    """The declarations (longhands this module reads, custom properties) of one `name: value`."""
    name, sep, value = text.partition(":")
    name, value = unescape(name).strip().lower(), " ".join(unescape(value).lower().split())
    if not sep or not _NAME.fullmatch(name):
        return []
    important = bool(_IMPORTANT.search(value))
    value = _IMPORTANT.sub("", value).strip()
    name = _ALIASES.get(name, name)
    if name.startswith("--") or name in RELEVANT:
        return [Declaration(name, value, important)]
    if name in _SHORTHANDS:
        if "var(" in value:
            return [
                Declaration(n, f"{DEFERRED}{name}{DEFERRED}{value}", important) for n in _SHORTHANDS[name]
            ]
        return [Declaration(n, v, important) for n, v in expand(name, value).items()]
    return []


def declaration_list(css: str) -> list[Declaration]:
    """The declarations of an inline `style` or a rule's body."""
    css = _COMMENT.sub(lambda m: m[1] or "", css)
    return [d for part in split(css, ";") for d in declaration(part)]


def longhand(name: str, value: str) -> str | None:
    """The value of longhand `name` once `var()` is resolved: a deferred shorthand is expanded."""
    if not value.startswith(DEFERRED):
        return value
    _, shorthand, raw = value.split(DEFERRED, 2)
    return expand(shorthand, raw).get(name)


def _known(name: str) -> bool:
    return _ALIASES.get(name, name) in RELEVANT or name in _SHORTHANDS


# ---- selectors -------------------------------------------------------------------------------------------
_IDENT = re.compile(r"(?:[\w-]|\\.|[^\x00-\x7f])+", re.S)


def specificity(selector: str) -> tuple[int, int, int]:
    """(ids, classes/attributes/pseudo-classes, types) of one complex selector."""
    ids = classes = types = 0
    i = 0
    while i < len(selector):
        char = selector[i]
        ident = _IDENT.match(selector, i + 1)
        after = ident.end() if ident else i + 1
        if char == "#":
            ids += 1
        elif char == ".":
            classes += 1
        elif char == "[":
            classes += 1
            after = selector.find("]", i) + 1 or len(selector)
        elif char == ":" and selector.startswith("::", i):
            types += 1
            element = _IDENT.match(selector, i + 2)
            after = element.end() if element else i + 2
        elif char == ":":
            name = ident[0].lower() if ident else ""
            if after < len(selector) and selector[after] == "(":
                depth, end = 0, after
                while end < len(selector):
                    depth += {"(": 1, ")": -1}.get(selector[end], 0)
                    if depth == 0:
                        break
                    end += 1
                inner = selector[after + 1 : end]
                after = end + 1
                if name in ("is", "not", "has", "matches", "-webkit-any", "-moz-any", "where"):
                    i = after
                    if name != "where":
                        best = max((specificity(s.strip()) for s in split(inner, ",")), default=(0, 0, 0))
                        ids, classes, types = ids + best[0], classes + best[1], types + best[2]
                    continue
            if name in ("before", "after", "first-line", "first-letter"):
                types += 1
            else:
                classes += 1
        elif (name_at := _IDENT.match(selector, i)) and char not in " >+~,|*":
            types += 1
            after = name_at.end()
        else:
            after = i + 1
        i = after
    return ids, classes, types


Key = tuple[str, str]  # ("#", id), (".", class) or ("", tag), lower-cased


def _compound_key(compound: str) -> Key | None:
    if "|" in compound:  # a namespace
        return None
    for mark, pattern in (("#", r"#([\w-]+)"), (".", r"\.([\w-]+)"), ("", r"^([a-z][\w-]*)")):
        found = re.search(pattern, compound)
        if found:
            return mark, found[1]
    return None


def selector_keys(selector: str) -> tuple[Key | None, frozenset[Key]]:
    """What an element must have for one complex selector to match it: a key of its last compound selector
    (None when nothing narrows it), and keys that some ancestor of it must have (`.a > .b p`: `.a`, `.b`)."""
    if "\\" in selector:  # escapes: nothing is filed or required
        return None, frozenset()
    flat: list[str] = []  # the selector without what is inside parentheses and brackets
    _scan(selector.strip(), lambda i, char, depth: None if depth else flat.append(char))
    parts = re.split(r"\s*([>+~])\s*|\s+", "".join(flat))
    compounds, joins = parts[0::2], parts[1::2]  # joins[j] is between compounds[j] and compounds[j + 1]
    keys = [_compound_key(c.lower()) for c in compounds]
    ancestors = {keys[j] for j, join in enumerate(joins) if join not in ("+", "~")}
    return keys[-1], frozenset(k for k in ancestors if k is not None)
