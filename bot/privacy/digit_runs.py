"""Long runs of digits that no recognizer claims: "Maria Lopez here, 9526968611", "my water account
number is 123456789012", a signature's last line "2757157125".

A resident's message has no business carrying a long bare number that the city needs the bot to
read: the city's own references have letters (`trust.case_references`), and the numbers residents
give by their shape (phones, cards, SSNs, IBANs) have recognizers that check them. A number that
none of them claims (`phonenumbers` calls "275 715 7125" invalid: area code 275 is unassigned; a
bare ten digits needs a word like "call"; an account or roll number has no shape at all) is still
the resident's, so what is left is masked after the recognizers have run (`PiiDetector.detect`):

- nine digits or more written without separators ("123456789012"), or, where the city configures a
  +1 region, a North American phone number's grouping ("275 715 7125", "275-7157125", "1 (275)
  715-7125");
- as `PHONE_NUMBER` when phone-shaped (ten digits, eleven starting with 1) or after a phone's label
  ("call", "phone", "mobile": `PhoneRecognizer.CONTEXT`), otherwise as `LABELLED_ID`.

What stays: a number right after a word that names a reference of the city's or of a business
(`REFERENCE_WORDS`: "order 167626688361", "Tracking number 9400103579107736402338", "lot
794960714622", "invoice …", "permit 2021-616646"), a book's ISBN, and numbers grouped any other way
("9336 3232 9557 0438", "78437198-5526", "978-3-174-41725-3": the shapes the other recognizers read,
with their checks, and the look-alikes the labelled set keeps), amounts ("$1,500,000", "$1500000000"),
decimals, dates and years, and anything shorter than nine digits ("call 311", "a 10 minute wait").

Plain `re`, no presidio: the detector runs it on the decoded, folded text, after the analyzer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MIN_DIGITS = 9
PHONE_DIGITS = 10  # and eleven with a leading 1 (North America's country code)

# Words that name a reference a city or a business issues, which residents give so that it can be
# found, right before the number (perhaps with "number", "no.", "#", ":" or "is" between): no label
# of the resident's own data. "account" is none of them: an account number is the resident's.
REFERENCE_WORDS: frozenset[str] = frozenset(
    {
        "order", "orders", "tracking", "track", "shipment", "parcel", "package", "delivery", "invoice",
        "invoices", "bill", "lot", "plot", "folio", "permit", "permits", "licence", "license",
        "ticket", "tickets", "citation", "pcn", "fine", "application", "case", "reference", "ref",
        "confirmation", "booking", "reservation", "receipt", "transaction", "claim", "request",
        "complaint", "report", "incident", "inspection", "meter", "file", "isbn", "book", "item",
        "product", "model", "serial", "part", "barcode", "sku", "batch", "ups", "fedex", "usps", "dhl",
        "job", "work", "project", "contract", "tender", "bid", "grant", "docket", "agenda", "ordinance",
        "resolution", "bylaw",
    }
)  # fmt: skip
# phone labels: a number after one is a phone number, whatever its length
PHONE_WORDS: frozenset[str] = frozenset(
    {
        "phone", "telephone", "tel", "mobile", "cell", "cellphone", "landline", "fax", "call", "text",
        "sms", "whatsapp", "mob", "contact", "reach", "ring", "dial",
    }
)  # fmt: skip

# nine digits or more, alone: not inside a word or a longer number, after no currency sign, before
# no decimal part, percentage or unit glued to it
_BARE = r"\d{9,}"
# a North American number's grouping: "275 715 7125", "(275) 7157125", "1 275 715 7125", "001-871-711-6480"
_SEP = r"(?:[ \t]?[-.][ \t]?|[ \t])"
_NANP = rf"(?:(?:00|011)?1{_SEP}?)?(?:\([2-9]\d\d\)[ \t]?|[2-9]\d\d{_SEP})(?:\d{{3}}{_SEP}\d{{4}}|\d{{7}})"
_EDGES = (r"(?<![\w$£€¥+#@.,/-])(?<!\d[.,/-])", r"(?![\w%]|[.,/-]\d)")
_BARE_RUN = re.compile(rf"{_EDGES[0]}{_BARE}{_EDGES[1]}")
_RUN = re.compile(rf"{_EDGES[0]}(?:{_NANP}|{_BARE}){_EDGES[1]}")
# the word before a number, perhaps with "number", "no.", "#", ":", "is" or "was" after it
_WORD_BEFORE = re.compile(
    r"([A-Za-z]+)(?:[ \t]+(?:number|num|no\.?|nr\.?|\#|id))?[ \t]*(?:[:#=]|-+|\bis\b|\bwas\b)?[ \t]*\Z",
    re.IGNORECASE,
)
# a phone's label within the few words before: "call me on", "my mobile:", "text 2757157125"
_PHONE_BEFORE = re.compile(
    rf"\b(?:{'|'.join(sorted(PHONE_WORDS))})\b(?:[ \t]+[A-Za-z]+){{0,3}}[ \t:#=.-]*\Z", re.IGNORECASE
)
_ISBN_PREFIXES = ("978", "979")
_ISBN_LENGTH = 13


def _is_isbn(digits: str) -> bool:
    """An ISBN-13: 978 or 979, and its check digit (weights 1, 3, 1, 3, …)."""
    if len(digits) != _ISBN_LENGTH or not digits.startswith(_ISBN_PREFIXES):
        return False
    return sum(int(digit) * (1 if index % 2 == 0 else 3) for index, digit in enumerate(digits)) % 10 == 0


def _phone_shaped(digits: str) -> bool:
    return len(digits) == PHONE_DIGITS or (len(digits) == PHONE_DIGITS + 1 and digits.startswith("1"))


@dataclass(frozen=True, slots=True)
class UnclaimedNumber:
    """`text[start:end]` is a long number no recognizer claimed; `phone`: masked as a phone number."""

    start: int
    end: int
    phone: bool


def unclaimed_numbers(
    text: str, claimed: list[tuple[int, int]], *, north_american: bool = True
) -> list[UnclaimedNumber]:
    """Each long run of digits in `text` that overlaps no `claimed` span and that no reference word
    names (see the module's note); North American groupings only where the city configures a +1
    region (`north_american`), as the phone recognizer reads them."""
    found: list[UnclaimedNumber] = []
    for run in (_RUN if north_american else _BARE_RUN).finditer(text):
        start, end = run.span()
        if any(start < other_end and other_start < end for other_start, other_end in claimed):
            continue
        digits = "".join(char for char in run.group() if char.isdigit())
        before = text[max(0, start - 60) : start]
        word = _WORD_BEFORE.search(before)
        if (word is not None and word.group(1).lower() in REFERENCE_WORDS) or _is_isbn(digits):
            continue
        grouped = not run.group().isdigit()  # a North American grouping
        phone = grouped or _phone_shaped(digits) or _PHONE_BEFORE.search(before) is not None
        found.append(UnclaimedNumber(start, end, phone))
    return found
