"""PII detection: text in, non-overlapping `PiiSpan`s out ("detect, then transform").

`PiiDetector` wraps a presidio `AnalyzerEngine` that runs fully offline: a regex tokenizer stands
in for the spaCy pipeline (see `bot.privacy.nlp_engine`) and every recognizer is a pattern, a
checksum or `phonenumbers` (see `bot.privacy.recognizers`). The analyzer reads the text decoded
(`bot.privacy.decoding`: "%40" reads "@", "&#53;" reads "5") and folded to ASCII
(`bot.privacy.folding`: "٠٦" and "０６" read as "06", a Cyrillic "З" between digits as "3"); the
decoding keeps a map back, and the folding keeps the length, so spans are offsets into what the
resident typed. Presidio is heavy to import (it pulls in spaCy), so nothing here touches it until
`warm_up()`, which keeps it from importing transformers and PyTorch as well
(`_presidio_alone`).
"""

from __future__ import annotations

import contextlib
import re
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.privacy.credentials import may_hold_credential
from bot.privacy.decoding import decode
from bot.privacy.digit_runs import unclaimed_numbers
from bot.privacy.errors import DetectorNotReadyError
from bot.privacy.folding import digit_lookalikes, fold
from bot.privacy.given_names import first_names, surnames
from bot.privacy.labels import labelled_secrets
from bot.privacy.mailboxes import names_a_webmail_provider
from bot.privacy.names import introduced_names
from bot.privacy.number_words import CARDINAL_WORDS, may_hold_spelled_number

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine


# what presidio-analyzer would import for engines askcity does not use (see `_presidio_alone`)
_UNUSED_BY_PRESIDIO = ("transformers", "torch")


@contextlib.contextmanager
def _presidio_alone() -> Iterator[None]:
    """presidio-analyzer imports its Hugging Face NLP engine with the package, which imports transformers,
    and spaCy's thinc imports PyTorch if it can: seconds of CPU and a few hundred MB in every bot, worker
    and turn process, for engines askcity never uses (its recognizers are patterns and checksums, its
    spaCy a blank tokenizer). While presidio is first imported, those packages read as not installed,
    the libraries' own fallback for that case (presidio's `is_available()` and thinc's `has_torch` turn
    False); afterwards the entries are removed, so a later import (the generative backend, the embedding
    model's first load) works as usual. A thread importing one of them in those same moments would get an
    ImportError: warm-up runs at start-up, before the server takes requests."""
    if "presidio_analyzer" in sys.modules:
        yield
        return
    blocked = [name for name in _UNUSED_BY_PRESIDIO if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        for name in blocked:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]


class PiiEntity(StrEnum):
    """The entity types we detect. Values are presidio's names where presidio has one."""

    EMAIL_ADDRESS = "EMAIL_ADDRESS"
    PHONE_NUMBER = "PHONE_NUMBER"
    CREDIT_CARD = "CREDIT_CARD"
    US_SSN = "US_SSN"
    IBAN_CODE = "IBAN_CODE"
    IP_ADDRESS = "IP_ADDRESS"
    CN_RESIDENT_ID = "CN_RESIDENT_ID"
    PASSPORT = "PASSPORT"
    STREET_ADDRESS = "STREET_ADDRESS"
    PERSON = "PERSON"
    DATE_OF_BIRTH = "DATE_OF_BIRTH"
    CARD_SECURITY_CODE = "CARD_SECURITY_CODE"
    # an identifier of a shape no other recognizer knows, named by its label; and an Italian codice
    # fiscale, by its shape (`recognizers.identity`)
    LABELLED_ID = "LABELLED_ID"
    SECRET = "SECRET"  # a password, PIN or one-time code  # noqa: S105 (a type's name, no password)
    # presidio's own recognizers (`bot.privacy.recognizers.PRESIDIO_RECOGNIZERS`)
    UK_NINO = "UK_NINO"
    UK_DRIVING_LICENCE = "UK_DRIVING_LICENCE"
    CA_SIN = "CA_SIN"
    US_ITIN = "US_ITIN"
    US_MBI = "US_MBI"


SUPPORTED_ENTITIES: tuple[str, ...] = tuple(entity.value for entity in PiiEntity)
# a long number no recognizer claims (`bot.privacy.digit_runs`): the detector's default threshold
UNCLAIMED_NUMBER_SCORE = 0.4

