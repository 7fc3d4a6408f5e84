"""A page's own stylesheets read into the rules a desktop browser applies, for the hidden-text checks
(`web.py` runs the cascade).

- tinycss2 reads the CSS as a browser does: rules, @-rules, nested blocks, declarations and `!important`,
  comments (also inside a declaration: `display:/**/none`), `<!--` `-->` around a stylesheet and escapes
  (`n\\6f ne`; an escaped `}` or `;` ends nothing).
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

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import tinycss2

from ingest.parsers.colours import colour
from ingest.parsers.css_conditions import media_applies, supports
from ingest.parsers.css_values import (
    FONT_KEYWORDS,
    MAX_NESTING,
    Tokens,
    significant,
    split,
    substitute,
    text,
    tokens,
)

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
_IMAGES = ("url", "gradient", "image", "image-set", "element")  # functions that paint a background image
_PSEUDO_ELEMENTS = ("before", "after", "first-line", "first-letter")  # also written with one colon
_TAKE_BEST = ("is", "not", "has", "matches", "-webkit-any", "-moz-any")  # as specific as their best argument


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
        self._read_items(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True), None, "")

    def _layer(self, name: str) -> int:
        return self.layers.setdefault(name, len(self.layers)) if name else UNLAYERED

    def _read(self, block: Tokens, parents: list[str] | None, layer: str) -> None:
        """The contents of a `{}` block."""
        if self._depth >= MAX_DEPTH:
            return
        self._depth += 1
        try:
            items = tinycss2.parse_blocks_contents(block, skip_comments=True, skip_whitespace=True)
            self._read_items(items, parents, layer)
        finally:
            self._depth -= 1

    def _read_items(self, items: Iterable[Any], parents: list[str] | None, layer: str) -> None:
        pending: list[Declaration] = []

        def flush() -> None:
            for selector in (parents or []) if pending else []:
                self.rules.append(Rule(selector, tuple(pending), self._layer(layer), len(self.rules)))
            pending.clear()

        for item in items:
            if item.type == "declaration" and parents is not None:
                pending.extend(declaration(item))
            elif item.type == "at-rule" and item.content is None and item.lower_at_keyword == "layer":
                for name in map(text, split(item.prelude, ",")):  # `@layer a, b;` fixes the layers' order
                    self._layer(f"{layer}.{name}" if layer else name)
            elif item.type == "at-rule" and item.content is not None:
                flush()
                self._at_rule(item, parents, layer)
            elif item.type == "qualified-rule":
                flush()
                selectors = [s for s in map(text, split(item.prelude, ",")) if s]
                self._read(
                    item.content, [nest(s, parents) for s in selectors] if parents else selectors, layer
                )
        flush()

    def _at_rule(self, rule: Any, parents: list[str] | None, layer: str) -> None:
        name, condition = rule.lower_at_keyword, rule.prelude
        if (
            name == "container"
            or (name == "media" and media_applies(condition))
            or (name == "supports" and supports(condition, _known) is not False)
        ):
            self._read(rule.content, parents, layer)
        elif name == "layer":
            own = text(condition) or f"\0anonymous{len(self.layers)}"
            self._layer(own := f"{layer}.{own}" if layer else own)
            self._read(rule.content, parents, own)
        elif name == "scope":
            start = significant(condition)[:1]
            root = text(start[0].content) if start and start[0].type == "() block" else ""
            roots = [root] if root else parents or [":root"]
            self._read(rule.content, [nest(r, parents) for r in roots] if root and parents else roots, layer)
        elif name == "property" and text(condition).startswith("--"):
            for item in tinycss2.parse_blocks_contents(rule.content, skip_comments=True):
                if item.type == "declaration" and item.lower_name == "initial-value":
                    self.initial[text(condition).lower()] = _value(item.value)


def nest(selector: str, parents: list[str] | None) -> str:
    """A nested rule's selector written out: `&` (or `:scope`) is the parent, else it is a descendant."""
    if not parents:
        return selector
    parent = f":is({', '.join(parents)})"
    selector = selector.replace(":scope", "&")
    return selector.replace("&", parent) if "&" in selector else f"{parent} {selector}"


def _word(part: list[Any], *words: str) -> bool:
    """Whether `part` is one of the keywords `words`."""
    return len(part) == 1 and part[0].type == "ident" and part[0].lower_value in words


def _unsigned(token: Any) -> bool:
    """A number, percentage or dimension written without a sign."""
    return token.type in ("number", "percentage", "dimension") and token.representation[:1] not in ("-", "+")


def expand(name: str, value: str) -> dict[str, str]:
    """The longhands this module reads that the shorthand `name: value` sets."""
    parts = split(value)
    words = [text(part) for part in parts]
    if name == "background":
        last = split(split(value, ",")[-1])
        colours = [text(w) for w in last if _word(w, "currentcolor") or colour(w) is not None]
        image = any(
            t.type == "url" or (t.type == "function" and t.lower_name.endswith(_IMAGES))
            for t in tokens(value)
        )
        clip = "text" if any(_word(w, "text") for w in last) else "border-box"
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
    if name == "font":  # the size is the first word that is one (`12px/1.5` is a size and a line height)
        for part in parts:
            size = part[0]
            if _word([size], *FONT_KEYWORDS, "smaller", "larger") or (
                _unsigned(size) and (size.type != "number" or size.value == 0)
            ):  # fmt: skip
                return {"font-size": text([size])}
        return {}
    if name == "-webkit-text-stroke":
        width = next((text(p) for p in parts if _unsigned(p[0]) or _word(p, "thin", "medium", "thick")), "0")
        stroke = next((w for w in words if w != width), "currentcolor")
        return {"-webkit-text-stroke-width": width, "-webkit-text-stroke-color": stroke}
    return {}


