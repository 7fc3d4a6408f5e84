"""CSS values as a desktop browser computes them, for the hidden-text checks: lengths in px (with `calc()`,
`min()`, `max()`, `clamp()`, font- and viewport-relative units), factors, font sizes, and `var()` with the
custom properties an element has (its own over those it inherits; a cycle or a missing variable without a
fallback makes the declaration invalid, so the property is as if not set).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

VIEWPORT = (1280.0, 720.0)  # a desktop browser window, in CSS px
FONT_PX = 16.0  # the browser's default font size
MAX_VALUE = 10_000  # longest value `var()` may expand to (a longer one is invalid, as in browsers)
FONT_KEYWORDS = {"xx-small": 9.0, "x-small": 10.0, "small": 13.0, "medium": 16.0, "large": 18.0,
                 "x-large": 24.0, "xx-large": 32.0, "xxx-large": 48.0, "initial": 16.0}  # fmt: skip
_UNITS = {"px": 1.0, "pt": 96 / 72, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4, "q": 96 / 101.6}
_NUMBER = re.compile(r"\s*(?:(\d*\.?\d+(?:e[+-]?\d+)?)(%|[a-z]+)?|([a-z-]+)\(|([-+*/(),]))")


def _unit_px(number: float, unit: str, font_px: float, root_px: float, percent_of: float | None) -> float:
    if unit in ("", "px"):
        return number
    if unit in _UNITS:
        return number * _UNITS[unit]
    relative = {"em": font_px, "rem": root_px, "ex": font_px / 2, "ch": font_px / 2, "cap": font_px * 0.7,
                "ic": font_px, "lh": font_px * 1.2, "rlh": root_px * 1.2}  # fmt: skip
    if unit in relative:
        return number * relative[unit]
    viewport = re.fullmatch(r"[sld]?v(w|h|i|b|min|max)", unit)
    if viewport:
        side = {"w": VIEWPORT[0], "i": VIEWPORT[0], "h": VIEWPORT[1], "b": VIEWPORT[1],
                "min": min(VIEWPORT), "max": max(VIEWPORT)}[viewport[1]]  # fmt: skip
        return number * side / 100
    if unit == "%" and percent_of is not None:
        return number * percent_of / 100
    raise ValueError(unit)


class _Calc:
    """`calc()`, `min()`, `max()`, `clamp()` over lengths and numbers, in px."""

    def __init__(self, text: str, unit: Callable[[float, str], float]) -> None:
        self.tokens: list[tuple[str, str]] = []
        self.unit, self.at = unit, 0
        position = 0
        while position < len(text):
            match = _NUMBER.match(text, position)
            if not match or match.end() == position:
                if text[position:].strip():
                    raise ValueError(text[position:])
                break
            kind = "number" if match[1] else "function" if match[3] else "op"
            self.tokens.append((kind, f"{match[1]} {match[2] or ''}" if match[1] else match[3] or match[4]))
            position = match.end()

    def _next(self) -> tuple[str, str]:
        if self.at >= len(self.tokens):
            raise ValueError("end")
        self.at += 1
        return self.tokens[self.at - 1]

    def _peek(self) -> str:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else ""

    def expression(self) -> float:
        value = self._term()
        while self._peek() in ("+", "-"):
            value = value + self._term() if self._next()[1] == "+" else value - self._term()
        return value

    def _term(self) -> float:
        value = self._factor()
        while self._peek() in ("*", "/"):
            value = value * self._factor() if self._next()[1] == "*" else value / self._factor()
        return value

    def _factor(self) -> float:
        kind, text = self._next()
        if text in ("-", "+"):
            return -self._factor() if text == "-" else self._factor()
        if kind == "number":
            number, unit = text.split(" ")
            return self.unit(float(number), unit)
        if text == "(" or kind == "function":
            values = [self.expression()]
            while self._peek() == ",":
                self._next()
                values.append(self.expression())
            if self._next()[1] != ")":
                raise ValueError(text)
            if text == "min":
                return min(values)
            if text == "max":
                return max(values)
            if text == "clamp" and len(values) == 3:
                return max(values[0], min(values[1], values[2]))
            if len(values) == 1 and text in ("(", "calc"):
                return values[0]
        raise ValueError(text)


def length_px(value: str, font_px: float = FONT_PX, root_px: float = FONT_PX, percent_of: float | None = None) -> float | None:  # fmt: skip  # noqa: E501
    """A length in CSS px (a number without a unit counts as px, as old pages are read); None when it is
    not one (`auto`, a percentage without `percent_of`)."""
    try:
        calc = _Calc(value.strip(), lambda n, u: _unit_px(n, u, font_px, root_px, percent_of))
        result = calc.expression()
        return result if calc.at == len(calc.tokens) else None
    except (ValueError, ArithmeticError, IndexError):
        return None


def factor(value: str) -> float | None:
    """A number or a percentage (`0.5`, `50%`, `calc(1 / 2)`) as a number."""
    return length_px(value, percent_of=1.0) if not re.search(r"\d[a-z]", value) else None


def font_size_px(value: str, parent_px: float, root_px: float) -> float | None:
    if value in FONT_KEYWORDS:
        return FONT_KEYWORDS[value]
    if value in ("smaller", "larger"):
        return parent_px / 1.2 if value == "smaller" else parent_px * 1.2
    size = length_px(value, parent_px, root_px, percent_of=parent_px)
    return size if size is not None and size >= 0 else None


def substitute(value: str, lookup: Callable[[str], str | None], depth: int = 0) -> str | None:
    """`value` with each `var(--name, fallback)` replaced; None when one has no value (the declaration is
    then invalid: the property is as if not set)."""
    start = value.find("var(")
    if start < 0:
        return value
    if depth > 32:
        return None
    parts, at = [], 0
    while start >= 0:
        depth_, end = 0, start + 3
        while end < len(value):
            depth_ += {"(": 1, ")": -1}.get(value[end], 0)
            if depth_ == 0:
                break
            end += 1
        name, comma, fallback = value[start + 4 : end].partition(",")
        found = lookup(name.strip())
        if found is None:
            found = substitute(fallback.strip(), lookup, depth + 1) if comma else None
        if found is None:
            return None
        parts += [value[at:start], found]
        at = end + 1
        if sum(map(len, parts)) > MAX_VALUE:
            return None
        start = value.find("var(", at)
    return substitute("".join([*parts, value[at:]]), lookup, depth + 1)


def custom_properties(own: Mapping[str, str], inherited: Mapping[str, str]) -> dict[str, str]:
    """An element's custom properties: its own (their `var()` resolved) over those it inherits."""
    out = dict(inherited)
    done: set[str] = set()
    resolving: set[str] = set()

    def get(name: str) -> str | None:
        if name not in own or name in done:
            return out.get(name)
        if name in resolving:  # a cycle: every property in it is invalid
            return None
        resolving.add(name)
        raw = own[name]
        value = inherited.get(name) if raw == "inherit" else None if raw in ("initial", "") else (
            substitute(raw, get))  # fmt: skip
        resolving.discard(name)
        done.add(name)
        if value is None:
            out.pop(name, None)
        else:
            out[name] = value
        return value

    for name in own:
        get(name)
    return out
