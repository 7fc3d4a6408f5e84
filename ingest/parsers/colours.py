"""CSS colours as a browser reads them, as sRGB channels 0-255 and an alpha 0-1.

tinycss2's CSS Color 4 parser reads them: the named colours, `transparent`, `#rgb`, `#rgba`, `#rrggbb`,
`#rrggbbaa`, `rgb()`/`rgba()`, `hsl()`/`hsla()`, `hwb()`, `lab()`, `lch()`, `oklab()`, `oklch()` and
`color()`. This module converts them to sRGB, and adds the system colours of a light page and
`light-dark()` (the light one). Anything else (`color-mix()`, relative colours, `color(rec2020 …)`) is
unknown: None.
"""

from __future__ import annotations

from typing import Any

from tinycss2.color4 import parse_color

from ingest.parsers.css_values import Tokens, significant, split, text

Rgba = tuple[float, float, float, float]
_SYSTEM = {"canvas": 255.0, "canvastext": 0.0, "window": 255.0, "windowtext": 0.0, "field": 255.0,
           "fieldtext": 0.0}  # as a light page shows them  # fmt: skip
_AS_SRGB = ("srgb", "display-p3", "a98-rgb")  # wide-gamut spaces are read as sRGB: near enough to compare
_D50_TO_D65 = (  # Bradford chromatic adaptation, as CSS Color 4 converts
    (0.955473421488075, -0.02309845494876471, 0.06325924320057072),
    (-0.0283697093338637, 1.0099953980813041, 0.021041441191917323),
    (0.012314014864481998, -0.020507649298898964, 1.330365926242124),
)
_XYZ_TO_LINEAR_SRGB = (
    (3.2409699419045226, -1.537383177570094, -0.4986107602930034),
    (-0.9692436362808796, 1.8759675015077202, 0.04155505740717559),
    (0.05563007969699366, -0.20397695888897652, 1.0569715142428786),
)


def _gamma(linear: float) -> float:
    linear = min(max(linear, 0.0), 1.0)
    return 12.92 * linear if linear <= 0.0031308 else 1.055 * linear ** (1 / 2.4) - 0.055


def _times(matrix: tuple[tuple[float, float, float], ...], vector: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(sum(m * v for m, v in zip(row, vector, strict=True)) for row in matrix)


def _srgb(found: Any) -> tuple[float, ...] | None:
    """The sRGB channels (0-1) of a tinycss2 `Color`; None for a space not converted here."""
    space, coordinates = found.space, tuple(c or 0.0 for c in found.coordinates)
    if space == "hsl":  # saturation and lightness are clamped before converting, as browsers do
        hue, saturation, lightness = coordinates
        clamped = (hue, min(max(saturation, 0), 100), min(max(lightness, 0), 100))
        found = type(found)("hsl", clamped, found.alpha)
    if space in ("hsl", "hwb"):
        return tuple(found.to("srgb").coordinates)
    if space in _AS_SRGB:
        return coordinates
    if space == "srgb-linear":
        return tuple(map(_gamma, coordinates))
    if space in ("lab", "lch", "xyz-d50"):
        xyz = _times(_D50_TO_D65, tuple(found.to("xyz-d50").coordinates))
    elif space in ("oklab", "oklch", "xyz-d65"):
        xyz = tuple(found.to("xyz-d65").coordinates)
    else:
        return None
    return tuple(map(_gamma, _times(_XYZ_TO_LINEAR_SRGB, xyz)))


def _for_tinycss2(function: Any) -> str:
    """A colour function in the space syntax (no commas) rewritten as tinycss2 reads it: CSS Color 4 lets
    `rgb()` and `hsl()` mix numbers and percentages, and an alpha be `none` (0); tinycss2 takes neither."""
    name, arguments = function.lower_name, significant(function.arguments)
    first = {"rgb": 0, "rgba": 0, "hsl": 1, "hsla": 1}.get(name, 3)  # the channels that may be percentages
    slash = next((at for at, t in enumerate(arguments) if t == "/"), len(arguments))
    words = []
    for at, t in enumerate(arguments):
        if first <= at < min(slash, 3) and t.type == "percentage":
            words.append(repr(t.value * (2.55 if first == 0 else 1.0)))
        else:
            words.append("0" if at > slash and t.type == "ident" and t.lower_value == "none" else text([t]))
    return f"{name}({' '.join(words)})"


def colour(value: str | Tokens | None) -> Rgba | None:
    """The colour `value` names (CSS text or tinycss2 tokens), None when it is not one this module reads."""
    found = significant(value or ())
    if len(found) != 1:
        return None
    token = found[0]
    while token.type == "function" and token.lower_name == "light-dark":  # the light one
        light = significant(split(token.arguments, ",")[0])
        if len(light) != 1:
            return None
        token = light[0]
    if token.type == "ident" and token.lower_value in _SYSTEM:
        grey = _SYSTEM[token.lower_value]
        return grey, grey, grey, 1.0
    parsed = parse_color(token)
    if parsed is None and token.type == "function" and not any(t == "," for t in token.arguments):
        parsed = parse_color(_for_tinycss2(token))
    channels = None if parsed is None or isinstance(parsed, str) else _srgb(parsed)
    if channels is None:
        return None
    r, g, b = (min(max(c, 0.0), 1.0) * 255 for c in channels)
    return r, g, b, float(parsed.alpha)


def over(top: Rgba, below: Rgba) -> Rgba:
    """`top` painted over the opaque colour `below`."""
    alpha = top[3]
    r, g, b = (t * alpha + u * (1 - alpha) for t, u in zip(top[:3], below[:3], strict=True))
    return r, g, b, 1.0


def alike(first: Rgba, second: Rgba, tolerance: float = 16) -> bool:
    """Whether two opaque colours are too close to tell apart (every channel within `tolerance`)."""
    return max(abs(x - y) for x, y in zip(first[:3], second[:3], strict=True)) <= tolerance
