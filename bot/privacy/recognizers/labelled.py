"""Values the resident labels: "my driver's licence is D1234567", "SSN 000-12-3456", "NI number:
QQ 12 34 56 C", "my BSN is 111222333", "mi DNI es 12345678Z", "my password is hunter2".

The other recognizers know a number by its shape and its check digits; when the shape is one they
do not know (a driving licence from any of fifty states, a health card) or the check fails (a
mistyped SSN is still the resident's SSN, give or take a digit), the label in front of it says what
it is, and its type: "SSN" makes a US_SSN, "SIN" a CA_SIN, "driver's licence" a LABELLED_ID. A
label is an identifier's name (`ID_LABELS`) or a secret's (`labels.SECRET_LABELS`), then the value
right after it, perhaps after "number", "no.", "#", ":", "=", "-" or "is" (or "es", "est", "ist":
`bot.privacy.labels`).

- An identifier's value is one to nine groups of letters and digits ("D1234567", "QQ 12 34 56 C",
  "7ABC-123"), perhaps with a check character in brackets ("A123456(7)"), with at least four digits
  and six characters, not only years or a date with a four-digit year: "social security 2024-2025",
  "passport 12/05/2027" or "Form SSA-1099" are no identifiers; "sort code 12-34-56" is one (a
  two-digit-year date right after an identifier's label is taken for the identifier: sort codes look
  like dates).
- A secret's value is the next word, whole ("S3cret!"), when it holds a digit or a symbol or is a
  long passphrase: "my password is not working" names no password (`bot.privacy.labels`).
- Where a phone number's shape also fits the value, the label's type wins ("my SIN is 046 454 286" is
  a SIN, not a phone number); any other shape that fits it (an ITIN, an MBI) wins over the label.

The city's own references are never labels here: a case, application, permit, ticket or utility
account number, a plate or a postcode is what a resident gives so that the city can find their file
or their street, and the status lookup reads it (see the look-alikes in `data/pii_templates.py`). An
account number is a bank's when the resident says so: "my checking account", "my Chase account
number", "my account number is … at Chase" (`BANKS`).
"""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import LocalRecognizer

from bot.privacy.detection import PiiEntity
from bot.privacy.labels import label_pattern, labelled_secrets
from bot.privacy.recognizers.common import WEAK_SCORE, span_result
from trust.case_references import parse_reference

LABELLED_SCORE = 0.4  # the threshold: a shape recognizer that also finds the value names its type
# above any phone's score, even with a context word (STRONG_SCORE + CONTEXT_BOOST), below a check digit's
LABEL_OVER_PHONE_SCORE = 0.99

# Banks whose name before "account" ("my Chase account number is ...") or after an account number ("my
# account number is 000123456789 at Chase") makes it a bank account; a utility account number is a
# reference the city looks up, and no label.
BANKS = (
    r"chase|bank[ \t]+of[ \t]+america|wells[ \t]+fargo|citi(?:bank)?|capital[ \t]+one|u\.?s\.?[ \t]+bank|pnc|"
    r"td|truist|ally|usaa|navy[ \t]+federal|schwab|fidelity|citizens|fifth[ \t]+third|huntington|keybank|"
    r"santander|hsbc|barclays|lloyds|natwest|halifax|nationwide|monzo|revolut|starling|chime|rbc|"
    r"scotiabank|bmo|cibc|desjardins|tangerine|deutsche[ \t]+bank|sparkasse|bbva|caixabank|unicredit|"
    r"rabobank|abn[ \t]+amro|[a-z]+[ \t]+(?:bank|credit[ \t]+union|savings)|(?:the|my)[ \t]+bank|"
    r"credit[ \t]+union"
)

