"""Values the resident labels: "my driver's licence is D1234567", "SSN 000-12-3456", "NI number:
QQ 12 34 56 C", "my BSN is 111222333", "my password is hunter2".

The other recognizers know a number by its shape and its check digits; when the shape is one they
do not know (a driving licence from any of fifty states, a health card) or the check fails (a
mistyped SSN is still the resident's SSN, give or take a digit), the label in front of it says what
it is, and its type: "SSN" makes a US_SSN, "SIN" a CA_SIN, "driver's licence" a LABELLED_ID. A
label is an identifier's name (`ID_LABELS`) or a secret's (`labels.SECRET_LABELS`), then the value
right after it, perhaps after "number", "no.", "#", ":", "=" or "is" (`bot.privacy.labels`).

- An identifier's value is one to nine groups of letters and digits ("D1234567", "QQ 12 34 56 C",
  "7ABC-123") with at least four digits and six characters, not only years or a date with a
  four-digit year: "social security 2024-2025", "passport 12/05/2027" or "Form SSA-1099" are no
  identifiers; "sort code 12-34-56" is one (a two-digit-year date right after an identifier's label
  is taken for the identifier: sort codes look like dates).
- A secret's value is the next word, whole ("S3cret!"), when it holds a digit or a symbol or is a
  long passphrase, and only after an owner or a connecting "is"/":"/"=": "my password is not
  working" names no password (`bot.privacy.labels`).

The city's own references are never labels here: a case, application, permit, ticket or utility
account number, a plate or a postcode is what a resident gives so that the city can find their file
or their street, and the status lookup reads it (see the look-alikes in `data/pii_templates.py`).
"""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import LocalRecognizer

from bot.privacy.detection import PiiEntity
from bot.privacy.labels import label_pattern, labelled_secrets
from bot.privacy.recognizers.common import span_result

LABELLED_SCORE = 0.4  # the threshold: a shape recognizer that also finds the value names its type

# The label names the type: a labelled SSN is masked as an SSN, whether or not its check passes.
ID_LABELS: dict[PiiEntity, tuple[str, ...]] = {
    PiiEntity.US_SSN: (r"ssn", r"social(?:[ \t-]+security)?"),
    PiiEntity.CA_SIN: (r"sin", r"social[ \t-]+insurance"),
    PiiEntity.UK_NINO: (r"national[ \t]+insurance", r"ni", r"nino"),
    PiiEntity.US_ITIN: (r"itin",),
    PiiEntity.PASSPORT: (r"passport",),
    PiiEntity.LABELLED_ID: (
        r"(?:driver'?s?|driving|drivers['’])[ \t]+licen[cs]e",
        r"dl",
        r"bank[ \t]+account",
        r"sort[ \t]+code",
        r"routing",
        r"nhs",
        r"health[ \t]+(?:card|insurance)",
        r"medicare",
        r"medicaid",
        r"member(?:ship)?[ \t]+id",
        r"insurance[ \t]+(?:policy|id)",
        r"student[ \t]+id",
        r"employee[ \t]+id",
        r"tax(?:payer)?[ \t]+id(?:entification)?",
        r"ein",
        r"national[ \t]+id",
        r"id[ \t]+card",
        r"green[ \t]+card",
        r"alien[ \t]+registration",
        r"a-number",
        r"visa",
        r"medical[ \t]+record",
        r"mrn",
        # national identity and tax numbers, by the names residents give them
        r"aadhaa?r",  # India
        r"pan",  # India: permanent account number
        r"bsn",  # the Netherlands: burgerservicenummer
        r"dni",  # Spain: documento nacional de identidad
        r"nie",  # Spain: número de identidad de extranjero
        r"codice[ \t]+fiscale",  # Italy
        r"cpf",  # Brazil
        r"pesel",  # Poland
        r"personnummer",  # Sweden, Norway
        r"nir",  # France: numéro d'inscription au répertoire
        r"steuer[ \t-]?id(?:entifikationsnummer)?",  # Germany
    ),
}

# a group of an identifier: holds a digit, or is one to three capital letters ("QQ", "C")
_GROUP = r"(?:[A-Za-z]*\d[A-Za-z0-9]*|[A-Z]{1,3}(?![A-Za-z]))"
_ID_VALUE = rf"(?P<value>{_GROUP}(?:[ \t./-]{_GROUP}){{0,8}})(?![\w-])"
_IDS = {
    entity: re.compile(rf"{label_pattern(labels)}(?:\b(?i:number|no\.?)[ \t]*)?{_ID_VALUE}")
    for entity, labels in ID_LABELS.items()
}

MIN_ID_DIGITS = 4
MIN_ID_CHARACTERS = 6
# a value that is only years or a date with a four-digit year ("Social Security 2024-2025", "passport
# 12/05/2027") is no identifier; a two-digit year is no date here ("sort code 12-34-56")
_YEARS_OR_DATE = re.compile(
    r"(?:19|20)\d{2}(?:[ \t./-]+(?:19|20)?\d{2})*"  # years: "2024", "2024-2025", "2024/25"
    r"|\d{1,2}([./-])\d{1,2}\1(?:19|20)\d{2}|(?:19|20)\d{2}([./-])\d{1,2}\2\d{1,2}",  # dates
    re.ASCII,
)


def labelled_ids(text: str) -> list[tuple[PiiEntity, int, int]]:
    """(type, start, end) of each identifier value a label names."""
    found = []
    for entity, pattern in _IDS.items():
        for match in pattern.finditer(text):
            value = match.group("value")
            characters = sum(char.isalnum() for char in value)
            digits = sum(char.isdigit() for char in value)
            long_enough = digits >= MIN_ID_DIGITS and characters >= MIN_ID_CHARACTERS
            if long_enough and not _YEARS_OR_DATE.fullmatch(value):
                found.append((entity, *match.span("value")))
    return found


class LabelledValueRecognizer(LocalRecognizer):  # type: ignore[misc]  # presidio is untyped
    """Identifiers and secrets named by the label in front of them (see the module's note)."""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=[entity.value for entity in (*ID_LABELS, PiiEntity.SECRET)],
            supported_language=supported_language,
            name="LabelledValueRecognizer",
        )

    def load(self) -> None:
        """Nothing to load: patterns only."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        secrets = [(PiiEntity.SECRET, start, end) for start, end in labelled_secrets(text)]
        return [
            span_result(self, entity.value, start, end, LABELLED_SCORE, "labelled")
            for entity, start, end in (*labelled_ids(text), *secrets)
            if entity.value in entities
        ]
