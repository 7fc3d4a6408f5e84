"""Numbers their label names, however the parts are written: "ssn: 536|22|8741", "my ssn is
536\\n22\\n8741", "card (4111)(1111)(1111)(1111)", "my card is 4111 then 1111 then 1111 then 1111", "my card
is 4111 one one one one 1111 1111 1111", "my ssn is five three six two two eight seven four one",
"passport number five three three three eight zero zero zero six".

The shape recognizers know a number by its groups and the separators between them; a resident who
wants a number past a filter puts anything between the groups (a newline, "|", "*", "~", a comma, a
bracket, a word like "then") or reads the digits out. After a label, the number is read as its parts
(`number_words.digit_parts`: digit groups and digits as words, anything that is no letter or digit
between them), and the label says how many digits make it and what checks them:

- a card ("card", "credit card", "visa", …): the longest run of parts whose digits a card scheme
  issues and that pass Luhn (`bot.privacy.card_numbers`), and the parts after it that continue its
  grouping;
- an SSN, a SIN, an ITIN (their labels in `labelled.ID_LABELS`): the first nine digits;
- a passport and any other identifier in `ID_LABELS`, read out with at least one digit as a word: all
  the parts, six to 20 digits (written in digits alone, `labelled` reads them by their shape).

And parts of an SSN named as such, in the sentence of an SSN's label: "the last four of my SSN are
8741 and the first five are 53622", "my SSN ends in 8741" (two to five digits; unlike a card's last
four, which receipts print, an SSN's last four are what a caller is asked to prove who they are).
"""

from __future__ import annotations

import re
from typing import Any

from bot.privacy.card_numbers import card_scheme
from bot.privacy.detection import PiiEntity
from bot.privacy.labels import label_pattern
from bot.privacy.number_words import digit_parts
from bot.privacy.recognizers.card_expiry import expiry_after
from bot.privacy.recognizers.common import CERTAIN_SCORE, span_result
from bot.privacy.recognizers.labelled import ID_LABELS, LABELLED_SCORE, LabelledValueRecognizer

CARD_LABELS: tuple[str, ...] = (
    r"(?:credit|debit|bank|payment)[ \t]+card",
    r"card",
    r"visa",
    r"master[ \t]?card",
    r"amex",
    r"american[ \t]+express",
    r"discover",
    r"maestro",
)
NINE_DIGIT_TYPES = (PiiEntity.US_SSN, PiiEntity.CA_SIN, PiiEntity.US_ITIN)
NINE = 9
# an identifier read out in words: this many digits
MIN_SPOKEN_ID_DIGITS = 6
MAX_SPOKEN_ID_DIGITS = 20
# the part of an SSN that a message names: two to five digits
MIN_PART_DIGITS = 2
MAX_PART_DIGITS = 5

_AFTER_LABEL = r"(?:\b(?i:number|no\.?)[ \t]*)?(?:(?i:is|are|was|reads|:|=)[ \t]*)?"
_CARD = re.compile(rf"{label_pattern(CARD_LABELS)}{_AFTER_LABEL}")
_IDS = {entity: re.compile(rf"{label_pattern(labels)}{_AFTER_LABEL}") for entity, labels in ID_LABELS.items()}
# an SSN named outright ("social" alone, which `ID_LABELS` takes right before a value, is too loose
# a sentence away: "social services")
_SSN_LABEL = r"(?:ssns?|social[ \t-]+security|soc\.?[ \t]*sec\.?)"
# "the last four of my SSN are", "the first five are", "the middle two digits:", "my SSN ends in"
_SSN_PART = re.compile(
    r"(?i:\b(?:first|last|middle)(?:[ \t]+\w+)?(?:[ \t]+(?:digits|numbers))?"
    rf"(?:[ \t]+of[ \t]+(?:my|the|his|her|our|their)[ \t]+{_SSN_LABEL}(?:[ \t]+(?:number|no\.?|\#))?)?"
    r"[ \t]*(?:are|is|were|was|=|:|-)"
    rf"|\b{_SSN_LABEL}(?:[ \t]+(?:number|no\.?|\#))?[ \t]+(?:ends?|ending|starts?|starting|begins?)"
    r"[ \t]+(?:in|with))[ \t]*"
)
_SSN_IN_SENTENCE = re.compile(rf"(?i:\b{_SSN_LABEL}\b)[^.?!\n]*\Z")
# the labels alone: most messages have none, and are told so faster than by the patterns above
_ANY_LABEL = re.compile(
    rf"(?i:\b(?:{'|'.join((*CARD_LABELS, *(label for labels in ID_LABELS.values() for label in labels)))}))"
)


