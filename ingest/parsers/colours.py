"""CSS colours as a browser reads them, as sRGB channels 0-255 and an alpha 0-1.

Read: the 148 named colours, `transparent`, the system colours of a light page, `#rgb`, `#rgba`,
`#rrggbb`, `#rrggbbaa`, `rgb()`/`rgba()` (numbers or percentages, comma or space syntax), `hsl()`/`hsla()`,
`hwb()`, `lab()`, `lch()`, `oklab()`, `oklch()`, `color(srgb …)` and `light-dark()` (the light one).
Anything else (`color-mix()`, relative colours) is unknown: None.
"""

from __future__ import annotations

import math
import re
from functools import cache

Rgba = tuple[float, float, float, float]

_NAMED = """
aliceblue:f0f8ff antiquewhite:faebd7 aqua:00ffff aquamarine:7fffd4 azure:f0ffff beige:f5f5dc
bisque:ffe4c4 black:000000 blanchedalmond:ffebcd blue:0000ff blueviolet:8a2be2 brown:a52a2a
burlywood:deb887 cadetblue:5f9ea0 chartreuse:7fff00 chocolate:d2691e coral:ff7f50 cornflowerblue:6495ed
cornsilk:fff8dc crimson:dc143c cyan:00ffff darkblue:00008b darkcyan:008b8b darkgoldenrod:b8860b
darkgray:a9a9a9 darkgreen:006400 darkgrey:a9a9a9 darkkhaki:bdb76b darkmagenta:8b008b
darkolivegreen:556b2f darkorange:ff8c00 darkorchid:9932cc darkred:8b0000 darksalmon:e9967a
darkseagreen:8fbc8f darkslateblue:483d8b darkslategray:2f4f4f darkslategrey:2f4f4f darkturquoise:00ced1
darkviolet:9400d3 deeppink:ff1493 deepskyblue:00bfff dimgray:696969 dimgrey:696969 dodgerblue:1e90ff
firebrick:b22222 floralwhite:fffaf0 forestgreen:228b22 fuchsia:ff00ff gainsboro:dcdcdc
ghostwhite:f8f8ff gold:ffd700 goldenrod:daa520 gray:808080 green:008000 greenyellow:adff2f grey:808080
honeydew:f0fff0 hotpink:ff69b4 indianred:cd5c5c indigo:4b0082 ivory:fffff0 khaki:f0e68c lavender:e6e6fa
lavenderblush:fff0f5 lawngreen:7cfc00 lemonchiffon:fffacd lightblue:add8e6 lightcoral:f08080
lightcyan:e0ffff lightgoldenrodyellow:fafad2 lightgray:d3d3d3 lightgreen:90ee90 lightgrey:d3d3d3
lightpink:ffb6c1 lightsalmon:ffa07a lightseagreen:20b2aa lightskyblue:87cefa lightslategray:778899
lightslategrey:778899 lightsteelblue:b0c4de lightyellow:ffffe0 lime:00ff00 limegreen:32cd32
linen:faf0e6 magenta:ff00ff maroon:800000 mediumaquamarine:66cdaa mediumblue:0000cd mediumorchid:ba55d3
mediumpurple:9370db mediumseagreen:3cb371 mediumslateblue:7b68ee mediumspringgreen:00fa9a
mediumturquoise:48d1cc mediumvioletred:c71585 midnightblue:191970 mintcream:f5fffa mistyrose:ffe4e1
moccasin:ffe4b5 navajowhite:ffdead navy:000080 oldlace:fdf5e6 olive:808000 olivedrab:6b8e23
orange:ffa500 orangered:ff4500 orchid:da70d6 palegoldenrod:eee8aa palegreen:98fb98 paleturquoise:afeeee
palevioletred:db7093 papayawhip:ffefd5 peachpuff:ffdab9 peru:cd853f pink:ffc0cb plum:dda0dd
powderblue:b0e0e6 purple:800080 rebeccapurple:663399 red:ff0000 rosybrown:bc8f8f royalblue:4169e1
saddlebrown:8b4513 salmon:fa8072 sandybrown:f4a460 seagreen:2e8b57 seashell:fff5ee sienna:a0522d
silver:c0c0c0 skyblue:87ceeb slateblue:6a5acd slategray:708090 slategrey:708090 snow:fffafa
springgreen:00ff7f steelblue:4682b4 tan:d2b48c teal:008080 thistle:d8bfd8 tomato:ff6347
turquoise:40e0d0 violet:ee82ee wheat:f5deb3 white:ffffff whitesmoke:f5f5f5 yellow:ffff00
yellowgreen:9acd32
canvas:ffffff canvastext:000000 window:ffffff windowtext:000000 field:ffffff fieldtext:000000
"""  # the system colours (last line) as a light page shows them
_FUNCTION = re.compile(r"^([a-z-]+)\((.*)\)$", re.S)
_ANGLE = {"deg": 1.0, "grad": 0.9, "rad": 180 / math.pi, "turn": 360.0, "": 1.0}