def _value(value: Tokens) -> str:
    return " ".join(text(value).lower().split())


def declaration(item: Any) -> list[Declaration]:
    """The declarations (longhands this module reads, custom properties) of one tinycss2 declaration."""
    name = _ALIASES.get(item.lower_name, item.lower_name)
    value, important = _value(item.value), bool(item.important)
    if name.startswith("--") or name in RELEVANT:
        return [Declaration(name, value, important)]
    if name in _SHORTHANDS:
        if "var(" in value:
            return [
                Declaration(n, f"{DEFERRED}{name}{DEFERRED}{value}", important) for n in _SHORTHANDS[name]
            ]
        return [Declaration(n, v, important) for n, v in expand(name, value).items()]
    return []


def declaration_list(css: str) -> tuple[Declaration, ...]:
    """The declarations of an inline `style` (a short one is read once)."""
    return _declarations(css) if len(css) <= 200 else _declarations.__wrapped__(css)


@lru_cache(maxsize=1024)
def _declarations(css: str) -> tuple[Declaration, ...]:
    items = tinycss2.parse_blocks_contents(css, skip_comments=True, skip_whitespace=True)
    return tuple(d for item in items if item.type == "declaration" for d in declaration(item))


def longhand(name: str, value: str, lookup: Callable[[str], str | None]) -> str | None:
    """The value of longhand `name` with `var()` resolved by `lookup` (a shorthand holding `var()` is expanded
    then); None when the declaration is invalid."""
    if not value.startswith(DEFERRED):
        return substitute(value, lookup)
    _, shorthand, raw = value.split(DEFERRED, 2)
    resolved = substitute(raw, lookup)
    return None if resolved is None else expand(shorthand, resolved).get(name)


def _known(name: str) -> bool:
    return _ALIASES.get(name, name) in RELEVANT or name in _SHORTHANDS


# ---- selectors (tinycss2 tokens; soupsieve matches them) -----------------------------------------------
def specificity(selector: str | Tokens, depth: int = 0) -> tuple[int, int, int]:
    """(ids, classes/attributes/pseudo-classes, types) of one complex selector."""
    ids = classes = types = 0
    parts = [token for token in tokens(selector) if token.type != "comment"]
    for at, token in enumerate(parts):
        before = parts[at - 1] if at else None
        colons = 0 if before != ":" else 2 if at > 1 and parts[at - 2] == ":" else 1
        if token.type == "hash":
            ids += 1
        elif token.type == "[] block" or (token.type == "ident" and before == "."):
            classes += 1
        elif token.type in ("ident", "function") and colons:
            name = token.lower_value if token.type == "ident" else token.lower_name
            if colons == 2 or name in _PSEUDO_ELEMENTS:
                types += 1
            elif token.type == "function" and name in _TAKE_BEST and depth < MAX_NESTING:
                arguments = split(token.arguments, ",")
                best = max((specificity(a, depth + 1) for a in arguments), default=(0, 0, 0))
                ids, classes, types = ids + best[0], classes + best[1], types + best[2]
            elif name != "where":
                classes += 1
        elif token.type == "ident":
            types += 1
    return ids, classes, types


Key = tuple[str, str]  # ("#", id), (".", class) or ("", tag), lower-cased


def _compound_key(compound: list[Any]) -> Key | None:
    if any(node == "|" for node in compound):  # a namespace
        return None
    for node in compound:
        if node.type == "hash":
            return "#", str(node.value).lower()
    for before, node in itertools.pairwise(compound):
        if before == "." and node.type == "ident":
            return ".", str(node.value).lower()
    return ("", str(compound[0].value).lower()) if compound and compound[0].type == "ident" else None


def selector_keys(selector: str) -> tuple[Key | None, frozenset[Key]]:
    """What an element must have for one complex selector to match it: a key of its last compound selector
    (None when nothing narrows it), and keys that some ancestor of it must have (`.a > .b p`: `.a`, `.b`)."""
    compounds: list[list[Any]] = [[]]
    joins: list[str] = []  # joins[j] is between compounds[j] and compounds[j + 1]
    join = ""
    for token in tokens(selector):
        if token.type == "whitespace":
            join = join or " "
        elif token in (">", "+", "~"):
            join = token.value
        elif token.type != "comment":
            if join and compounds[-1]:
                joins.append(join)
                compounds.append([])
            join = ""
            compounds[-1].append(token)
    keys = [_compound_key(c) for c in compounds]
    ancestors = {keys[j] for j, join in enumerate(joins) if join not in ("+", "~")}
    return keys[-1], frozenset(k for k in ancestors if k is not None)