# The label names the type: a labelled SSN is masked as an SSN, whether or not its check passes.
ID_LABELS: dict[PiiEntity, tuple[str, ...]] = {
    PiiEntity.US_SSN: (
        r"ssn",
        r"social(?:[ \t-]+security)?",
        r"soc\.?[ \t]*sec\.?",
        r"ss(?=[ \t]*(?:#|no\b|num(?:ber)?\b))",  # "ss#", "SS number"; "SS" alone is no label
        r"s\.?[ \t]+s\.?[ \t]+n\.?",  # the label's letters spaced out: "s s n 536228741"
    ),
    PiiEntity.CA_SIN: (
        r"sin",
        r"social[ \t-]+insurance",
        r"s\.?[ \t]+i\.?[ \t]+n\.?(?=[ \t]*[:=#]?[ \t]*\d)",
    ),
    PiiEntity.UK_NINO: (r"national[ \t]+insurance", r"ni", r"n\.[ \t]?i\.", r"nino"),
    PiiEntity.US_ITIN: (r"itin",),
    PiiEntity.PASSPORT: (
        r"pass[ \t-]?port",  # "passport", "pass port"
        r"reisepass",
        r"pasaporte",
        r"passeport",
        r"passaporto",
        r"passaporte",
        r"paspoort",
    ),
    PiiEntity.LABELLED_ID: (
        r"(?:driver'?s?|driving|drivers['’])[ \t]+(?:licen[cs]e|lic\b\.?)",
        r"dl",
        rf"(?:bank|banking|checking|chequing|savings|current|{BANKS})[ \t]+(?:account|acct\b\.?)",
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
        # a number the resident holds, with its number word: "my employee number is E-445566", "library
        # card number 21234001234567" ("library card" alone, or "employee 3 was rude", names none)
        r"(?:employee|staff|payroll|member(?:ship)?|library[ \t]+card|loyalty[ \t]+card)"
        r"(?=[ \t]+(?:number|num|no\b|nr\b|\#)|\#)",
        r"tax(?:payer)?[ \t]+id(?:entification)?",
        r"(?-i:TIN)",  # a taxpayer identification number; "tin" in lower case is a metal
        r"ein",
        r"vat(?:[ \t]+(?:registration|reg\.?))?",  # a VAT number names its holder
        r"personalausweis(?:nummer)?",  # Germany: the identity card
        r"ausweis(?:nummer)?",
        r"carte[ \t]+d['’]identit[ée]",  # France
        r"carta[ \t]+d['’]identit[àa]",  # Italy
        r"documento[ \t]+(?:nacional[ \t]+)?de[ \t]+identidad",  # Spain
        r"identiteitskaart",  # the Netherlands, Belgium
        r"national[ \t]+id(?:entity|entification)?",
        r"id(?:entity)?[ \t]+card",
        r"personal[ \t]+id(?:entity|entification)?[ \t]+(?:number|code)",
        r"vin",  # a vehicle identification number
        r"vehicle[ \t]+identification",
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
        r"fiscal[ \t]+code",
        r"(?-i:CF)",
        r"cpf",  # Brazil
        r"pesel",  # Poland
        r"personnummer",  # Sweden, Norway
        r"nir",  # France: numéro d'inscription au répertoire
        r"steuer[ \t-]?id(?:entifikationsnummer)?",  # Germany
        r"cpr",  # Denmark
        r"hkid",  # Hong Kong
        r"nric",  # Singapore
        r"tfn",  # Australia: tax file number
        r"tax[ \t]+file",
        r"ppsn?",  # Ireland: personal public service number
        r"nif",  # Spain, Portugal: número de identificación fiscal
        r"curp",  # Mexico
        r"c[ée]dula",  # Latin America
        r"ahv",  # Switzerland
        r"resident[ \t]+registration",  # Korea
    ),
}