@cache
def _named() -> dict[str, Rgba]:
    pairs = (item.split(":") for item in _NAMED.split())
    return {name: (*_hex(digits), 1.0) for name, digits in pairs}


def _hex(digits: str) -> tuple[float, float, float]:
    return float(int(digits[0:2], 16)), float(int(digits[2:4], 16)), float(int(digits[4:6], 16))


def _arguments(text: str) -> tuple[list[str], str]:
    """The channels and the alpha ("" when none) of `a b c / alpha` or `a, b, c, alpha`."""
    channels, _, alpha = text.partition("/")
    parts = [p for p in re.split(r"[\s,]+", channels.strip()) if p]
    if not alpha and len(parts) == 4:
        alpha = parts.pop()
    return parts, alpha.strip()


def _number(text: str, percent: float = 1.0) -> float:
    """A channel: `none` is 0; a percentage is a share of `percent`."""
    if text == "none":
        return 0.0
    if text.endswith("%"):
        return float(text[:-1]) / 100 * percent
    return float(text)


def _hue(text: str) -> float:
    match = re.fullmatch(r"(-?[\d.]+(?:e-?\d+)?)(deg|grad|rad|turn|)", text)
    if text == "none" or not match:
        return 0.0
    return float(match[1]) * _ANGLE[match[2]] % 360


def _gamma(linear: float) -> float:
    linear = min(max(linear, 0.0), 1.0)
    return 12.92 * linear if linear <= 0.0031308 else 1.055 * linear ** (1 / 2.4) - 0.055


def _hsl(h: float, s: float, lightness: float) -> tuple[float, float, float]:
    s, lightness = min(max(s, 0.0), 1.0), min(max(lightness, 0.0), 1.0)

    def f(n: float) -> float:
        k = (n + h / 30) % 12
        return lightness - s * min(lightness, 1 - lightness) * max(-1.0, min(k - 3, 9 - k, 1.0))

    return f(0), f(8), f(4)


def _oklab(lightness: float, a: float, b: float) -> tuple[float, float, float]:
    lms = (
        (lightness + 0.3963377774 * a + 0.2158037573 * b) ** 3,
        (lightness - 0.1055613458 * a - 0.0638541728 * b) ** 3,
        (lightness - 0.0894841775 * a - 1.2914855480 * b) ** 3,
    )
    rows = (
        (4.0767416621, -3.3077115913, 0.2309699292),
        (-1.2684380046, 2.6097574011, -0.3413193965),
        (-0.0041960863, -0.7034186147, 1.7076147010),
    )
    r, g, bl = (sum(m * v for m, v in zip(row, lms, strict=True)) for row in rows)
    return _gamma(r), _gamma(g), _gamma(bl)


def _lab(lightness: float, a: float, b: float) -> tuple[float, float, float]:
    """CIE Lab (D50) to sRGB, as CSS Color 4 converts it (Bradford adaptation to D65)."""
    epsilon, kappa = 216 / 24389, 24389 / 27
    fy = (lightness + 16) / 116
    fx, fz = fy + a / 500, fy - b / 200
    x = fx**3 if fx**3 > epsilon else (116 * fx - 16) / kappa
    y = fy**3 if lightness > kappa * epsilon else lightness / kappa
    z = fz**3 if fz**3 > epsilon else (116 * fz - 16) / kappa
    xyz = (x * 0.96422, y, z * 0.82521)
    d65 = [
        sum(m * v for m, v in zip(row, xyz, strict=True))
        for row in (
            (0.955473421488075, -0.02309845494876471, 0.06325924320057072),
            (-0.0283697093338637, 1.0099953980813041, 0.021041441191917323),
            (0.012314014864481998, -0.020507649298898964, 1.330365926242124),
        )
    ]
    r, g, bl = (
        sum(m * v for m, v in zip(row, d65, strict=True))
        for row in (
            (3.2409699419045226, -1.537383177570094, -0.4986107602930034),
            (-0.9692436362808796, 1.8759675015077202, 0.04155505740717559),
            (0.05563007969699366, -0.20397695888897652, 1.0569715142428786),
        )
    )
    return _gamma(r), _gamma(g), _gamma(bl)


