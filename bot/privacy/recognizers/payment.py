"""Card numbers and IBANs: a run of characters, then the check digits decide.

Cards. A run of digit groups joined by separators (spaces, "-", " - ", "/", ".", "_", in any mix:
"4111 1111-1111 1111") is cut into the longest stretches of 12-19 digits that a card scheme issues and
that pass Luhn (see `bot.privacy.card_numbers`), so "4111 1111 1111 1111 12/27" yields the card and not
the expiry (an expiry after its label, "4111 … exp 09/28", is masked with the card: `card_expiry`). The
issuer range and Luhn decide, not the separators: a number typed with a space here and a dash there is
still a card number. Groups right before or after a card that continue its grouping
(as long as its own, after the same separator: "4111 1111 1111 1111 1111") are masked with it. Part of
a card's number, named as such after the card ("my card number starts 4111 1111", "the first 8 digits
of my card are …"), is masked when it has more digits than the last four that receipts show and
residents name a card by ("visa ending in 1234" stays), and is no date ("ends 12/2026").

IBANs. Two letters (any case), two check digits, then up to 30 letters and digits with an optional
space or dash between any two of them (also between the letters and the check digits: "G B 8 2 W E S
T …"), shortened from the end until presidio's validator accepts it: MOD 97 and the country's BBAN
format, which also fixes its length. "de89 3704 0044 0532 0130 00",
"DE 89 370400440532013000" and "DE89-3704-…" are all IBANs; "DE00 3704 …" is not.
"""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import EntityRecognizer, LocalRecognizer, Pattern
from presidio_analyzer.predefined_recognizers import IbanRecognizer as PresidioIbanRecognizer

from bot.privacy.card_numbers import MAX_LENGTH, MIN_LENGTH, card_scheme
from bot.privacy.detection import PiiEntity
from bot.privacy.recognizers.card_expiry import expiry_after
from bot.privacy.recognizers.common import (
    CERTAIN_SCORE,
    SEPARATOR,
    STRONG_SCORE,
    WEAK_SCORE,
    PhraseContext,
    ShapeRecognizer,
    span_result,
)

_CARD_RUN = re.compile(rf"(?<![\w+])\d+(?:{SEPARATOR}\d+)*(?!\w)")
_DIGIT_GROUP = re.compile(r"\d+")
# Part of a card's number, named as such: "my card number starts 4111 1111", "visa ending with 1111
# 1111", "the first 8 digits of my card are 4111 1111".
_CARD_WORD = r"(?:card|visa|mastercard|amex|maestro)"
_DIGITS_OF = r"(?:first|last)(?:[ \t]+(?:\d{1,2}|[a-z]+))?[ \t]+(?:digits|numbers)"
_WHICH_PART = rf"(?:start(?:s|ing|ed)?|begin(?:s|ning)?|end(?:s|ing|ed)?|{_DIGITS_OF})"
_PART_DIGITS = rf"[ \t:]*(?P<digits>(?<![\w+])\d+(?:{SEPARATOR}\d+)*)(?!\w)"
_CARD_PARTS = (
    re.compile(rf"(?i:\b{_WHICH_PART}\b(?:[ \t]+(?:with|in|are|is|the|digits|numbers)\b)*){_PART_DIGITS}"),
    re.compile(
        rf"(?i:\b{_DIGITS_OF}[ \t]+of[ \t]+(?:my|the|his|her|our|their)[ \t]+{_CARD_WORD}\b"
        rf"[^.?!\n\d]{{0,20}}?(?:[ \t]+(?:are|is)\b)?){_PART_DIGITS}"
    ),
)
# the card named before the part, in the same sentence: "my card number starts ..., and ends ..."
_CARD_BEFORE = re.compile(rf"(?i:\b{_CARD_WORD}\b)[^.?!\n]{{0,60}}\Z")
# an expiry or a date is no part of a card's number: "ends 12/2026", "starting 16/06/2023"
_DATE = re.compile(
    rf"\d{{1,2}}{SEPARATOR}(?:\d{{1,2}}{SEPARATOR})?(?:\d{{2}}|\d{{4}})|(?:19|20)\d{{2}}{SEPARATOR}\d{{1,2}}(?:{SEPARATOR}\d{{1,2}})?"
)
# Statements, receipts and residents name a card by its last four digits: those alone stay.
SHOWN_DIGITS = 4

