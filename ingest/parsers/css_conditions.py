"""`@media` and `@supports` conditions, judged for a desktop browser: a 1280×720 screen with a light colour
scheme, a mouse and no reduced motion. `all`, `screen`, `not print`, `(min-width: 600px)` apply; `print`,
`(max-width: 600px)`, `(prefers-color-scheme: dark)` and unknown features do not. `@supports` holds for
`(display: grid)`, not for `not (display: grid)`; where it cannot be told (an unknown property, `selector()`)
the answer is None, and the caller decides. Conditions come as text or as tinycss2 tokens (an @-rule's
prelude); tinycss2 tokenises them, this module judges them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import tinycss2

from ingest.parsers.css_values import MAX_NESTING, VIEWPORT, Tokens, length_px, significant, split, text

_FEATURES: dict[str, float | str] = {
    "width": VIEWPORT[0], "height": VIEWPORT[1], "device-width": VIEWPORT[0], "device-height": VIEWPORT[1],
    "aspect-ratio": VIEWPORT[0] / VIEWPORT[1], "device-aspect-ratio": VIEWPORT[0] / VIEWPORT[1],
    "resolution": 1.0, "-webkit-device-pixel-ratio": 1.0, "color": 8.0, "color-index": 0.0,
    "monochrome": 0.0, "grid": 0.0, "orientation": "landscape", "hover": "hover", "any-hover": "hover",
    "pointer": "fine", "any-pointer": "fine", "prefers-color-scheme": "light", "scripting": "enabled",
    "prefers-reduced-motion": "no-preference", "prefers-contrast": "no-preference",
    "prefers-reduced-transparency": "no-preference", "prefers-reduced-data": "no-preference",
    "forced-colors": "none", "inverted-colors": "none", "update": "fast", "display-mode": "browser",
    "dynamic-range": "standard", "video-dynamic-range": "standard", "color-gamut": "srgb",
    "overflow-block": "scroll", "overflow-inline": "scroll",
}  # fmt: skip
_KEYWORDS = {
    "display": frozenset(("none", "block", "inline", "inline-block", "flex", "inline-flex", "grid",
                          "inline-grid", "contents", "flow-root", "list-item", "table", "inline-table",
                          "table-row", "table-cell", "table-caption", "ruby", "math", "block flex",
                          "inline flex", "block grid", "inline grid", "block flow", "inline flow")),
    "position": frozenset(("static", "relative", "absolute", "fixed", "sticky")),
    "visibility": frozenset(("visible", "hidden", "collapse")),
}  # fmt: skip
_GLOBAL = frozenset(("inherit", "initial", "unset", "revert", "revert-layer"))
_RESOLUTION = {"dppx": 1.0, "x": 1.0, "dpi": 1 / 96, "dpcm": 2.54 / 96}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="}


def _word(token: Any, *words: str) -> bool:
    return bool(token.type == "ident" and token.lower_value in words)


def _media_value(value: list[Any]) -> float | str | None:
    numbers = [t.value for t in value if t.type == "number"]
    if len(value) == 3 and len(numbers) == 2 and value[1] == "/":  # a ratio: `16/9`
        return numbers[0] / numbers[1] if numbers[1] else None
    if len(value) == 1 and value[0].type == "dimension" and value[0].lower_unit in _RESOLUTION:
        return float(value[0].value) * _RESOLUTION[value[0].lower_unit]
    if len(numbers) == len(value) == 1:
        return float(numbers[0])
    length = length_px(value)
    return length if length is not None else text(value).lower()


def _compare(left: float | str | None, op: str, right: float | str | None) -> bool:
    if isinstance(left, str) or isinstance(right, str) or left is None or right is None:
        return op == "=" and left == right and left is not None
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right,
            "=": abs(left - right) < 1e-9}[op]  # fmt: skip


def _feature(test: Tokens) -> bool | None:
    """One media feature: `min-width: 600px`, `hover`, `width >= 600px`, `400px < width < 800px`."""
    feature = significant(test)
    if len(feature) > 1 and feature[0].type == "ident" and feature[1] == ":":
        parts = re.fullmatch(r"(-webkit-)?(min-|max-)?(.*)", feature[0].lower_value)
        vendor, prefix, base = (parts[1] or "", parts[2] or "", parts[3]) if parts else ("", "", "")
        return _compare(_FEATURES.get(vendor + base), {"min-": ">=", "max-": "<=", "": "="}[prefix],
                        _media_value(feature[2:]))  # fmt: skip
    if len(feature) == 1 and feature[0].type == "ident" and feature[0].lower_value in _FEATURES:
        return _FEATURES[feature[0].lower_value] not in (0.0, "none", "no-preference")
    operands: list[list[Any]] = [[]]
    ops: list[str] = []
    for node in feature:
        if node in ("<", ">") or (node == "=" and not (ops and ops[-1] in "<>" and not operands[-1])):
            ops.append(node.value)
            operands.append([])
        elif node == "=":
            ops[-1] += "="
        else:
            operands[-1].append(node)
    names = [o[0].lower_value if len(o) == 1 and o[0].type == "ident" else "" for o in operands]
    if len(ops) == 2:  # `400px < width < 800px`
        have = _FEATURES.get(names[1])
        return _compare(have, _FLIP[ops[0]], _media_value(operands[0])) and _compare(
            have, ops[1], _media_value(operands[2])
        )
    if len(ops) != 1:
        return False
    if names[0] in _FEATURES:
        return _compare(_FEATURES[names[0]], ops[0], _media_value(operands[1]))
    return _compare(_FEATURES.get(names[1]), _FLIP[ops[0]], _media_value(operands[0]))


def _condition(groups: list[Any], leaf: Callable[[Tokens], bool | None], depth: int = 0) -> bool | None:
    """A condition of `and`, `or`, `not` and parentheses; None where a part cannot be judged."""
    if not groups or depth > MAX_NESTING:
        return None
    if _word(groups[0], "not"):
        negated = _condition(groups[1:], leaf, depth + 1)
        return None if negated is None else not negated
    values: list[bool | None] = []
    joiner = ""
    for group in groups:
        if _word(group, "and", "or"):
            joiner = group.lower_value
        elif group.type == "() block":
            inner = significant(group.content)
            nested = inner and (
                inner[0].type == "() block"
                or _word(inner[0], "not")
                or any(_word(t, "and", "or") for t in inner)
            )
            values.append(_condition(inner, leaf, depth + 1) if nested else leaf(group.content))
        else:
            values.append(leaf([group]))
    if joiner == "or":
        return True if True in values else (None if None in values else False)
    return False if False in values else (None if None in values else True)


def media_applies(query: str | Tokens) -> bool:
    """Whether a desktop browser's screen matches a media query list (`<style media>` or `@media`)."""
    if not significant(query):
        return True
    for one in split(query, ","):
        words = significant(one)
        typed = words[1:] if len(words) > 1 and _word(words[0], "not", "only") else words
        rest = typed[1:]
        if typed and typed[0].type == "ident" and not _word(typed[0], "not", "only", "and", "or") and (
            not rest or (len(rest) > 1 and _word(rest[0], "and"))
        ):  # fmt: skip
            ok = _word(typed[0], "all", "screen") and (not rest or _condition(rest[1:], _feature) is True)
            if ok != _word(words[0], "not"):
                return True
        elif words and _condition(words, _feature) is True:
            return True
    return False


def supports(condition: str | Tokens, known: Callable[[str], bool]) -> bool | None:
    """An `@supports` condition for a browser that knows the properties; None where it cannot be told
    (`known(name)`: whether a property is one a browser surely knows)."""

    def leaf(test: Tokens) -> bool | None:
        declaration = tinycss2.parse_one_declaration(test)
        if declaration.type != "declaration":
            return None  # selector(), font-tech() ...
        name, value = declaration.lower_name, " ".join(text(declaration.value).lower().split())
        if not value:
            return False
        if name in _KEYWORDS:
            return value in _KEYWORDS[name] or value in _GLOBAL
        return True if name.startswith("--") or known(name) else None

    return _condition(significant(condition), leaf)
