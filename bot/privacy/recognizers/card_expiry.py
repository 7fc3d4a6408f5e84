"""A payment card's expiry date, after its label: "my credit card 4111 … exp 09/28 cvv 123", "my card
expires 09/28", "visa, valid thru 09/2028".

With the number and the security code, the expiry is what a card payment asks for, so it is card
data, masked where the card is:

- right after a card's number (perhaps after a comma or a bracket: "4111 …, expiry 09/27"), as part
  of the card: `CardRecognizer` extends the card's span over it (`expiry_after`), and the message is
  stored as "my credit card [CARD] cvv [CARD_CODE]";
- elsewhere, as `CARD_SECURITY_CODE` (`[CARD_CODE]`, the type of the card's other secret), when a
  payment card is named near it: "card", "credit", "debit", a scheme's name, "CVV", "CVC" or a masked
  card ("[CARD]") within `CARD_WINDOW` characters (`_CARD_WORD`), and it is no card of another kind
  ("my library card expires 09/28": `NOT_PAYMENT_CARDS`).

The label: "exp", "exp.", "expiry", "expiration", "expires", "expiring", "expired" (with "date",
":", "is", "on", "in" after it), "valid thru/through/until/till", "good thru/through/until". The date:
a month and a two- or four-digit year, "09/28", "9/28", "09/2028", "09-28". What stays: a date after a
word naming something else that expires ("my permit expires 12/27", "my card is fine but my permit
expires 12/27": `OTHER_EXPIRING`), a full date ("expires 12/05/2027"), and an expiry with no card near.
"""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import LocalRecognizer

from bot.privacy.detection import PiiEntity
from bot.privacy.recognizers.common import STRONG_SCORE, span_result

_LABEL = (
    r"(?:\bexp(?:iry|iration|ires|iring|ired|ire|\.|\b)|\bvalid[ \t]+(?:thru|through|until|till|to)\b"
    r"|\bgood[ \t]+(?:thru|through|until|till)\b)"
)
_CONNECT = r"(?:[ \t]*(?:date|dt\.?))?[ \t]*(?:[:=-]|\bis\b|\bon\b|\bin\b)?[ \t]*"
# a month, then a two- or four-digit year; no day ("12/05/2027" is a full date) and no longer number
_DATE = r"(?<![\d/.-])(?:0?[1-9]|1[0-2])[ \t]?[/-][ \t]?(?:\d{2}|(?:19|20)\d{2})(?![\w/]|[-.]\d)"
EXPIRY = re.compile(rf"(?i:{_LABEL}{_CONNECT})(?P<date>{_DATE})")
# between a card's number and its expiry's label: a space, a comma, a bracket, "and", "with"
_AFTER_CARD = re.compile(r"[ \t]*[,;(]?[ \t]*(?:(?i:and|with)[ \t]+)?")

# A payment card named near the expiry: its words, a scheme's name, its code's name, or a masked card.
_CARD_WORD = re.compile(
    r"\b(?:card|credit|debit|visa|master[ \t]?card|amex|american[ \t]+express|discover|maestro"
    r"|cvv2?|cvc2?|csc)\b",
    re.IGNORECASE,
)
CARD_WINDOW = 80  # characters before the label (and half as many after the date) that may name the card
# Cards that are no payment card, by the word before "card": their expiry is no card data.
NOT_PAYMENT_CARDS: frozenset[str] = frozenset(
    {
        "library", "loyalty", "membership", "member", "id", "identity", "bus", "transit", "travel",
        "parking", "student", "health", "green", "residents", "resident", "senior", "gym", "leisure",
        "discount", "business", "report", "key", "access", "oyster", "rail", "railcard", "donor",
        "insurance", "medicare", "medicaid", "voter", "polling", "benefits", "ebt", "snap",
    }
)  # fmt: skip
# Words right before the label that name something else that expires: "my permit expires 12/27".
OTHER_EXPIRING: frozenset[str] = frozenset(
    {
        "permit", "permits", "licence", "license", "passport", "pass", "lease", "registration", "tag",
        "tags", "sticker", "insurance", "policy", "subscription", "membership", "warranty", "offer",
        "coupon", "voucher", "quote", "password", "link", "token", "session", "certificate", "id",
        "visa", "plate", "contract", "tenancy", "booking", "reservation", "application", "notice",
    }
)  # fmt: skip
_WORD_BEFORE = re.compile(r"(\w+)[ \t'’s]*\Z")


def expiry_after(text: str, end: int) -> int | None:
    """Where the expiry right after a card's number that ends at `end` ends, or None: "4111 … exp
    09/28", "4111 …, expiry 09/27"."""
    gap = _AFTER_CARD.match(text, end)
    expiry = EXPIRY.match(text, gap.end()) if gap else None
    if gap is None or expiry is None:
        return None
    bracketed = "(" in gap.group() and text.startswith(")", expiry.end("date"))
    return expiry.end("date") + bracketed  # "4111 … (exp 09/28)": the bracket goes with it


def _names_a_payment_card(text: str, start: int, end: int) -> bool:
    window = text[max(0, start - CARD_WINDOW) : end + CARD_WINDOW // 2]
    for card in _CARD_WORD.finditer(window):
        before = _WORD_BEFORE.search(window, 0, card.start())
        kind = before.group(1).lower() if before else ""
        if card.group().lower() != "card" or kind not in NOT_PAYMENT_CARDS:
            return True
    return False


def card_expiries(text: str) -> list[tuple[int, int]]:
    """(start, end) of each expiry date of a payment card named near it (see the module's note)."""
    found = []
    for expiry in EXPIRY.finditer(text):
        before = _WORD_BEFORE.search(text, 0, expiry.start())
        if before is not None and before.group(1).lower() in OTHER_EXPIRING:
            continue
        if _names_a_payment_card(text, expiry.start(), expiry.end()):
            found.append(expiry.span("date"))
    return found


class CardExpiryRecognizer(LocalRecognizer):  # type: ignore[misc]  # presidio is untyped
    """A payment card's expiry after its label, near the card it belongs to (see the module's note)."""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=[PiiEntity.CARD_SECURITY_CODE.value],
            supported_language=supported_language,
            name=type(self).__name__,
        )

    def load(self) -> None:
        """Nothing to load: patterns only."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        entity = PiiEntity.CARD_SECURITY_CODE.value
        return [
            span_result(self, entity, start, end, STRONG_SCORE, "card expiry")
            for start, end in card_expiries(text)
        ]