# the country code and check digits, perhaps a character at a time ("G B 8 2 W E S T …")
_IBAN_START = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][ \t]?[A-Za-z][ \t]?-?[ \t]?\d[ \t]?\d")
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
            stretches = card_stretches(groups)
            for index, (first, last) in enumerate(stretches):
                before = stretches[index - 1][1] if index else -1
                after = stretches[index + 1][0] if index + 1 < len(stretches) else len(groups)
                first, last = _with_extra_groups(text, groups, first, last, before, after)
                start, end = groups[first].start(), groups[last].end()
                end = expiry_after(text, end) or end  # "4111 … exp 09/28": the expiry is card data too
                results.append(
                    span_result(self, PiiEntity.CREDIT_CARD.value, start, end, CERTAIN_SCORE, "card number")
                )
        for part in (part for pattern in _CARD_PARTS for part in pattern.finditer(text)):
            digits = "".join(_DIGIT_GROUP.findall(part.group("digits")))
            named = part.re is _CARD_PARTS[1] or _CARD_BEFORE.search(text, 0, part.start()) is not None
            if named and len(digits) > SHOWN_DIGITS and not _DATE.fullmatch(part.group("digits")):
                results.append(
                    span_result(
                        self,
                        PiiEntity.CREDIT_CARD.value,
                        *part.span("digits"),
                        STRONG_SCORE,
                        "part of a card",
                    )
                )
        return results


def _with_extra_groups(
    text: str, groups: list[re.Match[str]], first: int, last: int, before: int, after: int
) -> tuple[int, int]:
    """A card's stretch of groups (`first`..`last`) with the groups around it that continue its
    grouping (as long as its own groups, after the same separator: "4111 1111 1111 1111 1111"), up to
    the stretches of other cards (`before`, `after`)."""
    if first == last:
        return first, last  # written without groups: nothing to continue
    separator = text[groups[last - 1].end() : groups[last].start()]
    width = len(groups[last].group())
    while (
        last + 1 < after
        and len(groups[last + 1].group()) == width
        and text[groups[last].end() : groups[last + 1].start()] == separator
    ):
        last += 1
    width = len(groups[first].group())
    while (
        first - 1 > before
        and len(groups[first - 1].group()) == width
        and text[groups[first - 1].end() : groups[first].start()] == separator
    ):
        first -= 1
    return first, last


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
    after the code ("my security code is 737."). Right after the word "code", a card number or an
    expiry shortly before says which code it is: "card: 5555555555554444 expiry 04/26 code 123"."""

    PATTERNS = (
        Pattern("three or four digits (weak)", r"(?<![\w$£€.,:/-])\d{3,4}(?![\w:/-]|[.,]\d)", WEAK_SCORE),
    )
    PHRASE = re.compile(
        r"\bsecurity[ \t]+code\b|\b(?:digits|numbers|code)[ \t]+on[ \t]+the[ \t]+back\b", re.IGNORECASE
    )
    WINDOW = (40, 25)
    # "code" right before the digits, after something that is not a word naming another code ("zip code")
    CODE_BEFORE = re.compile(
        r"(?:^|[^a-z \t][ \t]*|\b(?:and|the|its|card|sec)[ \t]+)code[ \t]*(?:[:=#-]|is)?[ \t]*\Z",
        re.IGNORECASE,
    )
    EXPIRY_BEFORE = re.compile(r"\bexp(?:\.|iry|iration|ires|ire)?\b", re.IGNORECASE)
    CARD_WINDOW = 60  # characters between the card number or the expiry and the code

    ENTITY = PiiEntity.CARD_SECURITY_CODE
    CONTEXT = ("cvv", "cvv2", "cvc", "cvc2", "csc", "cid")

    def enhance_using_context(
        self,
        text: str,
        raw_recognizer_results: list[Any],
        other_raw_recognizer_results: list[Any],
        nlp_artifacts: Any,
        context: list[str] | None = None,
    ) -> list[Any]:
        results = super().enhance_using_context(
            text, raw_recognizer_results, other_raw_recognizer_results, nlp_artifacts, context
        )
        cards = [
            other.end
            for other in other_raw_recognizer_results
            if other.entity_type == PiiEntity.CREDIT_CARD.value
        ]
        for result in results:
            if result.score > WEAK_SCORE or not self.CODE_BEFORE.search(text, 0, result.start):
                continue
            window = max(0, result.start - self.CARD_WINDOW)
            after_card = any(window <= end <= result.start for end in cards)
            if after_card or self.EXPIRY_BEFORE.search(text, window, result.start):
                result.score = STRONG_SCORE
        return results
