"""CSS values as a desktop browser computes them, for the hidden-text checks: lengths in px (with `calc()`,
`min()`, `max()`, `clamp()`, font- and viewport-relative units), factors, font sizes, and `var()` with the
custom properties an element has (its own over those it inherits; a cycle or a missing variable without a
fallback makes the declaration invalid, so the property is as if not set).

tinycss2 tokenises every value (`tokens`); this module only does the maths on its tokens.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from functools import lru_cache
from typing import Any

import tinycss2

VIEWPORT = (1280.0, 720.0)  # a desktop browser window, in CSS px
FONT_PX = 16.0  # the browser's default font size
MAX_VALUE = 10_000  # longest value `var()` may expand to (a longer one is invalid, as in browsers)
MAX_NESTING = 32  # functions and brackets nested deeper than this in a value are not worked out
FONT_KEYWORDS = {"xx-small": 9.0, "x-small": 10.0, "small": 13.0, "medium": 16.0, "large": 18.0,
                 "x-large": 24.0, "xx-large": 32.0, "xxx-large": 48.0, "initial": 16.0}  # fmt: skip
_UNITS = {"px": 1.0, "pt": 96 / 72, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4, "q": 96 / 101.6}
_DIGIT = re.compile(r"[0-9]")
Tokens = Sequence[Any]  # tinycss2 component values (tinycss2 ships no type hints)


@lru_cache(maxsize=1024)
def _cached(value: str) -> tuple[Any, ...]:
    return tuple(tinycss2.parse_component_value_list(value, skip_comments=True))


def tokens(value: str | Tokens) -> Tokens:
    """`value` as tinycss2 component values, comments dropped (short values are parsed once)."""
    if not isinstance(value, str):
        return value
    if len(value) <= 200:
        return _cached(value)
    return tuple(tinycss2.parse_component_value_list(value, skip_comments=True))


def significant(value: str | Tokens) -> list[Any]:
    """The component values of `value` less whitespace."""
    return [token for token in tokens(value) if token.type not in ("whitespace", "comment")]


def text(value: Tokens) -> str:
    """Component values written out as CSS ("" for ones nested too deeply to write out)."""
    try:
        return str(tinycss2.serialize(value)).strip()
    except RecursionError:
        return ""


def split(value: str | Tokens, at: str = " ") -> list[list[Any]]:
    """The top-level component values of `value` cut at whitespace (`at=" "`), at commas (`","`, where an
    empty part is kept) or at both (`" ,"`)."""
    parts: list[list[Any]] = [[]]
    for node in tokens(value):
        if (" " in at and node.type == "whitespace") or ("," in at and node == ","):
            parts.append([])
        elif node.type not in ("whitespace", "comment") or parts[-1]:
            parts[-1].append(node)
    return parts if at == "," else [part for part in parts if part]


def functions(value: str | Tokens, names: Collection[str]) -> list[Any]:
    """The top-level functions of `value` with one of `names` (lower case)."""
    return [token for token in tokens(value) if token.type == "function" and token.lower_name in names]


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
    """`calc()`, `min()`, `max()`, `clamp()` over lengths and numbers, in px, from tinycss2 tokens."""

    def __init__(self, value: Tokens, unit: Callable[[float, str], float], depth: int = 0) -> None:
        if depth > MAX_NESTING:
            raise ValueError("nested too deeply")
        self.tokens = significant(value)
        self.unit, self.depth, self.at = unit, depth, 0

    def value(self) -> float:
        """The whole value worked out (ValueError when it is not a length or number)."""
        result = self._expression()
        if self.at != len(self.tokens):
            raise ValueError("more after the value")
        return result

    def _inner(self, value: Tokens) -> float:
        return _Calc(value, self.unit, self.depth + 1).value()

    def _next(self) -> Any:
        if self.at >= len(self.tokens):
            raise ValueError("end")
        self.at += 1
        return self.tokens[self.at - 1]

    def _peek(self) -> str:
        token = self.tokens[self.at] if self.at < len(self.tokens) else None
        return str(token.value) if token is not None and token.type == "literal" else ""

    def _expression(self) -> float:
        value = self._term()
        while self._peek() in ("+", "-"):
            value = value + self._term() if self._next() == "+" else value - self._term()
        return value

    def _term(self) -> float:
        value = self._factor()
        while self._peek() in ("*", "/"):
            value = value * self._factor() if self._next() == "*" else value / self._factor()
        return value

    def _factor(self) -> float:
        node = self._next()  # a sign is part of its number: `- 5px` and `-(5px)` are not values
        if node.type in ("number", "percentage", "dimension"):
            unit = node.lower_unit if node.type == "dimension" else "%" if node.type == "percentage" else ""
            return self.unit(float(node.value), unit)
        if node.type == "() block":
            return self._inner(node.content)
        if node.type == "function":
            values = [self._inner(argument) for argument in split(node.arguments, ",")]
            name = node.lower_name
            if name == "min":
                return min(values)
            if name == "max":
                return max(values)
            if name == "clamp" and len(values) == 3:
                return max(values[0], min(values[1], values[2]))
            if name == "calc" and len(values) == 1:
                return values[0]
        raise ValueError(node.type)


def length_px(value: str | Tokens, font_px: float = FONT_PX, root_px: float = FONT_PX, percent_of: float | None = None) -> float | None:  # fmt: skip  # noqa: E501
    """A length in CSS px (a number without a unit counts as px, as old pages are read); None when it is
    not one (`auto`, a percentage without `percent_of`)."""
    return _worked_out(value, lambda n, u: _unit_px(n, u, font_px, root_px, percent_of))


def _no_length(number: float, unit: str) -> float:
    if unit not in ("", "%"):
        raise ValueError(unit)
    return number / 100 if unit == "%" else number


def factor(value: str | Tokens) -> float | None:
    """A number or a percentage (`0.5`, `50%`, `calc(1 / 2)`) as a number."""
    return _worked_out(value, _no_length)


def _worked_out(value: str | Tokens, unit: Callable[[float, str], float]) -> float | None:
    if isinstance(value, str) and not _DIGIT.search(value):
        return None  # every number has a digit: `auto`, `none`
    try:
        return _Calc(tokens(value), unit).value()
    except (ValueError, ArithmeticError):
        return None


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
    if "var(" not in value:
        return value
    if depth > MAX_NESTING:
        return None
    out: list[str] = []
    size, again = 0, False

    def write(nodes: Tokens, nesting: int) -> bool:
        nonlocal size, again
        for node in nodes:
            if node.type == "function" and node.lower_name == "var":
                arguments = list(node.arguments)
                comma = next((i for i, t in enumerate(arguments) if t == ","), len(arguments))
                found = lookup(text(arguments[:comma]))
                if found is None and comma < len(arguments):
                    found = substitute(text(arguments[comma + 1 :]), lookup, depth + 1)
                size += len(found or "")
                if found is None or size > MAX_VALUE:
                    return False
                again = again or "var(" in found
                out.append(found)
            elif node.type == "function" or node.type.endswith("block"):
                function = node.type == "function"
                opening = f"{tinycss2.serialize_identifier(node.name)}(" if function else node.type[0]
                out.append(opening)
                if nesting >= MAX_NESTING or not write(
                    node.arguments if function else node.content, nesting + 1
                ):
                    return False
                out.append({"(": ")", "[": "]", "{": "}"}[opening[-1]])
            else:
                out.append(tinycss2.serialize([node]))
        return True

    if not write(tokens(value), 0):
        return None
    return substitute("".join(out), lookup, depth + 1) if again else "".join(out)


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