# a group of an identifier: holds a digit, or is one to three capital letters ("QQ", "C")
_GROUP = r"(?:[A-Za-z]*\d[A-Za-z0-9]*|[A-Z]{1,3}(?![A-Za-z]))"
# before the groups: the letters a number starts with, set apart ("qq 12 34 56 c", "MORGA 657054 SM9IJ":
# a UK licence's surname part), and no word of a sentence ("my visa is in 2025")
_SHORT_WORDS = r"in|on|at|to|of|is|it|my|by|no|so|or|an|as|up|do|be|he|if|me|we|us|am|go|a|i"
_PREFIX = rf"(?:(?!(?i:{_SHORT_WORDS})[ \t])(?:[A-Za-z]{{1,2}}|[A-Z]{{4,5}})[ \t](?=\d))?"
# after them: a check letter set apart, in any case ("… 56 c")
_CHECK_LETTER = r"(?:[ \t][A-Za-z](?![\w'’-]))?"
# one to nine groups, perhaps with a check character in brackets after them ("A123456(7)": HKID)
_ID_VALUE = (
    rf"(?P<value>{_PREFIX}{_GROUP}(?:[ \t./-]{_GROUP}){{0,8}}(?:[ \t]?\([0-9A-Za-z]\))?{_CHECK_LETTER})"
    r"(?![\w-])"
)
_AFTER_LABEL = r"(?:\b(?i:number|no\.?)[ \t]*)?"
_IDS = {
    entity: re.compile(rf"{label_pattern(labels)}{_AFTER_LABEL}{_ID_VALUE}")
    for entity, labels in ID_LABELS.items()
}
# "licence" alone names a driving licence when an owner or a number word says it is the resident's
# own ("my licence is A1234567", "licence no D123-4567-8901"; not "licence MB-K4XM-7BQ2-R5WE-1 approved
# yet?"), unless a word before it says which other licence it is: the city issues those and looks them
# up by their number ("my dog licence 208-6816", "business licence no BL-2024-0113").
LICENCE_KINDS: frozenset[str] = frozenset(
    {
        "business", "dog", "cat", "pet", "animal", "liquor", "alcohol", "marriage", "trade", "trading",
        "contractor", "vendor", "vending", "street", "food", "taxi", "cab", "hackney", "rental",
        "landlord", "hmo", "fishing", "hunting", "building", "music", "entertainment", "premises",
        "market", "event", "parking", "tv", "television", "software", "gaming", "lottery", "operating",
        "occupancy", "kennel", "childcare", "daycare", "tobacco", "cannabis", "sign", "film", "busking",
    }
)  # fmt: skip
_LICENCE = re.compile(rf"{label_pattern((r'licen[cs]e',))}{_AFTER_LABEL}{_ID_VALUE}")
# "ID" alone names the resident's own identity document in the same way ("my ID is …", "ID number
# 987-654-321"), unless a word before it says which record of the city's or a business's it is: those
# are references ("application ID 2024-00123", "order ID: 55512345").
ID_KINDS: frozenset[str] = frozenset(
    {
        "application", "case", "permit", "ticket", "request", "reference", "ref", "order", "tracking",
        "transaction", "confirmation", "booking", "reservation", "appointment", "customer", "account",
        "user", "login", "session", "meter", "property", "parcel", "service", "work", "job", "claim",
        "invoice", "payment", "receipt", "complaint", "report", "incident", "submission", "registration",
        "inspection", "building", "project", "file", "folio", "licence", "license", "vehicle", "device",
        "bin", "cart", "asset", "item", "product", "event", "program", "programme", "course", "class",
        "group", "team", "site", "location", "address", "unit", "lot", "plot", "stall", "vendor",
        "business", "company", "contractor", "supplier", "employer", "provider", "school", "enrolment",
        "enrollment", "message", "email", "chat", "call", "video", "meeting", "zoom", "wifi", "network",
        "apple", "google", "microsoft", "paypal", "venmo", "steam", "game",
    }
)  # fmt: skip
_ID_LABEL = r"id(?![\w-])"
_ID = re.compile(rf"{label_pattern((_ID_LABEL,))}{_AFTER_LABEL}{_ID_VALUE}")
_WORD_BEFORE = re.compile(r"(\w+)[ \t-]*\Z")
_NUMBER_WORDS = re.compile(r"\b(?:number|num|no|nr)\b|#", re.IGNORECASE)
_ACCOUNT_LABELS = (r"account", r"acct\b\.?")
# an account number the resident says is held at a bank: "my account number is 000123456789 at Chase",
# "account 000123456789 (Barclays)"
_ACCOUNT_AT_BANK = re.compile(
    rf"{label_pattern(_ACCOUNT_LABELS)}{_ID_VALUE}"
    rf"(?=[ \t]+(?i:at|with|from|in)[ \t]+(?i:{BANKS})\b|[ \t]*[(\[](?i:{BANKS})[)\]])"
)
# an account number in a message that names what only a bank account has (a sort code, a routing or
# ABA number, a SWIFT or BIC code): "my account: 12345678 sort code 12-34-56", "routing 021000021
# account 1234567890"
_ACCOUNT = re.compile(rf"{label_pattern((*_ACCOUNT_LABELS, r'a/c'))}{_ID_VALUE}")
_BANK_DETAILS = re.compile(r"(?i:\b(?:sort[ \t]+code|routing|aba|swift|bic|transit[ \t]+number|bsb)\b)")
# a value before its label: "2345 6789 0123 is my aadhaar", "E-445566 is my employee number"
_VALUE = rf"(?P<value>{_GROUP}(?:[ \t./-]{_GROUP}){{0,8}})"
_IDS_BEFORE = {
    entity: re.compile(
        rf"(?<![\w-]){_VALUE}[ \t]+(?i:is|was|=)[ \t]+(?i:my|our|his|her|their|the)[ \t]+"
        rf"(?i:{'|'.join(labels)})\b"
    )
    for entity, labels in ID_LABELS.items()
}

