"""Fold look-alike characters to ASCII before detection, one character for one character.

Residents (and people probing the bot) write numbers with digits of other scripts ("٠٦ ٢٣ ٣٥ ٣٣ ٥٥"),
full-width forms ("４１１１…", "jane＠example.org"), no-break or thin spaces, en dashes and invisible
joiners between digits. The recognizers are written for ASCII, so `fold()` maps, per character:

| character | becomes | example |
|---|---|---|
| a decimal digit of any script (`unicodedata.decimal`) | that digit in ASCII | `٣` -> `3` |
| one whose compatibility form (NFKC) is one ASCII character | that character | `４` -> `4`, `＠` -> `@` |
| a space separator (Zs) or an invisible format character (Cf) | a space | no-break space, U+200B |
| a dash (Pd) or the minus sign | `-` | en dash, non-breaking hyphen |

Then look-alikes of other scripts (Unicode's confusables, TR39, through `confusable_homoglyphs`):
| a letter that looks like a digit, next to a digit | that digit | Cyrillic `З` in `5З6-22-8741` -> `3` |
| a letter of another script inside a Latin word | the Latin letter | Cyrillic `а` in `mаria` -> `a` |

(the second is `knowledge_base.lookalikes`, which the answering pipeline's normalisation also applies).
A word of one script alone ("Москва") and a look-alike of a digit away from digits ("З" in "Здравствуйте")
stay as written.

Everything else is kept. Each character maps to exactly one character, so the folded text has the
length of the original and every offset in it is an offset in the original: spans found in the folded
text mask the characters the resident typed. (Python strings index by code point, so this also holds
for characters outside the Basic Multilingual Plane.)

The table is filled lazily, one code point the first time it is seen; ASCII text is returned as is.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable

from knowledge_base.lookalikes import fold_lookalikes

_MINUS_SIGN = 0x2212


class _FoldingTable(dict[int, str]):
    """`str.translate` table that works out (with `fold`), and remembers, the folding of each code point
    it meets."""

    def __init__(self, fold: Callable[[str], str]) -> None:
        super().__init__()
        self._fold = fold

    def __missing__(self, code_point: int) -> str:
        folded = self._fold(chr(code_point))
        self[code_point] = folded
        return folded


def fold_char(char: str) -> str:
    """The one ASCII character `char` folds to, or `char` itself (see the module's table)."""
    if char.isascii():
        return char
    digit = unicodedata.decimal(char, None)
    if digit is not None:
        return str(digit)
    compatible = unicodedata.normalize("NFKC", char)
    if len(compatible) == 1 and compatible.isascii():
        return compatible
    category = unicodedata.category(char)
    if category in ("Zs", "Cf"):
        return " "
    if category == "Pd" or ord(char) == _MINUS_SIGN:
        return "-"
    return char


_TABLE = _FoldingTable(fold_char)


@functools.cache
def digit_lookalikes() -> dict[str, str]:
    """Letters of other scripts that look like a digit (Unicode's confusables of "0"-"9", and of "O"
    and "l" for 0 and 1): Cyrillic "З" -> "3", "б" -> "6", Cyrillic and Greek "О" -> "0"."""
    from confusable_homoglyphs import confusables

    table: dict[str, str] = {}
    for target, digit in (*((str(d), str(d)) for d in range(10)), ("O", "0"), ("o", "0"), ("l", "1")):
        for look_alike in confusables.confusables_data.get(target, []):
            char = look_alike["c"]
            if len(char) == 1 and not char.isascii() and char.isalpha():
                table.setdefault(char, digit)
    return table


_DIGIT_NEXT_TO = re.compile(r"(?<=\d)(?P<after>[^\x00-\x7f])|(?P<before>[^\x00-\x7f])(?=\d)")


def _digits_for_lookalikes(folded: str) -> str:
    """`folded` with each letter of another script that looks like a digit, next to a digit, as that
    digit ("5З6" -> "536"), until none is left next to one ("ЗЗ5")."""
    if _DIGIT_NEXT_TO.search(folded) is None:
        return folded
    table = digit_lookalikes()
    while True:
        changed = _DIGIT_NEXT_TO.sub(lambda match: table.get(match.group(), match.group()), folded)
        if changed == folded:
            return folded
        folded = changed


def fold(text: str) -> str:
    """`text` with look-alike characters folded to ASCII; always exactly as long as `text`."""
    if text.isascii():
        return text
    return fold_lookalikes(_digits_for_lookalikes(text.translate(_TABLE)))


def fold_letter(char: str) -> str:
    """A letter of any script as an ASCII letter of the same case: its base letter where it has one
    ("é" -> "e", "Ż" -> "Z"), else "A" or "a" ("Ł" -> "A", "ø" -> "a"); a letter of a script with no
    case, and a combining mark, as "a" ("王伟" -> "aa", "محمد" -> "aaaa": with no capital to say it is a
    name, such a word is read as a lower-case one); any other character as `fold_char` folds it."""
    if char.isascii():
        return char
    if char.isalpha():
        base = unicodedata.normalize("NFD", char)[0]
        if base.isascii() and base.isalpha():
            return base
        if char.isupper():
            return "A"
        return "a"  # lower case, or a script with no case (Chinese, Arabic): read as lower case
    if unicodedata.category(char) in ("Mn", "Mc") and not unicodedata.name(char, "").startswith("VARIATION"):
        return "a"  # a vowel sign or a mark inside a word ("राहुल", "مُحَمَّد")
    return fold_char(char)


_LETTERS = _FoldingTable(fold_letter)


def fold_letters(text: str) -> str:
    """`text` with every letter as an ASCII letter of its case, for the patterns that read names
    ("José Álvarez" -> "Jose Alvarez", "Søren" -> "Saren", "王伟" -> "aa"); always exactly as long as
    `text`."""
    if text.isascii():
        return text
    return text.translate(_LETTERS)