def _card(text: str, parts: list[tuple[int, int, str]]) -> int | None:
    """How many parts make the longest card number from the first part on, or None; with the parts
    after it that continue its grouping (as long as its last part, after the same separator: "4111 one
    one one one 1111 1111 1111 1111"), as `payment` does for a card written plainly."""
    digits = ""
    found = None
    for count, (_, _, part) in enumerate(parts, start=1):
        digits += part
        if card_scheme(digits):
            found = count
    if found is None or found < 2:
        return found
    separator = text[parts[found - 2][1] : parts[found - 1][0]]
    while (
        found < len(parts)
        and len(parts[found][2]) == len(parts[found - 1][2])
        and text[parts[found - 1][1] : parts[found][0]] == separator
    ):
        found += 1
    return found


def _nine(parts: list[tuple[int, int, str]]) -> int | None:
    """How many parts make nine digits from the first part on, or None."""
    digits = 0
    for count, (_, _, part) in enumerate(parts, start=1):
        digits += len(part)
        if digits >= NINE:
            return count if digits == NINE else None
    return None


def _spoken_id(text: str, parts: list[tuple[int, int, str]]) -> int | None:
    """All the parts, when one of them is a word and they hold an identifier's count of digits."""
    digits = sum(len(part) for _, _, part in parts)
    spoken = any(not text[start:end].isdigit() for start, end, _ in parts)
    return len(parts) if spoken and MIN_SPOKEN_ID_DIGITS <= digits <= MAX_SPOKEN_ID_DIGITS else None


def labelled_numbers(text: str) -> list[tuple[PiiEntity, int, int, float]]:
    """(type, start, end, score) of each number after its label, its parts written any way (see the
    module's note)."""
    found: list[tuple[PiiEntity, int, int, float]] = []
    if _ANY_LABEL.search(text) is None:
        return found
    for match in _CARD.finditer(text):
        parts = digit_parts(text, match.end())
        count = _card(text, parts)
        if count is not None:
            end = parts[count - 1][1]
            end = expiry_after(text, end) or end  # "… exp 12/27": the card's expiry goes with it
            found.append((PiiEntity.CREDIT_CARD, parts[0][0], end, CERTAIN_SCORE))
    for entity, pattern in _IDS.items():
        for match in pattern.finditer(text):
            parts = digit_parts(text, match.end())
            count = _nine(parts) if entity in NINE_DIGIT_TYPES else _spoken_id(text, parts)
            if parts and count is not None:
                found.append((entity, parts[0][0], parts[count - 1][1], LABELLED_SCORE))
    for match in _SSN_PART.finditer(text):
        if _SSN_IN_SENTENCE.search(text, 0, match.end()) is None:
            continue
        parts = digit_parts(text, match.end())
        if MIN_PART_DIGITS <= sum(len(part) for _, _, part in parts) <= MAX_PART_DIGITS:
            found.append((PiiEntity.US_SSN, parts[0][0], parts[-1][1], LABELLED_SCORE))
    return found


class LabelledNumberRecognizer(LabelledValueRecognizer):
    """Numbers after their label, in parts written any way (see the module's note); a phone number's
    shape that fits one gives way to the label, as for `LabelledValueRecognizer`."""

    ENTITIES = (PiiEntity.CREDIT_CARD, *ID_LABELS)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        return [
            span_result(self, entity.value, start, end, score, "labelled number")
            for entity, start, end, score in labelled_numbers(text)
            if entity.value in entities
        ]
