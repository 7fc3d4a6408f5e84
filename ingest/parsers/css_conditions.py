"""`@media` and `@supports` conditions, judged for a desktop browser: a 1280×720 screen with a light colour
scheme, a mouse and no reduced motion. `all`, `screen`, `not print`, `(min-width: 600px)` apply; `print`,
`(max-width: 600px)`, `(prefers-color-scheme: dark)` and unknown features do not. `@supports` holds for
`(display: grid)`, not for `not (display: grid)`; where it cannot be told (an unknown property, `selector()`)
the answer is None, and the caller decides.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ingest.parsers.css_values import VIEWPORT, length_px

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
_COMPARISON = re.compile(r"(<=|>=|<|>|=)")
_OPENING = re.compile(r"[-\w]*\(")
_WORD = re.compile(r"[^\s()]+")


def _media_value(text: str) -> float | str | None:
    text = text.strip()
    ratio = re.fullmatch(r"([\d.]+)\s*/\s*([\d.]+)", text)
    if ratio:
        return float(ratio[1]) / float(ratio[2]) if float(ratio[2]) else None
    resolution = re.fullmatch(r"([\d.]+)(dppx|x|dpi|dpcm)", text)
    if resolution:
        return float(resolution[1]) * {"dppx": 1.0, "x": 1.0, "dpi": 1 / 96, "dpcm": 2.54 / 96}[resolution[2]]
    if re.fullmatch(r"-?[\d.]+", text):
        return float(text)
    length = length_px(text)
    return length if length is not None else text


def _compare(left: float | str | None, op: str, right: float | str | None) -> bool:
    if isinstance(left, str) or isinstance(right, str) or left is None or right is None:
        return op == "=" and left == right and left is not None
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right,
            "=": abs(left - right) < 1e-9}[op]  # fmt: skip


def _feature(text: str) -> bool | None:
    """One media feature, in parentheses or not: `(min-width: 600px)`, `(hover)`, `(width >= 600px)`."""
    text = text.strip().removeprefix("(").removesuffix(")").strip()
    name, colon, value = text.partition(":")
    name = name.strip()
    if colon:
        parts = re.fullmatch(r"(-webkit-)?(min-|max-)?(.*)", name)
        vendor, prefix, base = (parts[1] or "", parts[2] or "", parts[3]) if parts else ("", "", name)
        have = _FEATURES.get(vendor + base)
        return _compare(have, {"min-": ">=", "max-": "<=", "": "="}[prefix], _media_value(value))
    if name in _FEATURES:
        return _FEATURES[name] not in (0.0, "none", "no-preference")
    ranged = [part.strip() for part in _COMPARISON.split(text)]
    if len(ranged) not in (3, 5):
        return False
    a, op1, b, op2, c = [*ranged, "", ""][:5]
    flip = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="}
    if op2:  # `400px < width < 800px`
        have = _FEATURES.get(b.strip())
        return _compare(have, flip[op1], _media_value(a)) and _compare(have, op2, _media_value(c))
    if a.strip() in _FEATURES:
        return _compare(_FEATURES[a.strip()], op1, _media_value(b))
    return _compare(_FEATURES.get(b.strip()), flip[op1], _media_value(a))


def _groups(text: str) -> list[str]:
    """`(a) and (b)`, `not (a)`, `selector(x) or (y)`: the parenthesised groups and the keywords."""
    groups: list[str] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        word = _OPENING.match(text, i)
        if word:
            depth, j = 0, i
            while j < len(text):
                depth += {"(": 1, ")": -1}.get(text[j], 0)
                j += 1
                if depth == 0:
                    break
            groups.append(text[i:j])
            i = j
        else:
            word = _WORD.match(text, i)
            groups.append(word[0] if word else text[i])
            i += len(groups[-1])
    return groups


def _condition(text: str, leaf: Callable[[str], bool | None]) -> bool | None:
    """A condition of `and`, `or`, `not` and parentheses; None where a part cannot be judged."""
    groups = _groups(text.strip())
    if not groups:
        return None
    if groups[0].lower() == "not":
        negated = _condition(" ".join(groups[1:]), leaf)
        return None if negated is None else not negated
    values: list[bool | None] = []
    joiner = ""
    for group in groups:
        if group.lower() in ("and", "or"):
            joiner = group.lower()
        elif group.startswith("("):
            inner = group[1:-1].strip()
            nested = inner.startswith(("(", "not ", "not(")) or any(
                g.lower() in ("and", "or") for g in _groups(inner)
            )
            values.append(_condition(inner, leaf) if nested else leaf(inner))
        else:
            values.append(leaf(group))
    if joiner == "or":
        return True if True in values else (None if None in values else False)
    return False if False in values else (None if None in values else True)


def media_applies(query: str) -> bool:
    """Whether a desktop browser's screen matches a media query list (`<style media>` or `@media`)."""
    query = query.strip().lower()
    if not query:
        return True
    for one in _commas(query):
        one = one.strip()
        typed = re.fullmatch(r"(?:(not|only)\s+)?([a-z-]+)(?:\s+and\s+(.*))?", one, re.S)
        if typed and typed[2] not in ("not", "only", "and", "or"):
            ok = typed[2] in ("all", "screen") and (not typed[3] or _condition(typed[3], _feature) is True)
            if ok != (typed[1] == "not"):
                return True
        elif one and _condition(one, _feature) is True:
            return True
    return False


def supports(condition: str, known: Callable[[str], bool]) -> bool | None:
    """An `@supports` condition for a browser that knows the properties; None where it cannot be told
    (`known(name)`: whether a property is one a browser surely knows)."""

    def leaf(text: str) -> bool | None:
        name, colon, value = text.partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if not colon:
            return None  # selector(), font-tech() ...
        if not value:
            return False
        if name in _KEYWORDS:
            return value in _KEYWORDS[name] or value in _GLOBAL
        return True if name.startswith("--") or known(name) else None

    return _condition(condition, leaf)


def _commas(text: str) -> list[str]:
    """A query list cut at its commas outside parentheses."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth <= 0:
            parts.append(text[start:i])
            start = i + 1
    return [*parts, text[start:]]
