"""What a parser returns, and the checks every parsed text passes before it becomes a document."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ingest.errors import CorruptFileError, EmptyDocumentError
from ingest.parsers.structure import TextBuilder
from knowledge_base.records import Heading

# Control characters other than whitespace, C1 controls, the replacement character, private-use code
# points and lone surrogates: text made of bytes that only happen to decode (a binary file, UTF-16 read
# as 8-bit text) is full of them; real text in any language has almost none.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd\ue000-\uf8ff\ud800-\udfff]")
MAX_UNPRINTABLE_SHARE = 0.02


@dataclass(frozen=True, slots=True)
class HiddenText:
    """Text a reader of the file would not see; dropped from the document and reported to the checks."""

    how: str  # "display:none", "w:vanish", "invisible text (render mode 3)" ...
    text: str
    suspicious: bool = True  # False: routine (an HTML comment), reported only if a rule finds something


@dataclass(frozen=True, slots=True)
class Parsed:
    title: str
    text: str
    headings: tuple[Heading, ...]
    extra: dict[str, str] | None = None  # metadata carried by the format itself (JSONL fields)
    hidden: tuple[HiddenText, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "text": self.text,
            "headings": [[h.level, h.title, h.start, h.end] for h in self.headings],
            "extra": self.extra,
            "hidden": [[h.how, h.text, h.suspicious] for h in self.hidden],
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Parsed:
        return cls(
            title=str(raw["title"]),
            text=str(raw["text"]),
            headings=tuple(Heading(int(h[0]), str(h[1]), int(h[2]), int(h[3])) for h in raw["headings"]),
            extra={str(k): str(v) for k, v in raw["extra"].items()} if raw.get("extra") else None,
            hidden=tuple(HiddenText(str(h[0]), str(h[1]), bool(h[2])) for h in raw.get("hidden", [])),
        )


def check_readable(text: str) -> None:
    """CorruptFileError when the text is not something a person could read."""
    if not text:
        return
    bad = len(_UNPRINTABLE.findall(text))
    if bad > MAX_UNPRINTABLE_SHARE * len(text):
        raise CorruptFileError(
            f"not readable text: {bad / len(text):.0%} of its {len(text):,} characters are control or "
            "unprintable characters"
        )


def built(builder: TextBuilder, title: str, hidden: tuple[HiddenText, ...] = ()) -> Parsed:
    if not builder.text.strip():
        raise EmptyDocumentError("no text found in the document")
    check_readable(builder.text)
    if not title and builder.headings:
        title = builder.headings[0].title
    return Parsed(title=title, text=builder.text, headings=tuple(builder.headings), hidden=hidden)


def decode(data: bytes) -> str:
    """Text of a text file: UTF-8 (a BOM allowed), UTF-16 with a BOM, else Windows-1252; checked readable."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise CorruptFileError("text starts like UTF-16 but is not valid UTF-16") from exc
    else:
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise CorruptFileError("text is neither UTF-8 nor Windows-1252")
    if "\x00" in text:
        half = len(text) // 2
        nul = max(text[0::2].count("\x00"), text[1::2].count("\x00"))
        if half and nul > 0.8 * half:
            raise CorruptFileError("text in UTF-16 without a byte-order mark: save it as UTF-8")
        raise CorruptFileError("binary content in a text file")
    check_readable(text)
    return text
