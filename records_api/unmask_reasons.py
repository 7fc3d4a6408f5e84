"""When an unmask reason is acceptable: a category from a closed list, plus a written reason that
names the record asking for it.

The category (`UnmaskCategory`) says why; the text must say which request, so that an auditor can
look it up. The text, once whitespace is collapsed, must

1. be `min_length` (setting, 20 by default) to 1000 characters long;
2. hold at least three different words that look like words: three or more letters, one of
   `a e i o u y` when the word is plain ASCII (other scripts are taken as they are), not one letter
   repeated, not a run along a keyboard row (`asdf`, `qwer`, `zxcv`);
3. name a reference: a ticket, call, complaint, order or case number, i.e. a token with at least three
   digits (`INC-20931`, `#48211`, `2025/117`) or a case reference (`MB-3MJ1-V7NB-PE6D-Y`).

So "ab cd ef gh ij kl mn op" (no word of three letters, no reference) and "need it need it need it"
are refused, and "Resident called (ticket INC-20931) to correct the address on file" passes. No
dictionary: it would tie the rule to one language, and three dictionary words are as easy to type.
No rule can prove a reason true; this one makes every unmask point at a record outside this
service, and the category makes unmasks countable by purpose.
"""

from __future__ import annotations

import re

from records_api.enums import UnmaskCategory
from records_api.references import parse_reference

MAX_REASON_LENGTH = 1000
MIN_WORDS = 3
MIN_REFERENCE_DIGITS = 3
KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_WORD = re.compile(r"[^\W\d_]{3,}")
_PUNCTUATION = "()[]{}<>,.;:!?\"'"


def _looks_like_a_word(word: str) -> bool:
    lower = word.lower()
    if len(set(lower)) == 1:
        return False
    if lower.isascii():
        if not set(lower) & set("aeiouy"):
            return False
        if any(lower in row or lower[::-1] in row for row in KEYBOARD_ROWS):
            return False
    return True


def _is_reference(token: str) -> bool:
    token = token.strip(_PUNCTUATION)
    if sum(ch.isdigit() for ch in token) >= MIN_REFERENCE_DIGITS:
        return True
    return parse_reference(token) is not None


def clean_reason(text: str, min_length: int) -> str | None:
    """The reason with whitespace collapsed, or None when it does not meet the rule above."""
    collapsed = " ".join(text.split())
    if not min_length <= len(collapsed) <= MAX_REASON_LENGTH:
        return None
    words = {w.lower() for w in _WORD.findall(collapsed) if _looks_like_a_word(w)}
    if len(words) < MIN_WORDS:
        return None
    if not any(_is_reference(token) for token in collapsed.split()):
        return None
    return collapsed


def audited_purpose(category: UnmaskCategory, reason: str) -> str:
    """What the audit row's `purpose` holds for an unmask: `<category>: <reason>`."""
    return f"{category.value}: {reason}"


def rule_text(min_length: int) -> str:
    return (
        f"Choose a category and write at least {min_length} characters with three words and the "
        "ticket, request or case number this serves (e.g. 'Resident called about ticket INC-20931 "
        "to correct the address on file')."
    )