MIN_ID_DIGITS = 4
MIN_ID_CHARACTERS = 6
# a value that is only years or a date with a four-digit year ("Social Security 2024-2025", "passport
# 12/05/2027") or an amount ("the VAT is 1250.00") is no identifier; a two-digit year is no date here
# ("sort code 12-34-56")
_YEARS_OR_DATE = re.compile(
    r"(?:19|20)\d{2}(?:[ \t./-]+(?:19|20)?\d{2})*"  # years: "2024", "2024-2025", "2024/25"
    r"|\d{1,2}([./-])\d{1,2}\1(?:19|20)\d{2}|(?:19|20)\d{2}([./-])\d{1,2}\2\d{1,2}"  # dates
    r"|\d+(?:[., ]\d{3})*[.,]\d{2}",  # amounts
    re.ASCII,
)


def _is_identifier(value: str) -> bool:
    """Whether the value after a label is long enough for an identifier, and no year, date, amount or
    case reference of the city's ("licence MB-K4XM-7BQ2-R5WE-1": the status lookup reads it)."""
    characters = sum(char.isalnum() for char in value)
    digits = sum(char.isdigit() for char in value)
    long_enough = digits >= MIN_ID_DIGITS and characters >= MIN_ID_CHARACTERS
    return long_enough and not _YEARS_OR_DATE.fullmatch(value) and parse_reference(value) is None


def _names_a_licence(text: str, match: re.Match[str], kinds: frozenset[str] = LICENCE_KINDS) -> bool:
    """Whether "licence" (or "ID") alone names the resident's own (driving) licence: with an owner, or a
    number word or a connecting word after it ("my licence is …", "licence no …"), and no word before it
    that says it is a licence the city issues ("my dog licence", "business licence no …"; `kinds`)."""
    if match.group("owner"):
        return True
    before = _WORD_BEFORE.search(text, 0, match.start())
    if before is not None and before.group(1).lower() in kinds:
        return False
    return bool(match.group("connect") or _NUMBER_WORDS.search(text, match.start(), match.start("value")))


def labelled_ids(text: str) -> list[tuple[PiiEntity, int, int]]:
    """(type, start, end) of each identifier value a label names."""
    matches = [(entity, match) for entity, pattern in _IDS.items() for match in pattern.finditer(text)]
    matches += [(PiiEntity.LABELLED_ID, match) for match in _ACCOUNT_AT_BANK.finditer(text)]
    if _BANK_DETAILS.search(text):
        matches += [(PiiEntity.LABELLED_ID, match) for match in _ACCOUNT.finditer(text)]
    matches += [
        (entity, match) for entity, pattern in _IDS_BEFORE.items() for match in pattern.finditer(text)
    ]
    matches += [
        (PiiEntity.LABELLED_ID, match) for match in _LICENCE.finditer(text) if _names_a_licence(text, match)
    ]
    matches += [
        (PiiEntity.LABELLED_ID, match)
        for match in _ID.finditer(text)
        if _names_a_licence(text, match, ID_KINDS)
    ]
    return [
        (entity, *match.span("value")) for entity, match in matches if _is_identifier(match.group("value"))
    ]


class LabelledValueRecognizer(LocalRecognizer):  # type: ignore[misc]  # presidio is untyped
    """Identifiers and secrets named by the label in front of them (see the module's note)."""

    ENTITIES: tuple[PiiEntity, ...] = (*ID_LABELS, PiiEntity.SECRET)

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=[entity.value for entity in self.ENTITIES],
            supported_language=supported_language,
            name=type(self).__name__,
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

    def enhance_using_context(
        self,
        text: str,
        raw_recognizer_results: list[Any],
        other_raw_recognizer_results: list[Any],
        nlp_artifacts: Any,
        context: list[str] | None = None,
    ) -> list[Any]:
        """An identifier that a phone's shape also fits is the identifier its label says: a phone
        number is a guess from the digits' grouping, the label is the resident's word ("my SIN is 046
        454 286", "NHS number 943 476 5919"). Any other shape that fits it (an ITIN, an MBI: more than a
        weak match, which is a card code's three digits) still wins."""
        phone = PiiEntity.PHONE_NUMBER.value
        for result in raw_recognizer_results:
            types = {
                other.entity_type
                for other in other_raw_recognizer_results
                if other.start < result.end and result.start < other.end and other.score > WEAK_SCORE
            }
            if result.entity_type != PiiEntity.SECRET.value and phone in types <= {phone, result.entity_type}:
                result.score = max(result.score, LABEL_OVER_PHONE_SCORE)
        return raw_recognizer_results
