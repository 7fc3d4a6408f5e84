"""Card numbers and IBANs: a run of characters, then the check digits decide.

Cards. A run of digit groups joined by separators (spaces, "-", " - ", "/", ".", "_", in any mix:
"4111 1111-1111 1111") is cut into the longest stretches of 12-19 digits that a card scheme issues and
that pass Luhn (see `bot.privacy.card_numbers`), so "4111 1111 1111 1111 12/27" yields the card and not
the expiry. The issuer range and Luhn decide, not the separators: a number typed with a space here and
a dash there is still a card number.

IBANs. Two letters (any case), two check digits, then up to 30 letters and digits with an optional
space or dash between any two of them, shortened from the end until presidio's validator accepts it:
MOD 97 and the country's BBAN format, which also fixes its length. "de89 3704 0044 0532 0130 00",
"DE 89 370400440532013000" and "DE89-3704-…" are all IBANs; "DE00 3704 …" is not.
"""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import EntityRecognizer, LocalRecognizer, Pattern
from presidio_analyzer.predefined_recognizers import IbanRecognizer as PresidioIbanRecognizer

from bot.privacy.card_numbers import MAX_LENGTH, MIN_LENGTH, card_scheme
from bot.privacy.detection import PiiEntity
from bot.privacy.recognizers.common import (
    CERTAIN_SCORE,
    SEPARATOR,
    WEAK_SCORE,
    PhraseContext,
    ShapeRecognizer,
    span_result,
)

_CARD_RUN = re.compile(rf"(?<![\w+])\d+(?:{SEPARATOR}\d+)*(?!\w)")
_DIGIT_GROUP = re.compile(r"\d+")

_IBAN_START = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}[ \t]?-?[ \t]?\d{2}")
_IBAN_GAP = re.compile(r"[ \t]?-?[ \t]?")
_IBAN_CHAR = re.compile(r"[A-Za-z0-9]")
IBAN_MIN_LENGTH = 15  # Norway
IBAN_MAX_LENGTH = 34


class CardRecognizer(LocalRecognizer):  # type: ignore[misc]  # presidio is untyped
    """Payment card numbers by issuer range, length and Luhn, with any separators between groups."""

    CONTEXT = ("card", "credit", "debit", "visa", "mastercard", "amex", "maestro", "jcb", "discover")

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=[PiiEntity.CREDIT_CARD.value],
            supported_language=supported_language,
            context=list(self.CONTEXT),
        )

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        results = []
        for run in _CARD_RUN.finditer(text):
            groups = list(_DIGIT_GROUP.finditer(text, run.start(), run.end()))
            for first, last in card_stretches(groups):
                start, end = groups[first].start(), groups[last].end()
                results.append(
                    span_result(self, PiiEntity.CREDIT_CARD.value, start, end, CERTAIN_SCORE, "card number")
                )
        return results


def card_stretches(groups: list[re.Match[str]]) -> list[tuple[int, int]]:
    """(first, last) group indexes of the card numbers in a run, longest first, left to right."""
    found = []
    first = 0
    while first < len(groups):
        best = None
        digits = ""
        for last in range(first, len(groups)):
            digits += groups[last].group()
            if len(digits) > MAX_LENGTH:
                break
            if len(digits) >= MIN_LENGTH and card_scheme(digits):
                best = last
        if best is None:
            first += 1
        else:
            found.append((first, best))
            first = best + 1
    return found


class IbanRecognizer(LocalRecognizer):  # type: ignore[misc]
    """IBANs in any case and spacing, checked by presidio's validator (MOD 97 and country format)."""

    CONTEXT = ("iban", "bank", "account", "transfer", "sepa")

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=[PiiEntity.IBAN_CODE.value],
            supported_language=supported_language,
            context=list(self.CONTEXT),
        )
        self._validator = PresidioIbanRecognizer(exact_match=True)

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        results = []
        position = 0
        while (start := _IBAN_START.search(text, position)) is not None:
            end = self._iban_end(text, start)
            if end is None:
                position = start.start() + 1
                continue
            results.append(
                span_result(self, PiiEntity.IBAN_CODE.value, start.start(), end, CERTAIN_SCORE, "IBAN")
            )
            position = end
        return list(EntityRecognizer.remove_duplicates(results))

    def _iban_end(self, text: str, start: re.Match[str]) -> int | None:
        """Where the IBAN that begins at `start` ends, or None when no length of it validates."""
        head = "".join(char for char in start.group() if char.isalnum())
        ends: list[int] = []
        chars: list[str] = []
        position = start.end()
        while len(head) + len(chars) < IBAN_MAX_LENGTH:
            gap = _IBAN_GAP.match(text, position)
            char = _IBAN_CHAR.match(text, gap.end()) if gap else None
            if char is None:
                break
            chars.append(char.group())
            ends.append(char.end())
            position = char.end()
        for count in range(len(chars), IBAN_MIN_LENGTH - len(head) - 1, -1):
            if count > 0 and self._validator.validate_result((head + "".join(chars[:count])).upper()):
                return ends[count - 1]
        return None


class CardSecurityCodeRecognizer(PhraseContext, ShapeRecognizer):
    """The three or four digits of a card's security code, next to "CVV", "CVC" or "CSC", or the
    phrases "security code" and "digits on the back" (any other short number, a price or an amount,
    stays; "security" alone is no context: "security deposit"). A full stop may end the sentence
    after the code ("my security code is 737.")."""

    PATTERNS = (
        Pattern("three or four digits (weak)", r"(?<![\w$£€.,:/-])\d{3,4}(?![\w:/-]|[.,]\d)", WEAK_SCORE),
    )
    PHRASE = re.compile(
        r"\bsecurity[ \t]+code\b|\b(?:digits|numbers|code)[ \t]+on[ \t]+the[ \t]+back\b", re.IGNORECASE
    )
    WINDOW = (40, 25)

    ENTITY = PiiEntity.CARD_SECURITY_CODE
    CONTEXT = ("cvv", "cvv2", "cvc", "cvc2", "csc", "cid")