def _function(name: str, text: str) -> Rgba | None:
    if name == "light-dark":
        return colour(re.split(r",(?![^()]*\))", text)[0])
    space = ""
    if name == "color":
        space, _, text = text.partition(" ")
        if space not in ("srgb", "srgb-linear", "display-p3", "a98-rgb"):
            return None
    parts, alpha_text = _arguments(text)
    if len(parts) != 3:
        return None
    alpha = min(max(_number(alpha_text), 0.0), 1.0) if alpha_text else 1.0
    one, two, three = parts
    rgb: tuple[float, ...]
    if name in ("rgb", "rgba"):
        rgb = tuple(_number(p, 255) / 255 for p in parts)
    elif name in ("hsl", "hsla"):
        rgb = _hsl(_hue(one), _number(two.rstrip("%"), 100) / 100, _number(three.rstrip("%"), 100) / 100)
    elif name == "hwb":
        white, black = _number(two.rstrip("%"), 100) / 100, _number(three.rstrip("%"), 100) / 100
        if white + black >= 1:
            rgb = (white / (white + black),) * 3
        else:
            rgb = tuple(c * (1 - white - black) + white for c in _hsl(_hue(one), 1.0, 0.5))
    elif name in ("lab", "lch"):
        lightness = _number(one, 100)
        if name == "lab":
            rgb = _lab(lightness, _number(two, 125), _number(three, 125))
        else:
            chroma, hue = _number(two, 150), math.radians(_hue(three))
            rgb = _lab(lightness, chroma * math.cos(hue), chroma * math.sin(hue))
    elif name in ("oklab", "oklch"):
        lightness = _number(one, 1.0)
        if name == "oklab":
            rgb = _oklab(lightness, _number(two, 0.4), _number(three, 0.4))
        else:
            chroma, hue = _number(two, 0.4), math.radians(_hue(three))
            rgb = _oklab(lightness, chroma * math.cos(hue), chroma * math.sin(hue))
    elif name == "color":
        values = [_number(p, 1.0) for p in parts]
        rgb = tuple(_gamma(v) for v in values) if space == "srgb-linear" else tuple(values)
    else:
        return None
    r, g, b = (min(max(c, 0.0), 1.0) * 255 for c in rgb)
    return r, g, b, alpha


def colour(value: str | None) -> Rgba | None:
    """The colour `value` names, None when it is not one this module reads."""
    if not value:
        return None
    value = value.strip().lower()
    if value == "transparent":
        return 0.0, 0.0, 0.0, 0.0
    if value in _named():
        return _named()[value]
    if value.startswith("#"):
        digits = value[1:]
        if len(digits) in (3, 4):
            digits = "".join(c * 2 for c in digits)
        if len(digits) not in (6, 8) or not re.fullmatch(r"[0-9a-f]+", digits):
            return None
        alpha = int(digits[6:8], 16) / 255 if len(digits) == 8 else 1.0
        return (*_hex(digits), alpha)
    match = _FUNCTION.match(value)
    if not match:
        return None
    try:
        return _function(match[1], match[2].strip())
    except (ValueError, ArithmeticError):
        return None


def over(top: Rgba, below: Rgba) -> Rgba:
    """`top` painted over the opaque colour `below`."""
    alpha = top[3]
    r, g, b = (t * alpha + u * (1 - alpha) for t, u in zip(top[:3], below[:3], strict=True))
    return r, g, b, 1.0


def alike(first: Rgba, second: Rgba, tolerance: float = 16) -> bool:
    """Whether two opaque colours are too close to tell apart (every channel within `tolerance`)."""
    return max(abs(x - y) for x, y in zip(first[:3], second[:3], strict=True)) <= tolerance
