"""Encodings a value is written in to slip past a filter, decoded before detection: percent-encoding
("maria.lopez%40gmail.com", "?phone=%2B12125550199"), HTML character references ("&#53;36-22-8741",
"&commat;"), JSON's "\\u0040", and a form's "+" for a space ("name=Maria+Lopez&phone=…").

Decoding shortens the text ("%40" is one "@"), so `decode()` keeps, for each character it writes, the
span of the original characters it came from: a span found in the decoded text is mapped back onto
what the resident typed (`Decoded.original`), and the whole encoded sequence is masked ("%40" goes
with the address it is part of). A text with nothing encoded in it is returned as it is, with no map.

Only what decodes to a character is decoded: "100%" and "50%OFF" hold no percent-encoding, "Q&A" no
character reference. A "+" is a space only inside form data (`key=value&key=value`, or after "?"),
and only between letters ("Maria+Lopez"; "+1 212…" stays a phone number's "+").
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_ENCODED = re.compile(
    r"(?P<percent>(?:%[0-9A-Fa-f]{2})+)"
    r"|(?P<entity>&(?:\#[0-9]{1,7};?|\#[xX][0-9A-Fa-f]{1,6};?|[A-Za-z][A-Za-z0-9]{1,31};))"
    r"|(?P<escape>\\u[0-9A-Fa-f]{4})"
)
# form data: key=value pairs joined by "&", or after a "?" ("…/form?name=Maria+Lopez")
_FORM_PAIR = r"[\w.\[\]%-]+=[^&\s#]*"
_FORM = re.compile(rf"(?:\?{_FORM_PAIR}|(?<![\w&=]){_FORM_PAIR}(?=&))(?:&{_FORM_PAIR})*")
_FORM_SPACE = re.compile(r"(?<=[A-Za-z%])\+(?=[A-Za-z%])")
_DECODABLE = re.compile(r"%[0-9A-Fa-f]{2}|&[#A-Za-z]|\\u[0-9A-Fa-f]{4}|[?=]")


@dataclass(frozen=True, slots=True)
class Decoded:
    """A text with its encodings decoded; `starts[i]`, `ends[i]`: the original characters that
    decoded character `i` came from (empty when nothing was decoded)."""

    text: str
    starts: tuple[int, ...] = ()
    ends: tuple[int, ...] = ()

    def original(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that the decoded characters `start`..`end` came from."""
        if not self.starts:
            return start, end
        return self.starts[start], self.ends[end - 1]


def _percent(encoded: str) -> list[str] | None:
    """The characters of a run of "%XX", one for each "%XX" where they are ASCII, or None when the
    bytes are no UTF-8 text."""
    data = bytes.fromhex(encoded.replace("%", ""))
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not decoded.isprintable() and not decoded.isspace():
        return None
    return list(decoded)


def _decoded_pieces(text: str) -> list[tuple[str, int, int]]:
    """(decoded characters, original start, original end) for each encoded sequence in `text`."""
    pieces: list[tuple[str, int, int]] = []
    for match in _ENCODED.finditer(text):
        start, end = match.span()
        if match.group("percent"):
            chars = _percent(match.group())
            if chars is None:
                continue
            if len(chars) * 3 == end - start:  # one character per "%XX"
                pieces += [
                    (char, start + 3 * index, start + 3 * index + 3) for index, char in enumerate(chars)
                ]
            else:
                pieces.append(("".join(chars), start, end))
        elif match.group("entity"):
            decoded = html.unescape(match.group())
            if decoded != match.group() and len(decoded) == 1 and decoded.isprintable():
                pieces.append((decoded, start, end))
        else:
            char = chr(int(match.group()[2:], 16))
            if char.isprintable():
                pieces.append((char, start, end))
    for form in _FORM.finditer(text):
        pieces += [(" ", plus.start(), plus.end()) for plus in _FORM_SPACE.finditer(text, *form.span())]
    return sorted(pieces, key=lambda piece: piece[1])


# "%2540" is "%40" encoded once more: decoded again, up to this many times in all
MAX_PASSES = 3


def decode(text: str) -> Decoded:
    """`text` with percent-encoding, HTML character references, JSON escapes and a form's "+" decoded
    (again where that leaves an encoding: "%2540"), and the map back to the original (see the module's
    note)."""
    decoded = Decoded(text)
    for _ in range(MAX_PASSES):
        again = _decode_once(decoded.text)
        if not again.starts:
            break
        if not decoded.starts:
            decoded = again
            continue
        decoded = Decoded(
            again.text,
            tuple(decoded.starts[start] for start in again.starts),
            tuple(decoded.ends[end - 1] for end in again.ends),
        )
    return decoded


def _decode_once(text: str) -> Decoded:
    if _DECODABLE.search(text) is None:
        return Decoded(text)
    pieces = _decoded_pieces(text)
    if not pieces:
        return Decoded(text)
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    for decoded, start, end in pieces:
        if start < position:
            continue  # inside a sequence already decoded
        chars += text[position:start]
        starts += range(position, start)
        ends += range(position + 1, start + 1)
        chars += decoded
        starts += [start] * len(decoded)
        ends += [end] * len(decoded)
        position = end
    chars += text[position:]
    starts += range(position, len(text))
    ends += range(position + 1, len(text) + 1)
    return Decoded("".join(chars), tuple(starts), tuple(ends))