# Whose national phone formats are recognised (ISO 3166 codes; international "+..." numbers are
# recognised from anywhere). The first region's exit code is the one understood in "011 44 ...".
# North America, the UK and Ireland, the largest EU countries and the Benelux, and the countries
# most residents born abroad come from in English-speaking cities. Each region costs a little time
# on messages with long digit runs; regions sharing a calling code (US, CA) cost one.
DEFAULT_PHONE_REGIONS: tuple[str, ...] = (
    "US", "CA", "GB", "IE", "FR", "DE", "ES", "IT", "NL", "BE", "AU", "IN", "MX", "BR", "CN", "JP",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """One detected entity: `text[start:end]` is of type `entity_type`, with confidence `score`."""

    entity_type: str
    start: int
    end: int
    score: float


class PiiDetector:
    """Finds PII in short texts (chat messages, queries) with presidio, offline and model-free.

    `score_threshold` drops weak matches; matches that need a context word (passport numbers, local
    seven-digit phone numbers, bare nine-digit SSNs) reach it only when one is nearby.
    `phone_regions` are the regions whose national phone formats count (see `DEFAULT_PHONE_REGIONS`);
    an unknown code makes `warm_up()` raise `DetectorConfigError`.
    """

    def __init__(
        self,
        *,
        language: str = "en",
        score_threshold: float = 0.4,
        entities: tuple[str, ...] = SUPPORTED_ENTITIES,
        phone_regions: Sequence[str] = DEFAULT_PHONE_REGIONS,
    ) -> None:
        self._language = language
        self._score_threshold = score_threshold
        self._entities = list(entities)
        self._phone_regions = tuple(phone_regions)
        self._analyzer: AnalyzerEngine | None = None
        self._north_american = False  # a +1 region is configured: set by `warm_up()`
        self._lock = threading.Lock()

    @property
    def is_ready(self) -> bool:
        return self._analyzer is not None

    def warm_up(self) -> None:
        """Build the analyzer (imports presidio, compiles patterns). Idempotent and thread-safe."""
        with self._lock:
            if self._analyzer is not None:
                return
            with _presidio_alone():
                from bot.privacy.recognizers import build_analyzer

            analyzer = build_analyzer(self._language, self._phone_regions)
            import phonenumbers

            self._north_american = any(
                phonenumbers.country_code_for_region(region) == 1 for region in self._phone_regions
            )
            # One pass loads what recognizers load lazily (the public-suffix snapshot for emails), and
            # the look-alikes of digits that folding reads (Unicode's confusables), and the known names
            # that lower-case and one-word names are checked against (`bot.privacy.given_names`).
            analyzer.analyze("warm-up: a@example.com", language=self._language)
            digit_lookalikes()
            first_names()
            surnames()
            self._analyzer = analyzer

    def may_hold(self, text: str) -> bool:
        """Whether `text` could hold any entity detected here (a cheap check of shapes and labels)."""
        return _may_hold_pii(fold(decode(text).text))

    def detect(self, text: str) -> list[PiiSpan]:
        """Spans of PII in `text`, sorted by start and never overlapping."""
        if self._analyzer is None:
            raise DetectorNotReadyError("The PII detector is not ready: call warm_up() first.")
        decoded = decode(text)
        folded = fold(decoded.text)
        if not _may_hold_pii(folded):
            return []
        results = self._analyzer.analyze(
            folded,
            language=self._language,
            entities=self._entities,
            score_threshold=self._score_threshold,
        )
        found = [
            (str(result.entity_type), int(result.start), int(result.end), float(result.score))
            for result in results
        ]
        # what is left: long numbers no recognizer claims (`bot.privacy.digit_runs`)
        found += [
            (
                PiiEntity.PHONE_NUMBER.value if number.phone else PiiEntity.LABELLED_ID.value,
                number.start,
                number.end,
                UNCLAIMED_NUMBER_SCORE,
            )
            for number in unclaimed_numbers(
                folded, [(start, end) for _, start, end, _ in found], north_american=self._north_american
            )
        ]
        spans = [
            PiiSpan(entity_type, *decoded.original(start, end), score)
            for entity_type, start, end, score in found
        ]
        return resolve_overlaps(spans)


# What every entity type we detect has in it, once folded: a digit (phones, cards, SSNs, IBANs, IPs,
# IDs, passports), an "@", a bracketed "[at]", the word "at" with a "dot" after it or before a dotted
# name, perhaps in quotes (emails), or two colons around hexadecimal groups (every IPv6 address, even
# one written without digits).
_PII_SHAPE = re.compile(
    r"\d|@|[\[({<]\s*(?:at|@)\s*[\])}>]|\bat\b.*?\bdot\b|\bat\s+[\"'“”‘’]?[\w-]+\.\w"
    r"|[0-9a-f]{0,4}:[0-9a-f]{0,4}:",
    re.IGNORECASE | re.DOTALL,
)
# a house number in words after an address's label ("I live at forty two Elm Street")
_ADDRESS_IN_WORDS = re.compile(
    rf"\b(?:address|live|lives|living|reside|residing|move|moved)\b[^.?!\n\d]{{0,12}}?\b{CARDINAL_WORDS}\b",
    re.IGNORECASE,
)


def _may_hold_pii(folded: str) -> bool:
    """Whether a folded text could hold any entity we detect: one of the shapes above, a name it
    introduces (the name recognizer's own patterns), a secret after its label, which need hold no
    digit ("my password is pa$$word"; `bot.privacy.labels`), or numbers in words (a phone number read
    out, a year of birth: `bot.privacy.number_words`), or a house number in words after an address's
    label, or a credential's shape (a token's "eyJ", a private key's header: `bot.privacy.credentials`).
    Most questions hold none of them and skip the analyzer, at a fraction of the cost."""
    return (
        _PII_SHAPE.search(folded) is not None
        or _ADDRESS_IN_WORDS.search(folded) is not None
        or bool(introduced_names(folded))
        or bool(labelled_secrets(folded))
        or may_hold_spelled_number(folded)
        or names_a_webmail_provider(folded)
        or may_hold_credential(folded)
    )


def resolve_overlaps(spans: list[PiiSpan]) -> list[PiiSpan]:
    """Keep the best of overlapping spans (higher score, longer, earlier), sorted by start."""
    ranked = sorted(spans, key=lambda span: (-span.score, span.start - span.end, span.start))
    kept: list[PiiSpan] = []
    for span in ranked:
        if all(span.end <= other.start or other.end <= span.start for other in kept):
            kept.append(span)
    return sorted(kept, key=lambda span: span.start)
